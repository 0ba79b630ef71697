//! Snapshots of a [`Group`]: a versioned, compact binary encoding of one
//! member's full state of a group, so that a client layer can persist it
//! and load it back exactly.
//!
//! What a snapshot holds (RFC 9420 §8, §9, §12): the public state (the
//! GroupContext, the interim transcript hash and confirmation tag of §8.2,
//! and the ratchet tree's non-blank nodes, §7.8), our own state (leaf index,
//! the HPKE private keys of §7.4, the leaf keys of our pending Updates, the
//! hash of our pending commit), the epoch's secrets (§8) and its secret tree (§9) in its
//! current state, the unconsumed keys of skipped generations included, so
//! that a generation consumed before the snapshot stays consumed after a
//! reload (§9.2), the past epochs kept for late messages, the resumption
//! PSKs (§8.6), the proposal cache (§12.1) and the [`GroupConfig`].
//!
//! The encoding uses the TLS presentation language (tls_codec derives) on
//! the small structs below; it starts with a `u16` format version
//! ([`SNAPSHOT_VERSION`]) and decoding any other version fails cleanly with
//! [`Error::Unsupported`]. Versions read: 1; 2 (appends the pending ReInit);
//! 3 (the same layout, but our pending commit and our own proposals' messages
//! are kept as the hash of their encoding, constant-size, rather than the
//! encoding itself: an older snapshot's encodings are hashed on load). The tree hashes are not stored: they are
//! recomputed on load (they are a function of the nodes). The past epochs'
//! member signature keys are stored as the differences from the current
//! tree, which are few, so the state record does not grow with the group.
//!
//! For persistence that writes only what changed, a snapshot comes in
//! parts ([`SnapshotParts`]): one state record (everything but the tree
//! nodes) and one record per non-blank tree node, by node index. After a
//! commit, [`Group::changed_nodes`] (called on the staged commit before it
//! is merged) gives the node indices whose records must be rewritten or
//! deleted; the state record is rewritten in full, and its size does not
//! depend on the number of members (beyond the secret tree's used leaves).
//!
//! Secrets pass through plain byte vectors while encoding; the returned
//! bytes hold key material and must be stored as such.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::codec::{
    decode_exact, encode, DecodeError, DeserializeBytes, TlsDeserialize, TlsDeserializeBytes,
    TlsSerialize, TlsSize, VLBytes,
};
use crate::crypto::{CipherSuiteProvider, Secret, Signer};
use crate::error::Result;
use crate::framing::PaddingPolicy;
use crate::schedule::secret_tree::{RatchetState, SecretTreeState};
use crate::schedule::{EpochSecrets, InitSecret, KeyNonce, SecretTree, SecretTreeConfig};
use crate::tree::{LeafIndex, NodeIndex, RatchetTree, TreePrivateKeys, TreeView};
use crate::wire::{GroupContext, Node, Proposal, ReInit, Sender};
use crate::Error;

use super::state::{
    CachedProposal, EpochState, OwnState, PastEpoch, PastEpochs, ProposalCache, PublicState,
};
use super::{Group, GroupConfig, HandshakePolicy, Services, StagedCommit};

/// The snapshot format version written by this code.
pub const SNAPSHOT_VERSION: u16 = 3;

/// A snapshot split into records: the state without the tree nodes, and the
/// non-blank tree nodes by node index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotParts {
    /// The versioned state record (secrets included).
    pub state: Vec<u8>,
    /// `(node index, encoded Node)` of every non-blank node, in index order.
    pub nodes: Vec<(u32, Vec<u8>)>,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct ConfigRecord {
    /// 0: private, 1: public.
    handshake: u8,
    /// 0: none, 1: to a multiple of `padding_value`, 2: exactly `padding_value`.
    padding: u8,
    padding_value: u16,
    past_epochs: u32,
    max_skipped_keys_kept: u32,
    max_generation_jump: u32,
    resumption_psks: u32,
    ratchet_tree_in_welcome: u8,
    external_pub: u8,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct IndexedSecret {
    index: u32,
    secret: VLBytes,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct PendingUpdateRecord {
    reference: VLBytes,
    leaf_private_key: VLBytes,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct OwnRecord {
    leaf: u32,
    private_keys: Vec<IndexedSecret>,
    pending_updates: Vec<PendingUpdateRecord>,
    /// The hash of our pending commit's MLSMessage (before version 3: the
    /// MLSMessage itself).
    pending_commit_hash: Option<VLBytes>,
    active: u8,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct EpochSecretsRecord {
    sender_data_secret: VLBytes,
    encryption_secret: VLBytes,
    exporter_secret: VLBytes,
    external_secret: VLBytes,
    confirmation_key: VLBytes,
    membership_key: VLBytes,
    resumption_psk: VLBytes,
    epoch_authenticator: VLBytes,
    init_secret: VLBytes,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct KeyRecord {
    generation: u32,
    key: VLBytes,
    nonce: VLBytes,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct RatchetRecord {
    secret: Option<VLBytes>,
    generation: u32,
    skipped: Vec<KeyRecord>,
    window_floor: u32,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct LeafRatchetsRecord {
    leaf: u32,
    handshake: RatchetRecord,
    application: RatchetRecord,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct SecretTreeRecord {
    leaves: u32,
    nodes: Vec<IndexedSecret>,
    ratchets: Vec<LeafRatchetsRecord>,
    max_skipped_keys_kept: u32,
    max_generation_jump: u32,
}

/// A past epoch's member signature key that differs from the current tree's
/// key at the same leaf (`None`: the leaf was blank then).
#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct KeyDifference {
    leaf: u32,
    key: Option<VLBytes>,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct PastEpochRecord {
    context: GroupContext,
    secret_tree: SecretTreeRecord,
    sender_data_secret: VLBytes,
    membership_key: VLBytes,
    leaf_count: u32,
    key_differences: Vec<KeyDifference>,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct ResumptionRecord {
    epoch: u64,
    psk: VLBytes,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct ProposalRecord {
    reference: VLBytes,
    proposal: Proposal,
    sender: Sender,
    /// The hash of our own proposal's MLSMessage (before version 3: the
    /// MLSMessage itself).
    own_message_hash: Option<VLBytes>,
}

/// The state record, after the version: everything but the tree nodes.
#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct StateRecord {
    config: ConfigRecord,
    context: GroupContext,
    interim_transcript_hash: VLBytes,
    confirmation_tag: VLBytes,
    tree_width: u32,
    own: OwnRecord,
    secrets: EpochSecretsRecord,
    secret_tree: SecretTreeRecord,
    past_epochs: Vec<PastEpochRecord>,
    resumption_psks: Vec<ResumptionRecord>,
    proposals: Vec<ProposalRecord>,
}

#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct NodeRecord {
    index: u32,
    node: Node,
}

/// A whole snapshot, after the version.
#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
struct FullRecord {
    state: StateRecord,
    nodes: Vec<NodeRecord>,
}

fn vl(secret: &Secret) -> VLBytes {
    VLBytes::new(secret.as_bytes().to_vec())
}

fn secret(bytes: VLBytes) -> Secret {
    Secret::new(bytes.into())
}

fn malformed(reason: &str) -> Error {
    DecodeError::new("group snapshot", reason).into()
}

/// Splits off the leading format version; refuses versions this code
/// cannot read. Version 1 lacked the trailing pending-ReInit field that
/// version 2 appends (`Option<ReInit>`, issue 6); it reads as "none".
fn versioned(bytes: &[u8]) -> Result<(u16, &[u8])> {
    let (head, rest) = bytes
        .split_first_chunk::<2>()
        .ok_or_else(|| malformed("no format version"))?;
    let version = u16::from_be_bytes(*head);
    if !(1..=SNAPSHOT_VERSION).contains(&version) {
        return Err(Error::Unsupported(format!(
            "group snapshot format version {version} (this code reads versions 1 to {SNAPSHOT_VERSION})"
        )));
    }
    Ok((version, rest))
}

/// Decodes a record of `version` followed (from version 2) by the pending
/// ReInit, requiring that every byte is consumed. Returns the version too.
fn decode_versioned<T: DeserializeBytes>(bytes: &[u8]) -> Result<(T, Option<ReInit>, u16)> {
    let (version, body) = versioned(bytes)?;
    let (record, rest) =
        T::tls_deserialize_bytes(body).map_err(|e| DecodeError::new("group snapshot", e))?;
    let reinit = if version >= 2 {
        decode_exact::<Option<ReInit>>(rest)?
    } else if rest.is_empty() {
        None
    } else {
        return Err(malformed("trailing bytes after a version 1 record"));
    };
    Ok((record, reinit, version))
}

fn with_version(mut body: Vec<u8>) -> Vec<u8> {
    let mut out = SNAPSHOT_VERSION.to_be_bytes().to_vec();
    out.append(&mut body);
    out
}

fn config_record(c: &GroupConfig) -> ConfigRecord {
    let (padding, padding_value) = match c.padding {
        PaddingPolicy::None => (0, 0),
        PaddingPolicy::ToMultipleOf(n) => (1, n),
        PaddingPolicy::Exact(n) => (2, n),
    };
    ConfigRecord {
        handshake: match c.handshake {
            HandshakePolicy::Private => 0,
            HandshakePolicy::Public => 1,
        },
        padding,
        padding_value,
        past_epochs: u32::try_from(c.past_epochs).unwrap_or(u32::MAX),
        max_skipped_keys_kept: c.secret_tree.max_skipped_keys_kept,
        max_generation_jump: c.secret_tree.max_generation_jump,
        resumption_psks: u32::try_from(c.resumption_psks).unwrap_or(u32::MAX),
        ratchet_tree_in_welcome: u8::from(c.ratchet_tree_in_welcome),
        external_pub: u8::from(c.external_pub),
    }
}

fn config_from(r: ConfigRecord) -> Result<GroupConfig> {
    Ok(GroupConfig {
        handshake: match r.handshake {
            0 => HandshakePolicy::Private,
            1 => HandshakePolicy::Public,
            _ => return Err(malformed("unknown handshake policy")),
        },
        padding: match r.padding {
            0 => PaddingPolicy::None,
            1 => PaddingPolicy::ToMultipleOf(r.padding_value),
            2 => PaddingPolicy::Exact(r.padding_value),
            _ => return Err(malformed("unknown padding policy")),
        },
        past_epochs: r.past_epochs as usize,
        secret_tree: SecretTreeConfig {
            max_skipped_keys_kept: r.max_skipped_keys_kept,
            max_generation_jump: r.max_generation_jump,
        },
        resumption_psks: r.resumption_psks as usize,
        ratchet_tree_in_welcome: r.ratchet_tree_in_welcome != 0,
        external_pub: r.external_pub != 0,
        ..GroupConfig::default()
    })
}

fn ratchet_record(r: &RatchetState) -> RatchetRecord {
    RatchetRecord {
        secret: r.secret.as_ref().map(vl),
        generation: r.generation,
        skipped: r
            .skipped
            .iter()
            .map(|k| KeyRecord {
                generation: k.generation,
                key: vl(&k.key),
                nonce: vl(&k.nonce),
            })
            .collect(),
        window_floor: r.window_floor,
    }
}

fn ratchet_from(r: RatchetRecord) -> RatchetState {
    RatchetState {
        secret: r.secret.map(secret),
        generation: r.generation,
        skipped: r
            .skipped
            .into_iter()
            .map(|k| KeyNonce {
                generation: k.generation,
                key: secret(k.key),
                nonce: secret(k.nonce),
            })
            .collect(),
        window_floor: r.window_floor,
    }
}

fn secret_tree_record(tree: &SecretTree) -> SecretTreeRecord {
    let s = tree.to_state();
    SecretTreeRecord {
        leaves: s.leaves,
        nodes: s
            .nodes
            .iter()
            .map(|(i, x)| IndexedSecret {
                index: *i,
                secret: vl(x),
            })
            .collect(),
        ratchets: s
            .ratchets
            .iter()
            .map(|(leaf, h, a)| LeafRatchetsRecord {
                leaf: *leaf,
                handshake: ratchet_record(h),
                application: ratchet_record(a),
            })
            .collect(),
        max_skipped_keys_kept: s.config.max_skipped_keys_kept,
        max_generation_jump: s.config.max_generation_jump,
    }
}

fn secret_tree_from(r: SecretTreeRecord) -> Result<SecretTree> {
    SecretTree::from_state(SecretTreeState {
        leaves: r.leaves,
        nodes: r
            .nodes
            .into_iter()
            .map(|n| (n.index, secret(n.secret)))
            .collect(),
        ratchets: r
            .ratchets
            .into_iter()
            .map(|l| {
                (
                    l.leaf,
                    ratchet_from(l.handshake),
                    ratchet_from(l.application),
                )
            })
            .collect(),
        config: SecretTreeConfig {
            max_skipped_keys_kept: r.max_skipped_keys_kept,
            max_generation_jump: r.max_generation_jump,
        },
    })
}

fn past_epoch_record(p: &PastEpoch, tree: &RatchetTree) -> PastEpochRecord {
    // Only the keys that differ from the current tree's are stored (a leaf
    // changed and changed back needs no record).
    let key_differences = p
        .changed_keys
        .iter()
        .filter(|(leaf, key)| {
            let current = tree
                .leaf(LeafIndex(**leaf))
                .map(|l| l.signature_key.as_slice());
            current != key.as_deref()
        })
        .map(|(leaf, key)| KeyDifference {
            leaf: *leaf,
            key: key.clone().map(VLBytes::new),
        })
        .collect();
    PastEpochRecord {
        context: p.context.clone(),
        secret_tree: secret_tree_record(&p.secret_tree),
        sender_data_secret: vl(&p.sender_data_secret),
        membership_key: vl(&p.membership_key),
        leaf_count: p.leaf_count,
        key_differences,
    }
}

fn past_epoch_from(r: PastEpochRecord, tree: &RatchetTree) -> Result<PastEpoch> {
    // A past epoch's tree is at most twice as wide as the current one
    // (one truncation per commit).
    if u64::from(r.leaf_count) > 2 * u64::from(tree.leaf_count()).max(1) {
        return Err(malformed("a past epoch wider than the tree allows"));
    }
    let mut changed_keys = std::collections::BTreeMap::new();
    for d in r.key_differences {
        if d.leaf >= r.leaf_count {
            return Err(malformed("a past epoch's key outside its tree"));
        }
        changed_keys.insert(d.leaf, d.key.map(Into::into));
    }
    Ok(PastEpoch {
        context: r.context,
        secret_tree: secret_tree_from(r.secret_tree)?,
        sender_data_secret: secret(r.sender_data_secret),
        membership_key: secret(r.membership_key),
        leaf_count: r.leaf_count,
        changed_keys,
    })
}

/// Brings a state record of an older `version` to the current meaning:
/// before version 3, the pending commit and our own proposals were stored
/// as their whole MLSMessage encodings; they are kept as hashes now.
fn upgrade(cs: &dyn CipherSuiteProvider, mut r: StateRecord, version: u16) -> StateRecord {
    if version < 3 {
        let hash = |m: VLBytes| VLBytes::new(cs.hash(m.as_slice()));
        r.own.pending_commit_hash = r.own.pending_commit_hash.take().map(hash);
        for p in &mut r.proposals {
            p.own_message_hash = p.own_message_hash.take().map(hash);
        }
    }
    r
}

impl Group {
    fn state_record(&self) -> StateRecord {
        let own = &self.own;
        let s = &self.epoch.secrets;
        StateRecord {
            config: config_record(&self.config),
            context: self.public.context.clone(),
            interim_transcript_hash: self.public.interim_transcript_hash.clone().into(),
            confirmation_tag: self.public.confirmation_tag.clone().into(),
            tree_width: self.public.tree.leaf_count(),
            own: OwnRecord {
                leaf: own.leaf.0,
                private_keys: own
                    .private_keys
                    .nodes()
                    .filter_map(|x| {
                        own.private_keys.get(x).map(|k| IndexedSecret {
                            index: x.0,
                            secret: vl(k),
                        })
                    })
                    .collect(),
                pending_updates: own
                    .pending_updates
                    .iter()
                    .map(|(r, k)| PendingUpdateRecord {
                        reference: r.clone().into(),
                        leaf_private_key: vl(k),
                    })
                    .collect(),
                pending_commit_hash: own.pending_commit_hash.clone().map(VLBytes::new),
                active: u8::from(own.active),
            },
            secrets: EpochSecretsRecord {
                sender_data_secret: vl(&s.sender_data_secret),
                encryption_secret: vl(&s.encryption_secret),
                exporter_secret: vl(&s.exporter_secret),
                external_secret: vl(&s.external_secret),
                confirmation_key: vl(&s.confirmation_key),
                membership_key: vl(&s.membership_key),
                resumption_psk: vl(&s.resumption_psk),
                epoch_authenticator: vl(&s.epoch_authenticator),
                init_secret: vl(s.init_secret.as_secret()),
            },
            secret_tree: secret_tree_record(&self.epoch.secret_tree),
            past_epochs: self
                .past
                .epochs
                .iter()
                .map(|p| past_epoch_record(p, &self.public.tree))
                .collect(),
            resumption_psks: self
                .past
                .resumption_psks
                .iter()
                .map(|(epoch, psk)| ResumptionRecord {
                    epoch: *epoch,
                    psk: vl(psk),
                })
                .collect(),
            proposals: self
                .proposals
                .entries
                .iter()
                .map(|e| ProposalRecord {
                    reference: e.reference.clone().into(),
                    proposal: e.proposal.clone(),
                    sender: e.sender,
                    own_message_hash: e.own_message_hash.clone().map(VLBytes::new),
                })
                .collect(),
        }
    }

    fn node_records(&self) -> Vec<NodeRecord> {
        crate::group::commit::nodes_of(&self.public.tree)
            .into_iter()
            .enumerate()
            .filter_map(|(i, node)| {
                Some(NodeRecord {
                    index: u32::try_from(i).ok()?,
                    node: node?,
                })
            })
            .collect()
    }

    /// The whole state as one versioned byte string (secrets included).
    pub fn to_snapshot(&self) -> Result<Vec<u8>> {
        let full = FullRecord {
            state: self.state_record(),
            nodes: self.node_records(),
        };
        let mut body = encode(&full)?;
        body.extend(encode(&self.reinit)?);
        Ok(with_version(body))
    }

    /// A group from a snapshot made by [`Group::to_snapshot`], signing with
    /// `signer` (the key of our leaf) and using `services`.
    pub fn from_snapshot(
        cs: Arc<dyn CipherSuiteProvider>,
        signer: Arc<dyn Signer>,
        bytes: &[u8],
        services: Services,
    ) -> Result<Self> {
        let (full, reinit, version): (FullRecord, _, _) = decode_versioned(bytes)?;
        let nodes = full.nodes.into_iter().map(|n| (n.index, n.node)).collect();
        let state = upgrade(cs.as_ref(), full.state, version);
        Self::from_records(cs, signer, state, reinit, nodes, services)
    }

    /// The state split into records (see [`SnapshotParts`]).
    pub fn to_snapshot_parts(&self) -> Result<SnapshotParts> {
        Ok(SnapshotParts {
            state: self.state_record_bytes()?,
            nodes: self
                .node_records()
                .into_iter()
                .map(|n| Ok((n.index, encode(&n.node)?)))
                .collect::<Result<_>>()?,
        })
    }

    /// The state record alone (what is rewritten after every operation).
    pub fn state_record_bytes(&self) -> Result<Vec<u8>> {
        let mut body = encode(&self.state_record())?;
        body.extend(encode(&self.reinit)?);
        Ok(with_version(body))
    }

    /// The encoded tree node at node index `x`, or `None` if it is blank
    /// or outside the tree (its record is then deleted).
    pub fn node_record(&self, x: u32) -> Result<Option<Vec<u8>>> {
        match self.public.tree.node(NodeIndex(x)) {
            Some(node) => {
                let node = match node {
                    crate::tree::NodeRef::Leaf(l) => Node::Leaf(l.clone()),
                    crate::tree::NodeRef::Parent(p) => Node::Parent(p.clone()),
                };
                Ok(Some(encode(&node)?))
            }
            None => Ok(None),
        }
    }

    /// A group from the records of [`Group::to_snapshot_parts`] (the node
    /// records in any order).
    pub fn from_snapshot_parts(
        cs: Arc<dyn CipherSuiteProvider>,
        signer: Arc<dyn Signer>,
        state: &[u8],
        nodes: &[(u32, Vec<u8>)],
        services: Services,
    ) -> Result<Self> {
        let (record, reinit, version): (StateRecord, _, _) = decode_versioned(state)?;
        let record = upgrade(cs.as_ref(), record, version);
        let nodes = nodes
            .iter()
            .map(|(i, bytes)| Ok((*i, decode_exact::<Node>(bytes)?)))
            .collect::<Result<Vec<_>>>()?;
        Self::from_records(cs, signer, record, reinit, nodes, services)
    }

    /// The node indices whose records change when `staged` (a commit staged
    /// on this group, not yet merged) is merged: rewrite each with
    /// [`Group::node_record`] after the merge.
    pub fn changed_nodes(&self, staged: &StagedCommit) -> BTreeSet<u32> {
        staged.changes.changed_nodes(self.public.tree.width())
    }

    fn from_records(
        cs: Arc<dyn CipherSuiteProvider>,
        signer: Arc<dyn Signer>,
        r: StateRecord,
        reinit: Option<ReInit>,
        nodes: Vec<(u32, Node)>,
        services: Services,
    ) -> Result<Self> {
        if r.context.cipher_suite != cs.cipher_suite() {
            return Err(Error::Misuse(
                "the snapshot is of a group in another cipher suite".into(),
            ));
        }
        let tree = RatchetTree::from_indexed_nodes(cs.as_ref(), r.tree_width, nodes)?;
        if tree.root_hash() != r.context.tree_hash.as_slice() && r.own.active != 0 {
            return Err(malformed("the tree nodes do not match the tree hash"));
        }
        let leaf = LeafIndex(r.own.leaf);
        let mut private_keys = TreePrivateKeys::new(leaf, Secret::default());
        private_keys.remove(leaf.node());
        for k in r.own.private_keys {
            private_keys.insert(NodeIndex(k.index), secret(k.secret));
        }
        let s = r.secrets;
        let secrets = EpochSecrets {
            sender_data_secret: secret(s.sender_data_secret),
            encryption_secret: secret(s.encryption_secret),
            exporter_secret: secret(s.exporter_secret),
            external_secret: secret(s.external_secret),
            confirmation_key: secret(s.confirmation_key),
            membership_key: secret(s.membership_key),
            resumption_psk: secret(s.resumption_psk),
            epoch_authenticator: secret(s.epoch_authenticator),
            init_secret: InitSecret::new(secret(s.init_secret)),
        };
        let past = PastEpochs {
            epochs: r
                .past_epochs
                .into_iter()
                .map(|p| past_epoch_from(p, &tree))
                .collect::<Result<_>>()?,
            resumption_psks: r
                .resumption_psks
                .into_iter()
                .map(|p| (p.epoch, secret(p.psk)))
                .collect(),
        };
        Ok(Group {
            cs,
            signer,
            reinit,
            keys: std::sync::OnceLock::new(),
            config: config_from(r.config)?,
            services,
            public: PublicState {
                context: r.context,
                tree,
                interim_transcript_hash: r.interim_transcript_hash.into(),
                confirmation_tag: r.confirmation_tag.into(),
            },
            own: OwnState {
                leaf,
                private_keys,
                pending_updates: r
                    .own
                    .pending_updates
                    .into_iter()
                    .map(|u| (u.reference.into(), secret(u.leaf_private_key)))
                    .collect(),
                pending_commit_hash: r.own.pending_commit_hash.map(Into::into),
                active: r.own.active != 0,
            },
            epoch: EpochState {
                secrets,
                secret_tree: secret_tree_from(r.secret_tree)?,
            },
            past,
            proposals: ProposalCache {
                entries: r
                    .proposals
                    .into_iter()
                    .map(|p| CachedProposal {
                        reference: p.reference.into(),
                        proposal: p.proposal,
                        sender: p.sender,
                        own_message_hash: p.own_message_hash.map(Into::into),
                    })
                    .collect(),
            },
        })
    }
}
