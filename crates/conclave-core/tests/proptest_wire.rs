//! Property tests of the wire codec (RFC 9420 §2.1) for every wire struct
//! that can be received: values built with `arbitrary` (the `arbitrary`
//! feature of conclave-core) from proptest's random bytes.
//!
//! - Round trip: `decode(encode(x)) == x`, and re-encoding gives the same
//!   bytes.
//! - Mutation: the encoding of a random value, with one byte changed, bytes
//!   cut off or inserted, never makes the decoder panic; when it decodes,
//!   the input was the canonical encoding of what came out.
//!
//! The three structs whose encoding depends on other fields (the
//! `confirmation_tag` of a commit, the `membership_tag` of a member's
//! PublicMessage, §6.1 and §6.2) are first made consistent: an
//! inconsistent value has no encoding that decodes back to it.

use arbitrary::{Arbitrary, Unstructured};
use conclave_core::codec::{decode_exact, DeserializeBytes, Serialize, VLBytes};
use conclave_core::crypto::CipherSuite;
use conclave_core::wire::*;
use proptest::prelude::*;

/// Random input for `arbitrary`: up to 4 KiB.
fn entropy() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..4096)
}

/// A change to an encoding.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR the byte at (position mod length) with a non-zero value.
    Flip(usize, u8),
    /// Keep only the first (position mod length) bytes.
    Truncate(usize),
    /// Insert a byte at (position mod length + 1).
    Insert(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
    ]
}

fn mutate(mut bytes: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let len = bytes.len();
    match *m {
        Mutation::Flip(i, x) if len > 0 => bytes[i % len] ^= x,
        Mutation::Flip(..) => {}
        Mutation::Truncate(i) => bytes.truncate(i % (len + 1)),
        Mutation::Insert(i, b) => bytes.insert(i % (len + 1), b),
    }
    bytes
}

/// Makes the tags that the wire format ties to other fields consistent.
trait Consistent {
    fn make_consistent(&mut self) {}
}

fn fix_auth(content: &FramedContent, auth: &mut FramedContentAuthData) {
    if content.content_type() == ContentType::Commit {
        auth.confirmation_tag
            .get_or_insert_with(|| VLBytes::new(Vec::new()));
    } else {
        auth.confirmation_tag = None;
    }
}

impl Consistent for AuthenticatedContent {
    fn make_consistent(&mut self) {
        fix_auth(&self.content, &mut self.auth);
    }
}

impl Consistent for PublicMessage {
    fn make_consistent(&mut self) {
        fix_auth(&self.content, &mut self.auth);
        if matches!(self.content.sender, Sender::Member(_)) {
            self.membership_tag
                .get_or_insert_with(|| VLBytes::new(Vec::new()));
        } else {
            self.membership_tag = None;
        }
    }
}

impl Consistent for MlsMessage {
    fn make_consistent(&mut self) {
        if let MlsMessageBody::PublicMessage(m) = &mut self.body {
            m.make_consistent();
        }
    }
}

macro_rules! consistent_as_is {
    ($($t:ty),* $(,)?) => { $(impl Consistent for $t {})* };
}

consistent_as_is!(
    ProtocolVersion,
    WireFormat,
    ExtensionType,
    ProposalType,
    CredentialType,
    CipherSuite,
    Certificate,
    Credential,
    Extension,
    ApplicationId,
    RatchetTreeExtension,
    RequiredCapabilities,
    ExternalPub,
    ExternalSender,
    SenderType,
    Sender,
    ContentType,
    FramedContent,
    GroupContext,
    GroupInfo,
    KeyPackage,
    Capabilities,
    Lifetime,
    LeafNodeSource,
    LeafNode,
    PrivateMessage,
    SenderData,
    Add,
    Update,
    Remove,
    PreSharedKey,
    ReInit,
    ExternalInit,
    GroupContextExtensions,
    Proposal,
    ProposalOrRef,
    ResumptionPskUsage,
    Psk,
    PreSharedKeyId,
    ParentNode,
    Node,
    HpkeCiphertext,
    UpdatePathNode,
    UpdatePath,
    PathSecret,
    GroupSecrets,
    EncryptedGroupSecrets,
    Welcome,
    Commit,
    Vec<Option<Node>>,
);

/// A random, consistent `T` from `entropy`, if `arbitrary` makes one.
fn value<T>(entropy: &[u8]) -> Option<T>
where
    T: for<'a> Arbitrary<'a> + Consistent,
{
    let mut x = T::arbitrary(&mut Unstructured::new(entropy)).ok()?;
    x.make_consistent();
    Some(x)
}

fn round_trip<T>(entropy: &[u8]) -> Result<(), TestCaseError>
where
    T: for<'a> Arbitrary<'a>
        + Consistent
        + Serialize
        + DeserializeBytes
        + PartialEq
        + core::fmt::Debug,
{
    let Some(x) = value::<T>(entropy) else {
        return Ok(());
    };
    let bytes = x.tls_serialize_detached().expect("a value encodes");
    let y: T = decode_exact(&bytes).map_err(|e| {
        TestCaseError::fail(format!("{x:?} does not decode from its encoding: {e}"))
    })?;
    prop_assert_eq!(&y, &x);
    prop_assert_eq!(y.tls_serialize_detached().expect("a value encodes"), bytes);
    Ok(())
}

fn mutated<T>(entropy: &[u8], m: &Mutation) -> Result<(), TestCaseError>
where
    T: for<'a> Arbitrary<'a> + Consistent + Serialize + DeserializeBytes,
{
    let Some(x) = value::<T>(entropy) else {
        return Ok(());
    };
    let bytes = mutate(x.tls_serialize_detached().expect("a value encodes"), m);
    if let Ok(y) = decode_exact::<T>(&bytes) {
        prop_assert_eq!(
            y.tls_serialize_detached().expect("a value encodes"),
            bytes,
            "accepted a non-canonical encoding"
        );
    }
    Ok(())
}

macro_rules! wire_properties {
    ($($name:ident: $t:ty,)*) => {
        mod round_trip {
            use super::*;
            proptest! {
                $(
                    #[test]
                    fn $name(e in entropy()) {
                        round_trip::<$t>(&e)?;
                    }
                )*
            }
        }
        mod mutation {
            use super::*;
            proptest! {
                $(
                    #[test]
                    fn $name(e in entropy(), m in mutation()) {
                        mutated::<$t>(&e, &m)?;
                    }
                )*
            }
        }
    };
}

wire_properties! {
    protocol_version: ProtocolVersion,
    wire_format: WireFormat,
    extension_type: ExtensionType,
    proposal_type: ProposalType,
    credential_type: CredentialType,
    cipher_suite: CipherSuite,
    certificate: Certificate,
    credential: Credential,
    extension: Extension,
    application_id: ApplicationId,
    ratchet_tree_extension: RatchetTreeExtension,
    required_capabilities: RequiredCapabilities,
    external_pub: ExternalPub,
    external_sender: ExternalSender,
    sender_type: SenderType,
    sender: Sender,
    content_type: ContentType,
    framed_content: FramedContent,
    authenticated_content: AuthenticatedContent,
    public_message: PublicMessage,
    group_context: GroupContext,
    group_info: GroupInfo,
    key_package: KeyPackage,
    capabilities: Capabilities,
    lifetime: Lifetime,
    leaf_node_source: LeafNodeSource,
    leaf_node: LeafNode,
    mls_message: MlsMessage,
    private_message: PrivateMessage,
    sender_data: SenderData,
    add: Add,
    update: Update,
    remove: Remove,
    pre_shared_key: PreSharedKey,
    re_init: ReInit,
    external_init: ExternalInit,
    group_context_extensions: GroupContextExtensions,
    proposal: Proposal,
    proposal_or_ref: ProposalOrRef,
    resumption_psk_usage: ResumptionPskUsage,
    psk: Psk,
    pre_shared_key_id: PreSharedKeyId,
    parent_node: ParentNode,
    node: Node,
    hpke_ciphertext: HpkeCiphertext,
    update_path_node: UpdatePathNode,
    update_path: UpdatePath,
    path_secret: PathSecret,
    group_secrets: GroupSecrets,
    encrypted_group_secrets: EncryptedGroupSecrets,
    welcome: Welcome,
    commit: Commit,
    ratchet_tree: Vec<Option<Node>>,
}

proptest! {
    /// Arbitrary bytes: decoding never panics, and what decodes is canonical.
    #[test]
    fn random_bytes_decode_canonically_or_not_at_all(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        fn check<T: Serialize + DeserializeBytes>(bytes: &[u8]) -> Result<(), TestCaseError> {
            if let Ok(v) = decode_exact::<T>(bytes) {
                prop_assert_eq!(v.tls_serialize_detached().expect("a value encodes"), bytes);
            }
            Ok(())
        }
        check::<MlsMessage>(&bytes)?;
        check::<KeyPackage>(&bytes)?;
        check::<Welcome>(&bytes)?;
        check::<GroupInfo>(&bytes)?;
        check::<Vec<Option<Node>>>(&bytes)?;
        check::<GroupSecrets>(&bytes)?;
        check::<Commit>(&bytes)?;
        check::<Proposal>(&bytes)?;
        check::<LeafNode>(&bytes)?;
        check::<SenderData>(&bytes)?;
        check::<FramedContent>(&bytes)?;
        check::<AuthenticatedContent>(&bytes)?;
    }
}
