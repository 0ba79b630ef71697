//! Scenario 4: external joins (RFC 9420 §12.4.3.2) through a GroupInfo of the other
//! implementation, with PSKs and with the tree in the GroupInfo or out of band; resyncs
//! (an external commit that removes the joiner's prior leaf); proposals from an external
//! sender listed in the group's external_senders extension (§12.1.8.1), signed by Conclave
//! and by each peer, committed by either side; and `new_member_proposal` self-adds
//! (§12.1.8) from each side.

use conclave_core::codec::decode_exact;
use conclave_core::wire::{MlsMessage, MlsMessageBody, Sender};
use conclave_peers::{
    ConclaveFactory, GroupOptions, PeerError, PeerExternalSender, PeerFactory, Processed,
};

use crate::common::*;

const PSK_ID: &[u8] = b"interop external psk";
const PSK: &[u8] = b"an external secret for external joins";

/// The sender of a PublicMessage (external commits and proposals from outside the group are
/// PublicMessages: §6.2, §12.4.3.2).
fn public_sender(message: &[u8]) -> Sender {
    let message: MlsMessage = decode_exact(message).unwrap();
    let MlsMessageBody::PublicMessage(public) = message.body else {
        panic!("a PublicMessage expected");
    };
    public.content.sender
}

/// Every member processes a message from outside the group and must see `kind`.
fn deliver_from_outside(members: &mut [Member], message: &[u8], kind: Processed, what: &str) {
    for m in members.iter_mut() {
        let got = m
            .process(message)
            .unwrap_or_else(|e| panic!("{what}: {} processing: {e}", label(m)));
        assert_eq!(got, kind, "{what}: {}", label(m));
    }
}

/// `joiner` joins `members` by an external commit from the GroupInfo (and, if not inside
/// it, the tree) of `members[from]`; everyone agrees and messages flow.
fn join_externally(
    members: &mut Vec<Member>,
    from: usize,
    mut joiner: Member,
    (tree_in_info, options): (bool, &GroupOptions),
    psks: &[Vec<u8>],
    what: &str,
) {
    let info = members[from].group_info(tree_in_info).unwrap();
    let tree = (!tree_in_info).then(|| members[from].ratchet_tree().unwrap());
    let commit = joiner
        .external_join(&info, tree.as_deref(), options, psks, None)
        .unwrap_or_else(|e| {
            panic!(
                "{what}: {} joining from {}'s GroupInfo: {e}",
                label(&joiner),
                label(&members[from])
            )
        });
    assert_eq!(public_sender(&commit), Sender::NewMemberCommit, "{what}");
    assert_eq!(
        wire_format(&commit),
        1,
        "{what}: an external commit is a PublicMessage"
    );
    members.push(joiner);
    let last = members.len() - 1;
    settle(members, last, &commit, what);
}

/// Conclave joins a peer's group from the peer's GroupInfo, and a peer joins from
/// Conclave's GroupInfo, in groups created by either side, with the tree in the GroupInfo
/// or out of band, with and without an external PSK (§8.4) in the external commit.
#[test]
fn s4_external_join_both_ways() {
    for peer in peers() {
        for suite in shared_suites(peer.as_ref()) {
            for conclave_creates in [true, false] {
                for tree_in_info in [true, false] {
                    // Each creator and each tree mode once with and once without a PSK.
                    {
                        let with_psk = conclave_creates != tree_in_info;
                        let what = format!(
                            "{} suite {suite} conclave_creates {conclave_creates} tree_in_info {tree_in_info} psk {with_psk}",
                            peer.name()
                        );
                        // Members send handshakes as PrivateMessage when the tree is out of
                        // band: external commits are PublicMessages either way (§12.4.3.2).
                        let options = GroupOptions {
                            encrypt_handshake: !tree_in_info,
                            ..GroupOptions::default()
                        };
                        let (c, p) = pair(peer.as_ref(), suite, conclave_creates, &options);
                        let mut members = vec![c, p];
                        let psks = if with_psk {
                            vec![PSK_ID.to_vec()]
                        } else {
                            Vec::new()
                        };
                        for m in members.iter_mut() {
                            m.store_external_psk(PSK_ID, PSK).unwrap();
                        }
                        // Conclave joins from the peer's GroupInfo.
                        let mut cj = conclave(suite, "conclave joiner");
                        cj.store_external_psk(PSK_ID, PSK).unwrap();
                        join_externally(
                            &mut members,
                            1,
                            cj,
                            (tree_in_info, &options),
                            &psks,
                            &format!("{what}: conclave joins"),
                        );
                        // The peer joins from Conclave's GroupInfo; both Conclave members
                        // process its commit.
                        let mut pj = new(peer.as_ref(), suite, "peer joiner");
                        pj.store_external_psk(PSK_ID, PSK).unwrap();
                        join_externally(
                            &mut members,
                            0,
                            pj,
                            (tree_in_info, &options),
                            &psks,
                            &format!("{what}: {} joins", peer.name()),
                        );
                        // Both external joiners can commit in the group they joined.
                        for joiner in [2, 3] {
                            let out = members[joiner].update().unwrap();
                            settle(
                                &mut members,
                                joiner,
                                &out.commit,
                                &format!("{what}: update"),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Resync (§12.4.3.2: an external commit with a Remove of the joiner's prior leaf, whose
/// new LeafNode presents the same identity). Each side rejoins from the other side's
/// GroupInfo, both as the same client (same signature key) and as a fresh client with the
/// same identity (a new key). OpenMLS finds the leaf to remove itself, by the joiner's
/// signature key, so a fresh OpenMLS client cannot name its prior leaf: the adapter says
/// Unsupported, which this test asserts (OpenMLS still processes such commits from others).
#[test]
fn s4_external_join_resync() {
    for peer in peers() {
        for suite in shared_suites(peer.as_ref()) {
            for conclave_creates in [true, false] {
                let what = format!(
                    "{} suite {suite} conclave_creates {conclave_creates}",
                    peer.name()
                );
                let options = GroupOptions::default();
                let (c, p) = pair(peer.as_ref(), suite, conclave_creates, &options);
                let mut members = vec![c, p, conclave(suite, "third")];
                let kp = members[2].key_package().unwrap();
                let out = members[1].add_members(&[kp]).unwrap();
                assert_eq!(members[0].process(&out.commit).unwrap(), Processed::Commit);
                join(&mut members[2], &out, &options);
                assert_all_agree(&members, &what);

                // Each side rejoins as the same client: 0 is Conclave, 1 the peer.
                for (who, from) in [(0usize, 1usize), (1, 0)] {
                    let info = members[from].group_info(true).unwrap();
                    let leaf = members[who].own_leaf_index().unwrap();
                    let commit = members[who]
                        .external_join(&info, None, &options, &[], Some(leaf))
                        .unwrap_or_else(|e| panic!("{what}: {} resync: {e}", label(&members[who])));
                    assert_eq!(public_sender(&commit), Sender::NewMemberCommit);
                    let step = format!("{what}: {} resync", label(&members[who]));
                    settle(&mut members, who, &commit, &step);
                    assert_eq!(members[from].roster().len(), 3, "{what}: still 3 members");
                }

                // A fresh Conclave client with the same identity replaces member 0.
                let info = members[1].group_info(true).unwrap();
                let leaf = members[0].own_leaf_index().unwrap();
                let mut fresh = conclave(suite, "conclave");
                let commit = fresh
                    .external_join(&info, None, &options, &[], Some(leaf))
                    .unwrap();
                members[0] = fresh;
                settle(
                    &mut members,
                    0,
                    &commit,
                    &format!("{what}: new conclave client"),
                );

                // A fresh peer client with the same identity replaces member 1.
                let info = members[0].group_info(true).unwrap();
                let leaf = members[1].own_leaf_index().unwrap();
                let mut fresh = new(peer.as_ref(), suite, "peer");
                let result = fresh.external_join(&info, None, &options, &[], Some(leaf));
                if peer.name() == "openmls" {
                    assert!(
                        matches!(
                            result,
                            Err(PeerError::Unsupported {
                                implementation: "openmls",
                                ..
                            })
                        ),
                        "{what}: OpenMLS cannot name another key's prior leaf: {result:?}"
                    );
                } else {
                    let commit = result.unwrap();
                    members[1] = fresh;
                    settle(
                        &mut members,
                        1,
                        &commit,
                        &format!("{what}: new peer client"),
                    );
                }
                assert_eq!(members[0].roster().len(), 3, "{what}");
            }
        }
    }
}

/// The Conclave external sender (index 0) and the peer's (index 1).
fn senders(peer: &dyn PeerFactory, suite: u16) -> Vec<Box<dyn PeerExternalSender>> {
    vec![
        ConclaveFactory
            .new_external_sender(suite, b"conclave sender")
            .unwrap(),
        peer.new_external_sender(suite, b"peer sender")
            .unwrap_or_else(|e| panic!("{} external sender: {e}", peer.name())),
    ]
}

/// External senders of both implementations, listed in the group's external_senders
/// extension (§12.1.8.1, set by the creator of either side), propose an Add and then a
/// Remove (sender type `external`, §12.1.8); each side commits them by reference.
#[test]
fn s4_external_sender_add_and_remove() {
    for peer in peers() {
        for suite in shared_suites(peer.as_ref()) {
            for conclave_creates in [true, false] {
                let options = GroupOptions::default();
                let mut senders = senders(peer.as_ref(), suite);
                let listed: Vec<Vec<u8>> = senders
                    .iter()
                    .map(|s| s.external_sender().unwrap())
                    .collect();
                let (c, p) =
                    pair_with_senders(peer.as_ref(), suite, conclave_creates, &options, &listed);
                let mut members = vec![c, p];
                let mut fresh = 0;
                for (index, sender) in senders.iter_mut().enumerate() {
                    for committer in [0usize, 1] {
                        fresh += 1;
                        let what = format!(
                            "{} suite {suite} conclave_creates {conclave_creates}: {} sender proposes, {} commits",
                            peer.name(),
                            sender.name(),
                            label(&members[committer])
                        );
                        let index = u32::try_from(index).unwrap();
                        // The GroupInfo comes from the member that does not commit.
                        let info = members[1 - committer].group_info(true).unwrap();
                        let name = format!("added {fresh}");
                        let mut n = if fresh % 2 == 0 {
                            conclave(suite, &name)
                        } else {
                            new(peer.as_ref(), suite, &name)
                        };
                        let add = sender
                            .propose_add(&info, index, &n.key_package().unwrap())
                            .unwrap_or_else(|e| panic!("{what}: proposing an Add: {e}"));
                        assert_eq!(public_sender(&add), Sender::External(index), "{what}");
                        deliver_from_outside(&mut members, &add, Processed::Proposal, &what);
                        let out = members[committer]
                            .commit_pending()
                            .unwrap_or_else(|e| panic!("{what}: committing the Add: {e}"));
                        broadcast(&mut members, committer, &out.commit, Processed::Commit);
                        join(&mut n, &out, &options);
                        members.push(n);
                        assert_all_agree(&members, &format!("{what}: add"));
                        assert_all_messages_flow(&mut members, &format!("{what}: add"));

                        let info = members[1 - committer].group_info(true).unwrap();
                        let leaf = members[0].leaf_of(name.as_bytes()).unwrap();
                        let remove = sender
                            .propose_remove(&info, index, leaf)
                            .unwrap_or_else(|e| panic!("{what}: proposing a Remove: {e}"));
                        assert_eq!(public_sender(&remove), Sender::External(index));
                        deliver_from_outside(&mut members, &remove, Processed::Proposal, &what);
                        let out = members[committer]
                            .commit_pending()
                            .unwrap_or_else(|e| panic!("{what}: committing the Remove: {e}"));
                        broadcast(&mut members, committer, &out.commit, Processed::Commit);
                        members.pop();
                        assert_all_agree(&members, &format!("{what}: remove"));
                        assert_all_messages_flow(&mut members, &format!("{what}: remove"));
                    }
                }
                // External joins into the group that lists external senders (its
                // GroupContext carries the extension), each side from the other's GroupInfo.
                let what = format!(
                    "{} suite {suite} conclave_creates {conclave_creates}: external joins",
                    peer.name()
                );
                let tree = (true, &options);
                join_externally(&mut members, 1, conclave(suite, "cj"), tree, &[], &what);
                let pj = new(peer.as_ref(), suite, "pj");
                join_externally(&mut members, 0, pj, tree, &[], &what);
            }
        }
    }
}

/// A new member of each side proposes to add itself (`new_member_proposal`, §12.1.8) from a
/// GroupInfo of either side; each side commits the proposal by reference and the new
/// member joins from the Welcome.
#[test]
fn s4_new_member_self_add() {
    for peer in peers() {
        for suite in shared_suites(peer.as_ref()) {
            for conclave_creates in [true, false] {
                let options = GroupOptions::default();
                let (c, p) = pair(peer.as_ref(), suite, conclave_creates, &options);
                let mut members = vec![c, p];
                for joiner_is_conclave in [true, false] {
                    for committer in [0usize, 1] {
                        let name = format!("self-add {joiner_is_conclave} {committer}");
                        let mut n = if joiner_is_conclave {
                            conclave(suite, &name)
                        } else {
                            new(peer.as_ref(), suite, &name)
                        };
                        let what = format!(
                            "{} suite {suite} conclave_creates {conclave_creates}: {} proposes itself, {} commits",
                            peer.name(),
                            label(&n),
                            label(&members[committer])
                        );
                        let info = members[1 - committer].group_info(true).unwrap();
                        let add = n
                            .propose_self_add(&info)
                            .unwrap_or_else(|e| panic!("{what}: proposing: {e}"));
                        assert_eq!(public_sender(&add), Sender::NewMemberProposal, "{what}");
                        deliver_from_outside(&mut members, &add, Processed::Proposal, &what);
                        let out = members[committer]
                            .commit_pending()
                            .unwrap_or_else(|e| panic!("{what}: committing: {e}"));
                        broadcast(&mut members, committer, &out.commit, Processed::Commit);
                        join(&mut n, &out, &options);
                        members.push(n);
                        assert_all_agree(&members, &what);
                        assert_all_messages_flow(&mut members, &what);
                        // Remove it again, to keep the group small.
                        let leaf = members[2].own_leaf_index().unwrap();
                        let out = members[committer].remove(leaf).unwrap();
                        broadcast(&mut members, committer, &out.commit, Processed::Commit);
                        members.pop();
                        assert_all_agree(&members, &format!("{what}: removed again"));
                    }
                }
            }
        }
    }
}

/// Proposals from senders the group does not list are rejected across implementations
/// (§12.1.8.1: the index must name an entry of external_senders, and the proposal must be
/// signed by that entry's key). The group lists only a Conclave sender (index 0).
/// - Conclave receiving a peer's proposal at index 1 rejects it with `UnknownExternalSender`
///   (mls-rs's sender refuses to sign for an index that is not its own, which the test
///   asserts), and one at index 0 signed by the wrong key with `InvalidContentSignature`.
/// - The peer receiving Conclave's proposal at index 1 rejects it.
#[test]
fn s4_external_sender_not_listed_is_rejected() {
    use conclave_core::{Error, ProtocolError};
    for peer in peers() {
        for suite in shared_suites(peer.as_ref()) {
            let options = GroupOptions::default();
            let mut senders = senders(peer.as_ref(), suite);
            let listed = vec![senders[0].external_sender().unwrap()];
            let (mut c, mut p) = pair_with_senders(peer.as_ref(), suite, true, &options, &listed);
            let what = format!("{} suite {suite}", peer.name());
            let info = p.group_info(true).unwrap();
            let kp = new(peer.as_ref(), suite, "x").key_package().unwrap();

            // Conclave's sender claims index 1: the peer rejects it.
            let bad = senders[0].propose_add(&info, 1, &kp).unwrap();
            assert!(p.process(&bad).is_err(), "{what}: peer accepted index 1");

            // The peer's sender claims index 1, then index 0 (not its key).
            for (index, expected) in [
                (1u32, ProtocolError::UnknownExternalSender { index: 1 }),
                (0, ProtocolError::InvalidContentSignature),
            ] {
                match senders[1].propose_add(&info, index, &kp) {
                    Ok(bad) => match c.process(&bad) {
                        Err(PeerError::Conclave(Error::Protocol(e))) => {
                            assert_eq!(e, expected, "{what}: index {index}")
                        }
                        other => panic!("{what}: index {index}: Conclave gave {other:?}"),
                    },
                    Err(PeerError::State {
                        implementation: "mls-rs",
                        ..
                    }) => {} // mls-rs signs only as the entry that lists its own key.
                    Err(e) => panic!("{what}: index {index}: {e}"),
                }
            }
            // Nothing was cached: an empty commit leaves the group as it was, in agreement.
            let out = c.commit_pending().unwrap();
            assert_eq!(p.process(&out.commit).unwrap(), Processed::Commit);
            assert_agree(&[&c, &p], &what);
            assert_eq!(c.roster().len(), 2, "{what}");
        }
    }
}

/// Proposals from outside the group are for one epoch (§6: a handshake message of another
/// epoch is rejected). External-sender Adds (Conclave's and the peer's) and self-adds
/// (Conclave's and the peer's) made for epoch 1 arrive after a commit moved the group to
/// epoch 2: Conclave rejects each with `EpochMismatch`, the peer rejects each too, and the
/// group is unchanged.
#[test]
fn s4_stale_external_proposals_are_rejected() {
    use conclave_core::{Error, ProtocolError};
    for peer in peers() {
        for suite in shared_suites(peer.as_ref()) {
            let what = format!("{} suite {suite}", peer.name());
            let options = GroupOptions::default();
            let mut senders = senders(peer.as_ref(), suite);
            let listed: Vec<Vec<u8>> = senders
                .iter()
                .map(|s| s.external_sender().unwrap())
                .collect();
            let (c, p) = pair_with_senders(peer.as_ref(), suite, false, &options, &listed);
            let mut members = vec![c, p];
            let info = members[1].group_info(true).unwrap();
            let kp = new(peer.as_ref(), suite, "x").key_package().unwrap();
            let mut stale: Vec<Vec<u8>> = senders
                .iter_mut()
                .enumerate()
                .map(|(i, s)| {
                    s.propose_add(&info, u32::try_from(i).unwrap(), &kp)
                        .unwrap()
                })
                .collect();
            stale.push(
                new(peer.as_ref(), suite, "y")
                    .propose_self_add(&info)
                    .unwrap(),
            );
            stale.push(conclave(suite, "z").propose_self_add(&info).unwrap());
            let out = members[0].update().unwrap();
            broadcast(&mut members, 0, &out.commit, Processed::Commit);
            for (k, proposal) in stale.iter().enumerate() {
                match members[0].process(proposal) {
                    Err(PeerError::Conclave(Error::Protocol(ProtocolError::EpochMismatch {
                        message: 1,
                        current: 2,
                    }))) => {}
                    other => panic!("{what}: stale proposal {k}: Conclave gave {other:?}"),
                }
                assert!(
                    matches!(members[1].process(proposal), Err(PeerError::Peer { .. })),
                    "{what}: stale proposal {k}: the peer accepted it"
                );
            }
            let out = members[1].commit_pending().unwrap();
            settle(&mut members, 1, &out.commit, &what);
            assert_eq!(members[0].roster().len(), 2, "{what}: nobody was added");
        }
    }
}
