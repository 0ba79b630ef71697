//! KeyPackages (RFC 9420 §10): a client's pre-published offer to be added to
//! a group, and the `KeyPackageTBS` its signature covers.

use crate::codec::{TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize, VLBytes};
use crate::crypto::CipherSuite;
use crate::Error;

use super::{Extension, LeafNode, ProtocolVersion};

/// A reference to a KeyPackage: `RefHash("MLS 1.0 KeyPackage Reference",
/// KeyPackage)` (RFC 9420 §5.2).
///
/// ```text
/// opaque HashReference<V>;
/// HashReference KeyPackageRef;
/// ```
pub type KeyPackageRef = VLBytes;

/// A KeyPackage (RFC 9420 §10).
///
/// ```text
/// struct {
///     ProtocolVersion version;
///     CipherSuite cipher_suite;
///     HPKEPublicKey init_key;
///     LeafNode leaf_node;
///     Extension extensions<V>;
///     /* SignWithLabel(., "KeyPackageTBS", KeyPackageTBS) */
///     opaque signature<V>;
/// } KeyPackage;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct KeyPackage {
    /// The protocol version the client offers.
    pub version: ProtocolVersion,
    /// The ciphersuite of every key in the package.
    pub cipher_suite: CipherSuite,
    /// The HPKE public key a Welcome is encrypted to.
    pub init_key: VLBytes,
    /// The leaf the client will occupy (source `key_package`).
    pub leaf_node: LeafNode,
    /// The KeyPackage's extensions.
    pub extensions: Vec<Extension>,
    /// The signature over the [`KeyPackageTbs`].
    pub signature: VLBytes,
}

/// What a KeyPackage's signature covers (RFC 9420 §10), borrowing from it.
///
/// ```text
/// struct {
///     ProtocolVersion version;
///     CipherSuite cipher_suite;
///     HPKEPublicKey init_key;
///     LeafNode leaf_node;
///     Extension extensions<V>;
/// } KeyPackageTBS;
/// ```
#[derive(Debug, TlsSerialize, TlsSize)]
pub struct KeyPackageTbs<'a> {
    version: ProtocolVersion,
    cipher_suite: CipherSuite,
    init_key: &'a VLBytes,
    leaf_node: &'a LeafNode,
    extensions: &'a [Extension],
}

impl KeyPackage {
    /// The `KeyPackageTBS` of this KeyPackage.
    pub fn tbs(&self) -> KeyPackageTbs<'_> {
        KeyPackageTbs {
            version: self.version,
            cipher_suite: self.cipher_suite,
            init_key: &self.init_key,
            leaf_node: &self.leaf_node,
            extensions: &self.extensions,
        }
    }

    /// The encoded `KeyPackageTBS`, the content `SignWithLabel` signs.
    pub fn tbs_bytes(&self) -> Result<Vec<u8>, Error> {
        crate::codec::encode(&self.tbs())
    }
}
