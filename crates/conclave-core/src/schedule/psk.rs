//! Pre-shared keys (RFC 9420 §8.4).

use crate::crypto::{CipherSuiteProvider, Secret};

/// `psk_secret` (§8.4): the fold of the PSKs of a commit, or all zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PskSecret(Secret);

impl PskSecret {
    /// The all-zero `psk_secret` of an epoch without PSKs.
    pub fn zero(cs: &dyn CipherSuiteProvider) -> Self {
        Self(Secret::zero(cs.hash_len()))
    }

    /// A PSK secret from its bytes (e.g. as given by a test vector).
    pub fn new(secret: Secret) -> Self {
        Self(secret)
    }

    /// The secret.
    pub fn as_secret(&self) -> &Secret {
        &self.0
    }
}
