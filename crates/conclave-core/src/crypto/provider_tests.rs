//! A conformance suite that any crypto provider can run against itself: known
//! answers from published vectors, round trips, and the rejections the traits
//! of [`super::provider`] promise (RFC 9420 §5.1 for the primitives).
//!
//! Call [`check_provider`] from a provider crate's tests; it runs
//! [`check_suite`] for every suite the provider supports. Every expected
//! value (here and in `vectors`) is copied from a published vector, never
//! from our own output:
//!
//! - hashes: FIPS 180-4 examples (`"abc"`);
//! - HMAC: RFC 4231 test case 2; HKDF: RFC 5869 test cases 1 and 3 (SHA-256);
//! - KEMs and HPKE: RFC 9180 Appendix A.1 (X25519, SHA-256, AES-128-GCM),
//!   A.2 (X25519, ChaCha20-Poly1305), A.3 (P-256) and A.6 (P-521), base mode,
//!   first encryption (sequence 0); RFC 7748 §6 public keys (X25519, X448);
//! - signatures: RFC 8032 §7.1 TEST 1 (Ed25519) and §7.4 "blank" (Ed448),
//!   RFC 6979 §A.2.5 (P-256, SHA-256, message "sample").
//!
//! Each check returns `Err` with a message naming what failed; nothing panics.

use super::{
    CipherSuite, CipherSuiteProvider, CryptoError, CryptoProvider, Encapsulation, HashId, HpkeInfo,
    KemId, SignatureCheck, SignatureScheme,
};

mod vectors;

use vectors::{
    rfc7748_alice, signature_vector, HPKE_A1_EXPORTS, HPKE_AAD, HPKE_INFO, HPKE_PT, HPKE_VECTORS,
};

type Check = Result<(), String>;

/// Decodes a hex literal of this suite.
fn h(s: &str) -> Vec<u8> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    };
    s.as_bytes()
        .chunks(2)
        .map(|p| match p {
            [hi, lo] => (digit(*hi) << 4) | digit(*lo),
            _ => 0,
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn eq(what: &str, expected: &[u8], actual: &[u8]) -> Check {
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{what}: expected {}, got {}",
            hex(expected),
            hex(actual)
        ))
    }
}

fn ok<T>(what: &str, r: Result<T, CryptoError>) -> Result<T, String> {
    r.map_err(|e| format!("{what}: unexpected error: {e}"))
}

fn fails<T>(what: &str, r: Result<T, CryptoError>) -> Check {
    match r {
        Ok(_) => Err(format!("{what}: accepted, must be rejected")),
        Err(_) => Ok(()),
    }
}

fn fails_with<T>(what: &str, expected: CryptoError, r: Result<T, CryptoError>) -> Check {
    match r {
        Ok(_) => Err(format!("{what}: accepted, must fail with {expected:?}")),
        Err(e) if e == expected => Ok(()),
        Err(e) => Err(format!("{what}: failed with {e:?}, expected {expected:?}")),
    }
}

/// The first `n` bytes of `b` (`what` names the value in the error when `b`
/// is shorter).
fn prefix<'a>(what: &str, b: &'a [u8], n: usize) -> Result<&'a [u8], String> {
    b.get(..n)
        .ok_or_else(|| format!("{what}: {} bytes, fewer than {n}", b.len()))
}

fn flip_last(b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    if let Some(x) = v.last_mut() {
        *x ^= 0x01;
    }
    v
}

/// Runs [`check_suite`] for every suite the provider supports, and checks that
/// it refuses a suite it does not support.
pub fn check_provider(p: &dyn CryptoProvider) -> Check {
    let suites = p.supported_cipher_suites();
    if suites.is_empty() {
        return Err("the provider supports no ciphersuite".into());
    }
    for suite in suites {
        let cs = p
            .cipher_suite(suite)
            .map_err(|e| format!("suite 0x{:04x}: {e}", suite.0))?;
        if cs.cipher_suite() != suite {
            return Err(format!("suite 0x{:04x}: provider reports another", suite.0));
        }
        check_suite(cs.as_ref()).map_err(|e| format!("suite 0x{:04x}: {e}", suite.0))?;
    }
    let grease = CipherSuite(0x0A0A);
    fails_with(
        "GREASE suite",
        CryptoError::UnsupportedCipherSuite(0x0A0A),
        p.cipher_suite(grease).map(|_| ()),
    )
}

/// Every check for one suite.
pub fn check_suite(cs: &dyn CipherSuiteProvider) -> Check {
    let algs = cs
        .cipher_suite()
        .algorithms()
        .ok_or_else(|| "not an RFC 9420 ciphersuite".to_string())?;
    if cs.algorithms() != algs {
        return Err(format!(
            "algorithms: {:?}, expected {algs:?}",
            cs.algorithms()
        ));
    }
    check_hash(cs)?;
    check_mac(cs)?;
    check_kdf(cs)?;
    check_aead(cs)?;
    check_kem(cs)?;
    check_signature(cs)?;
    check_prepared_signing_key(cs)?;
    check_parts(cs)?;
    check_random(cs)
}

/// `hash_parts`, `mac_parts` and `verify_parts` agree with `hash`, `mac`
/// and `verify` over the joined parts, however the input is split (empty
/// pieces included), and `verify_parts` refuses a changed piece.
pub fn check_parts(cs: &dyn CipherSuiteProvider) -> Check {
    let data: Vec<u8> = (0..300u32).map(|i| (i * 7 % 251) as u8).collect();
    let (a, rest) = data.split_at(1);
    let (b, c) = rest.split_at(150);
    let splits: [&[&[u8]]; 3] = [&[&data], &[a, b, c], &[&[], a, &[], b, c, &[]]];
    let (sk, pk) = ok("signature_generate", cs.signature_generate())?;
    let sig = ok("sign", cs.sign(sk.as_bytes(), &data))?;
    for parts in splits {
        eq("hash_parts", &cs.hash(&data), &cs.hash_parts(parts))?;
        eq(
            "mac_parts",
            &ok("mac", cs.mac(b"key", &data))?,
            &ok("mac_parts", cs.mac_parts(b"key", parts))?,
        )?;
        ok("verify_parts", cs.verify_parts(&pk, parts, &sig))?;
    }
    let changed = flip_last(c);
    fails_with(
        "verify_parts with a changed piece",
        CryptoError::InvalidSignature,
        cs.verify_parts(&pk, &[a, b, &changed], &sig),
    )
}

/// `Hash("abc")` against FIPS 180-4, and `Nh`.
pub fn check_hash(cs: &dyn CipherSuiteProvider) -> Check {
    let expected = match cs.algorithms().hash {
        HashId::Sha256 => "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        HashId::Sha384 => {
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7"
        }
        HashId::Sha512 => {
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        }
    };
    eq("Hash(\"abc\")", &h(expected), &cs.hash(b"abc"))?;
    if cs.hash(b"").len() != cs.hash_len() {
        return Err("Hash output length is not Nh".into());
    }
    Ok(())
}

/// HMAC against RFC 4231 test case 2 (key "Jefe").
pub fn check_mac(cs: &dyn CipherSuiteProvider) -> Check {
    let expected = match cs.algorithms().hash {
        HashId::Sha256 => "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        HashId::Sha384 => {
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e\
             8e2240ca5e69e2c78b3239ecfab21649"
        }
        HashId::Sha512 => {
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        }
    };
    let mac = ok("MAC", cs.mac(b"Jefe", b"what do ya want for nothing?"))?;
    eq("HMAC (RFC 4231 case 2)", &h(expected), &mac)
}

/// HKDF against RFC 5869 cases 1 and 3 (SHA-256 suites), and the output
/// length bound `255 * Nh` (all suites).
pub fn check_kdf(cs: &dyn CipherSuiteProvider) -> Check {
    if cs.algorithms().hash == HashId::Sha256 {
        // Case 1.
        let prk = ok(
            "HKDF-Extract",
            cs.kdf_extract(&h("000102030405060708090a0b0c"), &[0x0b; 22]),
        )?;
        eq(
            "HKDF-Extract (RFC 5869 case 1)",
            &h("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"),
            prk.as_bytes(),
        )?;
        let okm = ok(
            "HKDF-Expand",
            cs.kdf_expand(prk.as_bytes(), &h("f0f1f2f3f4f5f6f7f8f9"), 42),
        )?;
        eq(
            "HKDF-Expand (RFC 5869 case 1)",
            &h(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf\
                34007208d5b887185865",
            ),
            okm.as_bytes(),
        )?;
        // Case 3: empty salt and info.
        let prk = ok("HKDF-Extract", cs.kdf_extract(b"", &[0x0b; 22]))?;
        eq(
            "HKDF-Extract (RFC 5869 case 3)",
            &h("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"),
            prk.as_bytes(),
        )?;
        let okm = ok("HKDF-Expand", cs.kdf_expand(prk.as_bytes(), b"", 42))?;
        eq(
            "HKDF-Expand (RFC 5869 case 3)",
            &h(
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d\
                9d201395faa4b61a96c8",
            ),
            okm.as_bytes(),
        )?;
    }
    let nh = cs.hash_len();
    let prk = ok("HKDF-Extract", cs.kdf_extract(b"salt", b"ikm"))?;
    if prk.len() != nh {
        return Err("HKDF-Extract output length is not Nh".into());
    }
    let max = ok(
        "HKDF-Expand 255*Nh",
        cs.kdf_expand(prk.as_bytes(), b"", 255 * nh),
    )?;
    if max.len() != 255 * nh {
        return Err("HKDF-Expand gave the wrong length".into());
    }
    fails(
        "HKDF-Expand beyond 255*Nh",
        cs.kdf_expand(prk.as_bytes(), b"", 255 * nh + 1),
    )
}

/// AEAD: round trips (also of the empty plaintext), and rejection of a
/// modified ciphertext, tag, nonce or aad, a wrong key, and wrong lengths.
pub fn check_aead(cs: &dyn CipherSuiteProvider) -> Check {
    let aead = cs.algorithms().aead;
    let (nk, nn) = (cs.aead_key_len(), cs.aead_nonce_len());
    if (nk, nn) != (aead.key_len(), aead.nonce_len()) {
        return Err("AEAD key or nonce length does not match the suite".into());
    }
    let key: Vec<u8> = (0..nk as u8).collect();
    let nonce: Vec<u8> = (100..100 + nn as u8).collect();
    let (aad, pt) = (b"header".as_slice(), b"attack at dawn".as_slice());
    let ct = ok("AEAD seal", cs.aead_seal(&key, &nonce, aad, pt))?;
    if ct.len() != pt.len() + aead.tag_len() {
        return Err("AEAD ciphertext is not plaintext + tag long".into());
    }
    eq(
        "AEAD round trip",
        pt,
        &ok("AEAD open", cs.aead_open(&key, &nonce, aad, &ct))?,
    )?;
    let empty = ok("AEAD seal of empty", cs.aead_seal(&key, &nonce, b"", b""))?;
    eq(
        "AEAD empty round trip",
        b"",
        &ok(
            "AEAD open of empty",
            cs.aead_open(&key, &nonce, b"", &empty),
        )?,
    )?;
    let failed = CryptoError::DecryptionFailed;
    let mut body = ct.clone();
    if let Some(b) = body.first_mut() {
        *b ^= 0x80;
    }
    fails_with(
        "AEAD modified ciphertext",
        failed.clone(),
        cs.aead_open(&key, &nonce, aad, &body),
    )?;
    fails_with(
        "AEAD modified tag",
        failed.clone(),
        cs.aead_open(&key, &nonce, aad, &flip_last(&ct)),
    )?;
    fails_with(
        "AEAD modified aad",
        failed.clone(),
        cs.aead_open(&key, &nonce, b"headex", &ct),
    )?;
    fails_with(
        "AEAD modified nonce",
        failed.clone(),
        cs.aead_open(&key, &flip_last(&nonce), aad, &ct),
    )?;
    fails_with(
        "AEAD wrong key",
        failed.clone(),
        cs.aead_open(&flip_last(&key), &nonce, aad, &ct),
    )?;
    fails(
        "AEAD truncated below the tag",
        cs.aead_open(
            &key,
            &nonce,
            aad,
            prefix(
                "AEAD ciphertext",
                &ct,
                ct.len().min(aead.tag_len().saturating_sub(1)),
            )?,
        ),
    )?;
    fails(
        "AEAD short key",
        cs.aead_seal(
            prefix("AEAD key", &key, nk.saturating_sub(1))?,
            &nonce,
            aad,
            pt,
        ),
    )?;
    fails(
        "AEAD short nonce",
        cs.aead_seal(
            &key,
            prefix("AEAD nonce", &nonce, nn.saturating_sub(1))?,
            aad,
            pt,
        ),
    )?;
    let mut long_nonce = nonce.clone();
    long_nonce.push(0);
    fails("AEAD long nonce", cs.aead_open(&key, &long_nonce, aad, &ct))
}

/// (`Nsk`, `Npk`) of a DHKEM (RFC 9180 §7.1).
fn kem_sizes(kem: KemId) -> (usize, usize) {
    match kem {
        KemId::DhKemP256 => (32, 65),
        KemId::DhKemP384 => (48, 97),
        KemId::DhKemP521 => (66, 133),
        KemId::DhKemX25519 => (32, 32),
        KemId::DhKemX448 => (56, 56),
    }
}

/// KEM: RFC 9180 DeriveKeyPair and Decap known answers and HPKE open for the
/// matching vectors; RFC 7748 public keys; generate/encap/decap round trips;
/// rejection of invalid and wrong-length keys and encapsulations; P-521
/// private keys with the leading zero byte dropped.
pub fn check_kem(cs: &dyn CipherSuiteProvider) -> Check {
    let algs = cs.algorithms();
    for v in HPKE_VECTORS.iter().filter(|v| v.kem == algs.kem) {
        let what = |s: &str| format!("{} {s}", v.section);
        let (sk, pk) = ok(&what("DeriveKeyPair"), cs.kem_derive_key_pair(&h(v.ikm_r)))?;
        eq(&what("DeriveKeyPair skR"), &h(v.sk_r), sk.as_bytes())?;
        eq(&what("DeriveKeyPair pkR"), &h(v.pk_r), &pk)?;
        eq(
            &what("public key of skR"),
            &h(v.pk_r),
            &ok(&what("kem_public_key"), cs.kem_public_key(&h(v.sk_r)))?,
        )?;
        let ss = ok(
            &what("Decap"),
            cs.kem_decap(&h(v.enc), &h(v.sk_r), &h(v.pk_r)),
        )?;
        eq(&what("Decap"), &h(v.shared_secret), ss.as_bytes())?;
        if (v.hash, v.aead) == (algs.hash, algs.aead) {
            let info = ok(&what("HPKE info"), HpkeInfo::new(cs, &h(HPKE_INFO)))?;
            let pt = ok(
                &what("HPKE open"),
                info.open(
                    cs,
                    &h(v.enc),
                    &h(v.sk_r),
                    &h(v.pk_r),
                    &h(HPKE_AAD),
                    &h(v.ct),
                ),
            )?;
            eq(&what("HPKE open"), &h(HPKE_PT), &pt)?;
            if v.section == "RFC 9180 A.1" {
                for (ctx, value) in HPKE_A1_EXPORTS {
                    let exported = ok(
                        &what("HPKE export"),
                        info.setup_receiver_and_export(
                            cs,
                            &h(v.enc),
                            &h(v.sk_r),
                            &h(v.pk_r),
                            &h(ctx),
                            32,
                        ),
                    )?;
                    eq(&what("HPKE export"), &h(value), exported.as_bytes())?;
                }
                let (enc, sent) = ok(
                    &what("HPKE sender export"),
                    info.setup_sender_and_export(cs, &h(v.pk_r), b"MLS", 32),
                )?;
                let received = ok(
                    &what("HPKE receiver export"),
                    info.setup_receiver_and_export(cs, &enc, &h(v.sk_r), &h(v.pk_r), b"MLS", 32),
                )?;
                eq(
                    &what("HPKE export round trip"),
                    sent.as_bytes(),
                    received.as_bytes(),
                )?;
            }
            fails_with(
                &what("HPKE open of a modified ct"),
                CryptoError::DecryptionFailed,
                info.open(
                    cs,
                    &h(v.enc),
                    &h(v.sk_r),
                    &h(v.pk_r),
                    &h(HPKE_AAD),
                    &flip_last(&h(v.ct)),
                ),
            )?;
        }
    }
    if let Some((sk, pk)) = rfc7748_alice(algs.kem) {
        eq(
            "RFC 7748 public key",
            &h(pk),
            &ok("kem_public_key", cs.kem_public_key(&h(sk)))?,
        )?;
    }

    let (nsk, npk) = kem_sizes(algs.kem);
    let (sk, pk) = ok("kem_generate", cs.kem_generate())?;
    if (sk.len(), pk.len()) != (nsk, npk) {
        return Err(format!(
            "kem_generate: key lengths {}/{}, expected {nsk}/{npk}",
            sk.len(),
            pk.len()
        ));
    }
    eq(
        "kem_public_key of a generated key",
        &pk,
        &ok("kem_public_key", cs.kem_public_key(sk.as_bytes()))?,
    )?;
    let (sk2, pk2) = ok("kem_generate", cs.kem_generate())?;
    if pk2 == pk || sk2 == sk {
        return Err("kem_generate returned the same key twice".into());
    }
    let (d1, d2) = (
        ok("DeriveKeyPair", cs.kem_derive_key_pair(b"some ikm"))?,
        ok("DeriveKeyPair", cs.kem_derive_key_pair(b"some ikm"))?,
    );
    if d1.0 != d2.0 || d1.1 != d2.1 {
        return Err("DeriveKeyPair is not deterministic".into());
    }

    let (ss, enc) = ok("Encap", cs.kem_encap(&pk))?;
    if enc.len() != npk {
        return Err(format!("Encap: enc is {} bytes, expected {npk}", enc.len()));
    }
    let ss2 = ok("Decap", cs.kem_decap(&enc, sk.as_bytes(), &pk))?;
    if ss != ss2 {
        return Err("Encap/Decap: shared secrets differ".into());
    }
    let ss3 = ok(
        "Decap with another key",
        cs.kem_decap(&enc, sk2.as_bytes(), &pk2),
    )?;
    if ss == ss3 {
        return Err("Decap with another key gave the same shared secret".into());
    }

    // HPKE single-shot round trip through core's composition.
    let info = ok("HPKE info", HpkeInfo::new(cs, b"round trip"))?;
    let (enc, ct) = ok("HPKE seal", info.seal(cs, &pk, b"aad", b"secret"))?;
    let pt = ok(
        "HPKE open",
        info.open(cs, &enc, sk.as_bytes(), &pk, b"aad", &ct),
    )?;
    eq("HPKE round trip", b"secret", &pt)?;
    // The same with the encapsulation made before the info is known.
    let ahead = ok("Encap ahead of the info", Encapsulation::new(cs, &pk))?;
    eq("Encap ahead: recipient", &pk, ahead.public_key())?;
    let (enc, ct) = ok(
        "HPKE seal with an earlier Encap",
        info.seal_encapsulated(cs, &ahead, b"aad", b"secret"),
    )?;
    let pt = ok(
        "HPKE open of a seal with an earlier Encap",
        info.open(cs, &enc, sk.as_bytes(), &pk, b"aad", &ct),
    )?;
    eq("HPKE round trip with an earlier Encap", b"secret", &pt)?;

    // Rejections.
    let mut long_sk = sk.as_bytes().to_vec();
    long_sk.push(0);
    fails("kem_public_key of a long key", cs.kem_public_key(&long_sk))?;
    fails("kem_public_key of an empty key", cs.kem_public_key(&[]))?;
    fails("Decap with a long key", cs.kem_decap(&enc, &long_sk, &pk))?;
    fails(
        "Encap to a short key",
        cs.kem_encap(pk.get(1..).unwrap_or_default()),
    )?;
    fails("Encap to an empty key", cs.kem_encap(&[]))?;
    fails(
        "Decap of a short enc",
        cs.kem_decap(enc.get(1..).unwrap_or_default(), sk.as_bytes(), &pk),
    )?;
    let invalid = invalid_public_key(algs.kem, &pk);
    fails_with(
        "Encap to an invalid public key",
        CryptoError::InvalidPublicKey,
        cs.kem_encap(&invalid),
    )?;
    fails_with(
        "Decap of an invalid enc",
        CryptoError::InvalidEncapsulation,
        cs.kem_decap(&invalid, sk.as_bytes(), &pk),
    )?;
    if algs.kem == KemId::DhKemP521 {
        check_short_p521_key(cs)?;
    }
    Ok(())
}

/// A public key of the right length that the KEM must reject: for X25519
/// and X448 the zero point (small order, all-zero DH output, RFC 9180
/// §7.1.4); for the NIST curves a point off the curve.
fn invalid_public_key(kem: KemId, valid: &[u8]) -> Vec<u8> {
    match kem {
        KemId::DhKemX25519 | KemId::DhKemX448 => vec![0; valid.len()],
        _ => flip_last(valid),
    }
}

/// A P-521 private key with its leading zero byte dropped (65 bytes) is the
/// same key as its 66-byte form, for the KEM and for ECDSA.
fn check_short_p521_key(cs: &dyn CipherSuiteProvider) -> Check {
    // The A.6 private key with its top byte cleared: a valid scalar whose
    // 66-byte encoding starts with a zero byte.
    let mut sk66 = h(HPKE_VECTORS[3].sk_r);
    if let Some(b) = sk66.first_mut() {
        *b = 0;
    }
    let sk65 = sk66.get(1..).unwrap_or_default();
    let pk = ok("P-521 66-byte key", cs.kem_public_key(&sk66))?;
    eq(
        "P-521 65-byte KEM key",
        &pk,
        &ok("P-521 65-byte KEM key", cs.kem_public_key(sk65))?,
    )?;
    let (ss, enc) = ok("Encap", cs.kem_encap(&pk))?;
    let ss65 = ok("Decap with a 65-byte key", cs.kem_decap(&enc, sk65, &pk))?;
    if ss != ss65 {
        return Err("Decap with a 65-byte P-521 key gave another secret".into());
    }
    let spk = ok(
        "P-521 66-byte signature key",
        cs.signature_public_key(&sk66),
    )?;
    eq(
        "P-521 65-byte signature key",
        &spk,
        &ok("P-521 65-byte signature key", cs.signature_public_key(sk65))?,
    )?;
    let sig = ok("sign with a 65-byte key", cs.sign(sk65, b"msg"))?;
    ok("verify", cs.verify(&spk, b"msg", &sig))
}

/// (private, public) key lengths of a signature scheme (RFC 9420 §5.1.2).
fn signature_sizes(scheme: SignatureScheme) -> (usize, usize) {
    match scheme {
        SignatureScheme::Ed25519 => (32, 32),
        SignatureScheme::Ed448 => (57, 57),
        SignatureScheme::EcdsaP256Sha256 => (32, 65),
        SignatureScheme::EcdsaP384Sha384 => (48, 97),
        SignatureScheme::EcdsaP521Sha512 => (66, 133),
    }
}

/// Signatures: known answers, round trip, rejection of a modified message,
/// a modified signature, another key and wrong-length keys; batches.
pub fn check_signature(cs: &dyn CipherSuiteProvider) -> Check {
    let scheme = cs.algorithms().signature;
    let eddsa = matches!(scheme, SignatureScheme::Ed25519 | SignatureScheme::Ed448);
    if let Some((sk, pk, msg, sig)) = signature_vector(scheme) {
        eq(
            "signature public key (published vector)",
            &h(pk),
            &ok("signature_public_key", cs.signature_public_key(&h(sk)))?,
        )?;
        ok("verify (published vector)", cs.verify(&h(pk), msg, &h(sig)))?;
        if eddsa {
            eq(
                "EdDSA signature (published vector)",
                &h(sig),
                &ok("sign", cs.sign(&h(sk), msg))?,
            )?;
        }
        fails_with(
            "verify of a published signature over another message",
            CryptoError::InvalidSignature,
            cs.verify(&h(pk), b"other", &h(sig)),
        )?;
    }

    let (nsk, npk) = signature_sizes(scheme);
    let (sk, pk) = ok("signature_generate", cs.signature_generate())?;
    if (sk.len(), pk.len()) != (nsk, npk) {
        return Err(format!(
            "signature_generate: key lengths {}/{}, expected {nsk}/{npk}",
            sk.len(),
            pk.len()
        ));
    }
    eq(
        "signature_public_key of a generated key",
        &pk,
        &ok(
            "signature_public_key",
            cs.signature_public_key(sk.as_bytes()),
        )?,
    )?;
    let (sk2, pk2) = ok("signature_generate", cs.signature_generate())?;
    if pk2 == pk {
        return Err("signature_generate returned the same key twice".into());
    }
    let msg = b"MLS signature check";
    let sig = ok("sign", cs.sign(sk.as_bytes(), msg))?;
    ok("verify", cs.verify(&pk, msg, &sig))?;
    let bad = CryptoError::InvalidSignature;
    fails_with(
        "verify of a modified message",
        bad.clone(),
        cs.verify(&pk, b"MLS signature checK", &sig),
    )?;
    fails(
        "verify of a modified signature",
        cs.verify(&pk, msg, &flip_last(&sig)),
    )?;
    let mut first = sig.clone();
    if let Some(b) = first.get_mut(4) {
        *b ^= 0x10;
    }
    fails(
        "verify of a modified signature",
        cs.verify(&pk, msg, &first),
    )?;
    fails_with(
        "verify with another key",
        bad.clone(),
        cs.verify(&pk2, msg, &sig),
    )?;
    fails("verify of an empty signature", cs.verify(&pk, msg, &[]))?;
    fails(
        "verify with a short key",
        cs.verify(pk.get(1..).unwrap_or_default(), msg, &sig),
    )?;
    let mut long_sk = sk.as_bytes().to_vec();
    long_sk.push(1);
    fails("sign with a long key", cs.sign(&long_sk, msg))?;
    fails("sign with an empty key", cs.sign(&[], msg))?;
    fails(
        "signature_public_key of a long key",
        cs.signature_public_key(&long_sk),
    )?;
    if eddsa {
        let short = sk.as_bytes().get(1..).unwrap_or_default();
        fails("sign with a short key", cs.sign(short, msg))?;
    }

    // Batches.
    let sig2 = ok("sign", cs.sign(sk2.as_bytes(), b"second"))?;
    let good = [
        SignatureCheck {
            public_key: &pk,
            message: msg,
            signature: &sig,
        },
        SignatureCheck {
            public_key: &pk2,
            message: b"second",
            signature: &sig2,
        },
    ];
    ok("verify_batch of valid signatures", cs.verify_batch(&good))?;
    ok("verify_batch of nothing", cs.verify_batch(&[]))?;
    let mut one_bad = good;
    one_bad[1].message = b"secont";
    fails(
        "verify_batch with one bad signature",
        cs.verify_batch(&one_bad),
    )?;
    let mut swapped = good;
    swapped[0].public_key = &pk2;
    swapped[1].public_key = &pk;
    fails("verify_batch with swapped keys", cs.verify_batch(&swapped))
}

/// `prepare_signing_key`: a prepared key's signatures verify (for EdDSA,
/// they are the published vector's and those of `sign`), and a key of the
/// wrong length is refused. A provider without prepared keys passes.
pub fn check_prepared_signing_key(cs: &dyn CipherSuiteProvider) -> Check {
    let scheme = cs.algorithms().signature;
    let eddsa = matches!(scheme, SignatureScheme::Ed25519 | SignatureScheme::Ed448);
    let (sk, pk) = ok("signature_generate", cs.signature_generate())?;
    let Some(key) = ok("prepare_signing_key", cs.prepare_signing_key(sk.as_bytes()))? else {
        return Ok(());
    };
    let msg = b"MLS prepared signature check";
    let sig = ok("prepared sign", key.sign(msg))?;
    ok("verify of a prepared signature", cs.verify(&pk, msg, &sig))?;
    if eddsa {
        eq(
            "EdDSA prepared signature against sign",
            &ok("sign", cs.sign(sk.as_bytes(), msg))?,
            &sig,
        )?;
        if let Some((vsk, _, vmsg, vsig)) = signature_vector(scheme) {
            let vkey = ok("prepare_signing_key", cs.prepare_signing_key(&h(vsk)))?
                .ok_or("prepare_signing_key: a key once, none the next time")?;
            eq(
                "EdDSA prepared signature (published vector)",
                &h(vsig),
                &ok("prepared sign", vkey.sign(vmsg))?,
            )?;
        }
    }
    let mut long_sk = sk.as_bytes().to_vec();
    long_sk.push(1);
    fails_with(
        "prepare_signing_key of a long key",
        CryptoError::InvalidPrivateKey,
        cs.prepare_signing_key(&long_sk).map(|_| ()),
    )?;
    fails_with(
        "prepare_signing_key of an empty key",
        CryptoError::InvalidPrivateKey,
        cs.prepare_signing_key(&[]).map(|_| ()),
    )
}

/// Randomness: two draws differ and are not all zero.
pub fn check_random(cs: &dyn CipherSuiteProvider) -> Check {
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    ok("random_bytes", cs.random_bytes(&mut a))?;
    ok("random_bytes", cs.random_bytes(&mut b))?;
    if a == b || a == [0; 32] {
        return Err("random_bytes repeats itself or gives zeros".into());
    }
    Ok(())
}
