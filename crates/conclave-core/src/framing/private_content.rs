//! The plaintext of a PrivateMessage (RFC 9420 §6.3.1):
//!
//! ```text
//! struct {
//!     select (PrivateMessage.content_type) {
//!         case application:
//!           opaque application_data<V>;
//!         case proposal:
//!           Proposal proposal;
//!         case commit:
//!           Commit commit;
//!     };
//!     FramedContentAuthData auth;
//!     opaque padding[length_of_padding];
//! } PrivateMessageContent;
//! ```
//!
//! The select depends on the enclosing PrivateMessage's `content_type`, and
//! the padding is "whatever is left", so this struct is written and read
//! here from its derived parts rather than derived whole. The padding MUST
//! be all zero, and a receiver MUST check it.

use crate::codec::{DecodeError, DeserializeBytes, Serialize, VLBytes};
use crate::error::Result;
use crate::wire::{Commit, ContentType, FramedContentAuthData, FramedContentBody, Proposal};
use crate::{Error, ProtocolError};

/// How many zero bytes to append to a PrivateMessageContent (§6.3.1 leaves
/// the amount to the application; it hides the length of the content).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaddingPolicy {
    /// No padding.
    #[default]
    None,
    /// Pad the plaintext up to a multiple of this many bytes (0 or 1: none).
    ToMultipleOf(u16),
    /// Exactly this many zero bytes.
    Exact(u16),
}

impl PaddingPolicy {
    /// The padding length for a plaintext of `len` bytes before padding.
    pub fn padding_for(self, len: usize) -> usize {
        match self {
            Self::None => 0,
            Self::ToMultipleOf(m) if m > 1 => {
                let m = usize::from(m);
                (m - len % m) % m
            }
            Self::ToMultipleOf(_) => 0,
            Self::Exact(n) => usize::from(n),
        }
    }
}

fn encoding_failed<E>(_: E) -> Error {
    Error::Internal("PrivateMessageContent could not be encoded")
}

/// Encodes the PrivateMessageContent of `body` and `auth`, padded per `padding`.
pub fn encode_private_content(
    body: &FramedContentBody,
    auth: &FramedContentAuthData,
    padding: PaddingPolicy,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    match body {
        FramedContentBody::Application(data) => data.tls_serialize(&mut out),
        FramedContentBody::Proposal(p) => p.tls_serialize(&mut out),
        FramedContentBody::Commit(c) => c.tls_serialize(&mut out),
    }
    .map_err(encoding_failed)?;
    auth.tls_serialize(&mut out).map_err(encoding_failed)?;
    let pad = padding.padding_for(out.len());
    out.resize(out.len() + pad, 0);
    Ok(out)
}

/// Decodes a PrivateMessageContent of type `content_type`, checking that the
/// padding is all zero ([`ProtocolError::NonZeroPadding`]).
pub fn decode_private_content(
    content_type: ContentType,
    plaintext: &[u8],
) -> Result<(FramedContentBody, FramedContentAuthData)> {
    decode_private_content_with_len(content_type, plaintext).map(|(body, auth, _)| (body, auth))
}

/// [`decode_private_content`], also returning the length of the content and
/// auth data as received (the plaintext without its padding), so that the
/// received bytes can be hashed rather than re-encoded (§5.2, §8.2).
pub(crate) fn decode_private_content_with_len(
    content_type: ContentType,
    plaintext: &[u8],
) -> Result<(FramedContentBody, FramedContentAuthData, usize)> {
    let malformed = |e: tls_codec::Error| DecodeError::new("PrivateMessageContent", e);
    let (body, rest) = match content_type {
        ContentType::Application => VLBytes::tls_deserialize_bytes(plaintext)
            .map(|(d, rest)| (FramedContentBody::Application(d), rest)),
        ContentType::Proposal => Proposal::tls_deserialize_bytes(plaintext)
            .map(|(p, rest)| (FramedContentBody::Proposal(p), rest)),
        ContentType::Commit => Commit::tls_deserialize_bytes(plaintext)
            .map(|(c, rest)| (FramedContentBody::Commit(c), rest)),
    }
    .map_err(malformed)?;
    let (auth, padding) =
        FramedContentAuthData::decode_bytes(content_type, rest).map_err(malformed)?;
    if padding.iter().any(|&b| b != 0) {
        return Err(ProtocolError::NonZeroPadding.into());
    }
    Ok((body, auth, plaintext.len().saturating_sub(padding.len())))
}
