//! Each limit rejects an exceeding input with its own error, and inputs
//! within the limits decode exactly as without them.

use super::*;
use crate::codec::{encode, VLBytes};
use crate::error::Error;
use crate::wire::extension::{find_payload, RatchetTreeExtension};
use crate::wire::{ParentNode, Remove};

fn protocol(r: Result<impl core::fmt::Debug>) -> ProtocolError {
    match r {
        Err(Error::Protocol(e)) => e,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

fn parent(byte: u8) -> Option<Node> {
    Some(Node::Parent(ParentNode {
        encryption_key: VLBytes::new(vec![byte; 32]),
        parent_hash: VLBytes::new(vec![]),
        unmerged_leaves: vec![],
    }))
}

fn small() -> Limits {
    Limits {
        max_message_size: 64,
        max_tree_leaves: 4,
        max_proposals_per_commit: 3,
        max_extensions: 2,
        max_extension_size: 8,
    }
}

#[test]
fn defaults_are_documented_values() {
    let l = Limits::default();
    assert_eq!(l.max_message_size, 1 << 20);
    assert_eq!(l.max_tree_leaves, 1 << 16);
    assert_eq!(l.max_tree_nodes(), (1 << 17) - 1);
    assert_eq!(l.max_proposals_per_commit, 4096);
    assert_eq!(l.max_extensions, 64);
    assert_eq!(l.max_extension_size, 64 << 10);
}

#[test]
fn oversize_message_is_rejected_before_decoding() {
    let l = small();
    let ok = encode(&VLBytes::new(vec![7; 62])).unwrap();
    assert_eq!(ok.len(), 63);
    assert_eq!(l.decode::<VLBytes>(&ok).unwrap().as_slice(), &[7; 62]);
    // 66 bytes that would decode fine: rejected for their size alone.
    let big = encode(&VLBytes::new(vec![7; 64])).unwrap();
    assert_eq!(big.len(), 66);
    assert_eq!(
        protocol(l.decode::<VLBytes>(&big)),
        ProtocolError::MessageTooLarge { size: 66, max: 64 }
    );
    // Garbage within the size is malformed, not a limit error.
    assert!(matches!(
        l.decode::<VLBytes>(&[0x05, 1]),
        Err(Error::Malformed(_))
    ));
    assert!(matches!(
        Limits::default().decode_message(&[0u8; (1 << 20) + 1]),
        Err(Error::Protocol(ProtocolError::MessageTooLarge { .. }))
    ));
}

#[test]
fn oversize_tree_is_rejected_while_decoding() {
    let l = small();
    // 7 nodes (4 leaves) pass and equal the unbounded decoding.
    let mut nodes: RatchetTreeNodes = vec![None; 6];
    nodes.push(parent(1));
    let bytes = encode(&nodes).unwrap();
    assert_eq!(l.decode_ratchet_tree(&bytes).unwrap(), nodes);
    assert_eq!(decode_exact::<RatchetTreeNodes>(&bytes).unwrap(), nodes);
    l.check_tree_nodes(&nodes).unwrap();
    // 9 nodes (5 leaves) do not.
    let mut nodes: RatchetTreeNodes = vec![None; 8];
    nodes.push(parent(2));
    let bytes = encode(&nodes).unwrap();
    assert_eq!(
        protocol(l.decode_ratchet_tree(&bytes)),
        ProtocolError::TreeExceedsLimit {
            nodes: 8,
            max_leaves: 4
        }
    );
    assert_eq!(
        protocol(l.check_tree_nodes(&nodes)),
        ProtocolError::TreeExceedsLimit {
            nodes: 9,
            max_leaves: 4
        }
    );
}

#[test]
fn a_megabyte_blank_tree_is_rejected_under_the_default_limits() {
    // The amplification finding: 2^20 - 1 blank nodes and one parent.
    let mut nodes: RatchetTreeNodes = vec![None; (1 << 20) - 1];
    nodes.push(parent(3));
    let bytes = encode(&nodes).unwrap();
    drop(nodes);
    let ext = Extension::new(ExtensionType::RATCHET_TREE, bytes);
    assert!(matches!(
        Limits::default().find_ratchet_tree(core::slice::from_ref(&ext)),
        Err(Error::Protocol(ProtocolError::TreeExceedsLimit {
            max_leaves: 65536,
            ..
        }))
    ));
}

#[test]
fn bounded_tree_decoding_rejects_what_decode_exact_rejects() {
    let l = small();
    let mut nodes: RatchetTreeNodes = vec![None, None];
    nodes.push(parent(4));
    let good = encode(&nodes).unwrap();
    let mut trailing = good.clone();
    trailing.push(0);
    let mut cut = good.clone();
    cut.pop();
    let mut long_header = good.clone();
    long_header[0] += 1;
    let mut bad_presence = good.clone();
    bad_presence[1] = 2;
    for bytes in [trailing, cut, long_header, bad_presence, vec![], vec![0x40]] {
        assert!(decode_exact::<RatchetTreeNodes>(&bytes).is_err());
        assert!(
            matches!(l.decode_ratchet_tree(&bytes), Err(Error::Malformed(_))),
            "{bytes:02x?}"
        );
    }
    // An empty vector decodes (the tree checks reject it later).
    assert_eq!(l.decode_ratchet_tree(&[0]).unwrap(), vec![]);
}

#[test]
fn find_ratchet_tree_matches_find_payload() {
    let nodes: RatchetTreeNodes = vec![None, None, parent(5)];
    let exts = vec![
        Extension::new(ExtensionType::APPLICATION_ID, vec![1]),
        Extension::from_payload(&RatchetTreeExtension {
            ratchet_tree: nodes.clone(),
        })
        .unwrap(),
    ];
    let bounded = Limits::default().find_ratchet_tree(&exts).unwrap();
    let plain = find_payload::<RatchetTreeExtension>(&exts)
        .unwrap()
        .map(|t| t.ratchet_tree);
    assert_eq!(bounded, plain);
    assert_eq!(bounded, Some(nodes));
    assert_eq!(
        Limits::default().find_ratchet_tree(&exts[..1]).unwrap(),
        None
    );
}

fn commit(proposals: usize) -> Commit {
    Commit {
        proposals: (0..proposals)
            .map(|i| {
                if i % 2 == 0 {
                    ProposalOrRef::Reference(VLBytes::new(vec![i as u8; 32]))
                } else {
                    ProposalOrRef::Proposal(Box::new(Proposal::Remove(Remove {
                        removed: i as u32,
                    })))
                }
            })
            .collect(),
        path: None,
    }
}

#[test]
fn too_many_proposals_are_rejected() {
    let l = small();
    l.check_commit(&commit(3)).unwrap();
    assert_eq!(
        protocol(l.check_commit(&commit(4))),
        ProtocolError::TooManyProposals { count: 4, max: 3 }
    );
    assert_eq!(
        protocol(l.check_content(&FramedContentBody::Commit(commit(5)))),
        ProtocolError::TooManyProposals { count: 5, max: 3 }
    );
}

#[test]
fn extension_count_and_size_are_bounded() {
    let l = small();
    let e = |t: u16, n: usize| Extension::new(ExtensionType(t), vec![0; n]);
    l.check_extensions(&[e(1, 8), e(5, 0)]).unwrap();
    assert_eq!(
        protocol(l.check_extensions(&[e(1, 0), e(3, 0), e(5, 0)])),
        ProtocolError::TooManyExtensions { count: 3, max: 2 }
    );
    assert_eq!(
        protocol(l.check_extensions(&[e(0x0A0A, 9)])),
        ProtocolError::ExtensionTooLarge {
            extension_type: 0x0A0A,
            size: 9,
            max: 8
        }
    );
    // The ratchet tree is bounded by its own limit, not the extension size.
    l.check_extensions(&[e(2, 100)]).unwrap();
    // Extensions inside proposals are checked too.
    let gce = Proposal::GroupContextExtensions(crate::wire::GroupContextExtensions {
        extensions: vec![e(7, 9)],
    });
    assert!(matches!(
        protocol(l.check_proposal(&gce)),
        ProtocolError::ExtensionTooLarge { .. }
    ));
    let mut c = commit(1);
    c.proposals.push(ProposalOrRef::Proposal(Box::new(gce)));
    assert!(matches!(
        protocol(l.check_commit(&c)),
        ProtocolError::ExtensionTooLarge { .. }
    ));
}

#[test]
fn decode_message_rejects_a_public_commit_with_too_many_proposals() {
    use crate::wire::{FramedContent, FramedContentAuthData, PublicMessage, Sender};
    let public = |proposals| {
        let message = MlsMessage::new(MlsMessageBody::PublicMessage(PublicMessage {
            content: FramedContent {
                group_id: VLBytes::new(b"group".to_vec()),
                epoch: 1,
                sender: Sender::Member(0),
                authenticated_data: VLBytes::new(vec![]),
                content: FramedContentBody::Commit(commit(proposals)),
            },
            auth: FramedContentAuthData {
                signature: VLBytes::new(vec![0xEE; 64]),
                confirmation_tag: Some(VLBytes::new(vec![0xCC; 32])),
            },
            membership_tag: Some(VLBytes::new(vec![0x77; 32])),
        }));
        encode(&message).unwrap()
    };
    let l = Limits {
        max_message_size: 1 << 20,
        ..small()
    };
    let ok = l.decode_message(&public(3)).unwrap();
    assert_eq!(ok, decode_exact::<MlsMessage>(&public(3)).unwrap());
    assert_eq!(
        protocol(l.decode_message(&public(4))),
        ProtocolError::TooManyProposals { count: 4, max: 3 }
    );
}

/// A Commit's proposal list is decoded before its count can be checked, so
/// its entries must not cost much more memory than wire bytes: proposals are
/// boxed. The smallest entries are a 2-byte empty reference and a 4-byte
/// proposal by value (an ExternalInit with an empty KEM output); before the
/// boxes both took 376 bytes, up to 188 times their encoding.
#[test]
fn decoded_proposal_lists_take_little_more_memory_than_their_bytes() {
    use crate::wire::ExternalInit;
    use core::mem::size_of;
    let by_ref = encode(&ProposalOrRef::Reference(VLBytes::new(vec![]))).unwrap();
    let by_value = encode(&ProposalOrRef::from(Proposal::ExternalInit(ExternalInit {
        kem_output: VLBytes::new(vec![]),
    })))
    .unwrap();
    assert_eq!((by_ref.len(), by_value.len()), (2, 4));
    let ref_cost = size_of::<ProposalOrRef>() / by_ref.len();
    let value_cost = (size_of::<ProposalOrRef>() + size_of::<Proposal>()) / by_value.len();
    assert!(
        ref_cost <= 16,
        "{ref_cost} bytes per wire byte by reference"
    );
    assert!(
        value_cost <= 26,
        "{value_cost} bytes per wire byte by value"
    );
}
