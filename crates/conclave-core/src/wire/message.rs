//! MLSMessage (RFC 9420 §6): the envelope of everything MLS sends.
//!
//! A wire format other than the five of RFC 9420 is a decode error: the body's
//! length is not on the wire, so an unknown body cannot be skipped.

use crate::codec::{
    read_varint_length, DecodeError, TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize,
};

use super::{
    GroupInfo, KeyPackage, PrivateMessage, ProtocolVersion, PublicMessage, Welcome, WireFormat,
};

/// The wire format and the body it selects (RFC 9420 §6).
///
/// ```text
///     WireFormat wire_format;
///     select (MLSMessage.wire_format) {
///         case mls_public_message:
///             PublicMessage public_message;
///         case mls_private_message:
///             PrivateMessage private_message;
///         case mls_welcome:
///             Welcome welcome;
///         case mls_group_info:
///             GroupInfo group_info;
///         case mls_key_package:
///             KeyPackage key_package;
///     };
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
#[repr(u16)]
#[allow(clippy::large_enum_variant)] // plain wire data, matched by value
pub enum MlsMessageBody {
    /// `mls_public_message(1)`.
    #[tls_codec(discriminant = 1)]
    PublicMessage(PublicMessage),
    /// `mls_private_message(2)`.
    #[tls_codec(discriminant = 2)]
    PrivateMessage(PrivateMessage),
    /// `mls_welcome(3)`.
    #[tls_codec(discriminant = 3)]
    Welcome(Welcome),
    /// `mls_group_info(4)`.
    #[tls_codec(discriminant = 4)]
    GroupInfo(GroupInfo),
    /// `mls_key_package(5)`.
    #[tls_codec(discriminant = 5)]
    KeyPackage(KeyPackage),
}

impl MlsMessageBody {
    /// The wire format of this body.
    pub fn wire_format(&self) -> WireFormat {
        match self {
            Self::PublicMessage(_) => WireFormat::PUBLIC_MESSAGE,
            Self::PrivateMessage(_) => WireFormat::PRIVATE_MESSAGE,
            Self::Welcome(_) => WireFormat::WELCOME,
            Self::GroupInfo(_) => WireFormat::GROUP_INFO,
            Self::KeyPackage(_) => WireFormat::KEY_PACKAGE,
        }
    }
}

/// An MLS message (RFC 9420 §6).
///
/// ```text
/// struct {
///     ProtocolVersion version = mls10;
///     WireFormat wire_format;
///     select (MLSMessage.wire_format) {
///         case mls_public_message:
///             PublicMessage public_message;
///         case mls_private_message:
///             PrivateMessage private_message;
///         case mls_welcome:
///             Welcome welcome;
///         case mls_group_info:
///             GroupInfo group_info;
///         case mls_key_package:
///             KeyPackage key_package;
///     };
/// } MLSMessage;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct MlsMessage {
    /// The protocol version (`mls10`); checked where the message is processed.
    pub version: ProtocolVersion,
    /// The wire format and body.
    pub body: MlsMessageBody,
}

impl MlsMessage {
    /// An `mls10` message with `body`.
    pub fn new(body: MlsMessageBody) -> Self {
        Self {
            version: ProtocolVersion::MLS10,
            body,
        }
    }

    /// The wire format.
    pub fn wire_format(&self) -> WireFormat {
        self.body.wire_format()
    }

    /// The `group_id` of an encoded PublicMessage or PrivateMessage, read
    /// without decoding the rest (to route a message to its group): both
    /// bodies begin with it, after the MLSMessage's `version` and
    /// `wire_format` (RFC 9420 §6, §6.2, §6.3). `None` for the other wire
    /// formats. A truncated header or id is an error; the rest of the
    /// message may still fail to decode.
    pub fn peek_group_id(bytes: &[u8]) -> Result<Option<&[u8]>, DecodeError> {
        let truncated = || DecodeError::new("MLSMessage group_id", "truncated");
        let wire_format = match bytes.get(2..4) {
            Some(&[hi, lo]) => WireFormat(u16::from_be_bytes([hi, lo])),
            _ => return Err(truncated()),
        };
        if wire_format != WireFormat::PUBLIC_MESSAGE && wire_format != WireFormat::PRIVATE_MESSAGE {
            return Ok(None);
        }
        let rest = bytes.get(4..).ok_or_else(truncated)?;
        let (len, header) = read_varint_length(rest)?;
        let end = header.checked_add(len).ok_or_else(truncated)?;
        rest.get(header..end).map(Some).ok_or_else(truncated)
    }
}
