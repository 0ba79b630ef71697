//! Randomness from the operating system (`getrandom`), for key generation,
//! KEM ephemeral keys and `CipherSuiteProvider::random_bytes`.

use conclave_core::crypto::CryptoError;
use zeroize::Zeroizing;

/// Fills `out` from the OS generator.
pub(crate) fn fill(out: &mut [u8]) -> Result<(), CryptoError> {
    getrandom::fill(out).map_err(|_| CryptoError::RandomFailure)
}

/// `len` fresh random bytes, zeroized when dropped (they become key material).
pub(crate) fn secret_bytes(len: usize) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let mut out = Zeroizing::new(vec![0u8; len]);
    fill(&mut out)?;
    Ok(out)
}
