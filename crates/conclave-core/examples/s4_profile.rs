//! Profile of issue 9's S4 (RFC 9420 §12.4.2): a member processes and merges
//! another member's update commit, in a full tree of N members (every
//! parent node set, so that the commit's UpdatePath encrypts to one node
//! per level and the message is O(log N)).
//!
//! ```text
//! cargo run --release -p conclave-core --example s4_profile -- [N ...]
//! ```
//!
//! Two real members, A (leaf 0) and B (the last leaf), are built with the
//! group API; the other N-2 leaves and the parent nodes are random keys
//! (B is given the private keys of its direct path), installed in both with
//! the `testing` feature's `Group::testing_replace_tree`. Then A commits an
//! update with a path, B processes and merges it, and A merges its own;
//! the medians over the rounds are printed. Also timed: S3 (A's commit).

use std::sync::Arc;
use std::time::{Duration, Instant};

use conclave_core::codec::VLBytes;
use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair,
};
use conclave_core::group::{CommitOptions, Group, GroupConfig, Received, Services};
use conclave_core::key_package::KeyPackageBuilder;
use conclave_core::time::SystemClock;
use conclave_core::tree::{LeafIndex, NodeIndex, RatchetTree, TreeSize};
use conclave_core::wire::{
    Capabilities, Credential, CredentialType, LeafNode, LeafNodeSource, Node, ParentNode, Proposal,
    ProtocolVersion,
};

const ROUNDS: usize = 15;

fn random(cs: &dyn CipherSuiteProvider, len: usize) -> VLBytes {
    let mut bytes = vec![0u8; len];
    cs.random_bytes(&mut bytes).expect("rng");
    VLBytes::new(bytes)
}

fn random_leaf(cs: &dyn CipherSuiteProvider, i: u32) -> LeafNode {
    LeafNode {
        encryption_key: random(cs, 32),
        signature_key: random(cs, 32),
        credential: Credential::basic(format!("member {i}").into_bytes()),
        capabilities: Capabilities {
            versions: vec![ProtocolVersion::MLS10],
            cipher_suites: vec![CipherSuite::X25519_AES128GCM_SHA256_ED25519],
            extensions: vec![],
            proposals: vec![],
            credentials: vec![CredentialType::BASIC],
        },
        leaf_node_source: LeafNodeSource::Commit(random(cs, cs.hash_len())),
        extensions: vec![],
        signature: random(cs, 64),
    }
}

/// A full tree of `n` members with `a` at leaf 0 and `b` at leaf n-1; the
/// private keys of b's direct path.
fn full_tree(
    cs: &dyn CipherSuiteProvider,
    n: u32,
    a: &LeafNode,
    b: &LeafNode,
) -> (RatchetTree, Vec<(NodeIndex, Secret)>) {
    let size = TreeSize::covering(n).expect("size");
    let b_leaf = LeafIndex(n - 1);
    let b_path: Vec<NodeIndex> = size.direct_path(b_leaf.node());
    let mut keys = Vec::new();
    let width = 2 * (n - 1) + 1;
    let nodes = (0..width)
        .map(|x| {
            let node = NodeIndex(x);
            match node.leaf() {
                Some(l) if l.0 == 0 => Some(Node::Leaf(a.clone())),
                Some(l) if l == b_leaf => Some(Node::Leaf(b.clone())),
                Some(l) => Some(Node::Leaf(random_leaf(cs, l.0))),
                None => ((x + 1 - (1 << node.level())) / 2 < n).then(|| {
                    let encryption_key = if b_path.contains(&node) {
                        let (private, public) = cs
                            .kem_derive_key_pair(&x.to_be_bytes())
                            .expect("derive key pair");
                        keys.push((node, private));
                        VLBytes::new(public)
                    } else {
                        random(cs, 32)
                    };
                    Node::Parent(ParentNode {
                        encryption_key,
                        parent_hash: random(cs, cs.hash_len()),
                        unmerged_leaves: vec![],
                    })
                }),
            }
        })
        .collect();
    let tree = RatchetTree::from_nodes(cs, nodes).expect("tree");
    (tree, keys)
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

fn run(n: u32) {
    let provider = conclave_rustcrypto::RustCryptoProvider::new();
    let cs: Arc<dyn CipherSuiteProvider> = provider
        .cipher_suite(CipherSuite::X25519_AES128GCM_SHA256_ED25519)
        .expect("suite");
    let a_key = Arc::new(SignatureKeyPair::generate(cs.clone()).expect("key"));
    let b_key = Arc::new(SignatureKeyPair::generate(cs.clone()).expect("key"));
    let mut a = Group::create(
        cs.clone(),
        a_key,
        Credential::basic("a"),
        b"s4".to_vec(),
        Vec::new(),
        GroupConfig::default(),
        Services::default(),
    )
    .expect("create");
    let b_kp = KeyPackageBuilder::new()
        .build(
            cs.as_ref(),
            b_key.as_ref(),
            Credential::basic("b"),
            &SystemClock,
        )
        .expect("key package");
    let out = a
        .commit(CommitOptions {
            proposals: vec![Proposal::Add(conclave_core::wire::Add {
                key_package: b_kp.key_package.clone(),
            })],
            ..CommitOptions::default()
        })
        .expect("commit");
    a.merge_pending_commit(out.pending).expect("merge");
    let mut b = Group::join(
        cs.clone(),
        b_key,
        out.welcome.as_ref().expect("welcome"),
        b_kp,
        None,
        GroupConfig::default(),
        Services::default(),
    )
    .expect("join");

    let leaf_a = a.tree().members().next().expect("a").1.clone();
    let leaf_b = b.tree().members().nth(1).expect("b").1.clone();
    let t = Instant::now();
    let (tree, keys) = full_tree(cs.as_ref(), n, &leaf_a, &leaf_b);
    a.testing_replace_tree(tree.clone(), LeafIndex(0), Vec::new())
        .expect("replace");
    b.testing_replace_tree(tree, LeafIndex(n - 1), keys)
        .expect("replace");
    let setup = t.elapsed();

    let (mut s3, mut process, mut merge, mut size) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let out = a
            .commit(CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            })
            .expect("commit");
        s3.push(t.elapsed());
        size = conclave_core::codec::encode(&out.message)
            .expect("encode")
            .len();
        let t = Instant::now();
        let staged = match b.process(&out.message).expect("process") {
            Received::Commit(staged) => staged,
            other => panic!("unexpected {other:?}"),
        };
        process.push(t.elapsed());
        let t = Instant::now();
        b.merge_staged_commit(staged).expect("merge");
        merge.push(t.elapsed());
        a.merge_pending_commit(out.pending).expect("merge own");
        assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
    }
    let first = process[0].as_secs_f64() * 1e3;
    let (p, m) = (median(process.clone()), median(merge.clone()));
    println!(
        "N={n:>6}  S4 process {p:8.3} ms  merge {m:8.3} ms  total {:8.3} ms  (first {first:.3} ms)  | S3 commit {:8.3} ms  commit {size} B  (setup {:.1} s)",
        p + m,
        median(s3),
        setup.as_secs_f64()
    );
}

fn main() {
    let sizes: Vec<u32> = std::env::args()
        .skip(1)
        .map(|s| s.parse().expect("a member count"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1000, 10_000, 50_000]
    } else {
        sizes
    };
    for n in sizes {
        run(n);
    }
}
