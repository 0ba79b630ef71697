//! Runs core's provider conformance suite (`conclave_core::crypto::provider_tests`)
//! on the RustCrypto provider: the whole provider, then each suite on its own
//! so that a failure names its suite.

use conclave_core::crypto::provider_tests::{check_provider, check_suite};
use conclave_core::crypto::{CipherSuite, CryptoProvider};
use conclave_rustcrypto::RustCryptoProvider;

fn suite(id: u16) {
    let provider = RustCryptoProvider::new();
    let cs = provider.cipher_suite(CipherSuite(id)).unwrap();
    if let Err(e) = check_suite(cs.as_ref()) {
        panic!("suite 0x{id:04x}: {e}");
    }
}

#[test]
fn whole_provider() {
    let provider = RustCryptoProvider::default();
    assert_eq!(
        provider.supported_cipher_suites(),
        CipherSuite::RFC9420.to_vec()
    );
    if let Err(e) = check_provider(&provider) {
        panic!("{e}");
    }
}

#[test]
fn suite_1_x25519_aes128gcm_sha256_ed25519() {
    suite(1);
}

#[test]
fn suite_2_p256_aes128gcm_sha256_p256() {
    suite(2);
}

#[test]
fn suite_3_x25519_chacha20poly1305_sha256_ed25519() {
    suite(3);
}

#[test]
fn suite_4_x448_aes256gcm_sha512_ed448() {
    suite(4);
}

#[test]
fn suite_5_p521_aes256gcm_sha512_p521() {
    suite(5);
}

#[test]
fn suite_6_x448_chacha20poly1305_sha512_ed448() {
    suite(6);
}

#[test]
fn suite_7_p384_aes256gcm_sha384_p384() {
    suite(7);
}

#[test]
fn suites_are_shared_not_rebuilt() {
    let provider = RustCryptoProvider::new();
    let a = provider.cipher_suite(CipherSuite(1)).unwrap();
    let b = provider.cipher_suite(CipherSuite(1)).unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &b));
    let clone = provider.clone();
    let c = clone.cipher_suite(CipherSuite(1)).unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &c));
}

#[test]
fn unknown_suite_is_refused() {
    let provider = RustCryptoProvider::new();
    assert_eq!(
        provider.cipher_suite(CipherSuite(0x0008)).unwrap_err(),
        conclave_core::crypto::CryptoError::UnsupportedCipherSuite(8)
    );
}
