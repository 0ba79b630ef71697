//! Processing messages into a real group (RFC 9420 §6, §12.4.2): member 1
//! of a three-member group (`conclave_fuzz::group::Fixture`, restored from
//! its snapshot for every execution) processes one message.
//!
//! The first input byte picks where the message comes from (bits 0–1):
//! - 0: the rest, decoded as an MLSMessage under the default `Limits`;
//! - 1: a real message of the epoch (from members 0 and 2: application
//!   data, proposals, commits with and without a path, public and private),
//!   chosen by the next byte, with its encoding mutated by the rest
//!   (4-byte operations: flip, set, insert, delete, truncate) and decoded;
//! - 2, 3: a message that member 0 or 2 (restored from its snapshot) makes
//!   and signs from fuzzer-chosen fields: application data, a proposal, or
//!   a commit through the `testing` hooks (`Group::commit_forged` with
//!   arbitrary, valid or broken proposals by value, a path omitted or
//!   forced, an unchanged leaf key, extra references, a swapped leaf), so
//!   that rule-breaking content gets past the signature, the membership tag
//!   and the AEAD. Bit 6 then flips one byte of its encoding.
//!
//! Asserted besides "no panic": when the receiver rejects the message, its
//! snapshot is byte-for-byte what it was, and a valid application message
//! (and, with bit 7 of the first byte, a valid commit) from member 0 still
//! processes. An accepted commit is merged.
#![no_main]

use conclave_core::codec::{decode_exact, encode, VLBytes};
use conclave_core::group::{CommitOptions, Forgery, Group, Received};
use conclave_core::limits::Limits;
use conclave_core::tree::LeafIndex;
use conclave_core::wire::{
    Add, ExternalInit, GroupContextExtensions, LeafNode, MlsMessage, PreSharedKey, Proposal,
    ReInit, Remove,
};
use conclave_fuzz::group::{Fixture, RECEIVER};
use libfuzzer_sys::arbitrary::{Result as ArbResult, Unstructured};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = Fixture::get();
    let message = match mode & 3 {
        0 => Limits::default().decode_message(rest).ok(),
        1 => mutated(f, rest),
        _ => forged(f, rest, mode & 1 == 1, mode & 0x40 != 0),
    };
    if let Some(message) = message {
        receive(f, &message, mode & 0x80 != 0);
    }
});

fn mutated(f: &Fixture, data: &[u8]) -> Option<MlsMessage> {
    let (&pick, ops) = data.split_first()?;
    let mut all = f
        .messages
        .iter()
        .chain([&f.valid_application, &f.valid_commit]);
    let count = f.messages.len() + 2;
    let message = all.nth(usize::from(pick) % count)?;
    let mut bytes = encode(message).ok()?;
    for op in ops.chunks_exact(4) {
        let pos = usize::from(u16::from_be_bytes([op[1], op[2]]));
        let value = op[3];
        if bytes.is_empty() {
            break;
        }
        let at = pos % bytes.len();
        match op[0] % 5 {
            0 => bytes[at] ^= value | 1,
            1 => bytes[at] = value,
            2 => bytes.insert(at, value),
            3 => {
                bytes.remove(at);
            }
            _ => bytes.truncate(at),
        }
    }
    decode_exact(&bytes).ok()
}

fn proposal(f: &Fixture, u: &mut Unstructured<'_>) -> ArbResult<Proposal> {
    Ok(match u.int_in_range(0..=9u8)? {
        0 => Proposal::Add(Add {
            key_package: Box::new(f.key_package.clone()),
        }),
        1 => {
            let mut key_package = f.key_package.clone();
            key_package.leaf_node = u.arbitrary()?;
            Proposal::Add(Add {
                key_package: Box::new(key_package),
            })
        }
        2 => Proposal::Remove(Remove {
            removed: u.int_in_range(0..=4)?,
        }),
        3 => Proposal::Remove(Remove {
            removed: u.arbitrary()?,
        }),
        4 => Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: u.arbitrary()?,
        }),
        5 => Proposal::PreSharedKey(PreSharedKey {
            psk: u.arbitrary()?,
        }),
        6 => Proposal::ReInit(ReInit {
            group_id: u.arbitrary()?,
            version: u.arbitrary()?,
            cipher_suite: u.arbitrary()?,
            extensions: u.arbitrary()?,
        }),
        7 => Proposal::ExternalInit(ExternalInit {
            kem_output: u.arbitrary()?,
        }),
        _ => u.arbitrary()?,
    })
}

fn forged(f: &Fixture, data: &[u8], public: bool, flip: bool) -> Option<MlsMessage> {
    let mut u = Unstructured::new(data);
    let mut sender: Group = f.members[if public { 2 } else { 0 }].load();
    let message = match u.int_in_range(0..=3u8).ok()? {
        0 => {
            let data: Vec<u8> = u.arbitrary().ok()?;
            let aad: Vec<u8> = u.arbitrary().ok()?;
            sender.encrypt(&data, &aad).ok()?
        }
        1 => sender.propose(proposal(f, &mut u).ok()?).ok()?,
        _ => {
            let n = u.int_in_range(0..=3u8).ok()?;
            let proposals = (0..n)
                .map(|_| proposal(f, &mut u))
                .collect::<ArbResult<Vec<_>>>()
                .ok()?;
            let extra = u.int_in_range(0..=2u8).ok()?;
            let extra_refs = (0..extra)
                .map(|_| u.arbitrary::<VLBytes>().map(|r| r.as_slice().to_vec()))
                .collect::<ArbResult<Vec<_>>>()
                .ok()?;
            let swap_added_leaf: Option<LeafNode> = if u.arbitrary().ok()? {
                Some(u.arbitrary().ok()?)
            } else {
                None
            };
            let forgery = Forgery {
                skip_checks: true,
                omit_path: u.arbitrary().ok()?,
                keep_leaf_key: u.arbitrary().ok()?,
                extra_refs,
                swap_added_leaf,
                // A key of another leaf of the three-member tree reused in
                // the path's leaf or its first parent node.
                leaf_key_from: other_leaf(&mut u)?,
                parent_key_from: other_leaf(&mut u)?,
            };
            let options = CommitOptions {
                proposals,
                include_pending: false,
                force_path: u.arbitrary().ok()?,
            };
            sender.commit_forged(options, &forgery).ok()?.message
        }
    };
    if !flip {
        return Some(message);
    }
    let mut bytes = encode(&message).ok()?;
    let at = usize::from(u.arbitrary::<u16>().ok()?) % bytes.len().max(1);
    let value = u.arbitrary::<u8>().ok()? | 1;
    if let Some(b) = bytes.get_mut(at) {
        *b ^= value;
    }
    decode_exact(&bytes).ok()
}

fn receive(f: &Fixture, message: &MlsMessage, then_commit: bool) {
    let mut receiver = f.members[RECEIVER].load();
    let before = receiver.to_snapshot().expect("snapshot");
    match receiver.process(message) {
        Err(_) => {
            let after = receiver.to_snapshot().expect("snapshot");
            assert!(after == before, "a rejected message changed the state");
            match receiver.process(&f.valid_application) {
                Ok(Received::Application { data, .. }) => assert_eq!(data, b"still works"),
                other => panic!("a valid message failed after a rejection: {other:?}"),
            }
            if then_commit {
                match receiver.process(&f.valid_commit) {
                    Ok(Received::Commit(staged)) => receiver
                        .merge_staged_commit(staged)
                        .expect("a valid commit merges after a rejection"),
                    other => panic!("a valid commit failed after a rejection: {other:?}"),
                }
            }
        }
        Ok(Received::Commit(staged)) => {
            let _ = receiver.merge_staged_commit(staged);
        }
        Ok(_) => {}
    }
}

/// `None`, or one of the fixture's three leaves, chosen by the fuzzer.
fn other_leaf(u: &mut Unstructured<'_>) -> Option<Option<LeafIndex>> {
    let pick: Option<u8> = u.arbitrary().ok()?;
    Some(pick.map(|x| LeafIndex(u32::from(x % 3))))
}
