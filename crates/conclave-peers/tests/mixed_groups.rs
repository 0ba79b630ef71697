//! OpenMLS and mls-rs members in one group, driven only through the `PeerMember` trait and
//! exchanging only serialized MLSMessages: this proves both adapters (and that the two
//! implementations interoperate on what the adapters expose).

use conclave_peers::{
    CommitOutput, GroupOptions, MlsRsFactory, OpenMlsFactory, PeerError, PeerFactory, PeerMember,
    Processed,
};

type Member = Box<dyn PeerMember>;

const SUITES: [u16; 3] = [0x0001, 0x0002, 0x0003];

fn factories() -> [(&'static str, Box<dyn PeerFactory>); 2] {
    [
        ("openmls", Box::new(OpenMlsFactory)),
        ("mls-rs", Box::new(MlsRsFactory)),
    ]
}

fn new(f: &dyn PeerFactory, suite: u16, id: &str) -> Member {
    f.new_member(suite, id.as_bytes()).unwrap()
}

/// Every member is in the same epoch with the same authenticator, exporter output and roster.
fn assert_agree(members: &[&Member], what: &str) {
    let first = members[0];
    let epoch = first.epoch();
    let auth = first.epoch_authenticator().unwrap();
    let export = first.export("conclave peers", b"context", 32).unwrap();
    let roster = first.roster();
    assert_eq!(export.len(), 32);
    for m in &members[1..] {
        let who = format!(
            "{what}: {} ({}) vs {} ({})",
            first.name(),
            String::from_utf8_lossy(first.identity()),
            m.name(),
            String::from_utf8_lossy(m.identity())
        );
        assert_eq!(m.epoch(), epoch, "epoch, {who}");
        assert_eq!(
            m.epoch_authenticator().unwrap(),
            auth,
            "epoch authenticator, {who}"
        );
        assert_eq!(
            m.export("conclave peers", b"context", 32).unwrap(),
            export,
            "exporter, {who}"
        );
        assert_eq!(m.roster(), roster, "roster, {who}");
    }
}

/// `sender` protects a message and every other member decrypts it.
fn assert_messages_flow(sender: &mut Member, receivers: &mut [&mut Member]) {
    let text = format!("hello from {}", String::from_utf8_lossy(sender.identity()));
    let ct = sender.protect(text.as_bytes()).unwrap();
    for r in receivers.iter_mut() {
        assert_eq!(
            r.process(&ct).unwrap(),
            Processed::Application(text.clone().into_bytes())
        );
    }
}

/// Delivers a commit to every receiver, asserting each merges it.
fn deliver(out: &CommitOutput, receivers: &mut [&mut Member]) {
    for r in receivers.iter_mut() {
        assert_eq!(
            r.process(&out.commit).unwrap(),
            Processed::Commit,
            "{} processing a commit",
            r.name()
        );
    }
}

fn join(joiner: &mut Member, out: &CommitOutput, options: &GroupOptions) {
    let welcome = out.welcome.as_ref().expect("a Welcome");
    if options.ratchet_tree_in_welcome {
        joiner.join(welcome, None, options).unwrap();
    } else {
        let tree = out.ratchet_tree.as_ref().expect("an out-of-band tree");
        joiner.join(welcome, Some(tree), options).unwrap();
    }
}

/// Create by one implementation, add the other, then updates, adds and removes by each,
/// application messages after every change.
fn two_party(
    creator_f: &dyn PeerFactory,
    joiner_f: &dyn PeerFactory,
    suite: u16,
    options: GroupOptions,
) {
    let mut a = new(creator_f, suite, "alice");
    let mut b = new(joiner_f, suite, "bob");
    a.create_group(b"group", &options).unwrap();
    assert_eq!(a.epoch(), 0);

    // a adds b from b's KeyPackage; b joins.
    let kp = b.key_package().unwrap();
    let out = a.add_members(&[kp]).unwrap();
    assert_eq!(out.ratchet_tree.is_some(), !options.ratchet_tree_in_welcome);
    join(&mut b, &out, &options);
    assert_agree(&[&a, &b], "after join");
    assert_eq!(b.own_leaf_index().unwrap(), 1);
    assert_messages_flow(&mut a, &mut [&mut b]);
    assert_messages_flow(&mut b, &mut [&mut a]);

    // Updates by each.
    let out = b.update().unwrap();
    deliver(&out, &mut [&mut a]);
    assert_agree(&[&a, &b], "after b's update");
    let out = a.update().unwrap();
    deliver(&out, &mut [&mut b]);
    assert_agree(&[&a, &b], "after a's update");
    assert_messages_flow(&mut b, &mut [&mut a]);

    // b adds c (of a's implementation); a removes c.
    let mut c = new(creator_f, suite, "carol");
    let out = b.add_members(&[c.key_package().unwrap()]).unwrap();
    deliver(&out, &mut [&mut a]);
    join(&mut c, &out, &options);
    assert_agree(&[&a, &b, &c], "after b adds c");
    assert_messages_flow(&mut c, &mut [&mut a, &mut b]);
    let out = a.remove_by_identity(b"carol").unwrap();
    deliver(&out, &mut [&mut b, &mut c]);
    assert_agree(&[&a, &b], "after a removes c");
    assert_eq!(a.roster().len(), 2);

    // a adds d (of b's implementation) into the blank leaf; b removes d.
    let mut d = new(joiner_f, suite, "dave");
    let out = a.add_members(&[d.key_package().unwrap()]).unwrap();
    deliver(&out, &mut [&mut b]);
    join(&mut d, &out, &options);
    assert_eq!(d.own_leaf_index().unwrap(), 2, "the blank leaf is reused");
    assert_agree(&[&a, &b, &d], "after a adds d");
    let leaf = b.leaf_of(b"dave").unwrap();
    let out = b.remove(leaf).unwrap();
    deliver(&out, &mut [&mut a, &mut d]);
    assert_agree(&[&a, &b], "after b removes d");

    // b removes a: only b remains.
    let out = b.remove(0).unwrap();
    deliver(&out, &mut [&mut a]);
    assert_eq!(b.roster(), vec![(1, b"bob".to_vec())]);
}

#[test]
fn mixed_two_party_groups_in_every_configuration() {
    for suite in SUITES {
        for (cn, cf) in factories() {
            for (jn, jf) in factories() {
                if cn == jn {
                    continue;
                }
                for ratchet_tree_in_welcome in [true, false] {
                    for encrypt_handshake in [false, true] {
                        let options = GroupOptions {
                            ratchet_tree_in_welcome,
                            encrypt_handshake,
                            force_path: false,
                        };
                        two_party(cf.as_ref(), jf.as_ref(), suite, options);
                    }
                }
            }
        }
    }
}

#[test]
fn adds_with_forced_path() {
    let options = GroupOptions {
        force_path: true,
        ..GroupOptions::default()
    };
    for (cn, cf) in factories() {
        for (jn, jf) in factories() {
            if cn != jn {
                two_party(cf.as_ref(), jf.as_ref(), 0x0001, options);
            }
        }
    }
}

/// A three-member group, one member of each implementation plus a second OpenMLS one,
/// where proposals by reference from one implementation are committed by the other.
#[test]
fn proposals_by_reference_committed_across_implementations() {
    for suite in SUITES {
        for encrypt_handshake in [false, true] {
            let options = GroupOptions {
                encrypt_handshake,
                ..GroupOptions::default()
            };
            let mut o = new(&OpenMlsFactory, suite, "o");
            let mut r = new(&MlsRsFactory, suite, "r");
            o.create_group(b"by-reference", &options).unwrap();
            let out = o.add_members(&[r.key_package().unwrap()]).unwrap();
            join(&mut r, &out, &options);

            // OpenMLS proposes an Add of a new OpenMLS member; mls-rs commits it.
            let mut o2 = new(&OpenMlsFactory, suite, "o2");
            let proposal = o.propose_add(&o2.key_package().unwrap()).unwrap();
            assert_eq!(r.process(&proposal).unwrap(), Processed::Proposal);
            let out = r.commit_pending().unwrap();
            deliver(&out, &mut [&mut o]);
            join(&mut o2, &out, &options);
            assert_agree(
                &[&o, &r, &o2],
                "Add proposed by openmls, committed by mls-rs",
            );

            // mls-rs proposes an Update; OpenMLS commits it.
            let proposal = r.propose_update().unwrap();
            assert_eq!(o.process(&proposal).unwrap(), Processed::Proposal);
            assert_eq!(o2.process(&proposal).unwrap(), Processed::Proposal);
            let out = o.commit_pending().unwrap();
            deliver(&out, &mut [&mut r, &mut o2]);
            assert_agree(
                &[&o, &r, &o2],
                "Update proposed by mls-rs, committed by openmls",
            );

            // The second OpenMLS member proposes an Update; mls-rs commits it.
            let p1 = o2.propose_update().unwrap();
            for m in [&mut o, &mut r] {
                assert_eq!(m.process(&p1).unwrap(), Processed::Proposal);
            }
            let out = r.commit_pending().unwrap();
            deliver(&out, &mut [&mut o, &mut o2]);
            assert_agree(
                &[&o, &r, &o2],
                "Update proposed by openmls, committed by mls-rs",
            );

            // mls-rs proposes removing o2; OpenMLS commits.
            let leaf = r.leaf_of(b"o2").unwrap();
            let proposal = r.propose_remove(leaf).unwrap();
            assert_eq!(o.process(&proposal).unwrap(), Processed::Proposal);
            assert_eq!(o2.process(&proposal).unwrap(), Processed::Proposal);
            let out = o.commit_pending().unwrap();
            deliver(&out, &mut [&mut r, &mut o2]);
            assert_agree(&[&o, &r], "Remove proposed by mls-rs, committed by openmls");
            assert_messages_flow(&mut r, &mut [&mut o]);
        }
    }
}

#[test]
fn external_psk_by_reference_and_by_value() {
    let (id, secret) = (b"psk id".to_vec(), [7u8; 32]);
    for suite in SUITES {
        let options = GroupOptions::default();
        let mut o = new(&OpenMlsFactory, suite, "o");
        let mut r = new(&MlsRsFactory, suite, "r");
        o.store_external_psk(&id, &secret).unwrap();
        r.store_external_psk(&id, &secret).unwrap();
        o.create_group(b"psk", &options).unwrap();
        let out = o.add_members(&[r.key_package().unwrap()]).unwrap();
        join(&mut r, &out, &options);

        let proposal = o.propose_external_psk(&id).unwrap();
        assert_eq!(r.process(&proposal).unwrap(), Processed::Proposal);
        let out = r.commit_pending().unwrap();
        deliver(&out, &mut [&mut o]);
        assert_agree(&[&o, &r], "PSK proposed by openmls, committed by mls-rs");

        let proposal = r.propose_external_psk(&id).unwrap();
        assert_eq!(o.process(&proposal).unwrap(), Processed::Proposal);
        let out = o.commit_pending().unwrap();
        deliver(&out, &mut [&mut r]);
        assert_agree(&[&o, &r], "PSK proposed by mls-rs, committed by openmls");

        let out = o.commit_external_psk(&id).unwrap();
        deliver(&out, &mut [&mut r]);
        assert_agree(&[&o, &r], "PSK by value from openmls");
        let out = r.commit_external_psk(&id).unwrap();
        deliver(&out, &mut [&mut o]);
        assert_agree(&[&o, &r], "PSK by value from mls-rs");
    }
}

#[test]
fn external_joins_across_implementations() {
    for suite in SUITES {
        for (cn, cf) in factories() {
            for (jn, jf) in factories() {
                if cn == jn {
                    continue;
                }
                for tree_in_info in [true, false] {
                    let options = GroupOptions::default();
                    let mut a = new(cf.as_ref(), suite, "alice");
                    let mut b = new(jf.as_ref(), suite, "bob");
                    a.create_group(b"external", &options).unwrap();
                    let out = a.add_members(&[b.key_package().unwrap()]).unwrap();
                    join(&mut b, &out, &options);

                    // A GroupInfo from one implementation, the joiner of the other.
                    let info = a.group_info(tree_in_info).unwrap();
                    let tree = (!tree_in_info).then(|| a.ratchet_tree().unwrap());
                    let mut e = new(jf.as_ref(), suite, "eve");
                    let commit = e
                        .external_join(&info, tree.as_deref(), &options, &[], None)
                        .unwrap();
                    for m in [&mut a, &mut b] {
                        assert_eq!(m.process(&commit).unwrap(), Processed::Commit);
                    }
                    assert_agree(&[&a, &b, &e], "after an external join");
                    assert_messages_flow(&mut e, &mut [&mut a, &mut b]);
                }
            }
        }
    }
}

#[test]
fn external_join_with_psk_and_resync() {
    let (id, secret) = (b"ext psk".to_vec(), [9u8; 32]);
    let options = GroupOptions::default();
    let mut o = new(&OpenMlsFactory, 1, "o");
    let mut r = new(&MlsRsFactory, 1, "r");
    o.store_external_psk(&id, &secret).unwrap();
    o.create_group(b"ext-psk", &options).unwrap();
    let out = o.add_members(&[r.key_package().unwrap()]).unwrap();
    join(&mut r, &out, &options);

    // An mls-rs joiner with a PSK, from an OpenMLS GroupInfo.
    let mut e = new(&MlsRsFactory, 1, "e");
    e.store_external_psk(&id, &secret).unwrap();
    r.store_external_psk(&id, &secret).unwrap();
    let info = o.group_info(true).unwrap();
    let commit = e
        .external_join(&info, None, &options, std::slice::from_ref(&id), None)
        .unwrap();
    deliver(
        &CommitOutput {
            commit,
            ..Default::default()
        },
        &mut [&mut o, &mut r],
    );
    assert_agree(&[&o, &r, &e], "external join with a PSK");

    // r rejoins (a resync), removing its old leaf, from an OpenMLS GroupInfo.
    let old_leaf = o.leaf_of(b"r").unwrap();
    let mut r2 = new(&MlsRsFactory, 1, "r");
    let info = o.group_info(true).unwrap();
    let commit = r2
        .external_join(&info, None, &options, &[], Some(old_leaf))
        .unwrap();
    deliver(
        &CommitOutput {
            commit,
            ..Default::default()
        },
        &mut [&mut o, &mut e],
    );
    assert_agree(&[&o, &e, &r2], "external resync");
    assert_eq!(o.roster().len(), 3);

    // OpenMLS cannot name a prior leaf to remove: a clear Unsupported error.
    let mut o2 = new(&OpenMlsFactory, 1, "o");
    let info = r2.group_info(true).unwrap();
    let res = o2.external_join(&info, None, &options, &[], Some(0));
    assert!(matches!(
        res,
        Err(PeerError::Unsupported {
            implementation: "openmls",
            ..
        })
    ));
}

#[test]
fn supported_suites() {
    let supported = |f: &dyn PeerFactory| (1u16..=7).filter(|s| f.supports(*s)).collect::<Vec<_>>();
    assert_eq!(supported(&OpenMlsFactory), vec![1, 2, 3]);
    assert_eq!(supported(&MlsRsFactory), vec![1, 2, 3, 7]);
    for f in factories() {
        let res = f.1.new_member(0x0005, b"x");
        assert!(matches!(res, Err(PeerError::Unsupported { .. })), "{}", f.0);
    }
    // mls-rs alone in its extra suite (P-384).
    let options = GroupOptions::default();
    let mut a = new(&MlsRsFactory, 7, "a");
    let mut b = new(&MlsRsFactory, 7, "b");
    a.create_group(b"p384", &options).unwrap();
    let out = a.add_members(&[b.key_package().unwrap()]).unwrap();
    join(&mut b, &out, &options);
    assert_agree(&[&a, &b], "suite 7");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    for (_, f) in factories() {
        let mut m = new(f.as_ref(), 1, "m");
        assert!(m.process(b"\x00\x01\x00\x01").is_err());
        assert!(matches!(m.protect(b"x"), Err(PeerError::State { .. })));
        let kp = m.key_package().unwrap();
        assert!(m.join(&kp, None, &GroupOptions::default()).is_err());
        m.create_group(b"g", &GroupOptions::default()).unwrap();
        assert!(m.add_members(&[vec![0xff; 10]]).is_err());
        assert!(m.process(&[]).is_err());
        let tree = m.ratchet_tree().unwrap();
        assert!(!tree.is_empty());
        assert!(matches!(
            m.remove_by_identity(b"nobody"),
            Err(PeerError::UnknownIdentity(_))
        ));
    }
}

/// Conflicting Update proposals held by a committer (RFC 9420 §12.2: a commit is invalid if
/// "it contains multiple Update and/or Remove proposals that apply to the same leaf"; the
/// committer SHOULD prefer a Remove, else the most recent Update).
///
/// OpenMLS as committer drops the superseded Update and every receiver accepts. mls-rs 0.57
/// as committer still lists the Update it discarded, so every receiver, mls-rs included,
/// rejects the commit as §12.2 requires, and the mls-rs committer (which merged it) is forked
/// off the group. This asserts the deviation as observed; it fails once mls-rs is fixed.
#[test]
fn conflicting_updates_openmls_drops_them_mls_rs_lists_them() {
    // (case, committed proposal references expected from a conforming committer)
    for (case, valid_refs) in [
        ("update of a removed member", 2usize),
        ("two updates from one member", 1),
    ] {
        for (cn, cf) in factories() {
            let options = GroupOptions::default();
            let mut c = new(cf.as_ref(), 1, "c");
            let mut o = new(&OpenMlsFactory, 1, "o");
            let mut r = new(&MlsRsFactory, 1, "r");
            c.create_group(b"conflict", &options).unwrap();
            let out = c
                .add_members(&[o.key_package().unwrap(), r.key_package().unwrap()])
                .unwrap();
            join(&mut o, &out, &options);
            join(&mut r, &out, &options);
            if case == "update of a removed member" {
                let ur = r.propose_update().unwrap();
                let uo = o.propose_update().unwrap();
                for m in [&mut c, &mut o] {
                    assert_eq!(m.process(&ur).unwrap(), Processed::Proposal);
                }
                for m in [&mut c, &mut r] {
                    assert_eq!(m.process(&uo).unwrap(), Processed::Proposal);
                }
                let rem = c.propose_remove(r.own_leaf_index().unwrap()).unwrap();
                for m in [&mut o, &mut r] {
                    assert_eq!(m.process(&rem).unwrap(), Processed::Proposal);
                }
            } else {
                let u1 = r.propose_update().unwrap();
                let u2 = r.propose_update().unwrap();
                for u in [&u1, &u2] {
                    for m in [&mut c, &mut o] {
                        assert_eq!(m.process(u).unwrap(), Processed::Proposal);
                    }
                }
            }
            let out = c.commit_pending().unwrap();
            let commit = mls_rs::MlsMessage::from_bytes(&out.commit).unwrap();
            let refs = commit.proposals_by_reference().len();
            if cn == "openmls" {
                assert_eq!(
                    refs, valid_refs,
                    "{case}: openmls commits only the valid proposals"
                );
                deliver(&out, &mut [&mut o, &mut r]);
                if case == "update of a removed member" {
                    assert_agree(&[&c, &o], case);
                } else {
                    assert_agree(&[&c, &o, &r], case);
                }
            } else {
                assert_eq!(
                    refs,
                    valid_refs + 1,
                    "{case}: mls-rs lists the discarded Update"
                );
                for m in [&mut o, &mut r] {
                    assert!(
                        m.process(&out.commit).is_err(),
                        "{case}: {} must reject",
                        m.name()
                    );
                }
            }
        }
    }
}

/// The wire_format of an MLSMessage (RFC 9420 §6: version, then wire_format).
fn wire_format(message: &[u8]) -> u16 {
    u16::from_be_bytes([message[2], message[3]])
}

/// Each GroupOptions flag changes what goes on the wire, for both implementations.
#[test]
fn group_options_reach_the_wire() {
    for (cn, cf) in factories() {
        let other: Box<dyn PeerFactory> = if cn == "openmls" {
            Box::new(MlsRsFactory)
        } else {
            Box::new(OpenMlsFactory)
        };
        // Commit an Add of a member of the other implementation under `options`.
        let add = |options: GroupOptions| {
            let mut a = new(cf.as_ref(), 1, "a");
            let mut b = new(other.as_ref(), 1, "b");
            a.create_group(b"wire", &options).unwrap();
            let out = a.add_members(&[b.key_package().unwrap()]).unwrap();
            join(&mut b, &out, &options);
            assert_agree(&[&a, &b], "options");
            out
        };
        let plain = GroupOptions {
            ratchet_tree_in_welcome: true,
            encrypt_handshake: false,
            force_path: false,
        };
        let base = add(plain);
        assert_eq!(wire_format(&base.commit), 1, "{cn}: PublicMessage commit");
        let enc = add(GroupOptions {
            encrypt_handshake: true,
            ..plain
        });
        assert_eq!(wire_format(&enc.commit), 2, "{cn}: PrivateMessage commit");
        let no_tree = add(GroupOptions {
            ratchet_tree_in_welcome: false,
            ..plain
        });
        let (w1, w2) = (base.welcome.unwrap(), no_tree.welcome.unwrap());
        assert!(
            w1.len() > w2.len() + 100,
            "{cn}: the tree is in the Welcome ({} vs {})",
            w1.len(),
            w2.len()
        );
        let path = add(GroupOptions {
            force_path: true,
            ..plain
        });
        assert!(
            path.commit.len() > base.commit.len() + 100,
            "{cn}: a forced path ({} vs {})",
            path.commit.len(),
            base.commit.len()
        );
    }
    // Proposals follow encrypt_handshake too.
    for (cn, cf) in factories() {
        for (encrypt_handshake, expected) in [(false, 1), (true, 2)] {
            let options = GroupOptions {
                encrypt_handshake,
                ..GroupOptions::default()
            };
            let mut a = new(cf.as_ref(), 1, "a");
            a.create_group(b"wire", &options).unwrap();
            let kp = new(cf.as_ref(), 1, "b").key_package().unwrap();
            let p = a.propose_add(&kp).unwrap();
            assert_eq!(wire_format(&p), expected, "{cn}: proposal wire format");
        }
    }
}

/// Application messages out of order within an epoch, and from the previous epoch after a
/// commit (both adapters keep past epochs' secrets), in both directions.
#[test]
fn late_and_reordered_application_messages() {
    for (cn, cf) in factories() {
        for (jn, jf) in factories() {
            if cn == jn {
                continue;
            }
            for encrypt_handshake in [false, true] {
                let options = GroupOptions {
                    encrypt_handshake,
                    ..GroupOptions::default()
                };
                let mut a = new(cf.as_ref(), 1, "a");
                let mut b = new(jf.as_ref(), 1, "b");
                a.create_group(b"late", &options).unwrap();
                let out = a.add_members(&[b.key_package().unwrap()]).unwrap();
                join(&mut b, &out, &options);
                for turn in 0..2 {
                    let (s, r) = if turn == 0 {
                        (&mut a, &mut b)
                    } else {
                        (&mut b, &mut a)
                    };
                    let msgs: Vec<_> = (0..3u8).map(|i| (i, s.protect(&[i; 5]).unwrap())).collect();
                    for (i, m) in msgs.iter().rev() {
                        assert_eq!(r.process(m).unwrap(), Processed::Application(vec![*i; 5]));
                    }
                    let late = s.protect(b"late").unwrap();
                    let out = s.update().unwrap();
                    assert_eq!(r.process(&out.commit).unwrap(), Processed::Commit);
                    assert_eq!(
                        r.process(&late).unwrap(),
                        Processed::Application(b"late".to_vec()),
                        "{} reads {}'s previous-epoch message",
                        r.name(),
                        s.name()
                    );
                }
                assert_agree(&[&a, &b], "late messages");
            }
        }
    }
}

/// Resumption PSKs (RFC 9420 §8.6) of earlier epochs, proposed by one implementation and
/// committed by the other, and committed by value.
#[test]
fn resumption_psk_across_implementations() {
    for suite in SUITES {
        let options = GroupOptions::default();
        let mut o = new(&OpenMlsFactory, suite, "o");
        let mut r = new(&MlsRsFactory, suite, "r");
        o.create_group(b"resumption", &options).unwrap();
        let out = o.add_members(&[r.key_package().unwrap()]).unwrap();
        join(&mut r, &out, &options);
        for _ in 0..2 {
            let out = r.update().unwrap();
            deliver(&out, &mut [&mut o]);
        }
        assert_eq!(o.epoch(), 3);

        let proposal = o.propose_resumption_psk(2).unwrap();
        assert_eq!(r.process(&proposal).unwrap(), Processed::Proposal);
        let out = r.commit_pending().unwrap();
        deliver(&out, &mut [&mut o]);
        assert_agree(
            &[&o, &r],
            "resumption PSK proposed by openmls, committed by mls-rs",
        );

        let proposal = r.propose_resumption_psk(3).unwrap();
        assert_eq!(o.process(&proposal).unwrap(), Processed::Proposal);
        let out = o.commit_pending().unwrap();
        deliver(&out, &mut [&mut r]);
        assert_agree(
            &[&o, &r],
            "resumption PSK proposed by mls-rs, committed by openmls",
        );

        let out = o.commit_resumption_psk(4).unwrap();
        deliver(&out, &mut [&mut r]);
        let out = r.commit_resumption_psk(5).unwrap();
        deliver(&out, &mut [&mut o]);
        assert_agree(&[&o, &r], "resumption PSKs by value");
    }
}

#[test]
fn persisted_size_grows_with_the_group() {
    for (cn, cf) in factories() {
        let options = GroupOptions::default();
        let mut a = new(cf.as_ref(), 1, "a");
        a.create_group(b"size", &options).unwrap();
        let alone = a.persisted_size().unwrap();
        let kps: Vec<_> = (0..8)
            .map(|i| new(cf.as_ref(), 1, &format!("m{i}")).key_package().unwrap())
            .collect();
        a.add_members(&kps).unwrap();
        let nine = a.persisted_size().unwrap();
        assert!(
            alone > 0 && nine > alone + 8 * 100,
            "{cn}: {alone} then {nine}"
        );
    }
}

/// OpenMLS and mls-rs between themselves (no Conclave member): a group created by one lists
/// an external sender of each (RFC 9420 §12.1.8.1); each sender's Add and Remove and a
/// self-add (`new_member_proposal`) from each implementation are committed by the other.
#[test]
fn external_senders_and_self_adds_across_peers() {
    let options = GroupOptions::default();
    for (cn, cf) in factories() {
        for (jn, jf) in factories() {
            if cn == jn {
                continue;
            }
            let mut senders = [
                cf.new_external_sender(1, b"ds a").unwrap(),
                jf.new_external_sender(1, b"ds b").unwrap(),
            ];
            let listed: Vec<Vec<u8>> = senders
                .iter()
                .map(|s| s.external_sender().unwrap())
                .collect();
            let mut a = new(cf.as_ref(), 1, "alice");
            let mut b = new(jf.as_ref(), 1, "bob");
            a.create_group_with_external_senders(b"ext senders", &options, &listed)
                .unwrap();
            let out = a.add_members(&[b.key_package().unwrap()]).unwrap();
            join(&mut b, &out, &options);
            for (index, sender) in senders.iter_mut().enumerate() {
                let index = u32::try_from(index).unwrap();
                let what = format!("{cn} group, {} sender {index}", sender.name());
                // The sender proposes to add x (of the creator's implementation); b commits.
                let mut x = new(cf.as_ref(), 1, "x");
                let info = a.group_info(true).unwrap();
                let add = sender
                    .propose_add(&info, index, &x.key_package().unwrap())
                    .unwrap();
                for m in [&mut a, &mut b] {
                    assert_eq!(m.process(&add).unwrap(), Processed::Proposal, "{what}");
                }
                let out = b.commit_pending().unwrap();
                deliver(&out, &mut [&mut a]);
                join(&mut x, &out, &options);
                assert_agree(&[&a, &b, &x], &what);
                // Then to remove x; a commits.
                let info = b.group_info(true).unwrap();
                let leaf = a.leaf_of(b"x").unwrap();
                let remove = sender.propose_remove(&info, index, leaf).unwrap();
                for m in [&mut a, &mut b, &mut x] {
                    assert_eq!(m.process(&remove).unwrap(), Processed::Proposal, "{what}");
                }
                let out = a.commit_pending().unwrap();
                deliver(&out, &mut [&mut b]);
                assert_agree(&[&a, &b], &what);
                assert_eq!(a.roster().len(), 2, "{what}");
            }
            // A self-add of a member of each implementation, committed by the other side.
            for (committer_is_a, f) in [(true, &jf), (false, &cf)] {
                let mut y = new(f.as_ref(), 1, "y");
                let info = if committer_is_a { &mut b } else { &mut a }
                    .group_info(true)
                    .unwrap();
                let add = y.propose_self_add(&info).unwrap();
                for m in [&mut a, &mut b] {
                    assert_eq!(m.process(&add).unwrap(), Processed::Proposal);
                }
                let (committer, other) = if committer_is_a {
                    (&mut a, &mut b)
                } else {
                    (&mut b, &mut a)
                };
                let out = committer.commit_pending().unwrap();
                deliver(&out, &mut [other]);
                join(&mut y, &out, &options);
                assert_agree(&[&a, &b, &y], "self-add");
                let leaf = a.leaf_of(b"y").unwrap();
                let out = a.remove(leaf).unwrap();
                deliver(&out, &mut [&mut b]);
            }
        }
    }
}
