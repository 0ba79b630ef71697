//! Welcome sealing and opening (RFC 9420 §12.4.3.1): a round trip to several
//! new members, and each check a joiner makes failing on its own.

use std::sync::Arc;

use conclave_core::codec::{encode, VLBytes};
use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair, Signer,
};
use conclave_core::schedule::{
    check_joined_epoch, confirmation_tag, key_package_ref, open_group_info, open_group_secrets,
    sign_group_info, verify_group_info, EpochSecrets, InitSecret, JoinerSecret, PskSecret,
    WelcomeBuilder, WelcomeSecret,
};
use conclave_core::wire::{
    Capabilities, Credential, GroupContext, GroupInfo, GroupSecrets, KeyPackage, LeafNode,
    LeafNodeSource, Lifetime, ProtocolVersion, Welcome,
};
use conclave_core::{Error, ProtocolError};

const SUITE: CipherSuite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;

fn cs() -> Arc<dyn CipherSuiteProvider> {
    conclave_rustcrypto::RustCryptoProvider::new()
        .cipher_suite(SUITE)
        .unwrap()
}

fn protocol_error<T: core::fmt::Debug>(r: Result<T, Error>) -> ProtocolError {
    match r {
        Err(Error::Protocol(e)) => e,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

/// A KeyPackage with a fresh init key (its other fields only need to encode).
fn key_package(cs: &dyn CipherSuiteProvider, name: &[u8]) -> (KeyPackage, Secret) {
    let (init_priv, init_pub) = cs.kem_generate().unwrap();
    let (_, enc_pub) = cs.kem_generate().unwrap();
    let kp = KeyPackage {
        version: ProtocolVersion::MLS10,
        cipher_suite: SUITE,
        init_key: VLBytes::new(init_pub),
        leaf_node: LeafNode {
            encryption_key: VLBytes::new(enc_pub),
            signature_key: VLBytes::new(vec![1; 32]),
            credential: Credential::Basic {
                identity: VLBytes::new(name.to_vec()),
            },
            capabilities: Capabilities::default(),
            leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            }),
            extensions: Vec::new(),
            signature: VLBytes::new(vec![2; 64]),
        },
        extensions: Vec::new(),
        signature: VLBytes::new(vec![3; 64]),
    };
    (kp, init_priv)
}

struct Sent {
    welcome: Welcome,
    joiner: JoinerSecret,
    epoch: EpochSecrets,
    group_info: GroupInfo,
    signer: SignatureKeyPair,
}

/// What a committer does: run the key schedule, sign a GroupInfo with a
/// correct confirmation tag (unless `tag` overrides it), seal a Welcome.
fn send(cs: &Arc<dyn CipherSuiteProvider>, members: &[&KeyPackage], tag: Option<Vec<u8>>) -> Sent {
    let c = cs.as_ref();
    let context = GroupContext {
        version: ProtocolVersion::MLS10,
        cipher_suite: SUITE,
        group_id: VLBytes::new(b"group".to_vec()),
        epoch: 3,
        tree_hash: VLBytes::new(vec![4; 32]),
        confirmed_transcript_hash: VLBytes::new(vec![5; 32]),
        extensions: Vec::new(),
    };
    let encoded = encode(&context).unwrap();
    let joiner = InitSecret::new(Secret::new(vec![1; 32]))
        .joiner(c, &Secret::new(vec![2; 32]), &encoded)
        .unwrap();
    let member = joiner.clone().member(c, &PskSecret::zero(c)).unwrap();
    let welcome_secret: WelcomeSecret = member.welcome_secret(c).unwrap();
    let epoch = member.epoch(c, &encoded).unwrap().derive(c).unwrap();
    let tag =
        tag.unwrap_or_else(|| confirmation_tag(c, &epoch.confirmation_key, &[5; 32]).unwrap());
    let signer = SignatureKeyPair::generate(cs.clone()).unwrap();
    let mut group_info = GroupInfo {
        group_context: context,
        extensions: Vec::new(),
        confirmation_tag: VLBytes::new(tag),
        signer: 0,
        signature: VLBytes::new(Vec::new()),
    };
    sign_group_info(&signer, &mut group_info).unwrap();
    let secrets = GroupSecrets {
        joiner_secret: VLBytes::new(joiner.as_secret().as_bytes().to_vec()),
        path_secret: None,
        psks: Vec::new(),
    };
    let mut builder = WelcomeBuilder::new(c, &welcome_secret, &group_info).unwrap();
    for kp in members {
        builder.add_member(c, kp, &secrets).unwrap();
    }
    Sent {
        welcome: builder.finish(),
        joiner,
        epoch,
        group_info,
        signer,
    }
}

#[test]
fn every_new_member_joins_the_same_epoch() {
    let cs = cs();
    let c = cs.as_ref();
    let kps: Vec<_> = [b"a", b"b", b"c"]
        .iter()
        .map(|n| key_package(c, *n))
        .collect();
    let refs: Vec<&KeyPackage> = kps.iter().map(|(kp, _)| kp).collect();
    let sent = send(&cs, &refs, None);
    assert_eq!(sent.welcome.secrets.len(), 3);
    assert_eq!(sent.welcome.cipher_suite, SUITE);
    for (kp, init_priv) in &kps {
        let r = key_package_ref(c, kp).unwrap();
        let gs =
            open_group_secrets(c, &sent.welcome, &r, init_priv, kp.init_key.as_slice()).unwrap();
        assert_eq!(
            gs.joiner_secret.as_slice(),
            sent.joiner.as_secret().as_bytes()
        );
        let (gi, member) = open_group_info(
            c,
            &sent.welcome,
            JoinerSecret::new(Secret::from_slice(gs.joiner_secret.as_slice())),
            &PskSecret::zero(c),
        )
        .unwrap();
        assert_eq!(gi, sent.group_info);
        verify_group_info(c, &gi, sent.signer.public_key()).unwrap();
        let epoch = check_joined_epoch(c, member, &gi).unwrap();
        assert_eq!(epoch, sent.epoch);
    }
}

#[test]
fn key_package_ref_is_the_ref_hash_of_the_encoding() {
    let cs = cs();
    let c = cs.as_ref();
    let (a, _) = key_package(c, b"a");
    let (b, _) = key_package(c, b"b");
    let ra = key_package_ref(c, &a).unwrap();
    assert_eq!(ra.len(), 32);
    assert_ne!(ra, key_package_ref(c, &b).unwrap());
    assert_eq!(
        ra,
        conclave_core::crypto::ref_hash(c, b"MLS 1.0 KeyPackage Reference", &encode(&a).unwrap())
            .unwrap()
    );
}

#[test]
fn a_welcome_for_others_is_refused() {
    let cs = cs();
    let c = cs.as_ref();
    let (a, _) = key_package(c, b"a");
    let (b, b_priv) = key_package(c, b"b");
    let sent = send(&cs, &[&a], None);
    let rb = key_package_ref(c, &b).unwrap();
    assert_eq!(
        protocol_error(open_group_secrets(
            c,
            &sent.welcome,
            &rb,
            &b_priv,
            b.init_key.as_slice()
        )),
        ProtocolError::WelcomeNotForKeyPackage
    );
}

#[test]
fn group_secrets_for_another_init_key_do_not_decrypt() {
    let cs = cs();
    let c = cs.as_ref();
    let (a, _) = key_package(c, b"a");
    let (b, b_priv) = key_package(c, b"b");
    let sent = send(&cs, &[&a], None);
    let ra = key_package_ref(c, &a).unwrap();
    assert_eq!(
        protocol_error(open_group_secrets(
            c,
            &sent.welcome,
            &ra,
            &b_priv,
            b.init_key.as_slice()
        )),
        ProtocolError::GroupSecretsDecryptionFailed
    );
}

#[test]
fn group_secrets_are_bound_to_the_encrypted_group_info() {
    let cs = cs();
    let c = cs.as_ref();
    let (a, a_priv) = key_package(c, b"a");
    let mut sent = send(&cs, &[&a], None);
    let mut egi = sent.welcome.encrypted_group_info.as_slice().to_vec();
    egi[0] ^= 1;
    sent.welcome.encrypted_group_info = VLBytes::new(egi);
    let ra = key_package_ref(c, &a).unwrap();
    assert_eq!(
        protocol_error(open_group_secrets(
            c,
            &sent.welcome,
            &ra,
            &a_priv,
            a.init_key.as_slice()
        )),
        ProtocolError::GroupSecretsDecryptionFailed
    );
}

#[test]
fn a_wrong_joiner_secret_does_not_open_the_group_info() {
    let cs = cs();
    let c = cs.as_ref();
    let (a, _) = key_package(c, b"a");
    let sent = send(&cs, &[&a], None);
    assert_eq!(
        protocol_error(open_group_info(
            c,
            &sent.welcome,
            JoinerSecret::new(Secret::new(vec![9; 32])),
            &PskSecret::zero(c),
        )),
        ProtocolError::GroupInfoDecryptionFailed
    );
    // Nor does the right joiner secret with a PSK secret the sender did not use.
    assert_eq!(
        protocol_error(open_group_info(
            c,
            &sent.welcome,
            sent.joiner.clone(),
            &PskSecret::new(Secret::new(vec![1; 32])),
        )),
        ProtocolError::GroupInfoDecryptionFailed
    );
}

#[test]
fn a_group_info_signed_by_someone_else_is_refused() {
    let cs = cs();
    let c = cs.as_ref();
    let (a, _) = key_package(c, b"a");
    let sent = send(&cs, &[&a], None);
    let other = SignatureKeyPair::generate(cs.clone()).unwrap();
    assert_eq!(
        protocol_error(verify_group_info(c, &sent.group_info, other.public_key())),
        ProtocolError::InvalidGroupInfoSignature
    );
    let mut changed = sent.group_info.clone();
    changed.signer = 1;
    assert_eq!(
        protocol_error(verify_group_info(c, &changed, sent.signer.public_key())),
        ProtocolError::InvalidGroupInfoSignature
    );
}

#[test]
fn a_wrong_confirmation_tag_is_refused_on_join() {
    let cs = cs();
    let c = cs.as_ref();
    let (a, _) = key_package(c, b"a");
    let sent = send(&cs, &[&a], Some(vec![0; 32]));
    let (gi, member) =
        open_group_info(c, &sent.welcome, sent.joiner.clone(), &PskSecret::zero(c)).unwrap();
    // The signature is fine; only the tag is wrong.
    verify_group_info(c, &gi, sent.signer.public_key()).unwrap();
    assert_eq!(
        protocol_error(check_joined_epoch(c, member, &gi)),
        ProtocolError::ConfirmationTagMismatch
    );
}
