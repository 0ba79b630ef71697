//! Merging an UpdatePath into a fully populated ratchet tree and recomputing
//! the root tree hash, for 1,000, 10,000 and 100,000 members (RFC 9420 §7.5,
//! §7.8). With cached subtree hashes this costs O(log N): the path's nodes
//! and their ancestors are rehashed, nothing else.
//!
//! Each iteration: a copy-on-write diff over the tree, the received path
//! applied (direct path blanked, new keys set, parent hashes recomputed and
//! the leaf's checked), the stale hashes recomputed, the changes merged, the
//! root hash read. The path itself (key derivation, HPKE, signing) is built
//! once outside the measurement.
//!
//! The second group measures a joiner's validation of a whole tree (§12.4.3.1,
//! §7.9.2), which must stay linear in the number of members.
//!
//! Run: `cargo bench -p conclave-bench --bench tree`.

use std::hint::black_box;
use std::sync::Arc;

use conclave_bench::{full_tree, valid_tree};
use conclave_core::crypto::{CipherSuite, CryptoProvider, SignatureKeyPair};
use conclave_core::tree::parent_hash::verify_parent_hashes;
use conclave_core::tree::treekem::{apply_new_path, apply_received_path, encrypt_path};
use conclave_core::tree::validate::{validate_tree, GroupRequirements, TreeValidation};
use conclave_core::tree::{LeafIndex, TreeView};
use conclave_core::wire::ProtocolVersion;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn merge_update_path(c: &mut Criterion) {
    let provider = conclave_rustcrypto::RustCryptoProvider::new();
    let cs = provider
        .cipher_suite(CipherSuite::X25519_AES128GCM_SHA256_ED25519)
        .unwrap_or_else(|e| panic!("suite 1: {e}"));
    let mut group = c.benchmark_group("tree/merge_update_path_and_root_hash");
    group.sample_size(50);
    for n in [1_000u32, 10_000, 100_000] {
        let mut tree = full_tree(cs.as_ref(), n);
        let sender = LeafIndex(n / 2);
        let signer = SignatureKeyPair::generate(Arc::clone(&cs)).unwrap_or_else(|e| panic!("{e}"));
        let template = tree
            .leaf(sender)
            .cloned()
            .unwrap_or_else(|| panic!("no leaf"));
        let path = {
            let mut diff = tree.diff();
            let new = apply_new_path(&mut diff, cs.as_ref(), sender, &template, &signer, b"bench")
                .unwrap_or_else(|e| panic!("{e}"));
            let context = diff
                .root_hash(cs.as_ref())
                .unwrap_or_else(|e| panic!("{e}"));
            encrypt_path(&diff, cs.as_ref(), &new, &context, &[]).unwrap_or_else(|e| panic!("{e}"))
        };
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                let mut diff = tree.diff();
                apply_received_path(&mut diff, cs.as_ref(), sender, black_box(&path))
                    .unwrap_or_else(|e| panic!("{e}"));
                let changes = diff
                    .into_changes(cs.as_ref())
                    .unwrap_or_else(|e| panic!("{e}"));
                tree.merge(changes).unwrap_or_else(|e| panic!("{e}"));
                black_box(tree.root_hash().len())
            })
        });
    }
    group.finish();
}

/// A joiner's checks of a whole tree (RFC 9420 §12.4.3.1): the parent-hash
/// chain alone, and the full validation with every leaf signature (batched).
/// Both are one linear pass, so the time per member should stay flat.
fn validate_whole_tree(c: &mut Criterion) {
    let provider = conclave_rustcrypto::RustCryptoProvider::new();
    let cs = provider
        .cipher_suite(CipherSuite::X25519_AES128GCM_SHA256_ED25519)
        .unwrap_or_else(|e| panic!("suite 1: {e}"));
    let params = TreeValidation {
        group_id: b"bench",
        group: GroupRequirements {
            cipher_suite: CipherSuite::X25519_AES128GCM_SHA256_ED25519,
            version: ProtocolVersion::MLS10,
            required: None,
        },
        clock: None,
    };
    let mut group = c.benchmark_group("tree/join_validation");
    group.sample_size(10);
    for n in [1_000u32, 10_000, 100_000] {
        let tree = valid_tree(&cs, n, b"bench");
        validate_tree(&tree, cs.as_ref(), &params).unwrap_or_else(|e| panic!("fixture: {e}"));
        group.throughput(Throughput::Elements(u64::from(n)));
        group.bench_with_input(BenchmarkId::new("parent_hashes", n), &n, |b, _| {
            b.iter(|| verify_parent_hashes(black_box(&tree), cs.as_ref()))
        });
        if n <= 10_000 {
            group.bench_with_input(BenchmarkId::new("validate_tree", n), &n, |b, _| {
                b.iter(|| validate_tree(black_box(&tree), cs.as_ref(), &params))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, merge_update_path, validate_whole_tree);
criterion_main!(benches);
