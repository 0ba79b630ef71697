//! Interoperability of Conclave with OpenMLS 0.9 and mls-rs 0.57 (RFC 9420), proven in
//! mixed groups: the tests in `tests/` drive members of all three implementations through
//! `conclave_peers::PeerMember`, passing only serialized MLSMessages between them.
//! This crate has no library code; run `cargo test --release -p conclave-interop`.

#![forbid(unsafe_code)]
