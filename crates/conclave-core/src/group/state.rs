//! The parts of a [`Group`](super::Group)'s state (RFC 9420 §8, §9, §12),
//! as plain data that a snapshot can encode: the public state every member
//! agrees on, our own private keys, the epoch's secrets, the past epochs
//! kept for late messages, and the proposals of this epoch.

use std::collections::{BTreeMap, VecDeque};

use crate::crypto::Secret;
use crate::framing::MemberKeys;
use crate::schedule::{EpochSecrets, SecretTree};
use crate::tree::{LeafIndex, RatchetTree, TreePrivateKeys, TreeView};
use crate::wire::{ExternalSender, GroupContext, Proposal, Sender};

/// What every member agrees on (§8.1, §8.2).
#[derive(Debug, Clone)]
pub struct PublicState {
    /// The GroupContext of the epoch.
    pub context: GroupContext,
    /// The ratchet tree, with cached hashes.
    pub tree: RatchetTree,
    /// `interim_transcript_hash` of the epoch.
    pub interim_transcript_hash: Vec<u8>,
    /// The confirmation tag of the commit that started the epoch.
    pub confirmation_tag: Vec<u8>,
}

/// Our own place in the group and our private keys (§7.4).
#[derive(Debug, Clone)]
pub struct OwnState {
    /// Our leaf.
    pub leaf: LeafIndex,
    /// HPKE private keys of our leaf and of the parent nodes we know.
    pub private_keys: TreePrivateKeys,
    /// Leaf private keys of the Updates we proposed in this epoch, by ProposalRef.
    pub pending_updates: Vec<(Vec<u8>, Secret)>,
    /// The hash of our pending commit's encoded MLSMessage, to recognise it
    /// when echoed back (constant-size, whatever the commit's size).
    pub pending_commit_hash: Option<Vec<u8>>,
    /// False once a commit removing us was merged.
    pub active: bool,
}

/// The secrets of the current epoch (§8, §9).
#[derive(Debug, Clone)]
pub struct EpochState {
    /// Every secret the key schedule derives for the epoch.
    pub secrets: EpochSecrets,
    /// The secret tree of the epoch.
    pub secret_tree: SecretTree,
}

/// What is kept of one past epoch to read its late application messages.
#[derive(Debug, Clone)]
pub struct PastEpoch {
    /// The epoch's GroupContext.
    pub context: GroupContext,
    /// Its secret tree.
    pub secret_tree: SecretTree,
    /// Its sender data secret.
    pub sender_data_secret: Secret,
    /// Its membership key.
    pub membership_key: Secret,
    /// The number of leaves of the epoch's tree.
    pub leaf_count: u32,
    /// The signature keys of the epoch's members at the leaves that changed
    /// since (`None`: the leaf was blank then); every other leaf's key is
    /// the current tree's. Each commit adds the leaves it changes, so this
    /// costs O(changed leaves) per epoch, not a copy of every key.
    pub changed_keys: BTreeMap<u32, Option<Vec<u8>>>,
}

impl PastEpoch {
    /// Records that the current tree is about to change these leaves, whose
    /// keys are given as they were before: a leaf already recorded keeps
    /// its older key.
    pub fn record(&mut self, replaced: &[(u32, Option<Vec<u8>>)]) {
        for (leaf, key) in replaced {
            if *leaf < self.leaf_count {
                self.changed_keys
                    .entry(*leaf)
                    .or_insert_with(|| key.clone());
            }
        }
    }
}

/// Past epochs (newest last) and past resumption PSKs (§8.6).
#[derive(Debug, Clone, Default)]
pub struct PastEpochs {
    /// Past epochs kept for late messages, oldest first.
    pub epochs: VecDeque<PastEpoch>,
    /// `(epoch, resumption_psk)` of past epochs, oldest first.
    pub resumption_psks: VecDeque<(u64, Secret)>,
}

impl PastEpochs {
    /// The resumption PSK of a past `epoch`, if kept.
    pub fn resumption(&self, epoch: u64) -> Option<&Secret> {
        self.resumption_psks
            .iter()
            .find(|(e, _)| *e == epoch)
            .map(|(_, s)| s)
    }

    /// The kept state of a past `epoch`.
    pub fn epoch_mut(&mut self, epoch: u64) -> Option<&mut PastEpoch> {
        self.epochs.iter_mut().find(|p| p.context.epoch == epoch)
    }

    /// Pushes the epoch being left, dropping the oldest beyond the bounds.
    pub fn push(
        &mut self,
        past: Option<PastEpoch>,
        resumption: (u64, Secret),
        max_epochs: usize,
        max_psks: usize,
    ) {
        if let Some(p) = past {
            self.epochs.push_back(p);
        }
        while self.epochs.len() > max_epochs {
            self.epochs.pop_front();
        }
        self.resumption_psks.push_back(resumption);
        while self.resumption_psks.len() > max_psks {
            self.resumption_psks.pop_front();
        }
    }
}

/// One proposal of the epoch (§12.1), by its reference.
#[derive(Debug, Clone)]
pub struct CachedProposal {
    /// `ProposalRef` (§5.2).
    pub reference: Vec<u8>,
    /// The proposal.
    pub proposal: Proposal,
    /// Who sent it.
    pub sender: Sender,
    /// The hash of the encoded MLSMessage it came in, when we sent it (echo
    /// detection).
    pub own_message_hash: Option<Vec<u8>>,
}

/// The proposals of this epoch, in the order received; cleared at each epoch.
#[derive(Debug, Clone, Default)]
pub struct ProposalCache {
    /// The entries, in order of arrival.
    pub entries: Vec<CachedProposal>,
}

impl ProposalCache {
    /// The proposal with this reference.
    pub fn get(&self, reference: &[u8]) -> Option<&CachedProposal> {
        self.entries.iter().find(|e| e.reference == reference)
    }

    /// Caches a proposal (once per reference).
    pub fn insert(&mut self, entry: CachedProposal) {
        if self.get(&entry.reference).is_none() {
            self.entries.push(entry);
        }
    }

    /// Whether proposals from others are waiting for a commit.
    pub fn has_received(&self) -> bool {
        self.entries.iter().any(|e| e.own_message_hash.is_none())
    }
}

/// The signature keys of the current tree's members and of the group's
/// external senders, for the framing layer.
pub(crate) struct TreeMembers<'a> {
    pub tree: &'a RatchetTree,
    pub external: Vec<ExternalSender>,
}

impl MemberKeys for TreeMembers<'_> {
    fn leaf_count(&self) -> u32 {
        self.tree.leaf_count()
    }

    fn signature_key(&self, leaf: LeafIndex) -> Option<&[u8]> {
        self.tree.leaf(leaf).map(|l| l.signature_key.as_slice())
    }

    fn external_sender_key(&self, index: u32) -> Option<&[u8]> {
        self.external
            .get(index as usize)
            .map(|s| s.signature_key.as_slice())
    }
}

/// The signature keys of a past epoch's members: its changed keys over the
/// current tree.
pub(crate) struct PastKeys<'a> {
    pub tree: &'a RatchetTree,
    pub leaf_count: u32,
    pub changed_keys: &'a BTreeMap<u32, Option<Vec<u8>>>,
}

impl MemberKeys for PastKeys<'_> {
    fn leaf_count(&self) -> u32 {
        self.leaf_count
    }

    fn signature_key(&self, leaf: LeafIndex) -> Option<&[u8]> {
        if leaf.0 >= self.leaf_count {
            return None;
        }
        match self.changed_keys.get(&leaf.0) {
            Some(key) => key.as_deref(),
            None => self.tree.leaf(leaf).map(|l| l.signature_key.as_slice()),
        }
    }
}
