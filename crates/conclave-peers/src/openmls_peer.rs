//! [`PeerMember`] over OpenMLS 0.9 with its RustCrypto provider (suites 0x0001–0x0003).
//!
//! Configuration (see the crate doc for the shared conventions):
//! - wire-format policy *mixed* for incoming handshakes (PublicMessage and PrivateMessage
//!   both accepted, RFC 9420 §6), outgoing per [`GroupOptions::encrypt_handshake`]; OpenMLS's
//!   default would reject PublicMessage handshakes;
//! - `use_ratchet_tree_extension` per [`GroupOptions::ratchet_tree_in_welcome`], in both the
//!   create and the join config, so that members who joined later send Welcomes carrying the
//!   tree too (RFC 9420 §12.4.3.3);
//! - the secrets of 3 past epochs are kept so that late application messages decrypt.
//!
//! External commits (RFC 9420 §12.4.3.2): OpenMLS chooses the prior leaf to remove itself,
//! as the member whose signature key is the joiner's, so a resync (`remove_prior`) works
//! only for a member rejoining with its own key and naming its own current leaf; any other
//! `remove_prior` is [`PeerError::Unsupported`]. On receipt, the §12.4.3.2 rule that an
//! external commit removes only the joiner's own prior leaf is left by OpenMLS to the
//! application; the adapter checks it (same Basic identity) before merging. External proposals (§12.1.8) use OpenMLS's
//! `ExternalProposal` (Add, Remove from an external sender, [`OpenMlsExternalSender`]) and
//! `JoinProposal` (self-add, `new_member_proposal`).
//!
//! Each member owns its own provider (and so its own in-memory storage).

use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::*;
use openmls::schedule::psk::{ResumptionPsk, ResumptionPskUsage};
use openmls::schedule::{ExternalPsk, PreSharedKeyId, Psk};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

use crate::{
    CommitOutput, GroupOptions, PeerError, PeerExternalSender, PeerFactory, PeerMember, Processed,
    Result,
};

const NAME: &str = "openmls";
/// Past epochs whose message secrets are kept (late application messages).
const PAST_EPOCHS: usize = 3;
/// Resumption PSKs of past epochs kept (OpenMLS keeps none by default).
const RESUMPTION_PSKS: usize = 8;

fn err<E: std::fmt::Debug>(e: E) -> PeerError {
    PeerError::Peer {
        implementation: NAME,
        message: format!("{e:?}"),
    }
}

fn unsupported(what: &str) -> PeerError {
    PeerError::Unsupported {
        implementation: NAME,
        what: what.to_string(),
    }
}

fn no_group() -> PeerError {
    PeerError::State {
        implementation: NAME,
        what: "not in a group",
    }
}

fn wrong(expected: &'static str) -> PeerError {
    PeerError::WrongMessage {
        implementation: NAME,
        expected,
    }
}

/// The identity of a Basic credential (empty for other credential types).
fn basic_identity(credential: &Credential) -> Vec<u8> {
    BasicCredential::try_from(credential.clone())
        .map(|c| c.identity().to_vec())
        .unwrap_or_default()
}

/// RFC 9420 §12.4.3.2: the Remove of an external commit must remove the joiner's own prior
/// leaf ("the credential in the LeafNode MUST present a set of identifiers that is
/// acceptable to the application for the removed participant"). OpenMLS 0.9 leaves this
/// check to the application (`validate_external_commit`: "This MUST be checked by the
/// application"); the adapter is OpenMLS's application here and applies the policy the
/// other two apply to Basic credentials: the same identity.
fn check_resync_identity(group: &MlsGroup, staged: &StagedCommit) -> Result<()> {
    let joiner = staged
        .update_path_leaf_node()
        .map(|leaf| basic_identity(leaf.credential()));
    for remove in staged.remove_proposals() {
        if !matches!(remove.sender(), Sender::NewMemberCommit) {
            continue;
        }
        let removed = group
            .member(remove.remove_proposal().removed())
            .map(basic_identity);
        if removed.is_none() || removed != joiner {
            return Err(PeerError::Peer {
                implementation: NAME,
                message: "external commit removes a member of another identity (RFC 9420 \
                          §12.4.3.2; checked by the adapter, OpenMLS leaves it to the \
                          application)"
                    .to_string(),
            });
        }
    }
    Ok(())
}

/// Proposals a commit adds to the pending ones.
enum Extra {
    Nothing,
    Adds(Vec<KeyPackage>),
    Remove(u32),
    Psk(PreSharedKeyId),
}

/// Creates [`OpenMlsMember`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenMlsFactory;

impl PeerFactory for OpenMlsFactory {
    fn name(&self) -> &'static str {
        NAME
    }

    fn supports(&self, suite: u16) -> bool {
        Ciphersuite::try_from(suite)
            .is_ok_and(|cs| OpenMlsRustCrypto::default().crypto().supports(cs).is_ok())
    }

    fn new_member(&self, suite: u16, identity: &[u8]) -> Result<Box<dyn PeerMember>> {
        Ok(Box::new(OpenMlsMember::new(suite, identity)?))
    }

    fn new_external_sender(
        &self,
        suite: u16,
        identity: &[u8],
    ) -> Result<Box<dyn PeerExternalSender>> {
        Ok(Box::new(OpenMlsExternalSender::new(suite, identity)?))
    }
}

fn ciphersuite(provider: &OpenMlsRustCrypto, suite: u16) -> Result<Ciphersuite> {
    let cs = Ciphersuite::try_from(suite)
        .map_err(|_| unsupported(&format!("ciphersuite {suite:#06x}")))?;
    provider
        .crypto()
        .supports(cs)
        .map_err(|_| unsupported(&format!("ciphersuite {suite:#06x}")))?;
    Ok(cs)
}

/// The group id and epoch of a GroupInfo (an MLSMessage).
fn group_and_epoch(group_info: &[u8]) -> Result<(GroupId, GroupEpoch)> {
    match OpenMlsMember::decode(group_info)? {
        MlsMessageBodyIn::GroupInfo(info) => Ok((info.group_id().clone(), info.epoch())),
        _ => Err(wrong("a GroupInfo")),
    }
}

/// An OpenMLS external sender (RFC 9420 §12.1.8.1), proposing through `ExternalProposal`.
pub struct OpenMlsExternalSender {
    provider: OpenMlsRustCrypto,
    identity: Vec<u8>,
    signer: SignatureKeyPair,
}

impl OpenMlsExternalSender {
    /// A sender for this ciphersuite with a fresh signature key.
    pub fn new(suite: u16, identity: &[u8]) -> Result<Self> {
        let provider = OpenMlsRustCrypto::default();
        let cs = ciphersuite(&provider, suite)?;
        let signer = SignatureKeyPair::new(cs.signature_algorithm()).map_err(err)?;
        Ok(Self {
            provider,
            identity: identity.to_vec(),
            signer,
        })
    }
}

impl PeerExternalSender for OpenMlsExternalSender {
    fn name(&self) -> &'static str {
        NAME
    }

    fn external_sender(&self) -> Result<Vec<u8>> {
        ExternalSender::new(
            self.signer.public().into(),
            BasicCredential::new(self.identity.clone()).into(),
        )
        .tls_serialize_detached()
        .map_err(err)
    }

    fn propose_add(
        &mut self,
        group_info: &[u8],
        sender_index: u32,
        key_package: &[u8],
    ) -> Result<Vec<u8>> {
        let (group_id, epoch) = group_and_epoch(group_info)?;
        let key_package = match OpenMlsMember::decode(key_package)? {
            MlsMessageBodyIn::KeyPackage(kp) => kp
                .validate(self.provider.crypto(), ProtocolVersion::Mls10)
                .map_err(err)?,
            _ => return Err(wrong("a KeyPackage")),
        };
        let message = ExternalProposal::new_add::<OpenMlsRustCrypto>(
            key_package,
            group_id,
            epoch,
            &self.signer,
            SenderExtensionIndex::new(sender_index),
        )
        .map_err(err)?;
        OpenMlsMember::out(&message)
    }

    fn propose_remove(
        &mut self,
        group_info: &[u8],
        sender_index: u32,
        leaf_index: u32,
    ) -> Result<Vec<u8>> {
        let (group_id, epoch) = group_and_epoch(group_info)?;
        let message = ExternalProposal::new_remove::<OpenMlsRustCrypto>(
            LeafNodeIndex::new(leaf_index),
            group_id,
            epoch,
            &self.signer,
            SenderExtensionIndex::new(sender_index),
        )
        .map_err(err)?;
        OpenMlsMember::out(&message)
    }
}

/// One OpenMLS client with at most one group.
pub struct OpenMlsMember {
    provider: OpenMlsRustCrypto,
    suite: Ciphersuite,
    identity: Vec<u8>,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
    options: GroupOptions,
    group: Option<MlsGroup>,
    /// Whether to apply the §12.4.3.2 resync identity check OpenMLS leaves to the
    /// application (see [`OpenMlsMember::set_resync_identity_check`]).
    resync_identity_check: bool,
}

impl std::fmt::Debug for OpenMlsMember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenMlsMember")
            .field("suite", &self.suite)
            .field("identity", &self.identity)
            .field("epoch", &self.epoch())
            .finish_non_exhaustive()
    }
}

impl OpenMlsMember {
    /// A member for this ciphersuite with a fresh signature key and a Basic credential.
    pub fn new(suite: u16, identity: &[u8]) -> Result<Self> {
        let provider = OpenMlsRustCrypto::default();
        let cs = ciphersuite(&provider, suite)?;
        let signer = SignatureKeyPair::new(cs.signature_algorithm()).map_err(err)?;
        let credential = CredentialWithKey {
            credential: BasicCredential::new(identity.to_vec()).into(),
            signature_key: signer.public().into(),
        };
        Ok(Self {
            provider,
            suite: cs,
            identity: identity.to_vec(),
            signer,
            credential,
            options: GroupOptions::default(),
            group: None,
            resync_identity_check: true,
        })
    }

    /// Whether received external commits whose Remove names a member of another identity
    /// are rejected (RFC 9420 §12.4.3.2, a check OpenMLS 0.9 leaves to the application; on
    /// by default). Off, the member behaves as bare OpenMLS does, which the deviation
    /// tests show.
    pub fn set_resync_identity_check(&mut self, on: bool) {
        self.resync_identity_check = on;
    }

    fn group(&self) -> Result<&MlsGroup> {
        self.group.as_ref().ok_or_else(no_group)
    }

    fn wire_format_policy(options: &GroupOptions) -> WireFormatPolicy {
        if options.encrypt_handshake {
            MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY
        } else {
            MIXED_PLAINTEXT_WIRE_FORMAT_POLICY
        }
    }

    fn join_config(options: &GroupOptions) -> MlsGroupJoinConfig {
        MlsGroupJoinConfig::builder()
            .wire_format_policy(Self::wire_format_policy(options))
            .use_ratchet_tree_extension(options.ratchet_tree_in_welcome)
            .max_past_epochs(PAST_EPOCHS)
            .number_of_resumption_psks(RESUMPTION_PSKS)
            .build()
    }

    fn decode(bytes: &[u8]) -> Result<MlsMessageBodyIn> {
        MlsMessageIn::tls_deserialize_exact(bytes)
            .map(MlsMessageIn::extract)
            .map_err(err)
    }

    fn decode_tree(bytes: &[u8]) -> Result<RatchetTreeIn> {
        RatchetTreeIn::tls_deserialize_exact(bytes).map_err(err)
    }

    fn decode_key_package(&self, bytes: &[u8]) -> Result<KeyPackage> {
        match Self::decode(bytes)? {
            MlsMessageBodyIn::KeyPackage(kp) => kp
                .validate(self.provider.crypto(), ProtocolVersion::Mls10)
                .map_err(err),
            _ => Err(wrong("a KeyPackage")),
        }
    }

    fn out(message: &MlsMessageOut) -> Result<Vec<u8>> {
        message.to_bytes().map_err(err)
    }

    /// A PreSharedKeyID with a fresh nonce (RFC 9420 §8.4).
    fn with_nonce(&self, psk: Psk) -> Result<PreSharedKeyId> {
        PreSharedKeyId::new(self.suite, self.provider.rand(), psk).map_err(err)
    }

    fn psk_id(&self, psk_id: &[u8]) -> Result<PreSharedKeyId> {
        self.with_nonce(Psk::External(ExternalPsk::new(psk_id.to_vec())))
    }

    fn resumption_psk_id(&self, epoch: u64) -> Result<PreSharedKeyId> {
        let group_id = self.group()?.group_id().clone();
        self.with_nonce(Psk::Resumption(ResumptionPsk::new(
            ResumptionPskUsage::Application,
            group_id,
            GroupEpoch::from(epoch),
        )))
    }

    fn create(
        &mut self,
        group_id: &[u8],
        options: &GroupOptions,
        extensions: Extensions<GroupContext>,
    ) -> Result<()> {
        if self.group.is_some() {
            return Err(PeerError::State {
                implementation: NAME,
                what: "already in a group",
            });
        }
        let config = MlsGroupCreateConfig::builder()
            .ciphersuite(self.suite)
            .wire_format_policy(Self::wire_format_policy(options))
            .use_ratchet_tree_extension(options.ratchet_tree_in_welcome)
            .max_past_epochs(PAST_EPOCHS)
            .number_of_resumption_psks(RESUMPTION_PSKS)
            .with_group_context_extensions(extensions)
            .build();
        let group = MlsGroup::new_with_group_id(
            &self.provider,
            &self.signer,
            &config,
            GroupId::from_slice(group_id),
            self.credential.clone(),
        )
        .map_err(err)?;
        self.options = *options;
        self.group = Some(group);
        Ok(())
    }

    /// Builds a commit with the pending proposals plus `extra`, stages it, merges it.
    fn commit_with(&mut self, extra: Extra, force_path: bool) -> Result<CommitOutput> {
        let force_path = force_path || self.options.force_path;
        let group = self.group.as_mut().ok_or_else(no_group)?;
        let builder = group
            .commit_builder()
            .consume_proposal_store(true)
            .force_self_update(force_path);
        let builder = match extra {
            Extra::Nothing => builder,
            Extra::Adds(key_packages) => builder.propose_adds(key_packages),
            Extra::Remove(leaf) => builder.propose_removals([LeafNodeIndex::new(leaf)]),
            Extra::Psk(id) => builder.add_proposal(Proposal::PreSharedKey(Box::new(
                PreSharedKeyProposal::new(id),
            ))),
        };
        let bundle = builder
            .load_psks(self.provider.storage())
            .map_err(err)?
            .build(
                self.provider.rand(),
                self.provider.crypto(),
                &self.signer,
                |_| true,
            )
            .map_err(err)?
            .stage_commit(&self.provider)
            .map_err(err)?;
        let commit = Self::out(bundle.commit())?;
        let welcome = bundle.to_welcome_msg().map(|w| Self::out(&w)).transpose()?;
        let group_info = bundle
            .group_info()
            .map(|gi| Self::out(&MlsMessageOut::from(gi.clone())))
            .transpose()?;
        group.merge_pending_commit(&self.provider).map_err(err)?;
        let ratchet_tree = if welcome.is_some() && !self.options.ratchet_tree_in_welcome {
            Some(
                group
                    .export_ratchet_tree()
                    .tls_serialize_detached()
                    .map_err(err)?,
            )
        } else {
            None
        };
        Ok(CommitOutput {
            commit,
            welcome,
            group_info,
            ratchet_tree,
        })
    }
}

impl PeerMember for OpenMlsMember {
    fn name(&self) -> &'static str {
        NAME
    }

    fn suite(&self) -> u16 {
        self.suite.into()
    }

    fn identity(&self) -> &[u8] {
        &self.identity
    }

    fn key_package(&mut self) -> Result<Vec<u8>> {
        let bundle = KeyPackage::builder()
            .build(
                self.suite,
                &self.provider,
                &self.signer,
                self.credential.clone(),
            )
            .map_err(err)?;
        Self::out(&MlsMessageOut::from(bundle))
    }

    fn create_group(&mut self, group_id: &[u8], options: &GroupOptions) -> Result<()> {
        self.create(group_id, options, Extensions::empty())
    }

    fn create_group_with_external_senders(
        &mut self,
        group_id: &[u8],
        options: &GroupOptions,
        external_senders: &[Vec<u8>],
    ) -> Result<()> {
        let senders = external_senders
            .iter()
            .map(|s| ExternalSender::tls_deserialize_exact(s).map_err(err))
            .collect::<Result<Vec<_>>>()?;
        let extensions = Extensions::single(Extension::ExternalSenders(senders)).map_err(err)?;
        self.create(group_id, options, extensions)
    }

    fn join(
        &mut self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
        options: &GroupOptions,
    ) -> Result<()> {
        let MlsMessageBodyIn::Welcome(welcome) = Self::decode(welcome)? else {
            return Err(wrong("a Welcome"));
        };
        let tree = ratchet_tree.map(Self::decode_tree).transpose()?;
        let group = StagedWelcome::new_from_welcome(
            &self.provider,
            &Self::join_config(options),
            welcome,
            tree,
        )
        .map_err(err)?
        .into_group(&self.provider)
        .map_err(err)?;
        self.options = *options;
        self.group = Some(group);
        Ok(())
    }

    fn external_join(
        &mut self,
        group_info: &[u8],
        ratchet_tree: Option<&[u8]>,
        options: &GroupOptions,
        psk_ids: &[Vec<u8>],
        remove_prior: Option<u32>,
    ) -> Result<Vec<u8>> {
        if let Some(leaf) = remove_prior {
            // OpenMLS removes a prior leaf only when it carries the joiner's own signature
            // key (it finds the leaf itself); a new member (new key) cannot name the leaf to
            // remove, and a rejoining member can only name its own.
            let own = self.group.as_ref().map(MlsGroup::own_leaf_index);
            if own != Some(LeafNodeIndex::new(leaf)) {
                return Err(unsupported(
                    "removing a prior leaf other than the rejoining member's own (same signature key)",
                ));
            }
        }
        let MlsMessageBodyIn::GroupInfo(group_info) = Self::decode(group_info)? else {
            return Err(wrong("a GroupInfo"));
        };
        if group_info.ciphersuite() != self.suite {
            return Err(PeerError::State {
                implementation: NAME,
                what: "GroupInfo ciphersuite differs from the member's",
            });
        }
        let mut builder =
            MlsGroup::external_commit_builder().with_config(Self::join_config(options));
        if let Some(tree) = ratchet_tree {
            builder = builder.with_ratchet_tree(Self::decode_tree(tree)?);
        }
        let psks = psk_ids
            .iter()
            .map(|id| self.psk_id(id).map(PreSharedKeyProposal::new))
            .collect::<Result<Vec<_>>>()?;
        let (group, bundle) = builder
            .build_group(&self.provider, group_info, self.credential.clone())
            .map_err(err)?
            .add_psk_proposals(psks)
            .load_psks(self.provider.storage())
            .map_err(err)?
            .build(
                self.provider.rand(),
                self.provider.crypto(),
                &self.signer,
                |_| true,
            )
            .map_err(err)?
            .finalize(&self.provider)
            .map_err(err)?;
        let commit = Self::out(bundle.commit())?;
        self.options = *options;
        self.group = Some(group);
        Ok(commit)
    }

    fn add_members(&mut self, key_packages: &[Vec<u8>]) -> Result<CommitOutput> {
        let key_packages = key_packages
            .iter()
            .map(|kp| self.decode_key_package(kp))
            .collect::<Result<Vec<_>>>()?;
        self.commit_with(Extra::Adds(key_packages), false)
    }

    fn update(&mut self) -> Result<CommitOutput> {
        self.commit_with(Extra::Nothing, true)
    }

    fn remove(&mut self, leaf_index: u32) -> Result<CommitOutput> {
        self.commit_with(Extra::Remove(leaf_index), false)
    }

    fn commit_pending(&mut self) -> Result<CommitOutput> {
        self.commit_with(Extra::Nothing, false)
    }

    fn commit_external_psk(&mut self, psk_id: &[u8]) -> Result<CommitOutput> {
        let id = self.psk_id(psk_id)?;
        self.commit_with(Extra::Psk(id), false)
    }

    fn commit_resumption_psk(&mut self, epoch: u64) -> Result<CommitOutput> {
        let id = self.resumption_psk_id(epoch)?;
        self.commit_with(Extra::Psk(id), false)
    }

    fn propose_add(&mut self, key_package: &[u8]) -> Result<Vec<u8>> {
        let key_package = self.decode_key_package(key_package)?;
        let group = self.group.as_mut().ok_or_else(no_group)?;
        let (message, _) = group
            .propose_add_member(&self.provider, &self.signer, &key_package)
            .map_err(err)?;
        Self::out(&message)
    }

    fn propose_update(&mut self) -> Result<Vec<u8>> {
        let group = self.group.as_mut().ok_or_else(no_group)?;
        let (message, _) = group
            .propose_self_update(&self.provider, &self.signer, LeafNodeParameters::default())
            .map_err(err)?;
        Self::out(&message)
    }

    fn propose_remove(&mut self, leaf_index: u32) -> Result<Vec<u8>> {
        let group = self.group.as_mut().ok_or_else(no_group)?;
        let (message, _) = group
            .propose_remove_member(&self.provider, &self.signer, LeafNodeIndex::new(leaf_index))
            .map_err(err)?;
        Self::out(&message)
    }

    fn propose_external_psk(&mut self, psk_id: &[u8]) -> Result<Vec<u8>> {
        let id = self.psk_id(psk_id)?;
        let group = self.group.as_mut().ok_or_else(no_group)?;
        let (message, _) = group
            .propose_pre_shared_key(&self.provider, &self.signer, id)
            .map_err(err)?;
        Self::out(&message)
    }

    fn propose_resumption_psk(&mut self, epoch: u64) -> Result<Vec<u8>> {
        let id = self.resumption_psk_id(epoch)?;
        let group = self.group.as_mut().ok_or_else(no_group)?;
        let (message, _) = group
            .propose_pre_shared_key(&self.provider, &self.signer, id)
            .map_err(err)?;
        Self::out(&message)
    }

    fn propose_self_add(&mut self, group_info: &[u8]) -> Result<Vec<u8>> {
        let (group_id, epoch) = group_and_epoch(group_info)?;
        // The bundle (with its private keys) stays in the provider's storage for the join.
        let bundle = KeyPackage::builder()
            .build(
                self.suite,
                &self.provider,
                &self.signer,
                self.credential.clone(),
            )
            .map_err(err)?;
        let message = JoinProposal::new::<<OpenMlsRustCrypto as OpenMlsProvider>::StorageProvider>(
            bundle.key_package().clone(),
            group_id,
            epoch,
            &self.signer,
        )
        .map_err(err)?;
        Self::out(&message)
    }

    fn store_external_psk(&mut self, psk_id: &[u8], secret: &[u8]) -> Result<()> {
        // OpenMLS stores PSKs by their id alone; the nonce of this throwaway id is unused.
        PreSharedKeyId::external(psk_id.to_vec(), Vec::new())
            .store(&self.provider, secret)
            .map_err(err)
    }

    fn process(&mut self, message: &[u8]) -> Result<Processed> {
        let message = match Self::decode(message)? {
            MlsMessageBodyIn::PublicMessage(m) => ProtocolMessage::from(m),
            MlsMessageBodyIn::PrivateMessage(m) => ProtocolMessage::from(m),
            _ => return Err(wrong("a PublicMessage or PrivateMessage")),
        };
        let group = self.group.as_mut().ok_or_else(no_group)?;
        let processed = group
            .process_message(&self.provider, message)
            .map_err(err)?;
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(app) => {
                Ok(Processed::Application(app.into_bytes()))
            }
            ProcessedMessageContent::ProposalMessage(proposal)
            | ProcessedMessageContent::ExternalJoinProposalMessage(proposal) => {
                group
                    .store_pending_proposal(self.provider.storage(), *proposal)
                    .map_err(err)?;
                Ok(Processed::Proposal)
            }
            ProcessedMessageContent::StagedCommitMessage(staged) => {
                if self.resync_identity_check {
                    check_resync_identity(group, &staged)?;
                }
                group
                    .merge_staged_commit(&self.provider, *staged)
                    .map_err(err)?;
                Ok(Processed::Commit)
            }
            #[allow(unreachable_patterns)]
            _ => Err(unsupported("this kind of processed message")),
        }
    }

    fn protect(&mut self, plaintext: &[u8]) -> Result<Vec<u8>> {
        let group = self.group.as_mut().ok_or_else(no_group)?;
        let message = group
            .create_message(&self.provider, &self.signer, plaintext)
            .map_err(err)?;
        Self::out(&message)
    }

    fn epoch(&self) -> u64 {
        self.group.as_ref().map_or(0, |g| g.epoch().as_u64())
    }

    fn epoch_authenticator(&self) -> Result<Vec<u8>> {
        Ok(self.group()?.epoch_authenticator().as_slice().to_vec())
    }

    fn export(&self, label: &str, context: &[u8], len: usize) -> Result<Vec<u8>> {
        self.group()?
            .export_secret(self.provider.crypto(), label, context, len)
            .map_err(err)
    }

    fn group_info(&mut self, with_tree: bool) -> Result<Vec<u8>> {
        let message = self
            .group()?
            .export_group_info(self.provider.crypto(), &self.signer, with_tree)
            .map_err(err)?;
        Self::out(&message)
    }

    fn ratchet_tree(&self) -> Result<Vec<u8>> {
        self.group()?
            .export_ratchet_tree()
            .tls_serialize_detached()
            .map_err(err)
    }

    fn roster(&self) -> Vec<(u32, Vec<u8>)> {
        let Some(group) = self.group.as_ref() else {
            return Vec::new();
        };
        group
            .members()
            .map(|m| (m.index.u32(), basic_identity(&m.credential)))
            .collect()
    }

    fn own_leaf_index(&self) -> Result<u32> {
        Ok(self.group()?.own_leaf_index().u32())
    }

    fn persisted_size(&mut self) -> Result<usize> {
        // OpenMLS writes every change to its storage provider as it happens.
        let values = self
            .provider
            .storage()
            .values
            .read()
            .map_err(|_| PeerError::State {
                implementation: NAME,
                what: "storage lock poisoned",
            })?;
        Ok(values.iter().map(|(k, v)| k.len() + v.len()).sum())
    }
}
