//! The [`conclave::Store`] on SQLite (bundled library, rusqlite).
//!
//! - One table of `(key BLOB PRIMARY KEY, value BLOB)`; a batch is one
//!   transaction (`BEGIN IMMEDIATE` … `COMMIT`), so it is applied entirely
//!   or not at all, also across a crash or a kill.
//! - WAL journal mode with `synchronous = FULL`: a batch is durable when
//!   [`Store::write`] returns.
//! - Versioned migrations: the `schema_version` table records the schema
//!   version; [`MIGRATIONS`]`[i]` takes a database from version `i` to
//!   `i + 1`, each in its own transaction. Migration 1 creates the tables.
//!   A database of a newer version than this code knows is refused.
//! - Optional encryption at rest ([`SqliteStore::open_encrypted`]): every
//!   value is sealed with the AEAD of a Conclave cipher suite under an
//!   application key, with a fresh random nonce per record and the record's
//!   key as associated data (so a value cannot be moved to another key).
//!   Stored as `nonce || ciphertext`. Record keys (which name groups by id
//!   and KeyPackages by reference) are not encrypted.

#![forbid(unsafe_code)]

use std::path::Path;
use std::sync::Arc;

use conclave::{Entry, Store, StoreError, Write};
use conclave_core::crypto::{CipherSuiteProvider, Secret};
pub use rusqlite::Connection;
use rusqlite::{params, OptionalExtension};

/// The schema migrations, in order: `MIGRATIONS[i]` moves version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the key-value table.
    "CREATE TABLE kv (key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;",
];

/// The schema version this code writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// A label bound into every sealed value with its key.
const AAD_LABEL: &[u8] = b"conclave-sqlite v1 ";

fn err(e: impl core::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

struct AtRest {
    cs: Arc<dyn CipherSuiteProvider>,
    key: Secret,
}

/// A store in one SQLite database file.
pub struct SqliteStore {
    conn: Connection,
    at_rest: Option<AtRest>,
}

impl core::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("encrypted", &self.at_rest.is_some())
            .finish_non_exhaustive()
    }
}

/// The schema version of an open database (0 for a new one). Reads only:
/// a new database is not written until its first migration.
pub fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    let exists: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .map_err(err)?;
    if !exists {
        return Ok(0);
    }
    let v: Option<u32> = conn
        .query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))
        .optional()
        .map_err(err)?
        .flatten();
    Ok(v.unwrap_or(0))
}

/// Applies the missing migrations, each in one transaction with the
/// update of `schema_version` (created by the first one), so that a
/// database is at one version or the next, never in between.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current = schema_version(conn)?;
    if current > SCHEMA_VERSION {
        return Err(StoreError(format!(
            "the database has schema version {current}; this code knows up to {SCHEMA_VERSION}"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);")
            .map_err(err)?;
        tx.execute_batch(sql).map_err(err)?;
        tx.execute("DELETE FROM schema_version", []).map_err(err)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            params![i as u32 + 1],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, migrated to the
    /// current schema; values stored in the clear.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        migrate(&mut conn)?;
        Ok(Self {
            conn,
            at_rest: None,
        })
    }

    /// Opens the database with every value encrypted under `key` (of the
    /// suite's AEAD key length) with the AEAD of `cs`.
    pub fn open_encrypted(
        path: impl AsRef<Path>,
        cs: Arc<dyn CipherSuiteProvider>,
        key: Secret,
    ) -> Result<Self, StoreError> {
        if key.len() != cs.aead_key_len() {
            return Err(StoreError(format!(
                "the key at rest must be {} bytes",
                cs.aead_key_len()
            )));
        }
        let mut store = Self::open(path)?;
        store.at_rest = Some(AtRest { cs, key });
        Ok(store)
    }

    /// The underlying connection (for inspection and tests).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn seal(&self, key: &[u8], value: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        let Some(a) = &self.at_rest else {
            return Ok(value);
        };
        let mut nonce = vec![0u8; a.cs.aead_nonce_len()];
        a.cs.random_bytes(&mut nonce).map_err(err)?;
        let aad = [AAD_LABEL, key].concat();
        let mut out = nonce.clone();
        out.extend(
            a.cs.aead_seal(a.key.as_bytes(), &nonce, &aad, &value)
                .map_err(err)?,
        );
        Ok(out)
    }

    fn open_value(&self, key: &[u8], stored: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        let Some(a) = &self.at_rest else {
            return Ok(stored);
        };
        let n = a.cs.aead_nonce_len();
        let (nonce, ct) = stored
            .split_at_checked(n)
            .ok_or_else(|| StoreError("a sealed value is too short".into()))?;
        let aad = [AAD_LABEL, key].concat();
        a.cs.aead_open(a.key.as_bytes(), nonce, &aad, ct)
            .map_err(|_| StoreError("a value does not decrypt (wrong key or tampered)".into()))
    }
}

impl Store for SqliteStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let v: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT value FROM kv WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(err)?;
        v.map(|v| self.open_value(key, v)).transpose()
    }

    fn scan(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM kv WHERE key >= ?1 ORDER BY key")
            .map_err(err)?;
        let rows = stmt
            .query_map(params![prefix], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get(1)?))
            })
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (k, v): (Vec<u8>, Vec<u8>) = row.map_err(err)?;
            if !k.starts_with(prefix) {
                break;
            }
            let v = self.open_value(&k, v)?;
            out.push((k, v));
        }
        Ok(out)
    }

    fn write(&mut self, batch: Vec<Write>) -> Result<(), StoreError> {
        let sealed = batch
            .into_iter()
            .map(|w| match w {
                Write::Put(k, v) => {
                    let v = self.seal(&k, v)?;
                    Ok(Write::Put(k, v))
                }
                d => Ok(d),
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        {
            let mut put = tx
                .prepare_cached("INSERT OR REPLACE INTO kv (key, value) VALUES (?1, ?2)")
                .map_err(err)?;
            let mut del = tx
                .prepare_cached("DELETE FROM kv WHERE key = ?1")
                .map_err(err)?;
            for w in &sealed {
                match w {
                    Write::Put(k, v) => put.execute(params![k, v]).map_err(err)?,
                    Write::Delete(k) => del.execute(params![k]).map_err(err)?,
                };
            }
        }
        tx.commit().map_err(err)
    }
}
