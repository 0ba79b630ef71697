//! `passive-client-welcome.json`, `passive-client-handling-commit.json` and
//! `passive-client-random.json` (README §2.13): a member that joins from a
//! Welcome (RFC 9420 §12.4.3.1) and then only processes the proposals and
//! commits of others (§12.4.2), checked by the epoch authenticator (§8.7)
//! after the join and after every epoch.
//!
//! The files hold leaves whose `not_after` has passed. The library still
//! checks lifetimes (§7.3); the runner supplies a fixed clock: one day before
//! the joiner's KeyPackage expires when it has a bounded lifetime (the
//! Welcome file: every leaf shares that lifetime), otherwise
//! [`FIXED_TIME_ETERNAL`], inside the lifetimes of the other files' leaves.

use std::collections::HashMap;
use std::sync::Arc;

use conclave_core::codec::decode_exact;
use conclave_core::credential::BasicIdentityValidator;
use conclave_core::crypto::{CryptoProvider, Secret, SignatureKeyPair};
use conclave_core::group::{Group, GroupConfig, Received, Services};
use conclave_core::key_package::KeyPackageBundle;
use conclave_core::time::FixedClock;
use conclave_core::wire::{MlsMessage, MlsMessageBody, PreSharedKeyId, Psk, RatchetTreeNodes};
use serde_json::Value;

use super::message_protection::private_key;
use super::{suite_of, CaseResult};
use crate::hexjson::{array, bytes, check_bytes, field};

/// The clock for a joiner whose KeyPackage never expires: 2024-06-01, inside
/// the lifetimes of every leaf of `passive-client-handling-commit.json`
/// (which expire on 2025-03-14) and of the eternal `-random` file.
pub const FIXED_TIME_ETERNAL: u64 = 1_717_200_000;

const DAY: u64 = 24 * 60 * 60;

fn message(v: &Value, name: &str) -> Result<MlsMessage, String> {
    decode_exact(&bytes(v, name)?).map_err(|e| format!("{name}: {e}"))
}

/// Joins, then processes every epoch.
pub fn run(case: &Value, provider: &dyn CryptoProvider) -> CaseResult {
    let cs = suite_of(case, provider)?;
    let c = cs.as_ref();
    let kp = match message(case, "key_package")?.body {
        MlsMessageBody::KeyPackage(kp) => kp,
        _ => return Err("key_package is not a KeyPackage".into()),
    };
    let signature_priv = private_key(c, bytes(case, "signature_priv")?);
    let encryption_priv = private_key(c, bytes(case, "encryption_priv")?);
    let init_priv = private_key(c, bytes(case, "init_priv")?);
    let crypto = |e: conclave_core::crypto::CryptoError| e.to_string();
    check_bytes(
        "signature key",
        kp.leaf_node.signature_key.as_slice(),
        &c.signature_public_key(signature_priv.as_bytes())
            .map_err(crypto)?,
    )?;
    check_bytes(
        "encryption key",
        kp.leaf_node.encryption_key.as_slice(),
        &c.kem_public_key(encryption_priv.as_bytes())
            .map_err(crypto)?,
    )?;
    check_bytes(
        "init key",
        kp.init_key.as_slice(),
        &c.kem_public_key(init_priv.as_bytes()).map_err(crypto)?,
    )?;

    let mut psks: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    for p in array(case, "external_psks")? {
        psks.insert(bytes(p, "psk_id")?, bytes(p, "psk")?);
    }
    let store = move |id: &PreSharedKeyId| match &id.psk {
        Psk::External { psk_id } => psks.get(psk_id.as_slice()).map(|v| Secret::from_slice(v)),
        Psk::Resumption { .. } => None,
    };
    let now = match kp.leaf_node.lifetime() {
        Some(l) if l.not_after != u64::MAX => l.not_after.saturating_sub(DAY).max(l.not_before),
        _ => FIXED_TIME_ETERNAL,
    };
    let services = Services {
        clock: Arc::new(FixedClock(now)),
        identity: Arc::new(BasicIdentityValidator::new()),
        psks: Arc::new(store),
    };
    let ratchet_tree: Option<RatchetTreeNodes> = match field(case, "ratchet_tree")? {
        Value::Null => None,
        _ => Some(
            decode_exact(&bytes(case, "ratchet_tree")?)
                .map_err(|e| format!("ratchet_tree: {e}"))?,
        ),
    };
    let signer = SignatureKeyPair::from_private(cs.clone(), signature_priv).map_err(crypto)?;
    let bundle = KeyPackageBundle {
        key_package: kp,
        init_private_key: init_priv,
        encryption_private_key: encryption_priv,
    };
    let welcome = message(case, "welcome")?;
    let mut group = Group::join(
        cs.clone(),
        Arc::new(signer),
        &welcome,
        bundle,
        ratchet_tree,
        GroupConfig::default(),
        services,
    )
    .map_err(|e| format!("join: {e}"))?;
    check_bytes(
        "initial epoch authenticator",
        &bytes(case, "initial_epoch_authenticator")?,
        group.epoch_authenticator().as_bytes(),
    )?;

    for (n, epoch) in array(case, "epochs")?.iter().enumerate() {
        for (i, p) in array(epoch, "proposals")?.iter().enumerate() {
            let m: MlsMessage =
                decode_exact(&hex_of(p)?).map_err(|e| format!("epoch {n} proposal {i}: {e}"))?;
            match group.process(&m) {
                Ok(Received::Proposal { .. }) => {}
                Ok(other) => return Err(format!("epoch {n} proposal {i}: got {other:?}").into()),
                Err(e) => return Err(format!("epoch {n} proposal {i}: {e}").into()),
            }
        }
        let commit = message(epoch, "commit")?;
        match group.process(&commit) {
            Ok(Received::Commit(staged)) => group
                .merge_staged_commit(staged)
                .map_err(|e| format!("epoch {n} merge: {e}"))?,
            Ok(other) => return Err(format!("epoch {n} commit: got {other:?}").into()),
            Err(e) => return Err(format!("epoch {n} commit: {e}").into()),
        }
        check_bytes(
            &format!("epoch {n} authenticator"),
            &bytes(epoch, "epoch_authenticator")?,
            group.epoch_authenticator().as_bytes(),
        )?;
    }
    Ok(())
}

fn hex_of(v: &Value) -> Result<Vec<u8>, String> {
    let s = v.as_str().ok_or("a proposal is not a hex string")?;
    hex::decode(s).map_err(|e| e.to_string())
}
