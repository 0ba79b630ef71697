//! A provider whose batch verification refuses signatures that verify one
//! by one (RFC 9420 §12.4.3.1 asks for every leaf signature to verify, not
//! for a batch to): joining still succeeds, the single checks decide
//! (`tree::validate::verify_batch_or_find`). Bad leaf signatures are refused
//! by the single checks too: see `tests/tree.rs` and `group_negative.rs`.

mod group_common;

use std::sync::Arc;

use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoError, Secret, SignatureCheck, SuiteAlgorithms,
};
use conclave_core::group::{CommitOptions, Group};
use group_common::{add_of, config, services, World};

/// Suite 1 whose `verify_batch` always fails.
struct BatchAlwaysFails(Arc<dyn CipherSuiteProvider>);

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
    let cs: Arc<dyn CipherSuiteProvider> = Arc::new(BatchAlwaysFails(w.cs.clone()));
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
