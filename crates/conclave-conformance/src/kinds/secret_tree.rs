//! `secret-tree.json`: sender-data key/nonce and the per-leaf handshake and
//! application ratchets of the secret tree (RFC 9420 §6.3.2, §9).

use conclave_core::crypto::CryptoProvider;
use conclave_core::crypto::Secret;
use conclave_core::schedule::{sender_data_key_nonce, RatchetKind, SecretTree, SecretTreeConfig};
use conclave_core::tree::LeafIndex;
use serde_json::Value;

use super::{suite_of, CaseResult};
use crate::hexjson::{array, bytes, check_bytes, field, uint};

/// Checks the sender data key and nonce, then every listed generation of
/// every leaf's two ratchets.
pub fn run(case: &Value, provider: &dyn CryptoProvider) -> CaseResult {
    let cs = suite_of(case, provider)?;
    let cs = cs.as_ref();
    let sd = field(case, "sender_data")?;
    let (key, nonce) = sender_data_key_nonce(
        cs,
        &Secret::new(bytes(sd, "sender_data_secret")?),
        &bytes(sd, "ciphertext")?,
    )
    .map_err(|e| e.to_string())?;
    check_bytes("sender data key", &bytes(sd, "key")?, key.as_bytes())?;
    check_bytes("sender data nonce", &bytes(sd, "nonce")?, nonce.as_bytes())?;

    let leaves = array(case, "leaves")?;
    let n = u32::try_from(leaves.len()).map_err(|e| e.to_string())?;
    let mut tree = SecretTree::new(
        Secret::new(bytes(case, "encryption_secret")?),
        n,
        SecretTreeConfig::default(),
    )
    .map_err(|e| e.to_string())?;
    for (i, gens) in (0u32..).zip(leaves) {
        let gens = gens
            .as_array()
            .ok_or_else(|| format!("leaves[{i}] is not an array"))?;
        for g in gens {
            let generation = u32::try_from(uint(g, "generation")?).map_err(|e| e.to_string())?;
            for (kind, k, nn) in [
                (RatchetKind::Handshake, "handshake_key", "handshake_nonce"),
                (
                    RatchetKind::Application,
                    "application_key",
                    "application_nonce",
                ),
            ] {
                let kn = tree
                    .receiving_key(cs, LeafIndex(i), kind, generation)
                    .map_err(|e| format!("leaf {i} generation {generation}: {e}"))?;
                let at = format!("leaf {i} generation {generation} {k}");
                check_bytes(&at, &bytes(g, k)?, kn.key.as_bytes())?;
                let at = format!("leaf {i} generation {generation} {nn}");
                check_bytes(&at, &bytes(g, nn)?, kn.nonce.as_bytes())?;
            }
        }
    }
    Ok(())
}
