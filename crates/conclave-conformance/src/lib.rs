//! Runner for the MLS working group's test vectors (RFC 9420 conformance).
//!
//! Each official file has a [`Kind`], recognised from its file name or given
//! explicitly. A kind's module turns one JSON case into an [`Outcome`]. A case
//! is skipped only when its ciphersuite is not supported, and the report says
//! so; a kind that is not implemented fails every case, never passes it.
#![forbid(unsafe_code)]

pub mod hexjson;
pub mod kinds;

use std::path::{Path, PathBuf};

use conclave_core::crypto::CryptoProvider;
use serde_json::Value;

/// The result of running one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check of the case held.
    Pass,
    /// A check failed; the text says which.
    Fail(String),
    /// The case was not run, with the reason (only an unsupported ciphersuite).
    Skip(String),
}

/// The kinds of official vector files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `tree-math.json`
    TreeMath,
    /// `crypto-basics.json`
    CryptoBasics,
    /// `secret-tree.json`
    SecretTree,
    /// `message-protection.json`
    MessageProtection,
    /// `key-schedule.json`
    KeySchedule,
    /// `psk_secret.json`
    PskSecret,
    /// `transcript-hashes.json`
    TranscriptHashes,
    /// `welcome.json`
    Welcome,
    /// `tree-operations.json`
    TreeOperations,
    /// `tree-validation.json`
    TreeValidation,
    /// `treekem.json`
    TreeKem,
    /// `messages.json`
    Messages,
    /// the three `passive-client-*.json` files
    PassiveClient,
    /// `deserialization.json`
    Deserialization,
}

impl Kind {
    /// Every kind, with the name used by `--kind`.
    pub const ALL: [(Kind, &'static str); 14] = [
        (Kind::TreeMath, "tree-math"),
        (Kind::CryptoBasics, "crypto-basics"),
        (Kind::SecretTree, "secret-tree"),
        (Kind::MessageProtection, "message-protection"),
        (Kind::KeySchedule, "key-schedule"),
        (Kind::PskSecret, "psk-secret"),
        (Kind::TranscriptHashes, "transcript-hashes"),
        (Kind::Welcome, "welcome"),
        (Kind::TreeOperations, "tree-operations"),
        (Kind::TreeValidation, "tree-validation"),
        (Kind::TreeKem, "treekem"),
        (Kind::Messages, "messages"),
        (Kind::PassiveClient, "passive-client"),
        (Kind::Deserialization, "deserialization"),
    ];

    /// The kind named `name` (as given to `--kind`).
    pub fn from_name(name: &str) -> Option<Kind> {
        let norm = name.replace('_', "-");
        Self::ALL.iter().find(|(_, n)| *n == norm).map(|(k, _)| *k)
    }

    /// The kind of an official file, from its name.
    pub fn from_file_name(path: &Path) -> Option<Kind> {
        let stem = path.file_stem()?.to_str()?;
        if stem.starts_with("passive-client") {
            return Some(Kind::PassiveClient);
        }
        Self::from_name(stem)
    }

    /// The name of this kind.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, n)| *n)
            .unwrap_or("unknown")
    }
}

/// The counts for one file.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases that were skipped.
    pub skipped: usize,
    /// One line per failed or skipped case: its index and the reason.
    pub notes: Vec<String>,
}

/// Runs every case of one file of the given kind.
pub fn run_file(path: &Path, kind: Kind, provider: &dyn CryptoProvider) -> FileReport {
    let mut report = FileReport::default();
    let cases = match std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice::<Value>(&b).map_err(|e| e.to_string()))
    {
        Ok(Value::Array(cases)) => cases,
        Ok(_) => {
            report.failed = 1;
            report.notes.push("the file is not a JSON array".into());
            return report;
        }
        Err(e) => {
            report.failed = 1;
            report.notes.push(format!("cannot read the file: {e}"));
            return report;
        }
    };
    for (i, case) in cases.iter().enumerate() {
        match kinds::run_case(kind, case, provider) {
            Outcome::Pass => report.passed += 1,
            Outcome::Fail(why) => {
                report.failed += 1;
                report.notes.push(format!("case {i}: FAILED: {why}"));
            }
            Outcome::Skip(why) => {
                report.skipped += 1;
                report.notes.push(format!("case {i}: skipped: {why}"));
            }
        }
    }
    report
}

/// The JSON files under `path` (the file itself, or a folder's `*.json`, sorted).
pub fn collect_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        Ok(files)
    } else {
        Ok(vec![path.to_path_buf()])
    }
}

/// The provider the runner uses: the default RustCrypto provider.
pub fn default_provider() -> conclave_rustcrypto::RustCryptoProvider {
    conclave_rustcrypto::RustCryptoProvider::new()
}
