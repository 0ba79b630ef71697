//! Conclave for applications: Messaging Layer Security (RFC 9420) with
//! durable, atomic state.
//!
//! conclave-core is sans-IO; this crate adds who we are (an identity: a
//! signature key and a credential, §5.3), our KeyPackages with their private
//! keys until a Welcome uses them (§10, §12.4.3.1), and our groups, all kept
//! in a [`Store`]. Every [`Client`] operation loads what it needs, runs, and
//! writes its result as **one atomic batch**: a message is never decrypted
//! without its ratchet advancing in the same batch (§9.2), our commit's next
//! epoch is written before the commit is returned, and a merge is applied
//! all at once. Writes are proportional to the change: the ratchet tree is
//! stored one node per record and a commit rewrites only the nodes it
//! changed plus the group's state record (see
//! [`conclave_core::group::snapshot`]).
//!
//! Loaded groups stay cached in the [`Client`], write-through: the store is
//! the source of truth, a group goes back into the cache only once its
//! batch is written, and a failed operation drops it (it loads again), so
//! the cache never differs from the store. Groups are joined from a
//! Welcome ([`Client::join`]) or by an external commit from a GroupInfo
//! ([`Client::join_external`], §12.4.3.2).
//!
//! ```
//! use conclave::{Client, Incoming, MemoryStore};
//! use conclave_core::crypto::CipherSuite;
//! use conclave_core::wire::Credential;
//!
//! let provider = conclave_rustcrypto::RustCryptoProvider::new();
//! let suite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;
//! let mut alice = Client::create(MemoryStore::new(), &provider, suite, Credential::basic("alice")).unwrap();
//! let mut bob = Client::create(MemoryStore::new(), &provider, suite, Credential::basic("bob")).unwrap();
//!
//! alice.create_group(b"team").unwrap();
//! let kp = bob.generate_key_package(false).unwrap();
//! let out = alice.add_members(b"team", vec![kp]).unwrap();
//! alice.merge_pending_commit(b"team").unwrap();
//! bob.join(out.welcome.as_ref().unwrap()).unwrap();
//!
//! let m = alice.send(b"team", b"hi bob").unwrap();
//! match bob.receive(&m).unwrap() {
//!     Incoming::Application { data, .. } => assert_eq!(data, b"hi bob"),
//!     other => panic!("{other:?}"),
//! }
//! ```

#![forbid(unsafe_code)]

mod client;
mod groups;
mod records;
mod store;

pub use client::{message_group_id, Client, CommitResult, Incoming};
pub use records::RECORD_VERSION;
pub use store::{Entry, MemoryStore, Store, StoreError, Write};

/// What can go wrong in a client operation.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The MLS engine refused (see [`conclave_core::Error`]).
    #[error(transparent)]
    Mls(#[from] conclave_core::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something asked for is not in the store.
    #[error("not found: {0}")]
    NotFound(String),
    /// A stored record is of an unknown format or inconsistent.
    #[error("stored data: {0}")]
    Format(String),
}

/// The result of a client operation.
pub type Result<T> = std::result::Result<T, ClientError>;
