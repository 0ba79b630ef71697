//! The committer's choice of proposals (RFC 9420 §12.2): from the cached
//! proposals it lists only a valid set — a Remove wins over an Update of the
//! same leaf, the most recent Update of a leaf wins, its own Updates and
//! duplicate Adds are dropped — and never lists a dropped proposal.

mod group_common;

use conclave_core::crypto::CipherSuite;
use conclave_core::group::{CommitOptions, Received};
use conclave_core::wire::{FramedContentBody, MlsMessageBody, Proposal, ProposalOrRef, Remove};
use group_common::{add_of, World};

fn world(n: usize) -> World {
    let mut w = World::new(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
    let joiners = w.fresh(n - 1);
    let adds = joiners.iter().map(add_of).collect();
    w.commit(
        0,
        CommitOptions {
            proposals: adds,
            ..CommitOptions::default()
        },
        joiners,
    );
    w
}

/// The number of proposals a PublicMessage commit lists.
fn listed(out: &conclave_core::group::CommitOutput) -> Vec<ProposalOrRef> {
    match &out.message.body {
        MlsMessageBody::PublicMessage(m) => match &m.content.content {
            FramedContentBody::Commit(c) => c.proposals.clone(),
            _ => panic!("not a commit"),
        },
        _ => panic!("the committer uses the Public policy in these tests"),
    }
}

/// Makes member `i` send its handshake messages as PublicMessage, so the
/// test can read the commit.
fn public_committer(w: &mut World) -> usize {
    // Members joining at odd positions use the Public policy (group_common::config).
    w.members
        .iter()
        .position(|c| c.name == "m2")
        .expect("m2 is a member")
}

#[test]
fn remove_wins_over_update_of_the_same_leaf() {
    let mut w = world(4);
    let committer = public_committer(&mut w);
    let target = (committer + 1) % w.members.len();
    let m = w.members[target].group.propose_update().unwrap();
    w.propose(target, m);
    let leaf = w.members[target].group.own_leaf().0;
    let proposer = (committer + 2) % w.members.len();
    let m = w.members[proposer]
        .group
        .propose(Proposal::Remove(Remove { removed: leaf }))
        .unwrap();
    w.propose(proposer, m);
    let out = w.members[committer]
        .group
        .commit(CommitOptions::default())
        .unwrap();
    assert_eq!(listed(&out).len(), 1);
    assert_eq!(out.pending.staged().removed().len(), 1);
    assert!(out.pending.staged().updated().is_empty());
    w.deliver(committer, out, Vec::new());
    assert_eq!(w.removed.len(), 1);
    w.message(0);
}

#[test]
fn most_recent_update_of_a_leaf_wins() {
    let mut w = world(4);
    let committer = public_committer(&mut w);
    let target = (committer + 1) % w.members.len();
    for _ in 0..2 {
        let m = w.members[target].group.propose_update().unwrap();
        w.propose(target, m);
    }
    let newest = w.members[target].group.pending_proposals().last().cloned();
    let out = w.members[committer]
        .group
        .commit(CommitOptions::default())
        .unwrap();
    assert_eq!(listed(&out).len(), 1);
    assert_eq!(out.pending.staged().updated().len(), 1);
    w.deliver(committer, out, Vec::new());
    // The updated member holds the new leaf's key: it reads and is read.
    let Some(Proposal::Update(u)) = newest else {
        panic!("an Update")
    };
    let own = w.members[target].group.own_leaf();
    let leaf = w.members[0]
        .group
        .members()
        .find(|m| m.index == own)
        .unwrap();
    assert_eq!(leaf.encryption_key, u.leaf_node.encryption_key.as_slice());
    w.message(target);
    w.commit(
        0,
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        Vec::new(),
    );
    w.message(target);
}

#[test]
fn committers_own_update_and_duplicate_adds_are_dropped() {
    let mut w = world(4);
    let committer = public_committer(&mut w);
    let m = w.members[committer].group.propose_update().unwrap();
    w.propose(committer, m);
    let joiner = w.fresh(1);
    for p in [0usize, 1] {
        let p = (committer + 1 + p) % w.members.len();
        let m = w.members[p].group.propose(add_of(&joiner[0])).unwrap();
        w.propose(p, m);
    }
    let out = w.members[committer]
        .group
        .commit(CommitOptions::default())
        .unwrap();
    assert_eq!(listed(&out).len(), 1);
    assert_eq!(out.pending.staged().added().len(), 1);
    w.deliver(committer, out, joiner);
    w.message(w.members.len() - 1);
}

#[test]
fn proposals_are_cached_by_reference_and_cleared_each_epoch() {
    let mut w = world(3);
    let m = w.members[1].group.propose_update().unwrap();
    match w.members[2].group.process(&m).unwrap() {
        Received::Proposal { reference, .. } => assert!(!reference.is_empty()),
        other => panic!("unexpected {other:?}"),
    }
    // Our own proposal echoed back is recognised, not refused as a replay.
    assert!(matches!(
        w.members[1].group.process(&m).unwrap(),
        Received::Proposal { .. }
    ));
    w.members[0].group.process(&m).unwrap();
    assert_eq!(w.members[2].group.pending_proposals().count(), 1);
    w.commit(2, CommitOptions::default(), Vec::new());
    for c in &w.members {
        assert_eq!(c.group.pending_proposals().count(), 0);
    }
}
