//! The structs of RFC 9420 as plain data, with no behaviour. Each struct quotes
//! its presentation-language definition. Received values are decoded into these
//! types and checked by the modules that give them meaning.
//!
//! Encoding and decoding are derived with `tls_codec` (§2.1); the only
//! hand-written decoders are for the structs whose `select` depends on a field
//! of an enclosing struct (see [`framing`]). Decode received bytes with
//! [`crate::codec::decode_exact`], which also rejects trailing bytes.
//!
//! One file per family of objects:
//! - [`types`]: registry values (versions, wire formats, extension, proposal
//!   and credential types) as open newtypes.
//! - [`extension`]: `Extension` and the payloads of the RFC's extensions.
//! - [`credential`]: `Credential`, `Certificate` (§5.3).
//! - [`leaf_node`]: `LeafNode`, `Capabilities`, `Lifetime`, `LeafNodeTBS` (§7.2).
//! - [`tree_node`]: `ParentNode`, `Node`, `UpdatePath`, `HPKECiphertext` (§7).

pub mod credential;
pub mod extension;
pub mod leaf_node;
pub mod tree_node;
pub mod types;

pub use credential::*;
pub use extension::{
    ApplicationId, Extension, ExtensionPayload, ExternalPub, ExternalSender, RatchetTreeExtension,
    RequiredCapabilities,
};
pub use leaf_node::*;
pub use tree_node::*;
pub use types::*;
