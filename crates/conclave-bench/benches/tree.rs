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
//! Run: `cargo bench -p conclave-bench --bench tree`.

use std::hint::black_box;
use std::sync::Arc;

use conclave_bench::full_tree;
use conclave_core::crypto::{CipherSuite, CryptoProvider, SignatureKeyPair};
use conclave_core::tree::treekem::{apply_new_path, apply_received_path, encrypt_path};
use conclave_core::tree::{LeafIndex, TreeView};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

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

criterion_group!(benches, merge_update_path);
criterion_main!(benches);
