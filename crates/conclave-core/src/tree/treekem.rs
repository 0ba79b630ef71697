//! TreeKEM: creating and processing UpdatePaths (RFC 9420 §7.4–§7.6).
//!
//! Creating a path is two steps, because the HPKE context of the encryption
//! is the provisional GroupContext, whose `tree_hash` covers the new path:
//!
//! 1. [`apply_new_path`] blanks the committer's direct path, derives the path
//!    secrets and node key pairs (§7.4), sets the new nodes, chains their parent
//!    hashes (§7.9) and signs the new leaf (source `commit`), all in the diff.
//! 2. The caller computes the tree hash and the provisional GroupContext, then
//!    [`encrypt_path`] encrypts each path secret to the resolution of its
//!    copath child (new members of the same commit excluded, §7.6). The HPKE
//!    `info` (the EncryptContext) is the same for every node and recipient, so
//!    it is prepared once; the encryptions run on two threads when there are
//!    enough of them.
//!
//! Processing is [`apply_received_path`] (merge the public keys, recompute the
//! parent hashes and check the leaf's, §7.5) then [`decrypt_path`] (find our
//! ciphertext, decrypt, derive up the path and check every public key, §7.5).
//! The commit secret is the path secret after the root's (§12.4.2).

use super::diff::TreeDiff;
use super::math::{LeafIndex, NodeIndex};
use super::parent_hash::{check_leaf_parent_hash, set_path_parent_hashes};
use super::private::TreePrivateKeys;
use super::validate::{check_source, LeafContext};
use super::view::{subtree_contains, TreeView};
use crate::codec::VLBytes;
use crate::crypto::{
    derive_secret, encrypt_context, sign_with_label, CipherSuiteProvider, HpkeInfo, Secret, Signer,
};
use crate::error::Result;
use crate::wire::{
    HpkeCiphertext, HpkeCiphertextList, LeafNode, LeafNodeSource, LeafNodeTbsContext, ParentNode,
    UpdatePath, UpdatePathNode,
};
use crate::{Error, ProtocolError};

/// The label of path secret encryption (§7.6).
pub const UPDATE_PATH_NODE_LABEL: &str = "UpdatePathNode";

/// Below this many encryptions, a second thread is not worth starting.
const PARALLEL_THRESHOLD: usize = 8;

/// A path applied by its creator, with the secrets still to encrypt.
#[derive(Debug)]
pub struct NewPath {
    sender: LeafIndex,
    leaf_node: LeafNode,
    leaf_private_key: Secret,
    /// (node on the filtered direct path, its copath child, path secret, public key).
    nodes: Vec<(NodeIndex, NodeIndex, Secret, Vec<u8>)>,
    node_private_keys: Vec<Secret>,
    commit_secret: Secret,
}

impl NewPath {
    /// The commit secret (§8): the path secret after the root's.
    pub fn commit_secret(&self) -> &Secret {
        &self.commit_secret
    }

    /// The new leaf node.
    pub fn leaf_node(&self) -> &LeafNode {
        &self.leaf_node
    }

    /// The path secret of each node of the filtered direct path, leaf to root.
    pub fn path_secrets(&self) -> impl Iterator<Item = (NodeIndex, &Secret)> {
        self.nodes.iter().map(|(p, _, ps, _)| (*p, ps))
    }

    /// The path secret for a new member at `leaf`: the one of the lowest node
    /// of the path above it (for its Welcome, §12.4.3.1).
    pub fn path_secret_for(&self, leaf: LeafIndex) -> Option<(NodeIndex, &Secret)> {
        self.nodes
            .iter()
            .find(|(_, s, _, _)| subtree_contains(*s, leaf))
            .map(|(p, _, ps, _)| (*p, ps))
    }

    /// The creator's private keys after the path: `old` with the sender's
    /// direct path forgotten and the new leaf and path keys stored.
    pub fn private_keys(&self, old: &TreePrivateKeys, diff: &TreeDiff<'_>) -> TreePrivateKeys {
        let mut keys = old.clone();
        keys.forget_path(diff.width(), self.sender);
        keys.insert(self.sender.node(), self.leaf_private_key.clone());
        for ((p, _, _, _), k) in self.nodes.iter().zip(&self.node_private_keys) {
            keys.insert(*p, k.clone());
        }
        keys
    }
}

/// Derives the key pair of a node from its path secret (§7.4).
fn node_key_pair(cs: &dyn CipherSuiteProvider, path_secret: &Secret) -> Result<(Secret, Vec<u8>)> {
    let node_secret = derive_secret(cs, path_secret.as_bytes(), "node")?;
    Ok(cs.kem_derive_key_pair(node_secret.as_bytes())?)
}

fn next_path_secret(cs: &dyn CipherSuiteProvider, path_secret: &Secret) -> Result<Secret> {
    Ok(derive_secret(cs, path_secret.as_bytes(), "path")?)
}

/// Applies a fresh path from `sender` to the diff (§7.4, §7.5 steps 1–4):
/// the leaf takes `template`'s credential, capabilities, extensions and
/// signature key, a fresh encryption key and source `commit` with its parent
/// hash, and is signed with `signer` over the LeafNodeTBS with `group_id`.
pub fn apply_new_path(
    diff: &mut TreeDiff<'_>,
    cs: &dyn CipherSuiteProvider,
    sender: LeafIndex,
    template: &LeafNode,
    signer: &dyn Signer,
    group_id: &[u8],
) -> Result<NewPath> {
    if diff.leaf(sender).is_none() {
        return Err(Error::Misuse("a path from a blank leaf".into()));
    }
    diff.blank_direct_path(sender)?;
    let fdp = diff.filtered_direct_path(sender);
    let mut first = vec![0u8; cs.hash_len()];
    cs.random_bytes(&mut first)?;
    let mut path_secret = Secret::new(first);
    let mut nodes = Vec::with_capacity(fdp.len());
    let mut node_private_keys = Vec::with_capacity(fdp.len());
    for (p, s) in fdp {
        let (private, public) = node_key_pair(cs, &path_secret)?;
        diff.set_parent(
            p,
            Some(ParentNode {
                encryption_key: public.clone().into(),
                parent_hash: VLBytes::new(Vec::new()),
                unmerged_leaves: Vec::new(),
            }),
        )?;
        let next = next_path_secret(cs, &path_secret)?;
        nodes.push((p, s, path_secret, public));
        node_private_keys.push(private);
        path_secret = next;
    }
    let leaf_parent_hash = set_path_parent_hashes(diff, cs, sender)?;
    let (leaf_private_key, leaf_public) = cs.kem_generate()?;
    let mut leaf = template.clone();
    leaf.encryption_key = leaf_public.into();
    leaf.signature_key = signer.public_key().to_vec().into();
    leaf.leaf_node_source = LeafNodeSource::Commit(leaf_parent_hash.into());
    let tbs = leaf.tbs_bytes(Some(LeafNodeTbsContext {
        group_id,
        leaf_index: sender.0,
    }))?;
    leaf.signature = sign_with_label(signer, "LeafNodeTBS", &tbs)?.into();
    diff.set_leaf(sender, Some(leaf.clone()))?;
    Ok(NewPath {
        sender,
        leaf_node: leaf,
        leaf_private_key,
        nodes,
        node_private_keys,
        commit_secret: path_secret,
    })
}

/// The resolution of `x` without the leaves of `excluded` (new members).
fn resolution_excluding<V: TreeView + ?Sized>(
    view: &V,
    x: NodeIndex,
    excluded: &[LeafIndex],
) -> Vec<NodeIndex> {
    let mut res = view.resolution(x);
    if !excluded.is_empty() {
        res.retain(|n| n.leaf().is_none_or(|l| !excluded.contains(&l)));
    }
    res
}

/// One HPKE encryption to do: (path position, recipient public key, secret).
type Job<'a> = (usize, &'a [u8], &'a Secret);

fn seal_all(
    cs: &dyn CipherSuiteProvider,
    info: &HpkeInfo,
    jobs: &[Job<'_>],
) -> Result<Vec<HpkeCiphertext>> {
    jobs.iter()
        .map(|(_, pk, ps)| {
            let (kem_output, ciphertext) = info.seal(cs, pk, &[], ps.as_bytes())?;
            Ok(HpkeCiphertext {
                kem_output: kem_output.into(),
                ciphertext: ciphertext.into(),
            })
        })
        .collect()
}

/// Encrypts the path secrets of `path` to the copath resolutions (§7.6),
/// with `group_context` the encoded provisional GroupContext and `excluded`
/// the leaves added by the same commit. Returns the UpdatePath to send.
pub fn encrypt_path(
    diff: &TreeDiff<'_>,
    cs: &dyn CipherSuiteProvider,
    path: &NewPath,
    group_context: &[u8],
    excluded: &[LeafIndex],
) -> Result<UpdatePath> {
    let info = encrypt_context(cs, UPDATE_PATH_NODE_LABEL, group_context)?;
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for (i, (_, s, ps, _)) in path.nodes.iter().enumerate() {
        for r in resolution_excluding(diff, *s, excluded) {
            let pk = diff
                .node(r)
                .ok_or(Error::Internal("a blank node in a resolution"))?
                .encryption_key();
            jobs.push((i, pk, ps));
        }
    }
    let sealed = if jobs.len() >= PARALLEL_THRESHOLD {
        let (a, b) = jobs.split_at(jobs.len() / 2);
        let (ra, rb) = std::thread::scope(|scope| {
            let handle = scope.spawn(|| seal_all(cs, &info, b));
            let ra = seal_all(cs, &info, a);
            let rb = handle
                .join()
                .unwrap_or(Err(Error::Internal("an encryption thread panicked")));
            (ra, rb)
        });
        let mut all = ra?;
        all.extend(rb?);
        all
    } else {
        seal_all(cs, &info, &jobs)?
    };
    let mut nodes: Vec<UpdatePathNode> = path
        .nodes
        .iter()
        .map(|(_, _, _, pk)| UpdatePathNode {
            encryption_key: pk.clone().into(),
            encrypted_path_secret: HpkeCiphertextList::new(),
        })
        .collect();
    for ((i, _, _), ct) in jobs.iter().zip(sealed) {
        if let Some(node) = nodes.get_mut(*i) {
            node.encrypted_path_secret
                .push(&ct)
                .map_err(|_| Error::Internal("a ciphertext could not be encoded"))?;
        }
    }
    Ok(UpdatePath {
        leaf_node: path.leaf_node.clone(),
        nodes,
    })
}

/// Merges a received UpdatePath from `sender` into the diff (§7.5): blanks
/// the direct path, sets the new public keys with empty unmerged lists on the
/// filtered direct path, recomputes the parent hashes and checks the new
/// leaf's. The leaf's source must be `commit`; the rest of the leaf node
/// validation (§7.3: signature, capabilities, uniqueness) is the caller's.
pub fn apply_received_path(
    diff: &mut TreeDiff<'_>,
    cs: &dyn CipherSuiteProvider,
    sender: LeafIndex,
    path: &UpdatePath,
) -> Result<()> {
    if diff.leaf(sender).is_none() {
        return Err(ProtocolError::UpdatePathSenderNotMember.into());
    }
    check_source(&path.leaf_node, LeafContext::Commit)?;
    diff.blank_direct_path(sender)?;
    let fdp = diff.filtered_direct_path(sender);
    if fdp.len() != path.nodes.len() {
        return Err(ProtocolError::UpdatePathLength {
            expected: fdp.len(),
            got: path.nodes.len(),
        }
        .into());
    }
    for ((p, _), node) in fdp.iter().zip(&path.nodes) {
        diff.set_parent(
            *p,
            Some(ParentNode {
                encryption_key: node.encryption_key.clone(),
                parent_hash: VLBytes::new(Vec::new()),
                unmerged_leaves: Vec::new(),
            }),
        )?;
    }
    let expected = set_path_parent_hashes(diff, cs, sender)?;
    check_leaf_parent_hash(path.leaf_node.parent_hash(), &expected)?;
    diff.set_leaf(sender, Some(path.leaf_node.clone()))
}

/// What a receiver learns from an UpdatePath.
#[derive(Debug)]
pub struct ReceivedPath {
    /// The node whose path secret was decrypted (the lowest common ancestor).
    pub node: NodeIndex,
    /// Its path secret.
    pub path_secret: Secret,
    /// The commit secret.
    pub commit_secret: Secret,
    /// The receiver's private keys after the path.
    pub private_keys: TreePrivateKeys,
}

/// Decrypts the path secret meant for the holder of `keys` from an
/// UpdatePath already merged into `diff` by [`apply_received_path`], derives
/// the rest of the path and checks every derived public key (§7.5).
/// `excluded` are the leaves added by the same commit.
pub fn decrypt_path(
    diff: &TreeDiff<'_>,
    cs: &dyn CipherSuiteProvider,
    sender: LeafIndex,
    path: &UpdatePath,
    keys: &TreePrivateKeys,
    group_context: &[u8],
    excluded: &[LeafIndex],
) -> Result<ReceivedPath> {
    let me = keys.own_leaf();
    if me == sender {
        return Err(Error::Misuse("decrypting one's own UpdatePath".into()));
    }
    let fdp = diff.filtered_direct_path(sender);
    if fdp.len() != path.nodes.len() {
        return Err(ProtocolError::UpdatePathLength {
            expected: fdp.len(),
            got: path.nodes.len(),
        }
        .into());
    }
    let mut found: Option<(usize, Secret)> = None;
    for (i, ((_, s), node)) in fdp.iter().zip(&path.nodes).enumerate() {
        let res = resolution_excluding(diff, *s, excluded);
        if res.len() != node.encrypted_path_secret.len() {
            return Err(ProtocolError::UpdatePathCiphertextCount {
                index: i,
                expected: res.len(),
                got: node.encrypted_path_secret.len(),
            }
            .into());
        }
        if found.is_some() || !subtree_contains(*s, me) {
            continue;
        }
        let Some((k, r)) = res
            .iter()
            .enumerate()
            .find(|(_, r)| keys.get(**r).is_some())
        else {
            return Err(Error::Misuse(
                "no private key for the resolution holding our leaf".into(),
            ));
        };
        let (Some(private), Some(public), Some(ct)) = (
            keys.get(*r),
            diff.node(*r).map(|n| n.encryption_key()),
            node.encrypted_path_secret.get(k),
        ) else {
            return Err(Error::Internal("resolution node vanished"));
        };
        let info = encrypt_context(cs, UPDATE_PATH_NODE_LABEL, group_context)?;
        let secret = info.open(
            cs,
            ct.kem_output,
            private.as_bytes(),
            public,
            &[],
            ct.ciphertext,
        )?;
        found = Some((i, Secret::new(secret)));
    }
    let Some((start, first)) = found else {
        return Err(Error::Misuse(
            "our leaf is not below the sender's path".into(),
        ));
    };
    let node = fdp
        .get(start)
        .map(|(p, _)| *p)
        .ok_or(Error::Internal("decrypted node outside the path"))?;
    let mut private_keys = keys.clone();
    private_keys.forget_path(diff.width(), sender);
    let commit_secret = derive_path_keys(diff, cs, sender, node, &first, &mut private_keys)?;
    Ok(ReceivedPath {
        node,
        path_secret: first,
        commit_secret,
        private_keys,
    })
}

/// From the path secret of `node` on the filtered direct path of `sender`
/// (decrypted from an UpdatePath, or received in a Welcome's GroupSecrets),
/// derives the key pairs of `node` and every node above it on that path,
/// checks each public key against the tree (§7.5 step 6; §12.4.3.1), stores
/// the private keys in `keys` and returns the commit secret.
pub fn derive_path_keys<V: TreeView + ?Sized>(
    view: &V,
    cs: &dyn CipherSuiteProvider,
    sender: LeafIndex,
    node: NodeIndex,
    path_secret: &Secret,
    keys: &mut TreePrivateKeys,
) -> Result<Secret> {
    let fdp = view.filtered_direct_path(sender);
    let Some(start) = fdp.iter().position(|(p, _)| *p == node) else {
        return Err(ProtocolError::PathSecretNodeNotOnPath { node: node.0 }.into());
    };
    let mut secret = path_secret.clone();
    for (p, _) in fdp.iter().skip(start) {
        let (private, public) = node_key_pair(cs, &secret)?;
        let in_tree = view.node(*p).map(|n| n.encryption_key());
        if in_tree != Some(public.as_slice()) {
            return Err(ProtocolError::UpdatePathKeyMismatch { node: p.0 }.into());
        }
        keys.insert(*p, private);
        secret = next_path_secret(cs, &secret)?;
    }
    Ok(secret)
}
