//! A small in-memory "delivery service" for the group tests: members, and
//! helpers that deliver a commit to everyone and check they agree.
#![allow(dead_code)]

use std::sync::Arc;

use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair, Signer,
};
use conclave_core::group::{
    CommitOptions, CommitOutput, Group, GroupConfig, HandshakePolicy, Received, Services,
};
use conclave_core::key_package::{KeyPackageBuilder, KeyPackageBundle};
use conclave_core::time::SystemClock;
use conclave_core::wire::{Add, Credential, MlsMessage, PreSharedKeyId, Proposal, Psk};

pub const EXTERNAL_PSK_ID: &[u8] = b"shared external psk";

pub fn suites() -> Vec<CipherSuite> {
    conclave_rustcrypto::RustCryptoProvider::new().supported_cipher_suites()
}

pub fn suite(cs: CipherSuite) -> Arc<dyn CipherSuiteProvider> {
    conclave_rustcrypto::RustCryptoProvider::new()
        .cipher_suite(cs)
        .unwrap()
}

pub fn services() -> Services {
    let store = |id: &PreSharedKeyId| match &id.psk {
        Psk::External { psk_id } if psk_id.as_slice() == EXTERNAL_PSK_ID => {
            Some(Secret::from_slice(b"the external psk value"))
        }
        _ => None,
    };
    Services {
        psks: Arc::new(store),
        ..Services::default()
    }
}

pub fn config(public: bool) -> GroupConfig {
    GroupConfig {
        handshake: if public {
            HandshakePolicy::Public
        } else {
            HandshakePolicy::Private
        },
        ..GroupConfig::default()
    }
}

pub struct Client {
    pub name: String,
    pub signer: Arc<SignatureKeyPair>,
    pub group: Group,
}

pub struct Candidate {
    pub name: String,
    pub signer: Arc<SignatureKeyPair>,
    pub bundle: KeyPackageBundle,
}

pub fn candidate(cs: &Arc<dyn CipherSuiteProvider>, name: &str) -> Candidate {
    let signer = Arc::new(SignatureKeyPair::generate(cs.clone()).unwrap());
    let bundle = KeyPackageBuilder::new()
        .build(
            cs.as_ref(),
            signer.as_ref(),
            Credential::basic(name),
            &SystemClock,
        )
        .unwrap();
    Candidate {
        name: name.to_string(),
        signer,
        bundle,
    }
}

pub fn add_of(c: &Candidate) -> Proposal {
    Proposal::Add(Add {
        key_package: Box::new(c.bundle.key_package.clone()),
    })
}

/// Flips a bit of the KeyPackage signature (`leaf` false) or of its leaf
/// node's signature (`leaf` true) of an Add.
pub fn break_add(add: &mut Proposal, leaf: bool) {
    let Proposal::Add(add) = add else {
        panic!("not an Add")
    };
    let kp = &mut add.key_package;
    let sig = if leaf {
        &mut kp.leaf_node.signature
    } else {
        &mut kp.signature
    };
    let mut bytes = sig.as_slice().to_vec();
    bytes[0] ^= 1;
    *sig = bytes.into();
}

/// A group under test: the active members, in no particular order.
pub struct World {
    pub cs: Arc<dyn CipherSuiteProvider>,
    pub members: Vec<Client>,
    pub removed: Vec<Client>,
    pub count: usize,
    /// Members in the tree that have no Group object here (added by their
    /// KeyPackages only, to make large groups cheap to build).
    pub silent: usize,
}

impl World {
    pub fn new(cs: CipherSuite) -> Self {
        Self::with_provider(suite(cs), config(false))
    }

    /// A world whose members all use the provider `cs` (e.g. a wrapper of
    /// the default one), the creator m0 with `creator` as its config.
    pub fn with_provider(cs: Arc<dyn CipherSuiteProvider>, creator: GroupConfig) -> Self {
        let signer = Arc::new(SignatureKeyPair::generate(cs.clone()).unwrap());
        let group = Group::create(
            cs.clone(),
            signer.clone(),
            Credential::basic("m0"),
            b"scenario group".to_vec(),
            Vec::new(),
            creator,
            services(),
        )
        .unwrap();
        World {
            cs,
            members: vec![Client {
                name: "m0".into(),
                signer,
                group,
            }],
            removed: Vec::new(),
            count: 1,
            silent: 0,
        }
    }

    pub fn fresh(&mut self, n: usize) -> Vec<Candidate> {
        (0..n)
            .map(|_| {
                let name = format!("m{}", self.count);
                self.count += 1;
                candidate(&self.cs, &name)
            })
            .collect()
    }

    pub fn position(&self, name: &str) -> usize {
        self.members.iter().position(|c| c.name == name).unwrap()
    }

    /// Member `from` sends a proposal; everyone else caches it.
    pub fn propose(&mut self, from: usize, message: MlsMessage) {
        for (i, c) in self.members.iter_mut().enumerate() {
            if i == from {
                continue;
            }
            match c.group.process(&message).unwrap() {
                Received::Proposal { .. } => {}
                other => panic!("expected a proposal, got {other:?}"),
            }
        }
    }

    /// Member `from` commits; everyone processes it, the committer sees its
    /// echo, the new members join; then everyone must agree.
    pub fn commit(&mut self, from: usize, options: CommitOptions, joiners: Vec<Candidate>) {
        let out = self.members[from].group.commit(options).unwrap();
        self.deliver(from, out, joiners);
    }

    pub fn deliver(&mut self, from: usize, out: CommitOutput, joiners: Vec<Candidate>) {
        let mut gone = Vec::new();
        for (i, c) in self.members.iter_mut().enumerate() {
            if i == from {
                continue;
            }
            match c.group.process(&out.message).unwrap() {
                Received::Commit(staged) => {
                    if staged.self_removed() {
                        gone.push(i);
                    }
                    c.group.merge_staged_commit(staged).unwrap();
                }
                other => panic!("{}: expected a commit, got {other:?}", c.name),
            }
        }
        let committer = &mut self.members[from].group;
        assert!(matches!(
            committer.process(&out.message).unwrap(),
            Received::OwnCommit
        ));
        committer.merge_pending_commit(out.pending).unwrap();
        for i in gone.into_iter().rev() {
            let c = self.members.remove(i);
            assert!(!c.group.is_active());
            self.removed.push(c);
        }
        if !joiners.is_empty() {
            let welcome = out.welcome.expect("a Welcome for the joiners");
            for (k, j) in joiners.into_iter().enumerate() {
                let group = Group::join(
                    self.cs.clone(),
                    j.signer.clone(),
                    &welcome,
                    j.bundle,
                    None,
                    config(!k.is_multiple_of(2)),
                    services(),
                )
                .unwrap();
                self.members.push(Client {
                    name: j.name,
                    signer: j.signer,
                    group,
                });
            }
        }
        self.check_agreement();
    }

    pub fn check_agreement(&self) {
        let first = &self.members[0].group;
        for c in &self.members {
            assert_eq!(c.group.epoch(), first.epoch(), "{}", c.name);
            assert_eq!(
                c.group.epoch_authenticator(),
                first.epoch_authenticator(),
                "{} disagrees",
                c.name
            );
            assert_eq!(c.group.tree().root_hash(), first.tree().root_hash());
        }
        assert_eq!(first.members().count(), self.members.len() + self.silent);
    }

    /// Member `from` sends application data; every other member reads it.
    pub fn message(&mut self, from: usize) {
        let text = format!(
            "hello from {} in epoch {}",
            self.members[from].name,
            self.members[from].group.epoch()
        );
        let m = self.members[from]
            .group
            .encrypt(text.as_bytes(), b"aad")
            .unwrap();
        let sender = self.members[from].group.own_leaf();
        for (i, c) in self.members.iter_mut().enumerate() {
            if i == from {
                continue;
            }
            match c.group.process(&m).unwrap() {
                Received::Application {
                    sender: s,
                    data,
                    authenticated_data,
                } => {
                    assert_eq!(s, sender);
                    assert_eq!(data, text.as_bytes());
                    assert_eq!(authenticated_data, b"aad");
                }
                other => panic!("expected application data, got {other:?}"),
            }
        }
        for c in &mut self.removed {
            assert!(
                c.group.process(&m).is_err(),
                "a removed member read a message"
            );
        }
    }
}

/// A member's signature key and its state at one epoch, to restore as
/// many copies of the member as a test needs (each from the same state).
pub struct Saved {
    pub cs: Arc<dyn CipherSuiteProvider>,
    pub signer: Arc<SignatureKeyPair>,
    pub snapshot: Vec<u8>,
}

impl Saved {
    pub fn of(cs: &Arc<dyn CipherSuiteProvider>, c: &Client) -> Self {
        Saved {
            cs: cs.clone(),
            signer: c.signer.clone(),
            snapshot: c.group.to_snapshot().unwrap(),
        }
    }

    pub fn load(&self) -> Group {
        self.load_signing_with(self.signer.clone())
    }

    /// The member restored with another signer (e.g. one that breaks some
    /// of its signatures).
    pub fn load_signing_with(&self, signer: Arc<dyn Signer>) -> Group {
        Group::from_snapshot(self.cs.clone(), signer, &self.snapshot, services()).unwrap()
    }
}
