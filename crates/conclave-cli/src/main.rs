//! `conclave`: a local MLS (RFC 9420) client on SQLite, and an end-to-end
//! demo.
//!
//! - `conclave demo [--members N]`: N members, each with its own SQLite
//!   store in a temporary folder, no server: create a group, add everyone,
//!   exchange messages, update, remove, re-add by an external join; prints
//!   each step's time.
//! - `conclave --store PATH identity new NAME`, `key-package new`,
//!   `group create|add|join|group-info|join-external|remove|update|send|receive|info`:
//!   one client on a local store; messages go through files (or `-` for
//!   stdin/stdout), so that two people can use it by exchanging files. With
//!   no delivery service, a commit is merged as soon as it is written out.

#![forbid(unsafe_code)]

mod demo;

use std::io::{Read, Write as _};
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use conclave::{Client, Incoming};
use conclave_core::codec::{decode_exact, encode};
use conclave_core::crypto::CipherSuite;
use conclave_core::wire::{Credential, MlsMessage};
use conclave_rustcrypto::RustCryptoProvider;
use conclave_sqlite::SqliteStore;

#[derive(Parser, Debug)]
#[command(
    name = "conclave",
    version,
    about = "Messaging Layer Security (RFC 9420) on a local store"
)]
struct Cli {
    /// The SQLite store of this client.
    #[arg(long, global = true, default_value = "conclave.db")]
    store: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the end-to-end demo on temporary stores.
    Demo {
        /// How many members (at least 2: one commits, the others receive).
        #[arg(long, default_value_t = 100,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..))]
        members: usize,
        /// How many Adds per commit while growing the group (at least 1).
        #[arg(long, default_value_t = 1000,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        batch: usize,
    },
    /// Manage the identity.
    Identity {
        #[command(subcommand)]
        command: IdentityCommand,
    },
    /// Manage KeyPackages.
    KeyPackage {
        #[command(subcommand)]
        command: KeyPackageCommand,
    },
    /// Group operations.
    Group {
        #[command(subcommand)]
        command: GroupCommand,
    },
}

#[derive(Subcommand, Debug)]
enum IdentityCommand {
    /// Create the identity of this store (a basic credential).
    New {
        /// The identity's name.
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum KeyPackageCommand {
    /// Generate a KeyPackage (private keys kept in the store until used).
    New {
        /// Keep it after use.
        #[arg(long)]
        last_resort: bool,
        /// Where to write it (`-`: stdout).
        #[arg(long, default_value = "-")]
        out: String,
    },
}

#[derive(Subcommand, Debug)]
enum GroupCommand {
    /// Create a group.
    Create { group: String },
    /// Add members by their KeyPackage files; writes the commit and the Welcome.
    Add {
        group: String,
        /// KeyPackage files.
        key_packages: Vec<String>,
        /// Where to write the commit (for existing members).
        #[arg(long)]
        commit: String,
        /// Where to write the Welcome (for the new members).
        #[arg(long)]
        welcome: String,
    },
    /// Join from a Welcome file.
    Join { welcome: String },
    /// Write a GroupInfo of the current epoch, with the ratchet tree and
    /// the external public key, for an external join.
    GroupInfo {
        group: String,
        #[arg(long, default_value = "-")]
        out: String,
    },
    /// Join by an external commit from a GroupInfo file (`-`: stdin);
    /// writes the commit for the members.
    JoinExternal {
        group_info: String,
        /// Where to write the commit.
        #[arg(long)]
        out: String,
        /// Also remove our own earlier leaf (same identity) in the group.
        #[arg(long)]
        resync: bool,
    },
    /// Remove members by leaf index; writes the commit.
    Remove {
        group: String,
        leaves: Vec<u32>,
        #[arg(long, default_value = "-")]
        out: String,
    },
    /// Update our leaf; writes the commit.
    Update {
        group: String,
        #[arg(long, default_value = "-")]
        out: String,
    },
    /// Encrypt a message (from `--text` or stdin); writes it.
    Send {
        group: String,
        #[arg(long)]
        text: Option<String>,
        #[arg(long, default_value = "-")]
        out: String,
    },
    /// Process a message file (`-`: stdin) and print what it was.
    Receive {
        #[arg(default_value = "-")]
        input: String,
    },
    /// Print the group's epoch and members.
    Info { group: String },
}

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn read_input(path: &str) -> Res<Vec<u8>> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        Ok(buf)
    } else {
        Ok(std::fs::read(path)?)
    }
}

fn write_output(path: &str, bytes: &[u8]) -> Res<()> {
    if path == "-" {
        std::io::stdout().write_all(bytes)?;
        Ok(())
    } else {
        Ok(std::fs::write(path, bytes)?)
    }
}

fn read_message(path: &str) -> Res<MlsMessage> {
    Ok(decode_exact(&read_input(path)?)?)
}

fn write_message(path: &str, m: &MlsMessage) -> Res<()> {
    write_output(path, &encode(m)?)
}

fn open(store: &PathBuf) -> Res<Client<SqliteStore>> {
    Ok(Client::open(
        SqliteStore::open(store)?,
        &RustCryptoProvider::new(),
    )?)
}

fn describe(incoming: &Incoming) -> String {
    match incoming {
        Incoming::Application { sender, data, .. } => {
            format!(
                "message from leaf {sender}: {}",
                String::from_utf8_lossy(data)
            )
        }
        Incoming::Proposal { .. } => "proposal cached".into(),
        Incoming::Commit {
            epoch,
            added,
            removed,
            self_removed,
            ..
        } => {
            if *self_removed {
                format!("commit to epoch {epoch}: we were removed")
            } else {
                format!("commit to epoch {epoch}: added {added:?}, removed {removed:?}")
            }
        }
        Incoming::OwnCommit { epoch, .. } => format!("our own commit, now epoch {epoch}"),
    }
}

fn run(cli: Cli) -> Res<()> {
    let store = &cli.store;
    match cli.command {
        Command::Demo { members, batch } => demo::run(members, batch),
        Command::Identity {
            command: IdentityCommand::New { name },
        } => {
            let c = Client::create(
                SqliteStore::open(store)?,
                &RustCryptoProvider::new(),
                CipherSuite::X25519_AES128GCM_SHA256_ED25519,
                Credential::basic(name.clone()),
            )?;
            eprintln!("identity {name} created in {}", store.display());
            drop(c);
            Ok(())
        }
        Command::KeyPackage {
            command: KeyPackageCommand::New { last_resort, out },
        } => {
            let kp = open(store)?.generate_key_package(last_resort)?;
            write_message(&out, &kp)
        }
        Command::Group { command } => {
            let mut c = open(store)?;
            match command {
                GroupCommand::Create { group } => {
                    c.create_group(group.as_bytes())?;
                    eprintln!("group {group} created");
                }
                GroupCommand::Add {
                    group,
                    key_packages,
                    commit,
                    welcome,
                } => {
                    let kps = key_packages
                        .iter()
                        .map(|p| read_message(p))
                        .collect::<Res<Vec<_>>>()?;
                    let out = c.add_members(group.as_bytes(), kps)?;
                    write_message(&commit, &out.message)?;
                    if let Some(w) = &out.welcome {
                        write_message(&welcome, w)?;
                    }
                    let epoch = c.merge_pending_commit(group.as_bytes())?;
                    eprintln!("added {} member(s); epoch {epoch}", key_packages.len());
                }
                GroupCommand::Join { welcome } => {
                    let id = c.join(&read_message(&welcome)?)?;
                    eprintln!("joined group {}", String::from_utf8_lossy(&id));
                }
                GroupCommand::GroupInfo { group, out } => {
                    let info = c.group_info(group.as_bytes(), true)?;
                    write_message(&out, &info)?;
                }
                GroupCommand::JoinExternal {
                    group_info,
                    out,
                    resync,
                } => {
                    let (id, commit) = c.join_external(&read_message(&group_info)?, resync)?;
                    write_message(&out, &commit)?;
                    let epoch = c.group(&id)?.epoch();
                    eprintln!(
                        "joined group {} by an external commit; epoch {epoch}",
                        String::from_utf8_lossy(&id)
                    );
                }
                GroupCommand::Remove { group, leaves, out } => {
                    let r = c.remove_members(group.as_bytes(), &leaves)?;
                    write_message(&out, &r.message)?;
                    let epoch = c.merge_pending_commit(group.as_bytes())?;
                    eprintln!("removed {leaves:?}; epoch {epoch}");
                }
                GroupCommand::Update { group, out } => {
                    let r = c.update(group.as_bytes())?;
                    write_message(&out, &r.message)?;
                    let epoch = c.merge_pending_commit(group.as_bytes())?;
                    eprintln!("updated; epoch {epoch}");
                }
                GroupCommand::Send { group, text, out } => {
                    let data = match text {
                        Some(t) => t.into_bytes(),
                        None => read_input("-")?,
                    };
                    let m = c.send(group.as_bytes(), &data)?;
                    write_message(&out, &m)?;
                }
                GroupCommand::Receive { input } => {
                    let incoming = c.receive_bytes(&read_input(&input)?)?;
                    println!("{}", describe(&incoming));
                }
                GroupCommand::Info { group } => {
                    let g = c.group(group.as_bytes())?;
                    println!(
                        "group {group}, epoch {}, our leaf {}",
                        g.epoch(),
                        g.own_leaf().0
                    );
                    for m in g.members() {
                        let name = match &m.credential {
                            Credential::Basic { identity } => {
                                String::from_utf8_lossy(identity.as_slice()).into_owned()
                            }
                            other => format!("{other:?}"),
                        };
                        println!("  leaf {}: {name}", m.index.0);
                    }
                }
            }
            Ok(())
        }
    }
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
