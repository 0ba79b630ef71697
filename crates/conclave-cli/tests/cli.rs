//! The `conclave` command end to end: two identities in two stores
//! exchange files (KeyPackage, Welcome, messages, commits).

use std::path::Path;
use std::process::Command;

fn conclave(store: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_conclave"))
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn two_people_exchange_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let s = |n: &str| p(n).to_str().unwrap().to_string();
    let (alice, bob) = (p("alice.db"), p("bob.db"));
    conclave(&alice, &["identity", "new", "alice"]);
    conclave(&bob, &["identity", "new", "bob"]);
    conclave(&bob, &["key-package", "new", "--out", &s("bob.kp")]);
    conclave(&alice, &["group", "create", "friends"]);
    conclave(
        &alice,
        &[
            "group",
            "add",
            "friends",
            &s("bob.kp"),
            "--commit",
            &s("c1"),
            "--welcome",
            &s("w1"),
        ],
    );
    conclave(&bob, &["group", "join", &s("w1")]);
    let info = conclave(&bob, &["group", "info", "friends"]);
    assert!(
        info.contains("epoch 1") && info.contains("alice") && info.contains("bob"),
        "{info}"
    );

    conclave(
        &alice,
        &[
            "group",
            "send",
            "friends",
            "--text",
            "hi bob",
            "--out",
            &s("m1"),
        ],
    );
    let got = conclave(&bob, &["group", "receive", &s("m1")]);
    assert!(got.contains("hi bob"), "{got}");
    // A message is read once.
    let again = Command::new(env!("CARGO_BIN_EXE_conclave"))
        .arg("--store")
        .arg(&bob)
        .args(["group", "receive", &s("m1")])
        .output()
        .unwrap();
    assert!(!again.status.success());

    // Bob updates (commit to stdout), alice processes it from stdin.
    let commit = Command::new(env!("CARGO_BIN_EXE_conclave"))
        .arg("--store")
        .arg(&bob)
        .args(["group", "update", "friends"])
        .output()
        .unwrap();
    assert!(commit.status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_conclave"))
        .arg("--store")
        .arg(&alice)
        .args(["group", "receive", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&commit.stdout)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("epoch 2"));

    conclave(
        &bob,
        &[
            "group",
            "send",
            "friends",
            "--text",
            "hello alice",
            "--out",
            &s("m2"),
        ],
    );
    assert!(conclave(&alice, &["group", "receive", &s("m2")]).contains("hello alice"));

    // Alice removes bob; bob learns it.
    conclave(
        &alice,
        &["group", "remove", "friends", "1", "--out", &s("c3")],
    );
    assert!(conclave(&bob, &["group", "receive", &s("c3")]).contains("removed"));
    assert!(conclave(&alice, &["group", "info", "friends"]).contains("epoch 3"));
}

#[test]
fn demo_runs() {
    let out = Command::new(env!("CARGO_BIN_EXE_conclave"))
        .args(["demo", "--members", "5", "--batch", "2"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("all 5 members at epoch"), "{text}");
}
