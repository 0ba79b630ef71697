//! GREASE (RFC 9420 §13.5) in groups: the creator's and external joiners'
//! leaves and the KeyPackages advertise GREASE values in their capabilities
//! and carry GREASE extensions, GroupInfos carry a GREASE extension, and
//! all of it is ignored correctly by every member, on every suite.

mod group_common;

use std::sync::Arc;

use conclave_core::crypto::{CipherSuite, SignatureKeyPair};
use conclave_core::group::{group_info_of, CommitOptions, ExternalJoinOptions, Group, Received};
use conclave_core::wire::Credential;
use group_common::{add_of, config, services, suites, Client, World};

fn scenario(cs: CipherSuite) {
    let mut w = World::new(cs);
    let joiners = w.fresh(3);
    let proposals = joiners.iter().map(add_of).collect();
    w.commit(
        0,
        CommitOptions {
            proposals,
            ..CommitOptions::default()
        },
        joiners,
    );
    // Every leaf advertises GREASE in its capabilities and carries a GREASE extension.
    for m in w.members[0].group.members() {
        let caps = &m.capabilities;
        assert!(caps.cipher_suites.iter().any(|s| s.is_grease()), "{m:?}");
        assert!(caps.proposals.iter().any(|p| p.is_grease()));
        assert!(caps.credentials.iter().any(|c| c.is_grease()));
        assert!(caps.extensions.iter().any(|e| e.is_grease()));
    }
    // The GroupInfo carries a GREASE extension; an external joiner ignores it.
    let info = w.members[2].group.group_info(true).unwrap();
    assert!(group_info_of(&info)
        .unwrap()
        .extensions
        .iter()
        .any(|e| e.extension_type.is_grease()));
    let signer = Arc::new(SignatureKeyPair::generate(w.cs.clone()).unwrap());
    let (group, commit) = Group::external_join(
        w.cs.clone(),
        signer.clone(),
        Credential::basic("greasy"),
        &info,
        None,
        ExternalJoinOptions::default(),
        config(false),
        services(),
    )
    .unwrap();
    for c in &mut w.members {
        match c.group.process(&commit).unwrap() {
            Received::Commit(staged) => c.group.merge_staged_commit(staged).unwrap(),
            other => panic!("expected a commit, got {other:?}"),
        }
    }
    w.members.push(Client {
        name: "greasy".into(),
        signer,
        group,
    });
    w.check_agreement();
    w.message(4);
    w.commit(4, CommitOptions::default(), Vec::new());
    w.message(0);
}

#[test]
fn grease_is_ignored_on_every_suite() {
    for cs in suites() {
        scenario(cs);
    }
}
