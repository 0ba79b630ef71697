//! A Welcome into a group whose ratchet tree is full (issue 9, scenarios S3f–S5f).
//!
//! A group in which every member has committed once has every parent node set
//! (RFC 9420 §7.4–§7.5), so a commit encrypts to O(log N) resolution nodes
//! (§7.6) instead of N. Reaching that state through the protocol costs N
//! commits, each processed by the measured members: O(N²) work in the set-up
//! of one scenario. [`full_group_welcome`] builds the same state directly, in
//! O(N): the state right after a few members (`joiners`, whose KeyPackages
//! are given) were added by one commit without a path to a group where every
//! other member had committed. That is:
//!
//! - leaves `0..joiners` are the joiners' KeyPackage leaf nodes; every other
//!   leaf up to `members` is a stand-in member with its own Ed25519 key, a leaf
//!   of source `commit` signed over its LeafNodeTBS (§7.2);
//! - every parent node with members on both sides and a stand-in below it
//!   is set, with the joiners below it as `unmerged_leaves` (§7.7 Add); the
//!   others are blank (a commit's filtered direct path skips a parent whose
//!   other side is empty, §7.5);
//! - every set parent is parent-hash valid (§7.9.2): one of its children
//!   carries its parent hash, computed over the original sibling tree hash;
//! - the GroupInfo (ratchet_tree extension, §12.4.3.3) is signed by the last
//!   stand-in, its confirmation tag derived from a random joiner secret, and
//!   the GroupSecrets (no path secret, no PSK) are sealed to each joiner
//!   (§12.4.3.1).
//!
//! Any RFC 9420 implementation joins it as it joins any Welcome: the
//! comparison binary has Conclave, OpenMLS and mls-rs members join it and
//! then commit and process in the full tree.

use std::sync::Arc;

use conclave_core::codec::{encode, VLBytes};
use conclave_core::crypto::{
    sign_with_label, CipherSuiteProvider, Secret, SignatureKeyPair, Signer,
};
use conclave_core::schedule::{
    confirmation_tag, sign_group_info, JoinerSecret, PskSecret, WelcomeBuilder,
};
use conclave_core::tree::hash::{leaf_hash, parent_hash, parent_node_hash};
use conclave_core::tree::{NodeIndex, TreeSize};
use conclave_core::wire::{
    Extension, GroupContext, GroupInfo, GroupSecrets, KeyPackage, LeafNodeSource,
    LeafNodeTbsContext, MlsMessage, MlsMessageBody, Node, ParentNode, ProtocolVersion,
    RatchetTreeExtension,
};
use conclave_core::Error;

use crate::random_leaf;

fn random(cs: &dyn CipherSuiteProvider, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    let _ = cs.random_bytes(&mut bytes);
    bytes
}

/// The first leaf below `x` and the number of leaves below it.
fn span(x: NodeIndex) -> (u32, u32) {
    let width = 1u32 << x.level();
    ((x.0 + 1 - width) / 2, width)
}

struct Builder<'a> {
    cs: &'a Arc<dyn CipherSuiteProvider>,
    nodes: Vec<Option<Node>>,
    group_id: &'a [u8],
    joiners: u32,
    members: u32,
    signer_leaf: u32,
    signer: Option<SignatureKeyPair>,
}

impl Builder<'_> {
    /// Whether a stand-in (a non-joiner member) sits below `x`.
    fn has_stand_in(&self, x: NodeIndex) -> bool {
        let (lo, width) = span(x);
        lo + width > self.joiners && lo < self.members
    }

    /// The tree hash of the subtree at `x` with every node blank: the
    /// original sibling tree hash of a subtree holding only unmerged leaves.
    fn blank_hash(&self, x: NodeIndex) -> Result<Vec<u8>, Error> {
        let cs = self.cs.as_ref();
        match (x.leaf(), x.left(), x.right()) {
            (Some(l), _, _) => leaf_hash(cs, l, None),
            (None, Some(a), Some(b)) => {
                parent_node_hash(cs, None, &self.blank_hash(a)?, &self.blank_hash(b)?)
            }
            _ => Err(Error::Internal("parent without children")),
        }
    }

    /// Whether a parent is set: a member on both sides (a commit's filtered
    /// direct path skips the others, §7.5) and a stand-in below.
    fn is_set(&self, x: NodeIndex) -> bool {
        let (Some(left), Some(right)) = (x.left(), x.right()) else {
            return false;
        };
        span(left).0 < self.members && span(right).0 < self.members && self.has_stand_in(x)
    }

    /// Sets the parent hash of the first non-blank node down from `x`
    /// (through blank parents, whose members are all on the left).
    fn set_parent_hash(&mut self, mut x: NodeIndex, hash: Vec<u8>) {
        while matches!(self.nodes.get(x.0 as usize), Some(None)) {
            match x.left() {
                Some(l) => x = l,
                None => return,
            }
        }
        match self.nodes.get_mut(x.0 as usize) {
            Some(Some(Node::Parent(p))) => p.parent_hash = hash.into(),
            Some(Some(Node::Leaf(l))) => l.leaf_node_source = LeafNodeSource::Commit(hash.into()),
            _ => {}
        }
    }

    /// Finalises the subtree at `x` (its own `parent_hash` already set) and
    /// returns its tree hash. The child carrying a parent's hash is the left
    /// one when a stand-in is below it, else the right one; its sibling is
    /// hashed first, without the parent's unmerged leaves (§7.9).
    fn link(&mut self, x: NodeIndex) -> Result<Vec<u8>, Error> {
        let cs = Arc::clone(self.cs);
        let slot = x.0 as usize;
        if let Some(leaf_index) = x.leaf() {
            if leaf_index.0 >= self.joiners {
                if let Some(Some(Node::Leaf(leaf))) = self.nodes.get_mut(slot) {
                    let signer = SignatureKeyPair::generate(Arc::clone(&cs))?;
                    leaf.signature_key = signer.public_key().to_vec().into();
                    let tbs = leaf.tbs_bytes(Some(LeafNodeTbsContext {
                        group_id: self.group_id,
                        leaf_index: leaf_index.0,
                    }))?;
                    leaf.signature = sign_with_label(&signer, "LeafNodeTBS", &tbs)?.into();
                    if leaf_index.0 == self.signer_leaf {
                        self.signer = Some(signer);
                    }
                }
            }
            let leaf = match self.nodes.get(slot) {
                Some(Some(Node::Leaf(l))) => Some(l),
                _ => None,
            };
            return leaf_hash(cs.as_ref(), leaf_index, leaf);
        }
        let (Some(left), Some(right)) = (x.left(), x.right()) else {
            return Err(Error::Internal("parent without children"));
        };
        let own = match self.nodes.get(slot) {
            Some(Some(Node::Parent(p))) => {
                Some((p.encryption_key.as_slice().to_vec(), p.parent_hash.clone()))
            }
            _ => None,
        };
        let (left_hash, right_hash) = match own {
            None => (self.link(left)?, self.link(right)?),
            Some((key, ph)) if self.has_stand_in(left) => {
                // The right subtree holds no joiner: its hash is the original one.
                let right_hash = self.link(right)?;
                let h = parent_hash(cs.as_ref(), &key, ph.as_slice(), &right_hash)?;
                self.set_parent_hash(left, h);
                (self.link(left)?, right_hash)
            }
            Some((key, ph)) => {
                // Only joiners (all unmerged here) on the left: blank them.
                let original = self.blank_hash(left)?;
                let h = parent_hash(cs.as_ref(), &key, ph.as_slice(), &original)?;
                self.set_parent_hash(right, h);
                (self.link(left)?, self.link(right)?)
            }
        };
        let node = match self.nodes.get(slot) {
            Some(Some(Node::Parent(p))) => Some(p),
            _ => None,
        };
        parent_node_hash(cs.as_ref(), node, &left_hash, &right_hash)
    }
}

/// An encoded Welcome (an MLSMessage) into a group of `members` leaves with a
/// full tree, for the holders of `joiners` (placed at leaves `0..`), as
/// described in the module documentation. `members` must exceed the number of
/// joiners.
pub fn full_group_welcome(
    cs: &Arc<dyn CipherSuiteProvider>,
    members: u32,
    joiners: &[KeyPackage],
    group_id: &[u8],
) -> Result<Vec<u8>, Error> {
    let c = cs.as_ref();
    let j = u32::try_from(joiners.len()).map_err(|_| Error::Internal("too many joiners"))?;
    if members <= j {
        return Err(Error::Misuse(
            "a full tree needs a member besides the joiners".into(),
        ));
    }
    let size = TreeSize::covering(members).ok_or(Error::Internal("tree too large"))?;
    let mut nodes: Vec<Option<Node>> = Vec::with_capacity(size.node_width() as usize);
    let mut builder_probe = Builder {
        cs,
        nodes: Vec::new(),
        group_id,
        joiners: j,
        members,
        signer_leaf: members - 1,
        signer: None,
    };
    for x in 0..size.node_width() {
        let node = NodeIndex(x);
        let value = match node.leaf() {
            Some(l) if l.0 < j => joiners
                .get(l.0 as usize)
                .map(|kp| Node::Leaf(kp.leaf_node.clone())),
            Some(l) => (l.0 < members).then(|| Node::Leaf(random_leaf(c, l.0))),
            None => builder_probe.is_set(node).then(|| {
                let (lo, width) = span(node);
                Node::Parent(ParentNode {
                    encryption_key: random(c, 32).into(),
                    parent_hash: random(c, c.hash_len()).into(),
                    unmerged_leaves: (lo..(lo + width).min(j)).collect(),
                })
            }),
        };
        nodes.push(value);
    }
    // The root has no parent: its parent_hash is empty, as after a real commit.
    if let Some(Some(Node::Parent(root))) = nodes.get_mut(size.root().0 as usize) {
        root.parent_hash = VLBytes::new(Vec::new());
    }
    builder_probe.nodes = nodes;
    let mut b = builder_probe;
    let tree_hash = b.link(size.root())?;
    let signer = b
        .signer
        .take()
        .ok_or(Error::Internal("no GroupInfo signer"))?;
    let last = b
        .nodes
        .iter()
        .rposition(Option::is_some)
        .map_or(0, |i| i + 1);
    b.nodes.truncate(last);

    let context = GroupContext {
        version: ProtocolVersion::MLS10,
        cipher_suite: c.cipher_suite(),
        group_id: group_id.to_vec().into(),
        epoch: 1,
        tree_hash: tree_hash.into(),
        confirmed_transcript_hash: random(c, c.hash_len()).into(),
        extensions: Vec::new(),
    };
    let joiner = JoinerSecret::new(Secret::new(random(c, c.hash_len())));
    let member = joiner.clone().member(c, &PskSecret::zero(c))?;
    let welcome_secret = member.welcome_secret(c)?;
    let secrets = member.epoch(c, &encode(&context)?)?.derive(c)?;
    let tag = confirmation_tag(
        c,
        &secrets.confirmation_key,
        context.confirmed_transcript_hash.as_slice(),
    )?;
    let mut group_info = GroupInfo {
        group_context: context,
        extensions: vec![Extension::from_payload(&RatchetTreeExtension {
            ratchet_tree: b.nodes,
        })?],
        confirmation_tag: tag.into(),
        signer: members - 1,
        signature: VLBytes::new(Vec::new()),
    };
    sign_group_info(&signer, &mut group_info)?;
    let mut welcome = WelcomeBuilder::new(c, &welcome_secret, &group_info)?;
    let group_secrets = GroupSecrets {
        joiner_secret: joiner.as_secret().as_bytes().to_vec().into(),
        path_secret: None,
        psks: Vec::new(),
    };
    for kp in joiners {
        welcome.add_member(c, kp, &group_secrets)?;
    }
    encode(&MlsMessage::new(MlsMessageBody::Welcome(welcome.finish())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use conclave_core::codec::decode_exact;
    use conclave_core::crypto::{CipherSuite, CryptoProvider};
    use conclave_peers::{
        ConclaveFactory, GroupOptions, MlsRsFactory, OpenMlsFactory, PeerFactory, Processed,
    };

    /// Every implementation joins the Welcome, then commits in the full tree:
    /// an update's path holds one node per level (the tree is full) and the
    /// other joiner processes it, and a remove of a stand-in.
    #[test]
    fn every_implementation_joins_and_commits_in_the_full_tree() {
        let cs = conclave_rustcrypto::RustCryptoProvider::new()
            .cipher_suite(CipherSuite(1))
            .unwrap();
        let factories: [Box<dyn PeerFactory>; 3] = [
            Box::new(ConclaveFactory),
            Box::new(OpenMlsFactory),
            Box::new(MlsRsFactory),
        ];
        for f in factories {
            let members = 21u32;
            let mut a = f.new_member(1, b"a").unwrap();
            let mut b = f.new_member(1, b"b").unwrap();
            let kps: Vec<KeyPackage> = [a.key_package().unwrap(), b.key_package().unwrap()]
                .iter()
                .map(
                    |bytes| match decode_exact::<MlsMessage>(bytes).unwrap().body {
                        MlsMessageBody::KeyPackage(kp) => kp,
                        _ => panic!("not a KeyPackage"),
                    },
                )
                .collect();
            let welcome = full_group_welcome(&cs, members, &kps, b"full").unwrap();
            let options = GroupOptions::default();
            a.join(&welcome, None, &options).unwrap();
            b.join(&welcome, None, &options).unwrap();
            assert_eq!(a.roster().len(), members as usize, "{}", f.name());
            assert_eq!(a.own_leaf_index().unwrap(), 0);
            assert_eq!(b.own_leaf_index().unwrap(), 1);

            let out = a.update().unwrap();
            assert_eq!(b.process(&out.commit).unwrap(), Processed::Commit);
            let out = a.remove(members - 1).unwrap();
            assert_eq!(b.process(&out.commit).unwrap(), Processed::Commit);
            assert_eq!(a.epoch(), 3, "{}", f.name());
            assert_eq!(b.epoch(), 3);
            assert_eq!(a.roster().len(), members as usize - 1);
            assert_eq!(
                a.epoch_authenticator().unwrap(),
                b.epoch_authenticator().unwrap()
            );
        }
    }

    /// The update path's size in the full tree stays logarithmic: one
    /// ciphertext per copath node, against one per member in a fresh tree.
    #[test]
    fn the_update_path_is_short_in_the_full_tree() {
        let cs = conclave_rustcrypto::RustCryptoProvider::new()
            .cipher_suite(CipherSuite(1))
            .unwrap();
        let f = ConclaveFactory;
        let mut a = f.new_member(1, b"a").unwrap();
        let mut b = f.new_member(1, b"b").unwrap();
        let kps: Vec<KeyPackage> = [a.key_package().unwrap(), b.key_package().unwrap()]
            .iter()
            .map(
                |bytes| match decode_exact::<MlsMessage>(bytes).unwrap().body {
                    MlsMessageBody::KeyPackage(kp) => kp,
                    _ => panic!("not a KeyPackage"),
                },
            )
            .collect();
        let welcome = full_group_welcome(&cs, 1000, &kps, b"full").unwrap();
        let options = GroupOptions::default();
        a.join(&welcome, None, &options).unwrap();
        b.join(&welcome, None, &options).unwrap();
        let out = a.update().unwrap();
        // 10 levels, one HPKE ciphertext (about 100 bytes) each, plus the leaf.
        assert!(
            out.commit.len() < 2500,
            "commit of {} bytes",
            out.commit.len()
        );
        b.process(&out.commit).unwrap();
    }
}
