//! Proposals (RFC 9420 §12.1) and pre-shared key identifiers (§8.4).
//!
//! Each proposal body is its own struct, so that it can be encoded without the
//! `proposal_type` (as the test vectors give them), and [`Proposal`] is the
//! select over them. A proposal of a type this implementation does not know
//! cannot be decoded: its body has no length prefix.

use crate::codec::{TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize, VLBytes};
use crate::crypto::CipherSuite;

use super::{Extension, KeyPackage, LeafNode, ProposalType, ProtocolVersion};

/// `Add` (RFC 9420 §12.1.1): add the client of a KeyPackage.
///
/// ```text
/// struct {
///     KeyPackage key_package;
/// } Add;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct Add {
    /// The new member's KeyPackage (boxed: see [`ProposalOrRef`]).
    pub key_package: Box<KeyPackage>,
}

/// `Update` (RFC 9420 §12.1.2): replace the sender's leaf.
///
/// ```text
/// struct {
///     LeafNode leaf_node;
/// } Update;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct Update {
    /// The sender's new leaf (source `update`; boxed: see [`ProposalOrRef`]).
    pub leaf_node: Box<LeafNode>,
}

/// `Remove` (RFC 9420 §12.1.3): remove the member at a leaf.
///
/// ```text
/// struct {
///     uint32 removed;
/// } Remove;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct Remove {
    /// The leaf index of the member to remove.
    pub removed: u32,
}

/// `PreSharedKey` (RFC 9420 §12.1.4): inject a PSK into the next epoch.
///
/// ```text
/// struct {
///     PreSharedKeyID psk;
/// } PreSharedKey;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct PreSharedKey {
    /// The PSK to inject.
    pub psk: PreSharedKeyId,
}

/// `ReInit` (RFC 9420 §12.1.5): reinitialize the group with new parameters.
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     ProtocolVersion version;
///     CipherSuite cipher_suite;
///     Extension extensions<V>;
/// } ReInit;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct ReInit {
    /// The new group's identifier.
    pub group_id: VLBytes,
    /// The new group's protocol version.
    pub version: ProtocolVersion,
    /// The new group's ciphersuite.
    pub cipher_suite: CipherSuite,
    /// The new group's GroupContext extensions.
    pub extensions: Vec<Extension>,
}

/// `ExternalInit` (RFC 9420 §12.1.6): the KEM output of an external joiner.
///
/// ```text
/// struct {
///   opaque kem_output<V>;
/// } ExternalInit;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct ExternalInit {
    /// The KEM output against the group's `external_pub`.
    pub kem_output: VLBytes,
}

/// `GroupContextExtensions` (RFC 9420 §12.1.7): replace the GroupContext's
/// extensions wholesale.
///
/// ```text
/// struct {
///   Extension extensions<V>;
/// } GroupContextExtensions;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct GroupContextExtensions {
    /// The new extension list.
    pub extensions: Vec<Extension>,
}

/// A proposal (RFC 9420 §12.1).
///
/// ```text
/// // See the "MLS Proposal Types" IANA registry for values
/// uint16 ProposalType;
///
/// struct {
///     ProposalType proposal_type;
///     select (Proposal.proposal_type) {
///         case add:                      Add;
///         case update:                   Update;
///         case remove:                   Remove;
///         case psk:                      PreSharedKey;
///         case reinit:                   ReInit;
///         case external_init:            ExternalInit;
///         case group_context_extensions: GroupContextExtensions;
///     };
/// } Proposal;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
#[repr(u16)]
#[allow(clippy::large_enum_variant)] // plain wire data, matched by value
pub enum Proposal {
    /// `add(1)`.
    #[tls_codec(discriminant = 1)]
    Add(Add),
    /// `update(2)`.
    #[tls_codec(discriminant = 2)]
    Update(Update),
    /// `remove(3)`.
    #[tls_codec(discriminant = 3)]
    Remove(Remove),
    /// `psk(4)`.
    #[tls_codec(discriminant = 4)]
    PreSharedKey(PreSharedKey),
    /// `reinit(5)`.
    #[tls_codec(discriminant = 5)]
    ReInit(ReInit),
    /// `external_init(6)`.
    #[tls_codec(discriminant = 6)]
    ExternalInit(ExternalInit),
    /// `group_context_extensions(7)`.
    #[tls_codec(discriminant = 7)]
    GroupContextExtensions(GroupContextExtensions),
}

impl Proposal {
    /// The proposal's type.
    pub fn proposal_type(&self) -> ProposalType {
        match self {
            Self::Add(_) => ProposalType::ADD,
            Self::Update(_) => ProposalType::UPDATE,
            Self::Remove(_) => ProposalType::REMOVE,
            Self::PreSharedKey(_) => ProposalType::PSK,
            Self::ReInit(_) => ProposalType::REINIT,
            Self::ExternalInit(_) => ProposalType::EXTERNAL_INIT,
            Self::GroupContextExtensions(_) => ProposalType::GROUP_CONTEXT_EXTENSIONS,
        }
    }
}

/// A reference to a proposal: the `RefHash` of the AuthenticatedContent that
/// carried it (RFC 9420 §5.2).
///
/// ```text
/// opaque HashReference<V>;
/// HashReference ProposalRef;
/// ```
pub type ProposalRef = VLBytes;

/// A proposal in a Commit, by value or by reference (RFC 9420 §12.4).
///
/// ```text
/// enum {
///   reserved(0),
///   proposal(1),
///   reference(2),
///   (255)
/// } ProposalOrRefType;
///
/// struct {
///   ProposalOrRefType type;
///   select (ProposalOrRef.type) {
///     case proposal:  Proposal proposal;
///     case reference: ProposalRef reference;
///   };
/// } ProposalOrRef;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
#[repr(u8)]
pub enum ProposalOrRef {
    /// `proposal(1)`: the proposal itself.
    #[tls_codec(discriminant = 1)]
    Proposal(Box<Proposal>),
    /// `reference(2)`: the ProposalRef of a proposal sent earlier.
    #[tls_codec(discriminant = 2)]
    Reference(ProposalRef),
}

impl From<Proposal> for ProposalOrRef {
    /// The proposal by value.
    fn from(proposal: Proposal) -> Self {
        Self::Proposal(Box::new(proposal))
    }
}

/// What a resumption PSK is for (RFC 9420 §8.4).
///
/// ```text
/// enum {
///   reserved(0),
///   application(1),
///   reinit(2),
///   branch(3),
///   (255)
/// } ResumptionPSKUsage;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    TlsSerialize,
    TlsDeserialize,
    TlsDeserializeBytes,
    TlsSize,
)]
#[repr(u8)]
pub enum ResumptionPskUsage {
    /// `application(1)`.
    Application = 1,
    /// `reinit(2)`.
    Reinit = 2,
    /// `branch(3)`.
    Branch = 3,
}

/// The PSK a [`PreSharedKeyId`] names: the `psktype` and its select
/// (RFC 9420 §8.4).
///
/// ```text
/// enum {
///   reserved(0),
///   external(1),
///   resumption(2),
///   (255)
/// } PSKType;
///
///   PSKType psktype;
///   select (PreSharedKeyID.psktype) {
///     case external:
///       opaque psk_id<V>;
///
///     case resumption:
///       ResumptionPSKUsage usage;
///       opaque psk_group_id<V>;
///       uint64 psk_epoch;
///   };
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
#[repr(u8)]
pub enum Psk {
    /// `external(1)`: a PSK the application provides.
    #[tls_codec(discriminant = 1)]
    External {
        /// The application's identifier of the PSK.
        psk_id: VLBytes,
    },
    /// `resumption(2)`: the `resumption_psk` of a group's epoch.
    #[tls_codec(discriminant = 2)]
    Resumption {
        /// What the resumption PSK is used for.
        usage: ResumptionPskUsage,
        /// The group whose resumption PSK this is.
        psk_group_id: VLBytes,
        /// The epoch whose resumption PSK this is.
        psk_epoch: u64,
    },
}

/// The identifier of a pre-shared key (RFC 9420 §8.4).
///
/// ```text
/// struct {
///   PSKType psktype;
///   select (PreSharedKeyID.psktype) {
///     case external:
///       opaque psk_id<V>;
///
///     case resumption:
///       ResumptionPSKUsage usage;
///       opaque psk_group_id<V>;
///       uint64 psk_epoch;
///   };
///   opaque psk_nonce<V>;
/// } PreSharedKeyID;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct PreSharedKeyId {
    /// Which PSK.
    pub psk: Psk,
    /// A fresh random nonce of length `KDF.Nh`.
    pub psk_nonce: VLBytes,
}

/// The input to the PSK secret's derivation for one PSK (RFC 9420 §8.4),
/// borrowing the identifier.
///
/// ```text
/// struct {
///     PreSharedKeyID id;
///     uint16 index;
///     uint16 count;
/// } PSKLabel;
/// ```
#[derive(Debug, TlsSerialize, TlsSize)]
pub struct PskLabel<'a> {
    /// The PSK's identifier.
    pub id: &'a PreSharedKeyId,
    /// The PSK's position in the list.
    pub index: u16,
    /// The number of PSKs in the list.
    pub count: u16,
}
