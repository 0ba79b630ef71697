//! Cryptography as MLS uses it (RFC 9420 §5): ciphersuites, the provider traits
//! through which every primitive is reached, the [`Secret`] type, HPKE (RFC 9180)
//! composed over the provider's KEM, KDF and AEAD, and the labeled operations
//! (RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret, SignWithLabel,
//! VerifyWithLabel, EncryptWithLabel, DecryptWithLabel).
//!
//! Core implements no primitive: hashing, HMAC, HKDF, AEAD, KEM and signatures
//! are the provider's. What core composes is protocol: the labels, the HPKE key
//! schedule of RFC 9180 §5.1 (so that one Welcome can hash its HPKE `info` once
//! for all recipients), and the checks around them.

mod hpke;
mod labeled;
mod provider;
pub mod provider_tests;
mod secret;
mod suite;

pub use hpke::{labeled_expand_info, labeled_extract_ikm, Encapsulation, HpkeInfo};
pub use labeled::*;
pub use provider::*;
pub use secret::Secret;
pub use suite::*;
