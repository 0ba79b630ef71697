//! The key schedule (RFC 9420 §8), pre-shared keys (§8.4), transcript hashes
//! (§8.2), the secret tree (§9) and the Welcome's secrets (§12.4.3.1).
//!
//! - [`key_schedule`]: one type per stage, init secret → joiner secret →
//!   member secret (with the PSK secret) → epoch secret → [`EpochSecrets`];
//!   MLS-Exporter (§8.5) and the external key pair.
//! - [`psk`]: PreSharedKeyID of every type, the PSK secret fold and the
//!   [`PskStore`] through which the caller supplies PSK values.
//! - [`transcript`]: confirmed and interim transcript hashes, confirmation tag.
//! - [`secret_tree`]: lazy secret tree, per-sender ratchets with a bounded
//!   out-of-order window, and the sender-data key and nonce (§6.3.2).
//! - [`welcome`]: sealing and opening the secrets of a Welcome (§12.4.3.1).

pub mod key_schedule;
pub mod psk;
pub mod secret_tree;
pub mod transcript;
pub mod welcome;

/// Re-exported from [`crate::key_package`], where it lives.
pub use crate::key_package::key_package_ref;
pub use key_schedule::{
    mls_exporter, EpochSecret, EpochSecrets, InitSecret, JoinerSecret, MemberSecret, WelcomeSecret,
};
pub use psk::{NoPsks, PskSecret, PskStore};
pub use secret_tree::{sender_data_key_nonce, KeyNonce, RatchetKind, SecretTree, SecretTreeConfig};
pub use transcript::{
    confirmation_tag, confirmed_input_of_authenticated_content, confirmed_transcript_hash,
    interim_transcript_hash, verify_confirmation_tag, TranscriptHashes,
};
pub use welcome::{
    check_joined_epoch, open_group_info, open_group_secrets, sign_group_info, verify_group_info,
    WelcomeBuilder,
};
