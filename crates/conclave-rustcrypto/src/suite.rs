//! [`RustCryptoSuite`]: the [`CipherSuiteProvider`] of one RFC 9420
//! ciphersuite (§5.1, §17.1), dispatching to the primitive modules.

use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoError, PreparedSigningKey, Secret, SignatureCheck,
    SuiteAlgorithms,
};

use std::sync::Arc;

use crate::verifying_keys::VerifyingKeys;
use crate::{aead, dh, hash, kem, random, signature};

/// The primitives of one ciphersuite on RustCrypto crates.
#[derive(Debug, Clone)]
pub struct RustCryptoSuite {
    suite: CipherSuite,
    algs: SuiteAlgorithms,
    /// Ed25519 public keys decoded by earlier verifications (shared by clones).
    verifying_keys: Arc<VerifyingKeys>,
}

impl RustCryptoSuite {
    /// The provider of `suite`, if it is one of the seven of RFC 9420 §17.1.
    pub fn new(suite: CipherSuite) -> Result<Self, CryptoError> {
        let algs = suite
            .algorithms()
            .ok_or(CryptoError::UnsupportedCipherSuite(suite.0))?;
        Ok(Self {
            suite,
            algs,
            verifying_keys: Arc::default(),
        })
    }
}

impl CipherSuiteProvider for RustCryptoSuite {
    fn cipher_suite(&self) -> CipherSuite {
        self.suite
    }

    fn hash(&self, data: &[u8]) -> Vec<u8> {
        hash::hash(self.algs.hash, data)
    }

    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        hash::mac(self.algs.hash, key, data)
    }

    fn hash_parts(&self, parts: &[&[u8]]) -> Vec<u8> {
        hash::hash_parts(self.algs.hash, parts)
    }

    fn mac_parts(&self, key: &[u8], parts: &[&[u8]]) -> Result<Vec<u8>, CryptoError> {
        hash::mac_parts(self.algs.hash, key, parts)
    }

    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, CryptoError> {
        Ok(hash::extract(self.algs.hash, salt, ikm))
    }

    fn kdf_expand(&self, prk: &[u8], info: &[u8], length: usize) -> Result<Secret, CryptoError> {
        hash::expand(self.algs.hash, prk, info, length)
    }

    fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        aead::seal(self.algs.aead, key, nonce, aad, plaintext)
    }

    fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        aead::open(self.algs.aead, key, nonce, aad, ciphertext)
    }

    fn kem_generate(&self) -> Result<(Secret, Vec<u8>), CryptoError> {
        kem::generate(self.algs.kem)
    }

    fn kem_derive_key_pair(&self, ikm: &[u8]) -> Result<(Secret, Vec<u8>), CryptoError> {
        kem::derive_key_pair(self.algs.kem, ikm)
    }

    fn kem_public_key(&self, private_key: &[u8]) -> Result<Vec<u8>, CryptoError> {
        dh::public_key(self.algs.kem, private_key)
    }

    fn kem_encap(&self, public_key: &[u8]) -> Result<(Secret, Vec<u8>), CryptoError> {
        kem::encap(self.algs.kem, public_key)
    }

    fn kem_decap(
        &self,
        enc: &[u8],
        private_key: &[u8],
        public_key: &[u8],
    ) -> Result<Secret, CryptoError> {
        kem::decap(self.algs.kem, enc, private_key, public_key)
    }

    fn signature_generate(&self) -> Result<(Secret, Vec<u8>), CryptoError> {
        signature::generate(self.algs.signature)
    }

    fn signature_public_key(&self, private_key: &[u8]) -> Result<Vec<u8>, CryptoError> {
        signature::public_key(self.algs.signature, private_key)
    }

    fn sign(&self, private_key: &[u8], message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        signature::sign(self.algs.signature, private_key, message)
    }

    fn prepare_signing_key(
        &self,
        private_key: &[u8],
    ) -> Result<Option<Box<dyn PreparedSigningKey>>, CryptoError> {
        Ok(Some(Box::new(signature::prepare(
            self.algs.signature,
            private_key,
        )?)))
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        signature::verify(
            self.algs.signature,
            &self.verifying_keys,
            public_key,
            message,
            signature,
        )
    }

    fn verify_parts(
        &self,
        public_key: &[u8],
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        signature::verify_parts(
            self.algs.signature,
            &self.verifying_keys,
            public_key,
            parts,
            signature,
        )
    }

    fn verify_batch(&self, checks: &[SignatureCheck<'_>]) -> Result<(), CryptoError> {
        signature::verify_batch(self.algs.signature, &self.verifying_keys, checks)
    }

    fn random_bytes(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        random::fill(out)
    }

    fn algorithms(&self) -> SuiteAlgorithms {
        self.algs
    }
}
