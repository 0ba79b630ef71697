//! Ratchet tree nodes on the wire (RFC 9420 §7.1, §7.6, §12.4.3.3): parent
//! nodes, the `Node` select, and the UpdatePath a Commit carries.

use crate::codec::{TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize, VLBytes};

use super::{HpkeCiphertextList, LeafNode};

/// An interior node of the ratchet tree (RFC 9420 §7.1).
///
/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     opaque parent_hash<V>;
///     uint32 unmerged_leaves<V>;
/// } ParentNode;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct ParentNode {
    /// The node's HPKE public key.
    pub encryption_key: VLBytes,
    /// The hash of the node's parent (§7.9).
    pub parent_hash: VLBytes,
    /// Leaf indices below this node that do not know its private key, in
    /// increasing order.
    pub unmerged_leaves: Vec<u32>,
}

/// A non-blank node of the ratchet tree (RFC 9420 §12.4.3.3).
///
/// ```text
/// enum {
///     reserved(0),
///     leaf(1),
///     parent(2),
///     (255)
/// } NodeType;
///
/// struct {
///     NodeType node_type;
///     select (Node.node_type) {
///         case leaf:   LeafNode leaf_node;
///         case parent: ParentNode parent_node;
///     };
/// } Node;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
#[repr(u8)]
#[allow(clippy::large_enum_variant)] // plain wire data; the tree chooses its own storage
pub enum Node {
    /// `leaf(1)`.
    #[tls_codec(discriminant = 1)]
    Leaf(LeafNode),
    /// `parent(2)`.
    #[tls_codec(discriminant = 2)]
    Parent(ParentNode),
}

impl Node {
    /// The leaf node, if this is a leaf.
    pub fn as_leaf(&self) -> Option<&LeafNode> {
        match self {
            Self::Leaf(leaf) => Some(leaf),
            Self::Parent(_) => None,
        }
    }

    /// The parent node, if this is a parent.
    pub fn as_parent(&self) -> Option<&ParentNode> {
        match self {
            Self::Parent(parent) => Some(parent),
            Self::Leaf(_) => None,
        }
    }

    /// The node's HPKE public key.
    pub fn encryption_key(&self) -> &VLBytes {
        match self {
            Self::Leaf(leaf) => &leaf.encryption_key,
            Self::Parent(parent) => &parent.encryption_key,
        }
    }
}

/// The public state of a whole ratchet tree, as the `ratchet_tree`
/// extension carries it (RFC 9420 §12.4.3.3): the nodes in array order, `None`
/// for a blank node.
///
/// ```text
/// optional<Node> ratchet_tree<V>;
/// ```
pub type RatchetTreeNodes = Vec<Option<Node>>;

/// An HPKE ciphertext (RFC 9420 §7.6).
///
/// ```text
/// struct {
///     opaque kem_output<V>;
///     opaque ciphertext<V>;
/// } HPKECiphertext;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct HpkeCiphertext {
    /// The KEM encapsulation.
    pub kem_output: VLBytes,
    /// The AEAD ciphertext.
    pub ciphertext: VLBytes,
}

impl From<(Vec<u8>, Vec<u8>)> for HpkeCiphertext {
    /// From the `(kem_output, ciphertext)` pair that `encrypt_with_label`
    /// returns.
    fn from((kem_output, ciphertext): (Vec<u8>, Vec<u8>)) -> Self {
        Self {
            kem_output: VLBytes::new(kem_output),
            ciphertext: VLBytes::new(ciphertext),
        }
    }
}

/// One node of an UpdatePath (RFC 9420 §7.6): a new public key and the path
/// secret encrypted to each node of the copath node's resolution.
///
/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     HPKECiphertext encrypted_path_secret<V>;
/// } UpdatePathNode;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct UpdatePathNode {
    /// The new public key of the node.
    pub encryption_key: VLBytes,
    /// The path secret, once per resolution node (kept encoded: see
    /// [`HpkeCiphertextList`]).
    pub encrypted_path_secret: HpkeCiphertextList,
}

/// The sender's new leaf and filtered direct path (RFC 9420 §7.6).
///
/// ```text
/// struct {
///     LeafNode leaf_node;
///     UpdatePathNode nodes<V>;
/// } UpdatePath;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct UpdatePath {
    /// The sender's new leaf node (source `commit`).
    pub leaf_node: LeafNode,
    /// One node per entry of the filtered direct path, leaf to root.
    pub nodes: Vec<UpdatePathNode>,
}
