//! The Commit (RFC 9420 §12.4): the proposals a new epoch applies and, for a
//! full commit, the committer's UpdatePath.

use crate::codec::{TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize};

use super::{ProposalOrRef, UpdatePath};

/// A Commit (RFC 9420 §12.4).
///
/// ```text
/// struct {
///     ProposalOrRef proposals<V>;
///     optional<UpdatePath> path;
/// } Commit;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct Commit {
    /// The proposals applied, by value or by reference, in order.
    pub proposals: Vec<ProposalOrRef>,
    /// The committer's new path, if any.
    pub path: Option<UpdatePath>,
}
