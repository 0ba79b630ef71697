//! The TLS presentation language as MLS uses it (RFC 9420 §2.1).
//!
//! Encoding and decoding are derived with [`tls_codec`] (built with its `mls`
//! feature), which implements the variable-length vector headers of §2.1.2:
//! 1-, 2- and 4-byte varint lengths, the `0b11` prefix rejected, non-minimal
//! lengths rejected as malformed, and lengths capped at 2^30 - 1. Vectors are read
//! element by element from the input, so a length read from the wire never
//! causes an allocation larger than the input itself.
//!
//! This module adds what the derive does not give: decoding that must consume
//! the whole input ([`decode_exact`]), and the error type of malformed input.

pub use tls_codec::{
    Deserialize, DeserializeBytes, Serialize, SerializeBytes, Size, TlsDeserialize,
    TlsDeserializeBytes, TlsSerialize, TlsSize, VLByteSlice, VLBytes,
};

/// Input that does not decode as the structure expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode {what}: {reason}")]
pub struct DecodeError {
    /// The structure being decoded.
    pub what: &'static str,
    /// Why decoding failed.
    pub reason: String,
}

impl DecodeError {
    /// A decode error for `what`, with the codec's reason.
    pub fn new(what: &'static str, reason: impl core::fmt::Display) -> Self {
        Self {
            what,
            reason: reason.to_string(),
        }
    }
}

/// Decodes `bytes` as a `T`, requiring that every byte is consumed.
pub fn decode_exact<T: DeserializeBytes>(bytes: &[u8]) -> Result<T, DecodeError> {
    let (value, rest) = T::tls_deserialize_bytes(bytes)
        .map_err(|e| DecodeError::new(core::any::type_name::<T>(), e))?;
    if !rest.is_empty() {
        return Err(DecodeError::new(
            core::any::type_name::<T>(),
            format!("{} trailing bytes after the value", rest.len()),
        ));
    }
    Ok(value)
}

/// Encodes `value` into a new vector.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, crate::Error> {
    value
        .tls_serialize_detached()
        .map_err(|_| crate::Error::Internal("a value could not be encoded"))
}

/// Whether a 16-bit registry value is a GREASE value (RFC 9420 §13.5): both
/// bytes of the form `0x?A`, e.g. `0x0A0A`, `0x1A1A`, ..., `0xEAEA`.
pub fn is_grease(value: u16) -> bool {
    let [hi, lo] = value.to_be_bytes();
    hi == lo && hi & 0x0F == 0x0A && hi != 0xFA
}

/// Reads a variable-length vector header (§2.1.2) at the start of `bytes`:
/// returns the vector's length and the number of header bytes read. The
/// `0b11` prefix and non-minimal encodings are rejected as malformed.
pub fn read_varint_length(bytes: &[u8]) -> Result<(usize, usize), DecodeError> {
    let mut reader = bytes;
    tls_codec::vlen::read_length(&mut reader)
        .map_err(|e| DecodeError::new("variable-length vector header", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_examples_of_the_rfc() {
        assert_eq!(
            read_varint_length(&[0x9d, 0x7f, 0x3e, 0x7d]),
            Ok((494878333, 4))
        );
        assert_eq!(read_varint_length(&[0x7b, 0xbd]), Ok((15293, 2)));
        assert_eq!(read_varint_length(&[0x25]), Ok((37, 1)));
    }

    #[test]
    fn varint_prefix_0b11_is_rejected() {
        for first in [0xC0u8, 0xFF] {
            let input = [first, 0, 0, 0, 0, 0, 0, 1];
            assert!(read_varint_length(&input).is_err(), "{first:#x}");
        }
    }

    #[test]
    fn non_minimal_varints_are_rejected() {
        // 37 in two bytes, 15293 in four bytes, 0 in two and four bytes.
        for input in [
            &[0x40, 0x25][..],
            &[0x80, 0x00, 0x3b, 0xbd],
            &[0x40, 0x00],
            &[0x80, 0x00, 0x00, 0x00],
        ] {
            assert!(read_varint_length(input).is_err(), "{input:02x?}");
        }
    }

    #[test]
    fn truncated_header_is_rejected() {
        assert!(read_varint_length(&[]).is_err());
        assert!(read_varint_length(&[0x40]).is_err());
        assert!(read_varint_length(&[0x80, 0, 0]).is_err());
    }

    #[test]
    fn vector_must_hold_its_declared_length() {
        // opaque<V> declaring 5 bytes with only 2 present.
        assert!(decode_exact::<VLBytes>(&[0x05, 1, 2]).is_err());
        // Trailing data after a complete value.
        assert!(decode_exact::<VLBytes>(&[0x01, 1, 2]).is_err());
        assert_eq!(
            decode_exact::<VLBytes>(&[0x02, 1, 2]).map(|v| v.as_slice().to_vec()),
            Ok(vec![1, 2])
        );
    }

    #[test]
    fn grease_values() {
        assert!(is_grease(0x0A0A));
        assert!(is_grease(0xEAEA));
        assert!(!is_grease(0xFAFA));
        assert!(!is_grease(0x0001));
        assert!(!is_grease(0x0A1A));
    }
}
