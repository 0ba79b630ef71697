//! Parent hashes along a new path, and the joiner's parent-hash check
//! (RFC 9420 §7.9, §7.9.2).
//!
//! [`set_path_parent_hashes`] chains a fresh path from the root down: each
//! node on the filtered direct path gets the parent hash of the next node up,
//! and the leaf gets the one of the first node (§7.9.1).
//!
//! [`verify_parent_hashes`] is the "top down" check of §7.9.2: every
//! non-blank parent P must be parent-hash valid with respect to exactly one
//! descendant D. For each child C of P (sibling S), the only candidate D is the
//! single node of C's resolution that is not one of P's unmerged leaves; the
//! resolution is enumerated with a bound of |unmerged ∩ C| + 2 nodes, and the
//! original sibling tree hash reuses cached subtree hashes except along the
//! paths to P's unmerged leaves. The whole check is one pass over the tree.

use super::diff::TreeDiff;
use super::hash::{original_tree_hash, parent_hash};
use super::math::{LeafIndex, NodeIndex};
use super::view::{subtree_contains, unmerged, TreeView};
use crate::crypto::CipherSuiteProvider;
use crate::error::Result;
use crate::{Error, ProtocolError};

/// Sets the `parent_hash` of every node on the filtered direct path of `leaf`
/// (which must all be non-blank, as after applying a path) and returns the
/// parent hash for the leaf itself (empty if the path is empty).
pub fn set_path_parent_hashes(
    diff: &mut TreeDiff<'_>,
    cs: &dyn CipherSuiteProvider,
    leaf: LeafIndex,
) -> Result<Vec<u8>> {
    let path = diff.filtered_direct_path(leaf);
    let mut above: Vec<u8> = Vec::new();
    for &(p, s) in path.iter().rev() {
        let mut node = diff
            .parent(p)
            .cloned()
            .ok_or(Error::Internal("a blank node on a new path"))?;
        node.parent_hash = above.into();
        let sibling_hash = diff.tree_hash(cs, s)?;
        // The path was just set: the node has no unmerged leaves, so the
        // original sibling tree hash is the sibling's tree hash.
        above = parent_hash(
            cs,
            node.encryption_key.as_slice(),
            node.parent_hash.as_slice(),
            &sibling_hash,
        )?;
        diff.set_parent(p, Some(node))?;
    }
    Ok(above)
}

/// The parent hash of `p` with copath child `s`, given its unmerged leaves.
fn parent_hash_of<V: TreeView + ?Sized>(
    view: &V,
    cs: &dyn CipherSuiteProvider,
    p: NodeIndex,
    s: NodeIndex,
) -> Result<Vec<u8>> {
    let node = view
        .parent(p)
        .ok_or(Error::Internal("parent hash of a blank node"))?;
    let excluded: Vec<LeafIndex> = unmerged(node).collect();
    let osth = original_tree_hash(view, cs, s, &excluded)?;
    parent_hash(
        cs,
        node.encryption_key.as_slice(),
        node.parent_hash.as_slice(),
        &osth,
    )
}

/// Whether `p` is parent-hash valid with respect to a descendant under child
/// `c` (sibling `s`).
fn valid_through<V: TreeView + ?Sized>(
    view: &V,
    cs: &dyn CipherSuiteProvider,
    p: NodeIndex,
    c: NodeIndex,
    s: NodeIndex,
) -> Result<bool> {
    let Some(node) = view.parent(p) else {
        return Ok(false);
    };
    let under_c: Vec<NodeIndex> = unmerged(node)
        .filter(|&l| subtree_contains(c, l))
        .map(LeafIndex::node)
        .collect();
    let res = view.resolution_limited(c, under_c.len() + 2);
    if res.len() != under_c.len() + 1 || !under_c.iter().all(|u| res.contains(u)) {
        return Ok(false);
    }
    let Some(d) = res.iter().copied().find(|x| !under_c.contains(x)) else {
        return Ok(false);
    };
    let Some(d_parent_hash) = view.node(d).and_then(|n| n.parent_hash()) else {
        return Ok(false);
    };
    Ok(d_parent_hash == parent_hash_of(view, cs, p, s)?.as_slice())
}

/// Checks that every non-blank parent node is parent-hash valid (§7.9.2),
/// with respect to exactly one descendant.
pub fn verify_parent_hashes<V: TreeView + ?Sized>(
    view: &V,
    cs: &dyn CipherSuiteProvider,
) -> Result<()> {
    let nodes = view.width().node_width();
    for x in (1..nodes).step_by(2).map(NodeIndex) {
        if view.parent(x).is_none() {
            continue;
        }
        let (Some(l), Some(r)) = (x.left(), x.right()) else {
            return Err(Error::Internal("a parent node without children"));
        };
        let valid = usize::from(valid_through(view, cs, x, l, r)?)
            + usize::from(valid_through(view, cs, x, r, l)?);
        if valid != 1 {
            return Err(ProtocolError::ParentHashInvalid { node: x.0 }.into());
        }
    }
    Ok(())
}

/// Checks that the committer's leaf carries the parent hash of its new path
/// (§7.9.2): `expected` as returned by [`set_path_parent_hashes`].
pub fn check_leaf_parent_hash(leaf_parent_hash: Option<&[u8]>, expected: &[u8]) -> Result<()> {
    if leaf_parent_hash == Some(expected) {
        Ok(())
    } else {
        Err(ProtocolError::LeafParentHashMismatch.into())
    }
}
