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
//! - [`ciphertext_list`]: an UpdatePathNode's `HPKECiphertext` vector, kept
//!   encoded and read on demand (§7.6); its codec delegates to `VLBytes`
//!   and scans the entries.
//! - [`group_context`]: `GroupContext` (§8.1).
//! - [`framing`]: `Sender`, `FramedContent`, `FramedContentAuthData`,
//!   `AuthenticatedContent`, `PublicMessage`, the TBS/TBM and transcript
//!   hash inputs (§6.1, §6.2, §8.2).
//! - [`private_message`]: `PrivateMessage`, `SenderData` and the AADs (§6.3).
//! - [`proposal`]: the proposals, `ProposalOrRef`, `PreSharedKeyID` (§12.1, §8.4).
//! - [`commit`]: `Commit` (§12.4).
//! - [`key_package`]: `KeyPackage` and `KeyPackageTBS` (§10).
//! - [`group_info`]: `GroupInfo` and `GroupInfoTBS` (§12.4.3).
//! - [`welcome`]: `Welcome`, `GroupSecrets`, `PathSecret` (§12.4.3.1).
//! - [`message`]: `MLSMessage` (§6).

pub mod ciphertext_list;
pub mod commit;
pub mod credential;
pub mod extension;
pub mod framing;
pub mod group_context;
pub mod group_info;
pub mod key_package;
pub mod leaf_node;
pub mod message;
pub mod private_message;
pub mod proposal;
pub mod tree_node;
pub mod types;
pub mod welcome;

pub use ciphertext_list::{HpkeCiphertextList, HpkeCiphertextRef};
pub use commit::*;

pub use credential::*;
pub use extension::{
    ApplicationId, Extension, ExtensionPayload, ExternalPub, ExternalSender, RatchetTreeExtension,
    RequiredCapabilities,
};
pub use framing::*;
pub use group_context::*;
pub use group_info::*;
pub use key_package::*;
pub use leaf_node::*;
pub use message::*;
pub use private_message::*;
pub use proposal::*;
pub use tree_node::*;
pub use types::*;
pub use welcome::*;

#[cfg(test)]
mod tests;
