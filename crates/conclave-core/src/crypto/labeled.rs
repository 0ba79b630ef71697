//! The labeled operations of RFC 9420 §5.2, §5.1.3, §5.1.2 and §8: every
//! derivation, signature and public-key encryption in MLS goes through one of
//! these, so each label gets its `"MLS 1.0 "` prefix in exactly one place.

use super::hpke::HpkeInfo;
use super::{CipherSuiteProvider, CryptoError, Secret, Signer};
use crate::codec::{Serialize, TlsSerialize, TlsSize, VLByteSlice};

/// The prefix every MLS label carries (RFC 9420 §5.1.2, §5.1.3, §5.2, §8).
pub const LABEL_PREFIX: &[u8] = b"MLS 1.0 ";

fn prefixed(label: &str) -> Vec<u8> {
    let mut full = Vec::with_capacity(LABEL_PREFIX.len() + label.len());
    full.extend_from_slice(LABEL_PREFIX);
    full.extend_from_slice(label.as_bytes());
    full
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CryptoError> {
    value
        .tls_serialize_detached()
        .map_err(|_| CryptoError::InvalidLength("labeled input"))
}

/// ```text
/// struct {
///   opaque label<V>;
///   opaque value<V>;
/// } RefHashInput;
/// ```
#[derive(TlsSerialize, TlsSize)]
struct RefHashInput<'a> {
    label: VLByteSlice<'a>,
    value: VLByteSlice<'a>,
}

/// ```text
/// struct {
///   uint16 length;
///   opaque label<V>;
///   opaque context<V>;
/// } KDFLabel;
/// ```
#[derive(TlsSerialize, TlsSize)]
struct KdfLabel<'a> {
    length: u16,
    label: VLByteSlice<'a>,
    context: VLByteSlice<'a>,
}

/// ```text
/// struct {
///   opaque label<V>;
///   opaque content<V>;
/// } SignContent;
/// ```
#[derive(TlsSerialize, TlsSize)]
struct SignContent<'a> {
    label: VLByteSlice<'a>,
    content: VLByteSlice<'a>,
}

/// ```text
/// struct {
///   opaque label<V>;
///   opaque context<V>;
/// } EncryptContext;
/// ```
#[derive(TlsSerialize, TlsSize)]
struct EncryptContext<'a> {
    label: VLByteSlice<'a>,
    context: VLByteSlice<'a>,
}

/// `RefHash(label, value) = Hash(RefHashInput)` (§5.2). The label is used
/// verbatim: callers pass the full label, e.g. `"MLS 1.0 KeyPackage Reference"`.
pub fn ref_hash(
    cs: &dyn CipherSuiteProvider,
    label: &[u8],
    value: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let input = encode(&RefHashInput {
        label: VLByteSlice(label),
        value: VLByteSlice(value),
    })?;
    Ok(cs.hash(&input))
}

/// `ExpandWithLabel(secret, label, context, length)` (§8).
pub fn expand_with_label(
    cs: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &str,
    context: &[u8],
    length: usize,
) -> Result<Secret, CryptoError> {
    let length16 =
        u16::try_from(length).map_err(|_| CryptoError::InvalidLength("ExpandWithLabel"))?;
    let full = prefixed(label);
    let info = encode(&KdfLabel {
        length: length16,
        label: VLByteSlice(&full),
        context: VLByteSlice(context),
    })?;
    cs.kdf_expand(secret, &info, length)
}

/// `DeriveSecret(secret, label) = ExpandWithLabel(secret, label, "", Nh)` (§8).
pub fn derive_secret(
    cs: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &str,
) -> Result<Secret, CryptoError> {
    expand_with_label(cs, secret, label, &[], cs.hash_len())
}

/// `DeriveTreeSecret(secret, label, generation, length)` (§9): ExpandWithLabel
/// with the context `uint32 generation`.
pub fn derive_tree_secret(
    cs: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &str,
    generation: u32,
    length: usize,
) -> Result<Secret, CryptoError> {
    expand_with_label(cs, secret, label, &generation.to_be_bytes(), length)
}

fn sign_content(label: &str, content: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let full = prefixed(label);
    encode(&SignContent {
        label: VLByteSlice(&full),
        content: VLByteSlice(content),
    })
}

/// `SignWithLabel(key, label, content)` (§5.1.2).
pub fn sign_with_label(
    signer: &dyn Signer,
    label: &str,
    content: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    signer.sign(&sign_content(label, content)?)
}

/// `VerifyWithLabel(key, label, content, signature)` (§5.1.2).
pub fn verify_with_label(
    cs: &dyn CipherSuiteProvider,
    public_key: &[u8],
    label: &str,
    content: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    cs.verify(public_key, &sign_content(label, content)?, signature)
}

/// `VerifyWithLabel(key, label, content, signature)` (§5.1.2) with `content`
/// given as consecutive pieces (e.g. a received message's bytes and a
/// GroupContext encoded apart), verified without joining them.
pub fn verify_with_label_parts(
    cs: &dyn CipherSuiteProvider,
    public_key: &[u8],
    label: &str,
    content: &[&[u8]],
    signature: &[u8],
) -> Result<(), CryptoError> {
    // SignContent = label<V> || content<V>: everything before the content
    // bytes is this small prefix.
    let full = prefixed(label);
    let len: usize = content.iter().map(|c| c.len()).sum();
    let mut prefix = encode(&VLByteSlice(&full))?;
    prefix.extend_from_slice(&varint_header(len)?);
    let mut parts: Vec<&[u8]> = Vec::with_capacity(content.len() + 1);
    parts.push(&prefix);
    parts.extend_from_slice(content);
    cs.verify_parts(public_key, &parts, signature)
}

/// The length header of an `opaque x<V>` of `len` bytes (§2.1.2).
fn varint_header(len: usize) -> Result<Vec<u8>, CryptoError> {
    let bad = CryptoError::InvalidLength("vector length");
    let len = u32::try_from(len).map_err(|_| bad.clone())?;
    let [b0, b1, b2, b3] = len.to_be_bytes();
    Ok(match len {
        0..=0x3f => vec![b3],
        0x40..=0x3fff => vec![0x40 | b2, b3],
        0x4000..=0x3fff_ffff => vec![0x80 | b0, b1, b2, b3],
        _ => return Err(bad),
    })
}

/// The encoded `SignContent` for `label` and `content`, for callers that
/// verify many signatures in one batch.
pub fn signed_message(label: &str, content: &[u8]) -> Result<Vec<u8>, CryptoError> {
    sign_content(label, content)
}

/// The HPKE `info` of EncryptWithLabel, prepared once for any number of
/// recipients (§5.1.3).
pub fn encrypt_context(
    cs: &dyn CipherSuiteProvider,
    label: &str,
    context: &[u8],
) -> Result<HpkeInfo, CryptoError> {
    let full = prefixed(label);
    let info = encode(&EncryptContext {
        label: VLByteSlice(&full),
        context: VLByteSlice(context),
    })?;
    HpkeInfo::new(cs, &info)
}

/// `EncryptWithLabel(public_key, label, context, plaintext)` (§5.1.3): returns
/// (`kem_output`, `ciphertext`).
pub fn encrypt_with_label(
    cs: &dyn CipherSuiteProvider,
    public_key: &[u8],
    label: &str,
    context: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    encrypt_context(cs, label, context)?.seal(cs, public_key, &[], plaintext)
}

/// `DecryptWithLabel(private_key, label, context, kem_output, ciphertext)` (§5.1.3).
/// `public_key` is the recipient's own public key.
pub fn decrypt_with_label(
    cs: &dyn CipherSuiteProvider,
    private_key: &[u8],
    public_key: &[u8],
    label: &str,
    context: &[u8],
    kem_output: &[u8],
    ciphertext: &[u8],
) -> Result<Secret, CryptoError> {
    encrypt_context(cs, label, context)?
        .open(cs, kem_output, private_key, public_key, &[], ciphertext)
        .map(Secret::new)
}
