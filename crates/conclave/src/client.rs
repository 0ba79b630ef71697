//! [`Client`]: one identity's KeyPackages and groups over a [`Store`], each
//! operation one atomic batch (RFC 9420 §9.2 deletion schedule, §12.4
//! pending commits).

use std::collections::BTreeSet;
use std::sync::Arc;

use conclave_core::codec::VLBytes;
use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair, Signer,
};
use conclave_core::group::{CommitOptions, Group, GroupConfig, Member, Received, Services};
use conclave_core::key_package::{key_package_ref, KeyPackageBuilder, KeyPackageBundle};
use conclave_core::wire::{Add, Credential, MlsMessage, MlsMessageBody, Proposal, Remove};

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
    /// A commit from another member, merged.
    Commit {
        /// The group.
        group_id: Vec<u8>,
        /// The new epoch.
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

/// One identity's state over a store.
pub struct Client<S: Store> {
    store: S,
    cs: Arc<dyn CipherSuiteProvider>,
    signer: Arc<SignatureKeyPair>,
    credential: Credential,
    services: Services,
    config: GroupConfig,
}

impl<S: Store> core::fmt::Debug for Client<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("suite", &self.cs.cipher_suite())
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

/// The writes that store `group`: its state record and the node records
/// in `changed` (all nodes when `None`).
fn group_writes(group: &Group, changed: Option<&BTreeSet<u32>>) -> Result<Vec<Write>> {
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
        }
    }

    /// Sets the services (clock, identity validation, external PSKs).
    pub fn set_services(&mut self, services: Services) {
        self.services = services;
    }

    /// Sets the configuration of groups created or joined from now on.
    pub fn set_config(&mut self, config: GroupConfig) {
        self.config = config;
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, mutably (e.g. to reset counters).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
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

    /// Creates a group of one.
    pub fn create_group(&mut self, group_id: &[u8]) -> Result<()> {
        if self.store.get(&state_key(group_id))?.is_some() {
            return Err(ClientError::Format("the group already exists".into()));
        }
        let group = Group::create(
            self.cs.clone(),
            self.signer.clone(),
            self.credential.clone(),
            group_id.to_vec(),
            Vec::new(),
            self.config.clone(),
            self.services.clone(),
        )?;
        self.store.write(group_writes(&group, None)?)?;
        Ok(())
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

    /// Loads a group from the store.
    pub fn group(&self, group_id: &[u8]) -> Result<Group> {
        let state = self
            .store
            .get(&state_key(group_id))?
            .ok_or_else(|| ClientError::NotFound("no such group".into()))?;
        let prefix = nodes_prefix(group_id);
        let nodes = self
            .store
            .scan(&prefix)?
            .into_iter()
            .map(|(k, v)| {
                node_index_of_key(prefix.len(), &k)
                    .map(|x| (x, v))
                    .ok_or_else(|| ClientError::Format("a bad node key".into()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Group::from_snapshot_parts(
            self.cs.clone(),
            self.signer.clone(),
            &state,
            &nodes,
            self.services.clone(),
        )?)
    }

    /// The members of a group.
    pub fn members(&self, group_id: &[u8]) -> Result<Vec<Member>> {
        Ok(self.group(group_id)?.members().collect())
    }

    /// Commits: the current state (our commit's handshake key used) and the
    /// next epoch's state are written in one batch before the commit is
    /// returned. Merge it with [`Client::merge_pending_commit`].
    pub fn commit(&mut self, group_id: &[u8], options: CommitOptions) -> Result<CommitResult> {
        let mut group = self.group(group_id)?;
        let out = group.commit(options)?;
        let current = group_writes(&group, Some(&BTreeSet::new()))?;
        let changed = group.changed_nodes(out.pending.staged());
        group.merge_pending_commit(out.pending)?;
        let mut nodes = Vec::with_capacity(changed.len());
        for &x in &changed {
            nodes.push(NodeChange {
                index: x,
                node: group.node_record(x)?.map(VLBytes::new),
            });
        }
        let pending = PendingRecord {
            version: RECORD_VERSION,
            epoch: group.epoch(),
            state: VLBytes::new(group.state_record_bytes()?),
            nodes,
        };
        let mut batch = current;
        batch.push(Write::Put(pending_key(group_id), to_bytes(&pending)?));
        let bytes_written = batch.iter().map(Write::size).sum();
        self.store.write(batch)?;
        Ok(CommitResult {
            message: out.message,
            welcome: out.welcome,
            group_info: out.group_info,
            epoch: group.epoch(),
            bytes_written,
        })
    }

    /// Commits Adds of these KeyPackages (as `MlsMessage`s).
    pub fn add_members(
        &mut self,
        group_id: &[u8],
        key_packages: Vec<MlsMessage>,
    ) -> Result<CommitResult> {
        let proposals = key_packages
            .into_iter()
            .map(|m| match m.body {
                MlsMessageBody::KeyPackage(key_package) => Ok(Proposal::Add(Add { key_package })),
                _ => Err(ClientError::Format("not a KeyPackage".into())),
            })
            .collect::<Result<_>>()?;
        self.commit(
            group_id,
            CommitOptions {
                proposals,
                ..CommitOptions::default()
            },
        )
    }

    /// Commits Removes of these leaves.
    pub fn remove_members(&mut self, group_id: &[u8], leaves: &[u32]) -> Result<CommitResult> {
        let proposals = leaves
            .iter()
            .map(|&removed| Proposal::Remove(Remove { removed }))
            .collect();
        self.commit(
            group_id,
            CommitOptions {
                proposals,
                ..CommitOptions::default()
            },
        )
    }

    /// Commits an update of our leaf (a commit with a path and the pending
    /// proposals).
    pub fn update(&mut self, group_id: &[u8]) -> Result<CommitResult> {
        self.commit(
            group_id,
            CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
        )
    }

    fn pending_writes(&self, group_id: &[u8]) -> Result<(u64, Vec<Write>)> {
        let bytes = self
            .store
            .get(&pending_key(group_id))?
            .ok_or_else(|| ClientError::NotFound("no pending commit".into()))?;
        let p: PendingRecord = from_bytes(&bytes, version_of(&bytes)?)?;
        let mut batch = vec![
            Write::Put(state_key(group_id), p.state.into()),
            Write::Delete(pending_key(group_id)),
        ];
        for n in p.nodes {
            let key = node_key(group_id, n.index);
            batch.push(match n.node {
                Some(v) => Write::Put(key, v.into()),
                None => Write::Delete(key),
            });
        }
        Ok((p.epoch, batch))
    }

    /// Applies our pending commit (the delivery service accepted it), in
    /// one batch. Returns the new epoch.
    pub fn merge_pending_commit(&mut self, group_id: &[u8]) -> Result<u64> {
        let (epoch, batch) = self.pending_writes(group_id)?;
        self.store.write(batch)?;
        Ok(epoch)
    }

    /// Forgets our pending commit (the delivery service refused it).
    pub fn discard_pending_commit(&mut self, group_id: &[u8]) -> Result<()> {
        self.store
            .write(vec![Write::Delete(pending_key(group_id))])?;
        Ok(())
    }

    /// Whether a commit of ours is pending in the group.
    pub fn has_pending_commit(&self, group_id: &[u8]) -> Result<bool> {
        Ok(self.store.get(&pending_key(group_id))?.is_some())
    }

    /// Joins from a Welcome with one of our stored KeyPackages (deleted in
    /// the same batch unless it is a last-resort one). Returns the group id.
    pub fn join(&mut self, welcome: &MlsMessage) -> Result<Vec<u8>> {
        let MlsMessageBody::Welcome(w) = &welcome.body else {
            return Err(ClientError::Format("not a Welcome".into()));
        };
        let mut found = None;
        for s in &w.secrets {
            let key = key_package_key(s.new_member.as_slice());
            if let Some(bytes) = self.store.get(&key)? {
                found = Some((key, bytes));
                break;
            }
        }
        let (key, bytes) = found
            .ok_or_else(|| ClientError::NotFound("no KeyPackage of ours in the Welcome".into()))?;
        let record: KeyPackageRecord = from_bytes(&bytes, version_of(&bytes)?)?;
        let bundle = KeyPackageBundle {
            key_package: record.key_package,
            init_private_key: Secret::new(record.init_private_key.into()),
            encryption_private_key: Secret::new(record.encryption_private_key.into()),
        };
        let group = Group::join(
            self.cs.clone(),
            self.signer.clone(),
            welcome,
            bundle,
            None,
            self.config.clone(),
            self.services.clone(),
        )?;
        let group_id = group.group_id().to_vec();
        // Replace any earlier state of the same group id (e.g. re-added).
        let mut batch: Vec<Write> = self
            .store
            .scan(&group_prefix(&group_id))?
            .into_iter()
            .map(|(k, _)| Write::Delete(k))
            .collect();
        batch.extend(group_writes(&group, None)?);
        if record.last_resort == 0 {
            batch.push(Write::Delete(key));
        }
        self.store.write(batch)?;
        Ok(group_id)
    }

    /// Encrypts application data; the sending ratchet's advance is written
    /// before the message is returned.
    pub fn send(&mut self, group_id: &[u8], data: &[u8]) -> Result<MlsMessage> {
        let mut group = self.group(group_id)?;
        let message = group.encrypt(data, b"")?;
        self.store
            .write(group_writes(&group, Some(&BTreeSet::new()))?)?;
        Ok(message)
    }

    /// Processes a message for one of our groups; its effect (a ratchet's
    /// advance, a cached proposal, a merged commit) is written in one batch
    /// before the result is returned.
    pub fn receive(&mut self, message: &MlsMessage) -> Result<Incoming> {
        let group_id = message_group_id(message)
            .ok_or_else(|| ClientError::Format("not a group message".into()))?
            .to_vec();
        let mut group = self.group(&group_id)?;
        match group.process(message)? {
            Received::Application { sender, data, .. } => {
                self.store
                    .write(group_writes(&group, Some(&BTreeSet::new()))?)?;
                Ok(Incoming::Application {
                    group_id,
                    sender: sender.0,
                    data,
                })
            }
            Received::Proposal { .. } => {
                self.store
                    .write(group_writes(&group, Some(&BTreeSet::new()))?)?;
                Ok(Incoming::Proposal { group_id })
            }
            Received::Commit(staged) => {
                let changed = group.changed_nodes(&staged);
                let added = staged.added().iter().map(|(l, _)| l.0).collect();
                let removed = staged.removed().iter().map(|(l, _)| l.0).collect();
                let self_removed = staged.self_removed();
                group.merge_staged_commit(staged)?;
                let mut batch = group_writes(&group, Some(&changed))?;
                // Another member's commit won: ours can never be merged.
                batch.push(Write::Delete(pending_key(&group_id)));
                self.store.write(batch)?;
                Ok(Incoming::Commit {
                    group_id,
                    epoch: group.epoch(),
                    added,
                    removed,
                    self_removed,
                })
            }
            Received::OwnCommit => {
                let epoch = self.merge_pending_commit(&group_id)?;
                Ok(Incoming::OwnCommit { group_id, epoch })
            }
        }
    }
}
