//! Opening a Welcome (RFC 9420 §12.4.3.1) with a real KeyPackage and its
//! init private key (the suite-1 case of the official `welcome.json`):
//! finding our entry, HPKE-opening the GroupSecrets, decrypting the
//! GroupInfo, the confirmation tag and the GroupInfo signature.
//!
//! The first input byte picks a mode:
//! - even: the rest is a Welcome, decoded canonically and opened (the
//!   vector's own Welcome is a seed, so mutations of a Welcome that opens
//!   reach every step).
//! - odd: the rest starts with a GroupSecrets then a GroupInfo; the target
//!   seals them into a Welcome for the KeyPackage (joiner secret from the
//!   GroupSecrets, no PSKs), encodes and decodes it, and opens it again:
//!   both must come back exactly.
#![no_main]

use std::sync::OnceLock;

use conclave_core::codec::{encode, DeserializeBytes};
use conclave_core::crypto::Secret;
use conclave_core::key_package::{key_package_from_message, key_package_ref};
use conclave_core::schedule::{
    check_joined_epoch, open_group_info, open_group_secrets, verify_group_info, JoinerSecret,
    PskSecret, WelcomeBuilder,
};
use conclave_core::wire::{GroupInfo, GroupSecrets, KeyPackage, MlsMessage, Welcome};
use conclave_fuzz::{decode_canonical, suite1, welcome_vector};
use libfuzzer_sys::fuzz_target;

struct Joiner {
    key_package: KeyPackage,
    key_package_ref: Vec<u8>,
    init_private: Secret,
    signer_pub: Vec<u8>,
}

fn joiner() -> &'static Joiner {
    static JOINER: OnceLock<Joiner> = OnceLock::new();
    JOINER.get_or_init(|| {
        let bytes = hex::decode(welcome_vector::KEY_PACKAGE).expect("vector hex");
        let message: MlsMessage = decode_canonical(&bytes).expect("the vector's KeyPackage");
        let key_package = key_package_from_message(&message)
            .expect("a KeyPackage message")
            .clone();
        let cs = suite1();
        Joiner {
            key_package_ref: key_package_ref(cs.as_ref(), &key_package).expect("a reference"),
            key_package,
            init_private: Secret::new(hex::decode(welcome_vector::INIT_PRIV).expect("vector hex")),
            signer_pub: hex::decode(welcome_vector::SIGNER_PUB).expect("vector hex"),
        }
    })
}

/// Opens `welcome` as far as it goes; returns what was opened.
fn open(welcome: &Welcome) -> (Option<GroupSecrets>, Option<GroupInfo>) {
    let cs = suite1();
    let j = joiner();
    let Ok(secrets) = open_group_secrets(
        cs.as_ref(),
        welcome,
        &j.key_package_ref,
        &j.init_private,
        j.key_package.init_key.as_slice(),
    ) else {
        return (None, None);
    };
    if !secrets.psks.is_empty() {
        return (Some(secrets), None);
    }
    let joiner_secret = JoinerSecret::new(Secret::from_slice(secrets.joiner_secret.as_slice()));
    let Ok((group_info, member)) = open_group_info(
        cs.as_ref(),
        welcome,
        joiner_secret,
        &PskSecret::zero(cs.as_ref()),
    ) else {
        return (Some(secrets), None);
    };
    let _ = verify_group_info(cs.as_ref(), &group_info, &j.signer_pub);
    let _ = check_joined_epoch(cs.as_ref(), member, &group_info);
    (Some(secrets), Some(group_info))
}

fn structured(bytes: &[u8]) {
    let Ok((secrets, rest)) = GroupSecrets::tls_deserialize_bytes(bytes) else {
        return;
    };
    let Ok((group_info, _)) = GroupInfo::tls_deserialize_bytes(rest) else {
        return;
    };
    let cs = suite1();
    let j = joiner();
    let joiner_secret = JoinerSecret::new(Secret::from_slice(secrets.joiner_secret.as_slice()));
    let Ok(member) = joiner_secret.member(cs.as_ref(), &PskSecret::zero(cs.as_ref())) else {
        return;
    };
    let Ok(welcome_secret) = member.welcome_secret(cs.as_ref()) else {
        return;
    };
    let mut builder =
        WelcomeBuilder::new(cs.as_ref(), &welcome_secret, &group_info).expect("sealing works");
    builder
        .add_member(cs.as_ref(), &j.key_package, &secrets)
        .expect("sealing to the vector's init key works");
    let bytes = encode(&builder.finish()).expect("a Welcome encodes");
    let welcome: Welcome = decode_canonical(&bytes).expect("our Welcome decodes");
    let (opened_secrets, opened_info) = open(&welcome);
    assert!(
        opened_secrets.as_ref() == Some(&secrets),
        "GroupSecrets changed"
    );
    if secrets.psks.is_empty() {
        assert_eq!(opened_info.as_ref(), Some(&group_info), "GroupInfo changed");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        if let Some(welcome) = decode_canonical::<Welcome>(rest) {
            let _ = open(&welcome);
        }
    } else {
        structured(rest);
    }
});
