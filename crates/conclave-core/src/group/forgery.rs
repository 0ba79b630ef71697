//! Test hooks of the sending side (feature `testing`): [`Forgery`] makes
//! [`Group::commit_forged`](super::Group::commit_forged) build commits that
//! break the rules of RFC 9420 §12.2–§12.4 (skipped checks, a missing path,
//! reused or duplicate keys on the path, swapped leaves), so that negative
//! tests can check that receivers reject them. Never for production use.

use crate::codec::VLBytes;
use crate::crypto::CipherSuiteProvider;
use crate::error::Result;
use crate::tree::{LeafIndex, TreeView};
use crate::wire::LeafNodeSource;
use crate::Error;

/// Test hooks that make [`Group::commit_forged`](super::Group::commit_forged) build a commit breaking
/// the rules, so that negative tests can check that receivers reject it.
/// Only public with the `testing` feature; never for production use.
#[derive(Debug, Clone, Default)]
pub struct Forgery {
    /// Skip the committer's selection and checks of §12.2: the cached
    /// proposals are all listed (when `include_pending`), as they are.
    pub skip_checks: bool,
    /// Send no path, even when one is required.
    pub omit_path: bool,
    /// Keep the committer's old leaf encryption key in the path's leaf.
    pub keep_leaf_key: bool,
    /// ProposalRefs appended to the commit without being applied.
    pub extra_refs: Vec<Vec<u8>>,
    /// Put this LeafNode in the tree instead of the first added KeyPackage's.
    pub swap_added_leaf: Option<crate::wire::LeafNode>,
    /// Give the path's leaf node the encryption key of this (other) leaf of
    /// the tree, re-signed (§12.4.2: no key of the path may be in the tree).
    pub leaf_key_from: Option<LeafIndex>,
    /// Give the path's first parent node the encryption key of this leaf of
    /// the tree, with the parent hashes and the leaf's signature redone so
    /// that only the duplicate key is wrong.
    pub parent_key_from: Option<LeafIndex>,
}

/// The test forgeries of a new path (`keep_leaf_key`, `leaf_key_from`,
/// `parent_key_from`), applied to `diff`: the leaf's new encryption key (the
/// caller re-signs the leaf) and the first path node's new key. `None` when
/// no forgery of the path is asked for.
#[allow(clippy::type_complexity)]
pub(super) fn forge_path(
    diff: &mut crate::tree::TreeDiff<'_>,
    cs: &dyn CipherSuiteProvider,
    own: LeafIndex,
    template: &crate::wire::LeafNode,
    forgery: &Forgery,
) -> Result<Option<(Option<VLBytes>, Option<VLBytes>)>> {
    let key_of = |diff: &crate::tree::TreeDiff<'_>, leaf: LeafIndex| {
        diff.leaf(leaf)
            .map(|l| l.encryption_key.clone())
            .ok_or(Error::Misuse("the forgery names a blank leaf".into()))
    };
    let leaf_key = match (forgery.keep_leaf_key, forgery.leaf_key_from) {
        (true, _) => Some(template.encryption_key.clone()),
        (false, Some(l)) => Some(key_of(diff, l)?),
        (false, None) => None,
    };
    let parent_key = match forgery.parent_key_from {
        Some(l) => {
            let key = key_of(diff, l)?;
            let (first, _) = *diff
                .filtered_direct_path(own)
                .first()
                .ok_or(Error::Misuse("the forgery needs a non-empty path".into()))?;
            let mut node = diff
                .parent(first)
                .cloned()
                .ok_or(Error::Internal("a blank node on a new path"))?;
            node.encryption_key = key.clone();
            diff.set_parent(first, Some(node))?;
            let leaf_parent_hash = crate::tree::parent_hash::set_path_parent_hashes(diff, cs, own)?;
            let mut leaf = diff
                .leaf(own)
                .cloned()
                .ok_or(Error::Internal("our own leaf is blank"))?;
            leaf.leaf_node_source = LeafNodeSource::Commit(leaf_parent_hash.into());
            diff.set_leaf(own, Some(leaf))?;
            Some(key)
        }
        None => None,
    };
    Ok((leaf_key.is_some() || parent_key.is_some()).then_some((leaf_key, parent_key)))
}
