//! Ad-hoc profile of S4 sparse (issue 9): a member processes an update commit from the
//! member that added the N − 1 others in one commit, so every parent node is blank and the
//! UpdatePath carries one HPKE ciphertext per other member (RFC 9420 §12.4.2, §7.6).
//!
//! `cargo run --release -p conclave-bench --example s4_sparse_profile -- [N] [STAGE_REPS] [private]`
//!
//! Commits are PublicMessages, as in the compare binary, or PrivateMessages with `private`.
//!
//! Prints the median and minimum of (1) `Group::process_bytes` + merge over fresh updates,
//! as the compare binary's S4s does, and (2) `STAGE_REPS` stagings of one commit without
//! merging (the loop to run under `perf record -g`).
use std::sync::Arc;
use std::time::Instant;

use conclave_core::codec::encode;
use conclave_core::crypto::{CipherSuite, CryptoProvider, SignatureKeyPair};
use conclave_core::group::{
    CommitOptions, Group, GroupConfig, HandshakePolicy, Received, Services,
};
use conclave_core::key_package::KeyPackageBuilder;
use conclave_core::time::SystemClock;
use conclave_core::wire::{Add, Credential, Proposal};

/// Nanoseconds this thread has run on a CPU (`/proc/thread-self/schedstat`):
/// unlike wall time, not inflated by other processes on a loaded machine.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn stats(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0])
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let stage_reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let config = GroupConfig {
        handshake: if args.next().as_deref() == Some("private") {
            HandshakePolicy::Private
        } else {
            HandshakePolicy::Public
        },
        // Commits of big groups exceed the default 1 MiB message limit.
        limits: conclave_core::limits::Limits {
            max_message_size: 64 << 20,
            ..Default::default()
        },
        ..GroupConfig::default()
    };
    let cs = conclave_rustcrypto::RustCryptoProvider::new()
        .cipher_suite(CipherSuite(1))
        .unwrap();
    let member = |id: &str| {
        let signer = Arc::new(SignatureKeyPair::generate(Arc::clone(&cs)).unwrap());
        (signer, Credential::basic(id.as_bytes().to_vec()))
    };
    let (s0, c0) = member("m0");
    let mut creator = Group::create(
        Arc::clone(&cs),
        s0,
        c0,
        b"bench".to_vec(),
        Vec::new(),
        config.clone(),
        Services::default(),
    )
    .unwrap();
    let mut proposals = Vec::with_capacity(n - 1);
    let mut receiver_kp = None;
    for i in 1..n {
        let (signer, credential) = member(&format!("m{i}"));
        let bundle = KeyPackageBuilder::new()
            .build(cs.as_ref(), signer.as_ref(), credential, &SystemClock)
            .unwrap();
        proposals.push(Proposal::Add(Add {
            key_package: Box::new(bundle.key_package.clone()),
        }));
        if i == 1 {
            receiver_kp = Some((signer, bundle));
        }
    }
    let out = creator
        .commit(CommitOptions {
            proposals,
            include_pending: true,
            force_path: false,
        })
        .unwrap();
    creator.merge_pending_commit(out.pending).unwrap();
    let (signer, bundle) = receiver_kp.unwrap();
    let mut receiver = Group::join(
        Arc::clone(&cs),
        signer,
        out.welcome.as_ref().unwrap(),
        bundle,
        None,
        config.clone(),
        Services::default(),
    )
    .unwrap();
    let update = |creator: &mut Group| {
        let out = creator
            .commit(CommitOptions {
                proposals: Vec::new(),
                include_pending: true,
                force_path: true,
            })
            .unwrap();
        creator.merge_pending_commit(out.pending).unwrap();
        encode(&out.message).unwrap()
    };

    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..7 {
        let bytes = update(&mut creator);
        size = bytes.len();
        let start = Instant::now();
        let Received::Commit(staged) = receiver.process_bytes(&bytes).unwrap() else {
            panic!("not a commit");
        };
        receiver.merge_staged_commit(staged).unwrap();
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let (median, min) = stats(times);
    println!("N={n} commit {size} B: process+merge median {median:.3} ms, min {min:.3} ms");

    let bytes = update(&mut creator);
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..stage_reps {
        let c = cpu_ns();
        let start = Instant::now();
        let received = receiver.process_bytes(&bytes).unwrap();
        times.push(start.elapsed().as_secs_f64() * 1e3);
        drop(received);
        cpu.push((cpu_ns() - c) as f64 / 1e6);
    }
    let (median, min) = stats(times);
    let (cpu_median, cpu_min) = stats(cpu);
    println!(
        "stage only x{stage_reps}: median {median:.3} ms, min {min:.3} ms \
         (this thread's CPU time: median {cpu_median:.3} ms, min {cpu_min:.3} ms)"
    );
}
