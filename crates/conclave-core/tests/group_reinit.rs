//! ReInit (RFC 9420 §11.2) and branching (§11.3) over the seven suites:
//! a ReInit changing the ciphersuite, group id and extensions, with
//! proposer, committer and welcomer three different members; branches with
//! and without extensions. Negative tests: messages to the old group after
//! a ReInit, a branch PSK in a regular commit, a ReInit to a lower version,
//! mismatching resumption joins (no ReInit, no PSK, epoch other than 1, a
//! branch of another version or suite or with a stranger), each with its
//! own error.

mod group_common;

use std::sync::Arc;

use conclave_core::crypto::{CipherSuite, SignatureKeyPair};
use conclave_core::group::{CommitOptions, Forgery, Group, Services};
use conclave_core::key_package::KeyPackageBuilder;
use conclave_core::time::SystemClock;
use conclave_core::wire::{
    Credential, CredentialType, Extension, PreSharedKey, PreSharedKeyId, Proposal, ProtocolVersion,
    Psk, ReInit, RequiredCapabilities, ResumptionPskUsage,
};
use conclave_core::{Error, ProtocolError};
use group_common::{add_of, config, services, suite, suites, Client, World};

fn world(cs: CipherSuite, n: usize) -> World {
    let mut w = World::new(cs);
    let joiners = w.fresh(n - 1);
    let proposals = joiners.iter().map(add_of).collect();
    w.commit(
        0,
        CommitOptions {
            proposals,
            ..CommitOptions::default()
        },
        joiners,
    );
    w
}

fn required_basic() -> Extension {
    Extension::from_payload(&RequiredCapabilities {
        extension_types: Vec::new(),
        proposal_types: Vec::new(),
        credential_types: vec![CredentialType::BASIC],
    })
    .unwrap()
}

fn protocol(err: Error) -> ProtocolError {
    match err {
        Error::Protocol(p) => p,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

/// The group of `n` members reinitializes into `new_suite` with a new group
/// id and extensions: member 1 proposes, member 2 commits, member 3 creates
/// the successor and welcomes the others, who join with their old group.
fn reinit(old_suite: CipherSuite, new_suite: CipherSuite, n: usize) {
    let mut w = world(old_suite, n);
    let params = ReInit {
        group_id: b"the successor".to_vec().into(),
        version: ProtocolVersion::MLS10,
        cipher_suite: new_suite,
        extensions: vec![required_basic()],
    };
    let m = w.members[1]
        .group
        .propose(Proposal::ReInit(params.clone()))
        .unwrap();
    w.propose(1, m);
    w.commit(2, CommitOptions::default(), Vec::new());
    let last_old = w.members[0].group.epoch_authenticator().clone();
    for c in &w.members {
        assert_eq!(c.group.reinit(), Some(&params), "{}", c.name);
    }

    // The old group is closed: nothing is sent or accepted.
    let err = w.members[0].group.encrypt(b"late", b"").unwrap_err();
    assert_eq!(protocol(err), ProtocolError::GroupReInitialized);

    // New KeyPackages in the new suite.
    let cs = suite(new_suite);
    let mut fresh: Vec<(String, Arc<SignatureKeyPair>, _)> = Vec::new();
    for c in &w.members {
        let signer = Arc::new(SignatureKeyPair::generate(cs.clone()).unwrap());
        let bundle = KeyPackageBuilder::new()
            .build(
                cs.as_ref(),
                signer.as_ref(),
                Credential::basic(c.name.as_str()),
                &SystemClock,
            )
            .unwrap();
        fresh.push((c.name.clone(), signer, bundle));
    }
    let welcomer = 3;
    let kps = fresh
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != welcomer)
        .map(|(_, (_, _, b))| b.key_package.clone())
        .collect();
    let (successor, welcome) = w.members[welcomer]
        .group
        .reinit_successor(
            cs.clone(),
            fresh[welcomer].1.clone(),
            Credential::basic(w.members[welcomer].name.as_str()),
            kps,
            config(false),
            services(),
        )
        .unwrap();
    assert_eq!(successor.epoch(), 1);
    let welcome = welcome.unwrap();
    let mut members = Vec::new();
    for (i, (name, signer, bundle)) in fresh.into_iter().enumerate() {
        if i == welcomer {
            continue;
        }
        let group = w.members[i]
            .group
            .join_reinit(
                cs.clone(),
                signer.clone(),
                &welcome,
                bundle,
                None,
                config(false),
                services(),
            )
            .unwrap();
        members.push(Client {
            name,
            signer,
            group,
        });
    }
    members.push(Client {
        name: w.members[welcomer].name.clone(),
        signer: w.members[welcomer].signer.clone(),
        group: successor,
    });
    let mut next = World {
        cs,
        members,
        removed: Vec::new(),
        count: n,
        silent: 0,
    };
    next.check_agreement();
    assert_ne!(next.members[0].group.epoch_authenticator(), &last_old);
    let g = &next.members[0].group;
    assert_eq!(g.group_id(), b"the successor");
    assert_eq!(g.cipher_suite(), new_suite);
    assert_eq!(g.extensions(), &[required_basic()][..]);
    next.message(0);
    next.message(n - 1);
    next.commit(1, CommitOptions::default(), Vec::new());
    next.message(2);
}

/// Member 1 branches off members 0 and 2 (with new KeyPackages).
fn branch(cs: CipherSuite, extensions: Vec<Extension>) {
    let w = world(cs, 4);
    let picks = [0usize, 2];
    let mut fresh = Vec::new();
    for &i in &picks {
        let signer = Arc::new(SignatureKeyPair::generate(w.cs.clone()).unwrap());
        let bundle = KeyPackageBuilder::new()
            .build(
                w.cs.as_ref(),
                signer.as_ref(),
                Credential::basic(w.members[i].name.as_str()),
                &SystemClock,
            )
            .unwrap();
        fresh.push((i, signer, bundle));
    }
    let kps = fresh
        .iter()
        .map(|(_, _, b)| b.key_package.clone())
        .collect();
    let (sub, welcome) = w.members[1]
        .group
        .branch(b"a branch".to_vec(), kps, extensions.clone())
        .unwrap();
    let welcome = welcome.unwrap();
    let mut members = vec![Client {
        name: w.members[1].name.clone(),
        signer: w.members[1].signer.clone(),
        group: sub,
    }];
    for (i, signer, bundle) in fresh {
        let group = w.members[i]
            .group
            .join_branch(
                w.cs.clone(),
                signer.clone(),
                &welcome,
                bundle,
                None,
                config(true),
                services(),
            )
            .unwrap();
        members.push(Client {
            name: w.members[i].name.clone(),
            signer,
            group,
        });
    }
    let mut b = World {
        cs: w.cs.clone(),
        members,
        removed: Vec::new(),
        count: 4,
        silent: 0,
    };
    b.check_agreement();
    assert_eq!(b.members[0].group.epoch(), 1);
    assert_eq!(b.members[0].group.extensions(), &extensions[..]);
    b.message(0);
    b.message(2);
    b.commit(2, CommitOptions::default(), Vec::new());
    b.message(1);
    // The original group goes on as before.
    let mut w = w;
    w.message(3);
}

fn scenario(cs: CipherSuite) {
    let all = suites();
    let i = all.iter().position(|s| *s == cs).unwrap();
    reinit(cs, all[(i + 1) % all.len()], 4);
    reinit(cs, cs, 5);
    branch(cs, Vec::new());
    branch(cs, vec![required_basic()]);
}

#[test]
fn reinit_and_branch_x25519_aes128gcm_sha256_ed25519() {
    scenario(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
}

#[test]
fn reinit_and_branch_p256_aes128gcm_sha256_p256() {
    scenario(CipherSuite::P256_AES128GCM_SHA256_P256);
}

#[test]
fn reinit_and_branch_x25519_chacha20poly1305_sha256_ed25519() {
    scenario(CipherSuite::X25519_CHACHA20POLY1305_SHA256_ED25519);
}

#[test]
fn reinit_and_branch_x448_aes256gcm_sha512_ed448() {
    scenario(CipherSuite::X448_AES256GCM_SHA512_ED448);
}

#[test]
fn reinit_and_branch_p521_aes256gcm_sha512_p521() {
    scenario(CipherSuite::P521_AES256GCM_SHA512_P521);
}

#[test]
fn reinit_and_branch_x448_chacha20poly1305_sha512_ed448() {
    scenario(CipherSuite::X448_CHACHA20POLY1305_SHA512_ED448);
}

#[test]
fn reinit_and_branch_p384_aes256gcm_sha384_p384() {
    scenario(CipherSuite::P384_AES256GCM_SHA384_P384);
}

#[test]
fn all_suites_are_covered() {
    assert_eq!(suites().len(), 7);
}

// --- Negative tests.

#[test]
fn message_to_the_old_group_after_reinit_is_refused() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    // A message of the last epoch, sent before the ReInit commit lands.
    let late = w.members[0].group.encrypt(b"late", b"").unwrap();
    let params = ReInit {
        group_id: b"next".to_vec().into(),
        version: ProtocolVersion::MLS10,
        cipher_suite: w.members[0].group.cipher_suite(),
        extensions: Vec::new(),
    };
    w.commit(
        1,
        CommitOptions {
            proposals: vec![Proposal::ReInit(params)],
            ..CommitOptions::default()
        },
        Vec::new(),
    );
    let epoch = w.members[2].group.epoch();
    let err = w.members[2].group.process(&late).unwrap_err();
    assert_eq!(protocol(err), ProtocolError::GroupReInitialized);
    assert_eq!(w.members[2].group.epoch(), epoch);
    for c in &mut w.members {
        let err = c.group.commit(CommitOptions::default()).unwrap_err();
        assert_eq!(protocol(err), ProtocolError::GroupReInitialized);
        let err = c
            .group
            .propose(Proposal::Remove(conclave_core::wire::Remove { removed: 0 }))
            .unwrap_err();
        assert_eq!(protocol(err), ProtocolError::GroupReInitialized);
    }
}

#[test]
fn branch_psk_in_a_regular_commit_is_refused() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let psk = Proposal::PreSharedKey(PreSharedKey {
        psk: PreSharedKeyId {
            psk: Psk::Resumption {
                usage: ResumptionPskUsage::Branch,
                psk_group_id: w.members[0].group.group_id().to_vec().into(),
                psk_epoch: w.members[0].group.epoch(),
            },
            psk_nonce: vec![3u8; w.cs.hash_len()].into(),
        },
    });
    // The committer's own checks refuse it.
    let err = w.members[0]
        .group
        .commit(CommitOptions {
            proposals: vec![psk.clone()],
            ..CommitOptions::default()
        })
        .unwrap_err();
    assert_eq!(protocol(err), ProtocolError::PskUsageNotApplication);
    // A forged one is refused by the receivers.
    let out = w.members[0]
        .group
        .commit_forged(
            CommitOptions {
                proposals: vec![psk],
                ..CommitOptions::default()
            },
            &Forgery {
                skip_checks: true,
                ..Forgery::default()
            },
        )
        .unwrap();
    let err = w.members[1].group.process(&out.message).unwrap_err();
    assert_eq!(protocol(err), ProtocolError::PskUsageNotApplication);
}

#[test]
fn join_reinit_without_a_reinit_is_refused() {
    let w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    // A branch Welcome offered as a reinit one.
    let j = w.fresh_candidate_for(0);
    let (_, welcome) = w.members[1]
        .group
        .branch(
            b"b".to_vec(),
            vec![j.bundle.key_package.clone()],
            Vec::new(),
        )
        .unwrap();
    let err = w.members[0]
        .group
        .join_reinit(
            w.cs.clone(),
            j.signer.clone(),
            welcome.as_ref().unwrap(),
            j.bundle,
            None,
            config(false),
            services(),
        )
        .unwrap_err();
    assert_eq!(protocol(err), ProtocolError::ReInitMismatch);
}

#[test]
fn branch_welcome_without_the_branch_psk_is_refused() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    // An ordinary Welcome (no resumption PSK) presented as a branch.
    let j = group_common::candidate(&w.cs, "newbie");
    let out = w.members[1]
        .group
        .commit(CommitOptions {
            proposals: vec![Proposal::Add(conclave_core::wire::Add {
                key_package: Box::new(j.bundle.key_package.clone()),
            })],
            ..CommitOptions::default()
        })
        .unwrap();
    let err = w.members[2]
        .group
        .join_branch(
            w.cs.clone(),
            j.signer.clone(),
            out.welcome.as_ref().unwrap(),
            j.bundle,
            None,
            config(false),
            services(),
        )
        .unwrap_err();
    assert_eq!(protocol(err), ProtocolError::ResumptionPskMissing);
    drop(out);
    w.message(0);
}

#[test]
fn branch_with_a_stranger_is_refused() {
    let w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let stranger = group_common::candidate(&w.cs, "stranger");
    let (_, welcome) = w.members[1]
        .group
        .branch(
            b"b".to_vec(),
            vec![stranger.bundle.key_package.clone()],
            Vec::new(),
        )
        .unwrap();
    let err = w.members[0]
        .group
        .join_branch(
            w.cs.clone(),
            stranger.signer.clone(),
            welcome.as_ref().unwrap(),
            stranger.bundle,
            None,
            config(false),
            services(),
        )
        .unwrap_err();
    // The stranger is the branch's second leaf (the creator is leaf 0).
    assert_eq!(
        protocol(err),
        ProtocolError::BranchMemberNotInOldGroup { leaf: 1 }
    );
}

/// A member's new KeyPackage and signer for a branch or successor.
fn fresh_for(w: &World, i: usize) -> group_common::Candidate {
    group_common::candidate(&w.cs, &w.members[i].name)
}

#[test]
fn branch_welcome_of_another_version_is_refused() {
    let w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let j = fresh_for(&w, 0);
    let (_, welcome) = w.members[1]
        .group
        .branch(
            b"b".to_vec(),
            vec![j.bundle.key_package.clone()],
            Vec::new(),
        )
        .unwrap();
    let mut welcome = welcome.unwrap();
    welcome.version = ProtocolVersion(2);
    let err = w.members[0]
        .group
        .join_branch(
            w.cs.clone(),
            j.signer.clone(),
            &welcome,
            j.bundle,
            None,
            config(false),
            services(),
        )
        .unwrap_err();
    assert_eq!(
        protocol(err),
        ProtocolError::BranchVersionMismatch { old: 1, branch: 2 }
    );
}

#[test]
fn branch_welcome_of_another_suite_is_refused() {
    let w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    // A Welcome of a group in suite 2, offered as a branch of the suite-1 group.
    let other = CipherSuite::P256_AES128GCM_SHA256_P256;
    let v = world(other, 2);
    // "m2" of the old group (the other group has only m0 and m1).
    let j = group_common::candidate(&v.cs, &w.members[2].name);
    let mut creator = v.members.into_iter().next().unwrap();
    let out = creator
        .group
        .commit(CommitOptions {
            proposals: vec![add_of(&j)],
            ..CommitOptions::default()
        })
        .unwrap();
    let err = w.members[0]
        .group
        .join_branch(
            v.cs.clone(),
            j.signer.clone(),
            out.welcome.as_ref().unwrap(),
            j.bundle,
            None,
            config(false),
            services(),
        )
        .unwrap_err();
    assert_eq!(
        protocol(err),
        ProtocolError::BranchCipherSuiteMismatch {
            old: CipherSuite::X25519_AES128GCM_SHA256_ED25519.0,
            branch: other.0,
        }
    );
}

/// A resumption Welcome must be for epoch 1 (§12.4.3.1): a "branch" whose
/// creator committed once before adding us with the branch PSK is refused,
/// although the PSK is the right one.
#[test]
fn branch_welcome_for_epoch_two_is_refused() {
    let w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let old = &w.members[0].group;
    let psk = PreSharedKeyId {
        psk: Psk::Resumption {
            usage: ResumptionPskUsage::Branch,
            psk_group_id: old.group_id().to_vec().into(),
            psk_epoch: old.epoch(),
        },
        psk_nonce: vec![9u8; w.cs.hash_len()].into(),
    };
    let secret = old.resumption_psk(old.epoch()).unwrap().clone();
    let wanted = psk.psk.clone();
    let store = move |id: &PreSharedKeyId| (id.psk == wanted).then(|| secret.clone());
    let creator = fresh_for(&w, 1);
    let mut branch = Group::create(
        w.cs.clone(),
        creator.signer.clone(),
        Credential::basic(creator.name.as_str()),
        b"late branch".to_vec(),
        Vec::new(),
        config(false),
        Services {
            psks: Arc::new(store),
            ..services()
        },
    )
    .unwrap();
    let out = branch
        .commit(CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        })
        .unwrap();
    branch.merge_pending_commit(out.pending).unwrap();
    let j = fresh_for(&w, 0);
    let out = branch
        .commit_forged(
            CommitOptions {
                proposals: vec![add_of(&j), Proposal::PreSharedKey(PreSharedKey { psk })],
                ..CommitOptions::default()
            },
            &Forgery {
                skip_checks: true,
                ..Forgery::default()
            },
        )
        .unwrap();
    branch.merge_pending_commit(out.pending).unwrap();
    assert_eq!(branch.epoch(), 2);
    let err = w.members[0]
        .group
        .join_branch(
            w.cs.clone(),
            j.signer.clone(),
            out.welcome.as_ref().unwrap(),
            j.bundle,
            None,
            config(false),
            services(),
        )
        .unwrap_err();
    assert_eq!(protocol(err), ProtocolError::ResumptionWelcomeEpoch(2));
}

/// §12.1.5: a ReInit to a lower protocol version is invalid: refused when
/// proposed, and by receivers of a commit that carries one.
#[test]
fn reinit_to_a_lower_version_is_refused() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let downgrade = Proposal::ReInit(ReInit {
        group_id: b"older".to_vec().into(),
        version: ProtocolVersion(0),
        cipher_suite: w.members[0].group.cipher_suite(),
        extensions: Vec::new(),
    });
    let expected = ProtocolError::ReInitVersionDowngrade {
        proposed: 0,
        current: 1,
    };
    let err = w.members[0].group.propose(downgrade.clone()).unwrap_err();
    assert_eq!(protocol(err), expected);
    let err = w.members[0]
        .group
        .commit(CommitOptions {
            proposals: vec![downgrade.clone()],
            ..CommitOptions::default()
        })
        .unwrap_err();
    assert_eq!(protocol(err), expected);
    let out = w.members[0]
        .group
        .commit_forged(
            CommitOptions {
                proposals: vec![downgrade],
                ..CommitOptions::default()
            },
            &Forgery {
                skip_checks: true,
                ..Forgery::default()
            },
        )
        .unwrap();
    let epoch = w.members[1].group.epoch();
    let err = w.members[1].group.process(&out.message).unwrap_err();
    assert_eq!(protocol(err), expected);
    assert_eq!(w.members[1].group.epoch(), epoch);
    assert!(w.members[1].group.reinit().is_none());
    // The same version is fine.
    let same = Proposal::ReInit(ReInit {
        group_id: b"same".to_vec().into(),
        version: ProtocolVersion::MLS10,
        cipher_suite: w.members[1].group.cipher_suite(),
        extensions: Vec::new(),
    });
    let m = w.members[1].group.propose(same).unwrap();
    assert!(matches!(
        w.members[2].group.process(&m).unwrap(),
        conclave_core::group::Received::Proposal { .. }
    ));
}

trait Fresh {
    fn fresh_candidate_for(&self, i: usize) -> group_common::Candidate;
}

impl Fresh for World {
    /// A new KeyPackage for member `i` (same identity).
    fn fresh_candidate_for(&self, i: usize) -> group_common::Candidate {
        group_common::candidate(&self.cs, &self.members[i].name)
    }
}
