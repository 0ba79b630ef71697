//! The stored ratchet tree (RFC 9420 §4, §7): an array of nodes of
//! power-of-two width (§7.7) with every subtree hash (§7.8) cached.
//!
//! Leaves and parents live in two vectors (`leaf i` is node `2i`, the parent
//! at odd node `2j+1` is `parents[j]`), so a leaf can never sit at a parent's
//! position. Subtree hashes live in one flat buffer, `Nh` bytes per node. Two
//! ordered indices are kept beside the nodes: the blank leaves (an Add takes
//! the leftmost, §12.1.1; a Remove truncates past the last member, §12.1.3)
//! and the non-blank nodes (a subtree is a contiguous index range, so "is this
//! subtree all blank", which filtered direct paths and resolutions ask for
//! every copath node, is one range query).
//!
//! The tree changes only by merging [`TreeChanges`], produced by a
//! copy-on-write [`TreeDiff`](super::TreeDiff) over it: merging writes the
//! changed nodes and their recomputed hashes, O(changed nodes), and never
//! rehashes anything else. So the cache is always complete and exact.
//!
//! Import and export use the `ratchet_tree` form of §12.4.3.3: an
//! `optional<Node>` vector without trailing blank nodes.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};

use super::hash::{leaf_hash, parent_node_hash};
use super::math::{LeafIndex, NodeIndex, TreeSize};
use super::view::{subtree_contains, subtree_nodes, NodeRef, TreeView};
use crate::crypto::CipherSuiteProvider;
use crate::error::Result;
use crate::wire::{LeafNode, Node, ParentNode};
use crate::{Error, ProtocolError};

/// A fresh tree version number.
fn next_version() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A ratchet tree with its subtree hashes. Two trees are equal when their
/// nodes and hashes are (whatever their version).
#[derive(Debug, Clone)]
pub struct RatchetTree {
    /// The width in leaves (a power of two); `leaves.len()`.
    pub(super) size: TreeSize,
    pub(super) leaves: Vec<Option<LeafNode>>,
    /// The indices of the blank leaves, so that an Add finds the leftmost
    /// one in O(log N) (§12.1.1).
    pub(super) blank_leaves: BTreeSet<u32>,
    /// The indices of the non-blank nodes, so that whether a subtree (a
    /// contiguous index range) is all blank is answered in O(log N).
    pub(super) non_blank: BTreeSet<u32>,
    pub(super) parents: Vec<Option<ParentNode>>,
    pub(super) hash_len: usize,
    /// `node_width * hash_len` bytes: the tree hash of node `x` at `x * hash_len`.
    pub(super) hashes: Vec<u8>,
    /// A process-wide unique number, renewed at every merge, so that changes
    /// staged on another version of the tree (or on a clone that has since
    /// changed) are refused.
    pub(super) version: u64,
}

/// Staged changes to a [`RatchetTree`], produced by
/// [`TreeDiff::into_changes`](super::TreeDiff::into_changes); merge them with
/// [`RatchetTree::merge`].
#[derive(Debug, Clone)]
pub struct TreeChanges {
    pub(super) base_version: u64,
    pub(super) width: TreeSize,
    /// Base nodes at or beyond this width were dropped by a truncation.
    pub(super) keep: TreeSize,
    pub(super) leaves: Vec<(u32, Option<LeafNode>)>,
    pub(super) parents: Vec<(u32, Option<ParentNode>)>,
    pub(super) hashes: Vec<(u32, Vec<u8>)>,
}

impl TreeChanges {
    /// The number of nodes (and hashes) the merge will write.
    pub fn len(&self) -> usize {
        self.leaves.len() + self.parents.len() + self.hashes.len()
    }

    /// The node indices whose content the merge changes, over a base tree of
    /// width `base`: the nodes written, and the base nodes a truncation
    /// drops (they read as blank, or lie outside the new width).
    pub fn changed_nodes(&self, base: TreeSize) -> BTreeSet<u32> {
        let mut out: BTreeSet<u32> = self
            .leaves
            .iter()
            .map(|(i, _)| i.saturating_mul(2))
            .collect();
        out.extend(
            self.parents
                .iter()
                .map(|(j, _)| j.saturating_mul(2).saturating_add(1)),
        );
        let keep = self.keep.leaves().min(self.width.leaves());
        let kept_width = (2 * keep).saturating_sub(1);
        out.extend(kept_width..base.node_width());
        out
    }

    /// Whether the changes change nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl RatchetTree {
    /// A one-member tree (for a group's creator).
    pub fn new(cs: &dyn CipherSuiteProvider, leaf: LeafNode) -> Result<Self> {
        Self::build(cs, vec![Some(leaf)], Vec::new())
    }

    /// Builds a tree from leaves and parents of a power-of-two width, hashing
    /// every node once.
    pub(super) fn build(
        cs: &dyn CipherSuiteProvider,
        leaves: Vec<Option<LeafNode>>,
        parents: Vec<Option<ParentNode>>,
    ) -> Result<Self> {
        let width = u32::try_from(leaves.len())
            .ok()
            .and_then(TreeSize::new)
            .filter(|w| w.leaves().is_power_of_two())
            .ok_or(Error::Internal("tree width is not a power of two"))?;
        if parents.len() + 1 != leaves.len() {
            return Err(Error::Internal("tree parents do not match its leaves"));
        }
        let hash_len = cs.hash_len();
        let blank_leaves = leaves
            .iter()
            .enumerate()
            .filter(|(_, l)| l.is_none())
            .map(|(i, _)| i as u32)
            .collect();
        let non_blank = leaves
            .iter()
            .enumerate()
            .filter(|(_, l)| l.is_some())
            .map(|(i, _)| 2 * i as u32)
            .chain(
                parents
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.is_some())
                    .map(|(j, _)| 2 * j as u32 + 1),
            )
            .collect();
        let mut tree = Self {
            size: width,
            leaves,
            blank_leaves,
            non_blank,
            parents,
            hash_len,
            hashes: vec![0; width.node_width() as usize * hash_len],
            version: next_version(),
        };
        tree.hash_tree(cs)?;
        Ok(tree)
    }

    /// Hashes the subtree at `x` bottom-up into the cache.
    fn hash_all(&mut self, cs: &dyn CipherSuiteProvider, x: NodeIndex) -> Result<()> {
        let (leaves, parents, hash_len) = (&self.leaves, &self.parents, self.hash_len);
        let mut window = HashWindow {
            hashes: &mut self.hashes,
            base: 0,
            hash_len,
        };
        window.hash_subtree(cs, leaves, parents, x)
    }

    /// Hashes the whole tree into the cache (§7.8), the two halves below
    /// the root on two threads when the tree is large (a joiner hashes a
    /// tree of N members before using it).
    fn hash_tree(&mut self, cs: &dyn CipherSuiteProvider) -> Result<()> {
        let root = self.size.root();
        let (Some(left), Some(right)) = (root.left(), root.right()) else {
            return self.hash_all(cs, root);
        };
        if self.leaves.len() < PARALLEL_HASH_LEAVES {
            return self.hash_all(cs, root);
        }
        let (leaves, parents, hash_len) = (&self.leaves, &self.parents, self.hash_len);
        // In-order layout: the left subtree is nodes [0, root), the right
        // one (root, 2 root], each a contiguous range of the hash buffer.
        let r = root.0 as usize;
        let (low, high) = self
            .hashes
            .split_at_mut_checked(r * hash_len)
            .ok_or(Error::Internal("tree hash buffer too short"))?;
        let high = high
            .get_mut(hash_len..)
            .ok_or(Error::Internal("tree hash buffer too short"))?;
        let (a, b) = std::thread::scope(|scope| {
            let handle = scope.spawn(move || {
                let mut window = HashWindow {
                    hashes: low,
                    base: 0,
                    hash_len,
                };
                window.hash_subtree(cs, leaves, parents, left)
            });
            let mut window = HashWindow {
                hashes: high,
                base: r + 1,
                hash_len,
            };
            let b = window.hash_subtree(cs, leaves, parents, right);
            let a = handle
                .join()
                .unwrap_or(Err(Error::Internal("a hashing thread panicked")));
            (a, b)
        });
        a?;
        b?;
        let h = parent_node_hash(
            cs,
            self.parent(root),
            self.hash_at(left),
            self.hash_at(right),
        )?;
        self.set_hash(root, &h)
    }

    fn hash_at(&self, x: NodeIndex) -> &[u8] {
        let start = x.0 as usize * self.hash_len;
        self.hashes
            .get(start..start + self.hash_len)
            .unwrap_or_default()
    }

    fn set_hash(&mut self, x: NodeIndex, h: &[u8]) -> Result<()> {
        let start = x.0 as usize * self.hash_len;
        match self.hashes.get_mut(start..start + self.hash_len) {
            Some(slot) if h.len() == slot.len() => {
                slot.copy_from_slice(h);
                Ok(())
            }
            _ => Err(Error::Internal("tree hash slot out of range")),
        }
    }

    /// Imports a `ratchet_tree` (§12.4.3.3): checks that the last node is
    /// non-blank, that leaves and parents sit at even and odd indices, and
    /// that the size is bounded, then pads it with blanks to a power-of-two
    /// width and computes every subtree hash. The content is not validated
    /// here (see [`super::validate`]).
    pub fn from_nodes(cs: &dyn CipherSuiteProvider, nodes: Vec<Option<Node>>) -> Result<Self> {
        match nodes.last() {
            None => return Err(ProtocolError::EmptyRatchetTree.into()),
            Some(None) => return Err(ProtocolError::TrailingBlankNode.into()),
            Some(Some(_)) => {}
        }
        let n = nodes.len();
        let leaves_needed = u32::try_from(n / 2 + 1)
            .ok()
            .and_then(TreeSize::covering)
            .filter(|w| (w.node_width() as usize) >= n)
            .ok_or(ProtocolError::RatchetTreeTooLarge)?;
        let width = leaves_needed.leaves() as usize;
        let mut leaves = Vec::with_capacity(width);
        let mut parents = Vec::with_capacity(width - 1);
        for (i, node) in nodes.into_iter().enumerate() {
            let is_leaf = i % 2 == 0;
            match (node, is_leaf) {
                (None, true) => leaves.push(None),
                (None, false) => parents.push(None),
                (Some(Node::Leaf(l)), true) => leaves.push(Some(l)),
                (Some(Node::Parent(p)), false) => {
                    // Bounds only (so that no later index arithmetic can
                    // overflow); the full §12.4.3.1 checks are in `validate`.
                    let x = NodeIndex(i as u32);
                    if let Some(&u) = p
                        .unmerged_leaves
                        .iter()
                        .find(|&&u| !subtree_contains(x, LeafIndex(u)))
                    {
                        return Err(
                            ProtocolError::UnmergedLeafNotBelow { node: x.0, leaf: u }.into()
                        );
                    }
                    parents.push(Some(p))
                }
                (Some(_), _) => {
                    return Err(ProtocolError::NodeTypeAtWrongPosition { node: i as u32 }.into())
                }
            }
        }
        leaves.resize(width, None);
        parents.resize(width - 1, None);
        Self::build(cs, leaves, parents)
    }

    /// A tree of `width` leaves (a power of two) from its non-blank nodes by
    /// node index, as a snapshot stores them; every subtree hash is
    /// recomputed. Indices outside the width or of the wrong parity are
    /// refused.
    pub fn from_indexed_nodes(
        cs: &dyn CipherSuiteProvider,
        width: u32,
        nodes: Vec<(u32, Node)>,
    ) -> Result<Self> {
        // The width is bounded by the nodes given (a stored tree is
        // truncated, §7.7), so a corrupt width cannot cause a huge allocation.
        let max_node = nodes.iter().map(|(i, _)| u64::from(*i)).max().unwrap_or(0);
        let size = TreeSize::new(width)
            .filter(|w| w.leaves().is_power_of_two())
            .filter(|w| u64::from(w.node_width()) <= 4 * (max_node + 1))
            .ok_or(ProtocolError::RatchetTreeTooLarge)?;
        let mut leaves = vec![None; size.leaves() as usize];
        let mut parents = vec![None; size.leaves() as usize - 1];
        for (i, node) in nodes {
            let slot = match (node, i % 2 == 0) {
                (Node::Leaf(l), true) => leaves.get_mut(i as usize / 2).map(|s| *s = Some(l)),
                (Node::Parent(p), false) => parents.get_mut(i as usize / 2).map(|s| *s = Some(p)),
                _ => None,
            };
            if slot.is_none() {
                return Err(ProtocolError::NodeTypeAtWrongPosition { node: i }.into());
            }
        }
        Self::build(cs, leaves, parents)
    }

    /// Exports the tree as a `ratchet_tree` (§12.4.3.3), trailing blank nodes
    /// dropped.
    pub fn to_nodes(&self) -> Vec<Option<Node>> {
        let width = self.width().node_width();
        let last = (0..width)
            .rev()
            .find(|&i| !self.is_blank(NodeIndex(i)))
            .map_or(0, |i| i + 1);
        (0..last)
            .map(|i| {
                let x = NodeIndex(i);
                match x.leaf() {
                    Some(l) => self.leaf(l).cloned().map(Node::Leaf),
                    None => self.parent(x).cloned().map(Node::Parent),
                }
            })
            .collect()
    }

    /// The tree hash of the root (the GroupContext's `tree_hash`, §8.1).
    pub fn root_hash(&self) -> &[u8] {
        self.hash_at(self.root())
    }

    /// The tree hash of node `x`, if it lies in the tree.
    pub fn node_hash(&self, x: NodeIndex) -> Option<&[u8]> {
        self.width().contains(x).then(|| self.hash_at(x))
    }

    /// The members: (leaf index, leaf node) of every non-blank leaf.
    pub fn members(&self) -> impl Iterator<Item = (LeafIndex, &LeafNode)> {
        self.leaves
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.as_ref().map(|l| (LeafIndex(i as u32), l)))
    }

    /// The leftmost blank leaf, if any.
    pub fn first_blank_leaf(&self) -> Option<LeafIndex> {
        self.blank_leaves.first().map(|&i| LeafIndex(i))
    }

    /// The number of non-blank leaves.
    pub fn member_count(&self) -> usize {
        self.leaves.len() - self.blank_leaves.len()
    }

    /// The leaf whose encryption key is `key`.
    pub fn find_by_encryption_key(&self, key: &[u8]) -> Option<LeafIndex> {
        self.members()
            .find(|(_, l)| l.encryption_key.as_slice() == key)
            .map(|(i, _)| i)
    }

    /// The leaf whose signature key is `key`.
    pub fn find_by_signature_key(&self, key: &[u8]) -> Option<LeafIndex> {
        self.members()
            .find(|(_, l)| l.signature_key.as_slice() == key)
            .map(|(i, _)| i)
    }

    /// The leaf equal to `leaf`.
    pub fn find_leaf(&self, leaf: &LeafNode) -> Option<LeafIndex> {
        self.members().find(|(_, l)| *l == leaf).map(|(i, _)| i)
    }

    /// Merges changes staged on this version of the tree, in O(changed nodes).
    pub fn merge(&mut self, changes: TreeChanges) -> Result<()> {
        if changes.base_version != self.version {
            return Err(Error::Misuse(
                "tree changes were staged on another version of the tree".into(),
            ));
        }
        self.size = changes.width;
        let width = changes.width.leaves() as usize;
        let keep = changes.keep.leaves().min(changes.width.leaves()) as usize;
        self.leaves.truncate(keep);
        let _ = self.blank_leaves.split_off(&(keep as u32));
        self.blank_leaves.extend(keep as u32..width as u32);
        let _ = self
            .non_blank
            .split_off(&(2 * keep as u32).saturating_sub(1));
        self.parents.truncate(keep.saturating_sub(1));
        self.hashes
            .truncate((2 * keep).saturating_sub(1) * self.hash_len);
        self.leaves.resize(width, None);
        self.parents.resize(width - 1, None);
        self.hashes
            .resize(changes.width.node_width() as usize * self.hash_len, 0);
        for (i, leaf) in changes.leaves {
            if let Some(slot) = self.leaves.get_mut(i as usize) {
                if leaf.is_some() {
                    self.blank_leaves.remove(&i);
                    self.non_blank.insert(2 * i);
                } else {
                    self.blank_leaves.insert(i);
                    self.non_blank.remove(&(2 * i));
                }
                *slot = leaf;
            }
        }
        for (j, parent) in changes.parents {
            if let Some(slot) = self.parents.get_mut(j as usize) {
                if parent.is_some() {
                    self.non_blank.insert(2 * j + 1);
                } else {
                    self.non_blank.remove(&(2 * j + 1));
                }
                *slot = parent;
            }
        }
        for (x, h) in changes.hashes {
            if changes.width.contains(NodeIndex(x)) {
                self.set_hash(NodeIndex(x), &h)?;
            }
        }
        self.version = next_version();
        Ok(())
    }
}

impl PartialEq for RatchetTree {
    fn eq(&self, other: &Self) -> bool {
        self.leaves == other.leaves && self.parents == other.parents && self.hashes == other.hashes
    }
}

impl Eq for RatchetTree {}

/// Below this many leaves, a tree is hashed on one thread.
const PARALLEL_HASH_LEAVES: usize = 1024;

/// The subtree hashes of a contiguous range of nodes, starting at node
/// `base`, `hash_len` bytes each: what one thread of
/// [`RatchetTree::hash_tree`] writes.
struct HashWindow<'a> {
    hashes: &'a mut [u8],
    base: usize,
    hash_len: usize,
}

impl HashWindow<'_> {
    fn slot(&self, x: NodeIndex) -> Result<std::ops::Range<usize>> {
        let start = (x.0 as usize)
            .checked_sub(self.base)
            .ok_or(Error::Internal("tree hash slot out of range"))?
            * self.hash_len;
        Ok(start..start + self.hash_len)
    }

    fn get(&self, x: NodeIndex) -> Result<&[u8]> {
        self.hashes
            .get(self.slot(x)?)
            .ok_or(Error::Internal("tree hash slot out of range"))
    }

    fn set(&mut self, x: NodeIndex, h: &[u8]) -> Result<()> {
        match self.hashes.get_mut(self.slot(x)?) {
            Some(slot) if h.len() == slot.len() => {
                slot.copy_from_slice(h);
                Ok(())
            }
            _ => Err(Error::Internal("tree hash slot out of range")),
        }
    }

    /// Hashes the subtree at `x` (inside the window) bottom-up.
    fn hash_subtree(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        leaves: &[Option<LeafNode>],
        parents: &[Option<ParentNode>],
        x: NodeIndex,
    ) -> Result<()> {
        let h = match (x.leaf(), x.left(), x.right()) {
            (Some(l), _, _) => leaf_hash(cs, l, leaves.get(l.0 as usize).and_then(Option::as_ref))?,
            (None, Some(left), Some(right)) => {
                self.hash_subtree(cs, leaves, parents, left)?;
                self.hash_subtree(cs, leaves, parents, right)?;
                let node = parents.get(x.0 as usize / 2).and_then(Option::as_ref);
                parent_node_hash(cs, node, self.get(left)?, self.get(right)?)?
            }
            _ => return Err(Error::Internal("a parent node without children")),
        };
        self.set(x, &h)
    }
}

impl TreeView for RatchetTree {
    fn width(&self) -> TreeSize {
        self.size
    }

    fn leaf(&self, i: LeafIndex) -> Option<&LeafNode> {
        self.leaves.get(i.0 as usize)?.as_ref()
    }

    fn parent(&self, x: NodeIndex) -> Option<&ParentNode> {
        if x.is_leaf() {
            return None;
        }
        self.parents.get(x.0 as usize / 2)?.as_ref()
    }

    fn cached_hash(&self, x: NodeIndex) -> Option<&[u8]> {
        self.node_hash(x)
    }

    fn subtree_has_node(&self, x: NodeIndex) -> bool {
        let (lo, hi) = subtree_nodes(x);
        let last = u64::from(self.size.node_width()).saturating_sub(1);
        match (u32::try_from(lo), u32::try_from(hi.min(last))) {
            (Ok(lo), Ok(hi)) if lo <= hi => self.non_blank.range(lo..=hi).next().is_some(),
            _ => false,
        }
    }

    /// The resolution (§4.1.1) from the ordered index of non-blank nodes,
    /// without touching the blank ones or the leaves' contents: the nodes of
    /// a resolution are disjoint subtrees, so in index order they come out
    /// in the resolution's order (left to right). A non-blank parent covers
    /// its subtree: what its left half added before it is taken back, its
    /// right half skipped.
    fn resolution_into(&self, x: NodeIndex, out: &mut Vec<NodeIndex>) {
        let push_parent = |out: &mut Vec<NodeIndex>, x: NodeIndex, p: &ParentNode| {
            out.push(x);
            out.extend(p.unmerged_leaves.iter().map(|&l| LeafIndex(l).node()));
        };
        match self.node(x) {
            Some(NodeRef::Leaf(_)) => return out.push(x),
            Some(NodeRef::Parent(p)) => return push_parent(out, x, p),
            None => {}
        }
        let (lo, hi) = subtree_nodes(x);
        let last = u64::from(self.size.node_width()).saturating_sub(1);
        let (Ok(lo), Ok(hi)) = (u32::try_from(lo), u32::try_from(hi.min(last))) else {
            return;
        };
        if lo > hi {
            return;
        }
        let start = out.len();
        let mut covered_to: Option<u32> = None;
        for &n in self.non_blank.range(lo..=hi) {
            if covered_to.is_some_and(|c| n <= c) {
                continue;
            }
            let node = NodeIndex(n);
            if node.is_leaf() {
                out.push(node);
            } else if let Some(p) = self.parent(node) {
                let (p_lo, p_hi) = subtree_nodes(node);
                while out.len() > start && out.last().is_some_and(|l| u64::from(l.0) >= p_lo) {
                    out.pop();
                }
                push_parent(out, node, p);
                covered_to = u32::try_from(p_hi).ok().or(Some(u32::MAX));
            }
        }
    }
}
