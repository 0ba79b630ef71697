//! The HPKE private keys a member holds in the ratchet tree (RFC 9420 §4.2,
//! §7.4): its leaf's and those of the nodes above it that it learned through
//! UpdatePaths. Kept apart from the public tree, so that the public tree can be
//! shared, stored and sent without secrets.

use std::collections::BTreeMap;

use super::math::{LeafIndex, NodeIndex, TreeSize};
use super::view::TreeView;
use crate::crypto::Secret;

/// The private keys of one member: its leaf index and a map from node index
/// to HPKE private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreePrivateKeys {
    own_leaf: LeafIndex,
    keys: BTreeMap<NodeIndex, Secret>,
}

impl TreePrivateKeys {
    /// The keys of the member at `own_leaf`, starting with its leaf key.
    pub fn new(own_leaf: LeafIndex, leaf_private_key: Secret) -> Self {
        let mut keys = BTreeMap::new();
        keys.insert(own_leaf.node(), leaf_private_key);
        Self { own_leaf, keys }
    }

    /// The member's leaf.
    pub fn own_leaf(&self) -> LeafIndex {
        self.own_leaf
    }

    /// The private key of node `x`, if held.
    pub fn get(&self, x: NodeIndex) -> Option<&Secret> {
        self.keys.get(&x)
    }

    /// Stores the private key of node `x`.
    pub fn insert(&mut self, x: NodeIndex, key: Secret) {
        self.keys.insert(x, key);
    }

    /// Forgets the private key of node `x`.
    pub fn remove(&mut self, x: NodeIndex) {
        self.keys.remove(&x);
    }

    /// The nodes whose key is held.
    pub fn nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.keys.keys().copied()
    }

    /// Forgets the key of every node that is blank or outside `view` (after
    /// Update and Remove proposals blanked paths, or a truncation), so that
    /// no key of a replaced node can be used again (§7.5).
    pub fn prune<V: TreeView + ?Sized>(&mut self, view: &V) {
        self.keys.retain(|x, _| view.node(*x).is_some());
    }

    /// Forgets every key of a node on the direct path of `leaf` in a tree of
    /// width `size` (the path was blanked or replaced), and every key of a
    /// node outside the tree (after a truncation).
    pub fn forget_path(&mut self, size: TreeSize, leaf: LeafIndex) {
        for p in size.direct_path(leaf.node()) {
            self.keys.remove(&p);
        }
        self.keys.retain(|x, _| size.contains(*x));
    }
}
