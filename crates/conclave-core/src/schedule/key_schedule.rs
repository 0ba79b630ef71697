//! The key schedule of one epoch (RFC 9420 §8), as a chain of types.
//!
//! ```text
//! InitSecret ──joiner(commit_secret, GroupContext)──▶ JoinerSecret
//!   (init_secret_[n-1])                                  │
//!                                     member(psk_secret) ▼
//!                                                 MemberSecret ──welcome_secret()──▶ WelcomeSecret
//!                                                        │
//!                                 epoch(GroupContext)    ▼
//!                                                 EpochSecret
//!                                                        │ derive()
//!                                                        ▼
//!                                                 EpochSecrets { sender_data, encryption, exporter,
//!                                                   external, confirmation_key, membership_key,
//!                                                   resumption_psk, epoch_authenticator,
//!                                                   init_secret: InitSecret (for epoch n+1) }
//! ```
//!
//! Every step consumes the stage it starts from, so a secret can only be
//! derived at its own stage and intermediate secrets are dropped (and so
//! zeroized, [`Secret`] does that on drop) as soon as the next stage exists.
//! The `GroupContext` is passed as its TLS encoding (§8.1), as the RFC uses it.

use crate::crypto::{derive_secret, expand_with_label, CipherSuiteProvider, Secret};
use crate::error::Result;

use super::psk::PskSecret;

/// `init_secret`: the secret an epoch leaves for the next one (§8), or the
/// random initial value of a new group (§11), or the secret of an external
/// commit's `ExternalInit` (§8.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitSecret(Secret);

impl InitSecret {
    /// An init secret from its bytes (state loaded back, or §8.3's external init).
    pub fn new(secret: Secret) -> Self {
        Self(secret)
    }

    /// A fresh random init secret of `Nh` bytes, for the first epoch of a
    /// new group (§11: "a fresh random value of length KDF.Nh").
    pub fn random(cs: &dyn CipherSuiteProvider) -> Result<Self> {
        let mut bytes = vec![0u8; cs.hash_len()];
        cs.random_bytes(&mut bytes)?;
        Ok(Self(Secret::new(bytes)))
    }

    /// The secret's bytes.
    pub fn as_secret(&self) -> &Secret {
        &self.0
    }

    /// `joiner_secret = ExpandWithLabel(Extract(init_secret, commit_secret),
    /// "joiner", GroupContext_[n], Nh)`. `commit_secret` is the all-zero
    /// vector when the commit has no path ([`Secret::zero`]).
    pub fn joiner(
        self,
        cs: &dyn CipherSuiteProvider,
        commit_secret: &Secret,
        group_context: &[u8],
    ) -> Result<JoinerSecret> {
        let prk = cs.kdf_extract(self.0.as_bytes(), commit_secret.as_bytes())?;
        let joiner = expand_with_label(cs, prk.as_bytes(), "joiner", group_context, cs.hash_len())?;
        Ok(JoinerSecret(joiner))
    }
}

/// `joiner_secret` (§8): the secret a Welcome carries to new members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinerSecret(Secret);

impl JoinerSecret {
    /// A joiner secret received in `GroupSecrets` (§12.4.3.1).
    pub fn new(secret: Secret) -> Self {
        Self(secret)
    }

    /// The secret's bytes (to put in `GroupSecrets`).
    pub fn as_secret(&self) -> &Secret {
        &self.0
    }

    /// The member secret: `Extract(salt = joiner_secret, ikm = psk_secret)`.
    /// A clone keeps the joiner secret for the Welcome when both are needed.
    pub fn member(
        self,
        cs: &dyn CipherSuiteProvider,
        psk_secret: &PskSecret,
    ) -> Result<MemberSecret> {
        let member = cs.kdf_extract(self.0.as_bytes(), psk_secret.as_secret().as_bytes())?;
        Ok(MemberSecret(member))
    }
}

/// The unnamed secret between `joiner_secret` and `epoch_secret` in §8,
/// from which the welcome secret and the epoch secret are derived.
#[derive(Debug, PartialEq, Eq)]
pub struct MemberSecret(Secret);

impl MemberSecret {
    /// `welcome_secret = DeriveSecret(member_secret, "welcome")`.
    pub fn welcome_secret(&self, cs: &dyn CipherSuiteProvider) -> Result<WelcomeSecret> {
        Ok(WelcomeSecret(derive_secret(
            cs,
            self.0.as_bytes(),
            "welcome",
        )?))
    }

    /// `epoch_secret = ExpandWithLabel(member_secret, "epoch", GroupContext_[n], Nh)`.
    pub fn epoch(self, cs: &dyn CipherSuiteProvider, group_context: &[u8]) -> Result<EpochSecret> {
        let epoch =
            expand_with_label(cs, self.0.as_bytes(), "epoch", group_context, cs.hash_len())?;
        Ok(EpochSecret(epoch))
    }
}

/// `welcome_secret` (§8), from which the key and nonce that encrypt the
/// GroupInfo of a Welcome are derived (§12.4.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WelcomeSecret(Secret);

impl WelcomeSecret {
    /// A welcome secret from its bytes.
    pub fn new(secret: Secret) -> Self {
        Self(secret)
    }

    /// The secret's bytes.
    pub fn as_secret(&self) -> &Secret {
        &self.0
    }

    /// `welcome_key = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)` and
    /// `welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)`.
    pub fn key_and_nonce(&self, cs: &dyn CipherSuiteProvider) -> Result<(Secret, Secret)> {
        let key = expand_with_label(cs, self.0.as_bytes(), "key", &[], cs.aead_key_len())?;
        let nonce = expand_with_label(cs, self.0.as_bytes(), "nonce", &[], cs.aead_nonce_len())?;
        Ok((key, nonce))
    }
}

/// `epoch_secret` (§8).
#[derive(Debug, PartialEq, Eq)]
pub struct EpochSecret(Secret);

impl EpochSecret {
    /// Derives every secret of the epoch (§8, table "Epoch-Derived Secrets")
    /// and the next epoch's `init_secret`; the epoch secret itself is dropped.
    pub fn derive(self, cs: &dyn CipherSuiteProvider) -> Result<EpochSecrets> {
        let d = |label: &str| derive_secret(cs, self.0.as_bytes(), label);
        Ok(EpochSecrets {
            sender_data_secret: d("sender data")?,
            encryption_secret: d("encryption")?,
            exporter_secret: d("exporter")?,
            external_secret: d("external")?,
            confirmation_key: d("confirm")?,
            membership_key: d("membership")?,
            resumption_psk: d("resumption")?,
            epoch_authenticator: d("authentication")?,
            init_secret: InitSecret(d("init")?),
        })
    }
}

/// The secrets of one epoch (§8), derived from its epoch secret.
///
/// The fields are public so that the group layer can move each secret where
/// it is used (the encryption secret into a [`super::SecretTree`], the
/// init secret into the next epoch's schedule) and drop the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochSecrets {
    /// `sender_data_secret` ("sender data"): keys for sender data (§6.3.2).
    pub sender_data_secret: Secret,
    /// `encryption_secret` ("encryption"): root of the secret tree (§9).
    pub encryption_secret: Secret,
    /// `exporter_secret` ("exporter"): MLS-Exporter (§8.5).
    pub exporter_secret: Secret,
    /// `external_secret` ("external"): the external init key pair (§8.3).
    pub external_secret: Secret,
    /// `confirmation_key` ("confirm"): the confirmation tag (§8.2).
    pub confirmation_key: Secret,
    /// `membership_key` ("membership"): the membership tag (§6.2).
    pub membership_key: Secret,
    /// `resumption_psk` ("resumption"): this epoch's resumption PSK (§8.6).
    pub resumption_psk: Secret,
    /// `epoch_authenticator` ("authentication") (§8.7).
    pub epoch_authenticator: Secret,
    /// `init_secret` ("init"): the start of the next epoch's schedule.
    pub init_secret: InitSecret,
}

impl EpochSecrets {
    /// `external_priv, external_pub = KEM.DeriveKeyPair(external_secret)` (§8).
    pub fn external_key_pair(&self, cs: &dyn CipherSuiteProvider) -> Result<(Secret, Vec<u8>)> {
        Ok(cs.kem_derive_key_pair(self.external_secret.as_bytes())?)
    }

    /// `MLS-Exporter(label, context, length)` (§8.5); see [`mls_exporter`].
    pub fn export(
        &self,
        cs: &dyn CipherSuiteProvider,
        label: &str,
        context: &[u8],
        length: usize,
    ) -> Result<Secret> {
        mls_exporter(cs, &self.exporter_secret, label, context, length)
    }
}

/// `MLS-Exporter(Label, Context, Length) = ExpandWithLabel(DeriveSecret(
/// exporter_secret, Label), "exported", Hash(Context), Length)` (§8.5).
///
/// The label is a text string (the "MLS Exporter Labels" registry, §17.8),
/// used as its bytes with the `"MLS 1.0 "` prefix that DeriveSecret adds.
pub fn mls_exporter(
    cs: &dyn CipherSuiteProvider,
    exporter_secret: &Secret,
    label: &str,
    context: &[u8],
    length: usize,
) -> Result<Secret> {
    let derived = derive_secret(cs, exporter_secret.as_bytes(), label)?;
    let context_hash = cs.hash(context);
    Ok(expand_with_label(
        cs,
        derived.as_bytes(),
        "exported",
        &context_hash,
        length,
    )?)
}
