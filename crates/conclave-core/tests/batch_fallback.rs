//! A provider whose batch verification refuses signatures that verify one
//! by one (RFC 9420 §12.4.3.1 asks for every leaf signature to verify, not
//! for a batch to): joining still succeeds, the single checks decide
//! (`tree::validate::verify_batch_or_find`). Bad leaf signatures are refused
//! by the single checks too: see `tests/tree.rs` and `group_negative.rs`.
//!
//! The same holds for the KeyPackages of a commit adding many members
//! (§10.1, §12.2: checked in batches by the committer and by every
//! receiver, `Checks::check_list_batched`): valid ones are accepted, and an
//! invalid one is refused with the error of a check one at a time.

mod group_common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use conclave_core::codec::encode;
use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoError, Secret, SignatureCheck, SuiteAlgorithms,
};
use conclave_core::group::{CommitOptions, Forgery, Group, Received};
use conclave_core::wire::Proposal;
use conclave_core::{Error, ProtocolError};
use group_common::{add_of, break_add, candidate, config, services, suite, Saved, World};

const SUITE: CipherSuite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;

/// Suite 1 whose `verify_batch` always fails, counting how often it was
/// asked (so that a test can tell the batch was tried).
struct BatchAlwaysFails(Arc<dyn CipherSuiteProvider>, AtomicUsize);

impl BatchAlwaysFails {
    fn new(inner: Arc<dyn CipherSuiteProvider>) -> Self {
        BatchAlwaysFails(inner, AtomicUsize::new(0))
    }

    /// How many batches were refused so far.
    fn batches(&self) -> usize {
        self.1.load(Ordering::SeqCst)
    }
}

impl core::fmt::Debug for BatchAlwaysFails {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("BatchAlwaysFails")
    }
}

impl CipherSuiteProvider for BatchAlwaysFails {
    fn cipher_suite(&self) -> CipherSuite {
        self.0.cipher_suite()
    }
    fn hash(&self, data: &[u8]) -> Vec<u8> {
        self.0.hash(data)
    }
    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0.mac(key, data)
    }
    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, CryptoError> {
        self.0.kdf_extract(salt, ikm)
    }
    fn kdf_expand(&self, prk: &[u8], info: &[u8], len: usize) -> Result<Secret, CryptoError> {
        self.0.kdf_expand(prk, info, len)
    }
    fn aead_seal(&self, k: &[u8], n: &[u8], a: &[u8], p: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0.aead_seal(k, n, a, p)
    }
    fn aead_open(&self, k: &[u8], n: &[u8], a: &[u8], c: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0.aead_open(k, n, a, c)
    }
    fn kem_generate(&self) -> Result<(Secret, Vec<u8>), CryptoError> {
        self.0.kem_generate()
    }
    fn kem_derive_key_pair(&self, ikm: &[u8]) -> Result<(Secret, Vec<u8>), CryptoError> {
        self.0.kem_derive_key_pair(ikm)
    }
    fn kem_public_key(&self, private_key: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0.kem_public_key(private_key)
    }
    fn kem_encap(&self, public_key: &[u8]) -> Result<(Secret, Vec<u8>), CryptoError> {
        self.0.kem_encap(public_key)
    }
    fn kem_decap(&self, enc: &[u8], sk: &[u8], pk: &[u8]) -> Result<Secret, CryptoError> {
        self.0.kem_decap(enc, sk, pk)
    }
    fn signature_generate(&self) -> Result<(Secret, Vec<u8>), CryptoError> {
        self.0.signature_generate()
    }
    fn signature_public_key(&self, private_key: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0.signature_public_key(private_key)
    }
    fn sign(&self, private_key: &[u8], message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0.sign(private_key, message)
    }
    fn verify(&self, pk: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        self.0.verify(pk, message, signature)
    }
    fn verify_batch(&self, _checks: &[SignatureCheck<'_>]) -> Result<(), CryptoError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        Err(CryptoError::InvalidSignature)
    }
    fn random_bytes(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        self.0.random_bytes(out)
    }
    fn algorithms(&self) -> SuiteAlgorithms {
        self.0.algorithms()
    }
}

#[test]
fn a_join_whose_signature_batch_fails_is_decided_by_the_single_checks() {
    let mut w = World::new(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
    let joiners = w.fresh(3);
    let out = w.members[0]
        .group
        .commit(CommitOptions {
            proposals: joiners.iter().map(add_of).collect(),
            ..CommitOptions::default()
        })
        .unwrap();
    let welcome = out.welcome.clone().unwrap();
    w.members[0]
        .group
        .merge_pending_commit(out.pending)
        .unwrap();
    let cs: Arc<dyn CipherSuiteProvider> = Arc::new(BatchAlwaysFails::new(w.cs.clone()));
    for j in joiners {
        let joined = Group::join(
            cs.clone(),
            j.signer.clone(),
            &welcome,
            j.bundle,
            None,
            config(false),
            services(),
        )
        .unwrap();
        assert_eq!(joined.epoch(), w.members[0].group.epoch());
        assert_eq!(
            joined.epoch_authenticator(),
            w.members[0].group.epoch_authenticator()
        );
    }
}

/// How many KeyPackages the big commits add: enough (at least 8) for their
/// signatures to be checked in batches, on two threads.
const ADDS: usize = 40;

/// A group of m0 (the committer) and m1 (a receiver), every member using a
/// provider whose batches always fail.
fn world_whose_batches_fail() -> (World, Arc<BatchAlwaysFails>) {
    let provider = Arc::new(BatchAlwaysFails::new(suite(SUITE)));
    let mut w = World::with_provider(provider.clone(), config(false));
    let receiver = w.fresh(1);
    let adds = receiver.iter().map(add_of).collect();
    w.commit(
        0,
        CommitOptions {
            proposals: adds,
            ..CommitOptions::default()
        },
        receiver,
    );
    (w, provider)
}

fn adding(proposals: Vec<Proposal>) -> CommitOptions {
    CommitOptions {
        proposals,
        ..CommitOptions::default()
    }
}

fn protocol(e: Error) -> ProtocolError {
    match e {
        Error::Protocol(p) => p,
        other => panic!("expected a protocol error, got {other}"),
    }
}

#[test]
fn a_commit_adding_many_members_whose_signature_batches_fail_is_decided_by_the_single_checks() {
    let (mut w, provider) = world_whose_batches_fail();
    let receiver = Saved::of(&w.cs, &w.members[1]);
    let joiners = w.fresh(ADDS);
    let proposals = joiners.iter().map(add_of).collect();

    let before = provider.batches();
    let out = w.members[0].group.commit(adding(proposals)).unwrap();
    assert!(
        provider.batches() > before,
        "the committer did not try a batch"
    );

    // A receiver (a copy of m1) checks the 40 KeyPackages in batches too.
    let mut copy = receiver.load();
    let before = provider.batches();
    let staged = match copy.process_bytes(&encode(&out.message).unwrap()).unwrap() {
        Received::Commit(staged) => staged,
        other => panic!("expected a commit, got {other:?}"),
    };
    assert!(
        provider.batches() > before,
        "the receiver did not try a batch"
    );
    assert_eq!(staged.added().len(), ADDS);
    copy.merge_staged_commit(staged).unwrap();

    // Everyone (m1 and the 40 joiners, all through the failing batches)
    // agrees with the committer.
    w.deliver(0, out, joiners);
    assert_eq!(w.members.len(), ADDS + 2);
    assert_eq!(copy.epoch(), w.members[0].group.epoch());
    assert_eq!(
        copy.epoch_authenticator(),
        w.members[0].group.epoch_authenticator()
    );
}

#[test]
fn a_bad_key_package_among_many_is_found_when_the_signature_batches_fail() {
    let (mut w, provider) = world_whose_batches_fail();
    let adds: Vec<Proposal> = (0..ADDS)
        .map(|i| add_of(&candidate(&w.cs, &format!("added {i}"))))
        .collect();
    // (KeyPackage broken, leaf broken, expected): one bad KeyPackage
    // signature; then two bad KeyPackages, the first one's error wins (the
    // error carries no index: which one is found shows in its kind).
    let cases: [(Option<usize>, Option<usize>, ProtocolError); 3] = [
        (Some(23), None, ProtocolError::InvalidKeyPackageSignature),
        (
            Some(23),
            Some(31),
            ProtocolError::InvalidKeyPackageSignature,
        ),
        (
            Some(31),
            Some(23),
            ProtocolError::InvalidKeyPackageLeafSignature,
        ),
    ];
    for (kp, leaf, expected) in cases {
        let mut list = adds.clone();
        if let Some(i) = kp {
            break_add(&mut list[i], false);
        }
        if let Some(i) = leaf {
            break_add(&mut list[i], true);
        }
        // The committer refuses to build the commit...
        let before = provider.batches();
        let err = w.members[0].group.commit(adding(list.clone())).unwrap_err();
        assert_eq!(protocol(err), expected, "{kp:?} {leaf:?}: committer");
        assert!(provider.batches() > before);

        // ...and a receiver refuses it when forged, and stays as it was.
        let out = w.members[0]
            .group
            .commit_forged(
                adding(list),
                &Forgery {
                    skip_checks: true,
                    ..Forgery::default()
                },
            )
            .unwrap();
        let g = &mut w.members[1].group;
        let snapshot = g.to_snapshot().unwrap();
        let before = provider.batches();
        let err = g.process_bytes(&encode(&out.message).unwrap()).unwrap_err();
        assert_eq!(protocol(err), expected, "{kp:?} {leaf:?}: receiver");
        assert!(provider.batches() > before);
        assert!(g.to_snapshot().unwrap() == snapshot);
    }
    // Unbroken, the same KeyPackages are added and everyone agrees.
    let out = w.members[0].group.commit(adding(adds)).unwrap();
    w.silent += ADDS;
    w.deliver(0, out, Vec::new());
    assert_eq!(w.members[0].group.members().count(), ADDS + 2);
}
