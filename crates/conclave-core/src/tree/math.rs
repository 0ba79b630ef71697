//! Array-based tree math (RFC 9420 Appendix C).
//!
//! Leaves sit at even node indices (`leaf n` at node `2n`), parents at odd
//! ones. A [`TreeSize`] is a number of leaves; the functions work for any
//! size, though MLS trees always have a power-of-two number of leaves (§7.7).
//! Indices are `u32` as on the wire; sizes are bounded by [`TreeSize::MAX_LEAVES`]
//! so that every node index fits.

/// The index of a leaf (`uint32 leaf_index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LeafIndex(pub u32);

/// The index of a node in the array representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeIndex(pub u32);

/// The width of a tree, in leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TreeSize(u32);

impl LeafIndex {
    /// The node index of this leaf: `2 * leaf`.
    pub fn node(self) -> NodeIndex {
        NodeIndex(self.0 * 2)
    }
}

impl NodeIndex {
    /// Whether this node is a leaf (even index).
    pub fn is_leaf(self) -> bool {
        self.0 & 1 == 0
    }

    /// The leaf at this node, if it is one.
    pub fn leaf(self) -> Option<LeafIndex> {
        self.is_leaf().then_some(LeafIndex(self.0 / 2))
    }

    /// The level of a node: 0 for leaves, one more than its children for parents.
    pub fn level(self) -> u32 {
        self.0.trailing_ones()
    }

    /// The left child of a parent node; `None` for a leaf.
    pub fn left(self) -> Option<NodeIndex> {
        let k = self.level();
        (k > 0).then(|| NodeIndex(self.0 ^ (1 << (k - 1))))
    }

    /// The right child of a parent node; `None` for a leaf.
    pub fn right(self) -> Option<NodeIndex> {
        let k = self.level();
        (k > 0).then(|| NodeIndex(self.0 ^ (3 << (k - 1))))
    }
}

fn log2(x: u32) -> u32 {
    if x == 0 {
        0
    } else {
        31 - x.leading_zeros()
    }
}

impl TreeSize {
    /// The largest supported number of leaves: every node index fits in a `u32`.
    pub const MAX_LEAVES: u32 = 1 << 31;

    /// A tree of `leaves` leaves; `None` above [`Self::MAX_LEAVES`].
    pub fn new(leaves: u32) -> Option<Self> {
        (leaves <= Self::MAX_LEAVES).then_some(Self(leaves))
    }

    /// The smallest power-of-two width holding `leaves` leaves (§7.7: trees
    /// grow by doubling); `None` above [`Self::MAX_LEAVES`].
    pub fn covering(leaves: u32) -> Option<Self> {
        if leaves > Self::MAX_LEAVES {
            return None;
        }
        Some(Self(leaves.max(1).next_power_of_two()))
    }

    /// The number of leaves.
    pub fn leaves(self) -> u32 {
        self.0
    }

    /// `node_width(n)`: the number of nodes of the array, `2(n-1)+1`.
    pub fn node_width(self) -> u32 {
        if self.0 == 0 {
            0
        } else {
            2 * (self.0 - 1) + 1
        }
    }

    /// The root node of the tree.
    pub fn root(self) -> NodeIndex {
        let w = self.node_width();
        NodeIndex((1u32 << log2(w)) - 1)
    }

    /// Whether `node` lies inside the tree's array.
    pub fn contains(self, node: NodeIndex) -> bool {
        node.0 < self.node_width()
    }

    /// The parent of `x`; `None` for the root (or a node outside the tree).
    pub fn parent(self, x: NodeIndex) -> Option<NodeIndex> {
        if x == self.root() || !self.contains(x) {
            return None;
        }
        let mut p = raw_parent(x);
        // In a tree that is not a power of two wide, the raw parent can lie
        // outside the array; climb until it is inside (Appendix C).
        while !self.contains(p) {
            p = raw_parent(p);
        }
        Some(p)
    }

    /// The other child of `x`'s parent; `None` for the root.
    pub fn sibling(self, x: NodeIndex) -> Option<NodeIndex> {
        let p = self.parent(x)?;
        if x < p {
            self.right_within(p)
        } else {
            p.left()
        }
    }

    /// The right child of `p`, descending left while it lies outside the array.
    fn right_within(self, p: NodeIndex) -> Option<NodeIndex> {
        let mut r = p.right()?;
        while !self.contains(r) {
            r = r.left()?;
        }
        Some(r)
    }

    /// The direct path of `x`, from its parent to the root.
    pub fn direct_path(self, x: NodeIndex) -> Vec<NodeIndex> {
        let mut path = Vec::with_capacity(log2(self.node_width()) as usize + 1);
        let mut cur = x;
        while let Some(p) = self.parent(cur) {
            path.push(p);
            cur = p;
        }
        path
    }

    /// The copath of `x`: the siblings of `x` and of each node of its direct
    /// path but the root, from the leaf up.
    pub fn copath(self, x: NodeIndex) -> Vec<NodeIndex> {
        let mut out = Vec::with_capacity(log2(self.node_width()) as usize + 1);
        let mut cur = x;
        while let Some(s) = self.sibling(cur) {
            out.push(s);
            // parent() is Some whenever sibling() is.
            match self.parent(cur) {
                Some(p) => cur = p,
                None => break,
            }
        }
        out
    }

    /// The lowest common ancestor of two nodes.
    pub fn common_ancestor(self, x: NodeIndex, y: NodeIndex) -> NodeIndex {
        let (lx, ly) = (x.level() + 1, y.level() + 1);
        if lx <= ly && x.0 >> ly == y.0 >> ly {
            return y;
        }
        if ly <= lx && x.0 >> lx == y.0 >> lx {
            return x;
        }
        let (mut xn, mut yn, mut k) = (x.0, y.0, 0u32);
        while xn != yn {
            xn >>= 1;
            yn >>= 1;
            k += 1;
        }
        NodeIndex((xn << k) + (1 << (k - 1)) - 1)
    }
}

/// The parent of `x` in an infinite balanced tree.
fn raw_parent(x: NodeIndex) -> NodeIndex {
    let k = x.level();
    let b = (x.0 >> (k + 1)) & 1;
    NodeIndex((x.0 | (1 << k)) ^ (b << (k + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_leaf_tree_matches_figure() {
        let t = TreeSize::new(8).unwrap();
        assert_eq!(t.node_width(), 15);
        assert_eq!(t.root(), NodeIndex(7));
        assert_eq!(t.parent(NodeIndex(0)), Some(NodeIndex(1)));
        assert_eq!(t.parent(NodeIndex(7)), None);
        assert_eq!(
            t.direct_path(NodeIndex(4)),
            vec![NodeIndex(5), NodeIndex(3), NodeIndex(7)]
        );
        assert_eq!(
            t.copath(NodeIndex(4)),
            vec![NodeIndex(6), NodeIndex(1), NodeIndex(11)]
        );
        assert_eq!(t.common_ancestor(NodeIndex(0), NodeIndex(6)), NodeIndex(3));
        assert_eq!(t.common_ancestor(NodeIndex(8), NodeIndex(8)), NodeIndex(8));
    }

    #[test]
    fn non_power_of_two_sizes_stay_inside_the_array() {
        // A 5-leaf tree: nodes 0..=8, root 7.
        let t = TreeSize::new(5).unwrap();
        assert_eq!(t.root(), NodeIndex(7));
        assert_eq!(t.parent(NodeIndex(8)), Some(NodeIndex(7)));
        assert_eq!(t.sibling(NodeIndex(3)), Some(NodeIndex(8)));
        for i in 0..t.node_width() {
            for n in t.direct_path(NodeIndex(i)) {
                assert!(t.contains(n));
            }
        }
    }

    #[test]
    fn leaf_and_one_leaf_tree() {
        let t = TreeSize::new(1).unwrap();
        assert_eq!(t.root(), NodeIndex(0));
        assert!(t.direct_path(NodeIndex(0)).is_empty());
        assert_eq!(NodeIndex(0).left(), None);
        assert_eq!(LeafIndex(3).node(), NodeIndex(6));
        assert_eq!(NodeIndex(6).leaf(), Some(LeafIndex(3)));
        assert_eq!(NodeIndex(5).leaf(), None);
        assert_eq!(TreeSize::covering(5).unwrap().leaves(), 8);
        assert!(TreeSize::new(TreeSize::MAX_LEAVES + 1).is_none());
    }
}
