//! `conclave demo`: a realistic scenario end to end, every member with its
//! own SQLite store in a temporary folder and no server (the "delivery
//! service" is this loop handing each message to every member).
//!
//! The scenario: N identities, member 0 creates the group and adds
//! everyone (Welcome, RFC 9420 §12.4.3.1), three members send a message
//! (§6.3), one member commits an update (§12.4), member 0 removes the last
//! member, who comes back by an external commit (§12.4.3.2) from a
//! GroupInfo member 0 publishes, and sends a message; finally every member
//! must agree on the epoch authenticator (§8.7). Each step prints its wall
//! time; the members' work is spread over the machine's cores (each member
//! is independent, as on separate devices), with a progress bar on
//! stderr while a step over many members runs.

use std::time::Instant;

use conclave::{Client, Incoming};
use conclave_core::crypto::CipherSuite;
use conclave_core::wire::{Credential, MlsMessage};
use conclave_rustcrypto::RustCryptoProvider;
use conclave_sqlite::SqliteStore;
use indicatif::{ProgressBar, ProgressStyle};

use crate::Res;

const GROUP: &[u8] = b"demo group";

type Member = Client<SqliteStore>;

fn bar(len: usize, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("  {msg:<28} [{bar:40}] {pos}/{len} {elapsed}")
    {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_string());
    pb
}

/// Runs `f`, then prints the step's name and wall time (and the time per
/// member when `per` members did the work).
fn step<T>(name: &str, per: usize, f: impl FnOnce() -> Res<T>) -> Res<T> {
    let t = Instant::now();
    let out = f()?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    if per > 1 {
        println!(
            "{name:<52} {ms:>9.1} ms  ({:.2} ms per member)",
            ms / per as f64
        );
    } else {
        println!("{name:<52} {ms:>9.1} ms");
    }
    Ok(out)
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Runs `f(index, item)` over `items` on every core, with a progress bar;
/// the results in order.
fn par_map<I: Send, T: Send>(
    items: &mut [I],
    first_index: usize,
    what: &str,
    f: impl Fn(usize, &mut I) -> Res<T> + Sync,
) -> Res<Vec<T>> {
    let pb = bar(items.len(), what);
    let chunk = items.len().div_ceil(threads()).max(1);
    let results: Vec<Res<Vec<T>>> = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks_mut(chunk)
            .enumerate()
            .map(|(c, part)| {
                let (f, pb) = (&f, pb.clone());
                s.spawn(move || {
                    part.iter_mut()
                        .enumerate()
                        .map(|(i, item)| {
                            let out = f(first_index + c * chunk + i, item);
                            pb.inc(1);
                            out
                        })
                        .collect::<Res<Vec<T>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a worker panicked".into())))
            .collect()
    });
    pb.finish_and_clear();
    let mut out = Vec::with_capacity(items.len());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// Every member of `members` (the first being member `first_index`) but
/// `skip` processes `m`, which must be application data or a commit.
fn deliver(
    members: &mut [Member],
    first_index: usize,
    skip: Option<usize>,
    m: &MlsMessage,
    what: &str,
) -> Res<()> {
    par_map(members, first_index, what, |i, c| {
        if Some(i) == skip {
            return Ok(());
        }
        match c.receive(m)? {
            Incoming::Application { .. } | Incoming::Commit { .. } => Ok(()),
            other => Err(format!("member {i}: unexpected {other:?}").into()),
        }
    })?;
    Ok(())
}

/// Runs the demo with `n` members (at least 2, checked by the argument parser), adding
/// `batch` (at least 1) per commit.
pub fn run(n: usize, batch: usize) -> Res<()> {
    let dir = tempfile::tempdir()?;
    let suite = CipherSuite::X25519_AES128GCM_SHA256_ED25519;
    println!(
        "conclave demo: {n} members, each with its own SQLite store under {} ({} threads)",
        dir.path().display(),
        threads()
    );
    let total = Instant::now();
    let mut slots: Vec<Option<Member>> = (0..n).map(|_| None).collect();
    step(&format!("create {n} identities and stores"), n, || {
        par_map(&mut slots, 0, "identities", |i, slot| {
            let store = SqliteStore::open(dir.path().join(format!("member{i}.db")))?;
            *slot = Some(Client::create(
                store,
                &RustCryptoProvider::new(),
                suite,
                Credential::basic(format!("member{i}")),
            )?);
            Ok(())
        })
    })?;
    let mut members: Vec<Member> = slots.into_iter().flatten().collect();
    let kps = step(&format!("generate {} KeyPackages", n - 1), n - 1, || {
        par_map(&mut members[1..], 1, "KeyPackages", |_, c| {
            Ok(c.generate_key_package(false)?)
        })
    })?;
    step("member 0 creates the group", 1, || {
        Ok(members[0].create_group(GROUP)?)
    })?;
    let mut joined = 1;
    for chunk in kps.chunks(batch) {
        let count = chunk.len();
        let out = step(&format!("commit adding {count} members"), 1, || {
            let out = members[0].add_members(GROUP, chunk.to_vec())?;
            members[0].merge_pending_commit(GROUP)?;
            Ok(out)
        })?;
        if joined > 1 {
            let existing = joined - 1;
            step(
                &format!("{existing} existing members process it"),
                existing,
                || deliver(&mut members[1..joined], 1, None, &out.message, "processing"),
            )?;
        }
        let welcome = out.welcome.ok_or("no Welcome")?;
        step(
            &format!("{count} new members join from the Welcome"),
            count,
            || {
                par_map(
                    &mut members[joined..joined + count],
                    joined,
                    "joining",
                    |_, c| Ok(c.join(&welcome).map(drop)?),
                )
                .map(drop)
            },
        )?;
        joined += count;
    }
    for sender in [0, n / 2, n - 1] {
        let m = members[sender].send(GROUP, format!("hello from member {sender}").as_bytes())?;
        step(
            &format!("message from member {sender} read by all"),
            n - 1,
            || deliver(&mut members, 0, Some(sender), &m, "decrypting"),
        )?;
    }
    let updater = 1;
    let out = step(&format!("member {updater} commits an update"), 1, || {
        let out = members[updater].update(GROUP)?;
        members[updater].merge_pending_commit(GROUP)?;
        Ok(out)
    })?;
    step("everyone processes the update", n - 1, || {
        deliver(&mut members, 0, Some(updater), &out.message, "processing")
    })?;
    let removed = n - 1;
    let removed_key = members[removed].signature_key().to_vec();
    let leaf = members[0]
        .members(GROUP)?
        .into_iter()
        .find(|m| m.signature_key == removed_key)
        .ok_or("removed member not found")?
        .index
        .0;
    let out = step(
        &format!("member 0 removes member {removed} (leaf {leaf})"),
        1,
        || {
            let out = members[0].remove_members(GROUP, &[leaf])?;
            members[0].merge_pending_commit(GROUP)?;
            Ok(out)
        },
    )?;
    step("everyone processes the removal", n - 1, || {
        deliver(&mut members, 0, Some(0), &out.message, "processing")
    })?;
    let info = step("member 0 publishes a GroupInfo with the tree", 1, || {
        Ok(members[0].group_info(GROUP, true)?)
    })?;
    let commit = step(
        &format!("member {removed} rejoins by an external commit"),
        1,
        || Ok(members[removed].join_external(&info, false)?.1),
    )?;
    step("everyone processes the external commit", n - 1, || {
        deliver(&mut members[..removed], 0, None, &commit, "processing")
    })?;
    let m = members[removed].send(GROUP, b"I'm back")?;
    step(
        &format!("message from member {removed} read by all"),
        n - 1,
        || deliver(&mut members, 0, Some(removed), &m, "decrypting"),
    )?;
    step("check: every member agrees on the epoch", n, || {
        let first = members[0].group(GROUP)?;
        let (epoch, auth) = (
            first.epoch(),
            first.epoch_authenticator().as_bytes().to_vec(),
        );
        for (i, c) in members.iter_mut().enumerate() {
            let g = c.group(GROUP)?;
            if g.epoch() != epoch || g.epoch_authenticator().as_bytes() != auth.as_slice() {
                return Err(format!("member {i} disagrees").into());
            }
        }
        println!("  all {n} members at epoch {epoch} with the same epoch authenticator");
        Ok(())
    })?;
    // Closing a store checkpoints its write-ahead log into the database.
    let mut slots: Vec<Option<Member>> = members.into_iter().map(Some).collect();
    step(&format!("close the {n} stores"), n, || {
        par_map(&mut slots, 0, "closing", |_, slot| {
            drop(slot.take());
            Ok(())
        })
        .map(drop)
    })?;
    println!("total {:.2} s", total.elapsed().as_secs_f64());
    Ok(())
}
