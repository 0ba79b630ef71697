//! The storage interface of the client layer: a small ordered key-value
//! store with atomic batches, and an in-memory implementation.
//!
//! Every client operation reads what it needs with [`Store::get`] and
//! [`Store::scan`], runs, and hands all its changes to [`Store::write`] as
//! one batch, which the store must apply atomically (all or nothing, and
//! durably when it returns for a persistent store). That is what makes a
//! crash unable to fork or half-apply a group's state (RFC 9420 §9.2:
//! a key is deleted as soon as it is used, so a ratchet's advance and the
//! plaintext it released must be one change).

use std::collections::BTreeMap;

/// A store failure (I/O, corruption, a failed decryption at rest).
#[derive(Debug, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(pub String);

/// A `(key, value)` pair.
pub type Entry = (Vec<u8>, Vec<u8>);

/// One change of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Sets `key` to `value`.
    Put(Vec<u8>, Vec<u8>),
    /// Removes `key` (no error if absent).
    Delete(Vec<u8>),
}

impl Write {
    /// The bytes this change writes (key and value).
    pub fn size(&self) -> usize {
        match self {
            Write::Put(k, v) => k.len() + v.len(),
            Write::Delete(k) => k.len(),
        }
    }
}

/// An ordered key-value store with atomic batches.
pub trait Store {
    /// The value at `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Every `(key, value)` whose key starts with `prefix`, in key order.
    fn scan(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError>;
    /// Applies every change of `batch`, in order, atomically.
    fn write(&mut self, batch: Vec<Write>) -> Result<(), StoreError>;
}

/// A store in memory (tests, short-lived clients). Counts what it writes.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Total bytes written by all batches (keys and values).
    pub bytes_written: u64,
    /// Bytes written by the last batch.
    pub last_batch_bytes: u64,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.map.get(key).cloned())
    }

    fn scan(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError> {
        Ok(self
            .map
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn write(&mut self, batch: Vec<Write>) -> Result<(), StoreError> {
        let size: u64 = batch.iter().map(|w| w.size() as u64).sum();
        self.last_batch_bytes = size;
        self.bytes_written += size;
        for w in batch {
            match w {
                Write::Put(k, v) => {
                    self.map.insert(k, v);
                }
                Write::Delete(k) => {
                    self.map.remove(&k);
                }
            }
        }
        Ok(())
    }
}

impl<S: Store + ?Sized> Store for Box<S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get(key)
    }
    fn scan(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError> {
        (**self).scan(prefix)
    }
    fn write(&mut self, batch: Vec<Write>) -> Result<(), StoreError> {
        (**self).write(batch)
    }
}
