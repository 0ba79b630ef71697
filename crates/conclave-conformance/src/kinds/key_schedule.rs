//! `key-schedule.json`: the GroupContext encoding, the whole key schedule of
//! five chained epochs, the external key pair and MLS-Exporter (RFC 9420 §8).

use conclave_core::codec::{encode, VLBytes};
use conclave_core::crypto::{CipherSuite, CryptoProvider, Secret};
use conclave_core::schedule::{InitSecret, PskSecret};
use conclave_core::wire::{GroupContext, ProtocolVersion};
use serde_json::Value;

use super::{suite_of, CaseResult};
use crate::hexjson::{array, bytes, check_bytes, field, string, uint};

/// Runs the epochs in order, each starting from the previous init secret.
pub fn run(case: &Value, provider: &dyn CryptoProvider) -> CaseResult {
    let cs = suite_of(case, provider)?;
    let cs = cs.as_ref();
    let suite = u16::try_from(uint(case, "cipher_suite")?).map_err(|e| e.to_string())?;
    let group_id = bytes(case, "group_id")?;
    let mut init = InitSecret::new(Secret::new(bytes(case, "initial_init_secret")?));
    for (epoch, e) in (0u64..).zip(array(case, "epochs")?) {
        let at = |what: &str| format!("epoch {epoch}: {what}");
        let context = GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuite(suite),
            group_id: VLBytes::new(group_id.clone()),
            epoch,
            tree_hash: VLBytes::new(bytes(e, "tree_hash")?),
            confirmed_transcript_hash: VLBytes::new(bytes(e, "confirmed_transcript_hash")?),
            extensions: Vec::new(),
        };
        let context = encode(&context).map_err(|e| e.to_string())?;
        check_bytes(&at("group_context"), &bytes(e, "group_context")?, &context)?;

        let fail = |e: conclave_core::Error| format!("epoch {epoch}: {e}");
        let joiner = init
            .joiner(cs, &Secret::new(bytes(e, "commit_secret")?), &context)
            .map_err(fail)?;
        check_bytes(
            &at("joiner_secret"),
            &bytes(e, "joiner_secret")?,
            joiner.as_secret().as_bytes(),
        )?;
        let member = joiner
            .member(cs, &PskSecret::new(Secret::new(bytes(e, "psk_secret")?)))
            .map_err(fail)?;
        let welcome = member.welcome_secret(cs).map_err(fail)?;
        check_bytes(
            &at("welcome_secret"),
            &bytes(e, "welcome_secret")?,
            welcome.as_secret().as_bytes(),
        )?;
        let secrets = member
            .epoch(cs, &context)
            .map_err(fail)?
            .derive(cs)
            .map_err(fail)?;
        for (name, value) in [
            ("sender_data_secret", &secrets.sender_data_secret),
            ("encryption_secret", &secrets.encryption_secret),
            ("exporter_secret", &secrets.exporter_secret),
            ("epoch_authenticator", &secrets.epoch_authenticator),
            ("external_secret", &secrets.external_secret),
            ("confirmation_key", &secrets.confirmation_key),
            ("membership_key", &secrets.membership_key),
            ("resumption_psk", &secrets.resumption_psk),
            ("init_secret", secrets.init_secret.as_secret()),
        ] {
            check_bytes(&at(name), &bytes(e, name)?, value.as_bytes())?;
        }
        let (_, external_pub) = secrets.external_key_pair(cs).map_err(fail)?;
        check_bytes(
            &at("external_pub"),
            &bytes(e, "external_pub")?,
            &external_pub,
        )?;

        // The exporter label is a text string, not hex (README §2.5).
        let ex = field(e, "exporter")?;
        let length = usize::try_from(uint(ex, "length")?).map_err(|e| e.to_string())?;
        let exported = secrets
            .export(cs, string(ex, "label")?, &bytes(ex, "context")?, length)
            .map_err(fail)?;
        check_bytes(
            &at("exporter.secret"),
            &bytes(ex, "secret")?,
            exported.as_bytes(),
        )?;
        init = secrets.init_secret;
    }
    Ok(())
}
