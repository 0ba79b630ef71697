//! # conclave-x509
//!
//! X.509 credentials for Conclave (RFC 9420 §5.3, §5.3.1): an
//! [`IdentityValidator`] that plays the Authentication Service for `x509`
//! credentials.
//!
//! [`X509IdentityValidator::validate_credential`] accepts a credential when
//!
//! 1. it is an `x509` credential with 1 to [`MAX_CHAIN_LENGTH`] certificates,
//!    `certificates[0]` the end-entity certificate and the rest intermediates
//!    (§5.3: "The chain is ordered such that the first entry
//!    (certificates[0]) is the end-entity certificate"), to which the
//!    validator may add intermediates it already knows
//!    ([`X509IdentityValidator::with_known_intermediates`]);
//! 2. `rustls-webpki` builds a path from the end-entity certificate through
//!    the intermediates to one of the configured trust anchors, every
//!    certificate valid at the [`Clock`]'s time, with the RFC 5280 checks
//!    webpki makes (basic constraints, name constraints, path length, and the
//!    extended key usage `id-kp-clientAuth` *if* the certificate has an EKU
//!    extension);
//! 3. the end-entity certificate's `subjectPublicKeyInfo` is of the
//!    ciphersuite's signature algorithm and its key is byte-for-byte the
//!    MLS `signature_key` (§5.3: "MUST be identical"): the raw 32 or 57 bytes
//!    for Ed25519 and Ed448, the SEC1 point for ECDSA.
//!
//! **Identity** ([`IdentityValidator::identity`]): the DER encoding of the
//! end-entity certificate's `subject` Name (with its outer SEQUENCE). A
//! successor credential (§5.3.1) is accepted when its subject is the same.
//!
//! Certificate signatures are verified through the Conclave crypto provider
//! given at construction (see the `algorithms` module): Ed25519, ECDSA P-256,
//! P-384 and P-521 with their matching SHA-2, and Ed448. RSA-signed chains are
//! not supported. Revocation (CRLs, OCSP) is not checked.
#![forbid(unsafe_code)]

mod algorithms;

use std::sync::Arc;
use std::time::Duration;

use conclave_core::credential::IdentityValidator;
use conclave_core::crypto::{CipherSuite, CryptoProvider, SignatureScheme};
use conclave_core::time::Clock;
use conclave_core::wire::Credential;
use conclave_core::{Error, ProtocolError};
use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage};
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode, Encode};

use algorithms::{provider_algorithms, ProviderAlgorithm};

/// The most certificates a credential's chain may hold (end entity included).
pub const MAX_CHAIN_LENGTH: usize = 8;

/// id-Ed25519 (RFC 8410).
const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// id-Ed448 (RFC 8410).
const ID_ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
/// id-ecPublicKey (RFC 5480).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp256r1 (RFC 5480).
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1 (RFC 5480).
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// secp521r1 (RFC 5480).
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

fn rejected(reason: impl Into<String>) -> Error {
    ProtocolError::CredentialRejected(reason.into()).into()
}

/// An Authentication Service for X.509 credentials (see the crate docs for
/// exactly what it checks).
pub struct X509IdentityValidator {
    anchors: Vec<TrustAnchor<'static>>,
    known_intermediates: Vec<CertificateDer<'static>>,
    algorithms: Vec<ProviderAlgorithm>,
    clock: Arc<dyn Clock>,
}

impl core::fmt::Debug for X509IdentityValidator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("X509IdentityValidator")
            .field("trust_anchors", &self.anchors.len())
            .field("known_intermediates", &self.known_intermediates.len())
            .field("algorithms", &self.algorithms.len())
            .finish_non_exhaustive()
    }
}

impl X509IdentityValidator {
    /// A validator trusting the given DER certificates as trust anchors,
    /// verifying certificate signatures with `provider` and checking validity
    /// periods at `clock`'s time. A trust anchor that does not parse is a
    /// [`Error::Misuse`].
    pub fn new<C: AsRef<[u8]>>(
        provider: &dyn CryptoProvider,
        trust_anchors: &[C],
        clock: Arc<dyn Clock>,
    ) -> Result<Self, Error> {
        let anchors = trust_anchors
            .iter()
            .enumerate()
            .map(|(i, der)| {
                let der = CertificateDer::from(der.as_ref());
                webpki::anchor_from_trusted_cert(&der)
                    .map(|a| a.to_owned())
                    .map_err(|e| Error::Misuse(format!("trust anchor {i} does not parse: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            anchors,
            known_intermediates: Vec::new(),
            algorithms: provider_algorithms(provider),
            clock,
        })
    }

    /// Intermediate certificates (DER) to build paths with besides those a
    /// credential carries: §5.3 lets a chain "omit any non-leaf certificates
    /// that supported peers are known to already possess". They are not
    /// trusted by themselves; a path must still end at a trust anchor.
    pub fn with_known_intermediates<C: AsRef<[u8]>>(mut self, intermediates: &[C]) -> Self {
        self.known_intermediates.extend(
            intermediates
                .iter()
                .map(|c| CertificateDer::from(c.as_ref().to_vec())),
        );
        self
    }

    /// Checks the chain to the trust anchors at the clock's time (steps 1
    /// and 2 of the crate docs); returns the end-entity certificate's DER.
    fn verify_chain<'c>(&self, credential: &'c Credential) -> Result<&'c [u8], Error> {
        let certificates = match credential {
            Credential::X509 { certificates } => certificates,
            _ => return Err(rejected("not an X.509 credential")),
        };
        let Some((leaf, intermediates)) = certificates.split_first() else {
            return Err(rejected("empty certificate chain"));
        };
        if certificates.len() > MAX_CHAIN_LENGTH {
            return Err(rejected(format!(
                "certificate chain longer than {MAX_CHAIN_LENGTH}"
            )));
        }
        let leaf_der = CertificateDer::from(leaf.cert_data.as_slice());
        let end_entity = EndEntityCert::try_from(&leaf_der)
            .map_err(|e| rejected(format!("end-entity certificate: {e}")))?;
        let intermediates: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .map(|c| CertificateDer::from(c.cert_data.as_slice()))
            .chain(self.known_intermediates.iter().cloned())
            .collect();
        let algorithms: Vec<&dyn SignatureVerificationAlgorithm> = self
            .algorithms
            .iter()
            .map(|a| a as &dyn SignatureVerificationAlgorithm)
            .collect();
        let now = UnixTime::since_unix_epoch(Duration::from_secs(self.clock.now()));
        end_entity
            .verify_for_usage(
                &algorithms,
                &self.anchors,
                &intermediates,
                now,
                KeyUsage::client_auth(),
                None,
                None,
            )
            .map_err(|e| rejected(format!("certificate path: {e}")))?;
        Ok(leaf.cert_data.as_slice())
    }
}

/// The SubjectPublicKeyInfo algorithm (and curve) of a suite's signature
/// scheme.
fn expected_key_algorithm(
    cipher_suite: CipherSuite,
) -> Result<(ObjectIdentifier, Option<ObjectIdentifier>), Error> {
    let scheme = cipher_suite
        .algorithms()
        .ok_or_else(|| Error::Unsupported(format!("ciphersuite {:#06x}", cipher_suite.0)))?
        .signature;
    Ok(match scheme {
        SignatureScheme::Ed25519 => (ID_ED25519, None),
        SignatureScheme::Ed448 => (ID_ED448, None),
        SignatureScheme::EcdsaP256Sha256 => (ID_EC_PUBLIC_KEY, Some(SECP256R1)),
        SignatureScheme::EcdsaP384Sha384 => (ID_EC_PUBLIC_KEY, Some(SECP384R1)),
        SignatureScheme::EcdsaP521Sha512 => (ID_EC_PUBLIC_KEY, Some(SECP521R1)),
    })
}

fn parse(der: &[u8]) -> Result<x509_cert::Certificate, Error> {
    x509_cert::Certificate::from_der(der)
        .map_err(|e| rejected(format!("end-entity certificate does not parse: {e}")))
}

/// Step 3 of the crate docs: the end-entity key is of the suite's algorithm
/// and equals the MLS signature key.
fn check_leaf_key(
    leaf_der: &[u8],
    signature_key: &[u8],
    cipher_suite: CipherSuite,
) -> Result<(), Error> {
    let cert = parse(leaf_der)?;
    let spki = cert.tbs_certificate().subject_public_key_info();
    let (oid, curve) = expected_key_algorithm(cipher_suite)?;
    let params = spki
        .algorithm
        .parameters
        .as_ref()
        .map(|p| p.decode_as::<ObjectIdentifier>())
        .transpose()
        .map_err(|_| rejected("end-entity key parameters are not a curve"))?;
    if spki.algorithm.oid != oid || params != curve {
        return Err(rejected(
            "end-entity key is not of the ciphersuite's signature algorithm",
        ));
    }
    match spki.subject_public_key.as_bytes() {
        Some(key) if key == signature_key => Ok(()),
        _ => Err(rejected(
            "end-entity certificate key differs from the signature key",
        )),
    }
}

impl IdentityValidator for X509IdentityValidator {
    fn validate_credential(
        &self,
        credential: &Credential,
        signature_key: &[u8],
        cipher_suite: CipherSuite,
    ) -> Result<(), Error> {
        let leaf = self.verify_chain(credential)?;
        check_leaf_key(leaf, signature_key, cipher_suite)
    }

    /// The DER encoding of the end-entity certificate's subject Name.
    fn identity(&self, credential: &Credential) -> Result<Vec<u8>, Error> {
        let leaf = match credential {
            Credential::X509 { certificates } => certificates
                .first()
                .ok_or_else(|| rejected("empty certificate chain"))?,
            _ => return Err(rejected("not an X.509 credential")),
        };
        parse(leaf.cert_data.as_slice())?
            .tbs_certificate()
            .subject()
            .to_der()
            .map_err(|_| rejected("end-entity subject does not encode"))
    }
}
