//! The unprotect pipeline (RFC 9420 §6): from a received PublicMessage or
//! PrivateMessage to an [`AuthenticatedContent`] whose every framing rule
//! has been checked. The order of the checks is drawn in the module
//! documentation of [`crate::framing`]; each failed check is its own
//! [`ProtocolError`] variant.
//!
//! [`unprotect_received`] also hands back the `AuthenticatedContent`'s
//! encoding as received ([`ReceivedContent`]): a PublicMessage's bytes less
//! the version in front and the membership tag behind, or a PrivateMessage's
//! header fields followed by its decrypted content and auth data (padding
//! dropped). The ProposalRef (§5.2) and the confirmed transcript hash (§8.2)
//! are computed over these bytes, never over a re-encoding.

use std::borrow::Cow;

use subtle::ConstantTimeEq;

use crate::codec::{decode_exact, encode, Serialize, Size, TlsSerialize, TlsSize, VLByteSlice};
use crate::crypto::{verify_with_label, verify_with_label_parts};
use crate::error::Result;
use crate::schedule::{sender_data_key_nonce, SecretTree};
use crate::tree::LeafIndex;
use crate::wire::{
    AuthenticatedContent, ContentType, FramedContent, FramedContentAuthData, FramedContentBody,
    FramedContentTbs, MlsMessage, MlsMessageBody, PrivateContentAad, PrivateMessage, Proposal,
    ProtocolVersion, PublicMessage, Sender, SenderData, SenderDataAad, WireFormat,
};
use crate::{Error, ProtocolError};

use super::private_content::decode_private_content_with_len;
use super::protect::{apply_reuse_guard, ratchet_of, TBS_LABEL};
use super::{EpochKeys, MemberKeys};

/// A framed message must carry the group's protocol version (§6).
fn check_version(keys: &EpochKeys<'_>, message: &MlsMessage) -> Result<()> {
    let group_version = keys.group_context.version;
    if message.version != group_version {
        return Err(ProtocolError::VersionMismatch {
            message: message.version.0,
            group: group_version.0,
        }
        .into());
    }
    Ok(())
}

/// Unprotects a framed MLSMessage (PublicMessage or PrivateMessage) whose
/// protocol version is the group's.
pub fn unprotect(
    keys: &EpochKeys<'_>,
    members: &dyn MemberKeys,
    tree: &mut SecretTree,
    message: MlsMessage,
) -> Result<AuthenticatedContent> {
    check_version(keys, &message)?;
    let wire_format = message.wire_format();
    match message.body {
        MlsMessageBody::PublicMessage(m) => unprotect_public(keys, members, m),
        MlsMessageBody::PrivateMessage(m) => unprotect_private(keys, members, tree, &m),
        MlsMessageBody::Welcome(_)
        | MlsMessageBody::GroupInfo(_)
        | MlsMessageBody::KeyPackage(_) => Err(Error::Misuse(format!(
            "wire format {} is not a framed message",
            wire_format.0
        ))),
    }
}

/// A framed message's content that passed every check of §6, with the
/// encoding of its `AuthenticatedContent` as received (borrowed from the
/// received bytes for a PublicMessage).
#[derive(Debug, Clone)]
pub struct ReceivedContent<'a> {
    /// The content, decoded.
    pub content: AuthenticatedContent,
    /// `wire_format || FramedContent || FramedContentAuthData`, as received.
    pub encoded: Cow<'a, [u8]>,
}

impl ReceivedContent<'_> {
    /// The `ConfirmedTranscriptHashInput` of a commit (§8.2): the received
    /// encoding without its trailing confirmation tag.
    pub fn transcript_input(&self) -> Result<&[u8]> {
        let tag = self
            .content
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or(ProtocolError::ConfirmationTagMismatch)?;
        Ok(crate::schedule::confirmed_input_of_authenticated_content(
            &self.encoded,
            tag.as_slice().len(),
        )?
        .0)
    }
}

/// [`unprotect`], keeping the received encoding of the content
/// ([`ReceivedContent`]). `bytes` is the MLSMessage as received, which
/// `message` was decoded from (`codec::decode_exact`). A PublicMessage's
/// membership tag and signature are checked over these bytes, which are
/// never copied: only the GroupContext, which the message does not carry,
/// is encoded (§6.1, §6.2).
pub fn unprotect_received<'a>(
    keys: &EpochKeys<'_>,
    members: &dyn MemberKeys,
    tree: &mut SecretTree,
    message: MlsMessage,
    bytes: &'a [u8],
) -> Result<ReceivedContent<'a>> {
    check_version(keys, &message)?;
    match message.body {
        MlsMessageBody::PublicMessage(m) => {
            let encoded = public_content_bytes(&m, bytes)?;
            let content = check_public(keys, members, m, encoded)?;
            Ok(ReceivedContent {
                content,
                encoded: Cow::Borrowed(encoded),
            })
        }
        MlsMessageBody::PrivateMessage(m) => {
            let (content, encoded) = private(keys, members, tree, &m, true)?;
            let encoded = encoded.ok_or(Error::Internal("no encoding of a private message"))?;
            Ok(ReceivedContent {
                content,
                encoded: Cow::Owned(encoded),
            })
        }
        MlsMessageBody::Welcome(_)
        | MlsMessageBody::GroupInfo(_)
        | MlsMessageBody::KeyPackage(_) => Err(Error::Misuse(format!(
            "wire format {} is not a framed message",
            message.wire_format().0
        ))),
    }
}

/// The received `AuthenticatedContent` of a PublicMessage within the
/// MLSMessage `bytes` it was decoded from: MLSMessage = version (2 bytes)
/// || wire_format || PublicMessage, and PublicMessage = content || auth ||
/// [membership_tag<V>].
fn public_content_bytes<'a>(message: &PublicMessage, bytes: &'a [u8]) -> Result<&'a [u8]> {
    let tail = match &message.membership_tag {
        Some(tag) => varint_len(tag.as_slice().len()) + tag.as_slice().len(),
        None => 0,
    };
    bytes
        .get(2..bytes.len().saturating_sub(tail))
        .filter(|ac| ac.starts_with(&WireFormat::PUBLIC_MESSAGE.0.to_be_bytes()))
        .ok_or_else(|| Error::Misuse("the bytes given are not the message's encoding".into()))
}

/// The length of the QUIC-style varint header of an `opaque x<V>` of `len`
/// bytes (RFC 9420 §2.1.2).
fn varint_len(len: usize) -> usize {
    match len {
        0..=63 => 1,
        64..=16383 => 2,
        _ => 4,
    }
}

/// §12.4.2 (and the choice of keys in §6): the message must belong to the
/// group and epoch whose keys are used.
fn check_group_and_epoch(keys: &EpochKeys<'_>, group_id: &[u8], epoch: u64) -> Result<()> {
    let gc = keys.group_context;
    if group_id != gc.group_id.as_slice() {
        return Err(ProtocolError::GroupIdMismatch.into());
    }
    if epoch != gc.epoch {
        return Err(ProtocolError::EpochMismatch {
            message: epoch,
            current: gc.epoch,
        }
        .into());
    }
    Ok(())
}

/// §6.3.2: the sender's leaf must be in the tree and not blank.
fn member_key(members: &dyn MemberKeys, leaf: u32) -> Result<&[u8]> {
    if leaf >= members.leaf_count() {
        return Err(ProtocolError::SenderLeafOutOfRange { leaf }.into());
    }
    members
        .signature_key(LeafIndex(leaf))
        .ok_or_else(|| ProtocolError::SenderLeafBlank { leaf }.into())
}

/// §6.1: the sender types other than `member` may only send some content.
fn check_sender_for_content(content: &FramedContent) -> Result<()> {
    let ct = content.content_type();
    let allowed = match content.sender {
        Sender::Member(_) => true,
        Sender::External(_) | Sender::NewMemberProposal => ct == ContentType::Proposal,
        Sender::NewMemberCommit => ct == ContentType::Commit,
    };
    if !allowed {
        return Err(ProtocolError::SenderNotAllowedForContentType {
            sender_type: content.sender.sender_type(),
            content_type: ct,
        }
        .into());
    }
    if content.sender == Sender::NewMemberProposal
        && !matches!(
            content.content,
            FramedContentBody::Proposal(Proposal::Add(_))
        )
    {
        return Err(ProtocolError::NewMemberProposalNotAdd.into());
    }
    Ok(())
}

/// The key that must have signed `content` (§6.1).
fn signer_key<'a>(members: &'a dyn MemberKeys, content: &'a FramedContent) -> Result<&'a [u8]> {
    match (&content.sender, &content.content) {
        (Sender::Member(leaf), _) => member_key(members, *leaf),
        (Sender::External(index), _) => members
            .external_sender_key(*index)
            .ok_or_else(|| ProtocolError::UnknownExternalSender { index: *index }.into()),
        (Sender::NewMemberCommit, FramedContentBody::Commit(commit)) => commit
            .path
            .as_ref()
            .map(|p| p.leaf_node.signature_key.as_slice())
            .ok_or_else(|| ProtocolError::NewMemberCommitWithoutPath.into()),
        (Sender::NewMemberProposal, FramedContentBody::Proposal(Proposal::Add(add))) => {
            Ok(add.key_package.leaf_node.signature_key.as_slice())
        }
        (Sender::NewMemberCommit | Sender::NewMemberProposal, _) => {
            Err(ProtocolError::SenderNotAllowedForContentType {
                sender_type: content.sender.sender_type(),
                content_type: content.content_type(),
            }
            .into())
        }
    }
}

/// Verifies `SignWithLabel(., "FramedContentTBS", FramedContentTBS)` (§6.1)
/// of a PrivateMessage's content.
fn verify_signature(
    keys: &EpochKeys<'_>,
    public_key: &[u8],
    wire_format: WireFormat,
    content: &FramedContent,
    auth: &FramedContentAuthData,
) -> Result<()> {
    let tbs = encode(&FramedContentTbs::new(
        wire_format,
        content,
        keys.group_context,
    ))?;
    verify_with_label(
        keys.cs,
        public_key,
        TBS_LABEL,
        &tbs,
        auth.signature.as_slice(),
    )
    .map_err(|_| ProtocolError::InvalidContentSignature.into())
}

/// Checks a PublicMessage (§6.2) and returns its content: group and epoch,
/// not application data, the sender type allowed for the content, the
/// membership tag of a member (in constant time), then the signature. The
/// tag and signature are computed over the message's encoding; use
/// [`unprotect_received`] to check them over the bytes as received.
pub fn unprotect_public(
    keys: &EpochKeys<'_>,
    members: &dyn MemberKeys,
    message: PublicMessage,
) -> Result<AuthenticatedContent> {
    let encoded = encode(&AuthenticatedContentRef {
        wire_format: WireFormat::PUBLIC_MESSAGE,
        content: &message.content,
        auth: &message.auth,
    })?;
    check_public(keys, members, message, &encoded)
}

/// `AuthenticatedContent`, borrowed, to encode a PublicMessage's content
/// that did not come with its received bytes.
#[derive(TlsSerialize, TlsSize)]
struct AuthenticatedContentRef<'a> {
    wire_format: WireFormat,
    content: &'a FramedContent,
    auth: &'a FramedContentAuthData,
}

/// What the signature of a PublicMessage covers, once every other check
/// passed: `SignWithLabel(., "FramedContentTBS", version || framed ||
/// context)`, `framed` being `wire_format || FramedContent` as received.
struct PublicSignature {
    key: Vec<u8>,
    context: Vec<u8>,
    /// The length of `framed` at the start of the encoded content.
    framed_len: usize,
}

impl PublicSignature {
    fn verify(&self, keys: &EpochKeys<'_>, encoded: &[u8], signature: &[u8]) -> Result<()> {
        let framed = encoded
            .get(..self.framed_len)
            .ok_or(Error::Internal("the signed content moved"))?;
        let version = ProtocolVersion::MLS10.0.to_be_bytes();
        verify_with_label_parts(
            keys.cs,
            &self.key,
            TBS_LABEL,
            &[&version, framed, &self.context],
            signature,
        )
        .map_err(|_| ProtocolError::InvalidContentSignature.into())
    }
}

/// [`unprotect_public`] with `encoded`, the encoding of the message's
/// `AuthenticatedContent` (`wire_format || FramedContent ||
/// FramedContentAuthData`), which the membership tag and the signature
/// cover (with the GroupContext in between, encoded here):
///
/// ```text
/// FramedContentTBS        = version || wire_format || FramedContent || [GroupContext]
/// AuthenticatedContentTBM = FramedContentTBS || FramedContentAuthData
/// ```
fn check_public(
    keys: &EpochKeys<'_>,
    members: &dyn MemberKeys,
    message: PublicMessage,
    encoded: &[u8],
) -> Result<AuthenticatedContent> {
    let signature = check_public_unsigned(keys, members, &message, encoded)?;
    signature.verify(keys, encoded, message.auth.signature.as_slice())?;
    Ok(AuthenticatedContent {
        wire_format: WireFormat::PUBLIC_MESSAGE,
        content: message.content,
        auth: message.auth,
    })
}

/// Every check of [`check_public`] but the signature, in the same order;
/// returns what the signature covers.
fn check_public_unsigned(
    keys: &EpochKeys<'_>,
    members: &dyn MemberKeys,
    message: &PublicMessage,
    encoded: &[u8],
) -> Result<PublicSignature> {
    let content = &message.content;
    check_group_and_epoch(keys, content.group_id.as_slice(), content.epoch)?;
    if content.content_type() == ContentType::Application {
        return Err(ProtocolError::ApplicationAsPublicMessage.into());
    }
    check_sender_for_content(content)?;
    let (framed, auth) = encoded
        .len()
        .checked_sub(message.auth.tls_serialized_len())
        .and_then(|at| encoded.split_at_checked(at))
        .ok_or(Error::Internal(
            "a PublicMessage shorter than its auth data",
        ))?;
    let version = ProtocolVersion::MLS10.0.to_be_bytes();
    let context = match content.sender {
        Sender::Member(_) | Sender::NewMemberCommit => encode(keys.group_context)?,
        Sender::External(_) | Sender::NewMemberProposal => Vec::new(),
    };
    if let Sender::Member(_) = content.sender {
        let expected = keys.cs.mac_parts(
            keys.membership_key.as_bytes(),
            &[&version, framed, &context, auth],
        )?;
        let received = message.membership_tag.as_ref().map(|t| t.as_slice());
        if !received.is_some_and(|t| bool::from(expected.as_slice().ct_eq(t))) {
            return Err(ProtocolError::MembershipTagMismatch.into());
        }
    }
    Ok(PublicSignature {
        key: signer_key(members, content)?.to_vec(),
        context,
        framed_len: framed.len(),
    })
}

/// From this size of a received PublicMessage on (the whole encoded
/// MLSMessage), [`unprotect_received_then`] verifies the signature on a
/// second thread (hashing the content for Ed25519 is then the longest step
/// of processing a big commit).
const PARALLEL_SIGNATURE_BYTES: usize = 64 * 1024;

/// [`unprotect_received`], then `then` on the content, whose result is
/// returned with it. For a big PublicMessage (a commit with a path in a
/// sparse tree: one ciphertext per member) the signature is verified on a
/// second thread while `then` runs on this one; `then` must therefore not
/// change anything (staging a commit, checking a proposal), and its result
/// is dropped unless the signature verifies: every error of §6 comes first,
/// in the same order as [`unprotect_received`], then `then`'s.
pub fn unprotect_received_then<'a, T>(
    keys: &EpochKeys<'_>,
    members: &dyn MemberKeys,
    tree: &mut SecretTree,
    message: MlsMessage,
    bytes: &'a [u8],
    then: impl FnOnce(&ReceivedContent<'a>) -> Result<T>,
) -> Result<(ReceivedContent<'a>, T)> {
    check_version(keys, &message)?;
    let public = match message.body {
        MlsMessageBody::PublicMessage(m) if bytes.len() >= PARALLEL_SIGNATURE_BYTES => m,
        body => {
            let message = MlsMessage { body, ..message };
            let received = unprotect_received(keys, members, tree, message, bytes)?;
            let out = then(&received)?;
            return Ok((received, out));
        }
    };
    let encoded = public_content_bytes(&public, bytes)?;
    let signature = check_public_unsigned(keys, members, &public, encoded)?;
    let signature_bytes = public.auth.signature.clone();
    let received = ReceivedContent {
        content: AuthenticatedContent {
            wire_format: WireFormat::PUBLIC_MESSAGE,
            content: public.content,
            auth: public.auth,
        },
        encoded: Cow::Borrowed(encoded),
    };
    let (verified, out) = std::thread::scope(|scope| {
        let handle = scope.spawn(|| signature.verify(keys, encoded, signature_bytes.as_slice()));
        let out = then(&received);
        let verified = handle
            .join()
            .unwrap_or(Err(Error::Internal("the signature thread panicked")));
        (verified, out)
    });
    verified?;
    Ok((received, out?))
}

/// Decrypts and checks a PrivateMessage (§6.3): group and epoch, the sender
/// data, the sender's leaf, the generation against the ratchet's window,
/// the content, its padding, then the signature. The key is consumed
/// (deleted) only if the content decrypts and decodes.
pub fn unprotect_private(
    keys: &EpochKeys<'_>,
    members: &dyn MemberKeys,
    tree: &mut SecretTree,
    message: &PrivateMessage,
) -> Result<AuthenticatedContent> {
    Ok(private(keys, members, tree, message, false)?.0)
}

/// [`unprotect_private`], with the received encoding of the
/// AuthenticatedContent when `keep_encoding`: the header fields of the
/// FramedContent (from the PrivateMessage) followed by the decrypted
/// content and auth data, without the padding.
fn private(
    keys: &EpochKeys<'_>,
    members: &dyn MemberKeys,
    tree: &mut SecretTree,
    message: &PrivateMessage,
    keep_encoding: bool,
) -> Result<(AuthenticatedContent, Option<Vec<u8>>)> {
    let cs = keys.cs;
    check_group_and_epoch(keys, message.group_id.as_slice(), message.epoch)?;
    let content_type = message.content_type;

    let (sd_key, sd_nonce) =
        sender_data_key_nonce(cs, keys.sender_data_secret, message.ciphertext.as_slice())?;
    let sd_aad = encode(&SenderDataAad {
        group_id: VLByteSlice(message.group_id.as_slice()),
        epoch: message.epoch,
        content_type,
    })?;
    let sender_data = cs
        .aead_open(
            sd_key.as_bytes(),
            sd_nonce.as_bytes(),
            &sd_aad,
            message.encrypted_sender_data.as_slice(),
        )
        .map_err(|_| ProtocolError::SenderDataDecryptionFailed)?;
    let sender_data: SenderData = decode_exact(&sender_data)?;
    let leaf = sender_data.leaf_index;
    let public_key = member_key(members, leaf)?;

    let aad = encode(&PrivateContentAad {
        group_id: VLByteSlice(message.group_id.as_slice()),
        epoch: message.epoch,
        content_type,
        authenticated_data: VLByteSlice(message.authenticated_data.as_slice()),
    })?;
    // The signature is checked inside `use_key`, so that the generation is
    // consumed only by a message that decrypts *and* verifies (§9.2): a
    // forged or corrupted message leaves the sender's ratchet untouched.
    let content = tree.with_receiving_key(
        cs,
        LeafIndex(leaf),
        ratchet_of(content_type),
        sender_data.generation,
        |key| {
            let nonce = apply_reuse_guard(&key.nonce, sender_data.reuse_guard);
            let plaintext = cs
                .aead_open(
                    key.key.as_bytes(),
                    nonce.as_bytes(),
                    &aad,
                    message.ciphertext.as_slice(),
                )
                .map_err(|_| ProtocolError::ContentDecryptionFailed)?;
            let plaintext = zeroize::Zeroizing::new(plaintext);
            let (body, auth, used) = decode_private_content_with_len(content_type, &plaintext)?;
            let content = FramedContent {
                group_id: message.group_id.clone(),
                epoch: message.epoch,
                sender: Sender::Member(leaf),
                authenticated_data: message.authenticated_data.clone(),
                content: body,
            };
            verify_signature(
                keys,
                public_key,
                WireFormat::PRIVATE_MESSAGE,
                &content,
                &auth,
            )?;
            let encoded = if keep_encoding {
                let mut out = Vec::with_capacity(used.saturating_add(64));
                serialize_header(&content, &mut out)?;
                out.extend_from_slice(plaintext.get(..used).unwrap_or_default());
                Some(out)
            } else {
                None
            };
            Ok((content, auth, encoded))
        },
    )?;
    let (content, auth, encoded) = content;
    Ok((
        AuthenticatedContent {
            wire_format: WireFormat::PRIVATE_MESSAGE,
            content,
            auth,
        },
        encoded,
    ))
}

/// Writes `wire_format || group_id || epoch || sender || authenticated_data
/// || content_type` of a PrivateMessage's content: the AuthenticatedContent's
/// bytes before the content proper.
fn serialize_header(content: &FramedContent, out: &mut Vec<u8>) -> Result<()> {
    let failed = |_| Error::Internal("a FramedContent header could not be encoded");
    WireFormat::PRIVATE_MESSAGE
        .tls_serialize(out)
        .map_err(failed)?;
    content.group_id.tls_serialize(out).map_err(failed)?;
    content.epoch.tls_serialize(out).map_err(failed)?;
    content.sender.tls_serialize(out).map_err(failed)?;
    content
        .authenticated_data
        .tls_serialize(out)
        .map_err(failed)?;
    content.content_type().tls_serialize(out).map_err(failed)?;
    Ok(())
}
