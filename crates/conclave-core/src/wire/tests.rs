//! Tests of the wire structs: round trips through both decoders, the
//! `select`s that depend on an enclosing struct, the borrowed TBS structs,
//! and decoding failures (every malformed input must be an error, never a
//! panic or an allocation sized by the input's claims).

use crate::codec::{decode_exact, encode, Deserialize, DeserializeBytes, Serialize, VLBytes};
use crate::crypto::CipherSuite;
use crate::ProtocolError;

use super::extension::{check_unique_types, find, find_payload};
use super::*;

fn vl(bytes: &[u8]) -> VLBytes {
    VLBytes::new(bytes.to_vec())
}

fn capabilities() -> Capabilities {
    Capabilities {
        versions: vec![ProtocolVersion::MLS10],
        cipher_suites: vec![CipherSuite(1), CipherSuite(0x0A0A)],
        extensions: vec![ExtensionType(0xF000)],
        proposals: vec![ProposalType(0x1A1A)],
        credentials: vec![CredentialType::BASIC, CredentialType(0x2A2A)],
    }
}

fn leaf(source: LeafNodeSource) -> LeafNode {
    LeafNode {
        encryption_key: vl(&[0x11; 32]),
        signature_key: vl(&[0x22; 32]),
        credential: Credential::basic(b"alice".to_vec()),
        capabilities: capabilities(),
        leaf_node_source: source,
        extensions: vec![Extension::new(ExtensionType(0xF000), vec![1, 2, 3])],
        signature: vl(&[0x33; 64]),
    }
}

fn key_package() -> KeyPackage {
    KeyPackage {
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuite(1),
        init_key: vl(&[0x44; 32]),
        leaf_node: leaf(LeafNodeSource::KeyPackage(Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        })),
        extensions: vec![],
        signature: vl(&[0x55; 64]),
    }
}

fn group_context() -> GroupContext {
    GroupContext {
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuite(1),
        group_id: vl(b"group"),
        epoch: 7,
        tree_hash: vl(&[0x66; 32]),
        confirmed_transcript_hash: vl(&[0x77; 32]),
        extensions: vec![Extension::from_payload(&RequiredCapabilities::default()).unwrap()],
    }
}

fn commit() -> Commit {
    Commit {
        proposals: vec![
            ProposalOrRef::Reference(vl(&[0x88; 32])),
            ProposalOrRef::Proposal(Box::new(Proposal::Remove(Remove { removed: 3 }))),
            ProposalOrRef::Proposal(Box::new(Proposal::PreSharedKey(PreSharedKey {
                psk: PreSharedKeyId {
                    psk: Psk::Resumption {
                        usage: ResumptionPskUsage::Application,
                        psk_group_id: vl(b"group"),
                        psk_epoch: 2,
                    },
                    psk_nonce: vl(&[0x99; 32]),
                },
            }))),
            ProposalOrRef::Proposal(Box::new(Proposal::Add(Add {
                key_package: Box::new(key_package()),
            }))),
        ],
        path: Some(UpdatePath {
            leaf_node: leaf(LeafNodeSource::Commit(vl(&[0xAA; 32]))),
            nodes: vec![UpdatePathNode {
                encryption_key: vl(&[0xBB; 32]),
                encrypted_path_secret: HpkeCiphertextList::try_from(
                    [HpkeCiphertext {
                        kem_output: vl(&[0xCC; 32]),
                        ciphertext: vl(&[0xDD; 48]),
                    }]
                    .as_slice(),
                )
                .unwrap(),
            }],
        }),
    }
}

fn content(sender: Sender, body: FramedContentBody) -> FramedContent {
    FramedContent {
        group_id: vl(b"group"),
        epoch: 7,
        sender,
        authenticated_data: vl(b"aad"),
        content: body,
    }
}

fn auth_for(body: &FramedContentBody) -> FramedContentAuthData {
    FramedContentAuthData {
        signature: vl(&[0xEE; 64]),
        confirmation_tag: (body.content_type() == ContentType::Commit).then(|| vl(&[0xFF; 32])),
    }
}

fn public_message(sender: Sender, body: FramedContentBody) -> PublicMessage {
    let auth = auth_for(&body);
    PublicMessage {
        content: content(sender, body),
        auth,
        membership_tag: matches!(sender, Sender::Member(_)).then(|| vl(&[0x12; 32])),
    }
}

fn group_info() -> GroupInfo {
    GroupInfo {
        group_context: group_context(),
        extensions: vec![
            Extension::from_payload(&RatchetTreeExtension {
                ratchet_tree: vec![
                    Some(Node::Leaf(key_package().leaf_node)),
                    Some(Node::Parent(ParentNode {
                        encryption_key: vl(&[1; 32]),
                        parent_hash: vl(&[]),
                        unmerged_leaves: vec![1],
                    })),
                    None,
                ],
            })
            .unwrap(),
            Extension::from_payload(&ExternalPub {
                external_pub: vl(&[2; 32]),
            })
            .unwrap(),
        ],
        confirmation_tag: vl(&[3; 32]),
        signer: 1,
        signature: vl(&[4; 64]),
    }
}

fn welcome() -> Welcome {
    Welcome {
        cipher_suite: CipherSuite(1),
        secrets: vec![EncryptedGroupSecrets {
            new_member: vl(&[5; 32]),
            encrypted_group_secrets: HpkeCiphertext {
                kem_output: vl(&[6; 32]),
                ciphertext: vl(&[7; 80]),
            },
        }],
        encrypted_group_info: vl(&[8; 100]),
    }
}

fn private_message() -> PrivateMessage {
    PrivateMessage {
        group_id: vl(b"group"),
        epoch: 7,
        content_type: ContentType::Application,
        authenticated_data: vl(b""),
        encrypted_sender_data: vl(&[9; 28]),
        ciphertext: vl(&[10; 40]),
    }
}

/// One MLSMessage of every wire format, and public messages of every
/// sender type and content type.
fn sample_messages() -> Vec<MlsMessage> {
    let mut out = vec![
        MlsMessage::new(MlsMessageBody::KeyPackage(key_package())),
        MlsMessage::new(MlsMessageBody::GroupInfo(group_info())),
        MlsMessage::new(MlsMessageBody::Welcome(welcome())),
        MlsMessage::new(MlsMessageBody::PrivateMessage(private_message())),
    ];
    for sender in [
        Sender::Member(3),
        Sender::External(0),
        Sender::NewMemberProposal,
        Sender::NewMemberCommit,
    ] {
        for body in [
            FramedContentBody::Application(vl(b"hello")),
            FramedContentBody::Proposal(Proposal::Remove(Remove { removed: 1 })),
            FramedContentBody::Commit(commit()),
        ] {
            out.push(MlsMessage::new(MlsMessageBody::PublicMessage(
                public_message(sender, body),
            )));
        }
    }
    out
}

/// Decodes through the slice decoder (with the whole input consumed) and
/// through the reader decoder, and checks both give `value`.
fn assert_round_trip<T>(value: &T)
where
    T: Serialize + DeserializeBytes + Deserialize + PartialEq + core::fmt::Debug,
{
    let bytes = encode(value).unwrap();
    assert_eq!(bytes.len(), value.tls_serialized_len());
    let from_slice: T = decode_exact(&bytes).unwrap();
    assert_eq!(&from_slice, value);
    let mut reader = bytes.as_slice();
    let from_reader = T::tls_deserialize(&mut reader).unwrap();
    assert!(reader.is_empty(), "the reader decoder left bytes");
    assert_eq!(&from_reader, value);
}

// ----- round trips -----

#[test]
fn every_sample_message_round_trips_through_both_decoders() {
    for msg in sample_messages() {
        assert_round_trip(&msg);
    }
}

#[test]
fn structs_round_trip() {
    assert_round_trip(&commit());
    assert_round_trip(&group_context());
    let secrets = GroupSecrets {
        joiner_secret: vl(&[1; 32]),
        path_secret: Some(PathSecret {
            path_secret: vl(&[2; 32]),
        }),
        psks: vec![PreSharedKeyId {
            psk: Psk::External { psk_id: vl(b"id") },
            psk_nonce: vl(&[3; 32]),
        }],
    };
    assert_round_trip(&secrets);
    let tree: RatchetTreeNodes = vec![Some(Node::Leaf(key_package().leaf_node)), None];
    assert_round_trip(&tree);
    let leaf_node = tree[0].as_ref().unwrap();
    assert_eq!(leaf_node.as_leaf(), Some(&key_package().leaf_node));
    assert!(leaf_node.as_parent().is_none());
    assert_eq!(leaf_node.encryption_key().as_slice(), &[0x11; 32]);
    let ct = HpkeCiphertext::from((vec![1], vec![2, 3]));
    assert_eq!(encode(&ct).unwrap(), [1, 1, 2, 2, 3]);
    let x509 = Credential::X509 {
        certificates: vec![
            Certificate {
                cert_data: vl(&[0x30, 0x00]),
            },
            Certificate {
                cert_data: vl(&[0x30, 0x01, 0x00]),
            },
        ],
    };
    assert_round_trip(&x509);
    assert_eq!(x509.credential_type(), CredentialType::X509);
    let sender_data = SenderData {
        leaf_index: 5,
        generation: 9,
        reuse_guard: [1, 2, 3, 4],
    };
    assert_eq!(
        encode(&sender_data).unwrap(),
        [0, 0, 0, 5, 0, 0, 0, 9, 1, 2, 3, 4]
    );
    assert_round_trip(&sender_data);
    for proposal in [
        Proposal::Update(Update {
            leaf_node: Box::new(leaf(LeafNodeSource::Update)),
        }),
        Proposal::ReInit(ReInit {
            group_id: vl(b"new"),
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuite(3),
            extensions: vec![],
        }),
        Proposal::ExternalInit(ExternalInit {
            kem_output: vl(&[1; 32]),
        }),
        Proposal::GroupContextExtensions(GroupContextExtensions { extensions: vec![] }),
    ] {
        assert_round_trip(&proposal);
    }
}

#[test]
fn encodings_match_the_rfc_layouts() {
    assert_eq!(encode(&Sender::Member(5)).unwrap(), [1, 0, 0, 0, 5]);
    assert_eq!(encode(&Sender::External(2)).unwrap(), [2, 0, 0, 0, 2]);
    assert_eq!(encode(&Sender::NewMemberProposal).unwrap(), [3]);
    assert_eq!(encode(&Sender::NewMemberCommit).unwrap(), [4]);
    assert_eq!(encode(&LeafNodeSource::Update).unwrap(), [2]);
    assert_eq!(
        encode(&LeafNodeSource::Commit(vl(&[9]))).unwrap(),
        [3, 1, 9]
    );
    assert_eq!(
        encode(&Proposal::Remove(Remove { removed: 1 })).unwrap(),
        [0, 3, 0, 0, 0, 1]
    );
    assert_eq!(
        encode(&ProposalOrRef::Reference(vl(&[7, 7]))).unwrap(),
        [2, 2, 7, 7]
    );
    assert_eq!(
        encode(&Credential::basic(b"a".to_vec())).unwrap(),
        [0, 1, 1, b'a']
    );
    // An empty Commit: no proposals, no path.
    let empty = Commit {
        proposals: vec![],
        path: None,
    };
    assert_eq!(encode(&empty).unwrap(), [0, 0]);
    let msg = MlsMessage::new(MlsMessageBody::Welcome(welcome()));
    assert_eq!(&encode(&msg).unwrap()[..4], &[0, 1, 0, 3]);
    assert_eq!(msg.wire_format(), WireFormat::WELCOME);
}

#[test]
fn unknown_and_grease_registry_values_round_trip() {
    let caps = capabilities();
    assert_round_trip(&caps);
    assert!(caps.cipher_suites[1].is_grease());
    assert!(caps.proposals[0].is_grease());
    assert!(!caps.extensions[0].is_grease());
    let unknown = Extension::new(ExtensionType(0x0A0A), vec![0xFF; 3]);
    assert_round_trip(&unknown);
    let required = RequiredCapabilities {
        extension_types: vec![ExtensionType(0xBABA)],
        proposal_types: vec![ProposalType(0xF001)],
        credential_types: vec![CredentialType(0xCACA)],
    };
    assert_round_trip(&required);
    assert!(ProposalType::REMOVE.is_default());
    assert!(!ProposalType(8).is_default());
    assert!(ExtensionType::EXTERNAL_SENDERS.is_default());
    assert!(!ExtensionType(6).is_default());
}

// ----- selects that depend on an enclosing struct -----

#[test]
fn membership_tag_is_present_exactly_for_member_senders() {
    let body = FramedContentBody::Application(vl(b"x"));
    let member = public_message(Sender::Member(0), body.clone());
    let external = public_message(Sender::External(0), body);
    let member_len = encode(&member).unwrap().len();
    let external_len = encode(&external).unwrap().len();
    // Both senders carry a uint32; the difference is the 32-byte tag with
    // its 1-byte header.
    assert_eq!(external.membership_tag, None);
    assert_eq!(member_len, external_len + 1 + 32);
    let decoded: PublicMessage = decode_exact(&encode(&external).unwrap()).unwrap();
    assert_eq!(decoded.membership_tag, None);
}

#[test]
fn confirmation_tag_is_present_exactly_for_commits() {
    let commit_body = FramedContentBody::Commit(Commit {
        proposals: vec![],
        path: None,
    });
    let ac = AuthenticatedContent {
        wire_format: WireFormat::PUBLIC_MESSAGE,
        auth: auth_for(&commit_body),
        content: content(Sender::Member(1), commit_body),
    };
    assert_round_trip(&ac);
    let bytes = encode(&ac).unwrap();
    // The encoding ends with the signature and then the tag, each <V>.
    assert_eq!(
        &bytes[bytes.len() - 33..],
        &[&[32u8][..], &[0xFF; 32]].concat()
    );
    let app_body = FramedContentBody::Application(vl(b"x"));
    let ac = AuthenticatedContent {
        wire_format: WireFormat::PRIVATE_MESSAGE,
        auth: auth_for(&app_body),
        content: content(Sender::Member(1), app_body),
    };
    assert_round_trip(&ac);
    let bytes = encode(&ac).unwrap();
    // A 64-byte signature has a 2-byte header (64 > 63), and no tag follows.
    let mut tail = vec![0x40, 0x40];
    tail.extend([0xEE; 64]);
    assert_eq!(&bytes[bytes.len() - 66..], &tail[..]);
}

#[test]
fn a_commit_without_its_confirmation_tag_does_not_decode() {
    let body = FramedContentBody::Commit(Commit {
        proposals: vec![],
        path: None,
    });
    let mut ac = AuthenticatedContent {
        wire_format: WireFormat::PUBLIC_MESSAGE,
        auth: auth_for(&body),
        content: content(Sender::Member(1), body),
    };
    ac.auth.confirmation_tag = None;
    assert!(decode_exact::<AuthenticatedContent>(&encode(&ac).unwrap()).is_err());
}

#[test]
fn framed_content_auth_data_decodes_by_content_type() {
    let bytes = [1, 0xAA, 2, 0xBB, 0xCC, 0x99];
    let (auth, rest) = FramedContentAuthData::decode_bytes(ContentType::Commit, &bytes).unwrap();
    assert_eq!(auth.signature.as_slice(), &[0xAA]);
    assert_eq!(
        auth.confirmation_tag.as_ref().map(|t| t.as_slice()),
        Some(&[0xBB, 0xCC][..])
    );
    assert_eq!(rest, &[0x99]);
    let (auth, rest) = FramedContentAuthData::decode_bytes(ContentType::Proposal, &bytes).unwrap();
    assert_eq!(auth.confirmation_tag, None);
    assert_eq!(rest, &bytes[2..]);
    let mut reader = &bytes[..];
    let auth = FramedContentAuthData::decode(ContentType::Commit, &mut reader).unwrap();
    assert!(auth.confirmation_tag.is_some());
    assert_eq!(reader, &[0x99]);
}

// ----- to-be-signed structs -----

#[test]
fn framed_content_tbs_includes_the_context_for_members_and_new_member_commits() {
    let ctx = group_context();
    let ctx_len = encode(&ctx).unwrap().len();
    for (sender, with_context) in [
        (Sender::Member(0), true),
        (Sender::NewMemberCommit, true),
        (Sender::External(0), false),
        (Sender::NewMemberProposal, false),
    ] {
        let fc = content(sender, FramedContentBody::Application(vl(b"x")));
        let tbs = FramedContentTbs::new(WireFormat::PUBLIC_MESSAGE, &fc, &ctx);
        let bytes = encode(&tbs).unwrap();
        let mut expected = vec![0, 1, 0, 1];
        expected.extend(encode(&fc).unwrap());
        if with_context {
            expected.extend(encode(&ctx).unwrap());
        }
        assert_eq!(bytes, expected, "{sender:?}");
        assert_eq!(
            bytes.len(),
            4 + encode(&fc).unwrap().len() + if with_context { ctx_len } else { 0 }
        );
        // The TBM is the TBS followed by the auth data.
        let auth = auth_for(&fc.content);
        let tbm = AuthenticatedContentTbm {
            content_tbs: tbs,
            auth: &auth,
        };
        let mut expected_tbm = expected.clone();
        expected_tbm.extend(encode(&auth).unwrap());
        assert_eq!(encode(&tbm).unwrap(), expected_tbm);
    }
}

#[test]
fn transcript_hash_inputs() {
    let body = FramedContentBody::Commit(commit());
    let ac = AuthenticatedContent {
        wire_format: WireFormat::PUBLIC_MESSAGE,
        auth: auth_for(&body),
        content: content(Sender::Member(1), body),
    };
    let full = encode(&ac).unwrap();
    let confirmed = encode(&ConfirmedTranscriptHashInput::from(&ac)).unwrap();
    // AuthenticatedContent = ConfirmedTranscriptHashInput || InterimTranscriptHashInput.
    let tag = ac.auth.confirmation_tag.as_ref().unwrap();
    let interim = encode(&InterimTranscriptHashInput {
        confirmation_tag: tag,
    })
    .unwrap();
    assert_eq!([confirmed, interim].concat(), full);
}

#[test]
fn leaf_node_tbs_follows_the_source() {
    // key_package: the leaf without its signature; any context is ignored.
    let kp_leaf = key_package().leaf_node;
    let full = encode(&kp_leaf).unwrap();
    let sig_len = encode(&kp_leaf.signature).unwrap().len();
    let ctx = LeafNodeTbsContext {
        group_id: b"group",
        leaf_index: 0x0102_0304,
    };
    assert_eq!(
        kp_leaf.tbs_bytes(None).unwrap(),
        &full[..full.len() - sig_len]
    );
    assert_eq!(
        kp_leaf.tbs_bytes(Some(ctx)).unwrap(),
        &full[..full.len() - sig_len]
    );
    // update and commit: the context is required and appended.
    for source in [LeafNodeSource::Update, LeafNodeSource::Commit(vl(&[1; 32]))] {
        let l = leaf(source);
        assert!(matches!(l.tbs_bytes(None), Err(crate::Error::Misuse(_))));
        let full = encode(&l).unwrap();
        let mut expected = full[..full.len() - sig_len].to_vec();
        expected.extend([5, b'g', b'r', b'o', b'u', b'p', 1, 2, 3, 4]);
        let tbs = l.tbs(Some(ctx)).unwrap();
        assert_eq!(tbs.encoded_len(), expected.len());
        assert_eq!(tbs.encode().unwrap(), expected);
        let mut written = Vec::new();
        tbs.write_to(&mut written).unwrap();
        assert_eq!(written, expected);
    }
}

#[test]
fn key_package_and_group_info_tbs_are_the_fields_before_the_signature() {
    let kp = key_package();
    let full = encode(&kp).unwrap();
    let sig = encode(&kp.signature).unwrap().len();
    assert_eq!(kp.tbs_bytes().unwrap(), &full[..full.len() - sig]);
    let gi = group_info();
    let full = encode(&gi).unwrap();
    let sig = encode(&gi.signature).unwrap().len();
    assert_eq!(gi.tbs_bytes().unwrap(), &full[..full.len() - sig]);
}

#[test]
fn aads_are_the_leading_fields_of_the_private_message() {
    let pm = PrivateMessage {
        authenticated_data: vl(b"aad"),
        ..private_message()
    };
    let full = encode(&pm).unwrap();
    let sender_aad = encode(&SenderDataAad::of(&pm)).unwrap();
    assert_eq!(sender_aad, &full[..sender_aad.len()]);
    assert_eq!(sender_aad.len(), 6 + 8 + 1);
    let content_aad = encode(&PrivateContentAad::of(&pm)).unwrap();
    assert_eq!(content_aad, &full[..content_aad.len()]);
    assert_eq!(content_aad.len(), sender_aad.len() + 4);
}

#[test]
fn psk_label_layout() {
    let id = PreSharedKeyId {
        psk: Psk::External { psk_id: vl(b"k") },
        psk_nonce: vl(&[0; 2]),
    };
    let label = PskLabel {
        id: &id,
        index: 1,
        count: 2,
    };
    assert_eq!(encode(&label).unwrap(), [1, 1, b'k', 2, 0, 0, 0, 1, 0, 2]);
}

// ----- extensions -----

#[test]
fn duplicate_extension_types_are_rejected() {
    let ext = |t: u16| Extension::new(ExtensionType(t), vec![]);
    assert_eq!(check_unique_types(&[]), Ok(()));
    assert_eq!(check_unique_types(&[ext(1), ext(2), ext(0x0A0A)]), Ok(()));
    assert_eq!(
        check_unique_types(&[ext(3), ext(1), ext(0xF000), ext(3)]),
        Err(ProtocolError::DuplicateExtension(ExtensionType(3)))
    );
    // The same type with different data is still a duplicate.
    let a = Extension::new(ExtensionType(0x0A0A), vec![1]);
    let b = Extension::new(ExtensionType(0x0A0A), vec![2]);
    assert_eq!(
        check_unique_types(&[a, b]),
        Err(ProtocolError::DuplicateExtension(ExtensionType(0x0A0A)))
    );
}

#[test]
fn extension_payloads_are_found_and_decoded() {
    let senders = vec![ExternalSender {
        signature_key: vl(&[1; 32]),
        credential: Credential::basic(b"ds".to_vec()),
    }];
    let app_id = ApplicationId {
        application_id: vl(b"device-1"),
    };
    let exts = vec![
        Extension::new(ExtensionType(0xF000), vec![0xFF]),
        Extension::from_payload(&senders).unwrap(),
        Extension::from_payload(&app_id).unwrap(),
    ];
    assert_eq!(
        find_payload::<Vec<ExternalSender>>(&exts).unwrap(),
        Some(senders)
    );
    assert_eq!(find_payload::<ApplicationId>(&exts).unwrap(), Some(app_id));
    assert_eq!(find_payload::<ExternalPub>(&exts).unwrap(), None);
    assert!(find(&exts, ExtensionType(0xF000)).is_some());
    // Wrong type, and a payload with trailing bytes, are decode errors.
    assert!(exts[0].payload::<ApplicationId>().is_err());
    let bad = Extension::new(ExtensionType::EXTERNAL_PUB, vec![1, 0xAA, 0xBB]);
    assert!(bad.payload::<ExternalPub>().is_err());
    assert!(find_payload::<ExternalPub>(&[bad]).is_err());
}

// ----- secrets -----

#[test]
fn group_secrets_debug_is_redacted_and_zeroize_clears() {
    use zeroize::Zeroize;
    let mut secrets = GroupSecrets {
        joiner_secret: vl(&[0xAB; 32]),
        path_secret: Some(PathSecret {
            path_secret: vl(&[0xCD; 32]),
        }),
        psks: vec![],
    };
    let shown = format!("{secrets:?}");
    assert!(!shown.to_lowercase().contains("ab, ") && !shown.to_lowercase().contains("abab"));
    assert!(!shown.to_lowercase().contains("cdcd"), "{shown}");
    assert!(shown.contains("32 bytes redacted"), "{shown}");
    secrets.zeroize();
    assert!(secrets.joiner_secret.as_slice().is_empty());
}

// ----- malformed input -----

#[test]
fn every_truncation_of_a_message_is_an_error() {
    for msg in sample_messages() {
        let bytes = encode(&msg).unwrap();
        for cut in 0..bytes.len() {
            assert!(
                decode_exact::<MlsMessage>(&bytes[..cut]).is_err(),
                "{:?} cut at {cut}",
                msg.wire_format()
            );
            let mut reader = &bytes[..cut];
            assert!(MlsMessage::tls_deserialize(&mut reader).is_err());
        }
    }
}

#[test]
fn trailing_bytes_are_an_error() {
    for msg in sample_messages() {
        let mut bytes = encode(&msg).unwrap();
        bytes.push(0);
        assert!(decode_exact::<MlsMessage>(&bytes).is_err());
    }
    assert!(decode_exact::<Remove>(&[0, 0, 0, 1, 0]).is_err());
}

#[test]
fn unknown_wire_formats_are_an_error() {
    let body = encode(&key_package()).unwrap();
    for wire_format in [0u16, 6, 0x0A0A, 0xF000, 0xFFFF] {
        let mut bytes = vec![0, 1];
        bytes.extend(wire_format.to_be_bytes());
        bytes.extend(&body);
        assert!(decode_exact::<MlsMessage>(&bytes).is_err(), "{wire_format}");
    }
    // The same body under wire format 5 decodes.
    let mut bytes = vec![0, 1, 0, 5];
    bytes.extend(&body);
    assert!(decode_exact::<MlsMessage>(&bytes).is_ok());
}

#[test]
fn unknown_credential_types_are_an_error() {
    for credential_type in [0u16, 3, 0x0A0A, 0xF000] {
        let mut bytes = credential_type.to_be_bytes().to_vec();
        bytes.extend([1, b'a']);
        assert!(
            decode_exact::<Credential>(&bytes).is_err(),
            "{credential_type}"
        );
    }
    assert!(decode_exact::<Credential>(&[0, 1, 1, b'a']).is_ok());
    // And inside a leaf node.
    let mut bytes = encode(&key_package().leaf_node).unwrap();
    let at = 2 * 33; // after the two 32-byte keys with 1-byte headers
    assert_eq!(&bytes[at..at + 2], &[0, 1]);
    bytes[at + 1] = 9;
    assert!(decode_exact::<LeafNode>(&bytes).is_err());
}

#[test]
fn optional_presence_byte_must_be_0_or_1() {
    assert_eq!(
        decode_exact::<Commit>(&[0, 0]).unwrap(),
        Commit {
            proposals: vec![],
            path: None
        }
    );
    for presence in [2u8, 0x80, 0xFF] {
        assert!(
            decode_exact::<Commit>(&[0, presence]).is_err(),
            "{presence}"
        );
        let mut bytes = vec![1, 0xAA, presence, 1, 0xBB, 0];
        assert!(decode_exact::<GroupSecrets>(&bytes).is_err(), "{presence}");
        bytes[2] = 1;
        assert!(decode_exact::<GroupSecrets>(&bytes).is_ok());
        // optional<Node> in a ratchet tree.
        assert!(decode_exact::<RatchetTreeNodes>(&[1, presence]).is_err());
    }
    assert_eq!(
        decode_exact::<RatchetTreeNodes>(&[1, 0]).unwrap(),
        vec![None]
    );
}

#[test]
fn a_vector_overrunning_its_input_is_an_error() {
    // Capabilities whose `versions` declares 4 bytes with 2 present.
    assert!(decode_exact::<Capabilities>(&[4, 0, 1]).is_err());
    // A GroupContext cut inside `group_id`.
    assert!(decode_exact::<GroupContext>(&[0, 1, 0, 1, 10, 1, 2, 3]).is_err());
    // A list whose elements overrun its declared length: 3 bytes declared,
    // the first uint32 takes 4.
    assert!(decode_exact::<ParentNode>(&[0, 0, 3, 0, 0, 0, 1]).is_err());
    assert!(decode_exact::<ParentNode>(&[0, 0, 4, 0, 0, 0, 1]).is_ok());
}

/// Lengths up to 2^30 - 1 that the input cannot hold. Each decoder checks the
/// input before allocating: a decoder that reserved the declared length
/// (times the element size for lists) would ask for up to tens of GiB and
/// abort the test process rather than fail it.
#[test]
fn huge_declared_lengths_on_tiny_inputs_are_an_error() {
    let huge = [0xBF, 0xFF, 0xFF, 0xFF]; // 2^30 - 1
    let with = |prefix: &[u8], tail: &[u8]| [prefix, &huge[..], tail].concat();
    assert!(decode_exact::<VLBytes>(&with(&[], &[1, 2, 3])).is_err());
    assert!(decode_exact::<Vec<Extension>>(&with(&[], &[0, 1, 0])).is_err());
    assert!(decode_exact::<RatchetTreeNodes>(&with(&[], &[0, 0, 0])).is_err());
    assert!(decode_exact::<Welcome>(&with(&[0, 1], &[])).is_err());
    assert!(decode_exact::<Commit>(&with(&[], &[1, 0, 3])).is_err());
    let mut reader: &[u8] = &with(&[0, 1, 0, 3, 0, 1], &[]);
    assert!(MlsMessage::tls_deserialize(&mut reader).is_err());
    // Beyond 2^30 - 1 (the 0b11 prefix) the header itself is invalid.
    assert!(decode_exact::<VLBytes>(&[0xC0, 0, 0, 0, 0, 0, 0, 1, 0]).is_err());
}

#[test]
fn non_minimal_lengths_inside_structs_are_an_error() {
    // Extension { type 0xF000, data: [0xAA] } with the data length as 0x4001.
    assert!(decode_exact::<Extension>(&[0xF0, 0x00, 0x01, 0xAA]).is_ok());
    assert!(decode_exact::<Extension>(&[0xF0, 0x00, 0x40, 0x01, 0xAA]).is_err());
    assert!(decode_exact::<Extension>(&[0xF0, 0x00, 0x80, 0, 0, 0x01, 0xAA]).is_err());
    // A list length: ParentNode.unmerged_leaves as 0x4004.
    assert!(decode_exact::<ParentNode>(&[0, 0, 0x40, 4, 0, 0, 0, 1]).is_err());
    // Through the reader decoder too.
    let mut reader: &[u8] = &[0xF0, 0x00, 0x40, 0x01, 0xAA];
    assert!(Extension::tls_deserialize(&mut reader).is_err());
}

#[test]
fn unknown_values_of_closed_enums_are_an_error() {
    // ContentType, SenderType, Sender.
    for v in [0u8, 4, 0xFF] {
        assert!(decode_exact::<ContentType>(&[v]).is_err());
    }
    for v in [0u8, 5, 0xFF] {
        assert!(decode_exact::<SenderType>(&[v]).is_err());
        assert!(decode_exact::<Sender>(&[v, 0, 0, 0, 0]).is_err());
    }
    // NodeType, LeafNodeSource, ProposalOrRefType, PSKType, ResumptionPSKUsage.
    for v in [0u8, 3] {
        assert!(decode_exact::<Option<Node>>(&[1, v]).is_err());
    }
    for v in [0u8, 4] {
        assert!(decode_exact::<LeafNodeSource>(&[v]).is_err());
        assert!(decode_exact::<ResumptionPskUsage>(&[v]).is_err());
    }
    assert!(decode_exact::<ProposalOrRef>(&[3, 0]).is_err());
    assert!(decode_exact::<Psk>(&[3, 0]).is_err());
    // Proposal types outside RFC 9420, GREASE included (§13.5 forbids it there).
    for t in [0u16, 8, 0x0A0A, 0xF000] {
        let mut bytes = t.to_be_bytes().to_vec();
        bytes.extend([0, 0, 0, 1]);
        assert!(decode_exact::<Proposal>(&bytes).is_err(), "{t}");
    }
    // A FramedContent with content type 0.
    let mut bytes = encode(&content(
        Sender::Member(0),
        FramedContentBody::Application(vl(b"")),
    ))
    .unwrap();
    let at = bytes.len() - 2;
    assert_eq!(bytes[at], 1);
    bytes[at] = 0;
    assert!(decode_exact::<FramedContent>(&bytes).is_err());
}

/// Decoding is canonical: whenever a mutated message still decodes, it
/// re-encodes to exactly the mutated bytes (so no two encodings share a
/// value, and hashing or verifying the received bytes is the same as doing
/// it over the decoded value). Also exercises every decoder on thousands of
/// malformed inputs, none of which may panic.
#[test]
fn decoding_is_canonical_under_single_byte_mutations() {
    let mut accepted = 0usize;
    for msg in sample_messages().into_iter().take(8) {
        let bytes = encode(&msg).unwrap();
        for at in 0..bytes.len() {
            for value in [0x00, 0x01, 0x02, 0x40, 0x80, 0xC0, 0xFF, bytes[at] ^ 0x01] {
                let mut mutated = bytes.clone();
                mutated[at] = value;
                if let Ok(decoded) = decode_exact::<MlsMessage>(&mutated) {
                    accepted += 1;
                    assert_eq!(encode(&decoded).unwrap(), mutated, "at {at} = {value:#x}");
                }
            }
        }
    }
    assert!(accepted > 0, "no mutation decoded; the test checks nothing");
}

#[test]
fn the_group_id_of_an_encoded_message_is_read_without_decoding_it() {
    for message in sample_messages() {
        let bytes = encode(&message).unwrap();
        let expected: Option<&[u8]> = match &message.body {
            MlsMessageBody::PublicMessage(m) => Some(m.content.group_id.as_slice()),
            MlsMessageBody::PrivateMessage(m) => Some(m.group_id.as_slice()),
            _ => None,
        };
        assert_eq!(MlsMessage::peek_group_id(&bytes).unwrap(), expected);
        // Only the header and the id are read: a body cut short after the id
        // still gives it (decoding the whole message is what refuses that).
        if let Some(id) = expected {
            let header = 4 + 1 + id.len();
            assert_eq!(
                MlsMessage::peek_group_id(&bytes[..header]).unwrap(),
                Some(id)
            );
            // Cut inside the id, the version and wire format, or empty.
            for cut in [header - 1, 5, 3, 0] {
                assert!(MlsMessage::peek_group_id(&bytes[..cut]).is_err(), "{cut}");
            }
        }
    }
    // An id longer than the input, and a varint with the reserved 0b11 prefix.
    assert!(MlsMessage::peek_group_id(&[0, 1, 0, 2, 0x40, 0x10, 1]).is_err());
    assert!(MlsMessage::peek_group_id(&[0, 2, 0, 2, 0xC0, 0, 0, 0]).is_err());
    // An unknown wire format is not a group message (decoding refuses it).
    assert_eq!(MlsMessage::peek_group_id(&[0xff; 16]).unwrap(), None);
}
