//! What a commit hands back besides the commit (RFC 9420 §12.4.3): the
//! GroupInfo of the new epoch carries the ratchet tree when the commit has
//! a Welcome (the same GroupInfo the joiners get), and not otherwise, so an
//! update in a large group does not encode and sign the whole tree;
//! `Group::group_info(true)` after merging gives one with the tree.

mod group_common;

use conclave_core::crypto::CipherSuite;
use conclave_core::group::{group_info_of, CommitOptions};
use conclave_core::wire::{ExtensionType, MlsMessage};
use group_common::{add_of, World};

fn has_tree(info: &MlsMessage) -> bool {
    group_info_of(info)
        .unwrap()
        .extensions
        .iter()
        .any(|e| e.extension_type == ExtensionType::RATCHET_TREE)
}

#[test]
fn the_commits_group_info_carries_the_tree_only_with_a_welcome() {
    let mut w = World::new(CipherSuite::X25519_AES128GCM_SHA256_ED25519);
    let joiner = w.fresh(1);
    let add = w.members[0]
        .group
        .commit(CommitOptions {
            proposals: joiner.iter().map(add_of).collect(),
            ..CommitOptions::default()
        })
        .unwrap();
    assert!(add.welcome.is_some());
    assert!(has_tree(&add.group_info));
    w.deliver(0, add, joiner);

    let update = w.members[1]
        .group
        .commit(CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        })
        .unwrap();
    assert!(update.welcome.is_none());
    assert!(!has_tree(&update.group_info));
    let epoch = group_info_of(&update.group_info)
        .unwrap()
        .group_context
        .epoch;
    w.deliver(1, update, Vec::new());
    let info = w.members[1].group.group_info(true).unwrap();
    assert!(has_tree(&info));
    assert_eq!(group_info_of(&info).unwrap().group_context.epoch, epoch);
}
