//! The hash-based primitives of a ciphersuite (RFC 9420 §5.1): `Hash`, `MAC`
//! (HMAC, RFC 2104) and HKDF-Extract / HKDF-Expand (RFC 5869), over SHA-256,
//! SHA-384 and SHA-512 from the `sha2`, `hmac` and `hkdf` crates.

use conclave_core::crypto::{CryptoError, HashId, Secret};
use hmac::{KeyInit, Mac};
use sha2::Digest;

/// Runs `$body` with `$h` bound to the `sha2` type of `$id`.
macro_rules! with_hash {
    ($id:expr, $h:ident => $body:expr) => {
        match $id {
            HashId::Sha256 => {
                type $h = sha2::Sha256;
                $body
            }
            HashId::Sha384 => {
                type $h = sha2::Sha384;
                $body
            }
            HashId::Sha512 => {
                type $h = sha2::Sha512;
                $body
            }
        }
    };
}

/// `Hash(data)`.
pub(crate) fn hash(id: HashId, data: &[u8]) -> Vec<u8> {
    with_hash!(id, H => H::digest(data).to_vec())
}

/// `Hash(parts[0] || parts[1] || ...)`, streamed.
pub(crate) fn hash_parts(id: HashId, parts: &[&[u8]]) -> Vec<u8> {
    with_hash!(id, H => {
        let mut h = H::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().to_vec()
    })
}

/// `HMAC(key, parts[0] || parts[1] || ...)`, streamed.
pub(crate) fn mac_parts(id: HashId, key: &[u8], parts: &[&[u8]]) -> Result<Vec<u8>, CryptoError> {
    with_hash!(id, H => {
        let mut m = <hmac::Hmac<H> as KeyInit>::new_from_slice(key)
            .map_err(|_| CryptoError::InvalidLength("HMAC key"))?;
        for p in parts {
            m.update(p);
        }
        Ok(m.finalize().into_bytes().to_vec())
    })
}

/// `HMAC(key, data)`; any key length is valid (RFC 2104 §2).
pub(crate) fn mac(id: HashId, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    with_hash!(id, H => {
        let mut m = <hmac::Hmac<H> as KeyInit>::new_from_slice(key)
            .map_err(|_| CryptoError::InvalidLength("HMAC key"))?;
        m.update(data);
        Ok(m.finalize().into_bytes().to_vec())
    })
}

/// `HKDF-Extract(salt, ikm)` (RFC 5869 §2.2). An empty salt is the all-zero
/// salt of hash length, as RFC 5869 specifies (HMAC pads keys with zeros).
pub(crate) fn extract(id: HashId, salt: &[u8], ikm: &[u8]) -> Secret {
    with_hash!(id, H => {
        let (mut prk, _) = hkdf::Hkdf::<H>::extract(Some(salt), ikm);
        let out = Secret::from_slice(&prk);
        zeroize::Zeroize::zeroize(&mut prk);
        out
    })
}

/// `HKDF-Expand(prk, info, length)` (RFC 5869 §2.3). The PRK must be at least
/// `Nh` bytes and `length` at most `255 * Nh`.
pub(crate) fn expand(
    id: HashId,
    prk: &[u8],
    info: &[u8],
    length: usize,
) -> Result<Secret, CryptoError> {
    with_hash!(id, H => {
        let hk = hkdf::Hkdf::<H>::from_prk(prk)
            .map_err(|_| CryptoError::InvalidLength("HKDF-Expand PRK"))?;
        // Written in place and moved into the Secret: no stray copy.
        let mut okm = vec![0u8; length];
        hk.expand(info, &mut okm)
            .map_err(|_| CryptoError::InvalidLength("HKDF-Expand output"))?;
        Ok(Secret::new(okm))
    })
}
