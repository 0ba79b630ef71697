//! Side-by-side comparison of Conclave, OpenMLS 0.9 and mls-rs 0.57 (issue 9), ciphersuite
//! 0x0001, every implementation driven through `conclave_peers::PeerMember` (serialized MLSMessages in
//! and out, own commits merged, as an application would use them).
//!
//! ```text
//! cargo run --release -p conclave-bench --bin compare -- \
//!     [--sizes 10,100,1000] [--impl conclave,openmls,mls-rs] [--scenario S1,S2,...] [--reps N] \
//!     [--op-reps N] [--full-reps N] [--peer-max N] [--shared-setup]
//! ```
//!
//! Scenarios (RFC 9420 operations): S1 one member creates a group and adds N-1 members in
//! one commit (§12.4, Welcome included); S2 a new member joins from that Welcome, tree
//! inside (§12.4.3.1); S3 a member commits an update with a path (§12.4.1, §7.5); S4 another
//! member processes it (§12.4.2); S5 a commit removing one member; S6 1 KiB application
//! messages protected and unprotected between two members (§6.3), in messages per second.
//! S3–S5 are measured in the sparse tree S1 leaves (suffix `s`) and in a full tree (suffix
//! `f`): every parent node set, as when every member has committed once. Reaching that through
//! the protocol costs O(N²) message processing in set-up, so the two measured members join a
//! Welcome built directly ([`conclave_bench::full_group_welcome`]) into such a group; every
//! implementation joins the same kind of Welcome.
//!
//! `--impl mls-rs-openssl` adds mls-rs 0.57 over its OpenSSL provider (mls-rs-crypto-openssl,
//! the system's OpenSSL 3); it needs `--features mls-rs-openssl`, which builds the OpenSSL
//! bindings (not built by default). The best peer is the best of every implementation
//! other than Conclave in `--impl`; the persisted-state target stays against "mls-rs".
//!
//! With `--shared-setup`, S2, S3s, S4s and S5s of one implementation and size share one
//! child and one S1 set-up (the peers' S1 takes minutes at N = 5000 and more): `reps`
//! members join, the last one then receives `reps` updates and `reps` removes.
//!
//! `--reps` (default 3) is the number of S1 groups built; `--op-reps` (default 9) the
//! number of single operations measured in S2–S5 (joins, updates, removes, each on the
//! same group), whose medians of a few milliseconds would otherwise be decided by one
//! scheduling hiccup, and of S6 runs of 2000 messages (a quarter of a second each);
//! `--full-reps` (default 101) the number of
//! updates and removes in the full tree (S3f–S5f), a millisecond or two each, where even nine
//! gave medians 25% apart from run to run on the 2-core machine. `--peer-max` (default 10,000) is the
//! largest size at which the peers run: above it only Conclave is measured (the peers' S1
//! grows as N² and takes hours at 50,000). The ratio-to-peer targets and the worst-ratio
//! line use the largest size at which a peer ran.
//!
//! Each scenario × implementation × size runs in a fresh child process (this binary
//! re-executed with the hidden `--child` flag), which reports the median over the reps and
//! its peak RSS (`VmHWM` of /proc/self/status). The floor of each scenario (its unavoidable
//! cryptographic operations, with Conclave's provider, both cores, batch verification) is
//! measured in the parent in the same run, as the median of three measurements.

#![forbid(unsafe_code)]

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use conclave_core::codec::decode_exact;
use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, HpkeInfo, SignatureCheck,
};
use conclave_core::wire::{MlsMessage, MlsMessageBody};
use conclave_peers::{
    CommitOutput, ConclaveFactory, GroupOptions, MlsRsFactory, OpenMlsFactory, PeerFactory,
    PeerMember,
};

const SUITE: u16 = 0x0001;
const IMPLS: [&str; 3] = ["conclave", "openmls", "mls-rs"];
const SCENARIOS: [&str; 9] = ["S1", "S2", "S3s", "S4s", "S5s", "S3f", "S4f", "S5f", "S6"];
/// Messages per S6 rep.
const S6_MESSAGES: usize = 2000;

type Member = Box<dyn PeerMember>;
/// One result row: scenario, N, ratio to the best peer, Conclave's value, floor, Conclave's
/// and mls-rs's persisted state per member.
type Row = (String, usize, f64, f64, f64, Option<usize>, Option<usize>);
type Res<T> = Result<T, String>;

fn factory(name: &str) -> Res<Box<dyn PeerFactory>> {
    match name {
        "conclave" => Ok(Box::new(ConclaveFactory)),
        "openmls" => Ok(Box::new(OpenMlsFactory)),
        "mls-rs" => Ok(Box::new(MlsRsFactory)),
        #[cfg(feature = "mls-rs-openssl")]
        "mls-rs-openssl" => Ok(Box::new(conclave_peers::MlsRsOpenSslFactory)),
        other => Err(format!("unknown implementation {other}")),
    }
}

fn e<E: std::fmt::Display>(x: E) -> String {
    x.to_string()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// What one child measured.
#[derive(Debug, Default, Clone)]
struct Measured {
    /// Median in ms (S6: messages per second).
    value: f64,
    rss_kib: u64,
    welcome: Option<usize>,
    commit: Option<usize>,
    state: Option<usize>,
}

/// A group of `n` members made by one commit of the creator; the first `joiners` added
/// members joined. Returns (creator, joined members, the commit output).
fn sparse_group(
    f: &dyn PeerFactory,
    n: usize,
    joiners: usize,
) -> Res<(Member, Vec<Member>, CommitOutput, Duration)> {
    let options = GroupOptions::default();
    let mut creator = f.new_member(SUITE, b"m0").map_err(e)?;
    creator.create_group(b"bench", &options).map_err(e)?;
    let mut waiting = Vec::new();
    let mut kps = Vec::with_capacity(n.saturating_sub(1));
    for i in 1..n {
        let mut m = f.new_member(SUITE, format!("m{i}").as_bytes()).map_err(e)?;
        kps.push(m.key_package().map_err(e)?);
        if i <= joiners {
            waiting.push(m);
        }
    }
    let start = Instant::now();
    let out = creator.add_members(&kps).map_err(e)?;
    let took = start.elapsed();
    Ok((creator, waiting, out, took))
}

/// Two members (leaves 0 and 1) of a group of `n` whose tree is full: both join a Welcome
/// built by [`conclave_bench::full_group_welcome`] (every other member a stand-in that has
/// committed once; leaves 0 and 1 just added). Returns (committer, receiver).
fn full_group(f: &dyn PeerFactory, n: usize) -> Res<(Member, Member)> {
    let options = GroupOptions::default();
    let mut a = f.new_member(SUITE, b"m0").map_err(e)?;
    let mut b = f.new_member(SUITE, b"m1").map_err(e)?;
    let mut kps = Vec::new();
    for m in [&mut a, &mut b] {
        let bytes = m.key_package().map_err(e)?;
        let message: MlsMessage = decode_exact(&bytes).map_err(e)?;
        let MlsMessageBody::KeyPackage(kp) = message.body else {
            return Err("not a KeyPackage".into());
        };
        kps.push(kp);
    }
    let cs = conclave_rustcrypto::RustCryptoProvider::new()
        .cipher_suite(CipherSuite(SUITE))
        .map_err(e)?;
    let members = u32::try_from(n).map_err(e)?;
    let welcome = conclave_bench::full_group_welcome(&cs, members, &kps, b"bench").map_err(e)?;
    a.join(&welcome, None, &options).map_err(e)?;
    b.join(&welcome, None, &options).map_err(e)?;
    Ok((a, b))
}

fn child(scenario: &str, implementation: &str, n: usize, reps: usize) -> Res<Measured> {
    let f = factory(implementation)?;
    let f = f.as_ref();
    let options = GroupOptions::default();
    let mut times = Vec::new();
    let mut m = Measured::default();
    match scenario {
        "S1" => {
            for _ in 0..reps {
                let (_, _, out, took) = sparse_group(f, n, 0)?;
                times.push(ms(took));
                m.welcome = out.welcome.as_ref().map(Vec::len);
                m.commit = Some(out.commit.len());
            }
        }
        "S2" => {
            let (_, joiners, out, _) = sparse_group(f, n, reps.min(n - 1))?;
            let welcome = out.welcome.ok_or("no Welcome")?;
            m.welcome = Some(welcome.len());
            for mut j in joiners {
                let start = Instant::now();
                j.join(&welcome, None, &options).map_err(e)?;
                times.push(ms(start.elapsed()));
                m.state = j.persisted_size().ok();
            }
        }
        "S3s" | "S4s" | "S5s" | "S3f" | "S4f" | "S5f" => {
            let (mut creator, mut receiver) = if scenario.ends_with('f') {
                full_group(f, n)?
            } else {
                let (creator, mut joiners, out, _) = sparse_group(f, n, 1)?;
                let welcome = out.welcome.ok_or("no Welcome")?;
                let mut receiver = joiners.pop().ok_or("no joiner")?;
                receiver.join(&welcome, None, &options).map_err(e)?;
                (creator, receiver)
            };
            for r in 0..reps.min(n - 2) {
                let start = Instant::now();
                let out = if scenario.starts_with("S5") {
                    // A member from the end of the tree: in the sparse tree one that never
                    // joined, in the full tree a stand-in.
                    let leaf = u32::try_from(n - 1 - r).map_err(e)?;
                    creator.remove(leaf).map_err(e)?
                } else {
                    creator.update().map_err(e)?
                };
                let t3 = start.elapsed();
                let start = Instant::now();
                receiver.process(&out.commit).map_err(e)?;
                let t4 = start.elapsed();
                times.push(ms(if scenario.starts_with("S4") { t4 } else { t3 }));
                m.commit = Some(out.commit.len());
            }
        }
        "S6" => {
            // Two members of a group of n exchange messages.
            let (mut a, mut bs, out, _) = sparse_group(f, n, 1)?;
            let mut b = bs.pop().ok_or("no joiner")?;
            b.join(&out.welcome.ok_or("no Welcome")?, None, &options)
                .map_err(e)?;
            let payload = vec![0x42u8; 1024];
            for _ in 0..reps {
                let start = Instant::now();
                for i in 0..S6_MESSAGES {
                    let (s, r) = if i % 2 == 0 {
                        (&mut a, &mut b)
                    } else {
                        (&mut b, &mut a)
                    };
                    let ct = s.protect(&payload).map_err(e)?;
                    r.process(&ct).map_err(e)?;
                }
                let secs = start.elapsed().as_secs_f64();
                times.push(S6_MESSAGES as f64 / secs);
            }
        }
        other => return Err(format!("scenario {other} is not measured")),
    }
    m.value = median(times);
    m.rss_kib = peak_rss_kib();
    Ok(m)
}

/// S2, S3s, S4s and S5s from one group made by one S1 commit (`--shared-setup`): `reps`
/// members join (S2), the last of them then receives `reps` updates (S3s, S4s) and `reps`
/// removes (S5s). One S1 set-up instead of four, for the peers whose S1 takes minutes at
/// N = 5000 and more; the peak RSS is the child's, the same for the four.
fn sparse_shared(
    implementation: &str,
    n: usize,
    reps: usize,
) -> Res<Vec<(&'static str, Measured)>> {
    let f = factory(implementation)?;
    let f = f.as_ref();
    let options = GroupOptions::default();
    let joining = reps.min(n - 2);
    let (mut creator, joiners, out, _) = sparse_group(f, n, joining)?;
    let welcome = out.welcome.ok_or("no Welcome")?;
    let mut s2 = Measured {
        welcome: Some(welcome.len()),
        ..Measured::default()
    };
    let mut times = Vec::new();
    let mut receiver = None;
    for mut j in joiners {
        let start = Instant::now();
        j.join(&welcome, None, &options).map_err(e)?;
        times.push(ms(start.elapsed()));
        s2.state = j.persisted_size().ok();
        receiver = Some(j);
    }
    s2.value = median(times);
    let mut receiver = receiver.ok_or("no joiner")?;
    let (mut t3, mut t4, mut t5) = (Vec::new(), Vec::new(), Vec::new());
    let (mut c3, mut c5) = (None, None);
    for _ in 0..reps {
        let start = Instant::now();
        let out = creator.update().map_err(e)?;
        t3.push(ms(start.elapsed()));
        let start = Instant::now();
        receiver.process(&out.commit).map_err(e)?;
        t4.push(ms(start.elapsed()));
        c3 = Some(out.commit.len());
    }
    // Members that never joined, from the end of the tree.
    for r in 0..reps.min(n - 1 - joining) {
        let leaf = u32::try_from(n - 1 - r).map_err(e)?;
        let start = Instant::now();
        let out = creator.remove(leaf).map_err(e)?;
        t5.push(ms(start.elapsed()));
        receiver.process(&out.commit).map_err(e)?;
        c5 = Some(out.commit.len());
    }
    let rss_kib = peak_rss_kib();
    s2.rss_kib = rss_kib;
    let with = |value: f64, commit: Option<usize>| Measured {
        value,
        rss_kib,
        commit,
        ..Measured::default()
    };
    Ok(vec![
        ("S2", s2),
        ("S3s", with(median(t3), c3)),
        ("S4s", with(median(t4), c3)),
        ("S5s", with(median(t5), c5)),
    ])
}

fn opt(v: Option<usize>) -> String {
    v.map_or("na".into(), |x| x.to_string())
}

fn parse_opt(s: &str) -> Option<usize> {
    s.parse().ok()
}

fn run_child(scenario: &str, implementation: &str, n: usize, reps: usize) -> Res<Measured> {
    run_child_all(scenario, implementation, n, reps)?
        .into_iter()
        .next()
        .map(|(_, m)| m)
        .ok_or_else(|| "no result".to_string())
}

/// Runs one child and returns every `RESULT [scenario] ...` line it printed.
fn run_child_all(
    scenario: &str,
    implementation: &str,
    n: usize,
    reps: usize,
) -> Res<Vec<(String, Measured)>> {
    let exe = std::env::current_exe().map_err(e)?;
    let output = Command::new(exe)
        .args([
            "--child",
            scenario,
            implementation,
            &n.to_string(),
            &reps.to_string(),
        ])
        .output()
        .map_err(e)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut results = Vec::new();
    for line in stdout.lines().filter(|l| l.starts_with("RESULT ")) {
        let mut fields: Vec<&str> = line.split_whitespace().skip(1).collect();
        let name = if fields.len() == 6 {
            fields.remove(0).to_string()
        } else {
            scenario.to_string()
        };
        if fields.len() != 5 {
            return Err(format!("bad child line {line}"));
        }
        results.push((
            name,
            Measured {
                value: fields[0].parse().map_err(e)?,
                rss_kib: fields[1].parse().map_err(e)?,
                welcome: parse_opt(fields[2]),
                commit: parse_opt(fields[3]),
                state: parse_opt(fields[4]),
            },
        ));
    }
    if results.is_empty() {
        return Err(format!(
            "child failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(results)
}

/// Runs `f` over `0..count` on both cores.
fn on_both_cores<F: Fn(usize) + Sync>(count: usize, f: F) {
    let half = count / 2;
    std::thread::scope(|s| {
        s.spawn(|| (0..half).for_each(&f));
        (half..count).for_each(&f);
    });
}

/// The floor of each scenario at size `n`, median of three measurements.
fn floor(
    scenario: &str,
    n: usize,
    commit_len: usize,
    cs: &Arc<dyn CipherSuiteProvider>,
) -> Res<f64> {
    let runs = (0..3)
        .map(|_| floor_once(scenario, n, commit_len, cs))
        .collect::<Res<Vec<f64>>>()?;
    Ok(median(runs))
}

/// One measurement of the floor of `scenario` at size `n`, in ms (S6: messages per second),
/// with Conclave's provider: the cryptographic operations the scenario cannot avoid.
/// `commit_len` is the size of the measured commit (S4: every byte of it is signed, MACed
/// and hashed into the transcript).
fn floor_once(
    scenario: &str,
    n: usize,
    commit_len: usize,
    cs: &Arc<dyn CipherSuiteProvider>,
) -> Res<f64> {
    let c = cs.as_ref();
    let (sk, pk) = c.kem_generate().map_err(e)?;
    let (ssk, spk) = c.signature_generate().map_err(e)?;
    let message = vec![7u8; 300];
    let signature = c.sign(ssk.as_bytes(), &message).map_err(e)?;
    let depth = usize::BITS - n.max(1).leading_zeros();
    let info = HpkeInfo::new(c, &vec![1u8; 300 * n]).map_err(e)?;
    // N signature verifications through verify_batch, split over both cores.
    let verify = |count: usize| -> Res<()> {
        let checks: Vec<SignatureCheck<'_>> = (0..count)
            .map(|_| SignatureCheck {
                public_key: &spk,
                message: &message,
                signature: &signature,
            })
            .collect();
        let (a, b) = checks.split_at(count / 2);
        std::thread::scope(|s| {
            let h = s.spawn(|| c.verify_batch(a));
            let r = c.verify_batch(b);
            h.join().map_err(|_| "thread".to_string())?.map_err(e)?;
            r.map_err(e)
        })
    };
    let seals = |count: usize| {
        on_both_cores(count, |_| {
            let _ = info.seal(c, &pk, b"", &[0u8; 100]);
        })
    };
    let start = Instant::now();
    match scenario {
        // N-1 GroupSecrets seals, the KeyPackage and leaf signatures of N-1 Adds, and the
        // commit and GroupInfo signatures; the GroupInfo (≈ the tree) hashed once.
        "S1" => {
            seals(n - 1);
            verify(2 * (n - 1))?;
            let _ = c.hash(&vec![1u8; 300 * n]);
            for _ in 0..2 {
                c.sign(ssk.as_bytes(), &message).map_err(e)?;
            }
        }
        // One HPKE open, the key schedule, the GroupInfo decryption and N leaf signatures,
        // the GroupInfo signature, and the tree hash over N leaves.
        "S2" => {
            let (enc, ct) = info.seal(c, &pk, b"", &[0u8; 100]).map_err(e)?;
            info.open(c, &enc, sk.as_bytes(), &pk, b"", &ct)
                .map_err(e)?;
            for _ in 0..12 {
                c.kdf_expand(&[3u8; 32], b"key schedule", 32).map_err(e)?;
            }
            let _ = c.hash(&vec![1u8; 300 * n]);
            verify(n + 1)?;
            for _ in 0..(2 * n) {
                let _ = c.hash(&message[..100]);
            }
        }
        // One encryption per resolution node of the copath: N-1 in the sparse tree; path
        // key derivations; one signature.
        "S3s" | "S5s" => {
            seals(n.saturating_sub(2).max(1));
            for _ in 0..depth {
                c.kem_derive_key_pair(&[5u8; 32]).map_err(e)?;
            }
            c.sign(ssk.as_bytes(), &message).map_err(e)?;
        }
        // In the full tree: one encryption per copath node (at least the depth; a remove
        // adds the resolution of the blanked path), path key derivations, one signature.
        "S3f" | "S5f" => {
            for _ in 0..depth {
                let _ = info.seal(c, &pk, b"", &[0u8; 100]);
                c.kem_derive_key_pair(&[5u8; 32]).map_err(e)?;
            }
            c.sign(ssk.as_bytes(), &message).map_err(e)?;
        }
        // One HPKE open, the path key derivations, and over the whole commit (PublicMessage,
        // §6.2, §8.2): one signature verification, the membership tag (an HMAC, counted as a
        // hash) and the confirmed transcript hash.
        "S4s" | "S4f" => {
            let (enc, ct) = info.seal(c, &pk, b"", &[0u8; 100]).map_err(e)?;
            let content = vec![9u8; commit_len];
            let content_signature = c.sign(ssk.as_bytes(), &content).map_err(e)?;
            let start_inner = Instant::now();
            info.open(c, &enc, sk.as_bytes(), &pk, b"", &ct)
                .map_err(e)?;
            for _ in 0..depth {
                c.kem_derive_key_pair(&[5u8; 32]).map_err(e)?;
            }
            c.verify(&spk, &content, &content_signature).map_err(e)?;
            for _ in 0..2 {
                let _ = c.hash(&content);
            }
            return Ok(ms(start_inner.elapsed()));
        }
        // Per message: sign and verify, content and sender-data AEAD both ways.
        "S6" => {
            let payload = vec![0u8; 1024];
            let key = [1u8; 16];
            let nonce = [2u8; 12];
            let count = 500;
            // The member's key is decoded once, as its SignatureKeyPair does.
            let signing_key = c
                .prepare_signing_key(ssk.as_bytes())
                .map_err(e)?
                .ok_or("the provider has no prepared signing keys")?;
            for _ in 0..count {
                let sig = signing_key.sign(&payload).map_err(e)?;
                c.verify(&spk, &payload, &sig).map_err(e)?;
                let ct = c.aead_seal(&key, &nonce, b"", &payload).map_err(e)?;
                c.aead_open(&key, &nonce, b"", &ct).map_err(e)?;
                let sd = c.aead_seal(&key, &nonce, b"", &[0u8; 12]).map_err(e)?;
                c.aead_open(&key, &nonce, b"", &sd).map_err(e)?;
            }
            return Ok(count as f64 / start.elapsed().as_secs_f64());
        }
        _ => return Ok(f64::NAN),
    }
    Ok(ms(start.elapsed()))
}

struct Args {
    sizes: Vec<usize>,
    impls: Vec<String>,
    scenarios: Vec<String>,
    /// S1 groups built.
    reps: usize,
    /// Single operations measured in S2–S5 sparse; S6 runs.
    op_reps: usize,
    /// Single operations measured in S3f–S5f.
    full_reps: usize,
    /// The largest size at which the peers run.
    peer_max: usize,
    /// S2–S5 sparse from one S1 set-up per implementation and size.
    shared_setup: bool,
}

impl Args {
    /// The repetitions of `scenario`: `reps` for S1, `full_reps` in the full
    /// tree, `op_reps` for the others.
    fn reps_of(&self, scenario: &str) -> usize {
        match scenario {
            "S1" => self.reps,
            "S3f" | "S4f" | "S5f" => self.full_reps,
            _ => self.op_reps,
        }
    }
}

fn list(v: &str) -> Vec<String> {
    v.split(',').map(|s| s.trim().to_string()).collect()
}

fn parse_args(args: &[String]) -> Res<Args> {
    let mut a = Args {
        sizes: vec![10, 100, 1000],
        impls: IMPLS.iter().map(|s| s.to_string()).collect(),
        scenarios: SCENARIOS.iter().map(|s| s.to_string()).collect(),
        reps: 3,
        op_reps: 9,
        full_reps: 101,
        peer_max: 10_000,
        shared_setup: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--shared-setup" {
            a.shared_setup = true;
            continue;
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--sizes" => {
                a.sizes = list(value)
                    .iter()
                    .map(|s| s.parse::<usize>().map_err(e))
                    .collect::<Res<_>>()?;
                if a.sizes.iter().any(|n| *n < 2) {
                    return Err("sizes must be at least 2".into());
                }
            }
            "--impl" => a.impls = list(value),
            "--scenario" => a.scenarios = list(value),
            "--reps" => a.reps = value.parse().map_err(e)?,
            "--op-reps" => a.op_reps = value.parse().map_err(e)?,
            "--full-reps" => a.full_reps = value.parse().map_err(e)?,
            "--peer-max" => a.peer_max = value.parse().map_err(e)?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    a.reps = a.reps.max(1);
    a.op_reps = a.op_reps.max(1);
    a.full_reps = a.full_reps.max(1);
    Ok(a)
}

fn fmt_value(scenario: &str, v: f64) -> String {
    if v.is_nan() {
        "n/a".into()
    } else if scenario == "S6" {
        format!("{v:.0} msg/s")
    } else if v >= 100.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.2} ms")
    }
}

fn fmt_size(v: Option<usize>) -> String {
    v.map_or("n/a".into(), |b| {
        if b >= 1 << 20 {
            format!("{:.2} MiB", b as f64 / (1u64 << 20) as f64)
        } else if b >= 1024 {
            format!("{:.1} KiB", b as f64 / 1024.0)
        } else {
            format!("{b} B")
        }
    })
}

/// Conclave's ratio to the best peer: time ratio (S6: inverse throughput ratio), < 1 is better.
fn ratio(scenario: &str, conclave: f64, best_peer: f64) -> f64 {
    if scenario == "S6" {
        best_peer / conclave
    } else {
        conclave / best_peer
    }
}

fn parent(a: Args) -> Res<()> {
    let cs = conclave_rustcrypto::RustCryptoProvider::new()
        .cipher_suite(CipherSuite(SUITE))
        .map_err(e)?;
    let has_peers = a.impls.iter().any(|i| i != "conclave");
    // The largest size at which a peer ran (all sizes when Conclave runs alone).
    let largest = a
        .sizes
        .iter()
        .copied()
        .filter(|&n| !has_peers || n <= a.peer_max)
        .max()
        .unwrap_or(0);
    println!(
        "| scenario | N | {} | conclave / best peer | floor | Welcome | commit | state per member | peak RSS (MiB) |",
        a.impls.join(" | ")
    );
    println!(
        "|---|---:|{}---:|---:|---:|---:|---:|---|",
        "---:|".repeat(a.impls.len())
    );
    let mut results: Vec<Row> = Vec::new();
    type Shared = Res<Vec<(String, Measured)>>;
    let mut cache: std::collections::HashMap<(String, usize), Shared> = Default::default();
    for scenario in &a.scenarios {
        for &n in &a.sizes {
            if scenario == "S6" && n != a.sizes[0] {
                continue;
            }
            let mut row: Vec<(String, Res<Measured>)> = Vec::new();
            for implementation in &a.impls {
                if implementation != "conclave" && n > a.peer_max {
                    row.push((implementation.clone(), Err("above --peer-max".into())));
                    continue;
                }
                let shared =
                    a.shared_setup && ["S2", "S3s", "S4s", "S5s"].contains(&scenario.as_str());
                let r = if shared {
                    let key = (implementation.clone(), n);
                    let all = cache
                        .entry(key)
                        .or_insert_with(|| run_child_all("sparse", implementation, n, a.op_reps));
                    match all {
                        Ok(v) => v
                            .iter()
                            .find(|(s, _)| s == scenario)
                            .map(|(_, m)| m.clone())
                            .ok_or_else(|| format!("{scenario} missing")),
                        Err(err) => Err(err.clone()),
                    }
                } else {
                    run_child(scenario, implementation, n, a.reps_of(scenario))
                };
                if let Err(err) = &r {
                    eprintln!("{scenario} {implementation} N={n}: {err}");
                }
                row.push((implementation.clone(), r));
            }
            let value = |name: &str| -> f64 {
                row.iter()
                    .find(|(i, _)| i == name)
                    .and_then(|(_, r)| r.as_ref().ok())
                    .map_or(f64::NAN, |m| m.value)
            };
            let conclave = value("conclave");
            let peers: Vec<f64> = a
                .impls
                .iter()
                .filter(|i| *i != "conclave")
                .map(|p| value(p))
                .filter(|v| !v.is_nan())
                .collect();
            let best = if scenario == "S6" {
                peers.iter().copied().fold(f64::NAN, f64::max)
            } else {
                peers.iter().copied().fold(f64::NAN, f64::min)
            };
            let r = ratio(scenario, conclave, best);
            let get = |name: &str, pick: fn(&Measured) -> Option<usize>| {
                row.iter()
                    .find(|(i, _)| i == name)
                    .and_then(|(_, r)| r.as_ref().ok())
                    .and_then(pick)
            };
            let commit_len = a
                .impls
                .iter()
                .find_map(|i| get(i, |m| m.commit))
                .unwrap_or(0);
            let fl = floor(scenario, n, commit_len, &cs)?;
            let sizes_of = |pick: fn(&Measured) -> Option<usize>| -> String {
                a.impls
                    .iter()
                    .map(|i| fmt_size(get(i, pick)))
                    .collect::<Vec<_>>()
                    .join(" / ")
            };
            let rss = a
                .impls
                .iter()
                .map(|i| {
                    row.iter()
                        .find(|(x, _)| x == i)
                        .and_then(|(_, r)| r.as_ref().ok())
                        .map_or("n/a".into(), |m| {
                            format!("{:.0}", m.rss_kib as f64 / 1024.0)
                        })
                })
                .collect::<Vec<_>>()
                .join(" / ");
            let cells: Vec<String> = a
                .impls
                .iter()
                .map(|i| fmt_value(scenario, value(i)))
                .collect();
            println!(
                "| {scenario} | {n} | {} | {} | {} | {} | {} | {} | {rss} |",
                cells.join(" | "),
                if r.is_nan() {
                    "n/a".into()
                } else {
                    format!("{r:.2}x")
                },
                fmt_value(scenario, fl),
                sizes_of(|m| m.welcome),
                sizes_of(|m| m.commit),
                sizes_of(|m| m.state),
            );
            results.push((
                scenario.clone(),
                n,
                r,
                conclave,
                fl,
                get("conclave", |m| m.state),
                get("mls-rs", |m| m.state),
            ));
        }
    }
    println!();
    println!(
        "(sizes: {}; peak RSS per child process; S6 at N = {} only; peers up to N = {}; ratios < 1 mean Conclave is faster)",
        a.impls.join(" / "),
        a.sizes[0],
        a.peer_max
    );
    // The worst ratio at the largest size.
    let worst = results
        .iter()
        .filter(|r| r.1 == largest && !r.2.is_nan())
        .max_by(|x, y| x.2.total_cmp(&y.2));
    let find = |s: &str, n: usize| results.iter().find(|r| r.0 == s && r.1 == n);
    // Targets of issue 9, checked at the sizes measured; unmeasured ones count as missed.
    let mut met = 0;
    let mut missed: Vec<String> = Vec::new();
    let mut check = |name: String, ok: Option<bool>| match ok {
        Some(true) => met += 1,
        Some(false) => missed.push(name),
        None => missed.push(format!("{name} (not measured)")),
    };
    for n in [5000usize, 10000] {
        for s in ["S1", "S2"] {
            check(
                format!("{s} <= 0.5x best peer at N={n}"),
                find(s, n).filter(|r| !r.2.is_nan()).map(|r| r.2 <= 0.5),
            );
            check(
                format!("{s} <= 1.5x floor at N={n}"),
                find(s, n)
                    .filter(|r| !r.3.is_nan())
                    .map(|r| r.3 <= 1.5 * r.4),
            );
        }
    }
    let at = |s: &str| find(s, largest).filter(|r| !r.2.is_nan()).map(|r| r.2);
    check(
        format!("S3 sparse <= 0.7x at N={largest}"),
        at("S3s").map(|r| r <= 0.7),
    );
    check(
        format!("S5 sparse <= 0.7x at N={largest}"),
        at("S5s").map(|r| r <= 0.7),
    );
    check(
        format!("S3 full <= 0.3x at N={largest}"),
        at("S3f").map(|r| r <= 0.3),
    );
    check(
        format!("S5 full <= 0.3x at N={largest}"),
        at("S5f").map(|r| r <= 0.3),
    );
    // Conclave's own time at `n` (ms), when measured.
    let own = |s: &str, n: usize| find(s, n).map(|r| r.3).filter(|v| !v.is_nan());
    for s in ["S3f", "S5f"] {
        let growth = own(s, 10000).zip(own(s, 1000)).map(|(b, a)| b / a);
        check(
            format!(
                "{s} growth 1000->10000 <= 1.5x{}",
                growth.map_or(String::new(), |g| format!(" (was {g:.2}x)"))
            ),
            growth.map(|g| g <= 1.5),
        );
    }
    for s in ["S4s", "S4f"] {
        check(
            format!("{s} <= 0.2x best peer at N=5000"),
            find(s, 5000).filter(|r| !r.2.is_nan()).map(|r| r.2 <= 0.2),
        );
    }
    check(
        "S4 full < 1 ms at N=10000".into(),
        own("S4f", 10000).map(|v| v < 1.0),
    );
    check(
        "S6 >= 1.5x best peer throughput".into(),
        results
            .iter()
            .find(|r| r.0 == "S6" && !r.2.is_nan())
            .map(|r| r.2 <= 1.0 / 1.5),
    );
    check(
        "state per member <= 0.8x mls-rs at N=5000".into(),
        find("S2", 5000).and_then(|r| Some(r.5? as f64 <= 0.8 * r.6? as f64)),
    );
    check(
        "Conclave S2 < 1.5 s at N=50000".into(),
        own("S2", 50000).map(|v| v < 1500.0),
    );
    check(
        "Conclave S4 full < 2 ms at N=50000".into(),
        own("S4f", 50000).map(|v| v < 2.0),
    );
    let total = met + missed.len();
    match worst {
        Some(w) => println!(
            "worst ratio to the best peer at N={largest}: {:.2}x ({})",
            w.2, w.0
        ),
        None => println!("worst ratio to the best peer at N={largest}: n/a"),
    }
    println!(
        "targets: {met} of {total} met (missed: {})",
        if missed.is_empty() {
            "none".to_string()
        } else {
            missed.join("; ")
        }
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("--child") {
        let get = |i: usize| args.get(i).cloned().unwrap_or_default();
        let n = get(3).parse().unwrap_or(0);
        let reps = get(4).parse().unwrap_or(1);
        if get(1) == "sparse" {
            sparse_shared(&get(2), n, reps).map(|all| {
                for (s, m) in all {
                    println!(
                        "RESULT {s} {} {} {} {} {}",
                        m.value,
                        m.rss_kib,
                        opt(m.welcome),
                        opt(m.commit),
                        opt(m.state)
                    );
                }
            })
        } else {
            child(&get(1), &get(2), n, reps).map(|m| {
                println!(
                    "RESULT {} {} {} {} {}",
                    m.value,
                    m.rss_kib,
                    opt(m.welcome),
                    opt(m.commit),
                    opt(m.state)
                );
            })
        }
    } else {
        parse_args(&args).and_then(parent)
    };
    if let Err(err) = result {
        eprintln!("compare: {err}");
        std::process::exit(1);
    }
}
