//! Credentials (RFC 9420 §5.3): what binds a member's identity to its
//! signature key.
//!
//! Only the two credential types of RFC 9420 decode. The body of any other
//! credential type has no length prefix on the wire, so it cannot be skipped:
//! an unknown `credential_type` is a decode error. Unknown credential types
//! in `Capabilities.credentials` are a different matter; they are plain
//! [`CredentialType`] values and round-trip.

use crate::codec::{TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize, VLBytes};

use super::CredentialType;

/// One DER-encoded X.509 certificate.
///
/// ```text
/// struct {
///     opaque cert_data<V>;
/// } Certificate;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct Certificate {
    /// The DER encoding of the certificate.
    pub cert_data: VLBytes,
}

/// A member's credential (RFC 9420 §5.3).
///
/// ```text
/// struct {
///     CredentialType credential_type;
///     select (Credential.credential_type) {
///         case basic:
///             opaque identity<V>;
///
///         case x509:
///             Certificate certificates<V>;
///     };
/// } Credential;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
#[repr(u16)]
pub enum Credential {
    /// `basic(1)`: a bare identity whose format the application defines.
    #[tls_codec(discriminant = 1)]
    Basic {
        /// The application-defined identity.
        identity: VLBytes,
    },
    /// `x509(2)`: a certificate chain, end-entity certificate first.
    #[tls_codec(discriminant = 2)]
    X509 {
        /// The chain; `certificates[0]` is the end-entity certificate.
        certificates: Vec<Certificate>,
    },
}

impl Credential {
    /// A basic credential for `identity`.
    pub fn basic(identity: impl Into<Vec<u8>>) -> Self {
        Self::Basic {
            identity: VLBytes::new(identity.into()),
        }
    }

    /// The type of this credential.
    pub fn credential_type(&self) -> CredentialType {
        match self {
            Self::Basic { .. } => CredentialType::BASIC,
            Self::X509 { .. } => CredentialType::X509,
        }
    }
}
