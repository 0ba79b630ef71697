//! One negative test per MUST-reject rule of the group engine (RFC 9420
//! §12.1–§12.4, §12.4.3.1, §6, §13), each asserting its own error variant.
//! Rule-breaking commits are built with the `testing` feature's
//! `Group::commit_forged`; the receivers must refuse them and stay as they were.

mod group_common;

use std::sync::Arc;

use conclave_core::crypto::{sign_with_label, CipherSuite, Secret, SignatureKeyPair, Signer};
use conclave_core::framing::{protect_public, sign_content, EpochKeys};
use conclave_core::group::{CommitOptions, CommitOutput, Forgery, Group, GroupConfig, Received};
use conclave_core::key_package::KeyPackageBuilder;
use conclave_core::time::SystemClock;
use conclave_core::tree::validate::LEAF_NODE_TBS_LABEL;
use conclave_core::wire::{
    Credential, Extension, ExtensionType, ExternalInit, ExternalSender, FramedContent,
    FramedContentBody, GroupContextExtensions, LeafNodeSource, LeafNodeTbsContext, MlsMessage,
    MlsMessageBody, Node, PreSharedKey, PreSharedKeyId, Proposal, ProtocolVersion, Psk, ReInit,
    Remove, ResumptionPskUsage, Sender, SenderType, Update, WireFormat,
};
use conclave_core::{Error, ProtocolError};
use group_common::{
    add_of, break_add, candidate, config, services, Candidate, World, EXTERNAL_PSK_ID,
};

const SUITE: CipherSuite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;

/// A group of `n` members m0..m(n-1).
fn world(n: usize) -> World {
    let mut w = World::new(SUITE);
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

fn protocol(e: Error) -> ProtocolError {
    match e {
        Error::Protocol(p) => p,
        other => panic!("expected a protocol error, got {other}"),
    }
}

fn forged(w: &mut World, from: usize, proposals: Vec<Proposal>, forgery: Forgery) -> CommitOutput {
    w.members[from]
        .group
        .commit_forged(
            CommitOptions {
                proposals,
                ..CommitOptions::default()
            },
            &forgery,
        )
        .unwrap()
}

/// Member `to` refuses the commit, and its state is unchanged.
fn refused(w: &mut World, to: usize, out: &CommitOutput) -> ProtocolError {
    let g = &mut w.members[to].group;
    let (epoch, auth) = (g.epoch(), g.epoch_authenticator().clone());
    let err = g.process(&out.message).unwrap_err();
    assert_eq!(g.epoch(), epoch);
    assert_eq!(g.epoch_authenticator(), &auth);
    protocol(err)
}

fn skip() -> Forgery {
    Forgery {
        skip_checks: true,
        ..Forgery::default()
    }
}

fn external_psk(w: &World, nonce_len: usize) -> Proposal {
    let _ = w;
    Proposal::PreSharedKey(PreSharedKey {
        psk: PreSharedKeyId {
            psk: Psk::External {
                psk_id: EXTERNAL_PSK_ID.to_vec().into(),
            },
            psk_nonce: vec![7u8; nonce_len].into(),
        },
    })
}

fn leaf_of(w: &World, i: usize) -> u32 {
    w.members[i].group.own_leaf().0
}

#[test]
fn commit_unknown_proposal_ref_is_refused() {
    let mut w = world(3);
    let forgery = Forgery {
        extra_refs: vec![vec![9u8; 32]],
        ..Forgery::default()
    };
    let out = forged(&mut w, 0, Vec::new(), forgery);
    assert_eq!(refused(&mut w, 1, &out), ProtocolError::UnknownProposalRef);
}

#[test]
fn commit_with_committers_own_update_is_refused() {
    let mut w = world(3);
    let m = w.members[0].group.propose_update().unwrap();
    w.propose(0, m);
    let out = forged(&mut w, 0, Vec::new(), skip());
    assert_eq!(refused(&mut w, 1, &out), ProtocolError::CommitterUpdate);
}

#[test]
fn commit_removing_the_committer_is_refused() {
    let mut w = world(3);
    let own = leaf_of(&w, 0);
    let forgery = Forgery {
        omit_path: true,
        ..skip()
    };
    let out = forged(
        &mut w,
        0,
        vec![Proposal::Remove(Remove { removed: own })],
        forgery,
    );
    assert_eq!(refused(&mut w, 1, &out), ProtocolError::CommitterRemoved);
}

#[test]
fn commit_with_update_and_remove_of_one_leaf_is_refused() {
    let mut w = world(3);
    let m = w.members[2].group.propose_update().unwrap();
    w.propose(2, m);
    let leaf = leaf_of(&w, 2);
    let out = forged(
        &mut w,
        0,
        vec![Proposal::Remove(Remove { removed: leaf })],
        skip(),
    );
    assert_eq!(
        refused(&mut w, 1, &out),
        ProtocolError::DuplicateUpdateOrRemove { leaf }
    );
}

#[test]
fn commit_with_two_adds_of_one_client_is_refused() {
    let mut w = world(3);
    let c = candidate(&w.cs, "twice");
    let out = forged(&mut w, 0, vec![add_of(&c), add_of(&c)], skip());
    assert_eq!(refused(&mut w, 1, &out), ProtocolError::DuplicateAdd);
}

#[test]
fn commit_adding_an_existing_member_is_refused() {
    let mut w = world(3);
    let name = w.members[2].name.clone();
    let c = candidate(&w.cs, &name);
    let out = forged(&mut w, 0, vec![add_of(&c)], skip());
    let leaf = leaf_of(&w, 2);
    assert_eq!(
        refused(&mut w, 1, &out),
        ProtocolError::AddOfExistingMember { leaf }
    );
    // The committer itself never builds such a list.
    let err = w.members[0]
        .group
        .commit(CommitOptions {
            proposals: vec![add_of(&c)],
            ..CommitOptions::default()
        })
        .unwrap_err();
    assert_eq!(protocol(err), ProtocolError::AddOfExistingMember { leaf });
}

#[test]
fn commit_with_duplicate_psk_ids_is_refused() {
    let mut w = world(3);
    let n = w.cs.hash_len();
    let psks = vec![external_psk(&w, n), external_psk(&w, n)];
    let out = forged(&mut w, 0, psks, skip());
    assert_eq!(refused(&mut w, 1, &out), ProtocolError::DuplicatePskId);
}

#[test]
fn commit_with_two_gce_proposals_is_refused() {
    let mut w = world(3);
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: Vec::new(),
    });
    let out = forged(&mut w, 0, vec![gce.clone(), gce], skip());
    assert_eq!(
        refused(&mut w, 1, &out),
        ProtocolError::MultipleGroupContextExtensions
    );
}

#[test]
fn commit_with_reinit_and_another_proposal_is_refused() {
    let mut w = world(3);
    let reinit = Proposal::ReInit(ReInit {
        group_id: b"new group".to_vec().into(),
        version: ProtocolVersion::MLS10,
        cipher_suite: SUITE,
        extensions: Vec::new(),
    });
    let n = w.cs.hash_len();
    let psk = external_psk(&w, n);
    let out = forged(&mut w, 0, vec![reinit, psk], skip());
    assert_eq!(
        refused(&mut w, 1, &out),
        ProtocolError::ReInitWithOtherProposals
    );
}

#[test]
fn regular_commit_with_external_init_is_refused() {
    let mut w = world(3);
    let ei = Proposal::ExternalInit(ExternalInit {
        kem_output: vec![1u8; 32].into(),
    });
    let out = forged(&mut w, 0, vec![ei], skip());
    assert_eq!(
        refused(&mut w, 1, &out),
        ProtocolError::ExternalInitInRegularCommit
    );
}

#[test]
fn gce_unsupported_by_a_member_is_refused() {
    let mut w = world(3);
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: vec![Extension::new(ExtensionType(0xff00), vec![1, 2])],
    });
    let err = w.members[0]
        .group
        .commit(CommitOptions {
            proposals: vec![gce],
            ..CommitOptions::default()
        })
        .unwrap_err();
    assert!(matches!(
        protocol(err),
        ProtocolError::ExtensionsNotSupportedByMember { .. }
    ));
}

#[test]
fn resumption_psk_with_reinit_usage_is_refused() {
    let mut w = world(3);
    let psk = Proposal::PreSharedKey(PreSharedKey {
        psk: PreSharedKeyId {
            psk: Psk::Resumption {
                usage: ResumptionPskUsage::Reinit,
                psk_group_id: w.members[0].group.group_id().to_vec().into(),
                psk_epoch: w.members[0].group.epoch(),
            },
            psk_nonce: vec![3u8; w.cs.hash_len()].into(),
        },
    });
    let out = forged(&mut w, 0, vec![psk], skip());
    assert_eq!(
        refused(&mut w, 1, &out),
        ProtocolError::PskUsageNotApplication
    );
}

#[test]
fn psk_nonce_of_wrong_length_is_refused() {
    let mut w = world(2);
    let psk = external_psk(&w, 5);
    let err = w.members[0]
        .group
        .commit(CommitOptions {
            proposals: vec![psk],
            ..CommitOptions::default()
        })
        .unwrap_err();
    assert_eq!(
        protocol(err),
        ProtocolError::PskNonceLength { index: 0, len: 5 }
    );
}

#[test]
fn remove_without_path_is_refused() {
    let mut w = world(3);
    let leaf = leaf_of(&w, 2);
    let forgery = Forgery {
        omit_path: true,
        ..Forgery::default()
    };
    let out = forged(
        &mut w,
        0,
        vec![Proposal::Remove(Remove { removed: leaf })],
        forgery,
    );
    assert_eq!(refused(&mut w, 1, &out), ProtocolError::MissingRequiredPath);
}

#[test]
fn empty_commit_without_path_is_refused() {
    let mut w = world(2);
    let forgery = Forgery {
        omit_path: true,
        ..Forgery::default()
    };
    let out = forged(&mut w, 0, Vec::new(), forgery);
    assert_eq!(refused(&mut w, 1, &out), ProtocolError::MissingRequiredPath);
}

#[test]
fn commit_leaf_keeping_its_encryption_key_is_refused() {
    let mut w = world(3);
    let forgery = Forgery {
        keep_leaf_key: true,
        ..Forgery::default()
    };
    let out = forged(&mut w, 0, Vec::new(), forgery);
    assert_eq!(
        refused(&mut w, 1, &out),
        ProtocolError::CommitLeafKeepsEncryptionKey
    );
}

/// §12.4.2: "none of the public keys in the UpdatePath appear in any node
/// of the new ratchet tree" (§16.8): the path's leaf reuses another
/// member's encryption key.
#[test]
fn commit_path_leaf_key_already_in_the_tree_is_refused() {
    let mut w = world(3);
    let other = w.members[2].group.own_leaf();
    let forgery = Forgery {
        leaf_key_from: Some(other),
        ..Forgery::default()
    };
    let out = forged(&mut w, 0, Vec::new(), forgery);
    assert!(matches!(
        refused(&mut w, 1, &out),
        ProtocolError::DuplicateEncryptionKey { .. }
    ));
}

/// §12.4.2, §16.8: a parent node of the UpdatePath carries a key already in
/// the tree (parent hashes and the leaf signature are valid, so only the
/// uniqueness check can refuse it).
#[test]
fn commit_path_parent_key_already_in_the_tree_is_refused() {
    let mut w = world(3);
    let other = w.members[2].group.own_leaf();
    let forgery = Forgery {
        parent_key_from: Some(other),
        ..Forgery::default()
    };
    let out = forged(&mut w, 0, Vec::new(), forgery);
    assert!(matches!(
        refused(&mut w, 1, &out),
        ProtocolError::DuplicateEncryptionKey { .. }
    ));
}

#[test]
fn update_keeping_its_encryption_key_is_refused() {
    let mut w = world(2);
    let g = &w.members[1].group;
    let own = g.own_leaf();
    let mut leaf = g
        .tree()
        .members()
        .find(|(i, _)| *i == own)
        .unwrap()
        .1
        .clone();
    leaf.leaf_node_source = LeafNodeSource::Update;
    let tbs = leaf
        .tbs_bytes(Some(LeafNodeTbsContext {
            group_id: g.group_id(),
            leaf_index: own.0,
        }))
        .unwrap();
    leaf.signature = sign_with_label(w.members[1].signer.as_ref(), LEAF_NODE_TBS_LABEL, &tbs)
        .unwrap()
        .into();
    let err = w.members[1]
        .group
        .propose(Proposal::Update(Update {
            leaf_node: Box::new(leaf),
        }))
        .unwrap_err();
    assert_eq!(protocol(err), ProtocolError::UpdateKeepsEncryptionKey);
}

/// §7.3 (leaf node validation: `encryption_key` unique among the members),
/// §12.4.2: a committed Update whose leaf carries another member's
/// encryption key is refused by the receivers.
#[test]
fn update_with_another_members_encryption_key_is_refused() {
    let mut w = world(3);
    let other = leaf_of(&w, 2);
    let g = &w.members[1].group;
    let own = g.own_leaf();
    let mut leaf = g
        .tree()
        .members()
        .find(|(i, _)| *i == own)
        .unwrap()
        .1
        .clone();
    leaf.encryption_key = g
        .tree()
        .members()
        .find(|(i, _)| i.0 == other)
        .unwrap()
        .1
        .encryption_key
        .clone();
    leaf.leaf_node_source = LeafNodeSource::Update;
    let tbs = leaf
        .tbs_bytes(Some(LeafNodeTbsContext {
            group_id: g.group_id(),
            leaf_index: own.0,
        }))
        .unwrap();
    leaf.signature = sign_with_label(w.members[1].signer.as_ref(), LEAF_NODE_TBS_LABEL, &tbs)
        .unwrap()
        .into();
    let proposal = w.members[1]
        .group
        .propose(Proposal::Update(Update {
            leaf_node: Box::new(leaf),
        }))
        .unwrap();
    w.propose(1, proposal);
    let out = forged(&mut w, 0, Vec::new(), Forgery::default());
    assert!(matches!(
        refused(&mut w, 2, &out),
        ProtocolError::DuplicateEncryptionKey { .. }
    ));
}

#[test]
fn remove_of_a_blank_leaf_is_refused() {
    let mut w = world(2);
    let err = w.members[0]
        .group
        .propose(Proposal::Remove(Remove { removed: 77 }))
        .unwrap_err();
    assert!(matches!(
        protocol(err),
        ProtocolError::InvalidProposal { .. }
    ));
}

#[test]
fn update_from_an_external_sender_is_refused() {
    let cs = group_common::suite(SUITE);
    let outsider = SignatureKeyPair::generate(cs.clone()).unwrap();
    let senders = vec![ExternalSender {
        signature_key: Signer::public_key(&outsider).to_vec().into(),
        credential: Credential::basic("outsider"),
    }];
    let signer = Arc::new(SignatureKeyPair::generate(cs.clone()).unwrap());
    let mut g = Group::create(
        cs.clone(),
        signer,
        Credential::basic("creator"),
        b"with external senders".to_vec(),
        vec![Extension::from_payload(&senders).unwrap()],
        GroupConfig::default(),
        services(),
    )
    .unwrap();
    let leaf = g.tree().members().next().unwrap().1.clone();
    let content = FramedContent {
        group_id: g.group_id().to_vec().into(),
        epoch: g.epoch(),
        sender: Sender::External(0),
        authenticated_data: Vec::new().into(),
        content: FramedContentBody::Proposal(Proposal::Update(Update {
            leaf_node: Box::new(leaf),
        })),
    };
    let signed = sign_content(&outsider, WireFormat::PUBLIC_MESSAGE, content, g.context()).unwrap();
    let zero = Secret::zero(cs.hash_len());
    let keys = EpochKeys {
        cs: cs.as_ref(),
        group_context: g.context(),
        membership_key: &zero,
        sender_data_secret: &zero,
    };
    let message = MlsMessage::new(MlsMessageBody::PublicMessage(
        protect_public(&keys, signed).unwrap(),
    ));
    let err = g.process(&message).unwrap_err();
    assert_eq!(
        protocol(err),
        ProtocolError::ProposalSenderNotAllowed(SenderType::External)
    );
}

fn welcome_for(w: &mut World, c: &Candidate, forgery: Forgery) -> MlsMessage {
    let out = forged(w, 0, vec![add_of(c)], forgery);
    out.welcome.unwrap()
}

#[test]
fn welcome_for_another_suite_is_refused() {
    let mut w = world(2);
    let c = candidate(&w.cs, "joiner");
    let welcome = welcome_for(&mut w, &c, Forgery::default());
    let other = group_common::suite(CipherSuite::P256_AES128GCM_SHA256_P256);
    let err = Group::join(
        other,
        c.signer.clone(),
        &welcome,
        c.bundle,
        None,
        config(false),
        services(),
    )
    .unwrap_err();
    assert_eq!(protocol(err), ProtocolError::WelcomeCipherSuiteMismatch);
}

#[test]
fn welcome_without_any_tree_is_refused() {
    let cs = group_common::suite(SUITE);
    let signer = Arc::new(SignatureKeyPair::generate(cs.clone()).unwrap());
    let mut g = Group::create(
        cs.clone(),
        signer,
        Credential::basic("creator"),
        b"g".to_vec(),
        Vec::new(),
        GroupConfig {
            ratchet_tree_in_welcome: false,
            ..GroupConfig::default()
        },
        services(),
    )
    .unwrap();
    let c = candidate(&cs, "joiner");
    let out = g
        .commit(CommitOptions {
            proposals: vec![add_of(&c)],
            ..CommitOptions::default()
        })
        .unwrap();
    let welcome = out.welcome.unwrap();
    let err = Group::join(
        cs.clone(),
        c.signer.clone(),
        &welcome,
        c.bundle,
        None,
        config(false),
        services(),
    )
    .unwrap_err();
    assert_eq!(protocol(err), ProtocolError::MissingRatchetTree);
}

#[test]
fn welcome_whose_signer_leaf_is_blank_is_refused() {
    let mut w = world(2);
    let c = candidate(&w.cs, "joiner");
    let welcome = welcome_for(&mut w, &c, Forgery::default());
    let nodes = vec![
        None,
        None,
        Some(Node::Leaf(c.bundle.key_package.leaf_node.clone())),
    ];
    let err = Group::join(
        w.cs.clone(),
        c.signer.clone(),
        &welcome,
        c.bundle,
        Some(nodes),
        config(false),
        services(),
    )
    .unwrap_err();
    assert_eq!(protocol(err), ProtocolError::GroupInfoSignerNotMember(0));
}

#[test]
fn welcome_with_another_tree_is_refused() {
    let mut w = world(2);
    let old_tree = w.members[0].group.ratchet_tree();
    let c = candidate(&w.cs, "joiner");
    let welcome = welcome_for(&mut w, &c, Forgery::default());
    let err = Group::join(
        w.cs.clone(),
        c.signer.clone(),
        &welcome,
        c.bundle,
        Some(old_tree),
        config(false),
        services(),
    )
    .unwrap_err();
    assert_eq!(protocol(err), ProtocolError::TreeHashMismatch);
}

#[test]
fn welcome_whose_tree_lacks_our_leaf_is_refused() {
    let mut w = world(2);
    let c = candidate(&w.cs, "joiner");
    let other = KeyPackageBuilder::new()
        .build(
            w.cs.as_ref(),
            c.signer.as_ref(),
            Credential::basic("joiner"),
            &SystemClock,
        )
        .unwrap();
    let forgery = Forgery {
        swap_added_leaf: Some(other.key_package.leaf_node.clone()),
        ..Forgery::default()
    };
    let welcome = welcome_for(&mut w, &c, forgery);
    let err = Group::join(
        w.cs.clone(),
        c.signer.clone(),
        &welcome,
        c.bundle,
        None,
        config(false),
        services(),
    )
    .unwrap_err();
    assert_eq!(protocol(err), ProtocolError::OwnLeafNotInTree);
}

#[test]
fn late_messages_decrypt_within_the_kept_epochs_only() {
    let mut w = world(3);
    let early = w.members[1].group.encrypt(b"early", b"").unwrap();
    let late = w.members[1].group.encrypt(b"late", b"").unwrap();
    let epoch = w.members[1].group.epoch();
    w.commit(
        0,
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        Vec::new(),
    );
    // One epoch later the message still decrypts.
    match w.members[2].group.process(&early).unwrap() {
        Received::Application { data, .. } => assert_eq!(data, b"early"),
        other => panic!("unexpected {other:?}"),
    }
    for _ in 0..3 {
        w.commit(
            0,
            CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            Vec::new(),
        );
    }
    let err = w.members[2].group.process(&late).unwrap_err();
    assert_eq!(protocol(err), ProtocolError::UnknownEpoch(epoch));
}

/// A past epoch keeps its members' signature keys as they were (§9.2), as
/// changes over the current tree: a late message of a member removed since,
/// and of one whose leaf was replaced and then removed, still verifies; a
/// leaf added since (beyond the past epoch's tree) is no sender of it.
#[test]
fn late_messages_of_members_removed_since_still_decrypt() {
    let mut w = world(4);
    let late = w.members[3].group.encrypt(b"from m3", b"").unwrap();
    let late2 = w.members[2].group.encrypt(b"from m2", b"").unwrap();
    let removed = leaf_of(&w, 3);
    w.commit(
        0,
        CommitOptions {
            proposals: vec![Proposal::Remove(Remove { removed })],
            ..CommitOptions::default()
        },
        Vec::new(),
    );
    let removed = leaf_of(&w, 2);
    w.commit(
        1,
        CommitOptions {
            proposals: vec![Proposal::Remove(Remove { removed })],
            ..CommitOptions::default()
        },
        Vec::new(),
    );
    match w.members[1].group.process(&late).unwrap() {
        Received::Application { data, .. } => assert_eq!(data, b"from m3"),
        other => panic!("unexpected {other:?}"),
    }
    // And after a snapshot round trip (the past epoch's changed keys are
    // stored as differences from the current tree).
    let c = &w.members[1];
    let bytes = c.group.to_snapshot().unwrap();
    let mut g = Group::from_snapshot(w.cs.clone(), c.signer.clone(), &bytes, services()).unwrap();
    match g.process(&late2).unwrap() {
        Received::Application { data, .. } => assert_eq!(data, b"from m2"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn application_data_with_pending_proposals_is_misuse() {
    let mut w = world(3);
    let m = w.members[1].group.propose_update().unwrap();
    w.propose(1, m);
    assert!(matches!(
        w.members[2].group.encrypt(b"x", b""),
        Err(Error::Misuse(_))
    ));
    w.commit(2, CommitOptions::default(), Vec::new());
    w.message(2);
}

#[test]
fn replayed_application_message_is_refused() {
    let mut w = world(2);
    let m = w.members[0].group.encrypt(b"once", b"").unwrap();
    assert!(w.members[1].group.process(&m).is_ok());
    assert!(matches!(
        protocol(w.members[1].group.process(&m).unwrap_err()),
        ProtocolError::GenerationAlreadyUsed { .. }
    ));
}

#[test]
fn refused_commit_leaves_the_group_usable() {
    let mut w = world(3);
    let forgery = Forgery {
        keep_leaf_key: true,
        ..Forgery::default()
    };
    let bad = forged(&mut w, 0, Vec::new(), forgery);
    refused(&mut w, 1, &bad);
    refused(&mut w, 2, &bad);
    drop(bad.pending);
    // The committer discards its commit and makes a valid one; everyone follows.
    w.commit(
        0,
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        Vec::new(),
    );
    w.message(1);
}

#[test]
fn own_commit_is_recognised_when_echoed() {
    let mut w = world(2);
    let out = w.members[0].group.commit(CommitOptions::default()).unwrap();
    assert!(matches!(
        w.members[0].group.process(&out.message).unwrap(),
        Received::OwnCommit
    ));
    w.deliver(0, out, Vec::new());
}

#[test]
fn many_adds_with_bad_key_package_signatures_name_the_first() {
    // Enough Adds for their signatures to be verified in batches on two threads.
    let mut w = world(3);
    let adds: Vec<Proposal> = (0..400)
        .map(|i| add_of(&candidate(&w.cs, &format!("added {i}"))))
        .collect();
    for (first, later, expected) in [
        (250, 390, ProtocolError::InvalidKeyPackageSignature),
        (3, 100, ProtocolError::InvalidKeyPackageLeafSignature),
    ] {
        let mut list = adds.clone();
        break_add(
            &mut list[first],
            expected != ProtocolError::InvalidKeyPackageSignature,
        );
        break_add(&mut list[later], true);
        // The committer refuses to build it...
        let err = w.members[0]
            .group
            .commit(CommitOptions {
                proposals: list.clone(),
                ..CommitOptions::default()
            })
            .unwrap_err();
        assert_eq!(protocol(err), expected);
        // ...and a receiver refuses it when forged.
        let out = forged(&mut w, 0, list, skip());
        assert_eq!(refused(&mut w, 1, &out), expected);
    }
    // Unbroken, the same list commits.
    w.members[0]
        .group
        .commit(CommitOptions {
            proposals: adds,
            ..CommitOptions::default()
        })
        .unwrap();
}
