//! Tree hashes (RFC 9420 §7.8) and parent hashes (§7.9).
//!
//! Hash inputs are encoded straight into one buffer per node, without
//! building intermediate structs:
//!
//! ```text
//! struct {
//!   NodeType node_type;
//!   select (TreeHashInput.node_type) {
//!     case leaf:   LeafNodeHashInput leaf_node;
//!     case parent: ParentNodeHashInput parent_node;
//!   };
//! } TreeHashInput;
//!
//! struct { uint32 leaf_index; optional<LeafNode> leaf_node; } LeafNodeHashInput;
//! struct { optional<ParentNode> parent_node; opaque left_hash<V>; opaque right_hash<V>; } ParentNodeHashInput;
//!
//! struct {
//!     HPKEPublicKey encryption_key;
//!     opaque parent_hash<V>;
//!     opaque original_sibling_tree_hash<V>;
//! } ParentHashInput;
//! ```
//!
//! The original sibling tree hash (§7.9) is the tree hash of the sibling with
//! the parent's unmerged leaves blanked and removed from every `unmerged_leaves`
//! list: [`original_tree_hash`] reuses cached subtree hashes for every subtree
//! that holds none of those leaves, so it costs O(|unmerged| · log N).

use super::math::{LeafIndex, NodeIndex};
use super::view::{subtree_contains, TreeView};
use crate::codec::{Serialize, Size, TlsSerialize, TlsSize, VLByteSlice};
use crate::crypto::CipherSuiteProvider;
use crate::error::Result;
use crate::wire::{LeafNode, ParentNode};
use crate::Error;

const NODE_TYPE_LEAF: u8 = 1;
const NODE_TYPE_PARENT: u8 = 2;

fn internal(_: tls_codec::Error) -> Error {
    Error::Internal("a tree hash input could not be encoded")
}

/// The tree hash of a leaf node position (§7.8).
pub fn leaf_hash(
    cs: &dyn CipherSuiteProvider,
    index: LeafIndex,
    leaf: Option<&LeafNode>,
) -> Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(6 + leaf.map_or(0, |l| l.tls_serialized_len()));
    buf.push(NODE_TYPE_LEAF);
    buf.extend_from_slice(&index.0.to_be_bytes());
    match leaf {
        Some(l) => {
            buf.push(1);
            l.tls_serialize(&mut buf).map_err(internal)?;
        }
        None => buf.push(0),
    }
    Ok(cs.hash(&buf))
}

/// The tree hash of a parent node position from its children's hashes (§7.8).
/// `unmerged_filter` (if given) drops leaves from the node's `unmerged_leaves`.
pub fn parent_node_hash(
    cs: &dyn CipherSuiteProvider,
    node: Option<&ParentNode>,
    left: &[u8],
    right: &[u8],
) -> Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(128 + node.map_or(0, |p| p.tls_serialized_len()));
    buf.push(NODE_TYPE_PARENT);
    match node {
        Some(p) => {
            buf.push(1);
            p.tls_serialize(&mut buf).map_err(internal)?;
        }
        None => buf.push(0),
    }
    VLByteSlice(left)
        .tls_serialize(&mut buf)
        .map_err(internal)?;
    VLByteSlice(right)
        .tls_serialize(&mut buf)
        .map_err(internal)?;
    Ok(cs.hash(&buf))
}

#[derive(TlsSerialize, TlsSize)]
struct ParentHashInput<'a> {
    encryption_key: VLByteSlice<'a>,
    parent_hash: VLByteSlice<'a>,
    original_sibling_tree_hash: VLByteSlice<'a>,
}

/// `Hash(ParentHashInput)` (§7.9).
pub fn parent_hash(
    cs: &dyn CipherSuiteProvider,
    encryption_key: &[u8],
    parent_hash: &[u8],
    original_sibling_tree_hash: &[u8],
) -> Result<Vec<u8>> {
    let input = ParentHashInput {
        encryption_key: VLByteSlice(encryption_key),
        parent_hash: VLByteSlice(parent_hash),
        original_sibling_tree_hash: VLByteSlice(original_sibling_tree_hash),
    };
    Ok(cs.hash(&crate::codec::encode(&input)?))
}

/// The cached tree hash of `x`, or an internal error if the cache is stale.
pub fn cached<V: TreeView + ?Sized>(view: &V, x: NodeIndex) -> Result<&[u8]> {
    view.cached_hash(x)
        .ok_or(Error::Internal("tree hash cache is not up to date"))
}

/// The tree hash of `x` in the tree with the leaves of `excluded` (sorted)
/// blanked and removed from every `unmerged_leaves` list (§7.9). Subtrees
/// holding none of them use the cached hash.
pub fn original_tree_hash<V: TreeView + ?Sized>(
    view: &V,
    cs: &dyn CipherSuiteProvider,
    x: NodeIndex,
    excluded: &[LeafIndex],
) -> Result<Vec<u8>> {
    let inside: Vec<LeafIndex> = excluded
        .iter()
        .copied()
        .filter(|&l| subtree_contains(x, l))
        .collect();
    if inside.is_empty() {
        return Ok(cached(view, x)?.to_vec());
    }
    match (x.leaf(), x.left(), x.right()) {
        // The only leaf of this subtree is excluded: it hashes as blank.
        (Some(l), _, _) => leaf_hash(cs, l, None),
        (None, Some(left), Some(right)) => {
            let lh = original_tree_hash(view, cs, left, &inside)?;
            let rh = original_tree_hash(view, cs, right, &inside)?;
            match view.parent(x) {
                Some(p) => {
                    let mut filtered = p.clone();
                    filtered
                        .unmerged_leaves
                        .retain(|u| inside.binary_search(&LeafIndex(*u)).is_err());
                    parent_node_hash(cs, Some(&filtered), &lh, &rh)
                }
                None => parent_node_hash(cs, None, &lh, &rh),
            }
        }
        _ => Err(Error::Internal("a parent node without children")),
    }
}
