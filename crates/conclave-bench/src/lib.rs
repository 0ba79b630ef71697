//! Fixtures for Conclave's criterion benchmarks (see `benches/`).
//!
//! [`full_tree`] builds a ratchet tree of a given number of members with
//! every parent node set, directly from random keys and bytes: no
//! signatures or KEM operations, so that even 100,000 leaves build in well
//! under a second. Its parent hashes are not a valid chain; it is meant for
//! measuring hashing and merging, not validation.
#![forbid(unsafe_code)]

use conclave_core::codec::VLBytes;
use conclave_core::crypto::{CipherSuite, CipherSuiteProvider};
use conclave_core::tree::{RatchetTree, TreeSize};
use conclave_core::wire::{
    Capabilities, Credential, CredentialType, LeafNode, LeafNodeSource, Node, ParentNode,
    ProtocolVersion,
};

fn random(cs: &dyn CipherSuiteProvider, len: usize) -> VLBytes {
    let mut bytes = vec![0u8; len];
    // The provider's RNG; a failure leaves zeros, harmless for a fixture.
    let _ = cs.random_bytes(&mut bytes);
    VLBytes::new(bytes)
}

/// A leaf node with random keys, a basic credential and source `commit`.
pub fn random_leaf(cs: &dyn CipherSuiteProvider, i: u32) -> LeafNode {
    LeafNode {
        encryption_key: random(cs, 32),
        signature_key: random(cs, 32),
        credential: Credential::basic(format!("member {i}").into_bytes()),
        capabilities: Capabilities {
            versions: vec![ProtocolVersion::MLS10],
            cipher_suites: vec![CipherSuite::X25519_AES128GCM_SHA256_ED25519],
            extensions: vec![],
            proposals: vec![],
            credentials: vec![CredentialType::BASIC],
        },
        leaf_node_source: LeafNodeSource::Commit(random(cs, cs.hash_len())),
        extensions: vec![],
        signature: random(cs, 64),
    }
}

/// A tree of `members` leaves (padded with blank leaves to a power of two)
/// with every parent node set to random keys and hashes.
pub fn full_tree(cs: &dyn CipherSuiteProvider, members: u32) -> RatchetTree {
    let width = TreeSize::covering(members).map_or(1, |w| w.node_width());
    let nodes = (0..width)
        .map(|x| {
            if x % 2 == 0 {
                (x / 2 < members).then(|| Node::Leaf(random_leaf(cs, x / 2)))
            } else {
                Some(Node::Parent(ParentNode {
                    encryption_key: random(cs, 32),
                    parent_hash: random(cs, cs.hash_len()),
                    unmerged_leaves: vec![],
                }))
            }
        })
        .collect::<Vec<_>>();
    let last = nodes.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
    RatchetTree::from_nodes(cs, nodes.into_iter().take(last).collect())
        .unwrap_or_else(|e| panic!("fixture tree: {e}"))
}
