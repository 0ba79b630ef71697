//! KeyPackages made by other implementations (the working group's vectors,
//! tests/vectors/): they validate under our rules, and our KeyPackageRef
//! finds the joiner's secrets in the Welcome (welcome.json, all 7 suites).

use std::path::PathBuf;

use conclave_core::codec;
use conclave_core::credential::BasicIdentityValidator;
use conclave_core::crypto::{CipherSuite, CryptoProvider};
use conclave_core::key_package::{
    key_package_from_message, key_package_ref, key_package_ref_of_encoded, validate_key_package,
};
use conclave_core::time::FixedClock;
use conclave_core::tree::validate::GroupRequirements;
use conclave_core::wire::{MlsMessage, MlsMessageBody, ProtocolVersion};
use conclave_core::{Error, ProtocolError};
use conclave_rustcrypto::RustCryptoProvider;
use serde_json::Value;

fn vectors(name: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn bytes(case: &Value, field: &str) -> Vec<u8> {
    hex::decode(case[field].as_str().unwrap()).unwrap()
}

fn message(bytes: &[u8]) -> MlsMessage {
    codec::decode_exact(bytes).unwrap()
}

#[test]
fn key_package_vectors_welcome_ref_and_validation() {
    let provider = RustCryptoProvider::new();
    let cases = vectors("welcome.json");
    assert_eq!(cases.len(), 7);
    for case in &cases {
        let suite = CipherSuite(u16::try_from(case["cipher_suite"].as_u64().unwrap()).unwrap());
        let cs = provider.cipher_suite(suite).unwrap();
        let kp_message = message(&bytes(case, "key_package"));
        let kp = key_package_from_message(&kp_message).unwrap();
        // The joiner's init key is the KeyPackage's.
        let init_priv = bytes(case, "init_priv");
        assert_eq!(
            cs.kem_public_key(&init_priv).unwrap(),
            kp.init_key.as_slice()
        );
        // Our KeyPackageRef names the joiner's EncryptedGroupSecrets.
        let MlsMessageBody::Welcome(welcome) = message(&bytes(case, "welcome")).body else {
            panic!("not a Welcome");
        };
        let r = key_package_ref(&*cs, kp).unwrap();
        assert!(welcome.secrets_for(&r).is_some(), "suite {suite:?}");
        // The KeyPackage passes every rule of §10.1 within its lifetime.
        let now = kp.leaf_node.lifetime().unwrap().not_before;
        let group = GroupRequirements {
            cipher_suite: suite,
            version: ProtocolVersion::MLS10,
            required: None,
        };
        let result = validate_key_package(
            &*cs,
            kp,
            &group,
            &[],
            &FixedClock(now),
            &BasicIdentityValidator::new(),
        );
        if suite == CipherSuite::P384_AES256GCM_SHA384_P384 {
            // This one KeyPackage's capabilities list suites 1-6 only, not
            // its own suite 7; §11.1 ("all members of the group need to
            // support the cipher suite ... in use") makes it unfit for a
            // suite-7 group, and it is refused by name. Every other
            // KeyPackage of the vectors lists its suite (see below).
            assert!(matches!(
                result,
                Err(Error::Protocol(ProtocolError::LeafLacksSuiteOrVersion))
            ));
        } else {
            result.unwrap_or_else(|e| panic!("suite {suite:?}: {e}"));
        }
    }
}

/// The joiners' KeyPackages of the passive-client files (all 7 suites) pass
/// every rule of §10.1.
#[test]
fn key_package_vectors_passive_client_key_packages_validate() {
    let provider = RustCryptoProvider::new();
    let mut checked = 0;
    for file in [
        "passive-client-welcome.json",
        "passive-client-handling-commit.json",
        "passive-client-random.json",
    ] {
        for case in &vectors(file) {
            let suite = CipherSuite(u16::try_from(case["cipher_suite"].as_u64().unwrap()).unwrap());
            let cs = provider.cipher_suite(suite).unwrap();
            let kp_message = message(&bytes(case, "key_package"));
            let kp = key_package_from_message(&kp_message).unwrap();
            let now = kp.leaf_node.lifetime().unwrap().not_before;
            let group = GroupRequirements {
                cipher_suite: suite,
                version: ProtocolVersion::MLS10,
                required: None,
            };
            validate_key_package(
                &*cs,
                kp,
                &group,
                &[],
                &FixedClock(now),
                &BasicIdentityValidator::new(),
            )
            .unwrap_or_else(|e| panic!("{file} suite {suite:?}: {e}"));
            assert_eq!(
                cs.kem_public_key(&bytes(case, "init_priv")).unwrap(),
                kp.init_key.as_slice()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 56 + 91 + 1);
}

/// The KeyPackages of messages.json (suites 1-3, made by another
/// implementation) validate, and their references survive a re-encoding.
#[test]
fn key_package_vectors_messages_key_packages_validate() {
    let provider = RustCryptoProvider::new();
    let mut checked = 0;
    for case in &vectors("messages.json") {
        let encoded = bytes(case, "mls_key_package");
        let kp_message = message(&encoded);
        let kp = key_package_from_message(&kp_message).unwrap();
        let cs = provider.cipher_suite(kp.cipher_suite).unwrap();
        let group = GroupRequirements {
            cipher_suite: kp.cipher_suite,
            version: ProtocolVersion::MLS10,
            required: None,
        };
        let now = kp.leaf_node.lifetime().unwrap().not_before;
        validate_key_package(
            &*cs,
            kp,
            &group,
            &[],
            &FixedClock(now),
            &BasicIdentityValidator::new(),
        )
        .unwrap_or_else(|e| panic!("suite {:?}: {e}", kp.cipher_suite));
        // The reference over the received bytes (without the 4-byte
        // MLSMessage header) equals the one over the decoded value.
        let inner = encoded.get(4..).unwrap();
        assert_eq!(
            key_package_ref_of_encoded(&*cs, inner).unwrap(),
            key_package_ref(&*cs, kp).unwrap()
        );
        checked += 1;
    }
    assert_eq!(checked, 300);
}
