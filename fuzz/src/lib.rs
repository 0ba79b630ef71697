//! Helpers shared by the fuzz targets: the canonical-encoding check and the
//! fixed epoch (suite 1, constant secrets and signature keys) that the
//! framing target unprotects with. See docs/ROBUSTNESS.md.
#![forbid(unsafe_code)]

pub mod group;

use std::sync::{Arc, OnceLock};

use conclave_core::codec::{self, DeserializeBytes, Serialize, VLBytes};
use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair,
};
use conclave_core::framing::{EpochKeys, MemberKeys};
use conclave_core::tree::LeafIndex;
use conclave_core::wire::{GroupContext, ProtocolVersion};

/// Decodes `bytes` as a `T` with [`codec::decode_exact`]; when that succeeds,
/// re-encodes the value and asserts the bytes are the input (every accepted
/// encoding is the canonical one). Returns the value.
pub fn decode_canonical<T: DeserializeBytes + Serialize>(bytes: &[u8]) -> Option<T> {
    let value: T = codec::decode_exact(bytes).ok()?;
    let again = value
        .tls_serialize_detached()
        .expect("a decoded value must encode");
    assert_eq!(
        again,
        bytes,
        "{} decoded from bytes that are not its encoding",
        core::any::type_name::<T>()
    );
    Some(value)
}

/// The suite-1 provider (X25519, AES-128-GCM, SHA-256, Ed25519).
pub fn suite1() -> Arc<dyn CipherSuiteProvider> {
    static CS: OnceLock<Arc<dyn CipherSuiteProvider>> = OnceLock::new();
    CS.get_or_init(|| {
        conclave_rustcrypto::RustCryptoProvider::new()
            .cipher_suite(CipherSuite::X25519_AES128GCM_SHA256_ED25519)
            .expect("suite 1 is supported")
    })
    .clone()
}

/// The number of leaves of the fixed group; leaf 0 is blank.
pub const LEAVES: u32 = 4;

/// The fixed epoch of the framing target: constant secrets, constant
/// signature keys (leaf `i` has private key `[i + 1; 32]`, the external
/// sender `[0x55; 32]`).
pub struct Epoch {
    /// The suite-1 provider.
    pub cs: Arc<dyn CipherSuiteProvider>,
    /// GroupContext of epoch 7 of group `b"fuzz-group"`.
    pub context: GroupContext,
    /// `membership_key`.
    pub membership_key: Secret,
    /// `sender_data_secret`.
    pub sender_data_secret: Secret,
    /// `encryption_secret` (the root of the secret tree).
    pub encryption_secret: Secret,
    /// The members' signature keys (index = leaf).
    pub signers: Vec<SignatureKeyPair>,
    /// The external sender's signature key (index 0 of `external_senders`).
    pub external: SignatureKeyPair,
}

impl Epoch {
    /// The fixed epoch (built once per process).
    pub fn get() -> &'static Epoch {
        static EPOCH: OnceLock<Epoch> = OnceLock::new();
        EPOCH.get_or_init(|| {
            let cs = suite1();
            let key = |b: u8| {
                SignatureKeyPair::from_private(cs.clone(), Secret::new(vec![b; 32]))
                    .expect("a constant Ed25519 key")
            };
            Epoch {
                context: GroupContext {
                    version: ProtocolVersion::MLS10,
                    cipher_suite: CipherSuite::X25519_AES128GCM_SHA256_ED25519,
                    group_id: VLBytes::new(b"fuzz-group".to_vec()),
                    epoch: 7,
                    tree_hash: VLBytes::new(vec![0x11; 32]),
                    confirmed_transcript_hash: VLBytes::new(vec![0x22; 32]),
                    extensions: Vec::new(),
                },
                membership_key: Secret::new(vec![0x33; 32]),
                sender_data_secret: Secret::new(vec![0x44; 32]),
                encryption_secret: Secret::new(vec![0x66; 32]),
                signers: (0..LEAVES as u8).map(|i| key(i + 1)).collect(),
                external: key(0x55),
                cs,
            }
        })
    }

    /// The epoch's keys, as the framing module takes them.
    pub fn keys(&self) -> EpochKeys<'_> {
        EpochKeys {
            cs: self.cs.as_ref(),
            group_context: &self.context,
            membership_key: &self.membership_key,
            sender_data_secret: &self.sender_data_secret,
        }
    }
}

impl MemberKeys for Epoch {
    fn leaf_count(&self) -> u32 {
        LEAVES
    }

    fn signature_key(&self, leaf: LeafIndex) -> Option<&[u8]> {
        use conclave_core::crypto::Signer;
        if leaf.0 == 0 {
            return None;
        }
        self.signers.get(leaf.0 as usize).map(|s| s.public_key())
    }

    fn external_sender_key(&self, index: u32) -> Option<&[u8]> {
        use conclave_core::crypto::Signer;
        (index == 0).then(|| self.external.public_key())
    }
}

/// The suite-1 case of the official `welcome.json` vector: a KeyPackage (as
/// an MLSMessage), its init private key, and the key that signed the
/// GroupInfo of the vector's Welcome (which is a seed of `welcome_open`).
pub mod welcome_vector {
    /// `key_package` (an MLSMessage).
    pub const KEY_PACKAGE: &str = "00010005000100012028b2cd6417984dc4708c61a1cce7c0f11d181bd36d6f7a610ea21cb96f79ba6020275d9e6337b11a5e21ba755f2353053a500103efa1c5ac7c07d3a78f8817ad2d203de79c7e370156ce25a88d897a8ea7c8f90fea1f71fbeb5f31855312d8750007000120b640fbb0df8e646b29c83c5ed08aea89f72ab108922827ea76cd3b917d6d99420200010c00010002000300040005000600000400010002010000000000000000ffffffffffffffff004040fd81837a40a9ba774bb44db665081f4d0ff2a8f680ce5c902b17acc4ae6d9a14b9d4e9b4f8e7d74af8ff42032ec9caadf267e85931b550eebbe480150d4b9b0a0040401ec696ab731d5a7b1092b0db9912fe35086e188ce2946996bdf3cec463849f1a32f653b6e246b8b85a486ce3f604891501052c3d7bbee2155fff6a367e5a1f03";
    /// `init_priv`.
    pub const INIT_PRIV: &str = "c697caf7ae54f695f9411d9dc81a206b91fabcaac62a13763213a045ecd72b1e";
    /// `signer_pub`.
    pub const SIGNER_PUB: &str = "4e61ed19803e994259745f59aabd3f0be3c171ae99d49a29974b5a5cee134241";
}
