//! Shared helpers: members of the three implementations, delivery of commits, and the
//! checks that every member agrees (RFC 9420 §8.7 epoch_authenticator, §8.5 exporter).

use conclave_peers::{
    CommitOutput, ConclaveFactory, GroupOptions, MlsRsFactory, OpenMlsFactory, PeerFactory,
    PeerMember, Processed,
};

pub type Member = Box<dyn PeerMember>;

/// The two peer implementations.
pub fn peers() -> Vec<Box<dyn PeerFactory>> {
    vec![Box::new(OpenMlsFactory), Box::new(MlsRsFactory)]
}

/// The ciphersuites both Conclave and `peer` support (RFC 9420 §17.1 values).
pub fn shared_suites(peer: &dyn PeerFactory) -> Vec<u16> {
    (1u16..=7)
        .filter(|s| peer.supports(*s) && ConclaveFactory.supports(*s))
        .collect()
}

/// The ciphersuites all three implementations support.
pub fn common_suites() -> Vec<u16> {
    (1u16..=7)
        .filter(|s| {
            ConclaveFactory.supports(*s) && OpenMlsFactory.supports(*s) && MlsRsFactory.supports(*s)
        })
        .collect()
}

pub fn new(f: &dyn PeerFactory, suite: u16, id: &str) -> Member {
    f.new_member(suite, id.as_bytes())
        .unwrap_or_else(|e| panic!("{} member {id}: {e}", f.name()))
}

pub fn conclave(suite: u16, id: &str) -> Member {
    new(&ConclaveFactory, suite, id)
}

pub fn label(m: &Member) -> String {
    format!("{}:{}", m.name(), String::from_utf8_lossy(m.identity()))
}

/// The Conclave member and the peer member of a two-party group; `conclave_creates` says
/// which one creates it.
pub fn pair(
    peer: &dyn PeerFactory,
    suite: u16,
    conclave_creates: bool,
    options: &GroupOptions,
) -> (Member, Member) {
    pair_with_senders(peer, suite, conclave_creates, options, &[])
}

/// [`pair`], the group's GroupContext listing these external senders (RFC 9420 §12.1.8.1)
/// when there are any.
pub fn pair_with_senders(
    peer: &dyn PeerFactory,
    suite: u16,
    conclave_creates: bool,
    options: &GroupOptions,
    external_senders: &[Vec<u8>],
) -> (Member, Member) {
    let mut c = conclave(suite, "conclave");
    let mut p = new(peer, suite, "peer");
    let (creator, joiner) = if conclave_creates {
        (&mut c, &mut p)
    } else {
        (&mut p, &mut c)
    };
    if external_senders.is_empty() {
        creator.create_group(b"interop pair", options).unwrap();
    } else {
        creator
            .create_group_with_external_senders(b"interop pair", options, external_senders)
            .unwrap_or_else(|e| panic!("{} creating with external senders: {e}", creator.name()));
    }
    let out = creator
        .add_members(&[joiner.key_package().unwrap()])
        .unwrap();
    assert_eq!(out.ratchet_tree.is_some(), !options.ratchet_tree_in_welcome);
    join(joiner, &out, options);
    (c, p)
}

/// Member `from` commits `out`; all others merge it; all agree; all messages flow.
pub fn settle(members: &mut [Member], from: usize, commit: &[u8], what: &str) {
    broadcast(members, from, commit, Processed::Commit);
    assert_all_agree(members, what);
    assert_all_messages_flow(members, what);
}

/// Every member is in the same epoch with the same epoch authenticator, exporter output
/// and roster.
pub fn assert_agree(members: &[&Member], what: &str) {
    let first = members[0];
    let epoch = first.epoch();
    let auth = first.epoch_authenticator().unwrap();
    let export = first.export("conclave interop", b"context", 32).unwrap();
    let roster = first.roster();
    for m in &members[1..] {
        let who = format!("{what}: {} vs {}", label(first), label(m));
        assert_eq!(m.epoch(), epoch, "epoch, {who}");
        assert_eq!(
            m.epoch_authenticator().unwrap(),
            auth,
            "authenticator, {who}"
        );
        assert_eq!(
            m.export("conclave interop", b"context", 32).unwrap(),
            export,
            "exporter, {who}"
        );
        assert_eq!(m.roster(), roster, "roster, {who}");
    }
}

/// Same as [`assert_agree`] over a slice of owned members.
pub fn assert_all_agree(members: &[Member], what: &str) {
    let refs: Vec<&Member> = members.iter().collect();
    assert_agree(&refs, what);
}

/// Every member sends an application message and every other member decrypts it.
pub fn assert_all_messages_flow(members: &mut [Member], what: &str) {
    for i in 0..members.len() {
        let text = format!("{what}: hello from {}", label(&members[i]));
        let ct = members[i].protect(text.as_bytes()).unwrap();
        for (j, r) in members.iter_mut().enumerate() {
            if i != j {
                assert_eq!(
                    r.process(&ct)
                        .unwrap_or_else(|e| panic!("{what}: {} decrypting: {e}", label(r))),
                    Processed::Application(text.clone().into_bytes()),
                    "{what}: {}",
                    label(r)
                );
            }
        }
    }
}

/// `members[from]` sent `message`; every other member processes it and must see `kind`.
pub fn broadcast(members: &mut [Member], from: usize, message: &[u8], kind: Processed) {
    for (j, r) in members.iter_mut().enumerate() {
        if j != from {
            let got = r
                .process(message)
                .unwrap_or_else(|e| panic!("{} processing: {e}", label(r)));
            assert_eq!(got, kind, "{}", label(r));
        }
    }
}

/// Joins from a commit's Welcome, with the tree inside or out of band.
pub fn join(joiner: &mut Member, out: &CommitOutput, options: &GroupOptions) {
    let welcome = out.welcome.as_ref().expect("a Welcome");
    let tree = if options.ratchet_tree_in_welcome {
        None
    } else {
        Some(out.ratchet_tree.as_deref().expect("an out-of-band tree"))
    };
    joiner
        .join(welcome, tree, options)
        .unwrap_or_else(|e| panic!("{} joining: {e}", label(joiner)));
}

/// The wire_format of an MLSMessage (RFC 9420 §6: version, then wire_format).
pub fn wire_format(message: &[u8]) -> u16 {
    u16::from_be_bytes([message[2], message[3]])
}

/// A small deterministic generator for the seeded random scenario (not for keys).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
