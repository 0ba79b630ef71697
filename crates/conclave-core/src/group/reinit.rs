//! Reinitialization (RFC 9420 §11.2) and the resumption machinery it shares
//! with branching (§11.3, `branch.rs`).
//!
//! A commit holding a ReInit (alone, §12.2) closes the group: once merged,
//! the group sends and accepts nothing more
//! ([`ProtocolError::GroupReInitialized`]). A member then creates the
//! successor group with the ReInit's parameters (ciphersuite, group id,
//! version, extensions may all differ) with [`Group::reinit_successor`]:
//! the new group is created and its first commit adds the other members'
//! new KeyPackages with a resumption PSK of usage `reinit` naming the old
//! group's last epoch, so the Welcome is for epoch 1. Joiners use
//! [`Group::join_reinit`], passing their old group, which supplies the
//! resumption secret and the ReInit to check the new GroupContext against
//! (§12.4.3.1, last paragraphs).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::crypto::{CipherSuiteProvider, Secret, Signer};
use crate::error::Result;
use crate::key_package::KeyPackageBundle;
use crate::schedule::PskStore;
use crate::wire::{
    Add, Credential, Extension, GroupContext, KeyPackage, MlsMessage, PreSharedKey, PreSharedKeyId,
    Proposal, Psk, RatchetTreeNodes, ReInit, ResumptionPskUsage, Sender,
};
use crate::{Error, ProtocolError};

use super::commit::{CommitOptions, Forgery};
use super::{Group, GroupConfig, Services, SharedPskStore};

/// The application's PSK store plus one resumption PSK of another group
/// (for the first epoch of a successor or branch), recording whether it
/// was asked for.
struct ResumedPsk {
    id_group: Vec<u8>,
    epoch: u64,
    usage: ResumptionPskUsage,
    secret: Secret,
    asked: Arc<AtomicBool>,
    inner: Arc<dyn SharedPskStore>,
}

impl PskStore for ResumedPsk {
    fn psk(&self, id: &PreSharedKeyId) -> Option<Secret> {
        match &id.psk {
            Psk::Resumption {
                usage,
                psk_group_id,
                psk_epoch,
            } if *usage == self.usage
                && psk_group_id.as_slice() == self.id_group
                && *psk_epoch == self.epoch =>
            {
                self.asked.store(true, Ordering::Relaxed);
                Some(self.secret.clone())
            }
            _ => self.inner.psk(id),
        }
    }
}

/// The validity of a ReInit proposal on its own (§12.1.5): its version is
/// not below the group's (a downgrade is refused with
/// [`ProtocolError::ReInitVersionDowngrade`]). Called from the proposal
/// checks of every path (proposing, receiving, committing).
pub(crate) fn check_reinit(reinit: &ReInit, context: &GroupContext) -> Result<()> {
    if reinit.version < context.version {
        return Err(ProtocolError::ReInitVersionDowngrade {
            proposed: reinit.version.0,
            current: context.version.0,
        }
        .into());
    }
    Ok(())
}

impl Group {
    fn resumed_services(
        &self,
        services: &Services,
        usage: ResumptionPskUsage,
    ) -> (Services, Arc<AtomicBool>) {
        let asked = Arc::new(AtomicBool::new(false));
        let store = ResumedPsk {
            id_group: self.group_id().to_vec(),
            epoch: self.epoch(),
            usage,
            secret: self.epoch.secrets.resumption_psk.clone(),
            asked: asked.clone(),
            inner: services.psks.clone(),
        };
        (
            Services {
                psks: Arc::new(store),
                ..services.clone()
            },
            asked,
        )
    }

    /// Creates a group resuming this one (§11.2, §11.3): created with the
    /// given parameters, then a first commit adds `key_packages` with a
    /// resumption PSK of `usage` naming this group's current epoch.
    /// Returns the new group at epoch 1 and the Welcome.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start_resumed(
        &self,
        cs: Arc<dyn CipherSuiteProvider>,
        signer: Arc<dyn Signer>,
        credential: Credential,
        group_id: Vec<u8>,
        extensions: Vec<Extension>,
        key_packages: Vec<KeyPackage>,
        usage: ResumptionPskUsage,
        config: GroupConfig,
        services: Services,
    ) -> Result<(Group, Option<MlsMessage>)> {
        let mut nonce = vec![0u8; cs.hash_len()];
        cs.random_bytes(&mut nonce)?;
        let psk = PreSharedKeyId {
            psk: Psk::Resumption {
                usage,
                psk_group_id: self.group_id().to_vec().into(),
                psk_epoch: self.epoch(),
            },
            psk_nonce: nonce.into(),
        };
        let (resumed, _) = self.resumed_services(&services, usage);
        let mut group = Group::create(
            cs, signer, credential, group_id, extensions, config, resumed,
        )?;
        let mut proposals = Vec::with_capacity(key_packages.len() + 1);
        let own = Sender::Member(group.own_leaf().0);
        for (i, kp) in key_packages.into_iter().enumerate() {
            let add = Proposal::Add(Add {
                key_package: Box::new(kp),
            });
            group.checks().check_proposal(&add, &own, i)?;
            proposals.push(add);
        }
        proposals.push(Proposal::PreSharedKey(PreSharedKey { psk }));
        // The §12.2 list checks refuse reinit/branch PSKs in regular
        // commits: this first commit of a resumed group is the one place
        // they belong. The Adds were checked one by one above.
        let out = group.commit_with(
            CommitOptions {
                proposals,
                include_pending: false,
                force_path: false,
            },
            &Forgery {
                skip_checks: true,
                ..Forgery::default()
            },
        )?;
        group.merge_pending_commit(out.pending)?;
        group.services = services;
        Ok((group, out.welcome))
    }

    /// Joins a group that resumes this one from its Welcome: the resumption
    /// PSK of `usage` for this group's current epoch must be among the
    /// Welcome's PSKs, and the new group must be at epoch 1 (§12.4.3.1).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn join_resumed(
        &self,
        cs: Arc<dyn CipherSuiteProvider>,
        signer: Arc<dyn Signer>,
        welcome: &MlsMessage,
        key_package: KeyPackageBundle,
        ratchet_tree: Option<RatchetTreeNodes>,
        usage: ResumptionPskUsage,
        config: GroupConfig,
        services: Services,
    ) -> Result<Group> {
        let (resumed, asked) = self.resumed_services(&services, usage);
        let mut group = Group::join(
            cs,
            signer,
            welcome,
            key_package,
            ratchet_tree,
            config,
            resumed,
        )?;
        group.services = services;
        if !asked.load(Ordering::Relaxed) {
            return Err(ProtocolError::ResumptionPskMissing.into());
        }
        if group.epoch() != 1 {
            return Err(ProtocolError::ResumptionWelcomeEpoch(group.epoch()).into());
        }
        Ok(group)
    }

    /// The ReInit this group was closed by, if any (§11.2).
    pub fn reinit(&self) -> Option<&ReInit> {
        self.reinit.as_ref()
    }

    /// Creates the successor of a group closed by a ReInit commit (§11.2):
    /// a group with the ReInit's group id, version, ciphersuite (of `cs`,
    /// which must match) and extensions, whose first commit adds the other
    /// members' new `key_packages` with a resumption PSK of usage `reinit`.
    /// Returns it at epoch 1 and the Welcome for the others.
    #[allow(clippy::too_many_arguments)]
    pub fn reinit_successor(
        &self,
        cs: Arc<dyn CipherSuiteProvider>,
        signer: Arc<dyn Signer>,
        credential: Credential,
        key_packages: Vec<KeyPackage>,
        config: GroupConfig,
        services: Services,
    ) -> Result<(Group, Option<MlsMessage>)> {
        let reinit = self.reinit.clone().ok_or(Error::Misuse(
            "the group has no merged ReInit commit".into(),
        ))?;
        if reinit.cipher_suite != cs.cipher_suite() || reinit.version != self.context().version {
            return Err(Error::Misuse(
                "the provider's suite or the version differs from the ReInit's".into(),
            ));
        }
        self.start_resumed(
            cs,
            signer,
            credential,
            reinit.group_id.as_slice().to_vec(),
            reinit.extensions.clone(),
            key_packages,
            ResumptionPskUsage::Reinit,
            config,
            services,
        )
    }

    /// Joins the successor of this group (closed by a ReInit) from its
    /// Welcome (§12.4.3.1): besides the checks of [`Group::join`], the
    /// Welcome is for epoch 1, carries the reinit resumption PSK of this
    /// group's last epoch, and the new GroupContext matches the ReInit
    /// (group id, version, ciphersuite, extensions).
    #[allow(clippy::too_many_arguments)]
    pub fn join_reinit(
        &self,
        cs: Arc<dyn CipherSuiteProvider>,
        signer: Arc<dyn Signer>,
        welcome: &MlsMessage,
        key_package: KeyPackageBundle,
        ratchet_tree: Option<RatchetTreeNodes>,
        config: GroupConfig,
        services: Services,
    ) -> Result<Group> {
        let reinit = self.reinit.as_ref().ok_or(ProtocolError::ReInitMismatch)?;
        let group = self.join_resumed(
            cs,
            signer,
            welcome,
            key_package,
            ratchet_tree,
            ResumptionPskUsage::Reinit,
            config,
            services,
        )?;
        let ctx = group.context();
        if ctx.group_id != reinit.group_id
            || ctx.version != reinit.version
            || ctx.cipher_suite != reinit.cipher_suite
            || ctx.extensions != reinit.extensions
        {
            return Err(ProtocolError::ReInitMismatch.into());
        }
        Ok(group)
    }
}
