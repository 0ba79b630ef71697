//! Registry values as open newtypes: protocol versions, wire formats (RFC 9420
//! §6, §17.2), extension types (§17.3), proposal types (§17.4) and credential
//! types (§17.5).
//!
//! Every type here is a `uint16` on the wire. They are newtypes rather than
//! Rust enums so that values outside the registry, GREASE values (§13.5)
//! included, decode and re-encode unchanged: §13.4 requires unknown values in
//! capabilities and unknown extensions to be ignored, not rejected. Which
//! values a field may carry is checked where the field is given meaning.

use crate::codec::{TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize};

macro_rules! registry_u16 {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            TlsSerialize,
            TlsDeserialize,
            TlsDeserializeBytes,
            TlsSize,
        )]
        pub struct $name(pub u16);

        impl $name {
            /// Whether this is one of the GREASE values of RFC 9420 §13.5
            /// (`0x0A0A`, `0x1A1A`, ..., `0xEAEA`).
            pub fn is_grease(self) -> bool {
                crate::codec::is_grease(self.0)
            }
        }

        impl From<u16> for $name {
            fn from(value: u16) -> Self {
                Self(value)
            }
        }
    };
}

registry_u16! {
    /// ```text
    /// enum {
    ///     reserved(0),
    ///     mls10(1),
    ///     (65535)
    /// } ProtocolVersion;
    /// ```
    /// (RFC 9420 §6.) Kept open: a KeyPackage for a future version must still
    /// decode so that it can be rejected by name rather than as malformed.
    ProtocolVersion
}

impl ProtocolVersion {
    /// `mls10(1)`, the version RFC 9420 defines.
    pub const MLS10: Self = Self(1);
}

registry_u16! {
    /// ```text
    /// // See the "MLS Wire Formats" IANA registry for values
    /// uint16 WireFormat;
    /// ```
    /// (RFC 9420 §6, registry §17.2.)
    WireFormat
}

impl WireFormat {
    /// `mls_public_message`.
    pub const PUBLIC_MESSAGE: Self = Self(1);
    /// `mls_private_message`.
    pub const PRIVATE_MESSAGE: Self = Self(2);
    /// `mls_welcome`.
    pub const WELCOME: Self = Self(3);
    /// `mls_group_info`.
    pub const GROUP_INFO: Self = Self(4);
    /// `mls_key_package`.
    pub const KEY_PACKAGE: Self = Self(5);
}

registry_u16! {
    /// ```text
    /// // See the "MLS Extension Types" IANA registry for values
    /// uint16 ExtensionType;
    /// ```
    /// (RFC 9420 §7.2, registry §17.3.)
    ExtensionType
}

impl ExtensionType {
    /// `application_id` (§5.3.3), in LeafNodes.
    pub const APPLICATION_ID: Self = Self(1);
    /// `ratchet_tree` (§12.4.3.3), in GroupInfos.
    pub const RATCHET_TREE: Self = Self(2);
    /// `required_capabilities` (§11.1), in GroupContexts.
    pub const REQUIRED_CAPABILITIES: Self = Self(3);
    /// `external_pub` (§12.4.3.2), in GroupInfos.
    pub const EXTERNAL_PUB: Self = Self(4);
    /// `external_senders` (§12.1.8.1), in GroupContexts.
    pub const EXTERNAL_SENDERS: Self = Self(5);

    /// The extension types of RFC 9420 that every client supports and that
    /// `Capabilities.extensions` must not list (§7.2).
    pub const DEFAULTS: [Self; 5] = [Self(1), Self(2), Self(3), Self(4), Self(5)];

    /// Whether this is one of the "default" extension types of §7.2.
    pub fn is_default(self) -> bool {
        Self::DEFAULTS.contains(&self)
    }
}

registry_u16! {
    /// ```text
    /// // See the "MLS Proposal Types" IANA registry for values
    /// uint16 ProposalType;
    /// ```
    /// (RFC 9420 §12.1, registry §17.4.)
    ProposalType
}

impl ProposalType {
    /// `add` (§12.1.1).
    pub const ADD: Self = Self(1);
    /// `update` (§12.1.2).
    pub const UPDATE: Self = Self(2);
    /// `remove` (§12.1.3).
    pub const REMOVE: Self = Self(3);
    /// `psk` (§12.1.4).
    pub const PSK: Self = Self(4);
    /// `reinit` (§12.1.5).
    pub const REINIT: Self = Self(5);
    /// `external_init` (§12.1.6).
    pub const EXTERNAL_INIT: Self = Self(6);
    /// `group_context_extensions` (§12.1.7).
    pub const GROUP_CONTEXT_EXTENSIONS: Self = Self(7);

    /// The proposal types of RFC 9420 that every client supports and that
    /// `Capabilities.proposals` must not list (§7.2).
    pub const DEFAULTS: [Self; 7] = [
        Self(1),
        Self(2),
        Self(3),
        Self(4),
        Self(5),
        Self(6),
        Self(7),
    ];

    /// Whether this is one of the "default" proposal types of §7.2.
    pub fn is_default(self) -> bool {
        Self::DEFAULTS.contains(&self)
    }
}

registry_u16! {
    /// ```text
    /// // See the "MLS Credential Types" IANA registry for values
    /// uint16 CredentialType;
    /// ```
    /// (RFC 9420 §5.3, registry §17.5.)
    CredentialType
}

impl CredentialType {
    /// `basic`: a bare identity.
    pub const BASIC: Self = Self(1);
    /// `x509`: a chain of DER certificates.
    pub const X509: Self = Self(2);
}
