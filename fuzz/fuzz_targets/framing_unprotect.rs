//! The unprotect pipeline of RFC 9420 §6 (crates/conclave-core/src/framing)
//! with a fixed epoch (constant secrets and signature keys, see `Epoch`).
//!
//! The first input byte picks a mode:
//! - even: the rest is an MLSMessage, decoded canonically and unprotected;
//!   a PrivateMessage that unprotects once must be rejected the second time
//!   (its key is consumed, §9.2).
//! - odd: the rest starts with a FramedContent, which the target signs with
//!   the sender's fixed key and protects (bit 1 of the mode byte: 0 public,
//!   1 private; the other six bits choose the padding and how many
//!   generations the sender skips first), so that the fuzzer reaches the
//!   code behind the membership tag, the AEAD and the signature. The
//!   message is encoded, decoded and unprotected; for a member sender at a
//!   non-blank leaf this must succeed and give back exactly the signed
//!   content, and a PrivateMessage must not be accepted a second time.
#![no_main]

use conclave_core::codec::{encode, DeserializeBytes, VLBytes};
use conclave_core::framing::{
    protect_private, protect_public, sign_content, unprotect, PaddingPolicy,
};
use conclave_core::schedule::{RatchetKind, SecretTree, SecretTreeConfig};
use conclave_core::tree::LeafIndex;
use conclave_core::wire::{
    ContentType, FramedContent, MlsMessage, MlsMessageBody, Sender, WireFormat,
};
use conclave_fuzz::{decode_canonical, Epoch, LEAVES};
use libfuzzer_sys::fuzz_target;

fn secret_tree(epoch: &Epoch) -> SecretTree {
    SecretTree::new(
        epoch.encryption_secret.clone(),
        LEAVES,
        SecretTreeConfig::default(),
    )
    .expect("a four-leaf secret tree")
}

fn raw(epoch: &Epoch, bytes: &[u8]) {
    let Some(message) = decode_canonical::<MlsMessage>(bytes) else {
        return;
    };
    let keys = epoch.keys();
    let mut tree = secret_tree(epoch);
    let is_private = message.wire_format() == WireFormat::PRIVATE_MESSAGE;
    if unprotect(&keys, epoch, &mut tree, message.clone()).is_ok() && is_private {
        assert!(
            unprotect(&keys, epoch, &mut tree, message).is_err(),
            "a PrivateMessage was accepted twice"
        );
    }
}

fn structured(epoch: &Epoch, private: bool, choice: u8, bytes: &[u8]) {
    let Ok((mut content, _)) = FramedContent::tls_deserialize_bytes(bytes) else {
        return;
    };
    content.group_id = epoch.context.group_id.clone();
    content.epoch = epoch.context.epoch;
    let signer = match content.sender {
        Sender::Member(leaf) => &epoch.signers[(leaf % LEAVES) as usize],
        _ => &epoch.external,
    };
    let wire_format = if private {
        WireFormat::PRIVATE_MESSAGE
    } else {
        WireFormat::PUBLIC_MESSAGE
    };
    let is_commit = content.content_type() == ContentType::Commit;
    let keys = epoch.keys();
    let Ok(mut signed) = sign_content(signer, wire_format, content, &epoch.context) else {
        return;
    };
    if is_commit {
        signed.auth.confirmation_tag = Some(VLBytes::new(vec![0x77; 32]));
    }
    let body = if private {
        let mut sending = secret_tree(epoch);
        if let Sender::Member(leaf) = signed.content.sender {
            // Skip 0..=7 generations of the sender's ratchet.
            let kind = if signed.content.content_type() == ContentType::Application {
                RatchetKind::Application
            } else {
                RatchetKind::Handshake
            };
            for _ in 0..(choice & 7) {
                if sending
                    .next_sending_key(epoch.cs.as_ref(), LeafIndex(leaf), kind)
                    .is_err()
                {
                    return;
                }
            }
        }
        let padding = choice >> 3;
        let policy = match padding % 3 {
            0 => PaddingPolicy::None,
            1 => PaddingPolicy::ToMultipleOf(u16::from(padding) + 1),
            _ => PaddingPolicy::Exact(u16::from(padding)),
        };
        match protect_private(&keys, &mut sending, &signed, policy) {
            Ok(m) => MlsMessageBody::PrivateMessage(m),
            Err(_) => return,
        }
    } else {
        match protect_public(&keys, signed.clone()) {
            Ok(m) => MlsMessageBody::PublicMessage(m),
            Err(_) => return,
        }
    };
    let bytes = encode(&MlsMessage::new(body)).expect("a protected message encodes");
    let message = decode_canonical::<MlsMessage>(&bytes).expect("a protected message decodes");
    let mut receiving = secret_tree(epoch);
    let result = unprotect(&keys, epoch, &mut receiving, message.clone());
    let must_succeed = matches!(signed.content.sender, Sender::Member(l) if l > 0 && l < LEAVES);
    match result {
        Ok(received) => {
            assert_eq!(received, signed, "unprotect changed the content");
            if private {
                assert!(
                    unprotect(&keys, epoch, &mut receiving, message).is_err(),
                    "a PrivateMessage was accepted twice"
                );
            }
        }
        Err(e) => assert!(!must_succeed, "own message from a member rejected: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let epoch = Epoch::get();
    if mode & 1 == 0 {
        raw(epoch, rest);
    } else {
        structured(epoch, mode & 2 != 0, mode >> 2, rest);
    }
});
