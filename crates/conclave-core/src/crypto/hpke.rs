//! HPKE base mode (RFC 9180 §5.1, §6.1) composed over the provider's KEM, KDF
//! and AEAD.
//!
//! Core owns this composition, not the provider, for one reason: the HPKE key
//! schedule hashes `info` (`info_hash = LabeledExtract("", "info_hash", info)`),
//! and MLS seals every GroupSecrets of one Welcome with the same `info` (the
//! encrypted GroupInfo, which holds the whole tree). [`HpkeInfo`] computes that
//! part of the key schedule once, so sealing to N new members costs N KEM
//! encapsulations, not N hashes of an O(N) input. Only single-shot
//! encryption (sequence number 0) is needed by MLS. The construction is
//! checked against RFC 9180's test vectors and the MLS vectors.

use zeroize::Zeroizing;

use super::{CipherSuiteProvider, CryptoError, Secret};

const MODE_BASE: u8 = 0x00;

/// The version label of every HPKE labelled operation (RFC 9180 §4).
const HPKE_V1: &[u8] = b"HPKE-v1";

/// The HPKE `suite_id`: `"HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2)`.
fn suite_id(cs: &dyn CipherSuiteProvider) -> [u8; 10] {
    let alg = cs.algorithms();
    let mut id = [0u8; 10];
    id[..4].copy_from_slice(b"HPKE");
    id[4..6].copy_from_slice(&alg.kem.value().to_be_bytes());
    id[6..8].copy_from_slice(&alg.hash.kdf_id().to_be_bytes());
    id[8..10].copy_from_slice(&alg.aead.value().to_be_bytes());
    id
}

/// The input keying material of RFC 9180 §4 `LabeledExtract` for a given
/// `suite_id`: `"HPKE-v1" || suite_id || label || ikm`. Shared with providers
/// that compose a DHKEM (§4.1, whose `suite_id` is `"KEM" || kem_id`), so the
/// labelling lives in one place.
pub fn labeled_extract_ikm(suite_id: &[u8], label: &[u8], ikm: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut input = Zeroizing::new(Vec::with_capacity(
        HPKE_V1.len() + suite_id.len() + label.len() + ikm.len(),
    ));
    input.extend_from_slice(HPKE_V1);
    input.extend_from_slice(suite_id);
    input.extend_from_slice(label);
    input.extend_from_slice(ikm);
    input
}

/// The info of RFC 9180 §4 `LabeledExpand` for a given `suite_id`:
/// `I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info`; fails when `L`
/// does not fit in two bytes.
pub fn labeled_expand_info(
    suite_id: &[u8],
    label: &[u8],
    info: &[u8],
    len: usize,
) -> Result<Vec<u8>, CryptoError> {
    let len16 = u16::try_from(len).map_err(|_| CryptoError::InvalidLength("HPKE expand"))?;
    let mut labeled_info =
        Vec::with_capacity(2 + HPKE_V1.len() + suite_id.len() + label.len() + info.len());
    labeled_info.extend_from_slice(&len16.to_be_bytes());
    labeled_info.extend_from_slice(HPKE_V1);
    labeled_info.extend_from_slice(suite_id);
    labeled_info.extend_from_slice(label);
    labeled_info.extend_from_slice(info);
    Ok(labeled_info)
}

/// `LabeledExtract(salt, label, ikm)` of RFC 9180 §4 with the HPKE suite id.
fn labeled_extract(
    cs: &dyn CipherSuiteProvider,
    salt: &[u8],
    label: &[u8],
    ikm: &[u8],
) -> Result<Secret, CryptoError> {
    cs.kdf_extract(salt, &labeled_extract_ikm(&suite_id(cs), label, ikm))
}

/// `LabeledExpand(prk, label, info, L)` of RFC 9180 §4 with the HPKE suite id.
fn labeled_expand(
    cs: &dyn CipherSuiteProvider,
    prk: &[u8],
    label: &[u8],
    info: &[u8],
    len: usize,
) -> Result<Secret, CryptoError> {
    cs.kdf_expand(
        prk,
        &labeled_expand_info(&suite_id(cs), label, info, len)?,
        len,
    )
}

/// A KEM encapsulation to one recipient made before the HPKE `info` is
/// known: `SetupBaseS(pkR, info)` is `Encap(pkR)` then `KeySchedule(info)`
/// (RFC 9180 §5.1.1), and the encapsulation does not depend on `info`. A
/// Welcome's `info` is the encrypted GroupInfo, known only at the end of a
/// commit; the encapsulations (the cost of a large Welcome) can run while
/// the commit is built. Used by [`HpkeInfo::seal_encapsulated`], once.
pub struct Encapsulation {
    shared_secret: Secret,
    enc: Vec<u8>,
    public_key: Vec<u8>,
}

impl core::fmt::Debug for Encapsulation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Encapsulation").finish_non_exhaustive()
    }
}

impl Encapsulation {
    /// `Encap(pkR)` to `public_key`.
    pub fn new(cs: &dyn CipherSuiteProvider, public_key: &[u8]) -> Result<Self, CryptoError> {
        let (shared_secret, enc) = cs.kem_encap(public_key)?;
        Ok(Self {
            shared_secret,
            enc,
            public_key: public_key.to_vec(),
        })
    }

    /// The recipient's public key.
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }
}

/// The part of the base-mode key schedule that depends only on `info`: the
/// `key_schedule_context` (`mode || psk_id_hash || info_hash`). Compute it once
/// and seal to any number of recipients with it.
#[derive(Debug, Clone)]
pub struct HpkeInfo {
    key_schedule_context: Vec<u8>,
}

impl HpkeInfo {
    /// Prepares the key schedule for `info` in base mode (empty PSK and PSK id).
    pub fn new(cs: &dyn CipherSuiteProvider, info: &[u8]) -> Result<Self, CryptoError> {
        let psk_id_hash = labeled_extract(cs, b"", b"psk_id_hash", b"")?;
        let info_hash = labeled_extract(cs, b"", b"info_hash", info)?;
        let mut key_schedule_context = Vec::with_capacity(1 + psk_id_hash.len() + info_hash.len());
        key_schedule_context.push(MODE_BASE);
        key_schedule_context.extend_from_slice(psk_id_hash.as_bytes());
        key_schedule_context.extend_from_slice(info_hash.as_bytes());
        Ok(Self {
            key_schedule_context,
        })
    }

    /// `KeySchedule` from a KEM shared secret: the AEAD key and base nonce.
    fn key_and_nonce(
        &self,
        cs: &dyn CipherSuiteProvider,
        shared_secret: &Secret,
    ) -> Result<(Secret, Secret), CryptoError> {
        let secret = labeled_extract(cs, shared_secret.as_bytes(), b"secret", b"")?;
        let key = labeled_expand(
            cs,
            secret.as_bytes(),
            b"key",
            &self.key_schedule_context,
            cs.aead_key_len(),
        )?;
        let nonce = labeled_expand(
            cs,
            secret.as_bytes(),
            b"base_nonce",
            &self.key_schedule_context,
            cs.aead_nonce_len(),
        )?;
        Ok((key, nonce))
    }

    /// `exporter_secret = LabeledExpand(secret, "exp", key_schedule_context, Nh)`
    /// of the KeySchedule (RFC 9180 §5.1), then `Export(exporter_context, L)
    /// = LabeledExpand(exporter_secret, "sec", exporter_context, L)` (§5.3).
    fn export_from(
        &self,
        cs: &dyn CipherSuiteProvider,
        shared_secret: &Secret,
        exporter_context: &[u8],
        len: usize,
    ) -> Result<Secret, CryptoError> {
        let secret = labeled_extract(cs, shared_secret.as_bytes(), b"secret", b"")?;
        let exporter_secret = labeled_expand(
            cs,
            secret.as_bytes(),
            b"exp",
            &self.key_schedule_context,
            cs.hash_len(),
        )?;
        labeled_expand(
            cs,
            exporter_secret.as_bytes(),
            b"sec",
            exporter_context,
            len,
        )
    }

    /// `SetupBaseS(pkR, info)` followed by `context.export(exporter_context, L)`
    /// (RFC 9180 §5.1.1, §5.3): returns (`enc`, the exported secret). MLS
    /// uses it for the `init_secret` of an external commit (RFC 9420 §8.3).
    pub fn setup_sender_and_export(
        &self,
        cs: &dyn CipherSuiteProvider,
        public_key: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<(Vec<u8>, Secret), CryptoError> {
        let (shared_secret, enc) = cs.kem_encap(public_key)?;
        let exported = self.export_from(cs, &shared_secret, exporter_context, len)?;
        Ok((enc, exported))
    }

    /// `SetupBaseR(enc, skR, info)` followed by
    /// `context.export(exporter_context, L)` (RFC 9180 §5.1.1, §5.3).
    /// `public_key` is the recipient's own public key (for the KEM context).
    pub fn setup_receiver_and_export(
        &self,
        cs: &dyn CipherSuiteProvider,
        enc: &[u8],
        private_key: &[u8],
        public_key: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<Secret, CryptoError> {
        let shared_secret = cs.kem_decap(enc, private_key, public_key)?;
        self.export_from(cs, &shared_secret, exporter_context, len)
    }

    /// Single-shot `SealBase(pkR, info, aad, pt)`: returns (`enc`, ciphertext).
    pub fn seal(
        &self,
        cs: &dyn CipherSuiteProvider,
        public_key: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
        let (shared_secret, enc) = cs.kem_encap(public_key)?;
        let (key, nonce) = self.key_and_nonce(cs, &shared_secret)?;
        let ciphertext = cs.aead_seal(key.as_bytes(), nonce.as_bytes(), aad, plaintext)?;
        Ok((enc, ciphertext))
    }

    /// Single-shot `SealBase(pkR, info, aad, pt)` with the encapsulation
    /// made beforehand: returns (`enc`, ciphertext). One encapsulation must
    /// seal one message only (a single-shot context, RFC 9180 §6.1): a
    /// second message would reuse its key and nonce. So this is crate-only;
    /// outside, encapsulations are consumed by
    /// `WelcomeBuilder::add_members_encapsulated`, which seals once with each.
    pub(crate) fn seal_encapsulated(
        &self,
        cs: &dyn CipherSuiteProvider,
        encapsulation: &Encapsulation,
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
        let (key, nonce) = self.key_and_nonce(cs, &encapsulation.shared_secret)?;
        let ciphertext = cs.aead_seal(key.as_bytes(), nonce.as_bytes(), aad, plaintext)?;
        Ok((encapsulation.enc.clone(), ciphertext))
    }

    /// Single-shot `OpenBase(enc, skR, info, aad, ct)`. `public_key` is the
    /// recipient's own public key (for the KEM context).
    pub fn open(
        &self,
        cs: &dyn CipherSuiteProvider,
        enc: &[u8],
        private_key: &[u8],
        public_key: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let shared_secret = cs.kem_decap(enc, private_key, public_key)?;
        let (key, nonce) = self.key_and_nonce(cs, &shared_secret)?;
        cs.aead_open(key.as_bytes(), nonce.as_bytes(), aad, ciphertext)
    }
}
