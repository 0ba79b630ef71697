//! The GroupContext (RFC 9420 §8.1): the summary of a group's state that every
//! member agrees on, mixed into the key schedule and signatures.

use crate::codec::{TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize, VLBytes};
use crate::crypto::CipherSuite;

use super::{Extension, ProtocolVersion};

/// The state of a group in one epoch (RFC 9420 §8.1).
///
/// ```text
/// struct {
///     ProtocolVersion version = mls10;
///     CipherSuite cipher_suite;
///     opaque group_id<V>;
///     uint64 epoch;
///     opaque tree_hash<V>;
///     opaque confirmed_transcript_hash<V>;
///     Extension extensions<V>;
/// } GroupContext;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct GroupContext {
    /// The protocol version (`mls10`).
    pub version: ProtocolVersion,
    /// The group's ciphersuite.
    pub cipher_suite: CipherSuite,
    /// The application-defined group identifier.
    pub group_id: VLBytes,
    /// The epoch number.
    pub epoch: u64,
    /// The tree hash of the ratchet tree (§7.8).
    pub tree_hash: VLBytes,
    /// The confirmed transcript hash (§8.2).
    pub confirmed_transcript_hash: VLBytes,
    /// The group's extensions.
    pub extensions: Vec<Extension>,
}
