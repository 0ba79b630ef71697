//! Sending (RFC 9420 §12.1, §12.4): proposals, commits with their Welcome
//! and GroupInfo, and application messages.
//!
//! A commit is built on a tree diff: the proposal list is chosen and checked
//! (§12.2), applied (§12.3), a path is added when required or asked for
//! (§12.4), the provisional GroupContext encrypts the path secrets, the
//! content is signed, the transcript and key schedule give the confirmation
//! tag, and a [`PendingCommit`] holds the next epoch until the delivery
//! service has accepted the commit and [`Group::merge_pending_commit`] runs.

use crate::codec::{encode, VLBytes};
use crate::crypto::{sign_with_label, CipherSuiteProvider, Encapsulation, Secret, Signer};
use crate::error::Result;
use crate::framing::{protect_private, protect_public, sign_content, EpochKeys};
use crate::parallel::run_chunked;
use crate::schedule::{
    confirmation_tag, confirmed_transcript_hash, interim_transcript_hash, sign_group_info,
    EpochSecrets, JoinerSecret, PskSecret, SecretTree, WelcomeBuilder,
};
use crate::tree::treekem::{apply_new_path, encrypt_path, NewPath};
use crate::tree::validate::LEAF_NODE_TBS_LABEL;
use crate::tree::{LeafIndex, NodeIndex, TreeDiff, TreePrivateKeys, TreeView};
use crate::wire::{
    AuthenticatedContent, Commit, ConfirmedTranscriptHashInput, Extension, ExternalPub,
    FramedContent, FramedContentBody, GroupContext, GroupInfo, GroupSecrets, LeafNodeSource,
    LeafNodeTbsContext, MlsMessage, MlsMessageBody, Node, PathSecret, Proposal, ProposalOrRef,
    RatchetTreeExtension, RatchetTreeNodes, Sender, Update, WireFormat,
};
use crate::Error;

use super::forgery::forge_path;
pub(super) use super::forgery::Forgery;
use super::process::{NextEpoch, StagedCommit};
use super::proposals::{apply, proposal_ref, Applied, Listed};
use super::state::CachedProposal;
use super::{message_hash, Group, HandshakePolicy};

/// The fewest KEM encapsulations of a Welcome one thread makes at a time.
const ENCAPSULATION_CHUNK: usize = 4;

/// A commit built up to the sealing of its Welcome's GroupSecrets (the
/// part of [`Group::commit`] that runs alongside the encapsulations).
struct Built<'t> {
    diff: TreeDiff<'t>,
    applied: Applied,
    context: GroupContext,
    new_path: Option<NewPath>,
    private_keys: TreePrivateKeys,
    content: AuthenticatedContent,
    joiner: JoinerSecret,
    secrets: EpochSecrets,
    tag: Vec<u8>,
    interim: Vec<u8>,
    welcome_info: GroupInfo,
    builder: Option<WelcomeBuilder>,
}

/// What to commit.
#[derive(Debug, Clone)]
pub struct CommitOptions {
    /// Proposals sent by value in the commit.
    pub proposals: Vec<Proposal>,
    /// Whether to include the valid cached proposals by reference (default true).
    pub include_pending: bool,
    /// Whether to add a path even when no proposal requires one.
    pub force_path: bool,
}

impl Default for CommitOptions {
    fn default() -> Self {
        Self {
            proposals: Vec::new(),
            include_pending: true,
            force_path: false,
        }
    }
}

/// Our commit, ready to merge once the delivery service accepted it.
#[derive(Debug)]
#[must_use = "merge it with Group::merge_pending_commit once the commit is accepted"]
pub struct PendingCommit {
    pub(crate) staged: StagedCommit,
}

impl PendingCommit {
    /// What the commit changes.
    pub fn staged(&self) -> &StagedCommit {
        &self.staged
    }
}

/// What [`Group::commit`] produces.
#[derive(Debug)]
pub struct CommitOutput {
    /// The commit, to send to the group.
    pub message: MlsMessage,
    /// The Welcome for the added members, if any.
    pub welcome: Option<MlsMessage>,
    /// The GroupInfo of the new epoch. It carries the ratchet tree (when the
    /// group's configuration puts it in Welcomes) only when the commit adds
    /// members; otherwise `Group::group_info(true)` after merging gives one.
    pub group_info: MlsMessage,
    /// The next epoch, to merge.
    pub pending: PendingCommit,
}

/// The nodes of a tree view as a `ratchet_tree` (trailing blanks dropped).
pub(crate) fn nodes_of<V: TreeView + ?Sized>(view: &V) -> RatchetTreeNodes {
    let width = view.width().node_width();
    let mut nodes: RatchetTreeNodes = (0..width)
        .map(|i| {
            let x = NodeIndex(i);
            match x.leaf() {
                Some(l) => view.leaf(l).cloned().map(Node::Leaf),
                None => view.parent(x).cloned().map(Node::Parent),
            }
        })
        .collect();
    while nodes.last().is_some_and(|n| n.is_none()) {
        nodes.pop();
    }
    nodes
}

/// A signed GroupInfo (§12.4.3) with the optional ratchet tree and
/// external_pub extensions.
// Each argument is one field or switch of the GroupInfo (§12.4.3); a struct
// for them would only rename them at the two call sites.
#[allow(clippy::too_many_arguments)]
pub(crate) fn build_group_info(
    cs: &dyn CipherSuiteProvider,
    signer: &dyn Signer,
    context: &GroupContext,
    confirmation_tag: Vec<u8>,
    signer_leaf: LeafIndex,
    tree: Option<RatchetTreeNodes>,
    external_secret: Option<&Secret>,
    grease: bool,
) -> Result<GroupInfo> {
    let mut extensions = Vec::new();
    if let Some(ratchet_tree) = tree {
        extensions.push(Extension::from_payload(&RatchetTreeExtension {
            ratchet_tree,
        })?);
    }
    if let Some(secret) = external_secret {
        let (_, public) = cs.kem_derive_key_pair(secret.as_bytes())?;
        extensions.push(Extension::from_payload(&ExternalPub {
            external_pub: public.into(),
        })?);
    }
    // GREASE (§13.5): one extension of a GREASE type, ignored by receivers.
    if grease {
        if let Some(grease) = crate::key_package::grease_extension_excluding(cs, &[])? {
            extensions.push(grease);
        }
    }
    let mut info = GroupInfo {
        group_context: context.clone(),
        extensions,
        confirmation_tag: confirmation_tag.into(),
        signer: signer_leaf.0,
        signature: VLBytes::new(Vec::new()),
    };
    sign_group_info(signer, &mut info)?;
    Ok(info)
}

impl Group {
    fn wire_format(&self) -> WireFormat {
        match self.config.handshake {
            HandshakePolicy::Private => WireFormat::PRIVATE_MESSAGE,
            HandshakePolicy::Public => WireFormat::PUBLIC_MESSAGE,
        }
    }

    fn framed(&self, body: FramedContentBody, authenticated_data: &[u8]) -> FramedContent {
        FramedContent {
            group_id: self.public.context.group_id.clone(),
            epoch: self.epoch(),
            sender: Sender::Member(self.own.leaf.0),
            authenticated_data: authenticated_data.to_vec().into(),
            content: body,
        }
    }

    fn protect(&mut self, content: crate::wire::AuthenticatedContent) -> Result<MlsMessage> {
        let keys = EpochKeys {
            cs: self.cs.as_ref(),
            group_context: &self.public.context,
            membership_key: &self.epoch.secrets.membership_key,
            sender_data_secret: &self.epoch.secrets.sender_data_secret,
        };
        let body = if content.wire_format == WireFormat::PUBLIC_MESSAGE {
            MlsMessageBody::PublicMessage(protect_public(&keys, content)?)
        } else {
            MlsMessageBody::PrivateMessage(protect_private(
                &keys,
                &mut self.epoch.secret_tree,
                &content,
                self.config.padding,
            )?)
        };
        Ok(MlsMessage::new(body))
    }

    /// Sends a proposal (§12.1); it is cached for this epoch by its reference.
    pub fn propose(&mut self, proposal: Proposal) -> Result<MlsMessage> {
        Ok(self.send_proposal(proposal)?.0)
    }

    fn send_proposal(&mut self, proposal: Proposal) -> Result<(MlsMessage, Vec<u8>)> {
        self.check_active()?;
        let sender = Sender::Member(self.own.leaf.0);
        self.checks().check_proposal(&proposal, &sender, 0)?;
        let content = sign_content(
            self.signer.as_ref(),
            self.wire_format(),
            self.framed(FramedContentBody::Proposal(proposal.clone()), &[]),
            &self.public.context,
        )?;
        let reference = proposal_ref(self.cs.as_ref(), &encode(&content)?)?;
        let message = self.protect(content)?;
        self.proposals.insert(CachedProposal {
            reference: reference.clone(),
            proposal,
            sender,
            own_message_hash: Some(message_hash(self.cs.as_ref(), &message)?),
        });
        Ok((message, reference))
    }

    /// Proposes to update our own leaf with a fresh encryption key (§12.1.2).
    pub fn propose_update(&mut self) -> Result<MlsMessage> {
        self.check_active()?;
        let cs = self.cs.clone();
        let mut leaf = self
            .public
            .tree
            .leaf(self.own.leaf)
            .cloned()
            .ok_or(Error::Internal("our own leaf is blank"))?;
        let (private, public) = cs.kem_generate()?;
        leaf.encryption_key = public.into();
        leaf.leaf_node_source = LeafNodeSource::Update;
        let tbs = leaf.tbs_bytes(Some(LeafNodeTbsContext {
            group_id: self.group_id(),
            leaf_index: self.own.leaf.0,
        }))?;
        leaf.signature = sign_with_label(self.signer.as_ref(), LEAF_NODE_TBS_LABEL, &tbs)?.into();
        let (message, reference) = self.send_proposal(Proposal::Update(Update {
            leaf_node: Box::new(leaf),
        }))?;
        self.own.pending_updates.push((reference, private));
        Ok(message)
    }

    /// Protects application data as a PrivateMessage (§6). Fails with
    /// [`Error::Misuse`] while proposals received from others wait for a
    /// commit: a member that received proposals must commit them before
    /// sending application data (§12.1).
    pub fn encrypt(&mut self, data: &[u8], authenticated_data: &[u8]) -> Result<MlsMessage> {
        self.check_active()?;
        if self.proposals.has_received() {
            return Err(Error::Misuse(
                "received proposals must be committed before sending application data (RFC 9420 §12.1)"
                    .into(),
            ));
        }
        let content = sign_content(
            self.signer.as_ref(),
            WireFormat::PRIVATE_MESSAGE,
            self.framed(
                FramedContentBody::Application(data.to_vec().into()),
                authenticated_data,
            ),
            &self.public.context,
        )?;
        self.protect(content)
    }

    /// Builds a commit (§12.4): the valid cached proposals (by reference,
    /// when `include_pending`) and `options.proposals` (by value), a path
    /// when required or forced, the Welcome for added members and the new
    /// epoch's GroupInfo.
    pub fn commit(&mut self, options: CommitOptions) -> Result<CommitOutput> {
        self.commit_with(options, &Forgery::default())
    }

    /// [`Group::commit`] with test hooks that break the rules (feature
    /// `testing` only).
    #[cfg(feature = "testing")]
    pub fn commit_forged(
        &mut self,
        options: CommitOptions,
        forgery: &Forgery,
    ) -> Result<CommitOutput> {
        self.commit_with(options, forgery)
    }

    pub(super) fn commit_with(
        &mut self,
        options: CommitOptions,
        forgery: &Forgery,
    ) -> Result<CommitOutput> {
        self.check_active()?;
        let cs = self.cs.clone();
        let cs = cs.as_ref();
        let own = self.own.leaf;
        let checks = self.checks();
        let mut list = if options.include_pending {
            let cached: Vec<Listed> = self
                .proposals
                .entries
                .iter()
                .map(|e| Listed {
                    proposal: e.proposal.clone(),
                    sender: e.sender,
                    reference: Some(e.reference.clone()),
                })
                .collect();
            if forgery.skip_checks {
                cached
            } else {
                checks.select(own, &cached)
            }
        } else {
            Vec::new()
        };
        list.extend(options.proposals.into_iter().map(|proposal| Listed {
            proposal,
            sender: Sender::Member(own.0),
            reference: None,
        }));
        if !forgery.skip_checks {
            checks.check_list(own, &list)?;
        }

        // The KEM encapsulations of the Welcome (one per new member, most of
        // the cost of a large one) depend only on the init keys: they run on
        // two threads while this one builds the commit and the GroupInfo
        // whose encryption is the HPKE info (RFC 9420 §12.4.3.1).
        let init_keys: Vec<&[u8]> = list
            .iter()
            .filter_map(|l| match &l.proposal {
                Proposal::Add(add) => Some(add.key_package.init_key.as_slice()),
                _ => None,
            })
            .collect();
        let (encapsulations, built) = run_chunked(
            &init_keys,
            ENCAPSULATION_CHUNK,
            |_, chunk| {
                chunk
                    .iter()
                    .map(|key| Ok(Encapsulation::new(cs, key)?))
                    .collect::<Result<Vec<_>>>()
            },
            || -> Result<Built<'_>> {
                let mut diff = self.public.tree.diff();
                let applied = apply(&mut diff, &self.public.context, &list)?;
                if let (Some(leaf), Some((index, _))) =
                    (&forgery.swap_added_leaf, applied.added.first())
                {
                    diff.set_leaf(*index, Some(leaf.clone()))?;
                }
                let extensions = applied
                    .extensions
                    .clone()
                    .unwrap_or_else(|| self.public.context.extensions.clone());
                let added: Vec<LeafIndex> = applied.added.iter().map(|(l, _)| *l).collect();
                let mut context = GroupContext {
                    version: self.public.context.version,
                    cipher_suite: self.public.context.cipher_suite,
                    group_id: self.public.context.group_id.clone(),
                    epoch: self.epoch() + 1,
                    tree_hash: Vec::new().into(),
                    confirmed_transcript_hash: self
                        .public
                        .context
                        .confirmed_transcript_hash
                        .clone(),
                    extensions,
                };
                let mut new_path: Option<NewPath> = None;
                let path = if (applied.path_required || options.force_path) && !forgery.omit_path {
                    let template = diff
                        .leaf(own)
                        .cloned()
                        .ok_or(Error::Internal("our own leaf is blank"))?;
                    let p = apply_new_path(
                        &mut diff,
                        cs,
                        own,
                        &template,
                        self.signer.as_ref(),
                        self.group_id(),
                    )?;
                    let forged = forge_path(&mut diff, cs, own, &template, forgery)?;
                    let kept = match forged {
                        Some((key, parent)) => {
                            let mut leaf = diff
                                .leaf(own)
                                .cloned()
                                .ok_or(Error::Internal("our own leaf is blank"))?;
                            if let Some(key) = key {
                                leaf.encryption_key = key;
                            }
                            let tbs = leaf.tbs_bytes(Some(LeafNodeTbsContext {
                                group_id: self.group_id(),
                                leaf_index: own.0,
                            }))?;
                            leaf.signature =
                                sign_with_label(self.signer.as_ref(), LEAF_NODE_TBS_LABEL, &tbs)?
                                    .into();
                            diff.set_leaf(own, Some(leaf.clone()))?;
                            Some((leaf, parent))
                        }
                        None => None,
                    };
                    context.tree_hash = diff.root_hash(cs)?.into();
                    let mut update_path = encrypt_path(&diff, cs, &p, &encode(&context)?, &added)?;
                    if let Some((leaf, parent)) = kept {
                        update_path.leaf_node = leaf;
                        if let (Some(key), Some(node)) = (parent, update_path.nodes.first_mut()) {
                            node.encryption_key = key;
                        }
                    }
                    new_path = Some(p);
                    Some(update_path)
                } else {
                    context.tree_hash = diff.root_hash(cs)?.into();
                    None
                };
                let (commit_secret, private_keys) = match &new_path {
                    Some(p) => (
                        p.commit_secret().clone(),
                        p.private_keys(&self.own.private_keys, &diff),
                    ),
                    None => (Secret::zero(cs.hash_len()), self.own.private_keys.clone()),
                };
                let psks = self.psks();
                let psk_secret = PskSecret::resolve(cs, &applied.psks, &psks)?;

                let mut proposals: Vec<ProposalOrRef> = list
                    .iter()
                    .map(|l| match &l.reference {
                        Some(r) => ProposalOrRef::Reference(r.clone().into()),
                        None => ProposalOrRef::Proposal(Box::new(l.proposal.clone())),
                    })
                    .collect();
                proposals.extend(
                    forgery
                        .extra_refs
                        .iter()
                        .map(|r| ProposalOrRef::Reference(r.clone().into())),
                );
                let commit = Commit { proposals, path };
                let mut content = sign_content(
                    self.signer.as_ref(),
                    self.wire_format(),
                    self.framed(FramedContentBody::Commit(commit), &[]),
                    &self.public.context,
                )?;
                let confirmed = confirmed_transcript_hash(
                    cs,
                    &self.public.interim_transcript_hash,
                    &encode(&ConfirmedTranscriptHashInput::from(&content))?,
                );
                context.confirmed_transcript_hash = confirmed.clone().into();
                let context_bytes = encode(&context)?;
                let joiner = self.epoch.secrets.init_secret.clone().joiner(
                    cs,
                    &commit_secret,
                    &context_bytes,
                )?;
                let member = joiner.clone().member(cs, &psk_secret)?;
                let welcome_secret = member.welcome_secret(cs)?;
                let secrets = member.epoch(cs, &context_bytes)?.derive(cs)?;
                let tag = confirmation_tag(cs, &secrets.confirmation_key, &confirmed)?;
                let interim = interim_transcript_hash(cs, &confirmed, &tag)?;
                content.auth.confirmation_tag = Some(tag.clone().into());

                // The ratchet tree goes into the GroupInfo only for a Welcome: copying,
                // encoding and signing it is O(N), the rest of a path commit O(log N).
                // Without a Welcome, `Group::group_info(true)` gives one with the tree.
                let welcome_info = build_group_info(
                    cs,
                    self.signer.as_ref(),
                    &context,
                    tag.clone(),
                    own,
                    (self.config.ratchet_tree_in_welcome && !applied.added.is_empty())
                        .then(|| nodes_of(&diff)),
                    self.config.external_pub.then_some(&secrets.external_secret),
                    self.config.grease,
                )?;
                let builder = if applied.added.is_empty() {
                    None
                } else {
                    Some(WelcomeBuilder::new(cs, &welcome_secret, &welcome_info)?)
                };
                Ok(Built {
                    diff,
                    applied,
                    context,
                    new_path,
                    private_keys,
                    content,
                    joiner,
                    secrets,
                    tag,
                    interim,
                    welcome_info,
                    builder,
                })
            },
        )?;
        let Built {
            diff,
            applied,
            context,
            new_path,
            private_keys,
            content,
            joiner,
            secrets,
            tag,
            interim,
            welcome_info,
            builder,
        } = built;
        let welcome = match builder {
            None => None,
            Some(mut builder) => {
                let members: Vec<_> = applied
                    .added
                    .iter()
                    .map(|(leaf, kp)| {
                        let path_secret = new_path
                            .as_ref()
                            .and_then(|p| p.path_secret_for(*leaf))
                            .map(|(_, s)| PathSecret {
                                path_secret: s.as_bytes().to_vec().into(),
                            });
                        let secrets = GroupSecrets {
                            joiner_secret: joiner.as_secret().as_bytes().to_vec().into(),
                            path_secret,
                            psks: applied.psks.clone(),
                        };
                        (kp, secrets)
                    })
                    .collect();
                builder.add_members_encapsulated(
                    cs,
                    &members,
                    encapsulations.into_iter().flatten().collect(),
                )?;
                Some(MlsMessage::new(MlsMessageBody::Welcome(builder.finish())))
            }
        };
        let group_info = MlsMessage::new(MlsMessageBody::GroupInfo(welcome_info));

        let secret_tree = SecretTree::new(
            secrets.encryption_secret.clone(),
            diff.width().leaves(),
            self.config.secret_tree,
        )?;
        let staged = StagedCommit {
            base_epoch: self.epoch(),
            sender: Sender::Member(own.0),
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
            self_removed: false,
            reinit: applied.reinit.clone(),
            has_path: new_path.is_some(),
            changes: diff.into_changes(cs)?,
            base_secret_tree: None,
            next: Some(NextEpoch {
                context,
                secrets,
                secret_tree,
                interim,
                confirmation_tag: tag,
                private_keys,
            }),
        };
        let message = self.protect(content)?;
        self.own.pending_commit_hash = Some(message_hash(self.cs.as_ref(), &message)?);
        Ok(CommitOutput {
            message,
            welcome,
            group_info,
            pending: PendingCommit { staged },
        })
    }

    /// Applies our own commit once the delivery service accepted it.
    pub fn merge_pending_commit(&mut self, pending: PendingCommit) -> Result<()> {
        self.merge_staged_commit(pending.staged)
    }
}
