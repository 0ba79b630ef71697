//! `tree-operations.json`: applying an Add, Update or Remove to a ratchet
//! tree (RFC 9420 §12.1.1–§12.1.3, §7.7), the serialized result byte for byte
//! (§12.4.3.3) and the tree hashes before and after (§7.8).
//!
//! No group id is given, so the Update's leaf signature cannot be checked:
//! the proposal is only applied (README §2.9).

use conclave_core::codec::{decode_exact, encode};
use conclave_core::crypto::CipherSuiteProvider;
use conclave_core::tree::{LeafIndex, NodeIndex, RatchetTree, TreeView};
use conclave_core::wire::{Node, Proposal};
use serde_json::Value;

use super::{suite_of, CaseResult};
use crate::hexjson::{bytes, check_bytes, uint};

/// Decodes and imports a serialized `ratchet_tree`.
pub fn import(cs: &dyn CipherSuiteProvider, bytes: &[u8]) -> Result<RatchetTree, String> {
    let nodes: Vec<Option<Node>> = decode_exact(bytes).map_err(|e| format!("ratchet tree: {e}"))?;
    RatchetTree::from_nodes(cs, nodes).map_err(|e| format!("ratchet tree: {e}"))
}

/// Checks that every cached subtree hash of `tree` equals a full recomputation.
pub fn check_hash_cache(cs: &dyn CipherSuiteProvider, tree: &RatchetTree) -> Result<(), String> {
    let encoded = encode(&tree.to_nodes()).map_err(|e| e.to_string())?;
    let fresh = import(cs, &encoded)?;
    for x in (0..tree.width().node_width()).map(NodeIndex) {
        if tree.node_hash(x) != fresh.node_hash(x) {
            return Err(format!("cached hash of node {} is stale", x.0));
        }
    }
    Ok(())
}

/// Runs one case.
pub fn run(case: &Value, provider: &dyn conclave_core::crypto::CryptoProvider) -> CaseResult {
    let cs = suite_of(case, provider)?;
    let cs = &*cs;
    let mut tree = import(cs, &bytes(case, "tree_before")?)?;
    check_bytes(
        "tree_hash_before",
        &bytes(case, "tree_hash_before")?,
        tree.root_hash(),
    )?;
    let proposal: Proposal =
        decode_exact(&bytes(case, "proposal")?).map_err(|e| format!("proposal: {e}"))?;
    let sender = u32::try_from(uint(case, "proposal_sender")?).map_err(|e| e.to_string())?;
    let mut diff = tree.diff();
    match proposal {
        Proposal::Add(add) => {
            diff.add_leaf(add.key_package.leaf_node)
                .map_err(|e| e.to_string())?;
        }
        Proposal::Update(update) => diff
            .update_leaf(LeafIndex(sender), *update.leaf_node)
            .map_err(|e| e.to_string())?,
        Proposal::Remove(remove) => {
            if diff.leaf(LeafIndex(remove.removed)).is_none() {
                return Err(format!("Remove of blank leaf {}", remove.removed).into());
            }
            diff.remove_leaf(LeafIndex(remove.removed))
                .map_err(|e| e.to_string())?
        }
        other => return Err(format!("unexpected proposal {other:?}").into()),
    }
    let changes = diff.into_changes(cs).map_err(|e| e.to_string())?;
    tree.merge(changes).map_err(|e| e.to_string())?;
    let after = encode(&tree.to_nodes()).map_err(|e| e.to_string())?;
    check_bytes("tree_after", &bytes(case, "tree_after")?, &after)?;
    check_bytes(
        "tree_hash_after",
        &bytes(case, "tree_hash_after")?,
        tree.root_hash(),
    )?;
    check_hash_cache(cs, &tree)?;
    Ok(())
}
