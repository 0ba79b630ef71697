//! `welcome.json`: opening a Welcome (RFC 9420 §12.4.3.1) — the GroupSecrets
//! with the init key, the GroupInfo with the welcome secret, its signature
//! and the confirmation tag — then sealing a Welcome of our own and opening
//! it again. The GroupInfo has no ratchet tree and an arbitrary signer
//! index, so the signer's key is the case's `signer_pub` (README §2.8).

use conclave_core::codec::decode_exact;
use conclave_core::crypto::{CryptoProvider, Secret};
use conclave_core::schedule::{
    check_joined_epoch, key_package_ref, open_group_info, open_group_secrets, verify_group_info,
    JoinerSecret, PskSecret, WelcomeBuilder,
};
use conclave_core::wire::{KeyPackage, MlsMessage, MlsMessageBody, Welcome};
use serde_json::Value;

use super::message_protection::private_key;
use super::{suite_of, CaseResult};
use crate::hexjson::bytes;

/// Opens the given Welcome and checks it, then round-trips one of our own.
pub fn run(case: &Value, provider: &dyn CryptoProvider) -> CaseResult {
    let cs = suite_of(case, provider)?;
    let cs = cs.as_ref();
    let fail = |what: &'static str| move |e: conclave_core::Error| format!("{what}: {e}");
    let kp: MlsMessage = decode_exact(&bytes(case, "key_package")?).map_err(|e| e.to_string())?;
    let MlsMessageBody::KeyPackage(kp) = kp.body else {
        return Err("key_package is not a KeyPackage".into());
    };
    let welcome: MlsMessage = decode_exact(&bytes(case, "welcome")?).map_err(|e| e.to_string())?;
    let MlsMessageBody::Welcome(welcome) = welcome.body else {
        return Err("welcome is not a Welcome".into());
    };
    let init_priv = private_key(cs, bytes(case, "init_priv")?);
    let signer_pub = bytes(case, "signer_pub")?;

    let kp_ref = key_package_ref(cs, &kp).map_err(fail("KeyPackageRef"))?;
    join(cs, &welcome, &kp, &kp_ref, &init_priv, &signer_pub)?;

    // Our own Welcome with the same GroupInfo and GroupSecrets.
    let secrets = open_group_secrets(cs, &welcome, &kp_ref, &init_priv, kp.init_key.as_slice())
        .map_err(fail("GroupSecrets"))?;
    let (group_info, _) = open_group_info(
        cs,
        &welcome,
        JoinerSecret::new(Secret::from_slice(secrets.joiner_secret.as_slice())),
        &PskSecret::zero(cs),
    )
    .map_err(fail("GroupInfo"))?;
    let member = JoinerSecret::new(Secret::from_slice(secrets.joiner_secret.as_slice()))
        .member(cs, &PskSecret::zero(cs))
        .map_err(fail("member secret"))?;
    let welcome_secret = member.welcome_secret(cs).map_err(fail("welcome secret"))?;
    let mut builder =
        WelcomeBuilder::new(cs, &welcome_secret, &group_info).map_err(fail("WelcomeBuilder"))?;
    builder
        .add_member(cs, &kp, &secrets)
        .map_err(fail("sealing GroupSecrets"))?;
    let ours = builder.finish();
    join(cs, &ours, &kp, &kp_ref, &init_priv, &signer_pub).map_err(|e| match e {
        super::CaseError::Fail(why) => super::CaseError::Fail(format!("own Welcome: {why}")),
        other => other,
    })
}

/// Every check a joiner makes with the Welcome's secrets.
fn join(
    cs: &dyn conclave_core::crypto::CipherSuiteProvider,
    welcome: &Welcome,
    kp: &KeyPackage,
    kp_ref: &[u8],
    init_priv: &Secret,
    signer_pub: &[u8],
) -> CaseResult {
    let fail = |what: &'static str| move |e: conclave_core::Error| format!("{what}: {e}");
    let secrets = open_group_secrets(cs, welcome, kp_ref, init_priv, kp.init_key.as_slice())
        .map_err(fail("GroupSecrets"))?;
    if !secrets.psks.is_empty() {
        return Err("the case has PSKs, which the file never has".into());
    }
    let (group_info, member) = open_group_info(
        cs,
        welcome,
        JoinerSecret::new(Secret::from_slice(secrets.joiner_secret.as_slice())),
        &PskSecret::zero(cs),
    )
    .map_err(fail("GroupInfo"))?;
    verify_group_info(cs, &group_info, signer_pub).map_err(fail("GroupInfo signature"))?;
    check_joined_epoch(cs, member, &group_info).map_err(fail("confirmation tag"))?;
    Ok(())
}
