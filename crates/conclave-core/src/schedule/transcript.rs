//! Transcript hashes and the confirmation tag (RFC 9420 §8.2).
//!
//! ```text
//! confirmed_transcript_hash_[n] = Hash(interim_transcript_hash_[n-1] || ConfirmedTranscriptHashInput_[n])
//! interim_transcript_hash_[n]   = Hash(confirmed_transcript_hash_[n] || InterimTranscriptHashInput_[n])
//! confirmation_tag              = MAC(confirmation_key, confirmed_transcript_hash_[n])
//! ```
//!
//! `ConfirmedTranscriptHashInput` is `wire_format || FramedContent ||
//! signature<V>`: an `AuthenticatedContent` of a commit without its trailing
//! `confirmation_tag<V>`. [`confirmed_input_of_authenticated_content`] cuts
//! it out of received bytes, so a received commit is hashed as it arrived,
//! never re-encoded. `InterimTranscriptHashInput` is `confirmation_tag<V>`.

use subtle::ConstantTimeEq;

use crate::codec::{encode, read_varint_length, DecodeError};
use crate::crypto::{CipherSuiteProvider, Secret};
use crate::error::Result;
use crate::wire::{AuthenticatedContent, ConfirmedTranscriptHashInput};
use crate::Error;
use crate::ProtocolError;

/// The two transcript hashes of an epoch (§8.2). Both are empty before the
/// first commit of a group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TranscriptHashes {
    /// `confirmed_transcript_hash`: covers every commit up to and including
    /// the signature of the latest one; it is part of the GroupContext.
    pub confirmed: Vec<u8>,
    /// `interim_transcript_hash`: the confirmed hash plus the latest
    /// commit's confirmation tag.
    pub interim: Vec<u8>,
}

impl TranscriptHashes {
    /// The hashes of a new group's first epoch: both empty (§8.2).
    pub fn initial() -> Self {
        Self::default()
    }

    /// The hashes after a commit, from the previous interim hash, the
    /// commit's `ConfirmedTranscriptHashInput` encoding and its confirmation tag.
    pub fn next(
        cs: &dyn CipherSuiteProvider,
        interim_before: &[u8],
        confirmed_input: &[u8],
        confirmation_tag: &[u8],
    ) -> Result<Self> {
        let confirmed = confirmed_transcript_hash(cs, interim_before, confirmed_input);
        let interim = interim_transcript_hash(cs, &confirmed, confirmation_tag)?;
        Ok(Self { confirmed, interim })
    }
}

impl TranscriptHashes {
    /// The hashes after the commit `content` (an AuthenticatedContent with
    /// its confirmation tag set), encoding its ConfirmedTranscriptHashInput.
    /// For a commit received as bytes, prefer cutting the input out of them
    /// with [`confirmed_input_of_authenticated_content`].
    pub fn after_commit(
        cs: &dyn CipherSuiteProvider,
        interim_before: &[u8],
        content: &AuthenticatedContent,
    ) -> Result<Self> {
        let tag = content
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or_else(|| Error::Misuse("a commit without its confirmation tag".into()))?;
        let input = encode(&ConfirmedTranscriptHashInput::from(content))?;
        Self::next(cs, interim_before, &input, tag.as_slice())
    }
}

/// `Hash(interim_transcript_hash_[n-1] || ConfirmedTranscriptHashInput_[n])`.
pub fn confirmed_transcript_hash(
    cs: &dyn CipherSuiteProvider,
    interim_before: &[u8],
    confirmed_input: &[u8],
) -> Vec<u8> {
    // Hashed in place: the input is a whole commit, as received.
    cs.hash_parts(&[interim_before, confirmed_input])
}

/// `Hash(confirmed_transcript_hash_[n] || InterimTranscriptHashInput_[n])`,
/// where the input is `MAC confirmation_tag` encoded as `opaque<V>`.
pub fn interim_transcript_hash(
    cs: &dyn CipherSuiteProvider,
    confirmed: &[u8],
    confirmation_tag: &[u8],
) -> Result<Vec<u8>> {
    let tag = crate::codec::encode(&crate::codec::VLByteSlice(confirmation_tag))?;
    let mut data = Vec::with_capacity(confirmed.len() + tag.len());
    data.extend_from_slice(confirmed);
    data.extend_from_slice(&tag);
    Ok(cs.hash(&data))
}

/// `confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash)` (§6.1, §8.2).
pub fn confirmation_tag(
    cs: &dyn CipherSuiteProvider,
    confirmation_key: &Secret,
    confirmed_transcript_hash: &[u8],
) -> Result<Vec<u8>> {
    Ok(cs.mac(confirmation_key.as_bytes(), confirmed_transcript_hash)?)
}

/// Checks a received confirmation tag in constant time (§8.2, §12.4.2 step
/// "verify the confirmation_tag", §12.4.3.1 for joiners).
pub fn verify_confirmation_tag(
    cs: &dyn CipherSuiteProvider,
    confirmation_key: &Secret,
    confirmed_transcript_hash: &[u8],
    received_tag: &[u8],
) -> Result<()> {
    let expected = confirmation_tag(cs, confirmation_key, confirmed_transcript_hash)?;
    if bool::from(expected.as_slice().ct_eq(received_tag)) {
        Ok(())
    } else {
        Err(ProtocolError::ConfirmationTagMismatch.into())
    }
}

/// Splits the encoding of a commit's `AuthenticatedContent` into its
/// `ConfirmedTranscriptHashInput` (everything before the trailing
/// `confirmation_tag<V>`) and the tag itself.
///
/// `encoded` must be exactly one `AuthenticatedContent` whose content type
/// is commit (the caller has decoded it and checked that); `tag_len` is the
/// length of its confirmation tag. Nothing is re-encoded.
pub fn confirmed_input_of_authenticated_content(
    encoded: &[u8],
    tag_len: usize,
) -> Result<(&[u8], &[u8])> {
    let malformed = |why: &str| DecodeError::new("AuthenticatedContent confirmation_tag", why);
    let header_len = match tag_len {
        0..=63 => 1,
        64..=16383 => 2,
        _ => 4,
    };
    let tail = header_len + tag_len;
    let split = encoded
        .len()
        .checked_sub(tail)
        .ok_or_else(|| malformed("shorter than its confirmation tag"))?;
    let (input, tag_field) = encoded.split_at(split);
    let (len, header) = read_varint_length(tag_field)?;
    if len != tag_len || header != header_len {
        return Err(malformed("the tag is not at the end").into());
    }
    let tag = tag_field
        .get(header..)
        .ok_or_else(|| malformed("truncated"))?;
    Ok((input, tag))
}
