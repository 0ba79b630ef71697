//! Credential validation (RFC 9420 §5.3, §5.3.1): the [`IdentityValidator`]
//! trait through which the application plays the Authentication Service, and
//! [`BasicIdentityValidator`], a permissive default for basic credentials.
//!
//! §5.3.1 lists when a credential MUST be validated with the AS: a KeyPackage
//! used in an Add, a GroupInfo used to join, an Add proposal, an Update or
//! UpdatePath that brings a new credential, and a change of the
//! `external_senders` extension. When a member's credential is replaced, the
//! AS MUST also check that the new one is a valid *successor* of the old one.
//! The group layer calls the methods below at those points; what identities
//! are acceptable is the application's policy.
//!
//! X.509 chains are validated by `conclave-x509`'s `X509IdentityValidator`.

use crate::crypto::CipherSuite;
use crate::error::Result;
use crate::wire::{Credential, CredentialType};
use crate::ProtocolError;

/// The Authentication Service as the protocol engine sees it (§5.3.1).
///
/// Every method returns an [`crate::Error`]; a rejected credential is
/// [`ProtocolError::CredentialRejected`] (or the successor and external-sender
/// variants), with a reason that never holds secret material.
pub trait IdentityValidator: Send + Sync {
    /// Validates a member's credential: its presented identifiers are
    /// acceptable and correctly bound to `signature_key`, the
    /// `SignaturePublicKey` of the LeafNode that carries it, in `cipher_suite`.
    fn validate_credential(
        &self,
        credential: &Credential,
        signature_key: &[u8],
        cipher_suite: CipherSuite,
    ) -> Result<()>;

    /// The application-level identity a credential presents, used to tell
    /// whether two leaves belong to the same client (§12.2, e.g. an Add for a
    /// client already in the group) and for successor checks.
    fn identity(&self, credential: &Credential) -> Result<Vec<u8>>;

    /// Validates `new` as a successor of `old` when a member replaces its
    /// credential in an Update or an UpdatePath (§5.3.1). `new` has already
    /// passed [`IdentityValidator::validate_credential`]. The default accepts
    /// exactly when both present the same [`IdentityValidator::identity`].
    fn validate_successor(&self, old: &Credential, new: &Credential) -> Result<()> {
        if self.identity(old)? == self.identity(new)? {
            Ok(())
        } else {
            Err(ProtocolError::InvalidSuccessorCredential(
                "the new credential presents a different identity".into(),
            )
            .into())
        }
    }

    /// Validates the credential of an external sender listed in an
    /// `external_senders` extension (§5.3.1, §12.1.8.1). The default applies
    /// [`IdentityValidator::validate_credential`] and reports a rejection as
    /// [`ProtocolError::ExternalSenderRejected`].
    fn validate_external_sender(
        &self,
        credential: &Credential,
        signature_key: &[u8],
        cipher_suite: CipherSuite,
    ) -> Result<()> {
        self.validate_credential(credential, signature_key, cipher_suite)
            .map_err(|e| match e {
                crate::Error::Protocol(ProtocolError::CredentialRejected(reason)) => {
                    ProtocolError::ExternalSenderRejected(reason).into()
                }
                other => other,
            })
    }
}

/// A permissive validator for basic credentials: any non-empty identity is
/// accepted (the binding of a basic identity to its key is the application's
/// business), the identity is the credential's bytes, and a successor must
/// present the same bytes. X.509 credentials are rejected unless
/// [`BasicIdentityValidator::accept_x509_unchecked`] is set, in which case
/// they are accepted without any chain check and their identity is the DER of
/// the end-entity certificate; use `conclave-x509` for real validation.
#[derive(Debug, Clone, Copy, Default)]
pub struct BasicIdentityValidator {
    /// Accept X.509 credentials without checking them (tests and interop
    /// runs only).
    pub accept_x509_unchecked: bool,
}

impl BasicIdentityValidator {
    /// A validator that accepts basic credentials only.
    pub fn new() -> Self {
        Self::default()
    }
}

fn rejected(reason: &str) -> crate::Error {
    ProtocolError::CredentialRejected(reason.into()).into()
}

impl IdentityValidator for BasicIdentityValidator {
    fn validate_credential(
        &self,
        credential: &Credential,
        _signature_key: &[u8],
        _cipher_suite: CipherSuite,
    ) -> Result<()> {
        match credential {
            Credential::Basic { identity } if identity.as_slice().is_empty() => {
                Err(rejected("empty basic identity"))
            }
            Credential::Basic { .. } => Ok(()),
            Credential::X509 { certificates } if self.accept_x509_unchecked => {
                if certificates.is_empty() {
                    Err(rejected("empty X.509 certificate chain"))
                } else {
                    Ok(())
                }
            }
            Credential::X509 { .. } => Err(rejected("X.509 credentials are not accepted")),
        }
    }

    fn identity(&self, credential: &Credential) -> Result<Vec<u8>> {
        match credential {
            Credential::Basic { identity } => Ok(identity.as_slice().to_vec()),
            Credential::X509 { certificates } if self.accept_x509_unchecked => certificates
                .first()
                .map(|c| c.cert_data.as_slice().to_vec())
                .ok_or_else(|| rejected("empty X.509 certificate chain")),
            Credential::X509 { .. } => Err(rejected("X.509 credentials are not accepted")),
        }
    }
}

/// The credential types this implementation supports (§5.3): basic and x509.
pub const SUPPORTED_CREDENTIAL_TYPES: [CredentialType; 2] =
    [CredentialType::BASIC, CredentialType::X509];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::VLBytes;
    use crate::wire::Certificate;
    use crate::Error;

    const SUITE: CipherSuite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;

    fn x509() -> Credential {
        Credential::X509 {
            certificates: vec![Certificate {
                cert_data: VLBytes::new(vec![0x30, 0x00]),
            }],
        }
    }

    #[test]
    fn credential_basic_accepts_non_empty_identity() {
        let v = BasicIdentityValidator::new();
        v.validate_credential(&Credential::basic("alice"), b"key", SUITE)
            .unwrap();
        assert_eq!(v.identity(&Credential::basic("alice")).unwrap(), b"alice");
    }

    #[test]
    fn credential_basic_rejects_empty_identity() {
        let err = BasicIdentityValidator::new()
            .validate_credential(&Credential::basic(""), b"key", SUITE)
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Protocol(ProtocolError::CredentialRejected(_))
        ));
    }

    #[test]
    fn credential_basic_rejects_x509_by_default() {
        let v = BasicIdentityValidator::new();
        assert!(matches!(
            v.validate_credential(&x509(), b"key", SUITE),
            Err(Error::Protocol(ProtocolError::CredentialRejected(_)))
        ));
        assert!(v.identity(&x509()).is_err());
    }

    #[test]
    fn credential_basic_accepts_x509_when_configured() {
        let v = BasicIdentityValidator {
            accept_x509_unchecked: true,
        };
        v.validate_credential(&x509(), b"key", SUITE).unwrap();
        assert_eq!(v.identity(&x509()).unwrap(), vec![0x30, 0x00]);
        let empty = Credential::X509 {
            certificates: vec![],
        };
        assert!(matches!(
            v.validate_credential(&empty, b"key", SUITE),
            Err(Error::Protocol(ProtocolError::CredentialRejected(_)))
        ));
    }

    #[test]
    fn credential_successor_must_keep_identity() {
        let v = BasicIdentityValidator::new();
        v.validate_successor(&Credential::basic("alice"), &Credential::basic("alice"))
            .unwrap();
        assert!(matches!(
            v.validate_successor(&Credential::basic("alice"), &Credential::basic("bob")),
            Err(Error::Protocol(ProtocolError::InvalidSuccessorCredential(
                _
            )))
        ));
    }

    #[test]
    fn credential_external_sender_rejection_is_named() {
        let v = BasicIdentityValidator::new();
        v.validate_external_sender(&Credential::basic("ds"), b"key", SUITE)
            .unwrap();
        assert!(matches!(
            v.validate_external_sender(&Credential::basic(""), b"key", SUITE),
            Err(Error::Protocol(ProtocolError::ExternalSenderRejected(_)))
        ));
    }
}
