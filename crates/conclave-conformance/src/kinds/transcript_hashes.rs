//! `transcript-hashes.json`: confirmed and interim transcript hashes and
//! the confirmation tag of a commit (RFC 9420 §8.2).

use conclave_core::codec::decode_exact;
use conclave_core::crypto::{CryptoProvider, Secret};
use conclave_core::schedule::{
    confirmed_input_of_authenticated_content, verify_confirmation_tag, TranscriptHashes,
};
use conclave_core::wire::{AuthenticatedContent, ContentType};
use serde_json::Value;

use super::{suite_of, CaseResult};
use crate::hexjson::{bytes, check_bytes};

/// Decodes the commit's AuthenticatedContent, hashes its bytes as received
/// and checks both hashes and the confirmation tag.
pub fn run(case: &Value, provider: &dyn CryptoProvider) -> CaseResult {
    let cs = suite_of(case, provider)?;
    let cs = cs.as_ref();
    let encoded = bytes(case, "authenticated_content")?;
    let content: AuthenticatedContent = decode_exact(&encoded).map_err(|e| e.to_string())?;
    if content.content.content_type() != ContentType::Commit {
        return Err("the authenticated content is not a commit"
            .to_string()
            .into());
    }
    let tag = content
        .auth
        .confirmation_tag
        .as_ref()
        .ok_or("a commit without a confirmation tag")?;
    let (input, tag_bytes) =
        confirmed_input_of_authenticated_content(&encoded, tag.as_slice().len())
            .map_err(|e| e.to_string())?;
    check_bytes("confirmation_tag", tag.as_slice(), tag_bytes)?;
    let hashes = TranscriptHashes::next(
        cs,
        &bytes(case, "interim_transcript_hash_before")?,
        input,
        tag_bytes,
    )
    .map_err(|e| e.to_string())?;
    check_bytes(
        "confirmed_transcript_hash_after",
        &bytes(case, "confirmed_transcript_hash_after")?,
        &hashes.confirmed,
    )?;
    check_bytes(
        "interim_transcript_hash_after",
        &bytes(case, "interim_transcript_hash_after")?,
        &hashes.interim,
    )?;
    verify_confirmation_tag(
        cs,
        &Secret::new(bytes(case, "confirmation_key")?),
        &hashes.confirmed,
        tag_bytes,
    )
    .map_err(|e| e.to_string())?;
    Ok(())
}
