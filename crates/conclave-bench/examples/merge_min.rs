//! Ad-hoc: minimum time of batches of merges (robust to a loaded machine).
use std::sync::Arc;
use std::time::Instant;

use conclave_bench::full_tree;
use conclave_core::crypto::{CipherSuite, CryptoProvider, SignatureKeyPair};
use conclave_core::tree::treekem::{apply_new_path, apply_received_path, encrypt_path};
use conclave_core::tree::{LeafIndex, TreeView};

fn main() {
    let provider = conclave_rustcrypto::RustCryptoProvider::new();
    let cs = provider.cipher_suite(CipherSuite(1)).unwrap();
    for n in [1_000u32, 10_000, 100_000] {
        let mut tree = full_tree(cs.as_ref(), n);
        let sender = LeafIndex(n / 2);
        let signer = SignatureKeyPair::generate(Arc::clone(&cs)).unwrap();
        let template = tree.leaf(sender).cloned().unwrap();
        let path = {
            let mut diff = tree.diff();
            let new =
                apply_new_path(&mut diff, cs.as_ref(), sender, &template, &signer, b"b").unwrap();
            let ctx = diff.root_hash(cs.as_ref()).unwrap();
            encrypt_path(&diff, cs.as_ref(), &new, &ctx, &[]).unwrap()
        };
        let mut best = f64::MAX;
        for _ in 0..200 {
            let t = Instant::now();
            for _ in 0..20 {
                let mut diff = tree.diff();
                apply_received_path(&mut diff, cs.as_ref(), sender, &path).unwrap();
                let ch = diff.into_changes(cs.as_ref()).unwrap();
                tree.merge(ch).unwrap();
                std::hint::black_box(tree.root_hash());
            }
            best = best.min(t.elapsed().as_secs_f64() / 20.0);
        }
        println!("{n}: min {:.1} us", best * 1e6);
    }
}
