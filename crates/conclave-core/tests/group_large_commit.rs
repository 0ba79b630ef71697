//! A received commit of 64 KiB or more, through `Group::process_bytes`.
//!
//! From that size on, `framing::unprotect_received_then` verifies the
//! signature of a PublicMessage (RFC 9420 §6.1) on a second thread while the
//! commit is staged (§12.4.2); below it, the signature is verified before
//! staging. Both must refuse the same messages with the same errors, in the
//! order of §6: membership tag (§6.2), then signature (§6.1), then the
//! content (§12.4.2); and a refused commit leaves the receiver as it was.
//!
//! The large group is a sparse tree of 1000 members made by one commit of
//! 999 Adds without a path: every parent node is blank, so the next commit
//! with a path carries one HPKE ciphertext per other member (~80 bytes
//! each). Only the committer m0 (sending PublicMessages) and one receiver
//! (m1) have a Group object. The small group has 3 members. Every message
//! built here is checked to be on the intended side of 65,536 bytes.

mod group_common;

use std::sync::{Arc, OnceLock};

use conclave_core::codec::encode;
use conclave_core::crypto::{CipherSuite, CryptoError, SignatureKeyPair, Signer};
use conclave_core::group::{CommitOptions, Forgery, Group, Received};
use conclave_core::wire::MlsMessageBody;
use conclave_core::{Error, ProtocolError};
use group_common::{add_of, config, suite, Saved, World};

const SUITE: CipherSuite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;

/// The size of a received MLSMessage from which the signature is verified
/// on a second thread (`PARALLEL_SIGNATURE_BYTES` in `framing::unprotect`).
const PARALLEL_SIGNATURE_BYTES: usize = 64 * 1024;

/// `SignContent.label` of a FramedContentTBS (§5.1.2, §6.1), after its
/// one-byte length.
const CONTENT_LABEL: &[u8] = b"MLS 1.0 FramedContentTBS";

/// Signs as the member's key does, except that the signature of a
/// FramedContentTBS comes out with one bit flipped. Its commits are valid in
/// every other way (the path's leaf node and the GroupInfo are signed
/// properly), and their membership tag is computed over the broken
/// signature, so it is right.
struct BreaksContentSignatures(Arc<SignatureKeyPair>);

impl Signer for BreaksContentSignatures {
    fn public_key(&self) -> &[u8] {
        Signer::public_key(self.0.as_ref())
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut signature = self.0.sign(message)?;
        if message
            .get(1..)
            .is_some_and(|m| m.starts_with(CONTENT_LABEL))
        {
            signature[0] ^= 1;
        }
        Ok(signature)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Size {
    /// 3 members: a commit with a path well below 64 KiB.
    Small,
    /// 1000 members in a sparse tree: a commit with a path of 64 KiB or more.
    Large,
}

impl Size {
    fn members(self) -> usize {
        match self {
            Size::Small => 3,
            Size::Large => 1000,
        }
    }

    /// The message is on this size's side of the threshold, so the test
    /// cannot drift to the other code path unnoticed.
    fn check(self, bytes: &[u8]) {
        match self {
            Size::Small => assert!(
                bytes.len() < PARALLEL_SIGNATURE_BYTES,
                "a small commit of {} bytes",
                bytes.len()
            ),
            Size::Large => assert!(
                bytes.len() >= PARALLEL_SIGNATURE_BYTES,
                "a large commit of only {} bytes",
                bytes.len()
            ),
        }
    }
}

/// The committer m0 (sending PublicMessages) and the receiver m1, saved at
/// the epoch after the group was built.
struct Fixture {
    committer: Saved,
    receiver: Saved,
}

fn build(n: usize) -> Fixture {
    let mut w = World::with_provider(suite(SUITE), config(true));
    let joiners = w.fresh(n - 1);
    let proposals = joiners.iter().map(add_of).collect();
    let receiver: Vec<_> = joiners.into_iter().take(1).collect();
    w.silent = n - 2;
    w.commit(
        0,
        CommitOptions {
            proposals,
            ..CommitOptions::default()
        },
        receiver,
    );
    assert_eq!(w.members[0].group.members().count(), n);
    Fixture {
        committer: Saved::of(&w.cs, &w.members[0]),
        receiver: Saved::of(&w.cs, &w.members[1]),
    }
}

fn fixture(size: Size) -> &'static Fixture {
    static SMALL: OnceLock<Fixture> = OnceLock::new();
    static LARGE: OnceLock<Fixture> = OnceLock::new();
    let cell = match size {
        Size::Small => &SMALL,
        Size::Large => &LARGE,
    };
    cell.get_or_init(|| build(size.members()))
}

/// A commit with a path by a copy of the committer, signing with
/// `broken_signature` or not and forged as `forgery`, as bytes (a
/// PublicMessage with a membership tag, of the size asked for).
fn commit_bytes(size: Size, broken_signature: bool, forgery: Forgery) -> Vec<u8> {
    let f = fixture(size);
    let mut committer = if broken_signature {
        f.committer
            .load_signing_with(Arc::new(BreaksContentSignatures(
                f.committer.signer.clone(),
            )))
    } else {
        f.committer.load()
    };
    let out = committer
        .commit_forged(
            CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            &forgery,
        )
        .unwrap();
    assert!(matches!(
        &out.message.body,
        MlsMessageBody::PublicMessage(pm) if pm.membership_tag.is_some()
    ));
    let bytes = encode(&out.message).unwrap();
    size.check(&bytes);
    bytes
}

/// The same commit with the last byte of its membership tag (the last
/// field of the PublicMessage; `commit_bytes` checked there is one) flipped.
fn with_bad_tag(mut bytes: Vec<u8>) -> Vec<u8> {
    *bytes.last_mut().unwrap() ^= 1;
    bytes
}

/// The receiver refuses `bytes` through `process_bytes` with a protocol
/// error, and its state is unchanged (epoch, epoch authenticator and the
/// whole snapshot).
fn refused(receiver: &mut Group, bytes: &[u8]) -> ProtocolError {
    let epoch = receiver.epoch();
    let authenticator = receiver.epoch_authenticator().clone();
    let snapshot = receiver.to_snapshot().unwrap();
    let err = receiver.process_bytes(bytes).unwrap_err();
    assert_eq!(receiver.epoch(), epoch);
    assert_eq!(receiver.epoch_authenticator(), &authenticator);
    assert!(
        receiver.to_snapshot().unwrap() == snapshot,
        "a refused commit changed the receiver's state"
    );
    match err {
        Error::Protocol(p) => p,
        other => panic!("expected a protocol error, got {other}"),
    }
}

/// The receiver then processes a genuine commit with a path (of the same
/// size) and agrees with its committer on the new epoch.
fn accepts_a_genuine_commit(size: Size, receiver: &mut Group) {
    let mut committer = fixture(size).committer.load();
    let out = committer
        .commit(CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        })
        .unwrap();
    let bytes = encode(&out.message).unwrap();
    size.check(&bytes);
    let epoch = receiver.epoch();
    match receiver.process_bytes(&bytes).unwrap() {
        Received::Commit(staged) => receiver.merge_staged_commit(staged).unwrap(),
        other => panic!("expected a commit, got {other:?}"),
    }
    committer.merge_pending_commit(out.pending).unwrap();
    assert_eq!(receiver.epoch(), epoch + 1);
    assert_eq!(receiver.epoch(), committer.epoch());
    assert_eq!(
        receiver.epoch_authenticator(),
        committer.epoch_authenticator()
    );
}

/// Each message of `refusals` is refused with its error by one receiver,
/// which then accepts a genuine commit.
fn check(size: Size, refusals: &[(Vec<u8>, ProtocolError)]) {
    let mut receiver = fixture(size).receiver.load();
    for (i, (bytes, expected)) in refusals.iter().enumerate() {
        assert_eq!(&refused(&mut receiver, bytes), expected, "message {i}");
    }
    accepts_a_genuine_commit(size, &mut receiver);
}

/// A right membership tag over a wrong signature: the signature error.
fn bad_signature(size: Size) {
    check(
        size,
        &[(
            commit_bytes(size, true, Forgery::default()),
            ProtocolError::InvalidContentSignature,
        )],
    );
}

/// A wrong membership tag, over a right or a wrong signature: the tag is
/// checked first (§6.2).
fn bad_membership_tag(size: Size) {
    check(
        size,
        &[
            (
                with_bad_tag(commit_bytes(size, false, Forgery::default())),
                ProtocolError::MembershipTagMismatch,
            ),
            (
                with_bad_tag(commit_bytes(size, true, Forgery::default())),
                ProtocolError::MembershipTagMismatch,
            ),
        ],
    );
}

/// A commit whose path leaf keeps the committer's encryption key
/// (§12.4.2): with a valid signature the content error, with a wrong one
/// the signature error (the framing's errors come first).
fn bad_content(size: Size) {
    let keep_leaf_key = || Forgery {
        keep_leaf_key: true,
        ..Forgery::default()
    };
    check(
        size,
        &[
            (
                commit_bytes(size, false, keep_leaf_key()),
                ProtocolError::CommitLeafKeepsEncryptionKey,
            ),
            (
                commit_bytes(size, true, keep_leaf_key()),
                ProtocolError::InvalidContentSignature,
            ),
        ],
    );
}

#[test]
fn large_commit_with_a_wrong_signature_and_a_right_tag_is_refused_for_its_signature() {
    bad_signature(Size::Large);
}

#[test]
fn small_commit_with_a_wrong_signature_and_a_right_tag_is_refused_for_its_signature() {
    bad_signature(Size::Small);
}

#[test]
fn large_commit_with_a_wrong_membership_tag_is_refused_for_its_tag() {
    bad_membership_tag(Size::Large);
}

#[test]
fn small_commit_with_a_wrong_membership_tag_is_refused_for_its_tag() {
    bad_membership_tag(Size::Small);
}

#[test]
fn large_commit_invalid_in_content_is_refused_for_its_content_if_signed() {
    bad_content(Size::Large);
}

#[test]
fn small_commit_invalid_in_content_is_refused_for_its_content_if_signed() {
    bad_content(Size::Small);
}
