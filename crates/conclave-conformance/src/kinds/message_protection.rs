//! `message-protection.json`: PublicMessage and PrivateMessage protection
//! and unprotection (RFC 9420 §6), for a proposal, a commit and application
//! data sent by leaf 1 of a two-member group (vector README §2.4).

use std::sync::Arc;

use conclave_core::codec::{decode_exact, encode, VLBytes};
use conclave_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, SignatureKeyPair,
};
use conclave_core::framing::{
    protect_private, protect_public, sign_content, unprotect_private, unprotect_public, EpochKeys,
    MemberKeys, PaddingPolicy,
};
use conclave_core::schedule::{SecretTree, SecretTreeConfig};
use conclave_core::tree::LeafIndex;
use conclave_core::wire::{
    Commit, FramedContent, FramedContentBody, GroupContext, MlsMessage, MlsMessageBody, Proposal,
    ProtocolVersion, Sender, WireFormat,
};
use serde_json::Value;

use super::{suite_of, CaseResult};
use crate::hexjson::{bytes, check_bytes, uint};

/// The sender of every message in the file.
const SENDER: u32 = 1;

/// Two leaves; only the sender's signature key is known.
struct TwoMembers(Vec<u8>);

impl MemberKeys for TwoMembers {
    fn leaf_count(&self) -> u32 {
        2
    }

    fn signature_key(&self, leaf: LeafIndex) -> Option<&[u8]> {
        (leaf.0 == SENDER).then_some(self.0.as_slice())
    }
}

/// A private key as the provider wants it: P-521 keys of the vectors are
/// sometimes 65 bytes, missing their leading zero (vector README §1).
pub fn private_key(cs: &dyn CipherSuiteProvider, mut key: Vec<u8>) -> Secret {
    if cs.cipher_suite() == CipherSuite::P521_AES256GCM_SHA512_P521 && key.len() == 65 {
        key.insert(0, 0);
    }
    Secret::new(key)
}

struct Case<'a> {
    cs: &'a Arc<dyn CipherSuiteProvider>,
    context: GroupContext,
    encryption_secret: Vec<u8>,
    sender_data_secret: Secret,
    membership_key: Secret,
    members: TwoMembers,
    signer: SignatureKeyPair,
}

impl Case<'_> {
    fn keys(&self) -> EpochKeys<'_> {
        EpochKeys {
            cs: self.cs.as_ref(),
            group_context: &self.context,
            membership_key: &self.membership_key,
            sender_data_secret: &self.sender_data_secret,
        }
    }

    fn fresh_tree(&self) -> Result<SecretTree, String> {
        SecretTree::new(
            Secret::new(self.encryption_secret.clone()),
            2,
            SecretTreeConfig::default(),
        )
        .map_err(|e| e.to_string())
    }

    fn framed(&self, body: FramedContentBody) -> FramedContent {
        FramedContent {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            sender: Sender::Member(SENDER),
            authenticated_data: VLBytes::new(Vec::new()),
            content: body,
        }
    }

    /// Signs `body` for `wire_format`, with a stand-in confirmation tag for
    /// a commit (the file gives no confirmation key).
    fn signed(
        &self,
        body: FramedContentBody,
        wire_format: WireFormat,
    ) -> Result<conclave_core::wire::AuthenticatedContent, String> {
        let is_commit = matches!(body, FramedContentBody::Commit(_));
        let mut ac = sign_content(&self.signer, wire_format, self.framed(body), &self.context)
            .map_err(|e| e.to_string())?;
        if is_commit {
            ac.auth.confirmation_tag = Some(VLBytes::new(vec![0x5a; self.cs.hash_len()]));
        }
        Ok(ac)
    }

    /// Runs every check for one of the three contents.
    fn check(&self, name: &str, body: FramedContentBody, case: &Value) -> Result<(), String> {
        let fail = |what: &str, e: conclave_core::Error| format!("{name} {what}: {e}");
        let keys = self.keys();

        // The given PublicMessage (not for application data).
        if case
            .get(format!("{name}_pub"))
            .is_some_and(|v| !v.is_null())
        {
            let msg: MlsMessage =
                decode_exact(&bytes(case, &format!("{name}_pub"))?).map_err(|e| e.to_string())?;
            let MlsMessageBody::PublicMessage(pm) = &msg.body else {
                return Err(format!("{name}_pub is not a PublicMessage"));
            };
            let ac =
                unprotect_public(&keys, &self.members, pm.clone()).map_err(|e| fail("_pub", e))?;
            check_body(&format!("{name}_pub"), &body, &ac.content.content)?;
        }

        // Our own PublicMessage: a round trip, refused for application data.
        let signed = self.signed(body.clone(), WireFormat::PUBLIC_MESSAGE)?;
        match protect_public(&keys, signed) {
            Ok(pm) => {
                if matches!(body, FramedContentBody::Application(_)) {
                    return Err("application data was protected as a PublicMessage".into());
                }
                let pm = decode_exact(&encode(&pm).map_err(|e| e.to_string())?)
                    .map_err(|e| e.to_string())?;
                let ac = unprotect_public(&keys, &self.members, pm)
                    .map_err(|e| fail("public round trip", e))?;
                check_body(
                    &format!("{name} public round trip"),
                    &body,
                    &ac.content.content,
                )?;
            }
            Err(e) => {
                if !matches!(body, FramedContentBody::Application(_)) {
                    return Err(fail("protect_public", e));
                }
            }
        }

        // The given PrivateMessage, with a fresh secret tree.
        let msg: MlsMessage =
            decode_exact(&bytes(case, &format!("{name}_priv"))?).map_err(|e| e.to_string())?;
        let MlsMessageBody::PrivateMessage(pm) = &msg.body else {
            return Err(format!("{name}_priv is not a PrivateMessage"));
        };
        let mut tree = self.fresh_tree()?;
        let ac =
            unprotect_private(&keys, &self.members, &mut tree, pm).map_err(|e| fail("_priv", e))?;
        check_body(&format!("{name}_priv"), &body, &ac.content.content)?;

        // Our own PrivateMessage: the sender's tree and a fresh receiver's.
        let signed = self.signed(body.clone(), WireFormat::PRIVATE_MESSAGE)?;
        let mut sender_tree = self.fresh_tree()?;
        let pm = protect_private(
            &keys,
            &mut sender_tree,
            &signed,
            PaddingPolicy::ToMultipleOf(32),
        )
        .map_err(|e| fail("protect_private", e))?;
        let pm =
            decode_exact(&encode(&pm).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
        let mut receiver_tree = self.fresh_tree()?;
        let ac = unprotect_private(&keys, &self.members, &mut receiver_tree, &pm)
            .map_err(|e| fail("private round trip", e))?;
        check_body(
            &format!("{name} private round trip"),
            &body,
            &ac.content.content,
        )?;
        if ac.auth != signed.auth {
            return Err(format!("{name} private round trip: auth data differs"));
        }
        Ok(())
    }
}

fn check_body(
    what: &str,
    expected: &FramedContentBody,
    got: &FramedContentBody,
) -> Result<(), String> {
    let e = encode(expected).map_err(|e| e.to_string())?;
    let g = encode(got).map_err(|e| e.to_string())?;
    check_bytes(what, &e, &g)
}

/// Runs the proposal, commit and application checks of one case.
pub fn run(case: &Value, provider: &dyn CryptoProvider) -> CaseResult {
    let cs = suite_of(case, provider)?;
    let suite = u16::try_from(uint(case, "cipher_suite")?).map_err(|e| e.to_string())?;
    let context = GroupContext {
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuite(suite),
        group_id: VLBytes::new(bytes(case, "group_id")?),
        epoch: uint(case, "epoch")?,
        tree_hash: VLBytes::new(bytes(case, "tree_hash")?),
        confirmed_transcript_hash: VLBytes::new(bytes(case, "confirmed_transcript_hash")?),
        extensions: Vec::new(),
    };
    let signer = SignatureKeyPair::from_private(
        cs.clone(),
        private_key(cs.as_ref(), bytes(case, "signature_priv")?),
    )
    .map_err(|e| format!("signature_priv: {e}"))?;
    let signature_pub = bytes(case, "signature_pub")?;
    check_bytes(
        "signature_pub",
        &signature_pub,
        conclave_core::crypto::Signer::public_key(&signer),
    )?;
    let c = Case {
        cs: &cs,
        context,
        encryption_secret: bytes(case, "encryption_secret")?,
        sender_data_secret: Secret::new(bytes(case, "sender_data_secret")?),
        membership_key: Secret::new(bytes(case, "membership_key")?),
        members: TwoMembers(signature_pub),
        signer,
    };
    let proposal: Proposal = decode_exact(&bytes(case, "proposal")?).map_err(|e| e.to_string())?;
    let commit: Commit = decode_exact(&bytes(case, "commit")?).map_err(|e| e.to_string())?;
    let application = bytes(case, "application")?;
    c.check("proposal", FramedContentBody::Proposal(proposal), case)?;
    c.check("commit", FramedContentBody::Commit(commit), case)?;
    c.check(
        "application",
        FramedContentBody::Application(VLBytes::new(application)),
        case,
    )?;
    Ok(())
}
