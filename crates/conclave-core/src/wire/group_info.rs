//! GroupInfo (RFC 9420 §12.4.3): what a joiner learns about a group, signed
//! by a member, and the `GroupInfoTBS` that signature covers.

use crate::codec::{TlsDeserialize, TlsDeserializeBytes, TlsSerialize, TlsSize, VLBytes};
use crate::Error;

use super::{Extension, GroupContext};

/// A GroupInfo (RFC 9420 §12.4.3).
///
/// ```text
/// struct {
///     GroupContext group_context;
///     Extension extensions<V>;
///     MAC confirmation_tag;
///     uint32 signer;
///     /* SignWithLabel(., "GroupInfoTBS", GroupInfoTBS) */
///     opaque signature<V>;
/// } GroupInfo;
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, PartialEq, Eq, TlsSerialize, TlsDeserialize, TlsDeserializeBytes, TlsSize,
)]
pub struct GroupInfo {
    /// The group's state in the epoch being joined.
    pub group_context: GroupContext,
    /// Extensions for joiners (e.g. `ratchet_tree`, `external_pub`).
    pub extensions: Vec<Extension>,
    /// The confirmation tag of the epoch.
    pub confirmation_tag: VLBytes,
    /// The leaf index of the member who signed.
    pub signer: u32,
    /// The signature over the [`GroupInfoTbs`].
    pub signature: VLBytes,
}

/// What a GroupInfo's signature covers (RFC 9420 §12.4.3), borrowing from it.
///
/// ```text
/// struct {
///     GroupContext group_context;
///     Extension extensions<V>;
///     MAC confirmation_tag;
///     uint32 signer;
/// } GroupInfoTBS;
/// ```
#[derive(Debug, TlsSerialize, TlsSize)]
pub struct GroupInfoTbs<'a> {
    group_context: &'a GroupContext,
    extensions: &'a [Extension],
    confirmation_tag: &'a VLBytes,
    signer: u32,
}

impl GroupInfo {
    /// The `GroupInfoTBS` of this GroupInfo.
    pub fn tbs(&self) -> GroupInfoTbs<'_> {
        GroupInfoTbs {
            group_context: &self.group_context,
            extensions: &self.extensions,
            confirmation_tag: &self.confirmation_tag,
            signer: self.signer,
        }
    }

    /// The encoded `GroupInfoTBS`, the content `SignWithLabel` signs.
    pub fn tbs_bytes(&self) -> Result<Vec<u8>, Error> {
        crate::codec::encode(&self.tbs())
    }
}
