//! Ciphersuites (RFC 9420 §5.1, §17.1).

use crate::codec::{TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize};

/// A ciphersuite identifier (`uint16 CipherSuite`, RFC 9420 §17.1).
///
/// An open newtype: values outside the registry (including GREASE values,
/// §13.5) decode and re-encode unchanged.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    TlsSerialize,
    TlsDeserialize,
    TlsDeserializeBytes,
    TlsSize,
)]
pub struct CipherSuite(pub u16);

/// KEM identifiers of RFC 9180 §7.1 used by the MLS ciphersuites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KemId {
    /// DHKEM(P-256, HKDF-SHA256), 0x0010.
    DhKemP256,
    /// DHKEM(P-384, HKDF-SHA384), 0x0011.
    DhKemP384,
    /// DHKEM(P-521, HKDF-SHA512), 0x0012.
    DhKemP521,
    /// DHKEM(X25519, HKDF-SHA256), 0x0020.
    DhKemX25519,
    /// DHKEM(X448, HKDF-SHA512), 0x0021.
    DhKemX448,
}

impl KemId {
    /// The RFC 9180 registry value.
    pub fn value(self) -> u16 {
        match self {
            Self::DhKemP256 => 0x0010,
            Self::DhKemP384 => 0x0011,
            Self::DhKemP521 => 0x0012,
            Self::DhKemX25519 => 0x0020,
            Self::DhKemX448 => 0x0021,
        }
    }
}

/// Hash (and HKDF/HMAC) functions of the MLS ciphersuites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashId {
    /// SHA-256 (HKDF-SHA256 is RFC 9180 KDF 0x0001).
    Sha256,
    /// SHA-384 (KDF 0x0002).
    Sha384,
    /// SHA-512 (KDF 0x0003).
    Sha512,
}

impl HashId {
    /// The RFC 9180 KDF identifier of HKDF with this hash.
    pub fn kdf_id(self) -> u16 {
        match self {
            Self::Sha256 => 0x0001,
            Self::Sha384 => 0x0002,
            Self::Sha512 => 0x0003,
        }
    }

    /// Output length in bytes (`Nh`).
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

/// AEAD algorithms of the MLS ciphersuites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AeadId {
    /// AES-128-GCM, RFC 9180 AEAD 0x0001.
    Aes128Gcm,
    /// AES-256-GCM, 0x0002.
    Aes256Gcm,
    /// ChaCha20-Poly1305, 0x0003.
    ChaCha20Poly1305,
}

impl AeadId {
    /// The RFC 9180 registry value.
    pub fn value(self) -> u16 {
        match self {
            Self::Aes128Gcm => 0x0001,
            Self::Aes256Gcm => 0x0002,
            Self::ChaCha20Poly1305 => 0x0003,
        }
    }

    /// Key length in bytes (`Nk`).
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }

    /// Nonce length in bytes (`Nn`).
    pub fn nonce_len(self) -> usize {
        12
    }

    /// Tag length in bytes.
    pub fn tag_len(self) -> usize {
        16
    }
}

/// Signature schemes of the MLS ciphersuites (TLS SignatureScheme names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureScheme {
    /// ed25519 (0x0807).
    Ed25519,
    /// ed448 (0x0808).
    Ed448,
    /// ecdsa_secp256r1_sha256 (0x0403), DER-encoded signatures.
    EcdsaP256Sha256,
    /// ecdsa_secp384r1_sha384 (0x0503).
    EcdsaP384Sha384,
    /// ecdsa_secp521r1_sha512 (0x0603).
    EcdsaP521Sha512,
}

/// The algorithms that make up one ciphersuite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SuiteAlgorithms {
    /// The HPKE KEM.
    pub kem: KemId,
    /// The hash, also fixing HKDF and HMAC.
    pub hash: HashId,
    /// The AEAD.
    pub aead: AeadId,
    /// The signature scheme.
    pub signature: SignatureScheme,
}

impl CipherSuite {
    /// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.
    pub const X25519_AES128GCM_SHA256_ED25519: Self = Self(0x0001);
    /// MLS_128_DHKEMP256_AES128GCM_SHA256_P256.
    pub const P256_AES128GCM_SHA256_P256: Self = Self(0x0002);
    /// MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519.
    pub const X25519_CHACHA20POLY1305_SHA256_ED25519: Self = Self(0x0003);
    /// MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448.
    pub const X448_AES256GCM_SHA512_ED448: Self = Self(0x0004);
    /// MLS_256_DHKEMP521_AES256GCM_SHA512_P521.
    pub const P521_AES256GCM_SHA512_P521: Self = Self(0x0005);
    /// MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448.
    pub const X448_CHACHA20POLY1305_SHA512_ED448: Self = Self(0x0006);
    /// MLS_256_DHKEMP384_AES256GCM_SHA384_P384.
    pub const P384_AES256GCM_SHA384_P384: Self = Self(0x0007);

    /// The seven ciphersuites of RFC 9420 §17.1.
    pub const RFC9420: [Self; 7] = [
        Self(1),
        Self(2),
        Self(3),
        Self(4),
        Self(5),
        Self(6),
        Self(7),
    ];

    /// The algorithms of a registered suite, or `None` for an unknown value.
    pub fn algorithms(self) -> Option<SuiteAlgorithms> {
        use AeadId::*;
        use HashId::*;
        use KemId::*;
        use SignatureScheme::*;
        let (kem, hash, aead, signature) = match self.0 {
            0x0001 => (DhKemX25519, Sha256, Aes128Gcm, Ed25519),
            0x0002 => (DhKemP256, Sha256, Aes128Gcm, EcdsaP256Sha256),
            0x0003 => (DhKemX25519, Sha256, ChaCha20Poly1305, Ed25519),
            0x0004 => (DhKemX448, Sha512, Aes256Gcm, Ed448),
            0x0005 => (DhKemP521, Sha512, Aes256Gcm, EcdsaP521Sha512),
            0x0006 => (DhKemX448, Sha512, ChaCha20Poly1305, Ed448),
            0x0007 => (DhKemP384, Sha384, Aes256Gcm, EcdsaP384Sha384),
            _ => return None,
        };
        Some(SuiteAlgorithms {
            kem,
            hash,
            aead,
            signature,
        })
    }

    /// Whether this is a GREASE value (RFC 9420 §13.5): `0x?A?A`.
    pub fn is_grease(self) -> bool {
        crate::codec::is_grease(self.0)
    }
}
