//! Extensions (RFC 9420 §13.4, §7.2) and the payloads of the five extension
//! types RFC 9420 defines (§17.3).
//!
//! An [`Extension`] carries its payload as opaque bytes, so unknown and GREASE
//! extensions round-trip. The payload types here decode `extension_data`
//! through [`ExtensionPayload`]. [`check_unique_types`] enforces the one
//! structural rule of §13.4 that applies to every extension list.

use crate::codec::{
    self, DecodeError, DeserializeBytes, Serialize, TlsDeserialize, TlsDeserializeBytes,
    TlsSerialize, TlsSize, VLBytes,
};
use crate::{Error, ProtocolError};

use super::{Credential, CredentialType, ExtensionType, ProposalType, RatchetTreeNodes};

/// One extension (RFC 9420 §7.2).
///
/// ```text
/// struct {
///     ExtensionType extension_type;
///     opaque extension_data<V>;
/// } Extension;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct Extension {
    /// The extension's type.
    pub extension_type: ExtensionType,
    /// The encoded payload.
    pub extension_data: VLBytes,
}

/// The payload of a known extension type: its `extension_data`, decoded.
pub trait ExtensionPayload: DeserializeBytes + Serialize {
    /// The extension type whose `extension_data` this payload is.
    const EXTENSION_TYPE: ExtensionType;
}

impl Extension {
    /// An extension with the given type and raw payload.
    pub fn new(extension_type: ExtensionType, extension_data: Vec<u8>) -> Self {
        Self {
            extension_type,
            extension_data: VLBytes::new(extension_data),
        }
    }

    /// An extension carrying `payload`, encoded.
    pub fn from_payload<T: ExtensionPayload>(payload: &T) -> Result<Self, Error> {
        Ok(Self::new(T::EXTENSION_TYPE, codec::encode(payload)?))
    }

    /// Decodes the payload as a `T`. The extension must be of `T`'s type and
    /// `extension_data` must hold exactly one `T`.
    pub fn payload<T: ExtensionPayload>(&self) -> Result<T, DecodeError> {
        if self.extension_type != T::EXTENSION_TYPE {
            return Err(DecodeError::new(
                core::any::type_name::<T>(),
                format!(
                    "extension of type {:#06x} is not a {:#06x}",
                    self.extension_type.0,
                    T::EXTENSION_TYPE.0
                ),
            ));
        }
        codec::decode_exact(self.extension_data.as_slice())
    }
}

/// The first extension of type `extension_type` in `extensions`.
pub fn find(extensions: &[Extension], extension_type: ExtensionType) -> Option<&Extension> {
    extensions
        .iter()
        .find(|e| e.extension_type == extension_type)
}

/// The decoded payload of the extension of `T`'s type in `extensions`, if
/// there is one.
pub fn find_payload<T: ExtensionPayload>(
    extensions: &[Extension],
) -> Result<Option<T>, DecodeError> {
    find(extensions, T::EXTENSION_TYPE)
        .map(Extension::payload)
        .transpose()
}

/// Checks that no two extensions in `extensions` have the same type
/// (RFC 9420 §13.4: "Any field containing a list of extensions MUST NOT have
/// more than one extension of any given type").
pub fn check_unique_types(extensions: &[Extension]) -> Result<(), ProtocolError> {
    let mut types: Vec<u16> = extensions.iter().map(|e| e.extension_type.0).collect();
    types.sort_unstable();
    match types.windows(2).find_map(|w| match w {
        [a, b] if a == b => Some(*a),
        _ => None,
    }) {
        Some(t) => Err(ProtocolError::DuplicateExtension(ExtensionType(t))),
        None => Ok(()),
    }
}

/// The `application_id` extension (RFC 9420 §5.3.3), in LeafNodes.
///
/// ```text
/// opaque application_id<V>;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct ApplicationId {
    /// The application-defined identifier of the client.
    pub application_id: VLBytes,
}

impl ExtensionPayload for ApplicationId {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::APPLICATION_ID;
}

/// The `ratchet_tree` extension (RFC 9420 §12.4.3.3), in GroupInfos.
///
/// ```text
/// optional<Node> ratchet_tree<V>;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct RatchetTreeExtension {
    /// The tree's nodes in array order, `None` for blank nodes.
    pub ratchet_tree: RatchetTreeNodes,
}

impl ExtensionPayload for RatchetTreeExtension {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::RATCHET_TREE;
}

/// The `required_capabilities` extension (RFC 9420 §11.1), in GroupContexts.
///
/// ```text
/// struct {
///     ExtensionType extension_types<V>;
///     ProposalType proposal_types<V>;
///     CredentialType credential_types<V>;
/// } RequiredCapabilities;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, Default, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct RequiredCapabilities {
    /// Extension types every member must support.
    pub extension_types: Vec<ExtensionType>,
    /// Proposal types every member must support.
    pub proposal_types: Vec<ProposalType>,
    /// Credential types every member must support.
    pub credential_types: Vec<CredentialType>,
}

impl ExtensionPayload for RequiredCapabilities {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::REQUIRED_CAPABILITIES;
}

/// The `external_pub` extension (RFC 9420 §12.4.3.2), in GroupInfos.
///
/// ```text
/// struct {
///     HPKEPublicKey external_pub;
/// } ExternalPub;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct ExternalPub {
    /// The HPKE public key external joiners encapsulate to.
    pub external_pub: VLBytes,
}

impl ExtensionPayload for ExternalPub {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::EXTERNAL_PUB;
}

/// One entry of the `external_senders` extension (RFC 9420 §12.1.8.1), in
/// GroupContexts. The extension's payload is `Vec<ExternalSender>`.
///
/// ```text
/// struct {
///   SignaturePublicKey signature_key;
///   Credential credential;
/// } ExternalSender;
///
/// ExternalSender external_senders<V>;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct ExternalSender {
    /// The external sender's signature public key.
    pub signature_key: VLBytes,
    /// The external sender's credential.
    pub credential: Credential,
}

impl ExtensionPayload for Vec<ExternalSender> {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::EXTERNAL_SENDERS;
}
