//! The AEADs of the MLS ciphersuites (RFC 9420 §5.1, RFC 5116): AES-128-GCM,
//! AES-256-GCM (`aes-gcm`) and ChaCha20-Poly1305 (`chacha20poly1305`, RFC 8439).
//! Ciphertexts carry their 16-byte tag at the end.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use conclave_core::crypto::{AeadId, CryptoError};

/// Runs `$body` with `$a` bound to the AEAD type of `$id`.
macro_rules! with_aead {
    ($id:expr, $a:ident => $body:expr) => {
        match $id {
            AeadId::Aes128Gcm => {
                type $a = aes_gcm::Aes128Gcm;
                $body
            }
            AeadId::Aes256Gcm => {
                type $a = aes_gcm::Aes256Gcm;
                $body
            }
            AeadId::ChaCha20Poly1305 => {
                type $a = chacha20poly1305::ChaCha20Poly1305;
                $body
            }
        }
    };
}

/// Encrypts `plaintext`; returns ciphertext || tag.
pub(crate) fn seal(
    id: AeadId,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    with_aead!(id, A => {
        let cipher = A::new_from_slice(key).map_err(|_| CryptoError::InvalidLength("AEAD key"))?;
        let nonce = aes_gcm::aead::Nonce::<A>::try_from(nonce)
            .map_err(|_| CryptoError::InvalidLength("AEAD nonce"))?;
        cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad })
            .map_err(|_| CryptoError::InvalidLength("AEAD plaintext"))
    })
}

/// Decrypts ciphertext || tag; fails with [`CryptoError::DecryptionFailed`]
/// if the tag does not verify.
pub(crate) fn open(
    id: AeadId,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    with_aead!(id, A => {
        let cipher = A::new_from_slice(key).map_err(|_| CryptoError::InvalidLength("AEAD key"))?;
        let nonce = aes_gcm::aead::Nonce::<A>::try_from(nonce)
            .map_err(|_| CryptoError::InvalidLength("AEAD nonce"))?;
        cipher
            .decrypt(&nonce, Payload { msg: ciphertext, aad })
            .map_err(|_| CryptoError::DecryptionFailed)
    })
}
