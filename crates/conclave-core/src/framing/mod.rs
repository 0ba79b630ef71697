//! Message framing and protection (RFC 9420 §6): signing FramedContent,
//! the membership tag of PublicMessage, PrivateMessage encryption, and the
//! reverse pipeline that checks every rule before handing content on.
//!
//! ```text
//!  protect                                   unprotect (each check has its own ProtocolError)
//!  ───────                                   ─────────
//!                                            MLSMessage: version is the group's (unprotect)
//!  FramedContent                             PublicMessage                 PrivateMessage
//!     │ sign_content                            │ group_id, epoch match       │ group_id, epoch match
//!     │  SignWithLabel("FramedContentTBS",      │ not application (§6)        │ sender data: key/nonce from the
//!     │  TBS incl. GroupContext for members)    │ sender type allowed for     │  ciphertext sample, AEAD-open
//!     ▼                                         │  the content type (§6.1)    │ leaf in range, not blank (§6.3.2)
//!  AuthenticatedContent                         │ membership tag (members,    │ generation within the window,
//!     │            │                            │  constant time, §6.2)       │  AEAD-open the content (§6.3.1)
//!     │            │ protect_private            │ signature (§6.1)            │ padding all zero (§6.3.1)
//!     │            │  secret-tree key+nonce,    │                             │ signature (§6.1)
//!     │            │  reuse guard, padding,     ▼                             ▼
//!     │            │  sender data encryption    AuthenticatedContent ◀────────┘
//!     │            ▼
//!     │         PrivateMessage
//!     │ protect_public (not application)
//!     │  membership tag for members
//!     ▼
//!  PublicMessage
//! ```
//!
//! The epoch's data comes in through [`EpochKeys`] (ciphersuite, GroupContext,
//! membership key, sender data secret) and [`MemberKeys`] (the signature
//! keys of the members and external senders), and the sender ratchets
//! through a [`SecretTree`](crate::schedule::SecretTree); the group layer supplies them, this module
//! keeps no state. Confirmation tags are not checked here: they need the
//! next epoch's confirmation key, which only processing the commit gives.

mod private_content;
mod protect;
mod unprotect;

pub use private_content::{decode_private_content, encode_private_content, PaddingPolicy};
pub use protect::{membership_tag, protect_private, protect_public, sign_content};
pub use unprotect::{
    unprotect, unprotect_private, unprotect_public, unprotect_received, unprotect_received_then,
    ReceivedContent,
};

use crate::crypto::{CipherSuiteProvider, Secret};
use crate::tree::LeafIndex;
use crate::wire::GroupContext;

/// The data of the current epoch that protecting and unprotecting use.
#[derive(Clone, Copy)]
pub struct EpochKeys<'a> {
    /// The group's ciphersuite.
    pub cs: &'a dyn CipherSuiteProvider,
    /// The current GroupContext: its group id and epoch are what messages
    /// must carry, and members' signatures cover it (§6.1).
    pub group_context: &'a GroupContext,
    /// `membership_key` of the epoch (§6.2).
    pub membership_key: &'a Secret,
    /// `sender_data_secret` of the epoch (§6.3.2).
    pub sender_data_secret: &'a Secret,
}

impl core::fmt::Debug for EpochKeys<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EpochKeys")
            .field("suite", &self.cs.cipher_suite())
            .field("epoch", &self.group_context.epoch)
            .finish_non_exhaustive()
    }
}

/// The signature keys of the group's senders, as the group layer knows them.
pub trait MemberKeys {
    /// The number of leaves of the ratchet tree (blank ones included).
    fn leaf_count(&self) -> u32;

    /// The signature key of the member at `leaf`, or `None` if the leaf is
    /// blank. Only called with `leaf < leaf_count()`.
    fn signature_key(&self, leaf: LeafIndex) -> Option<&[u8]>;

    /// The signature key of the external sender at `index` of the
    /// `external_senders` extension (§12.1.8.1), if there is one.
    fn external_sender_key(&self, index: u32) -> Option<&[u8]> {
        let _ = index;
        None
    }
}
