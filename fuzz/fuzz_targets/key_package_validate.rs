//! KeyPackage validation (RFC 9420 §10.1, §7.3): a canonically decoded
//! KeyPackage is validated as a suite-1, mls10 group would, with a fixed
//! clock; every rejection is an error, never a panic.
#![no_main]

use conclave_core::credential::BasicIdentityValidator;
use conclave_core::crypto::CipherSuite;
use conclave_core::key_package::{key_package_ref, validate_key_package};
use conclave_core::time::FixedClock;
use conclave_core::tree::validate::GroupRequirements;
use conclave_core::wire::{KeyPackage, ProtocolVersion};
use conclave_fuzz::{decode_canonical, suite1};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(kp) = decode_canonical::<KeyPackage>(data) else {
        return;
    };
    let cs = suite1();
    let group = GroupRequirements {
        cipher_suite: CipherSuite::X25519_AES128GCM_SHA256_ED25519,
        version: ProtocolVersion::MLS10,
        required: None,
    };
    let identity = BasicIdentityValidator::new();
    let _ = validate_key_package(
        cs.as_ref(),
        &kp,
        &group,
        &[],
        &FixedClock(1_700_000_000),
        &identity,
    );
    let _ = key_package_ref(cs.as_ref(), &kp);
});
