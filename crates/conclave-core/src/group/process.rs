//! Processing received messages (RFC 9420 §6, §12.4.2): application data,
//! proposals (cached by reference), and commits, which are checked in full
//! and staged; [`Group::merge_staged_commit`] then moves to the next epoch.
//!
//! Nothing of the group changes until the very end of a successful
//! `process`: commits are staged on a copy-on-write tree diff, the secret
//! tree of a handshake message is a copy that replaces the group's only once
//! the message was accepted, and application messages consume a generation
//! only once they decrypted and verified (see `framing::unprotect`).

use std::borrow::Cow;

use crate::codec::encode;
use crate::crypto::Secret;
use crate::error::Result;
use crate::framing::{
    unprotect, unprotect_private, unprotect_received_then, EpochKeys, ReceivedContent,
};
use crate::schedule::InitSecret;
use crate::schedule::{
    confirmed_transcript_hash, interim_transcript_hash, verify_confirmation_tag, EpochSecrets,
    PskSecret, SecretTree,
};
use crate::tree::treekem::{apply_received_path, decrypt_path};
use crate::tree::validate::LeafContext;
use crate::tree::{LeafIndex, NodeIndex, TreeChanges, TreePrivateKeys, TreeView};
use crate::wire::PreSharedKeyId;
use crate::wire::{
    AuthenticatedContent, Commit, Credential, Extension, ExternalSender, FramedContentBody,
    GroupContext, MlsMessage, MlsMessageBody, ProposalOrRef, Sender,
};
use crate::{Error, ProtocolError};

use super::key_index::{check_new_keys, KeyIndex};
use super::proposals::{apply, proposal_ref, required_capabilities, Checks, Listed};
use super::state::{CachedProposal, PastEpoch, PastKeys, TreeMembers};
use super::{Group, Received};

/// A checked commit, not yet applied: inspect it, then merge it with
/// [`Group::merge_staged_commit`] (or drop it to leave the group as it was).
#[derive(Debug)]
#[must_use]
pub struct StagedCommit {
    pub(crate) base_epoch: u64,
    pub(crate) sender: Sender,
    pub(crate) changes: TreeChanges,
    pub(crate) next: Option<NextEpoch>,
    /// The handshake secret tree of the base epoch after this message.
    pub(crate) base_secret_tree: Option<SecretTree>,
    pub(crate) added: Vec<(LeafIndex, Credential)>,
    pub(crate) removed: Vec<(LeafIndex, Credential)>,
    pub(crate) updated: Vec<LeafIndex>,
    pub(crate) new_extensions: Option<Vec<Extension>>,
    pub(crate) self_removed: bool,
    pub(crate) has_path: bool,
    /// The ReInit this commit carries (§11.2): after merging it the group
    /// accepts nothing more.
    pub(crate) reinit: Option<crate::wire::ReInit>,
}

/// A handshake message checked (and, for a commit, staged) before the
/// group changes.
enum Checked {
    /// A proposal from this sender, with its reference.
    Proposal(Sender, Vec<u8>),
    /// A staged commit.
    Commit(Box<StagedCommit>),
}

/// The next epoch's state, computed by staging a commit.
#[derive(Debug)]
pub(crate) struct NextEpoch {
    pub context: GroupContext,
    pub secrets: EpochSecrets,
    pub secret_tree: SecretTree,
    pub interim: Vec<u8>,
    pub confirmation_tag: Vec<u8>,
    pub private_keys: TreePrivateKeys,
}

impl StagedCommit {
    /// The committer.
    pub fn sender(&self) -> Sender {
        self.sender
    }

    /// The members added: leaf and credential.
    pub fn added(&self) -> &[(LeafIndex, Credential)] {
        &self.added
    }

    /// The members removed: leaf and credential.
    pub fn removed(&self) -> &[(LeafIndex, Credential)] {
        &self.removed
    }

    /// The members whose leaf an Update replaced.
    pub fn updated(&self) -> &[LeafIndex] {
        &self.updated
    }

    /// The new GroupContext extensions, if they change.
    pub fn new_extensions(&self) -> Option<&[Extension]> {
        self.new_extensions.as_deref()
    }

    /// Whether the commit removes us.
    pub fn self_removed(&self) -> bool {
        self.self_removed
    }

    /// The ReInit proposal the commit carries, if any (§11.2).
    pub fn reinit(&self) -> Option<&crate::wire::ReInit> {
        self.reinit.as_ref()
    }

    /// Whether the commit carries an UpdatePath.
    pub fn has_path(&self) -> bool {
        self.has_path
    }

    /// The epoch the commit starts.
    pub fn epoch(&self) -> u64 {
        self.base_epoch + 1
    }

    /// The GroupContext of the new epoch (`None` when we are removed).
    pub fn context(&self) -> Option<&GroupContext> {
        self.next.as_ref().map(|n| &n.context)
    }
}

impl Group {
    pub(crate) fn checks(&self) -> Checks<'_> {
        Checks {
            cs: self.cs.as_ref(),
            context: &self.public.context,
            tree: &self.public.tree,
            clock: self.services.clock.as_ref(),
            identity: self.services.identity.as_ref(),
        }
    }

    pub(crate) fn external_senders(&self) -> Result<Vec<ExternalSender>> {
        Ok(crate::wire::extension::find_payload::<Vec<ExternalSender>>(
            &self.public.context.extensions,
        )?
        .unwrap_or_default())
    }

    /// Processes one received message (§6, §12.4.2). The ProposalRef and
    /// transcript hashes are computed over the message's encoding; use
    /// [`Group::process_bytes`] to hand over the bytes as received.
    pub fn process(&mut self, message: &MlsMessage) -> Result<Received> {
        self.process_message(Cow::Borrowed(message), None)
    }

    /// Decodes and processes one message as received: the ProposalRef of a
    /// proposal (§5.2) and the confirmed transcript hash of a commit (§8.2)
    /// are computed over these bytes.
    /// Input longer than the configured `max_message_size` is refused
    /// before it is decoded ([`crate::limits`]).
    pub fn process_bytes(&mut self, bytes: &[u8]) -> Result<Received> {
        let message: MlsMessage = self.config.limits.decode(bytes)?;
        self.process_message(Cow::Owned(message), Some(bytes))
    }

    /// Processes a message, owned when it was decoded here (then it is
    /// taken apart without a copy) or borrowed from the caller.
    fn process_message(
        &mut self,
        message: Cow<'_, MlsMessage>,
        bytes: Option<&[u8]>,
    ) -> Result<Received> {
        self.check_active()?;
        // Counts and sizes visible without decrypting (a PublicMessage's
        // proposals and extensions), before any signature is checked.
        self.config.limits.check_message(&message)?;
        let is_application = matches!(&message.body, MlsMessageBody::PrivateMessage(pm)
            if pm.content_type == crate::wire::ContentType::Application);
        // Our own messages echoed back (the delivery service sends a commit
        // or proposal to everyone, sender included) are recognised by their
        // bytes before any decryption: our sending ratchet already used
        // their generation.
        let own_sent = self.own.pending_commit_hash.is_some()
            || self
                .proposals
                .entries
                .iter()
                .any(|e| e.own_message_hash.is_some());
        let bytes: Cow<'_, [u8]> = match bytes {
            Some(b) => Cow::Borrowed(b),
            None if own_sent || !is_application => Cow::Owned(encode(&*message)?),
            None => Cow::Borrowed(&[]),
        };
        if own_sent {
            let hash = self.cs.hash(&bytes);
            if self.own.pending_commit_hash.as_deref() == Some(hash.as_slice()) {
                return Ok(Received::OwnCommit);
            }
            if let Some(own) = self
                .proposals
                .entries
                .iter()
                .find(|e| e.own_message_hash.as_deref() == Some(hash.as_slice()))
            {
                return Ok(Received::Proposal {
                    sender: own.sender,
                    proposal: own.proposal.clone(),
                    reference: own.reference.clone(),
                });
            }
        }
        if let MlsMessageBody::PrivateMessage(pm) = &message.body {
            if pm.epoch < self.epoch() && pm.group_id.as_slice() == self.group_id() {
                return self.process_past(&message, pm);
            }
        }
        let external = self.external_senders()?;
        let members = TreeMembers {
            tree: &self.public.tree,
            external,
        };
        let keys = EpochKeys {
            cs: self.cs.as_ref(),
            group_context: &self.public.context,
            membership_key: &self.epoch.secrets.membership_key,
            sender_data_secret: &self.epoch.secrets.sender_data_secret,
        };
        if is_application {
            let content = unprotect(
                &keys,
                &members,
                &mut self.epoch.secret_tree,
                message.into_owned(),
            )?;
            return application(content);
        }
        let mut secret_tree = self.epoch.secret_tree.clone();
        // Everything up to staging a commit or checking a proposal changes
        // nothing, so it may overlap the signature check of a big message
        // (`unprotect_received_then`); the group changes only after.
        let (received, checked) = unprotect_received_then(
            &keys,
            &members,
            &mut secret_tree,
            message.into_owned(),
            &bytes,
            |received| {
                // A PrivateMessage's handshake content, once decrypted.
                self.config
                    .limits
                    .check_content(&received.content.content.content)?;
                match &received.content.content.content {
                    FramedContentBody::Application(_) => Err(Error::Internal(
                        "application content in a handshake message",
                    )),
                    FramedContentBody::Proposal(proposal) => {
                        let sender = received.content.content.sender;
                        self.checks().check_proposal(proposal, &sender, 0)?;
                        // §5.2: the reference is a hash of the
                        // AuthenticatedContent as received.
                        let reference = proposal_ref(self.cs.as_ref(), &received.encoded)?;
                        Ok(Checked::Proposal(sender, reference))
                    }
                    FramedContentBody::Commit(commit) => Ok(Checked::Commit(Box::new(
                        self.stage_commit(received, commit)?,
                    ))),
                }
            },
        )?;
        match (checked, received.content.content.content) {
            (Checked::Proposal(sender, reference), FramedContentBody::Proposal(proposal)) => {
                self.epoch.secret_tree = secret_tree;
                self.proposals.insert(CachedProposal {
                    reference: reference.clone(),
                    proposal: proposal.clone(),
                    sender,
                    own_message_hash: None,
                });
                Ok(Received::Proposal {
                    sender,
                    proposal,
                    reference,
                })
            }
            (Checked::Commit(mut staged), _) => {
                staged.base_secret_tree = Some(secret_tree);
                Ok(Received::Commit(*staged))
            }
            (Checked::Proposal(..), _) => Err(Error::Internal("a proposal changed its kind")),
        }
    }

    /// A late application message of a past epoch still kept (§9.2).
    fn process_past(
        &mut self,
        message: &MlsMessage,
        pm: &crate::wire::PrivateMessage,
    ) -> Result<Received> {
        if pm.content_type != crate::wire::ContentType::Application {
            return Err(ProtocolError::EpochMismatch {
                message: pm.epoch,
                current: self.epoch(),
            }
            .into());
        }
        let cs = self.cs.clone();
        let past = self
            .past
            .epoch_mut(pm.epoch)
            .ok_or(ProtocolError::UnknownEpoch(pm.epoch))?;
        let PastEpoch {
            context,
            secret_tree,
            sender_data_secret,
            membership_key,
            leaf_count,
            changed_keys,
        } = past;
        let members = PastKeys {
            tree: &self.public.tree,
            leaf_count: *leaf_count,
            changed_keys,
        };
        if message.version != context.version {
            return Err(ProtocolError::VersionMismatch {
                message: message.version.0,
                group: context.version.0,
            }
            .into());
        }
        let keys = EpochKeys {
            cs: cs.as_ref(),
            group_context: context,
            membership_key,
            sender_data_secret,
        };
        let content = unprotect_private(&keys, &members, secret_tree, pm)?;
        application(content)
    }

    /// Checks a commit from a member in full and stages it (§12.4.2).
    pub(crate) fn stage_commit(
        &self,
        received: &ReceivedContent,
        commit: &Commit,
    ) -> Result<StagedCommit> {
        let cs = self.cs.as_ref();
        let content = &received.content;
        let Sender::Member(sender) = content.content.sender else {
            return self.stage_external_commit(received, commit);
        };
        let committer = LeafIndex(sender);
        if committer == self.own.leaf {
            return Err(Error::Misuse(
                "a commit of our own that is not our pending commit".into(),
            ));
        }
        let old_committer_leaf = self
            .public
            .tree
            .leaf(committer)
            .ok_or(Error::Internal("framing let a blank sender through"))?;
        let mut list = Vec::with_capacity(commit.proposals.len());
        for p in &commit.proposals {
            list.push(match p {
                ProposalOrRef::Proposal(proposal) => Listed {
                    proposal: crate::wire::Proposal::clone(proposal),
                    sender: Sender::Member(sender),
                    reference: None,
                },
                ProposalOrRef::Reference(r) => {
                    let cached = self
                        .proposals
                        .get(r.as_slice())
                        .ok_or(ProtocolError::UnknownProposalRef)?;
                    Listed {
                        proposal: cached.proposal.clone(),
                        sender: cached.sender,
                        reference: Some(cached.reference.clone()),
                    }
                }
            });
        }
        let checks = self.checks();
        checks.check_list(committer, &list)?;

        let mut diff = self.public.tree.diff();
        let applied = apply(&mut diff, &self.public.context, &list)?;
        let self_removed = applied.removed.iter().any(|(l, _)| *l == self.own.leaf);
        if applied.path_required && commit.path.is_none() {
            return Err(ProtocolError::MissingRequiredPath.into());
        }
        let extensions = applied
            .extensions
            .clone()
            .unwrap_or_else(|| self.public.context.extensions.clone());
        let added: Vec<LeafIndex> = applied.added.iter().map(|(l, _)| *l).collect();

        // Our leaf's private key, if another member committed our Update.
        let mut own_keys = self.own.private_keys.clone();
        for (leaf, reference) in &applied.updated {
            if *leaf == self.own.leaf {
                let key = reference
                    .as_ref()
                    .and_then(|r| self.own.pending_updates.iter().find(|(x, _)| x == r))
                    .map(|(_, k)| k.clone())
                    .ok_or(Error::Misuse(
                        "a commit applies an Update of our leaf we do not hold the key of".into(),
                    ))?;
                own_keys.insert(self.own.leaf.node(), key);
            }
        }

        if let Some(path) = &commit.path {
            let required = required_capabilities(&extensions)?;
            checks.check_new_leaf(
                &path.leaf_node,
                old_committer_leaf,
                committer,
                LeafContext::Commit,
                required.as_ref(),
            )?;
            if path.leaf_node.encryption_key == old_committer_leaf.encryption_key {
                return Err(ProtocolError::CommitLeafKeepsEncryptionKey.into());
            }
            apply_received_path(&mut diff, cs, committer, path)?;
        }
        // The keys the commit brings in are unique in the new tree (§7.3,
        // §12.4.2): its Adds', its Updates' and its path's.
        let mut subjects: Vec<NodeIndex> = applied
            .added
            .iter()
            .map(|(l, _)| l.node())
            .chain(applied.updated.iter().map(|(l, _)| l.node()))
            .collect();
        if commit.path.is_some() {
            subjects.push(committer.node());
            subjects.extend(diff.filtered_direct_path(committer).iter().map(|(p, _)| *p));
        }
        if !subjects.is_empty() {
            let index = self.keys.get_or_init(|| KeyIndex::build(&self.public.tree));
            check_new_keys(index, &diff, &subjects)?;
        }
        let context = GroupContext {
            version: self.public.context.version,
            cipher_suite: self.public.context.cipher_suite,
            group_id: self.public.context.group_id.clone(),
            epoch: self.public.context.epoch + 1,
            tree_hash: diff.root_hash(cs)?.into(),
            confirmed_transcript_hash: self.public.context.confirmed_transcript_hash.clone(),
            extensions,
        };
        let summary = |next, changes| StagedCommit {
            base_epoch: self.epoch(),
            sender: content.content.sender,
            changes,
            next,
            base_secret_tree: None,
            added: applied
                .added
                .iter()
                .map(|(l, kp)| (*l, kp.leaf_node.credential.clone()))
                .collect(),
            removed: applied
                .removed
                .iter()
                .map(|(l, n)| (*l, n.credential.clone()))
                .collect(),
            updated: applied.updated.iter().map(|(l, _)| *l).collect(),
            new_extensions: applied.extensions.clone(),
            self_removed,
            has_path: commit.path.is_some(),
            reinit: applied.reinit.clone(),
        };
        if self_removed {
            return Ok(summary(None, diff.into_changes(cs)?));
        }

        let (commit_secret, private_keys) = match &commit.path {
            Some(path) => {
                let received = decrypt_path(
                    &diff,
                    cs,
                    committer,
                    path,
                    &own_keys,
                    &encode(&context)?,
                    &added,
                )?;
                (received.commit_secret, received.private_keys)
            }
            None => (Secret::zero(cs.hash_len()), own_keys),
        };
        let next = self.commit_epoch(
            self.epoch.secrets.init_secret.clone(),
            (&commit_secret, private_keys),
            &applied.psks,
            received,
            context,
            diff.width().leaves(),
        )?;
        Ok(summary(Some(next), diff.into_changes(cs)?))
    }

    /// Applies a staged commit: the group moves to the next epoch.
    pub fn merge_staged_commit(&mut self, staged: StagedCommit) -> Result<()> {
        if staged.base_epoch != self.epoch() {
            return Err(Error::Misuse(
                "the commit was staged in another epoch".into(),
            ));
        }
        // O(changed nodes): the nodes the merge writes are the only ones
        // whose keys move in the key index and in the past epochs' records
        // (a truncation adds the dropped range).
        let changed = staged.changes.changed_nodes(self.public.tree.width());
        let old_leaf_count = self.public.tree.leaf_count();
        let replaced: Vec<(u32, Option<Vec<u8>>)> = if self.config.past_epochs > 0 {
            changed
                .iter()
                .filter(|&&x| x % 2 == 0 && x / 2 < old_leaf_count)
                .map(|&x| {
                    let leaf = LeafIndex(x / 2);
                    let key = self.public.tree.leaf(leaf);
                    (leaf.0, key.map(|l| l.signature_key.as_slice().to_vec()))
                })
                .collect()
        } else {
            Vec::new()
        };
        let reinit = staged.reinit.clone();
        if let Some(index) = self.keys.get_mut() {
            index.before_merge(&self.public.tree, &changed);
        }
        if let Err(e) = self.public.tree.merge(staged.changes) {
            self.keys = std::sync::OnceLock::new();
            return Err(e);
        }
        if let Some(index) = self.keys.get_mut() {
            index.after_merge(&self.public.tree, &changed);
        }
        for past in &mut self.past.epochs {
            past.record(&replaced);
        }
        let Some(next) = staged.next else {
            self.own.active = false;
            self.proposals.entries.clear();
            self.own.pending_updates.clear();
            self.own.pending_commit_hash = None;
            return Ok(());
        };
        let old_secret_tree = staged
            .base_secret_tree
            .unwrap_or_else(|| self.epoch.secret_tree.clone());
        let old_context = std::mem::replace(&mut self.public.context, next.context);
        let old_epoch = old_context.epoch;
        let old_secrets = std::mem::replace(&mut self.epoch.secrets, next.secrets);
        let past = (self.config.past_epochs > 0).then(|| PastEpoch {
            context: old_context,
            secret_tree: old_secret_tree,
            sender_data_secret: old_secrets.sender_data_secret.clone(),
            membership_key: old_secrets.membership_key.clone(),
            leaf_count: old_leaf_count,
            changed_keys: replaced.into_iter().collect(),
        });
        self.past.push(
            past,
            (old_epoch, old_secrets.resumption_psk.clone()),
            self.config.past_epochs,
            self.config.resumption_psks,
        );
        self.epoch.secret_tree = next.secret_tree;
        self.public.interim_transcript_hash = next.interim;
        self.public.confirmation_tag = next.confirmation_tag;
        let mut keys = next.private_keys;
        keys.prune(&self.public.tree);
        self.own.private_keys = keys;
        self.own.pending_updates.clear();
        self.own.pending_commit_hash = None;
        self.proposals.entries.clear();
        self.reinit = reinit;
        Ok(())
    }
}

fn application(content: AuthenticatedContent) -> Result<Received> {
    let Sender::Member(leaf) = content.content.sender else {
        return Err(Error::Internal("a PrivateMessage from a non-member"));
    };
    match content.content.content {
        FramedContentBody::Application(data) => Ok(Received::Application {
            sender: LeafIndex(leaf),
            data: data.into(),
            authenticated_data: content.content.authenticated_data.into(),
        }),
        _ => Err(Error::Internal(
            "handshake content in an application message",
        )),
    }
}

impl Group {
    /// The key schedule of the epoch a commit starts (§8, §12.4.2), shared by
    /// member and external commits: the PSK secret of its PreSharedKey
    /// proposals (§8.4), the confirmed transcript hash (§8.2, written into
    /// `context`), the epoch secrets from `init_secret`, the check of the
    /// confirmation tag, and the interim transcript hash. Returns the
    /// next epoch: its context, secrets and secret tree over `leaves`
    /// leaves, the interim transcript hash, the confirmation tag, and our
    /// `private_keys` after the commit (given with the path's commit
    /// secret). The transcript hash is over the commit's content as
    /// received.
    pub(super) fn commit_epoch(
        &self,
        init_secret: InitSecret,
        (commit_secret, private_keys): (&Secret, TreePrivateKeys),
        psk_ids: &[PreSharedKeyId],
        content: &ReceivedContent,
        mut context: GroupContext,
        leaves: u32,
    ) -> Result<NextEpoch> {
        let cs = self.cs.as_ref();
        let psks = self.psks();
        let psk_secret = PskSecret::resolve(cs, psk_ids, &psks)?;
        let tag = content
            .content
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or(ProtocolError::ConfirmationTagMismatch)?;
        let confirmed = confirmed_transcript_hash(
            cs,
            &self.public.interim_transcript_hash,
            content.transcript_input()?,
        );
        context.confirmed_transcript_hash = confirmed.clone().into();
        let context_bytes = encode(&context)?;
        let secrets = init_secret
            .joiner(cs, commit_secret, &context_bytes)?
            .member(cs, &psk_secret)?
            .epoch(cs, &context_bytes)?
            .derive(cs)?;
        verify_confirmation_tag(cs, &secrets.confirmation_key, &confirmed, tag.as_slice())?;
        let interim = interim_transcript_hash(cs, &confirmed, tag.as_slice())?;
        let secret_tree = SecretTree::new(
            secrets.encryption_secret.clone(),
            leaves,
            self.config.secret_tree,
        )?;
        Ok(NextEpoch {
            context,
            secrets,
            secret_tree,
            interim,
            confirmation_tag: tag.as_slice().to_vec(),
            private_keys,
        })
    }
}
