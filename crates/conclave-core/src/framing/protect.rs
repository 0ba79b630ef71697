//! Protecting content (RFC 9420 §6.1–§6.3): signing, the membership tag of
//! a PublicMessage, and PrivateMessage encryption.

use crate::codec::{encode, VLByteSlice, VLBytes};
use crate::crypto::{sign_with_label, CipherSuiteProvider, Secret, Signer};
use crate::error::Result;
use crate::schedule::{sender_data_key_nonce, RatchetKind, SecretTree};
use crate::tree::LeafIndex;
use crate::wire::{
    AuthenticatedContent, AuthenticatedContentTbm, ContentType, FramedContent,
    FramedContentAuthData, FramedContentTbs, GroupContext, PrivateContentAad, PrivateMessage,
    PublicMessage, Sender, SenderData, SenderDataAad, WireFormat,
};
use crate::Error;

use super::private_content::{encode_private_content, PaddingPolicy};
use super::EpochKeys;

/// The label of the content signature (§6.1).
pub(crate) const TBS_LABEL: &str = "FramedContentTBS";

/// Signs `content` for sending as `wire_format` (§6.1):
/// `SignWithLabel(., "FramedContentTBS", FramedContentTBS)`, where the TBS
/// carries `group_context` when the sender is a member or a new member by
/// commit. A commit's `confirmation_tag` is left `None`: it needs the
/// signature first (§8.2), so the caller sets it before protecting.
pub fn sign_content(
    signer: &dyn Signer,
    wire_format: WireFormat,
    content: FramedContent,
    group_context: &GroupContext,
) -> Result<AuthenticatedContent> {
    let tbs = encode(&FramedContentTbs::new(wire_format, &content, group_context))?;
    let signature = sign_with_label(signer, TBS_LABEL, &tbs)?;
    Ok(AuthenticatedContent {
        wire_format,
        content,
        auth: FramedContentAuthData {
            signature: VLBytes::new(signature),
            confirmation_tag: None,
        },
    })
}

/// `membership_tag = MAC(membership_key, AuthenticatedContentTBM)` (§6.2).
pub fn membership_tag(
    cs: &dyn CipherSuiteProvider,
    membership_key: &Secret,
    content: &FramedContent,
    auth: &FramedContentAuthData,
    group_context: &GroupContext,
) -> Result<Vec<u8>> {
    let tbm = encode(&AuthenticatedContentTbm {
        content_tbs: FramedContentTbs::new(WireFormat::PUBLIC_MESSAGE, content, group_context),
        auth,
    })?;
    Ok(cs.mac(membership_key.as_bytes(), &tbm)?)
}

/// Checks what both protections need of our own content: the auth data
/// has the shape of its content type, and it belongs to this epoch.
fn check_own_content(keys: &EpochKeys<'_>, content: &AuthenticatedContent) -> Result<()> {
    let is_commit = content.content.content_type() == ContentType::Commit;
    if is_commit != content.auth.confirmation_tag.is_some() {
        return Err(Error::Misuse(
            "a commit needs its confirmation tag set before protection, and only a commit has one"
                .into(),
        ));
    }
    let gc = keys.group_context;
    if content.content.group_id != gc.group_id || content.content.epoch != gc.epoch {
        return Err(Error::Misuse(
            "the content is not for this group's current epoch".into(),
        ));
    }
    Ok(())
}

/// Wraps signed content in a PublicMessage (§6.2), adding the membership
/// tag when the sender is a member. Application data cannot be sent this
/// way (§6: "Applications MUST use PrivateMessage to encrypt application
/// messages").
pub fn protect_public(
    keys: &EpochKeys<'_>,
    content: AuthenticatedContent,
) -> Result<PublicMessage> {
    if content.content.content_type() == ContentType::Application {
        return Err(Error::Misuse(
            "application data must be sent as a PrivateMessage (RFC 9420 §6)".into(),
        ));
    }
    if content.wire_format != WireFormat::PUBLIC_MESSAGE {
        return Err(Error::Misuse(
            "the content was signed for another wire format".into(),
        ));
    }
    check_own_content(keys, &content)?;
    let membership_tag = match content.content.sender {
        Sender::Member(_) => Some(VLBytes::new(membership_tag(
            keys.cs,
            keys.membership_key,
            &content.content,
            &content.auth,
            keys.group_context,
        )?)),
        Sender::External(_) | Sender::NewMemberProposal | Sender::NewMemberCommit => None,
    };
    Ok(PublicMessage {
        content: content.content,
        auth: content.auth,
        membership_tag,
    })
}

/// The ratchet of a content type (§6.3.1): application data uses the
/// application ratchet, proposals and commits the handshake ratchet.
pub(crate) fn ratchet_of(content_type: ContentType) -> RatchetKind {
    match content_type {
        ContentType::Application => RatchetKind::Application,
        ContentType::Proposal | ContentType::Commit => RatchetKind::Handshake,
    }
}

/// XORs the reuse guard into the first four bytes of the nonce (§6.3.1).
pub(crate) fn apply_reuse_guard(nonce: &Secret, guard: [u8; 4]) -> Secret {
    let mut bytes = nonce.as_bytes().to_vec();
    for (b, g) in bytes.iter_mut().zip(guard) {
        *b ^= g;
    }
    Secret::new(bytes)
}

/// Encrypts signed content into a PrivateMessage (§6.3): the content with
/// the next key of the sender's ratchet (consumed at once) and a fresh
/// reuse guard, padded per `padding`; then the sender data with a key and
/// nonce derived from a sample of that ciphertext.
pub fn protect_private(
    keys: &EpochKeys<'_>,
    tree: &mut SecretTree,
    content: &AuthenticatedContent,
    padding: PaddingPolicy,
) -> Result<PrivateMessage> {
    let cs = keys.cs;
    // §6.3.2: "the sender MUST verify Sender.sender_type is member".
    let Sender::Member(leaf) = content.content.sender else {
        return Err(Error::Misuse(
            "only members can send a PrivateMessage (RFC 9420 §6.3.2)".into(),
        ));
    };
    if content.wire_format != WireFormat::PRIVATE_MESSAGE {
        return Err(Error::Misuse(
            "the content was signed for another wire format".into(),
        ));
    }
    check_own_content(keys, content)?;
    let fc = &content.content;
    let content_type = fc.content_type();

    let key = tree.next_sending_key(cs, LeafIndex(leaf), ratchet_of(content_type))?;
    let mut reuse_guard = [0u8; 4];
    cs.random_bytes(&mut reuse_guard)?;
    let nonce = apply_reuse_guard(&key.nonce, reuse_guard);
    let plaintext =
        zeroize::Zeroizing::new(encode_private_content(&fc.content, &content.auth, padding)?);
    let aad = encode(&PrivateContentAad {
        group_id: VLByteSlice(fc.group_id.as_slice()),
        epoch: fc.epoch,
        content_type,
        authenticated_data: VLByteSlice(fc.authenticated_data.as_slice()),
    })?;
    let ciphertext = cs.aead_seal(key.key.as_bytes(), nonce.as_bytes(), &aad, &plaintext)?;

    let sender_data = encode(&SenderData {
        leaf_index: leaf,
        generation: key.generation,
        reuse_guard,
    })?;
    let (sd_key, sd_nonce) = sender_data_key_nonce(cs, keys.sender_data_secret, &ciphertext)?;
    let sd_aad = encode(&SenderDataAad {
        group_id: VLByteSlice(fc.group_id.as_slice()),
        epoch: fc.epoch,
        content_type,
    })?;
    let encrypted_sender_data = cs.aead_seal(
        sd_key.as_bytes(),
        sd_nonce.as_bytes(),
        &sd_aad,
        &sender_data,
    )?;
    Ok(PrivateMessage {
        group_id: fc.group_id.clone(),
        epoch: fc.epoch,
        content_type,
        authenticated_data: fc.authenticated_data.clone(),
        encrypted_sender_data: VLBytes::new(encrypted_sender_data),
        ciphertext: VLBytes::new(ciphertext),
    })
}
