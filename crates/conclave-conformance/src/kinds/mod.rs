//! One module per kind of vector file; [`run_case`] dispatches.

use std::sync::Arc;

use conclave_core::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider};
use serde_json::Value;

use crate::{hexjson, Kind, Outcome};

mod crypto_basics;
mod deserialization;
mod key_schedule;
mod message_protection;
mod messages;
mod passive_client;
mod psk_secret;
mod secret_tree;
mod transcript_hashes;
mod tree_math;
pub mod tree_operations;
mod tree_validation;
mod treekem;
mod welcome;

/// Runs one case of a file of kind `kind`.
pub fn run_case(kind: Kind, case: &Value, provider: &dyn CryptoProvider) -> Outcome {
    let result = match kind {
        Kind::TreeMath => tree_math::run(case),
        Kind::CryptoBasics => crypto_basics::run(case, provider),
        Kind::TreeOperations => tree_operations::run(case, provider),
        Kind::TreeValidation => tree_validation::run(case, provider),
        Kind::TreeKem => treekem::run(case, provider),
        Kind::Deserialization => deserialization::run(case),
        Kind::SecretTree => secret_tree::run(case, provider),
        Kind::KeySchedule => key_schedule::run(case, provider),
        Kind::MessageProtection => message_protection::run(case, provider),
        Kind::Welcome => welcome::run(case, provider),
        Kind::PskSecret => psk_secret::run(case, provider),
        Kind::TranscriptHashes => transcript_hashes::run(case, provider),
        Kind::Messages => messages::run(case),
        Kind::PassiveClient => passive_client::run(case, provider),
    };
    match result {
        Ok(()) => Outcome::Pass,
        Err(CaseError::Fail(why)) => Outcome::Fail(why),
        Err(CaseError::Skip(why)) => Outcome::Skip(why),
    }
}

/// Why a case did not pass.
#[derive(Debug)]
pub enum CaseError {
    /// A check failed.
    Fail(String),
    /// The case cannot run here (unsupported ciphersuite only).
    Skip(String),
}

impl From<String> for CaseError {
    fn from(why: String) -> Self {
        CaseError::Fail(why)
    }
}

impl From<&str> for CaseError {
    fn from(why: &str) -> Self {
        CaseError::Fail(why.to_string())
    }
}

/// The result of one case.
pub type CaseResult = Result<(), CaseError>;

/// The suite provider for the case's `cipher_suite` field, or a skip if the
/// provider does not support it.
pub fn suite_of(
    case: &Value,
    provider: &dyn CryptoProvider,
) -> Result<Arc<dyn CipherSuiteProvider>, CaseError> {
    let id = hexjson::uint(case, "cipher_suite")?;
    let id = u16::try_from(id).map_err(|_| format!("cipher_suite {id} out of range"))?;
    let suite = CipherSuite(id);
    if !provider.supported_cipher_suites().contains(&suite) {
        return Err(CaseError::Skip(format!(
            "ciphersuite 0x{id:04x} is not supported by the provider"
        )));
    }
    provider
        .cipher_suite(suite)
        .map_err(|e| CaseError::Fail(format!("provider for 0x{id:04x}: {e}")))
}
