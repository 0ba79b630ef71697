//! `deserialization.json`: the variable-length vector header of RFC 9420 §2.1.2.

use conclave_core::codec::read_varint_length;
use serde_json::Value;

use super::CaseResult;
use crate::hexjson::{bytes, check_eq, uint};

/// Decodes the header and checks the length and that it consumed the header.
pub fn run(case: &Value) -> CaseResult {
    let header = bytes(case, "vlbytes_header")?;
    let length = uint(case, "length")?;
    let (value, used) = read_varint_length(&header).map_err(|e| e.to_string())?;
    check_eq("length", length, value as u64)?;
    check_eq("bytes consumed", header.len(), used)?;
    Ok(())
}
