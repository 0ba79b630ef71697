//! The crypto provider traits: every primitive Conclave uses is reached
//! through these, so providers are interchangeable values (`Arc<dyn ...>`).
//!
//! A [`CryptoProvider`] hands out one [`CipherSuiteProvider`] per supported
//! ciphersuite. The KEM is abstract (encapsulate/decapsulate, RFC 9180 §4),
//! not Diffie-Hellman, so that post-quantum KEMs fit the same trait. Signing
//! goes through the [`Signer`] trait so that a private key may live outside the
//! process (an HSM, a platform keystore).

use std::sync::Arc;

use super::{CipherSuite, Secret};

/// A failed cryptographic operation. Never carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The provider does not implement this ciphersuite.
    #[error("ciphersuite 0x{0:04x} is not supported by this provider")]
    UnsupportedCipherSuite(u16),
    /// A public key does not decode or is not a valid point.
    #[error("invalid public key")]
    InvalidPublicKey,
    /// A private key does not decode or is out of range.
    #[error("invalid private key")]
    InvalidPrivateKey,
    /// A signature does not verify (or does not decode).
    #[error("signature verification failed")]
    InvalidSignature,
    /// AEAD or HPKE decryption failed (wrong key or tampered ciphertext).
    #[error("decryption failed")]
    DecryptionFailed,
    /// A KEM encapsulation does not decode.
    #[error("invalid KEM encapsulation")]
    InvalidEncapsulation,
    /// A length does not fit the algorithm (key, nonce, HKDF output, ...).
    #[error("invalid length for {0}")]
    InvalidLength(&'static str),
    /// The random number generator failed.
    #[error("random number generator failure")]
    RandomFailure,
    /// Any other provider failure.
    #[error("provider failure: {0}")]
    Other(&'static str),
}

/// A source of providers for ciphersuites.
pub trait CryptoProvider: Send + Sync + core::fmt::Debug {
    /// The ciphersuites this provider implements.
    fn supported_cipher_suites(&self) -> Vec<CipherSuite>;

    /// The operations of one ciphersuite.
    fn cipher_suite(&self, suite: CipherSuite)
        -> Result<Arc<dyn CipherSuiteProvider>, CryptoError>;
}

/// One signature to check, for [`CipherSuiteProvider::verify_batch`].
#[derive(Debug, Clone, Copy)]
pub struct SignatureCheck<'a> {
    /// The signer's public key (raw `SignaturePublicKey` bytes).
    pub public_key: &'a [u8],
    /// The signed message.
    pub message: &'a [u8],
    /// The signature.
    pub signature: &'a [u8],
}

/// The primitives of one ciphersuite (RFC 9420 §5.1).
///
/// Key formats are those of the wire: HPKE keys in RFC 9180's
/// `SerializePublicKey`/`SerializePrivateKey` form, signature public keys as
/// TLS 1.3 encodes them, ECDSA signatures DER-encoded, private signature keys
/// as the raw scalar (ECDSA) or seed (EdDSA).
pub trait CipherSuiteProvider: Send + Sync + core::fmt::Debug {
    /// The ciphersuite implemented.
    fn cipher_suite(&self) -> CipherSuite;

    /// `Hash(data)`.
    fn hash(&self, data: &[u8]) -> Vec<u8>;

    /// `MAC(key, data)`: HMAC with the suite's hash.
    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// `Hash(parts[0] || parts[1] || ...)`, without joining the parts: a
    /// received message is hashed in place, next to fields encoded apart.
    /// The default joins them; providers should stream.
    fn hash_parts(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.hash(&parts.concat())
    }

    /// `MAC(key, parts[0] || parts[1] || ...)`, as [`Self::hash_parts`].
    fn mac_parts(&self, key: &[u8], parts: &[&[u8]]) -> Result<Vec<u8>, CryptoError> {
        self.mac(key, &parts.concat())
    }

    /// HKDF-Extract(salt, ikm).
    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, CryptoError>;

    /// HKDF-Expand(prk, info, length).
    fn kdf_expand(&self, prk: &[u8], info: &[u8], length: usize) -> Result<Secret, CryptoError>;

    /// AEAD encryption; returns ciphertext with the tag appended.
    fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;

    /// AEAD decryption of ciphertext with the tag appended.
    fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;

    /// A fresh random KEM key pair: (private, public).
    fn kem_generate(&self) -> Result<(Secret, Vec<u8>), CryptoError>;

    /// `DeriveKeyPair(ikm)` of RFC 9180 §7.1.3: (private, public).
    fn kem_derive_key_pair(&self, ikm: &[u8]) -> Result<(Secret, Vec<u8>), CryptoError>;

    /// The public key of a KEM private key.
    fn kem_public_key(&self, private_key: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// `Encap(pkR)`: (shared secret, encapsulation `enc`).
    fn kem_encap(&self, public_key: &[u8]) -> Result<(Secret, Vec<u8>), CryptoError>;

    /// `Decap(enc, skR)`; `public_key` is the recipient's own public key.
    fn kem_decap(
        &self,
        enc: &[u8],
        private_key: &[u8],
        public_key: &[u8],
    ) -> Result<Secret, CryptoError>;

    /// A fresh signature key pair: (private, public).
    fn signature_generate(&self) -> Result<(Secret, Vec<u8>), CryptoError>;

    /// The public key of a signature private key.
    fn signature_public_key(&self, private_key: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// Signs `message` with `private_key`.
    fn sign(&self, private_key: &[u8], message: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// `private_key` decoded once, for signing many messages with it (the
    /// key of a [`SignatureKeyPair`] signs every commit and application
    /// message of a member). `None`, the default, when the provider has no
    /// decoded form: [`Self::sign`] is used instead. Signatures made either
    /// way are the same. An invalid key is [`CryptoError::InvalidPrivateKey`].
    fn prepare_signing_key(
        &self,
        private_key: &[u8],
    ) -> Result<Option<Box<dyn PreparedSigningKey>>, CryptoError> {
        let _ = private_key;
        Ok(None)
    }

    /// Verifies `signature` over `message`.
    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;

    /// Verifies `signature` over `parts[0] || parts[1] || ...`, as
    /// [`Self::hash_parts`]: the default joins them.
    fn verify_parts(
        &self,
        public_key: &[u8],
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.verify(public_key, &parts.concat(), signature)
    }

    /// Verifies many signatures; fails if any fails. Providers may batch or
    /// parallelise; the default checks one after another.
    fn verify_batch(&self, checks: &[SignatureCheck<'_>]) -> Result<(), CryptoError> {
        checks
            .iter()
            .try_for_each(|c| self.verify(c.public_key, c.message, c.signature))
    }

    /// Fills `out` with random bytes.
    fn random_bytes(&self, out: &mut [u8]) -> Result<(), CryptoError>;

    /// The algorithms of this suite.
    fn algorithms(&self) -> super::SuiteAlgorithms;

    /// `Nh`: the output length of the suite's hash and KDF.
    fn hash_len(&self) -> usize {
        self.algorithms().hash.output_len()
    }

    /// `AEAD.Nk`.
    fn aead_key_len(&self) -> usize {
        self.algorithms().aead.key_len()
    }

    /// `AEAD.Nn`.
    fn aead_nonce_len(&self) -> usize {
        self.algorithms().aead.nonce_len()
    }
}

/// Something that can sign with one signature key: a key in memory, or a
/// handle to a key held elsewhere.
pub trait Signer: Send + Sync {
    /// The `SignaturePublicKey` of the key.
    fn public_key(&self) -> &[u8];

    /// Signs `message` (already the full `SignContent` encoding).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

/// A signature private key decoded once by its provider
/// ([`CipherSuiteProvider::prepare_signing_key`]): for Ed25519 the SHA-512
/// expansion of the seed and the public point (RFC 8032 §5.1.5), which
/// otherwise cost as much as the rest of a signature.
pub trait PreparedSigningKey: Send + Sync {
    /// Signs `message`, as [`CipherSuiteProvider::sign`] with the key would.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

/// A signature key pair held in memory, signing through a suite provider
/// (with the key in its decoded form when the provider has one).
#[derive(Clone)]
pub struct SignatureKeyPair {
    provider: Arc<dyn CipherSuiteProvider>,
    private_key: Secret,
    public_key: Vec<u8>,
    prepared: Option<Arc<dyn PreparedSigningKey>>,
}

impl SignatureKeyPair {
    /// A fresh key pair for the provider's suite.
    pub fn generate(provider: Arc<dyn CipherSuiteProvider>) -> Result<Self, CryptoError> {
        let (private_key, public_key) = provider.signature_generate()?;
        Self::new(provider, private_key, public_key)
    }

    /// A key pair from its private key; the public key is derived.
    pub fn from_private(
        provider: Arc<dyn CipherSuiteProvider>,
        private_key: Secret,
    ) -> Result<Self, CryptoError> {
        let public_key = provider.signature_public_key(private_key.as_bytes())?;
        Self::new(provider, private_key, public_key)
    }

    fn new(
        provider: Arc<dyn CipherSuiteProvider>,
        private_key: Secret,
        public_key: Vec<u8>,
    ) -> Result<Self, CryptoError> {
        let prepared = provider
            .prepare_signing_key(private_key.as_bytes())?
            .map(Arc::from);
        Ok(Self {
            provider,
            private_key,
            public_key,
            prepared,
        })
    }

    /// The private key.
    pub fn private_key(&self) -> &Secret {
        &self.private_key
    }
}

impl core::fmt::Debug for SignatureKeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignatureKeyPair")
            .field("suite", &self.provider.cipher_suite())
            .field("public_key_len", &self.public_key.len())
            .finish_non_exhaustive()
    }
}

impl Signer for SignatureKeyPair {
    fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match &self.prepared {
            Some(key) => key.sign(message),
            None => self.provider.sign(self.private_key.as_bytes(), message),
        }
    }
}
