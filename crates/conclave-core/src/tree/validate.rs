//! Leaf node validation (RFC 9420 §7.3) and the validation of a whole ratchet
//! tree as a joiner does it (§12.4.3.1).
//!
//! The single-leaf checks are functions that take what they need, so the
//! group layer can call them for KeyPackages, Update proposals and
//! UpdatePaths alike. [`validate_tree`] runs them over every member, checks the
//! `unmerged_leaves` lists, the uniqueness of keys and the parent-hash chain,
//! and verifies every leaf signature in one batch through
//! [`CipherSuiteProvider::verify_batch`]. Credential validation by an identity
//! service (§5.3.1) is the caller's.

use std::collections::{BTreeSet, HashSet};

use super::math::{LeafIndex, NodeIndex};
use super::parent_hash::verify_parent_hashes;
use super::view::{subtree_contains, TreeView};
use crate::crypto::{signed_message, CipherSuite, CipherSuiteProvider, SignatureCheck};
use crate::error::Result;
use crate::parallel::run_chunked;
use crate::time::Clock;
use crate::wire::{
    CredentialType, LeafNode, LeafNodeSource, LeafNodeTbsContext, ProtocolVersion,
    RequiredCapabilities,
};
use crate::ProtocolError;

/// The label of LeafNode signatures (§7.2).
pub const LEAF_NODE_TBS_LABEL: &str = "LeafNodeTBS";

/// What a leaf must be compatible with (§7.3).
#[derive(Debug, Clone, Copy)]
pub struct GroupRequirements<'a> {
    /// The group's ciphersuite.
    pub cipher_suite: CipherSuite,
    /// The group's protocol version.
    pub version: ProtocolVersion,
    /// The GroupContext's `required_capabilities` extension, if any (§11.1).
    pub required: Option<&'a RequiredCapabilities>,
}

/// Where a LeafNode was found, fixing its `leaf_node_source` (§7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafContext {
    /// In a KeyPackage: source `key_package`.
    KeyPackage,
    /// In an Update proposal: source `update`.
    Update,
    /// In an UpdatePath: source `commit`.
    Commit,
}

/// Checks the `leaf_node_source` for where the leaf was found (§7.3).
pub fn check_source(leaf: &LeafNode, context: LeafContext) -> Result<()> {
    let ok = matches!(
        (&leaf.leaf_node_source, context),
        (LeafNodeSource::KeyPackage(_), LeafContext::KeyPackage)
            | (LeafNodeSource::Update, LeafContext::Update)
            | (LeafNodeSource::Commit(_), LeafContext::Commit)
    );
    if ok {
        Ok(())
    } else {
        Err(ProtocolError::UnexpectedLeafNodeSource.into())
    }
}

/// Checks the capabilities of a leaf (§7.2, §7.3): they list the group's
/// ciphersuite and version, every non-default extension type the leaf
/// carries, its own credential type, and every required capability.
pub fn check_capabilities(leaf: &LeafNode, group: &GroupRequirements<'_>) -> Result<()> {
    let caps = &leaf.capabilities;
    if !caps.cipher_suites.contains(&group.cipher_suite) || !caps.versions.contains(&group.version)
    {
        return Err(ProtocolError::LeafLacksSuiteOrVersion.into());
    }
    for ext in &leaf.extensions {
        let t = ext.extension_type;
        if !t.is_default() && !caps.extensions.contains(&t) {
            return Err(ProtocolError::LeafExtensionNotInCapabilities(t.0).into());
        }
    }
    if !caps
        .credentials
        .contains(&leaf.credential.credential_type())
    {
        return Err(ProtocolError::LeafCredentialNotInCapabilities.into());
    }
    if let Some(req) = group.required {
        let ext_ok = req
            .extension_types
            .iter()
            .all(|t| t.is_default() || caps.extensions.contains(t));
        let prop_ok = req
            .proposal_types
            .iter()
            .all(|t| t.is_default() || caps.proposals.contains(t));
        let cred_ok = req
            .credential_types
            .iter()
            .all(|t| caps.credentials.contains(t));
        if !(ext_ok && prop_ok && cred_ok) {
            return Err(ProtocolError::LeafLacksRequiredCapability.into());
        }
    }
    Ok(())
}

/// Checks that `clock`'s time is within the leaf's lifetime, if it has one
/// (source `key_package`, §7.3).
pub fn check_lifetime(leaf: &LeafNode, clock: &dyn Clock) -> Result<()> {
    if let Some(lifetime) = leaf.lifetime() {
        let now = clock.now();
        if now < lifetime.not_before || now > lifetime.not_after {
            return Err(ProtocolError::LeafLifetimeInvalid.into());
        }
    }
    Ok(())
}

/// The signed `SignContent` of a leaf: LeafNodeTBS with `group_id` and
/// `leaf_index` for sources `update` and `commit` (§7.2).
pub fn leaf_signed_message(leaf: &LeafNode, group_id: &[u8], index: LeafIndex) -> Result<Vec<u8>> {
    let tbs = leaf.tbs_bytes(Some(LeafNodeTbsContext {
        group_id,
        leaf_index: index.0,
    }))?;
    Ok(signed_message(LEAF_NODE_TBS_LABEL, &tbs)?)
}

/// Verifies a leaf's signature (§7.3).
pub fn verify_leaf_signature(
    cs: &dyn CipherSuiteProvider,
    leaf: &LeafNode,
    group_id: &[u8],
    index: LeafIndex,
) -> Result<()> {
    let message = leaf_signed_message(leaf, group_id, index)?;
    cs.verify(
        leaf.signature_key.as_slice(),
        &message,
        leaf.signature.as_slice(),
    )
    .map_err(|_| ProtocolError::InvalidLeafSignature { leaf: index.0 }.into())
}

/// Checks a LeafNode of an Update proposal against the leaf it replaces:
/// the encryption key must change (§7.3).
pub fn check_update_changes_key(old: &LeafNode, new: &LeafNode) -> Result<()> {
    if old.encryption_key == new.encryption_key {
        return Err(ProtocolError::UpdateKeepsEncryptionKey.into());
    }
    Ok(())
}

/// Checks a leaf about to enter the tree at `index` (Add, Update or a
/// committer's new leaf) against the other members (§7.3): its encryption key
/// is used by no other node, its signature key by no other member, its
/// credential type is supported by every other member, and it supports every
/// credential type in use. The leaf currently at `index`, if any, is the one
/// being replaced and is not compared.
pub fn check_leaf_against_tree<V: TreeView + ?Sized>(
    view: &V,
    leaf: &LeafNode,
    index: LeafIndex,
) -> Result<()> {
    let own = leaf.credential.credential_type();
    for x in (0..view.width().node_width()).map(NodeIndex) {
        if x == index.node() {
            continue;
        }
        let Some(node) = view.node(x) else {
            continue;
        };
        if node.encryption_key() == leaf.encryption_key.as_slice() {
            return Err(ProtocolError::DuplicateEncryptionKey { node: x.0 }.into());
        }
        if let super::view::NodeRef::Leaf(other) = node {
            if other.signature_key == leaf.signature_key {
                return Err(ProtocolError::DuplicateSignatureKey { leaf: x.0 / 2 }.into());
            }
            if !other.capabilities.credentials.contains(&own) {
                return Err(ProtocolError::CredentialTypeNotSupportedByAll(own.0).into());
            }
            let theirs = other.credential.credential_type();
            if !leaf.capabilities.credentials.contains(&theirs) {
                return Err(ProtocolError::CredentialTypeNotSupportedByAll(theirs.0).into());
            }
        }
    }
    Ok(())
}

/// Checks the `unmerged_leaves` of every parent node (§7.1, §12.4.3.1):
/// sorted without repeats, each a non-blank leaf below the node, and listed by
/// every non-blank node between it and the node.
pub fn check_unmerged_leaves<V: TreeView + ?Sized>(view: &V) -> Result<()> {
    let size = view.width();
    for x in (1..size.node_width()).step_by(2).map(NodeIndex) {
        let Some(node) = view.parent(x) else {
            continue;
        };
        if node
            .unmerged_leaves
            .windows(2)
            .any(|w| matches!(w, [a, b] if a >= b))
        {
            return Err(ProtocolError::UnmergedLeavesNotSorted { node: x.0 }.into());
        }
        for &u in &node.unmerged_leaves {
            let leaf = LeafIndex(u);
            if !subtree_contains(x, leaf) || view.leaf(leaf).is_none() {
                return Err(ProtocolError::UnmergedLeafNotBelow { node: x.0, leaf: u }.into());
            }
            let mut cur = leaf.node();
            while let Some(p) = size.parent(cur) {
                if p == x {
                    break;
                }
                if let Some(between) = view.parent(p) {
                    if between.unmerged_leaves.binary_search(&u).is_err() {
                        return Err(ProtocolError::UnmergedLeafNotListed {
                            node: x.0,
                            leaf: u,
                            between: p.0,
                        }
                        .into());
                    }
                }
                cur = p;
            }
        }
    }
    Ok(())
}

/// Checks that encryption keys are unique among all non-blank nodes and
/// signature keys among all leaves (§7.3, §12.4.3.1).
pub fn check_unique_keys<V: TreeView + ?Sized>(view: &V) -> Result<()> {
    let mut encryption = HashSet::new();
    let mut signature = HashSet::new();
    for x in (0..view.width().node_width()).map(NodeIndex) {
        let Some(node) = view.node(x) else {
            continue;
        };
        if !encryption.insert(node.encryption_key()) {
            return Err(ProtocolError::DuplicateEncryptionKey { node: x.0 }.into());
        }
        if let (Some(l), super::view::NodeRef::Leaf(leaf)) = (x.leaf(), node) {
            if !signature.insert(leaf.signature_key.as_slice()) {
                return Err(ProtocolError::DuplicateSignatureKey { leaf: l.0 }.into());
            }
        }
    }
    Ok(())
}

/// Checks that every credential type in use is supported by every member
/// (§7.3).
pub fn check_credential_types<V: TreeView + ?Sized>(view: &V) -> Result<()> {
    let members: Vec<&LeafNode> = (0..view.leaf_count())
        .filter_map(|i| view.leaf(LeafIndex(i)))
        .collect();
    let in_use: BTreeSet<CredentialType> = members
        .iter()
        .map(|l| l.credential.credential_type())
        .collect();
    for t in in_use {
        if !members
            .iter()
            .all(|l| l.capabilities.credentials.contains(&t))
        {
            return Err(ProtocolError::CredentialTypeNotSupportedByAll(t.0).into());
        }
    }
    Ok(())
}

/// The fewest signatures one thread verifies in one batch, for `count` in
/// all: an eighth of them, between 32 (below, a second thread is not worth
/// starting) and 256 (above, a batch's multi-scalar multiplication gains
/// little per signature while smaller chunks balance the threads better).
pub(crate) fn signature_chunk(count: usize) -> usize {
    (count / 8).clamp(32, 256)
}

/// `verify_batch` over `checks`; on failure, the first check (in order) that
/// fails on its own, as `Err(index)`. `Ok` if all verify, or if the batch
/// fails but every signature verifies on its own (the single check is the
/// authority; see the provider's `verify_batch`).
pub(crate) fn verify_batch_or_find(
    cs: &dyn CipherSuiteProvider,
    checks: &[SignatureCheck<'_>],
) -> core::result::Result<(), usize> {
    if cs.verify_batch(checks).is_ok() {
        return Ok(());
    }
    match checks
        .iter()
        .position(|c| cs.verify(c.public_key, c.message, c.signature).is_err())
    {
        Some(i) => Err(i),
        None => Ok(()),
    }
}

/// Verifies the leaf signatures of `members` (index and leaf) in batches on
/// two threads ([`run_chunked`]) while `side` runs on this one; `side`'s
/// error comes first, then the first leaf (in `members` order) whose
/// signature does not verify.
pub(crate) fn verify_leaf_signatures_alongside<S>(
    members: &[(LeafIndex, &LeafNode)],
    cs: &dyn CipherSuiteProvider,
    group_id: &[u8],
    side: impl FnOnce() -> Result<S>,
) -> Result<S> {
    let (_, s) = run_chunked(
        members,
        signature_chunk(members.len()),
        |_, chunk| {
            let messages = chunk
                .iter()
                .map(|(i, leaf)| leaf_signed_message(leaf, group_id, *i))
                .collect::<Result<Vec<_>>>()?;
            let checks: Vec<SignatureCheck<'_>> = chunk
                .iter()
                .zip(&messages)
                .map(|((_, leaf), m)| SignatureCheck {
                    public_key: leaf.signature_key.as_slice(),
                    message: m,
                    signature: leaf.signature.as_slice(),
                })
                .collect();
            verify_batch_or_find(cs, &checks).map_err(|k| {
                let leaf = chunk.get(k).map_or(0, |(i, _)| i.0);
                ProtocolError::InvalidLeafSignature { leaf }.into()
            })
        },
        side,
    )?;
    Ok(s)
}

/// The non-blank leaves of a tree, in order.
fn members_of<V: TreeView + ?Sized>(view: &V) -> Vec<(LeafIndex, &LeafNode)> {
    (0..view.leaf_count())
        .map(LeafIndex)
        .filter_map(|i| view.leaf(i).map(|l| (i, l)))
        .collect()
}

/// Verifies every leaf signature of the tree in batches on two threads; on
/// failure, names the first leaf whose signature does not verify.
pub fn verify_leaf_signatures<V: TreeView + ?Sized>(
    view: &V,
    cs: &dyn CipherSuiteProvider,
    group_id: &[u8],
) -> Result<()> {
    verify_leaf_signatures_alongside(&members_of(view), cs, group_id, || Ok(()))
}

/// What [`validate_tree`] needs besides the tree.
#[derive(Clone, Copy)]
pub struct TreeValidation<'a> {
    /// The group's id (context of `update` and `commit` leaf signatures).
    pub group_id: &'a [u8],
    /// Ciphersuite, version and required capabilities of the group.
    pub group: GroupRequirements<'a>,
    /// If given, the lifetime of `key_package` leaves is checked against it
    /// (RECOMMENDED for received trees, §7.3).
    pub clock: Option<&'a dyn Clock>,
}

impl core::fmt::Debug for TreeValidation<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TreeValidation")
            .field("group", &self.group)
            .field("clock", &self.clock.map(|c| c.now()))
            .finish_non_exhaustive()
    }
}

/// Validates a whole tree as a joiner must (§12.4.3.1): unmerged leaves,
/// unique keys, parent hashes, then every leaf (capabilities, lifetime,
/// credential types, signatures in batches). The tree hash is checked
/// against the GroupInfo by the caller.
pub fn validate_tree<V: TreeView + ?Sized>(
    view: &V,
    cs: &dyn CipherSuiteProvider,
    params: &TreeValidation<'_>,
) -> Result<()> {
    validate_tree_alongside(view, cs, params.group_id, || {
        check_tree_structure(view, cs, params)
    })
}

/// [`validate_tree`] with the checks other than the leaf signatures given
/// as `side` (which should end with [`check_tree_structure`]): the leaf
/// signatures are verified on two threads while `side` runs on this one, so
/// that a joiner's other checks (GroupInfo signature, tree hash, structure)
/// cost no time of their own. `side`'s error comes first, then the first
/// leaf whose signature does not verify, as in [`validate_tree`].
pub(crate) fn validate_tree_alongside<V: TreeView + ?Sized, S>(
    view: &V,
    cs: &dyn CipherSuiteProvider,
    group_id: &[u8],
    side: impl FnOnce() -> Result<S>,
) -> Result<S> {
    verify_leaf_signatures_alongside(&members_of(view), cs, group_id, side)
}

/// Every check of [`validate_tree`] but the leaf signatures, in its order:
/// unmerged leaves, unique keys, parent hashes, each leaf's capabilities and
/// lifetime, credential types.
pub fn check_tree_structure<V: TreeView + ?Sized>(
    view: &V,
    cs: &dyn CipherSuiteProvider,
    params: &TreeValidation<'_>,
) -> Result<()> {
    check_unmerged_leaves(view)?;
    check_unique_keys(view)?;
    verify_parent_hashes(view, cs)?;
    for i in (0..view.leaf_count()).map(LeafIndex) {
        if let Some(leaf) = view.leaf(i) {
            check_capabilities(leaf, &params.group)?;
            if let Some(clock) = params.clock {
                check_lifetime(leaf, clock)?;
            }
        }
    }
    check_credential_types(view)
}
