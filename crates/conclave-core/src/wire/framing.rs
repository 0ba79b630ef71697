//! Message framing (RFC 9420 §6): senders, FramedContent, its authentication
//! data, AuthenticatedContent and PublicMessage, plus the borrowed
//! to-be-signed and to-be-MACed structs built from them (§6.1, §6.2) and the
//! transcript hash inputs (§8.2).
//!
//! Two `select`s here depend on a field of an *enclosing* struct, which
//! derives cannot express: `FramedContentAuthData.confirmation_tag` is present
//! only when the enclosing content's `content_type` is `commit`, and
//! `PublicMessage.membership_tag` only when its sender is a `member`. Those
//! fields are `Option`s that encode as the value or as nothing (never as an
//! `optional<>` presence byte), and [`AuthenticatedContent`] and
//! [`PublicMessage`] have small hand-written decoders that read the content
//! first and dispatch on it. Everything else is derived.

use std::io::{Read, Write};

use crate::codec::{
    Deserialize, DeserializeBytes, Serialize, Size, TlsDeserialize, TlsDeserializeBytes,
    TlsSerialize, TlsSize, VLBytes,
};

use super::{Commit, GroupContext, Proposal, ProtocolVersion, WireFormat};

/// ```text
/// enum {
///     reserved(0),
///     member(1),
///     external(2),
///     new_member_proposal(3),
///     new_member_commit(4),
///     (255)
/// } SenderType;
/// ```
/// (RFC 9420 §6.)
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
pub enum SenderType {
    /// `member(1)`.
    Member = 1,
    /// `external(2)`.
    External = 2,
    /// `new_member_proposal(3)`.
    NewMemberProposal = 3,
    /// `new_member_commit(4)`.
    NewMemberCommit = 4,
}

/// Who sent a message (RFC 9420 §6).
///
/// ```text
/// struct {
///     SenderType sender_type;
///     select (Sender.sender_type) {
///         case member:
///             uint32 leaf_index;
///         case external:
///             uint32 sender_index;
///         case new_member_commit:
///         case new_member_proposal:
///             struct{};
///     };
/// } Sender;
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
pub enum Sender {
    /// `member(1)`: the member at `leaf_index`.
    #[tls_codec(discriminant = 1)]
    Member(u32),
    /// `external(2)`: the entry `sender_index` of the `external_senders`
    /// extension.
    #[tls_codec(discriminant = 2)]
    External(u32),
    /// `new_member_proposal(3)`: a client proposing to add itself.
    #[tls_codec(discriminant = 3)]
    NewMemberProposal,
    /// `new_member_commit(4)`: a client joining by external commit.
    #[tls_codec(discriminant = 4)]
    NewMemberCommit,
}

impl Sender {
    /// The sender's type.
    pub fn sender_type(&self) -> SenderType {
        match self {
            Self::Member(_) => SenderType::Member,
            Self::External(_) => SenderType::External,
            Self::NewMemberProposal => SenderType::NewMemberProposal,
            Self::NewMemberCommit => SenderType::NewMemberCommit,
        }
    }
}

/// ```text
/// enum {
///     reserved(0),
///     application(1),
///     proposal(2),
///     commit(3),
///     (255)
/// } ContentType;
/// ```
/// (RFC 9420 §6.)
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
pub enum ContentType {
    /// `application(1)`.
    Application = 1,
    /// `proposal(2)`.
    Proposal = 2,
    /// `commit(3)`.
    Commit = 3,
}

/// The `content_type` of a FramedContent and the body it selects
/// (RFC 9420 §6).
///
/// ```text
///     ContentType content_type;
///     select (FramedContent.content_type) {
///         case application:
///           opaque application_data<V>;
///         case proposal:
///           Proposal proposal;
///         case commit:
///           Commit commit;
///     };
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
#[repr(u8)]
#[allow(clippy::large_enum_variant)] // plain wire data, matched by value
pub enum FramedContentBody {
    /// `application(1)`: application data.
    #[tls_codec(discriminant = 1)]
    Application(VLBytes),
    /// `proposal(2)`.
    #[tls_codec(discriminant = 2)]
    Proposal(Proposal),
    /// `commit(3)`.
    #[tls_codec(discriminant = 3)]
    Commit(Commit),
}

impl FramedContentBody {
    /// The content type of this body.
    pub fn content_type(&self) -> ContentType {
        match self {
            Self::Application(_) => ContentType::Application,
            Self::Proposal(_) => ContentType::Proposal,
            Self::Commit(_) => ContentType::Commit,
        }
    }
}

/// The content of a handshake or application message (RFC 9420 §6).
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     Sender sender;
///     opaque authenticated_data<V>;
///
///     ContentType content_type;
///     select (FramedContent.content_type) {
///         case application:
///           opaque application_data<V>;
///         case proposal:
///           Proposal proposal;
///         case commit:
///           Commit commit;
///     };
/// } FramedContent;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct FramedContent {
    /// The group.
    pub group_id: VLBytes,
    /// The epoch the message was sent in.
    pub epoch: u64,
    /// The sender.
    pub sender: Sender,
    /// Application-chosen data authenticated with the message.
    pub authenticated_data: VLBytes,
    /// The content type and its body.
    pub content: FramedContentBody,
}

impl FramedContent {
    /// The content type.
    pub fn content_type(&self) -> ContentType {
        self.content.content_type()
    }
}

/// Encodes an `Option<T>` as the value when present and as nothing when
/// absent: the shape of a `select` arm with `struct{}` (not `optional<T>`).
/// Used with `#[tls_codec(with = ...)]` for selects that depend on an
/// enclosing struct; decoding is done by that struct.
mod present_or_empty {
    use super::{Serialize, Size, Write};

    pub fn tls_serialized_len<T: Size>(value: &Option<T>) -> usize {
        value.as_ref().map_or(0, Size::tls_serialized_len)
    }

    pub fn tls_serialize<T: Serialize, W: Write>(
        value: &Option<T>,
        writer: &mut W,
    ) -> Result<usize, tls_codec::Error> {
        match value {
            Some(v) => v.tls_serialize(writer),
            None => Ok(0),
        }
    }
}

/// The signature and, for commits, the confirmation tag (RFC 9420 §6.1).
///
/// ```text
/// opaque MAC<V>;
///
/// struct {
///     /* SignWithLabel(., "FramedContentTBS", FramedContentTBS) */
///     opaque signature<V>;
///     select (FramedContent.content_type) {
///         case commit:
///             /*
///               MAC(confirmation_key,
///                   GroupContext.confirmed_transcript_hash)
///             */
///             MAC confirmation_tag;
///         case application:
///         case proposal:
///             struct{};
///     };
/// } FramedContentAuthData;
/// ```
///
/// Encodes with derives; decoding needs the enclosing content type, so it is
/// [`FramedContentAuthData::decode_bytes`] / [`FramedContentAuthData::decode`]
/// rather than the codec traits.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, TlsSerialize, TlsSize)]
pub struct FramedContentAuthData {
    /// The signature over the FramedContentTBS.
    pub signature: VLBytes,
    /// The confirmation tag: `Some` exactly when the content is a commit.
    #[tls_codec(with = "present_or_empty")]
    pub confirmation_tag: Option<VLBytes>,
}

impl FramedContentAuthData {
    /// Decodes the auth data of content of type `content_type` from the
    /// start of `bytes`, returning the rest.
    pub fn decode_bytes(
        content_type: ContentType,
        bytes: &[u8],
    ) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (signature, bytes) = VLBytes::tls_deserialize_bytes(bytes)?;
        let (confirmation_tag, bytes) = match content_type {
            ContentType::Commit => {
                let (tag, bytes) = VLBytes::tls_deserialize_bytes(bytes)?;
                (Some(tag), bytes)
            }
            ContentType::Application | ContentType::Proposal => (None, bytes),
        };
        Ok((
            Self {
                signature,
                confirmation_tag,
            },
            bytes,
        ))
    }

    /// Reads the auth data of content of type `content_type` from `reader`.
    pub fn decode<R: Read>(
        content_type: ContentType,
        reader: &mut R,
    ) -> Result<Self, tls_codec::Error> {
        let signature = VLBytes::tls_deserialize(reader)?;
        let confirmation_tag = match content_type {
            ContentType::Commit => Some(VLBytes::tls_deserialize(reader)?),
            ContentType::Application | ContentType::Proposal => None,
        };
        Ok(Self {
            signature,
            confirmation_tag,
        })
    }
}

/// A FramedContent with its authentication, as signed and hashed
/// (RFC 9420 §6).
///
/// ```text
/// struct {
///     WireFormat wire_format;
///     FramedContent content;
///     FramedContentAuthData auth;
/// } AuthenticatedContent;
/// ```
///
/// Decoding is hand-written (see the module documentation): `auth` is read
/// according to the content type of the already-decoded `content`.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, TlsSerialize, TlsSize)]
pub struct AuthenticatedContent {
    /// The wire format the content is (to be) sent in.
    pub wire_format: WireFormat,
    /// The content.
    pub content: FramedContent,
    /// Its signature and confirmation tag.
    pub auth: FramedContentAuthData,
}

impl DeserializeBytes for AuthenticatedContent {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (wire_format, bytes) = WireFormat::tls_deserialize_bytes(bytes)?;
        let (content, bytes) = FramedContent::tls_deserialize_bytes(bytes)?;
        let (auth, bytes) = FramedContentAuthData::decode_bytes(content.content_type(), bytes)?;
        Ok((
            Self {
                wire_format,
                content,
                auth,
            },
            bytes,
        ))
    }
}

impl Deserialize for AuthenticatedContent {
    fn tls_deserialize<R: Read>(reader: &mut R) -> Result<Self, tls_codec::Error> {
        let wire_format = WireFormat::tls_deserialize(reader)?;
        let content = FramedContent::tls_deserialize(reader)?;
        let auth = FramedContentAuthData::decode(content.content_type(), reader)?;
        Ok(Self {
            wire_format,
            content,
            auth,
        })
    }
}

/// A signed, unencrypted message (RFC 9420 §6.2).
///
/// ```text
/// struct {
///     FramedContent content;
///     FramedContentAuthData auth;
///     select (PublicMessage.content.sender.sender_type) {
///         case member:
///             MAC membership_tag;
///         case external:
///         case new_member_commit:
///         case new_member_proposal:
///             struct{};
///     };
/// } PublicMessage;
/// ```
///
/// Decoding is hand-written (see the module documentation): `auth` depends
/// on the content type and `membership_tag` on the sender type of the
/// already-decoded `content`.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, TlsSerialize, TlsSize)]
pub struct PublicMessage {
    /// The content.
    pub content: FramedContent,
    /// Its signature and confirmation tag.
    pub auth: FramedContentAuthData,
    /// The membership tag: `Some` exactly when the sender is a member.
    #[tls_codec(with = "present_or_empty")]
    pub membership_tag: Option<VLBytes>,
}

impl DeserializeBytes for PublicMessage {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (content, bytes) = FramedContent::tls_deserialize_bytes(bytes)?;
        let (auth, bytes) = FramedContentAuthData::decode_bytes(content.content_type(), bytes)?;
        let (membership_tag, bytes) = match content.sender {
            Sender::Member(_) => {
                let (tag, bytes) = VLBytes::tls_deserialize_bytes(bytes)?;
                (Some(tag), bytes)
            }
            Sender::External(_) | Sender::NewMemberProposal | Sender::NewMemberCommit => {
                (None, bytes)
            }
        };
        Ok((
            Self {
                content,
                auth,
                membership_tag,
            },
            bytes,
        ))
    }
}

impl Deserialize for PublicMessage {
    fn tls_deserialize<R: Read>(reader: &mut R) -> Result<Self, tls_codec::Error> {
        let content = FramedContent::tls_deserialize(reader)?;
        let auth = FramedContentAuthData::decode(content.content_type(), reader)?;
        let membership_tag = match content.sender {
            Sender::Member(_) => Some(VLBytes::tls_deserialize(reader)?),
            Sender::External(_) | Sender::NewMemberProposal | Sender::NewMemberCommit => None,
        };
        Ok(Self {
            content,
            auth,
            membership_tag,
        })
    }
}

/// What a message's signature covers (RFC 9420 §6.1), borrowing the content
/// and, for senders that are members or new members by commit, the
/// GroupContext. Build it with [`FramedContentTbs::new`], which applies the
/// select.
///
/// ```text
/// struct {
///     ProtocolVersion version = mls10;
///     WireFormat wire_format;
///     FramedContent content;
///     select (FramedContentTBS.content.sender.sender_type) {
///         case member:
///         case new_member_commit:
///             GroupContext context;
///         case external:
///         case new_member_proposal:
///             struct{};
///     };
/// } FramedContentTBS;
/// ```
#[derive(Debug, Clone, Copy, TlsSerialize, TlsSize)]
pub struct FramedContentTbs<'a> {
    version: ProtocolVersion,
    wire_format: WireFormat,
    content: &'a FramedContent,
    #[tls_codec(with = "present_or_empty")]
    context: Option<&'a GroupContext>,
}

impl<'a> FramedContentTbs<'a> {
    /// The FramedContentTBS of `content` sent as `wire_format`; `context` is
    /// included exactly when the sender type requires it.
    pub fn new(
        wire_format: WireFormat,
        content: &'a FramedContent,
        context: &'a GroupContext,
    ) -> Self {
        let context = match content.sender {
            Sender::Member(_) | Sender::NewMemberCommit => Some(context),
            Sender::External(_) | Sender::NewMemberProposal => None,
        };
        Self {
            version: ProtocolVersion::MLS10,
            wire_format,
            content,
            context,
        }
    }
}

/// What a PublicMessage's membership tag covers (RFC 9420 §6.2).
///
/// ```text
/// struct {
///   FramedContentTBS content_tbs;
///   FramedContentAuthData auth;
/// } AuthenticatedContentTBM;
/// ```
#[derive(Debug, Clone, Copy, TlsSerialize, TlsSize)]
pub struct AuthenticatedContentTbm<'a> {
    /// The signed content.
    pub content_tbs: FramedContentTbs<'a>,
    /// Its authentication data.
    pub auth: &'a FramedContentAuthData,
}

/// The input to the confirmed transcript hash (RFC 9420 §8.2), borrowed from
/// the AuthenticatedContent of a commit.
///
/// ```text
/// struct {
///     WireFormat wire_format;
///     FramedContent content; /* with content_type == commit */
///     opaque signature<V>;
/// } ConfirmedTranscriptHashInput;
/// ```
#[derive(Debug, Clone, Copy, TlsSerialize, TlsSize)]
pub struct ConfirmedTranscriptHashInput<'a> {
    /// The wire format the commit was sent in.
    pub wire_format: WireFormat,
    /// The commit's content.
    pub content: &'a FramedContent,
    /// The commit's signature.
    pub signature: &'a VLBytes,
}

impl<'a> From<&'a AuthenticatedContent> for ConfirmedTranscriptHashInput<'a> {
    fn from(ac: &'a AuthenticatedContent) -> Self {
        Self {
            wire_format: ac.wire_format,
            content: &ac.content,
            signature: &ac.auth.signature,
        }
    }
}

/// The input to the interim transcript hash (RFC 9420 §8.2).
///
/// ```text
/// struct {
///     MAC confirmation_tag;
/// } InterimTranscriptHashInput;
/// ```
#[derive(Debug, Clone, Copy, TlsSerialize, TlsSize)]
pub struct InterimTranscriptHashInput<'a> {
    /// The commit's confirmation tag.
    pub confirmation_tag: &'a VLBytes,
}
