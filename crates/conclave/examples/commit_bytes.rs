//! Bytes written to the store by one update commit in a group of N members
//! (one real member, N - 1 KeyPackages added in one commit).
//!
//! `cargo run --release -p conclave --example commit_bytes -- 100 10000`

use std::time::Instant;

use conclave::{Client, MemoryStore, Store};
use conclave_core::crypto::CipherSuite;
use conclave_core::wire::Credential;
use conclave_rustcrypto::RustCryptoProvider;

const G: &[u8] = b"group";

fn client(name: &str) -> Client<MemoryStore> {
    Client::create(
        MemoryStore::new(),
        &RustCryptoProvider::new(),
        CipherSuite::X25519_AES128GCM_SHA256_ED25519,
        Credential::basic(name),
    )
    .expect("client")
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100, 10_000]
    } else {
        sizes
    };
    println!("| members | whole store (bytes) | update commit batch | of which the commit message | merge batch | commit time |");
    println!("|---|---|---|---|---|---|");
    for n in sizes {
        let mut alice = client("alice");
        alice.create_group(G).expect("create");
        let kps = (1..n)
            .map(|i| {
                client(&format!("m{i}"))
                    .generate_key_package(false)
                    .expect("kp")
            })
            .collect();
        alice.add_members(G, kps).expect("add");
        alice.merge_pending_commit(G).expect("merge");
        let whole: usize = alice
            .store()
            .scan(b"")
            .expect("scan")
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum();
        let t = Instant::now();
        let out = alice.update(G).expect("update");
        let commit = alice.store().last_batch_bytes;
        alice.merge_pending_commit(G).expect("merge");
        let elapsed = t.elapsed();
        let merge = alice.store().last_batch_bytes;
        let message = conclave_core::codec::encode(&out.message)
            .expect("encode")
            .len();
        println!(
            "| {n} | {whole} | {commit} | {message} | {merge} | {:.1} ms |",
            elapsed.as_secs_f64() * 1000.0
        );
    }
}
