//! `messages.json`: every wire struct of RFC 9420 decodes and re-encodes byte
//! for byte (vector README §2.12). No semantic validation: MACs and
//! signatures in this file are not meant to verify.

use conclave_core::codec::{self, DeserializeBytes, Serialize};
use conclave_core::wire::{
    Add, Commit, ExternalInit, GroupContextExtensions, GroupSecrets, MlsMessage, PreSharedKey,
    RatchetTreeNodes, ReInit, Remove, Update, WireFormat,
};
use serde_json::Value;

use super::CaseResult;
use crate::hexjson::{bytes, check_bytes, check_eq};

/// Decodes `name` as a `T` (consuming every byte) and checks that encoding
/// it again gives the same bytes.
fn round_trip<T: DeserializeBytes + Serialize>(case: &Value, name: &str) -> Result<T, String> {
    let input = bytes(case, name)?;
    let value: T = codec::decode_exact(&input).map_err(|e| format!("{name}: {e}"))?;
    let output = codec::encode(&value).map_err(|e| format!("{name}: {e}"))?;
    check_bytes(&format!("{name} re-encoded"), &input, &output)?;
    Ok(value)
}

/// Like [`round_trip`] for an MLSMessage, also checking its wire format.
fn message(case: &Value, name: &str, wire_format: WireFormat) -> Result<(), String> {
    let msg: MlsMessage = round_trip(case, name)?;
    check_eq(
        &format!("{name} wire format"),
        wire_format,
        msg.wire_format(),
    )
}

/// Round-trips every field of the case.
pub fn run(case: &Value) -> CaseResult {
    message(case, "mls_welcome", WireFormat::WELCOME)?;
    message(case, "mls_group_info", WireFormat::GROUP_INFO)?;
    message(case, "mls_key_package", WireFormat::KEY_PACKAGE)?;
    round_trip::<RatchetTreeNodes>(case, "ratchet_tree")?;
    round_trip::<GroupSecrets>(case, "group_secrets")?;
    round_trip::<Add>(case, "add_proposal")?;
    round_trip::<Update>(case, "update_proposal")?;
    round_trip::<Remove>(case, "remove_proposal")?;
    round_trip::<PreSharedKey>(case, "pre_shared_key_proposal")?;
    round_trip::<ReInit>(case, "re_init_proposal")?;
    round_trip::<ExternalInit>(case, "external_init_proposal")?;
    round_trip::<GroupContextExtensions>(case, "group_context_extensions_proposal")?;
    round_trip::<Commit>(case, "commit")?;
    message(
        case,
        "public_message_application",
        WireFormat::PUBLIC_MESSAGE,
    )?;
    message(case, "public_message_proposal", WireFormat::PUBLIC_MESSAGE)?;
    message(case, "public_message_commit", WireFormat::PUBLIC_MESSAGE)?;
    message(case, "private_message", WireFormat::PRIVATE_MESSAGE)?;
    Ok(())
}
