//! Profiling aid for issue 9's S1 and S2 (RFC 9420 §12.4, §12.4.3.1): one member
//! adds N-1 KeyPackages in one commit (Welcome included), then members join
//! from that Welcome, through the same adapter as the `compare` binary. Each
//! rep is followed by the scenario's floor (the same cryptographic operations
//! `compare` counts), so that the ratio is taken under the same machine load.
//!
//! `cargo run --release -p conclave-bench --example s1_profile -- [N] [S1 reps] [S2 reps]`
//! (defaults 10000, 3, 3). Meant to run under `perf record -g` too.
use std::sync::Arc;
use std::time::Instant;

use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, HpkeInfo, SignatureCheck,
};
use conclave_peers::{ConclaveFactory, GroupOptions, PeerFactory};

const SUITE: u16 = 1;

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// The CPU time of this process so far (all threads, user and system), in
/// ms, from /proc/self/stat (clock ticks of 10 ms); 0 where unavailable.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after ')'.
    (ticks(11) + ticks(12)) * 10.0
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

/// The floor of S1 or S2 at size `n` in ms, as `compare` counts it: S1 is N-1
/// HPKE seals and 2(N-1) signature verifications on two cores, one hash of the
/// tree and two signatures; S2 one HPKE open, the key schedule, one hash of
/// the tree, N+1 verifications on two cores and 2N small hashes.
fn floor(s1: bool, n: usize, cs: &Arc<dyn CipherSuiteProvider>) -> f64 {
    let c = cs.as_ref();
    let (sk, pk) = c.kem_generate().unwrap();
    let (ssk, spk) = c.signature_generate().unwrap();
    let message = vec![7u8; 300];
    let signature = c.sign(ssk.as_bytes(), &message).unwrap();
    let info = HpkeInfo::new(c, &vec![1u8; 300 * n]).unwrap();
    let verify = |count: usize| {
        let checks: Vec<SignatureCheck<'_>> = (0..count)
            .map(|_| SignatureCheck {
                public_key: &spk,
                message: &message,
                signature: &signature,
            })
            .collect();
        let (a, b) = checks.split_at(count / 2);
        std::thread::scope(|s| {
            let h = s.spawn(|| c.verify_batch(a).unwrap());
            c.verify_batch(b).unwrap();
            h.join().unwrap();
        });
    };
    let start = Instant::now();
    if s1 {
        let half = (n - 1) / 2;
        std::thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..half {
                    info.seal(c, &pk, b"", &[0u8; 100]).unwrap();
                }
            });
            for _ in half..n - 1 {
                info.seal(c, &pk, b"", &[0u8; 100]).unwrap();
            }
        });
        verify(2 * (n - 1));
        let _ = c.hash(&vec![1u8; 300 * n]);
        for _ in 0..2 {
            c.sign(ssk.as_bytes(), &message).unwrap();
        }
    } else {
        let (enc, ct) = info.seal(c, &pk, b"", &[0u8; 100]).unwrap();
        info.open(c, &enc, sk.as_bytes(), &pk, b"", &ct).unwrap();
        for _ in 0..12 {
            c.kdf_expand(&[3u8; 32], b"key schedule", 32).unwrap();
        }
        let _ = c.hash(&vec![1u8; 300 * n]);
        verify(n + 1);
        for _ in 0..(2 * n) {
            let _ = c.hash(&message[..100]);
        }
    }
    ms(start)
}

fn main() {
    let n = arg(1, 10_000);
    let s1_reps = arg(2, 3);
    let s2_reps = arg(3, 3);
    let no_floor = std::env::var_os("NO_FLOOR").is_some();
    let cs = conclave_rustcrypto::RustCryptoProvider::new()
        .cipher_suite(CipherSuite(SUITE))
        .unwrap();
    let f = ConclaveFactory;
    let options = GroupOptions::default();
    let start = Instant::now();
    let mut joiners = Vec::new();
    let mut kps = Vec::with_capacity(n - 1);
    for i in 1..n {
        let mut m = f.new_member(SUITE, format!("m{i}").as_bytes()).unwrap();
        kps.push(m.key_package().unwrap());
        if i <= s2_reps {
            joiners.push(m);
        }
    }
    println!("{} KeyPackages made in {:.1} ms", n - 1, ms(start));
    // The same KeyPackages are added to a fresh group in each rep.
    let mut welcome = None;
    for _ in 0..s1_reps.max(1) {
        let mut creator = f.new_member(SUITE, b"m0").unwrap();
        creator.create_group(b"bench", &options).unwrap();
        let (start, cpu) = (Instant::now(), cpu_ms());
        let out = creator.add_members(&kps).unwrap();
        let (took, cpu) = (ms(start), cpu_ms() - cpu);
        if no_floor {
            println!("S1 N={n}: {took:.1} ms (cpu {cpu:.0} ms)");
        } else {
            let fcpu = cpu_ms();
            let fl = floor(true, n, &cs);
            let fcpu = cpu_ms() - fcpu;
            println!(
                "S1 N={n}: {took:.1} ms, floor {fl:.1} ms, {:.2}x (cpu {cpu:.0} vs {fcpu:.0} ms)",
                took / fl
            );
        }
        welcome = out.welcome;
    }
    let welcome = welcome.expect("a Welcome");
    for mut j in joiners {
        let (start, cpu) = (Instant::now(), cpu_ms());
        j.join(&welcome, None, &options).unwrap();
        let (took, cpu) = (ms(start), cpu_ms() - cpu);
        if no_floor {
            println!("S2 N={n}: {took:.1} ms (cpu {cpu:.0} ms)");
        } else {
            let fcpu = cpu_ms();
            let fl = floor(false, n, &cs);
            let fcpu = cpu_ms() - fcpu;
            println!(
                "S2 N={n}: {took:.1} ms, floor {fl:.1} ms, {:.2}x (cpu {cpu:.0} vs {fcpu:.0} ms)",
                took / fl
            );
        }
    }
}
