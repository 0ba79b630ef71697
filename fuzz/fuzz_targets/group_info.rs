//! GroupInfo (RFC 9420 §12.4.3), bare (not in an MLSMessage): decoding never panics and every
//! accepted encoding is canonical.
#![no_main]

use conclave_core::wire::GroupInfo;
use conclave_fuzz::decode_canonical;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_canonical::<GroupInfo>(data);
});
