//! Where the peers depart from RFC 9420 or leave a check to the application, shown with
//! Conclave following the RFC: the mls-rs 0.57 conflicting-Update deviation (§12.2,
//! §12.4.2), OpenMLS 0.9 rejecting GREASE extensions (§13.5), and an external commit that
//! removes another identity (§12.4.3.2), which OpenMLS leaves to the application.
//!
//! Conflicting Updates: §12.2: a commit is invalid if "it contains multiple Update and/or Remove proposals that
//! apply to the same leaf"; a committer holding such proposals SHOULD prefer the Remove, or
//! else the most recent Update, and must not list the others. mls-rs 0.57 as committer
//! discards the superseded Update but still lists it by reference, so a conforming receiver
//! (§12.4.2: the receiver checks the commit's proposal list against §12.2) must reject the
//! commit. Conclave as receiver rejects it with `DuplicateUpdateOrRemove`; Conclave as
//! committer of the same proposals lists only the valid ones, and every peer accepts.

use std::sync::Arc;

use conclave_core::codec::decode_exact;
use conclave_core::credential::IdentityValidator;
use conclave_core::crypto::CipherSuite;
use conclave_core::wire::{
    Credential, FramedContentBody, MlsMessage, MlsMessageBody, ProposalOrRef,
};
use conclave_core::{Error, ProtocolError};
use conclave_peers::{
    ConclaveMember, GroupOptions, MlsRsFactory, OpenMlsFactory, OpenMlsMember, PeerError,
    PeerMember, Processed,
};

use crate::common::*;

const REMOVED_UPDATER: &str = "update of a member being removed";
const DOUBLE_UPDATE: &str = "two updates from one member";

/// Members: 0 Conclave, 1 OpenMLS, 2 mls-rs (the committer in the deviation), 3 mls-rs (the
/// member whose Updates conflict). The conflicting proposals are sent and cached by all.
/// Returns the number of proposals a conforming committer lists.
fn setup(case: &str, suite: u16) -> (Vec<Member>, usize) {
    let options = GroupOptions::default();
    let mut members: Vec<Member> = vec![
        conclave(suite, "c"),
        new(&OpenMlsFactory, suite, "o"),
        new(&MlsRsFactory, suite, "r"),
        new(&MlsRsFactory, suite, "x"),
    ];
    members[0].create_group(b"conflict", &options).unwrap();
    let kps: Vec<Vec<u8>> = members[1..]
        .iter_mut()
        .map(|m| m.key_package().unwrap())
        .collect();
    let out = members[0].add_members(&kps).unwrap();
    for m in members[1..].iter_mut() {
        join(m, &out, &options);
    }
    if case == REMOVED_UPDATER {
        // x updates, o updates, c proposes to remove x: valid are o's Update and the Remove.
        let ux = members[3].propose_update().unwrap();
        broadcast(&mut members, 3, &ux, Processed::Proposal);
        let uo = members[1].propose_update().unwrap();
        broadcast(&mut members, 1, &uo, Processed::Proposal);
        let leaf = members[3].own_leaf_index().unwrap();
        let rm = members[0].propose_remove(leaf).unwrap();
        broadcast(&mut members, 0, &rm, Processed::Proposal);
        (members, 2)
    } else {
        // x updates twice: only the most recent Update is valid.
        for _ in 0..2 {
            let u = members[3].propose_update().unwrap();
            broadcast(&mut members, 3, &u, Processed::Proposal);
        }
        (members, 1)
    }
}

/// The proposal references a PublicMessage commit lists.
fn references(commit: &[u8]) -> usize {
    let message: MlsMessage = decode_exact(commit).unwrap();
    let MlsMessageBody::PublicMessage(public) = message.body else {
        panic!("a PublicMessage commit expected");
    };
    let FramedContentBody::Commit(commit) = public.content.content else {
        panic!("a commit expected");
    };
    commit
        .proposals
        .iter()
        .filter(|p| matches!(p, ProposalOrRef::Reference(_)))
        .count()
}

/// mls-rs commits the conflicting proposals and lists the discarded Update: Conclave
/// rejects the commit with the exact rule (§12.2), and so does OpenMLS.
#[test]
fn mls_rs_commit_listing_a_discarded_update_is_rejected_by_conclave() {
    for suite in common_suites() {
        for case in [REMOVED_UPDATER, DOUBLE_UPDATE] {
            let (mut members, valid) = setup(case, suite);
            let conflicted = members[3].own_leaf_index().unwrap();
            let out = members[2].commit_pending().unwrap();
            assert_eq!(
                references(&out.commit),
                valid + 1,
                "{case}: mls-rs lists the Update it discarded (the deviation)"
            );
            match members[0].process(&out.commit) {
                Err(PeerError::Conclave(Error::Protocol(
                    ProtocolError::DuplicateUpdateOrRemove { leaf },
                ))) => assert_eq!(leaf, conflicted, "{case}"),
                other => panic!(
                    "{case}: Conclave must reject with DuplicateUpdateOrRemove, got {other:?}"
                ),
            }
            assert_eq!(
                members[0].epoch(),
                1,
                "{case}: the rejected commit changed nothing"
            );
            assert!(
                members[1].process(&out.commit).is_err(),
                "{case}: OpenMLS rejects it too"
            );
        }
    }
}

/// Conclave commits the same conflicting proposals: it lists only the valid ones and every
/// peer accepts the commit.
#[test]
fn conclave_commit_of_conflicting_proposals_is_accepted_by_every_peer() {
    for suite in common_suites() {
        for case in [REMOVED_UPDATER, DOUBLE_UPDATE] {
            let (mut members, valid) = setup(case, suite);
            let out = members[0].commit_pending().unwrap();
            assert_eq!(references(&out.commit), valid, "{case}");
            broadcast(&mut members, 0, &out.commit, Processed::Commit);
            if case == REMOVED_UPDATER {
                members.pop();
            }
            assert_all_agree(&members, case);
            assert_all_messages_flow(&mut members, case);
        }
    }
}

/// OpenMLS 0.9 rejects a KeyPackage carrying a GREASE extension (RFC 9420 §13.5: GREASE
/// values may appear in extensions and capabilities and must be treated as unknown values).
/// Its `Extension::extension_type` gives `Unknown(v)` for a GREASE value while the decoded
/// capability is `Grease(v)`, so the capability check of §10.1 ("the extension types of the
/// KeyPackage's extensions MUST be listed in its capabilities") fails. mls-rs accepts the
/// same KeyPackage. This asserts the deviation as observed; it fails once OpenMLS is fixed.
#[test]
fn openmls_rejects_grease_extensions_mls_rs_accepts_them() {
    let options = GroupOptions::default();
    let mut c = ConclaveMember::new(1, b"c").unwrap();
    c.set_grease(true);
    let kp = c.key_package().unwrap();
    let mut o = new(&OpenMlsFactory, 1, "o");
    o.create_group(b"grease", &options).unwrap();
    match o.add_members(std::slice::from_ref(&kp)) {
        Err(PeerError::Peer {
            implementation,
            message,
        }) => {
            assert_eq!(implementation, "openmls");
            assert!(message.contains("UnsupportedExtension"), "{message}");
        }
        other => panic!("expected OpenMLS to reject the GREASE KeyPackage, got {other:?}"),
    }
    let mut r = new(&MlsRsFactory, 1, "r");
    r.create_group(b"grease", &options).unwrap();
    let out = r.add_members(&[kp]).unwrap();
    let mut c: Member = Box::new(c);
    join(&mut c, &out, &options);
    assert_agree(&[&c, &r], "GREASE KeyPackage joined an mls-rs group");
}

/// RFC 9420 §12.4.3.2: the Remove in an external commit must remove the joiner's own prior
/// leaf (its new LeafNode must present identifiers "acceptable to the application for the
/// removed participant"). A joiner "mallory" that removes member "o" must be rejected by
/// every member. mls-rs and Conclave refuse to build such a commit (Conclave with
/// `ExternalCommitRemovesOtherIdentity`); a Conclave joiner whose Authentication Service
/// says everyone is one client builds it; Conclave rejects it with
/// `ExternalCommitRemovesOtherIdentity`, mls-rs too, and OpenMLS 0.9 leaves the check
/// to the application (its `validate_external_commit` says so), which the OpenMLS adapter
/// does: a fourth member, OpenMLS with that check off (bare OpenMLS), merges the commit,
/// which shows the group would fork.
/// An Authentication Service that says every credential is the same client.
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

#[test]
fn external_commit_removing_another_identity_is_rejected_by_every_member() {
    let options = GroupOptions::default();
    for suite in common_suites() {
        let mut bare = OpenMlsMember::new(suite, b"bare").unwrap();
        bare.set_resync_identity_check(false);
        let mut members: Vec<Member> = vec![
            conclave(suite, "c"),
            new(&OpenMlsFactory, suite, "o"),
            new(&MlsRsFactory, suite, "r"),
            Box::new(bare),
        ];
        members[0].create_group(b"steal", &options).unwrap();
        let kps: Vec<Vec<u8>> = members[1..]
            .iter_mut()
            .map(|m| m.key_package().unwrap())
            .collect();
        let out = members[0].add_members(&kps).unwrap();
        for m in members[1..].iter_mut() {
            join(m, &out, &options);
        }
        let info = members[0].group_info(true).unwrap();
        let victim = members[0].leaf_of(b"o").unwrap();

        let mut mallory = new(&MlsRsFactory, suite, "mallory");
        match mallory.external_join(&info, None, &options, &[], Some(victim)) {
            Err(PeerError::Peer {
                implementation: "mls-rs",
                message,
            }) => assert!(
                message.contains("ExternalCommitRemovesOtherIdentity"),
                "{message}"
            ),
            other => panic!("mls-rs built the commit: {other:?}"),
        }

        let mut mallory = conclave(suite, "mallory");
        match mallory.external_join(&info, None, &options, &[], Some(victim)) {
            Err(PeerError::Conclave(Error::Protocol(
                ProtocolError::ExternalCommitRemovesOtherIdentity,
            ))) => {}
            other => panic!("Conclave built the commit: {other:?}"),
        }
        let mut mallory = ConclaveMember::new(suite, b"mallory").unwrap();
        mallory.set_identity_validator(Arc::new(EveryoneIsOne));
        let commit = mallory
            .external_join(&info, None, &options, &[], Some(victim))
            .expect("a joiner whose AS says everyone is one client builds it");
        match members[0].process(&commit) {
            Err(PeerError::Conclave(Error::Protocol(
                ProtocolError::ExternalCommitRemovesOtherIdentity,
            ))) => {}
            other => panic!("Conclave must reject: {other:?}"),
        }
        for m in members[1..3].iter_mut() {
            assert!(
                matches!(m.process(&commit), Err(PeerError::Peer { .. })),
                "{} must reject the commit",
                m.name()
            );
        }
        // Bare OpenMLS merges it: "o" is gone from its roster, and it alone moved on.
        assert_eq!(members[3].process(&commit).unwrap(), Processed::Commit);
        assert_eq!(members[3].epoch(), 2);
        assert!(members[3].leaf_of(b"o").is_err());
        members.pop();
        assert_all_agree(&members, "nobody else moved on");
        assert_eq!(members[0].epoch(), 1);
    }
}
