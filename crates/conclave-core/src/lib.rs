//! # conclave-core
//!
//! The sans-IO engine of Conclave, an implementation of the Messaging Layer
//! Security protocol ([RFC 9420]). Bytes and values go in, bytes and events come
//! out: this crate never blocks, never touches a disk or a network, and holds no
//! global state. Cryptography is reached only through the provider traits in
//! [`crypto`], so that any conforming provider (the default one is
//! `conclave-rustcrypto`) can be plugged in.
//!
//! Module map (each module's documentation cites the RFC section it implements):
//!
//! - [`codec`]: the TLS presentation language with MLS variable-length vectors (§2.1).
//! - [`wire`]: the RFC's structs as plain data, one file per family of objects.
//! - [`crypto`]: ciphersuites, provider traits, secrets and the labeled operations (§5, §8).
//! - [`tree`]: array-based tree math (Appendix C) and the ratchet tree (§4, §7).
//! - [`schedule`]: key schedule, PSKs, transcript hashes and the secret tree (§8, §9).
//! - [`framing`]: message framing and protection (§6).
//! - [`key_package`]: KeyPackage generation, reference and validation (§10).
//! - [`group`]: the group engine: create, join, propose, commit, process (§11–§13).
//! - [`limits`]: resource limits on received input (message size, tree size, counts).
//! - [`credential`]: the `IdentityValidator` (Authentication Service) trait (§5.3).
//!
//! [RFC 9420]: https://www.rfc-editor.org/rfc/rfc9420
#![forbid(unsafe_code)]
// No panic on input (issue 10): library code may not unwrap, expect, panic
// or index; tests may. A justified exception carries its own `#[allow]` with
// a comment saying why it cannot fail.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod codec;
pub mod credential;
pub mod crypto;
pub mod error;
pub mod framing;
pub mod group;
pub mod key_package;
pub mod limits;
mod parallel;
pub mod schedule;
pub mod time;
pub mod tree;
pub mod wire;

pub use error::{Error, ProtocolError};
