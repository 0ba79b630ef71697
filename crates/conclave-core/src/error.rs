//! Errors, classified by who is at fault.
//!
//! - [`Error::Malformed`]: the input does not decode (RFC 9420 §2.1 presentation language).
//! - [`Error::Protocol`]: the input decodes but a peer broke a rule of the protocol; the
//!   [`ProtocolError`] variant names the rule (each MUST check has its own variant).
//! - [`Error::Unsupported`]: valid MLS that this implementation or its provider does not do.
//! - [`Error::Misuse`]: the caller asked for something that cannot be done in this state.
//! - [`Error::Crypto`]: a cryptographic operation failed (bad key, failed decryption, ...).
//! - [`Error::Internal`]: a bug in Conclave; never expected.
//!
//! No error ever carries secret material.

use crate::crypto::CryptoError;

/// Every error Conclave's core returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not decode as the expected structure.
    #[error("malformed input: {0}")]
    Malformed(#[from] crate::codec::DecodeError),
    /// A peer broke a rule of the protocol.
    #[error("protocol violation: {0}")]
    Protocol(#[from] ProtocolError),
    /// Valid MLS that is not supported here.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The caller used the API in a way that cannot work.
    #[error("misuse: {0}")]
    Misuse(String),
    /// A cryptographic operation failed.
    #[error("crypto failure: {0}")]
    Crypto(#[from] CryptoError),
    /// A bug in Conclave.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// A named rule of RFC 9420 that a peer's input broke. Each variant documents
/// the section that states the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// §6.1: a PublicMessage carried application data.
    #[error("application data must not be sent as a PublicMessage (RFC 9420 §6.1)")]
    ApplicationAsPublicMessage,

    // --- wire structs (wire/) ---
    /// §13.4: "Any field containing a list of extensions MUST NOT have more
    /// than one extension of any given type."
    #[error("extension type {:#06x} appears twice in one list (RFC 9420 §13.4)", .0 .0)]
    DuplicateExtension(crate::wire::ExtensionType),

    // --- ratchet tree and TreeKEM (tree/, issue 4) ---
    /// §12.4.3.3: a `ratchet_tree` must hold at least one node.
    #[error("the ratchet tree is empty (RFC 9420 §12.4.3.3)")]
    EmptyRatchetTree,
    /// §12.4.3.3: "The receiver MUST check that the last node in
    /// `ratchet_tree` is non-blank."
    #[error("the ratchet tree ends with a blank node (RFC 9420 §12.4.3.3)")]
    TrailingBlankNode,
    /// §12.4.3.3, Appendix C: leaves sit at even indices, parents at odd ones.
    #[error("node {node} is of the wrong type for its position (RFC 9420 §12.4.3.3)")]
    NodeTypeAtWrongPosition {
        /// The node index.
        node: u32,
    },
    /// §7.7, Appendix C: the tree has more leaves than node indices can address.
    #[error("the ratchet tree is too large (RFC 9420 §7.7)")]
    RatchetTreeTooLarge,
    /// §8.1, §12.4.3.1: the tree's root hash differs from the GroupContext's `tree_hash`.
    #[error("the ratchet tree does not match the tree hash (RFC 9420 §12.4.3.1)")]
    TreeHashMismatch,
    /// §7.9.2: a non-blank parent node is not parent-hash valid with respect
    /// to exactly one of its descendants.
    #[error("parent node {node} is not parent-hash valid (RFC 9420 §7.9.2)")]
    ParentHashInvalid {
        /// The node index.
        node: u32,
    },
    /// §7.9.2: the `parent_hash` of a committer's new leaf differs from the
    /// parent hash computed over its filtered direct path.
    #[error("the committer's leaf parent hash does not match its path (RFC 9420 §7.9.2)")]
    LeafParentHashMismatch,
    /// §7.1: "The entries in the `unmerged_leaves` vector MUST be sorted in
    /// increasing order."
    #[error("unmerged leaves of node {node} are not sorted (RFC 9420 §7.1)")]
    UnmergedLeavesNotSorted {
        /// The node index.
        node: u32,
    },
    /// §12.4.3.1: an unmerged leaf must be a non-blank leaf below the node.
    #[error("unmerged leaf {leaf} of node {node} is blank or not below it (RFC 9420 §12.4.3.1)")]
    UnmergedLeafNotBelow {
        /// The parent node index.
        node: u32,
        /// The unmerged leaf index.
        leaf: u32,
    },
    /// §12.4.3.1: every non-blank node between an unmerged leaf and the
    /// parent listing it must list it too.
    #[error(
        "node {between} does not list unmerged leaf {leaf} of node {node} (RFC 9420 §12.4.3.1)"
    )]
    UnmergedLeafNotListed {
        /// The parent node listing the leaf.
        node: u32,
        /// The leaf index.
        leaf: u32,
        /// The intermediate node that does not list it.
        between: u32,
    },
    /// §7.3, §12.4.3.1: encryption keys are unique among the tree's nodes.
    #[error("encryption key of node {node} appears twice in the tree (RFC 9420 §7.3)")]
    DuplicateEncryptionKey {
        /// The node index of the second occurrence.
        node: u32,
    },
    /// §7.3: signature keys are unique among the members.
    #[error("signature key of leaf {leaf} appears twice in the tree (RFC 9420 §7.3)")]
    DuplicateSignatureKey {
        /// The leaf index of the second occurrence.
        leaf: u32,
    },
    /// §7.3: the LeafNode signature does not verify.
    #[error("the signature of leaf {leaf} does not verify (RFC 9420 §7.3)")]
    InvalidLeafSignature {
        /// The leaf index (or the position of the leaf being checked).
        leaf: u32,
    },
    /// §7.3, §12.1: a leaf's capabilities lack the group's ciphersuite or
    /// protocol version.
    #[error("leaf capabilities lack the group's ciphersuite or version (RFC 9420 §7.3)")]
    LeafLacksSuiteOrVersion,
    /// §7.2, §7.3: an extension of the leaf is not listed in its capabilities.
    #[error("leaf extension type {0:#06x} is not in its capabilities (RFC 9420 §7.3)")]
    LeafExtensionNotInCapabilities(u16),
    /// §7.2: the leaf's credential type is not in its own capabilities.
    #[error("leaf credential type is not in its capabilities (RFC 9420 §7.2)")]
    LeafCredentialNotInCapabilities,
    /// §7.3: the leaf lacks a capability the group requires (§11.1).
    #[error("leaf lacks a required capability (RFC 9420 §7.3, §11.1)")]
    LeafLacksRequiredCapability,
    /// §7.3: a credential type in use is not supported by every member.
    #[error("credential type {0:#06x} is not supported by every member (RFC 9420 §7.3)")]
    CredentialTypeNotSupportedByAll(u16),
    /// §7.3: the current time is outside the leaf's lifetime.
    #[error("the leaf's lifetime does not cover the current time (RFC 9420 §7.3)")]
    LeafLifetimeInvalid,
    /// §7.3: the leaf's `leaf_node_source` is not the one its context requires.
    #[error("unexpected leaf_node_source (RFC 9420 §7.3)")]
    UnexpectedLeafNodeSource,
    /// §7.3: an Update's leaf must change the encryption key.
    #[error("an updated leaf keeps its encryption key (RFC 9420 §7.3)")]
    UpdateKeepsEncryptionKey,
    /// §7.6: an UpdatePath must hold one node per filtered direct path node.
    #[error("the UpdatePath has {got} nodes, the filtered direct path {expected} (RFC 9420 §7.6)")]
    UpdatePathLength {
        /// Nodes expected.
        expected: usize,
        /// Nodes received.
        got: usize,
    },
    /// §7.6: one ciphertext per resolution node (new members excluded).
    #[error(
        "UpdatePath node {index} has {got} ciphertexts, the resolution {expected} (RFC 9420 §7.6)"
    )]
    UpdatePathCiphertextCount {
        /// Position in the UpdatePath.
        index: usize,
        /// Ciphertexts expected.
        expected: usize,
        /// Ciphertexts received.
        got: usize,
    },
    /// §7.5: a public key derived from a decrypted path secret differs from
    /// the one sent in the UpdatePath.
    #[error("UpdatePath public key of node {node} does not match its path secret (RFC 9420 §7.5)")]
    UpdatePathKeyMismatch {
        /// The node index.
        node: u32,
    },
    /// §12.4.3.1: a path secret was given for a node that is not on the
    /// committer's filtered direct path.
    #[error(
        "path secret for node {node}, which is not on the committer's path (RFC 9420 §12.4.3.1)"
    )]
    PathSecretNodeNotOnPath {
        /// The node index.
        node: u32,
    },
    /// §7.6: the UpdatePath's sender is not a member.
    #[error("the UpdatePath sender is not a member (RFC 9420 §7.6)")]
    UpdatePathSenderNotMember,
    // --- Key schedule, secret tree and message protection (schedule/, framing/) ---
    /// §8.2, §6.1: a confirmation tag does not match
    /// `MAC(confirmation_key, confirmed_transcript_hash)`.
    #[error("confirmation tag mismatch (RFC 9420 §8.2)")]
    ConfirmationTagMismatch,
    /// §9.2: the key of this generation was already used and deleted
    /// (a replayed or duplicated message).
    #[error("generation {generation} was already used (RFC 9420 §9.2)")]
    GenerationAlreadyUsed {
        /// The generation of the message.
        generation: u32,
    },
    /// §9.2: the generation's key was dropped by the bounded window of
    /// skipped keys (too old, or evicted by newer ones), if it was ever kept.
    #[error(
        "generation {generation} is older than the kept window (next is {next}) (RFC 9420 §9.2)"
    )]
    GenerationOutOfWindow {
        /// The generation of the message.
        generation: u32,
        /// The ratchet's next generation.
        next: u32,
    },
    /// §9.2: the generation is further ahead than the configured maximum jump.
    #[error("generation {generation} is too far ahead of {next} (RFC 9420 §9.2)")]
    GenerationTooFarAhead {
        /// The generation of the message.
        generation: u32,
        /// The ratchet's next generation.
        next: u32,
    },
    /// §9.1: a ratchet has used all 2^32 generations.
    #[error("the ratchet has no generations left (RFC 9420 §9.1)")]
    GenerationsExhausted,
    /// §6.3.2: the sender's leaf index lies outside the tree.
    #[error("sender leaf {leaf} is outside the tree (RFC 9420 §6.3.2)")]
    SenderLeafOutOfRange {
        /// The leaf index of the sender.
        leaf: u32,
    },
    /// §8.4, §12.2: a PreSharedKeyID names a PSK whose value is not known.
    #[error("PSK {index} of the list is unknown (RFC 9420 §8.4)")]
    UnknownPsk {
        /// The PSK's position in the list.
        index: usize,
    },
    /// §6: a framed message's protocol version is not the group's.
    #[error("message version {message} is not the group's version {group} (RFC 9420 §6)")]
    VersionMismatch {
        /// The version in the message.
        message: u16,
        /// The group's version.
        group: u16,
    },
    /// §12.4.2, §6: the message's `group_id` is not the group's.
    #[error("the message is for another group (RFC 9420 §6)")]
    GroupIdMismatch,
    /// §12.4.2: the message's `epoch` is not the epoch of the keys used.
    #[error(
        "the message is for epoch {message}, not the current epoch {current} (RFC 9420 §12.4.2)"
    )]
    EpochMismatch {
        /// The epoch in the message.
        message: u64,
        /// The epoch of the keys.
        current: u64,
    },
    /// §6.1: external senders and new members by proposal may only send
    /// proposals, new members by commit only commits.
    #[error("a {sender_type:?} sender cannot send {content_type:?} content (RFC 9420 §6.1)")]
    SenderNotAllowedForContentType {
        /// The sender's type.
        sender_type: crate::wire::SenderType,
        /// The content type.
        content_type: crate::wire::ContentType,
    },
    /// §6.1: a `new_member_proposal` sender's proposal MUST be an Add.
    #[error("a new_member_proposal sender may only propose an Add (RFC 9420 §6.1)")]
    NewMemberProposalNotAdd,
    /// §6.1, §12.4.3.2: a `new_member_commit` needs a path, whose leaf node
    /// holds the signature key.
    #[error("a new_member_commit commit has no path (RFC 9420 §12.4.3.2)")]
    NewMemberCommitWithoutPath,
    /// §6.1: an `external` sender's index is not in `external_senders`.
    #[error("external sender {index} is unknown (RFC 9420 §12.1.8.1)")]
    UnknownExternalSender {
        /// The sender index.
        index: u32,
    },
    /// §6.3.2: the sender's leaf is blank.
    #[error("sender leaf {leaf} is blank (RFC 9420 §6.3.2)")]
    SenderLeafBlank {
        /// The leaf index of the sender.
        leaf: u32,
    },
    /// §6.2: a member's PublicMessage has a wrong (or no) membership tag.
    #[error("membership tag mismatch (RFC 9420 §6.2)")]
    MembershipTagMismatch,
    /// §6.1: the content's signature does not verify with the sender's key.
    #[error("the content signature does not verify (RFC 9420 §6.1)")]
    InvalidContentSignature,
    /// §6.3.2: the sender data does not decrypt.
    #[error("the sender data does not decrypt (RFC 9420 §6.3.2)")]
    SenderDataDecryptionFailed,
    /// §6.3.1: the content does not decrypt with the sender's ratchet key.
    #[error("the content does not decrypt (RFC 9420 §6.3.1)")]
    ContentDecryptionFailed,
    /// §6.3.1: a PrivateMessageContent's padding has a non-zero byte.
    #[error("non-zero padding (RFC 9420 §6.3.1)")]
    NonZeroPadding,
    /// §12.4.3.1: the Welcome has no GroupSecrets for our KeyPackage.
    #[error("the Welcome has no entry for this KeyPackage (RFC 9420 §12.4.3.1)")]
    WelcomeNotForKeyPackage,
    /// §12.4.3.1: the GroupSecrets do not decrypt with the init key.
    #[error("the GroupSecrets do not decrypt (RFC 9420 §12.4.3.1)")]
    GroupSecretsDecryptionFailed,
    /// §12.4.3.1: the GroupInfo does not decrypt with the welcome key.
    #[error("the GroupInfo does not decrypt (RFC 9420 §12.4.3.1)")]
    GroupInfoDecryptionFailed,
    /// §12.4.3.1: the GroupInfo's signature does not verify.
    #[error("the GroupInfo signature does not verify (RFC 9420 §12.4.3.1)")]
    InvalidGroupInfoSignature,
    /// §8.4: a `psk_nonce` is not `KDF.Nh` bytes long.
    #[error("psk_nonce {index} is {len} bytes, not Nh (RFC 9420 §8.4)")]
    PskNonceLength {
        /// The PSK's position in the list.
        index: usize,
        /// The nonce's length.
        len: usize,
    },

    // --- KeyPackages and credentials (key_package.rs, credential.rs, issue 5) ---
    /// §10.1: "Verify that the cipher suite and protocol version of the
    /// KeyPackage match those in the GroupContext" (the version half).
    #[error(
        "KeyPackage version {got:#06x} differs from the group's {expected:#06x} (RFC 9420 §10.1)"
    )]
    KeyPackageVersionMismatch {
        /// The group's protocol version.
        expected: u16,
        /// The KeyPackage's protocol version.
        got: u16,
    },
    /// §10.1: the KeyPackage's cipher suite differs from the GroupContext's.
    #[error(
        "KeyPackage cipher suite {got:#06x} differs from the group's {expected:#06x} (RFC 9420 §10.1)"
    )]
    KeyPackageCipherSuiteMismatch {
        /// The group's cipher suite.
        expected: u16,
        /// The KeyPackage's cipher suite.
        got: u16,
    },
    /// §10: "If a client receives a KeyPackage carried within an MLSMessage
    /// object, then it MUST verify that the `version` field of the KeyPackage
    /// has the same value as the `version` field of the MLSMessage."
    #[error("KeyPackage version differs from its MLSMessage's version (RFC 9420 §10)")]
    KeyPackageMessageVersionMismatch,
    /// §10: "A KeyPackage object with an invalid signature field MUST be
    /// considered malformed" (§10.1: verified with the leaf's signature key).
    #[error("the KeyPackage signature does not verify (RFC 9420 §10.1)")]
    InvalidKeyPackageSignature,
    /// §7.3, §10.1: the signature of the KeyPackage's LeafNode does not verify.
    #[error("the signature of the KeyPackage's leaf node does not verify (RFC 9420 §7.3)")]
    InvalidKeyPackageLeafSignature,
    /// §10.1: "Verify that the value of `leaf_node.encryption_key` is
    /// different from the value of the `init_key` field."
    #[error("the KeyPackage's init_key equals its leaf encryption_key (RFC 9420 §10.1)")]
    InitKeyEqualsEncryptionKey,
    /// §10: "Extensions included in the `extensions` or
    /// `leaf_node.extensions` fields MUST be included in the
    /// `leaf_node.capabilities` field" (the `extensions` half; the leaf half
    /// is [`ProtocolError::LeafExtensionNotInCapabilities`]).
    #[error("KeyPackage extension type {0:#06x} is not in its leaf's capabilities (RFC 9420 §10)")]
    KeyPackageExtensionNotInCapabilities(u16),
    /// §10: "The value for `init_key` MUST be a public key for the
    /// asymmetric encryption scheme defined by `cipher_suite`" (checked here
    /// by its length, `Npk` of the suite's KEM).
    #[error("the KeyPackage's init_key is not a public key of its suite's KEM (RFC 9420 §10)")]
    KeyPackageInitKeyInvalid,
    /// §10: "the `leaf_node` field MUST be valid for the cipher suite,
    /// including both the `encryption_key` and `signature_key` fields"
    /// (the encryption key checked by its length; the signature key by the
    /// signatures it must verify).
    #[error("the KeyPackage's leaf encryption_key is not a public key of its suite's KEM (RFC 9420 §10)")]
    KeyPackageEncryptionKeyInvalid,
    /// §13.4: "A client adding a new member to a group MUST verify that the
    /// LeafNode for the new member is compatible with the group's extensions.
    /// The `capabilities` field MUST indicate support for each extension in
    /// the GroupContext."
    #[error("leaf capabilities lack GroupContext extension type {0:#06x} (RFC 9420 §13.4)")]
    LeafLacksGroupContextExtension(u16),
    /// §5.3.1: the Authentication Service (the application's
    /// `IdentityValidator`) rejected a credential. The reason never holds
    /// secret material.
    #[error("credential rejected: {0} (RFC 9420 §5.3.1)")]
    CredentialRejected(String),
    /// §5.3.1: "the AS MUST also verify that the set of presented
    /// identifiers in the new credential is valid as a successor to the set
    /// of presented identifiers in the old credential".
    #[error("the new credential is not a valid successor of the old one: {0} (RFC 9420 §5.3.1)")]
    InvalidSuccessorCredential(String),
    /// §5.3.1, §12.1.8.1: the AS rejected the credential of an external sender.
    #[error("external sender credential rejected: {0} (RFC 9420 §5.3.1)")]
    ExternalSenderRejected(String),
    // --- The group engine (group/, issue 5) ---
    /// §12.4.2: a commit lists a ProposalRef that is not among the proposals
    /// received in this epoch.
    #[error("the commit references an unknown proposal (RFC 9420 §12.4.2)")]
    UnknownProposalRef,
    /// §12.2: "It contains an individual proposal that is invalid as
    /// specified in Section 12.1": an Update or Remove from a sender that
    /// cannot send it, or a Remove of a blank or absent leaf.
    #[error("proposal {index} of the commit is invalid: {why} (RFC 9420 §12.1, §12.2)")]
    InvalidProposal {
        /// The position in the commit's list.
        index: usize,
        /// Which rule of §12.1.
        why: &'static str,
    },
    /// §12.2: "It contains an Update proposal generated by the committer."
    #[error("the commit holds the committer's own Update (RFC 9420 §12.2)")]
    CommitterUpdate,
    /// §12.2: "It contains a Remove proposal that removes the committer."
    #[error("the commit removes the committer (RFC 9420 §12.2)")]
    CommitterRemoved,
    /// §12.2: "It contains multiple Update and/or Remove proposals that
    /// apply to the same leaf."
    #[error("several Update/Remove proposals for leaf {leaf} (RFC 9420 §12.2)")]
    DuplicateUpdateOrRemove {
        /// The leaf index.
        leaf: u32,
    },
    /// §12.2: "It contains multiple Add proposals that contain KeyPackages
    /// that represent the same client according to the application."
    #[error("two Add proposals for the same client (RFC 9420 §12.2)")]
    DuplicateAdd,
    /// §12.2: "It contains an Add proposal that contains a KeyPackage that
    /// represents a client already in the group according to the
    /// application, unless there is a Remove proposal in the list removing
    /// the matching client from the group."
    #[error("an Add for a client already in the group (leaf {leaf}) (RFC 9420 §12.2)")]
    AddOfExistingMember {
        /// The existing member's leaf.
        leaf: u32,
    },
    /// §12.2: "It contains multiple PreSharedKey proposals that reference
    /// the same PreSharedKeyID."
    #[error("two PreSharedKey proposals with the same PreSharedKeyID (RFC 9420 §12.2)")]
    DuplicatePskId,
    /// §12.2: "It contains multiple GroupContextExtensions proposals."
    #[error("several GroupContextExtensions proposals (RFC 9420 §12.2)")]
    MultipleGroupContextExtensions,
    /// §12.2: "It contains a ReInit proposal together with any other proposal."
    #[error("a ReInit proposal together with other proposals (RFC 9420 §12.2)")]
    ReInitWithOtherProposals,
    /// §12.2: "It contains an ExternalInit proposal" (in a regular commit).
    #[error("an ExternalInit proposal in a regular commit (RFC 9420 §12.2)")]
    ExternalInitInRegularCommit,
    /// §12.1.7, §11.1: a GroupContextExtensions proposal names an extension
    /// or a required capability that some member (after the commit's Adds
    /// and Removes) does not support.
    #[error(
        "the new group context extensions are not supported by leaf {leaf} (RFC 9420 §12.1.7)"
    )]
    ExtensionsNotSupportedByMember {
        /// The leaf that lacks support.
        leaf: u32,
    },
    /// §8.6, §12.2: a PreSharedKey proposal of a regular commit names a
    /// resumption PSK whose usage is not `application`.
    #[error("a resumption PSK with usage reinit or branch in a regular commit (RFC 9420 §8.6)")]
    PskUsageNotApplication,
    /// §12.4: the commit has no path although its proposals require one
    /// (empty commit, Update, Remove, ExternalInit, GroupContextExtensions).
    #[error("the commit needs a path (RFC 9420 §12.4)")]
    MissingRequiredPath,
    /// §12.4.2: the committer's new leaf keeps its old encryption key.
    #[error("the committer's new leaf keeps its encryption key (RFC 9420 §12.4.2)")]
    CommitLeafKeepsEncryptionKey,
    /// §12.4.3.1: the Welcome's GroupInfo is for another cipher suite than
    /// the Welcome, or than the KeyPackage.
    #[error("the Welcome's cipher suite differs from the GroupInfo's or the KeyPackage's (RFC 9420 §12.4.3.1)")]
    WelcomeCipherSuiteMismatch,
    /// §12.4.3.1: no ratchet tree was given and the GroupInfo has none.
    #[error("the Welcome comes without a ratchet tree (RFC 9420 §12.4.3.1)")]
    MissingRatchetTree,
    /// §12.4.3.1: the GroupInfo's signer is not a member of the tree.
    #[error("the GroupInfo signer {0} is not a member (RFC 9420 §12.4.3.1)")]
    GroupInfoSignerNotMember(u32),
    /// §12.4.3.1: "Identify a leaf in the tree ... whose LeafNode is
    /// identical to the one in the KeyPackage. If no such field exists,
    /// return an error."
    #[error("the tree holds no leaf identical to our KeyPackage's (RFC 9420 §12.4.3.1)")]
    OwnLeafNotInTree,
    /// §6: a message of an epoch whose keys are no longer (or not yet) held.
    #[error("no keys for epoch {0} (RFC 9420 §6)")]
    UnknownEpoch(u64),
    /// §12.1: a proposal sent by a sender type that may not send it (an
    /// Update from a non-member, a Remove/Add from a new member).
    #[error("a {0:?} sender cannot send this proposal (RFC 9420 §12.1)")]
    ProposalSenderNotAllowed(crate::wire::SenderType),

    // --- External commits, external proposals, ReInit, branching (issue 6) ---
    /// §12.4.3.2: "to join a group via an external Commit, a new member needs
    /// a GroupInfo with an `external_pub` extension".
    #[error("the GroupInfo has no external_pub extension (RFC 9420 §12.4.3.2)")]
    GroupInfoWithoutExternalPub,
    /// §12.2: an external commit "MUST contain ... Exactly one ExternalInit".
    #[error("an external commit holds {count} ExternalInit proposals, not one (RFC 9420 §12.2)")]
    ExternalCommitInitCount {
        /// How many it holds.
        count: usize,
    },
    /// §12.2: an external commit holds only ExternalInit, at most one Remove
    /// and PreSharedKey proposals.
    #[error("an external commit holds a {0:?} proposal (RFC 9420 §12.2)")]
    ExternalCommitProposalNotAllowed(crate::wire::ProposalType),
    /// §12.2: an external commit holds "At most one Remove proposal".
    #[error("an external commit holds more than one Remove (RFC 9420 §12.2)")]
    ExternalCommitMultipleRemoves,
    /// §12.4.3.2: "The Commit MUST NOT include any proposals by reference".
    #[error("an external commit lists a proposal by reference (RFC 9420 §12.4.3.2)")]
    ExternalCommitProposalByReference,
    /// §12.2: the Remove of an external commit must remove the joiner's own
    /// prior leaf: the new leaf must be acceptable as an Update of the
    /// removed leaf (same identity, per the IdentityValidator).
    #[error("an external commit removes a member of another identity (RFC 9420 §12.2)")]
    ExternalCommitRemovesOtherIdentity,
    /// §11.2: after a ReInit commit "the group MUST NOT be used for any
    /// further communication": no message is sent or accepted any more.
    #[error("the group was reinitialized: it accepts no more messages (RFC 9420 §11.2)")]
    GroupReInitialized,
    /// §12.4.3.1: a Welcome to a reinitialized or branched group must be for
    /// epoch 1.
    #[error("a resumption Welcome is for epoch {0}, not 1 (RFC 9420 §12.4.3.1)")]
    ResumptionWelcomeEpoch(u64),
    /// §12.4.3.1: the Welcome's resumption PSK (usage reinit or branch) is
    /// missing or names another group or epoch than the one resumed.
    #[error("the Welcome lacks the expected resumption PSK (RFC 9420 §12.4.3.1)")]
    ResumptionPskMissing,
    /// §12.4.3.1: for a reinit, the old group's last commit must hold a
    /// ReInit whose parameters match the new GroupContext.
    #[error("the new group does not match the old group's ReInit (RFC 9420 §12.4.3.1)")]
    ReInitMismatch,
    /// §11.3: "The `version` and `cipher_suite` values in the Welcome
    /// message are the same as those used by the old group" (the version
    /// half: the Welcome's MLSMessage, or the new GroupContext, has another
    /// protocol version).
    #[error("the branch uses protocol version {branch}, the old group {old} (RFC 9420 §11.3)")]
    BranchVersionMismatch {
        /// The old group's version.
        old: u16,
        /// The branch's version.
        branch: u16,
    },
    /// §11.3: the branch Welcome (or the new GroupContext) is for another
    /// cipher suite than the old group's.
    #[error(
        "the branch uses cipher suite {branch:#06x}, the old group {old:#06x} (RFC 9420 §11.3)"
    )]
    BranchCipherSuiteMismatch {
        /// The old group's suite.
        old: u16,
        /// The branch's suite.
        branch: u16,
    },
    /// §11.3: "Each LeafNode in a new subgroup MUST match some LeafNode in
    /// the original group" (matched by the IdentityValidator's identity).
    #[error("member {leaf} of the branch is not a member of the old group (RFC 9420 §11.3)")]
    BranchMemberNotInOldGroup {
        /// The branch leaf whose identity is not in the old group.
        leaf: u32,
    },
    /// §12.1.5: "A ReInit proposal is invalid if the `version` field is less
    /// than the version for the current group."
    #[error(
        "a ReInit to protocol version {proposed}, below the group's {current} (RFC 9420 §12.1.5)"
    )]
    ReInitVersionDowngrade {
        /// The ReInit's version.
        proposed: u16,
        /// The group's version.
        current: u16,
    },
    /// §12.4.3.2: the Remove of a resync must remove the joiner's own prior
    /// leaf; several leaves present the joiner's identity and the joiner's
    /// signature key does not single one out, so which one is ours cannot
    /// be told (name it with `RemovePrior::Leaf`). Raised on the joiner's
    /// side, before anything is sent.
    #[error("{count} members present our identity; the prior leaf to remove is ambiguous (RFC 9420 §12.4.3.2)")]
    AmbiguousIdentity {
        /// How many leaves present the identity.
        count: usize,
    },

    // --- Resource limits (limits.rs, issue 10) ---
    /// Issue 10, §2.1.2: a received message is longer than the configured
    /// `Limits::max_message_size`; rejected before decoding.
    #[error("the message is {size} bytes, more than the limit of {max}")]
    MessageTooLarge {
        /// The message's length in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Issue 10, §12.4.3.3: a ratchet tree has more nodes than a tree of
    /// `Limits::max_tree_leaves` leaves; rejected before the tree is built.
    #[error("the ratchet tree has {nodes} nodes or more, more than {max_leaves} leaves allow")]
    TreeExceedsLimit {
        /// The node count reached when the tree was rejected.
        nodes: usize,
        /// The limit on leaves.
        max_leaves: u32,
    },
    /// Issue 10, §12.4: a Commit lists more proposals than
    /// `Limits::max_proposals_per_commit`.
    #[error("the commit lists {count} proposals, more than the limit of {max}")]
    TooManyProposals {
        /// How many it lists.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Issue 10, §13: an extension list holds more extensions than
    /// `Limits::max_extensions`.
    #[error("an extension list holds {count} extensions, more than the limit of {max}")]
    TooManyExtensions {
        /// How many it holds.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Issue 10, §13: an extension's `extension_data` is longer than
    /// `Limits::max_extension_size`.
    #[error("extension {extension_type:#06x} holds {size} bytes, more than the limit of {max}")]
    ExtensionTooLarge {
        /// The extension's type.
        extension_type: u16,
        /// Its `extension_data` length.
        size: usize,
        /// The limit.
        max: usize,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
