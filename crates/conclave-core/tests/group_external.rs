//! External commits (RFC 9420 §12.4.3.2) over the seven suites: joins into
//! groups of 2 and 100 members, with and without a PSK, with the tree in the
//! GroupInfo or out of band, and resync ("remove prior"); then the §12.2
//! rules for external commits, each with its own error.

mod group_common;

use std::sync::Arc;

use conclave_core::crypto::{CipherSuite, SignatureKeyPair};
use conclave_core::group::{
    group_info_of, CommitOptions, ExternalJoinOptions, Group, Received, RemovePrior,
};
use conclave_core::wire::{
    Add, Credential, ExternalInit, MlsMessage, PreSharedKeyId, Proposal, ProposalOrRef, Psk, Remove,
};
use conclave_core::{Error, ProtocolError};
use group_common::{add_of, config, services, suites, Client, World, EXTERNAL_PSK_ID};

/// A world of `n` members (one commit adds them all).
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
    let info = w.members[from].group.group_info(tree_in_info)?;
    let tree = (!tree_in_info).then(|| w.members[from].group.ratchet_tree());
    let signer = Arc::new(SignatureKeyPair::generate(w.cs.clone()).unwrap());
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

/// Group sizes: 2 and 100 on the first suite; 2 and 16 on the others (the
/// 100-member setup costs every joiner a full tree validation, ~10^4
/// signature checks, which is slow on the P-521 and X448 suites).
fn sizes(cs: CipherSuite) -> [usize; 2] {
    if cs == CipherSuite::X25519_AES128GCM_SHA256_ED25519 {
        [2, 100]
    } else {
        [2, 16]
    }
}

fn scenario(cs: CipherSuite) {
    for n in sizes(cs) {
        let mut w = world(cs, n);
        // Tree in the GroupInfo, no PSK.
        let (j, commit) =
            join_externally(&w, 0, "ext-a", true, ExternalJoinOptions::default()).unwrap();
        deliver(&mut w, j, &commit);
        w.message(w.members.len() - 1);
        w.message(0);
        // Tree out of band, with an external PSK, GroupInfo from the last joiner.
        let from = w.members.len() - 1;
        let psk = external_psk(&w);
        let (j, commit) = join_externally(
            &w,
            from,
            "ext-b",
            false,
            ExternalJoinOptions {
                psks: vec![psk],
                ..ExternalJoinOptions::default()
            },
        )
        .unwrap();
        deliver(&mut w, j, &commit);
        w.message(1);
        // Resync: "m1" rejoins, removing its prior leaf (by identity).
        let before = w.members.len();
        let old_leaf = w.members[w.position("m1")].group.own_leaf();
        let (j, commit) = join_externally(
            &w,
            0,
            "m1",
            true,
            ExternalJoinOptions {
                remove_prior: Some(RemovePrior::SameIdentity),
                ..ExternalJoinOptions::default()
            },
        )
        .unwrap();
        assert_eq!(
            j.group.own_leaf(),
            old_leaf,
            "the resynced member takes its old leaf"
        );
        deliver(&mut w, j, &commit);
        assert_eq!(w.members.len(), before);
        assert_eq!(w.removed.len(), 1);
        let last = w.members.len() - 1;
        w.message(last);
        // Regular commits keep working afterwards.
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
    let extra = vec![ProposalOrRef::Proposal(Proposal::ExternalInit(
        ExternalInit {
            kem_output: vec![1u8; 32].into(),
        },
    ))];
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
    let extra = vec![ProposalOrRef::Proposal(Proposal::Add(Add {
        key_package: other.bundle.key_package.clone(),
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
        ProposalOrRef::Proposal(Proposal::Remove(Remove { removed: 1 })),
        ProposalOrRef::Proposal(Proposal::Remove(Remove { removed: 2 })),
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

#[test]
fn external_commit_removing_another_identity_is_refused() {
    let mut w = world(CipherSuite::X25519_AES128GCM_SHA256_ED25519, 3);
    let victim = w.members[w.position("m2")].group.own_leaf();
    let (_, commit) = join_externally(
        &w,
        1,
        "mallory",
        true,
        ExternalJoinOptions {
            remove_prior: Some(RemovePrior::Leaf(victim)),
            ..ExternalJoinOptions::default()
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
