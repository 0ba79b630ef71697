//! The secrets of a Welcome (RFC 9420 §12.4.3.1): sealing the GroupSecrets
//! to each new member's KeyPackage init key, encrypting the GroupInfo with
//! the welcome secret, signing and verifying the GroupInfo, and the checks
//! a joiner makes with them (down to the confirmation tag).
//!
//! ```text
//! encrypted_group_info   = AEAD.Seal(welcome_key, welcome_nonce, "", GroupInfo)
//! encrypted_group_secrets = EncryptWithLabel(init_key, "Welcome", encrypted_group_info, GroupSecrets)
//! new_member             = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage)
//! GroupInfo.signature    = SignWithLabel(., "GroupInfoTBS", GroupInfoTBS)
//! ```
//!
//! Every GroupSecrets of one Welcome is sealed with the same HPKE `info`
//! (the encrypted GroupInfo, which holds the whole tree when the
//! ratchet_tree extension is used), so [`WelcomeBuilder`] prepares that
//! part of the HPKE key schedule once ([`encrypt_context`]) and each new
//! member costs one KEM encapsulation, not a hash of O(N) bytes; and
//! [`WelcomeBuilder::add_members`] shares those encapsulations between two
//! threads.

use crate::codec::{decode_exact, encode, VLBytes};
use crate::crypto::{
    decrypt_with_label, encrypt_context, sign_with_label, verify_with_label, CipherSuiteProvider,
    Encapsulation, HpkeInfo, Secret, Signer,
};
use crate::error::Result;
use crate::key_package::key_package_ref;
use crate::parallel::run_chunked;
use crate::wire::{
    EncryptedGroupSecrets, GroupInfo, GroupSecrets, HpkeCiphertext, KeyPackage, Welcome,
};
use crate::ProtocolError;

use super::key_schedule::{EpochSecrets, JoinerSecret, MemberSecret, WelcomeSecret};
use super::psk::PskSecret;
use super::transcript::verify_confirmation_tag;

/// The EncryptWithLabel label of GroupSecrets (§12.4.3.1).
const WELCOME_LABEL: &str = "Welcome";
/// The SignWithLabel label of GroupInfo (§12.4.3).
const GROUP_INFO_LABEL: &str = "GroupInfoTBS";

/// Signs `group_info` in place: `SignWithLabel(., "GroupInfoTBS", GroupInfoTBS)` (§12.4.3).
pub fn sign_group_info(signer: &dyn Signer, group_info: &mut GroupInfo) -> Result<()> {
    let tbs = group_info.tbs_bytes()?;
    group_info.signature = VLBytes::new(sign_with_label(signer, GROUP_INFO_LABEL, &tbs)?);
    Ok(())
}

/// Verifies a GroupInfo's signature with the signer's key (§12.4.3.1: the
/// joiner "MUST verify the signature on the GroupInfo").
pub fn verify_group_info(
    cs: &dyn CipherSuiteProvider,
    group_info: &GroupInfo,
    signer_key: &[u8],
) -> Result<()> {
    let tbs = group_info.tbs_bytes()?;
    verify_with_label(
        cs,
        signer_key,
        GROUP_INFO_LABEL,
        &tbs,
        group_info.signature.as_slice(),
    )
    .map_err(|_| ProtocolError::InvalidGroupInfoSignature.into())
}

/// The fewest GroupSecrets one thread seals at a time: below twice this
/// many new members, a second sealing thread is not worth starting.
const SEAL_CHUNK: usize = 4;
/// The same with the encapsulations made beforehand (a few microseconds each).
const ENCAPSULATED_SEAL_CHUNK: usize = 64;

/// One new member's entry: its KeyPackage reference and its GroupSecrets
/// sealed with the prepared `info`.
fn seal_one(
    cs: &dyn CipherSuiteProvider,
    info: &HpkeInfo,
    key_package: &KeyPackage,
    group_secrets: &GroupSecrets,
) -> Result<EncryptedGroupSecrets> {
    let new_member = key_package_ref(cs, key_package)?;
    let plaintext = zeroize::Zeroizing::new(encode(group_secrets)?);
    let (kem_output, ciphertext) =
        info.seal(cs, key_package.init_key.as_slice(), &[], &plaintext)?;
    Ok(EncryptedGroupSecrets {
        new_member: VLBytes::new(new_member),
        encrypted_group_secrets: HpkeCiphertext {
            kem_output: VLBytes::new(kem_output),
            ciphertext: VLBytes::new(ciphertext),
        },
    })
}

/// [`seal_one`] with an encapsulation made beforehand to the KeyPackage's
/// init key (see [`Encapsulation`]); a fresh one if it was made to another key.
fn seal_one_encapsulated(
    cs: &dyn CipherSuiteProvider,
    info: &HpkeInfo,
    key_package: &KeyPackage,
    group_secrets: &GroupSecrets,
    encapsulation: &Encapsulation,
) -> Result<EncryptedGroupSecrets> {
    if encapsulation.public_key() != key_package.init_key.as_slice() {
        return seal_one(cs, info, key_package, group_secrets);
    }
    let new_member = key_package_ref(cs, key_package)?;
    let plaintext = zeroize::Zeroizing::new(encode(group_secrets)?);
    let (kem_output, ciphertext) = info.seal_encapsulated(cs, encapsulation, &[], &plaintext)?;
    Ok(EncryptedGroupSecrets {
        new_member: VLBytes::new(new_member),
        encrypted_group_secrets: HpkeCiphertext {
            kem_output: VLBytes::new(kem_output),
            ciphertext: VLBytes::new(ciphertext),
        },
    })
}

/// Builds a Welcome: the GroupInfo encrypted once, then one
/// EncryptedGroupSecrets per new member, all sealed with one prepared HPKE
/// `info`.
#[derive(Debug)]
pub struct WelcomeBuilder {
    cipher_suite: crate::crypto::CipherSuite,
    encrypted_group_info: Vec<u8>,
    info: HpkeInfo,
    secrets: Vec<EncryptedGroupSecrets>,
}

impl WelcomeBuilder {
    /// Encrypts the (signed) `group_info` with the key and nonce of
    /// `welcome_secret` and prepares the HPKE context for the members.
    pub fn new(
        cs: &dyn CipherSuiteProvider,
        welcome_secret: &WelcomeSecret,
        group_info: &GroupInfo,
    ) -> Result<Self> {
        let (key, nonce) = welcome_secret.key_and_nonce(cs)?;
        let plaintext = encode(group_info)?;
        let encrypted_group_info =
            cs.aead_seal(key.as_bytes(), nonce.as_bytes(), &[], &plaintext)?;
        let info = encrypt_context(cs, WELCOME_LABEL, &encrypted_group_info)?;
        Ok(Self {
            cipher_suite: cs.cipher_suite(),
            encrypted_group_info,
            info,
            secrets: Vec::new(),
        })
    }

    /// Seals `group_secrets` to `key_package`'s init key, under its reference.
    pub fn add_member(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        key_package: &KeyPackage,
        group_secrets: &GroupSecrets,
    ) -> Result<()> {
        let entry = seal_one(cs, &self.info, key_package, group_secrets)?;
        self.secrets.push(entry);
        Ok(())
    }

    /// Seals the GroupSecrets of many new members at once, in order, as
    /// [`Self::add_member`] would one by one: the KEM encapsulations (one
    /// per member, the whole cost of a large Welcome once the `info` is
    /// prepared) are shared by two threads in chunks when there are enough
    /// of them.
    pub fn add_members(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        members: &[(&KeyPackage, GroupSecrets)],
    ) -> Result<()> {
        let info = &self.info;
        let (chunks, ()) = run_chunked(
            members,
            SEAL_CHUNK,
            |_, chunk| {
                chunk
                    .iter()
                    .map(|(kp, secrets)| seal_one(cs, info, kp, secrets))
                    .collect::<Result<Vec<_>>>()
            },
            || Ok(()),
        )?;
        self.secrets.extend(chunks.into_iter().flatten());
        Ok(())
    }

    /// [`Self::add_members`] with one encapsulation per member made
    /// beforehand (while the commit was built) to its init key: what is
    /// left per member is the HPKE key schedule and one small AEAD
    /// encryption, shared by two threads. The encapsulations are used once
    /// and dropped (their secrets zeroized) here.
    pub fn add_members_encapsulated(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        members: &[(&KeyPackage, GroupSecrets)],
        encapsulations: Vec<Encapsulation>,
    ) -> Result<()> {
        if encapsulations.len() != members.len() {
            return Err(crate::Error::Internal(
                "one encapsulation per new member is needed",
            ));
        }
        let items: Vec<_> = members.iter().zip(&encapsulations).collect();
        let info = &self.info;
        let (chunks, ()) = run_chunked(
            &items,
            ENCAPSULATED_SEAL_CHUNK,
            |_, chunk| {
                chunk
                    .iter()
                    .map(|((kp, secrets), e)| seal_one_encapsulated(cs, info, kp, secrets, e))
                    .collect::<Result<Vec<_>>>()
            },
            || Ok(()),
        )?;
        self.secrets.extend(chunks.into_iter().flatten());
        Ok(())
    }

    /// The Welcome.
    pub fn finish(self) -> Welcome {
        Welcome {
            cipher_suite: self.cipher_suite,
            secrets: self.secrets,
            encrypted_group_info: VLBytes::new(self.encrypted_group_info),
        }
    }
}

/// Finds the entry for `key_package_ref` and opens its GroupSecrets with
/// the KeyPackage's init private key (`DecryptWithLabel(init_priv,
/// "Welcome", encrypted_group_info, ...)`). `init_public` is the KeyPackage's
/// init key.
pub fn open_group_secrets(
    cs: &dyn CipherSuiteProvider,
    welcome: &Welcome,
    key_package_ref: &[u8],
    init_private: &Secret,
    init_public: &[u8],
) -> Result<GroupSecrets> {
    let entry = welcome
        .secrets_for(key_package_ref)
        .ok_or(ProtocolError::WelcomeNotForKeyPackage)?;
    let plaintext = decrypt_with_label(
        cs,
        init_private.as_bytes(),
        init_public,
        WELCOME_LABEL,
        welcome.encrypted_group_info.as_slice(),
        entry.encrypted_group_secrets.kem_output.as_slice(),
        entry.encrypted_group_secrets.ciphertext.as_slice(),
    )
    .map_err(|_| ProtocolError::GroupSecretsDecryptionFailed)?;
    Ok(decode_exact(plaintext.as_bytes())?)
}

/// From the joiner secret and the PSK secret: the member secret, and the
/// GroupInfo decrypted with the welcome key and nonce (§12.4.3.1). The
/// GroupInfo's signature and confirmation tag are not checked yet: see
/// [`verify_group_info`] and [`check_joined_epoch`].
pub fn open_group_info(
    cs: &dyn CipherSuiteProvider,
    welcome: &Welcome,
    joiner_secret: JoinerSecret,
    psk_secret: &PskSecret,
) -> Result<(GroupInfo, MemberSecret)> {
    let member = joiner_secret.member(cs, psk_secret)?;
    let (key, nonce) = member.welcome_secret(cs)?.key_and_nonce(cs)?;
    let plaintext = cs
        .aead_open(
            key.as_bytes(),
            nonce.as_bytes(),
            &[],
            welcome.encrypted_group_info.as_slice(),
        )
        .map_err(|_| ProtocolError::GroupInfoDecryptionFailed)?;
    Ok((decode_exact(&plaintext)?, member))
}

/// Derives the epoch's secrets from the member secret and the GroupInfo's
/// GroupContext, and checks the GroupInfo's confirmation tag against the
/// derived confirmation key (§12.4.3.1: "Verify the confirmation tag").
pub fn check_joined_epoch(
    cs: &dyn CipherSuiteProvider,
    member: MemberSecret,
    group_info: &GroupInfo,
) -> Result<EpochSecrets> {
    let context = encode(&group_info.group_context)?;
    let secrets = member.epoch(cs, &context)?.derive(cs)?;
    verify_confirmation_tag(
        cs,
        &secrets.confirmation_key,
        group_info
            .group_context
            .confirmed_transcript_hash
            .as_slice(),
        group_info.confirmation_tag.as_slice(),
    )?;
    Ok(secrets)
}
