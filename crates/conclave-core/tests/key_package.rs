//! KeyPackage generation and validation (RFC 9420 §10) with the real
//! RustCrypto provider, in all seven suites, and one negative test per rule.

use std::sync::Arc;

use conclave_core::codec::{self, VLBytes};
use conclave_core::credential::BasicIdentityValidator;
use conclave_core::crypto::{
    sign_with_label, CipherSuite, CipherSuiteProvider, CryptoProvider, SignatureKeyPair,
};
use conclave_core::key_package::{
    default_capabilities, key_package_from_message, key_package_ref, key_package_ref_of_encoded,
    validate_key_package, KeyPackageBuilder, KeyPackageBundle, KEY_PACKAGE_TBS_LABEL,
};
use conclave_core::time::FixedClock;
use conclave_core::tree::validate::{GroupRequirements, LEAF_NODE_TBS_LABEL};
use conclave_core::wire::{
    Capabilities, Credential, CredentialType, Extension, ExtensionType, KeyPackage, LeafNodeSource,
    Lifetime, MlsMessage, MlsMessageBody, ProposalType, ProtocolVersion, RequiredCapabilities,
};
use conclave_core::{Error, ProtocolError};
use conclave_rustcrypto::RustCryptoProvider;

const NOW: u64 = 1_800_000_000;
const CLOCK: FixedClock = FixedClock(NOW);

fn suite(s: CipherSuite) -> Arc<dyn CipherSuiteProvider> {
    RustCryptoProvider::new().cipher_suite(s).unwrap()
}

fn group(s: CipherSuite) -> GroupRequirements<'static> {
    GroupRequirements {
        cipher_suite: s,
        version: ProtocolVersion::MLS10,
        required: None,
    }
}

struct Fixture {
    cs: Arc<dyn CipherSuiteProvider>,
    signer: SignatureKeyPair,
}

impl Fixture {
    fn new(s: CipherSuite) -> Self {
        let cs = suite(s);
        let signer = SignatureKeyPair::generate(cs.clone()).unwrap();
        Self { cs, signer }
    }

    fn ed25519() -> Self {
        Self::new(CipherSuite::X25519_AES128GCM_SHA256_ED25519)
    }

    fn build(&self, builder: KeyPackageBuilder) -> KeyPackageBundle {
        builder
            .build(&*self.cs, &self.signer, Credential::basic("alice"), &CLOCK)
            .unwrap()
    }

    fn key_package(&self) -> KeyPackage {
        self.build(KeyPackageBuilder::new()).key_package
    }

    /// Signs the leaf (source key_package) and then the KeyPackage again,
    /// after a test changed a field, so that only the rule under test fails.
    fn resign(&self, kp: &mut KeyPackage) {
        let leaf_tbs = kp.leaf_node.tbs_bytes(None).unwrap();
        kp.leaf_node.signature =
            VLBytes::new(sign_with_label(&self.signer, LEAF_NODE_TBS_LABEL, &leaf_tbs).unwrap());
        self.resign_outer(kp);
    }

    fn resign_outer(&self, kp: &mut KeyPackage) {
        let tbs = kp.tbs_bytes().unwrap();
        kp.signature =
            VLBytes::new(sign_with_label(&self.signer, KEY_PACKAGE_TBS_LABEL, &tbs).unwrap());
    }

    fn validate(&self, kp: &KeyPackage) -> Result<(), Error> {
        self.validate_in(kp, &group(self.cs.cipher_suite()))
    }

    fn validate_in(&self, kp: &KeyPackage, g: &GroupRequirements<'_>) -> Result<(), Error> {
        validate_key_package(
            &*self.cs,
            kp,
            g,
            &[],
            &CLOCK,
            &BasicIdentityValidator::new(),
        )
    }
}

fn protocol(result: Result<(), Error>) -> ProtocolError {
    match result {
        Err(Error::Protocol(e)) => e,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

#[test]
fn key_package_generated_and_valid_in_every_suite() {
    for s in CipherSuite::RFC9420 {
        let f = Fixture::new(s);
        let bundle = f.build(KeyPackageBuilder::new());
        let kp = &bundle.key_package;
        f.validate(kp)
            .unwrap_or_else(|e| panic!("suite {s:?}: {e}"));
        assert_eq!(kp.version, ProtocolVersion::MLS10);
        assert_eq!(kp.cipher_suite, s);
        assert_eq!(kp.leaf_node.signature_key.as_slice(), {
            use conclave_core::crypto::Signer;
            f.signer.public_key()
        });
        // The private keys are those of the published public keys.
        assert_eq!(
            f.cs.kem_public_key(bundle.init_private_key.as_bytes())
                .unwrap(),
            kp.init_key.as_slice()
        );
        assert_eq!(
            f.cs.kem_public_key(bundle.encryption_private_key.as_bytes())
                .unwrap(),
            kp.leaf_node.encryption_key.as_slice()
        );
        assert_ne!(kp.init_key, kp.leaf_node.encryption_key);
        assert_eq!(
            kp.leaf_node.lifetime(),
            Some(&Lifetime {
                not_before: NOW - 3600,
                not_after: NOW + 90 * 86400
            })
        );
        // It survives the wire and still validates.
        let decoded: KeyPackage = codec::decode_exact(&codec::encode(kp).unwrap()).unwrap();
        f.validate(&decoded).unwrap();
    }
}

#[test]
fn key_package_grease_present_by_default() {
    let f = Fixture::ed25519();
    let kp = f.key_package();
    let caps = &kp.leaf_node.capabilities;
    assert_eq!(
        caps.cipher_suites.iter().filter(|s| s.is_grease()).count(),
        1
    );
    assert_eq!(caps.proposals.iter().filter(|p| p.is_grease()).count(), 1);
    assert_eq!(caps.credentials.iter().filter(|c| c.is_grease()).count(), 1);
    assert_eq!(caps.extensions.iter().filter(|e| e.is_grease()).count(), 2);
    let leaf_grease: Vec<_> = kp
        .leaf_node
        .extensions
        .iter()
        .filter(|e| e.extension_type.is_grease())
        .collect();
    let kp_grease: Vec<_> = kp
        .extensions
        .iter()
        .filter(|e| e.extension_type.is_grease())
        .collect();
    assert_eq!(leaf_grease.len(), 1);
    assert_eq!(kp_grease.len(), 1);
    assert!(caps.extensions.contains(&leaf_grease[0].extension_type));
    assert!(caps.extensions.contains(&kp_grease[0].extension_type));
    assert_ne!(leaf_grease[0].extension_type, kp_grease[0].extension_type);
    // ... and validation ignores it.
    f.validate(&kp).unwrap();
}

#[test]
fn key_package_grease_can_be_turned_off() {
    let f = Fixture::ed25519();
    let kp = f.build(KeyPackageBuilder::new().grease(false)).key_package;
    assert_eq!(
        kp.leaf_node.capabilities,
        default_capabilities(f.cs.cipher_suite())
    );
    assert!(kp.extensions.is_empty() && kp.leaf_node.extensions.is_empty());
    f.validate(&kp).unwrap();
}

#[test]
fn key_package_with_unknown_capabilities_and_extensions_validates() {
    let f = Fixture::ed25519();
    let caps = Capabilities {
        versions: vec![ProtocolVersion::MLS10, ProtocolVersion(0x7777)],
        cipher_suites: vec![CipherSuite(0x1234), CipherSuite(1), CipherSuite(0x5A5A)],
        extensions: vec![ExtensionType(0xff02), ExtensionType(0xff03)],
        proposals: vec![ProposalType(0xff01)],
        credentials: vec![CredentialType(0xff04), CredentialType::BASIC],
    };
    let kp = f
        .build(
            KeyPackageBuilder::new()
                .capabilities(caps)
                .leaf_extensions(vec![
                    Extension::new(ExtensionType(0xff02), vec![1, 2, 3]),
                    Extension::new(ExtensionType::APPLICATION_ID, vec![0]),
                ])
                .extensions(vec![Extension::new(ExtensionType(0xff03), vec![9])]),
        )
        .key_package;
    f.validate(&kp).unwrap();
}

#[test]
fn key_package_builder_options_are_applied() {
    let f = Fixture::ed25519();
    let lifetime = Lifetime {
        not_before: NOW - 10,
        not_after: NOW + 10,
    };
    let kp = f
        .build(KeyPackageBuilder::new().lifetime(lifetime).grease(false))
        .key_package;
    assert_eq!(kp.leaf_node.lifetime(), Some(&lifetime));
    f.validate(&kp).unwrap();
}

#[test]
fn key_package_builder_rejects_unlisted_extension() {
    let f = Fixture::ed25519();
    let err = KeyPackageBuilder::new()
        .extensions(vec![Extension::new(ExtensionType(0xff00), vec![])])
        .build(&*f.cs, &f.signer, Credential::basic("a"), &CLOCK)
        .unwrap_err();
    assert!(matches!(err, Error::Misuse(_)));
}

#[test]
fn key_package_ref_stable_across_encode_decode() {
    for s in [
        CipherSuite(1),
        CipherSuite(2),
        CipherSuite(5),
        CipherSuite(7),
    ] {
        let f = Fixture::new(s);
        let kp = f.key_package();
        let encoded = codec::encode(&kp).unwrap();
        let decoded: KeyPackage = codec::decode_exact(&encoded).unwrap();
        let r = key_package_ref(&*f.cs, &kp).unwrap();
        assert_eq!(r.len(), f.cs.hash_len());
        assert_eq!(key_package_ref(&*f.cs, &decoded).unwrap(), r);
        assert_eq!(key_package_ref_of_encoded(&*f.cs, &encoded).unwrap(), r);
        // Another KeyPackage has another reference.
        assert_ne!(key_package_ref(&*f.cs, &f.key_package()).unwrap(), r);
    }
}

#[test]
fn key_package_bundle_debug_redacts_private_keys() {
    let f = Fixture::ed25519();
    let bundle = f.build(KeyPackageBuilder::new());
    let shown = format!("{bundle:?}");
    assert!(shown.contains("<redacted>"));
    let init_hex: String = bundle
        .init_private_key
        .as_bytes()
        .iter()
        .map(|b| format!("{b}, "))
        .collect();
    assert!(!shown.contains(init_hex.trim_end_matches(", ")));
}

// --- one negative test per rule ---

#[test]
fn key_package_rejects_other_version() {
    let f = Fixture::ed25519();
    let mut kp = f.key_package();
    kp.version = ProtocolVersion(2);
    f.resign_outer(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::KeyPackageVersionMismatch {
            expected: 1,
            got: 2
        }
    );
}

#[test]
fn key_package_rejects_other_cipher_suite() {
    let f = Fixture::ed25519();
    let mut kp = f.key_package();
    kp.cipher_suite = CipherSuite(3);
    f.resign_outer(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::KeyPackageCipherSuiteMismatch {
            expected: 1,
            got: 3
        }
    );
}

#[test]
fn key_package_rejects_message_version_mismatch() {
    let f = Fixture::ed25519();
    let kp = f.key_package();
    let good = MlsMessage::new(MlsMessageBody::KeyPackage(kp.clone()));
    assert_eq!(key_package_from_message(&good).unwrap(), &kp);
    let bad = MlsMessage {
        version: ProtocolVersion(2),
        body: MlsMessageBody::KeyPackage(kp),
    };
    assert!(matches!(
        key_package_from_message(&bad),
        Err(Error::Protocol(
            ProtocolError::KeyPackageMessageVersionMismatch
        ))
    ));
}

#[test]
fn key_package_rejects_leaf_source_other_than_key_package() {
    let f = Fixture::ed25519();
    let mut kp = f.key_package();
    kp.leaf_node.leaf_node_source = LeafNodeSource::Update;
    f.resign_outer(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::UnexpectedLeafNodeSource
    );
}

#[test]
fn key_package_rejects_expired_and_future_lifetime() {
    let f = Fixture::ed25519();
    let kp = f.key_package();
    let g = group(f.cs.cipher_suite());
    let v = BasicIdentityValidator::new();
    for now in [NOW + 91 * 86400, NOW - 2 * 3600] {
        assert_eq!(
            protocol(validate_key_package(
                &*f.cs,
                &kp,
                &g,
                &[],
                &FixedClock(now),
                &v
            )),
            ProtocolError::LeafLifetimeInvalid
        );
    }
}

#[test]
fn key_package_rejects_capabilities_without_group_suite_or_version() {
    let f = Fixture::ed25519();
    let mut kp = f.key_package();
    kp.leaf_node
        .capabilities
        .cipher_suites
        .retain(|s| *s != CipherSuite(1));
    f.resign(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::LeafLacksSuiteOrVersion
    );

    let mut kp = f.key_package();
    kp.leaf_node.capabilities.versions = vec![ProtocolVersion(2)];
    f.resign(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::LeafLacksSuiteOrVersion
    );
}

#[test]
fn key_package_rejects_leaf_extension_not_in_capabilities() {
    let f = Fixture::ed25519();
    let mut kp = f.key_package();
    kp.leaf_node
        .extensions
        .push(Extension::new(ExtensionType(0xff10), vec![]));
    f.resign(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::LeafExtensionNotInCapabilities(0xff10)
    );
}

#[test]
fn key_package_rejects_extension_not_in_capabilities() {
    let f = Fixture::ed25519();
    let mut kp = f.key_package();
    kp.extensions
        .push(Extension::new(ExtensionType(0xff11), vec![]));
    f.resign_outer(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::KeyPackageExtensionNotInCapabilities(0xff11)
    );
}

#[test]
fn key_package_rejects_grease_extension_not_in_capabilities() {
    let f = Fixture::ed25519();
    let mut kp = f.key_package();
    let grease = kp
        .extensions
        .iter()
        .find(|e| e.extension_type.is_grease())
        .unwrap()
        .extension_type;
    kp.leaf_node
        .capabilities
        .extensions
        .retain(|t| *t != grease);
    f.resign(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::KeyPackageExtensionNotInCapabilities(grease.0)
    );
}

#[test]
fn key_package_rejects_duplicate_extension() {
    let f = Fixture::ed25519();
    let mut kp = f.build(KeyPackageBuilder::new().grease(false)).key_package;
    let ext = Extension::new(ExtensionType::APPLICATION_ID, vec![]);
    kp.extensions = vec![ext.clone(), ext];
    f.resign(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::DuplicateExtension(ExtensionType::APPLICATION_ID)
    );
}

#[test]
fn key_package_rejects_credential_type_not_in_capabilities() {
    let f = Fixture::ed25519();
    let mut kp = f.key_package();
    kp.leaf_node
        .capabilities
        .credentials
        .retain(|c| *c != CredentialType::BASIC);
    f.resign(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::LeafCredentialNotInCapabilities
    );
}

#[test]
fn key_package_rejects_missing_required_capability() {
    let f = Fixture::ed25519();
    let kp = f.key_package();
    let required = RequiredCapabilities {
        extension_types: vec![ExtensionType(0xff20)],
        ..Default::default()
    };
    let g = GroupRequirements {
        required: Some(&required),
        ..group(f.cs.cipher_suite())
    };
    assert_eq!(
        protocol(f.validate_in(&kp, &g)),
        ProtocolError::LeafLacksRequiredCapability
    );
}

#[test]
fn key_package_rejects_init_key_equal_to_encryption_key() {
    let f = Fixture::ed25519();
    let mut kp = f.key_package();
    kp.init_key = kp.leaf_node.encryption_key.clone();
    f.resign_outer(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::InitKeyEqualsEncryptionKey
    );
}

#[test]
fn key_package_rejects_bad_leaf_signature() {
    let f = Fixture::ed25519();
    let mut kp = f.key_package();
    // A field covered by the leaf signature changes; the outer signature is
    // made valid again.
    kp.leaf_node.leaf_node_source = LeafNodeSource::KeyPackage(Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    });
    f.resign_outer(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::InvalidKeyPackageLeafSignature
    );
}

#[test]
fn key_package_rejects_bad_signature() {
    for s in CipherSuite::RFC9420 {
        let f = Fixture::new(s);
        let mut kp = f.key_package();
        kp.init_key = VLBytes::new(f.cs.kem_generate().unwrap().1);
        assert_eq!(
            protocol(f.validate(&kp)),
            ProtocolError::InvalidKeyPackageSignature,
            "suite {s:?}"
        );
    }
}

#[test]
fn key_package_rejects_signature_by_another_key() {
    let f = Fixture::ed25519();
    let other = Fixture::ed25519();
    let mut kp = f.key_package();
    // The leaf claims the other key; signatures are by f's key.
    kp.leaf_node.signature_key = VLBytes::new({
        use conclave_core::crypto::Signer;
        other.signer.public_key().to_vec()
    });
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::InvalidKeyPackageLeafSignature
    );
}

#[test]
fn key_package_rejects_credential_refused_by_identity_validator() {
    let f = Fixture::ed25519();
    let kp = KeyPackageBuilder::new()
        .build(&*f.cs, &f.signer, Credential::basic(""), &CLOCK)
        .unwrap()
        .key_package;
    assert!(matches!(
        protocol(f.validate(&kp)),
        ProtocolError::CredentialRejected(_)
    ));
}

#[test]
fn key_package_rejects_init_key_of_wrong_length() {
    let f = Fixture::new(CipherSuite::P256_AES128GCM_SHA256_P256);
    let mut kp = f.key_package();
    let mut key = kp.init_key.as_slice().to_vec();
    key.pop();
    kp.init_key = VLBytes::new(key);
    f.resign_outer(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::KeyPackageInitKeyInvalid
    );
}

#[test]
fn key_package_rejects_encryption_key_of_wrong_length() {
    let f = Fixture::ed25519();
    let mut kp = f.key_package();
    kp.leaf_node.encryption_key = VLBytes::new(vec![7; 31]);
    f.resign(&mut kp);
    assert_eq!(
        protocol(f.validate(&kp)),
        ProtocolError::KeyPackageEncryptionKeyInvalid
    );
}

#[test]
fn key_package_rejects_leaf_lacking_group_context_extension() {
    let f = Fixture::ed25519();
    let kp = f
        .build(KeyPackageBuilder::new().capabilities(Capabilities {
            extensions: vec![ExtensionType(0xff30)],
            ..default_capabilities(f.cs.cipher_suite())
        }))
        .key_package;
    let g = group(f.cs.cipher_suite());
    let v = BasicIdentityValidator::new();
    // Default types need no listing; a listed type passes.
    let supported = [
        Extension::new(ExtensionType::EXTERNAL_SENDERS, vec![0]),
        Extension::new(ExtensionType(0xff30), vec![]),
    ];
    validate_key_package(&*f.cs, &kp, &g, &supported, &CLOCK, &v).unwrap();
    let unsupported = [Extension::new(ExtensionType(0xff31), vec![])];
    assert_eq!(
        protocol(validate_key_package(
            &*f.cs,
            &kp,
            &g,
            &unsupported,
            &CLOCK,
            &v
        )),
        ProtocolError::LeafLacksGroupContextExtension(0xff31)
    );
}
