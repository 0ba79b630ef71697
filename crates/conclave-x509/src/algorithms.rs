//! Certificate signature verification for `rustls-webpki`, delegated to a
//! Conclave crypto provider.
//!
//! The MLS signature schemes (RFC 9420 §5.1) use the key and signature
//! formats of X.509: Ed25519 and Ed448 keys as raw bytes, ECDSA keys as SEC1
//! points and ECDSA signatures DER-encoded. So a certificate signed with
//! `ecdsa-with-SHA256` by a P-256 key verifies exactly as an MLS signature of
//! suite 0x0002 does, and this crate needs no cryptography of its own: each
//! algorithm below forwards to [`CipherSuiteProvider::verify`] of a suite
//! with that signature scheme.

use std::sync::Arc;

use conclave_core::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider};
use rustls_pki_types::{
    alg_id, AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm,
};

/// One (public key algorithm, signature algorithm) pair webpki may use to
/// check a certificate's signature, verified by a suite provider.
#[derive(Debug)]
pub(crate) struct ProviderAlgorithm {
    cs: Arc<dyn CipherSuiteProvider>,
    public_key_alg_id: AlgorithmIdentifier,
    signature_alg_id: AlgorithmIdentifier,
}

impl SignatureVerificationAlgorithm for ProviderAlgorithm {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        self.cs
            .verify(public_key, message, signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key_alg_id
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg_id
    }
}

/// The certificate signature algorithms, each with a ciphersuite whose
/// signature scheme it is: Ed25519, ECDSA P-256/SHA-256, P-384/SHA-384,
/// P-521/SHA-512 and Ed448.
const ALGORITHMS: [(CipherSuite, AlgorithmIdentifier, AlgorithmIdentifier); 5] = [
    (
        CipherSuite::X25519_AES128GCM_SHA256_ED25519,
        alg_id::ED25519,
        alg_id::ED25519,
    ),
    (
        CipherSuite::P256_AES128GCM_SHA256_P256,
        alg_id::ECDSA_P256,
        alg_id::ECDSA_SHA256,
    ),
    (
        CipherSuite::P384_AES256GCM_SHA384_P384,
        alg_id::ECDSA_P384,
        alg_id::ECDSA_SHA384,
    ),
    (
        CipherSuite::P521_AES256GCM_SHA512_P521,
        alg_id::ECDSA_P521,
        alg_id::ECDSA_SHA512,
    ),
    (
        CipherSuite::X448_AES256GCM_SHA512_ED448,
        alg_id::ED448,
        alg_id::ED448,
    ),
];

/// The algorithms `provider` can verify; those whose suite it lacks are left out.
pub(crate) fn provider_algorithms(provider: &dyn CryptoProvider) -> Vec<ProviderAlgorithm> {
    ALGORITHMS
        .iter()
        .filter_map(|(suite, public_key_alg_id, signature_alg_id)| {
            provider
                .cipher_suite(*suite)
                .ok()
                .map(|cs| ProviderAlgorithm {
                    cs,
                    public_key_alg_id: *public_key_alg_id,
                    signature_alg_id: *signature_alg_id,
                })
        })
        .collect()
}
