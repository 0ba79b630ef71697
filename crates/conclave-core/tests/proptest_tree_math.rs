//! Property tests of the array-based tree math (RFC 9420 Appendix C) on
//! random tree sizes (1 to 2^20 leaves, power of two or not) and random
//! nodes: parent/child consistency, sibling symmetry, direct paths that end
//! at the root, copaths as long as direct paths, common ancestors on both
//! direct paths, and the leaf/node index round trip.

use conclave_core::tree::{LeafIndex, NodeIndex, TreeSize};
use proptest::prelude::*;

const MAX_LEAVES: u32 = 1 << 20;

/// A tree size and a node inside it.
fn tree_and_node() -> impl Strategy<Value = (TreeSize, NodeIndex)> {
    (1..=MAX_LEAVES).prop_flat_map(|n| {
        let size = TreeSize::new(n).expect("within MAX_LEAVES");
        (Just(size), (0..size.node_width()).prop_map(NodeIndex))
    })
}

/// A tree size and two nodes inside it.
fn tree_and_two_nodes() -> impl Strategy<Value = (TreeSize, NodeIndex, NodeIndex)> {
    (1..=MAX_LEAVES).prop_flat_map(|n| {
        let size = TreeSize::new(n).expect("within MAX_LEAVES");
        let w = size.node_width();
        (
            Just(size),
            (0..w).prop_map(NodeIndex),
            (0..w).prop_map(NodeIndex),
        )
    })
}

/// `x` followed by its direct path: every node from `x` up to the root.
fn chain(size: TreeSize, x: NodeIndex) -> Vec<NodeIndex> {
    let mut c = vec![x];
    c.extend(size.direct_path(x));
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn parent_and_children_agree((size, x) in tree_and_node()) {
        match size.parent(x) {
            None => prop_assert_eq!(x, size.root()),
            Some(p) => {
                prop_assert!(size.contains(p));
                prop_assert!(p.level() > x.level());
                if x < p {
                    prop_assert_eq!(p.left(), Some(x));
                } else {
                    // The right child, descending left past the array's end.
                    let mut r = p.right().expect("a parent has a right child");
                    while !size.contains(r) {
                        r = r.left().expect("an outside node is a parent");
                    }
                    prop_assert_eq!(r, x);
                }
            }
        }
        if let (Some(l), Some(r)) = (x.left(), x.right()) {
            prop_assert!(!x.is_leaf());
            prop_assert!(l < x && x < r);
            prop_assert_eq!(l.level() + 1, x.level());
            prop_assert_eq!(size.parent(l), Some(x));
        } else {
            prop_assert!(x.is_leaf());
            prop_assert_eq!(x.level(), 0);
        }
    }

    #[test]
    fn siblings_are_symmetric((size, x) in tree_and_node()) {
        match size.sibling(x) {
            None => prop_assert_eq!(x, size.root()),
            Some(s) => {
                prop_assert_ne!(s, x);
                prop_assert!(size.contains(s));
                prop_assert_eq!(size.sibling(s), Some(x));
                prop_assert_eq!(size.parent(s), size.parent(x));
            }
        }
    }

    #[test]
    fn direct_path_climbs_to_the_root((size, x) in tree_and_node()) {
        let path = size.direct_path(x);
        if x == size.root() {
            prop_assert!(path.is_empty());
        } else {
            prop_assert_eq!(path.last().copied(), Some(size.root()));
        }
        let mut below = x;
        for &p in &path {
            prop_assert_eq!(size.parent(below), Some(p));
            prop_assert!(p.level() > below.level());
            below = p;
        }
        // A tree of 2^k leaves or fewer has paths of at most k nodes.
        let depth = 32 - (size.leaves().next_power_of_two() - 1).leading_zeros();
        prop_assert!(path.len() as u32 <= depth);
    }

    #[test]
    fn copath_is_as_long_as_the_direct_path((size, x) in tree_and_node()) {
        let copath = size.copath(x);
        let path = size.direct_path(x);
        prop_assert_eq!(copath.len(), path.len());
        // The copath node at height i is the sibling of the i-th node of the
        // chain from x, and is not on that chain.
        let nodes = chain(size, x);
        for (c, n) in copath.iter().zip(&nodes) {
            prop_assert_eq!(size.sibling(*n), Some(*c));
            prop_assert!(!nodes.contains(c));
        }
    }

    #[test]
    fn common_ancestor_is_on_both_direct_paths((size, x, y) in tree_and_two_nodes()) {
        let a = size.common_ancestor(x, y);
        let cx = chain(size, x);
        let cy = chain(size, y);
        prop_assert!(cx.contains(&a), "{:?} not above {:?}", a, x);
        prop_assert!(cy.contains(&a), "{:?} not above {:?}", a, y);
        // It is the lowest common node: the first node of x's chain that is
        // also on y's.
        let lowest = cx.iter().find(|n| cy.contains(n)).copied();
        prop_assert_eq!(Some(a), lowest);
        prop_assert_eq!(size.common_ancestor(y, x), a);
    }

    #[test]
    fn leaf_and_node_indices_round_trip(
        (size, leaf) in (1..=MAX_LEAVES).prop_flat_map(|n| (Just(n), 0..n))
            .prop_map(|(n, l)| (TreeSize::new(n).expect("within MAX_LEAVES"), LeafIndex(l)))
    ) {
        let node = leaf.node();
        prop_assert!(node.is_leaf());
        prop_assert!(size.contains(node));
        prop_assert_eq!(node.leaf(), Some(leaf));
        prop_assert_eq!(node.level(), 0);
        prop_assert_eq!(NodeIndex(node.0 + 1).leaf(), None);
    }
}

#[test]
fn covering_width_is_the_next_power_of_two() {
    for n in [1u32, 2, 3, 5, 8, 1000, MAX_LEAVES - 1, MAX_LEAVES] {
        let w = TreeSize::covering(n).expect("small enough");
        assert_eq!(w.leaves(), n.next_power_of_two());
    }
    assert!(TreeSize::new(TreeSize::MAX_LEAVES).is_some());
    assert!(TreeSize::new(TreeSize::MAX_LEAVES + 1).is_none());
    assert!(TreeSize::covering(TreeSize::MAX_LEAVES + 1).is_none());
}
