//! [`Secret`]: bytes that are key material.

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Key material: zeroized when dropped, compared in constant time, and never
/// printed (its `Debug` shows only the length).
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Takes ownership of `bytes` as a secret.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Copies `bytes` into a new secret.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// `len` zero bytes (the all-zero vectors of RFC 9420 §8, written `0` there).
    pub fn zero(len: usize) -> Self {
        Self(vec![0; len])
    }

    /// The secret's bytes. Handle with care: copies are not zeroized.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for Secret {}

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Secret(<{} bytes redacted>)", self.0.len())
    }
}

impl From<Vec<u8>> for Secret {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_bytes() {
        let s = Secret::new(vec![0xAB; 4]);
        let shown = format!("{s:?}");
        assert!(!shown.to_lowercase().contains("ab"), "{shown}");
        assert!(shown.contains("4 bytes"));
    }

    #[test]
    fn equality_is_by_value() {
        assert_eq!(Secret::from_slice(b"abc"), Secret::from_slice(b"abc"));
        assert_ne!(Secret::from_slice(b"abc"), Secret::from_slice(b"abd"));
        assert_ne!(Secret::from_slice(b"abc"), Secret::from_slice(b"ab"));
    }
}
