//! Tests of the ratchet tree and TreeKEM (RFC 9420 §4, §7) on the default
//! provider: groups built through adds and UpdatePaths, then broken on purpose
//! to check that each MUST-reject rule fails with its own error.

use std::sync::Arc;

use conclave_core::codec::{decode_exact, encode, VLBytes};
use conclave_core::crypto::{
    sign_with_label, CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair,
    Signer,
};
use conclave_core::time::FixedClock;
use conclave_core::tree::treekem::{
    apply_new_path, apply_received_path, decrypt_path, encrypt_path,
};
use conclave_core::tree::validate::{
    check_capabilities, check_lifetime, check_source, validate_tree, verify_leaf_signature,
    GroupRequirements, LeafContext, TreeValidation,
};
use conclave_core::tree::{LeafIndex, NodeIndex, NodeRef, RatchetTree, TreePrivateKeys, TreeView};
use conclave_core::wire::{
    Capabilities, Credential, Extension, ExtensionType, LeafNode, LeafNodeSource,
    LeafNodeTbsContext, Lifetime, Node, ProtocolVersion, UpdatePath,
};
use conclave_core::{Error, ProtocolError};
use conclave_rustcrypto::RustCryptoProvider;

const GROUP_ID: &[u8] = b"tree tests";

fn suite() -> Arc<dyn CipherSuiteProvider> {
    RustCryptoProvider::new()
        .cipher_suite(CipherSuite::X25519_AES128GCM_SHA256_ED25519)
        .unwrap()
}

fn capabilities() -> Capabilities {
    Capabilities {
        versions: vec![ProtocolVersion::MLS10],
        cipher_suites: vec![CipherSuite::X25519_AES128GCM_SHA256_ED25519],
        extensions: vec![],
        proposals: vec![],
        credentials: vec![conclave_core::wire::CredentialType::BASIC],
    }
}

fn requirements() -> GroupRequirements<'static> {
    GroupRequirements {
        cipher_suite: CipherSuite::X25519_AES128GCM_SHA256_ED25519,
        version: ProtocolVersion::MLS10,
        required: None,
    }
}

fn validation() -> TreeValidation<'static> {
    TreeValidation {
        group_id: GROUP_ID,
        group: requirements(),
        clock: None,
    }
}

struct Member {
    signer: SignatureKeyPair,
    keys: TreePrivateKeys,
}

/// Signs `leaf` in place, for its source.
fn sign(leaf: &mut LeafNode, signer: &dyn Signer, index: LeafIndex) {
    let tbs = leaf
        .tbs_bytes(Some(LeafNodeTbsContext {
            group_id: GROUP_ID,
            leaf_index: index.0,
        }))
        .unwrap();
    leaf.signature = sign_with_label(signer, "LeafNodeTBS", &tbs).unwrap().into();
}

/// A KeyPackage leaf with fresh keys: (leaf, encryption private key, signer).
fn key_package_leaf(
    cs: &Arc<dyn CipherSuiteProvider>,
    name: &str,
) -> (LeafNode, Secret, SignatureKeyPair) {
    let (enc_priv, enc_pub) = cs.kem_generate().unwrap();
    let signer = SignatureKeyPair::generate(Arc::clone(cs)).unwrap();
    let mut leaf = LeafNode {
        encryption_key: enc_pub.into(),
        signature_key: signer.public_key().to_vec().into(),
        credential: Credential::basic(name.as_bytes().to_vec()),
        capabilities: capabilities(),
        leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
            not_before: 1_000,
            not_after: 2_000,
        }),
        extensions: vec![],
        signature: VLBytes::new(vec![]),
    };
    sign(&mut leaf, &signer, LeafIndex(0));
    (leaf, enc_priv, signer)
}

/// A new member's KeyPackage material.
type Joiner = (LeafNode, Secret, SignatureKeyPair);

/// Adds members without a path (an add-only commit): they become unmerged
/// at every non-blank node above them.
fn add_only(
    cs: &Arc<dyn CipherSuiteProvider>,
    tree: &mut RatchetTree,
    members: &mut Vec<Option<Member>>,
    names: &[&str],
) {
    let mut diff = tree.diff();
    for name in names {
        let (leaf, enc_priv, signer) = key_package_leaf(cs, name);
        let at = diff.add_leaf(leaf).unwrap();
        put(
            members,
            at,
            Member {
                signer,
                keys: TreePrivateKeys::new(at, enc_priv),
            },
        );
    }
    tree.merge(diff.into_changes(cs.as_ref()).unwrap()).unwrap();
}

fn put(members: &mut Vec<Option<Member>>, at: LeafIndex, m: Member) {
    let i = at.0 as usize;
    if members.len() <= i {
        members.resize_with(i + 1, || None);
    }
    members[i] = Some(m);
}

/// A full commit from `sender` adding `joiners`, with an UpdatePath that
/// every other member processes (checking they all reach the same commit
/// secret and tree hash) and whose path secrets reach the joiners.
fn commit(
    cs: &Arc<dyn CipherSuiteProvider>,
    tree: &mut RatchetTree,
    members: &mut Vec<Option<Member>>,
    sender: LeafIndex,
    joiners: Vec<Joiner>,
) -> UpdatePath {
    let cs_ref = cs.as_ref();
    let mut diff = tree.diff();
    let mut added = Vec::new();
    let mut joiner_state = Vec::new();
    for (leaf, enc_priv, signer) in joiners {
        let at = diff.add_leaf(leaf.clone()).unwrap();
        added.push(at);
        joiner_state.push((at, leaf, enc_priv, signer));
    }
    let me = members[sender.0 as usize].as_ref().unwrap();
    let template = diff.leaf(sender).unwrap().clone();
    let path = apply_new_path(&mut diff, cs_ref, sender, &template, &me.signer, GROUP_ID).unwrap();
    let context = diff.root_hash(cs_ref).unwrap();
    assert_subtree_index(&diff);
    assert_resolutions(&diff);
    let update = encrypt_path(&diff, cs_ref, &path, &context, &added).unwrap();
    let sender_keys = path.private_keys(&me.keys, &diff);
    // Every other current member processes the commit on its own diff.
    for (i, slot) in members.iter_mut().enumerate() {
        let Some(m) = slot else { continue };
        if i as u32 == sender.0 {
            continue;
        }
        let mut theirs = tree.diff();
        for (_, leaf, _, _) in &joiner_state {
            theirs.add_leaf(leaf.clone()).unwrap();
        }
        apply_received_path(&mut theirs, cs_ref, sender, &update).unwrap();
        assert_eq!(theirs.root_hash(cs_ref).unwrap(), context);
        let got =
            decrypt_path(&theirs, cs_ref, sender, &update, &m.keys, &context, &added).unwrap();
        assert_eq!(&got.commit_secret, path.commit_secret());
        m.keys = got.private_keys;
    }
    // Joiners receive the path secret of their lowest common ancestor.
    for (at, _, enc_priv, signer) in joiner_state {
        let mut keys = TreePrivateKeys::new(at, enc_priv);
        let (node, secret) = path.path_secret_for(at).unwrap();
        let commit_secret = conclave_core::tree::treekem::derive_path_keys(
            &diff, cs_ref, sender, node, secret, &mut keys,
        )
        .unwrap();
        assert_eq!(&commit_secret, path.commit_secret());
        put(members, at, Member { signer, keys });
    }
    members[sender.0 as usize].as_mut().unwrap().keys = sender_keys;
    tree.merge(diff.into_changes(cs_ref).unwrap()).unwrap();
    update
}

/// A group of `n` members: 0 creates it and adds the others in one full
/// commit, then each of `committers` sends an UpdatePath that everyone
/// processes.
fn group(
    cs: &Arc<dyn CipherSuiteProvider>,
    n: u32,
    committers: &[u32],
) -> (RatchetTree, Vec<Member>) {
    let (leaf0, priv0, signer0) = key_package_leaf(cs, "m0");
    let mut tree = RatchetTree::new(cs.as_ref(), leaf0).unwrap();
    let mut members = vec![Some(Member {
        signer: signer0,
        keys: TreePrivateKeys::new(LeafIndex(0), priv0),
    })];
    let joiners = (1..n)
        .map(|i| key_package_leaf(cs, &format!("m{i}")))
        .collect();
    if n > 1 {
        commit(cs, &mut tree, &mut members, LeafIndex(0), joiners);
    }
    for &c in committers {
        commit(cs, &mut tree, &mut members, LeafIndex(c), vec![]);
    }
    let members = members.into_iter().map(|m| m.unwrap()).collect();
    (tree, members)
}

fn protocol(result: Result<(), Error>) -> ProtocolError {
    match result {
        Err(Error::Protocol(e)) => e,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

fn reimport(cs: &dyn CipherSuiteProvider, nodes: Vec<Option<Node>>) -> RatchetTree {
    RatchetTree::from_nodes(cs, nodes).unwrap()
}

/// Checks the non-blank index of a view against a walk over every node.
fn assert_subtree_index<V: TreeView>(view: &V) {
    let width = view.width().node_width();
    for x in 0..width {
        let span = (1u32 << NodeIndex(x).level()) - 1;
        let brute =
            (x - span..=(x + span).min(width - 1)).any(|n| view.node(NodeIndex(n)).is_some());
        assert_eq!(view.subtree_has_node(NodeIndex(x)), brute, "node {x}");
    }
}

/// The resolution of `x` by the definition (§4.1.1), node by node.
fn brute_resolution<V: TreeView>(view: &V, x: NodeIndex) -> Vec<NodeIndex> {
    match view.node(x) {
        Some(NodeRef::Leaf(_)) => vec![x],
        Some(NodeRef::Parent(p)) => std::iter::once(x)
            .chain(p.unmerged_leaves.iter().map(|&l| LeafIndex(l).node()))
            .collect(),
        None => match (x.left(), x.right()) {
            (Some(l), Some(r)) => {
                let mut out = brute_resolution(view, l);
                out.extend(brute_resolution(view, r));
                out
            }
            _ => Vec::new(),
        },
    }
}

/// Checks the resolution of every node (from the non-blank index, or a
/// diff's overlay over it) against the definition.
fn assert_resolutions<V: TreeView>(view: &V) {
    for x in 0..view.width().node_width() {
        let x = NodeIndex(x);
        assert_eq!(
            view.resolution(x),
            brute_resolution(view, x),
            "node {}",
            x.0
        );
    }
}

/// Checks every cached hash (and the blank-leaf and non-blank indices)
/// against a fresh import of the same nodes.
fn assert_cache_exact(cs: &dyn CipherSuiteProvider, tree: &RatchetTree) {
    assert_subtree_index(tree);
    assert_subtree_index(&tree.diff());
    assert_resolutions(tree);
    assert_resolutions(&tree.diff());
    let fresh = reimport(cs, tree.to_nodes());
    let first_blank = (0..tree.leaf_count())
        .map(LeafIndex)
        .find(|&l| tree.leaf(l).is_none());
    assert_eq!(tree.first_blank_leaf(), first_blank);
    let last_member = (0..tree.leaf_count())
        .rev()
        .map(LeafIndex)
        .find(|&l| tree.leaf(l).is_some());
    assert_eq!(tree.diff().last_member(), last_member);
    assert_eq!(tree.member_count(), tree.members().count());
    for x in 0..tree.width().node_width() {
        assert_eq!(
            tree.node_hash(NodeIndex(x)),
            fresh.node_hash(NodeIndex(x)),
            "node {x}"
        );
    }
}

#[test]
fn built_group_is_valid_and_cache_is_exact() {
    let cs = suite();
    let (tree, _) = group(&cs, 7, &[0, 3, 6, 1]);
    assert_eq!(tree.width().leaves(), 8);
    assert_eq!(tree.member_count(), 7);
    validate_tree(&tree, cs.as_ref(), &validation()).unwrap();
    assert_cache_exact(cs.as_ref(), &tree);
    // The serialized form round-trips byte for byte.
    let bytes = encode(&tree.to_nodes()).unwrap();
    let decoded: Vec<Option<Node>> = decode_exact(&bytes).unwrap();
    assert_eq!(reimport(cs.as_ref(), decoded).root_hash(), tree.root_hash());
}

#[test]
fn accessors_find_members() {
    let cs = suite();
    let (tree, members) = group(&cs, 3, &[]);
    let leaf1 = tree.leaf(LeafIndex(1)).unwrap();
    assert_eq!(
        tree.find_by_encryption_key(leaf1.encryption_key.as_slice()),
        Some(LeafIndex(1))
    );
    assert_eq!(
        tree.find_by_signature_key(members[2].signer.public_key()),
        Some(LeafIndex(2))
    );
    assert_eq!(tree.find_leaf(leaf1), Some(LeafIndex(1)));
    assert_eq!(tree.members().count(), 3);
    assert_eq!(tree.find_by_signature_key(b"nobody"), None);
}

#[test]
fn discarded_diff_leaves_no_trace() {
    let cs = suite();
    let (tree, _) = group(&cs, 5, &[0]);
    let before = tree.clone();
    {
        let mut diff = tree.diff();
        diff.remove_leaf(LeafIndex(4)).unwrap();
        diff.remove_leaf(LeafIndex(1)).unwrap();
        assert_eq!(diff.width().leaves(), 4);
        let _ = diff.root_hash(cs.as_ref()).unwrap();
    }
    assert_eq!(tree, before);
}

#[test]
fn remove_truncates_then_add_extends_without_resurrecting() {
    let cs = suite();
    let (mut tree, _) = group(&cs, 5, &[4]);
    let mut diff = tree.diff();
    diff.remove_leaf(LeafIndex(4)).unwrap();
    assert_eq!(diff.width().leaves(), 4);
    let (leaf, _, _) = key_package_leaf(&cs, "new");
    // Leaves 0..3 are full: the add extends again, and the dropped right
    // half (including node 4's old path) reads as blank.
    let at = diff.add_leaf(leaf).unwrap();
    assert_eq!(at, LeafIndex(4));
    assert_subtree_index(&diff);
    assert!(diff.parent(NodeIndex(9)).is_none());
    let changes = diff.into_changes(cs.as_ref()).unwrap();
    tree.merge(changes).unwrap();
    assert_cache_exact(cs.as_ref(), &tree);
    assert!(tree.parent(NodeIndex(11)).is_none());
}

#[test]
fn resolutions_skip_below_set_parents_and_follow_the_overlay() {
    let cs = suite();
    // 0 adds everyone (sets 1, 3, 7), then 6 commits (sets 13, 11, 7).
    let (mut tree, _) = group(&cs, 8, &[6]);
    // Removing 4 blanks 8 and its direct path 9, 11, 7: the root is blank
    // above set parents on both sides.
    let mut diff = tree.diff();
    diff.remove_leaf(LeafIndex(4)).unwrap();
    assert_resolutions(&diff);
    assert_eq!(
        diff.resolution(NodeIndex(7)),
        [3, 10, 13].map(NodeIndex).to_vec()
    );
    tree.merge(diff.into_changes(cs.as_ref()).unwrap()).unwrap();
    assert_cache_exact(cs.as_ref(), &tree);
    assert_eq!(
        tree.resolution(NodeIndex(7)),
        [3, 10, 13].map(NodeIndex).to_vec()
    );
    assert_eq!(
        tree.resolution(NodeIndex(11)),
        [10, 13].map(NodeIndex).to_vec()
    );
    // A new member lands in leaf 4, unmerged at nothing (every parent above
    // it is blank): the diff's overlay is resolved next to the stored tree.
    let mut diff = tree.diff();
    let (leaf, _, _) = key_package_leaf(&cs, "new");
    assert_eq!(diff.add_leaf(leaf).unwrap(), LeafIndex(4));
    assert_resolutions(&diff);
    assert_eq!(
        diff.resolution(NodeIndex(7)),
        [3, 8, 10, 13].map(NodeIndex).to_vec()
    );
}

#[test]
fn merging_a_path_touches_log_n_nodes() {
    let cs = suite();
    let (tree, members) = group(&cs, 64, &[]);
    let template = tree.leaf(LeafIndex(17)).unwrap().clone();
    let mut diff = tree.diff();
    apply_new_path(
        &mut diff,
        cs.as_ref(),
        LeafIndex(17),
        &template,
        &members[17].signer,
        GROUP_ID,
    )
    .unwrap();
    let changes = diff.into_changes(cs.as_ref()).unwrap();
    // 1 leaf + 6 parents written, 7 hashes recomputed.
    assert_eq!(changes.len(), 14);
}

#[test]
fn stale_changes_are_refused() {
    let cs = suite();
    let (mut tree, _) = group(&cs, 3, &[]);
    let first = {
        let mut d = tree.diff();
        d.remove_leaf(LeafIndex(2)).unwrap();
        d.into_changes(cs.as_ref()).unwrap()
    };
    let second = {
        let mut d = tree.diff();
        d.remove_leaf(LeafIndex(1)).unwrap();
        d.into_changes(cs.as_ref()).unwrap()
    };
    tree.merge(first).unwrap();
    assert!(matches!(tree.merge(second), Err(Error::Misuse(_))));
}

#[test]
fn paths_round_trip_through_unmerged_leaves_blanks_and_joiners() {
    let cs = suite();
    let (mut tree, members) = group(&cs, 5, &[2]);
    let mut members: Vec<Option<Member>> = members.into_iter().map(Some).collect();
    // Two members join without a path: unmerged at the nodes above them.
    add_only(&cs, &mut tree, &mut members, &["u1", "u2"]);
    assert!(!tree
        .parent(NodeIndex(7))
        .unwrap()
        .unmerged_leaves
        .is_empty());
    // A removal leaves a blank leaf and blank parents.
    let mut diff = tree.diff();
    diff.remove_leaf(LeafIndex(1)).unwrap();
    tree.merge(diff.into_changes(cs.as_ref()).unwrap()).unwrap();
    members[1] = None;
    // Commits from several members, one adding two joiners (one into the
    // blank leaf 1, one extending the tree), each processed by all.
    let joiners = vec![key_package_leaf(&cs, "j1"), key_package_leaf(&cs, "j2")];
    commit(&cs, &mut tree, &mut members, LeafIndex(5), joiners);
    assert_eq!(tree.width().leaves(), 8);
    for sender in [6u32, 0, 1, 7, 3] {
        commit(&cs, &mut tree, &mut members, LeafIndex(sender), vec![]);
    }
    validate_tree(&tree, cs.as_ref(), &validation()).unwrap();
    assert_cache_exact(cs.as_ref(), &tree);
    // Every member's private keys match the public tree.
    for m in members.iter().flatten() {
        for x in m.keys.nodes() {
            let public = tree.node(x).unwrap().encryption_key();
            let private = m.keys.get(x).unwrap();
            assert_eq!(cs.kem_public_key(private.as_bytes()).unwrap(), public);
        }
    }
}

/// A tree where members 1 and 2 hold keys learned from a path of 0.
fn processed_group(
    cs: &Arc<dyn CipherSuiteProvider>,
) -> (RatchetTree, Vec<Member>, UpdatePath, Vec<u8>, LeafIndex) {
    let (tree, members) = group(cs, 4, &[3]);
    let sender = LeafIndex(0);
    assert_eq!(tree.member_count(), 4);
    let mut diff = tree.diff();
    let template = diff.leaf(sender).unwrap().clone();
    let path = apply_new_path(
        &mut diff,
        cs.as_ref(),
        sender,
        &template,
        &members[0].signer,
        GROUP_ID,
    )
    .unwrap();
    let context = diff.root_hash(cs.as_ref()).unwrap();
    let update = encrypt_path(&diff, cs.as_ref(), &path, &context, &[]).unwrap();
    (tree, members, update, context, sender)
}

#[test]
fn every_member_decrypts_the_same_commit_secret() {
    let cs = suite();
    let (tree, members, update, context, sender) = processed_group(&cs);
    let mut secrets = Vec::new();
    for m in &members[1..] {
        let mut diff = tree.diff();
        apply_received_path(&mut diff, cs.as_ref(), sender, &update).unwrap();
        assert_eq!(diff.root_hash(cs.as_ref()).unwrap(), context);
        let got =
            decrypt_path(&diff, cs.as_ref(), sender, &update, &m.keys, &context, &[]).unwrap();
        secrets.push(got.commit_secret);
    }
    assert!(secrets.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn update_path_with_wrong_leaf_parent_hash_is_rejected() {
    let cs = suite();
    let (tree, members, mut update, _, sender) = processed_group(&cs);
    update.leaf_node.leaf_node_source = LeafNodeSource::Commit(vec![7u8; 32].into());
    sign(&mut update.leaf_node, &members[0].signer, sender);
    let mut diff = tree.diff();
    assert_eq!(
        protocol(apply_received_path(&mut diff, cs.as_ref(), sender, &update)),
        ProtocolError::LeafParentHashMismatch
    );
}

#[test]
fn update_path_with_wrong_length_is_rejected() {
    let cs = suite();
    let (tree, _, mut update, _, sender) = processed_group(&cs);
    update.nodes.pop();
    let mut diff = tree.diff();
    assert_eq!(
        protocol(apply_received_path(&mut diff, cs.as_ref(), sender, &update)),
        ProtocolError::UpdatePathLength {
            expected: 2,
            got: 1
        }
    );
}

#[test]
fn update_path_with_wrong_ciphertext_count_is_rejected() {
    let cs = suite();
    let (tree, members, mut update, context, sender) = processed_group(&cs);
    let extra = update.nodes[1]
        .encrypted_path_secret
        .get(0)
        .unwrap()
        .to_owned();
    update.nodes[1].encrypted_path_secret.push(&extra).unwrap();
    let mut diff = tree.diff();
    apply_received_path(&mut diff, cs.as_ref(), sender, &update).unwrap();
    let result = decrypt_path(
        &diff,
        cs.as_ref(),
        sender,
        &update,
        &members[1].keys,
        &context,
        &[],
    );
    assert_eq!(
        protocol(result.map(|_| ())),
        ProtocolError::UpdatePathCiphertextCount {
            index: 1,
            expected: 1,
            got: 2
        }
    );
}

#[test]
fn update_path_with_a_key_not_derived_from_its_secret_is_rejected() {
    let cs = suite();
    let (tree, members, mut update, context, sender) = processed_group(&cs);
    // Replace the root's public key by another valid key, and give the leaf
    // the parent hash that the forged keys imply, so that only the check of
    // derived keys can catch it.
    let (_, other) = cs.kem_generate().unwrap();
    update.nodes[1].encryption_key = other.into();
    let mut probe = tree.diff();
    probe.blank_direct_path(sender).unwrap();
    for ((p, _), node) in probe.filtered_direct_path(sender).iter().zip(&update.nodes) {
        probe
            .set_parent(
                *p,
                Some(conclave_core::wire::ParentNode {
                    encryption_key: node.encryption_key.clone(),
                    parent_hash: VLBytes::new(vec![]),
                    unmerged_leaves: vec![],
                }),
            )
            .unwrap();
    }
    let expected =
        conclave_core::tree::parent_hash::set_path_parent_hashes(&mut probe, cs.as_ref(), sender)
            .unwrap();
    update.leaf_node.leaf_node_source = LeafNodeSource::Commit(expected.into());
    sign(&mut update.leaf_node, &members[0].signer, sender);
    let mut diff = tree.diff();
    apply_received_path(&mut diff, cs.as_ref(), sender, &update).unwrap();
    // Decrypt with the context the ciphertexts were sealed under: member 3
    // learns the root's path secret, whose key is not the one sent.
    let result = decrypt_path(
        &diff,
        cs.as_ref(),
        sender,
        &update,
        &members[3].keys,
        &context,
        &[],
    );
    assert_eq!(
        protocol(result.map(|_| ())),
        ProtocolError::UpdatePathKeyMismatch { node: 3 }
    );
}

#[test]
fn tree_with_broken_parent_hash_is_rejected() {
    let cs = suite();
    let (tree, _) = group(&cs, 4, &[0, 3]);
    let mut nodes = tree.to_nodes();
    // Node 5's parent_hash links it to the root; change it.
    match &mut nodes[5] {
        Some(Node::Parent(p)) => p.parent_hash = vec![1u8; 32].into(),
        other => panic!("node 5 should be a parent: {other:?}"),
    }
    let broken = reimport(cs.as_ref(), nodes);
    assert_eq!(
        protocol(validate_tree(&broken, cs.as_ref(), &validation())),
        // The root's only valid link was node 5, which is checked after it.
        ProtocolError::ParentHashInvalid { node: 3 }
    );
}

#[test]
fn tree_with_duplicate_encryption_key_is_rejected() {
    let cs = suite();
    let (tree, members) = group(&cs, 3, &[]);
    let mut nodes = tree.to_nodes();
    let key = tree.leaf(LeafIndex(0)).unwrap().encryption_key.clone();
    match &mut nodes[4] {
        Some(Node::Leaf(l)) => {
            l.encryption_key = key;
            sign(l, &members[2].signer, LeafIndex(2));
        }
        other => panic!("node 4 should be a leaf: {other:?}"),
    }
    let broken = reimport(cs.as_ref(), nodes);
    assert_eq!(
        protocol(validate_tree(&broken, cs.as_ref(), &validation())),
        ProtocolError::DuplicateEncryptionKey { node: 4 }
    );
}

#[test]
fn tree_with_duplicate_signature_key_is_rejected() {
    let cs = suite();
    let (tree, members) = group(&cs, 3, &[]);
    let mut nodes = tree.to_nodes();
    match &mut nodes[4] {
        Some(Node::Leaf(l)) => {
            l.signature_key = members[0].signer.public_key().to_vec().into();
            sign(l, &members[0].signer, LeafIndex(2));
        }
        other => panic!("node 4 should be a leaf: {other:?}"),
    }
    let broken = reimport(cs.as_ref(), nodes);
    assert_eq!(
        protocol(validate_tree(&broken, cs.as_ref(), &validation())),
        ProtocolError::DuplicateSignatureKey { leaf: 2 }
    );
}

#[test]
fn tree_with_bad_leaf_signature_is_rejected() {
    let cs = suite();
    // Leaf 1 just committed: its leaf is in no original sibling tree hash,
    // so a broken signature there changes no parent hash.
    let (tree, _) = group(&cs, 4, &[1]);
    let mut nodes = tree.to_nodes();
    match &mut nodes[2] {
        Some(Node::Leaf(l)) => {
            let mut sig = l.signature.as_slice().to_vec();
            sig[0] ^= 1;
            l.signature = sig.into();
        }
        other => panic!("node 2 should be a leaf: {other:?}"),
    }
    let broken = reimport(cs.as_ref(), nodes);
    assert_eq!(
        protocol(validate_tree(&broken, cs.as_ref(), &validation())),
        ProtocolError::InvalidLeafSignature { leaf: 1 }
    );
    // The same leaf checked alone, at its position.
    let leaf = broken.leaf(LeafIndex(1)).unwrap();
    assert_eq!(
        protocol(verify_leaf_signature(
            cs.as_ref(),
            leaf,
            GROUP_ID,
            LeafIndex(1)
        )),
        ProtocolError::InvalidLeafSignature { leaf: 1 }
    );
}

/// 5 members after 0's commit (nodes 1, 3, 7 set, 9, 11, 13 blank), then
/// two more added without a path: leaves 5 and 6, unmerged at the root 7.
fn tree_with_unmerged_leaves(cs: &Arc<dyn CipherSuiteProvider>) -> RatchetTree {
    let (mut tree, members) = group(cs, 5, &[]);
    let mut members: Vec<Option<Member>> = members.into_iter().map(Some).collect();
    add_only(cs, &mut tree, &mut members, &["u1", "u2"]);
    assert_eq!(
        tree.parent(NodeIndex(7)).unwrap().unmerged_leaves,
        vec![5, 6]
    );
    tree
}

fn set_unmerged(nodes: &mut [Option<Node>], x: usize, unmerged: Vec<u32>) {
    match &mut nodes[x] {
        Some(Node::Parent(p)) => p.unmerged_leaves = unmerged,
        other => panic!("node {x} should be a parent: {other:?}"),
    }
}

#[test]
fn unmerged_leaves_tree_is_valid() {
    let cs = suite();
    let tree = tree_with_unmerged_leaves(&cs);
    validate_tree(&tree, cs.as_ref(), &validation()).unwrap();
    assert_eq!(
        tree.resolution(NodeIndex(7)),
        vec![NodeIndex(7), NodeIndex(10), NodeIndex(12)]
    );
    assert_eq!(
        tree.resolution(NodeIndex(11)),
        vec![NodeIndex(8), NodeIndex(10), NodeIndex(12)]
    );
    assert!(tree.resolution(NodeIndex(14)).is_empty());
}

#[test]
fn unmerged_leaf_not_below_its_node_is_rejected() {
    let cs = suite();
    let mut nodes = tree_with_unmerged_leaves(&cs).to_nodes();
    // Node 1 covers leaves 0 and 1 only.
    // Import already refuses it (an index outside the subtree is a bounds
    // error there).
    set_unmerged(&mut nodes, 1, vec![5]);
    assert!(matches!(
        RatchetTree::from_nodes(cs.as_ref(), nodes),
        Err(Error::Protocol(ProtocolError::UnmergedLeafNotBelow {
            node: 1,
            leaf: 5
        }))
    ));
}

#[test]
fn unmerged_leaf_that_is_blank_is_rejected() {
    let cs = suite();
    let mut nodes = tree_with_unmerged_leaves(&cs).to_nodes();
    // Leaf 7 is below the root but blank.
    set_unmerged(&mut nodes, 7, vec![5, 6, 7]);
    let broken = reimport(cs.as_ref(), nodes);
    assert_eq!(
        protocol(validate_tree(&broken, cs.as_ref(), &validation())),
        ProtocolError::UnmergedLeafNotBelow { node: 7, leaf: 7 }
    );
}

#[test]
fn unmerged_leaf_missing_from_an_intermediate_node_is_rejected() {
    let cs = suite();
    let mut nodes = tree_with_unmerged_leaves(&cs).to_nodes();
    // Give node 11 (above leaves 4..7) a key and list only leaf 6 there:
    // leaf 5, unmerged at the root, must be listed at 11 too.
    let (_, fresh) = cs.kem_generate().unwrap();
    nodes[11] = Some(Node::Parent(conclave_core::wire::ParentNode {
        encryption_key: fresh.into(),
        parent_hash: VLBytes::new(vec![]),
        unmerged_leaves: vec![6],
    }));
    let broken = reimport(cs.as_ref(), nodes);
    assert_eq!(
        protocol(validate_tree(&broken, cs.as_ref(), &validation())),
        ProtocolError::UnmergedLeafNotListed {
            node: 7,
            leaf: 5,
            between: 11
        }
    );
}

#[test]
fn unsorted_unmerged_leaves_are_rejected() {
    let cs = suite();
    let mut nodes = tree_with_unmerged_leaves(&cs).to_nodes();
    set_unmerged(&mut nodes, 7, vec![6, 5]);
    let broken = reimport(cs.as_ref(), nodes);
    assert_eq!(
        protocol(validate_tree(&broken, cs.as_ref(), &validation())),
        ProtocolError::UnmergedLeavesNotSorted { node: 7 }
    );
}

#[test]
fn node_at_wrong_parity_is_rejected() {
    let cs = suite();
    let (tree, _) = group(&cs, 2, &[]);
    let mut nodes = tree.to_nodes();
    nodes[1] = nodes[0].clone();
    let err = RatchetTree::from_nodes(cs.as_ref(), nodes).unwrap_err();
    assert!(matches!(
        err,
        Error::Protocol(ProtocolError::NodeTypeAtWrongPosition { node: 1 })
    ));
}

#[test]
fn trailing_blank_and_empty_trees_are_rejected() {
    let cs = suite();
    let (tree, _) = group(&cs, 2, &[]);
    let mut nodes = tree.to_nodes();
    nodes.push(None);
    assert!(matches!(
        RatchetTree::from_nodes(cs.as_ref(), nodes),
        Err(Error::Protocol(ProtocolError::TrailingBlankNode))
    ));
    assert!(matches!(
        RatchetTree::from_nodes(cs.as_ref(), vec![]),
        Err(Error::Protocol(ProtocolError::EmptyRatchetTree))
    ));
}

#[test]
fn leaf_checks_name_their_rule() {
    let cs = suite();
    let (mut leaf, _, signer) = key_package_leaf(&cs, "x");
    check_capabilities(&leaf, &requirements()).unwrap();
    check_source(&leaf, LeafContext::KeyPackage).unwrap();
    assert_eq!(
        protocol(check_source(&leaf, LeafContext::Commit)),
        ProtocolError::UnexpectedLeafNodeSource
    );
    check_lifetime(&leaf, &FixedClock(1_500)).unwrap();
    assert_eq!(
        protocol(check_lifetime(&leaf, &FixedClock(2_001))),
        ProtocolError::LeafLifetimeInvalid
    );
    let mut other_suite = requirements();
    other_suite.cipher_suite = CipherSuite::P256_AES128GCM_SHA256_P256;
    assert_eq!(
        protocol(check_capabilities(&leaf, &other_suite)),
        ProtocolError::LeafLacksSuiteOrVersion
    );
    leaf.extensions
        .push(Extension::new(ExtensionType(0xff00), vec![1]));
    sign(&mut leaf, &signer, LeafIndex(0));
    assert_eq!(
        protocol(check_capabilities(&leaf, &requirements())),
        ProtocolError::LeafExtensionNotInCapabilities(0xff00)
    );
    leaf.extensions.clear();
    leaf.capabilities.credentials.clear();
    assert_eq!(
        protocol(check_capabilities(&leaf, &requirements())),
        ProtocolError::LeafCredentialNotInCapabilities
    );
}

#[test]
fn update_must_change_the_encryption_key() {
    let cs = suite();
    let (tree, _) = group(&cs, 2, &[]);
    let old = tree.leaf(LeafIndex(1)).unwrap();
    let mut same = old.clone();
    same.leaf_node_source = LeafNodeSource::Update;
    assert_eq!(
        protocol(conclave_core::tree::validate::check_update_changes_key(
            old, &same
        )),
        ProtocolError::UpdateKeepsEncryptionKey
    );
    let (fresh, _, _) = key_package_leaf(&cs, "fresh");
    conclave_core::tree::validate::check_update_changes_key(old, &fresh).unwrap();
}

#[test]
fn new_leaf_is_checked_against_the_members() {
    use conclave_core::tree::validate::check_leaf_against_tree;
    let cs = suite();
    let (tree, members) = group(&cs, 3, &[]);
    let (fresh, _, _) = key_package_leaf(&cs, "fresh");
    check_leaf_against_tree(&tree, &fresh, LeafIndex(3)).unwrap();
    // Replacing leaf 1 by itself is fine: the replaced leaf is not compared.
    check_leaf_against_tree(&tree, tree.leaf(LeafIndex(1)).unwrap(), LeafIndex(1)).unwrap();

    let mut dup_enc = fresh.clone();
    dup_enc.encryption_key = tree.parent(NodeIndex(1)).unwrap().encryption_key.clone();
    assert_eq!(
        protocol(check_leaf_against_tree(&tree, &dup_enc, LeafIndex(3))),
        ProtocolError::DuplicateEncryptionKey { node: 1 }
    );
    let mut dup_sig = fresh.clone();
    dup_sig.signature_key = members[2].signer.public_key().to_vec().into();
    assert_eq!(
        protocol(check_leaf_against_tree(&tree, &dup_sig, LeafIndex(3))),
        ProtocolError::DuplicateSignatureKey { leaf: 2 }
    );
    let mut x509 = fresh;
    x509.credential = Credential::X509 {
        certificates: vec![],
    };
    x509.capabilities
        .credentials
        .push(conclave_core::wire::CredentialType::X509);
    assert_eq!(
        protocol(check_leaf_against_tree(&tree, &x509, LeafIndex(3))),
        ProtocolError::CredentialTypeNotSupportedByAll(2)
    );
}

#[test]
fn out_of_range_unmerged_leaf_is_rejected_at_import() {
    let cs = suite();
    let mut nodes = tree_with_unmerged_leaves(&cs).to_nodes();
    set_unmerged(&mut nodes, 7, vec![5, u32::MAX]);
    assert!(matches!(
        RatchetTree::from_nodes(cs.as_ref(), nodes),
        Err(Error::Protocol(ProtocolError::UnmergedLeafNotBelow {
            node: 7,
            leaf: u32::MAX
        }))
    ));
}

#[test]
fn adds_fill_the_leftmost_blank_leaf_of_the_diff() {
    let cs = suite();
    let (mut tree, _) = group(&cs, 6, &[]);
    let mut diff = tree.diff();
    diff.remove_leaf(LeafIndex(4)).unwrap();
    diff.remove_leaf(LeafIndex(1)).unwrap();
    let (a, _, _) = key_package_leaf(&cs, "a");
    let (b, _, _) = key_package_leaf(&cs, "b");
    let (c, _, _) = key_package_leaf(&cs, "c");
    let (d, _, _) = key_package_leaf(&cs, "d");
    assert_eq!(diff.add_leaf(a).unwrap(), LeafIndex(1));
    assert_eq!(diff.add_leaf(b).unwrap(), LeafIndex(4));
    assert_eq!(diff.add_leaf(c).unwrap(), LeafIndex(6));
    assert_eq!(diff.add_leaf(d).unwrap(), LeafIndex(7));
    assert_subtree_index(&diff);
    tree.merge(diff.into_changes(cs.as_ref()).unwrap()).unwrap();
    assert_eq!(tree.first_blank_leaf(), None);
    assert_cache_exact(cs.as_ref(), &tree);
    let mut diff = tree.diff();
    let (e, _, _) = key_package_leaf(&cs, "e");
    assert_eq!(diff.add_leaf(e).unwrap(), LeafIndex(8));
    assert_eq!(diff.width().leaves(), 16);
    tree.merge(diff.into_changes(cs.as_ref()).unwrap()).unwrap();
    assert_eq!(tree.first_blank_leaf(), Some(LeafIndex(9)));
    assert_cache_exact(cs.as_ref(), &tree);
}

#[test]
fn many_recipients_are_encrypted_to_in_parallel_and_all_decrypt() {
    let cs = suite();
    // Two members, then 14 added without a path: the root's copath child
    // is blank and its resolution lists many leaves, so the path of 0 has
    // more than 8 recipients (the threshold for a second thread).
    let (mut tree, members) = group(&cs, 2, &[]);
    let mut members: Vec<Option<Member>> = members.into_iter().map(Some).collect();
    let names: Vec<String> = (0..14).map(|i| format!("x{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    add_only(&cs, &mut tree, &mut members, &names);
    let update = commit(&cs, &mut tree, &mut members, LeafIndex(0), vec![]);
    let recipients: usize = update
        .nodes
        .iter()
        .map(|n| n.encrypted_path_secret.len())
        .sum();
    assert_eq!(recipients, 15);
    validate_tree(&tree, cs.as_ref(), &validation()).unwrap();
}

#[test]
fn pruning_forgets_keys_of_blanked_nodes() {
    let cs = suite();
    let (mut tree, members) = group(&cs, 4, &[1]);
    let mut keys = members[0].keys.clone();
    assert!(keys.get(NodeIndex(1)).is_some());
    let mut diff = tree.diff();
    diff.remove_leaf(LeafIndex(1)).unwrap();
    tree.merge(diff.into_changes(cs.as_ref()).unwrap()).unwrap();
    keys.prune(&tree);
    assert!(keys.get(NodeIndex(1)).is_none());
    assert!(keys.get(NodeIndex(3)).is_none());
    assert!(keys.get(NodeIndex(0)).is_some());
}

#[test]
fn update_path_leaf_must_have_source_commit() {
    let cs = suite();
    let (tree, members, mut update, _, sender) = processed_group(&cs);
    update.leaf_node.leaf_node_source = LeafNodeSource::Update;
    sign(&mut update.leaf_node, &members[0].signer, sender);
    let mut diff = tree.diff();
    assert_eq!(
        protocol(apply_received_path(&mut diff, cs.as_ref(), sender, &update)),
        ProtocolError::UnexpectedLeafNodeSource
    );
    let mut diff = tree.diff();
    assert_eq!(
        protocol(apply_received_path(
            &mut diff,
            cs.as_ref(),
            LeafIndex(9),
            &update
        )),
        ProtocolError::UpdatePathSenderNotMember
    );
}

#[test]
fn changes_staged_on_a_clone_that_moved_on_are_refused() {
    let cs = suite();
    let (tree, _) = group(&cs, 3, &[]);
    let mut clone = tree.clone();
    assert_eq!(clone, tree);
    let staged_on_original = {
        let mut d = tree.diff();
        d.remove_leaf(LeafIndex(2)).unwrap();
        d.into_changes(cs.as_ref()).unwrap()
    };
    let moved = {
        let mut d = clone.diff();
        d.remove_leaf(LeafIndex(1)).unwrap();
        d.into_changes(cs.as_ref()).unwrap()
    };
    clone.merge(moved).unwrap();
    assert!(matches!(
        clone.merge(staged_on_original),
        Err(Error::Misuse(_))
    ));
    // Same content, different histories: equal.
    let rebuilt = reimport(cs.as_ref(), clone.to_nodes());
    assert_eq!(rebuilt, clone);
}

#[test]
fn removes_truncate_only_when_the_right_half_is_blank() {
    let cs = suite();
    let (mut tree, _) = group(&cs, 7, &[]);
    let mut diff = tree.diff();
    // Blank 6, then 4: leaf 5 keeps the width at 8.
    diff.remove_leaf(LeafIndex(6)).unwrap();
    diff.remove_leaf(LeafIndex(4)).unwrap();
    assert_eq!(diff.width().leaves(), 8);
    assert_eq!(diff.last_member(), Some(LeafIndex(5)));
    // Removing 5 empties the right half: 8 -> 4, and 3 is the last member.
    assert_subtree_index(&diff);
    diff.remove_leaf(LeafIndex(5)).unwrap();
    assert_eq!(diff.width().leaves(), 4);
    assert_subtree_index(&diff);
    assert_eq!(diff.last_member(), Some(LeafIndex(3)));
    // Remove 1, 2, 3: 4 -> 1 (only leaf 0 is left).
    for i in [2, 1, 3] {
        diff.remove_leaf(LeafIndex(i)).unwrap();
    }
    assert_eq!(diff.width().leaves(), 1);
    tree.merge(diff.into_changes(cs.as_ref()).unwrap()).unwrap();
    assert_eq!(tree.member_count(), 1);
    assert_cache_exact(cs.as_ref(), &tree);
}

/// The leftmost blank leaf of a diff, found by looking at every leaf.
fn first_blank_by_scan<V: TreeView>(view: &V) -> Option<LeafIndex> {
    (0..view.width().leaves())
        .map(LeafIndex)
        .find(|&i| view.leaf(i).is_none())
}

#[test]
fn first_blank_leaf_follows_adds_removes_and_truncation() {
    let cs = suite();
    let (tree, _) = group(&cs, 6, &[0]);
    let mut diff = tree.diff();
    let add = |diff: &mut conclave_core::tree::TreeDiff<'_>, name: &str| {
        assert_eq!(diff.first_blank_leaf(), first_blank_by_scan(diff));
        let (leaf, _, _) = key_package_leaf(&cs, name);
        let at = diff.add_leaf(leaf).unwrap();
        assert!(diff.leaf(at).is_some());
        at
    };
    // A run of Adds past the base's width: each goes to the next leaf.
    for i in 0..20 {
        let at = add(&mut diff, &format!("a{i}"));
        assert_eq!(at, LeafIndex(6 + i));
    }
    // Blanks in the base and in the overlay are filled first, leftmost first.
    diff.remove_leaf(LeafIndex(12)).unwrap();
    diff.remove_leaf(LeafIndex(3)).unwrap();
    assert_eq!(add(&mut diff, "b0"), LeafIndex(3));
    assert_eq!(add(&mut diff, "b1"), LeafIndex(12));
    assert_eq!(add(&mut diff, "b2"), LeafIndex(26));
    // Removing the rightmost members truncates; Adds then extend again.
    for i in (9..=26).rev() {
        diff.remove_leaf(LeafIndex(i)).unwrap();
        assert_eq!(diff.first_blank_leaf(), first_blank_by_scan(&diff));
    }
    assert_eq!(diff.width().leaves(), 16);
    assert_eq!(add(&mut diff, "c0"), LeafIndex(9));
    for i in 1..10 {
        add(&mut diff, &format!("c{i}"));
    }
    assert_eq!(diff.first_blank_leaf(), first_blank_by_scan(&diff));
    assert_subtree_index(&diff);
}

/// 702 members (1024 leaves wide), 700 of them added without a path after 0's commit: the
/// added leaves are in no parent hash, so their signatures can be broken
/// alone. Enough leaves for the signatures to be verified on two threads.
fn large_tree_nodes(cs: &Arc<dyn CipherSuiteProvider>) -> Vec<Option<Node>> {
    let (mut tree, members) = group(cs, 2, &[]);
    let mut members: Vec<Option<Member>> = members.into_iter().map(Some).collect();
    let names: Vec<String> = (0..700).map(|i| format!("added {i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    add_only(cs, &mut tree, &mut members, &names);
    validate_tree(&tree, cs.as_ref(), &validation()).unwrap();
    // Imported, a tree this wide is hashed on two threads: the same hashes
    // as the merges computed.
    assert!(tree.leaf_count() >= 1024);
    assert_cache_exact(cs.as_ref(), &tree);
    tree.to_nodes()
}

fn break_signature(nodes: &mut [Option<Node>], leaf: usize) {
    match &mut nodes[2 * leaf] {
        Some(Node::Leaf(l)) => {
            let mut sig = l.signature.as_slice().to_vec();
            sig[0] ^= 1;
            l.signature = sig.into();
        }
        other => panic!("node {} should be a leaf: {other:?}", 2 * leaf),
    }
}

#[test]
fn large_tree_names_the_first_bad_leaf_signature() {
    let cs = suite();
    let nodes = large_tree_nodes(&cs);
    for bad in [[650, 300], [2, 701], [701, 700]] {
        let mut broken = nodes.clone();
        for leaf in bad {
            break_signature(&mut broken, leaf);
        }
        let first = *bad.iter().min().unwrap() as u32;
        let broken = reimport(cs.as_ref(), broken);
        assert_eq!(
            protocol(validate_tree(&broken, cs.as_ref(), &validation())),
            ProtocolError::InvalidLeafSignature { leaf: first }
        );
    }
}

#[test]
fn large_tree_reports_a_structural_error_before_a_bad_signature() {
    let cs = suite();
    let mut nodes = large_tree_nodes(&cs);
    break_signature(&mut nodes, 10);
    // Leaf 600 takes leaf 599's encryption key.
    let key = match &nodes[2 * 599] {
        Some(Node::Leaf(l)) => l.encryption_key.clone(),
        other => panic!("node 1198 should be a leaf: {other:?}"),
    };
    match &mut nodes[2 * 600] {
        Some(Node::Leaf(l)) => l.encryption_key = key,
        other => panic!("node 1200 should be a leaf: {other:?}"),
    }
    let broken = reimport(cs.as_ref(), nodes);
    assert_eq!(
        protocol(validate_tree(&broken, cs.as_ref(), &validation())),
        ProtocolError::DuplicateEncryptionKey { node: 1200 }
    );
}
