//! Resource limits on received input (issue 10).
//!
//! RFC 9420 bounds vectors only by their varint header (2^30 − 1 bytes,
//! §2.1.2), and decoding allocates more memory than the input holds: an
//! `optional<Node>` that is one blank byte on the wire is an
//! `Option<Node>` of about 290 bytes in memory (a `ProposalOrRef` that is a
//! two-byte empty reference was one of 376 bytes until proposals were boxed;
//! it is 32 now). A stranger's 1 MiB blank
//! ratchet tree therefore costs some 300 MB and seconds of hashing although
//! it is valid as far as the codec and §7.7 go. [`Limits`] bounds what one
//! input may cost, with checks placed **before** the expensive step:
//!
//! | limit | default | checked | error |
//! |---|---|---|---|
//! | [`max_message_size`](Limits::max_message_size): encoded size of a received message | 1 MiB | on the byte length, before decoding ([`Limits::decode`]) | [`MessageTooLarge`](ProtocolError::MessageTooLarge) |
//! | [`max_tree_leaves`](Limits::max_tree_leaves): leaves of a ratchet tree (§12.4.3.3) | 2^16 | while decoding the `ratchet_tree` extension, element by element ([`Limits::decode_ratchet_tree`]), and on a tree's node count before it is built ([`Limits::check_tree_nodes`]) | [`TreeExceedsLimit`](ProtocolError::TreeExceedsLimit) |
//! | [`max_proposals_per_commit`](Limits::max_proposals_per_commit): proposals (by value or reference) in one Commit (§12.4) | 4096 | on the decoded Commit, before any proposal is resolved or validated ([`Limits::check_commit`]) | [`TooManyProposals`](ProtocolError::TooManyProposals) |
//! | [`max_extensions`](Limits::max_extensions): extensions in one list (§13) | 64 | [`Limits::check_extensions`] | [`TooManyExtensions`](ProtocolError::TooManyExtensions) |
//! | [`max_extension_size`](Limits::max_extension_size): `extension_data` of one extension other than `ratchet_tree` (§13) | 64 KiB | [`Limits::check_extensions`], before the payload is decoded | [`ExtensionTooLarge`](ProtocolError::ExtensionTooLarge) |
//!
//! The generation gap of the secret tree (§9.1) is bounded where it is used:
//! [`SecretTreeConfig`](crate::schedule::secret_tree::SecretTreeConfig)'s
//! `max_generation_jump` (default 10,000, `GenerationTooFarAhead`) and
//! `max_skipped_keys_kept` (default 1000 per ratchet).
//!
//! The default message size admits a GroupInfo or Welcome carrying the full
//! tree of a few thousand members with basic credentials, and a commit with
//! a path in a tree with few parent nodes (one HPKE ciphertext of about 80
//! bytes per member: 801.5 KiB at 10,000) up to about 12,800 members;
//! applications with larger groups raise `max_message_size` and
//! `max_tree_leaves` together.
//! What decoding may still cost before a count is checked is bounded by the
//! size of the in-memory value of the smallest vector element: under 30
//! times the message size (UpdatePath nodes of empty keys, 56 bytes for 2;
//! proposals by value, 104 bytes for 4; Welcome secrets and X.509
//! certificates, 24 bytes per wire byte), so some 30 MB for 1 MiB, freed as
//! soon as the message is rejected.

use crate::codec::{decode_exact, read_varint_length, DecodeError, DeserializeBytes};
use crate::error::{ProtocolError, Result};
use crate::wire::extension::{find, Extension};
use crate::wire::{
    Commit, ExtensionType, FramedContentBody, MlsMessage, MlsMessageBody, Node, Proposal,
    ProposalOrRef, RatchetTreeNodes,
};

/// Bounds on what one received input may cost; see the module
/// documentation for what each bounds, where it is checked and why the
/// defaults were chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest encoded message accepted, in bytes. Default 1 MiB.
    pub max_message_size: usize,
    /// The most leaves a ratchet tree may have. Default 2^16 (65,536
    /// leaves, 131,071 nodes: some 40 MB of nodes in memory).
    pub max_tree_leaves: u32,
    /// The most proposals one Commit may list. Default 4096.
    pub max_proposals_per_commit: usize,
    /// The most extensions one extension list may hold. Default 64.
    pub max_extensions: usize,
    /// The largest `extension_data` of one extension, in bytes, except the
    /// `ratchet_tree` extension (bounded by `max_tree_leaves` and
    /// `max_message_size`). Default 64 KiB.
    pub max_extension_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_size: 1 << 20,
            max_tree_leaves: 1 << 16,
            max_proposals_per_commit: 4096,
            max_extensions: 64,
            max_extension_size: 64 << 10,
        }
    }
}

impl Limits {
    /// Decodes a received message of type `T` (an `MLSMessage`, or a bare
    /// KeyPackage, Welcome, GroupInfo, ...): rejects input longer than
    /// `max_message_size` before decoding anything, then decodes it with
    /// [`decode_exact`].
    pub fn decode<T: DeserializeBytes>(&self, bytes: &[u8]) -> Result<T> {
        self.check_size(bytes)?;
        Ok(decode_exact(bytes)?)
    }

    /// Refuses input longer than `max_message_size` with
    /// [`MessageTooLarge`](ProtocolError::MessageTooLarge), as
    /// [`Limits::decode`] does before decoding.
    pub fn check_size(&self, bytes: &[u8]) -> Result<()> {
        if bytes.len() > self.max_message_size {
            return Err(ProtocolError::MessageTooLarge {
                size: bytes.len(),
                max: self.max_message_size,
            }
            .into());
        }
        Ok(())
    }

    /// Decodes a received `MLSMessage` with [`Limits::decode`], then applies
    /// [`Limits::check_message`] to it.
    pub fn decode_message(&self, bytes: &[u8]) -> Result<MlsMessage> {
        let message: MlsMessage = self.decode(bytes)?;
        self.check_message(&message)?;
        Ok(message)
    }

    /// Checks the counts and sizes visible in a decoded message without
    /// decrypting anything: the Commit or Proposal of a PublicMessage, the
    /// extensions of a KeyPackage and its leaf, of a GroupInfo and its
    /// GroupContext. The content of a PrivateMessage is checked once it is
    /// decrypted ([`Limits::check_content`]).
    pub fn check_message(&self, message: &MlsMessage) -> Result<()> {
        match &message.body {
            MlsMessageBody::PublicMessage(m) => self.check_content(&m.content.content),
            MlsMessageBody::PrivateMessage(_) | MlsMessageBody::Welcome(_) => Ok(()),
            MlsMessageBody::GroupInfo(gi) => {
                self.check_extensions(&gi.extensions)?;
                self.check_extensions(&gi.group_context.extensions)
            }
            MlsMessageBody::KeyPackage(kp) => {
                self.check_extensions(&kp.extensions)?;
                self.check_extensions(&kp.leaf_node.extensions)
            }
        }
    }

    /// Checks a framed content body: a Commit with [`Limits::check_commit`],
    /// a Proposal with [`Limits::check_proposal`]; application data is
    /// bounded by the message size.
    pub fn check_content(&self, content: &FramedContentBody) -> Result<()> {
        match content {
            FramedContentBody::Application(_) => Ok(()),
            FramedContentBody::Proposal(p) => self.check_proposal(p),
            FramedContentBody::Commit(c) => self.check_commit(c),
        }
    }

    /// Checks a Commit: at most `max_proposals_per_commit` proposals, each
    /// proposal by value checked with [`Limits::check_proposal`], and the
    /// extensions of the path's leaf node.
    pub fn check_commit(&self, commit: &Commit) -> Result<()> {
        if commit.proposals.len() > self.max_proposals_per_commit {
            return Err(ProtocolError::TooManyProposals {
                count: commit.proposals.len(),
                max: self.max_proposals_per_commit,
            }
            .into());
        }
        for p in &commit.proposals {
            if let ProposalOrRef::Proposal(p) = p {
                self.check_proposal(p)?;
            }
        }
        match &commit.path {
            Some(path) => self.check_extensions(&path.leaf_node.extensions),
            None => Ok(()),
        }
    }

    /// Checks the extension lists a proposal carries (an Add's KeyPackage
    /// and leaf, an Update's leaf, a ReInit's and a GroupContextExtensions'
    /// extensions).
    pub fn check_proposal(&self, proposal: &Proposal) -> Result<()> {
        match proposal {
            Proposal::Add(a) => {
                self.check_extensions(&a.key_package.extensions)?;
                self.check_extensions(&a.key_package.leaf_node.extensions)
            }
            Proposal::Update(u) => self.check_extensions(&u.leaf_node.extensions),
            Proposal::ReInit(r) => self.check_extensions(&r.extensions),
            Proposal::GroupContextExtensions(g) => self.check_extensions(&g.extensions),
            _ => Ok(()),
        }
    }

    /// Checks one extension list: at most `max_extensions` entries, and no
    /// `extension_data` but a `ratchet_tree`'s longer than
    /// `max_extension_size`.
    pub fn check_extensions(&self, extensions: &[Extension]) -> Result<()> {
        if extensions.len() > self.max_extensions {
            return Err(ProtocolError::TooManyExtensions {
                count: extensions.len(),
                max: self.max_extensions,
            }
            .into());
        }
        for e in extensions {
            let size = e.extension_data.as_slice().len();
            if e.extension_type != ExtensionType::RATCHET_TREE && size > self.max_extension_size {
                return Err(ProtocolError::ExtensionTooLarge {
                    extension_type: e.extension_type.0,
                    size,
                    max: self.max_extension_size,
                }
                .into());
            }
        }
        Ok(())
    }

    /// The most nodes a tree of at most `max_tree_leaves` leaves has.
    pub fn max_tree_nodes(&self) -> usize {
        (self.max_tree_leaves as usize)
            .saturating_mul(2)
            .saturating_sub(1)
    }

    /// Checks a ratchet tree's node list (e.g. one received out of band)
    /// before a [`RatchetTree`](crate::tree::RatchetTree) is built from it.
    pub fn check_tree_nodes(&self, nodes: &[Option<Node>]) -> Result<()> {
        if nodes.len() > self.max_tree_nodes() {
            return Err(self.tree_exceeds(nodes.len()).into());
        }
        Ok(())
    }

    /// Decodes the `optional<Node> ratchet_tree<V>` vector (§12.4.3.3, the
    /// `extension_data` of a `ratchet_tree` extension) element by element,
    /// rejecting it as soon as it holds more than
    /// [`max_tree_nodes`](Limits::max_tree_nodes) nodes, so an oversized tree
    /// costs at most the limit in memory. Accepts and rejects exactly what
    /// `decode_exact::<RatchetTreeNodes>` does otherwise.
    pub fn decode_ratchet_tree(&self, bytes: &[u8]) -> Result<RatchetTreeNodes> {
        let max = self.max_tree_nodes();
        let nodes = decode_vec_at_most(bytes, max, "ratchet_tree")?
            .map_err(|count| self.tree_exceeds(count))?;
        Ok(nodes)
    }

    /// The nodes of the `ratchet_tree` extension in `extensions`, if there
    /// is one, decoded with [`Limits::decode_ratchet_tree`]. The bounded
    /// replacement for
    /// `find_payload::<RatchetTreeExtension>(extensions)`.
    pub fn find_ratchet_tree(&self, extensions: &[Extension]) -> Result<Option<RatchetTreeNodes>> {
        find(extensions, ExtensionType::RATCHET_TREE)
            .map(|e| self.decode_ratchet_tree(e.extension_data.as_slice()))
            .transpose()
    }

    /// The tree a joiner builds from (§12.4.3.1, §12.4.3.2): the nodes given
    /// out of band, checked with [`Limits::check_tree_nodes`], or else the
    /// GroupInfo's `ratchet_tree` extension, decoded with
    /// [`Limits::find_ratchet_tree`]; neither is
    /// [`MissingRatchetTree`](ProtocolError::MissingRatchetTree).
    pub fn tree_of(
        &self,
        group_info_extensions: &[Extension],
        out_of_band: Option<RatchetTreeNodes>,
    ) -> Result<RatchetTreeNodes> {
        let nodes = match out_of_band {
            Some(nodes) => nodes,
            None => self
                .find_ratchet_tree(group_info_extensions)?
                .ok_or(ProtocolError::MissingRatchetTree)?,
        };
        self.check_tree_nodes(&nodes)?;
        Ok(nodes)
    }

    fn tree_exceeds(&self, nodes: usize) -> ProtocolError {
        ProtocolError::TreeExceedsLimit {
            nodes,
            max_leaves: self.max_tree_leaves,
        }
    }
}

/// Decodes `bytes` as a whole `T x<V>` vector of at most `max` elements.
/// `Ok(Err(n))` when the vector holds more than `max` elements (`n` is the
/// count reached, `max + 1`): decoding stops there. Elements are decoded as
/// tls_codec decodes a vector (each must consume at least one byte, and they
/// must consume exactly the declared length), so under the bound the result
/// equals `decode_exact::<Vec<T>>`.
fn decode_vec_at_most<T: DeserializeBytes>(
    bytes: &[u8],
    max: usize,
    what: &'static str,
) -> Result<core::result::Result<Vec<T>, usize>, DecodeError> {
    let (len, header) = read_varint_length(bytes)?;
    let end = header
        .checked_add(len)
        .ok_or_else(|| DecodeError::new(what, "vector length overflows"))?;
    let mut body = bytes
        .get(header..end)
        .ok_or_else(|| DecodeError::new(what, "vector longer than the input"))?;
    if end != bytes.len() {
        return Err(DecodeError::new(
            what,
            format!("{} trailing bytes after the value", bytes.len() - end),
        ));
    }
    let mut out = Vec::new();
    while !body.is_empty() {
        if out.len() == max {
            return Ok(Err(max.saturating_add(1)));
        }
        let (value, rest) =
            T::tls_deserialize_bytes(body).map_err(|e| DecodeError::new(what, e))?;
        if rest.len() >= body.len() {
            return Err(DecodeError::new(what, "a vector element of zero bytes"));
        }
        out.push(value);
        body = rest;
    }
    Ok(Ok(out))
}

#[cfg(test)]
mod tests;
