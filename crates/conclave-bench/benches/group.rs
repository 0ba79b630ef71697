//! Criterion benchmarks of Conclave's core group operations (issue 9), ciphersuite 0x0001,
//! through `conclave_core::group::Group` directly (no serialization layer):
//!
//! - KeyPackage generation (RFC 9420 §10);
//! - a commit adding N − 1 members, Welcome included (§12.4, §12.4.3.1);
//! - joining from that Welcome, tree inside (§12.4.3.1);
//! - an update commit with a path in the tree that commit leaves (§12.4.1, §7.5), and another
//!   member processing and merging it (§12.4.2);
//! - a 1 KiB application message protected and unprotected (§6.3);
//! - the tree hash of a full tree computed from scratch (§7.8);
//! - encoding and decoding a member's snapshot.
//!
//! ```text
//! cargo bench -p conclave-bench --bench group
//! ```
//!
//! The side-by-side comparison with OpenMLS and mls-rs is the `compare` binary; these benches
//! are for following Conclave's own operations from change to change.

use std::sync::Arc;

use conclave_core::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, SignatureKeyPair};
use conclave_core::group::{CommitOptions, Group, GroupConfig, Received, Services};
use conclave_core::key_package::{KeyPackageBuilder, KeyPackageBundle};
use conclave_core::time::SystemClock;
use conclave_core::tree::RatchetTree;
use conclave_core::wire::{Add, Credential, MlsMessage, Proposal};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};

/// Group sizes of the per-size benches.
const SIZES: [usize; 2] = [100, 1000];

fn suite() -> Arc<dyn CipherSuiteProvider> {
    conclave_rustcrypto::RustCryptoProvider::new()
        .cipher_suite(CipherSuite::X25519_AES128GCM_SHA256_ED25519)
        .expect("suite 1 is supported")
}

fn signer(cs: &Arc<dyn CipherSuiteProvider>) -> Arc<SignatureKeyPair> {
    Arc::new(SignatureKeyPair::generate(cs.clone()).expect("signature key"))
}

fn key_package(
    cs: &Arc<dyn CipherSuiteProvider>,
    name: &str,
) -> (Arc<SignatureKeyPair>, KeyPackageBundle) {
    let signer = signer(cs);
    let bundle = KeyPackageBuilder::new()
        .build(
            cs.as_ref(),
            signer.as_ref(),
            Credential::basic(name),
            &SystemClock,
        )
        .expect("KeyPackage");
    (signer, bundle)
}

/// A copy of a bundle (the private keys are kept to join the same Welcome again).
fn copy(bundle: &KeyPackageBundle) -> KeyPackageBundle {
    KeyPackageBundle {
        key_package: bundle.key_package.clone(),
        init_private_key: bundle.init_private_key.clone(),
        encryption_private_key: bundle.encryption_private_key.clone(),
    }
}

fn creator(cs: &Arc<dyn CipherSuiteProvider>) -> (Arc<SignatureKeyPair>, Group) {
    let signer = signer(cs);
    let group = Group::create(
        cs.clone(),
        signer.clone(),
        Credential::basic("m0"),
        b"bench group".to_vec(),
        Vec::new(),
        GroupConfig::default(),
        Services::default(),
    )
    .expect("group");
    (signer, group)
}

/// Adds of fresh KeyPackages for members `first..first + count`.
fn adds(cs: &Arc<dyn CipherSuiteProvider>, first: usize, count: usize) -> Vec<Proposal> {
    (first..first + count)
        .map(|i| {
            Proposal::Add(Add {
                key_package: Box::new(key_package(cs, &format!("m{i}")).1.key_package),
            })
        })
        .collect()
}

/// A group of `n` members made by one commit of the creator, and a member (leaf 1) that
/// joined from its Welcome, with the Welcome and that member's signer and KeyPackage.
struct Pair {
    creator: Group,
    creator_signer: Arc<SignatureKeyPair>,
    member: Group,
    member_signer: Arc<SignatureKeyPair>,
    member_bundle: KeyPackageBundle,
    welcome: MlsMessage,
}

fn pair(cs: &Arc<dyn CipherSuiteProvider>, n: usize) -> Pair {
    let (creator_signer, mut creator) = creator(cs);
    let (member_signer, member_bundle) = key_package(cs, "m1");
    let mut proposals = vec![Proposal::Add(Add {
        key_package: Box::new(member_bundle.key_package.clone()),
    })];
    proposals.extend(adds(cs, 2, n.saturating_sub(2)));
    let out = creator
        .commit(CommitOptions {
            proposals,
            ..CommitOptions::default()
        })
        .expect("commit");
    creator.merge_pending_commit(out.pending).expect("merge");
    let welcome = out.welcome.expect("a Welcome");
    let member = join(cs, &member_signer, &welcome, copy(&member_bundle));
    Pair {
        creator,
        creator_signer,
        member,
        member_signer,
        member_bundle,
        welcome,
    }
}

fn join(
    cs: &Arc<dyn CipherSuiteProvider>,
    signer: &Arc<SignatureKeyPair>,
    welcome: &MlsMessage,
    bundle: KeyPackageBundle,
) -> Group {
    Group::join(
        cs.clone(),
        signer.clone(),
        welcome,
        bundle,
        None,
        GroupConfig::default(),
        Services::default(),
    )
    .expect("join")
}

/// A copy of `group` through its snapshot.
fn reload(
    cs: &Arc<dyn CipherSuiteProvider>,
    signer: &Arc<SignatureKeyPair>,
    group: &Group,
) -> Group {
    let bytes = group.to_snapshot().expect("snapshot");
    Group::from_snapshot(cs.clone(), signer.clone(), &bytes, Services::default()).expect("load")
}

fn update() -> CommitOptions {
    CommitOptions {
        force_path: true,
        ..CommitOptions::default()
    }
}

fn key_package_generation(c: &mut Criterion) {
    let cs = suite();
    let signer = signer(&cs);
    c.bench_function("key_package/generate", |b| {
        b.iter(|| {
            KeyPackageBuilder::new()
                .build(
                    cs.as_ref(),
                    signer.as_ref(),
                    Credential::basic("bench"),
                    &SystemClock,
                )
                .expect("KeyPackage")
        })
    });
}

fn add_members(c: &mut Criterion) {
    let cs = suite();
    let mut group = c.benchmark_group("group/add_members_with_welcome");
    group.sample_size(10);
    for n in SIZES {
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter_batched(
                || (creator(&cs).1, adds(&cs, 1, n - 1)),
                |(mut g, proposals)| {
                    g.commit(CommitOptions {
                        proposals,
                        ..CommitOptions::default()
                    })
                    .expect("commit")
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn join_and_commits(c: &mut Criterion) {
    let cs = suite();
    for n in SIZES {
        let p = pair(&cs, n);
        let mut group = c.benchmark_group("group");
        group.sample_size(10);
        group.bench_with_input(BenchmarkId::new("join_from_welcome", n), &n, |b, _| {
            b.iter_batched(
                || copy(&p.member_bundle),
                |bundle| join(&cs, &p.member_signer, &p.welcome, bundle),
                BatchSize::PerIteration,
            )
        });
        group.bench_with_input(BenchmarkId::new("update_commit", n), &n, |b, _| {
            b.iter_batched(
                || reload(&cs, &p.creator_signer, &p.creator),
                |mut g| g.commit(update()).expect("commit"),
                BatchSize::PerIteration,
            )
        });
        let mut committer = reload(&cs, &p.creator_signer, &p.creator);
        let commit = committer.commit(update()).expect("commit").message;
        group.bench_with_input(
            BenchmarkId::new("process_and_merge_commit", n),
            &n,
            |b, _| {
                b.iter_batched(
                    || reload(&cs, &p.member_signer, &p.member),
                    |mut g| match g.process(&commit).expect("process") {
                        Received::Commit(staged) => g.merge_staged_commit(staged).expect("merge"),
                        other => panic!("expected a commit, got {other:?}"),
                    },
                    BatchSize::PerIteration,
                )
            },
        );
        let snapshot = p.member.to_snapshot().expect("snapshot");
        group.bench_with_input(BenchmarkId::new("snapshot_encode", n), &n, |b, _| {
            b.iter(|| p.member.to_snapshot().expect("snapshot"))
        });
        group.bench_with_input(BenchmarkId::new("snapshot_decode", n), &n, |b, _| {
            b.iter(|| {
                Group::from_snapshot(
                    cs.clone(),
                    p.member_signer.clone(),
                    &snapshot,
                    Services::default(),
                )
                .expect("load")
            })
        });
        group.finish();
    }
}

fn application_message(c: &mut Criterion) {
    let cs = suite();
    let mut p = pair(&cs, 2);
    let payload = vec![0x42u8; 1024];
    c.bench_function("message/protect_and_unprotect_1KiB", |b| {
        b.iter(|| {
            let m = p.creator.encrypt(&payload, b"").expect("encrypt");
            match p.member.process(&m).expect("process") {
                Received::Application { data, .. } => assert_eq!(data.len(), payload.len()),
                other => panic!("expected application data, got {other:?}"),
            }
        })
    });
}

fn tree_hash(c: &mut Criterion) {
    let cs = suite();
    let mut group = c.benchmark_group("tree/hash_from_scratch");
    for n in [1000u32, 10_000] {
        let nodes = conclave_bench::full_tree(cs.as_ref(), n).to_nodes();
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_batched(
                || nodes.clone(),
                |nodes| RatchetTree::from_nodes(cs.as_ref(), nodes).expect("tree"),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    key_package_generation,
    add_members,
    join_and_commits,
    application_message,
    tree_hash
);
criterion_main!(benches);
