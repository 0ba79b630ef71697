//! The ProposalRef (RFC 9420 §5.2) and the confirmed transcript hash (§8.2)
//! of a received message are hashes of its bytes as received. Checked
//! against hashes computed here directly from the wire bytes (slicing the
//! MLSMessage, hashing with the suite's hash), for PublicMessages, and
//! against the sender's own reference for PrivateMessages.

mod group_common;

use std::sync::Arc;

use conclave_core::codec::encode;
use conclave_core::crypto::{ref_hash, CipherSuite, SignatureKeyPair};
use conclave_core::group::{group_info_of, CommitOptions, Group, Received};
use conclave_core::wire::{Add, Credential, Proposal};
use group_common::{candidate, config, services, suite};

const SUITE: CipherSuite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;

/// Alice and Bob in one group, both sending handshakes as `public` says.
fn pair(public: bool) -> (Group, Group) {
    let cs = suite(SUITE);
    let signer = Arc::new(SignatureKeyPair::generate(cs.clone()).unwrap());
    let mut alice = Group::create(
        cs.clone(),
        signer,
        Credential::basic("alice"),
        b"received bytes".to_vec(),
        Vec::new(),
        config(public),
        services(),
    )
    .unwrap();
    let bob = candidate(&cs, "bob");
    let out = alice
        .commit(CommitOptions {
            proposals: vec![Proposal::Add(Add {
                key_package: Box::new(bob.bundle.key_package.clone()),
            })],
            ..CommitOptions::default()
        })
        .unwrap();
    alice.merge_pending_commit(out.pending).unwrap();
    let bob = Group::join(
        cs,
        bob.signer,
        out.welcome.as_ref().unwrap(),
        bob.bundle,
        None,
        config(public),
        services(),
    )
    .unwrap();
    (alice, bob)
}

/// `opaque x<V>` of `len` bytes: the length of its varint header plus `len`.
fn vl_len(len: usize) -> usize {
    len + if len < 64 { 1 } else { 2 }
}

/// `len(x) || x` with a one- or two-byte varint header.
fn vl(x: &[u8]) -> Vec<u8> {
    let mut out = if x.len() < 64 {
        vec![x.len() as u8]
    } else {
        (0x4000u16 | x.len() as u16).to_be_bytes().to_vec()
    };
    out.extend_from_slice(x);
    out
}

#[test]
fn public_proposal_ref_and_commit_transcript_hash_are_of_the_received_bytes() {
    let (mut alice, mut bob) = pair(true);
    let cs = suite(SUITE);
    let nh = 32;

    // A proposal: ProposalRef = RefHash(label, AuthenticatedContent), where
    // the AuthenticatedContent is the PublicMessage without the version in
    // front and the membership tag behind.
    let proposal = encode(&alice.propose_update().unwrap()).unwrap();
    let reference = match bob.process_bytes(&proposal).unwrap() {
        Received::Proposal { reference, .. } => reference,
        other => panic!("expected a proposal, got {other:?}"),
    };
    let authenticated_content = &proposal[2..proposal.len() - vl_len(nh)];
    let expected = ref_hash(
        cs.as_ref(),
        b"MLS 1.0 Proposal Reference",
        authenticated_content,
    )
    .unwrap();
    assert_eq!(reference, expected);

    // Bob commits it: confirmed_transcript_hash = Hash(interim ||
    // ConfirmedTranscriptHashInput), the input being the AuthenticatedContent
    // without its confirmation tag; interim = Hash(previous confirmed ||
    // confirmation_tag<V>) of the previous epoch.
    match alice.process_bytes(&proposal).unwrap() {
        Received::Proposal { reference: own, .. } => assert_eq!(own, expected),
        other => panic!("expected our own proposal, got {other:?}"),
    }
    let previous_confirmed = alice
        .context()
        .confirmed_transcript_hash
        .as_slice()
        .to_vec();
    let info = alice.group_info(false).unwrap();
    let previous_tag = group_info_of(&info)
        .unwrap()
        .confirmation_tag
        .as_slice()
        .to_vec();
    let out = bob.commit(CommitOptions::default()).unwrap();
    let commit = encode(&out.message).unwrap();
    let staged = match alice.process_bytes(&commit).unwrap() {
        Received::Commit(staged) => staged,
        other => panic!("expected a commit, got {other:?}"),
    };
    let interim = cs.hash(&[previous_confirmed, vl(&previous_tag)].concat());
    let input = &commit[2..commit.len() - vl_len(nh) - vl_len(nh)];
    let confirmed = cs.hash(&[interim.as_slice(), input].concat());
    assert_eq!(
        staged
            .context()
            .unwrap()
            .confirmed_transcript_hash
            .as_slice(),
        confirmed.as_slice()
    );
    alice.merge_staged_commit(staged).unwrap();
    bob.merge_pending_commit(out.pending).unwrap();
    assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
}

#[test]
fn private_proposal_ref_matches_the_senders() {
    let (mut alice, mut bob) = pair(false);
    let proposal = encode(&alice.propose_update().unwrap()).unwrap();
    let theirs = match bob.process_bytes(&proposal).unwrap() {
        Received::Proposal { reference, .. } => reference,
        other => panic!("expected a proposal, got {other:?}"),
    };
    let ours = match alice.process_bytes(&proposal).unwrap() {
        Received::Proposal { reference, .. } => reference,
        other => panic!("expected our own proposal, got {other:?}"),
    };
    assert_eq!(theirs, ours);
    // And the commit of it, received as bytes, moves both to one epoch.
    let out = bob.commit(CommitOptions::default()).unwrap();
    let staged = match alice.process_bytes(&encode(&out.message).unwrap()).unwrap() {
        Received::Commit(staged) => staged,
        other => panic!("expected a commit, got {other:?}"),
    };
    assert_eq!(staged.updated().len(), 1);
    alice.merge_staged_commit(staged).unwrap();
    bob.merge_pending_commit(out.pending).unwrap();
    assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
}
