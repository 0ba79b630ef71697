//! Encrypted messages (RFC 9420 §6.3): PrivateMessage, the SenderData it
//! carries encrypted, and the two AEAD additional-data structs.
//!
//! The plaintext `PrivateMessageContent` with its zero padding is built and
//! parsed by the framing module, with [`super::FramedContentAuthData::decode_bytes`].

use crate::codec::{
    TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize, VLByteSlice, VLBytes,
};

use super::ContentType;

/// A signed and encrypted message (RFC 9420 §6.3).
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     ContentType content_type;
///     opaque authenticated_data<V>;
///     opaque encrypted_sender_data<V>;
///     opaque ciphertext<V>;
/// } PrivateMessage;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct PrivateMessage {
    /// The group.
    pub group_id: VLBytes,
    /// The epoch the message was sent in.
    pub epoch: u64,
    /// The type of the encrypted content.
    pub content_type: ContentType,
    /// Application-chosen data authenticated with the message.
    pub authenticated_data: VLBytes,
    /// The encrypted [`SenderData`].
    pub encrypted_sender_data: VLBytes,
    /// The encrypted `PrivateMessageContent`.
    pub ciphertext: VLBytes,
}

/// Who sent a PrivateMessage and with which key generation (RFC 9420 §6.3.2).
///
/// ```text
/// struct {
///     uint32 leaf_index;
///     uint32 generation;
///     opaque reuse_guard[4];
/// } SenderData;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct SenderData {
    /// The sender's leaf index.
    pub leaf_index: u32,
    /// The generation of the sender's ratchet that encrypted the content.
    pub generation: u32,
    /// The random value XORed into the content nonce.
    pub reuse_guard: [u8; 4],
}

/// The additional data of the SenderData encryption (RFC 9420 §6.3.2): the
/// first three fields of the PrivateMessage, borrowed.
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     ContentType content_type;
/// } SenderDataAAD;
/// ```
#[derive(Debug, TlsSerialize, TlsSize)]
pub struct SenderDataAad<'a> {
    /// The group.
    pub group_id: VLByteSlice<'a>,
    /// The epoch.
    pub epoch: u64,
    /// The content type.
    pub content_type: ContentType,
}

/// The additional data of the content encryption (RFC 9420 §6.3.1), borrowed.
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     ContentType content_type;
///     opaque authenticated_data<V>;
/// } PrivateContentAAD;
/// ```
#[derive(Debug, TlsSerialize, TlsSize)]
pub struct PrivateContentAad<'a> {
    /// The group.
    pub group_id: VLByteSlice<'a>,
    /// The epoch.
    pub epoch: u64,
    /// The content type.
    pub content_type: ContentType,
    /// The authenticated data.
    pub authenticated_data: VLByteSlice<'a>,
}

impl<'a> SenderDataAad<'a> {
    /// The SenderDataAAD of `message`.
    pub fn of(message: &'a PrivateMessage) -> Self {
        Self {
            group_id: VLByteSlice(message.group_id.as_slice()),
            epoch: message.epoch,
            content_type: message.content_type,
        }
    }
}

impl<'a> PrivateContentAad<'a> {
    /// The PrivateContentAAD of `message`.
    pub fn of(message: &'a PrivateMessage) -> Self {
        Self {
            group_id: VLByteSlice(message.group_id.as_slice()),
            epoch: message.epoch,
            content_type: message.content_type,
            authenticated_data: VLByteSlice(message.authenticated_data.as_slice()),
        }
    }
}
