//! Copy-on-write staged changes over a [`RatchetTree`] (RFC 9420 §7.7, §7.8,
//! §12.1.1–§12.1.3).
//!
//! A [`TreeDiff`] borrows the current tree and records only what it changes:
//! the nodes written, and the subtree hashes made stale by those writes (each
//! write marks the node and its ancestors, O(log N)). Reading falls through to
//! the base tree for everything else. Building or checking a commit happens on
//! a diff; discarding it leaves no trace, and [`TreeDiff::into_changes`]
//! rehashes only the stale nodes and hands back [`TreeChanges`] to merge in
//! O(changed nodes).
//!
//! Width changes are tracked too: extending (§7.7) doubles the width with a
//! blank right half; truncating halves it while the right half holds only
//! blank leaves. `keep` is the smallest width the diff went down to: base nodes
//! beyond it were dropped and read as blank even if the diff extends again.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::hash::{cached, leaf_hash, parent_node_hash};
use super::math::{LeafIndex, NodeIndex, TreeSize};
use super::ratchet_tree::{RatchetTree, TreeChanges};
use super::view::{subtree_nodes, NodeRef, TreeView};
use crate::crypto::CipherSuiteProvider;
use crate::error::Result;
use crate::wire::{LeafNode, ParentNode};
use crate::Error;

/// Staged changes over a borrowed [`RatchetTree`].
#[derive(Debug)]
pub struct TreeDiff<'a> {
    base: &'a RatchetTree,
    size: TreeSize,
    keep: TreeSize,
    leaves: BTreeMap<u32, Option<LeafNode>>,
    /// The leaves blanked in the overlay (`None` in `leaves`).
    blank_overlay: BTreeSet<u32>,
    /// Every leaf from `keep` up to here is filled in the overlay, so that
    /// a run of Adds finds the next blank leaf without rescanning them.
    filled_to: u32,
    /// Keyed by node index (odd).
    parents: BTreeMap<u32, Option<ParentNode>>,
    /// Nodes whose hash differs from the base: `None` until recomputed.
    hashes: HashMap<u32, Option<Vec<u8>>>,
}

impl RatchetTree {
    /// Starts staging changes over this tree.
    pub fn diff(&self) -> TreeDiff<'_> {
        TreeDiff {
            base: self,
            size: self.size,
            keep: self.size,
            leaves: BTreeMap::new(),
            blank_overlay: BTreeSet::new(),
            filled_to: self.size.leaves(),
            parents: BTreeMap::new(),
            hashes: HashMap::new(),
        }
    }
}

impl TreeView for TreeDiff<'_> {
    fn width(&self) -> TreeSize {
        self.size
    }

    fn leaf(&self, i: LeafIndex) -> Option<&LeafNode> {
        if i.0 >= self.size.leaves() {
            return None;
        }
        match self.leaves.get(&i.0) {
            Some(l) => l.as_ref(),
            None if i.0 < self.keep.leaves() => self.base.leaf(i),
            None => None,
        }
    }

    fn parent(&self, x: NodeIndex) -> Option<&ParentNode> {
        if x.is_leaf() || !self.size.contains(x) {
            return None;
        }
        match self.parents.get(&x.0) {
            Some(p) => p.as_ref(),
            None if self.keep.contains(x) => self.base.parent(x),
            None => None,
        }
    }

    fn subtree_has_node(&self, x: NodeIndex) -> bool {
        let (lo, hi) = subtree_nodes(x);
        let last = u64::from(self.size.node_width()).saturating_sub(1);
        let (Ok(lo), Ok(hi)) = (u32::try_from(lo), u32::try_from(hi.min(last))) else {
            return false;
        };
        if lo > hi {
            return false;
        }
        // Written here, non-blank.
        if self
            .leaves
            .range(lo.div_ceil(2)..=hi / 2)
            .any(|(_, l)| l.is_some())
            || self.parents.range(lo..=hi).any(|(_, p)| p.is_some())
        {
            return true;
        }
        // Non-blank in the base (below `keep`) and not overwritten here.
        let keep_last = self.keep.node_width().saturating_sub(1);
        if lo > keep_last {
            return false;
        }
        self.base.non_blank.range(lo..=hi.min(keep_last)).any(|&n| {
            if n % 2 == 0 {
                !self.leaves.contains_key(&(n / 2))
            } else {
                !self.parents.contains_key(&n)
            }
        })
    }

    /// Subtrees the diff did not write (within the kept width) resolve in
    /// the stored tree; the rest as usual, with those subtrees handed on.
    fn resolution_into(&self, x: NodeIndex, out: &mut Vec<NodeIndex>) {
        if self.untouched(x) {
            return self.base.resolution_into(x, out);
        }
        match self.node(x) {
            Some(NodeRef::Leaf(_)) => out.push(x),
            Some(NodeRef::Parent(p)) => {
                out.push(x);
                out.extend(p.unmerged_leaves.iter().map(|&l| LeafIndex(l).node()));
            }
            None => {
                if !self.subtree_has_node(x) {
                    return;
                }
                if let (Some(l), Some(r)) = (x.left(), x.right()) {
                    self.resolution_into(l, out);
                    self.resolution_into(r, out);
                }
            }
        }
    }

    fn cached_hash(&self, x: NodeIndex) -> Option<&[u8]> {
        if !self.size.contains(x) {
            return None;
        }
        match self.hashes.get(&x.0) {
            Some(h) => h.as_deref(),
            None if self.keep.contains(x) => self.base.cached_hash(x),
            None => None,
        }
    }
}

impl<'a> TreeDiff<'a> {
    /// The tree this diff is staged over.
    pub fn base(&self) -> &'a RatchetTree {
        self.base
    }

    /// Whether the subtree headed by `x` reads exactly as in the base tree:
    /// it lies within the kept width and the diff wrote none of its nodes.
    fn untouched(&self, x: NodeIndex) -> bool {
        let (lo, hi) = subtree_nodes(x);
        let keep_last = u64::from(self.keep.node_width()).saturating_sub(1);
        if hi > keep_last || !self.size.contains(x) {
            return false;
        }
        let (Ok(lo), Ok(hi)) = (u32::try_from(lo), u32::try_from(hi)) else {
            return false;
        };
        self.leaves.range(lo.div_ceil(2)..=hi / 2).next().is_none()
            && self.parents.range(lo..=hi).next().is_none()
    }

    /// Whether the hash of `x` is known to need recomputing.
    fn is_stale(&self, x: NodeIndex) -> bool {
        match self.hashes.get(&x.0) {
            Some(h) => h.is_none(),
            None => !self.keep.contains(x),
        }
    }

    /// Marks `x` and its ancestors as stale. A stale node's ancestors are
    /// always stale (hashes are only recomputed downwards), so the walk stops
    /// at the first ancestor already marked.
    fn invalidate(&mut self, x: NodeIndex) {
        self.hashes.insert(x.0, None);
        let mut cur = x;
        while let Some(p) = self.size.parent(cur) {
            if self.is_stale(p) {
                break;
            }
            self.hashes.insert(p.0, None);
            cur = p;
        }
    }

    /// Writes leaf `i` (blank with `None`).
    pub fn set_leaf(&mut self, i: LeafIndex, leaf: Option<LeafNode>) -> Result<()> {
        if i.0 >= self.size.leaves() {
            return Err(Error::Internal("leaf index outside the tree"));
        }
        let filled = leaf.is_some();
        self.leaves.insert(i.0, leaf);
        if filled {
            self.blank_overlay.remove(&i.0);
            if i.0 == self.filled_to {
                while matches!(self.leaves.get(&self.filled_to), Some(Some(_))) {
                    self.filled_to += 1;
                }
            }
        } else {
            self.blank_overlay.insert(i.0);
            if i.0 >= self.keep.leaves() && i.0 < self.filled_to {
                self.filled_to = i.0;
            }
        }
        self.invalidate(i.node());
        Ok(())
    }

    /// Writes the parent node at odd index `x` (blank with `None`).
    pub fn set_parent(&mut self, x: NodeIndex, node: Option<ParentNode>) -> Result<()> {
        if x.is_leaf() || !self.size.contains(x) {
            return Err(Error::Internal("parent index outside the tree"));
        }
        self.parents.insert(x.0, node);
        self.invalidate(x);
        Ok(())
    }

    /// Blanks every non-blank node of the direct path of `leaf`.
    pub fn blank_direct_path(&mut self, leaf: LeafIndex) -> Result<()> {
        for p in self.size.direct_path(leaf.node()) {
            if self.parent(p).is_some() {
                self.set_parent(p, None)?;
            }
        }
        Ok(())
    }

    /// Doubles the width: the current tree becomes the left subtree of a new
    /// blank root, with a blank right subtree (§7.7).
    pub fn extend(&mut self) -> Result<()> {
        let doubled = self
            .size
            .leaves()
            .checked_mul(2)
            .and_then(TreeSize::new)
            .ok_or(Error::Unsupported("a tree wider than 2^31 leaves".into()))?;
        self.size = doubled;
        // Nodes past the old width are blank and stale (implicitly: they are
        // beyond `keep` or absent from the overlay); the new root is stale.
        self.invalidate(self.size.root());
        Ok(())
    }

    /// Halves the width while the right subtree holds no non-blank leaf
    /// (§7.7, §12.1.3), never below one leaf.
    pub fn truncate(&mut self) {
        let leaves = self
            .last_member()
            .map_or(1, |l| (l.0 + 1).next_power_of_two());
        if leaves >= self.size.leaves() {
            return;
        }
        let Some(size) = TreeSize::new(leaves) else {
            return;
        };
        self.size = size;
        if size < self.keep {
            self.keep = size;
        }
        let nodes = size.node_width();
        self.leaves.retain(|&i, _| i < leaves);
        self.blank_overlay.retain(|&i| i < leaves);
        self.filled_to = self.keep.leaves();
        self.parents.retain(|&x, _| x < nodes);
        self.hashes.retain(|&x, _| x < nodes);
    }

    /// The leftmost blank leaf of the diff: the first of the base's blank
    /// leaves not filled here, of the leaves blanked here, and of the leaves
    /// past `keep` not filled here. O(log N) (amortized over a run of Adds).
    pub fn first_blank_leaf(&self) -> Option<LeafIndex> {
        let limit = self.size.leaves();
        let keep = self.keep.leaves().min(limit);
        let filled = |i: &u32| matches!(self.leaves.get(i), Some(Some(_)));
        let from_base = self
            .base
            .blank_leaves
            .range(..keep)
            .find(|i| !filled(i))
            .copied();
        let from_overlay = self.blank_overlay.range(..limit).next().copied();
        let beyond = (keep.max(self.filled_to)..limit).find(|i| !filled(i));
        [from_base, from_overlay, beyond]
            .into_iter()
            .flatten()
            .min()
            .map(LeafIndex)
    }

    /// The rightmost non-blank leaf of the diff. Walks the base's trailing
    /// blank leaves in its blank-leaf index (not the leaves themselves) and
    /// the leaves changed here.
    pub fn last_member(&self) -> Option<LeafIndex> {
        let limit = self.size.leaves();
        let keep = self.keep.leaves().min(limit);
        let from_overlay = self
            .leaves
            .iter()
            .rev()
            .find(|(i, l)| l.is_some() && **i < limit)
            .map(|(i, _)| *i);
        let mut blanks = self.base.blank_leaves.range(..keep).rev().peekable();
        let mut from_base = None;
        let mut bound = keep;
        while let Some(c) = bound.checked_sub(1) {
            bound = c;
            if blanks.peek() == Some(&&c) {
                blanks.next();
                continue;
            }
            if matches!(self.leaves.get(&c), Some(None)) {
                continue;
            }
            from_base = Some(c);
            break;
        }
        from_overlay.max(from_base).map(LeafIndex)
    }

    /// Adds `leaf` at the leftmost blank leaf, extending the tree if there is
    /// none, and lists it as unmerged at every non-blank node above it (§12.1.1).
    pub fn add_leaf(&mut self, leaf: LeafNode) -> Result<LeafIndex> {
        let index = match self.first_blank_leaf() {
            Some(i) => i,
            None => {
                let first_new = self.size.leaves();
                self.extend()?;
                LeafIndex(first_new)
            }
        };
        for p in self.size.direct_path(index.node()) {
            if let Some(node) = self.parent(p) {
                let mut node = node.clone();
                if let Err(at) = node.unmerged_leaves.binary_search(&index.0) {
                    node.unmerged_leaves.insert(at, index.0);
                }
                self.set_parent(p, Some(node))?;
            }
        }
        self.set_leaf(index, Some(leaf))?;
        Ok(index)
    }

    /// Replaces the leaf at `index` and blanks its direct path (§12.1.2).
    pub fn update_leaf(&mut self, index: LeafIndex, leaf: LeafNode) -> Result<()> {
        self.set_leaf(index, Some(leaf))?;
        self.blank_direct_path(index)
    }

    /// Blanks the leaf at `index` and its direct path, then truncates (§12.1.3).
    pub fn remove_leaf(&mut self, index: LeafIndex) -> Result<()> {
        self.set_leaf(index, None)?;
        self.blank_direct_path(index)?;
        self.truncate();
        Ok(())
    }

    /// The tree hash of node `x`, recomputing stale subtrees as needed.
    pub fn tree_hash(&mut self, cs: &dyn CipherSuiteProvider, x: NodeIndex) -> Result<Vec<u8>> {
        self.compute(cs, x)?;
        Ok(cached(self, x)?.to_vec())
    }

    /// The tree hash of the root.
    pub fn root_hash(&mut self, cs: &dyn CipherSuiteProvider) -> Result<Vec<u8>> {
        self.tree_hash(cs, self.size.root())
    }

    /// Recomputes every stale hash (only stale nodes are visited).
    pub fn rehash(&mut self, cs: &dyn CipherSuiteProvider) -> Result<()> {
        self.compute(cs, self.size.root())
    }

    fn compute(&mut self, cs: &dyn CipherSuiteProvider, x: NodeIndex) -> Result<()> {
        if !self.size.contains(x) {
            return Err(Error::Internal("hash of a node outside the tree"));
        }
        if self.cached_hash(x).is_some() {
            return Ok(());
        }
        let h = match (x.leaf(), x.left(), x.right()) {
            (Some(l), _, _) => leaf_hash(cs, l, self.leaf(l))?,
            (None, Some(left), Some(right)) => {
                self.compute(cs, left)?;
                self.compute(cs, right)?;
                parent_node_hash(
                    cs,
                    self.parent(x),
                    cached(self, left)?,
                    cached(self, right)?,
                )?
            }
            _ => return Err(Error::Internal("a parent node without children")),
        };
        self.hashes.insert(x.0, Some(h));
        Ok(())
    }

    /// Rehashes and packages the staged changes for [`RatchetTree::merge`].
    pub fn into_changes(mut self, cs: &dyn CipherSuiteProvider) -> Result<TreeChanges> {
        self.rehash(cs)?;
        let mut hashes = Vec::with_capacity(self.hashes.len());
        for (x, h) in self.hashes {
            let h = h.ok_or(Error::Internal("a stale hash after rehashing"))?;
            hashes.push((x, h));
        }
        Ok(TreeChanges {
            base_version: self.base.version,
            width: self.size,
            keep: self.keep,
            leaves: self.leaves.into_iter().collect(),
            parents: self.parents.into_iter().map(|(x, p)| (x / 2, p)).collect(),
            hashes,
        })
    }
}
