//! The signature schemes of the MLS ciphersuites (RFC 9420 §5.1.2, §17.1):
//! Ed25519 and Ed448 (RFC 8032, pure, empty context) on `ed25519-dalek` and
//! `ed448-goldilocks`, and ECDSA over P-256/SHA-256, P-384/SHA-384 and
//! P-521/SHA-512 on the `p256`/`p384`/`p521` crates (see [`crate::dh`]).
//!
//! Key and signature formats are those of TLS 1.3 as RFC 9420 §5.1.2 uses
//! them: EdDSA public keys are the RFC 8032 encoding and private keys the
//! seed; ECDSA public keys are uncompressed SEC 1 points, private keys
//! big-endian scalars (a shorter one is left-padded), signatures DER-encoded.

use conclave_core::crypto::{CryptoError, PreparedSigningKey, SignatureCheck, SignatureScheme};
use zeroize::Zeroizing;

use crate::verifying_keys::VerifyingKeys;
use crate::{dh, random};

/// Ed25519 (RFC 8032 §5.1) on `ed25519-dalek`.
mod ed25519 {
    use super::*;
    use ed25519_dalek::ed25519::signature::MultipartVerifier;
    use ed25519_dalek::{Signature, Signer, SigningKey};

    pub(super) const NSK: usize = 32;

    /// The key of seed `sk`: its SHA-512 expansion and public point
    /// (RFC 8032 §5.1.5).
    pub(super) fn signing_key(sk: &[u8]) -> Result<SigningKey, CryptoError> {
        let seed: Zeroizing<[u8; 32]> =
            Zeroizing::new(sk.try_into().map_err(|_| CryptoError::InvalidPrivateKey)?);
        Ok(SigningKey::from_bytes(&seed))
    }

    pub(super) fn signature(sig: &[u8]) -> Result<Signature, CryptoError> {
        Signature::from_slice(sig).map_err(|_| CryptoError::InvalidSignature)
    }

    pub(super) fn public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(signing_key(sk)?.verifying_key().as_bytes().to_vec())
    }

    pub(super) fn sign(key: &SigningKey, message: &[u8]) -> Vec<u8> {
        key.sign(message).to_bytes().to_vec()
    }

    /// Verifies over the concatenation of `message`'s parts (RFC 8032
    /// hashes `R || A || M` in one pass, so the parts are never joined).
    pub(super) fn verify(
        keys: &VerifyingKeys,
        pk: &[u8],
        message: &[&[u8]],
        sig: &[u8],
    ) -> Result<(), CryptoError> {
        keys.get(pk)?
            .multipart_verify(message, &signature(sig)?)
            .map_err(|_| CryptoError::InvalidSignature)
    }

    /// Whether a 32-byte Edwards point encoding (RFC 8032 §5.1.2) is the
    /// canonical one: `y < p = 2^255 - 19`, and no sign bit on `x = 0`
    /// (which happens for `y = 1` and `y = p - 1`).
    pub(super) fn is_canonical_point(enc: &[u8; 32]) -> bool {
        let sign = enc[31] & 0x80 != 0;
        let mut y = *enc;
        y[31] &= 0x7f;
        let top_all_ones = y[31] == 0x7f && y[1..31].iter().all(|&b| b == 0xff);
        if top_all_ones && y[0] >= 0xed {
            return false; // y >= p
        }
        let is_one = y[0] == 1 && y[1..].iter().all(|&b| b == 0);
        let is_minus_one = top_all_ones && y[0] == 0xec;
        !(sign && (is_one || is_minus_one))
    }

    /// Batch verification (`ed25519_dalek::verify_batch`): one
    /// multi-scalar multiplication for all signatures.
    ///
    /// Every batch of signatures that each pass [`verify`] passes. The
    /// converse can fail only for crafted inputs: a key or `R` with a
    /// small-order component can make the (deterministically) random linear
    /// combination cancel where the single (cofactorless) check rejects, and
    /// a signer can grind for that. Honest signatures never carry such
    /// components, and RFC 8032 §5.1.7 itself allows both the cofactored and
    /// the cofactorless equations; but callers that need every member to
    /// agree on an adversarial signature should verify one by one.
    pub(super) fn verify_batch(checks: &[SignatureCheck<'_>]) -> Result<(), CryptoError> {
        let mut keys = Vec::with_capacity(checks.len());
        let mut sigs = Vec::with_capacity(checks.len());
        let mut msgs = Vec::with_capacity(checks.len());
        for c in checks {
            keys.push(crate::verifying_keys::decode(c.public_key)?);
            let sig = signature(c.signature)?;
            // The single check compares R's bytes with a canonical encoding,
            // the batch only decompresses R: refuse what the single one would.
            if !is_canonical_point(sig.r_bytes()) {
                return Err(CryptoError::InvalidSignature);
            }
            sigs.push(sig);
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

    pub(super) fn signing_key(sk: &[u8]) -> Result<SigningKey, CryptoError> {
        if sk.len() != NSK {
            return Err(CryptoError::InvalidPrivateKey);
        }
        SigningKey::try_from(sk).map_err(|_| CryptoError::InvalidPrivateKey)
    }

    pub(super) fn public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(signing_key(sk)?.verifying_key().to_bytes().to_vec())
    }

    pub(super) fn sign(key: &SigningKey, message: &[u8]) -> Vec<u8> {
        key.sign_raw(message).to_bytes().to_vec()
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

/// A private key decoded once for many signatures
/// ([`CipherSuiteProvider::prepare_signing_key`](conclave_core::crypto::CipherSuiteProvider::prepare_signing_key)).
/// The keys of the curve crates zeroize themselves on drop.
pub(crate) enum PreparedKey {
    Ed25519(ed25519_dalek::SigningKey),
    Ed448(Box<ed448_goldilocks::SigningKey>),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
}

/// Decodes `sk` for `scheme`; [`CryptoError::InvalidPrivateKey`] if it is not one.
pub(crate) fn prepare(scheme: SignatureScheme, sk: &[u8]) -> Result<PreparedKey, CryptoError> {
    Ok(match scheme {
        SignatureScheme::Ed25519 => PreparedKey::Ed25519(ed25519::signing_key(sk)?),
        SignatureScheme::Ed448 => PreparedKey::Ed448(Box::new(ed448::signing_key(sk)?)),
        SignatureScheme::EcdsaP256Sha256 => PreparedKey::P256(dh::p256::signing_key(sk)?),
        SignatureScheme::EcdsaP384Sha384 => PreparedKey::P384(dh::p384::signing_key(sk)?),
        SignatureScheme::EcdsaP521Sha512 => PreparedKey::P521(dh::p521::signing_key(sk)?),
    })
}

impl PreparedSigningKey for PreparedKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self {
            Self::Ed25519(key) => Ok(ed25519::sign(key, message)),
            Self::Ed448(key) => Ok(ed448::sign(key, message)),
            Self::P256(key) => dh::p256::sign(key, message),
            Self::P384(key) => dh::p384::sign(key, message),
            Self::P521(key) => dh::p521::sign(key, message),
        }
    }
}

/// Signs `message`.
pub(crate) fn sign(
    scheme: SignatureScheme,
    sk: &[u8],
    message: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    prepare(scheme, sk)?.sign(message)
}

/// Verifies `sig` over `message`.
pub(crate) fn verify(
    scheme: SignatureScheme,
    keys: &VerifyingKeys,
    pk: &[u8],
    message: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    verify_parts(scheme, keys, pk, &[message], sig)
}

/// Verifies `sig` over the concatenation of `message`'s parts; only Ed448
/// joins them first.
pub(crate) fn verify_parts(
    scheme: SignatureScheme,
    keys: &VerifyingKeys,
    pk: &[u8],
    message: &[&[u8]],
    sig: &[u8],
) -> Result<(), CryptoError> {
    match scheme {
        SignatureScheme::Ed25519 => ed25519::verify(keys, pk, message, sig),
        SignatureScheme::Ed448 => match message {
            [one] => ed448::verify(pk, one, sig),
            _ => ed448::verify(pk, &message.concat(), sig),
        },
        SignatureScheme::EcdsaP256Sha256 => dh::p256::verify(pk, message, sig),
        SignatureScheme::EcdsaP384Sha384 => dh::p384::verify(pk, message, sig),
        SignatureScheme::EcdsaP521Sha512 => dh::p521::verify(pk, message, sig),
    }
}

/// Verifies many signatures: in one batch for Ed25519, one by one otherwise.
pub(crate) fn verify_batch(
    scheme: SignatureScheme,
    keys: &VerifyingKeys,
    checks: &[SignatureCheck<'_>],
) -> Result<(), CryptoError> {
    match scheme {
        SignatureScheme::Ed25519 if checks.len() > 1 => ed25519::verify_batch(checks),
        _ => checks
            .iter()
            .try_for_each(|c| verify(scheme, keys, c.public_key, c.message, c.signature)),
    }
}

#[cfg(test)]
mod tests {
    use super::ed25519::is_canonical_point;

    #[test]
    fn canonical_edwards_encodings() {
        let mut enc = [0u8; 32];
        enc[0] = 9;
        assert!(is_canonical_point(&enc));
        // y = p - 1 = 2^255 - 20 is canonical, y = p is not, nor p + 18.
        let mut p_minus_1 = [0xff; 32];
        p_minus_1[0] = 0xec;
        p_minus_1[31] = 0x7f;
        assert!(is_canonical_point(&p_minus_1));
        let mut p = p_minus_1;
        p[0] = 0xed;
        assert!(!is_canonical_point(&p));
        let mut top = p_minus_1;
        top[0] = 0xff;
        assert!(!is_canonical_point(&top));
        // x = 0 with the sign bit set: y = 1 and y = p - 1.
        let mut one = [0u8; 32];
        one[0] = 1;
        assert!(is_canonical_point(&one));
        one[31] |= 0x80;
        assert!(!is_canonical_point(&one));
        let mut minus_one = p_minus_1;
        minus_one[31] |= 0x80;
        assert!(!is_canonical_point(&minus_one));
        // Another point with the sign bit set is fine.
        enc[31] |= 0x80;
        assert!(is_canonical_point(&enc));
    }
}
