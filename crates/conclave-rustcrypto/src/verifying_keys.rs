//! Decoded Ed25519 public keys, kept between single verifications.
//!
//! Decoding a public key (RFC 8032 §5.1.3) is a square root in the field,
//! about a tenth of a verification, and a member verifies the keys of the
//! same few senders again and again: every application message and handshake
//! message is signed (RFC 9420 §6.1). The cache is bounded and holds only
//! public keys that decoded; batch verification (a whole tree at once, keys
//! seen once) does not fill it.

use std::collections::HashMap;
use std::sync::Mutex;

use conclave_core::crypto::CryptoError;
use ed25519_dalek::VerifyingKey;

/// The most keys kept; when full, the cache starts over.
pub(crate) const CAPACITY: usize = 1024;

/// Decoded Ed25519 public keys by their encoding.
#[derive(Default)]
pub(crate) struct VerifyingKeys(Mutex<HashMap<[u8; 32], VerifyingKey>>);

/// Decodes an Ed25519 public key; [`CryptoError::InvalidPublicKey`] if it
/// is not 32 bytes encoding a curve point.
pub(crate) fn decode(pk: &[u8]) -> Result<VerifyingKey, CryptoError> {
    let bytes: [u8; 32] = pk.try_into().map_err(|_| CryptoError::InvalidPublicKey)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| CryptoError::InvalidPublicKey)
}

impl VerifyingKeys {
    /// The decoded key of `pk`, from the cache or decoded (and kept);
    /// [`CryptoError::InvalidPublicKey`] if it is not a valid encoding.
    pub(crate) fn get(&self, pk: &[u8]) -> Result<VerifyingKey, CryptoError> {
        let bytes: [u8; 32] = pk.try_into().map_err(|_| CryptoError::InvalidPublicKey)?;
        // A poisoned lock only means another thread panicked while holding
        // it; the map is still sound, so it is used as it is.
        if let Some(key) = self.lock().get(&bytes) {
            return Ok(*key);
        }
        let key = decode(&bytes)?;
        let mut map = self.lock();
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(bytes, key);
        Ok(key)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], VerifyingKey>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many keys are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

impl core::fmt::Debug for VerifyingKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifyingKeys").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn public(seed: u8) -> [u8; 32] {
        SigningKey::from_bytes(&[seed; 32])
            .verifying_key()
            .to_bytes()
    }

    #[test]
    fn keys_come_back_as_decoded_and_invalid_ones_are_not_kept() {
        let cache = VerifyingKeys::default();
        for seed in [1, 2, 1] {
            assert_eq!(cache.get(&public(seed)).unwrap().to_bytes(), public(seed));
        }
        assert_eq!(cache.len(), 2);
        // Not a point (y = 2 has no x on the curve), and a wrong length.
        let mut bad = [0u8; 32];
        bad[0] = 2;
        assert_eq!(cache.get(&bad), Err(CryptoError::InvalidPublicKey));
        assert_eq!(cache.get(&[1u8; 31]), Err(CryptoError::InvalidPublicKey));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = VerifyingKeys::default();
        let base = SigningKey::from_bytes(&[9; 32]).verifying_key();
        // Distinct valid keys: multiples of one point.
        let mut point = base.to_edwards();
        for _ in 0..CAPACITY + 10 {
            point += base.to_edwards();
            cache.get(point.compress().as_bytes()).unwrap();
            assert!(cache.len() <= CAPACITY);
        }
        assert_eq!(cache.len(), 10);
    }
}
