//! MLSMessage (RFC 9420 §6), all five wire formats: decoding never panics and
//! every accepted encoding is canonical.
#![no_main]

use conclave_core::wire::MlsMessage;
use conclave_fuzz::decode_canonical;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_canonical::<MlsMessage>(data);
});
