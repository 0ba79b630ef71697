//! Proposals from outside the group (RFC 9420 §12.1.8) over the seven
//! suites: every proposal type an external sender may send, from one and
//! from two external senders, and `new_member_proposal` self-adds; members
//! cache them and commit them by reference. Negative tests: an unknown
//! external sender index, an Update from an external sender.

mod group_common;

use std::sync::Arc;

use conclave_core::crypto::{CipherSuite, CipherSuiteProvider, SignatureKeyPair, Signer};
use conclave_core::group::{external_proposal, group_info_of, CommitOptions, Group, Received};
use conclave_core::tree::TreeView;
use conclave_core::wire::{
    Credential, Extension, ExternalSender, GroupContext, GroupContextExtensions, PreSharedKey,
    PreSharedKeyId, Proposal, ProtocolVersion, Psk, ReInit, Remove, Sender,
};
use conclave_core::{Error, ProtocolError};
use group_common::{add_of, suites, World, EXTERNAL_PSK_ID};

struct Ds {
    signer: Arc<SignatureKeyPair>,
    index: u32,
}

fn senders_extension(senders: &[&Ds], names: &[&str]) -> Extension {
    let list: Vec<ExternalSender> = senders
        .iter()
        .zip(names)
        .map(|(d, n)| ExternalSender {
            signature_key: d.signer.public_key().to_vec().into(),
            credential: Credential::basic(*n),
        })
        .collect();
    Extension::from_payload(&list).unwrap()
}

/// A world of 3 members whose GroupContext lists two external senders.
fn setup(cs: CipherSuite) -> (World, Ds, Ds) {
    let mut w = World::new(cs);
    let joiners = w.fresh(2);
    let proposals = joiners.iter().map(add_of).collect();
    w.commit(
        0,
        CommitOptions {
            proposals,
            ..CommitOptions::default()
        },
        joiners,
    );
    let ds1 = Ds {
        signer: Arc::new(SignatureKeyPair::generate(w.cs.clone()).unwrap()),
        index: 0,
    };
    let ds2 = Ds {
        signer: Arc::new(SignatureKeyPair::generate(w.cs.clone()).unwrap()),
        index: 1,
    };
    let ext = senders_extension(&[&ds1, &ds2], &["ds-one", "ds-two"]);
    w.commit(
        1,
        CommitOptions {
            proposals: vec![Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions: vec![ext],
            })],
            ..CommitOptions::default()
        },
        Vec::new(),
    );
    (w, ds1, ds2)
}

/// The GroupContext an outside party learns from a member's GroupInfo.
fn context_of(w: &World, from: usize) -> GroupContext {
    let info = w.members[from].group.group_info(false).unwrap();
    group_info_of(&info).unwrap().group_context.clone()
}

/// Everyone caches the proposal as coming from `expected`.
fn deliver_proposal(w: &mut World, message: &conclave_core::wire::MlsMessage, expected: Sender) {
    for c in &mut w.members {
        match c.group.process(message).unwrap() {
            Received::Proposal { sender, .. } => assert_eq!(sender, expected),
            other => panic!("expected a proposal, got {other:?}"),
        }
    }
}

fn send(w: &mut World, ds: &Ds, proposal: Proposal) {
    let cs: Arc<dyn CipherSuiteProvider> = w.cs.clone();
    let m = external_proposal(
        cs.as_ref(),
        ds.signer.as_ref(),
        ds.index,
        &context_of(w, 0),
        proposal,
    )
    .unwrap();
    deliver_proposal(w, &m, Sender::External(ds.index));
}

fn scenario(cs: CipherSuite) {
    let (mut w, ds1, ds2) = setup(cs);
    let nh = w.cs.hash_len();

    // Add from one external sender, committed by reference by member 2.
    let joiner = w.fresh(1).pop().unwrap();
    send(&mut w, &ds1, add_of(&joiner));
    w.commit(2, CommitOptions::default(), vec![joiner]);
    w.message(3);

    // Adds from both external senders in one commit.
    let mut two = w.fresh(2);
    let b = two.pop().unwrap();
    let a = two.pop().unwrap();
    send(&mut w, &ds1, add_of(&a));
    send(&mut w, &ds2, add_of(&b));
    w.commit(0, CommitOptions::default(), vec![a, b]);
    w.message(4);

    // Remove by the second external sender.
    let victim = w.members[w.position("m1")].group.own_leaf();
    send(&mut w, &ds2, Proposal::Remove(Remove { removed: victim.0 }));
    w.commit(0, CommitOptions::default(), Vec::new());
    assert!(w.members.iter().all(|c| c.name != "m1"));
    w.message(0);

    // PSK from one sender, Remove from the other, in one commit.
    let victim = w.members[w.position("m2")].group.own_leaf();
    send(
        &mut w,
        &ds1,
        Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId {
                psk: Psk::External {
                    psk_id: EXTERNAL_PSK_ID.to_vec().into(),
                },
                psk_nonce: vec![3u8; nh].into(),
            },
        }),
    );
    send(&mut w, &ds2, Proposal::Remove(Remove { removed: victim.0 }));
    let committer = w.position("m0");
    w.commit(committer, CommitOptions::default(), Vec::new());
    w.message(0);

    // GroupContextExtensions from an external sender (drops ds2).
    let ext = senders_extension(&[&ds1], &["ds-one"]);
    send(
        &mut w,
        &ds2,
        Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: vec![ext],
        }),
    );
    w.commit(1, CommitOptions::default(), Vec::new());
    w.message(1);

    // ds2 is no longer an external sender: refused with its own error.
    let stale = external_proposal(
        w.cs.as_ref(),
        ds2.signer.as_ref(),
        1,
        &context_of(&w, 0),
        Proposal::Remove(Remove { removed: 0 }),
    )
    .unwrap();
    let err = w.members[0].group.process(&stale).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::UnknownExternalSender { index: 1 })
        ),
        "{err:?}"
    );

    // ReInit from an external sender is accepted and cached.
    send(
        &mut w,
        &ds1,
        Proposal::ReInit(ReInit {
            group_id: b"next".to_vec().into(),
            version: ProtocolVersion::MLS10,
            cipher_suite: cs,
            extensions: Vec::new(),
        }),
    );
    for c in &w.members {
        assert_eq!(c.group.pending_proposals().count(), 1);
    }

    // A new member adds itself (new_member_proposal) in a fresh world.
    let (mut w, _, _) = setup(cs);
    let me = w.fresh(1).pop().unwrap();
    let info = w.members[1].group.group_info(false).unwrap();
    let m = Group::new_member_add_proposal(w.cs.as_ref(), &info, &me.bundle, me.signer.as_ref())
        .unwrap();
    deliver_proposal(&mut w, &m, Sender::NewMemberProposal);
    w.commit(2, CommitOptions::default(), vec![me]);
    w.message(3);
}

#[test]
fn external_proposals_x25519_aes128gcm_sha256_ed25519() {
    scenario(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
}

#[test]
fn external_proposals_p256_aes128gcm_sha256_p256() {
    scenario(CipherSuite::P256_AES128GCM_SHA256_P256);
}

#[test]
fn external_proposals_x25519_chacha20poly1305_sha256_ed25519() {
    scenario(CipherSuite::X25519_CHACHA20POLY1305_SHA256_ED25519);
}

#[test]
fn external_proposals_x448_aes256gcm_sha512_ed448() {
    scenario(CipherSuite::X448_AES256GCM_SHA512_ED448);
}

#[test]
fn external_proposals_p521_aes256gcm_sha512_p521() {
    scenario(CipherSuite::P521_AES256GCM_SHA512_P521);
}

#[test]
fn external_proposals_x448_chacha20poly1305_sha512_ed448() {
    scenario(CipherSuite::X448_CHACHA20POLY1305_SHA512_ED448);
}

#[test]
fn external_proposals_p384_aes256gcm_sha384_p384() {
    scenario(CipherSuite::P384_AES256GCM_SHA384_P384);
}

#[test]
fn all_suites_are_covered() {
    assert_eq!(suites().len(), 7);
}

#[test]
fn proposal_from_an_unknown_external_sender_is_refused() {
    let (mut w, _, _) = setup(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
    let stranger = SignatureKeyPair::generate(w.cs.clone()).unwrap();
    let m = external_proposal(
        w.cs.as_ref(),
        &stranger,
        7,
        &context_of(&w, 0),
        Proposal::Remove(Remove { removed: 1 }),
    )
    .unwrap();
    let epoch = w.members[0].group.epoch();
    let err = w.members[0].group.process(&m).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::UnknownExternalSender { index: 7 })
        ),
        "{err:?}"
    );
    assert_eq!(w.members[0].group.epoch(), epoch);
    assert_eq!(w.members[0].group.pending_proposals().count(), 0);
}

#[test]
fn external_proposal_signed_by_another_key_is_refused() {
    let (mut w, ds1, _) = setup(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
    let impostor = SignatureKeyPair::generate(w.cs.clone()).unwrap();
    let m = external_proposal(
        w.cs.as_ref(),
        &impostor,
        ds1.index,
        &context_of(&w, 0),
        Proposal::Remove(Remove { removed: 1 }),
    )
    .unwrap();
    let err = w.members[0].group.process(&m).unwrap_err();
    assert!(
        matches!(err, Error::Protocol(ProtocolError::InvalidContentSignature)),
        "{err:?}"
    );
}

#[test]
fn external_sender_cannot_build_an_update() {
    let (w, ds1, _) = setup(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
    let leaf = w.members[0]
        .group
        .tree()
        .leaf(w.members[0].group.own_leaf())
        .unwrap()
        .clone();
    let err = external_proposal(
        w.cs.as_ref(),
        ds1.signer.as_ref(),
        ds1.index,
        &context_of(&w, 0),
        Proposal::Update(conclave_core::wire::Update { leaf_node: leaf }),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
}
