//! Reading the vectors' JSON: hex strings, numbers, optional fields.

use serde_json::Value;

/// A field of a case object, or an error naming it.
pub fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, String> {
    v.get(name).ok_or_else(|| format!("missing field `{name}`"))
}

/// A hex-encoded field as bytes.
pub fn bytes(v: &Value, name: &str) -> Result<Vec<u8>, String> {
    let s = field(v, name)?
        .as_str()
        .ok_or_else(|| format!("field `{name}` is not a string"))?;
    hex::decode(s).map_err(|e| format!("field `{name}` is not hex: {e}"))
}

/// A hex-encoded field that may be `null`.
pub fn opt_bytes(v: &Value, name: &str) -> Result<Option<Vec<u8>>, String> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => bytes(v, name).map(Some),
    }
}

/// An unsigned integer field.
pub fn uint(v: &Value, name: &str) -> Result<u64, String> {
    field(v, name)?
        .as_u64()
        .ok_or_else(|| format!("field `{name}` is not an unsigned integer"))
}

/// A string field.
pub fn string<'a>(v: &'a Value, name: &str) -> Result<&'a str, String> {
    field(v, name)?
        .as_str()
        .ok_or_else(|| format!("field `{name}` is not a string"))
}

/// An array field.
pub fn array<'a>(v: &'a Value, name: &str) -> Result<&'a Vec<Value>, String> {
    field(v, name)?
        .as_array()
        .ok_or_else(|| format!("field `{name}` is not an array"))
}

/// Compares an expected and actual value, naming what differs.
pub fn check_eq<T: PartialEq + core::fmt::Debug>(
    what: &str,
    expected: T,
    actual: T,
) -> Result<(), String> {
    if expected == actual {
        Ok(())
    } else {
        Err(format!("{what}: expected {expected:?}, got {actual:?}"))
    }
}

/// Compares byte strings, showing them as hex.
pub fn check_bytes(what: &str, expected: &[u8], actual: &[u8]) -> Result<(), String> {
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{what}: expected {}, got {}",
            hex::encode(expected),
            hex::encode(actual)
        ))
    }
}
