//! [`Client`]: one identity's KeyPackages and groups over a [`Store`], each
//! operation one atomic batch (RFC 9420 §9.2 deletion schedule, §12.4
//! pending commits), with loaded groups cached in memory.
//!
//! The cache is write-through: the store stays the source of truth. An
//! operation takes the group out of the cache (loading it from the store
//! if it is not there), runs, writes its batch, and puts the group back
//! only once the batch is written. If anything fails (the MLS engine
//! refuses, the encoding fails, the store cannot write), the group is not
//! put back, so the cache is never ahead of or different from the store:
//! the next operation loads the group again. Loading costs O(N) (the tree
//! hashes are recomputed), so without the cache every operation on a group
//! of N members would; with it, an operation costs what the change costs.
//! Group operations are in [`crate::groups`].

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use conclave_core::codec::VLBytes;
use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair, Signer,
};
use conclave_core::group::{Group, GroupConfig, Member, Services};
use conclave_core::key_package::{key_package_ref, KeyPackageBuilder};
use conclave_core::wire::{Credential, MlsMessage, MlsMessageBody};

use crate::records::*;
use crate::store::{Store, Write};
use crate::{ClientError, Result};

/// What a commit produced: send `message` to the group and `welcome` to the
/// new members, then call [`Client::merge_pending_commit`] once the
/// delivery service accepted it (or [`Client::discard_pending_commit`]).
#[derive(Debug)]
pub struct CommitResult {
    /// The commit.
    pub message: MlsMessage,
    /// The Welcome, if members were added.
    pub welcome: Option<MlsMessage>,
    /// The GroupInfo of the next epoch.
    pub group_info: MlsMessage,
    /// The epoch the commit starts.
    pub epoch: u64,
    /// Bytes written to the store for the pending state.
    pub bytes_written: usize,
}

/// What receiving a message did.
#[derive(Debug)]
pub enum Incoming {
    /// Application data.
    Application {
        /// The group.
        group_id: Vec<u8>,
        /// The sender's leaf index.
        sender: u32,
        /// The data.
        data: Vec<u8>,
    },
    /// A proposal, cached until a commit.
    Proposal {
        /// The group.
        group_id: Vec<u8>,
    },
    /// A commit from another member (or an external joiner), merged.
    Commit {
        /// The group.
        group_id: Vec<u8>,
        /// The epoch the commit starts.
        epoch: u64,
        /// Leaves added.
        added: Vec<u32>,
        /// Leaves removed.
        removed: Vec<u32>,
        /// Whether we were removed.
        self_removed: bool,
    },
    /// Our own commit, echoed back: our pending state was merged.
    OwnCommit {
        /// The group.
        group_id: Vec<u8>,
        /// The new epoch.
        epoch: u64,
    },
}

/// Our own commit, written to the store but not merged yet.
pub(crate) struct Pending {
    /// The next epoch, exactly as the pending record holds it.
    pub group: Group,
    /// The node records the merge rewrites (as in the pending record).
    pub nodes: Vec<NodeChange>,
    /// The encoded commit, to recognise its echo without loading the
    /// current epoch (`None` when loaded from the store, which does not
    /// keep it: the current epoch recognises it then).
    pub message: Option<Vec<u8>>,
}

impl Pending {
    /// The pending record of this state.
    pub fn record(&self) -> Result<Vec<u8>> {
        to_bytes(&PendingRecord {
            version: RECORD_VERSION,
            epoch: self.group.epoch(),
            state: VLBytes::new(self.group.state_record_bytes()?),
            nodes: self.nodes.clone(),
        })
    }
}

/// What the cache holds of one group; each part, when present, equals
/// what the store holds. An entry in the cache always knows whether a
/// commit of ours is pending: `pending` is `Some` exactly when the store
/// holds a pending record.
#[derive(Default)]
pub(crate) struct Cached {
    /// The current epoch (`None`: load it from the store when needed).
    pub current: Option<Group>,
    /// Our pending commit's next epoch.
    pub pending: Option<Pending>,
}

/// One identity's state over a store.
pub struct Client<S: Store> {
    pub(crate) store: S,
    pub(crate) cs: Arc<dyn CipherSuiteProvider>,
    pub(crate) signer: Arc<SignatureKeyPair>,
    pub(crate) credential: Credential,
    pub(crate) services: Services,
    pub(crate) config: GroupConfig,
    pub(crate) cache: HashMap<Vec<u8>, Cached>,
}

impl<S: Store> core::fmt::Debug for Client<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("suite", &self.cs.cipher_suite())
            .field("credential", &self.credential)
            .field("cached_groups", &self.cache.len())
            .finish_non_exhaustive()
    }
}

/// The writes that store `group`: its state record and the node records
/// in `changed` (all nodes when `None`).
pub(crate) fn group_writes(group: &Group, changed: Option<&BTreeSet<u32>>) -> Result<Vec<Write>> {
    let gid = group.group_id().to_vec();
    let mut out = vec![Write::Put(state_key(&gid), group.state_record_bytes()?)];
    match changed {
        Some(nodes) => {
            for &x in nodes {
                out.push(match group.node_record(x)? {
                    Some(bytes) => Write::Put(node_key(&gid, x), bytes),
                    None => Write::Delete(node_key(&gid, x)),
                });
            }
        }
        None => {
            for (x, bytes) in group.to_snapshot_parts()?.nodes {
                out.push(Write::Put(node_key(&gid, x), bytes));
            }
        }
    }
    Ok(out)
}

/// The group id a handshake or application message is for.
pub fn message_group_id(message: &MlsMessage) -> Option<&[u8]> {
    match &message.body {
        MlsMessageBody::PublicMessage(m) => Some(m.content.group_id.as_slice()),
        MlsMessageBody::PrivateMessage(m) => Some(m.group_id.as_slice()),
        _ => None,
    }
}

impl<S: Store> Client<S> {
    /// A new identity (a fresh signature key for `suite` and `credential`),
    /// written to `store`, which must not hold one yet.
    pub fn create(
        mut store: S,
        provider: &dyn CryptoProvider,
        suite: CipherSuite,
        credential: Credential,
    ) -> Result<Self> {
        if store.get(IDENTITY)?.is_some() {
            return Err(ClientError::Format(
                "the store already holds an identity".into(),
            ));
        }
        let cs = provider
            .cipher_suite(suite)
            .map_err(conclave_core::Error::from)?;
        let signer = SignatureKeyPair::generate(cs.clone()).map_err(conclave_core::Error::from)?;
        let record = IdentityRecord {
            version: RECORD_VERSION,
            suite: suite.0,
            signature_private_key: VLBytes::new(signer.private_key().as_bytes().to_vec()),
            credential: credential.clone(),
        };
        store.write(vec![Write::Put(IDENTITY.to_vec(), to_bytes(&record)?)])?;
        Ok(Self::with(store, cs, signer, credential))
    }

    /// The identity kept in `store`.
    pub fn open(store: S, provider: &dyn CryptoProvider) -> Result<Self> {
        let bytes = store
            .get(IDENTITY)?
            .ok_or_else(|| ClientError::NotFound("no identity in the store".into()))?;
        let record: IdentityRecord = from_bytes(&bytes, version_of(&bytes)?)?;
        let cs = provider
            .cipher_suite(CipherSuite(record.suite))
            .map_err(conclave_core::Error::from)?;
        let signer = SignatureKeyPair::from_private(
            cs.clone(),
            Secret::new(record.signature_private_key.into()),
        )
        .map_err(conclave_core::Error::from)?;
        Ok(Self::with(store, cs, signer, record.credential))
    }

    fn with(
        store: S,
        cs: Arc<dyn CipherSuiteProvider>,
        signer: SignatureKeyPair,
        credential: Credential,
    ) -> Self {
        Self {
            store,
            cs,
            signer: Arc::new(signer),
            credential,
            services: Services::default(),
            config: GroupConfig::default(),
            cache: HashMap::new(),
        }
    }

    /// Sets the services (clock, identity validation, external PSKs).
    /// Cached groups are dropped (they hold the old services) and load
    /// again from the store.
    pub fn set_services(&mut self, services: Services) {
        self.services = services;
        self.cache.clear();
    }

    /// Sets the configuration of groups created or joined from now on.
    pub fn set_config(&mut self, config: GroupConfig) {
        self.config = config;
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, mutably (e.g. to reset counters). Writing to it directly
    /// bypasses the cache: call [`Client::clear_cache`] after doing so.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Drops every cached group; they load again from the store.
    pub fn clear_cache(&mut self) {
        self.cache.clear();
    }

    /// Whether the current epoch of a group is cached (for tests).
    pub fn is_cached(&self, group_id: &[u8]) -> bool {
        self.cache
            .get(group_id)
            .is_some_and(|c| c.current.is_some())
    }

    /// Our credential.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Our signature public key.
    pub fn signature_key(&self) -> &[u8] {
        self.signer.public_key()
    }

    /// The cipher suite provider.
    pub fn cipher_suite(&self) -> &Arc<dyn CipherSuiteProvider> {
        &self.cs
    }

    /// A new KeyPackage to publish; its private keys are stored until a
    /// Welcome uses it (then deleted, unless `last_resort`).
    pub fn generate_key_package(&mut self, last_resort: bool) -> Result<MlsMessage> {
        let bundle = KeyPackageBuilder::new().build(
            self.cs.as_ref(),
            self.signer.as_ref(),
            self.credential.clone(),
            self.services.clock.as_ref(),
        )?;
        let reference = key_package_ref(self.cs.as_ref(), &bundle.key_package)?;
        let record = KeyPackageRecord {
            version: RECORD_VERSION,
            last_resort: u8::from(last_resort),
            key_package: bundle.key_package.clone(),
            init_private_key: VLBytes::new(bundle.init_private_key.as_bytes().to_vec()),
            encryption_private_key: VLBytes::new(bundle.encryption_private_key.as_bytes().to_vec()),
        };
        self.store.write(vec![Write::Put(
            key_package_key(&reference),
            to_bytes(&record)?,
        )])?;
        Ok(MlsMessage::new(MlsMessageBody::KeyPackage(
            bundle.key_package,
        )))
    }

    /// How many KeyPackages with private keys are stored.
    pub fn key_package_count(&self) -> Result<usize> {
        Ok(self.store.scan(KEY_PACKAGES)?.len())
    }

    /// The ids of our groups.
    pub fn groups(&self) -> Result<Vec<Vec<u8>>> {
        let mut out = BTreeSet::new();
        for (k, _) in self.store.scan(GROUPS)? {
            if k.ends_with(b"/s") {
                if let Some(id) = group_id_of_key(&k) {
                    out.insert(id);
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    /// The stored node records of a group, by node index.
    fn stored_nodes(&self, group_id: &[u8]) -> Result<Vec<(u32, Vec<u8>)>> {
        let prefix = nodes_prefix(group_id);
        self.store
            .scan(&prefix)?
            .into_iter()
            .map(|(k, v)| {
                node_index_of_key(prefix.len(), &k)
                    .map(|x| (x, v))
                    .ok_or_else(|| ClientError::Format("a bad node key".into()))
            })
            .collect()
    }

    fn group_from(&self, state: &[u8], nodes: &[(u32, Vec<u8>)]) -> Result<Group> {
        Ok(Group::from_snapshot_parts(
            self.cs.clone(),
            self.signer.clone(),
            state,
            nodes,
            self.services.clone(),
        )?)
    }

    /// The current epoch of a group, as the store holds it, loaded afresh
    /// (bypassing the cache; O(N) in the members).
    pub fn stored_group(&self, group_id: &[u8]) -> Result<Group> {
        self.stored(group_id, false)?
            .current
            .ok_or_else(|| ClientError::NotFound("no such group".into()))
    }

    /// A cache entry loaded from the store: the current epoch, and with
    /// `with_pending` our pending commit's next epoch if there is one (the
    /// current nodes with the record's changes applied).
    pub(crate) fn stored(&self, group_id: &[u8], with_pending: bool) -> Result<Cached> {
        let state = self
            .store
            .get(&state_key(group_id))?
            .ok_or_else(|| ClientError::NotFound("no such group".into()))?;
        let nodes = self.stored_nodes(group_id)?;
        let current = self.group_from(&state, &nodes)?;
        let pending = match self.store.get(&pending_key(group_id))? {
            Some(bytes) if with_pending => {
                let p: PendingRecord = from_bytes(&bytes, version_of(&bytes)?)?;
                let mut next: std::collections::BTreeMap<u32, Vec<u8>> =
                    nodes.into_iter().collect();
                for n in &p.nodes {
                    match &n.node {
                        Some(v) => next.insert(n.index, v.as_slice().to_vec()),
                        None => next.remove(&n.index),
                    };
                }
                let next: Vec<_> = next.into_iter().collect();
                Some(Pending {
                    group: self.group_from(p.state.as_slice(), &next)?,
                    nodes: p.nodes,
                    message: None,
                })
            }
            _ => None,
        };
        Ok(Cached {
            current: Some(current),
            pending,
        })
    }

    /// The current epoch of a group (from the cache, loaded into it if
    /// needed).
    pub fn group(&mut self, group_id: &[u8]) -> Result<&Group> {
        if !self.is_cached(group_id) {
            let mut entry = self.take(group_id)?;
            let group = self.take_current(&mut entry, group_id)?;
            entry.current = Some(group);
            self.cache.insert(group_id.to_vec(), entry);
        }
        self.cache
            .get(group_id)
            .and_then(|c| c.current.as_ref())
            .ok_or_else(|| ClientError::NotFound("no such group".into()))
    }

    /// The members of a group.
    pub fn members(&mut self, group_id: &[u8]) -> Result<Vec<Member>> {
        Ok(self.group(group_id)?.members().collect())
    }

    /// A signed GroupInfo of the group's current epoch (§12.4.3), with the
    /// ratchet tree when `with_tree` and `external_pub` when the group's
    /// configuration says so: what an external joiner needs
    /// ([`Client::join_external`]).
    pub fn group_info(&mut self, group_id: &[u8], with_tree: bool) -> Result<MlsMessage> {
        Ok(self.group(group_id)?.group_info(with_tree)?)
    }

    /// Takes a group's cache entry out (loaded from the store if not
    /// cached): an operation puts it back with [`Client::write_and_cache`]
    /// once its batch is written, or drops it on failure.
    pub(crate) fn take(&mut self, group_id: &[u8]) -> Result<Cached> {
        match self.cache.remove(group_id) {
            Some(entry) => Ok(entry),
            None => self.stored(group_id, true),
        }
    }

    /// The current epoch out of `entry`, or loaded from the store.
    pub(crate) fn take_current(&self, entry: &mut Cached, group_id: &[u8]) -> Result<Group> {
        match entry.current.take() {
            Some(g) => Ok(g),
            None => self.stored_group(group_id),
        }
    }

    /// Writes `batch`; then, and only then, caches `entry`.
    pub(crate) fn write_and_cache(
        &mut self,
        group_id: &[u8],
        batch: Vec<Write>,
        entry: Cached,
    ) -> Result<()> {
        self.store.write(batch)?;
        if entry.current.is_some() || entry.pending.is_some() {
            self.cache.insert(group_id.to_vec(), entry);
        }
        Ok(())
    }
}
