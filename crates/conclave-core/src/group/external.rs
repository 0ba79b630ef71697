//! External commits (RFC 9420 §12.4.3.2): joining a group from a GroupInfo
//! with an `external_pub` extension, and the receiving side's checks.
//!
//! The joiner encapsulates to `external_pub` and exports the epoch's
//! `init_secret` (§8.3: `SetupBaseS(external_pub, "")` then
//! `export("MLS 1.0 external init secret", KDF.Nh)`), sends it as the
//! ExternalInit proposal's `kem_output`, lands at the leftmost blank leaf
//! (after an optional Remove of its own prior leaf, "resync") and sends a
//! full path from there, signed as `new_member_commit`. Members recompute the
//! `init_secret` with `external_priv` and check the list of §12.2 for
//! external commits: exactly one ExternalInit, at most one Remove (of the
//! joiner's own identity), PreSharedKeys, nothing else, nothing by reference.

use std::sync::Arc;

use crate::codec::{encode, VLBytes};
use crate::credential::IdentityValidator;
use crate::crypto::{CipherSuiteProvider, HpkeInfo, Secret, Signer};
use crate::error::Result;
use crate::framing::{protect_public, sign_content, EpochKeys, ReceivedContent};
use crate::key_package::default_capabilities;
use crate::limits::Limits;
use crate::schedule::{
    confirmation_tag, confirmed_transcript_hash, interim_transcript_hash, verify_group_info,
    InitSecret, PskSecret,
};
use crate::tree::treekem::{apply_new_path, apply_received_path, decrypt_path, encrypt_path};
use crate::tree::validate::{
    check_tree_structure, validate_tree_alongside, GroupRequirements, LeafContext, TreeValidation,
};
use crate::tree::{LeafIndex, RatchetTree, TreePrivateKeys, TreeView};
use crate::wire::extension::{check_unique_types, find_payload};
use crate::wire::{
    Commit, ConfirmedTranscriptHashInput, Credential, ExternalInit, ExternalPub, FramedContent,
    FramedContentBody, GroupContext, GroupInfo, LeafNode, LeafNodeSource, MlsMessage,
    MlsMessageBody, PreSharedKey, PreSharedKeyId, Proposal, ProposalOrRef, RatchetTreeNodes,
    Remove, Sender, WireFormat,
};
use crate::{Error, ProtocolError};

use super::key_index::{check_new_keys, KeyIndex};
use super::process::StagedCommit;
use super::proposals::{apply, check_extension_support, required_capabilities, Listed};
use super::state::PublicState;
use super::{Group, GroupConfig, Services};

/// The HPKE exporter label of the external init secret (§8.3).
pub const EXTERNAL_INIT_LABEL: &[u8] = b"MLS 1.0 external init secret";

/// Which prior leaf of ours an external commit removes ("resync", §12.4.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemovePrior {
    /// This leaf.
    Leaf(LeafIndex),
    /// The member whose credential presents our identity; if several do,
    /// the one with our signature key, else the join fails with
    /// [`ProtocolError::AmbiguousIdentity`].
    SameIdentity,
}

/// The options of [`Group::external_join`].
#[derive(Debug, Clone, Default)]
pub struct ExternalJoinOptions {
    /// Remove our own prior appearance in the group.
    pub remove_prior: Option<RemovePrior>,
    /// PreSharedKey proposals to include (resolved through `services.psks`).
    pub psks: Vec<PreSharedKeyId>,
    /// The commit's authenticated data.
    pub authenticated_data: Vec<u8>,
    /// Test hook (feature `testing`): entries appended to the commit's
    /// proposal list without being applied or checked, for negative tests.
    #[cfg(feature = "testing")]
    pub forged_extra: Vec<ProposalOrRef>,
}

/// A GroupInfo checked as a joiner checks it (§12.4.3.1, used for external
/// joins): the tree (given, or from the `ratchet_tree` extension) matches the
/// tree hash and is valid, the signer is a member and signed it.
pub(crate) fn verified_tree(
    cs: &dyn CipherSuiteProvider,
    info: &GroupInfo,
    ratchet_tree: Option<RatchetTreeNodes>,
    services: &Services,
    limits: &Limits,
) -> Result<RatchetTree> {
    let context = &info.group_context;
    if context.cipher_suite != cs.cipher_suite() {
        return Err(ProtocolError::WelcomeCipherSuiteMismatch.into());
    }
    // Validated the same way for a Welcome (§12.4.3.1) and an external join
    // (§12.4.3.2).
    let nodes = limits.tree_of(&info.extensions, ratchet_tree)?;
    let tree = RatchetTree::from_nodes(cs, nodes)?;
    let signer = tree
        .leaf(LeafIndex(info.signer))
        .ok_or(ProtocolError::GroupInfoSignerNotMember(info.signer))?;
    // The leaf signatures are verified on two threads while the other checks
    // run on this one, in the same order of errors as one after the other.
    validate_tree_alongside(&tree, cs, context.group_id.as_slice(), || {
        verify_group_info(cs, info, signer.signature_key.as_slice())?;
        if tree.root_hash() != context.tree_hash.as_slice() {
            return Err(ProtocolError::TreeHashMismatch.into());
        }
        check_unique_types(&context.extensions)?;
        let required = required_capabilities(&context.extensions)?;
        check_tree_structure(
            &tree,
            cs,
            &TreeValidation {
                group_id: context.group_id.as_slice(),
                group: GroupRequirements {
                    cipher_suite: context.cipher_suite,
                    version: context.version,
                    required: required.as_ref(),
                },
                clock: Some(services.clock.as_ref()),
            },
        )
    })?;
    for (_, leaf) in tree.members() {
        services.identity.validate_credential(
            &leaf.credential,
            leaf.signature_key.as_slice(),
            context.cipher_suite,
        )?;
    }
    super::external_proposal::validate_external_senders(
        services.identity.as_ref(),
        &context.extensions,
        context.cipher_suite,
    )?;
    Ok(tree)
}

/// The leaf a resync by identity removes (§12.4.3.2: the removed leaf must
/// be the joiner's own prior appearance). The member presenting our
/// identity if there is one; if several do, the one among them with our
/// signature key; otherwise the choice is ambiguous and refused
/// ([`ProtocolError::AmbiguousIdentity`]) rather than guessed: the caller
/// names the leaf with [`RemovePrior::Leaf`].
fn prior_leaf_by_identity(
    tree: &RatchetTree,
    identity: &dyn IdentityValidator,
    credential: &Credential,
    signature_key: &[u8],
) -> Result<LeafIndex> {
    let id = identity.identity(credential)?;
    let same: Vec<(LeafIndex, &LeafNode)> = tree
        .members()
        .filter(|(_, n)| identity.identity(&n.credential).is_ok_and(|x| x == id))
        .collect();
    match same.as_slice() {
        [] => Err(Error::Misuse("no member presents our identity".into())),
        [(leaf, _)] => Ok(*leaf),
        several => {
            let keyed: Vec<LeafIndex> = several
                .iter()
                .filter(|(_, n)| n.signature_key.as_slice() == signature_key)
                .map(|(l, _)| *l)
                .collect();
            match keyed.as_slice() {
                [leaf] => Ok(*leaf),
                _ => Err(ProtocolError::AmbiguousIdentity {
                    count: several.len(),
                }
                .into()),
            }
        }
    }
}

/// `init_secret` of an external commit, on the joiner's side (§8.3).
fn external_init_send(
    cs: &dyn CipherSuiteProvider,
    external_pub: &[u8],
) -> Result<(Vec<u8>, Secret)> {
    Ok(HpkeInfo::new(cs, b"")?.setup_sender_and_export(
        cs,
        external_pub,
        EXTERNAL_INIT_LABEL,
        cs.hash_len(),
    )?)
}

impl Group {
    /// Joins a group by an external commit (§12.4.3.2), from a GroupInfo
    /// with `external_pub` and the tree (given, or in the GroupInfo).
    /// Returns our group at the new epoch and the commit to send (a
    /// PublicMessage from `new_member_commit`).
    #[allow(clippy::too_many_arguments)]
    pub fn external_join(
        cs: Arc<dyn CipherSuiteProvider>,
        signer: Arc<dyn Signer>,
        credential: Credential,
        group_info: &MlsMessage,
        ratchet_tree: Option<RatchetTreeNodes>,
        options: ExternalJoinOptions,
        config: GroupConfig,
        services: Services,
    ) -> Result<(Group, MlsMessage)> {
        let c = cs.as_ref();
        let info = super::group_info_of(group_info)?;
        let tree = verified_tree(c, info, ratchet_tree, &services, &config.limits)?;
        let context = info.group_context.clone();
        let external_pub = find_payload::<ExternalPub>(&info.extensions)?
            .ok_or(ProtocolError::GroupInfoWithoutExternalPub)?;
        services.identity.validate_credential(
            &credential,
            signer.public_key(),
            context.cipher_suite,
        )?;
        let (kem_output, init_secret) =
            external_init_send(c, external_pub.external_pub.as_slice())?;

        let prior = match &options.remove_prior {
            None => None,
            Some(RemovePrior::Leaf(leaf)) => Some(*leaf),
            Some(RemovePrior::SameIdentity) => Some(prior_leaf_by_identity(
                &tree,
                services.identity.as_ref(),
                &credential,
                signer.public_key(),
            )?),
        };
        let mut proposals = vec![Proposal::ExternalInit(ExternalInit {
            kem_output: kem_output.into(),
        })];
        if let Some(leaf) = prior {
            proposals.push(Proposal::Remove(Remove { removed: leaf.0 }));
        }
        for psk in &options.psks {
            proposals.push(Proposal::PreSharedKey(PreSharedKey { psk: psk.clone() }));
        }

        let mut capabilities = default_capabilities(context.cipher_suite);
        for e in &context.extensions {
            if !e.extension_type.is_default()
                && !capabilities.extensions.contains(&e.extension_type)
            {
                capabilities.extensions.push(e.extension_type);
            }
        }
        let mut leaf_extensions = Vec::new();
        if config.grease {
            crate::key_package::add_leaf_grease(c, &mut capabilities, &mut leaf_extensions)?;
        }
        let template = LeafNode {
            encryption_key: VLBytes::new(Vec::new()),
            signature_key: signer.public_key().to_vec().into(),
            credential,
            capabilities,
            leaf_node_source: LeafNodeSource::Commit(VLBytes::new(Vec::new())),
            extensions: leaf_extensions,
            signature: VLBytes::new(Vec::new()),
        };
        let mut diff = tree.diff();
        if let Some(leaf) = prior {
            let Some(old) = diff.leaf(leaf) else {
                return Err(Error::Misuse("remove_prior names a blank leaf".into()));
            };
            // §12.4.3.2: the removed leaf must be our own prior appearance;
            // every receiver checks it (below, in the receiving path), so
            // refuse to build a commit they would all reject.
            services
                .identity
                .validate_successor(&old.credential, &template.credential)
                .map_err(|_| ProtocolError::ExternalCommitRemovesOtherIdentity)?;
            diff.remove_leaf(leaf)?;
        }
        let own = diff.add_leaf(template.clone())?;
        let new_path = apply_new_path(
            &mut diff,
            c,
            own,
            &template,
            signer.as_ref(),
            context.group_id.as_slice(),
        )?;
        check_extension_support(&diff, &context.extensions)?;
        let mut next = context.clone();
        next.epoch = context.epoch + 1;
        next.tree_hash = diff.root_hash(c)?.into();
        let update_path = encrypt_path(&diff, c, &new_path, &encode(&next)?, &[])?;
        let psk_secret = PskSecret::resolve(c, &options.psks, services.psks.as_ref())?;

        let framed = FramedContent {
            group_id: context.group_id.clone(),
            epoch: context.epoch,
            sender: Sender::NewMemberCommit,
            authenticated_data: options.authenticated_data.clone().into(),
            content: FramedContentBody::Commit(Commit {
                proposals: {
                    #[allow(unused_mut)]
                    let mut list: Vec<ProposalOrRef> = proposals
                        .into_iter()
                        .map(|p| ProposalOrRef::Proposal(Box::new(p)))
                        .collect();
                    #[cfg(feature = "testing")]
                    list.extend(options.forged_extra.iter().cloned());
                    list
                },
                path: Some(update_path),
            }),
        };
        let mut content = sign_content(
            signer.as_ref(),
            WireFormat::PUBLIC_MESSAGE,
            framed,
            &context,
        )?;
        let interim = interim_transcript_hash(
            c,
            context.confirmed_transcript_hash.as_slice(),
            info.confirmation_tag.as_slice(),
        )?;
        let confirmed = confirmed_transcript_hash(
            c,
            &interim,
            &encode(&ConfirmedTranscriptHashInput::from(&content))?,
        );
        next.confirmed_transcript_hash = confirmed.clone().into();
        let next_bytes = encode(&next)?;
        let secrets = InitSecret::new(init_secret)
            .joiner(c, new_path.commit_secret(), &next_bytes)?
            .member(c, &psk_secret)?
            .epoch(c, &next_bytes)?
            .derive(c)?;
        let tag = confirmation_tag(c, &secrets.confirmation_key, &confirmed)?;
        let next_interim = interim_transcript_hash(c, &confirmed, &tag)?;
        content.auth.confirmation_tag = Some(tag.clone().into());
        // A new member's PublicMessage carries no membership tag (§6.2):
        // the keys below are not used.
        let unused = Secret::zero(c.hash_len());
        let keys = EpochKeys {
            cs: c,
            group_context: &context,
            membership_key: &unused,
            sender_data_secret: &unused,
        };
        let message = MlsMessage::new(MlsMessageBody::PublicMessage(protect_public(
            &keys, content,
        )?));

        let private_keys = new_path.private_keys(
            &TreePrivateKeys::new(own, Secret::zero(c.hash_len())),
            &diff,
        );
        let changes = diff.into_changes(c)?;
        let mut tree = tree;
        tree.merge(changes)?;
        let public = PublicState {
            context: next,
            tree,
            interim_transcript_hash: next_interim,
            confirmation_tag: tag,
        };
        let group = Group::new_member(cs, signer, config, services, public, private_keys, secrets)?;
        Ok((group, message))
    }

    /// Checks an external commit in full and stages it (§12.2, §12.4.2,
    /// §12.4.3.2).
    pub(crate) fn stage_external_commit(
        &self,
        content: &ReceivedContent,
        commit: &Commit,
    ) -> Result<StagedCommit> {
        let cs = self.cs.as_ref();
        let path = commit
            .path
            .as_ref()
            .ok_or(ProtocolError::NewMemberCommitWithoutPath)?;
        let checks = self.checks();
        let mut inits: Vec<&ExternalInit> = Vec::new();
        let mut removes = 0usize;
        let mut list = Vec::with_capacity(commit.proposals.len());
        let mut psk_ids: Vec<&PreSharedKeyId> = Vec::new();
        for (index, p) in commit.proposals.iter().enumerate() {
            let ProposalOrRef::Proposal(proposal) = p else {
                return Err(ProtocolError::ExternalCommitProposalByReference.into());
            };
            let proposal: &Proposal = proposal;
            match proposal {
                Proposal::ExternalInit(init) => inits.push(init),
                Proposal::Remove(r) => {
                    removes += 1;
                    if removes > 1 {
                        return Err(ProtocolError::ExternalCommitMultipleRemoves.into());
                    }
                    if self.public.tree.leaf(LeafIndex(r.removed)).is_none() {
                        return Err(ProtocolError::InvalidProposal {
                            index,
                            why: "a Remove of a blank or absent leaf",
                        }
                        .into());
                    }
                }
                Proposal::PreSharedKey(psk) => {
                    checks.check_proposal(proposal, &Sender::NewMemberCommit, index)?;
                    if psk_ids.contains(&&psk.psk) {
                        return Err(ProtocolError::DuplicatePskId.into());
                    }
                    psk_ids.push(&psk.psk);
                }
                other => {
                    return Err(ProtocolError::ExternalCommitProposalNotAllowed(
                        other.proposal_type(),
                    )
                    .into())
                }
            }
            list.push(Listed {
                proposal: proposal.clone(),
                sender: Sender::NewMemberCommit,
                reference: None,
            });
        }
        let [init] = inits.as_slice() else {
            return Err(ProtocolError::ExternalCommitInitCount { count: inits.len() }.into());
        };

        let mut diff = self.public.tree.diff();
        let applied = apply(&mut diff, &self.public.context, &list)?;
        let required = required_capabilities(&self.public.context.extensions)?;
        let committer = diff.add_leaf(path.leaf_node.clone())?;
        checks.check_new_leaf(
            &path.leaf_node,
            &path.leaf_node,
            committer,
            LeafContext::Commit,
            required.as_ref(),
        )?;
        if let Some((_, old)) = applied.removed.first() {
            self.services
                .identity
                .validate_successor(&old.credential, &path.leaf_node.credential)
                .map_err(|_| ProtocolError::ExternalCommitRemovesOtherIdentity)?;
        }
        check_extension_support(&diff, &self.public.context.extensions)?;
        apply_received_path(&mut diff, cs, committer, path)?;
        // The joiner's leaf and path keys are unique in the new tree (§7.3,
        // §12.4.2), checked against the key index in O(path · log N).
        let mut subjects = vec![committer.node()];
        subjects.extend(diff.filtered_direct_path(committer).iter().map(|(p, _)| *p));
        let index = self.keys.get_or_init(|| KeyIndex::build(&self.public.tree));
        check_new_keys(index, &diff, &subjects)?;
        let self_removed = applied.removed.iter().any(|(l, _)| *l == self.own.leaf);

        let context = GroupContext {
            epoch: self.public.context.epoch + 1,
            tree_hash: diff.root_hash(cs)?.into(),
            ..self.public.context.clone()
        };
        let summary = |next, changes| StagedCommit {
            base_epoch: self.epoch(),
            sender: Sender::NewMemberCommit,
            changes,
            next,
            base_secret_tree: None,
            added: vec![(committer, path.leaf_node.credential.clone())],
            removed: applied
                .removed
                .iter()
                .map(|(l, n)| (*l, n.credential.clone()))
                .collect(),
            updated: Vec::new(),
            new_extensions: None,
            self_removed,
            has_path: true,
            reinit: None,
        };
        if self_removed {
            return Ok(summary(None, diff.into_changes(cs)?));
        }
        let received = decrypt_path(
            &diff,
            cs,
            committer,
            path,
            &self.own.private_keys,
            &encode(&context)?,
            &[],
        )?;
        let (external_priv, external_pub) = self.epoch.secrets.external_key_pair(cs)?;
        let init_secret = HpkeInfo::new(cs, b"")?.setup_receiver_and_export(
            cs,
            init.kem_output.as_slice(),
            external_priv.as_bytes(),
            &external_pub,
            EXTERNAL_INIT_LABEL,
            cs.hash_len(),
        )?;
        let next = self.commit_epoch(
            InitSecret::new(init_secret),
            (&received.commit_secret, received.private_keys),
            &applied.psks,
            content,
            context,
            diff.width().leaves(),
        )?;
        Ok(summary(Some(next), diff.into_changes(cs)?))
    }
}
