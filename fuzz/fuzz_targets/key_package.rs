//! KeyPackage (RFC 9420 §10), bare (not in an MLSMessage): decoding never panics and every
//! accepted encoding is canonical.
#![no_main]

use conclave_core::wire::KeyPackage;
use conclave_fuzz::decode_canonical;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_canonical::<KeyPackage>(data);
});
