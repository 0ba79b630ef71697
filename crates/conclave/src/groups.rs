//! The group operations of [`Client`]: create, commit (add, remove,
//! update), merge or discard our pending commit (§12.4), join from a
//! Welcome (§12.4.3.1) or by an external commit (§12.4.3.2), send and
//! receive (§6, §9). Each one is one atomic batch, written before its
//! result is returned, and keeps the client's cache equal to the store
//! (see [`crate::client`]).

use std::collections::BTreeSet;

use conclave_core::codec::{encode, VLBytes};
use conclave_core::crypto::Secret;
use conclave_core::group::{CommitOptions, ExternalJoinOptions, Group, Received, RemovePrior};
use conclave_core::key_package::KeyPackageBundle;
use conclave_core::wire::{Add, MlsMessage, MlsMessageBody, Proposal, Remove};

use crate::client::{group_writes, message_group_id, Cached, Pending};
use crate::records::*;
use crate::store::{Store, Write};
use crate::{Client, ClientError, CommitResult, Incoming, Result};

impl<S: Store> Client<S> {
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
        let batch = group_writes(&group, None)?;
        self.write_and_cache(group_id, batch, Cached::with(group))
    }

    /// Commits: the current state (our commit's handshake key used) and the
    /// next epoch's state are written in one batch before the commit is
    /// returned. Merge it with [`Client::merge_pending_commit`].
    pub fn commit(&mut self, group_id: &[u8], options: CommitOptions) -> Result<CommitResult> {
        let mut entry = self.take(group_id)?;
        let mut group = self.take_current(&mut entry, group_id)?;
        let out = group.commit(options)?;
        let mut batch = group_writes(&group, Some(&BTreeSet::new()))?;
        let changed = group.changed_nodes(out.pending.staged());
        group.merge_pending_commit(out.pending)?;
        let mut nodes = Vec::with_capacity(changed.len());
        for &x in &changed {
            nodes.push(NodeChange {
                index: x,
                node: group.node_record(x)?.map(VLBytes::new),
            });
        }
        let epoch = group.epoch();
        let pending = Pending {
            group,
            nodes,
            message: Some(encode(&out.message)?),
        };
        batch.push(Write::Put(pending_key(group_id), pending.record()?));
        let bytes_written = batch.iter().map(Write::size).sum();
        // The current epoch, with our handshake key used, is only on disk
        // now: it is loaded again if it is needed before the merge (a
        // message of this epoch, a discarded commit).
        let entry = Cached {
            current: None,
            pending: Some(pending),
        };
        self.write_and_cache(group_id, batch, entry)?;
        Ok(CommitResult {
            message: out.message,
            welcome: out.welcome,
            group_info: out.group_info,
            epoch,
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
                MlsMessageBody::KeyPackage(key_package) => Ok(Proposal::Add(Add {
                    key_package: Box::new(key_package),
                })),
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
        let mut entry = self.take(group_id)?;
        let next = entry.pending.take().map(|p| p.group);
        let entry = Cached {
            // Not cached (e.g. after a reload): loaded from the store later.
            current: next.filter(|g| g.epoch() == epoch),
            pending: None,
        };
        self.write_and_cache(group_id, batch, entry)?;
        Ok(epoch)
    }

    /// Forgets our pending commit (the delivery service refused it).
    pub fn discard_pending_commit(&mut self, group_id: &[u8]) -> Result<()> {
        let mut entry = self.cache.remove(group_id).unwrap_or_default();
        entry.pending = None;
        self.write_and_cache(group_id, vec![Write::Delete(pending_key(group_id))], entry)
    }

    /// Whether a commit of ours is pending in the group.
    pub fn has_pending_commit(&self, group_id: &[u8]) -> Result<bool> {
        Ok(self.store.get(&pending_key(group_id))?.is_some())
    }

    /// The writes that replace whatever we held of `group`'s id with it.
    fn replace_writes(&self, group: &Group) -> Result<Vec<Write>> {
        let mut batch: Vec<Write> = self
            .store
            .scan(&group_prefix(group.group_id()))?
            .into_iter()
            .map(|(k, _)| Write::Delete(k))
            .collect();
        batch.extend(group_writes(group, None)?);
        Ok(batch)
    }

    /// Joins from a Welcome with one of our stored KeyPackages (deleted in
    /// the same batch unless it is a last-resort one). Any earlier state of
    /// the same group id (e.g. we were removed and are added again) is
    /// replaced. Returns the group id.
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
        let mut batch = self.replace_writes(&group)?;
        if record.last_resort == 0 {
            batch.push(Write::Delete(key));
        }
        self.cache.remove(&group_id);
        self.write_and_cache(&group_id, batch, Cached::with(group))?;
        Ok(group_id)
    }

    /// Joins by an external commit (§12.4.3.2) from a GroupInfo carrying
    /// `external_pub` and the ratchet tree (see [`Client::group_info`]).
    /// With `resync`, the commit also removes our own earlier leaf (the
    /// member presenting our identity). The new epoch is written, replacing
    /// any earlier state of the group id, before the commit is returned:
    /// send it to the group. Returns the group id and the commit.
    pub fn join_external(
        &mut self,
        group_info: &MlsMessage,
        resync: bool,
    ) -> Result<(Vec<u8>, MlsMessage)> {
        let options = ExternalJoinOptions {
            remove_prior: resync.then_some(RemovePrior::SameIdentity),
            ..ExternalJoinOptions::default()
        };
        let (group, commit) = Group::external_join(
            self.cs.clone(),
            self.signer.clone(),
            self.credential.clone(),
            group_info,
            None,
            options,
            self.config.clone(),
            self.services.clone(),
        )?;
        let group_id = group.group_id().to_vec();
        let batch = self.replace_writes(&group)?;
        self.cache.remove(&group_id);
        self.write_and_cache(&group_id, batch, Cached::with(group))?;
        Ok((group_id, commit))
    }

    /// Encrypts application data; the sending ratchet's advance is written
    /// before the message is returned.
    pub fn send(&mut self, group_id: &[u8], data: &[u8]) -> Result<MlsMessage> {
        let mut entry = self.take(group_id)?;
        let mut group = self.take_current(&mut entry, group_id)?;
        let message = group.encrypt(data, b"")?;
        let batch = group_writes(&group, Some(&BTreeSet::new()))?;
        entry.current = Some(group);
        self.write_and_cache(group_id, batch, entry)?;
        Ok(message)
    }

    /// Processes a message for one of our groups; its effect (a ratchet's
    /// advance, a cached proposal, a merged commit) is written in one batch
    /// before the result is returned. Prefer [`Self::receive_bytes`] for a
    /// message as it came off the wire.
    pub fn receive(&mut self, message: &MlsMessage) -> Result<Incoming> {
        let group_id = message_group_id(message)
            .ok_or_else(|| ClientError::Format("not a group message".into()))?
            .to_vec();
        self.receive_message(group_id, Inbound::Decoded(message))
    }

    /// [`Self::receive`] of a message as received: refused before anything
    /// is read if it is longer than the configured
    /// [`Limits::max_message_size`](conclave_core::limits::Limits), routed by
    /// the group id at its head, and decoded once, by the group, whose
    /// hashes (transcript, ProposalRef, signature) are computed over these
    /// bytes rather than a re-encoding (RFC 9420 §5.2, §8.2).
    pub fn receive_bytes(&mut self, bytes: &[u8]) -> Result<Incoming> {
        self.config.limits.check_size(bytes)?;
        match MlsMessage::peek_group_id(bytes).map_err(conclave_core::Error::from)? {
            Some(id) => self.receive_message(id.to_vec(), Inbound::Bytes(bytes)),
            // Not a group message, or no MLSMessage at all: say which.
            None => self.receive(&self.config.limits.decode_message(bytes)?),
        }
    }

    /// A message of `group_id`, decoded or as received.
    fn receive_message(&mut self, group_id: Vec<u8>, message: Inbound<'_>) -> Result<Incoming> {
        let mut entry = self.take(&group_id)?;
        // The echo of our cached pending commit, recognised by its bytes.
        if let Some(p) = &entry.pending {
            let echoed = match message {
                Inbound::Bytes(b) => p.message.as_deref() == Some(b),
                Inbound::Decoded(m) => p.message.as_deref() == Some(encode(m)?.as_slice()),
            };
            if echoed {
                self.cache.insert(group_id.clone(), entry);
                let epoch = self.merge_pending_commit(&group_id)?;
                return Ok(Incoming::OwnCommit { group_id, epoch });
            }
        }
        let mut group = self.take_current(&mut entry, &group_id)?;
        match message.process_in(&mut group)? {
            Received::Application { sender, data, .. } => {
                let mut batch = group_writes(&group, Some(&BTreeSet::new()))?;
                if let Some(pending) = entry.pending.as_mut() {
                    self.read_in_pending(&group_id, pending, message)?;
                    batch.push(Write::Put(pending_key(&group_id), pending.record()?));
                }
                entry.current = Some(group);
                self.write_and_cache(&group_id, batch, entry)?;
                Ok(Incoming::Application {
                    group_id,
                    sender: sender.0,
                    data,
                })
            }
            Received::Proposal { .. } => {
                let batch = group_writes(&group, Some(&BTreeSet::new()))?;
                entry.current = Some(group);
                self.write_and_cache(&group_id, batch, entry)?;
                Ok(Incoming::Proposal { group_id })
            }
            Received::Commit(staged) => {
                let changed = group.changed_nodes(&staged);
                let added = staged.added().iter().map(|(l, _)| l.0).collect();
                let removed = staged.removed().iter().map(|(l, _)| l.0).collect();
                let self_removed = staged.self_removed();
                // The epoch the commit starts (our state stays at the old
                // one when it removes us).
                let epoch = staged.epoch();
                group.merge_staged_commit(staged)?;
                let mut batch = group_writes(&group, Some(&changed))?;
                // Another member's commit won: ours can never be merged.
                batch.push(Write::Delete(pending_key(&group_id)));
                self.write_and_cache(&group_id, batch, Cached::with(group))?;
                Ok(Incoming::Commit {
                    group_id,
                    epoch,
                    added,
                    removed,
                    self_removed,
                })
            }
            Received::OwnCommit => {
                // Processing our own echo changed nothing; keep the entry.
                entry.current = Some(group);
                self.cache.insert(group_id.clone(), entry);
                let epoch = self.merge_pending_commit(&group_id)?;
                Ok(Incoming::OwnCommit { group_id, epoch })
            }
        }
    }
}

impl<S: Store> Client<S> {
    /// Reads `message`, just read in the current epoch, in our pending
    /// commit's next epoch too, where the current epoch is a past one
    /// (§9.2): the merge replaces the current state with the pending one,
    /// which must not hold the key this message used. If the pending
    /// state cannot read it (e.g. no past epochs are kept), it could not
    /// read it after the merge either; it is then reloaded from the store,
    /// in case the failed attempt changed it.
    fn read_in_pending(
        &self,
        group_id: &[u8],
        pending: &mut Pending,
        message: Inbound<'_>,
    ) -> Result<()> {
        if message.process_in(&mut pending.group).is_err() {
            *pending = self
                .stored(group_id, true)?
                .pending
                .ok_or_else(|| ClientError::NotFound("no pending commit".into()))?;
        }
        Ok(())
    }
}

impl Cached {
    /// An entry with the current epoch and no pending commit.
    pub(crate) fn with(group: Group) -> Self {
        Self {
            current: Some(group),
            pending: None,
        }
    }
}

/// A received message, decoded by the caller or as it came off the wire.
#[derive(Clone, Copy)]
enum Inbound<'a> {
    Decoded(&'a MlsMessage),
    Bytes(&'a [u8]),
}

impl Inbound<'_> {
    /// Processes the message in `group`: bytes through
    /// [`Group::process_bytes`], which decodes them once and hashes them as
    /// received.
    fn process_in(self, group: &mut Group) -> std::result::Result<Received, conclave_core::Error> {
        match self {
            Self::Decoded(m) => group.process(m),
            Self::Bytes(b) => group.process_bytes(b),
        }
    }
}
