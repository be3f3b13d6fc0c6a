//! Wire types of the artifacts: the key set a host passes, what to mint, what to verify and
//! what minting returns. camelCase, unknown fields rejected. (The token's own claims use the
//! registered JWT names; see [`crate::token::Claims`].)

use super::RecoveryGrant;
use crate::state::History;
use crate::token::Purpose;

crate::wire_struct! {
    /// One HMAC key.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct KeySpec {
        /// Key id (1–64 of `A–Z a–z 0–9 . _ -`), written into every token's header.
        pub kid: String = "kid";
        /// The secret, unpadded base64url, at least 32 bytes once decoded.
        pub secret: String = "secret";
    }
}

crate::wire_struct! {
    /// The keys a host holds: one signs, all verify (so a rotated key keeps verifying until
    /// the host drops it from the list).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct KeySetSpec {
        /// The `kid` of the key that signs new tokens.
        pub signing: String = "signing";
        /// Every key that verifies.
        pub keys: Vec<KeySpec> = "keys";
    }
}

crate::wire_struct! {
    /// Mint a step-up grant: proof that `sub` stepped up for `action`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct StepUpGrantRequest {
        /// Current time, Unix seconds (the token's `iat` and `nbf`).
        pub now: i64 = "now";
        /// The account.
        pub sub: String = "sub";
        /// Who will accept the token (the host's service name).
        pub aud: String = "aud";
        /// The `acr` reached.
        pub acr: String = "acr";
        /// RFC 8176 methods used.
        pub amr: Vec<String> = "amr", default;
        /// When the customer authenticated, Unix seconds.
        pub auth_time: i64 = "authTime";
        /// The action the grant is for (its single scope).
        pub action: String = "action";
        /// Requested lifetime, seconds; capped by the policy's `recovery.stepUpGrantLifetime`.
        pub lifetime: Option<u64> = "lifetime", optional;
    }
}

crate::wire_struct! {
    /// Mint a recovery ticket carrying a recovery decision's grant.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RecoveryTicketRequest {
        /// Current time, Unix seconds.
        pub now: i64 = "now";
        /// The account.
        pub sub: String = "sub";
        /// Who will accept the ticket.
        pub aud: String = "aud";
        /// The grant from `evaluateRecovery`; its scopes must be the policy's, and the ticket
        /// expires at the grant's `expiresAt` or the policy's lifetime, whichever is sooner.
        pub grant: RecoveryGrant = "grant";
    }
}

crate::wire_struct! {
    /// A minted token.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Minted {
        /// The JWS compact token.
        pub token: String = "token";
        /// Its unique id, for the host's single-use bookkeeping.
        pub jti: String = "jti";
        /// Its expiry, Unix seconds.
        pub expires_at: i64 = "expiresAt";
    }
}

crate::wire_struct! {
    /// Verify a token.
    #[derive(Debug, Clone, PartialEq)]
    pub struct VerifyRequest {
        /// Current time, Unix seconds.
        pub now: i64 = "now";
        /// The JWS compact token.
        pub token: String = "token";
        /// The purpose the token must have.
        pub purpose: Purpose = "purpose";
        /// The audience the token must have.
        pub audience: String = "audience";
        /// The subject the token must have, when the host knows it.
        pub subject: Option<String> = "subject", optional;
        /// For a step-up grant: the action it must be for.
        pub action: Option<String> = "action", optional;
        /// The account's history: a token issued before its last credential change, recovery or
        /// sign-out-everywhere is superseded.
        pub history: Option<History> = "history", optional;
        /// `jti`s the host has revoked or already used.
        pub revoked_jtis: Vec<String> = "revokedJtis", default;
    }
}
