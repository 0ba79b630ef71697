//! Subgroup branching (RFC 9420 §11.3): a new group made of some members of
//! this one, bound to it by a resumption PSK of usage `branch`.
//!
//! [`Group::branch`] creates the branch (same version and ciphersuite, a
//! new group id, chosen extensions) and adds the members' new KeyPackages
//! in its first commit with the branch PSK of this group's current epoch
//! (a fresh nonce of Nh bytes), so the Welcome is for epoch 1.
//! [`Group::join_branch`] checks, besides [`Group::join`]: the PSK, epoch 1,
//! the same version and suite (each its own error), and every member of the
//! branch presents the identity of a member of this group (§11.3,
//! §12.4.3.1).

use std::sync::Arc;

use crate::crypto::{CipherSuite, CipherSuiteProvider, Signer};
use crate::error::Result;
use crate::key_package::KeyPackageBundle;
use crate::tree::TreeView;
use crate::wire::{
    Extension, KeyPackage, MlsMessage, MlsMessageBody, ProtocolVersion, RatchetTreeNodes,
    ResumptionPskUsage,
};
use crate::{Error, ProtocolError};

use super::{Group, GroupConfig, Services};

impl Group {
    /// Creates a branch of this group (§11.3) with `new_group_id`, adding
    /// the members' new `key_packages`. Returns it at epoch 1 and the
    /// Welcome (None when no KeyPackage is given).
    pub fn branch(
        &self,
        new_group_id: Vec<u8>,
        key_packages: Vec<KeyPackage>,
        extensions: Vec<Extension>,
    ) -> Result<(Group, Option<MlsMessage>)> {
        self.check_active()?;
        let credential = self
            .public
            .tree
            .leaf(self.own.leaf)
            .map(|l| l.credential.clone())
            .ok_or(Error::Internal("our own leaf is blank"))?;
        self.start_resumed(
            self.cs.clone(),
            self.signer.clone(),
            credential,
            new_group_id,
            extensions,
            key_packages,
            ResumptionPskUsage::Branch,
            self.config.clone(),
            self.services.clone(),
        )
    }

    /// Joins a branch of this group from its Welcome (§11.3, §12.4.3.1).
    ///
    /// Before anything is decrypted, the Welcome's `version` (of its
    /// MLSMessage) and `cipher_suite` must be the old group's
    /// ([`ProtocolError::BranchVersionMismatch`],
    /// [`ProtocolError::BranchCipherSuiteMismatch`]); after the join of
    /// [`Group::join`] with the branch PSK and epoch 1, the new
    /// GroupContext must agree as well, and every member of the branch must
    /// present the identity of a member of this group
    /// ([`ProtocolError::BranchMemberNotInOldGroup`]).
    #[allow(clippy::too_many_arguments)]
    pub fn join_branch(
        &self,
        cs: Arc<dyn CipherSuiteProvider>,
        signer: Arc<dyn Signer>,
        welcome: &MlsMessage,
        key_package: KeyPackageBundle,
        ratchet_tree: Option<RatchetTreeNodes>,
        config: GroupConfig,
        services: Services,
    ) -> Result<Group> {
        self.check_branch_params(welcome.version, self.welcome_suite(welcome)?)?;
        let group = self.join_resumed(
            cs,
            signer,
            welcome,
            key_package,
            ratchet_tree,
            ResumptionPskUsage::Branch,
            config,
            services,
        )?;
        self.check_branch_params(group.context().version, group.cipher_suite())?;
        let identity = self.services.identity.as_ref();
        let old: Vec<Vec<u8>> = self
            .public
            .tree
            .members()
            .filter_map(|(_, n)| identity.identity(&n.credential).ok())
            .collect();
        for (leaf, node) in group.public.tree.members() {
            if !old.contains(&identity.identity(&node.credential)?) {
                return Err(ProtocolError::BranchMemberNotInOldGroup { leaf: leaf.0 }.into());
            }
        }
        Ok(group)
    }

    fn welcome_suite(&self, welcome: &MlsMessage) -> Result<CipherSuite> {
        match &welcome.body {
            MlsMessageBody::Welcome(w) => Ok(w.cipher_suite),
            _ => Err(Error::Misuse("the message is not a Welcome".into())),
        }
    }

    /// §11.3: a branch keeps the old group's version and cipher suite.
    fn check_branch_params(&self, version: ProtocolVersion, suite: CipherSuite) -> Result<()> {
        let old = self.context();
        if version != old.version {
            return Err(ProtocolError::BranchVersionMismatch {
                old: old.version.0,
                branch: version.0,
            }
            .into());
        }
        if suite != old.cipher_suite {
            return Err(ProtocolError::BranchCipherSuiteMismatch {
                old: old.cipher_suite.0,
                branch: suite.0,
            }
            .into());
        }
        Ok(())
    }
}
