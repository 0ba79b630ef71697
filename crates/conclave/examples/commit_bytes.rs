//! Bytes written to the store by one update commit in a group of N members
//! (two real members, alice and bob, and N - 2 other KeyPackages added in
//! one commit): alice's commit and merge batches, bob's batch when he
//! processes the commit, and his batch when he reads an application
//! message.
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
    println!("| members | whole store (bytes) | update commit batch | commit message (sent, not stored) | merge batch | receiver's commit batch | receiver's message batch | commit time |");
    println!("|---|---|---|---|---|---|---|---|");
    for n in sizes {
        let mut alice = client("alice");
        alice.create_group(G).expect("create");
        let mut bob = client("bob");
        let mut kps = vec![bob.generate_key_package(false).expect("kp")];
        kps.extend((2..n).map(|i| {
            client(&format!("m{i}"))
                .generate_key_package(false)
                .expect("kp")
        }));
        let added = alice.add_members(G, kps).expect("add");
        alice.merge_pending_commit(G).expect("merge");
        bob.join(added.welcome.as_ref().expect("welcome"))
            .expect("join");
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
        bob.receive(&out.message).expect("receive commit");
        let received = bob.store().last_batch_bytes;
        let m = alice.send(G, b"hello").expect("send");
        bob.receive(&m).expect("receive message");
        let message_batch = bob.store().last_batch_bytes;
        let message = conclave_core::codec::encode(&out.message)
            .expect("encode")
            .len();
        println!(
            "| {n} | {whole} | {commit} | {message} | {merge} | {received} | {message_batch} | {:.1} ms |",
            elapsed.as_secs_f64() * 1000.0
        );
    }
}
