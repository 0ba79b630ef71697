//! Read-only queries over a ratchet tree, shared by the stored tree
//! ([`RatchetTree`](super::RatchetTree)) and a staged copy-on-write diff over
//! it ([`TreeDiff`](super::TreeDiff)): node access, resolutions (RFC 9420
//! §4.1.1), filtered direct paths and copaths (§4.1.2).

use super::math::{LeafIndex, NodeIndex, TreeSize};
use crate::wire::{LeafNode, ParentNode};

/// A borrowed non-blank node.
#[derive(Debug, Clone, Copy)]
pub enum NodeRef<'a> {
    /// A leaf (even node index).
    Leaf(&'a LeafNode),
    /// A parent (odd node index).
    Parent(&'a ParentNode),
}

impl<'a> NodeRef<'a> {
    /// The node's HPKE public key.
    pub fn encryption_key(self) -> &'a [u8] {
        match self {
            Self::Leaf(l) => l.encryption_key.as_slice(),
            Self::Parent(p) => p.encryption_key.as_slice(),
        }
    }

    /// The `parent_hash` field: a parent's, or a leaf's if its source is
    /// `commit`; `None` for other leaves.
    pub fn parent_hash(self) -> Option<&'a [u8]> {
        match self {
            Self::Leaf(l) => l.parent_hash(),
            Self::Parent(p) => Some(p.parent_hash.as_slice()),
        }
    }
}

/// The unmerged leaves of a parent node, as leaf indices.
pub fn unmerged(p: &ParentNode) -> impl Iterator<Item = LeafIndex> + '_ {
    p.unmerged_leaves.iter().map(|&l| LeafIndex(l))
}

/// Whether `leaf` is in the subtree headed by `x`.
pub fn subtree_contains(x: NodeIndex, leaf: LeafIndex) -> bool {
    let k = x.level();
    let n = u64::from(leaf.0) * 2;
    let lo = u64::from(x.0) - ((1u64 << k) - 1);
    let hi = u64::from(x.0) + ((1u64 << k) - 1);
    lo <= n && n <= hi
}

/// The node indices `[first, last]` of the subtree headed by `x`: in the
/// array layout a subtree is a contiguous range (Appendix C).
pub fn subtree_nodes(x: NodeIndex) -> (u64, u64) {
    let span = (1u64 << x.level()) - 1;
    (u64::from(x.0) - span, u64::from(x.0) + span)
}

/// Read access to a ratchet tree. The width is always a power of two (§7.7):
/// every node index below `2 * width - 1` exists, blank or not.
pub trait TreeView {
    /// The number of leaves (a power of two, at least one).
    fn width(&self) -> TreeSize;

    /// The leaf at `i`, `None` if blank or outside the tree.
    fn leaf(&self, i: LeafIndex) -> Option<&LeafNode>;

    /// The parent node at odd index `x`, `None` if blank, a leaf index or outside.
    fn parent(&self, x: NodeIndex) -> Option<&ParentNode>;

    /// The cached tree hash of node `x` (§7.8), if it is up to date.
    fn cached_hash(&self, x: NodeIndex) -> Option<&[u8]>;

    /// Whether the subtree headed by `x` holds any non-blank node. The
    /// default walks the subtree; the stored tree and diffs answer from an
    /// ordered index of non-blank nodes in O(log N).
    fn subtree_has_node(&self, x: NodeIndex) -> bool {
        if self.node(x).is_some() {
            return true;
        }
        match (x.left(), x.right()) {
            (Some(l), Some(r)) => self.subtree_has_node(l) || self.subtree_has_node(r),
            _ => false,
        }
    }

    /// The node at `x`, `None` if blank.
    fn node(&self, x: NodeIndex) -> Option<NodeRef<'_>> {
        match x.leaf() {
            Some(l) => self.leaf(l).map(NodeRef::Leaf),
            None => self.parent(x).map(NodeRef::Parent),
        }
    }

    /// Whether node `x` is blank.
    fn is_blank(&self, x: NodeIndex) -> bool {
        self.node(x).is_none()
    }

    /// The root node.
    fn root(&self) -> NodeIndex {
        self.width().root()
    }

    /// The number of leaves, blank or not (`width`).
    fn leaf_count(&self) -> u32 {
        self.width().leaves()
    }

    /// The resolution of `x` (§4.1.1): the non-blank nodes covering every
    /// non-blank descendant, depth-first, left first.
    fn resolution(&self, x: NodeIndex) -> Vec<NodeIndex> {
        let mut out = Vec::new();
        self.resolution_into(x, &mut out);
        out
    }

    /// Appends the resolution of `x` to `out`. The default walks the
    /// subtree; the stored tree answers from its index of non-blank nodes,
    /// and a diff hands the subtrees it did not touch to the stored tree.
    fn resolution_into(&self, x: NodeIndex, out: &mut Vec<NodeIndex>) {
        resolve_into(self, x, out, usize::MAX);
    }

    /// The first `limit` nodes of the resolution of `x`.
    fn resolution_limited(&self, x: NodeIndex, limit: usize) -> Vec<NodeIndex> {
        let mut out = Vec::new();
        resolve_into(self, x, &mut out, limit);
        out
    }

    /// Whether the resolution of `x` is empty: whether its subtree holds no
    /// non-blank node (the resolution covers every non-blank descendant).
    fn resolution_is_empty(&self, x: NodeIndex) -> bool {
        !self.subtree_has_node(x)
    }

    /// The filtered direct path of `leaf` (§4.1.2), as pairs (node on the
    /// direct path, its child on the copath of `leaf`), from the leaf up.
    fn filtered_direct_path(&self, leaf: LeafIndex) -> Vec<(NodeIndex, NodeIndex)> {
        let size = self.width();
        let mut out = Vec::new();
        if leaf.0 >= size.leaves() {
            return out;
        }
        let mut cur = leaf.node();
        while let (Some(p), Some(s)) = (size.parent(cur), size.sibling(cur)) {
            if !self.resolution_is_empty(s) {
                out.push((p, s));
            }
            cur = p;
        }
        out
    }

    /// The leaf indices of non-blank leaves, in order.
    fn member_indices(&self) -> Vec<LeafIndex> {
        (0..self.leaf_count())
            .map(LeafIndex)
            .filter(|&l| self.leaf(l).is_some())
            .collect()
    }
}

/// Appends the resolution of `x` to `out`, stopping once `out` holds `limit` nodes.
fn resolve_into<V: TreeView + ?Sized>(
    view: &V,
    x: NodeIndex,
    out: &mut Vec<NodeIndex>,
    limit: usize,
) {
    if out.len() >= limit {
        return;
    }
    match view.node(x) {
        Some(NodeRef::Leaf(_)) => out.push(x),
        Some(NodeRef::Parent(p)) => {
            out.push(x);
            out.extend(unmerged(p).map(LeafIndex::node));
            out.truncate(limit);
        }
        None => {
            if !view.subtree_has_node(x) {
                return;
            }
            if let (Some(l), Some(r)) = (x.left(), x.right()) {
                resolve_into(view, l, out, limit);
                resolve_into(view, r, out, limit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtree_membership_follows_the_array_layout() {
        // Node 3 heads leaves 0..=3; node 11 heads leaves 4..=7; a leaf heads itself.
        assert!(subtree_contains(NodeIndex(3), LeafIndex(0)));
        assert!(subtree_contains(NodeIndex(3), LeafIndex(3)));
        assert!(!subtree_contains(NodeIndex(3), LeafIndex(4)));
        assert!(subtree_contains(NodeIndex(11), LeafIndex(7)));
        assert!(!subtree_contains(NodeIndex(11), LeafIndex(3)));
        assert!(subtree_contains(NodeIndex(6), LeafIndex(3)));
        assert!(!subtree_contains(NodeIndex(6), LeafIndex(2)));
        // The largest root covers every leaf; far out of range, no overflow.
        assert!(subtree_contains(NodeIndex(u32::MAX), LeafIndex(0)));
        assert!(!subtree_contains(NodeIndex(7), LeafIndex(u32::MAX)));
    }
}
