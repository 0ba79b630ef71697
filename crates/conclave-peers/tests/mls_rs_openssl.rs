//! The mls-rs adapter over its OpenSSL provider ("mls-rs-openssl", feature `mls-rs-openssl`)
//! in groups with Conclave and with mls-rs over RustCrypto: the members agree on the epoch
//! (RFC 9420 §8.7 epoch_authenticator, §8.5 exporter) after a join and after an update by
//! each, and decrypt each other's application messages (§6.3).
//!
//! Run with `cargo test -p conclave-peers --features mls-rs-openssl --test mls_rs_openssl`.

#![cfg(feature = "mls-rs-openssl")]

use conclave_peers::{
    CommitOutput, ConclaveFactory, GroupOptions, MlsRsFactory, MlsRsOpenSslFactory, PeerError,
    PeerFactory, PeerMember, Processed,
};

type Member = Box<dyn PeerMember>;

fn new(f: &dyn PeerFactory, suite: u16, id: &str) -> Member {
    f.new_member(suite, id.as_bytes()).unwrap()
}

/// Every member is in the same epoch with the same authenticator, exporter output and roster.
fn assert_agree(members: &[&Member], what: &str) {
    let first = members[0];
    let auth = first.epoch_authenticator().unwrap();
    let export = first.export("openssl peer", b"ctx", 32).unwrap();
    assert!(!auth.is_empty());
    for m in &members[1..] {
        let who = format!("{what}: {} vs {}", first.name(), m.name());
        assert_eq!(m.epoch(), first.epoch(), "epoch, {who}");
        assert_eq!(
            m.epoch_authenticator().unwrap(),
            auth,
            "authenticator, {who}"
        );
        assert_eq!(
            m.export("openssl peer", b"ctx", 32).unwrap(),
            export,
            "{who}"
        );
        assert_eq!(m.roster(), first.roster(), "roster, {who}");
    }
}

/// `sender` protects a message and `receiver` decrypts it.
fn assert_message(sender: &mut Member, receiver: &mut Member) {
    let text = format!("hello from {}", sender.name());
    let ct = sender.protect(text.as_bytes()).unwrap();
    assert_eq!(
        receiver.process(&ct).unwrap(),
        Processed::Application(text.into_bytes())
    );
}

fn deliver(out: &CommitOutput, receiver: &mut Member) {
    assert_eq!(receiver.process(&out.commit).unwrap(), Processed::Commit);
}

/// `creator_f` creates the group and adds a member of `joiner_f`; messages both ways; an
/// update by each, agreeing after each.
fn pair(creator_f: &dyn PeerFactory, joiner_f: &dyn PeerFactory, suite: u16) {
    let options = GroupOptions::default();
    let mut a = new(creator_f, suite, "alice");
    let mut b = new(joiner_f, suite, "bob");
    a.create_group(b"openssl group", &options).unwrap();
    let out = a.add_members(&[b.key_package().unwrap()]).unwrap();
    b.join(out.welcome.as_ref().unwrap(), None, &options)
        .unwrap();
    assert_eq!(b.epoch(), 1);
    assert_agree(&[&a, &b], "after join");
    assert_message(&mut a, &mut b);
    assert_message(&mut b, &mut a);

    let out = b.update().unwrap();
    deliver(&out, &mut a);
    assert_agree(&[&a, &b], "after b's update");
    let out = a.update().unwrap();
    deliver(&out, &mut b);
    assert_eq!(a.epoch(), 3);
    assert_agree(&[&a, &b], "after a's update");
    assert_message(&mut b, &mut a);
    assert_message(&mut a, &mut b);
}

#[test]
fn factory_name_and_suites() {
    let f = MlsRsOpenSslFactory;
    assert_eq!(f.name(), "mls-rs-openssl");
    let supported: Vec<u16> = (1u16..=7).filter(|s| f.supports(*s)).collect();
    // OpenSSL 3 offers every RFC 9420 suite, X448/Ed448 and P-521 included.
    assert_eq!(supported, vec![1, 2, 3, 4, 5, 6, 7]);
    assert!(!f.supports(0x00ff));
    let m = new(&f, 1, "x");
    assert_eq!(m.name(), "mls-rs-openssl");
    assert!(matches!(
        f.new_member(0x00ff, b"x"),
        Err(PeerError::Unsupported {
            implementation: "mls-rs-openssl",
            ..
        })
    ));
    // Errors name the provider's implementation.
    let mut m = m;
    assert!(matches!(
        m.process(b"not an MLSMessage"),
        Err(PeerError::Peer {
            implementation: "mls-rs-openssl",
            ..
        })
    ));
}

#[test]
fn conclave_and_mls_rs_openssl_agree() {
    for suite in [0x0001, 0x0002, 0x0003] {
        assert!(ConclaveFactory.supports(suite));
        pair(&MlsRsOpenSslFactory, &ConclaveFactory, suite);
        pair(&ConclaveFactory, &MlsRsOpenSslFactory, suite);
    }
}

#[test]
fn both_mls_rs_providers_agree() {
    for suite in [0x0001, 0x0007] {
        pair(&MlsRsFactory, &MlsRsOpenSslFactory, suite);
        pair(&MlsRsOpenSslFactory, &MlsRsFactory, suite);
    }
}

#[test]
fn openssl_external_sender_proposes_to_conclave_group() {
    let options = GroupOptions::default();
    let mut sender = MlsRsOpenSslFactory.new_external_sender(1, b"ext").unwrap();
    assert_eq!(sender.name(), "mls-rs-openssl");
    let mut a = new(&ConclaveFactory, 1, "alice");
    a.create_group_with_external_senders(
        b"ext group",
        &options,
        &[sender.external_sender().unwrap()],
    )
    .unwrap();
    let mut b = new(&MlsRsOpenSslFactory, 1, "bob");
    let group_info = a.group_info(true).unwrap();
    let proposal = sender
        .propose_add(&group_info, 0, &b.key_package().unwrap())
        .unwrap();
    assert_eq!(a.process(&proposal).unwrap(), Processed::Proposal);
    let out = a.commit_pending().unwrap();
    b.join(out.welcome.as_ref().unwrap(), None, &options)
        .unwrap();
    assert_agree(&[&a, &b], "after the external Add");
    assert_message(&mut b, &mut a);
}
