//! The real group of the `group_process` target: three suite-1 members
//! built once per process, kept as snapshots so that every execution starts
//! from the same state, and the real messages of that epoch (RFC 9420 §6,
//! §12) that the target mutates.
//!
//! Member 0 and member 1 send handshake messages as PrivateMessage, member 2
//! as PublicMessage; member 1 is the receiver under test. Every message is
//! made by a sender restored from its snapshot, so all of them are messages
//! of the same epoch from the same starting state.

use std::sync::{Arc, OnceLock};

use conclave_core::crypto::{CipherSuiteProvider, SignatureKeyPair};
use conclave_core::group::{
    CommitOptions, Group, GroupConfig, HandshakePolicy, Received, Services,
};
use conclave_core::key_package::{KeyPackageBuilder, KeyPackageBundle};
use conclave_core::time::SystemClock;
use conclave_core::wire::{Add, Credential, KeyPackage, MlsMessage, Proposal, Remove};

use crate::suite1;

/// The receiver under test.
pub const RECEIVER: usize = 1;

/// One member: its signature key and the snapshot of its state.
pub struct Member {
    /// The member's signature key.
    pub signer: Arc<SignatureKeyPair>,
    /// `Group::to_snapshot` at the fixture's epoch.
    pub snapshot: Vec<u8>,
}

impl Member {
    /// The member's group, restored from its snapshot.
    pub fn load(&self) -> Group {
        Group::from_snapshot(suite1(), self.signer.clone(), &self.snapshot, services())
            .expect("the fixture's snapshot loads")
    }
}

/// The fixture: three members at epoch 2 and real messages of that epoch.
pub struct Fixture {
    /// The suite-1 provider.
    pub cs: Arc<dyn CipherSuiteProvider>,
    /// Members 0, 1 (the receiver) and 2 (sends PublicMessages).
    pub members: Vec<Member>,
    /// Real messages of the epoch for the receiver, from members 0 and 2:
    /// application data, proposals, commits with and without a path.
    pub messages: Vec<MlsMessage>,
    /// A valid application message from member 0, processed after each
    /// rejection to show the receiver still works.
    pub valid_application: MlsMessage,
    /// A valid commit (with a path) from member 0, likewise.
    pub valid_commit: MlsMessage,
    /// A fresh candidate's KeyPackage (for Add proposals).
    pub key_package: KeyPackage,
}

/// The services every member uses.
pub fn services() -> Services {
    Services::default()
}

fn config(public: bool) -> GroupConfig {
    GroupConfig {
        handshake: if public {
            HandshakePolicy::Public
        } else {
            HandshakePolicy::Private
        },
        ..GroupConfig::default()
    }
}

fn candidate(name: &str) -> (Arc<SignatureKeyPair>, KeyPackageBundle) {
    let cs = suite1();
    let signer = Arc::new(SignatureKeyPair::generate(cs.clone()).expect("a signature key"));
    let bundle = KeyPackageBuilder::new()
        .build(
            cs.as_ref(),
            signer.as_ref(),
            Credential::basic(name),
            &SystemClock,
        )
        .expect("a KeyPackage");
    (signer, bundle)
}

impl Fixture {
    /// The fixture (built once per process).
    pub fn get() -> &'static Fixture {
        static FIXTURE: OnceLock<Fixture> = OnceLock::new();
        FIXTURE.get_or_init(Fixture::build)
    }

    fn build() -> Fixture {
        let cs = suite1();
        let s0 = Arc::new(SignatureKeyPair::generate(cs.clone()).expect("a signature key"));
        let mut g0 = Group::create(
            cs.clone(),
            s0.clone(),
            Credential::basic("m0"),
            b"fuzz group".to_vec(),
            Vec::new(),
            config(false),
            services(),
        )
        .expect("create");
        let (s1, kp1) = candidate("m1");
        let (s2, kp2) = candidate("m2");
        let add = |kp: &KeyPackageBundle| {
            Proposal::Add(Add {
                key_package: Box::new(kp.key_package.clone()),
            })
        };
        let out = g0
            .commit(CommitOptions {
                proposals: vec![add(&kp1), add(&kp2)],
                ..CommitOptions::default()
            })
            .expect("commit adding two");
        g0.merge_pending_commit(out.pending).expect("merge");
        let welcome = out.welcome.expect("a Welcome");
        let join = |s: &Arc<SignatureKeyPair>, kp: KeyPackageBundle, public: bool| {
            Group::join(
                cs.clone(),
                s.clone(),
                &welcome,
                kp,
                None,
                config(public),
                services(),
            )
            .expect("join")
        };
        let mut g1 = join(&s1, kp1, false);
        let mut g2 = join(&s2, kp2, true);
        // One more epoch with a path from member 2, so that every member has
        // sent and the tree has parent nodes.
        let out = g2
            .commit(CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            })
            .expect("commit with a path");
        for g in [&mut g0, &mut g1] {
            match g.process(&out.message).expect("process") {
                Received::Commit(staged) => g.merge_staged_commit(staged).expect("merge"),
                _ => panic!("expected a commit"),
            }
        }
        g2.merge_pending_commit(out.pending).expect("merge");

        let members = vec![
            Member {
                signer: s0,
                snapshot: g0.to_snapshot().expect("snapshot"),
            },
            Member {
                signer: s1,
                snapshot: g1.to_snapshot().expect("snapshot"),
            },
            Member {
                signer: s2,
                snapshot: g2.to_snapshot().expect("snapshot"),
            },
        ];
        let (_, kp3) = candidate("m3");
        let key_package = kp3.key_package;
        let from = |i: usize| members[i].load();
        let commit =
            |i: usize, options: CommitOptions| from(i).commit(options).expect("commit").message;
        let mut messages = Vec::new();
        for i in [0, 2] {
            messages.push(from(i).encrypt(b"hello", b"aad").expect("encrypt"));
            messages.push(from(i).propose_update().expect("update"));
            messages.push(
                from(i)
                    .propose(Proposal::Remove(Remove { removed: 1 }))
                    .expect("remove"),
            );
            messages.push(commit(i, CommitOptions::default()));
            messages.push(commit(
                i,
                CommitOptions {
                    force_path: true,
                    ..CommitOptions::default()
                },
            ));
            messages.push(commit(
                i,
                CommitOptions {
                    proposals: vec![Proposal::Add(Add {
                        key_package: Box::new(key_package.clone()),
                    })],
                    ..CommitOptions::default()
                },
            ));
        }
        let valid_application = from(0).encrypt(b"still works", b"").expect("encrypt");
        let valid_commit = commit(
            0,
            CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
        );
        Fixture {
            cs,
            members,
            messages,
            valid_application,
            valid_commit,
            key_package,
        }
    }
}
