//! [`PeerMember`] over mls-rs 0.57, one adapter generic over the mls-rs crypto provider
//! ([`MlsRsCrypto`]), with two factories:
//! - [`MlsRsFactory`], "mls-rs": the RustCrypto provider (mls-rs-crypto-rustcrypto 0.23:
//!   suites 0x0001, 0x0002, 0x0003 and 0x0007);
//! - `MlsRsOpenSslFactory`, "mls-rs-openssl", only with the crate feature `mls-rs-openssl`:
//!   the OpenSSL provider (mls-rs-crypto-openssl 0.22 over the system's OpenSSL 3: suites
//!   0x0001 to 0x0007), mls-rs's fastest other provider that builds without cmake.
//!
//! Both run the same code; only the provider (and the name in errors) differs, so they
//! interoperate with each other as with any RFC 9420 implementation.
//!
//! Configuration (see the crate doc for the shared conventions): the group options live in
//! [`AdapterRules`], an `MlsRules` whose answers follow the member's [`GroupOptions`]:
//! handshakes as PrivateMessage per [`GroupOptions::encrypt_handshake`] (RFC 9420 §6; mls-rs
//! accepts both wire formats from others), the ratchet tree in Welcomes per
//! [`GroupOptions::ratchet_tree_in_welcome`] (RFC 9420 §12.4.3.3), a path in every commit per
//! [`GroupOptions::force_path`], and all received proposals accepted. KeyPackages live one
//! year (the mls-rs default).
//!
//! External proposals (RFC 9420 §12.1.8): an external sender ([`MlsRsExternalSender`]) is an
//! mls-rs `ExternalClient` (feature `external_client`) observing the group from a GroupInfo,
//! and a self-add (`new_member_proposal`) is `Client::external_add_proposal`.

use std::convert::Infallible;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use mls_rs::client_builder::{BaseConfig, WithCryptoProvider, WithIdentityProvider, WithMlsRules};
use mls_rs::crypto::SignatureSecretKey;
use mls_rs::extension::built_in::ExternalSendersExt;
use mls_rs::external_client::ExternalClient;
use mls_rs::group::{ExportedTree, GroupContext, ReceivedMessage, Roster};
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::identity::SigningIdentity;
use mls_rs::mls_rs_codec::{MlsDecode, MlsEncode};
use mls_rs::mls_rules::{
    CommitDirection, CommitOptions, CommitSource, EncryptionOptions, ProposalBundle,
};
use mls_rs::psk::{ExternalPskId, PreSharedKey};
use mls_rs::{
    CipherSuite, CipherSuiteProvider, Client, CryptoProvider, ExtensionList, Group,
    GroupStateStorage, MlsMessage, MlsRules,
};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

use crate::{
    CommitOutput, GroupOptions, PeerError, PeerExternalSender, PeerFactory, PeerMember, Processed,
    Result,
};

/// An mls-rs crypto provider the adapter runs on, and the implementation name its members,
/// factory and errors report.
pub trait MlsRsCrypto: CryptoProvider + Clone + Default + 'static {
    /// The implementation name ("mls-rs" for RustCrypto, "mls-rs-openssl" for OpenSSL).
    const NAME: &'static str;
}

impl MlsRsCrypto for RustCryptoProvider {
    const NAME: &'static str = "mls-rs";
}

#[cfg(feature = "mls-rs-openssl")]
impl MlsRsCrypto for mls_rs_crypto_openssl::OpensslCryptoProvider {
    const NAME: &'static str = "mls-rs-openssl";
}

fn err<C: MlsRsCrypto>(e: impl std::fmt::Debug) -> PeerError {
    PeerError::Peer {
        implementation: C::NAME,
        message: format!("{e:?}"),
    }
}

fn no_group<C: MlsRsCrypto>() -> PeerError {
    PeerError::State {
        implementation: C::NAME,
        what: "not in a group",
    }
}

fn unsupported<C: MlsRsCrypto>(what: String) -> PeerError {
    PeerError::Unsupported {
        implementation: C::NAME,
        what,
    }
}

/// The client configuration type of every member.
type Config<C> = WithMlsRules<
    AdapterRules,
    WithIdentityProvider<BasicIdentityProvider, WithCryptoProvider<C, BaseConfig>>,
>;

/// mls-rs policy hooks answering from the member's [`GroupOptions`].
///
/// The flags are shared with the member (the client holds a clone), so create/join can set
/// them after the client exists.
#[derive(Clone, Debug, Default)]
pub struct AdapterRules {
    encrypt_handshake: Arc<AtomicBool>,
    tree_in_welcome: Arc<AtomicBool>,
    force_path: Arc<AtomicBool>,
}

impl AdapterRules {
    fn set(&self, options: &GroupOptions) {
        self.encrypt_handshake
            .store(options.encrypt_handshake, Ordering::Relaxed);
        self.tree_in_welcome
            .store(options.ratchet_tree_in_welcome, Ordering::Relaxed);
        self.force_path.store(options.force_path, Ordering::Relaxed);
    }
}

impl MlsRules for AdapterRules {
    type Error = Infallible;

    fn filter_proposals(
        &self,
        _direction: CommitDirection,
        _source: CommitSource,
        _roster: &Roster,
        _context: &GroupContext,
        proposals: ProposalBundle,
    ) -> std::result::Result<ProposalBundle, Self::Error> {
        Ok(proposals)
    }

    fn commit_options(
        &self,
        _roster: &Roster,
        _context: &GroupContext,
        _proposals: &ProposalBundle,
    ) -> std::result::Result<CommitOptions, Self::Error> {
        Ok(CommitOptions::new()
            .with_path_required(self.force_path.load(Ordering::Relaxed))
            .with_ratchet_tree_extension(self.tree_in_welcome.load(Ordering::Relaxed))
            .with_single_welcome_message(true)
            // No extra signed GroupInfo in every commit (a cost OpenMLS does not pay);
            // `group_info` makes one on demand.
            .with_allow_external_commit(false))
    }

    fn encryption_options(
        &self,
        _roster: &Roster,
        _context: &GroupContext,
    ) -> std::result::Result<EncryptionOptions, Self::Error> {
        Ok(EncryptionOptions::new(
            self.encrypt_handshake.load(Ordering::Relaxed),
            Default::default(),
        ))
    }
}

/// Whether provider `C` offers this ciphersuite.
fn supports<C: MlsRsCrypto>(suite: u16) -> bool {
    C::default()
        .cipher_suite_provider(CipherSuite::from(suite))
        .is_some()
}

fn new_member<C: MlsRsCrypto>(suite: u16, identity: &[u8]) -> Result<Box<dyn PeerMember>> {
    Ok(Box::new(MlsRsMember::<C>::new(suite, identity)?))
}

fn new_external_sender<C: MlsRsCrypto>(
    suite: u16,
    identity: &[u8],
) -> Result<Box<dyn PeerExternalSender>> {
    Ok(Box::new(MlsRsExternalSender::<C>::new(suite, identity)?))
}

/// Creates [`MlsRsMember`]s over the RustCrypto provider (mls-rs-crypto-rustcrypto 0.23:
/// suites 0x0001, 0x0002, 0x0003 and 0x0007), named "mls-rs".
#[derive(Clone, Copy, Debug, Default)]
pub struct MlsRsFactory;

impl PeerFactory for MlsRsFactory {
    fn name(&self) -> &'static str {
        RustCryptoProvider::NAME
    }

    fn supports(&self, suite: u16) -> bool {
        supports::<RustCryptoProvider>(suite)
    }

    fn new_member(&self, suite: u16, identity: &[u8]) -> Result<Box<dyn PeerMember>> {
        new_member::<RustCryptoProvider>(suite, identity)
    }

    fn new_external_sender(
        &self,
        suite: u16,
        identity: &[u8],
    ) -> Result<Box<dyn PeerExternalSender>> {
        new_external_sender::<RustCryptoProvider>(suite, identity)
    }
}

/// Members of mls-rs over its OpenSSL provider.
#[cfg(feature = "mls-rs-openssl")]
pub type MlsRsOpenSslMember = MlsRsMember<mls_rs_crypto_openssl::OpensslCryptoProvider>;

/// Creates [`MlsRsOpenSslMember`]s: the same adapter over mls-rs-crypto-openssl 0.22 (the
/// system's OpenSSL; every suite that OpenSSL offers, 0x0001 to 0x0007 with OpenSSL 3),
/// named "mls-rs-openssl". Only with the crate feature `mls-rs-openssl`.
#[cfg(feature = "mls-rs-openssl")]
#[derive(Clone, Copy, Debug, Default)]
pub struct MlsRsOpenSslFactory;

#[cfg(feature = "mls-rs-openssl")]
impl PeerFactory for MlsRsOpenSslFactory {
    fn name(&self) -> &'static str {
        mls_rs_crypto_openssl::OpensslCryptoProvider::NAME
    }

    fn supports(&self, suite: u16) -> bool {
        supports::<mls_rs_crypto_openssl::OpensslCryptoProvider>(suite)
    }

    fn new_member(&self, suite: u16, identity: &[u8]) -> Result<Box<dyn PeerMember>> {
        new_member::<mls_rs_crypto_openssl::OpensslCryptoProvider>(suite, identity)
    }

    fn new_external_sender(
        &self,
        suite: u16,
        identity: &[u8],
    ) -> Result<Box<dyn PeerExternalSender>> {
        new_external_sender::<mls_rs_crypto_openssl::OpensslCryptoProvider>(suite, identity)
    }
}

/// A fresh signature key pair and a Basic credential for `identity` in this suite.
fn signing_identity<C: MlsRsCrypto>(
    suite: u16,
    identity: &[u8],
) -> Result<(SignatureSecretKey, SigningIdentity, CipherSuite)> {
    let cs = CipherSuite::from(suite);
    let provider = C::default()
        .cipher_suite_provider(cs)
        .ok_or_else(|| unsupported::<C>(format!("ciphersuite {suite:#06x}")))?;
    let (secret, public) = provider.signature_key_generate().map_err(err::<C>)?;
    let signing_identity = SigningIdentity::new(
        BasicCredential::new(identity.to_vec()).into_credential(),
        public,
    );
    Ok((secret, signing_identity, cs))
}

/// An mls-rs external sender (RFC 9420 §12.1.8.1): an `ExternalClient` with a signer, which
/// observes the group from each GroupInfo and proposes as its entry in external_senders.
pub struct MlsRsExternalSender<C: MlsRsCrypto = RustCryptoProvider> {
    secret: SignatureSecretKey,
    identity: SigningIdentity,
    provider: PhantomData<C>,
}

impl<C: MlsRsCrypto> MlsRsExternalSender<C> {
    /// A sender for this ciphersuite with a fresh signature key.
    pub fn new(suite: u16, identity: &[u8]) -> Result<Self> {
        let (secret, identity, _) = signing_identity::<C>(suite, identity)?;
        Ok(Self {
            secret,
            identity,
            provider: PhantomData,
        })
    }

    /// The group as an external observer sees it at the GroupInfo's epoch; mls-rs finds
    /// the sender index itself, which must be the one the caller names.
    fn observe(
        &self,
        group_info: &[u8],
        sender_index: u32,
    ) -> Result<
        mls_rs::external_client::ExternalGroup<impl mls_rs::external_client::builder::MlsConfig>,
    > {
        let client = ExternalClient::builder()
            .crypto_provider(C::default())
            .identity_provider(BasicIdentityProvider::new())
            .signer(self.secret.clone(), self.identity.clone())
            .build();
        let group = client
            .observe_group(MlsRsMember::<C>::decode(group_info)?, None, None)
            .map_err(err::<C>)?;
        let listed = group
            .group_context()
            .extensions
            .get_as::<ExternalSendersExt>()
            .map_err(err::<C>)?
            .and_then(|e| e.allowed_senders.iter().position(|s| *s == self.identity));
        if listed != usize::try_from(sender_index).ok() {
            return Err(PeerError::State {
                implementation: C::NAME,
                what: "the sender is not at this index of the group's external_senders",
            });
        }
        Ok(group)
    }
}

impl<C: MlsRsCrypto> PeerExternalSender for MlsRsExternalSender<C> {
    fn name(&self) -> &'static str {
        C::NAME
    }

    fn external_sender(&self) -> Result<Vec<u8>> {
        // A SigningIdentity encodes as an ExternalSender (signature_key, credential).
        self.identity.mls_encode_to_vec().map_err(err::<C>)
    }

    fn propose_add(
        &mut self,
        group_info: &[u8],
        sender_index: u32,
        key_package: &[u8],
    ) -> Result<Vec<u8>> {
        let key_package = MlsRsMember::<C>::decode(key_package)?;
        let mut group = self.observe(group_info, sender_index)?;
        let message = group
            .propose_add(key_package, Vec::new())
            .map_err(err::<C>)?;
        MlsRsMember::<C>::out(&message)
    }

    fn propose_remove(
        &mut self,
        group_info: &[u8],
        sender_index: u32,
        leaf_index: u32,
    ) -> Result<Vec<u8>> {
        let mut group = self.observe(group_info, sender_index)?;
        let message = group
            .propose_remove(leaf_index, Vec::new())
            .map_err(err::<C>)?;
        MlsRsMember::<C>::out(&message)
    }
}

/// One mls-rs client with at most one group, over crypto provider `C`.
pub struct MlsRsMember<C: MlsRsCrypto = RustCryptoProvider> {
    client: Client<Config<C>>,
    rules: AdapterRules,
    suite: u16,
    identity: Vec<u8>,
    group: Option<Group<Config<C>>>,
}

impl<C: MlsRsCrypto> std::fmt::Debug for MlsRsMember<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MlsRsMember")
            .field("provider", &C::NAME)
            .field("suite", &self.suite)
            .field("identity", &self.identity)
            .field("epoch", &self.epoch())
            .finish_non_exhaustive()
    }
}

impl<C: MlsRsCrypto> MlsRsMember<C> {
    /// A member for this ciphersuite with a fresh signature key and a Basic credential.
    pub fn new(suite: u16, identity: &[u8]) -> Result<Self> {
        let (secret, signing_identity, cs) = signing_identity::<C>(suite, identity)?;
        let crypto = C::default();
        let rules = AdapterRules::default();
        let client = Client::builder()
            .crypto_provider(crypto)
            .identity_provider(BasicIdentityProvider::new())
            .mls_rules(rules.clone())
            .signing_identity(signing_identity, secret, cs)
            .build();
        Ok(Self {
            client,
            rules,
            suite,
            identity: identity.to_vec(),
            group: None,
        })
    }

    fn group(&self) -> Result<&Group<Config<C>>> {
        self.group.as_ref().ok_or_else(no_group::<C>)
    }

    fn group_mut(&mut self) -> Result<&mut Group<Config<C>>> {
        self.group.as_mut().ok_or_else(no_group::<C>)
    }

    fn decode(bytes: &[u8]) -> Result<MlsMessage> {
        MlsMessage::from_bytes(bytes).map_err(err::<C>)
    }

    fn decode_tree(bytes: &[u8]) -> Result<ExportedTree<'static>> {
        ExportedTree::from_bytes(bytes).map_err(err::<C>)
    }

    fn out(message: &MlsMessage) -> Result<Vec<u8>> {
        message.to_bytes().map_err(err::<C>)
    }

    fn create(
        &mut self,
        group_id: &[u8],
        options: &GroupOptions,
        extensions: ExtensionList,
    ) -> Result<()> {
        if self.group.is_some() {
            return Err(PeerError::State {
                implementation: C::NAME,
                what: "already in a group",
            });
        }
        self.rules.set(options);
        let group = self
            .client
            .create_group_with_id(group_id.to_vec(), extensions, ExtensionList::new(), None)
            .map_err(err::<C>)?;
        self.group = Some(group);
        Ok(())
    }

    /// Converts mls-rs's commit output (the commit already applied) into ours.
    fn output(&mut self, out: mls_rs::group::CommitOutput) -> Result<CommitOutput> {
        let group = self.group_mut()?;
        group.apply_pending_commit().map_err(err::<C>)?;
        let commit = Self::out(&out.commit_message)?;
        let welcome = out.welcome_messages.first().map(Self::out).transpose()?;
        let group_info = out
            .external_commit_group_info
            .as_ref()
            .map(Self::out)
            .transpose()?;
        let ratchet_tree = match (&welcome, &out.ratchet_tree) {
            (Some(_), Some(tree)) => Some(tree.to_bytes().map_err(err::<C>)?),
            _ => None,
        };
        Ok(CommitOutput {
            commit,
            welcome,
            group_info,
            ratchet_tree,
        })
    }
}

impl<C: MlsRsCrypto> PeerMember for MlsRsMember<C> {
    fn name(&self) -> &'static str {
        C::NAME
    }

    fn suite(&self) -> u16 {
        self.suite
    }

    fn identity(&self) -> &[u8] {
        &self.identity
    }

    fn key_package(&mut self) -> Result<Vec<u8>> {
        let message = self
            .client
            .generate_key_package_message(ExtensionList::new(), ExtensionList::new(), None)
            .map_err(err::<C>)?;
        Self::out(&message)
    }

    fn create_group(&mut self, group_id: &[u8], options: &GroupOptions) -> Result<()> {
        self.create(group_id, options, ExtensionList::new())
    }

    fn create_group_with_external_senders(
        &mut self,
        group_id: &[u8],
        options: &GroupOptions,
        external_senders: &[Vec<u8>],
    ) -> Result<()> {
        let senders = external_senders
            .iter()
            .map(|s| {
                let mut bytes = s.as_slice();
                let sender = SigningIdentity::mls_decode(&mut bytes).map_err(err::<C>)?;
                if bytes.is_empty() {
                    Ok(sender)
                } else {
                    Err(PeerError::WrongMessage {
                        implementation: C::NAME,
                        expected: "an ExternalSender without trailing bytes",
                    })
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let mut extensions = ExtensionList::new();
        extensions
            .set_from(ExternalSendersExt::new(senders))
            .map_err(err::<C>)?;
        self.create(group_id, options, extensions)
    }

    fn join(
        &mut self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
        options: &GroupOptions,
    ) -> Result<()> {
        let welcome = Self::decode(welcome)?;
        let tree = ratchet_tree.map(Self::decode_tree).transpose()?;
        self.rules.set(options);
        let (group, _) = self
            .client
            .join_group(tree, &welcome, None)
            .map_err(err::<C>)?;
        self.group = Some(group);
        Ok(())
    }

    fn external_join(
        &mut self,
        group_info: &[u8],
        ratchet_tree: Option<&[u8]>,
        options: &GroupOptions,
        psk_ids: &[Vec<u8>],
        remove_prior: Option<u32>,
    ) -> Result<Vec<u8>> {
        let group_info = Self::decode(group_info)?;
        self.rules.set(options);
        let mut builder = self.client.external_commit_builder().map_err(err::<C>)?;
        if let Some(tree) = ratchet_tree {
            builder = builder.with_tree_data(Self::decode_tree(tree)?);
        }
        if let Some(leaf) = remove_prior {
            builder = builder.with_removal(leaf);
        }
        for id in psk_ids {
            builder = builder.with_external_psk(ExternalPskId::new(id.clone()));
        }
        let (group, commit) = builder.build(group_info).map_err(err::<C>)?;
        self.group = Some(group);
        Self::out(&commit)
    }

    fn add_members(&mut self, key_packages: &[Vec<u8>]) -> Result<CommitOutput> {
        let key_packages = key_packages
            .iter()
            .map(|kp| Self::decode(kp))
            .collect::<Result<Vec<_>>>()?;
        let group = self.group_mut()?;
        let mut builder = group.commit_builder();
        for kp in key_packages {
            builder = builder.add_member(kp).map_err(err::<C>)?;
        }
        let out = builder.build().map_err(err::<C>)?;
        self.output(out)
    }

    fn update(&mut self) -> Result<CommitOutput> {
        // An mls-rs commit carries a path when the proposals require one or the rules ask for
        // it; an update always needs one.
        let saved = self.rules.force_path.swap(true, Ordering::Relaxed);
        let result = self
            .group_mut()
            .and_then(|g| g.commit(Vec::new()).map_err(err::<C>));
        self.rules.force_path.store(saved, Ordering::Relaxed);
        self.output(result?)
    }

    fn remove(&mut self, leaf_index: u32) -> Result<CommitOutput> {
        let group = self.group_mut()?;
        let out = group
            .commit_builder()
            .remove_member(leaf_index)
            .map_err(err::<C>)?
            .build()
            .map_err(err::<C>)?;
        self.output(out)
    }

    fn commit_pending(&mut self) -> Result<CommitOutput> {
        let out = self.group_mut()?.commit(Vec::new()).map_err(err::<C>)?;
        self.output(out)
    }

    fn commit_external_psk(&mut self, psk_id: &[u8]) -> Result<CommitOutput> {
        let group = self.group_mut()?;
        let out = group
            .commit_builder()
            .add_external_psk(ExternalPskId::new(psk_id.to_vec()))
            .map_err(err::<C>)?
            .build()
            .map_err(err::<C>)?;
        self.output(out)
    }

    fn commit_resumption_psk(&mut self, epoch: u64) -> Result<CommitOutput> {
        let group = self.group_mut()?;
        let out = group
            .commit_builder()
            .add_resumption_psk(epoch)
            .map_err(err::<C>)?
            .build()
            .map_err(err::<C>)?;
        self.output(out)
    }

    fn propose_add(&mut self, key_package: &[u8]) -> Result<Vec<u8>> {
        let kp = Self::decode(key_package)?;
        let message = self
            .group_mut()?
            .propose_add(kp, Vec::new())
            .map_err(err::<C>)?;
        Self::out(&message)
    }

    fn propose_update(&mut self) -> Result<Vec<u8>> {
        let message = self
            .group_mut()?
            .propose_update(Vec::new())
            .map_err(err::<C>)?;
        Self::out(&message)
    }

    fn propose_remove(&mut self, leaf_index: u32) -> Result<Vec<u8>> {
        let message = self
            .group_mut()?
            .propose_remove(leaf_index, Vec::new())
            .map_err(err::<C>)?;
        Self::out(&message)
    }

    fn propose_external_psk(&mut self, psk_id: &[u8]) -> Result<Vec<u8>> {
        let message = self
            .group_mut()?
            .propose_external_psk(ExternalPskId::new(psk_id.to_vec()), Vec::new())
            .map_err(err::<C>)?;
        Self::out(&message)
    }

    fn propose_resumption_psk(&mut self, epoch: u64) -> Result<Vec<u8>> {
        let message = self
            .group_mut()?
            .propose_resumption_psk(epoch, Vec::new())
            .map_err(err::<C>)?;
        Self::out(&message)
    }

    fn propose_self_add(&mut self, group_info: &[u8]) -> Result<Vec<u8>> {
        // mls-rs makes the KeyPackage and keeps its private keys for the join.
        let message = self
            .client
            .external_add_proposal(
                &Self::decode(group_info)?,
                None,
                Vec::new(),
                ExtensionList::new(),
                ExtensionList::new(),
                None,
            )
            .map_err(err::<C>)?;
        Self::out(&message)
    }

    fn store_external_psk(&mut self, psk_id: &[u8], secret: &[u8]) -> Result<()> {
        // The store is shared (behind an Arc) by the client and its groups.
        self.client.secret_store().insert(
            ExternalPskId::new(psk_id.to_vec()),
            PreSharedKey::new(secret.to_vec()),
        );
        Ok(())
    }

    fn process(&mut self, message: &[u8]) -> Result<Processed> {
        let message = Self::decode(message)?;
        let received = self
            .group_mut()?
            .process_incoming_message(message)
            .map_err(err::<C>)?;
        match received {
            ReceivedMessage::ApplicationMessage(app) => {
                Ok(Processed::Application(app.data().to_vec()))
            }
            ReceivedMessage::Proposal(_) => Ok(Processed::Proposal),
            ReceivedMessage::Commit(_) => Ok(Processed::Commit),
            _ => Err(PeerError::WrongMessage {
                implementation: C::NAME,
                expected: "a PublicMessage or PrivateMessage",
            }),
        }
    }

    fn protect(&mut self, plaintext: &[u8]) -> Result<Vec<u8>> {
        let message = self
            .group_mut()?
            .encrypt_application_message(plaintext, Vec::new())
            .map_err(err::<C>)?;
        Self::out(&message)
    }

    fn epoch(&self) -> u64 {
        self.group.as_ref().map_or(0, Group::current_epoch)
    }

    fn epoch_authenticator(&self) -> Result<Vec<u8>> {
        let secret = self.group()?.epoch_authenticator().map_err(err::<C>)?;
        Ok(secret.as_bytes().to_vec())
    }

    fn export(&self, label: &str, context: &[u8], len: usize) -> Result<Vec<u8>> {
        let secret = self
            .group()?
            .export_secret(label.as_bytes(), context, len)
            .map_err(err::<C>)?;
        Ok(secret.as_bytes().to_vec())
    }

    fn group_info(&mut self, with_tree: bool) -> Result<Vec<u8>> {
        let message = self
            .group()?
            .group_info_message_allowing_ext_commit(with_tree)
            .map_err(err::<C>)?;
        Self::out(&message)
    }

    fn ratchet_tree(&self) -> Result<Vec<u8>> {
        self.group()?.export_tree().to_bytes().map_err(err::<C>)
    }

    fn roster(&self) -> Vec<(u32, Vec<u8>)> {
        let Some(group) = self.group.as_ref() else {
            return Vec::new();
        };
        let mut members: Vec<(u32, Vec<u8>)> = group
            .roster()
            .members_iter()
            .map(|m| {
                let identity = m
                    .signing_identity
                    .credential
                    .as_basic()
                    .map(|c| c.identifier().to_vec())
                    .unwrap_or_default();
                (m.index, identity)
            })
            .collect();
        members.sort_by_key(|(leaf, _)| *leaf);
        members
    }

    fn own_leaf_index(&self) -> Result<u32> {
        Ok(self.group()?.current_member_index())
    }

    fn persisted_size(&mut self) -> Result<usize> {
        let group = self.group_mut()?;
        group.write_to_storage().map_err(err::<C>)?;
        let group_id = group.group_id().to_vec();
        let storage = self.client.group_state_storage();
        let mut size = storage
            .state(&group_id)
            .map_err(err::<C>)?
            .map_or(0, |state| state.len());
        if let Some(max) = storage.max_epoch_id(&group_id).map_err(err::<C>)? {
            let mut epoch = max;
            while let Some(record) = storage.epoch(&group_id, epoch).map_err(err::<C>)? {
                size += record.len();
                match epoch.checked_sub(1) {
                    Some(e) => epoch = e,
                    None => break,
                }
            }
        }
        Ok(size)
    }
}
