//! `psk_secret.json`: the PSK secret fold of RFC 9420 §8.4, every entry an
//! external PSK.

use conclave_core::codec::VLBytes;
use conclave_core::crypto::{CryptoProvider, Secret};
use conclave_core::schedule::PskSecret;
use conclave_core::wire::{PreSharedKeyId, Psk};
use serde_json::Value;

use super::{suite_of, CaseResult};
use crate::hexjson::{array, bytes, check_bytes};

/// Folds the case's PSKs and compares with `psk_secret`.
pub fn run(case: &Value, provider: &dyn CryptoProvider) -> CaseResult {
    let cs = suite_of(case, provider)?;
    let cs = cs.as_ref();
    let mut ids = Vec::new();
    let mut values = Vec::new();
    for p in array(case, "psks")? {
        ids.push(PreSharedKeyId {
            psk: Psk::External {
                psk_id: VLBytes::new(bytes(p, "psk_id")?),
            },
            psk_nonce: VLBytes::new(bytes(p, "psk_nonce")?),
        });
        values.push(Secret::new(bytes(p, "psk")?));
    }
    let pairs: Vec<_> = ids.iter().zip(values.iter()).collect();
    let secret = PskSecret::derive(cs, &pairs).map_err(|e| e.to_string())?;
    check_bytes(
        "psk_secret",
        &bytes(case, "psk_secret")?,
        secret.as_secret().as_bytes(),
    )?;
    Ok(())
}
