//! The published vectors of the provider conformance suite: RFC 9180
//! Appendix A base-mode cases, RFC 7748 §6 public keys, and signature known
//! answers (RFC 8032 §7.1 TEST 1 and §7.4 "blank", RFC 6979 §A.2.5). Every
//! value is copied from its RFC; none is our own output.

use crate::crypto::{AeadId, HashId, KemId, SignatureScheme};

/// One base-mode vector of RFC 9180 Appendix A (first encryption).
pub(super) struct HpkeVector {
    pub(super) section: &'static str,
    pub(super) kem: KemId,
    pub(super) hash: HashId,
    pub(super) aead: AeadId,
    pub(super) ikm_r: &'static str,
    pub(super) pk_r: &'static str,
    pub(super) sk_r: &'static str,
    pub(super) enc: &'static str,
    pub(super) shared_secret: &'static str,
    pub(super) ct: &'static str,
}

pub(super) const HPKE_INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
pub(super) const HPKE_PT: &str = "4265617574792069732074727574682c20747275746820626561757479";
pub(super) const HPKE_AAD: &str = "436f756e742d30";

/// RFC 9180 A.1.1 "Exported Values" (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
/// AES-128-GCM, base mode): `(exporter_context, L = 32 value)`.
pub(super) const HPKE_A1_EXPORTS: [(&str, &str); 3] = [
    (
        "",
        "3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee",
    ),
    (
        "00",
        "2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5",
    ),
    (
        "54657374436f6e74657874",
        "e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931",
    ),
];

pub(super) const HPKE_VECTORS: [HpkeVector; 4] = [
    HpkeVector {
        section: "RFC 9180 A.1",
        kem: KemId::DhKemX25519,
        hash: HashId::Sha256,
        aead: AeadId::Aes128Gcm,
        ikm_r: "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
        pk_r: "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
        sk_r: "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
        enc: "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
        shared_secret: "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
        ct: "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a9\
             6d8770ac83d07bea87e13c512a",
    },
    HpkeVector {
        section: "RFC 9180 A.2",
        kem: KemId::DhKemX25519,
        hash: HashId::Sha256,
        aead: AeadId::ChaCha20Poly1305,
        ikm_r: "1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df",
        pk_r: "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a",
        sk_r: "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb",
        enc: "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
        shared_secret: "0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7",
        ct: "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db\
             21993c62ce81883d2dd1b51a28",
    },
    HpkeVector {
        section: "RFC 9180 A.3",
        kem: KemId::DhKemP256,
        hash: HashId::Sha256,
        aead: AeadId::Aes128Gcm,
        ikm_r: "668b37171f1072f3cf12ea8a236a45df23fc13b82af3609ad1e354f6ef817550",
        pk_r: "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a\
               826a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0",
        sk_r: "f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2",
        enc: "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325a\
              c98536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4",
        shared_secret: "c0d26aeab536609a572b07695d933b589dcf363ff9d93c93adea537aeabb8cb8",
        ct: "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f\
             9076ac232e3ab2523f39513434",
    },
    HpkeVector {
        section: "RFC 9180 A.6",
        kem: KemId::DhKemP521,
        hash: HashId::Sha512,
        aead: AeadId::Aes256Gcm,
        ikm_r: "2ad954bbe39b7122529f7dde780bff626cd97f850d0784a432784e69d86eccaa\
                de43b6c10a8ffdb94bf943c6da479db137914ec835a7e715e36e45e29b587bab3bf1",
        pk_r: "0401b45498c1714e2dce167d3caf162e45e0642afc7ed435df7902ccae0e84ba\
               0f7d373f646b7738bbbdca11ed91bdeae3cdcba3301f2457be452f271fa68375\
               80e661012af49583a62e48d44bed350c7118c0d8dc861c238c72a2bda17f6470\
               4f464b57338e7f40b60959480c0e58e6559b190d81663ed816e523b6b6a418f6\
               6d2451ec64",
        sk_r: "01462680369ae375e4b3791070a7458ed527842f6a98a79ff5e0d4cbde83c271\
               96a3916956655523a6a2556a7af62c5cadabe2ef9da3760bb21e005202f7b246\
               2847",
        enc: "040138b385ca16bb0d5fa0c0665fbbd7e69e3ee29f63991d3e9b5fa740aab890\
              0aaeed46ed73a49055758425a0ce36507c54b29cc5b85a5cee6bae0cf1c21f27\
              31ece2013dc3fb7c8d21654bb161b463962ca19e8c654ff24c94dd2898de1205\
              1f1ed0692237fb02b2f8d1dc1c73e9b366b529eb436e98a996ee522aef863dd5\
              739d2f29b0",
        shared_secret: "776ab421302f6eff7d7cb5cb1adaea0cd50872c71c2d63c30c4f1d5e43653336\
                        fef33b103c67e7a98add2d3b66e2fda95b5b2a667aa9dac7e59cc1d46d30e818",
        ct: "170f8beddfe949b75ef9c387e201baf4132fa7374593dfafa90768788b7b2b20\
             0aafcc6d80ea4c795a7c5b841a",
    },
];

/// RFC 7748 §6.1/§6.2: Alice's private and public keys.
pub(super) fn rfc7748_alice(kem: KemId) -> Option<(&'static str, &'static str)> {
    match kem {
        KemId::DhKemX25519 => Some((
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
        )),
        KemId::DhKemX448 => Some((
            "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf5\
             74a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
            "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bb\
             c836647241d953d40c5b12da88120d53177f80e532c41fa0",
        )),
        _ => None,
    }
}

/// A signature known answer: (private key, public key, message, signature).
/// EdDSA is deterministic, so its signature must match exactly; ECDSA's is
/// only verified.
pub(super) fn signature_vector(
    scheme: SignatureScheme,
) -> Option<(&'static str, &'static str, &'static [u8], &'static str)> {
    match scheme {
        SignatureScheme::Ed25519 => Some((
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            b"",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        )),
        SignatureScheme::Ed448 => Some((
            "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3\
             528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
            "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778\
             edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180",
            b"",
            "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f\
             2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a\
             9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4db\
             b61149f05a7363268c71d95808ff2e652600",
        )),
        SignatureScheme::EcdsaP256Sha256 => Some((
            "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721",
            "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6\
             7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299",
            b"sample",
            // RFC 6979 A.2.5 (r, s), DER-encoded.
            "3046022100efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0e\
             a84eaf3716022100f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff406\
             4dc4ab2f843acda8",
        )),
        SignatureScheme::EcdsaP384Sha384 | SignatureScheme::EcdsaP521Sha512 => None,
    }
}
