//! Group scenarios over all seven RFC 9420 suites: a group grows from 1 to
//! 50 members by batches of Adds proposed by several members, with Updates,
//! Removes, external and resumption PSKs, GroupContextExtensions changes and
//! application messages, with members on both handshake policies (Private
//! and Public). After every commit every member's epoch authenticator
//! agrees, every message decrypts for every member, and removed members can
//! no longer read the group.

mod group_common;

use conclave_core::crypto::CipherSuite;
use conclave_core::group::CommitOptions;
use conclave_core::wire::{
    CredentialType, Extension, GroupContextExtensions, PreSharedKey, PreSharedKeyId, Proposal, Psk,
    Remove, RequiredCapabilities, ResumptionPskUsage,
};
use group_common::{add_of, World, EXTERNAL_PSK_ID};

fn nonce(w: &World) -> Vec<u8> {
    let mut n = vec![0u8; w.cs.hash_len()];
    w.cs.random_bytes(&mut n).unwrap();
    n
}

fn scenario(suite: CipherSuite) {
    let mut w = World::new(suite);
    // The creator adds three members by value.
    let first = w.fresh(3);
    let adds = first.iter().map(add_of).collect();
    w.commit(
        0,
        CommitOptions {
            proposals: adds,
            ..CommitOptions::default()
        },
        first,
    );
    w.message(0);
    w.message(2);

    let mut round = 0usize;
    while w.members.len() < 50 {
        round += 1;
        // Several members propose Adds (by reference); another one commits
        // them together with some Adds by value.
        let mut joiners = Vec::new();
        let proposers = w.members.len().min(3);
        for p in 0..proposers {
            let batch = w.fresh(2);
            for c in &batch {
                let m = w.members[p].group.propose(add_of(c)).unwrap();
                w.propose(p, m);
            }
            joiners.extend(batch);
        }
        let by_value = w.fresh(2);
        let proposals = by_value.iter().map(add_of).collect();
        joiners.extend(by_value);
        let committer = (round * 7) % w.members.len();
        w.commit(
            committer,
            CommitOptions {
                proposals,
                ..CommitOptions::default()
            },
            joiners,
        );
        w.message(committer);
        w.message(w.members.len() - 1);

        // An Update proposed by one member, committed by another.
        let updater = (round * 5 + 1) % w.members.len();
        let m = w.members[updater].group.propose_update().unwrap();
        w.propose(updater, m);
        let committer = (updater + 1) % w.members.len();
        w.commit(committer, CommitOptions::default(), Vec::new());
        w.message(updater);

        // A Remove by reference every other round, by value otherwise.
        let victim = (round * 3 + 2) % w.members.len();
        let leaf = w.members[victim].group.own_leaf().0;
        let remover = (victim + 2) % w.members.len();
        if round.is_multiple_of(2) {
            let proposer = (victim + 1) % w.members.len();
            let m = w.members[proposer]
                .group
                .propose(Proposal::Remove(Remove { removed: leaf }))
                .unwrap();
            w.propose(proposer, m);
            w.commit(remover, CommitOptions::default(), Vec::new());
        } else {
            w.commit(
                remover,
                CommitOptions {
                    proposals: vec![Proposal::Remove(Remove { removed: leaf })],
                    ..CommitOptions::default()
                },
                Vec::new(),
            );
        }
        w.message(0);

        // A path-only commit every round.
        let c = round % w.members.len();
        w.commit(
            c,
            CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            Vec::new(),
        );
    }

    // PSKs: an external one, then a resumption PSK of the previous epoch.
    let n = nonce(&w);
    w.commit(
        1,
        CommitOptions {
            proposals: vec![Proposal::PreSharedKey(PreSharedKey {
                psk: PreSharedKeyId {
                    psk: Psk::External {
                        psk_id: EXTERNAL_PSK_ID.to_vec().into(),
                    },
                    psk_nonce: n.into(),
                },
            })],
            ..CommitOptions::default()
        },
        Vec::new(),
    );
    let epoch = w.members[0].group.epoch();
    let group_id = w.members[0].group.group_id().to_vec();
    let n = nonce(&w);
    let psk = Proposal::PreSharedKey(PreSharedKey {
        psk: PreSharedKeyId {
            psk: Psk::Resumption {
                usage: ResumptionPskUsage::Application,
                psk_group_id: group_id.into(),
                psk_epoch: epoch - 1,
            },
            psk_nonce: n.into(),
        },
    });
    let m = w.members[3].group.propose(psk).unwrap();
    w.propose(3, m);
    w.commit(4, CommitOptions::default(), Vec::new());

    // GroupContextExtensions: require basic credentials.
    let required = RequiredCapabilities {
        extension_types: Vec::new(),
        proposal_types: Vec::new(),
        credential_types: vec![CredentialType::BASIC],
    };
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: vec![Extension::from_payload(&required).unwrap()],
    });
    w.commit(
        2,
        CommitOptions {
            proposals: vec![gce],
            ..CommitOptions::default()
        },
        Vec::new(),
    );
    assert_eq!(w.members[5].group.extensions().len(), 1);
    // A late joiner after the extension change, then messages from several members.
    let late = w.fresh(1);
    let adds = late.iter().map(add_of).collect();
    w.commit(
        6,
        CommitOptions {
            proposals: adds,
            ..CommitOptions::default()
        },
        late,
    );
    for i in (0..w.members.len()).step_by(7) {
        w.message(i);
    }
    assert!(w.members.len() >= 50);
    assert!(!w.removed.is_empty());
}

#[test]
fn scenario_x25519_aes128gcm_sha256_ed25519() {
    scenario(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
}

#[test]
fn scenario_p256_aes128gcm_sha256_p256() {
    scenario(CipherSuite::P256_AES128GCM_SHA256_P256);
}

#[test]
fn scenario_x25519_chacha20poly1305_sha256_ed25519() {
    scenario(CipherSuite::X25519_CHACHA20POLY1305_SHA256_ED25519);
}

#[test]
fn scenario_x448_aes256gcm_sha512_ed448() {
    scenario(CipherSuite::X448_AES256GCM_SHA512_ED448);
}

#[test]
fn scenario_p521_aes256gcm_sha512_p521() {
    scenario(CipherSuite::P521_AES256GCM_SHA512_P521);
}

#[test]
fn scenario_x448_chacha20poly1305_sha512_ed448() {
    scenario(CipherSuite::X448_CHACHA20POLY1305_SHA512_ED448);
}

#[test]
fn scenario_p384_aes256gcm_sha384_p384() {
    scenario(CipherSuite::P384_AES256GCM_SHA384_P384);
}

#[test]
fn all_suites_are_covered() {
    assert_eq!(group_common::suites().len(), 7);
}
