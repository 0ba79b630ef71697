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
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
