//! Runs every official vector file that Conclave implements, from
//! `tests/vectors/` at the repository root. Each file is one test and must pass
//! every case with nothing skipped.

use std::path::PathBuf;

use conclave_conformance::{default_provider, run_file, Kind};

fn run(name: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    let kind = Kind::from_file_name(&path).expect("an official file name");
    let report = run_file(&path, kind, &default_provider());
    assert!(
        report.failed == 0 && report.skipped == 0 && report.passed > 0,
        "{name}: {} passed, {} failed, {} skipped\n{}",
        report.passed,
        report.failed,
        report.skipped,
        report.notes.join("\n")
    );
}

#[test]
fn tree_math() {
    run("tree-math.json");
}

#[test]
fn crypto_basics() {
    run("crypto-basics.json");
}

#[test]
fn deserialization() {
    run("deserialization.json");
}

#[test]
fn messages() {
    run("messages.json");
}

#[test]
fn tree_operations() {
    run("tree-operations.json");
}

#[test]
fn tree_validation() {
    run("tree-validation.json");
}

#[test]
fn treekem() {
    run("treekem.json");
}

#[test]
fn secret_tree() {
    run("secret-tree.json");
}

#[test]
fn key_schedule() {
    run("key-schedule.json");
}

#[test]
fn psk_secret() {
    run("psk_secret.json");
}

#[test]
fn transcript_hashes() {
    run("transcript-hashes.json");
}

#[test]
fn message_protection() {
    run("message-protection.json");
}

#[test]
fn welcome() {
    run("welcome.json");
}

#[test]
fn passive_client_welcome() {
    run("passive-client-welcome.json");
}

#[test]
fn passive_client_handling_commit() {
    run("passive-client-handling-commit.json");
}

#[test]
fn passive_client_random() {
    run("passive-client-random.json");
}
