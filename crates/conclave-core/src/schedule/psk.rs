//! Pre-shared keys (RFC 9420 §8.4): the PSK secret fold, and the lookup
//! through which the caller supplies PSK values.
//!
//! ```text
//! psk_extracted_[i] = KDF.Extract(0, psk_[i])
//! psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
//! psk_secret_[0]    = 0
//! psk_secret_[i]    = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
//! psk_secret        = psk_secret_[n]
//! ```
//!
//! Core stores no PSK. The caller implements [`PskStore`]: external PSKs
//! are the application's, and resumption PSKs are the `resumption_psk`
//! values (§8.6) of past epochs that the caller chose to retain (the RFC
//! asks for a bound on how many, §8.6).

use crate::codec::encode;
use crate::crypto::{expand_with_label, CipherSuiteProvider, Secret};
use crate::error::Result;
use crate::wire::{PreSharedKeyId, PskLabel};
use crate::{Error, ProtocolError};

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

    /// The fold of §8.4 over `psks`, in order: each PSK's identifier and
    /// value. With no PSK, the all-zero secret.
    pub fn derive(
        cs: &dyn CipherSuiteProvider,
        psks: &[(&PreSharedKeyId, &Secret)],
    ) -> Result<Self> {
        let count = u16::try_from(psks.len())
            .map_err(|_| Error::Misuse(format!("{} PSKs exceed 65535", psks.len())))?;
        let zero = Secret::zero(cs.hash_len());
        let mut secret = zero.clone();
        for (index, (id, psk)) in (0u16..).zip(psks) {
            let extracted = cs.kdf_extract(zero.as_bytes(), psk.as_bytes())?;
            let label = encode(&PskLabel { id, index, count })?;
            let input = expand_with_label(
                cs,
                extracted.as_bytes(),
                "derived psk",
                &label,
                cs.hash_len(),
            )?;
            secret = cs.kdf_extract(input.as_bytes(), secret.as_bytes())?;
        }
        Ok(Self(secret))
    }

    /// Looks every identifier up in `store` and folds the values (§8.4).
    /// A PSK the store does not have is refused ([`ProtocolError::UnknownPsk`]),
    /// as is a `psk_nonce` whose length is not `Nh` (§8.4).
    pub fn resolve(
        cs: &dyn CipherSuiteProvider,
        ids: &[PreSharedKeyId],
        store: &dyn PskStore,
    ) -> Result<Self> {
        let mut values = Vec::with_capacity(ids.len());
        for (index, id) in ids.iter().enumerate() {
            if id.psk_nonce.as_slice().len() != cs.hash_len() {
                return Err(ProtocolError::PskNonceLength {
                    index,
                    len: id.psk_nonce.as_slice().len(),
                }
                .into());
            }
            let value = store.psk(id).ok_or(ProtocolError::UnknownPsk { index })?;
            values.push(value);
        }
        let pairs: Vec<(&PreSharedKeyId, &Secret)> = ids.iter().zip(values.iter()).collect();
        Self::derive(cs, &pairs)
    }
}

/// Where PSK values come from: given an identifier, its value, or `None`
/// if the caller does not have it. For a resumption PSK
/// (`Psk::Resumption { psk_group_id, psk_epoch, .. }`) the value is the
/// `resumption_psk` of that group's epoch, which the caller retained.
pub trait PskStore {
    /// The value of the PSK `id` names, if known.
    fn psk(&self, id: &PreSharedKeyId) -> Option<Secret>;
}

/// A store that knows no PSK.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPsks;

impl PskStore for NoPsks {
    fn psk(&self, _id: &PreSharedKeyId) -> Option<Secret> {
        None
    }
}

impl<F> PskStore for F
where
    F: Fn(&PreSharedKeyId) -> Option<Secret>,
{
    fn psk(&self, id: &PreSharedKeyId) -> Option<Secret> {
        self(id)
    }
}
