//! Conclave in mixed groups with OpenMLS 0.9 and mls-rs 0.57 (RFC 9420), every member
//! driven through `PeerMember` and exchanging only serialized MLSMessages. The scenarios
//! are those of issue 7, numbered as there; docs/CONFORMANCE.md has the resulting table.

mod common;
mod deviation;
mod external;
mod scenarios;
