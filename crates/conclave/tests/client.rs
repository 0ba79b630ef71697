//! The client over the in-memory store: identities reopen, KeyPackages are
//! consumed by joining (a last-resort one is kept), messages and commits
//! flow between three clients, our pending commit is merged on its echo or
//! discarded when another commit wins, and a commit writes a batch that
//! does not grow with the group. `receive_bytes` processes messages as
//! received as `receive` does, refuses one longer than the configured
//! `max_message_size` before decoding it and bytes that do not decode, and
//! neither refusal consumes anything.

use conclave::{Client, ClientError, Incoming, MemoryStore, Store};
use conclave_core::codec::encode;
use conclave_core::crypto::CipherSuite;
use conclave_core::group::GroupConfig;
use conclave_core::wire::Credential;
use conclave_core::{Error, ProtocolError};
use conclave_rustcrypto::RustCryptoProvider;

const SUITE: CipherSuite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;
const G: &[u8] = b"group";

fn client(name: &str) -> Client<MemoryStore> {
    Client::create(
        MemoryStore::new(),
        &RustCryptoProvider::new(),
        SUITE,
        Credential::basic(name),
    )
    .unwrap()
}

fn reopen(c: Client<MemoryStore>) -> Client<MemoryStore> {
    let store = c.store().clone();
    Client::open(store, &RustCryptoProvider::new()).unwrap()
}

#[test]
fn three_clients_exchange_and_survive_reopening() {
    let mut alice = client("alice");
    let mut bob = client("bob");
    let mut carol = client("carol");
    alice.create_group(G).unwrap();
    let kb = bob.generate_key_package(false).unwrap();
    let kc = carol.generate_key_package(true).unwrap();
    assert_eq!(bob.key_package_count().unwrap(), 1);
    let out = alice.add_members(G, vec![kb, kc]).unwrap();
    // The echo of our own commit merges the pending state.
    assert!(matches!(
        alice.receive(&out.message).unwrap(),
        Incoming::OwnCommit { epoch: 1, .. }
    ));
    assert!(!alice.has_pending_commit(G).unwrap());
    let w = out.welcome.unwrap();
    assert_eq!(bob.join(&w).unwrap(), G);
    assert_eq!(carol.join(&w).unwrap(), G);
    assert_eq!(
        bob.key_package_count().unwrap(),
        0,
        "used KeyPackage deleted"
    );
    assert_eq!(carol.key_package_count().unwrap(), 1, "last resort kept");

    let mut alice = reopen(alice);
    let mut bob = reopen(bob);
    assert_eq!(bob.groups().unwrap(), vec![G.to_vec()]);
    let m = alice.send(G, b"one").unwrap();
    for c in [&mut bob, &mut carol] {
        match c.receive(&m).unwrap() {
            Incoming::Application { data, sender, .. } => {
                assert_eq!(data, b"one");
                assert_eq!(sender, 0);
            }
            other => panic!("{other:?}"),
        }
        // Received once: the key is gone from the store too.
        assert!(c.receive(&m).is_err());
    }

    // Bob updates; alice commits concurrently and loses: her pending
    // commit is dropped when bob's commit arrives.
    let lost = alice.update(G).unwrap();
    let won = bob.update(G).unwrap();
    bob.merge_pending_commit(G).unwrap();
    for c in [&mut alice, &mut carol] {
        assert!(matches!(
            c.receive(&won.message).unwrap(),
            Incoming::Commit { epoch: 2, .. }
        ));
    }
    assert!(!alice.has_pending_commit(G).unwrap());
    assert!(carol.receive(&lost.message).is_err());

    // Carol removes bob.
    let out = carol.remove_members(G, &[1]).unwrap();
    carol.merge_pending_commit(G).unwrap();
    assert!(matches!(
        alice.receive(&out.message).unwrap(),
        Incoming::Commit { epoch: 3, .. }
    ));
    match bob.receive(&out.message).unwrap() {
        Incoming::Commit { self_removed, .. } => assert!(self_removed),
        other => panic!("{other:?}"),
    }
    let a = alice.group(G).unwrap();
    let c = carol.group(G).unwrap();
    assert_eq!(a.epoch_authenticator(), c.epoch_authenticator());
    assert_eq!(a.members().count(), 2);
}

/// One real member and `n - 1` KeyPackages added in one commit; returns the
/// bytes written by an update commit (pending state), by its merge, the
/// whole store, and the commit message's size.
fn update_commit_bytes(n: usize) -> (u64, u64, u64, u64) {
    let mut alice = client("alice");
    alice.create_group(G).unwrap();
    // Each KeyPackage from its own identity (their stores are dropped).
    let kps = (1..n)
        .map(|i| {
            client(&format!("m{i}"))
                .generate_key_package(false)
                .unwrap()
        })
        .collect();
    alice.add_members(G, kps).unwrap();
    alice.merge_pending_commit(G).unwrap();
    let whole: u64 = alice
        .store()
        .scan(b"")
        .unwrap()
        .iter()
        .map(|(k, v)| (k.len() + v.len()) as u64)
        .sum();
    let out = alice.update(G).unwrap();
    let commit = alice.store().last_batch_bytes;
    assert_eq!(commit, out.bytes_written as u64);
    alice.merge_pending_commit(G).unwrap();
    let message = conclave_core::codec::encode(&out.message).unwrap().len() as u64;
    (commit, alice.store().last_batch_bytes, whole, message)
}

#[test]
fn an_update_commit_writes_little_of_a_large_group() {
    // The commit batch keeps only a hash of our commit (to recognise its
    // echo), not the message, whose UpdatePath is encrypted to every leaf of
    // this never-updated tree: both batches are small next to the whole
    // state, and the commit batch is smaller than the message it produced.
    let (commit, merge, whole, message) = update_commit_bytes(64);
    assert!(merge < whole / 4, "{merge} vs {whole}");
    assert!(commit < whole / 4, "{commit} vs {whole}");
    assert!(commit < message, "{commit} vs {message}");
}

/// Alice and bob in one group, alice's add already merged through
/// `receive_bytes` of its echo.
fn pair() -> (Client<MemoryStore>, Client<MemoryStore>) {
    let mut alice = client("alice");
    let mut bob = client("bob");
    alice.create_group(G).unwrap();
    let kb = bob.generate_key_package(false).unwrap();
    let out = alice.add_members(G, vec![kb]).unwrap();
    assert!(matches!(
        alice.receive_bytes(&encode(&out.message).unwrap()).unwrap(),
        Incoming::OwnCommit { epoch: 1, .. }
    ));
    assert!(!alice.has_pending_commit(G).unwrap());
    bob.join(&out.welcome.unwrap()).unwrap();
    (alice, bob)
}

#[test]
fn messages_as_received_are_processed_as_receive_does() {
    let (mut alice, mut bob) = pair();
    let m = encode(&alice.send(G, b"hello").unwrap()).unwrap();
    match bob.receive_bytes(&m).unwrap() {
        Incoming::Application { data, sender, .. } => {
            assert_eq!(data, b"hello");
            assert_eq!(sender, 0);
        }
        other => panic!("{other:?}"),
    }
    // Its key is used up.
    assert!(bob.receive_bytes(&m).is_err());

    let out = bob.update(G).unwrap();
    let commit = encode(&out.message).unwrap();
    assert!(matches!(
        alice.receive_bytes(&commit).unwrap(),
        Incoming::Commit { epoch: 2, .. }
    ));
    assert!(matches!(
        bob.receive_bytes(&commit).unwrap(),
        Incoming::OwnCommit { epoch: 2, .. }
    ));
    assert_eq!(
        alice.group(G).unwrap().epoch_authenticator(),
        bob.group(G).unwrap().epoch_authenticator()
    );
}

#[test]
fn a_message_longer_than_the_limit_is_refused_before_decoding_and_not_consumed() {
    let (mut alice, mut bob) = pair();
    let m = encode(&alice.send(G, &[7u8; 2000]).unwrap()).unwrap();
    let mut small = GroupConfig::default();
    small.limits.max_message_size = 1024;
    bob.set_config(small);
    match bob.receive_bytes(&m) {
        Err(ClientError::Mls(Error::Protocol(ProtocolError::MessageTooLarge { size, max }))) => {
            assert_eq!((size, max), (m.len(), 1024));
        }
        other => panic!("{other:?}"),
    }
    bob.set_config(GroupConfig::default());
    assert!(matches!(
        bob.receive_bytes(&m).unwrap(),
        Incoming::Application { .. }
    ));
}

#[test]
fn bytes_that_do_not_decode_or_are_not_ours_are_refused_and_consume_nothing() {
    let (mut alice, mut bob) = pair();
    let m = encode(&alice.send(G, b"after the garbage").unwrap()).unwrap();
    let mut long = m.clone();
    long.push(0);
    // Truncated, empty, garbage, and a whole message with a trailing byte.
    for bad in [&m[..m.len() - 1], &[], &[0xff; 16][..], &long[..]] {
        assert!(matches!(
            bob.receive_bytes(bad),
            Err(ClientError::Mls(Error::Malformed(_)))
        ));
    }
    // A well-formed message that is not a group message (a KeyPackage), and
    // one of a group we are not in.
    let kp = encode(&alice.generate_key_package(false).unwrap()).unwrap();
    assert!(matches!(
        bob.receive_bytes(&kp),
        Err(ClientError::Format(_))
    ));
    let mut other = m.clone();
    // A PrivateMessage's group id starts after version, wire format and
    // its one-byte length: change its first byte.
    other[5] ^= 1;
    assert!(matches!(
        bob.receive_bytes(&other),
        Err(ClientError::NotFound(_))
    ));
    match bob.receive_bytes(&m).unwrap() {
        Incoming::Application { data, .. } => assert_eq!(data, b"after the garbage"),
        other => panic!("{other:?}"),
    }
}
