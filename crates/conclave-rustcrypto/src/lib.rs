//! The default Conclave crypto provider, on RustCrypto crates: all seven
//! ciphersuites of RFC 9420 §17.1.
//!
//! | suite | KEM | AEAD | hash | signature |
//! |---|---|---|---|---|
//! | 0x0001 | DHKEM(X25519) | AES-128-GCM | SHA-256 | Ed25519 |
//! | 0x0002 | DHKEM(P-256) | AES-128-GCM | SHA-256 | ECDSA P-256 |
//! | 0x0003 | DHKEM(X25519) | ChaCha20-Poly1305 | SHA-256 | Ed25519 |
//! | 0x0004 | DHKEM(X448) | AES-256-GCM | SHA-512 | Ed448 |
//! | 0x0005 | DHKEM(P-521) | AES-256-GCM | SHA-512 | ECDSA P-521 |
//! | 0x0006 | DHKEM(X448) | ChaCha20-Poly1305 | SHA-512 | Ed448 |
//! | 0x0007 | DHKEM(P-384) | AES-256-GCM | SHA-384 | ECDSA P-384 |
//!
//! Every primitive is a RustCrypto (or dalek) crate's; this crate composes
//! only what no crate offers with a usable API: the DHKEMs of RFC 9180 §4.1
//! (the `kem` module). HPKE's key schedule is composed in `conclave-core`.
#![forbid(unsafe_code)]

use std::sync::Arc;

use conclave_core::crypto::{CipherSuite, CipherSuiteProvider, CryptoError, CryptoProvider};

mod aead;
mod dh;
mod hash;
mod kem;
mod random;
mod signature;
mod suite;
mod verifying_keys;

pub use suite::RustCryptoSuite;

/// The RustCrypto provider: hands out a shared provider for each of the seven
/// RFC 9420 ciphersuites (built once, cloned by reference count).
#[derive(Debug, Clone)]
pub struct RustCryptoProvider {
    suites: Arc<[Arc<dyn CipherSuiteProvider>]>,
}

impl RustCryptoProvider {
    /// The provider.
    pub fn new() -> Self {
        let suites = CipherSuite::RFC9420
            .iter()
            .filter_map(|&s| RustCryptoSuite::new(s).ok())
            .map(|s| Arc::new(s) as Arc<dyn CipherSuiteProvider>)
            .collect();
        Self { suites }
    }
}

impl Default for RustCryptoProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl CryptoProvider for RustCryptoProvider {
    fn supported_cipher_suites(&self) -> Vec<CipherSuite> {
        self.suites.iter().map(|s| s.cipher_suite()).collect()
    }

    fn cipher_suite(
        &self,
        suite: CipherSuite,
    ) -> Result<Arc<dyn CipherSuiteProvider>, CryptoError> {
        self.suites
            .iter()
            .find(|s| s.cipher_suite() == suite)
            .cloned()
            .ok_or(CryptoError::UnsupportedCipherSuite(suite.0))
    }
}
