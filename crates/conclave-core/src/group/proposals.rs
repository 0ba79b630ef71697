//! Proposals (RFC 9420 §12.1): each one's own validity, the validity of a
//! commit's proposal list (§12.2, each rule its own [`ProtocolError`]), the
//! committer's selection of a valid list from the cached proposals, and
//! applying a list to a staged tree in the order of §12.3.

use std::collections::HashSet;

use crate::credential::IdentityValidator;
use crate::crypto::SignatureCheck;
use crate::crypto::{ref_hash, CipherSuiteProvider};
use crate::error::Result;
use crate::key_package::{key_package_signed_messages, validate_key_package_with};
use crate::parallel::run_chunked;
use crate::time::Clock;
use crate::tree::validate::{
    check_capabilities, check_source, signature_chunk, verify_leaf_signature, GroupRequirements,
    LeafContext,
};
use crate::tree::{LeafIndex, TreeDiff, TreeView};
use crate::wire::{
    Extension, ExtensionType, GroupContext, KeyPackage, LeafNode, PreSharedKeyId, Proposal,
    ProposalType, Psk, RequiredCapabilities, ResumptionPskUsage, Sender,
};
use crate::{Error, ProtocolError};

/// `RefHash` label of a ProposalRef (§5.2).
pub const PROPOSAL_REF_LABEL: &[u8] = b"MLS 1.0 Proposal Reference";

/// `ProposalRef = RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent)`.
pub fn proposal_ref(cs: &dyn CipherSuiteProvider, authenticated_content: &[u8]) -> Result<Vec<u8>> {
    Ok(ref_hash(cs, PROPOSAL_REF_LABEL, authenticated_content)?)
}

/// One proposal of a commit's list, resolved.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The proposal.
    pub proposal: Proposal,
    /// Its sender (the committer for one by value).
    pub sender: Sender,
    /// Its reference, when listed by reference.
    pub reference: Option<Vec<u8>>,
}

/// What applying a list changed (§12.3).
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Added members: leaf and KeyPackage.
    pub added: Vec<(LeafIndex, KeyPackage)>,
    /// Removed members: leaf and their last LeafNode.
    pub removed: Vec<(LeafIndex, LeafNode)>,
    /// Updated members, with the Update's reference.
    pub updated: Vec<(LeafIndex, Option<Vec<u8>>)>,
    /// The new GroupContext extensions, if a GCE proposal was listed.
    pub extensions: Option<Vec<Extension>>,
    /// PSK ids, in list order.
    pub psks: Vec<PreSharedKeyId>,
    /// Whether the commit needs a path (§12.4).
    pub path_required: bool,
    /// A ReInit proposal, alone in the list.
    pub reinit: Option<crate::wire::ReInit>,
}

/// What checking proposals needs of the group.
#[derive(Clone, Copy)]
pub struct Checks<'a> {
    /// The suite.
    pub cs: &'a dyn CipherSuiteProvider,
    /// The current GroupContext.
    pub context: &'a GroupContext,
    /// The current tree.
    pub tree: &'a crate::tree::RatchetTree,
    /// The clock.
    pub clock: &'a dyn Clock,
    /// The Authentication Service.
    pub identity: &'a dyn IdentityValidator,
}

impl core::fmt::Debug for Checks<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Checks").finish_non_exhaustive()
    }
}

/// The `required_capabilities` of a list of GroupContext extensions.
pub fn required_capabilities(extensions: &[Extension]) -> Result<Option<RequiredCapabilities>> {
    Ok(crate::wire::extension::find_payload::<RequiredCapabilities>(extensions)?)
}

impl Checks<'_> {
    fn requirements<'r>(
        &self,
        required: Option<&'r RequiredCapabilities>,
    ) -> GroupRequirements<'r> {
        GroupRequirements {
            cipher_suite: self.context.cipher_suite,
            version: self.context.version,
            required,
        }
    }

    /// The validity of one proposal on its own (§12.1), from `sender`.
    pub fn check_proposal(&self, proposal: &Proposal, sender: &Sender, index: usize) -> Result<()> {
        self.check_proposal_with(proposal, sender, index, false)
    }

    /// The rules of §12.2 for `list`, with the signatures of every Add's
    /// KeyPackage verified in batches on two threads while the other checks
    /// run on this one (a commit adding N members carries 2N signatures).
    /// When anything fails, the list is checked again one proposal at a
    /// time with each KeyPackage verified on its own, so that the error is
    /// exactly the one of a sequential check (and a single signature check,
    /// not the batch, is the authority).
    fn check_list_batched(&self, committer: LeafIndex, list: &[Listed]) -> Result<()> {
        const MIN_ADDS: usize = 8;
        let adds: Vec<&KeyPackage> = list
            .iter()
            .filter_map(|l| match &l.proposal {
                Proposal::Add(add) => Some(add.key_package.as_ref()),
                _ => None,
            })
            .collect();
        if adds.len() >= MIN_ADDS {
            let batched = run_chunked(
                &adds,
                signature_chunk(2 * adds.len()) / 2,
                |_, chunk| {
                    let messages = chunk
                        .iter()
                        .map(|kp| key_package_signed_messages(kp))
                        .collect::<Result<Vec<_>>>()?;
                    let checks: Vec<SignatureCheck<'_>> = chunk
                        .iter()
                        .zip(&messages)
                        .flat_map(|(kp, [leaf_message, kp_message])| {
                            let key = kp.leaf_node.signature_key.as_slice();
                            [
                                SignatureCheck {
                                    public_key: key,
                                    message: leaf_message,
                                    signature: kp.leaf_node.signature.as_slice(),
                                },
                                SignatureCheck {
                                    public_key: key,
                                    message: kp_message,
                                    signature: kp.signature.as_slice(),
                                },
                            ]
                        })
                        .collect();
                    self.cs
                        .verify_batch(&checks)
                        .map_err(|_| Error::Internal("batch failed; checked again one by one"))
                },
                || self.check_list_with(committer, list, true),
            );
            if batched.is_ok() {
                return Ok(());
            }
        }
        self.check_list_with(committer, list, false)
    }

    /// [`Self::check_proposal`]; an Add's KeyPackage signatures are not
    /// checked again when `adds_verified` (see [`Self::check_list_batched`]).
    fn check_proposal_with(
        &self,
        proposal: &Proposal,
        sender: &Sender,
        index: usize,
        adds_verified: bool,
    ) -> Result<()> {
        let required = required_capabilities(&self.context.extensions)?;
        match proposal {
            Proposal::Add(add) => {
                if matches!(sender, Sender::NewMemberCommit) {
                    return Err(
                        ProtocolError::ProposalSenderNotAllowed(sender.sender_type()).into(),
                    );
                }
                validate_key_package_with(
                    self.cs,
                    &add.key_package,
                    &self.requirements(required.as_ref()),
                    &self.context.extensions,
                    self.clock,
                    self.identity,
                    !adds_verified,
                )
            }
            Proposal::Update(update) => {
                let Sender::Member(leaf) = *sender else {
                    return Err(
                        ProtocolError::ProposalSenderNotAllowed(sender.sender_type()).into(),
                    );
                };
                let old =
                    self.tree
                        .leaf(LeafIndex(leaf))
                        .ok_or(ProtocolError::InvalidProposal {
                            index,
                            why: "an Update from a blank leaf",
                        })?;
                self.check_new_leaf(
                    &update.leaf_node,
                    old,
                    LeafIndex(leaf),
                    LeafContext::Update,
                    required.as_ref(),
                )?;
                if update.leaf_node.encryption_key == old.encryption_key {
                    return Err(ProtocolError::UpdateKeepsEncryptionKey.into());
                }
                Ok(())
            }
            Proposal::Remove(remove) => {
                if !matches!(sender, Sender::Member(_) | Sender::External(_)) {
                    return Err(
                        ProtocolError::ProposalSenderNotAllowed(sender.sender_type()).into(),
                    );
                }
                if self.tree.leaf(LeafIndex(remove.removed)).is_none() {
                    return Err(ProtocolError::InvalidProposal {
                        index,
                        why: "a Remove of a blank or absent leaf",
                    }
                    .into());
                }
                Ok(())
            }
            Proposal::PreSharedKey(psk) => {
                let len = psk.psk.psk_nonce.as_slice().len();
                if len != self.cs.hash_len() {
                    return Err(ProtocolError::PskNonceLength { index, len }.into());
                }
                if let Psk::Resumption { usage, .. } = psk.psk.psk {
                    if usage != ResumptionPskUsage::Application {
                        return Err(ProtocolError::PskUsageNotApplication.into());
                    }
                }
                Ok(())
            }
            Proposal::ReInit(_) | Proposal::GroupContextExtensions(_) => {
                if !matches!(sender, Sender::Member(_) | Sender::External(_)) {
                    return Err(
                        ProtocolError::ProposalSenderNotAllowed(sender.sender_type()).into(),
                    );
                }
                // Issue-6 hooks (group/reinit.rs, group/external_proposal.rs).
                match proposal {
                    Proposal::ReInit(r) => super::reinit::check_reinit(r, self.context),
                    Proposal::GroupContextExtensions(g) => {
                        super::external_proposal::validate_external_senders(
                            self.identity,
                            &g.extensions,
                            self.context.cipher_suite,
                        )
                    }
                    _ => Ok(()),
                }
            }
            Proposal::ExternalInit(_) => Err(ProtocolError::ExternalInitInRegularCommit.into()),
        }
    }

    /// The checks of a member's new LeafNode in an Update or a commit path
    /// (§7.3): source, capabilities, signature in the group at `leaf`, the
    /// credential and its succession from `old`.
    pub fn check_new_leaf(
        &self,
        new: &LeafNode,
        old: &LeafNode,
        leaf: LeafIndex,
        context: LeafContext,
        required: Option<&RequiredCapabilities>,
    ) -> Result<()> {
        check_source(new, context)?;
        check_capabilities(new, &self.requirements(required))?;
        verify_leaf_signature(self.cs, new, self.context.group_id.as_slice(), leaf)?;
        self.identity.validate_credential(
            &new.credential,
            new.signature_key.as_slice(),
            self.context.cipher_suite,
        )?;
        if new.credential != old.credential {
            self.identity
                .validate_successor(&old.credential, &new.credential)?;
        }
        Ok(())
    }

    /// The rules of §12.2 for a regular commit by `committer`.
    pub fn check_list(&self, committer: LeafIndex, list: &[Listed]) -> Result<()> {
        self.check_list_batched(committer, list)
    }

    /// [`Self::check_list`], the KeyPackage signatures of the Adds skipped
    /// when `adds_verified` (see [`Self::check_list_batched`]).
    fn check_list_with(
        &self,
        committer: LeafIndex,
        list: &[Listed],
        adds_verified: bool,
    ) -> Result<()> {
        let mut touched = HashSet::new();
        let mut removed = HashSet::new();
        let mut add_keys: HashSet<&[u8]> = HashSet::new();
        let mut add_ids: HashSet<Vec<u8>> = HashSet::new();
        let mut psks: Vec<&PreSharedKeyId> = Vec::new();
        let mut gce = 0usize;
        let mut reinit = false;
        for (index, item) in list.iter().enumerate() {
            self.check_proposal_with(&item.proposal, &item.sender, index, adds_verified)?;
            match &item.proposal {
                Proposal::Update(_) => {
                    let Sender::Member(leaf) = item.sender else {
                        return Err(ProtocolError::ProposalSenderNotAllowed(
                            item.sender.sender_type(),
                        )
                        .into());
                    };
                    if leaf == committer.0 {
                        return Err(ProtocolError::CommitterUpdate.into());
                    }
                    if !touched.insert(leaf) {
                        return Err(ProtocolError::DuplicateUpdateOrRemove { leaf }.into());
                    }
                }
                Proposal::Remove(r) => {
                    if r.removed == committer.0 {
                        return Err(ProtocolError::CommitterRemoved.into());
                    }
                    if !touched.insert(r.removed) {
                        return Err(
                            ProtocolError::DuplicateUpdateOrRemove { leaf: r.removed }.into()
                        );
                    }
                    removed.insert(r.removed);
                }
                Proposal::Add(add) => {
                    let leaf = &add.key_package.leaf_node;
                    let id = self.identity.identity(&leaf.credential)?;
                    if !add_keys.insert(leaf.signature_key.as_slice()) || !add_ids.insert(id) {
                        return Err(ProtocolError::DuplicateAdd.into());
                    }
                }
                Proposal::PreSharedKey(p) => {
                    if psks.contains(&&p.psk) {
                        return Err(ProtocolError::DuplicatePskId.into());
                    }
                    psks.push(&p.psk);
                }
                Proposal::GroupContextExtensions(_) => gce += 1,
                Proposal::ReInit(_) => reinit = true,
                Proposal::ExternalInit(_) => {
                    return Err(ProtocolError::ExternalInitInRegularCommit.into())
                }
            }
        }
        if gce > 1 {
            return Err(ProtocolError::MultipleGroupContextExtensions.into());
        }
        if reinit && list.len() > 1 {
            return Err(ProtocolError::ReInitWithOtherProposals.into());
        }
        // Adds of clients already in the group, unless removed here.
        if !add_ids.is_empty() {
            for (leaf, node) in self.tree.members() {
                if removed.contains(&leaf.0) {
                    continue;
                }
                let same_key = add_keys.contains(node.signature_key.as_slice());
                if same_key || add_ids.contains(&self.identity.identity(&node.credential)?) {
                    return Err(ProtocolError::AddOfExistingMember { leaf: leaf.0 }.into());
                }
            }
        }
        Ok(())
    }

    /// From the cached proposals, the committer's valid list (§12.2): if a
    /// valid ReInit was received, the most recent one alone (§11.2);
    /// otherwise its own Updates, Removes of itself or of blank leaves and
    /// ExternalInit are dropped; a Remove wins over an Update of the same leaf,
    /// and the most recent Update of a leaf over earlier ones; duplicate
    /// Adds and PSKs are dropped; of several GCE proposals the last is kept.
    /// Dropped proposals are never listed.
    pub fn select(&self, committer: LeafIndex, cached: &[Listed]) -> Vec<Listed> {
        let valid: Vec<&Listed> = cached
            .iter()
            .enumerate()
            .filter(|(i, l)| self.check_proposal(&l.proposal, &l.sender, *i).is_ok())
            .map(|(_, l)| l)
            .collect();
        // A valid ReInit is committed alone (§12.2), the most recent one.
        if let Some(r) = valid
            .iter()
            .rev()
            .find(|l| matches!(l.proposal, Proposal::ReInit(_)))
        {
            return vec![(*r).clone()];
        }
        let removes: HashSet<u32> = valid
            .iter()
            .filter_map(|l| match &l.proposal {
                Proposal::Remove(r) if r.removed != committer.0 => Some(r.removed),
                _ => None,
            })
            .collect();
        let last_gce = valid
            .iter()
            .rposition(|l| matches!(l.proposal, Proposal::GroupContextExtensions(_)));
        let mut out: Vec<Listed> = Vec::new();
        let mut seen_remove = HashSet::new();
        let mut add_keys: HashSet<Vec<u8>> = HashSet::new();
        let mut add_ids: Vec<Vec<u8>> = Vec::new();
        let mut psks: Vec<PreSharedKeyId> = Vec::new();
        for (i, l) in valid.iter().enumerate() {
            let keep = match &l.proposal {
                Proposal::Update(_) => match l.sender {
                    Sender::Member(leaf) if leaf != committer.0 && !removes.contains(&leaf) => {
                        // Only the most recent Update of a leaf.
                        !valid.iter().skip(i + 1).any(|later| {
                            matches!(later.proposal, Proposal::Update(_))
                                && later.sender == l.sender
                        })
                    }
                    _ => false,
                },
                Proposal::Remove(r) => r.removed != committer.0 && seen_remove.insert(r.removed),
                Proposal::Add(add) => {
                    let leaf = &add.key_package.leaf_node;
                    let key = leaf.signature_key.as_slice().to_vec();
                    match self.identity.identity(&leaf.credential) {
                        Ok(id) => {
                            let existing = self.tree.members().any(|(m, node)| {
                                !removes.contains(&m.0)
                                    && (node.signature_key.as_slice() == key.as_slice()
                                        || self
                                            .identity
                                            .identity(&node.credential)
                                            .is_ok_and(|x| x == id))
                            });
                            let fresh = !existing && !add_ids.contains(&id) && add_keys.insert(key);
                            if fresh {
                                add_ids.push(id);
                            }
                            fresh
                        }
                        Err(_) => false,
                    }
                }
                Proposal::PreSharedKey(p) => {
                    let fresh = !psks.contains(&p.psk);
                    if fresh {
                        psks.push(p.psk.clone());
                    }
                    fresh
                }
                Proposal::GroupContextExtensions(_) => Some(i) == last_gce,
                Proposal::ReInit(_) | Proposal::ExternalInit(_) => false,
            };
            if keep {
                out.push((*l).clone());
            }
        }
        out
    }
}

/// Applies a valid list to `diff` in the order of §12.3 (GroupContext
/// extensions, Updates, Removes, Adds; PSKs are collected), then checks that
/// the resulting members support the group's extensions (§12.1.7).
pub fn apply(diff: &mut TreeDiff<'_>, context: &GroupContext, list: &[Listed]) -> Result<Applied> {
    let mut applied = Applied {
        path_required: list.is_empty(),
        ..Applied::default()
    };
    for item in list {
        match &item.proposal {
            Proposal::GroupContextExtensions(g) => {
                applied.extensions = Some(g.extensions.clone());
                applied.path_required = true;
            }
            Proposal::ReInit(r) => applied.reinit = Some(r.clone()),
            Proposal::ExternalInit(_) => applied.path_required = true,
            _ => {}
        }
    }
    for item in list {
        if let (Proposal::Update(u), Sender::Member(leaf)) = (&item.proposal, item.sender) {
            diff.update_leaf(LeafIndex(leaf), LeafNode::clone(&u.leaf_node))?;
            applied
                .updated
                .push((LeafIndex(leaf), item.reference.clone()));
            applied.path_required = true;
        }
    }
    for item in list {
        if let Proposal::Remove(r) = &item.proposal {
            let leaf = LeafIndex(r.removed);
            let node = diff
                .leaf(leaf)
                .cloned()
                .ok_or(Error::Internal("a checked Remove of a blank leaf"))?;
            diff.remove_leaf(leaf)?;
            applied.removed.push((leaf, node));
            applied.path_required = true;
        }
    }
    for item in list {
        if let Proposal::Add(a) = &item.proposal {
            let leaf = diff.add_leaf(a.key_package.leaf_node.clone())?;
            applied
                .added
                .push((leaf, KeyPackage::clone(&a.key_package)));
        }
    }
    for item in list {
        if let Proposal::PreSharedKey(p) = &item.proposal {
            applied.psks.push(p.psk.clone());
        }
    }
    let extensions = applied.extensions.as_deref().unwrap_or(&context.extensions);
    if applied.extensions.is_some() || !applied.added.is_empty() {
        check_extension_support(diff, extensions)?;
    }
    Ok(applied)
}

/// Every member of `view` supports the non-default extension types of
/// `extensions` and the `required_capabilities` among them (§11.1, §12.1.7).
pub fn check_extension_support<V: TreeView + ?Sized>(
    view: &V,
    extensions: &[Extension],
) -> Result<()> {
    let required = required_capabilities(extensions)?;
    let types: Vec<ExtensionType> = extensions
        .iter()
        .map(|e| e.extension_type)
        .filter(|t| !t.is_default())
        .collect();
    for leaf in view.member_indices() {
        let Some(node) = view.leaf(leaf) else {
            continue;
        };
        let caps = &node.capabilities;
        let ext_ok = types.iter().all(|t| caps.extensions.contains(t));
        let req_ok = required.as_ref().is_none_or(|r| {
            r.extension_types
                .iter()
                .all(|t| t.is_default() || caps.extensions.contains(t))
                && r.proposal_types
                    .iter()
                    .all(|t: &ProposalType| t.is_default() || caps.proposals.contains(t))
                && r.credential_types
                    .iter()
                    .all(|t| caps.credentials.contains(t))
        });
        if !(ext_ok && req_ok) {
            return Err(ProtocolError::ExtensionsNotSupportedByMember { leaf: leaf.0 }.into());
        }
    }
    Ok(())
}
