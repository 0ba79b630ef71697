//! The Diffie-Hellman groups under the DHKEMs of the MLS ciphersuites
//! (RFC 9180 §7.1): X25519 and X448 (RFC 7748), and P-256, P-384, P-521 with
//! ECDH as in SEC 1. Each offers the public key of a private key, `DH(sk, pk)`
//! and the scalar check of `DeriveKeyPair` (§7.1.3); the curve arithmetic is
//! the curve crates'.
//!
//! Key formats are RFC 9180 §7.1.1's `SerializePublicKey` /
//! `SerializePrivateKey`: raw little-endian strings for X25519/X448, the
//! uncompressed SEC 1 point and the big-endian scalar for the NIST curves. A
//! NIST private key shorter than `Nsk` is read as the big-endian integer it
//! spells (left-padded with zeros): some implementations drop leading zero
//! bytes, which shows up in the MLS vectors as 65-byte P-521 keys.
//!
//! Validation (RFC 9180 §7.1.4): NIST public keys must decode to a point on the
//! curve other than the identity; an X25519/X448 DH output of all zeros (a
//! small-order peer key) is rejected.

use conclave_core::crypto::{CryptoError, KemId};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A DH output (`Ndh` bytes).
pub(crate) type DhOutput = Zeroizing<Vec<u8>>;

/// Rejects the all-zero output of X25519/X448 (RFC 7748 §6, RFC 9180 §7.1.4).
fn non_zero(out: &[u8]) -> Result<(), CryptoError> {
    let zero = out.iter().fold(0u8, |acc, b| acc | b).ct_eq(&0u8);
    if bool::from(zero) {
        Err(CryptoError::InvalidPublicKey)
    } else {
        Ok(())
    }
}

/// X25519 (RFC 7748 §5) on `x25519-dalek`; scalars are clamped by the crate.
pub(crate) mod x25519 {
    use super::*;
    use x25519_dalek::{PublicKey, StaticSecret};

    fn secret(sk: &[u8]) -> Result<StaticSecret, CryptoError> {
        let bytes: Zeroizing<[u8; 32]> =
            Zeroizing::new(sk.try_into().map_err(|_| CryptoError::InvalidPrivateKey)?);
        Ok(StaticSecret::from(*bytes))
    }

    /// `pk(sk)`.
    pub(crate) fn public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(PublicKey::from(&secret(sk)?).as_bytes().to_vec())
    }

    /// `DH(sk, pk)`.
    pub(crate) fn dh(sk: &[u8], pk: &[u8]) -> Result<DhOutput, CryptoError> {
        let pk: [u8; 32] = pk.try_into().map_err(|_| CryptoError::InvalidPublicKey)?;
        let shared = secret(sk)?.diffie_hellman(&PublicKey::from(pk));
        let out = Zeroizing::new(shared.as_bytes().to_vec());
        non_zero(&out)?;
        Ok(out)
    }
}

/// X448 (RFC 7748 §5) on the `x448` crate, which clamps the scalar and
/// rejects small-order points.
pub(crate) mod x448 {
    use super::*;

    fn array(bytes: &[u8], err: CryptoError) -> Result<Zeroizing<[u8; 56]>, CryptoError> {
        Ok(Zeroizing::new(bytes.try_into().map_err(|_| err)?))
    }

    /// `pk(sk)`.
    pub(crate) fn public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let sk = array(sk, CryptoError::InvalidPrivateKey)?;
        ::x448::x448(*sk, ::x448::X448_BASEPOINT_BYTES)
            .map(|pk| pk.to_vec())
            .ok_or(CryptoError::InvalidPrivateKey)
    }

    /// `DH(sk, pk)`.
    pub(crate) fn dh(sk: &[u8], pk: &[u8]) -> Result<DhOutput, CryptoError> {
        let sk = array(sk, CryptoError::InvalidPrivateKey)?;
        let pk: [u8; 56] = pk.try_into().map_err(|_| CryptoError::InvalidPublicKey)?;
        let out = Zeroizing::new(
            ::x448::x448(*sk, pk)
                .ok_or(CryptoError::InvalidPublicKey)?
                .to_vec(),
        );
        non_zero(&out)?;
        Ok(out)
    }
}

/// One NIST prime curve: ECDH (for its DHKEM) and ECDSA (for its signature
/// scheme) over the RustCrypto curve crate `$krate`.
macro_rules! nist_curve {
    ($name:ident, $krate:ident, $nsk:literal, $doc:literal) => {
        #[doc = $doc]
        pub(crate) mod $name {
            use conclave_core::crypto::CryptoError;
            use zeroize::Zeroizing;
            use $krate::ecdsa::signature::{MultipartVerifier, Signer};
            use $krate::ecdsa::{DerSignature, SigningKey, VerifyingKey};
            use $krate::elliptic_curve::sec1::ToSec1Point;
            use $krate::{FieldBytes, PublicKey, SecretKey};

            use super::DhOutput;

            /// `Nsk`: the length of a serialized private key (the scalar).
            pub(crate) const NSK: usize = $nsk;
            const _: () = assert!(core::mem::size_of::<FieldBytes>() == NSK);
            /// `Npk`: the length of an uncompressed SEC 1 point.
            pub(crate) const NPK: usize = 1 + 2 * NSK;

            /// The big-endian scalar `sk`, left-padded to `Nsk` bytes.
            fn field_bytes(sk: &[u8]) -> Result<Zeroizing<FieldBytes>, CryptoError> {
                if sk.is_empty() || sk.len() > NSK {
                    return Err(CryptoError::InvalidPrivateKey);
                }
                let mut bytes = Zeroizing::new(FieldBytes::default());
                bytes[NSK - sk.len()..].copy_from_slice(sk);
                Ok(bytes)
            }

            /// A private key: a scalar in `[1, n-1]`.
            fn secret_key(sk: &[u8]) -> Result<SecretKey, CryptoError> {
                SecretKey::from_bytes(&*field_bytes(sk)?)
                    .map_err(|_| CryptoError::InvalidPrivateKey)
            }

            /// Whether `Nsk` bytes spell a valid private scalar (non-zero,
            /// below the group order): the test of DeriveKeyPair's loop.
            pub(crate) fn is_valid_scalar(bytes: &[u8]) -> bool {
                bytes.len() == NSK && secret_key(bytes).is_ok()
            }

            /// A public key: an uncompressed point on the curve, not the identity.
            fn public(pk: &[u8]) -> Result<PublicKey, CryptoError> {
                if pk.len() != NPK || pk.first() != Some(&0x04) {
                    return Err(CryptoError::InvalidPublicKey);
                }
                PublicKey::from_sec1_bytes(pk).map_err(|_| CryptoError::InvalidPublicKey)
            }

            /// `pk(sk)` as an uncompressed SEC 1 point.
            pub(crate) fn public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
                Ok(secret_key(sk)?
                    .public_key()
                    .to_sec1_point(false)
                    .as_bytes()
                    .to_vec())
            }

            /// `DH(sk, pk)`: the x-coordinate of `sk * pk`, `Nsk` bytes.
            pub(crate) fn dh(sk: &[u8], pk: &[u8]) -> Result<DhOutput, CryptoError> {
                let pk = public(pk)?;
                let shared = secret_key(sk)?.diffie_hellman(&pk);
                Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
            }

            /// The ECDSA signing key of `sk` (the scalar and its point).
            pub(crate) fn signing_key(sk: &[u8]) -> Result<SigningKey, CryptoError> {
                Ok(SigningKey::from(secret_key(sk)?))
            }

            /// ECDSA signature (RFC 6979 deterministic nonce), DER-encoded.
            pub(crate) fn sign(key: &SigningKey, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
                let sig: DerSignature = key
                    .try_sign(message)
                    .map_err(|_| CryptoError::Other("ECDSA signing failed"))?;
                Ok(sig.as_bytes().to_vec())
            }

            /// ECDSA verification of a DER-encoded signature over the
            /// concatenation of `message`'s parts, hashed in place.
            pub(crate) fn verify(
                pk: &[u8],
                message: &[&[u8]],
                signature: &[u8],
            ) -> Result<(), CryptoError> {
                if pk.len() != NPK || pk.first() != Some(&0x04) {
                    return Err(CryptoError::InvalidPublicKey);
                }
                let key =
                    VerifyingKey::from_sec1_bytes(pk).map_err(|_| CryptoError::InvalidPublicKey)?;
                let sig = DerSignature::from_bytes(signature)
                    .map_err(|_| CryptoError::InvalidSignature)?;
                key.multipart_verify(message, &sig)
                    .map_err(|_| CryptoError::InvalidSignature)
            }
        }
    };
}

nist_curve!(p256, p256, 32, "NIST P-256 (secp256r1).");
nist_curve!(p384, p384, 48, "NIST P-384 (secp384r1).");
nist_curve!(p521, p521, 66, "NIST P-521 (secp521r1).");

/// `pk(sk)` for the group of `kem`.
pub(crate) fn public_key(kem: KemId, sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
    match kem {
        KemId::DhKemX25519 => x25519::public_key(sk),
        KemId::DhKemX448 => x448::public_key(sk),
        KemId::DhKemP256 => p256::public_key(sk),
        KemId::DhKemP384 => p384::public_key(sk),
        KemId::DhKemP521 => p521::public_key(sk),
    }
}

/// `DH(sk, pk)` in the group of `kem`.
pub(crate) fn dh(kem: KemId, sk: &[u8], pk: &[u8]) -> Result<DhOutput, CryptoError> {
    match kem {
        KemId::DhKemX25519 => x25519::dh(sk, pk),
        KemId::DhKemX448 => x448::dh(sk, pk),
        KemId::DhKemP256 => p256::dh(sk, pk),
        KemId::DhKemP384 => p384::dh(sk, pk),
        KemId::DhKemP521 => p521::dh(sk, pk),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn x25519_rfc7748_shared_secret() {
        // RFC 7748 §6.1.
        let alice = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        let bob_pk = h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        let out = dh(KemId::DhKemX25519, &alice, &bob_pk).unwrap();
        assert_eq!(
            &out[..],
            &h("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")[..]
        );
    }

    #[test]
    fn x448_rfc7748_shared_secret() {
        // RFC 7748 §6.2.
        let alice = h(
            "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf5\
                       74a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
        );
        let bob_pk = h(
            "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972\
                        fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
        );
        let out = dh(KemId::DhKemX448, &alice, &bob_pk).unwrap();
        assert_eq!(
            &out[..],
            &h(
                "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56\
                fd2464c335543936521c24403085d59a449a5037514a879d"
            )[..]
        );
    }

    #[test]
    fn small_order_x25519_and_x448_keys_are_rejected() {
        // u = 0 and u = 1 are small-order points on both curves.
        for u in [0u8, 1] {
            let mut pk = vec![0u8; 32];
            pk[0] = u;
            assert_eq!(
                dh(KemId::DhKemX25519, &[7; 32], &pk).unwrap_err(),
                CryptoError::InvalidPublicKey
            );
            let mut pk = vec![0u8; 56];
            pk[0] = u;
            assert_eq!(
                dh(KemId::DhKemX448, &[7; 56], &pk).unwrap_err(),
                CryptoError::InvalidPublicKey
            );
        }
    }

    #[test]
    fn nist_keys_must_be_valid_uncompressed_points() {
        let pk = public_key(KemId::DhKemP256, &[1; 32]).unwrap();
        assert_eq!(pk.len(), 65);
        assert_eq!(pk[0], 0x04);
        assert!(dh(KemId::DhKemP256, &[2; 32], &pk).is_ok());
        // The compressed form of the same point is not the wire format.
        let mut compressed = vec![0x02 | (pk[64] & 1)];
        compressed.extend_from_slice(&pk[1..33]);
        assert_eq!(
            dh(KemId::DhKemP256, &[2; 32], &compressed).unwrap_err(),
            CryptoError::InvalidPublicKey
        );
        // Off the curve.
        let mut off = pk.clone();
        off[64] ^= 1;
        assert_eq!(
            dh(KemId::DhKemP256, &[2; 32], &off).unwrap_err(),
            CryptoError::InvalidPublicKey
        );
        // The point at infinity's SEC 1 encoding.
        assert_eq!(
            dh(KemId::DhKemP256, &[2; 32], &[0x00]).unwrap_err(),
            CryptoError::InvalidPublicKey
        );
    }

    #[test]
    fn nist_private_keys_must_be_in_range() {
        for kem in [KemId::DhKemP256, KemId::DhKemP384, KemId::DhKemP521] {
            let nsk = match kem {
                KemId::DhKemP256 => 32,
                KemId::DhKemP384 => 48,
                _ => 66,
            };
            // Zero, and a value above the group order.
            assert_eq!(
                public_key(kem, &vec![0; nsk]).unwrap_err(),
                CryptoError::InvalidPrivateKey
            );
            assert_eq!(
                public_key(kem, &vec![0xff; nsk]).unwrap_err(),
                CryptoError::InvalidPrivateKey
            );
            // Too long, even with a leading zero; empty.
            let mut long = vec![0u8; nsk + 1];
            long[nsk] = 1;
            assert_eq!(
                public_key(kem, &long).unwrap_err(),
                CryptoError::InvalidPrivateKey
            );
            assert_eq!(
                public_key(kem, &[]).unwrap_err(),
                CryptoError::InvalidPrivateKey
            );
            // A short key is the big-endian integer it spells.
            let mut padded = vec![0u8; nsk];
            padded[nsk - 1] = 5;
            assert_eq!(
                public_key(kem, &[5]).unwrap(),
                public_key(kem, &padded).unwrap()
            );
        }
    }
}
