//! Errors, classified by who is at fault.
//!
//! - [`Error::Malformed`]: the input does not decode (RFC 9420 §2.1 presentation language).
//! - [`Error::Protocol`]: the input decodes but a peer broke a rule of the protocol; the
//!   [`ProtocolError`] variant names the rule (each MUST check has its own variant).
//! - [`Error::Unsupported`]: valid MLS that this implementation or its provider does not do.
//! - [`Error::Misuse`]: the caller asked for something that cannot be done in this state.
//! - [`Error::Crypto`]: a cryptographic operation failed (bad key, failed decryption, ...).
//! - [`Error::Internal`]: a bug in Conclave; never expected.
//!
//! No error ever carries secret material.

use crate::crypto::CryptoError;

/// Every error Conclave's core returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not decode as the expected structure.
    #[error("malformed input: {0}")]
    Malformed(#[from] crate::codec::DecodeError),
    /// A peer broke a rule of the protocol.
    #[error("protocol violation: {0}")]
    Protocol(#[from] ProtocolError),
    /// Valid MLS that is not supported here.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The caller used the API in a way that cannot work.
    #[error("misuse: {0}")]
    Misuse(String),
    /// A cryptographic operation failed.
    #[error("crypto failure: {0}")]
    Crypto(#[from] CryptoError),
    /// A bug in Conclave.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// A named rule of RFC 9420 that a peer's input broke. Each variant documents
/// the section that states the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// §6.1: a PublicMessage carried application data.
    #[error("application data must not be sent as a PublicMessage (RFC 9420 §6.1)")]
    ApplicationAsPublicMessage,

    // --- wire structs (wire/) ---
    /// §13.4: "Any field containing a list of extensions MUST NOT have more
    /// than one extension of any given type."
    #[error("extension type {:#06x} appears twice in one list (RFC 9420 §13.4)", .0 .0)]
    DuplicateExtension(crate::wire::ExtensionType),

    // --- Key schedule, secret tree and message protection (schedule/, framing/) ---
    /// §8.2, §6.1: a confirmation tag does not match
    /// `MAC(confirmation_key, confirmed_transcript_hash)`.
    #[error("confirmation tag mismatch (RFC 9420 §8.2)")]
    ConfirmationTagMismatch,
    /// §9.2: the key of this generation was already used and deleted
    /// (a replayed or duplicated message).
    #[error("generation {generation} was already used (RFC 9420 §9.2)")]
    GenerationAlreadyUsed {
        /// The generation of the message.
        generation: u32,
    },
    /// §9.2: the generation's key was dropped by the bounded window of
    /// skipped keys (too old, or evicted by newer ones), if it was ever kept.
    #[error(
        "generation {generation} is older than the kept window (next is {next}) (RFC 9420 §9.2)"
    )]
    GenerationOutOfWindow {
        /// The generation of the message.
        generation: u32,
        /// The ratchet's next generation.
        next: u32,
    },
    /// §9.2: the generation is further ahead than the configured maximum jump.
    #[error("generation {generation} is too far ahead of {next} (RFC 9420 §9.2)")]
    GenerationTooFarAhead {
        /// The generation of the message.
        generation: u32,
        /// The ratchet's next generation.
        next: u32,
    },
    /// §9.1: a ratchet has used all 2^32 generations.
    #[error("the ratchet has no generations left (RFC 9420 §9.1)")]
    GenerationsExhausted,
    /// §6.3.2: the sender's leaf index lies outside the tree.
    #[error("sender leaf {leaf} is outside the tree (RFC 9420 §6.3.2)")]
    SenderLeafOutOfRange {
        /// The leaf index of the sender.
        leaf: u32,
    },
    /// §8.4, §12.2: a PreSharedKeyID names a PSK whose value is not known.
    #[error("PSK {index} of the list is unknown (RFC 9420 §8.4)")]
    UnknownPsk {
        /// The PSK's position in the list.
        index: usize,
    },
    /// §6: a framed message's protocol version is not the group's.
    #[error("message version {message} is not the group's version {group} (RFC 9420 §6)")]
    VersionMismatch {
        /// The version in the message.
        message: u16,
        /// The group's version.
        group: u16,
    },
    /// §12.4.2, §6: the message's `group_id` is not the group's.
    #[error("the message is for another group (RFC 9420 §6)")]
    GroupIdMismatch,
    /// §12.4.2: the message's `epoch` is not the epoch of the keys used.
    #[error(
        "the message is for epoch {message}, not the current epoch {current} (RFC 9420 §12.4.2)"
    )]
    EpochMismatch {
        /// The epoch in the message.
        message: u64,
        /// The epoch of the keys.
        current: u64,
    },
    /// §6.1: external senders and new members by proposal may only send
    /// proposals, new members by commit only commits.
    #[error("a {sender_type:?} sender cannot send {content_type:?} content (RFC 9420 §6.1)")]
    SenderNotAllowedForContentType {
        /// The sender's type.
        sender_type: crate::wire::SenderType,
        /// The content type.
        content_type: crate::wire::ContentType,
    },
    /// §6.1: a `new_member_proposal` sender's proposal MUST be an Add.
    #[error("a new_member_proposal sender may only propose an Add (RFC 9420 §6.1)")]
    NewMemberProposalNotAdd,
    /// §6.1, §12.4.3.2: a `new_member_commit` needs a path, whose leaf node
    /// holds the signature key.
    #[error("a new_member_commit commit has no path (RFC 9420 §12.4.3.2)")]
    NewMemberCommitWithoutPath,
    /// §6.1: an `external` sender's index is not in `external_senders`.
    #[error("external sender {index} is unknown (RFC 9420 §12.1.8.1)")]
    UnknownExternalSender {
        /// The sender index.
        index: u32,
    },
    /// §6.3.2: the sender's leaf is blank.
    #[error("sender leaf {leaf} is blank (RFC 9420 §6.3.2)")]
    SenderLeafBlank {
        /// The leaf index of the sender.
        leaf: u32,
    },
    /// §6.2: a member's PublicMessage has a wrong (or no) membership tag.
    #[error("membership tag mismatch (RFC 9420 §6.2)")]
    MembershipTagMismatch,
    /// §6.1: the content's signature does not verify with the sender's key.
    #[error("the content signature does not verify (RFC 9420 §6.1)")]
    InvalidContentSignature,
    /// §6.3.2: the sender data does not decrypt.
    #[error("the sender data does not decrypt (RFC 9420 §6.3.2)")]
    SenderDataDecryptionFailed,
    /// §6.3.1: the content does not decrypt with the sender's ratchet key.
    #[error("the content does not decrypt (RFC 9420 §6.3.1)")]
    ContentDecryptionFailed,
    /// §6.3.1: a PrivateMessageContent's padding has a non-zero byte.
    #[error("non-zero padding (RFC 9420 §6.3.1)")]
    NonZeroPadding,
    /// §12.4.3.1: the Welcome has no GroupSecrets for our KeyPackage.
    #[error("the Welcome has no entry for this KeyPackage (RFC 9420 §12.4.3.1)")]
    WelcomeNotForKeyPackage,
    /// §12.4.3.1: the GroupSecrets do not decrypt with the init key.
    #[error("the GroupSecrets do not decrypt (RFC 9420 §12.4.3.1)")]
    GroupSecretsDecryptionFailed,
    /// §12.4.3.1: the GroupInfo does not decrypt with the welcome key.
    #[error("the GroupInfo does not decrypt (RFC 9420 §12.4.3.1)")]
    GroupInfoDecryptionFailed,
    /// §12.4.3.1: the GroupInfo's signature does not verify.
    #[error("the GroupInfo signature does not verify (RFC 9420 §12.4.3.1)")]
    InvalidGroupInfoSignature,
    /// §8.4: a `psk_nonce` is not `KDF.Nh` bytes long.
    #[error("psk_nonce {index} is {len} bytes, not Nh (RFC 9420 §8.4)")]
    PskNonceLength {
        /// The PSK's position in the list.
        index: usize,
        /// The nonce's length.
        len: usize,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
