//! Proposals from outside the group (RFC 9420 §12.1.8) over the seven
//! suites: every proposal type an external sender may send, from one and
//! from two external senders, and `new_member_proposal` self-adds; members
//! cache them and commit them by reference. Negative tests: an unknown
//! external sender index, an Update from an external sender, and external
//! senders rejected by the application's IdentityValidator (§5.3.1) at
//! creation, in a GroupContextExtensions and when joining.

mod group_common;

use std::sync::Arc;

use conclave_core::credential::{BasicIdentityValidator, IdentityValidator};
use conclave_core::crypto::{CipherSuite, CipherSuiteProvider, SignatureKeyPair, Signer};
use conclave_core::group::{
    external_proposal, group_info_of, CommitOptions, ExternalJoinOptions, Group, Received, Services,
};
use conclave_core::tree::TreeView;
use conclave_core::wire::{
    Credential, CredentialType, Extension, ExternalSender, GroupContext, GroupContextExtensions,
    PreSharedKey, PreSharedKeyId, Proposal, ProtocolVersion, Psk, ReInit, Remove,
    RequiredCapabilities, Sender,
};
use conclave_core::{Error, ProtocolError};
use group_common::{add_of, suites, Client, World, EXTERNAL_PSK_ID};

struct Ds {
    signer: Arc<SignatureKeyPair>,
    index: u32,
}

fn senders_extension(senders: &[&Ds], names: &[&str]) -> Extension {
    let list: Vec<ExternalSender> = senders
        .iter()
        .zip(names)
        .map(|(d, n)| ExternalSender {
            signature_key: d.signer.public_key().to_vec().into(),
            credential: Credential::basic(*n),
        })
        .collect();
    Extension::from_payload(&list).unwrap()
}

fn required_basic() -> Extension {
    Extension::from_payload(&RequiredCapabilities {
        extension_types: Vec::new(),
        proposal_types: Vec::new(),
        credential_types: vec![CredentialType::BASIC],
    })
    .unwrap()
}

/// A world of 3 members whose GroupContext lists two external senders.
fn setup(cs: CipherSuite) -> (World, Ds, Ds) {
    let mut w = World::new(cs);
    let joiners = w.fresh(2);
    let proposals = joiners.iter().map(add_of).collect();
    w.commit(
        0,
        CommitOptions {
            proposals,
            ..CommitOptions::default()
        },
        joiners,
    );
    let ds1 = Ds {
        signer: Arc::new(SignatureKeyPair::generate(w.cs.clone()).unwrap()),
        index: 0,
    };
    let ds2 = Ds {
        signer: Arc::new(SignatureKeyPair::generate(w.cs.clone()).unwrap()),
        index: 1,
    };
    let ext = senders_extension(&[&ds1, &ds2], &["ds-one", "ds-two"]);
    w.commit(
        1,
        CommitOptions {
            proposals: vec![Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions: vec![ext],
            })],
            ..CommitOptions::default()
        },
        Vec::new(),
    );
    (w, ds1, ds2)
}

/// The GroupContext an outside party learns from a member's GroupInfo.
fn context_of(w: &World, from: usize) -> GroupContext {
    let info = w.members[from].group.group_info(false).unwrap();
    group_info_of(&info).unwrap().group_context.clone()
}

/// Everyone caches the proposal as coming from `expected`.
fn deliver_proposal(w: &mut World, message: &conclave_core::wire::MlsMessage, expected: Sender) {
    for c in &mut w.members {
        match c.group.process(message).unwrap() {
            Received::Proposal { sender, .. } => assert_eq!(sender, expected),
            other => panic!("expected a proposal, got {other:?}"),
        }
    }
}

fn send(w: &mut World, ds: &Ds, proposal: Proposal) {
    let cs: Arc<dyn CipherSuiteProvider> = w.cs.clone();
    let m = external_proposal(
        cs.as_ref(),
        ds.signer.as_ref(),
        ds.index,
        &context_of(w, 0),
        proposal,
    )
    .unwrap();
    deliver_proposal(w, &m, Sender::External(ds.index));
}

fn psk_proposal(nh: usize, nonce: u8) -> Proposal {
    Proposal::PreSharedKey(PreSharedKey {
        psk: PreSharedKeyId {
            psk: Psk::External {
                psk_id: EXTERNAL_PSK_ID.to_vec().into(),
            },
            psk_nonce: vec![nonce; nh].into(),
        },
    })
}

fn reinit_to(cs: CipherSuite, group_id: &[u8]) -> ReInit {
    ReInit {
        group_id: group_id.to_vec().into(),
        version: ProtocolVersion::MLS10,
        cipher_suite: cs,
        extensions: Vec::new(),
    }
}

fn leaf_of(w: &World, name: &str) -> u32 {
    w.members[w.position(name)].group.own_leaf().0
}

/// The successor of a group closed by a ReInit (§11.2): the last member
/// creates it and welcomes the others, who join with their old group; all
/// agree and messages flow in the new group.
fn successor(w: &World, params: &ReInit) -> World {
    let cs = group_common::suite(params.cipher_suite);
    let fresh: Vec<group_common::Candidate> = w
        .members
        .iter()
        .map(|c| group_common::candidate(&cs, &c.name))
        .collect();
    let welcomer = w.members.len() - 1;
    let kps = fresh
        .iter()
        .take(welcomer)
        .map(|c| c.bundle.key_package.clone())
        .collect();
    let (group, welcome) = w.members[welcomer]
        .group
        .reinit_successor(
            cs.clone(),
            fresh[welcomer].signer.clone(),
            Credential::basic(fresh[welcomer].name.as_str()),
            kps,
            group_common::config(false),
            group_common::services(),
        )
        .unwrap();
    let welcome = welcome.unwrap();
    let mut members = Vec::new();
    for (i, c) in fresh.into_iter().enumerate() {
        let group = if i == welcomer {
            None
        } else {
            Some(
                w.members[i]
                    .group
                    .join_reinit(
                        cs.clone(),
                        c.signer.clone(),
                        &welcome,
                        c.bundle,
                        None,
                        group_common::config(false),
                        group_common::services(),
                    )
                    .unwrap(),
            )
        };
        members.push((c.name, c.signer, group));
    }
    let mut group = Some(group);
    let members = members
        .into_iter()
        .map(|(name, signer, g)| Client {
            name,
            signer,
            group: g.or_else(|| group.take()).unwrap(),
        })
        .collect();
    let mut next = World {
        cs,
        members,
        removed: Vec::new(),
        count: w.count,
        silent: 0,
    };
    next.check_agreement();
    assert_eq!(next.members[0].group.group_id(), params.group_id.as_slice());
    assert_eq!(next.members[0].group.epoch(), 1);
    next.message(0);
    next.message(welcomer);
    next
}

/// Every proposal type an external sender may send (§12.1.8): each from one
/// external sender, then from both in one epoch, committed by reference by
/// members; a `new_member_proposal` self-add; ReInits from one and from two
/// external senders, each followed by the successor group. After every
/// commit all authenticators agree and messages flow (in the successor
/// group after a ReInit).
fn scenario(cs: CipherSuite) {
    let (mut w, ds1, ds2) = setup(cs);
    let nh = w.cs.hash_len();

    // Add from one external sender, committed by member 2.
    let joiner = w.fresh(1).pop().unwrap();
    send(&mut w, &ds1, add_of(&joiner));
    w.commit(2, CommitOptions::default(), vec![joiner]);
    w.message(3);

    // Adds from both external senders in one commit.
    let mut two = w.fresh(2);
    let b = two.pop().unwrap();
    let a = two.pop().unwrap();
    send(&mut w, &ds1, add_of(&a));
    send(&mut w, &ds2, add_of(&b));
    w.commit(0, CommitOptions::default(), vec![a, b]);
    w.message(4);
    assert_eq!(w.members.len(), 6);

    // Remove from one external sender.
    let victim = leaf_of(&w, "m1");
    send(&mut w, &ds2, Proposal::Remove(Remove { removed: victim }));
    w.commit(0, CommitOptions::default(), Vec::new());
    assert!(w.members.iter().all(|c| c.name != "m1"));
    w.message(0);

    // Removes from both external senders in one commit.
    let (v1, v2) = (leaf_of(&w, "m2"), leaf_of(&w, "m3"));
    send(&mut w, &ds1, Proposal::Remove(Remove { removed: v1 }));
    send(&mut w, &ds2, Proposal::Remove(Remove { removed: v2 }));
    let committer = w.position("m4");
    w.commit(committer, CommitOptions::default(), Vec::new());
    assert_eq!(w.members.len(), 3);
    w.message(0);

    // PSK from one external sender.
    send(&mut w, &ds1, psk_proposal(nh, 3));
    w.commit(w.position("m5"), CommitOptions::default(), Vec::new());
    w.message(1);

    // PSKs from both external senders in one commit.
    send(&mut w, &ds1, psk_proposal(nh, 4));
    send(&mut w, &ds2, psk_proposal(nh, 5));
    w.commit(w.position("m0"), CommitOptions::default(), Vec::new());
    w.message(2);

    // GroupContextExtensions from the first sender (adds required
    // capabilities), then from the second (drops itself).
    let both = senders_extension(&[&ds1, &ds2], &["ds-one", "ds-two"]);
    send(
        &mut w,
        &ds1,
        Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: vec![both, required_basic()],
        }),
    );
    w.commit(1, CommitOptions::default(), Vec::new());
    assert_eq!(w.members[0].group.extensions().len(), 2);
    w.message(0);
    let only_one = senders_extension(&[&ds1], &["ds-one"]);
    send(
        &mut w,
        &ds2,
        Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: vec![only_one],
        }),
    );
    w.commit(2, CommitOptions::default(), Vec::new());
    w.message(1);

    // ds2 is no longer an external sender: refused with its own error.
    let stale = external_proposal(
        w.cs.as_ref(),
        ds2.signer.as_ref(),
        1,
        &context_of(&w, 0),
        Proposal::Remove(Remove { removed: 0 }),
    )
    .unwrap();
    let err = w.members[0].group.process(&stale).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::UnknownExternalSender { index: 1 })
        ),
        "{err:?}"
    );

    // ReInit from one external sender, committed: the group is closed.
    let params = reinit_to(cs, b"next");
    send(&mut w, &ds1, Proposal::ReInit(params.clone()));
    w.commit(0, CommitOptions::default(), Vec::new());
    for c in &mut w.members {
        assert_eq!(c.group.reinit(), Some(&params), "{}", c.name);
        let err = c.group.encrypt(b"late", b"").unwrap_err();
        assert!(
            matches!(err, Error::Protocol(ProtocolError::GroupReInitialized)),
            "{err:?}"
        );
    }
    successor(&w, &params);

    // In a fresh world: a new member adds itself (new_member_proposal);
    // then both external senders propose a ReInit and the committer
    // commits the most recent one alone (§12.2).
    let (mut w, ds1, ds2) = setup(cs);
    let me = w.fresh(1).pop().unwrap();
    let info = w.members[1].group.group_info(false).unwrap();
    let m = Group::new_member_add_proposal(w.cs.as_ref(), &info, &me.bundle, me.signer.as_ref())
        .unwrap();
    deliver_proposal(&mut w, &m, Sender::NewMemberProposal);
    w.commit(2, CommitOptions::default(), vec![me]);
    w.message(3);
    let first = reinit_to(cs, b"first");
    let second = reinit_to(cs, b"second");
    send(&mut w, &ds1, Proposal::ReInit(first));
    send(&mut w, &ds2, Proposal::ReInit(second.clone()));
    w.commit(3, CommitOptions::default(), Vec::new());
    for c in &w.members {
        assert_eq!(c.group.reinit(), Some(&second), "{}", c.name);
    }
    let mut next = successor(&w, &second);
    next.commit(1, CommitOptions::default(), Vec::new());
    next.message(2);
}

#[test]
fn external_proposals_x25519_aes128gcm_sha256_ed25519() {
    scenario(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
}

#[test]
fn external_proposals_p256_aes128gcm_sha256_p256() {
    scenario(CipherSuite::P256_AES128GCM_SHA256_P256);
}

#[test]
fn external_proposals_x25519_chacha20poly1305_sha256_ed25519() {
    scenario(CipherSuite::X25519_CHACHA20POLY1305_SHA256_ED25519);
}

#[test]
fn external_proposals_x448_aes256gcm_sha512_ed448() {
    scenario(CipherSuite::X448_AES256GCM_SHA512_ED448);
}

#[test]
fn external_proposals_p521_aes256gcm_sha512_p521() {
    scenario(CipherSuite::P521_AES256GCM_SHA512_P521);
}

#[test]
fn external_proposals_x448_chacha20poly1305_sha512_ed448() {
    scenario(CipherSuite::X448_CHACHA20POLY1305_SHA512_ED448);
}

#[test]
fn external_proposals_p384_aes256gcm_sha384_p384() {
    scenario(CipherSuite::P384_AES256GCM_SHA384_P384);
}

#[test]
fn all_suites_are_covered() {
    assert_eq!(suites().len(), 7);
}

#[test]
fn proposal_from_an_unknown_external_sender_is_refused() {
    let (mut w, _, _) = setup(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
    let stranger = SignatureKeyPair::generate(w.cs.clone()).unwrap();
    let m = external_proposal(
        w.cs.as_ref(),
        &stranger,
        7,
        &context_of(&w, 0),
        Proposal::Remove(Remove { removed: 1 }),
    )
    .unwrap();
    let epoch = w.members[0].group.epoch();
    let err = w.members[0].group.process(&m).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::UnknownExternalSender { index: 7 })
        ),
        "{err:?}"
    );
    assert_eq!(w.members[0].group.epoch(), epoch);
    assert_eq!(w.members[0].group.pending_proposals().count(), 0);
}

#[test]
fn external_proposal_signed_by_another_key_is_refused() {
    let (mut w, ds1, _) = setup(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
    let impostor = SignatureKeyPair::generate(w.cs.clone()).unwrap();
    let m = external_proposal(
        w.cs.as_ref(),
        &impostor,
        ds1.index,
        &context_of(&w, 0),
        Proposal::Remove(Remove { removed: 1 }),
    )
    .unwrap();
    let err = w.members[0].group.process(&m).unwrap_err();
    assert!(
        matches!(err, Error::Protocol(ProtocolError::InvalidContentSignature)),
        "{err:?}"
    );
}

#[test]
fn external_sender_cannot_build_an_update() {
    let (w, ds1, _) = setup(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
    let leaf = w.members[0]
        .group
        .tree()
        .leaf(w.members[0].group.own_leaf())
        .unwrap()
        .clone();
    let err = external_proposal(
        w.cs.as_ref(),
        ds1.signer.as_ref(),
        ds1.index,
        &context_of(&w, 0),
        Proposal::Update(conclave_core::wire::Update {
            leaf_node: Box::new(leaf),
        }),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Misuse(_)), "{err:?}");
}

// --- The Authentication Service sees every external sender (§5.3.1).

/// Accepts what the basic validator accepts, except the external sender
/// whose credential is "evil-ds".
struct NoEvilSenders;

impl IdentityValidator for NoEvilSenders {
    fn validate_credential(
        &self,
        credential: &Credential,
        signature_key: &[u8],
        cipher_suite: CipherSuite,
    ) -> conclave_core::error::Result<()> {
        BasicIdentityValidator::new().validate_credential(credential, signature_key, cipher_suite)
    }

    fn identity(&self, credential: &Credential) -> conclave_core::error::Result<Vec<u8>> {
        BasicIdentityValidator::new().identity(credential)
    }

    fn validate_external_sender(
        &self,
        credential: &Credential,
        _signature_key: &[u8],
        _cipher_suite: CipherSuite,
    ) -> conclave_core::error::Result<()> {
        if *credential == Credential::basic("evil-ds") {
            Err(ProtocolError::ExternalSenderRejected("not our delivery service".into()).into())
        } else {
            Ok(())
        }
    }
}

fn strict() -> Services {
    Services {
        identity: Arc::new(NoEvilSenders),
        ..group_common::services()
    }
}

fn rejected(err: Error) {
    assert!(
        matches!(
            &err,
            Error::Protocol(ProtocolError::ExternalSenderRejected(r)) if r == "not our delivery service"
        ),
        "{err:?}"
    );
}

#[test]
fn external_senders_are_validated_by_the_authentication_service() {
    let cs = CipherSuite::X25519_AES128GCM_SHA256_ED25519;
    let suite = group_common::suite(cs);
    let evil = Ds {
        signer: Arc::new(SignatureKeyPair::generate(suite.clone()).unwrap()),
        index: 0,
    };
    let good = Ds {
        signer: Arc::new(SignatureKeyPair::generate(suite.clone()).unwrap()),
        index: 0,
    };
    let evil_ext = senders_extension(&[&evil], &["evil-ds"]);
    let good_ext = senders_extension(&[&good], &["good-ds"]);

    // Creation with the extension.
    let key = Arc::new(SignatureKeyPair::generate(suite.clone()).unwrap());
    let create = |ext: Extension, services: Services| {
        Group::create(
            suite.clone(),
            key.clone(),
            Credential::basic("alice"),
            b"validated".to_vec(),
            vec![ext],
            group_common::config(false),
            services,
        )
    };
    rejected(create(evil_ext.clone(), strict()).unwrap_err());
    create(good_ext.clone(), strict()).unwrap();

    // Alice (permissive) and Bob (strict) in one group.
    let mut alice = create(good_ext, group_common::services()).unwrap();
    let bob = group_common::candidate(&suite, "bob");
    let out = alice
        .commit(CommitOptions {
            proposals: vec![add_of(&bob)],
            ..CommitOptions::default()
        })
        .unwrap();
    alice.merge_pending_commit(out.pending).unwrap();
    let mut bob_group = Group::join(
        suite.clone(),
        bob.signer.clone(),
        out.welcome.as_ref().unwrap(),
        bob.bundle,
        None,
        group_common::config(false),
        strict(),
    )
    .unwrap();

    // A GroupContextExtensions setting the evil sender: Bob refuses to
    // commit it, and refuses Alice's commit of it.
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: vec![evil_ext],
    });
    rejected(
        bob_group
            .commit(CommitOptions {
                proposals: vec![gce.clone()],
                ..CommitOptions::default()
            })
            .unwrap_err(),
    );
    rejected(bob_group.propose(gce.clone()).unwrap_err());
    let out = alice
        .commit(CommitOptions {
            proposals: vec![gce],
            ..CommitOptions::default()
        })
        .unwrap();
    let epoch = bob_group.epoch();
    rejected(bob_group.process(&out.message).unwrap_err());
    assert_eq!(bob_group.epoch(), epoch);
    alice.merge_pending_commit(out.pending).unwrap();

    // Joining a group that lists the evil sender: by Welcome and by
    // external commit, a strict joiner refuses.
    let carol = group_common::candidate(&suite, "carol");
    let out = alice
        .commit(CommitOptions {
            proposals: vec![add_of(&carol)],
            ..CommitOptions::default()
        })
        .unwrap();
    rejected(
        Group::join(
            suite.clone(),
            carol.signer.clone(),
            out.welcome.as_ref().unwrap(),
            carol.bundle,
            None,
            group_common::config(false),
            strict(),
        )
        .unwrap_err(),
    );
    alice.merge_pending_commit(out.pending).unwrap();
    let info = alice.group_info(true).unwrap();
    let dave = Arc::new(SignatureKeyPair::generate(suite.clone()).unwrap());
    rejected(
        Group::external_join(
            suite.clone(),
            dave,
            Credential::basic("dave"),
            &info,
            None,
            ExternalJoinOptions::default(),
            group_common::config(false),
            strict(),
        )
        .unwrap_err(),
    );
}
