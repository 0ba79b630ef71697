//! Leaf nodes (RFC 9420 §7.2): a member's keys, credential, capabilities and
//! the signed statement of how the leaf came to be in the tree.

use crate::codec::{
    Serialize, Size, TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize, VLByteSlice,
    VLBytes,
};
use crate::crypto::CipherSuite;
use crate::Error;

use super::{Credential, CredentialType, Extension, ExtensionType, ProposalType, ProtocolVersion};

/// What a client supports (RFC 9420 §7.2). Every list is open: unknown and
/// GREASE values decode and re-encode unchanged, and §13.4 requires them to
/// be ignored.
///
/// ```text
/// struct {
///     ProtocolVersion versions<V>;
///     CipherSuite cipher_suites<V>;
///     ExtensionType extensions<V>;
///     ProposalType proposals<V>;
///     CredentialType credentials<V>;
/// } Capabilities;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, Default, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct Capabilities {
    /// Supported protocol versions.
    pub versions: Vec<ProtocolVersion>,
    /// Supported ciphersuites.
    pub cipher_suites: Vec<CipherSuite>,
    /// Supported non-default extension types.
    pub extensions: Vec<ExtensionType>,
    /// Supported non-default proposal types.
    pub proposals: Vec<ProposalType>,
    /// Supported credential types (all of them: there is no default here).
    pub credentials: Vec<CredentialType>,
}

/// The validity period of a KeyPackage's leaf, in seconds since the Unix
/// epoch (RFC 9420 §7.2).
///
/// ```text
/// struct {
///     uint64 not_before;
///     uint64 not_after;
/// } Lifetime;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct Lifetime {
    /// The first second at which the leaf is valid.
    pub not_before: u64,
    /// The last second at which the leaf is valid.
    pub not_after: u64,
}

/// How a leaf node came to be in the tree, with the field that depends on it
/// (RFC 9420 §7.2): the `leaf_node_source` tag and the first `select` of
/// `LeafNode`.
///
/// ```text
/// enum {
///     reserved(0),
///     key_package(1),
///     update(2),
///     commit(3),
///     (255)
/// } LeafNodeSource;
///
///     select (LeafNode.leaf_node_source) {
///         case key_package:
///             Lifetime lifetime;
///
///         case update:
///             struct{};
///
///         case commit:
///             opaque parent_hash<V>;
///     };
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
#[repr(u8)]
pub enum LeafNodeSource {
    /// `key_package(1)`: published in a KeyPackage, with its lifetime.
    #[tls_codec(discriminant = 1)]
    KeyPackage(Lifetime),
    /// `update(2)`: sent in an Update proposal.
    #[tls_codec(discriminant = 2)]
    Update,
    /// `commit(3)`: sent in a Commit's UpdatePath, with its parent hash.
    #[tls_codec(discriminant = 3)]
    Commit(VLBytes),
}

/// A leaf of the ratchet tree (RFC 9420 §7.2).
///
/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     SignaturePublicKey signature_key;
///     Credential credential;
///     Capabilities capabilities;
///
///     LeafNodeSource leaf_node_source;
///     select (LeafNode.leaf_node_source) {
///         case key_package:
///             Lifetime lifetime;
///
///         case update:
///             struct{};
///
///         case commit:
///             opaque parent_hash<V>;
///     };
///
///     Extension extensions<V>;
///     /* SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) */
///     opaque signature<V>;
/// } LeafNode;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct LeafNode {
    /// The leaf's HPKE public key.
    pub encryption_key: VLBytes,
    /// The member's signature public key.
    pub signature_key: VLBytes,
    /// The member's credential.
    pub credential: Credential,
    /// What the member supports.
    pub capabilities: Capabilities,
    /// How the leaf came to be, with its lifetime or parent hash.
    pub leaf_node_source: LeafNodeSource,
    /// The leaf's extensions.
    pub extensions: Vec<Extension>,
    /// The signature over the [`LeafNodeTbs`].
    pub signature: VLBytes,
}

/// The group a leaf node is signed in: the context the `update` and `commit`
/// cases of `LeafNodeTBS` add to the signature (RFC 9420 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafNodeTbsContext<'a> {
    /// The group's `group_id`.
    pub group_id: &'a [u8],
    /// The index of the leaf the node occupies.
    pub leaf_index: u32,
}

/// The fields of `LeafNodeTBS` common to every source: all the fields of the
/// LeafNode above its signature, borrowed.
#[derive(Debug, TlsSerialize, TlsSize)]
pub struct LeafNodeTbsFields<'a> {
    encryption_key: &'a VLBytes,
    signature_key: &'a VLBytes,
    credential: &'a Credential,
    capabilities: &'a Capabilities,
    leaf_node_source: &'a LeafNodeSource,
    extensions: &'a [Extension],
}

/// `LeafNodeTBS` for the `update` and `commit` sources: the common fields
/// followed by the group context.
#[derive(Debug, TlsSerialize, TlsSize)]
pub struct LeafNodeTbsInGroup<'a> {
    fields: LeafNodeTbsFields<'a>,
    group_id: VLByteSlice<'a>,
    leaf_index: u32,
}

/// What a LeafNode's signature covers (RFC 9420 §7.2), borrowing from the
/// LeafNode. The two variants are the two shapes of the trailing `select`.
///
/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     SignaturePublicKey signature_key;
///     Credential credential;
///     Capabilities capabilities;
///
///     LeafNodeSource leaf_node_source;
///     select (LeafNodeTBS.leaf_node_source) {
///         case key_package:
///             Lifetime lifetime;
///
///         case update:
///             struct{};
///
///         case commit:
///             opaque parent_hash<V>;
///     };
///
///     Extension extensions<V>;
///
///     select (LeafNodeTBS.leaf_node_source) {
///         case key_package:
///             struct{};
///
///         case update:
///             opaque group_id<V>;
///             uint32 leaf_index;
///
///         case commit:
///             opaque group_id<V>;
///             uint32 leaf_index;
///     };
/// } LeafNodeTBS;
/// ```
#[derive(Debug)]
pub enum LeafNodeTbs<'a> {
    /// Source `key_package`: no group context.
    KeyPackage(LeafNodeTbsFields<'a>),
    /// Sources `update` and `commit`: bound to a group and a leaf.
    InGroup(LeafNodeTbsInGroup<'a>),
}

impl LeafNodeTbs<'_> {
    /// The encoded `LeafNodeTBS`, the content that `SignWithLabel` signs.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        match self {
            Self::KeyPackage(tbs) => crate::codec::encode(tbs),
            Self::InGroup(tbs) => crate::codec::encode(tbs),
        }
    }

    /// The length of the encoding.
    pub fn encoded_len(&self) -> usize {
        match self {
            Self::KeyPackage(tbs) => tbs.tls_serialized_len(),
            Self::InGroup(tbs) => tbs.tls_serialized_len(),
        }
    }

    /// Writes the encoding to `writer`.
    pub fn write_to<W: std::io::Write>(&self, writer: &mut W) -> Result<usize, Error> {
        match self {
            Self::KeyPackage(tbs) => tbs.tls_serialize(writer),
            Self::InGroup(tbs) => tbs.tls_serialize(writer),
        }
        .map_err(|_| Error::Internal("a LeafNodeTBS could not be encoded"))
    }
}

impl LeafNode {
    /// The `LeafNodeTBS` of this leaf (RFC 9420 §7.2). For the `update` and
    /// `commit` sources the signature binds the group and the leaf index, so
    /// `context` is required; for `key_package` it is ignored.
    pub fn tbs<'a>(
        &'a self,
        context: Option<LeafNodeTbsContext<'a>>,
    ) -> Result<LeafNodeTbs<'a>, Error> {
        let fields = LeafNodeTbsFields {
            encryption_key: &self.encryption_key,
            signature_key: &self.signature_key,
            credential: &self.credential,
            capabilities: &self.capabilities,
            leaf_node_source: &self.leaf_node_source,
            extensions: &self.extensions,
        };
        match (&self.leaf_node_source, context) {
            (LeafNodeSource::KeyPackage(_), _) => Ok(LeafNodeTbs::KeyPackage(fields)),
            (_, Some(ctx)) => Ok(LeafNodeTbs::InGroup(LeafNodeTbsInGroup {
                fields,
                group_id: VLByteSlice(ctx.group_id),
                leaf_index: ctx.leaf_index,
            })),
            (_, None) => Err(Error::Misuse(
                "the LeafNodeTBS of an update or commit leaf needs the group_id and leaf_index"
                    .into(),
            )),
        }
    }

    /// The encoded `LeafNodeTBS` (see [`LeafNode::tbs`]).
    pub fn tbs_bytes(&self, context: Option<LeafNodeTbsContext<'_>>) -> Result<Vec<u8>, Error> {
        self.tbs(context)?.encode()
    }

    /// The lifetime, for a leaf from a KeyPackage.
    pub fn lifetime(&self) -> Option<&Lifetime> {
        match &self.leaf_node_source {
            LeafNodeSource::KeyPackage(lifetime) => Some(lifetime),
            _ => None,
        }
    }

    /// The parent hash, for a leaf sent in a Commit.
    pub fn parent_hash(&self) -> Option<&[u8]> {
        match &self.leaf_node_source {
            LeafNodeSource::Commit(hash) => Some(hash.as_slice()),
            _ => None,
        }
    }
}
