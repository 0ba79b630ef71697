//! `HPKECiphertext encrypted_path_secret<V>` of an UpdatePathNode (RFC 9420
//! §7.6), kept as its encoding.
//!
//! An UpdatePath in a sparse tree carries one HPKECiphertext per member
//! (5000 of them, 400 KB, in a group of 5000 after one add-everyone commit),
//! and a receiver opens exactly one (§7.5, §12.4.2). Decoded as a
//! `Vec<HpkeCiphertext>` that was two allocations per entry, made and freed
//! for every received commit. [`HpkeCiphertextList`] holds the vector's
//! bytes in one buffer: decoding checks the framing of every entry (two
//! `opaque<V>` with minimal length headers, §2.1.2) and counts them, so the
//! same inputs are accepted and rejected as by the derived decoder, and the
//! encoding is the received bytes unchanged. Entries are read on demand as
//! borrowed [`HpkeCiphertextRef`]s.
//!
//! The codec impls delegate to `VLBytes`/`VLByteSlice` (the wire form of `T x<V>` is the
//! same length header followed by the entries); the only hand-written part
//! is the scan of the entries.

use std::io::{Read, Write};

use tls_codec::{Deserialize, DeserializeBytes, Serialize, Size, VLByteSlice, VLBytes};

use super::HpkeCiphertext;

/// A borrowed HPKECiphertext of an [`HpkeCiphertextList`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HpkeCiphertextRef<'a> {
    /// The KEM encapsulation.
    pub kem_output: &'a [u8],
    /// The AEAD ciphertext.
    pub ciphertext: &'a [u8],
}

impl HpkeCiphertextRef<'_> {
    /// An owned copy.
    pub fn to_owned(self) -> HpkeCiphertext {
        HpkeCiphertext {
            kem_output: self.kem_output.to_vec().into(),
            ciphertext: self.ciphertext.to_vec().into(),
        }
    }
}

/// One `opaque x<V>` at the start of `bytes`: (its content, the rest).
fn vl_slice(bytes: &[u8]) -> Result<(&[u8], &[u8]), tls_codec::Error> {
    let mut reader = bytes;
    let (len, header) = tls_codec::vlen::read_length(&mut reader)?;
    let end = header
        .checked_add(len)
        .ok_or(tls_codec::Error::InvalidVectorLength)?;
    let content = bytes
        .get(header..end)
        .ok_or(tls_codec::Error::EndOfStream)?;
    let rest = bytes.get(end..).ok_or(tls_codec::Error::EndOfStream)?;
    Ok((content, rest))
}

/// The first HPKECiphertext of `bytes` and the rest.
fn next_entry(bytes: &[u8]) -> Result<(HpkeCiphertextRef<'_>, &[u8]), tls_codec::Error> {
    let (kem_output, rest) = vl_slice(bytes)?;
    let (ciphertext, rest) = vl_slice(rest)?;
    Ok((
        HpkeCiphertextRef {
            kem_output,
            ciphertext,
        },
        rest,
    ))
}

/// The number of well-formed entries filling `bytes`, or the framing error.
fn count_entries(mut bytes: &[u8]) -> Result<usize, tls_codec::Error> {
    let mut count = 0usize;
    while !bytes.is_empty() {
        bytes = next_entry(bytes)?.1;
        count += 1;
    }
    Ok(count)
}

/// `HPKECiphertext x<V>`, stored as its encoding (see the module docs).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HpkeCiphertextList {
    /// The entries, encoded back to back (the vector without its header).
    encoded: Vec<u8>,
    /// How many entries `encoded` holds.
    len: usize,
}

impl core::fmt::Debug for HpkeCiphertextList {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HpkeCiphertextList")
            .field("len", &self.len)
            .field("bytes", &self.encoded.len())
            .finish()
    }
}

impl HpkeCiphertextList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of ciphertexts.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ciphertexts in order.
    pub fn iter(&self) -> impl Iterator<Item = HpkeCiphertextRef<'_>> + '_ {
        let mut rest = self.encoded.as_slice();
        core::iter::from_fn(move || {
            let (entry, next) = next_entry(rest).ok()?;
            rest = next;
            Some(entry)
        })
    }

    /// The ciphertext at `index` (found by skipping the ones before it).
    pub fn get(&self, index: usize) -> Option<HpkeCiphertextRef<'_>> {
        self.iter().nth(index)
    }

    /// Appends a ciphertext.
    pub fn push(&mut self, ciphertext: &HpkeCiphertext) -> Result<(), tls_codec::Error> {
        ciphertext.tls_serialize(&mut self.encoded)?;
        self.len += 1;
        Ok(())
    }
}

impl TryFrom<&[HpkeCiphertext]> for HpkeCiphertextList {
    type Error = tls_codec::Error;

    fn try_from(entries: &[HpkeCiphertext]) -> Result<Self, Self::Error> {
        let mut bytes = Vec::with_capacity(entries.iter().map(Size::tls_serialized_len).sum());
        for e in entries {
            e.tls_serialize(&mut bytes)?;
        }
        Ok(Self {
            encoded: bytes,
            len: entries.len(),
        })
    }
}

impl Size for HpkeCiphertextList {
    fn tls_serialized_len(&self) -> usize {
        VLByteSlice(&self.encoded).tls_serialized_len()
    }
}

impl Serialize for HpkeCiphertextList {
    fn tls_serialize<W: Write>(&self, writer: &mut W) -> Result<usize, tls_codec::Error> {
        VLByteSlice(&self.encoded).tls_serialize(writer)
    }
}

impl Deserialize for HpkeCiphertextList {
    fn tls_deserialize<R: Read>(bytes: &mut R) -> Result<Self, tls_codec::Error> {
        let encoded = Vec::from(VLBytes::tls_deserialize(bytes)?);
        let len = count_entries(&encoded)?;
        Ok(Self { encoded, len })
    }
}

impl DeserializeBytes for HpkeCiphertextList {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (encoded, rest) = VLBytes::tls_deserialize_bytes(bytes)?;
        let encoded = Vec::from(encoded);
        let len = count_entries(&encoded)?;
        Ok((Self { encoded, len }, rest))
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for HpkeCiphertextList {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let entries = Vec::<HpkeCiphertext>::arbitrary(u)?;
        Self::try_from(entries.as_slice()).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_exact, encode};

    fn ct(k: &[u8], c: &[u8]) -> HpkeCiphertext {
        HpkeCiphertext {
            kem_output: k.to_vec().into(),
            ciphertext: c.to_vec().into(),
        }
    }

    #[test]
    fn encodes_and_decodes_as_a_vector_of_ciphertexts() {
        let entries = vec![ct(b"k1", b"c1"), ct(&[7; 70], &[]), ct(&[], &[9; 300])];
        let list = HpkeCiphertextList::try_from(entries.as_slice()).unwrap();
        let bytes = encode(&list).unwrap();
        assert_eq!(bytes, encode(&entries).unwrap());
        let back: HpkeCiphertextList = decode_exact(&bytes).unwrap();
        assert_eq!(back, list);
        assert_eq!(back.len(), 3);
        let owned: Vec<HpkeCiphertext> = back.iter().map(HpkeCiphertextRef::to_owned).collect();
        assert_eq!(owned, entries);
        assert_eq!(back.get(1).unwrap().kem_output, &[7; 70]);
        assert_eq!(back.get(3), None);
        let mut pushed = HpkeCiphertextList::new();
        for e in &entries {
            pushed.push(e).unwrap();
        }
        assert_eq!(pushed, list);
        // The io::Read decoder agrees.
        let read = HpkeCiphertextList::tls_deserialize(&mut bytes.as_slice()).unwrap();
        assert_eq!(read, list);
    }

    #[test]
    fn malformed_entries_are_rejected_as_by_the_vector_decoder() {
        let good = encode(&vec![ct(b"k", b"c")]).unwrap(); // [4, 1, k, 1, c]
        let cases: [&[u8]; 4] = [
            // An entry cut short: the second field is missing.
            &[2, 1, b'k'],
            // An entry's length runs past the vector.
            &[4, 1, b'k', 5, b'c'],
            // A non-minimal length header inside an entry (1 in two bytes).
            &[6, 0x40, 1, b'k', 1, b'c', 0],
            // The 0b11 length prefix.
            &[2, 0xC0, 0],
        ];
        for bad in cases {
            assert!(decode_exact::<HpkeCiphertextList>(bad).is_err(), "{bad:?}");
            assert!(decode_exact::<Vec<HpkeCiphertext>>(bad).is_err(), "{bad:?}");
        }
        assert!(decode_exact::<HpkeCiphertextList>(&good).is_ok());
    }
}
