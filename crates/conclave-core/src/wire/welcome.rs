//! Welcome messages (RFC 9420 §12.4.3.1): the GroupSecrets sealed to each new
//! member, and the encrypted GroupInfo they unlock.
//!
//! [`GroupSecrets`] and [`PathSecret`] carry key material: they are zeroized
//! when dropped and their `Debug` output shows no secret bytes.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::codec::{TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize, VLBytes};
use crate::crypto::CipherSuite;

use super::{HpkeCiphertext, KeyPackageRef, PreSharedKeyId};

/// A path secret for a new member (RFC 9420 §12.4.3.1).
///
/// ```text
/// struct {
///   opaque path_secret<V>;
/// } PathSecret;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Clone,
    PartialEq,
    Eq,
    Zeroize,
    ZeroizeOnDrop,
    TlsSerialize,
    TlsDeserialize,
    TlsDeserializeBytes,
    TlsSize,
)]
pub struct PathSecret {
    /// The path secret of the lowest common ancestor of committer and joiner.
    pub path_secret: VLBytes,
}

impl core::fmt::Debug for PathSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "PathSecret(<{} bytes redacted>)",
            self.path_secret.as_slice().len()
        )
    }
}

/// The secrets a new member needs to join (RFC 9420 §12.4.3.1).
///
/// ```text
/// struct {
///   opaque joiner_secret<V>;
///   optional<PathSecret> path_secret;
///   PreSharedKeyID psks<V>;
/// } GroupSecrets;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Clone,
    PartialEq,
    Eq,
    Zeroize,
    ZeroizeOnDrop,
    TlsSerialize,
    TlsDeserialize,
    TlsDeserializeBytes,
    TlsSize,
)]
pub struct GroupSecrets {
    /// The joiner secret of the new epoch.
    pub joiner_secret: VLBytes,
    /// The path secret for the joiner's position, if the commit had a path.
    pub path_secret: Option<PathSecret>,
    /// The PSKs of the new epoch, in order (identifiers, not secrets).
    #[zeroize(skip)]
    pub psks: Vec<PreSharedKeyId>,
}

impl core::fmt::Debug for GroupSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GroupSecrets")
            .field(
                "joiner_secret",
                &format_args!("<{} bytes redacted>", self.joiner_secret.as_slice().len()),
            )
            .field("path_secret", &self.path_secret)
            .field("psks", &self.psks)
            .finish()
    }
}

/// The GroupSecrets sealed to one new member (RFC 9420 §12.4.3.1).
///
/// ```text
/// struct {
///   KeyPackageRef new_member;
///   HPKECiphertext encrypted_group_secrets;
/// } EncryptedGroupSecrets;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct EncryptedGroupSecrets {
    /// The KeyPackageRef of the new member's KeyPackage.
    pub new_member: KeyPackageRef,
    /// The GroupSecrets, encrypted to the KeyPackage's `init_key`.
    pub encrypted_group_secrets: HpkeCiphertext,
}

/// A Welcome message (RFC 9420 §12.4.3.1).
///
/// ```text
/// struct {
///   CipherSuite cipher_suite;
///   EncryptedGroupSecrets secrets<V>;
///   opaque encrypted_group_info<V>;
/// } Welcome;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct Welcome {
    /// The group's ciphersuite.
    pub cipher_suite: CipherSuite,
    /// One entry per new member.
    pub secrets: Vec<EncryptedGroupSecrets>,
    /// The GroupInfo, encrypted under keys from the joiner secret.
    pub encrypted_group_info: VLBytes,
}

impl Welcome {
    /// The entry for the KeyPackage whose reference is `key_package_ref`.
    pub fn secrets_for(&self, key_package_ref: &[u8]) -> Option<&EncryptedGroupSecrets> {
        self.secrets
            .iter()
            .find(|s| s.new_member.as_slice() == key_package_ref)
    }
}
