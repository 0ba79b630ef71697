//! Welcome (RFC 9420 §12.4.3.1), bare (not in an MLSMessage): decoding never panics and every
//! accepted encoding is canonical.
#![no_main]

use conclave_core::wire::Welcome;
use conclave_fuzz::decode_canonical;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_canonical::<Welcome>(data);
});
