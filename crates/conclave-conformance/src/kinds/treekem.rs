//! `treekem.json`: TreeKEM (RFC 9420 §7.4–§7.6). For every case: check the
//! given private path secrets against the tree, process every UpdatePath for
//! every receiver (path secret, commit secret, tree hash after merging), then
//! create a fresh UpdatePath from every member and have every other member
//! decrypt it to the same commit secret (README §2.11).
//!
//! The HPKE context of an UpdatePath is the GroupContext with the tree hash
//! of the tree after the path is merged (§12.4.2), epoch and confirmed
//! transcript hash as given.

use std::collections::BTreeMap;
use std::sync::Arc;

use conclave_core::codec::{decode_exact, encode};
use conclave_core::crypto::{
    derive_secret, CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair,
};
use conclave_core::tree::parent_hash::verify_parent_hashes;
use conclave_core::tree::treekem::{
    apply_new_path, apply_received_path, decrypt_path, encrypt_path,
};
use conclave_core::tree::validate::{
    check_unique_keys, check_unmerged_leaves, verify_leaf_signature, verify_leaf_signatures,
};
use conclave_core::tree::{LeafIndex, NodeIndex, TreePrivateKeys, TreeView};
use conclave_core::wire::{GroupContext, ProtocolVersion, UpdatePath};
use serde_json::Value;

use super::tree_operations::import;
use super::{suite_of, CaseResult};
use crate::hexjson::{array, bytes, check_bytes, check_eq, uint};

/// Left-pads P-521 private keys given as 65 bytes (README §1).
pub fn private_key(cs: &dyn CipherSuiteProvider, raw: Vec<u8>) -> Secret {
    if cs.cipher_suite() == CipherSuite::P521_AES256GCM_SHA512_P521 && raw.len() == 65 {
        let mut padded = vec![0u8];
        padded.extend_from_slice(&raw);
        return Secret::new(padded);
    }
    Secret::new(raw)
}

struct Case {
    group_id: Vec<u8>,
    epoch: u64,
    confirmed_transcript_hash: Vec<u8>,
}

impl Case {
    fn context(&self, cs: &dyn CipherSuiteProvider, tree_hash: &[u8]) -> Result<Vec<u8>, String> {
        encode(&GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: cs.cipher_suite(),
            group_id: self.group_id.clone().into(),
            epoch: self.epoch,
            tree_hash: tree_hash.to_vec().into(),
            confirmed_transcript_hash: self.confirmed_transcript_hash.clone().into(),
            extensions: Vec::new(),
        })
        .map_err(|e| e.to_string())
    }
}

fn err(e: impl core::fmt::Display) -> String {
    e.to_string()
}

/// Runs one case.
pub fn run(case: &Value, provider: &dyn CryptoProvider) -> CaseResult {
    let cs_arc = suite_of(case, provider)?;
    let cs = &*cs_arc;
    let tree = import(cs, &bytes(case, "ratchet_tree")?)?;
    let info = Case {
        group_id: bytes(case, "group_id")?,
        epoch: uint(case, "epoch")?,
        confirmed_transcript_hash: bytes(case, "confirmed_transcript_hash")?,
    };

    // The tree is valid as a joiner sees it, except for capabilities: the
    // suite 7 trees of this file list only suites 1-6 in their leaves'
    // capabilities, so the ciphersuite check of §7.3 is not run here.
    check_unmerged_leaves(&tree).map_err(|e| format!("ratchet_tree: {e}"))?;
    check_unique_keys(&tree).map_err(|e| format!("ratchet_tree: {e}"))?;
    verify_parent_hashes(&tree, cs).map_err(|e| format!("ratchet_tree: {e}"))?;
    verify_leaf_signatures(&tree, cs, &info.group_id).map_err(|e| format!("ratchet_tree: {e}"))?;

    // 1. Private state of each member, checked against the tree.
    let mut members: BTreeMap<u32, (TreePrivateKeys, Secret)> = BTreeMap::new();
    for entry in array(case, "leaves_private")? {
        let index = LeafIndex(u32::try_from(uint(entry, "index")?).map_err(err)?);
        let mut keys =
            TreePrivateKeys::new(index, private_key(cs, bytes(entry, "encryption_priv")?));
        for ps in array(entry, "path_secrets")? {
            let node = NodeIndex(u32::try_from(uint(ps, "node")?).map_err(err)?);
            let secret = bytes(ps, "path_secret")?;
            let node_secret = derive_secret(cs, &secret, "node").map_err(err)?;
            let (private, public) = cs
                .kem_derive_key_pair(node_secret.as_bytes())
                .map_err(err)?;
            let in_tree = tree
                .node(node)
                .ok_or_else(|| format!("path secret for blank node {}", node.0))?
                .encryption_key();
            check_bytes(&format!("public key of node {}", node.0), in_tree, &public)?;
            keys.insert(node, private);
        }
        members.insert(
            index.0,
            (keys, private_key(cs, bytes(entry, "signature_priv")?)),
        );
    }

    // 2-3. Every given UpdatePath, for every receiver.
    for (n, up) in array(case, "update_paths")?.iter().enumerate() {
        let sender = LeafIndex(u32::try_from(uint(up, "sender")?).map_err(err)?);
        let path: UpdatePath = decode_exact(&bytes(up, "update_path")?).map_err(err)?;
        let mut diff = tree.diff();
        apply_received_path(&mut diff, cs, sender, &path)
            .map_err(|e| format!("update_path {n}: {e}"))?;
        verify_leaf_signature(cs, &path.leaf_node, &info.group_id, sender)
            .map_err(|e| format!("update_path {n}: {e}"))?;
        let tree_hash = diff.root_hash(cs).map_err(err)?;
        check_bytes(
            &format!("update_path {n}: tree_hash_after"),
            &bytes(up, "tree_hash_after")?,
            &tree_hash,
        )?;
        let context = info.context(cs, &tree_hash)?;
        let expected_commit = bytes(up, "commit_secret")?;
        let secrets = array(up, "path_secrets")?;
        for (j, expected) in secrets.iter().enumerate() {
            let Some(expected) = expected.as_str() else {
                continue;
            };
            let expected = hex::decode(expected).map_err(err)?;
            let (keys, _) = members
                .get(&(j as u32))
                .ok_or_else(|| format!("no private state for leaf {j}"))?;
            let got = decrypt_path(&diff, cs, sender, &path, keys, &context, &[])
                .map_err(|e| format!("update_path {n}, receiver {j}: {e}"))?;
            check_bytes(
                &format!("update_path {n}, receiver {j}: path secret"),
                &expected,
                got.path_secret.as_bytes(),
            )?;
            check_bytes(
                &format!("update_path {n}, receiver {j}: commit secret"),
                &expected_commit,
                got.commit_secret.as_bytes(),
            )?;
        }
        let mut merged = tree.clone();
        merged
            .merge(diff.into_changes(cs).map_err(err)?)
            .map_err(err)?;
        check_bytes("merged tree hash", &tree_hash, merged.root_hash())?;
        super::tree_operations::check_hash_cache(cs, &merged)?;
        verify_parent_hashes(&merged, cs)
            .map_err(|e| format!("update_path {n}: merged tree: {e}"))?;
    }

    // 4. Fresh UpdatePaths from every member, decrypted by every other one.
    for (&i, (keys, signature_priv)) in &members {
        let sender = LeafIndex(i);
        let Some(template) = tree.leaf(sender) else {
            continue;
        };
        let signer = SignatureKeyPair::from_private(Arc::clone(&cs_arc), signature_priv.clone())
            .map_err(err)?;
        let mut diff = tree.diff();
        let new = apply_new_path(&mut diff, cs, sender, template, &signer, &info.group_id)
            .map_err(|e| format!("fresh path from {i}: {e}"))?;
        let tree_hash = diff.root_hash(cs).map_err(err)?;
        let context = info.context(cs, &tree_hash)?;
        let path = encrypt_path(&diff, cs, &new, &context, &[]).map_err(err)?;
        let _ = new.private_keys(keys, &diff);
        let path: UpdatePath = decode_exact(&encode(&path).map_err(err)?).map_err(err)?;
        for (&j, (their_keys, _)) in &members {
            if j == i || tree.leaf(LeafIndex(j)).is_none() {
                continue;
            }
            let mut theirs = tree.diff();
            apply_received_path(&mut theirs, cs, sender, &path)
                .map_err(|e| format!("fresh path from {i} at {j}: {e}"))?;
            verify_leaf_signature(cs, &path.leaf_node, &info.group_id, sender)
                .map_err(|e| format!("fresh path from {i}: {e}"))?;
            check_bytes(
                "fresh path tree hash",
                &tree_hash,
                &theirs.root_hash(cs).map_err(err)?,
            )?;
            let got = decrypt_path(&theirs, cs, sender, &path, their_keys, &context, &[])
                .map_err(|e| format!("fresh path from {i} at {j}: {e}"))?;
            check_eq(
                "fresh commit secret",
                true,
                &got.commit_secret == new.commit_secret(),
            )?;
        }
    }
    Ok(())
}
