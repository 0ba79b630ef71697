//! The key schedule (RFC 9420 §8), pre-shared keys (§8.4), transcript hashes
//! (§8.2) and the secret tree (§9).
