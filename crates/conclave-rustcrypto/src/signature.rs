//! The signature schemes of the MLS ciphersuites (RFC 9420 §5.1.2, §17.1):
//! Ed25519 and Ed448 (RFC 8032, pure, empty context) on `ed25519-dalek` and
//! `ed448-goldilocks`, and ECDSA over P-256/SHA-256, P-384/SHA-384 and
//! P-521/SHA-512 on the `p256`/`p384`/`p521` crates (see [`crate::dh`]).
//!
//! Key and signature formats are those of TLS 1.3 as RFC 9420 §5.1.2 uses
//! them: EdDSA public keys are the RFC 8032 encoding and private keys the
//! seed; ECDSA public keys are uncompressed SEC 1 points, private keys
//! big-endian scalars (a shorter one is left-padded), signatures DER-encoded.

use conclave_core::crypto::{CryptoError, SignatureCheck, SignatureScheme};
use zeroize::Zeroizing;

use crate::{dh, random};

/// Ed25519 (RFC 8032 §5.1) on `ed25519-dalek`.
mod ed25519 {
    use super::*;
    use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

    pub(super) const NSK: usize = 32;

    fn signing_key(sk: &[u8]) -> Result<SigningKey, CryptoError> {
        let seed: Zeroizing<[u8; 32]> =
            Zeroizing::new(sk.try_into().map_err(|_| CryptoError::InvalidPrivateKey)?);
        Ok(SigningKey::from_bytes(&seed))
    }

    pub(super) fn verifying_key(pk: &[u8]) -> Result<VerifyingKey, CryptoError> {
        let bytes: [u8; 32] = pk.try_into().map_err(|_| CryptoError::InvalidPublicKey)?;
        VerifyingKey::from_bytes(&bytes).map_err(|_| CryptoError::InvalidPublicKey)
    }

    pub(super) fn signature(sig: &[u8]) -> Result<Signature, CryptoError> {
        Signature::from_slice(sig).map_err(|_| CryptoError::InvalidSignature)
    }

    pub(super) fn public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(signing_key(sk)?.verifying_key().as_bytes().to_vec())
    }

    pub(super) fn sign(sk: &[u8], message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(signing_key(sk)?.sign(message).to_bytes().to_vec())
    }

    pub(super) fn verify(pk: &[u8], message: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        verifying_key(pk)?
            .verify(message, &signature(sig)?)
            .map_err(|_| CryptoError::InvalidSignature)
    }

    /// Batch verification (`ed25519_dalek::verify_batch`): one
    /// multi-scalar multiplication for all signatures.
    ///
    /// Every batch of signatures that each pass [`verify`] passes. The
    /// converse can fail only for crafted inputs: a key or `R` with a
    /// small-order component can make the random linear combination cancel
    /// where the single (cofactorless) check rejects. Honest signatures never
    /// carry such components, and RFC 8032 §5.1.7 itself allows both the
    /// cofactored and the cofactorless equations.
    pub(super) fn verify_batch(checks: &[SignatureCheck<'_>]) -> Result<(), CryptoError> {
        let mut keys = Vec::with_capacity(checks.len());
        let mut sigs = Vec::with_capacity(checks.len());
        let mut msgs = Vec::with_capacity(checks.len());
        for c in checks {
            keys.push(verifying_key(c.public_key)?);
            sigs.push(signature(c.signature)?);
            msgs.push(c.message);
        }
        ed25519_dalek::verify_batch(&msgs, &sigs, &keys).map_err(|_| CryptoError::InvalidSignature)
    }
}

/// Ed448 (RFC 8032 §5.2, pure Ed448 with an empty context) on
/// `ed448-goldilocks`.
mod ed448 {
    use super::*;
    use ed448_goldilocks::{Signature, SigningKey, VerifyingKey};

    pub(super) const NSK: usize = 57;

    fn signing_key(sk: &[u8]) -> Result<SigningKey, CryptoError> {
        if sk.len() != NSK {
            return Err(CryptoError::InvalidPrivateKey);
        }
        SigningKey::try_from(sk).map_err(|_| CryptoError::InvalidPrivateKey)
    }

    pub(super) fn public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(signing_key(sk)?.verifying_key().to_bytes().to_vec())
    }

    pub(super) fn sign(sk: &[u8], message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(signing_key(sk)?.sign_raw(message).to_bytes().to_vec())
    }

    pub(super) fn verify(pk: &[u8], message: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let bytes = pk.try_into().map_err(|_| CryptoError::InvalidPublicKey)?;
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| CryptoError::InvalidPublicKey)?;
        let sig = Signature::from_slice(sig).map_err(|_| CryptoError::InvalidSignature)?;
        key.verify_raw(&sig, message)
            .map_err(|_| CryptoError::InvalidSignature)
    }
}

/// The length of a serialized private key, and for ECDSA the mask of its first
/// byte that makes a random string of that length a plausible scalar.
fn private_key_shape(scheme: SignatureScheme) -> (usize, u8) {
    match scheme {
        SignatureScheme::Ed25519 => (ed25519::NSK, 0xff),
        SignatureScheme::Ed448 => (ed448::NSK, 0xff),
        SignatureScheme::EcdsaP256Sha256 => (dh::p256::NSK, 0xff),
        SignatureScheme::EcdsaP384Sha384 => (dh::p384::NSK, 0xff),
        SignatureScheme::EcdsaP521Sha512 => (dh::p521::NSK, 0x01),
    }
}

/// The public key of a private key.
pub(crate) fn public_key(scheme: SignatureScheme, sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
    match scheme {
        SignatureScheme::Ed25519 => ed25519::public_key(sk),
        SignatureScheme::Ed448 => ed448::public_key(sk),
        SignatureScheme::EcdsaP256Sha256 => dh::p256::public_key(sk),
        SignatureScheme::EcdsaP384Sha384 => dh::p384::public_key(sk),
        SignatureScheme::EcdsaP521Sha512 => dh::p521::public_key(sk),
    }
}

/// A fresh key pair: a random seed (EdDSA), or a random scalar drawn by
/// rejection sampling (ECDSA; a draw fails with probability below 2^-32 for
/// every curve, so 64 draws never all fail in practice).
pub(crate) fn generate(
    scheme: SignatureScheme,
) -> Result<(conclave_core::crypto::Secret, Vec<u8>), CryptoError> {
    let (len, mask) = private_key_shape(scheme);
    for _ in 0..64 {
        let mut sk = random::secret_bytes(len)?;
        if let Some(first) = sk.first_mut() {
            *first &= mask;
        }
        if let Ok(pk) = public_key(scheme, &sk) {
            return Ok((conclave_core::crypto::Secret::from_slice(&sk), pk));
        }
    }
    Err(CryptoError::RandomFailure)
}

/// Signs `message`.
pub(crate) fn sign(
    scheme: SignatureScheme,
    sk: &[u8],
    message: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    match scheme {
        SignatureScheme::Ed25519 => ed25519::sign(sk, message),
        SignatureScheme::Ed448 => ed448::sign(sk, message),
        SignatureScheme::EcdsaP256Sha256 => dh::p256::sign(sk, message),
        SignatureScheme::EcdsaP384Sha384 => dh::p384::sign(sk, message),
        SignatureScheme::EcdsaP521Sha512 => dh::p521::sign(sk, message),
    }
}

/// Verifies `sig` over `message`.
pub(crate) fn verify(
    scheme: SignatureScheme,
    pk: &[u8],
    message: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    match scheme {
        SignatureScheme::Ed25519 => ed25519::verify(pk, message, sig),
        SignatureScheme::Ed448 => ed448::verify(pk, message, sig),
        SignatureScheme::EcdsaP256Sha256 => dh::p256::verify(pk, message, sig),
        SignatureScheme::EcdsaP384Sha384 => dh::p384::verify(pk, message, sig),
        SignatureScheme::EcdsaP521Sha512 => dh::p521::verify(pk, message, sig),
    }
}

/// Verifies many signatures: in one batch for Ed25519, one by one otherwise.
pub(crate) fn verify_batch(
    scheme: SignatureScheme,
    checks: &[SignatureCheck<'_>],
) -> Result<(), CryptoError> {
    match scheme {
        SignatureScheme::Ed25519 if checks.len() > 1 => ed25519::verify_batch(checks),
        _ => checks
            .iter()
            .try_for_each(|c| verify(scheme, c.public_key, c.message, c.signature)),
    }
}
