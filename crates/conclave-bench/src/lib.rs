//! Fixtures for Conclave's criterion benchmarks (see `benches/`).
//!
//! [`full_tree`] builds a ratchet tree of a given number of members with
//! every parent node set, directly from random keys and bytes: no
//! signatures or KEM operations, so that even 100,000 leaves build in well
//! under a second. Its parent hashes are not a valid chain; it is meant for
//! measuring hashing and merging. [`valid_tree`] is the same shape made
//! valid for a joiner (parent-hash chain, signed leaves), for measuring
//! whole-tree validation.
#![forbid(unsafe_code)]

mod full_group;
pub use full_group::full_group_welcome;

use std::sync::Arc;

use conclave_core::codec::VLBytes;
use conclave_core::crypto::{
    sign_with_label, CipherSuite, CipherSuiteProvider, SignatureKeyPair, Signer,
};
use conclave_core::tree::hash::{leaf_hash, parent_hash, parent_node_hash};
use conclave_core::tree::{NodeIndex, RatchetTree, TreeSize};
use conclave_core::wire::{
    Capabilities, Credential, CredentialType, LeafNode, LeafNodeSource, LeafNodeTbsContext, Node,
    ParentNode, ProtocolVersion,
};

fn random(cs: &dyn CipherSuiteProvider, len: usize) -> VLBytes {
    let mut bytes = vec![0u8; len];
    // The provider's RNG; a failure leaves zeros, harmless for a fixture.
    let _ = cs.random_bytes(&mut bytes);
    VLBytes::new(bytes)
}

/// A leaf node with random keys, a basic credential and source `commit`.
pub fn random_leaf(cs: &dyn CipherSuiteProvider, i: u32) -> LeafNode {
    LeafNode {
        encryption_key: random(cs, 32),
        signature_key: random(cs, 32),
        credential: Credential::basic(format!("member {i}").into_bytes()),
        capabilities: Capabilities {
            versions: vec![ProtocolVersion::MLS10],
            cipher_suites: vec![CipherSuite::X25519_AES128GCM_SHA256_ED25519],
            extensions: vec![],
            proposals: vec![],
            credentials: vec![CredentialType::BASIC],
        },
        leaf_node_source: LeafNodeSource::Commit(random(cs, cs.hash_len())),
        extensions: vec![],
        signature: random(cs, 64),
    }
}

/// The nodes of a tree of `members` leaves (padded with blank leaves to a
/// power of two) with every parent node that has a member below it set to
/// random keys and hashes.
fn full_nodes(cs: &dyn CipherSuiteProvider, members: u32) -> Vec<Option<Node>> {
    let width = TreeSize::covering(members).map_or(1, |w| w.node_width());
    (0..width)
        .map(|x| {
            let node = NodeIndex(x);
            match node.leaf() {
                Some(l) => (l.0 < members).then(|| Node::Leaf(random_leaf(cs, l.0))),
                // The leftmost leaf below a parent is `x + 1 - 2^level`, halved.
                None => ((x + 1 - (1 << node.level())) / 2 < members).then(|| {
                    Node::Parent(ParentNode {
                        encryption_key: random(cs, 32),
                        parent_hash: random(cs, cs.hash_len()),
                        unmerged_leaves: vec![],
                    })
                }),
            }
        })
        .collect()
}

fn import(cs: &dyn CipherSuiteProvider, nodes: Vec<Option<Node>>) -> RatchetTree {
    let last = nodes.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
    RatchetTree::from_nodes(cs, nodes.into_iter().take(last).collect())
        .unwrap_or_else(|e| panic!("fixture tree: {e}"))
}

/// A tree of `members` leaves with every parent node above a member set, to
/// random keys and bytes (parent hashes are not a valid chain; no signatures).
pub fn full_tree(cs: &dyn CipherSuiteProvider, members: u32) -> RatchetTree {
    import(cs, full_nodes(cs, members))
}

/// Like [`full_tree`], but valid as a joiner checks it (RFC 9420 §12.4.3.1):
/// every parent's left child carries the parent's parent hash (so every
/// parent is parent-hash valid), every leaf has its own signature key and is
/// signed over its LeafNodeTBS with `group_id`. Built in one pass: each
/// subtree's hash is computed once, right subtree first, since the left
/// child's parent hash covers the right subtree's tree hash (§7.9).
pub fn valid_tree(cs: &Arc<dyn CipherSuiteProvider>, members: u32, group_id: &[u8]) -> RatchetTree {
    let mut nodes = full_nodes(cs.as_ref(), members);
    let root = TreeSize::covering(members).map_or(NodeIndex(0), |w| w.root());
    if let Err(e) = link(cs, &mut nodes, root, group_id) {
        panic!("fixture tree: {e}");
    }
    import(cs.as_ref(), nodes)
}

/// Finalises the subtree at `x` (its own `parent_hash` already set) and
/// returns its tree hash.
fn link(
    cs: &Arc<dyn CipherSuiteProvider>,
    nodes: &mut [Option<Node>],
    x: NodeIndex,
    group_id: &[u8],
) -> Result<Vec<u8>, conclave_core::Error> {
    let slot = x.0 as usize;
    if let Some(leaf_index) = x.leaf() {
        if let Some(Some(Node::Leaf(leaf))) = nodes.get_mut(slot) {
            let signer = SignatureKeyPair::generate(Arc::clone(cs))?;
            leaf.signature_key = signer.public_key().to_vec().into();
            let tbs = leaf.tbs_bytes(Some(LeafNodeTbsContext {
                group_id,
                leaf_index: leaf_index.0,
            }))?;
            leaf.signature = sign_with_label(&signer, "LeafNodeTBS", &tbs)?.into();
        }
        let leaf = match nodes.get(slot) {
            Some(Some(Node::Leaf(l))) => Some(l),
            _ => None,
        };
        return leaf_hash(cs.as_ref(), leaf_index, leaf);
    }
    let (Some(left), Some(right)) = (x.left(), x.right()) else {
        return Err(conclave_core::Error::Internal("parent without children"));
    };
    let right_hash = link(cs, nodes, right, group_id)?;
    if let Some(Some(Node::Parent(p))) = nodes.get(slot) {
        let ph = parent_hash(
            cs.as_ref(),
            p.encryption_key.as_slice(),
            p.parent_hash.as_slice(),
            &right_hash,
        )?;
        match nodes.get_mut(left.0 as usize) {
            Some(Some(Node::Parent(l))) => l.parent_hash = ph.into(),
            Some(Some(Node::Leaf(l))) => l.leaf_node_source = LeafNodeSource::Commit(ph.into()),
            _ => {}
        }
    }
    let left_hash = link(cs, nodes, left, group_id)?;
    let node = match nodes.get(slot) {
        Some(Some(Node::Parent(p))) => Some(p),
        _ => None,
    };
    parent_node_hash(cs.as_ref(), node, &left_hash, &right_hash)
}
