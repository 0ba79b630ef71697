//! One object-safe interface over the two peer MLS implementations that Conclave is
//! measured against: OpenMLS 0.9 (RustCrypto provider) and mls-rs 0.57 (RustCrypto provider;
//! with the feature `mls-rs-openssl` also its OpenSSL provider, `MlsRsOpenSslFactory`), and
//! over Conclave itself ([`ConclaveFactory`]), so that all of them can share groups.
//!
//! The interop tests (mixed groups, RFC 9420 throughout) and the side-by-side benchmark drive
//! members of either implementation through [`PeerMember`], created by a [`PeerFactory`].
//! Members exchange only serialized `MLSMessage` encodings (RFC 9420 §6): KeyPackages,
//! Welcomes, GroupInfos, PublicMessages and PrivateMessages are `Vec<u8>`, never internal
//! objects, so whatever passes between two members is exactly what would cross a wire.
//! Ratchet trees sent out of band use the `optional<Node> ratchet_tree<V>` encoding of
//! the ratchet_tree extension (RFC 9420 §12.4.3.3).
//!
//! Parties outside a group are covered too: external joins ([`PeerMember::external_join`],
//! §12.4.3.2, with PSKs and resync), self-adds ([`PeerMember::propose_self_add`], sender
//! type `new_member_proposal`) and external senders ([`PeerExternalSender`], §12.1.8.1,
//! made by [`PeerFactory::new_external_sender`]) listed in a group created with
//! [`PeerMember::create_group_with_external_senders`].
//!
//! Conventions shared by both adapters:
//! - **Own commits are merged before the call returns.** [`PeerMember::add_members`],
//!   [`PeerMember::update`], [`PeerMember::remove`], [`PeerMember::commit_pending`] and
//!   [`PeerMember::commit_external_psk`] build the commit, merge it into the committer's
//!   own state and return the messages; the committer is then in the new epoch. Never
//!   pass a member its own commit.
//! - **Every commit includes the pending proposals** the member holds (its own and those
//!   received through [`PeerMember::process`]), as RFC 9420 §12.4 lets a committer do.
//! - **Received commits are merged by [`PeerMember::process`]**, received proposals are
//!   stored for a later commit.
//! - Basic credentials (RFC 9420 §5.3) whose identity is the one given to the factory;
//!   leaf and KeyPackage lifetimes are the implementations' defaults (weeks to a year).
//! - Past epochs: both keep 3 past epochs' message secrets (late application messages)
//!   and resumption PSKs for earlier epochs (OpenMLS: the last 8).
//! - Errors never panic: every failure is a [`PeerError`] carrying the implementation's
//!   own message.

#![forbid(unsafe_code)]

mod conclave_peer;
mod mlsrs_peer;
mod openmls_peer;

pub use conclave_peer::{ConclaveFactory, ConclaveMember};
pub use mlsrs_peer::{MlsRsCrypto, MlsRsFactory, MlsRsMember};
#[cfg(feature = "mls-rs-openssl")]
pub use mlsrs_peer::{MlsRsOpenSslFactory, MlsRsOpenSslMember};
pub use openmls_peer::{OpenMlsFactory, OpenMlsMember};

/// Result of every adapter operation.
pub type Result<T> = std::result::Result<T, PeerError>;

/// Why an adapter operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// The implementation rejected the operation or the input; the message is its own.
    #[error("{implementation}: {message}")]
    Peer {
        /// Which implementation failed ("conclave", "openmls", "mls-rs" or "mls-rs-openssl").
        implementation: &'static str,
        /// The implementation's error, as it formats it.
        message: String,
    },
    /// The implementation (or its crypto provider) does not offer this feature.
    #[error("{implementation} does not support {what}")]
    Unsupported {
        /// Which implementation.
        implementation: &'static str,
        /// The missing feature.
        what: String,
    },
    /// Bytes given to the adapter are not the MLS object the operation expects.
    #[error("{implementation}: expected {expected}")]
    WrongMessage {
        /// Which implementation decoded the bytes.
        implementation: &'static str,
        /// What the operation expected (e.g. "a Welcome").
        expected: &'static str,
    },
    /// The operation needs a group and the member has none (or already has one).
    #[error("{implementation}: {what}")]
    State {
        /// Which implementation.
        implementation: &'static str,
        /// What is wrong with the member's state.
        what: &'static str,
    },
    /// No member of the group has this identity.
    #[error("no member with identity {0:02x?}")]
    UnknownIdentity(Vec<u8>),
    /// Conclave rejected the operation or the input; the engine's typed error.
    #[error("conclave: {0}")]
    Conclave(conclave_core::Error),
}

/// Per-group settings, given when a member creates or joins a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupOptions {
    /// Put the ratchet tree into the Welcome (ratchet_tree extension, RFC 9420 §12.4.3.3);
    /// otherwise the joiner needs it out of band ([`CommitOutput::ratchet_tree`]).
    pub ratchet_tree_in_welcome: bool,
    /// Send proposals and commits as PrivateMessage rather than PublicMessage (RFC 9420 §6).
    /// Either way, both wire formats are accepted from others.
    pub encrypt_handshake: bool,
    /// Include an UpdatePath in every commit, even when the proposals do not require one
    /// (RFC 9420 §12.4); otherwise only when required (empty commits, updates, removes).
    pub force_path: bool,
}

impl Default for GroupOptions {
    fn default() -> Self {
        Self {
            ratchet_tree_in_welcome: true,
            encrypt_handshake: false,
            force_path: false,
        }
    }
}

/// The messages a commit produced (the committer has already merged it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommitOutput {
    /// The commit, an MLSMessage (PublicMessage or PrivateMessage).
    pub commit: Vec<u8>,
    /// The Welcome for added members, an MLSMessage, when the commit adds someone.
    pub welcome: Option<Vec<u8>>,
    /// A GroupInfo for the new epoch, an MLSMessage, when the implementation produced one
    /// (OpenMLS: when the tree goes into Welcomes; mls-rs: never). Use
    /// [`PeerMember::group_info`] for one on demand.
    pub group_info: Option<Vec<u8>>,
    /// The new epoch's ratchet tree (`optional<Node> ratchet_tree<V>`), when there is a
    /// Welcome that does not carry the tree itself.
    pub ratchet_tree: Option<Vec<u8>>,
}

/// What [`PeerMember::process`] did with a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Processed {
    /// An application message; its plaintext.
    Application(Vec<u8>),
    /// A proposal, now stored for a later commit.
    Proposal,
    /// A commit, now merged: the member is in the next epoch (or was removed).
    Commit,
}

/// One member (one client in one group) of a peer implementation.
///
/// All messages in and out are serialized MLSMessages (RFC 9420 §6). The trait is object
/// safe; members are used as `Box<dyn PeerMember>`.
pub trait PeerMember {
    /// The implementation's name ("conclave", "openmls", "mls-rs" or "mls-rs-openssl").
    fn name(&self) -> &'static str;
    /// The ciphersuite this member was created for.
    fn suite(&self) -> u16;
    /// The identity in this member's Basic credential.
    fn identity(&self) -> &[u8];

    /// A fresh KeyPackage (RFC 9420 §10) as an MLSMessage; its private keys stay with the
    /// member so that a Welcome to it can be processed by [`PeerMember::join`].
    fn key_package(&mut self) -> Result<Vec<u8>>;
    /// Creates a one-member group (RFC 9420 §11) with this group id.
    fn create_group(&mut self, group_id: &[u8], options: &GroupOptions) -> Result<()>;
    /// Joins from a Welcome (RFC 9420 §12.4.3.1) addressed to one of this member's
    /// KeyPackages; `ratchet_tree` is required when the Welcome lacks the tree.
    fn join(
        &mut self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
        options: &GroupOptions,
    ) -> Result<()>;
    /// Creates a one-member group whose GroupContext carries the external_senders
    /// extension (RFC 9420 §12.1.8.1) listing these senders, each a TLS-encoded
    /// `ExternalSender` (as [`PeerExternalSender::external_sender`] returns it).
    fn create_group_with_external_senders(
        &mut self,
        group_id: &[u8],
        options: &GroupOptions,
        external_senders: &[Vec<u8>],
    ) -> Result<()>;
    /// Joins by an external commit (RFC 9420 §12.4.3.2) from a GroupInfo carrying
    /// external_pub; returns the commit, which the member has already merged.
    /// `psk_ids` name external PSKs stored earlier with [`PeerMember::store_external_psk`];
    /// `remove_prior` removes the joiner's old leaf (a resync). A member already in a group
    /// may call it to rejoin that group (its old state is replaced).
    fn external_join(
        &mut self,
        group_info: &[u8],
        ratchet_tree: Option<&[u8]>,
        options: &GroupOptions,
        psk_ids: &[Vec<u8>],
        remove_prior: Option<u32>,
    ) -> Result<Vec<u8>>;

    /// Commits Adds for these KeyPackages (MLSMessages), with the pending proposals.
    fn add_members(&mut self, key_packages: &[Vec<u8>]) -> Result<CommitOutput>;
    /// Commits with an UpdatePath (a self-update), with the pending proposals.
    fn update(&mut self) -> Result<CommitOutput>;
    /// Commits a Remove of this leaf, with the pending proposals.
    fn remove(&mut self, leaf_index: u32) -> Result<CommitOutput>;
    /// Commits a Remove of the member with this identity.
    fn remove_by_identity(&mut self, identity: &[u8]) -> Result<CommitOutput> {
        let leaf = self.leaf_of(identity)?;
        self.remove(leaf)
    }
    /// Commits the pending proposals (an empty commit, with a path, if there are none).
    fn commit_pending(&mut self) -> Result<CommitOutput>;
    /// Commits a PreSharedKey proposal for a stored external PSK by value.
    fn commit_external_psk(&mut self, psk_id: &[u8]) -> Result<CommitOutput>;
    /// Commits a PreSharedKey proposal for the resumption PSK (usage application) of an
    /// earlier epoch of this group, by value.
    fn commit_resumption_psk(&mut self, epoch: u64) -> Result<CommitOutput>;

    /// An Add proposal (RFC 9420 §12.1.1) for this KeyPackage, kept as pending.
    fn propose_add(&mut self, key_package: &[u8]) -> Result<Vec<u8>>;
    /// An Update proposal (RFC 9420 §12.1.2) for this member's leaf, kept as pending.
    fn propose_update(&mut self) -> Result<Vec<u8>>;
    /// A Remove proposal (RFC 9420 §12.1.3), kept as pending.
    fn propose_remove(&mut self, leaf_index: u32) -> Result<Vec<u8>>;
    /// A PreSharedKey proposal (RFC 9420 §12.1.4) for a stored external PSK.
    fn propose_external_psk(&mut self, psk_id: &[u8]) -> Result<Vec<u8>>;
    /// A PreSharedKey proposal for the resumption PSK (usage application, RFC 9420 §8.6) of
    /// an earlier epoch of this group.
    fn propose_resumption_psk(&mut self, epoch: u64) -> Result<Vec<u8>>;
    /// A proposal from outside the group to add this member itself (sender type
    /// `new_member_proposal`, RFC 9420 §12.1.8), for the epoch of `group_info` (an
    /// MLSMessage); a fresh KeyPackage is made for it and kept, so that the Welcome of the
    /// commit that adds the member can be processed by [`PeerMember::join`].
    fn propose_self_add(&mut self, group_info: &[u8]) -> Result<Vec<u8>>;
    /// Installs an external PSK (RFC 9420 §8.4), before or after joining.
    fn store_external_psk(&mut self, psk_id: &[u8], secret: &[u8]) -> Result<()>;

    /// Processes a received MLSMessage: decrypts application data, stores a proposal,
    /// or validates and merges a commit.
    fn process(&mut self, message: &[u8]) -> Result<Processed>;
    /// Encrypts application data as a PrivateMessage (RFC 9420 §6.3).
    fn protect(&mut self, plaintext: &[u8]) -> Result<Vec<u8>>;

    /// The current epoch (0 before creating or joining a group).
    fn epoch(&self) -> u64;
    /// The current epoch_authenticator (RFC 9420 §8.7).
    fn epoch_authenticator(&self) -> Result<Vec<u8>>;
    /// MLS-Exporter(label, context, len) of the current epoch (RFC 9420 §8.5).
    fn export(&self, label: &str, context: &[u8], len: usize) -> Result<Vec<u8>>;
    /// A signed GroupInfo (RFC 9420 §12.4.3) as an MLSMessage, with the external_pub
    /// extension, and the ratchet_tree extension if `with_tree`.
    fn group_info(&mut self, with_tree: bool) -> Result<Vec<u8>>;
    /// The current ratchet tree, `optional<Node> ratchet_tree<V>` (RFC 9420 §12.4.3.3).
    fn ratchet_tree(&self) -> Result<Vec<u8>>;
    /// The members: (leaf index, Basic credential identity), by increasing leaf index.
    fn roster(&self) -> Vec<(u32, Vec<u8>)>;
    /// This member's own leaf index.
    fn own_leaf_index(&self) -> Result<u32>;
    /// Persists the member's state the implementation's own way, into its in-memory
    /// storage, and returns the bytes stored there (group state, retained epochs, and for
    /// OpenMLS also its other stored keys). For size comparisons, not a wire format.
    fn persisted_size(&mut self) -> Result<usize>;

    /// The leaf index of the member with this identity.
    fn leaf_of(&self, identity: &[u8]) -> Result<u32> {
        self.roster()
            .into_iter()
            .find(|(_, id)| id == identity)
            .map(|(leaf, _)| leaf)
            .ok_or_else(|| PeerError::UnknownIdentity(identity.to_vec()))
    }
}

/// A sender outside the group that the group lists in its external_senders extension
/// (RFC 9420 §12.1.8.1), proposing Adds and Removes as sender type `external` (§12.1.8).
/// Its proposals are PublicMessages without a membership tag (§6.2); a member stores them
/// through [`PeerMember::process`] and commits them by reference.
pub trait PeerExternalSender {
    /// The implementation's name ("conclave", "openmls", "mls-rs" or "mls-rs-openssl").
    fn name(&self) -> &'static str;
    /// This sender's `ExternalSender` struct (signature_key, credential), TLS-encoded, to be
    /// listed in a group's external_senders extension.
    fn external_sender(&self) -> Result<Vec<u8>>;
    /// An Add proposal of this KeyPackage (an MLSMessage) from the sender at
    /// `sender_index` of the external_senders list, for the epoch of `group_info` (an
    /// MLSMessage that carries the ratchet tree).
    fn propose_add(
        &mut self,
        group_info: &[u8],
        sender_index: u32,
        key_package: &[u8],
    ) -> Result<Vec<u8>>;
    /// A Remove proposal of this leaf, as [`PeerExternalSender::propose_add`].
    fn propose_remove(
        &mut self,
        group_info: &[u8],
        sender_index: u32,
        leaf_index: u32,
    ) -> Result<Vec<u8>>;
}

/// Creates members of one implementation.
pub trait PeerFactory {
    /// The implementation's name ("conclave", "openmls", "mls-rs" or "mls-rs-openssl").
    fn name(&self) -> &'static str;
    /// Whether members can be created for this ciphersuite (RFC 9420 §17.1 value).
    fn supports(&self, suite: u16) -> bool;
    /// A new member, not yet in any group, with a fresh signature key and a Basic
    /// credential for `identity`.
    fn new_member(&self, suite: u16, identity: &[u8]) -> Result<Box<dyn PeerMember>>;
    /// A new external sender with a fresh signature key and a Basic credential for
    /// `identity` ([`PeerError::Unsupported`] if the implementation cannot send external
    /// proposals).
    fn new_external_sender(
        &self,
        suite: u16,
        identity: &[u8],
    ) -> Result<Box<dyn PeerExternalSender>>;
}

/// Both peer factories: OpenMLS, then mls-rs.
pub fn factories() -> Vec<Box<dyn PeerFactory>> {
    vec![Box::new(OpenMlsFactory), Box::new(MlsRsFactory)]
}

/// All three factories: Conclave, OpenMLS, mls-rs.
pub fn all_factories() -> Vec<Box<dyn PeerFactory>> {
    vec![
        Box::new(ConclaveFactory),
        Box::new(OpenMlsFactory),
        Box::new(MlsRsFactory),
    ]
}
