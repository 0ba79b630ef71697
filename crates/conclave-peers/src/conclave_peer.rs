//! [`PeerMember`] over Conclave's own group engine ([`conclave_core::group::Group`]) with
//! the RustCrypto provider (`conclave-rustcrypto`: all seven RFC 9420 ciphersuites), so
//! that Conclave members can sit in the same groups as OpenMLS and mls-rs members and be
//! measured with the same harness.
//!
//! Like the other adapters (see the crate doc), it exchanges only serialized MLSMessages
//! (RFC 9420 §6) and merges its own commits before returning. The [`GroupOptions`] map to
//! the engine's [`GroupConfig`]: `encrypt_handshake` chooses the [`HandshakePolicy`] (both
//! wire formats are accepted from others), `ratchet_tree_in_welcome` the ratchet_tree
//! extension in Welcomes (RFC 9420 §12.4.3.3), and `force_path` a path in every commit
//! (RFC 9420 §12.4). External PSKs (RFC 9420 §8.4) live in a store shared by the member and
//! its group, so they can be installed before or after joining.
//!
//! KeyPackages are made without GREASE extensions by default (RFC 9420 §13.5 allows them,
//! and Conclave accepts them): OpenMLS 0.9 rejects a KeyPackage or LeafNode that carries a
//! GREASE extension (it types the extension as unknown but the capability as GREASE, so
//! the two never match; see docs/CONFORMANCE.md). [`ConclaveMember::set_grease`] turns
//! them back on.
//!
//! External joins (RFC 9420 §12.4.3.2) go through [`Group::external_join`], with a resync
//! (`remove_prior`) naming the old leaf; external proposals (§12.1.8) through
//! [`conclave_core::group::external_proposal`] ([`ConclaveExternalSender`]) and
//! [`Group::new_member_add_proposal`].
//!
//! Errors of the engine are returned as [`PeerError::Conclave`], keeping the typed
//! [`conclave_core::Error`] so that tests can assert the exact rule that was broken.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use conclave_core::codec::{decode_exact, encode};
use conclave_core::credential::IdentityValidator;
use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair, Signer,
};
use conclave_core::group::{
    external_proposal, group_info_of, key_package_ref, CommitOptions, ExternalJoinOptions, Group,
    GroupConfig, HandshakePolicy, Received, RemovePrior, Services,
};
use conclave_core::key_package::{KeyPackageBuilder, KeyPackageBundle};
use conclave_core::limits::Limits;
use conclave_core::schedule::PskStore;
use conclave_core::time::SystemClock;
use conclave_core::tree::LeafIndex;
use conclave_core::wire::{
    Add, Credential, Extension, ExternalSender, MlsMessage, MlsMessageBody, PreSharedKey,
    PreSharedKeyId, Proposal, Psk, RatchetTreeNodes, Remove, ResumptionPskUsage,
};

use crate::{
    CommitOutput, GroupOptions, PeerError, PeerExternalSender, PeerFactory, PeerMember, Processed,
    Result,
};

const NAME: &str = "conclave";

/// The largest message a member accepts: raised from the default 1 MiB
/// ([`Limits`]) so that groups as large as the default `max_tree_leaves`
/// (2^16) work, as the peers (which set no such bound) do: a commit with a
/// path in a sparse tree carries some 80 bytes per member (4 MB at 50,000),
/// a Welcome with the tree a few hundred.
const MAX_MESSAGE_SIZE: usize = 64 << 20;

impl From<conclave_core::Error> for PeerError {
    fn from(e: conclave_core::Error) -> Self {
        PeerError::Conclave(e)
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

fn unsupported(what: &str) -> PeerError {
    PeerError::Unsupported {
        implementation: NAME,
        what: what.to_string(),
    }
}

/// The external PSKs of one member, shared with its group's [`Services`].
#[derive(Debug, Default)]
struct ExternalPsks(Mutex<HashMap<Vec<u8>, Secret>>);

impl PskStore for ExternalPsks {
    fn psk(&self, id: &PreSharedKeyId) -> Option<Secret> {
        match &id.psk {
            Psk::External { psk_id } => self
                .0
                .lock()
                .ok()
                .and_then(|m| m.get(psk_id.as_slice()).cloned()),
            Psk::Resumption { .. } => None,
        }
    }
}

/// Creates [`ConclaveMember`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConclaveFactory;

impl PeerFactory for ConclaveFactory {
    fn name(&self) -> &'static str {
        NAME
    }

    fn supports(&self, suite: u16) -> bool {
        conclave_rustcrypto::RustCryptoProvider::new()
            .cipher_suite(CipherSuite(suite))
            .is_ok()
    }

    fn new_member(&self, suite: u16, identity: &[u8]) -> Result<Box<dyn PeerMember>> {
        Ok(Box::new(ConclaveMember::new(suite, identity)?))
    }

    fn new_external_sender(
        &self,
        suite: u16,
        identity: &[u8],
    ) -> Result<Box<dyn PeerExternalSender>> {
        Ok(Box::new(ConclaveExternalSender::new(suite, identity)?))
    }
}

fn suite_provider(suite: u16) -> Result<Arc<dyn CipherSuiteProvider>> {
    conclave_rustcrypto::RustCryptoProvider::new()
        .cipher_suite(CipherSuite(suite))
        .map_err(|_| unsupported(&format!("ciphersuite {suite:#06x}")))
}

/// A Conclave external sender (RFC 9420 §12.1.8.1): a signature key and a Basic
/// credential, signing proposals with [`external_proposal`].
pub struct ConclaveExternalSender {
    cs: Arc<dyn CipherSuiteProvider>,
    signer: SignatureKeyPair,
    identity: Vec<u8>,
}

impl ConclaveExternalSender {
    /// A sender for this ciphersuite with a fresh signature key.
    pub fn new(suite: u16, identity: &[u8]) -> Result<Self> {
        let cs = suite_provider(suite)?;
        let signer =
            SignatureKeyPair::generate(cs.clone()).map_err(|e| PeerError::Conclave(e.into()))?;
        Ok(Self {
            cs,
            signer,
            identity: identity.to_vec(),
        })
    }

    fn propose(&self, group_info: &[u8], sender_index: u32, proposal: Proposal) -> Result<Vec<u8>> {
        let message = ConclaveMember::decode(group_info)?;
        let info = group_info_of(&message)?;
        let proposal = external_proposal(
            self.cs.as_ref(),
            &self.signer,
            sender_index,
            &info.group_context,
            proposal,
        )?;
        Ok(encode(&proposal)?)
    }
}

impl PeerExternalSender for ConclaveExternalSender {
    fn name(&self) -> &'static str {
        NAME
    }

    fn external_sender(&self) -> Result<Vec<u8>> {
        Ok(encode(&ExternalSender {
            signature_key: self.signer.public_key().to_vec().into(),
            credential: Credential::basic(self.identity.clone()),
        })?)
    }

    fn propose_add(
        &mut self,
        group_info: &[u8],
        sender_index: u32,
        key_package: &[u8],
    ) -> Result<Vec<u8>> {
        let MlsMessageBody::KeyPackage(key_package) = ConclaveMember::decode(key_package)?.body
        else {
            return Err(wrong("a KeyPackage"));
        };
        self.propose(
            group_info,
            sender_index,
            Proposal::Add(Add {
                key_package: Box::new(key_package),
            }),
        )
    }

    fn propose_remove(
        &mut self,
        group_info: &[u8],
        sender_index: u32,
        leaf_index: u32,
    ) -> Result<Vec<u8>> {
        self.propose(
            group_info,
            sender_index,
            Proposal::Remove(Remove {
                removed: leaf_index,
            }),
        )
    }
}

/// One Conclave client with at most one group.
pub struct ConclaveMember {
    cs: Arc<dyn CipherSuiteProvider>,
    signer: Arc<SignatureKeyPair>,
    suite: u16,
    identity: Vec<u8>,
    options: GroupOptions,
    /// KeyPackages published and not yet used, with their private keys.
    key_packages: Vec<KeyPackageBundle>,
    psks: Arc<ExternalPsks>,
    group: Option<Group>,
    grease: bool,
    identity_validator: Option<Arc<dyn IdentityValidator>>,
}

impl std::fmt::Debug for ConclaveMember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConclaveMember")
            .field("suite", &self.suite)
            .field("identity", &self.identity)
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

impl ConclaveMember {
    /// A member for this ciphersuite with a fresh signature key and a Basic credential.
    pub fn new(suite: u16, identity: &[u8]) -> Result<Self> {
        let cs = suite_provider(suite)?;
        let signer = Arc::new(
            SignatureKeyPair::generate(cs.clone()).map_err(|e| PeerError::Conclave(e.into()))?,
        );
        Ok(Self {
            cs,
            signer,
            suite,
            identity: identity.to_vec(),
            options: GroupOptions::default(),
            key_packages: Vec::new(),
            psks: Arc::new(ExternalPsks::default()),
            group: None,
            grease: false,
            identity_validator: None,
        })
    }

    /// Whether KeyPackages carry GREASE values (RFC 9420 §13.5) in their capabilities and
    /// extensions. Off by default, for OpenMLS (see the module doc).
    pub fn set_grease(&mut self, on: bool) {
        self.grease = on;
    }

    /// The Authentication Service the member's groups use (RFC 9420 §5.3.1);
    /// Conclave's Basic validator unless set. Tests set a lax one to build
    /// messages a correctly configured member would refuse to send.
    pub fn set_identity_validator(&mut self, validator: Arc<dyn IdentityValidator>) {
        self.identity_validator = Some(validator);
    }

    /// The member's group, for callers that want the engine itself (benchmarks).
    pub fn group(&self) -> Option<&Group> {
        self.group.as_ref()
    }

    fn group_ref(&self) -> Result<&Group> {
        self.group.as_ref().ok_or_else(no_group)
    }

    fn group_mut(&mut self) -> Result<&mut Group> {
        self.group.as_mut().ok_or_else(no_group)
    }

    fn config(&self, options: &GroupOptions) -> GroupConfig {
        GroupConfig {
            grease: self.grease,
            handshake: if options.encrypt_handshake {
                HandshakePolicy::Private
            } else {
                HandshakePolicy::Public
            },
            ratchet_tree_in_welcome: options.ratchet_tree_in_welcome,
            limits: Limits {
                max_message_size: MAX_MESSAGE_SIZE,
                ..Limits::default()
            },
            ..GroupConfig::default()
        }
    }

    fn services(&self) -> Services {
        let defaults = Services::default();
        Services {
            psks: self.psks.clone(),
            identity: self.identity_validator.clone().unwrap_or(defaults.identity),
            ..defaults
        }
    }

    fn decode(bytes: &[u8]) -> Result<MlsMessage> {
        Ok(decode_exact::<MlsMessage>(bytes).map_err(conclave_core::Error::from)?)
    }

    fn psk_id(&self, psk: Psk) -> Result<PreSharedKeyId> {
        let mut nonce = vec![0u8; self.cs.hash_len()];
        self.cs
            .random_bytes(&mut nonce)
            .map_err(|e| PeerError::Conclave(e.into()))?;
        Ok(PreSharedKeyId {
            psk,
            psk_nonce: nonce.into(),
        })
    }

    fn resumption(&self, epoch: u64) -> Result<Proposal> {
        let group_id = self.group_ref()?.group_id().to_vec();
        Ok(Proposal::PreSharedKey(PreSharedKey {
            psk: self.psk_id(Psk::Resumption {
                usage: ResumptionPskUsage::Application,
                psk_group_id: group_id.into(),
                psk_epoch: epoch,
            })?,
        }))
    }

    fn external(&self, psk_id: &[u8]) -> Result<Proposal> {
        Ok(Proposal::PreSharedKey(PreSharedKey {
            psk: self.psk_id(Psk::External {
                psk_id: psk_id.to_vec().into(),
            })?,
        }))
    }

    /// Commits the pending proposals plus `proposals` by value, merges, encodes.
    fn commit_with(&mut self, proposals: Vec<Proposal>, force_path: bool) -> Result<CommitOutput> {
        let force_path = force_path || self.options.force_path;
        let tree_in_welcome = self.options.ratchet_tree_in_welcome;
        let group = self.group_mut()?;
        let out = group.commit(CommitOptions {
            proposals,
            include_pending: true,
            force_path,
        })?;
        group.merge_pending_commit(out.pending)?;
        let welcome = out.welcome.as_ref().map(encode).transpose()?;
        let ratchet_tree = if welcome.is_some() && !tree_in_welcome {
            Some(encode(&group.ratchet_tree())?)
        } else {
            None
        };
        Ok(CommitOutput {
            commit: encode(&out.message)?,
            welcome,
            group_info: Some(encode(&out.group_info)?),
            ratchet_tree,
        })
    }

    fn propose(&mut self, proposal: Proposal) -> Result<Vec<u8>> {
        let message = self.group_mut()?.propose(proposal)?;
        Ok(encode(&message)?)
    }

    fn new_key_package(&mut self) -> Result<KeyPackageBundle> {
        Ok(KeyPackageBuilder::new().grease(self.grease).build(
            self.cs.as_ref(),
            self.signer.as_ref(),
            Credential::basic(self.identity.clone()),
            &SystemClock,
        )?)
    }

    fn create(
        &mut self,
        group_id: &[u8],
        options: &GroupOptions,
        extensions: Vec<Extension>,
    ) -> Result<()> {
        if self.group.is_some() {
            return Err(PeerError::State {
                implementation: NAME,
                what: "already in a group",
            });
        }
        self.options = *options;
        self.group = Some(Group::create(
            self.cs.clone(),
            self.signer.clone(),
            Credential::basic(self.identity.clone()),
            group_id.to_vec(),
            extensions,
            self.config(options),
            self.services(),
        )?);
        Ok(())
    }
}

impl PeerMember for ConclaveMember {
    fn name(&self) -> &'static str {
        NAME
    }

    fn suite(&self) -> u16 {
        self.suite
    }

    fn identity(&self) -> &[u8] {
        &self.identity
    }

    fn key_package(&mut self) -> Result<Vec<u8>> {
        let bundle = self.new_key_package()?;
        let message = MlsMessage::new(MlsMessageBody::KeyPackage(bundle.key_package.clone()));
        self.key_packages.push(bundle);
        Ok(encode(&message)?)
    }

    fn create_group(&mut self, group_id: &[u8], options: &GroupOptions) -> Result<()> {
        self.create(group_id, options, Vec::new())
    }

    fn create_group_with_external_senders(
        &mut self,
        group_id: &[u8],
        options: &GroupOptions,
        external_senders: &[Vec<u8>],
    ) -> Result<()> {
        let senders = external_senders
            .iter()
            .map(|s| decode_exact::<ExternalSender>(s).map_err(conclave_core::Error::from))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        self.create(group_id, options, vec![Extension::from_payload(&senders)?])
    }

    fn join(
        &mut self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
        options: &GroupOptions,
    ) -> Result<()> {
        if self.group.is_some() {
            return Err(PeerError::State {
                implementation: NAME,
                what: "already in a group",
            });
        }
        let message = Self::decode(welcome)?;
        let MlsMessageBody::Welcome(w) = &message.body else {
            return Err(wrong("a Welcome"));
        };
        let mut position = None;
        for (i, bundle) in self.key_packages.iter().enumerate() {
            let reference = key_package_ref(self.cs.as_ref(), &bundle.key_package)?;
            if w.secrets_for(&reference).is_some() {
                position = Some(i);
                break;
            }
        }
        let position = position.ok_or(PeerError::State {
            implementation: NAME,
            what: "the Welcome is for none of this member's KeyPackages",
        })?;
        let tree = ratchet_tree
            .map(|t| decode_exact::<RatchetTreeNodes>(t).map_err(conclave_core::Error::from))
            .transpose()?;
        let bundle = self.key_packages.remove(position);
        self.options = *options;
        self.group = Some(Group::join(
            self.cs.clone(),
            self.signer.clone(),
            &message,
            bundle,
            tree,
            self.config(options),
            self.services(),
        )?);
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
        let message = Self::decode(group_info)?;
        if !matches!(message.body, MlsMessageBody::GroupInfo(_)) {
            return Err(wrong("a GroupInfo"));
        }
        let tree = ratchet_tree
            .map(|t| decode_exact::<RatchetTreeNodes>(t).map_err(conclave_core::Error::from))
            .transpose()?;
        let psks = psk_ids
            .iter()
            .map(|id| {
                self.psk_id(Psk::External {
                    psk_id: id.clone().into(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let (group, commit) = Group::external_join(
            self.cs.clone(),
            self.signer.clone(),
            Credential::basic(self.identity.clone()),
            &message,
            tree,
            ExternalJoinOptions {
                remove_prior: remove_prior.map(|leaf| RemovePrior::Leaf(LeafIndex(leaf))),
                psks,
                ..ExternalJoinOptions::default()
            },
            self.config(options),
            self.services(),
        )?;
        self.options = *options;
        self.group = Some(group);
        Ok(encode(&commit)?)
    }

    fn add_members(&mut self, key_packages: &[Vec<u8>]) -> Result<CommitOutput> {
        let mut proposals = Vec::with_capacity(key_packages.len());
        for kp in key_packages {
            let MlsMessageBody::KeyPackage(key_package) = Self::decode(kp)?.body else {
                return Err(wrong("a KeyPackage"));
            };
            proposals.push(Proposal::Add(Add {
                key_package: Box::new(key_package),
            }));
        }
        self.commit_with(proposals, false)
    }

    fn update(&mut self) -> Result<CommitOutput> {
        self.commit_with(Vec::new(), true)
    }

    fn remove(&mut self, leaf_index: u32) -> Result<CommitOutput> {
        self.commit_with(
            vec![Proposal::Remove(Remove {
                removed: leaf_index,
            })],
            false,
        )
    }

    fn commit_pending(&mut self) -> Result<CommitOutput> {
        self.commit_with(Vec::new(), false)
    }

    fn commit_external_psk(&mut self, psk_id: &[u8]) -> Result<CommitOutput> {
        let proposal = self.external(psk_id)?;
        self.commit_with(vec![proposal], false)
    }

    fn commit_resumption_psk(&mut self, epoch: u64) -> Result<CommitOutput> {
        let proposal = self.resumption(epoch)?;
        self.commit_with(vec![proposal], false)
    }

    fn propose_add(&mut self, key_package: &[u8]) -> Result<Vec<u8>> {
        let MlsMessageBody::KeyPackage(key_package) = Self::decode(key_package)?.body else {
            return Err(wrong("a KeyPackage"));
        };
        self.propose(Proposal::Add(Add {
            key_package: Box::new(key_package),
        }))
    }

    fn propose_update(&mut self) -> Result<Vec<u8>> {
        let message = self.group_mut()?.propose_update()?;
        Ok(encode(&message)?)
    }

    fn propose_remove(&mut self, leaf_index: u32) -> Result<Vec<u8>> {
        self.propose(Proposal::Remove(Remove {
            removed: leaf_index,
        }))
    }

    fn propose_external_psk(&mut self, psk_id: &[u8]) -> Result<Vec<u8>> {
        let proposal = self.external(psk_id)?;
        self.propose(proposal)
    }

    fn propose_resumption_psk(&mut self, epoch: u64) -> Result<Vec<u8>> {
        let proposal = self.resumption(epoch)?;
        self.propose(proposal)
    }

    fn propose_self_add(&mut self, group_info: &[u8]) -> Result<Vec<u8>> {
        let message = Self::decode(group_info)?;
        let bundle = self.new_key_package()?;
        let proposal = Group::new_member_add_proposal(
            self.cs.as_ref(),
            &message,
            &bundle,
            self.signer.as_ref(),
        )?;
        self.key_packages.push(bundle);
        Ok(encode(&proposal)?)
    }

    fn store_external_psk(&mut self, psk_id: &[u8], secret: &[u8]) -> Result<()> {
        self.psks
            .0
            .lock()
            .map_err(|_| PeerError::State {
                implementation: NAME,
                what: "PSK store poisoned",
            })?
            .insert(psk_id.to_vec(), Secret::from_slice(secret));
        Ok(())
    }

    fn process(&mut self, message: &[u8]) -> Result<Processed> {
        // MLSMessage = version (2 bytes) || wire_format (2 bytes) || ...;
        // mls_public_message is 1, mls_private_message 2 (RFC 9420 §6).
        if !matches!(message.get(2..4), Some([0, 1] | [0, 2])) {
            return Err(wrong("a PublicMessage or PrivateMessage"));
        }
        let group = self.group_mut()?;
        // The bytes as received, decoded once: the transcript hash and any
        // ProposalRef are computed over them, not over a re-encoding.
        match group.process_bytes(message)? {
            Received::Application { data, .. } => Ok(Processed::Application(data)),
            Received::Proposal { .. } => Ok(Processed::Proposal),
            Received::Commit(staged) => {
                group.merge_staged_commit(staged)?;
                Ok(Processed::Commit)
            }
            Received::OwnCommit => Err(PeerError::State {
                implementation: NAME,
                what: "own commit echoed back (own commits are merged already)",
            }),
        }
    }

    fn protect(&mut self, plaintext: &[u8]) -> Result<Vec<u8>> {
        let message = self.group_mut()?.encrypt(plaintext, &[])?;
        Ok(encode(&message)?)
    }

    fn epoch(&self) -> u64 {
        self.group.as_ref().map_or(0, Group::epoch)
    }

    fn epoch_authenticator(&self) -> Result<Vec<u8>> {
        Ok(self.group_ref()?.epoch_authenticator().as_bytes().to_vec())
    }

    fn export(&self, label: &str, context: &[u8], len: usize) -> Result<Vec<u8>> {
        Ok(self
            .group_ref()?
            .export(label, context, len)?
            .as_bytes()
            .to_vec())
    }

    fn group_info(&mut self, with_tree: bool) -> Result<Vec<u8>> {
        Ok(encode(&self.group_ref()?.group_info(with_tree)?)?)
    }

    fn ratchet_tree(&self) -> Result<Vec<u8>> {
        Ok(encode(&self.group_ref()?.ratchet_tree())?)
    }

    fn roster(&self) -> Vec<(u32, Vec<u8>)> {
        let Some(group) = self.group.as_ref().filter(|g| g.is_active()) else {
            return Vec::new();
        };
        group
            .members()
            .map(|m| {
                let identity = match m.credential {
                    Credential::Basic { identity } => identity.into(),
                    _ => Vec::new(),
                };
                (m.index.0, identity)
            })
            .collect()
    }

    fn own_leaf_index(&self) -> Result<u32> {
        Ok(self.group_ref()?.own_leaf().0)
    }

    /// The length of the group's snapshot ([`Group::to_snapshot`]): the whole state a
    /// client layer persists (tree, secrets, past epochs, proposal cache).
    fn persisted_size(&mut self) -> Result<usize> {
        Ok(self.group_ref()?.to_snapshot()?.len())
    }
}
