//! `Client::receive_bytes`: messages as received are processed as
//! `receive` processes them (application data, our own commit's echo,
//! another member's commit), a message longer than the configured
//! `max_message_size` is refused before it is decoded, and bytes that do not
//! decode are refused; neither refusal consumes anything.

use conclave::{Client, ClientError, Incoming, MemoryStore};
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
fn bytes_that_do_not_decode_are_refused_and_consume_nothing() {
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
    match bob.receive_bytes(&m).unwrap() {
        Incoming::Application { data, .. } => assert_eq!(data, b"after the garbage"),
        other => panic!("{other:?}"),
    }
}
