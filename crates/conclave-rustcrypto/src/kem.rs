//! DHKEM (RFC 9180 §4.1) over the groups of [`crate::dh`]: `Encap`, `Decap`,
//! `DeriveKeyPair` (§7.1.3) and `GenerateKeyPair`, composed from `DH` and the
//! KEM's HKDF with the `"KEM" || I2OSP(kem_id, 2)` suite id.
//!
//! HPKE's key schedule and AEAD part (§5.1) are composed in
//! `conclave_core::crypto::HpkeInfo`; this module is only the KEM.

use conclave_core::crypto::{
    labeled_expand_info, labeled_extract_ikm, CryptoError, HashId, KemId, Secret,
};

use crate::{dh, hash, random};

/// The constants of one DHKEM (RFC 9180 §7.1).
#[derive(Debug, Clone, Copy)]
struct Params {
    /// The KDF of the KEM.
    kdf: HashId,
    /// `Nsecret`: the length of the KEM shared secret.
    n_secret: usize,
    /// `Nsk`: the length of a serialized private key.
    n_sk: usize,
    /// For the NIST curves, the mask of the first byte in DeriveKeyPair's
    /// rejection sampling (§7.1.3); `None` for X25519/X448.
    bitmask: Option<u8>,
}

fn params(kem: KemId) -> Params {
    let (kdf, n_secret, n_sk, bitmask) = match kem {
        KemId::DhKemP256 => (HashId::Sha256, 32, 32, Some(0xff)),
        KemId::DhKemP384 => (HashId::Sha384, 48, 48, Some(0xff)),
        KemId::DhKemP521 => (HashId::Sha512, 64, 66, Some(0x01)),
        KemId::DhKemX25519 => (HashId::Sha256, 32, 32, None),
        KemId::DhKemX448 => (HashId::Sha512, 64, 56, None),
    };
    Params {
        kdf,
        n_secret,
        n_sk,
        bitmask,
    }
}

/// `suite_id = concat("KEM", I2OSP(kem_id, 2))` (§4.1).
fn suite_id(kem: KemId) -> [u8; 5] {
    let id = kem.value().to_be_bytes();
    [b'K', b'E', b'M', id[0], id[1]]
}

/// `LabeledExtract(salt, label, ikm)` (§4) with the KEM's suite id.
fn labeled_extract(kem: KemId, salt: &[u8], label: &[u8], ikm: &[u8]) -> Secret {
    let input = labeled_extract_ikm(&suite_id(kem), label, ikm);
    hash::extract(params(kem).kdf, salt, &input)
}

/// `LabeledExpand(prk, label, info, L)` (§4) with the KEM's suite id.
fn labeled_expand(
    kem: KemId,
    prk: &[u8],
    label: &[u8],
    info: &[u8],
    len: usize,
) -> Result<Secret, CryptoError> {
    let labeled_info = labeled_expand_info(&suite_id(kem), label, info, len)?;
    hash::expand(params(kem).kdf, prk, &labeled_info, len)
}

/// `ExtractAndExpand(dh, kem_context)` (§4.1).
fn extract_and_expand(kem: KemId, dh: &[u8], kem_context: &[u8]) -> Result<Secret, CryptoError> {
    let eae_prk = labeled_extract(kem, b"", b"eae_prk", dh);
    labeled_expand(
        kem,
        eae_prk.as_bytes(),
        b"shared_secret",
        kem_context,
        params(kem).n_secret,
    )
}

/// `DeriveKeyPair(ikm)` (§7.1.3): (private, public).
pub(crate) fn derive_key_pair(kem: KemId, ikm: &[u8]) -> Result<(Secret, Vec<u8>), CryptoError> {
    let p = params(kem);
    let dkp_prk = labeled_extract(kem, b"", b"dkp_prk", ikm);
    let sk = match p.bitmask {
        None => labeled_expand(kem, dkp_prk.as_bytes(), b"sk", b"", p.n_sk)?,
        Some(mask) => nist_candidate(kem, &dkp_prk, p.n_sk, mask)?,
    };
    let pk = dh::public_key(kem, sk.as_bytes())?;
    Ok((sk, pk))
}

/// The rejection-sampling loop of DeriveKeyPair for the NIST curves: the
/// first candidate (counter 0..=255) that is a scalar in `[1, n-1]`.
fn nist_candidate(
    kem: KemId,
    dkp_prk: &Secret,
    n_sk: usize,
    bitmask: u8,
) -> Result<Secret, CryptoError> {
    for counter in 0..=255u8 {
        let candidate = labeled_expand(kem, dkp_prk.as_bytes(), b"candidate", &[counter], n_sk)?;
        let mut bytes = candidate.as_bytes().to_vec();
        if let Some(first) = bytes.first_mut() {
            *first &= bitmask;
        }
        let bytes = Secret::new(bytes);
        let valid = match kem {
            KemId::DhKemP256 => dh::p256::is_valid_scalar(bytes.as_bytes()),
            KemId::DhKemP384 => dh::p384::is_valid_scalar(bytes.as_bytes()),
            KemId::DhKemP521 => dh::p521::is_valid_scalar(bytes.as_bytes()),
            KemId::DhKemX25519 | KemId::DhKemX448 => false,
        };
        if valid {
            return Ok(bytes);
        }
    }
    Err(CryptoError::Other("DeriveKeyPair found no valid scalar"))
}

/// `GenerateKeyPair()`: `DeriveKeyPair` of `Nsk` fresh random bytes (§4).
pub(crate) fn generate(kem: KemId) -> Result<(Secret, Vec<u8>), CryptoError> {
    let ikm = random::secret_bytes(params(kem).n_sk)?;
    derive_key_pair(kem, &ikm)
}

/// `Encap(pkR)` (§4.1): (shared secret, `enc`). The recipient key is
/// validated by `DH`; an invalid one is [`CryptoError::InvalidPublicKey`].
pub(crate) fn encap(kem: KemId, pk_r: &[u8]) -> Result<(Secret, Vec<u8>), CryptoError> {
    let (sk_e, pk_e) = generate(kem)?;
    let dh = dh::dh(kem, sk_e.as_bytes(), pk_r)?;
    let mut kem_context = Vec::with_capacity(pk_e.len() + pk_r.len());
    kem_context.extend_from_slice(&pk_e);
    kem_context.extend_from_slice(pk_r);
    let shared = extract_and_expand(kem, &dh, &kem_context)?;
    Ok((shared, pk_e))
}

/// `Decap(enc, skR)` (§4.1). `pk_r` is the recipient's own public key (its
/// serialization enters the KEM context); if empty it is derived from `sk_r`.
/// An `enc` that is not a valid public key is
/// [`CryptoError::InvalidEncapsulation`].
pub(crate) fn decap(
    kem: KemId,
    enc: &[u8],
    sk_r: &[u8],
    pk_r: &[u8],
) -> Result<Secret, CryptoError> {
    let derived;
    let pk_r = if pk_r.is_empty() {
        derived = dh::public_key(kem, sk_r)?;
        &derived[..]
    } else {
        pk_r
    };
    let dh = dh::dh(kem, sk_r, enc).map_err(|e| match e {
        CryptoError::InvalidPublicKey => CryptoError::InvalidEncapsulation,
        other => other,
    })?;
    let mut kem_context = Vec::with_capacity(enc.len() + pk_r.len());
    kem_context.extend_from_slice(enc);
    kem_context.extend_from_slice(pk_r);
    extract_and_expand(kem, &dh, &kem_context)
}
