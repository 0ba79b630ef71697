//! The resource limits of `GroupConfig::limits` (issue 10, `conclave_core::limits`)
//! as the group applies them: an oversize message is refused before it is
//! decoded, a commit with too many proposals is refused (as PublicMessage,
//! before its signature is checked, and as PrivateMessage, once decrypted),
//! and a joiner refuses a tree larger than its limit, from the Welcome or
//! out of band. Each refusal has its own error and leaves the state as it was.

mod group_common;

use std::sync::Arc;

use conclave_core::codec::encode;
use conclave_core::crypto::{CipherSuite, SignatureKeyPair};
use conclave_core::group::{CommitOptions, Group, GroupConfig, HandshakePolicy, Received};
use conclave_core::limits::Limits;
use conclave_core::wire::{Credential, MlsMessage};
use conclave_core::{Error, ProtocolError};
use group_common::{add_of, candidate, services, suite, Candidate};

const CS: CipherSuite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;

/// A creator (with `handshake`) and one member joined with `limits`.
fn pair(handshake: HandshakePolicy, limits: Limits) -> (Group, Group) {
    let cs = suite(CS);
    let mut creator = Group::create(
        cs.clone(),
        Arc::new(SignatureKeyPair::generate(cs.clone()).unwrap()),
        Credential::basic("creator"),
        b"limits".to_vec(),
        Vec::new(),
        GroupConfig {
            handshake,
            ..GroupConfig::default()
        },
        services(),
    )
    .unwrap();
    let joiner = candidate(&cs, "joiner");
    let out = creator
        .commit(CommitOptions {
            proposals: vec![add_of(&joiner)],
            ..CommitOptions::default()
        })
        .unwrap();
    creator.merge_pending_commit(out.pending).unwrap();
    let member = Group::join(
        cs,
        joiner.signer,
        out.welcome.as_ref().unwrap(),
        joiner.bundle,
        None,
        GroupConfig {
            limits,
            ..GroupConfig::default()
        },
        services(),
    )
    .unwrap();
    (creator, member)
}

fn protocol(err: Error) -> ProtocolError {
    match err {
        Error::Protocol(p) => p,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

fn fresh(n: usize) -> Vec<Candidate> {
    let cs = suite(CS);
    (0..n).map(|i| candidate(&cs, &format!("new{i}"))).collect()
}

#[test]
fn an_oversize_message_is_refused_before_decoding() {
    let limits = Limits {
        max_message_size: 512,
        ..Limits::default()
    };
    let (mut creator, mut member) = pair(HandshakePolicy::Private, limits);
    let before = member.to_snapshot().unwrap();
    let big = encode(&creator.encrypt(&[7u8; 600], b"").unwrap()).unwrap();
    let err = protocol(member.process_bytes(&big).unwrap_err());
    assert!(
        matches!(err, ProtocolError::MessageTooLarge { max: 512, size } if size == big.len()),
        "{err:?}"
    );
    assert_eq!(member.to_snapshot().unwrap(), before);
    // A message within the limit still decrypts.
    let small = encode(&creator.encrypt(b"hello", b"").unwrap()).unwrap();
    match member.process_bytes(&small).unwrap() {
        Received::Application { data, .. } => assert_eq!(data, b"hello"),
        other => panic!("expected application data, got {other:?}"),
    }
}

fn too_many_proposals(handshake: HandshakePolicy) {
    let limits = Limits {
        max_proposals_per_commit: 1,
        ..Limits::default()
    };
    let (mut creator, mut member) = pair(handshake, limits);
    let before = member.to_snapshot().unwrap();
    let out = creator
        .commit(CommitOptions {
            proposals: fresh(2).iter().map(add_of).collect(),
            ..CommitOptions::default()
        })
        .unwrap();
    let err = protocol(member.process(&out.message).unwrap_err());
    assert!(
        matches!(err, ProtocolError::TooManyProposals { count: 2, max: 1 }),
        "{err:?}"
    );
    assert_eq!(member.to_snapshot().unwrap(), before);
    // The creator drops that commit; a commit within the limit goes through.
    drop(out.pending);
    let out = creator
        .commit(CommitOptions {
            proposals: fresh(1).iter().map(add_of).collect(),
            ..CommitOptions::default()
        })
        .unwrap();
    let Received::Commit(staged) = member.process(&out.message).unwrap() else {
        panic!("expected a commit");
    };
    member.merge_staged_commit(staged).unwrap();
    creator.merge_pending_commit(out.pending).unwrap();
    assert_eq!(member.epoch_authenticator(), creator.epoch_authenticator());
}

#[test]
fn a_public_commit_with_too_many_proposals_is_refused() {
    too_many_proposals(HandshakePolicy::Public);
}

#[test]
fn a_private_commit_with_too_many_proposals_is_refused_once_decrypted() {
    too_many_proposals(HandshakePolicy::Private);
}

/// A group of three, and a fourth candidate joining it with `limits`.
fn join_with(limits: Limits, out_of_band: bool) -> Result<Group, Error> {
    let (mut creator, mut member) = pair(HandshakePolicy::Private, Limits::default());
    let cs = suite(CS);
    let third = fresh(1);
    let out = creator
        .commit(CommitOptions {
            proposals: third.iter().map(add_of).collect(),
            ..CommitOptions::default()
        })
        .unwrap();
    let Received::Commit(staged) = member.process(&out.message).unwrap() else {
        panic!("expected a commit");
    };
    member.merge_staged_commit(staged).unwrap();
    creator.merge_pending_commit(out.pending).unwrap();
    let joiner = candidate(&cs, "fourth");
    let out = creator
        .commit(CommitOptions {
            proposals: vec![add_of(&joiner)],
            ..CommitOptions::default()
        })
        .unwrap();
    creator.merge_pending_commit(out.pending).unwrap();
    let welcome: &MlsMessage = out.welcome.as_ref().unwrap();
    Group::join(
        cs,
        joiner.signer,
        welcome,
        joiner.bundle,
        out_of_band.then(|| creator.ratchet_tree()),
        GroupConfig {
            limits,
            ..GroupConfig::default()
        },
        services(),
    )
}

#[test]
fn a_joiner_refuses_a_tree_larger_than_its_limit() {
    let three_leaves = Limits {
        max_tree_leaves: 3,
        ..Limits::default()
    };
    for out_of_band in [false, true] {
        let err = protocol(join_with(three_leaves, out_of_band).unwrap_err());
        assert!(
            matches!(err, ProtocolError::TreeExceedsLimit { max_leaves: 3, .. }),
            "out of band {out_of_band}: {err:?}"
        );
        let four_leaves = Limits {
            max_tree_leaves: 4,
            ..Limits::default()
        };
        assert!(join_with(four_leaves, out_of_band).is_ok());
    }
}
