//! An index of the public keys in a group's ratchet tree, so that the
//! uniqueness rules for a received commit's UpdatePath cost O(path · log N)
//! rather than a scan of the whole tree: "none of the public keys in the
//! UpdatePath appear in any node of the new ratchet tree" (RFC 9420
//! §12.4.2, §16.8), and the committer's leaf's signature key is unique
//! among the members (§7.3).
//!
//! The index maps a keyed hash of each node's encryption key (and of each
//! leaf's signature key) to the node's index; a hit is confirmed against
//! the tree itself, so a hash collision can only cost a comparison, never
//! a wrong answer. The hash key is random per index (an adversary cannot
//! aim keys at one bucket). The index is kept in step with the tree by
//! updating the nodes a merge changes, O(changed nodes).

use std::collections::BTreeSet;
use std::hash::{BuildHasher, RandomState};

use crate::error::Result;
use crate::tree::{LeafIndex, NodeIndex, NodeRef, RatchetTree, TreeDiff, TreeView};
use crate::ProtocolError;

/// One index entry: (keyed hash of a key, node or leaf index).
type Entry = (u64, u32);

/// Keyed hashes of the tree's encryption keys (by node) and signature keys
/// (by leaf).
#[derive(Clone)]
pub(crate) struct KeyIndex {
    hasher: RandomState,
    /// `(hash of encryption key, node index)`.
    encryption: BTreeSet<Entry>,
    /// `(hash of signature key, leaf index)`.
    signature: BTreeSet<Entry>,
}

impl core::fmt::Debug for KeyIndex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyIndex")
            .field("encryption_keys", &self.encryption.len())
            .field("signature_keys", &self.signature.len())
            .finish()
    }
}

impl KeyIndex {
    /// The index of every non-blank node of `tree`, O(N).
    pub fn build(tree: &RatchetTree) -> Self {
        let mut index = Self {
            hasher: RandomState::new(),
            encryption: BTreeSet::new(),
            signature: BTreeSet::new(),
        };
        for x in (0..tree.width().node_width()).map(NodeIndex) {
            index.insert(tree, x);
        }
        index
    }

    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    fn entries(&self, tree: &RatchetTree, x: NodeIndex) -> Option<(Entry, Option<Entry>)> {
        let node = tree.node(x)?;
        let signature = match (node, x.leaf()) {
            (NodeRef::Leaf(leaf), Some(l)) => Some((self.hash(leaf.signature_key.as_slice()), l.0)),
            _ => None,
        };
        Some(((self.hash(node.encryption_key()), x.0), signature))
    }

    fn insert(&mut self, tree: &RatchetTree, x: NodeIndex) {
        if let Some((e, s)) = self.entries(tree, x) {
            self.encryption.insert(e);
            if let Some(s) = s {
                self.signature.insert(s);
            }
        }
    }

    fn remove(&mut self, tree: &RatchetTree, x: NodeIndex) {
        if let Some((e, s)) = self.entries(tree, x) {
            self.encryption.remove(&e);
            if let Some(s) = s {
                self.signature.remove(&s);
            }
        }
    }

    /// Before `tree` is changed at the nodes `changed`: drops their entries.
    pub fn before_merge(&mut self, tree: &RatchetTree, changed: &BTreeSet<u32>) {
        for &x in changed {
            self.remove(tree, NodeIndex(x));
        }
    }

    /// After `tree` was changed at the nodes `changed`: adds their entries.
    pub fn after_merge(&mut self, tree: &RatchetTree, changed: &BTreeSet<u32>) {
        for &x in changed {
            self.insert(tree, NodeIndex(x));
        }
    }

    /// The nodes of the indexed tree whose encryption key may be `key`.
    fn encryption_candidates(&self, key: &[u8]) -> impl Iterator<Item = NodeIndex> + '_ {
        let h = self.hash(key);
        self.encryption
            .range((h, 0)..=(h, u32::MAX))
            .map(|&(_, x)| NodeIndex(x))
    }

    /// The leaves of the indexed tree whose signature key may be `key`.
    fn signature_candidates(&self, key: &[u8]) -> impl Iterator<Item = LeafIndex> + '_ {
        let h = self.hash(key);
        self.signature
            .range((h, 0)..=(h, u32::MAX))
            .map(|&(_, l)| LeafIndex(l))
    }
}

/// §12.4.2, §16.8 and §7.3 for a received commit, applied to `diff`
/// (staged over the indexed tree). `subjects` are the nodes the commit
/// writes with new keys: the committer's leaf and its path's nodes, and the
/// leaves of its Adds and Updates. No subject's encryption key may appear
/// at any other node of the new tree ("none of the public keys in the
/// UpdatePath appear in any node of the new ratchet tree"; leaf node
/// validation: `encryption_key` unique), nor a subject leaf's signature key
/// at any other leaf. Every other node of the new tree is in the index,
/// unchanged, so each subject costs O(log N).
pub(crate) fn check_new_keys(
    index: &KeyIndex,
    diff: &TreeDiff<'_>,
    subjects: &[NodeIndex],
) -> Result<()> {
    let key_at = |x: NodeIndex| diff.node(x).map(|n| n.encryption_key());
    let signature_at = |x: NodeIndex| match diff.node(x) {
        Some(NodeRef::Leaf(leaf)) => Some(leaf.signature_key.as_slice()),
        _ => None,
    };
    for &w in subjects {
        let Some(key) = key_at(w) else {
            continue;
        };
        let duplicate = index
            .encryption_candidates(key)
            .chain(subjects.iter().copied())
            .find(|&y| y != w && key_at(y) == Some(key));
        if let Some(y) = duplicate {
            return Err(ProtocolError::DuplicateEncryptionKey { node: y.0.max(w.0) }.into());
        }
        let Some(key) = signature_at(w) else {
            continue;
        };
        let duplicate = index
            .signature_candidates(key)
            .map(LeafIndex::node)
            .chain(subjects.iter().copied())
            .find(|&y| y != w && signature_at(y) == Some(key));
        if let Some(y) = duplicate {
            return Err(ProtocolError::DuplicateSignatureKey {
                leaf: y.0.max(w.0) / 2,
            }
            .into());
        }
    }
    Ok(())
}
