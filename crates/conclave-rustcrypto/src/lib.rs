//! The default Conclave crypto provider, on RustCrypto crates.
#![forbid(unsafe_code)]

use std::sync::Arc;

use conclave_core::crypto::{CipherSuite, CipherSuiteProvider, CryptoError, CryptoProvider};

/// The RustCrypto provider (placeholder until the suites land).
#[derive(Debug, Default, Clone)]
pub struct RustCryptoProvider;

impl RustCryptoProvider {
    /// The provider.
    pub fn new() -> Self {
        Self
    }
}

impl CryptoProvider for RustCryptoProvider {
    fn supported_cipher_suites(&self) -> Vec<CipherSuite> {
        Vec::new()
    }

    fn cipher_suite(
        &self,
        suite: CipherSuite,
    ) -> Result<Arc<dyn CipherSuiteProvider>, CryptoError> {
        Err(CryptoError::UnsupportedCipherSuite(suite.0))
    }
}
