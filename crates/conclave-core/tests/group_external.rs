//! External commits (RFC 9420 §12.4.3.2) over the seven suites: joins into
//! groups of 2 and 100 members, with and without a PSK, with the tree in the
//! GroupInfo or out of band, and resync ("remove prior"); then the §12.2
//! rules for external commits, each with its own error.

mod group_common;

use std::sync::Arc;

use conclave_core::credential::IdentityValidator;
use conclave_core::crypto::{CipherSuite, SignatureKeyPair};
use conclave_core::group::{
    group_info_of, CommitOptions, ExternalJoinOptions, Group, Received, RemovePrior, Services,
};
use conclave_core::tree::LeafIndex;
use conclave_core::wire::{
    Add, Credential, ExternalInit, MlsMessage, PreSharedKeyId, Proposal, ProposalOrRef, Psk, Remove,
};
use conclave_core::{Error, ProtocolError};
use group_common::{add_of, config, services, suites, Client, World, EXTERNAL_PSK_ID};

/// A world of `n` members, built with one commit adding `n - 1`
/// KeyPackages. Only the creator and two joiners (m1 and the last one) get
/// a Group object; the others exist in the tree only
/// ("silent"), which keeps the 100-member setup cheap in every suite: no
/// full tree validation per silent member, and each commit is processed
/// by a handful of members.
fn world(cs: CipherSuite, n: usize) -> World {
    let mut w = World::new(cs);
    let joiners = w.fresh(n - 1);
    let proposals = joiners.iter().map(add_of).collect();
    let last = n - 2;
    let full: Vec<_> = joiners
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i == 0 || *i == last)
        .map(|(_, c)| c)
        .collect();
    w.silent = n - 1 - full.len();
    w.commit(
        0,
        CommitOptions {
            proposals,
            ..CommitOptions::default()
        },
        full,
    );
    w
}

fn external_psk(w: &World) -> PreSharedKeyId {
    PreSharedKeyId {
        psk: Psk::External {
            psk_id: EXTERNAL_PSK_ID.to_vec().into(),
        },
        psk_nonce: vec![7u8; w.cs.hash_len()].into(),
    }
}

/// `name` joins by an external commit from member `from`'s GroupInfo.
fn join_externally(
    w: &World,
    from: usize,
    name: &str,
    tree_in_info: bool,
    options: ExternalJoinOptions,
) -> conclave_core::error::Result<(Client, MlsMessage)> {
    let signer = Arc::new(SignatureKeyPair::generate(w.cs.clone()).unwrap());
    join_externally_as(w, from, name, signer, tree_in_info, options)
}

/// As [`join_externally`], with a given signature key.
fn join_externally_as(
    w: &World,
    from: usize,
    name: &str,
    signer: Arc<SignatureKeyPair>,
    tree_in_info: bool,
    options: ExternalJoinOptions,
) -> conclave_core::error::Result<(Client, MlsMessage)> {
    let info = w.members[from].group.group_info(tree_in_info)?;
    let tree = (!tree_in_info).then(|| w.members[from].group.ratchet_tree());
    let (group, commit) = Group::external_join(
        w.cs.clone(),
        signer.clone(),
        Credential::basic(name),
        &info,
        tree,
        options,
        config(false),
        services(),
    )?;
    Ok((
        Client {
            name: name.to_string(),
            signer,
            group,
        },
        commit,
    ))
}

/// Every member processes the external commit and merges it.
fn deliver(w: &mut World, joiner: Client, commit: &MlsMessage) {
    let mut gone = Vec::new();
    for (i, c) in w.members.iter_mut().enumerate() {
        match c.group.process(commit).unwrap() {
            Received::Commit(staged) => {
                assert_eq!(staged.added().len(), 1);
                assert_eq!(staged.added()[0].0, joiner.group.own_leaf());
                if staged.self_removed() {
                    gone.push(i);
                }
                c.group.merge_staged_commit(staged).unwrap();
            }
            other => panic!("{}: expected a commit, got {other:?}", c.name),
        }
    }
    for i in gone.into_iter().rev() {
        let c = w.members.remove(i);
        w.removed.push(c);
    }
    w.members.push(joiner);
    w.check_agreement();
}

/// `name` joins by an external commit from member `from` (tree in the
/// GroupInfo or out of band, with or without the external PSK), or, with
/// `resync`, rejoins removing its prior leaf chosen by identity; then the
/// joiner and member 0 send application messages in the new epoch.
fn external_step(
    w: &mut World,
    from: usize,
    name: &str,
    tree_in_info: bool,
    psk: bool,
    resync: bool,
) {
    let options = ExternalJoinOptions {
        psks: if psk {
            vec![external_psk(w)]
        } else {
            Vec::new()
        },
        remove_prior: resync.then_some(RemovePrior::SameIdentity),
        ..ExternalJoinOptions::default()
    };
    let before = w.members.len();
    let prior = resync.then(|| w.members[w.position(name)].group.own_leaf());
    let (j, commit) = join_externally(w, from, name, tree_in_info, options).unwrap();
    if let Some(leaf) = prior {
        assert_eq!(
            j.group.own_leaf(),
            leaf,
            "the resynced member takes its old leaf"
        );
    }
    deliver(w, j, &commit);
    assert_eq!(w.members.len(), before + usize::from(!resync));
    if resync {
        assert_eq!(w.removed.last().map(|c| c.name.as_str()), Some(name));
    }
    w.message(w.members.len() - 1);
    w.message(0);
}

/// In a group of 2: every combination of {tree in the GroupInfo, tree out
/// of band} x {no PSK, external PSK}, each as a fresh join and then as a
/// resync of the same joiner (remove prior). In a group of 100: each of
/// the four tree x PSK combinations once, two as fresh joins and two as
/// resyncs (of an external joiner and of a member that joined by Welcome).
/// Both groups then go on with a regular commit.
fn scenario(cs: CipherSuite) {
    let mut w = world(cs, 2);
    let combos = [(true, false), (false, true), (true, true), (false, false)];
    for (k, (tree_in_info, psk)) in combos.into_iter().enumerate() {
        let name = format!("ext-{k}");
        let from = k % w.members.len();
        external_step(&mut w, from, &name, tree_in_info, psk, false);
        let from = (k + 1) % w.members.len();
        external_step(&mut w, from, &name, tree_in_info, psk, true);
    }
    external_step(&mut w, 0, "m1", true, false, true);
    assert_eq!(w.members[0].group.members().count(), 2 + 4);
    go_on(&mut w);

    let mut w = world(cs, 100);
    external_step(&mut w, 0, "ext-0", true, false, false);
    external_step(&mut w, 1, "ext-1", false, true, false);
    external_step(&mut w, 2, "ext-0", true, true, true);
    external_step(&mut w, 3, "m1", false, false, true);
    assert_eq!(w.members[0].group.members().count(), 100 + 2);
    go_on(&mut w);
}

/// A regular commit by the last joiner after the external joins, and a
/// message in its epoch.
fn go_on(w: &mut World) {
    let last = w.members.len() - 1;
    w.commit(
        last,
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        Vec::new(),
    );
    w.message(0);
}

#[test]
fn external_join_x25519_aes128gcm_sha256_ed25519() {
    scenario(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
}

#[test]
fn external_join_p256_aes128gcm_sha256_p256() {
    scenario(CipherSuite::P256_AES128GCM_SHA256_P256);
}

#[test]
fn external_join_x25519_chacha20poly1305_sha256_ed25519() {
    scenario(CipherSuite::X25519_CHACHA20POLY1305_SHA256_ED25519);
}

#[test]
fn external_join_x448_aes256gcm_sha512_ed448() {
    scenario(CipherSuite::X448_AES256GCM_SHA512_ED448);
}

#[test]
fn external_join_p521_aes256gcm_sha512_p521() {
    scenario(CipherSuite::P521_AES256GCM_SHA512_P521);
}

#[test]
fn external_join_x448_chacha20poly1305_sha512_ed448() {
    scenario(CipherSuite::X448_CHACHA20POLY1305_SHA512_ED448);
}

#[test]
fn external_join_p384_aes256gcm_sha384_p384() {
    scenario(CipherSuite::P384_AES256GCM_SHA384_P384);
}

#[test]
fn all_suites_are_covered() {
    assert_eq!(suites().len(), 7);
}

// --- Negative tests: each rule its own error; the group is left as it was.

fn refused(w: &mut World, commit: &MlsMessage) -> Error {
    let epoch = w.members[0].group.epoch();
    let auth = w.members[0].group.epoch_authenticator().clone();
    let err = w.members[0].group.process(commit).unwrap_err();
    assert_eq!(w.members[0].group.epoch(), epoch);
    assert_eq!(w.members[0].group.epoch_authenticator(), &auth);
    err
}

fn forged(extra: Vec<ProposalOrRef>) -> ExternalJoinOptions {
    ExternalJoinOptions {
        forged_extra: extra,
        ..ExternalJoinOptions::default()
    }
}

#[test]
fn external_commit_with_two_external_inits_is_refused() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let extra = vec![ProposalOrRef::from(Proposal::ExternalInit(ExternalInit {
        kem_output: vec![1u8; 32].into(),
    }))];
    let (_, commit) = join_externally(&w, 1, "ext", true, forged(extra)).unwrap();
    let err = refused(&mut w, &commit);
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::ExternalCommitInitCount { count: 2 })
        ),
        "{err:?}"
    );
}

#[test]
fn external_commit_with_an_add_is_refused() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let other = w.fresh(1).pop().unwrap();
    let extra = vec![ProposalOrRef::from(Proposal::Add(Add {
        key_package: Box::new(other.bundle.key_package.clone()),
    }))];
    let (_, commit) = join_externally(&w, 1, "ext", true, forged(extra)).unwrap();
    let err = refused(&mut w, &commit);
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::ExternalCommitProposalNotAllowed(_))
        ),
        "{err:?}"
    );
}

#[test]
fn external_commit_with_two_removes_is_refused() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let extra = vec![
        ProposalOrRef::from(Proposal::Remove(Remove { removed: 1 })),
        ProposalOrRef::from(Proposal::Remove(Remove { removed: 2 })),
    ];
    let (_, commit) = join_externally(&w, 1, "ext", true, forged(extra)).unwrap();
    let err = refused(&mut w, &commit);
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::ExternalCommitMultipleRemoves)
        ),
        "{err:?}"
    );
}

#[test]
fn external_commit_with_a_proposal_by_reference_is_refused() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let extra = vec![ProposalOrRef::Reference(vec![0u8; 32].into())];
    let (_, commit) = join_externally(&w, 1, "ext", true, forged(extra)).unwrap();
    let err = refused(&mut w, &commit);
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::ExternalCommitProposalByReference)
        ),
        "{err:?}"
    );
}

/// An Authentication Service that says every credential is the same client:
/// lets a joiner build the commit of a malicious or misconfigured one, whose
/// own AS would let it remove anybody.
struct EveryoneIsOne;

impl IdentityValidator for EveryoneIsOne {
    fn validate_credential(
        &self,
        _credential: &Credential,
        _signature_key: &[u8],
        _cipher_suite: CipherSuite,
    ) -> conclave_core::error::Result<()> {
        Ok(())
    }

    fn identity(&self, _credential: &Credential) -> conclave_core::error::Result<Vec<u8>> {
        Ok(b"one".to_vec())
    }
}

fn remove_leaf(victim: LeafIndex) -> ExternalJoinOptions {
    ExternalJoinOptions {
        remove_prior: Some(RemovePrior::Leaf(victim)),
        ..ExternalJoinOptions::default()
    }
}

#[test]
fn external_commit_removing_another_identity_is_refused() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let victim = w.members[w.position("m2")].group.own_leaf();
    let info = w.members[1].group.group_info(true).unwrap();
    let (_, commit) = Group::external_join(
        w.cs.clone(),
        Arc::new(SignatureKeyPair::generate(w.cs.clone()).unwrap()),
        Credential::basic("mallory"),
        &info,
        None,
        remove_leaf(victim),
        config(false),
        Services {
            identity: Arc::new(EveryoneIsOne),
            ..services()
        },
    )
    .unwrap();
    let err = refused(&mut w, &commit);
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::ExternalCommitRemovesOtherIdentity)
        ),
        "{err:?}"
    );
}

#[test]
fn external_join_removing_another_identity_is_refused_by_the_joiner() {
    let w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let victim = w.members[w.position("m2")].group.own_leaf();
    let Err(err) = join_externally(&w, 1, "mallory", true, remove_leaf(victim)) else {
        panic!("the joiner built a commit removing another identity");
    };
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::ExternalCommitRemovesOtherIdentity)
        ),
        "{err:?}"
    );
}

#[test]
fn external_join_without_external_pub_is_refused() {
    let mut w = World::new(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
    // A GroupInfo from a member configured without external_pub.
    let mut g = Group::create(
        w.cs.clone(),
        w.members[0].signer.clone(),
        Credential::basic("solo"),
        b"no external".to_vec(),
        Vec::new(),
        conclave_core::group::GroupConfig {
            external_pub: false,
            ..config(false)
        },
        services(),
    )
    .unwrap();
    let info = g.group_info(true).unwrap();
    assert!(group_info_of(&info).is_ok());
    let signer = Arc::new(SignatureKeyPair::generate(w.cs.clone()).unwrap());
    let err = Group::external_join(
        w.cs.clone(),
        signer,
        Credential::basic("ext"),
        &info,
        None,
        ExternalJoinOptions::default(),
        config(false),
        services(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::GroupInfoWithoutExternalPub)
        ),
        "{err:?}"
    );
    // The group itself is unaffected.
    let _ = g.commit(CommitOptions::default()).unwrap();
    w.members.clear();
}

#[test]
fn external_commit_to_a_moved_on_group_is_refused() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let (_, commit) = join_externally(&w, 1, "late", true, ExternalJoinOptions::default()).unwrap();
    w.commit(
        0,
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        Vec::new(),
    );
    let err = refused(&mut w, &commit);
    assert!(
        matches!(err, Error::Protocol(ProtocolError::EpochMismatch { .. })),
        "{err:?}"
    );
}

/// Resync by identity when two leaves present it (§12.4.3.2): without our
/// signature key among them the joiner refuses to guess
/// (`AmbiguousIdentity`); with it, that leaf is the one removed.
#[test]
fn resync_by_an_ambiguous_identity_is_refused_unless_the_key_decides() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let original = w.members[w.position("m1")].group.own_leaf();
    // "m1" joins a second time, without removing its first leaf.
    let key = Arc::new(SignatureKeyPair::generate(w.cs.clone()).unwrap());
    let (j, commit) = join_externally_as(
        &w,
        0,
        "m1",
        key.clone(),
        true,
        ExternalJoinOptions::default(),
    )
    .unwrap();
    let second = j.group.own_leaf();
    deliver(&mut w, j, &commit);
    let resync = || ExternalJoinOptions {
        remove_prior: Some(RemovePrior::SameIdentity),
        ..ExternalJoinOptions::default()
    };
    // A new key matches neither leaf: ambiguous.
    let Err(err) = join_externally(&w, 0, "m1", true, resync()) else {
        panic!("an ambiguous resync was accepted");
    };
    assert!(
        matches!(
            err,
            Error::Protocol(ProtocolError::AmbiguousIdentity { count: 2 })
        ),
        "{err:?}"
    );
    // The key of the second leaf singles it out.
    let (j, commit) = join_externally_as(&w, 1, "m1", key, true, resync()).unwrap();
    assert_eq!(j.group.own_leaf(), second);
    let members = w.members.len();
    // Both "m1" clients are in `w.members`; the second one is removed.
    let mut gone = Vec::new();
    for (i, c) in w.members.iter_mut().enumerate() {
        let Received::Commit(staged) = c.group.process(&commit).unwrap() else {
            panic!("expected a commit");
        };
        assert_eq!(
            staged.removed().iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            vec![second]
        );
        if staged.self_removed() {
            gone.push(i);
        }
        c.group.merge_staged_commit(staged).unwrap();
    }
    assert_eq!(gone.len(), 1);
    let old = w.members.remove(gone[0]);
    assert_eq!(old.group.own_leaf(), second);
    w.removed.push(old);
    w.members.push(j);
    w.check_agreement();
    assert_eq!(w.members.len(), members);
    assert!(w.members[0].group.members().any(|m| m.index == original));
    w.message(w.members.len() - 1);
}

/// A branch PSK is only for a branch's first commit (§8.6, §11.3): an
/// external commit carrying one is refused like a regular commit.
#[test]
fn external_commit_with_a_branch_psk_is_refused() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let branch_psk = PreSharedKeyId {
        psk: Psk::Resumption {
            usage: conclave_core::wire::ResumptionPskUsage::Branch,
            psk_group_id: w.members[0].group.group_id().to_vec().into(),
            psk_epoch: w.members[0].group.epoch(),
        },
        psk_nonce: vec![5u8; w.cs.hash_len()].into(),
    };
    let extra = vec![ProposalOrRef::from(Proposal::PreSharedKey(
        conclave_core::wire::PreSharedKey { psk: branch_psk },
    ))];
    let (_, commit) = join_externally(&w, 1, "ext", true, forged(extra)).unwrap();
    let err = refused(&mut w, &commit);
    assert!(
        matches!(err, Error::Protocol(ProtocolError::PskUsageNotApplication)),
        "{err:?}"
    );
}
