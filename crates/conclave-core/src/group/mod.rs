//! The MLS group (RFC 9420 §11–§13): one member's state of one group at one
//! epoch, and the operations that move it forward.
//!
//! - [`Group::create`] starts a group of one (§11); [`Group::join`] enters
//!   one from a Welcome (§12.4.3.1).
//! - [`Group::propose`] sends a proposal (§12.1); [`Group::commit`] builds a
//!   commit (§12.4) and returns a [`PendingCommit`], applied with
//!   [`Group::merge_pending_commit`] once the delivery service accepted it.
//! - [`Group::process`] takes any framed message (§6): application data,
//!   a proposal (cached by reference for this epoch), or a commit, which is
//!   checked in full and returned as a [`StagedCommit`] to inspect and then
//!   [`Group::merge_staged_commit`]. A rejected message leaves the group
//!   exactly as it was: everything is computed first and the state is
//!   changed only at the end (the secret tree consumes a generation only
//!   for a message that decrypted and verified).
//! - [`Group::encrypt`] protects application data, always as a
//!   PrivateMessage (§6). A member that holds received proposals not yet
//!   committed must commit before sending application data (§12.1 "a
//!   member that has received proposals ... MUST commit"): `encrypt` then
//!   fails with [`Error::Misuse`].
//!
//! The state is kept in plain structs, grouped as the RFC describes it:
//! [`state::PublicState`] (GroupContext, ratchet tree, transcript),
//! [`state::OwnState`] (leaf index, private keys), [`state::EpochState`]
//! (epoch secrets and the secret tree), [`state::PastEpochs`] (secret trees
//! of past epochs for late messages, resumption PSKs) and
//! [`state::ProposalCache`] (proposals received in this epoch).
//! [`snapshot`] encodes all of it for persistence ([`Group::to_snapshot`],
//! [`Group::from_snapshot`], and per-record parts with the tree nodes a
//! commit changed, [`Group::changed_nodes`]).
//!
//! ```
//! use std::sync::Arc;
//! use conclave_core::crypto::{CipherSuite, CryptoProvider, SignatureKeyPair};
//! use conclave_core::group::{CommitOptions, Group, GroupConfig, Received, Services};
//! use conclave_core::key_package::KeyPackageBuilder;
//! use conclave_core::time::SystemClock;
//! use conclave_core::wire::{Add, Credential, Proposal};
//!
//! let provider = conclave_rustcrypto::RustCryptoProvider::new();
//! let cs = provider.cipher_suite(CipherSuite::X25519_AES128GCM_SHA256_ED25519).unwrap();
//! let alice_key = Arc::new(SignatureKeyPair::generate(cs.clone()).unwrap());
//! let bob_key = Arc::new(SignatureKeyPair::generate(cs.clone()).unwrap());
//!
//! // Alice creates the group.
//! let mut alice = Group::create(cs.clone(), alice_key, Credential::basic("alice"),
//!     b"group".to_vec(), Vec::new(), GroupConfig::default(), Services::default()).unwrap();
//!
//! // Bob publishes a KeyPackage; Alice adds him and merges her commit.
//! let bob_kp = KeyPackageBuilder::new()
//!     .build(cs.as_ref(), bob_key.as_ref(), Credential::basic("bob"), &SystemClock)
//!     .unwrap();
//! let output = alice.commit(CommitOptions {
//!     proposals: vec![Proposal::Add(Add { key_package: Box::new(bob_kp.key_package.clone()) })],
//!     ..CommitOptions::default()
//! }).unwrap();
//! alice.merge_pending_commit(output.pending).unwrap();
//!
//! // Bob joins with the Welcome (the tree is inside it by default).
//! let mut bob = Group::join(cs.clone(), bob_key, output.welcome.as_ref().unwrap(), bob_kp,
//!     None, GroupConfig::default(), Services::default()).unwrap();
//! assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
//!
//! // They exchange a message.
//! let message = alice.encrypt(b"hello bob", b"").unwrap();
//! match bob.process(&message).unwrap() {
//!     Received::Application { data, .. } => assert_eq!(data, b"hello bob"),
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```

mod branch;
mod commit;
mod external;
mod external_proposal;
mod forgery;
mod join;
mod key_index;
mod process;
pub mod proposals;
mod reinit;
pub mod snapshot;
pub mod state;

use std::sync::Arc;

use crate::codec::encode;
use crate::credential::{BasicIdentityValidator, IdentityValidator};
use crate::crypto::{CipherSuite, CipherSuiteProvider, Secret, Signer};
use crate::error::Result;
use crate::framing::PaddingPolicy;
use crate::limits::Limits;
use crate::schedule::{PskStore, SecretTreeConfig};
use crate::time::{Clock, SystemClock};
use crate::tree::{LeafIndex, RatchetTree};
use crate::wire::{
    Capabilities, Credential, Extension, GroupContext, GroupInfo, KeyPackage, MlsMessage,
    MlsMessageBody, PreSharedKeyId, Proposal, RatchetTreeNodes, Sender,
};
use crate::Error;

pub use commit::{CommitOptions, CommitOutput, PendingCommit};
pub use external::{ExternalJoinOptions, RemovePrior, EXTERNAL_INIT_LABEL};
pub use external_proposal::external_proposal;
#[cfg(feature = "testing")]
pub use forgery::Forgery;
pub use process::StagedCommit;
pub use snapshot::{SnapshotParts, SNAPSHOT_VERSION};
use state::{EpochState, OwnState, PastEpochs, ProposalCache, PublicState};

/// How a member sends its proposals and commits (§6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HandshakePolicy {
    /// As PrivateMessage (encrypted; the default).
    #[default]
    Private,
    /// As PublicMessage (signed and MACed, readable by the delivery service).
    Public,
}

/// The options of one member's group state.
#[derive(Debug, Clone)]
pub struct GroupConfig {
    /// How proposals and commits are sent.
    pub handshake: HandshakePolicy,
    /// Padding of PrivateMessages.
    pub padding: PaddingPolicy,
    /// How many past epochs' secret trees (with their sender data secret,
    /// membership key and the members' signature keys) are kept so that late
    /// application messages of those epochs still decrypt. Default 3. Older
    /// ones are deleted (forward secrecy, §9.2).
    pub past_epochs: usize,
    /// The out-of-order limits of every secret tree.
    pub secret_tree: SecretTreeConfig,
    /// How many past epochs' resumption PSKs (§8.6) are kept. Default 16.
    pub resumption_psks: usize,
    /// Whether a Welcome's GroupInfo carries the ratchet tree. Default true.
    pub ratchet_tree_in_welcome: bool,
    /// Whether GroupInfos carry the `external_pub` extension. Default true.
    pub external_pub: bool,
    /// Whether our own leaves (creator, external joiner) and GroupInfos
    /// carry GREASE values (§13.5). Default true. Turn off only to talk to
    /// a peer that wrongly rejects them (OpenMLS 0.9; docs/CONFORMANCE.md).
    /// Not part of the snapshot: a loaded group uses the default.
    pub grease: bool,
    /// Bounds on what one received message, Welcome or tree may cost
    /// (issue 10; see [`crate::limits`]): checked by [`Group::process`],
    /// [`Group::process_bytes`] (before decoding), [`Group::join`] and
    /// [`Group::external_join`]. Not part of the snapshot: a loaded group
    /// uses the default.
    pub limits: Limits,
}

impl Default for GroupConfig {
    fn default() -> Self {
        Self {
            handshake: HandshakePolicy::Private,
            padding: PaddingPolicy::None,
            past_epochs: 3,
            secret_tree: SecretTreeConfig::default(),
            resumption_psks: 16,
            ratchet_tree_in_welcome: true,
            external_pub: true,
            grease: true,
            limits: Limits::default(),
        }
    }
}

/// A PSK store that is safe to share.
pub trait SharedPskStore: PskStore + Send + Sync {}
impl<T: PskStore + Send + Sync> SharedPskStore for T {}

/// What the group asks of the application: the time, the Authentication
/// Service and the external PSKs.
#[derive(Clone)]
pub struct Services {
    /// The clock for lifetime checks.
    pub clock: Arc<dyn Clock>,
    /// The Authentication Service.
    pub identity: Arc<dyn IdentityValidator>,
    /// External PSKs (resumption PSKs of this group are the group's own).
    pub psks: Arc<dyn SharedPskStore>,
}

impl Default for Services {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            identity: Arc::new(BasicIdentityValidator::new()),
            psks: Arc::new(crate::schedule::NoPsks),
        }
    }
}

impl core::fmt::Debug for Services {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Services")
            .field("now", &self.clock.now())
            .finish_non_exhaustive()
    }
}

/// What processing a message gave.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Received {
    /// Application data from a member.
    Application {
        /// The sender's leaf.
        sender: LeafIndex,
        /// The data.
        data: Vec<u8>,
        /// The message's authenticated data.
        authenticated_data: Vec<u8>,
    },
    /// A proposal, now cached for this epoch.
    Proposal {
        /// Its sender.
        sender: Sender,
        /// The proposal.
        proposal: Proposal,
        /// Its ProposalRef.
        reference: Vec<u8>,
    },
    /// A commit, checked: inspect it, then merge it.
    Commit(StagedCommit),
    /// Our own pending commit, echoed back: merge its [`PendingCommit`].
    OwnCommit,
}

/// A member of the group, as seen in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's leaf.
    pub index: LeafIndex,
    /// The credential.
    pub credential: Credential,
    /// The signature key.
    pub signature_key: Vec<u8>,
    /// The encryption key.
    pub encryption_key: Vec<u8>,
    /// The capabilities.
    pub capabilities: Capabilities,
}

/// One member's state of one group, at one epoch.
pub struct Group {
    cs: Arc<dyn CipherSuiteProvider>,
    signer: Arc<dyn Signer>,
    config: GroupConfig,
    services: Services,
    /// GroupContext, ratchet tree, transcript hashes.
    public: PublicState,
    /// Our leaf and private keys.
    own: OwnState,
    /// This epoch's secrets and secret tree.
    epoch: EpochState,
    /// Past epochs kept for late messages, and resumption PSKs.
    past: PastEpochs,
    /// Proposals received or sent in this epoch.
    proposals: ProposalCache,
    /// Set once a ReInit commit was merged (§11.2): the group is closed.
    reinit: Option<crate::wire::ReInit>,
    /// The index of the tree's public keys, built when a commit is first
    /// processed and then kept in step with the tree (not persisted).
    keys: std::sync::OnceLock<key_index::KeyIndex>,
}

impl core::fmt::Debug for Group {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Group")
            .field("suite", &self.cs.cipher_suite())
            .field("epoch", &self.public.context.epoch)
            .field("own_leaf", &self.own.leaf)
            .finish_non_exhaustive()
    }
}

impl Group {
    /// The state of a member entering a group at an epoch with nothing behind
    /// it: the creator (§11), a joiner by Welcome (§12.4.3.1) or by external
    /// commit (§12.4.3.2). No past epochs, no cached proposals, no pending
    /// commit; the secret tree of the epoch is derived from `secrets`.
    fn new_member(
        cs: Arc<dyn CipherSuiteProvider>,
        signer: Arc<dyn Signer>,
        config: GroupConfig,
        services: Services,
        public: PublicState,
        private_keys: crate::tree::TreePrivateKeys,
        secrets: crate::schedule::EpochSecrets,
    ) -> Result<Self> {
        use crate::tree::TreeView;
        let secret_tree = crate::schedule::SecretTree::new(
            secrets.encryption_secret.clone(),
            public.tree.leaf_count(),
            config.secret_tree,
        )?;
        Ok(Group {
            public,
            own: OwnState {
                leaf: private_keys.own_leaf(),
                private_keys,
                pending_updates: Vec::new(),
                pending_commit_hash: None,
                active: true,
            },
            epoch: EpochState {
                secrets,
                secret_tree,
            },
            past: PastEpochs::default(),
            proposals: ProposalCache::default(),
            reinit: None,
            keys: std::sync::OnceLock::new(),
            cs,
            signer,
            config,
            services,
        })
    }
}

impl Group {
    /// The group id.
    pub fn group_id(&self) -> &[u8] {
        self.public.context.group_id.as_slice()
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.public.context.epoch
    }

    /// The cipher suite.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.cs.cipher_suite()
    }

    /// Our leaf index.
    pub fn own_leaf(&self) -> LeafIndex {
        self.own.leaf
    }

    /// The current GroupContext.
    pub fn context(&self) -> &GroupContext {
        &self.public.context
    }

    /// The epoch authenticator (§8.7).
    pub fn epoch_authenticator(&self) -> &Secret {
        &self.epoch.secrets.epoch_authenticator
    }

    /// MLS-Exporter (§8.5) of the current epoch.
    pub fn export(&self, label: &str, context: &[u8], length: usize) -> Result<Secret> {
        self.epoch
            .secrets
            .export(self.cs.as_ref(), label, context, length)
    }

    /// The members, by leaf index.
    pub fn members(&self) -> impl Iterator<Item = Member> + '_ {
        self.public.tree.members().map(|(index, leaf)| Member {
            index,
            credential: leaf.credential.clone(),
            signature_key: leaf.signature_key.as_slice().to_vec(),
            encryption_key: leaf.encryption_key.as_slice().to_vec(),
            capabilities: leaf.capabilities.clone(),
        })
    }

    /// The GroupContext extensions.
    pub fn extensions(&self) -> &[Extension] {
        &self.public.context.extensions
    }

    /// The proposals received (or sent) in this epoch and not yet committed.
    pub fn pending_proposals(&self) -> impl Iterator<Item = &Proposal> + '_ {
        self.proposals.entries.iter().map(|e| &e.proposal)
    }

    /// The ratchet tree, as a `ratchet_tree` extension carries it.
    pub fn ratchet_tree(&self) -> RatchetTreeNodes {
        self.public.tree.to_nodes()
    }

    /// The tree itself.
    pub fn tree(&self) -> &RatchetTree {
        &self.public.tree
    }

    /// The resumption PSK of `epoch`, if still kept (§8.6).
    pub fn resumption_psk(&self, epoch: u64) -> Option<&Secret> {
        if epoch == self.epoch() {
            return Some(&self.epoch.secrets.resumption_psk);
        }
        self.past.resumption(epoch)
    }

    /// Whether we are still a member (false once a commit removing us was merged).
    pub fn is_active(&self) -> bool {
        self.own.active
    }

    /// A signed GroupInfo of the current epoch (§12.4.3), with the ratchet
    /// tree when `with_tree`, and `external_pub` when configured.
    pub fn group_info(&self, with_tree: bool) -> Result<MlsMessage> {
        let tree = with_tree.then(|| self.public.tree.to_nodes());
        let info = commit::build_group_info(
            self.cs.as_ref(),
            self.signer.as_ref(),
            &self.public.context,
            self.public.confirmation_tag.clone(),
            self.own.leaf,
            tree,
            self.config
                .external_pub
                .then_some(&self.epoch.secrets.external_secret),
            self.config.grease,
        )?;
        Ok(MlsMessage::new(MlsMessageBody::GroupInfo(info)))
    }

    fn check_active(&self) -> Result<()> {
        if self.reinit.is_some() {
            return Err(crate::ProtocolError::GroupReInitialized.into());
        }
        if self.own.active {
            Ok(())
        } else {
            Err(Error::Misuse("we were removed from this group".into()))
        }
    }
}

/// The PSK values a group can resolve: its own resumption PSKs (usage
/// application, this group's id) and the application's external ones.
pub(crate) struct GroupPsks<'a> {
    pub group_id: &'a [u8],
    pub current_epoch: u64,
    pub current: &'a Secret,
    pub past: &'a PastEpochs,
    pub external: &'a dyn PskStore,
}

impl Group {
    /// The PSKs this member can resolve: the group's own resumption PSKs
    /// (current and kept past epochs) and the application's store (§8.4).
    pub(crate) fn psks(&self) -> GroupPsks<'_> {
        GroupPsks {
            group_id: self.group_id(),
            current_epoch: self.epoch(),
            current: &self.epoch.secrets.resumption_psk,
            past: &self.past,
            external: self.services.psks.as_ref(),
        }
    }
}

impl PskStore for GroupPsks<'_> {
    fn psk(&self, id: &PreSharedKeyId) -> Option<Secret> {
        match &id.psk {
            crate::wire::Psk::Resumption {
                psk_group_id,
                psk_epoch,
                usage,
            } if psk_group_id.as_slice() == self.group_id => {
                // A reinit/branch PSK naming a group of the same id is the
                // application's (e.g. a predecessor with the same group id).
                if *usage != crate::wire::ResumptionPskUsage::Application {
                    if let Some(s) = self.external.psk(id) {
                        return Some(s);
                    }
                }
                if *psk_epoch == self.current_epoch {
                    Some(self.current.clone())
                } else {
                    self.past.resumption(*psk_epoch).cloned()
                }
            }
            _ => self.external.psk(id),
        }
    }
}

/// A GroupInfo decoded from a message, for callers that want to inspect one.
pub fn group_info_of(message: &MlsMessage) -> Result<&GroupInfo> {
    match &message.body {
        MlsMessageBody::GroupInfo(info) => Ok(info),
        _ => Err(Error::Misuse("the message is not a GroupInfo".into())),
    }
}

/// The KeyPackage ref, for callers matching Welcomes.
pub fn key_package_ref(cs: &dyn CipherSuiteProvider, kp: &KeyPackage) -> Result<Vec<u8>> {
    crate::key_package::key_package_ref(cs, kp)
}

/// The hash of a message's encoding, by which our own messages are
/// recognised when the delivery service echoes them back.
pub(crate) fn message_hash(cs: &dyn CipherSuiteProvider, message: &MlsMessage) -> Result<Vec<u8>> {
    Ok(cs.hash(&encode(message)?))
}
