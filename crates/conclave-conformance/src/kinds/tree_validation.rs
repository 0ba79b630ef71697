//! `tree-validation.json`: resolutions (RFC 9420 §4.1.1) and tree hashes
//! (§7.8) of every node over the full power-of-two width, parent-hash
//! validity (§7.9.2) and every leaf signature with the group id (§7.3).

use conclave_core::crypto::{CipherSuite, CryptoProvider};
use conclave_core::tree::validate::{validate_tree, GroupRequirements, TreeValidation};
use conclave_core::tree::{NodeIndex, TreeView};
use conclave_core::wire::ProtocolVersion;
use serde_json::Value;

use super::tree_operations::import;
use super::{suite_of, CaseResult};
use crate::hexjson::{array, bytes, check_bytes, check_eq};

/// Runs one case.
pub fn run(case: &Value, provider: &dyn CryptoProvider) -> CaseResult {
    let cs = suite_of(case, provider)?;
    let cs = &*cs;
    let tree = import(cs, &bytes(case, "tree")?)?;
    let group_id = bytes(case, "group_id")?;
    let resolutions = array(case, "resolutions")?;
    let hashes = array(case, "tree_hashes")?;
    let width = tree.width().node_width() as usize;
    check_eq("resolutions entries", width, resolutions.len())?;
    check_eq("tree_hashes entries", width, hashes.len())?;
    for (i, (res, hash)) in resolutions.iter().zip(hashes).enumerate() {
        let x = NodeIndex(i as u32);
        let expected: Vec<u64> = res
            .as_array()
            .ok_or_else(|| "a resolution is not an array".to_string())?
            .iter()
            .map(|v| {
                v.as_u64()
                    .ok_or_else(|| "a resolution entry is not a number".to_string())
            })
            .collect::<Result<_, String>>()?;
        let got: Vec<u64> = tree
            .resolution(x)
            .into_iter()
            .map(|n| u64::from(n.0))
            .collect();
        check_eq(&format!("resolution({i})"), expected, got)?;
        let expected = hex::decode(
            hash.as_str()
                .ok_or_else(|| "a tree hash is not a string".to_string())?,
        )
        .map_err(|e| e.to_string())?;
        check_bytes(
            &format!("tree hash({i})"),
            &expected,
            tree.node_hash(x).unwrap_or_default(),
        )?;
    }
    let params = TreeValidation {
        group_id: &group_id,
        group: GroupRequirements {
            cipher_suite: CipherSuite(cs.cipher_suite().0),
            version: ProtocolVersion::MLS10,
            required: None,
        },
        clock: None,
    };
    validate_tree(&tree, cs, &params).map_err(|e| format!("tree validation: {e}"))?;
    Ok(())
}
