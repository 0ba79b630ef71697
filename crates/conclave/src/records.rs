//! The records the client keeps in its [`Store`](crate::Store), their keys
//! and their (TLS presentation language, RFC 9420 §2.1) encodings.
//!
//! ```text
//! identity                     IdentityRecord
//! kp/<KeyPackageRef>           KeyPackageRecord (private keys until used)
//! g/<hex group id>/s           the group's state record (snapshot format)
//! g/<hex group id>/n/<u32 BE>  one ratchet-tree node, by node index
//! g/<hex group id>/p           PendingRecord: the state after our own
//!                              pending commit, until merged or discarded
//! ```
//!
//! Every record starts with a `u16` format version; this code writes and
//! reads version 1 ([`RECORD_VERSION`]).

use conclave_core::codec::{decode_exact, encode, VLBytes};
use conclave_core::wire::{Credential, KeyPackage};
use tls_codec::{TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize};

use crate::{ClientError, Result};

/// The format version of the client's own records.
pub const RECORD_VERSION: u16 = 1;

/// Our identity: the suite, the signature private key and the credential.
#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
pub(crate) struct IdentityRecord {
    pub version: u16,
    pub suite: u16,
    pub signature_private_key: VLBytes,
    pub credential: Credential,
}

/// A KeyPackage with its private keys, kept until a Welcome uses it.
#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
pub(crate) struct KeyPackageRecord {
    pub version: u16,
    /// 1: a last-resort package, kept after use.
    pub last_resort: u8,
    pub key_package: KeyPackage,
    pub init_private_key: VLBytes,
    pub encryption_private_key: VLBytes,
}

/// One node record to rewrite (`None`: delete it).
#[derive(Debug, Clone, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
pub(crate) struct NodeChange {
    pub index: u32,
    pub node: Option<VLBytes>,
}

/// The state after our own commit, written before the commit is returned.
#[derive(Debug, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize)]
pub(crate) struct PendingRecord {
    pub version: u16,
    pub epoch: u64,
    pub state: VLBytes,
    pub nodes: Vec<NodeChange>,
}

pub(crate) const IDENTITY: &[u8] = b"identity";
pub(crate) const KEY_PACKAGES: &[u8] = b"kp/";
pub(crate) const GROUPS: &[u8] = b"g/";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The group id of a `g/<hex>/...` key.
pub(crate) fn group_id_of_key(key: &[u8]) -> Option<Vec<u8>> {
    let rest = key.strip_prefix(GROUPS)?;
    let hex_part = rest.split(|&b| b == b'/').next()?;
    if hex_part.len() % 2 != 0 {
        return None;
    }
    hex_part
        .chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
        .collect()
}

pub(crate) fn key_package_key(reference: &[u8]) -> Vec<u8> {
    [KEY_PACKAGES, reference].concat()
}

pub(crate) fn group_prefix(group_id: &[u8]) -> Vec<u8> {
    format!("g/{}/", hex(group_id)).into_bytes()
}

pub(crate) fn state_key(group_id: &[u8]) -> Vec<u8> {
    [group_prefix(group_id), b"s".to_vec()].concat()
}

pub(crate) fn pending_key(group_id: &[u8]) -> Vec<u8> {
    [group_prefix(group_id), b"p".to_vec()].concat()
}

pub(crate) fn nodes_prefix(group_id: &[u8]) -> Vec<u8> {
    [group_prefix(group_id), b"n/".to_vec()].concat()
}

pub(crate) fn node_key(group_id: &[u8], index: u32) -> Vec<u8> {
    [nodes_prefix(group_id), index.to_be_bytes().to_vec()].concat()
}

pub(crate) fn node_index_of_key(prefix_len: usize, key: &[u8]) -> Option<u32> {
    let tail: [u8; 4] = key.get(prefix_len..)?.try_into().ok()?;
    Some(u32::from_be_bytes(tail))
}

pub(crate) fn to_bytes<T: tls_codec::Serialize>(value: &T) -> Result<Vec<u8>> {
    Ok(encode(value)?)
}

pub(crate) fn from_bytes<T: tls_codec::DeserializeBytes>(bytes: &[u8], version: u16) -> Result<T> {
    if version != RECORD_VERSION {
        return Err(ClientError::Format(format!(
            "record format version {version} (this code reads {RECORD_VERSION})"
        )));
    }
    Ok(decode_exact(bytes).map_err(conclave_core::Error::from)?)
}

/// The version at the head of a record.
pub(crate) fn version_of(bytes: &[u8]) -> Result<u16> {
    bytes
        .get(..2)
        .map(|v| u16::from_be_bytes([v[0], v[1]]))
        .ok_or_else(|| ClientError::Format("an empty record".into()))
}
