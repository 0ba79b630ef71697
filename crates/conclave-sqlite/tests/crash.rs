//! Crash safety: a child process (this test binary, re-run in child mode)
//! loops over commits and messages between two clients on two SQLite
//! stores; the parent kills it at a random moment, hundreds of times
//! (bounded to about a minute), then reopens both stores and checks that
//! the group is at a consistent epoch, that no key was reused (a fresh
//! message decrypts, which it would not if a generation had been sent
//! twice) and that the group continues.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use conclave::{Client, Incoming};
use conclave_core::crypto::CipherSuite;
use conclave_core::wire::Credential;
use conclave_rustcrypto::RustCryptoProvider;
use conclave_sqlite::SqliteStore;

const G: &[u8] = b"crash group";
const CHILD_ENV: &str = "CONCLAVE_CRASH_CHILD_DIR";

fn open(dir: &Path, name: &str) -> Client<SqliteStore> {
    let store = SqliteStore::open(dir.join(format!("{name}.db"))).unwrap();
    Client::open(store, &RustCryptoProvider::new()).unwrap()
}

/// The child's endless work: alice commits (pending written), reads a
/// message bob sent before seeing the commit (the pending state rewritten
/// too), bob processes the commit, alice merges; each sends the other a
/// message.
fn child(dir: &Path) -> ! {
    let mut alice = open(dir, "alice");
    let mut bob = open(dir, "bob");
    loop {
        let out = alice.update(G).unwrap();
        let m = bob.send(G, b"in flight").unwrap();
        alice.receive(&m).unwrap();
        bob.receive(&out.message).unwrap();
        alice.merge_pending_commit(G).unwrap();
        let m = alice.send(G, b"ping").unwrap();
        bob.receive(&m).unwrap();
        let m = bob.send(G, b"pong").unwrap();
        alice.receive(&m).unwrap();
    }
}

/// What a delivery service would decide after the crash: alice's pending
/// commit was accepted if bob has it, refused otherwise.
fn recover_and_check(dir: &Path, round: usize) {
    let mut alice = open(dir, "alice");
    let mut bob = open(dir, "bob");
    let (ea, eb) = (
        alice.group(G).unwrap().epoch(),
        bob.group(G).unwrap().epoch(),
    );
    if alice.has_pending_commit(G).unwrap() {
        if eb == ea + 1 {
            alice.merge_pending_commit(G).unwrap();
        } else {
            assert_eq!(ea, eb, "round {round}");
            alice.discard_pending_commit(G).unwrap();
        }
    } else {
        assert_eq!(ea, eb, "round {round}");
    }
    let (a, b) = (alice.group(G).unwrap(), bob.group(G).unwrap());
    assert_eq!(a.epoch(), b.epoch(), "round {round}");
    assert_eq!(
        a.epoch_authenticator(),
        b.epoch_authenticator(),
        "round {round}"
    );
    // Fresh messages both ways decrypt: no generation was used twice.
    let m = alice.send(G, b"after crash").unwrap();
    assert!(
        matches!(bob.receive(&m).unwrap(), Incoming::Application { .. }),
        "round {round}"
    );
    let m = bob.send(G, b"after crash").unwrap();
    assert!(
        matches!(alice.receive(&m).unwrap(), Incoming::Application { .. }),
        "round {round}"
    );
}

#[test]
fn killed_at_random_points_the_stores_stay_consistent() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&dir));
    }
    let dir = tempfile::tempdir().unwrap();
    let provider = RustCryptoProvider::new();
    let suite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;
    {
        let mk = |n: &str| SqliteStore::open(dir.path().join(format!("{n}.db"))).unwrap();
        let mut alice =
            Client::create(mk("alice"), &provider, suite, Credential::basic("alice")).unwrap();
        let mut bob =
            Client::create(mk("bob"), &provider, suite, Credential::basic("bob")).unwrap();
        alice.create_group(G).unwrap();
        let kp = bob.generate_key_package(false).unwrap();
        let out = alice.add_members(G, vec![kp]).unwrap();
        alice.merge_pending_commit(G).unwrap();
        bob.join(out.welcome.as_ref().unwrap()).unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let start = Instant::now();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15 ^ u64::from(std::process::id());
    let mut rounds = 0;
    while rounds < 300 && start.elapsed() < Duration::from_secs(60) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_micros(5_000 + seed % 60_000);
        let mut c = Command::new(&exe)
            .args([
                "--exact",
                "killed_at_random_points_the_stores_stay_consistent",
                "--nocapture",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        c.kill().unwrap();
        c.wait().unwrap();
        recover_and_check(dir.path(), rounds);
        rounds += 1;
    }
    assert!(rounds >= 50, "only {rounds} rounds in a minute");
    let epoch = open(dir.path(), "alice").group(G).unwrap().epoch();
    eprintln!("{rounds} kills survived; the group reached epoch {epoch}");
    assert!(epoch > 1, "the child never got to commit");
}
