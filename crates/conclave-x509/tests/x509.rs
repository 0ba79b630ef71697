//! X509IdentityValidator against chains generated in the test with `rcgen`,
//! every key a Conclave signature key of the RustCrypto provider (rcgen is
//! built without its own crypto backend).

use std::sync::Arc;

use conclave_core::codec::VLBytes;
use conclave_core::credential::IdentityValidator;
use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, SignatureKeyPair, Signer,
};
use conclave_core::key_package::{validate_key_package, KeyPackageBuilder};
use conclave_core::time::FixedClock;
use conclave_core::tree::validate::GroupRequirements;
use conclave_core::wire::{Certificate, Credential, ProtocolVersion};
use conclave_core::{Error, ProtocolError};
use conclave_rustcrypto::RustCryptoProvider;
use conclave_x509::X509IdentityValidator;
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyIdMethod, KeyUsagePurpose, PublicKeyData, SignatureAlgorithm, SigningKey,
};

/// 2027-01-01T00:00:00Z.
const NOW: u64 = 1_798_761_600;

/// A Conclave signature key usable by rcgen.
struct Key {
    pair: SignatureKeyPair,
    algorithm: &'static SignatureAlgorithm,
}

impl Key {
    fn new(cs: &Arc<dyn CipherSuiteProvider>) -> Self {
        let algorithm = match cs.cipher_suite().0 {
            1 | 3 => &rcgen::PKCS_ED25519,
            2 => &rcgen::PKCS_ECDSA_P256_SHA256,
            7 => &rcgen::PKCS_ECDSA_P384_SHA384,
            other => panic!("no rcgen algorithm for suite {other}"),
        };
        Self {
            pair: SignatureKeyPair::generate(cs.clone()).unwrap(),
            algorithm,
        }
    }

    fn public(&self) -> &[u8] {
        self.pair.public_key()
    }
}

impl PublicKeyData for Key {
    fn der_bytes(&self) -> &[u8] {
        self.pair.public_key()
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.algorithm
    }
}

impl SigningKey for Key {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.pair
            .sign(msg)
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

fn params(name: &str, ca: bool, serial: u8, not_after_year: i32) -> CertificateParams {
    let mut p = CertificateParams::new(if ca {
        vec![]
    } else {
        vec![format!("{name}.example")]
    })
    .unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    p.not_before = date_time_ymd(2025, 1, 1);
    p.not_after = date_time_ymd(not_after_year, 1, 1);
    p.serial_number = Some(vec![serial].into());
    p.key_identifier_method = KeyIdMethod::PreSpecified(vec![serial; 20]);
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
    } else {
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    }
    p
}

/// A root CA and an intermediate CA in one suite.
struct Pki {
    cs: Arc<dyn CipherSuiteProvider>,
    root_der: Vec<u8>,
    root: Issuer<'static, Key>,
    intermediate_der: Vec<u8>,
    intermediate: Issuer<'static, Key>,
}

impl Pki {
    fn new(suite: CipherSuite, root_name: &str) -> Self {
        let cs = RustCryptoProvider::new().cipher_suite(suite).unwrap();
        let root_params = params(root_name, true, 1, 2040);
        let root_key = Key::new(&cs);
        let root_der = root_params.self_signed(&root_key).unwrap().der().to_vec();
        let root = Issuer::new(root_params, root_key);
        let int_params = params(&format!("{root_name} intermediate"), true, 2, 2040);
        let int_key = Key::new(&cs);
        let intermediate_der = int_params
            .signed_by(&int_key, &root)
            .unwrap()
            .der()
            .to_vec();
        let intermediate = Issuer::new(int_params, int_key);
        Self {
            cs,
            root_der,
            root,
            intermediate_der,
            intermediate,
        }
    }

    /// A leaf for `name` issued by the intermediate (or the root), and its key.
    fn leaf(&self, name: &str, not_after_year: i32, by_root: bool) -> (Vec<u8>, Key) {
        let key = Key::new(&self.cs);
        let issuer = if by_root {
            &self.root
        } else {
            &self.intermediate
        };
        let der = params(name, false, 3, not_after_year)
            .signed_by(&key, issuer)
            .unwrap()
            .der()
            .to_vec();
        (der, key)
    }

    fn credential(&self, leaf: &[u8]) -> Credential {
        chain(&[leaf, &self.intermediate_der])
    }

    fn validator(&self) -> X509IdentityValidator {
        X509IdentityValidator::new(
            &RustCryptoProvider::new(),
            &[&self.root_der],
            Arc::new(FixedClock(NOW)),
        )
        .unwrap()
    }
}

fn chain(certs: &[&[u8]]) -> Credential {
    Credential::X509 {
        certificates: certs
            .iter()
            .map(|c| Certificate {
                cert_data: VLBytes::new(c.to_vec()),
            })
            .collect(),
    }
}

fn rejected(result: Result<(), Error>) -> String {
    match result {
        Err(Error::Protocol(ProtocolError::CredentialRejected(reason))) => reason,
        other => panic!("expected CredentialRejected, got {other:?}"),
    }
}

/// The suites whose signature scheme rcgen can write without its own crypto
/// backend (it has no P-521 nor Ed448 algorithm then).
const SUITES: [CipherSuite; 3] = [
    CipherSuite::X25519_AES128GCM_SHA256_ED25519,
    CipherSuite::P256_AES128GCM_SHA256_P256,
    CipherSuite::P384_AES256GCM_SHA384_P384,
];

#[test]
fn x509_valid_chain_accepted_in_each_signature_scheme() {
    for suite in SUITES {
        let pki = Pki::new(suite, "Root");
        let v = pki.validator();
        let (leaf, key) = pki.leaf("alice", 2030, false);
        let cred = pki.credential(&leaf);
        v.validate_credential(&cred, key.public(), suite)
            .unwrap_or_else(|e| panic!("suite {suite:?}: {e}"));
        // The identity is the DER of the subject Name.
        let id = v.identity(&cred).unwrap();
        assert_eq!(id.first(), Some(&0x30));
        assert!(id.windows(5).any(|w| w == b"alice"));
    }
}

#[test]
fn x509_leaf_issued_by_anchor_accepted() {
    let pki = Pki::new(CipherSuite(1), "Root");
    let (leaf, key) = pki.leaf("alice", 2030, true);
    pki.validator()
        .validate_credential(&chain(&[&leaf]), key.public(), CipherSuite(1))
        .unwrap();
}

#[test]
fn x509_expired_leaf_rejected() {
    let pki = Pki::new(CipherSuite(2), "Root");
    let (leaf, key) = pki.leaf("alice", 2026, false);
    let reason = rejected(pki.validator().validate_credential(
        &pki.credential(&leaf),
        key.public(),
        CipherSuite(2),
    ));
    assert!(
        reason.contains("expired") || reason.contains("Expired"),
        "{reason}"
    );
}

#[test]
fn x509_unknown_ca_rejected() {
    let pki = Pki::new(CipherSuite(1), "Root");
    let other = Pki::new(CipherSuite(1), "Other root");
    let (leaf, key) = other.leaf("mallory", 2030, false);
    let reason = rejected(pki.validator().validate_credential(
        &other.credential(&leaf),
        key.public(),
        CipherSuite(1),
    ));
    assert!(reason.contains("UnknownIssuer"), "{reason}");
}

#[test]
fn x509_missing_intermediate_rejected() {
    let pki = Pki::new(CipherSuite(1), "Root");
    let (leaf, key) = pki.leaf("alice", 2030, false);
    let reason = rejected(pki.validator().validate_credential(
        &chain(&[&leaf]),
        key.public(),
        CipherSuite(1),
    ));
    assert!(reason.contains("UnknownIssuer"), "{reason}");
}

#[test]
fn x509_chain_may_omit_intermediates_the_validator_knows() {
    let pki = Pki::new(CipherSuite(1), "Root");
    let (leaf, key) = pki.leaf("alice", 2030, false);
    pki.validator()
        .with_known_intermediates(&[&pki.intermediate_der])
        .validate_credential(&chain(&[&leaf]), key.public(), CipherSuite(1))
        .unwrap();
}

#[test]
fn x509_leaf_key_differs_from_signature_key_rejected() {
    for suite in [CipherSuite(1), CipherSuite(2)] {
        let pki = Pki::new(suite, "Root");
        let (leaf, _) = pki.leaf("alice", 2030, false);
        let other = Key::new(&pki.cs);
        let reason = rejected(pki.validator().validate_credential(
            &pki.credential(&leaf),
            other.public(),
            suite,
        ));
        assert!(
            reason.contains("differs from the signature key"),
            "{reason}"
        );
    }
}

#[test]
fn x509_leaf_key_of_another_algorithm_rejected() {
    // A valid Ed25519 chain presented for a P-256 group.
    let pki = Pki::new(CipherSuite(1), "Root");
    let (leaf, key) = pki.leaf("alice", 2030, false);
    let reason = rejected(pki.validator().validate_credential(
        &pki.credential(&leaf),
        key.public(),
        CipherSuite(2),
    ));
    assert!(reason.contains("signature algorithm"), "{reason}");
}

#[test]
fn x509_successor_with_different_subject_rejected() {
    let pki = Pki::new(CipherSuite(1), "Root");
    let v = pki.validator();
    let (alice1, _) = pki.leaf("alice", 2030, false);
    let (alice2, _) = pki.leaf("alice", 2031, false);
    let (bob, _) = pki.leaf("bob", 2030, false);
    v.validate_successor(&pki.credential(&alice1), &pki.credential(&alice2))
        .unwrap();
    assert!(matches!(
        v.validate_successor(&pki.credential(&alice1), &pki.credential(&bob)),
        Err(Error::Protocol(ProtocolError::InvalidSuccessorCredential(
            _
        )))
    ));
}

#[test]
fn x509_malformed_credentials_rejected_without_panic() {
    let pki = Pki::new(CipherSuite(1), "Root");
    let v = pki.validator();
    let key = Key::new(&pki.cs);
    let s = CipherSuite(1);
    rejected(v.validate_credential(&Credential::basic("alice"), key.public(), s));
    rejected(v.validate_credential(&chain(&[]), key.public(), s));
    rejected(v.validate_credential(&chain(&[b"\x30\x03\x02\x01"]), key.public(), s));
    let (leaf, key) = pki.leaf("alice", 2030, false);
    let long: Vec<&[u8]> = std::iter::once(leaf.as_slice())
        .chain(std::iter::repeat_n(pki.intermediate_der.as_slice(), 8))
        .collect();
    rejected(v.validate_credential(&chain(&long), key.public(), s));
    assert!(v.identity(&chain(&[b"garbage"])).is_err());
    assert!(v.identity(&Credential::basic("alice")).is_err());
    assert!(matches!(
        X509IdentityValidator::new(
            &RustCryptoProvider::new(),
            &[b"not a certificate"],
            Arc::new(FixedClock(NOW)),
        ),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn x509_external_sender_rejection_is_named() {
    let pki = Pki::new(CipherSuite(1), "Root");
    let other = Pki::new(CipherSuite(1), "Other root");
    let (leaf, key) = other.leaf("ds", 2030, false);
    assert!(matches!(
        pki.validator().validate_external_sender(
            &other.credential(&leaf),
            key.public(),
            CipherSuite(1)
        ),
        Err(Error::Protocol(ProtocolError::ExternalSenderRejected(_)))
    ));
}

#[test]
fn x509_key_package_with_certificate_validates() {
    let pki = Pki::new(CipherSuite(2), "Root");
    let (leaf, key) = pki.leaf("alice", 2030, false);
    let bundle = KeyPackageBuilder::new()
        .build(&*pki.cs, &key.pair, pki.credential(&leaf), &FixedClock(NOW))
        .unwrap();
    let group = GroupRequirements {
        cipher_suite: CipherSuite(2),
        version: ProtocolVersion::MLS10,
        required: None,
    };
    let v = pki.validator();
    validate_key_package(
        &*pki.cs,
        &bundle.key_package,
        &group,
        &[],
        &FixedClock(NOW),
        &v,
    )
    .unwrap();

    // The same certificate with another signature key is refused.
    let other = Key::new(&pki.cs);
    let bundle = KeyPackageBuilder::new()
        .build(
            &*pki.cs,
            &other.pair,
            pki.credential(&leaf),
            &FixedClock(NOW),
        )
        .unwrap();
    rejected(validate_key_package(
        &*pki.cs,
        &bundle.key_package,
        &group,
        &[],
        &FixedClock(NOW),
        &v,
    ));
}

/// Fixtures made with the OpenSSL CLI (see tests/fixtures/README.md).
fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn x509_ed448_and_p521_chains_from_openssl_accepted() {
    // 2028-01-01, inside the fixtures' validity.
    let clock = Arc::new(FixedClock(1_830_297_600));
    for (alg, suite) in [
        ("ed448", CipherSuite::X448_AES256GCM_SHA512_ED448),
        ("ed448", CipherSuite::X448_CHACHA20POLY1305_SHA512_ED448),
        ("p521", CipherSuite::P521_AES256GCM_SHA512_P521),
    ] {
        let root = fixture(&format!("{alg}-root.der"));
        let leaf = fixture(&format!("{alg}-leaf.der"));
        let key = fixture(&format!("{alg}-leaf.pub"));
        let v = X509IdentityValidator::new(&RustCryptoProvider::new(), &[&root], clock.clone())
            .unwrap();
        let cred = chain(&[&leaf]);
        v.validate_credential(&cred, &key, suite)
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        // A flipped key byte is another key.
        let mut other = key.clone();
        if let Some(b) = other.last_mut() {
            *b ^= 1;
        }
        rejected(v.validate_credential(&cred, &other, suite));
        // The certificate of the other scheme's root is no anchor for it.
        let other_root = fixture(if alg == "ed448" {
            "p521-root.der"
        } else {
            "ed448-root.der"
        });
        let v =
            X509IdentityValidator::new(&RustCryptoProvider::new(), &[&other_root], clock.clone())
                .unwrap();
        rejected(v.validate_credential(&cred, &key, suite));
    }
}
