//! Wire types of the artifacts: the key set a host passes, what to mint, what to verify and
//! what minting returns. camelCase, unknown fields rejected. (The token's own claims use the
//! registered JWT names; see [`crate::token::Claims`].)

use super::RecoveryGrant;
use crate::state::History;
use crate::token::Purpose;
use serde::{Deserialize, Serialize};

/// One HMAC key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeySpec {
    /// Key id (1–64 of `A–Z a–z 0–9 . _ -`), written into every token's header.
    pub kid: String,
    /// The secret, unpadded base64url, at least 32 bytes once decoded.
    pub secret: String,
}

/// The keys a host holds: one signs, all verify (so a rotated key keeps verifying until
/// the host drops it from the list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeySetSpec {
    /// The `kid` of the key that signs new tokens.
    pub signing: String,
    /// Every key that verifies.
    pub keys: Vec<KeySpec>,
}

/// Mint a step-up grant: proof that `sub` stepped up for `action`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StepUpGrantRequest {
    /// Current time, Unix seconds (the token's `iat` and `nbf`).
    pub now: i64,
    /// The account.
    pub sub: String,
    /// Who will accept the token (the host's service name).
    pub aud: String,
    /// The `acr` reached.
    pub acr: String,
    /// RFC 8176 methods used.
    #[serde(default)]
    pub amr: Vec<String>,
    /// When the customer authenticated, Unix seconds.
    pub auth_time: i64,
    /// The action the grant is for (its single scope).
    pub action: String,
    /// Requested lifetime, seconds; capped by the policy's `recovery.stepUpGrantLifetime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<u64>,
}

/// Mint a recovery ticket carrying a recovery decision's grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecoveryTicketRequest {
    /// Current time, Unix seconds.
    pub now: i64,
    /// The account.
    pub sub: String,
    /// Who will accept the ticket.
    pub aud: String,
    /// The grant from `evaluateRecovery`; its scopes must be the policy's, and the ticket
    /// expires at the grant's `expiresAt` or the policy's lifetime, whichever is sooner.
    pub grant: RecoveryGrant,
}

/// A minted token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Minted {
    /// The JWS compact token.
    pub token: String,
    /// Its unique id, for the host's single-use bookkeeping.
    pub jti: String,
    /// Its expiry, Unix seconds.
    pub expires_at: i64,
}

/// Verify a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyRequest {
    /// Current time, Unix seconds.
    pub now: i64,
    /// The JWS compact token.
    pub token: String,
    /// The purpose the token must have.
    pub purpose: Purpose,
    /// The audience the token must have.
    pub audience: String,
    /// The subject the token must have, when the host knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// For a step-up grant: the action it must be for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The account's history: a token issued before its last credential change, recovery or
    /// sign-out-everywhere is superseded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
    /// `jti`s the host has revoked or already used.
    #[serde(default)]
    pub revoked_jtis: Vec<String>,
}
