//! Proposals from outside the group (RFC 9420 §12.1.8): from an external
//! sender listed in the group's `external_senders` extension (sender type
//! `external`), and self-adds of a new member (sender type
//! `new_member_proposal`).
//!
//! Both are sent as PublicMessages without a membership tag (§6.2), signed
//! over a FramedContentTBS without the GroupContext (§6.1); members verify
//! them with the external sender's key (an unknown index is rejected with
//! [`ProtocolError::UnknownExternalSender`](crate::ProtocolError)) or with
//! the KeyPackage's leaf key, check them (§12.1: an Update or ExternalInit
//! from outside is refused) and cache them to be committed by reference.
//!
//! The external senders' credentials are validated with the application's
//! [`IdentityValidator::validate_external_sender`] whenever the extension is
//! set or changed, or a member learns it by joining (§5.3.1).

use crate::credential::IdentityValidator;
use crate::crypto::{CipherSuite, CipherSuiteProvider, Secret, Signer};
use crate::error::Result;
use crate::framing::{protect_public, sign_content, EpochKeys};
use crate::key_package::KeyPackageBundle;
use crate::wire::extension::find_payload;
use crate::wire::{
    Add, Extension, ExternalSender, FramedContent, FramedContentBody, GroupContext, MlsMessage,
    MlsMessageBody, Proposal, Sender, WireFormat,
};
use crate::Error;

use super::{group_info_of, Group};

/// Validates, with the Authentication Service, every external sender listed
/// in an `external_senders` extension among `extensions` (§5.3.1: "when the
/// `external_senders` extension is added or changed"; §12.1.8.1). Called when
/// a group is created with the extension, when a GroupContextExtensions
/// proposal sets it, and when a member joins (Welcome or external commit).
/// A rejection is the validator's error, by default
/// [`ProtocolError::ExternalSenderRejected`](crate::ProtocolError).
pub(crate) fn validate_external_senders(
    identity: &dyn IdentityValidator,
    extensions: &[Extension],
    cipher_suite: CipherSuite,
) -> Result<()> {
    let Some(senders) = find_payload::<Vec<ExternalSender>>(extensions)? else {
        return Ok(());
    };
    for sender in &senders {
        identity.validate_external_sender(
            &sender.credential,
            sender.signature_key.as_slice(),
            cipher_suite,
        )?;
    }
    Ok(())
}

/// Signs `proposal` as `sender` in the epoch of `context` and frames it as a
/// PublicMessage (no membership tag for senders outside the group).
fn outside_proposal(
    cs: &dyn CipherSuiteProvider,
    signer: &dyn Signer,
    sender: Sender,
    context: &GroupContext,
    proposal: Proposal,
    authenticated_data: &[u8],
) -> Result<MlsMessage> {
    let content = sign_content(
        signer,
        WireFormat::PUBLIC_MESSAGE,
        FramedContent {
            group_id: context.group_id.clone(),
            epoch: context.epoch,
            sender,
            authenticated_data: authenticated_data.to_vec().into(),
            content: FramedContentBody::Proposal(proposal),
        },
        context,
    )?;
    // Senders outside the group have no membership key: unused here (§6.2).
    let unused = Secret::zero(cs.hash_len());
    let keys = EpochKeys {
        cs,
        group_context: context,
        membership_key: &unused,
        sender_data_secret: &unused,
    };
    Ok(MlsMessage::new(MlsMessageBody::PublicMessage(
        protect_public(&keys, content)?,
    )))
}

/// An external sender's proposal (§12.1.8): `sender_index` is the sender's
/// position in the group's `external_senders` extension, `context` the
/// GroupContext of the epoch the proposal is for (e.g. from a GroupInfo).
/// Only Add, Remove, PreSharedKey, ReInit and GroupContextExtensions may be
/// sent this way; others fail with [`Error::Misuse`].
pub fn external_proposal(
    cs: &dyn CipherSuiteProvider,
    signer: &dyn Signer,
    sender_index: u32,
    context: &GroupContext,
    proposal: Proposal,
) -> Result<MlsMessage> {
    match proposal {
        Proposal::Add(_)
        | Proposal::Remove(_)
        | Proposal::PreSharedKey(_)
        | Proposal::ReInit(_)
        | Proposal::GroupContextExtensions(_) => {}
        Proposal::Update(_) | Proposal::ExternalInit(_) => {
            return Err(Error::Misuse(
                "an external sender may not send Update or ExternalInit (RFC 9420 §12.1.8)".into(),
            ))
        }
    }
    outside_proposal(
        cs,
        signer,
        Sender::External(sender_index),
        context,
        proposal,
        &[],
    )
}

impl Group {
    /// A new member's proposal to add itself (`new_member_proposal`,
    /// §12.1.8): an Add of `key_package`, for the epoch of `group_info`,
    /// signed with the KeyPackage's leaf key (`signer`).
    pub fn new_member_add_proposal(
        cs: &dyn CipherSuiteProvider,
        group_info: &MlsMessage,
        key_package: &KeyPackageBundle,
        signer: &dyn Signer,
    ) -> Result<MlsMessage> {
        let info = group_info_of(group_info)?;
        if signer.public_key() != key_package.key_package.leaf_node.signature_key.as_slice() {
            return Err(Error::Misuse(
                "the signer is not the KeyPackage's signature key".into(),
            ));
        }
        outside_proposal(
            cs,
            signer,
            Sender::NewMemberProposal,
            &info.group_context,
            Proposal::Add(Add {
                key_package: Box::new(key_package.key_package.clone()),
            }),
            &[],
        )
    }
}
