//! The unprotect pipeline of RFC 9420 §6: round trips, and one message per
//! rule that breaks exactly that rule and gets exactly its error.

use std::sync::Arc;

use conclave_core::codec::{encode, VLByteSlice, VLBytes};
use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair, Signer,
};
use conclave_core::framing::{
    encode_private_content, membership_tag, protect_private, protect_public, sign_content,
    unprotect, unprotect_private, unprotect_public, unprotect_received_then, EpochKeys, MemberKeys,
    PaddingPolicy,
};
use conclave_core::schedule::{sender_data_key_nonce, RatchetKind, SecretTree, SecretTreeConfig};
use conclave_core::tree::LeafIndex;
use conclave_core::wire::{
    AuthenticatedContent, Commit, ContentType, FramedContent, FramedContentBody, GroupContext,
    MlsMessage, MlsMessageBody, PrivateContentAad, PrivateMessage, Proposal, ProtocolVersion,
    PublicMessage, Remove, Sender, SenderData, SenderDataAad, SenderType, WireFormat,
};
use conclave_core::{Error, ProtocolError};

const SENDER: u32 = 1;

/// A four-leaf group: leaf 0 blank, leaves 1..3 members; one external sender.
struct Members {
    keys: Vec<Option<Vec<u8>>>,
    external: Vec<u8>,
}

impl MemberKeys for Members {
    fn leaf_count(&self) -> u32 {
        self.keys.len() as u32
    }

    fn signature_key(&self, leaf: LeafIndex) -> Option<&[u8]> {
        self.keys.get(leaf.0 as usize)?.as_deref()
    }

    fn external_sender_key(&self, index: u32) -> Option<&[u8]> {
        (index == 0).then_some(self.external.as_slice())
    }
}

struct Fixture {
    cs: Arc<dyn CipherSuiteProvider>,
    context: GroupContext,
    membership_key: Secret,
    sender_data_secret: Secret,
    encryption_secret: Secret,
    signers: Vec<SignatureKeyPair>,
    external: SignatureKeyPair,
    members: Members,
}

fn fixture() -> Fixture {
    fixture_for(CipherSuite::X25519_AES128GCM_SHA256_ED25519)
}

fn fixture_for(suite: CipherSuite) -> Fixture {
    let cs = conclave_rustcrypto::RustCryptoProvider::new()
        .cipher_suite(suite)
        .unwrap();
    let signers: Vec<SignatureKeyPair> = (0..4)
        .map(|_| SignatureKeyPair::generate(cs.clone()).unwrap())
        .collect();
    let external = SignatureKeyPair::generate(cs.clone()).unwrap();
    let mut keys: Vec<Option<Vec<u8>>> = signers
        .iter()
        .map(|s| Some(s.public_key().to_vec()))
        .collect();
    keys[0] = None;
    let members = Members {
        keys,
        external: external.public_key().to_vec(),
    };
    let n = cs.hash_len();
    Fixture {
        context: GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: suite,
            group_id: VLBytes::new(b"group".to_vec()),
            epoch: 7,
            tree_hash: VLBytes::new(vec![1; n]),
            confirmed_transcript_hash: VLBytes::new(vec![2; n]),
            extensions: Vec::new(),
        },
        membership_key: Secret::new(vec![3; n]),
        sender_data_secret: Secret::new(vec![4; n]),
        encryption_secret: Secret::new(vec![5; n]),
        cs,
        signers,
        external,
        members,
    }
}

fn remove() -> FramedContentBody {
    FramedContentBody::Proposal(Proposal::Remove(Remove { removed: 2 }))
}

fn application() -> FramedContentBody {
    FramedContentBody::Application(VLBytes::new(b"hello, group".to_vec()))
}

fn empty_commit() -> FramedContentBody {
    FramedContentBody::Commit(Commit {
        proposals: Vec::new(),
        path: None,
    })
}

fn protocol_error(result: Result<AuthenticatedContent, Error>) -> ProtocolError {
    match result {
        Err(Error::Protocol(e)) => e,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

impl Fixture {
    fn keys(&self) -> EpochKeys<'_> {
        EpochKeys {
            cs: self.cs.as_ref(),
            group_context: &self.context,
            membership_key: &self.membership_key,
            sender_data_secret: &self.sender_data_secret,
        }
    }

    fn tree(&self) -> SecretTree {
        self.tree_with(SecretTreeConfig::default())
    }

    fn tree_with(&self, config: SecretTreeConfig) -> SecretTree {
        SecretTree::new(self.encryption_secret.clone(), 4, config).unwrap()
    }

    fn content(&self, sender: Sender, body: FramedContentBody) -> FramedContent {
        FramedContent {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            sender,
            authenticated_data: VLBytes::new(b"aad".to_vec()),
            content: body,
        }
    }

    /// Signs `content` with `signer` for `wire_format`; a commit gets a tag.
    fn sign(
        &self,
        signer: &dyn Signer,
        wire_format: WireFormat,
        content: FramedContent,
    ) -> AuthenticatedContent {
        let is_commit = content.content_type() == ContentType::Commit;
        let mut ac = sign_content(signer, wire_format, content, &self.context).unwrap();
        if is_commit {
            ac.auth.confirmation_tag = Some(VLBytes::new(vec![9; self.cs.hash_len()]));
        }
        ac
    }

    /// A PublicMessage built by hand (so rules `protect_public` enforces
    /// can be broken), signed by `signer`, with a correct membership tag
    /// for members.
    fn public(&self, signer: &dyn Signer, content: FramedContent) -> PublicMessage {
        let ac = self.sign(signer, WireFormat::PUBLIC_MESSAGE, content);
        self.with_tag(ac)
    }

    fn with_tag(&self, ac: AuthenticatedContent) -> PublicMessage {
        let tag = match ac.content.sender {
            Sender::Member(_) => Some(VLBytes::new(
                membership_tag(
                    self.cs.as_ref(),
                    &self.membership_key,
                    &ac.content,
                    &ac.auth,
                    &self.context,
                )
                .unwrap(),
            )),
            _ => None,
        };
        PublicMessage {
            content: ac.content,
            auth: ac.auth,
            membership_tag: tag,
        }
    }

    fn member_public(&self, body: FramedContentBody) -> PublicMessage {
        let ac = self.sign(
            &self.signers[SENDER as usize],
            WireFormat::PUBLIC_MESSAGE,
            self.content(Sender::Member(SENDER), body),
        );
        protect_public(&self.keys(), ac).unwrap()
    }

    fn member_private(&self, tree: &mut SecretTree, body: FramedContentBody) -> PrivateMessage {
        let ac = self.sign(
            &self.signers[SENDER as usize],
            WireFormat::PRIVATE_MESSAGE,
            self.content(Sender::Member(SENDER), body),
        );
        protect_private(&self.keys(), tree, &ac, PaddingPolicy::None).unwrap()
    }

    /// A PrivateMessage from `leaf` whose plaintext `edit` may change
    /// before encryption, built from the public pieces of the pipeline.
    fn private_by_hand(
        &self,
        tree: &mut SecretTree,
        leaf: u32,
        body: FramedContentBody,
        edit: impl FnOnce(&mut Vec<u8>),
    ) -> PrivateMessage {
        let cs = self.cs.as_ref();
        let signer = &self.signers[(leaf as usize).min(3)];
        let ac = self.sign(
            signer,
            WireFormat::PRIVATE_MESSAGE,
            self.content(Sender::Member(leaf), body),
        );
        let ct = ac.content.content_type();
        let kind = if ct == ContentType::Application {
            RatchetKind::Application
        } else {
            RatchetKind::Handshake
        };
        let key = tree.next_sending_key(cs, LeafIndex(leaf), kind).unwrap();
        let mut plaintext =
            encode_private_content(&ac.content.content, &ac.auth, PaddingPolicy::Exact(8)).unwrap();
        edit(&mut plaintext);
        let aad = encode(&PrivateContentAad {
            group_id: VLByteSlice(self.context.group_id.as_slice()),
            epoch: self.context.epoch,
            content_type: ct,
            authenticated_data: VLByteSlice(ac.content.authenticated_data.as_slice()),
        })
        .unwrap();
        let ciphertext = cs
            .aead_seal(key.key.as_bytes(), key.nonce.as_bytes(), &aad, &plaintext)
            .unwrap();
        let sender_data = encode(&SenderData {
            leaf_index: leaf,
            generation: key.generation,
            reuse_guard: [0; 4],
        })
        .unwrap();
        let (sd_key, sd_nonce) =
            sender_data_key_nonce(cs, &self.sender_data_secret, &ciphertext).unwrap();
        let sd_aad = encode(&SenderDataAad {
            group_id: VLByteSlice(self.context.group_id.as_slice()),
            epoch: self.context.epoch,
            content_type: ct,
        })
        .unwrap();
        PrivateMessage {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            content_type: ct,
            authenticated_data: ac.content.authenticated_data.clone(),
            encrypted_sender_data: VLBytes::new(
                cs.aead_seal(
                    sd_key.as_bytes(),
                    sd_nonce.as_bytes(),
                    &sd_aad,
                    &sender_data,
                )
                .unwrap(),
            ),
            ciphertext: VLBytes::new(ciphertext),
        }
    }

    fn unprotect_public(&self, m: &PublicMessage) -> Result<AuthenticatedContent, Error> {
        unprotect_public(&self.keys(), &self.members, m.clone())
    }

    fn unprotect_private(
        &self,
        tree: &mut SecretTree,
        m: &PrivateMessage,
    ) -> Result<AuthenticatedContent, Error> {
        unprotect_private(&self.keys(), &self.members, tree, m)
    }
}

fn flip_last(bytes: &VLBytes) -> VLBytes {
    let mut v = bytes.as_slice().to_vec();
    if let Some(b) = v.last_mut() {
        *b ^= 1;
    }
    VLBytes::new(v)
}

// --- round trips ---

#[test]
fn public_round_trip_for_proposal_and_commit() {
    let f = fixture();
    for body in [remove(), empty_commit()] {
        let m = f.member_public(body.clone());
        let ac = f.unprotect_public(&m).unwrap();
        assert_eq!(ac.content.content, body);
        assert_eq!(ac.content.sender, Sender::Member(SENDER));
        assert_eq!(ac.wire_format, WireFormat::PUBLIC_MESSAGE);
    }
}

#[test]
fn private_round_trip_for_every_content_type_and_suite() {
    for suite in CipherSuite::RFC9420 {
        let f = fixture_for(suite);
        let (mut sender, mut receiver) = (f.tree(), f.tree());
        for body in [application(), remove(), empty_commit(), application()] {
            let m = f.member_private(&mut sender, body.clone());
            let ac = f.unprotect_private(&mut receiver, &m).unwrap();
            assert_eq!(ac.content.content, body, "suite {suite:?}");
            assert_eq!(ac.content.authenticated_data.as_slice(), b"aad");
        }
    }
}

#[test]
fn padding_policies_pad_with_zeros_and_still_decrypt() {
    let f = fixture();
    let ac = f.sign(
        &f.signers[1],
        WireFormat::PRIVATE_MESSAGE,
        f.content(Sender::Member(1), application()),
    );
    let mut lens = Vec::new();
    for policy in [
        PaddingPolicy::None,
        PaddingPolicy::Exact(100),
        PaddingPolicy::ToMultipleOf(256),
    ] {
        let (mut s, mut r) = (f.tree(), f.tree());
        let m = protect_private(&f.keys(), &mut s, &ac, policy).unwrap();
        lens.push(m.ciphertext.as_slice().len());
        assert_eq!(
            f.unprotect_private(&mut r, &m).unwrap().content.content,
            application()
        );
    }
    assert_eq!(lens[1], lens[0] + 100);
    // plaintext padded to 256, plus the 16-byte AEAD tag.
    assert_eq!(lens[2], 256 + 16);
}

#[test]
fn unprotect_dispatches_on_the_wire_format() {
    let f = fixture();
    let mut tree = f.tree();
    let public = MlsMessage::new(MlsMessageBody::PublicMessage(f.member_public(remove())));
    let ac = unprotect(&f.keys(), &f.members, &mut tree, public).unwrap();
    assert_eq!(ac.content.content, remove());
    let private = MlsMessage::new(MlsMessageBody::PrivateMessage(
        f.member_private(&mut f.tree(), application()),
    ));
    let ac = unprotect(&f.keys(), &f.members, &mut tree, private).unwrap();
    assert_eq!(ac.content.content, application());
}

#[test]
fn unprotect_refuses_another_protocol_version() {
    let f = fixture();
    let mut message = MlsMessage::new(MlsMessageBody::PublicMessage(f.member_public(remove())));
    message.version = ProtocolVersion(2);
    assert_eq!(
        protocol_error(unprotect(&f.keys(), &f.members, &mut f.tree(), message)),
        ProtocolError::VersionMismatch {
            message: 2,
            group: 1
        }
    );
}

#[test]
fn unprotect_refuses_unframed_messages() {
    let f = fixture();
    let (_, init_pub) = f.cs.kem_generate().unwrap();
    let welcome = MlsMessage::new(MlsMessageBody::Welcome(conclave_core::wire::Welcome {
        cipher_suite: f.context.cipher_suite,
        secrets: Vec::new(),
        encrypted_group_info: VLBytes::new(init_pub),
    }));
    assert!(matches!(
        unprotect(&f.keys(), &f.members, &mut f.tree(), welcome),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn transcript_hashes_of_an_own_commit_match_the_received_bytes() {
    use conclave_core::schedule::{confirmed_input_of_authenticated_content, TranscriptHashes};
    let f = fixture();
    let ac = f.sign(
        &f.signers[1],
        WireFormat::PUBLIC_MESSAGE,
        f.content(Sender::Member(1), empty_commit()),
    );
    let cs = f.cs.as_ref();
    let from_struct = TranscriptHashes::after_commit(cs, b"interim", &ac).unwrap();
    let bytes = encode(&ac).unwrap();
    let (input, tag) = confirmed_input_of_authenticated_content(&bytes, cs.hash_len()).unwrap();
    let from_bytes = TranscriptHashes::next(cs, b"interim", input, tag).unwrap();
    assert_eq!(from_struct, from_bytes);
}

#[test]
fn external_and_new_member_senders_verify_without_membership_tag() {
    let f = fixture();
    let m = f.public(&f.external, f.content(Sender::External(0), remove()));
    assert!(m.membership_tag.is_none());
    assert_eq!(
        f.unprotect_public(&m).unwrap().content.sender,
        Sender::External(0)
    );
}

// --- protect refuses what must not be sent ---

#[test]
fn application_data_cannot_be_protected_as_public_message() {
    let f = fixture();
    let ac = f.sign(
        &f.signers[1],
        WireFormat::PUBLIC_MESSAGE,
        f.content(Sender::Member(1), application()),
    );
    assert!(matches!(
        protect_public(&f.keys(), ac),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn only_members_can_protect_private_messages() {
    let f = fixture();
    let ac = f.sign(
        &f.external,
        WireFormat::PRIVATE_MESSAGE,
        f.content(Sender::External(0), remove()),
    );
    let r = protect_private(&f.keys(), &mut f.tree(), &ac, PaddingPolicy::None);
    assert!(matches!(r, Err(Error::Misuse(_))));
}

#[test]
fn a_commit_without_confirmation_tag_is_not_protected() {
    let f = fixture();
    let ac = sign_content(
        &f.signers[1],
        WireFormat::PUBLIC_MESSAGE,
        f.content(Sender::Member(1), empty_commit()),
        &f.context,
    )
    .unwrap();
    assert!(matches!(
        protect_public(&f.keys(), ac),
        Err(Error::Misuse(_))
    ));
}

// --- PublicMessage: one broken rule each ---

#[test]
fn public_wrong_group_id() {
    let f = fixture();
    let mut content = f.content(Sender::Member(1), remove());
    content.group_id = VLBytes::new(b"other".to_vec());
    let m = f.public(&f.signers[1], content);
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::GroupIdMismatch
    );
}

#[test]
fn public_wrong_epoch() {
    let f = fixture();
    let mut content = f.content(Sender::Member(1), remove());
    content.epoch = 6;
    let m = f.public(&f.signers[1], content);
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::EpochMismatch {
            message: 6,
            current: 7
        }
    );
}

#[test]
fn public_application_data_is_refused() {
    let f = fixture();
    let m = f.public(&f.signers[1], f.content(Sender::Member(1), application()));
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::ApplicationAsPublicMessage
    );
}

#[test]
fn public_external_sender_cannot_commit() {
    let f = fixture();
    let m = f.public(&f.external, f.content(Sender::External(0), empty_commit()));
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::SenderNotAllowedForContentType {
            sender_type: SenderType::External,
            content_type: ContentType::Commit
        }
    );
}

#[test]
fn public_new_member_commit_must_be_a_commit() {
    let f = fixture();
    let m = f.public(&f.external, f.content(Sender::NewMemberCommit, remove()));
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::SenderNotAllowedForContentType {
            sender_type: SenderType::NewMemberCommit,
            content_type: ContentType::Proposal
        }
    );
}

#[test]
fn public_new_member_proposal_must_be_an_add() {
    let f = fixture();
    let m = f.public(&f.external, f.content(Sender::NewMemberProposal, remove()));
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::NewMemberProposalNotAdd
    );
}

#[test]
fn public_new_member_commit_needs_a_path() {
    let f = fixture();
    let m = f.public(
        &f.external,
        f.content(Sender::NewMemberCommit, empty_commit()),
    );
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::NewMemberCommitWithoutPath
    );
}

#[test]
fn public_unknown_external_sender() {
    let f = fixture();
    let m = f.public(&f.external, f.content(Sender::External(3), remove()));
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::UnknownExternalSender { index: 3 }
    );
}

#[test]
fn public_wrong_membership_tag() {
    let f = fixture();
    let mut m = f.member_public(remove());
    m.membership_tag = m.membership_tag.as_ref().map(flip_last);
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::MembershipTagMismatch
    );
}

#[test]
fn public_missing_membership_tag() {
    let f = fixture();
    let mut m = f.member_public(remove());
    m.membership_tag = None;
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::MembershipTagMismatch
    );
}

#[test]
fn public_membership_tag_of_another_epoch_key() {
    let f = fixture();
    let m = f.member_public(remove());
    let other_key = Secret::new(vec![0xEE; f.cs.hash_len()]);
    let keys = EpochKeys {
        membership_key: &other_key,
        ..f.keys()
    };
    assert_eq!(
        protocol_error(unprotect_public(&keys, &f.members, m)),
        ProtocolError::MembershipTagMismatch
    );
}

#[test]
fn public_bad_signature() {
    let f = fixture();
    let mut ac = f.sign(
        &f.signers[1],
        WireFormat::PUBLIC_MESSAGE,
        f.content(Sender::Member(1), remove()),
    );
    ac.auth.signature = flip_last(&ac.auth.signature);
    // The membership tag is recomputed over the broken signature, so only
    // the signature is wrong.
    let m = f.with_tag(ac);
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::InvalidContentSignature
    );
}

#[test]
fn public_signed_by_another_member() {
    let f = fixture();
    let m = f.public(&f.signers[2], f.content(Sender::Member(1), remove()));
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::InvalidContentSignature
    );
}

#[test]
fn public_sender_leaf_out_of_range() {
    let f = fixture();
    let m = f.public(&f.signers[1], f.content(Sender::Member(4), remove()));
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::SenderLeafOutOfRange { leaf: 4 }
    );
}

#[test]
fn public_sender_leaf_blank() {
    let f = fixture();
    let m = f.public(&f.signers[0], f.content(Sender::Member(0), remove()));
    assert_eq!(
        protocol_error(f.unprotect_public(&m)),
        ProtocolError::SenderLeafBlank { leaf: 0 }
    );
}

// --- PrivateMessage: one broken rule each ---

#[test]
fn private_wrong_group_id() {
    let f = fixture();
    let mut m = f.member_private(&mut f.tree(), application());
    m.group_id = VLBytes::new(b"other".to_vec());
    assert_eq!(
        protocol_error(f.unprotect_private(&mut f.tree(), &m)),
        ProtocolError::GroupIdMismatch
    );
}

#[test]
fn private_wrong_epoch() {
    let f = fixture();
    let mut m = f.member_private(&mut f.tree(), application());
    m.epoch = 8;
    assert_eq!(
        protocol_error(f.unprotect_private(&mut f.tree(), &m)),
        ProtocolError::EpochMismatch {
            message: 8,
            current: 7
        }
    );
}

#[test]
fn private_sender_data_tampered() {
    let f = fixture();
    let mut m = f.member_private(&mut f.tree(), application());
    m.encrypted_sender_data = flip_last(&m.encrypted_sender_data);
    assert_eq!(
        protocol_error(f.unprotect_private(&mut f.tree(), &m)),
        ProtocolError::SenderDataDecryptionFailed
    );
}

#[test]
fn private_content_type_changed_breaks_sender_data_aad() {
    let f = fixture();
    let mut m = f.member_private(&mut f.tree(), remove());
    m.content_type = ContentType::Commit;
    assert_eq!(
        protocol_error(f.unprotect_private(&mut f.tree(), &m)),
        ProtocolError::SenderDataDecryptionFailed
    );
}

#[test]
fn private_sender_leaf_out_of_range() {
    let f = fixture();
    // A sender tree wider than the receiver's view of the group.
    let mut wide =
        SecretTree::new(f.encryption_secret.clone(), 8, SecretTreeConfig::default()).unwrap();
    let m = f.private_by_hand(&mut wide, 5, application(), |_| {});
    assert_eq!(
        protocol_error(f.unprotect_private(&mut f.tree(), &m)),
        ProtocolError::SenderLeafOutOfRange { leaf: 5 }
    );
}

#[test]
fn private_sender_leaf_blank() {
    let f = fixture();
    let m = f.private_by_hand(&mut f.tree(), 0, application(), |_| {});
    assert_eq!(
        protocol_error(f.unprotect_private(&mut f.tree(), &m)),
        ProtocolError::SenderLeafBlank { leaf: 0 }
    );
}

#[test]
fn private_content_tampered_does_not_consume_the_key() {
    let f = fixture();
    let good = f.member_private(&mut f.tree(), application());
    let mut bad = good.clone();
    // The last byte is in the AEAD tag, outside the sender-data sample.
    bad.ciphertext = flip_last(&bad.ciphertext);
    let mut receiver = f.tree();
    assert_eq!(
        protocol_error(f.unprotect_private(&mut receiver, &bad)),
        ProtocolError::ContentDecryptionFailed
    );
    // The genuine message still decrypts: the failure consumed nothing.
    assert_eq!(
        f.unprotect_private(&mut receiver, &good)
            .unwrap()
            .content
            .content,
        application()
    );
}

#[test]
fn private_non_zero_padding() {
    let f = fixture();
    let m = f.private_by_hand(&mut f.tree(), 1, application(), |p| {
        if let Some(b) = p.last_mut() {
            *b = 1;
        }
    });
    assert_eq!(
        protocol_error(f.unprotect_private(&mut f.tree(), &m)),
        ProtocolError::NonZeroPadding
    );
    // The same message with zero padding is accepted.
    let m = f.private_by_hand(&mut f.tree(), 1, application(), |_| {});
    assert!(f.unprotect_private(&mut f.tree(), &m).is_ok());
}

#[test]
fn private_bad_signature() {
    let f = fixture();
    // Signed by member 2 but sent as leaf 1.
    let ac = f.sign(
        &f.signers[2],
        WireFormat::PRIVATE_MESSAGE,
        f.content(Sender::Member(1), application()),
    );
    let m = protect_private(&f.keys(), &mut f.tree(), &ac, PaddingPolicy::None).unwrap();
    assert_eq!(
        protocol_error(f.unprotect_private(&mut f.tree(), &m)),
        ProtocolError::InvalidContentSignature
    );
}

#[test]
fn private_signature_covers_the_wire_format() {
    let f = fixture();
    // Signed as if for a PublicMessage, sent as a PrivateMessage.
    let ac = f.sign(
        &f.signers[1],
        WireFormat::PUBLIC_MESSAGE,
        f.content(Sender::Member(1), remove()),
    );
    let ac = AuthenticatedContent {
        wire_format: WireFormat::PRIVATE_MESSAGE,
        ..ac
    };
    let m = protect_private(&f.keys(), &mut f.tree(), &ac, PaddingPolicy::None).unwrap();
    assert_eq!(
        protocol_error(f.unprotect_private(&mut f.tree(), &m)),
        ProtocolError::InvalidContentSignature
    );
}

#[test]
fn private_replay_is_refused() {
    let f = fixture();
    let m = f.member_private(&mut f.tree(), application());
    let mut receiver = f.tree();
    f.unprotect_private(&mut receiver, &m).unwrap();
    assert_eq!(
        protocol_error(f.unprotect_private(&mut receiver, &m)),
        ProtocolError::GenerationAlreadyUsed { generation: 0 }
    );
}

#[test]
fn private_generation_too_far_ahead() {
    let f = fixture();
    let config = SecretTreeConfig {
        max_skipped_keys_kept: 10,
        max_generation_jump: 5,
    };
    let mut sender = f.tree();
    let msgs: Vec<_> = (0..7)
        .map(|_| f.member_private(&mut sender, application()))
        .collect();
    let mut receiver = f.tree_with(config);
    assert_eq!(
        protocol_error(f.unprotect_private(&mut receiver, &msgs[6])),
        ProtocolError::GenerationTooFarAhead {
            generation: 6,
            next: 0
        }
    );
    // A jump of exactly the maximum is fine.
    assert!(f.unprotect_private(&mut receiver, &msgs[5]).is_ok());
    assert!(f.unprotect_private(&mut receiver, &msgs[6]).is_ok());
}

#[test]
fn private_out_of_order_within_and_outside_the_window() {
    let f = fixture();
    let config = SecretTreeConfig {
        max_skipped_keys_kept: 2,
        max_generation_jump: 100,
    };
    let mut sender = f.tree();
    let msgs: Vec<_> = (0..5)
        .map(|_| f.member_private(&mut sender, application()))
        .collect();
    let mut receiver = f.tree_with(config);
    // Generation 4 first: 2 and 3 are kept, 0 and 1 are not.
    f.unprotect_private(&mut receiver, &msgs[4]).unwrap();
    assert_eq!(
        protocol_error(f.unprotect_private(&mut receiver, &msgs[0])),
        ProtocolError::GenerationOutOfWindow {
            generation: 0,
            next: 5
        }
    );
    f.unprotect_private(&mut receiver, &msgs[3]).unwrap();
    f.unprotect_private(&mut receiver, &msgs[2]).unwrap();
    assert_eq!(
        protocol_error(f.unprotect_private(&mut receiver, &msgs[2])),
        ProtocolError::GenerationAlreadyUsed { generation: 2 }
    );
}

#[test]
fn handshake_and_application_ratchets_are_separate() {
    let f = fixture();
    let mut sender = f.tree();
    let a = f.member_private(&mut sender, application());
    let h = f.member_private(&mut sender, remove());
    let mut receiver = f.tree();
    // Both are generation 0 of their own ratchet.
    f.unprotect_private(&mut receiver, &h).unwrap();
    f.unprotect_private(&mut receiver, &a).unwrap();
}

// --- any single bit flip is refused, and nothing panics ---

#[test]
fn every_bit_flip_of_a_message_is_refused() {
    use conclave_core::codec::decode_exact;
    let f = fixture();
    let public = MlsMessage::new(MlsMessageBody::PublicMessage(
        f.member_public(empty_commit()),
    ));
    let private = MlsMessage::new(MlsMessageBody::PrivateMessage(
        f.member_private(&mut f.tree(), application()),
    ));
    for message in [public, private] {
        let bytes = encode(&message).unwrap();
        // The unmodified message is accepted.
        unprotect(&f.keys(), &f.members, &mut f.tree(), message).unwrap();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut m = bytes.clone();
                m[i] ^= 1 << bit;
                if let Ok(decoded) = decode_exact::<MlsMessage>(&m) {
                    let r = unprotect(&f.keys(), &f.members, &mut f.tree(), decoded);
                    assert!(r.is_err(), "flip of bit {bit} of byte {i} was accepted");
                }
            }
        }
    }
}

// --- big PublicMessages: the signature checked beside the caller's work ---

/// A member's Remove proposal carrying `aad_len` bytes of authenticated
/// data, as received bytes of an MLSMessage.
fn big_public(f: &Fixture, aad_len: usize, edit: impl FnOnce(&mut PublicMessage)) -> Vec<u8> {
    let mut content = f.content(Sender::Member(SENDER), remove());
    content.authenticated_data = VLBytes::new(vec![0x5A; aad_len]);
    let mut m = f.public(&f.signers[SENDER as usize], content);
    edit(&mut m);
    encode(&MlsMessage::new(MlsMessageBody::PublicMessage(m))).unwrap()
}

/// Runs `unprotect_received_then` on received bytes with `then`, counting
/// whether `then` ran.
fn received_then(
    f: &Fixture,
    bytes: &[u8],
    then: impl FnOnce() -> Result<u32, Error>,
) -> (Result<u32, Error>, bool) {
    let message = conclave_core::codec::decode_exact::<MlsMessage>(bytes).unwrap();
    let mut ran = false;
    let result = unprotect_received_then(
        &f.keys(),
        &f.members,
        &mut f.tree(),
        message,
        bytes,
        |received| {
            ran = true;
            assert_eq!(received.content.content.sender, Sender::Member(SENDER));
            then()
        },
    )
    .map(|(_, out)| out);
    (result, ran)
}

fn protocol_of(result: Result<u32, Error>) -> ProtocolError {
    match result {
        Err(Error::Protocol(e)) => e,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

#[test]
fn big_public_messages_run_the_callers_check_beside_the_signature() {
    let f = fixture();
    for aad_len in [10, 100_000] {
        let bytes = big_public(&f, aad_len, |_| {});
        let (result, ran) = received_then(&f, &bytes, || Ok(42));
        assert_eq!(result.unwrap(), 42);
        assert!(ran);
        // The caller's own error comes back when the message is good.
        let (result, _) = received_then(&f, &bytes, || Err(Error::Internal("caller")));
        assert!(matches!(result, Err(Error::Internal("caller"))));
    }
}

#[test]
fn big_public_bad_signature_wins_over_the_callers_result() {
    let f = fixture();
    for aad_len in [10, 100_000] {
        let bytes = big_public(&f, aad_len, |m| {
            m.auth.signature = flip_last(&m.auth.signature)
        });
        // Re-tag: only the signature is wrong.
        let message = conclave_core::codec::decode_exact::<MlsMessage>(&bytes).unwrap();
        let MlsMessageBody::PublicMessage(m) = message.body else {
            unreachable!()
        };
        let bytes = encode(&MlsMessage::new(MlsMessageBody::PublicMessage(f.with_tag(
            AuthenticatedContent {
                wire_format: WireFormat::PUBLIC_MESSAGE,
                content: m.content,
                auth: m.auth,
            },
        ))))
        .unwrap();
        for then in [Ok(1), Err(Error::Internal("caller"))] {
            let (result, _) = received_then(&f, &bytes, || then);
            assert_eq!(protocol_of(result), ProtocolError::InvalidContentSignature);
        }
    }
}

#[test]
fn big_public_wrong_membership_tag_is_refused_before_the_callers_check() {
    let f = fixture();
    for aad_len in [10, 100_000] {
        let bytes = big_public(&f, aad_len, |m| {
            m.membership_tag = m.membership_tag.as_ref().map(flip_last);
        });
        let (result, ran) = received_then(&f, &bytes, || Ok(1));
        assert_eq!(protocol_of(result), ProtocolError::MembershipTagMismatch);
        assert!(!ran);
    }
}
