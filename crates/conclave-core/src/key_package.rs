//! KeyPackages (RFC 9420 §10): generating one with its private keys,
//! computing its reference (§5.2), and validating one received (§10.1, with
//! the LeafNode rules of §7.3 for source `key_package`).
//!
//! - [`KeyPackageBuilder`] makes a [`KeyPackageBundle`]: a fresh init key pair
//!   and leaf encryption key pair, a LeafNode signed with label
//!   `"LeafNodeTBS"` (no group context, §7.2), and the KeyPackage signed with
//!   label `"KeyPackageTBS"` (§10). By default the capabilities are this
//!   implementation's ([`default_capabilities`]) and GREASE values are added
//!   as §13.5 recommends.
//! - [`key_package_ref`] is `RefHash("MLS 1.0 KeyPackage Reference", KeyPackage)`.
//! - [`validate_key_package`] runs every check of §10.1 and §7.3 that does not
//!   need the group's tree (key uniqueness and the credential types of the
//!   other members are checked by the group layer), each failure a named
//!   [`ProtocolError`]. [`key_package_from_message`] adds the version rule of
//!   §10 for a KeyPackage that arrived in an MLSMessage.
//!
//! GREASE (§13.5): unknown and GREASE values in capabilities and extensions
//! are never rejected. The extension rule of §10 ("Extensions included in the
//! `extensions` or `leaf_node.extensions` fields MUST be included in the
//! `leaf_node.capabilities` field") is applied to non-default extension types,
//! GREASE ones included; the default types of §7.2 are never listed in
//! capabilities.

use crate::codec::{self, VLBytes};
use crate::credential::{IdentityValidator, SUPPORTED_CREDENTIAL_TYPES};
use crate::crypto::{
    ref_hash, sign_with_label, signed_message, verify_with_label, CipherSuite, CipherSuiteProvider,
    KemId, Secret, Signer,
};
use crate::error::Result;
use crate::time::Clock;
use crate::tree::validate::{
    check_capabilities, check_lifetime, check_source, GroupRequirements, LeafContext,
    LEAF_NODE_TBS_LABEL,
};
use crate::wire::extension::check_unique_types;
use crate::wire::{
    Capabilities, Credential, CredentialType, Extension, ExtensionType, KeyPackage, LeafNode,
    LeafNodeSource, Lifetime, MlsMessage, MlsMessageBody, ProposalType, ProtocolVersion,
};
use crate::{Error, ProtocolError};

/// The label of KeyPackage signatures (§10).
pub const KEY_PACKAGE_TBS_LABEL: &str = "KeyPackageTBS";

/// The full RefHash label of KeyPackageRefs (§5.2).
pub const KEY_PACKAGE_REF_LABEL: &[u8] = b"MLS 1.0 KeyPackage Reference";

/// The default lifetime starts this many seconds before the clock's time,
/// to tolerate receivers whose clocks run behind.
pub const DEFAULT_LIFETIME_BACKDATE: u64 = 60 * 60;

/// The default lifetime ends this many seconds after the clock's time (90 days).
pub const DEFAULT_LIFETIME_VALIDITY: u64 = 90 * 24 * 60 * 60;

/// The fifteen GREASE values of §13.5: `0x0A0A`, `0x1A1A`, ..., `0xEAEA`.
pub const GREASE_VALUES: [u16; 15] = [
    0x0A0A, 0x1A1A, 0x2A2A, 0x3A3A, 0x4A4A, 0x5A5A, 0x6A6A, 0x7A7A, 0x8A8A, 0x9A9A, 0xAAAA, 0xBABA,
    0xCACA, 0xDADA, 0xEAEA,
];

/// The most random bytes a generated GREASE extension carries.
const MAX_GREASE_DATA: usize = 16;

/// A KeyPackage with the private keys that go with it. The application keeps
/// it until the KeyPackage is used (joining from a Welcome needs both keys).
/// `Debug` shows the KeyPackage but not the private keys.
pub struct KeyPackageBundle {
    /// The public, signed KeyPackage to publish.
    pub key_package: KeyPackage,
    /// The HPKE private key of `key_package.init_key` (decrypts the Welcome).
    pub init_private_key: Secret,
    /// The HPKE private key of `key_package.leaf_node.encryption_key`.
    pub encryption_private_key: Secret,
}

impl core::fmt::Debug for KeyPackageBundle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyPackageBundle")
            .field("key_package", &self.key_package)
            .field("init_private_key", &"<redacted>")
            .field("encryption_private_key", &"<redacted>")
            .finish()
    }
}

/// This implementation's capabilities for a KeyPackage in `suite` (§7.2),
/// without GREASE: version mls10, the one suite, no non-default extension or
/// proposal types, and the credential types basic and x509.
pub fn default_capabilities(suite: CipherSuite) -> Capabilities {
    Capabilities {
        versions: vec![ProtocolVersion::MLS10],
        cipher_suites: vec![suite],
        extensions: Vec::new(),
        proposals: Vec::new(),
        credentials: SUPPORTED_CREDENTIAL_TYPES.to_vec(),
    }
}

/// The default lifetime at `now`: from one hour before to 90 days after.
pub fn default_lifetime(now: u64) -> Lifetime {
    Lifetime {
        not_before: now.saturating_sub(DEFAULT_LIFETIME_BACKDATE),
        not_after: now.saturating_add(DEFAULT_LIFETIME_VALIDITY),
    }
}

/// Builds a KeyPackage (§10). Every setting has a default; see the methods.
///
/// ```
/// use conclave_core::credential::BasicIdentityValidator;
/// use conclave_core::crypto::{CipherSuite, CryptoProvider, SignatureKeyPair};
/// use conclave_core::key_package::{key_package_ref, validate_key_package, KeyPackageBuilder};
/// use conclave_core::time::SystemClock;
/// use conclave_core::tree::validate::GroupRequirements;
/// use conclave_core::wire::{Credential, ProtocolVersion};
///
/// # fn main() -> Result<(), conclave_core::Error> {
/// let suite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;
/// let cs = conclave_rustcrypto::RustCryptoProvider::new().cipher_suite(suite)?;
/// let signer = SignatureKeyPair::generate(cs.clone())?;
///
/// // Alice publishes a KeyPackage and keeps the bundle's private keys.
/// let bundle = KeyPackageBuilder::new().build(&*cs, &signer, Credential::basic("alice"), &SystemClock)?;
///
/// // A member of a group in the same suite checks it before adding Alice.
/// let group = GroupRequirements { cipher_suite: suite, version: ProtocolVersion::MLS10, required: None };
/// validate_key_package(&*cs, &bundle.key_package, &group, &[], &SystemClock, &BasicIdentityValidator::new())?;
/// assert_eq!(key_package_ref(&*cs, &bundle.key_package)?.len(), 32);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct KeyPackageBuilder {
    capabilities: Option<Capabilities>,
    lifetime: Option<Lifetime>,
    leaf_extensions: Vec<Extension>,
    extensions: Vec<Extension>,
    grease: bool,
}

impl Default for KeyPackageBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyPackageBuilder {
    /// A builder with the defaults: [`default_capabilities`], [`default_lifetime`],
    /// no extensions, GREASE on.
    pub fn new() -> Self {
        Self {
            capabilities: None,
            lifetime: None,
            leaf_extensions: Vec::new(),
            extensions: Vec::new(),
            grease: true,
        }
    }

    /// Replaces the default capabilities. They must list the suite, mls10,
    /// the credential's type and every non-default extension type used; GREASE
    /// values are still added unless [`KeyPackageBuilder::grease`] is off.
    pub fn capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    /// Replaces the default lifetime.
    pub fn lifetime(mut self, lifetime: Lifetime) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// The LeafNode's extensions.
    pub fn leaf_extensions(mut self, extensions: Vec<Extension>) -> Self {
        self.leaf_extensions = extensions;
        self
    }

    /// The KeyPackage's extensions.
    pub fn extensions(mut self, extensions: Vec<Extension>) -> Self {
        self.extensions = extensions;
        self
    }

    /// Whether to add GREASE values (§13.5); on by default.
    pub fn grease(mut self, on: bool) -> Self {
        self.grease = on;
        self
    }

    /// Generates the key pairs and signs the LeafNode and the KeyPackage
    /// with `signer`, whose public key becomes the leaf's `signature_key`.
    /// The KeyPackage is in `cs`'s suite; the lifetime's default is taken
    /// from `clock`.
    pub fn build(
        self,
        cs: &dyn CipherSuiteProvider,
        signer: &dyn Signer,
        credential: Credential,
        clock: &dyn Clock,
    ) -> Result<KeyPackageBundle> {
        let suite = cs.cipher_suite();
        let mut capabilities = self
            .capabilities
            .unwrap_or_else(|| default_capabilities(suite));
        let mut leaf_extensions = self.leaf_extensions;
        let mut extensions = self.extensions;
        if self.grease {
            add_grease(cs, &mut capabilities, &mut leaf_extensions, &mut extensions)?;
        }
        check_own_capabilities(
            suite,
            &capabilities,
            credential.credential_type(),
            &leaf_extensions,
            &extensions,
        )?;
        let lifetime = self
            .lifetime
            .unwrap_or_else(|| default_lifetime(clock.now()));

        let (init_private_key, init_key, encryption_private_key, encryption_key) =
            fresh_key_pairs(cs)?;

        let mut leaf_node = LeafNode {
            encryption_key: VLBytes::new(encryption_key),
            signature_key: VLBytes::new(signer.public_key().to_vec()),
            credential,
            capabilities,
            leaf_node_source: LeafNodeSource::KeyPackage(lifetime),
            extensions: leaf_extensions,
            signature: VLBytes::new(Vec::new()),
        };
        let leaf_tbs = leaf_node.tbs_bytes(None)?;
        leaf_node.signature =
            VLBytes::new(sign_with_label(signer, LEAF_NODE_TBS_LABEL, &leaf_tbs)?);

        let mut key_package = KeyPackage {
            version: ProtocolVersion::MLS10,
            cipher_suite: suite,
            init_key: VLBytes::new(init_key),
            leaf_node,
            extensions,
            signature: VLBytes::new(Vec::new()),
        };
        let tbs = key_package.tbs_bytes()?;
        key_package.signature = VLBytes::new(sign_with_label(signer, KEY_PACKAGE_TBS_LABEL, &tbs)?);

        Ok(KeyPackageBundle {
            key_package,
            init_private_key,
            encryption_private_key,
        })
    }
}

/// Two fresh HPKE key pairs, init then encryption, with distinct public keys
/// (§10.1); a collision, which has negligible probability, is regenerated.
fn fresh_key_pairs(cs: &dyn CipherSuiteProvider) -> Result<(Secret, Vec<u8>, Secret, Vec<u8>)> {
    let (init_private, init_public) = cs.kem_generate()?;
    for _ in 0..4 {
        let (enc_private, enc_public) = cs.kem_generate()?;
        if enc_public != init_public {
            return Ok((init_private, init_public, enc_private, enc_public));
        }
    }
    Err(Error::Internal(
        "the KEM keeps generating the same public key",
    ))
}

/// Checks that capabilities chosen by the caller describe the KeyPackage
/// being built, so that it passes [`validate_key_package`].
fn check_own_capabilities(
    suite: CipherSuite,
    capabilities: &Capabilities,
    credential_type: CredentialType,
    leaf_extensions: &[Extension],
    extensions: &[Extension],
) -> Result<()> {
    if !capabilities.cipher_suites.contains(&suite)
        || !capabilities.versions.contains(&ProtocolVersion::MLS10)
    {
        return Err(Error::Misuse(
            "the capabilities must list the KeyPackage's suite and mls10".into(),
        ));
    }
    if !capabilities.credentials.contains(&credential_type) {
        return Err(Error::Misuse(
            "the capabilities must list the credential's type".into(),
        ));
    }
    for list in [leaf_extensions, extensions] {
        check_unique_types(list).map_err(|_| {
            Error::Misuse("an extension list holds two extensions of one type".into())
        })?;
        if let Some(e) = list
            .iter()
            .find(|e| !listed(capabilities, e.extension_type))
        {
            return Err(Error::Misuse(format!(
                "extension type {:#06x} is not listed in the capabilities",
                e.extension_type.0
            )));
        }
    }
    Ok(())
}

/// Whether an extension type may appear given `capabilities`: default types
/// always, others when listed (§7.2, §10).
fn listed(capabilities: &Capabilities, t: ExtensionType) -> bool {
    t.is_default() || capabilities.extensions.contains(&t)
}

/// Picks a random GREASE value not in `taken`.
fn pick_grease(cs: &dyn CipherSuiteProvider, taken: &[u16]) -> Result<Option<u16>> {
    let free: Vec<u16> = GREASE_VALUES
        .iter()
        .copied()
        .filter(|v| !taken.contains(v))
        .collect();
    if free.is_empty() {
        return Ok(None);
    }
    let mut byte = [0u8; 1];
    cs.random_bytes(&mut byte)?;
    Ok(free.get(usize::from(byte[0]) % free.len()).copied())
}

/// A GREASE extension of type `t` with a random amount of random data.
fn grease_extension(cs: &dyn CipherSuiteProvider, t: u16) -> Result<Extension> {
    let mut len = [0u8; 1];
    cs.random_bytes(&mut len)?;
    let mut data = vec![0u8; usize::from(len[0]) % (MAX_GREASE_DATA + 1)];
    cs.random_bytes(&mut data)?;
    Ok(Extension::new(ExtensionType(t), data))
}

/// Adds one random GREASE value to each capability list that §13.5 names,
/// one GREASE extension to the leaf and one to the KeyPackage, and lists
/// both extension types in the capabilities.
fn add_grease(
    cs: &dyn CipherSuiteProvider,
    capabilities: &mut Capabilities,
    leaf_extensions: &mut Vec<Extension>,
    extensions: &mut Vec<Extension>,
) -> Result<()> {
    let suites: Vec<u16> = capabilities.cipher_suites.iter().map(|s| s.0).collect();
    if let Some(v) = pick_grease(cs, &suites)? {
        capabilities.cipher_suites.push(CipherSuite(v));
    }
    let proposals: Vec<u16> = capabilities.proposals.iter().map(|p| p.0).collect();
    if let Some(v) = pick_grease(cs, &proposals)? {
        capabilities.proposals.push(ProposalType(v));
    }
    let credentials: Vec<u16> = capabilities.credentials.iter().map(|c| c.0).collect();
    if let Some(v) = pick_grease(cs, &credentials)? {
        capabilities.credentials.push(CredentialType(v));
    }
    for list in [leaf_extensions, extensions] {
        let mut taken: Vec<u16> = capabilities.extensions.iter().map(|e| e.0).collect();
        taken.extend(list.iter().map(|e| e.extension_type.0));
        if let Some(v) = pick_grease(cs, &taken)? {
            list.push(grease_extension(cs, v)?);
            capabilities.extensions.push(ExtensionType(v));
        }
    }
    Ok(())
}

/// GREASE for a leaf made outside a KeyPackage (a group creator's, an
/// external joiner's): one GREASE value in each capability list and one
/// GREASE leaf extension, listed in the capabilities (§13.5).
pub fn add_leaf_grease(
    cs: &dyn CipherSuiteProvider,
    capabilities: &mut Capabilities,
    leaf_extensions: &mut Vec<Extension>,
) -> Result<()> {
    let mut unused = Vec::new();
    add_grease(cs, capabilities, leaf_extensions, &mut unused)
}

/// A GREASE extension (§13.5) of a random GREASE type not in `taken`, for
/// extension lists receivers must ignore (e.g. a GroupInfo's).
pub fn grease_extension_excluding(
    cs: &dyn CipherSuiteProvider,
    taken: &[u16],
) -> Result<Option<Extension>> {
    match pick_grease(cs, taken)? {
        Some(t) => Ok(Some(grease_extension(cs, t)?)),
        None => Ok(None),
    }
}

/// Checks that a leaf's capabilities list every non-default extension type
/// of the GroupContext's `extensions` (§13.4), as an Add requires (and a
/// GroupContextExtensions proposal of every member, §12.1.7).
pub fn check_leaf_supports_group_extensions(
    leaf: &LeafNode,
    group_context_extensions: &[Extension],
) -> Result<()> {
    match group_context_extensions
        .iter()
        .find(|e| !listed(&leaf.capabilities, e.extension_type))
    {
        Some(e) => Err(ProtocolError::LeafLacksGroupContextExtension(e.extension_type.0).into()),
        None => Ok(()),
    }
}

/// `Npk`, the length of a serialized public key of the suite's KEM
/// (RFC 9180 §7.1): an uncompressed SEC1 point or a raw Montgomery u-coordinate.
fn kem_public_key_len(suite: CipherSuite) -> Result<usize> {
    let kem = suite
        .algorithms()
        .ok_or_else(|| Error::Unsupported(format!("ciphersuite {:#06x}", suite.0)))?
        .kem;
    Ok(match kem {
        KemId::DhKemP256 => 65,
        KemId::DhKemP384 => 97,
        KemId::DhKemP521 => 133,
        KemId::DhKemX25519 => 32,
        KemId::DhKemX448 => 56,
    })
}

/// `KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage)`
/// (§5.2), over the KeyPackage's encoding.
pub fn key_package_ref(cs: &dyn CipherSuiteProvider, key_package: &KeyPackage) -> Result<Vec<u8>> {
    key_package_ref_of_encoded(cs, &codec::encode(key_package)?)
}

/// The KeyPackageRef of an already-encoded KeyPackage, for callers that hold
/// the bytes received and should not re-encode them.
pub fn key_package_ref_of_encoded(cs: &dyn CipherSuiteProvider, encoded: &[u8]) -> Result<Vec<u8>> {
    Ok(ref_hash(cs, KEY_PACKAGE_REF_LABEL, encoded)?)
}

/// The KeyPackage of an MLSMessage, after the rule of §10: its `version`
/// equals the MLSMessage's. A message of another wire format is a misuse.
pub fn key_package_from_message(message: &MlsMessage) -> Result<&KeyPackage> {
    match &message.body {
        MlsMessageBody::KeyPackage(kp) if kp.version == message.version => Ok(kp),
        MlsMessageBody::KeyPackage(_) => {
            Err(ProtocolError::KeyPackageMessageVersionMismatch.into())
        }
        _ => Err(Error::Misuse(
            "the MLSMessage does not carry a KeyPackage".into(),
        )),
    }
}

/// Validates a received KeyPackage (§10.1) for a group with the given
/// suite, version and required capabilities (§7.3 for its LeafNode):
///
/// 1. version and cipher suite equal the group's;
/// 2. the leaf's `leaf_node_source` is `key_package` and `clock`'s time is
///    within its lifetime;
/// 3. the leaf's capabilities list the group's suite and version, its own
///    credential type, every required capability and every non-default
///    extension type of `leaf_node.extensions` and of `extensions` (§10);
///    neither list repeats an extension type (§13.4);
/// 4. `init_key` and `leaf_node.encryption_key` are public keys of the
///    suite's KEM (by their length; a bad point fails when encrypted to) and
///    differ from each other;
/// 5. the LeafNode signature and the KeyPackage signature verify under
///    `leaf_node.signature_key`;
/// 6. the leaf's capabilities list every non-default extension type of
///    `group_context_extensions`, the GroupContext's extensions (§13.4; pass
///    `&[]` when no group is involved yet);
/// 7. `identity` accepts the credential bound to that key (§5.3.1).
///
/// Not checked here, because they need the group's tree: uniqueness of the
/// signature and encryption keys among the members, and the support of every
/// member for the credential type (§7.3). `cs` must be the group's suite.
pub fn validate_key_package(
    cs: &dyn CipherSuiteProvider,
    key_package: &KeyPackage,
    group: &GroupRequirements<'_>,
    group_context_extensions: &[Extension],
    clock: &dyn Clock,
    identity: &dyn IdentityValidator,
) -> Result<()> {
    validate_key_package_with(
        cs,
        key_package,
        group,
        group_context_extensions,
        clock,
        identity,
        true,
    )
}

/// The two signed messages of a KeyPackage, for batch verification: the
/// leaf node's (`LeafNodeTBS`) and the KeyPackage's (`KeyPackageTBS`).
pub(crate) fn key_package_signed_messages(key_package: &KeyPackage) -> Result<[Vec<u8>; 2]> {
    Ok([
        signed_message(LEAF_NODE_TBS_LABEL, &key_package.leaf_node.tbs_bytes(None)?)?,
        signed_message(KEY_PACKAGE_TBS_LABEL, &key_package.tbs_bytes()?)?,
    ])
}

/// [`validate_key_package`], skipping the two signature checks when
/// `verify_signatures` is false because the caller verified them already
/// (in one batch with other KeyPackages' signatures).
// One argument more than validate_key_package: the switch.
#[allow(clippy::too_many_arguments)]
pub(crate) fn validate_key_package_with(
    cs: &dyn CipherSuiteProvider,
    key_package: &KeyPackage,
    group: &GroupRequirements<'_>,
    group_context_extensions: &[Extension],
    clock: &dyn Clock,
    identity: &dyn IdentityValidator,
    verify_signatures: bool,
) -> Result<()> {
    if cs.cipher_suite() != group.cipher_suite {
        return Err(Error::Misuse(
            "the suite provider is not the group's ciphersuite".into(),
        ));
    }
    if key_package.version != group.version {
        return Err(ProtocolError::KeyPackageVersionMismatch {
            expected: group.version.0,
            got: key_package.version.0,
        }
        .into());
    }
    if key_package.cipher_suite != group.cipher_suite {
        return Err(ProtocolError::KeyPackageCipherSuiteMismatch {
            expected: group.cipher_suite.0,
            got: key_package.cipher_suite.0,
        }
        .into());
    }
    let leaf = &key_package.leaf_node;
    check_source(leaf, LeafContext::KeyPackage)?;
    check_lifetime(leaf, clock)?;
    check_unique_types(&leaf.extensions)?;
    check_unique_types(&key_package.extensions)?;
    check_capabilities(leaf, group)?;
    check_leaf_supports_group_extensions(leaf, group_context_extensions)?;
    if let Some(e) = key_package
        .extensions
        .iter()
        .find(|e| !listed(&leaf.capabilities, e.extension_type))
    {
        return Err(ProtocolError::KeyPackageExtensionNotInCapabilities(e.extension_type.0).into());
    }
    let npk = kem_public_key_len(group.cipher_suite)?;
    if key_package.init_key.as_slice().len() != npk {
        return Err(ProtocolError::KeyPackageInitKeyInvalid.into());
    }
    if leaf.encryption_key.as_slice().len() != npk {
        return Err(ProtocolError::KeyPackageEncryptionKeyInvalid.into());
    }
    if key_package.init_key.as_slice() == leaf.encryption_key.as_slice() {
        return Err(ProtocolError::InitKeyEqualsEncryptionKey.into());
    }
    let signature_key = leaf.signature_key.as_slice();
    if !verify_signatures {
        return identity.validate_credential(&leaf.credential, signature_key, group.cipher_suite);
    }
    verify_with_label(
        cs,
        signature_key,
        LEAF_NODE_TBS_LABEL,
        &leaf.tbs_bytes(None)?,
        leaf.signature.as_slice(),
    )
    .map_err(|_| ProtocolError::InvalidKeyPackageLeafSignature)?;
    verify_with_label(
        cs,
        signature_key,
        KEY_PACKAGE_TBS_LABEL,
        &key_package.tbs_bytes()?,
        key_package.signature.as_slice(),
    )
    .map_err(|_| ProtocolError::InvalidKeyPackageSignature)?;
    identity.validate_credential(&leaf.credential, signature_key, group.cipher_suite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_package_grease_values_are_grease() {
        assert!(GREASE_VALUES.iter().all(|v| codec::is_grease(*v)));
        assert_eq!(
            (0u16..=0xFFFF).filter(|v| codec::is_grease(*v)).count(),
            GREASE_VALUES.len()
        );
    }

    #[test]
    fn key_package_default_lifetime_brackets_now() {
        let l = default_lifetime(1_000_000);
        assert_eq!(l.not_before, 1_000_000 - 3600);
        assert_eq!(l.not_after, 1_000_000 + 90 * 86400);
        assert_eq!(default_lifetime(10).not_before, 0);
    }

    #[test]
    fn key_package_default_capabilities_have_no_grease() {
        let c = default_capabilities(CipherSuite::P256_AES128GCM_SHA256_P256);
        assert_eq!(c.versions, vec![ProtocolVersion::MLS10]);
        assert_eq!(c.cipher_suites, vec![CipherSuite(2)]);
        assert_eq!(
            c.credentials,
            vec![CredentialType::BASIC, CredentialType::X509]
        );
        assert!(c.extensions.is_empty() && c.proposals.is_empty());
    }

    #[test]
    fn key_package_own_capabilities_must_cover_extensions() {
        let caps = default_capabilities(CipherSuite(1));
        let unknown = [Extension::new(ExtensionType(0xff00), vec![])];
        let default = [Extension::new(ExtensionType::APPLICATION_ID, vec![])];
        assert!(matches!(
            check_own_capabilities(CipherSuite(1), &caps, CredentialType::BASIC, &unknown, &[]),
            Err(Error::Misuse(_))
        ));
        assert!(matches!(
            check_own_capabilities(CipherSuite(1), &caps, CredentialType::BASIC, &[], &unknown),
            Err(Error::Misuse(_))
        ));
        check_own_capabilities(CipherSuite(1), &caps, CredentialType::BASIC, &default, &[])
            .unwrap();
        assert!(matches!(
            check_own_capabilities(CipherSuite(2), &caps, CredentialType::BASIC, &[], &[]),
            Err(Error::Misuse(_))
        ));
        assert!(matches!(
            check_own_capabilities(CipherSuite(1), &caps, CredentialType(7), &[], &[]),
            Err(Error::Misuse(_))
        ));
    }
}
