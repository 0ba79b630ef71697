//! The client's group cache is write-through: after every operation, failed
//! or not, what the client holds of a group equals what its store holds.
//! A store that fails on demand makes each operation fail at its write;
//! the cached state must then still equal the store (not the state the
//! failed operation computed), and the operation must succeed when retried.

use conclave::{Client, Entry, Incoming, MemoryStore, Store, StoreError, Write};
use conclave_core::crypto::CipherSuite;
use conclave_core::wire::Credential;
use conclave_rustcrypto::RustCryptoProvider;

const G: &[u8] = b"group";

/// A memory store whose next write fails when `fail` is set.
#[derive(Default)]
struct FlakyStore {
    inner: MemoryStore,
    fail: bool,
    writes: usize,
}

impl Store for FlakyStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(key)
    }
    fn scan(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError> {
        self.inner.scan(prefix)
    }
    fn write(&mut self, batch: Vec<Write>) -> Result<(), StoreError> {
        if std::mem::take(&mut self.fail) {
            return Err(StoreError("injected failure".into()));
        }
        self.writes += 1;
        self.inner.write(batch)
    }
}

fn client(name: &str) -> Client<FlakyStore> {
    Client::create(
        FlakyStore::default(),
        &RustCryptoProvider::new(),
        CipherSuite::X25519_AES128GCM_SHA256_ED25519,
        Credential::basic(name),
    )
    .unwrap()
}

/// The cached current epoch (loaded if not cached) equals the stored one,
/// byte for byte.
fn assert_cache_is_store(c: &mut Client<FlakyStore>) {
    let stored = c.stored_group(G).unwrap().to_snapshot().unwrap();
    let cached = c.group(G).unwrap().to_snapshot().unwrap();
    assert!(stored == cached, "the cache differs from the store");
}

/// Makes the next write of `c` fail.
fn fail_next(c: &mut Client<FlakyStore>) {
    c.store_mut().fail = true;
}

fn pair() -> (Client<FlakyStore>, Client<FlakyStore>) {
    let mut alice = client("alice");
    let mut bob = client("bob");
    alice.create_group(G).unwrap();
    let kp = bob.generate_key_package(false).unwrap();
    let out = alice.add_members(G, vec![kp]).unwrap();
    alice.merge_pending_commit(G).unwrap();
    bob.join(out.welcome.as_ref().unwrap()).unwrap();
    (alice, bob)
}

#[test]
fn operations_are_served_from_the_cache_and_match_the_store() {
    let (mut alice, mut bob) = pair();
    assert!(alice.is_cached(G) && bob.is_cached(G));
    for i in 0..3u8 {
        let m = alice.send(G, &[i]).unwrap();
        assert!(
            matches!(bob.receive(&m).unwrap(), Incoming::Application { data, .. } if data == [i])
        );
        assert!(alice.is_cached(G) && bob.is_cached(G));
        assert_cache_is_store(&mut alice);
        assert_cache_is_store(&mut bob);
    }
    let out = bob.update(G).unwrap();
    // The echo of our own commit is merged from the cached pending state.
    assert!(matches!(
        bob.receive(&out.message).unwrap(),
        Incoming::OwnCommit { epoch: 2, .. }
    ));
    assert!(bob.is_cached(G));
    assert!(matches!(
        alice.receive(&out.message).unwrap(),
        Incoming::Commit { epoch: 2, .. }
    ));
    assert_cache_is_store(&mut alice);
    assert_cache_is_store(&mut bob);
    // A client reopened on the same store sees the same group.
    let reopened = Client::open(
        std::mem::take(alice.store_mut()),
        &RustCryptoProvider::new(),
    )
    .unwrap();
    assert_eq!(
        reopened.stored_group(G).unwrap().epoch_authenticator(),
        bob.group(G).unwrap().epoch_authenticator()
    );
}

#[test]
fn a_failed_send_leaves_the_cache_at_the_stored_state() {
    let (mut alice, mut bob) = pair();
    fail_next(&mut alice);
    assert!(alice.send(G, b"lost").is_err());
    assert!(!alice.is_cached(G), "a failed operation drops the cache");
    assert_cache_is_store(&mut alice);
    // The retry uses the generation the failed send had consumed in
    // memory only; bob reads it.
    let m = alice.send(G, b"again").unwrap();
    assert!(
        matches!(bob.receive(&m).unwrap(), Incoming::Application { data, .. } if data == b"again")
    );
    assert_cache_is_store(&mut alice);
}

#[test]
fn a_failed_receive_does_not_consume_the_message() {
    let (mut alice, mut bob) = pair();
    let m = alice.send(G, b"hello").unwrap();
    fail_next(&mut bob);
    assert!(bob.receive(&m).is_err());
    assert_cache_is_store(&mut bob);
    // Not persisted, so not consumed: the retry decrypts it, and only once.
    assert!(matches!(
        bob.receive(&m).unwrap(),
        Incoming::Application { .. }
    ));
    assert!(bob.receive(&m).is_err());
    assert_cache_is_store(&mut bob);
}

#[test]
fn a_message_the_engine_refuses_leaves_the_cache_at_the_stored_state() {
    let (mut alice, mut bob) = pair();
    let m = alice.send(G, b"once").unwrap();
    bob.receive(&m).unwrap();
    let writes = bob.store().writes;
    assert!(bob.receive(&m).is_err(), "a replay is refused");
    assert_eq!(bob.store().writes, writes, "nothing written");
    assert_cache_is_store(&mut bob);
    let m = alice.send(G, b"next").unwrap();
    assert!(matches!(
        bob.receive(&m).unwrap(),
        Incoming::Application { .. }
    ));
}

#[test]
fn a_failed_commit_leaves_no_pending_state() {
    let (mut alice, mut bob) = pair();
    fail_next(&mut alice);
    assert!(alice.update(G).is_err());
    assert!(!alice.has_pending_commit(G).unwrap());
    assert!(alice.merge_pending_commit(G).is_err());
    assert_cache_is_store(&mut alice);
    assert_eq!(alice.group(G).unwrap().epoch(), 1);
    let out = alice.update(G).unwrap();
    alice.merge_pending_commit(G).unwrap();
    assert!(matches!(
        bob.receive(&out.message).unwrap(),
        Incoming::Commit { epoch: 2, .. }
    ));
    assert_eq!(
        alice.group(G).unwrap().epoch_authenticator(),
        bob.group(G).unwrap().epoch_authenticator()
    );
}

#[test]
fn a_failed_merge_keeps_the_commit_pending() {
    let (mut alice, mut bob) = pair();
    let out = alice.update(G).unwrap();
    fail_next(&mut alice);
    assert!(alice.merge_pending_commit(G).is_err());
    assert!(alice.has_pending_commit(G).unwrap());
    assert_cache_is_store(&mut alice);
    assert_eq!(alice.group(G).unwrap().epoch(), 1);
    // The pending state is no longer cached: the merge takes it from disk.
    assert_eq!(alice.merge_pending_commit(G).unwrap(), 2);
    assert_cache_is_store(&mut alice);
    bob.receive(&out.message).unwrap();
    assert_eq!(
        alice.group(G).unwrap().epoch_authenticator(),
        bob.group(G).unwrap().epoch_authenticator()
    );
}

#[test]
fn a_failed_commit_merge_on_receipt_can_be_retried() {
    let (mut alice, mut bob) = pair();
    let out = alice.update(G).unwrap();
    alice.merge_pending_commit(G).unwrap();
    fail_next(&mut bob);
    assert!(bob.receive(&out.message).is_err());
    assert_cache_is_store(&mut bob);
    assert_eq!(bob.group(G).unwrap().epoch(), 1);
    assert!(matches!(
        bob.receive(&out.message).unwrap(),
        Incoming::Commit { epoch: 2, .. }
    ));
    assert_cache_is_store(&mut bob);
}

#[test]
fn a_failed_external_join_writes_nothing() {
    let (mut alice, _) = pair();
    let mut carol = client("carol");
    let info = alice.group_info(G, true).unwrap();
    fail_next(&mut carol);
    assert!(carol.join_external(&info, false).is_err());
    assert!(carol.groups().unwrap().is_empty());
    assert!(!carol.is_cached(G));
    let (id, commit) = carol.join_external(&info, false).unwrap();
    assert_eq!(id, G);
    assert!(matches!(
        alice.receive(&commit).unwrap(),
        Incoming::Commit { epoch: 2, .. }
    ));
    assert_cache_is_store(&mut carol);
    assert_eq!(
        alice.group(G).unwrap().epoch_authenticator(),
        carol.group(G).unwrap().epoch_authenticator()
    );
}

/// A message of the current epoch read while our commit is pending stays
/// read after the merge (§9.2: its key is deleted), whether the pending
/// state is cached or reloaded from the store.
#[test]
fn a_message_read_while_our_commit_is_pending_stays_read_after_the_merge() {
    for reload in [false, true] {
        let (mut alice, mut bob) = pair();
        let commit = alice.update(G).unwrap();
        let m = bob.send(G, b"in flight").unwrap();
        if reload {
            alice.clear_cache();
        }
        assert!(matches!(
            alice.receive(&m).unwrap(),
            Incoming::Application { .. }
        ));
        if reload {
            alice.clear_cache();
        }
        assert!(matches!(
            alice.receive(&commit.message).unwrap(),
            Incoming::OwnCommit { epoch: 2, .. }
        ));
        assert_cache_is_store(&mut alice);
        assert!(
            alice.receive(&m).is_err(),
            "replayed after the merge (reload: {reload})"
        );
        alice.clear_cache();
        assert!(
            alice.receive(&m).is_err(),
            "replayed after reopening (reload: {reload})"
        );
        bob.receive(&commit.message).unwrap();
        let m = bob.send(G, b"next epoch").unwrap();
        assert!(matches!(
            alice.receive(&m).unwrap(),
            Incoming::Application { .. }
        ));
    }
}

/// Discarding our commit, or losing to another member's, leaves the cache
/// at the stored current epoch and the group usable.
#[test]
fn a_discarded_or_losing_commit_leaves_the_cache_at_the_store() {
    let (mut alice, mut bob) = pair();
    alice.update(G).unwrap();
    alice.discard_pending_commit(G).unwrap();
    assert!(!alice.has_pending_commit(G).unwrap());
    assert_cache_is_store(&mut alice);
    assert_eq!(alice.group(G).unwrap().epoch(), 1);

    let lost = alice.update(G).unwrap();
    let won = bob.update(G).unwrap();
    bob.merge_pending_commit(G).unwrap();
    assert!(matches!(
        alice.receive(&won.message).unwrap(),
        Incoming::Commit { epoch: 2, .. }
    ));
    assert!(!alice.has_pending_commit(G).unwrap());
    assert!(alice.merge_pending_commit(G).is_err());
    assert!(alice.receive(&lost.message).is_err());
    assert_cache_is_store(&mut alice);
    let m = alice.send(G, b"after").unwrap();
    assert!(matches!(
        bob.receive(&m).unwrap(),
        Incoming::Application { .. }
    ));
}
