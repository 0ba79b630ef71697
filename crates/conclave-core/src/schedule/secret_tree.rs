//! The secret tree and its per-sender hash ratchets (RFC 9420 §9).
//!
//! The tree has the ratchet tree's shape and `encryption_secret` at its root:
//!
//! ```text
//! tree_node_[left(N)]_secret  = ExpandWithLabel(tree_node_[N]_secret, "tree", "left",  Nh)
//! tree_node_[right(N)]_secret = ExpandWithLabel(tree_node_[N]_secret, "tree", "right", Nh)
//! handshake_ratchet_secret_[L]_[0]   = ExpandWithLabel(leaf_secret, "handshake",   "", Nh)
//! application_ratchet_secret_[L]_[0] = ExpandWithLabel(leaf_secret, "application", "", Nh)
//! ratchet_key_[j]      = DeriveTreeSecret(ratchet_secret_[j], "key",    j, AEAD.Nk)
//! ratchet_nonce_[j]    = DeriveTreeSecret(ratchet_secret_[j], "nonce",  j, AEAD.Nn)
//! ratchet_secret_[j+1] = DeriveTreeSecret(ratchet_secret_[j], "secret", j, Nh)
//! ```
//!
//! Derivation is lazy: a leaf's secret is derived only when one of its
//! ratchets is first needed, walking down from the nearest derived ancestor.
//! The deletion schedule of §9.2 is followed: a parent's secret is deleted as
//! soon as both its children are derived, a leaf's secret once its two
//! ratchets exist, a ratchet secret once the next one is derived, and a key
//! and nonce once used (successfully) to encrypt or decrypt.
//!
//! Out-of-order delivery is bounded by [`SecretTreeConfig`]: keys of skipped
//! generations are kept, up to a number per ratchet, and a sender's ratchet
//! may only be moved forward by a bounded number of generations at once.

use std::collections::{BTreeMap, HashMap};

use crate::codec::DecodeError;
use crate::crypto::{derive_tree_secret, expand_with_label, CipherSuiteProvider, Secret};
use crate::error::Result;
use crate::tree::{LeafIndex, NodeIndex, TreeSize};
use crate::{Error, ProtocolError};

/// Limits on out-of-order delivery, per sender ratchet (§9.2 allows keeping
/// unconsumed keys "for some reasonable amount of time").
///
/// The defaults are deliberately generous: a real application's delivery
/// service reorders, retries and drops, and clients go offline in the middle
/// of busy epochs. OpenMLS's small defaults (5 out-of-order messages) made
/// downstream applications fail to decrypt ordinary reordered traffic, so
/// the defaults here are sized for real traffic while still bounding memory
/// (about 100 bytes per kept key) and work (three KDF calls per generation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretTreeConfig {
    /// How many keys of skipped (not yet received) generations are kept per
    /// ratchet; older ones are deleted first. Default 1000: about 100 KB at
    /// most per sender and ratchet, only when that many are outstanding.
    pub max_skipped_keys_kept: u32,
    /// How many generations ahead of the ratchet's next one a message may be.
    /// Default 10,000: ratcheting that far costs some 30,000 KDF calls (a few
    /// milliseconds), which bounds the work a single message can cause.
    pub max_generation_jump: u32,
}

impl Default for SecretTreeConfig {
    fn default() -> Self {
        Self {
            max_skipped_keys_kept: 1000,
            max_generation_jump: 10_000,
        }
    }
}

/// Which of a leaf's two ratchets (§9): handshake (proposals and commits) or
/// application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RatchetKind {
    /// The handshake ratchet.
    Handshake,
    /// The application ratchet.
    Application,
}

/// One AEAD key and nonce of a ratchet (§9.1), for one generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyNonce {
    /// The generation these belong to.
    pub generation: u32,
    /// `ratchet_key_[N]_[j]`.
    pub key: Secret,
    /// `ratchet_nonce_[N]_[j]` (before the reuse guard is applied).
    pub nonce: Secret,
}

/// One hash ratchet (§9.1) with its window of skipped keys.
#[derive(Debug, Clone)]
struct Ratchet {
    /// `ratchet_secret_[generation]`; `None` once the generation space is used up.
    secret: Option<Secret>,
    /// The next generation whose key has not been derived.
    generation: u32,
    /// Keys of generations below `generation` not yet used, oldest first.
    skipped: BTreeMap<u32, KeyNonce>,
    /// Every generation below this one that is not in `skipped` was dropped
    /// by the window (or used); at or above it, a missing one was used.
    window_floor: u32,
}

/// What moving a ratchet forward to a generation would produce, applied
/// only once the key has been used successfully.
struct Advance {
    key: KeyNonce,
    next_secret: Option<Secret>,
    next_generation: u32,
    skipped: Vec<KeyNonce>,
    /// The generations below this one were not kept.
    dropped_below: u32,
}

impl Ratchet {
    fn new(secret: Secret) -> Self {
        Self {
            secret: Some(secret),
            generation: 0,
            skipped: BTreeMap::new(),
            window_floor: 0,
        }
    }

    /// The key and nonce of `generation` from `secret`, and the next secret.
    fn step(
        cs: &dyn CipherSuiteProvider,
        secret: &Secret,
        generation: u32,
    ) -> Result<(KeyNonce, Secret)> {
        let s = secret.as_bytes();
        let key = derive_tree_secret(cs, s, "key", generation, cs.aead_key_len())?;
        let nonce = derive_tree_secret(cs, s, "nonce", generation, cs.aead_nonce_len())?;
        let next = derive_tree_secret(cs, s, "secret", generation, cs.hash_len())?;
        Ok((
            KeyNonce {
                generation,
                key,
                nonce,
            },
            next,
        ))
    }

    /// Computes the ratchet's state after using `generation`, without
    /// changing it.
    fn advance_to(
        &self,
        cs: &dyn CipherSuiteProvider,
        generation: u32,
        config: &SecretTreeConfig,
    ) -> Result<Advance> {
        let jump = generation - self.generation;
        if jump > config.max_generation_jump {
            return Err(ProtocolError::GenerationTooFarAhead {
                generation,
                next: self.generation,
            }
            .into());
        }
        let mut secret = self
            .secret
            .clone()
            .ok_or(ProtocolError::GenerationsExhausted)?;
        let keep = config.max_skipped_keys_kept as usize;
        let mut skipped = Vec::with_capacity((jump as usize).min(keep));
        let mut g = self.generation;
        let mut dropped_below = self.window_floor;
        loop {
            let (key, next) = Self::step(cs, &secret, g)?;
            secret = next;
            if g == generation {
                let next_generation = g.checked_add(1);
                return Ok(Advance {
                    key,
                    next_secret: next_generation.map(|_| secret),
                    next_generation: next_generation.unwrap_or(u32::MAX),
                    skipped,
                    dropped_below,
                });
            }
            // Only the newest `keep` skipped keys can survive; older ones
            // would be evicted at once, so they are never kept.
            if generation - g <= keep as u32 {
                skipped.push(key);
            } else {
                dropped_below = g + 1;
            }
            g += 1;
        }
    }

    fn apply(&mut self, advance: Advance, config: &SecretTreeConfig) {
        self.secret = advance.next_secret;
        self.generation = advance.next_generation;
        self.window_floor = self.window_floor.max(advance.dropped_below);
        for key in advance.skipped {
            self.skipped.insert(key.generation, key);
        }
        while self.skipped.len() > config.max_skipped_keys_kept as usize {
            if let Some((evicted, _)) = self.skipped.pop_first() {
                self.window_floor = self.window_floor.max(evicted.saturating_add(1));
            }
        }
    }

    /// Uses the key of `generation` through `use_key`; the key is deleted
    /// (and the ratchet moved forward) only if `use_key` succeeds.
    fn with_key<T>(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        generation: u32,
        config: &SecretTreeConfig,
        use_key: impl FnOnce(&KeyNonce) -> Result<T>,
    ) -> Result<T> {
        if generation < self.generation {
            let Some(key) = self.skipped.get(&generation) else {
                return Err(if generation < self.window_floor {
                    ProtocolError::GenerationOutOfWindow {
                        generation,
                        next: self.generation,
                    }
                } else {
                    ProtocolError::GenerationAlreadyUsed { generation }
                }
                .into());
            };
            let out = use_key(key)?;
            self.skipped.remove(&generation);
            return Ok(out);
        }
        if self.secret.is_none() {
            return Err(ProtocolError::GenerationsExhausted.into());
        }
        let advance = self.advance_to(cs, generation, config)?;
        let out = use_key(&advance.key)?;
        self.apply(advance, config);
        Ok(out)
    }

    /// The next unused generation's key, for sending; deleted from the
    /// ratchet at once.
    fn next_key(&mut self, cs: &dyn CipherSuiteProvider) -> Result<KeyNonce> {
        let secret = self
            .secret
            .take()
            .ok_or(ProtocolError::GenerationsExhausted)?;
        let (key, next) = Self::step(cs, &secret, self.generation)?;
        match self.generation.checked_add(1) {
            Some(g) => {
                self.generation = g;
                self.secret = Some(next);
            }
            None => self.secret = None,
        }
        Ok(key)
    }
}

/// A leaf's two ratchets.
#[derive(Debug, Clone)]
struct LeafRatchets {
    handshake: Ratchet,
    application: Ratchet,
}

impl LeafRatchets {
    fn get(&mut self, kind: RatchetKind) -> &mut Ratchet {
        match kind {
            RatchetKind::Handshake => &mut self.handshake,
            RatchetKind::Application => &mut self.application,
        }
    }
}

/// The secret tree of one epoch (§9), derived lazily from `encryption_secret`.
#[derive(Debug, Clone)]
pub struct SecretTree {
    size: TreeSize,
    /// Derived node secrets not yet consumed, by node index.
    nodes: HashMap<u32, Secret>,
    /// Ratchets of the leaves whose secrets have been consumed, by leaf index.
    leaves: HashMap<u32, LeafRatchets>,
    config: SecretTreeConfig,
}

impl SecretTree {
    /// The secret tree of a group whose ratchet tree has `leaves` leaves
    /// (blank ones included), rooted at `encryption_secret`.
    pub fn new(encryption_secret: Secret, leaves: u32, config: SecretTreeConfig) -> Result<Self> {
        let size = TreeSize::new(leaves)
            .filter(|s| s.leaves() > 0)
            .ok_or_else(|| Error::Misuse(format!("a secret tree cannot have {leaves} leaves")))?;
        let mut nodes = HashMap::new();
        nodes.insert(size.root().0, encryption_secret);
        Ok(Self {
            size,
            nodes,
            leaves: HashMap::new(),
            config,
        })
    }

    /// The number of leaves.
    pub fn leaf_count(&self) -> u32 {
        self.size.leaves()
    }

    /// How many node secrets the tree holds right now (for memory
    /// accounting, and to observe the deletion schedule of §9.2).
    pub fn held_node_secrets(&self) -> usize {
        self.nodes.len()
    }

    /// How many keys of skipped generations `leaf`'s ratchet of `kind`
    /// keeps for out-of-order messages (0 for a leaf not used yet).
    pub fn skipped_keys_kept(&self, leaf: LeafIndex, kind: RatchetKind) -> usize {
        self.leaves.get(&leaf.0).map_or(0, |r| match kind {
            RatchetKind::Handshake => r.handshake.skipped.len(),
            RatchetKind::Application => r.application.skipped.len(),
        })
    }

    /// The out-of-order limits in force.
    pub fn config(&self) -> SecretTreeConfig {
        self.config
    }

    /// The key and nonce of the next generation of `leaf`'s ratchet, for
    /// encrypting a message; they are deleted from the tree at once.
    pub fn next_sending_key(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
        kind: RatchetKind,
    ) -> Result<KeyNonce> {
        self.ratchets(cs, leaf)?.get(kind).next_key(cs)
    }

    /// Runs `use_key` with the key and nonce of `generation` of `leaf`'s
    /// ratchet (for decrypting a received message). If `use_key` succeeds
    /// the key is consumed: deleted, with the ratchet moved past it and the
    /// keys of skipped generations kept within the window. If it fails,
    /// nothing changes, so a forged message cannot burn a sender's keys.
    pub fn with_receiving_key<T>(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
        kind: RatchetKind,
        generation: u32,
        use_key: impl FnOnce(&KeyNonce) -> Result<T>,
    ) -> Result<T> {
        let config = self.config;
        if self.leaves.contains_key(&leaf.0) {
            return self
                .ratchets(cs, leaf)?
                .get(kind)
                .with_key(cs, generation, &config, use_key);
        }
        // The sender's first message this epoch: its ratchets are derived
        // on a copy (deriving consumes parent secrets), kept only if the
        // message is accepted, so that a rejected message leaves the tree
        // exactly as it was (issue 10; found by fuzz target group_process).
        let mut trial = self.clone();
        let out = trial
            .ratchets(cs, leaf)?
            .get(kind)
            .with_key(cs, generation, &config, use_key)?;
        *self = trial;
        Ok(out)
    }

    /// The key and nonce of `generation`, consumed at once (as if used
    /// successfully).
    pub fn receiving_key(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
        kind: RatchetKind,
        generation: u32,
    ) -> Result<KeyNonce> {
        self.with_receiving_key(cs, leaf, kind, generation, |k| Ok(k.clone()))
    }

    /// `leaf`'s ratchets, derived on first use.
    fn ratchets(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
    ) -> Result<&mut LeafRatchets> {
        if !self.leaves.contains_key(&leaf.0) {
            let secret = self.derive_leaf_secret(cs, leaf)?;
            let s = secret.as_bytes();
            let ratchets = LeafRatchets {
                handshake: Ratchet::new(expand_with_label(cs, s, "handshake", &[], cs.hash_len())?),
                application: Ratchet::new(expand_with_label(
                    cs,
                    s,
                    "application",
                    &[],
                    cs.hash_len(),
                )?),
            };
            self.leaves.insert(leaf.0, ratchets);
        }
        self.leaves
            .get_mut(&leaf.0)
            .ok_or(Error::Internal("a leaf's ratchets vanished"))
    }

    /// Derives a leaf's secret from its nearest derived ancestor, deleting
    /// each parent once both its children exist (§9.2), and removes it.
    fn derive_leaf_secret(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        leaf: LeafIndex,
    ) -> Result<Secret> {
        let target = NodeIndex(
            leaf.0
                .checked_mul(2)
                .ok_or(ProtocolError::SenderLeafOutOfRange { leaf: leaf.0 })?,
        );
        if leaf.0 >= self.size.leaves() || !self.size.contains(target) {
            return Err(ProtocolError::SenderLeafOutOfRange { leaf: leaf.0 }.into());
        }
        // The leaf and its direct path, from the leaf up to the root.
        let mut chain = vec![target];
        chain.extend(self.size.direct_path(target));
        let start = chain
            .iter()
            .position(|n| self.nodes.contains_key(&n.0))
            .ok_or(Error::Internal(
                "no derived ancestor of a leaf without ratchets",
            ))?;
        let path_down = chain.get(..=start).unwrap_or(&[]);
        for pair in path_down.windows(2).rev() {
            let &[child, parent] = pair else { continue };
            let parent_secret = self
                .nodes
                .remove(&parent.0)
                .ok_or(Error::Internal("a secret-tree node vanished"))?;
            let label = |n: NodeIndex| if n < parent { "left" } else { "right" };
            let derive = |n: NodeIndex| {
                expand_with_label(
                    cs,
                    parent_secret.as_bytes(),
                    "tree",
                    label(n).as_bytes(),
                    cs.hash_len(),
                )
            };
            if let Some(sibling) = self.size.sibling(child) {
                self.nodes.insert(sibling.0, derive(sibling)?);
            }
            self.nodes.insert(child.0, derive(child)?);
        }
        self.nodes
            .remove(&target.0)
            .ok_or(Error::Internal("a derived leaf secret vanished"))
    }
}

/// `sender_data_key` and `sender_data_nonce` (§6.3.2): ExpandWithLabel of
/// `sender_data_secret` with labels "key" and "nonce", and as context the
/// first `Nh` bytes of the content ciphertext (all of it if shorter).
pub fn sender_data_key_nonce(
    cs: &dyn CipherSuiteProvider,
    sender_data_secret: &Secret,
    ciphertext: &[u8],
) -> Result<(Secret, Secret)> {
    let sample = ciphertext.get(..cs.hash_len()).unwrap_or(ciphertext);
    let s = sender_data_secret.as_bytes();
    let key = expand_with_label(cs, s, "key", sample, cs.aead_key_len())?;
    let nonce = expand_with_label(cs, s, "nonce", sample, cs.aead_nonce_len())?;
    Ok((key, nonce))
}

/// One hash ratchet's state as plain data, for a group snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatchetState {
    /// The current ratchet secret (`None` once the generations are used up).
    pub secret: Option<Secret>,
    /// The next generation not yet derived.
    pub generation: u32,
    /// Keys of skipped generations still kept, oldest first.
    pub skipped: Vec<KeyNonce>,
    /// The out-of-order window's floor.
    pub window_floor: u32,
}

/// A secret tree's state as plain data, for a group snapshot: the node
/// secrets not yet consumed and the ratchets of the leaves in use, each
/// sorted by index so that the encoding is deterministic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretTreeState {
    /// The number of leaves.
    pub leaves: u32,
    /// `(node index, secret)` of the derived, unconsumed node secrets.
    pub nodes: Vec<(u32, Secret)>,
    /// `(leaf index, handshake ratchet, application ratchet)`.
    pub ratchets: Vec<(u32, RatchetState, RatchetState)>,
    /// The out-of-order limits.
    pub config: SecretTreeConfig,
}

impl Ratchet {
    fn state(&self) -> RatchetState {
        RatchetState {
            secret: self.secret.clone(),
            generation: self.generation,
            skipped: self.skipped.values().cloned().collect(),
            window_floor: self.window_floor,
        }
    }

    fn from_state(state: RatchetState) -> Self {
        Self {
            secret: state.secret,
            generation: state.generation,
            skipped: state
                .skipped
                .into_iter()
                .map(|k| (k.generation, k))
                .collect(),
            window_floor: state.window_floor,
        }
    }
}

impl SecretTree {
    /// The tree's full state (for persistence).
    pub fn to_state(&self) -> SecretTreeState {
        let mut nodes: Vec<_> = self.nodes.iter().map(|(&i, s)| (i, s.clone())).collect();
        nodes.sort_by_key(|(i, _)| *i);
        let mut ratchets: Vec<_> = self
            .leaves
            .iter()
            .map(|(&i, r)| (i, r.handshake.state(), r.application.state()))
            .collect();
        ratchets.sort_by_key(|(i, _, _)| *i);
        SecretTreeState {
            leaves: self.size.leaves(),
            nodes,
            ratchets,
            config: self.config,
        }
    }

    /// A tree from a state produced by [`SecretTree::to_state`]. Indices
    /// outside the tree are refused.
    pub fn from_state(state: SecretTreeState) -> Result<Self> {
        let size = TreeSize::new(state.leaves)
            .filter(|s| s.leaves() > 0)
            .ok_or_else(|| DecodeError::new("secret tree state", "no leaves"))?;
        let bad = state
            .nodes
            .iter()
            .any(|(i, _)| !size.contains(NodeIndex(*i)))
            || state.ratchets.iter().any(|(i, _, _)| *i >= size.leaves());
        if bad {
            return Err(DecodeError::new("secret tree state", "a node outside the tree").into());
        }
        Ok(Self {
            size,
            nodes: state.nodes.into_iter().collect(),
            leaves: state
                .ratchets
                .into_iter()
                .map(|(i, h, a)| {
                    (
                        i,
                        LeafRatchets {
                            handshake: Ratchet::from_state(h),
                            application: Ratchet::from_state(a),
                        },
                    )
                })
                .collect(),
            config: state.config,
        })
    }
}
