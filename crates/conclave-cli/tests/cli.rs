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
    let got = conclave(&bob, &["group", "receive", &s("c3")]);
    assert!(got.contains("epoch 3: we were removed"), "{got}");
    assert!(conclave(&alice, &["group", "info", "friends"]).contains("epoch 3"));
}

/// Bob joins alice's group by an external commit from a GroupInfo file;
/// removed later, he comes back the same way (reading the GroupInfo from
/// stdin this time).
#[test]
fn external_join_from_a_group_info_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let s = |n: &str| p(n).to_str().unwrap().to_string();
    let (alice, bob) = (p("alice.db"), p("bob.db"));
    conclave(&alice, &["identity", "new", "alice"]);
    conclave(&bob, &["identity", "new", "bob"]);
    conclave(&alice, &["group", "create", "open"]);
    conclave(&alice, &["group", "group-info", "open", "--out", &s("gi1")]);
    conclave(
        &bob,
        &["group", "join-external", &s("gi1"), "--out", &s("c1")],
    );
    assert!(conclave(&alice, &["group", "receive", &s("c1")]).contains("epoch 1"));
    let info = conclave(&alice, &["group", "info", "open"]);
    assert!(
        info.contains("epoch 1") && info.contains("leaf 1: bob"),
        "{info}"
    );

    conclave(
        &bob,
        &[
            "group",
            "send",
            "open",
            "--text",
            "hi, I'm in",
            "--out",
            &s("m1"),
        ],
    );
    assert!(conclave(&alice, &["group", "receive", &s("m1")]).contains("hi, I'm in"));

    // Alice removes bob; bob rejoins from a GroupInfo on stdin.
    conclave(&alice, &["group", "remove", "open", "1", "--out", &s("c2")]);
    let got = conclave(&bob, &["group", "receive", &s("c2")]);
    assert!(got.contains("epoch 2: we were removed"), "{got}");
    let gi = Command::new(env!("CARGO_BIN_EXE_conclave"))
        .arg("--store")
        .arg(&alice)
        .args(["group", "group-info", "open"])
        .output()
        .unwrap();
    assert!(gi.status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_conclave"))
        .arg("--store")
        .arg(&bob)
        .args(["group", "join-external", "-", "--out", &s("c3")])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&gi.stdout).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("epoch 3"));
    assert!(conclave(&alice, &["group", "receive", &s("c3")]).contains("epoch 3"));
    conclave(
        &alice,
        &[
            "group",
            "send",
            "open",
            "--text",
            "welcome back",
            "--out",
            &s("m2"),
        ],
    );
    assert!(conclave(&bob, &["group", "receive", &s("m2")]).contains("welcome back"));
    // A GroupInfo of an old epoch no longer works: alice refuses the commit.
    conclave(&p("carol.db"), &["identity", "new", "carol"]);
    conclave(
        &p("carol.db"),
        &["group", "join-external", &s("gi1"), "--out", &s("c4")],
    );
    let stale = Command::new(env!("CARGO_BIN_EXE_conclave"))
        .arg("--store")
        .arg(&alice)
        .args(["group", "receive", &s("c4")])
        .output()
        .unwrap();
    assert!(!stale.status.success());
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

#[test]
fn demo_refuses_fewer_than_two_members_or_empty_batches() {
    for args in [
        ["--members", "1", "--batch", "2"],
        ["--members", "5", "--batch", "0"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_conclave"))
            .arg("demo")
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(
            err.contains("not in 2..") || err.contains("not in 1.."),
            "{err}"
        );
        assert!(out.stdout.is_empty(), "{args:?} started the demo");
    }
}
