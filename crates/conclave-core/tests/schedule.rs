//! Key schedule, PSKs, transcript hashes and the secret tree (RFC 9420 §8,
//! §9) beyond what the official vectors cover: deletion, windows, errors.

use std::sync::Arc;

use conclave_core::codec::VLBytes;
use conclave_core::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, Secret};
use conclave_core::schedule::{
    confirmation_tag, confirmed_input_of_authenticated_content, verify_confirmation_tag,
    InitSecret, JoinerSecret, NoPsks, PskSecret, RatchetKind, SecretTree, SecretTreeConfig,
    TranscriptHashes,
};
use conclave_core::tree::LeafIndex;
use conclave_core::wire::{PreSharedKeyId, Psk, ResumptionPskUsage};
use conclave_core::{Error, ProtocolError};

fn cs() -> Arc<dyn CipherSuiteProvider> {
    conclave_rustcrypto::RustCryptoProvider::new()
        .cipher_suite(CipherSuite::X25519_AES128GCM_SHA256_ED25519)
        .unwrap()
}

fn protocol_error<T: core::fmt::Debug>(r: Result<T, Error>) -> ProtocolError {
    match r {
        Err(Error::Protocol(e)) => e,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

// --- secret tree ---

#[test]
fn secret_tree_derives_lazily_and_deletes_parents() {
    let cs = cs();
    let mut tree =
        SecretTree::new(Secret::new(vec![7; 32]), 8, SecretTreeConfig::default()).unwrap();
    assert_eq!(tree.held_node_secrets(), 1, "only the root at first");
    tree.next_sending_key(cs.as_ref(), LeafIndex(5), RatchetKind::Application)
        .unwrap();
    // Root (7) -> 11 -> 9 -> leaf 10: the root, 11 and 9 are deleted, their
    // other children 3, 13 and leaf 8 are kept, and the leaf's own secret is
    // deleted once its ratchets exist.
    assert_eq!(tree.held_node_secrets(), 3);
    tree.next_sending_key(cs.as_ref(), LeafIndex(4), RatchetKind::Handshake)
        .unwrap();
    assert_eq!(tree.held_node_secrets(), 2, "leaf 4's secret is consumed");
    for leaf in 0..8 {
        tree.next_sending_key(cs.as_ref(), LeafIndex(leaf), RatchetKind::Handshake)
            .unwrap();
    }
    assert_eq!(tree.held_node_secrets(), 0, "every node secret consumed");
}

#[test]
fn secret_tree_same_keys_whatever_the_order_of_derivation() {
    let cs = cs();
    let config = SecretTreeConfig::default();
    let mut a = SecretTree::new(Secret::new(vec![7; 32]), 4, config).unwrap();
    let mut b = SecretTree::new(Secret::new(vec![7; 32]), 4, config).unwrap();
    let ka: Vec<_> = (0..4)
        .map(|l| {
            a.receiving_key(cs.as_ref(), LeafIndex(l), RatchetKind::Application, 3)
                .unwrap()
        })
        .collect();
    let kb: Vec<_> = (0..4)
        .rev()
        .map(|l| {
            b.receiving_key(cs.as_ref(), LeafIndex(l), RatchetKind::Application, 3)
                .unwrap()
        })
        .collect();
    for (x, y) in ka.iter().zip(kb.iter().rev()) {
        assert_eq!(x, y);
    }
    assert_ne!(ka[0].key, ka[1].key);
}

#[test]
fn sending_keys_advance_and_match_receiving_keys() {
    let cs = cs();
    let config = SecretTreeConfig::default();
    let mut s = SecretTree::new(Secret::new(vec![1; 32]), 2, config).unwrap();
    let mut r = SecretTree::new(Secret::new(vec![1; 32]), 2, config).unwrap();
    for g in 0..3 {
        let k = s
            .next_sending_key(cs.as_ref(), LeafIndex(1), RatchetKind::Handshake)
            .unwrap();
        assert_eq!(k.generation, g);
        let rk = r
            .receiving_key(cs.as_ref(), LeafIndex(1), RatchetKind::Handshake, g)
            .unwrap();
        assert_eq!(k, rk);
    }
}

#[test]
fn skipped_keys_are_bounded_and_the_oldest_dropped() {
    let cs = cs();
    let config = SecretTreeConfig {
        max_skipped_keys_kept: 3,
        max_generation_jump: 1000,
    };
    let mut t = SecretTree::new(Secret::new(vec![1; 32]), 2, config).unwrap();
    let (leaf, kind) = (LeafIndex(0), RatchetKind::Application);
    t.receiving_key(cs.as_ref(), leaf, kind, 10).unwrap();
    assert_eq!(t.skipped_keys_kept(leaf, kind), 3, "7, 8 and 9");
    t.receiving_key(cs.as_ref(), leaf, kind, 12).unwrap();
    assert_eq!(t.skipped_keys_kept(leaf, kind), 3, "8, 9 and 11; 7 evicted");
    assert_eq!(
        protocol_error(t.receiving_key(cs.as_ref(), leaf, kind, 7)),
        ProtocolError::GenerationOutOfWindow {
            generation: 7,
            next: 13
        }
    );
    t.receiving_key(cs.as_ref(), leaf, kind, 8).unwrap();
    t.receiving_key(cs.as_ref(), leaf, kind, 11).unwrap();
    assert_eq!(t.skipped_keys_kept(leaf, kind), 1);
    assert_eq!(
        protocol_error(t.receiving_key(cs.as_ref(), leaf, kind, 12)),
        ProtocolError::GenerationAlreadyUsed { generation: 12 }
    );
    assert_eq!(
        protocol_error(t.receiving_key(cs.as_ref(), leaf, kind, 11)),
        ProtocolError::GenerationAlreadyUsed { generation: 11 }
    );
}

#[test]
fn a_zero_window_keeps_nothing() {
    let cs = cs();
    let config = SecretTreeConfig {
        max_skipped_keys_kept: 0,
        max_generation_jump: 10,
    };
    let mut t = SecretTree::new(Secret::new(vec![1; 32]), 1, config).unwrap();
    let (leaf, kind) = (LeafIndex(0), RatchetKind::Handshake);
    t.receiving_key(cs.as_ref(), leaf, kind, 5).unwrap();
    assert_eq!(t.skipped_keys_kept(leaf, kind), 0);
    assert!(matches!(
        protocol_error(t.receiving_key(cs.as_ref(), leaf, kind, 4)),
        ProtocolError::GenerationOutOfWindow { .. }
    ));
}

#[test]
fn a_failed_use_consumes_nothing() {
    let cs = cs();
    let mut t = SecretTree::new(Secret::new(vec![1; 32]), 2, SecretTreeConfig::default()).unwrap();
    let (leaf, kind) = (LeafIndex(1), RatchetKind::Application);
    let r: Result<(), Error> = t.with_receiving_key(cs.as_ref(), leaf, kind, 4, |_| {
        Err(ProtocolError::ContentDecryptionFailed.into())
    });
    assert!(r.is_err());
    assert_eq!(
        t.skipped_keys_kept(leaf, kind),
        0,
        "the ratchet did not move"
    );
    t.receiving_key(cs.as_ref(), leaf, kind, 0).unwrap();
    t.receiving_key(cs.as_ref(), leaf, kind, 4).unwrap();
}

#[test]
fn leaves_outside_the_tree_are_refused() {
    let cs = cs();
    let mut t = SecretTree::new(Secret::new(vec![1; 32]), 4, SecretTreeConfig::default()).unwrap();
    for leaf in [4, u32::MAX] {
        assert_eq!(
            protocol_error(t.receiving_key(
                cs.as_ref(),
                LeafIndex(leaf),
                RatchetKind::Handshake,
                0
            )),
            ProtocolError::SenderLeafOutOfRange { leaf }
        );
    }
    assert!(matches!(
        SecretTree::new(Secret::new(vec![1; 32]), 0, SecretTreeConfig::default()),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn default_window_is_generous() {
    let d = SecretTreeConfig::default();
    assert!(d.max_skipped_keys_kept >= 1000);
    assert!(d.max_generation_jump >= 10_000);
}

// --- key schedule ---

#[test]
fn joiners_and_members_reach_the_same_epoch() {
    let cs = cs();
    let cs = cs.as_ref();
    let context = b"group context bytes";
    let commit_secret = Secret::new(vec![3; 32]);
    let psk = PskSecret::zero(cs);
    let init = InitSecret::new(Secret::new(vec![1; 32]));
    let joiner = init.joiner(cs, &commit_secret, context).unwrap();
    // A new member receives only the joiner secret.
    let received = JoinerSecret::new(joiner.as_secret().clone());
    let member = joiner.member(cs, &psk).unwrap();
    let welcome = member.welcome_secret(cs).unwrap();
    let ours = member.epoch(cs, context).unwrap().derive(cs).unwrap();
    let theirs_member = received.member(cs, &psk).unwrap();
    assert_eq!(theirs_member.welcome_secret(cs).unwrap(), welcome);
    let theirs = theirs_member
        .epoch(cs, context)
        .unwrap()
        .derive(cs)
        .unwrap();
    assert_eq!(ours, theirs);
    // Every derived secret is distinct.
    let all = [
        &ours.sender_data_secret,
        &ours.encryption_secret,
        &ours.exporter_secret,
        &ours.external_secret,
        &ours.confirmation_key,
        &ours.membership_key,
        &ours.resumption_psk,
        &ours.epoch_authenticator,
        ours.init_secret.as_secret(),
    ];
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            assert_ne!(a, b);
        }
    }
    // The exporter depends on label, context and length.
    let e1 = ours.export(cs, "label", b"ctx", 32).unwrap();
    assert_ne!(e1, ours.export(cs, "label2", b"ctx", 32).unwrap());
    assert_ne!(e1, ours.export(cs, "label", b"ctx2", 32).unwrap());
    assert_eq!(ours.export(cs, "label", b"ctx", 16).unwrap().len(), 16);
}

#[test]
fn random_init_secret_has_hash_length() {
    let cs = cs();
    let a = InitSecret::random(cs.as_ref()).unwrap();
    let b = InitSecret::random(cs.as_ref()).unwrap();
    assert_eq!(a.as_secret().len(), 32);
    assert_ne!(a, b);
}

// --- PSKs ---

fn external(id: &[u8], nonce_len: usize) -> PreSharedKeyId {
    PreSharedKeyId {
        psk: Psk::External {
            psk_id: VLBytes::new(id.to_vec()),
        },
        psk_nonce: VLBytes::new(vec![0xAA; nonce_len]),
    }
}

fn resumption(epoch: u64) -> PreSharedKeyId {
    PreSharedKeyId {
        psk: Psk::Resumption {
            usage: ResumptionPskUsage::Application,
            psk_group_id: VLBytes::new(b"group".to_vec()),
            psk_epoch: epoch,
        },
        psk_nonce: VLBytes::new(vec![0xBB; 32]),
    }
}

#[test]
fn no_psk_gives_the_zero_secret() {
    let cs = cs();
    let s = PskSecret::resolve(cs.as_ref(), &[], &NoPsks).unwrap();
    assert_eq!(s, PskSecret::zero(cs.as_ref()));
}

#[test]
fn psks_are_resolved_through_the_store() {
    let cs = cs();
    let ids = vec![external(b"ext", 32), resumption(4)];
    let store = |id: &PreSharedKeyId| match &id.psk {
        Psk::External { psk_id } if psk_id.as_slice() == b"ext" => Some(Secret::new(vec![1; 32])),
        Psk::Resumption { psk_epoch: 4, .. } => Some(Secret::new(vec![2; 32])),
        _ => None,
    };
    let resolved = PskSecret::resolve(cs.as_ref(), &ids, &store).unwrap();
    let (a, b) = (Secret::new(vec![1; 32]), Secret::new(vec![2; 32]));
    let direct = PskSecret::derive(cs.as_ref(), &[(&ids[0], &a), (&ids[1], &b)]).unwrap();
    assert_eq!(resolved, direct);
    // Order matters.
    let swapped = PskSecret::derive(cs.as_ref(), &[(&ids[1], &b), (&ids[0], &a)]).unwrap();
    assert_ne!(resolved, swapped);
    // So does the usage of a resumption PSK.
    let mut reinit = ids[1].clone();
    if let Psk::Resumption { usage, .. } = &mut reinit.psk {
        *usage = ResumptionPskUsage::Reinit;
    }
    let other = PskSecret::derive(cs.as_ref(), &[(&ids[0], &a), (&reinit, &b)]).unwrap();
    assert_ne!(resolved, other);
}

#[test]
fn unknown_psk_is_refused() {
    let cs = cs();
    let ids = vec![external(b"ext", 32)];
    assert_eq!(
        protocol_error(PskSecret::resolve(cs.as_ref(), &ids, &NoPsks)),
        ProtocolError::UnknownPsk { index: 0 }
    );
}

#[test]
fn psk_nonce_must_have_hash_length() {
    let cs = cs();
    let ids = vec![external(b"ext", 16)];
    let store = |_: &PreSharedKeyId| Some(Secret::new(vec![1; 32]));
    assert_eq!(
        protocol_error(PskSecret::resolve(cs.as_ref(), &ids, &store)),
        ProtocolError::PskNonceLength { index: 0, len: 16 }
    );
}

// --- transcript hashes ---

#[test]
fn confirmation_tag_is_checked_in_full() {
    let cs = cs();
    let key = Secret::new(vec![5; 32]);
    let hash = [6u8; 32];
    let tag = confirmation_tag(cs.as_ref(), &key, &hash).unwrap();
    verify_confirmation_tag(cs.as_ref(), &key, &hash, &tag).unwrap();
    let mut bad = tag.clone();
    bad[31] ^= 1;
    for wrong in [&bad[..], &tag[..31], &[][..]] {
        assert_eq!(
            protocol_error(verify_confirmation_tag(cs.as_ref(), &key, &hash, wrong)),
            ProtocolError::ConfirmationTagMismatch
        );
    }
}

#[test]
fn transcript_hashes_chain() {
    let cs = cs();
    let t0 = TranscriptHashes::initial();
    let t1 = TranscriptHashes::next(cs.as_ref(), &t0.interim, b"commit 1", &[1; 32]).unwrap();
    let t2 = TranscriptHashes::next(cs.as_ref(), &t1.interim, b"commit 2", &[2; 32]).unwrap();
    assert_eq!(t1.confirmed, cs.hash(b"commit 1"));
    let mut interim_input = t1.confirmed.clone();
    interim_input.push(32);
    interim_input.extend_from_slice(&[1; 32]);
    assert_eq!(t1.interim, cs.hash(&interim_input));
    assert_ne!(t1, t2);
}

#[test]
fn confirmed_input_is_cut_from_the_received_bytes() {
    // `...content bytes... || signature<V> || confirmation_tag<V>` with a
    // 64-byte tag, whose length header takes two bytes.
    let mut encoded = b"wire format, content, signature".to_vec();
    let prefix = encoded.len();
    encoded.extend_from_slice(&[0x40, 64]);
    encoded.extend_from_slice(&[9; 64]);
    let (input, tag) = confirmed_input_of_authenticated_content(&encoded, 64).unwrap();
    assert_eq!(input.len(), prefix);
    assert_eq!(tag, &[9; 64][..]);
    // A wrong tag length, or input too short, is malformed.
    assert!(matches!(
        confirmed_input_of_authenticated_content(&encoded, 32),
        Err(Error::Malformed(_))
    ));
    assert!(matches!(
        confirmed_input_of_authenticated_content(&encoded[..10], 64),
        Err(Error::Malformed(_))
    ));
}
