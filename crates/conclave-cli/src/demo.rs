//! `conclave demo`: a realistic scenario end to end, every member with its
//! own SQLite store in a temporary folder and no server (the "delivery
//! service" is this loop handing each message to every member).

use std::time::Instant;

use conclave::{Client, Incoming};
use conclave_core::crypto::CipherSuite;
use conclave_core::wire::{Credential, MlsMessage};
use conclave_rustcrypto::RustCryptoProvider;
use conclave_sqlite::SqliteStore;
use indicatif::{ProgressBar, ProgressStyle};

use crate::Res;

const GROUP: &[u8] = b"demo group";

fn bar(len: usize, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("  {msg:<28} [{bar:40}] {pos}/{len} {elapsed}")
    {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_string());
    pb
}

fn step<T>(name: &str, f: impl FnOnce() -> Res<T>) -> Res<T> {
    let t = Instant::now();
    let out = f()?;
    println!("{name:<52} {:>9.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    Ok(out)
}

/// Every member but `skip` processes `m`; checks that it is `expect`ed.
fn deliver(
    members: &mut [Client<SqliteStore>],
    skip: &[usize],
    m: &MlsMessage,
    what: &str,
) -> Res<()> {
    let pb = bar(members.len(), what);
    for (i, c) in members.iter_mut().enumerate() {
        pb.inc(1);
        if skip.contains(&i) {
            continue;
        }
        match c.receive(m)? {
            Incoming::Application { .. } | Incoming::Commit { .. } => {}
            other => return Err(format!("member {i}: unexpected {other:?}").into()),
        }
    }
    pb.finish_and_clear();
    Ok(())
}

pub fn run(n: usize, batch: usize) -> Res<()> {
    let n = n.max(2);
    let batch = batch.max(1);
    let dir = tempfile::tempdir()?;
    let provider = RustCryptoProvider::new();
    let suite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;
    println!(
        "conclave demo: {n} members, each with its own SQLite store under {}",
        dir.path().display()
    );
    let total = Instant::now();
    let mut members: Vec<Client<SqliteStore>> =
        step(&format!("create {n} identities and stores"), || {
            let pb = bar(n, "identities");
            let out = (0..n)
                .map(|i| {
                    pb.inc(1);
                    let store = SqliteStore::open(dir.path().join(format!("member{i}.db")))?;
                    Ok(Client::create(
                        store,
                        &provider,
                        suite,
                        Credential::basic(format!("member{i}")),
                    )?)
                })
                .collect::<Res<Vec<_>>>();
            pb.finish_and_clear();
            out
        })?;
    let kps = step(&format!("generate {} KeyPackages", n - 1), || {
        let pb = bar(n - 1, "KeyPackages");
        let out = members[1..]
            .iter_mut()
            .map(|c| {
                pb.inc(1);
                Ok(c.generate_key_package(false)?)
            })
            .collect::<Res<Vec<_>>>();
        pb.finish_and_clear();
        out
    })?;
    step("member 0 creates the group", || {
        Ok(members[0].create_group(GROUP)?)
    })?;
    let mut joined = 1;
    for chunk in kps.chunks(batch) {
        let count = chunk.len();
        let out = step(&format!("commit adding {count} members"), || {
            let out = members[0].add_members(GROUP, chunk.to_vec())?;
            members[0].merge_pending_commit(GROUP)?;
            Ok(out)
        })?;
        if joined > 1 {
            let existing = joined;
            step(
                &format!("{} existing members process it", existing - 1),
                || deliver(&mut members[..existing], &[0], &out.message, "processing"),
            )?;
        }
        let welcome = out.welcome.ok_or("no Welcome")?;
        step(
            &format!("{count} new members join from the Welcome"),
            || {
                let pb = bar(count, "joining");
                for c in &mut members[joined..joined + count] {
                    pb.inc(1);
                    c.join(&welcome)?;
                }
                pb.finish_and_clear();
                Ok(())
            },
        )?;
        joined += count;
    }
    for sender in [0, n / 2, n - 1] {
        let m = members[sender].send(GROUP, format!("hello from member {sender}").as_bytes())?;
        step(&format!("message from member {sender} read by all"), || {
            deliver(&mut members, &[sender], &m, "decrypting")
        })?;
    }
    let updater = 1;
    let out = step(&format!("member {updater} commits an update"), || {
        let out = members[updater].update(GROUP)?;
        members[updater].merge_pending_commit(GROUP)?;
        Ok(out)
    })?;
    step("everyone processes the update", || {
        deliver(&mut members, &[updater], &out.message, "processing")
    })?;
    let removed = n - 1;
    let leaf = members[0]
        .members(GROUP)?
        .into_iter()
        .find(|m| m.signature_key == members[removed].signature_key())
        .ok_or("removed member not found")?
        .index
        .0;
    let out = step(
        &format!("member 0 removes member {removed} (leaf {leaf})"),
        || {
            let out = members[0].remove_members(GROUP, &[leaf])?;
            members[0].merge_pending_commit(GROUP)?;
            Ok(out)
        },
    )?;
    step("everyone processes the removal", || {
        deliver(&mut members, &[0], &out.message, "processing")
    })?;
    // No Group::external_join in conclave-core yet: re-add by a new Welcome.
    println!("  (re-adding by a new Welcome: external joins are not in conclave-core yet)");
    let kp = members[removed].generate_key_package(false)?;
    let out = step(&format!("member 0 re-adds member {removed}"), || {
        let out = members[0].add_members(GROUP, vec![kp])?;
        members[0].merge_pending_commit(GROUP)?;
        Ok(out)
    })?;
    step("everyone processes the re-add", || {
        deliver(&mut members[..removed], &[0], &out.message, "processing")
    })?;
    step(&format!("member {removed} joins again"), || {
        members[removed].join(out.welcome.as_ref().ok_or("no Welcome")?)?;
        Ok(())
    })?;
    let m = members[removed].send(GROUP, b"I'm back")?;
    step(
        &format!("message from member {removed} read by all"),
        || deliver(&mut members, &[removed], &m, "decrypting"),
    )?;
    step("check: every member agrees on the epoch", || {
        let first = members[0].group(GROUP)?;
        for (i, c) in members.iter().enumerate() {
            let g = c.group(GROUP)?;
            if g.epoch_authenticator() != first.epoch_authenticator() {
                return Err(format!("member {i} disagrees").into());
            }
        }
        println!(
            "  all {n} members at epoch {} with the same epoch authenticator",
            first.epoch()
        );
        Ok(())
    })?;
    println!("total {:.2} s", total.elapsed().as_secs_f64());
    Ok(())
}
