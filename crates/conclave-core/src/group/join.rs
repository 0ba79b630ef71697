//! Entering a group: creating one (RFC 9420 §11) and joining from a
//! Welcome (§12.4.3.1).

use std::sync::Arc;

use crate::codec::VLBytes;
use crate::crypto::{sign_with_label, CipherSuiteProvider, Secret, Signer};
use crate::error::Result;
use crate::key_package::{
    default_capabilities, default_lifetime, key_package_ref, KeyPackageBundle,
};
use crate::schedule::{
    check_joined_epoch, confirmation_tag, interim_transcript_hash, open_group_info,
    open_group_secrets, InitSecret, JoinerSecret, PskSecret, PskStore,
};
use crate::tree::treekem::derive_path_keys;
use crate::tree::validate::LEAF_NODE_TBS_LABEL;
use crate::tree::{LeafIndex, RatchetTree, TreePrivateKeys, TreeView};
use crate::wire::extension::check_unique_types;
use crate::wire::{
    Credential, Extension, GroupContext, LeafNode, LeafNodeSource, MlsMessage, MlsMessageBody,
    ProtocolVersion, RatchetTreeNodes,
};
use crate::{Error, ProtocolError};

use super::proposals::check_extension_support;
use super::state::PublicState;
use super::{Group, GroupConfig, Services};

impl Group {
    /// Creates a group with us as its only member, at epoch 0 (§11).
    ///
    /// Our leaf lists this implementation's capabilities plus the
    /// non-default extension types of `extensions`.
    pub fn create(
        cs: Arc<dyn CipherSuiteProvider>,
        signer: Arc<dyn Signer>,
        credential: Credential,
        group_id: Vec<u8>,
        extensions: Vec<Extension>,
        config: GroupConfig,
        services: Services,
    ) -> Result<Group> {
        let suite = cs.cipher_suite();
        check_unique_types(&extensions)?;
        services
            .identity
            .validate_credential(&credential, signer.public_key(), suite)?;
        super::external_proposal::validate_external_senders(
            services.identity.as_ref(),
            &extensions,
            suite,
        )?;
        let mut capabilities = default_capabilities(suite);
        for e in &extensions {
            if !e.extension_type.is_default()
                && !capabilities.extensions.contains(&e.extension_type)
            {
                capabilities.extensions.push(e.extension_type);
            }
        }
        let mut leaf_extensions = Vec::new();
        if config.grease {
            crate::key_package::add_leaf_grease(
                cs.as_ref(),
                &mut capabilities,
                &mut leaf_extensions,
            )?;
        }
        let (leaf_private, leaf_public) = cs.kem_generate()?;
        let mut leaf = LeafNode {
            encryption_key: leaf_public.into(),
            signature_key: signer.public_key().to_vec().into(),
            credential,
            capabilities,
            leaf_node_source: LeafNodeSource::KeyPackage(default_lifetime(services.clock.now())),
            extensions: leaf_extensions,
            signature: VLBytes::new(Vec::new()),
        };
        let tbs = leaf.tbs_bytes(None)?;
        leaf.signature = sign_with_label(signer.as_ref(), LEAF_NODE_TBS_LABEL, &tbs)?.into();
        let tree = RatchetTree::new(cs.as_ref(), leaf)?;
        check_extension_support(&tree, &extensions)?;
        let context = GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: suite,
            group_id: group_id.into(),
            epoch: 0,
            tree_hash: tree.root_hash().to_vec().into(),
            confirmed_transcript_hash: Vec::new().into(),
            extensions,
        };
        let context_bytes = crate::codec::encode(&context)?;
        let secrets = InitSecret::random(cs.as_ref())?
            .joiner(cs.as_ref(), &Secret::zero(cs.hash_len()), &context_bytes)?
            .member(cs.as_ref(), &PskSecret::zero(cs.as_ref()))?
            .epoch(cs.as_ref(), &context_bytes)?
            .derive(cs.as_ref())?;
        let tag = confirmation_tag(cs.as_ref(), &secrets.confirmation_key, &[])?;
        let interim = interim_transcript_hash(cs.as_ref(), &[], &tag)?;
        let public = PublicState {
            context,
            tree,
            interim_transcript_hash: interim,
            confirmation_tag: tag,
        };
        let private_keys = TreePrivateKeys::new(LeafIndex(0), leaf_private);
        Group::new_member(cs, signer, config, services, public, private_keys, secrets)
    }

    /// Joins a group from a Welcome (§12.4.3.1), with the ratchet tree given
    /// out of band or, if `None`, from the GroupInfo's `ratchet_tree`
    /// extension. Every check of §12.4.3.1 is made: our KeyPackageRef, the
    /// GroupSecrets and GroupInfo decrypt, the PSKs are known, the GroupInfo
    /// signature by the signer's leaf, the tree hash, the full tree
    /// validation (with the clock), our leaf identical to the KeyPackage's,
    /// the path secret's keys match the tree, and the confirmation tag.
    pub fn join(
        cs: Arc<dyn CipherSuiteProvider>,
        signer: Arc<dyn Signer>,
        welcome: &MlsMessage,
        key_package: KeyPackageBundle,
        ratchet_tree: Option<RatchetTreeNodes>,
        config: GroupConfig,
        services: Services,
    ) -> Result<Group> {
        let c = cs.as_ref();
        let MlsMessageBody::Welcome(welcome) = &welcome.body else {
            return Err(Error::Misuse("the message is not a Welcome".into()));
        };
        let kp = &key_package.key_package;
        if welcome.cipher_suite != c.cipher_suite() || kp.cipher_suite != c.cipher_suite() {
            return Err(ProtocolError::WelcomeCipherSuiteMismatch.into());
        }
        let kp_ref = key_package_ref(c, kp)?;
        let group_secrets = open_group_secrets(
            c,
            welcome,
            &kp_ref,
            &key_package.init_private_key,
            kp.init_key.as_slice(),
        )?;
        let store: &dyn PskStore = services.psks.as_ref();
        let psk_secret = PskSecret::resolve(c, &group_secrets.psks, store)?;
        let joiner = JoinerSecret::new(Secret::from_slice(group_secrets.joiner_secret.as_slice()));
        let (info, member) = open_group_info(c, welcome, joiner, &psk_secret)?;
        let context = info.group_context.clone();
        if context.cipher_suite != c.cipher_suite() {
            return Err(ProtocolError::WelcomeCipherSuiteMismatch.into());
        }
        if context.version != kp.version {
            return Err(ProtocolError::KeyPackageVersionMismatch {
                expected: context.version.0,
                got: kp.version.0,
            }
            .into());
        }
        // The tree: bounded, hashing to the GroupInfo's tree hash, valid,
        // every credential accepted, and the GroupInfo signed by its signer
        // (§12.4.3.1), checked as for an external join.
        let tree =
            super::external::verified_tree(c, &info, ratchet_tree, &services, &config.limits)?;
        let signer_leaf = LeafIndex(info.signer);
        check_extension_support(&tree, &context.extensions)?;
        let own = tree
            .find_leaf(&kp.leaf_node)
            .ok_or(ProtocolError::OwnLeafNotInTree)?;
        let secrets = check_joined_epoch(c, member, &info)?;

        let mut private_keys = TreePrivateKeys::new(own, key_package.encryption_private_key);
        if let Some(path_secret) = &group_secrets.path_secret {
            if own == signer_leaf {
                return Err(ProtocolError::PathSecretNodeNotOnPath { node: own.node().0 }.into());
            }
            let ancestor = tree.width().common_ancestor(own.node(), signer_leaf.node());
            derive_path_keys(
                &tree,
                c,
                signer_leaf,
                ancestor,
                &Secret::from_slice(path_secret.path_secret.as_slice()),
                &mut private_keys,
            )?;
        }
        let interim = interim_transcript_hash(
            c,
            context.confirmed_transcript_hash.as_slice(),
            info.confirmation_tag.as_slice(),
        )?;
        let public = PublicState {
            context,
            tree,
            interim_transcript_hash: interim,
            confirmation_tag: info.confirmation_tag.as_slice().to_vec(),
        };
        Group::new_member(cs, signer, config, services, public, private_keys, secrets)
    }
}
