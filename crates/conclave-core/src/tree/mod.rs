//! The ratchet tree (RFC 9420 §4, §7) and its array-based index math (Appendix C).
//!
//! - [`math`]: node index arithmetic (Appendix C).
//! - [`view`]: read access shared by the stored tree and staged diffs:
//!   resolution (§4.1.1), filtered direct path (§4.1.2).
//! - [`ratchet_tree`]: the stored tree with cached subtree hashes; import and
//!   export of the `ratchet_tree` form (§12.4.3.3).
//! - [`diff`]: copy-on-write staged changes (add, update, remove, paths).
//! - [`hash`]: tree hashes (§7.8) and parent hashes (§7.9).
//! - [`parent_hash`]: parent hashes of a new path and the joiner's check (§7.9.2).
//! - [`validate`]: leaf node validation (§7.3) and whole-tree validation (§12.4.3.1).
//! - [`treekem`]: UpdatePath creation and processing (§7.4–§7.6).
//! - [`private`]: the private keys a member holds for its path.

pub mod diff;
pub mod hash;
pub mod math;
pub mod parent_hash;
pub mod private;
pub mod ratchet_tree;
pub mod treekem;
pub mod validate;
pub mod view;

pub use diff::TreeDiff;
pub use math::{LeafIndex, NodeIndex, TreeSize};
pub use private::TreePrivateKeys;
pub use ratchet_tree::{RatchetTree, TreeChanges};
pub use view::{NodeRef, TreeView};
