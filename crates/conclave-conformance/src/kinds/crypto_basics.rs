//! `crypto-basics.json`: the labeled operations of RFC 9420 §5.2 (RefHash),
//! §8 (ExpandWithLabel, DeriveSecret), §9 (DeriveTreeSecret), §5.1.2
//! (SignWithLabel/VerifyWithLabel) and §5.1.3 (EncryptWithLabel /
//! DecryptWithLabel), one case per ciphersuite. The labels in the file lack
//! the `"MLS 1.0 "` prefix, which core adds; RefHash's label is used verbatim.

use std::sync::Arc;

use conclave_core::crypto::{
    decrypt_with_label, derive_secret, derive_tree_secret, encrypt_with_label, expand_with_label,
    ref_hash, sign_with_label, verify_with_label, CipherSuiteProvider, CryptoProvider, Secret,
    SignatureKeyPair,
};
use serde_json::Value;

use super::{suite_of, CaseResult};
use crate::hexjson::{bytes, check_bytes, field, string, uint};

/// Runs every check of the case (README §2.2).
pub fn run(case: &Value, provider: &dyn CryptoProvider) -> CaseResult {
    let cs = suite_of(case, provider)?;
    let cs_ref = cs.as_ref();
    check_ref_hash(cs_ref, field(case, "ref_hash")?)?;
    check_expand_with_label(cs_ref, field(case, "expand_with_label")?)?;
    check_derive_secret(cs_ref, field(case, "derive_secret")?)?;
    check_derive_tree_secret(cs_ref, field(case, "derive_tree_secret")?)?;
    check_sign_with_label(&cs, field(case, "sign_with_label")?)?;
    check_encrypt_with_label(cs_ref, field(case, "encrypt_with_label")?)?;
    Ok(())
}

fn len_field(v: &Value, name: &str) -> Result<usize, String> {
    usize::try_from(uint(v, name)?).map_err(|_| format!("field `{name}` is too large"))
}

/// Step 1: `RefHash(label, value) == out`.
fn check_ref_hash(cs: &dyn CipherSuiteProvider, v: &Value) -> Result<(), String> {
    let label = string(v, "label")?;
    let out =
        ref_hash(cs, label.as_bytes(), &bytes(v, "value")?).map_err(|e| format!("RefHash: {e}"))?;
    check_bytes("RefHash", &bytes(v, "out")?, &out)
}

/// Step 2: `ExpandWithLabel(secret, label, context, length) == out`.
fn check_expand_with_label(cs: &dyn CipherSuiteProvider, v: &Value) -> Result<(), String> {
    let out = expand_with_label(
        cs,
        &bytes(v, "secret")?,
        string(v, "label")?,
        &bytes(v, "context")?,
        len_field(v, "length")?,
    )
    .map_err(|e| format!("ExpandWithLabel: {e}"))?;
    check_bytes("ExpandWithLabel", &bytes(v, "out")?, out.as_bytes())
}

/// Step 3: `DeriveSecret(secret, label) == out`.
fn check_derive_secret(cs: &dyn CipherSuiteProvider, v: &Value) -> Result<(), String> {
    let out = derive_secret(cs, &bytes(v, "secret")?, string(v, "label")?)
        .map_err(|e| format!("DeriveSecret: {e}"))?;
    check_bytes("DeriveSecret", &bytes(v, "out")?, out.as_bytes())
}

/// Step 4: `DeriveTreeSecret(secret, label, generation, length) == out`.
fn check_derive_tree_secret(cs: &dyn CipherSuiteProvider, v: &Value) -> Result<(), String> {
    let generation = u32::try_from(uint(v, "generation")?)
        .map_err(|_| "field `generation` is not a uint32".to_string())?;
    let out = derive_tree_secret(
        cs,
        &bytes(v, "secret")?,
        string(v, "label")?,
        generation,
        len_field(v, "length")?,
    )
    .map_err(|e| format!("DeriveTreeSecret: {e}"))?;
    check_bytes("DeriveTreeSecret", &bytes(v, "out")?, out.as_bytes())
}

/// Step 5: the given signature verifies; a fresh signature with `priv` verifies
/// (ECDSA is randomized in general, so signatures are not compared); both
/// are rejected over other content.
fn check_sign_with_label(cs: &Arc<dyn CipherSuiteProvider>, v: &Value) -> Result<(), String> {
    let (label, content) = (string(v, "label")?, bytes(v, "content")?);
    let (public, signature) = (bytes(v, "pub")?, bytes(v, "signature")?);
    verify_with_label(cs.as_ref(), &public, label, &content, &signature)
        .map_err(|e| format!("VerifyWithLabel of the given signature: {e}"))?;
    let mut other = content.clone();
    other.push(0);
    if verify_with_label(cs.as_ref(), &public, label, &other, &signature).is_ok() {
        return Err("VerifyWithLabel accepted the signature over other content".into());
    }
    let signer = SignatureKeyPair::from_private(Arc::clone(cs), Secret::new(bytes(v, "priv")?))
        .map_err(|e| format!("signature private key: {e}"))?;
    check_bytes(
        "signature public key of `priv`",
        &public,
        conclave_core::crypto::Signer::public_key(&signer),
    )?;
    let fresh =
        sign_with_label(&signer, label, &content).map_err(|e| format!("SignWithLabel: {e}"))?;
    verify_with_label(cs.as_ref(), &public, label, &content, &fresh)
        .map_err(|e| format!("VerifyWithLabel of a fresh signature: {e}"))?;
    if verify_with_label(cs.as_ref(), &public, "Other", &content, &fresh).is_ok() {
        return Err("VerifyWithLabel accepted a fresh signature under another label".into());
    }
    Ok(())
}

/// Step 6: DecryptWithLabel of the given output gives `plaintext`; a fresh
/// EncryptWithLabel to `pub` decrypts back (a round trip).
fn check_encrypt_with_label(cs: &dyn CipherSuiteProvider, v: &Value) -> Result<(), String> {
    let (label, context) = (string(v, "label")?, bytes(v, "context")?);
    let (private, public) = (bytes(v, "priv")?, bytes(v, "pub")?);
    let plaintext = bytes(v, "plaintext")?;
    let opened = decrypt_with_label(
        cs,
        &private,
        &public,
        label,
        &context,
        &bytes(v, "kem_output")?,
        &bytes(v, "ciphertext")?,
    )
    .map_err(|e| format!("DecryptWithLabel of the given ciphertext: {e}"))?;
    check_bytes("DecryptWithLabel", &plaintext, opened.as_bytes())?;
    let derived = cs
        .kem_public_key(&private)
        .map_err(|e| format!("HPKE private key: {e}"))?;
    check_bytes("HPKE public key of `priv`", &public, &derived)?;
    let (kem_output, ciphertext) = encrypt_with_label(cs, &public, label, &context, &plaintext)
        .map_err(|e| format!("EncryptWithLabel: {e}"))?;
    let again = decrypt_with_label(
        cs,
        &private,
        &public,
        label,
        &context,
        &kem_output,
        &ciphertext,
    )
    .map_err(|e| format!("DecryptWithLabel of a fresh ciphertext: {e}"))?;
    check_bytes("EncryptWithLabel round trip", &plaintext, again.as_bytes())?;
    if decrypt_with_label(
        cs,
        &private,
        &public,
        "Other",
        &context,
        &kem_output,
        &ciphertext,
    )
    .is_ok()
    {
        return Err("DecryptWithLabel accepted a ciphertext under another label".into());
    }
    Ok(())
}
