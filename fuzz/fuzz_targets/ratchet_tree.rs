//! A `ratchet_tree` (RFC 9420 §12.4.3.3), `optional<Node> ratchet_tree<V>`:
//! decoding is canonical; a decoded tree goes through
//! `RatchetTree::from_nodes` (shape checks, padding, every tree hash) and
//! `validate_tree` (§12.4.3.1) with the suite-1 provider; an imported tree
//! exports back to the nodes it was made from. The bounded decoding of
//! `Limits::decode_ratchet_tree` (with a small node bound) accepts exactly
//! what `decode_exact` does within the bound, with the same nodes.
#![no_main]

use conclave_core::codec::decode_exact;
use conclave_core::crypto::CipherSuite;
use conclave_core::limits::Limits;
use conclave_core::time::FixedClock;
use conclave_core::tree::validate::{validate_tree, GroupRequirements, TreeValidation};
use conclave_core::tree::RatchetTree;
use conclave_core::wire::{Node, ProtocolVersion};
use conclave_fuzz::{decode_canonical, suite1};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_tree_leaves: 8,
        ..Limits::default()
    };
    let bounded = limits.decode_ratchet_tree(data).ok();
    let exact = decode_exact::<Vec<Option<Node>>>(data).ok();
    match (&bounded, &exact) {
        (Some(b), Some(e)) => assert_eq!(b, e, "bounded decoding differs"),
        (Some(_), None) => panic!("bounded decoding accepted what decode_exact rejects"),
        (None, Some(e)) => assert!(e.len() > 15, "bounded decoding rejected a small tree"),
        (None, None) => {}
    }
    let Some(nodes) = decode_canonical::<Vec<Option<Node>>>(data) else {
        return;
    };
    let cs = suite1();
    let Ok(tree) = RatchetTree::from_nodes(cs.as_ref(), nodes.clone()) else {
        return;
    };
    assert_eq!(tree.to_nodes(), nodes, "import/export is not the identity");
    let params = TreeValidation {
        group_id: b"fuzz-group",
        group: GroupRequirements {
            cipher_suite: CipherSuite::X25519_AES128GCM_SHA256_ED25519,
            version: ProtocolVersion::MLS10,
            required: None,
        },
        clock: Some(&FixedClock(1_700_000_000)),
    };
    let _ = validate_tree(&tree, cs.as_ref(), &params);
});
