//! Short-lived, single-purpose artifacts (design principle P6): step-up grants and recovery
//! tickets as compact JWS signed with HMAC-SHA-256, and saved recovery codes.
//!
//! Every token names its purpose and audience, carries a `kid` for key rotation and a random
//! `jti` the host can record for single use, and lives no longer than the policy allows.
//! Verification checks, in order: size, shape, encoding, header (`alg` must be HS256 — `none`
//! and everything else are refused — no `crit`, a known `kid`), the signature in constant
//! time, then the claims: purpose, audience, subject, scope, validity period, the policy's
//! lifetime cap, the host's revoked `jti`s, and the account history (a token issued before
//! the last credential change, recovery or sign-out-everywhere is superseded). Each failure
//! has its own stable error code. Time is always the caller's `now`.

pub mod base64url;
pub mod codes;
mod keys;
mod random;

use crate::api::{Minted, RecoveryTicketRequest, StepUpGrantRequest, VerifyRequest};
use crate::error::{Error, ErrorCode, Result};
use crate::policy::recovery::RecoveryScope;
use crate::policy::Policy;
use crate::signals::secs;
use crate::state::{EventType, HistoryRef, Keys};
use crate::text;
use crate::validate::check_time;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use keys::{valid_kid, KeySet, MAX_KEYS, MAX_SECRET_BYTES, MIN_SECRET_BYTES};

/// Longest token accepted for verification, bytes.
pub const MAX_TOKEN_LEN: usize = 4096;
/// The only signing algorithm.
pub const ALG: &str = "HS256";

pub(crate) type HmacSha256 = Hmac<Sha256>;

crate::wire_enum! {
    /// What a token is for; a token is only ever accepted for its own purpose.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub enum Purpose {
        /// Proof of a recent step-up, for one action.
        StepUpGrant = "step_up_grant",
        /// A recovered session's grant: its scopes and hold.
        RecoveryTicket = "recovery_ticket",
    }
}

impl Purpose {
    /// The policy's lifetime cap for this purpose, seconds.
    pub fn max_lifetime(self, policy: &Policy) -> u64 {
        match self {
            Purpose::StepUpGrant => policy.recovery.step_up_grant_lifetime,
            Purpose::RecoveryTicket => policy.recovery.grant.lifetime,
        }
    }
}

crate::wire_struct! {
    /// The JWS protected header.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Header {
        alg: String = "alg";
        typ: Option<String> = "typ", optional;
        kid: Option<String> = "kid", optional;
        crit: Option<crate::json::AnyValue> = "crit", optional;
    }
}

crate::wire_struct! {
    /// A token's claims, with the registered JWT names.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Claims {
        /// The account.
        pub sub: String = "sub";
        /// Who accepts the token.
        pub aud: String = "aud";
        /// What the token is for.
        pub purpose: Purpose = "purpose";
        /// Issued at, Unix seconds.
        pub iat: i64 = "iat";
        /// Not valid before, Unix seconds.
        pub nbf: i64 = "nbf";
        /// Expires at, Unix seconds (invalid from this second on).
        pub exp: i64 = "exp";
        /// Unique token id.
        pub jti: String = "jti";
        /// Step-up grant: the `acr` reached.
        pub acr: Option<String> = "acr", optional;
        /// Step-up grant: RFC 8176 methods used.
        pub amr: Vec<String> = "amr", skip_empty;
        /// Step-up grant: when the customer authenticated.
        pub auth_time: Option<i64> = "auth_time", optional;
        /// Step-up grant: the action it is for.
        pub scope: Option<String> = "scope", optional;
        /// Recovery ticket: what the recovered session may do.
        pub scopes: Vec<RecoveryScope> = "scopes", skip_empty;
        /// Recovery ticket: until when sensitive changes are held.
        pub hold_until: Option<i64> = "hold_until", optional;
    }
}

fn err(code: ErrorCode, path: &str, message: impl Into<String>) -> Error {
    Error::new(code, path, message)
}

fn check_text(path: &str, value: &str, max: usize) -> Result<()> {
    if value.is_empty() || value.len() > max || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(err(ErrorCode::InvalidFormat, path, text!("use 1–", max, " printable ASCII characters without spaces")));
    }
    Ok(())
}

fn check_now(now: i64) -> Result<()> {
    let mut problems = Vec::new();
    check_time(&mut problems, "/now", now);
    match Error::from_problems(problems) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Mint a step-up grant. The lifetime is the requested one capped by the policy.
pub fn mint_step_up_grant(policy: &Policy, keys: &KeySet, request: &StepUpGrantRequest) -> Result<Minted> {
    check_now(request.now)?;
    check_text("/sub", &request.sub, 256)?;
    check_text("/aud", &request.aud, 256)?;
    check_text("/acr", &request.acr, 256)?;
    check_text("/action", &request.action, 64)?;
    if request.amr.len() > 16 {
        return Err(err(ErrorCode::TooLong, "/amr", "at most 16 amr values"));
    }
    for (i, amr) in request.amr.iter().enumerate() {
        check_text(&text!("/amr/", i), amr, 16)?;
    }
    if !(0..=request.now).contains(&request.auth_time) {
        return Err(err(ErrorCode::Inconsistent, "/authTime", "authTime must be a Unix time not after now"));
    }
    let cap = Purpose::StepUpGrant.max_lifetime(policy);
    let lifetime = request.lifetime.unwrap_or(cap).min(cap);
    if lifetime == 0 {
        return Err(err(ErrorCode::OutOfRange, "/lifetime", "a lifetime is at least one second"));
    }
    let claims = Claims {
        sub: request.sub.clone(),
        aud: request.aud.clone(),
        purpose: Purpose::StepUpGrant,
        iat: request.now,
        nbf: request.now,
        exp: request.now.saturating_add(secs(lifetime)),
        jti: new_jti()?,
        acr: Some(request.acr.clone()),
        amr: request.amr.clone(),
        auth_time: Some(request.auth_time),
        scope: Some(request.action.clone()),
        scopes: Vec::new(),
        hold_until: None,
    };
    sign(keys, &claims)
}

/// Mint a recovery ticket for a grant from [`crate::evaluate_recovery`].
pub fn mint_recovery_ticket(policy: &Policy, keys: &KeySet, request: &RecoveryTicketRequest) -> Result<Minted> {
    check_now(request.now)?;
    check_text("/sub", &request.sub, 256)?;
    check_text("/aud", &request.aud, 256)?;
    let grant = &request.grant;
    if grant.scopes.is_empty() {
        return Err(err(ErrorCode::OutOfRange, "/grant/scopes", "a ticket carries at least one scope"));
    }
    if let Some(i) = grant.scopes.iter().position(|s| !policy.recovery.grant.scopes.contains(s)) {
        return Err(err(ErrorCode::Inconsistent, &text!("/grant/scopes/", i), "the policy's grant has no such scope"));
    }
    let cap_at = request.now.saturating_add(secs(Purpose::RecoveryTicket.max_lifetime(policy)));
    let exp = grant.expires_at.min(cap_at);
    if exp <= request.now {
        return Err(err(ErrorCode::Inconsistent, "/grant/expiresAt", "the grant has already expired"));
    }
    let mut scopes = grant.scopes.clone();
    crate::collections::sort_dedup(&mut scopes);
    let claims = Claims {
        sub: request.sub.clone(),
        aud: request.aud.clone(),
        purpose: Purpose::RecoveryTicket,
        iat: request.now,
        nbf: request.now,
        exp,
        jti: new_jti()?,
        acr: None,
        amr: Vec::new(),
        auth_time: None,
        scope: None,
        scopes,
        hold_until: Some(grant.hold_until),
    };
    sign(keys, &claims)
}

fn new_jti() -> Result<String> {
    Ok(base64url::encode(&random::bytes::<16>()?))
}

fn sign(keys: &KeySet, claims: &Claims) -> Result<Minted> {
    let kid = keys.signing_kid();
    let mut mac = keys.mac(kid).ok_or_else(|| err(ErrorCode::TokenUnknownKey, "/signing", "the signing key is missing"))?;
    let header = Header { alg: ALG.into(), typ: Some("JWT".into()), kid: Some(kid.into()), crit: None };
    let signing_input = text!(
        base64url::encode(crate::json::to_string(&header).as_bytes()),
        ".",
        base64url::encode(crate::json::to_string(claims).as_bytes())
    );
    mac.update(signing_input.as_bytes());
    let signature = mac.finalize().into_bytes();
    Ok(Minted { token: text!(signing_input, ".", base64url::encode(&signature)), jti: claims.jti.clone(), expires_at: claims.exp })
}

/// Verify a token against the key set, the request's expectations and the policy's caps.
/// Returns the claims; the host records `jti` to enforce single use.
pub fn verify(policy: &Policy, keys: &KeySet, request: &VerifyRequest) -> Result<Claims> {
    let history = match &request.history {
        Some(history) => {
            history.validate("/history")?;
            Some((history.last_success_at, history.event_refs()))
        }
        None => None,
    };
    let history = history.as_ref().map(|(last_success_at, events)| HistoryRef::new(*last_success_at, events));
    verify_with(policy, keys, request, history.as_ref())
}

/// [`verify`] with the account's history given separately (validated), as the JS boundary
/// has it when the host passes bytes.
pub(crate) fn verify_with(policy: &Policy, keys: &KeySet, request: &VerifyRequest, history: Option<&HistoryRef<'_>>) -> Result<Claims> {
    check_now(request.now)?;
    let token = request.token.as_str();
    if token.len() > MAX_TOKEN_LEN {
        return Err(err(ErrorCode::TokenTooLong, "/token", text!(token.len(), " bytes; no token is longer than ", MAX_TOKEN_LEN)));
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(err(ErrorCode::TokenMalformed, "/token", "a token is three base64url segments separated by dots"));
    };
    let decode = |segment: &str, what: &str| {
        base64url::decode(segment)
            .filter(|bytes| !bytes.is_empty())
            .ok_or_else(|| err(ErrorCode::TokenBadEncoding, &text!("/token/", what), text!("the ", what, " is not unpadded base64url")))
    };
    let header_bytes = decode(header_b64, "header")?;
    let header: Header = object(&header_bytes)
        .ok_or_else(|| err(ErrorCode::TokenBadHeader, "/token/header", "the header is not a JWS header this module writes"))?;
    if header.alg.eq_ignore_ascii_case("none") {
        return Err(err(ErrorCode::TokenAlgNone, "/token/header/alg", "unsecured tokens are refused"));
    }
    if header.alg != ALG {
        return Err(err(ErrorCode::TokenUnsupportedAlg, "/token/header/alg", "only HS256 is accepted"));
    }
    if header.crit.is_some() {
        return Err(err(ErrorCode::TokenCritUnsupported, "/token/header/crit", "no critical header extension is understood"));
    }
    if header.typ.as_deref().is_some_and(|t| t != "JWT") {
        return Err(err(ErrorCode::TokenBadType, "/token/header/typ", "typ must be JWT"));
    }
    let kid = header.kid.as_deref().ok_or_else(|| err(ErrorCode::TokenMissingKeyId, "/token/header/kid", "the header names no key"))?;
    let mut mac = keys
        .mac(kid)
        .ok_or_else(|| err(ErrorCode::TokenUnknownKey, "/token/header/kid", "the key is not in the key set (unknown or rotated out)"))?;
    let signature = decode(signature_b64, "signature")?;
    mac.update(header_b64.as_bytes());
    mac.update(b".");
    mac.update(payload_b64.as_bytes());
    // Constant-time comparison (hmac's verify uses `subtle`).
    mac.verify_slice(&signature).map_err(|_| err(ErrorCode::TokenBadSignature, "/token/signature", "the signature does not verify"))?;

    let payload_bytes = decode(payload_b64, "payload")?;
    let claims: Claims = object(&payload_bytes)
        .ok_or_else(|| err(ErrorCode::TokenBadClaims, "/token/payload", "the claims are not those of a token this module mints"))?;
    check_claims(policy, request, history, &claims)?;
    Ok(claims)
}

/// A JSON object as `T`, or `None` for anything else.
fn object<T: crate::json::FromJson>(bytes: &[u8]) -> Option<T> {
    crate::json::from_str(core::str::from_utf8(bytes).ok()?).ok()
}

fn check_claims(policy: &Policy, request: &VerifyRequest, history: Option<&HistoryRef<'_>>, claims: &Claims) -> Result<()> {
    let now = request.now;
    let complete = match claims.purpose {
        Purpose::StepUpGrant => claims.acr.is_some() && claims.auth_time.is_some() && claims.scope.is_some() && claims.scopes.is_empty(),
        Purpose::RecoveryTicket => !claims.scopes.is_empty() && claims.hold_until.is_some() && claims.scope.is_none(),
    };
    if !complete {
        return Err(err(ErrorCode::TokenBadClaims, "/token/payload", text!("the claims do not fit a ", claims.purpose.as_str())));
    }
    if claims.purpose != request.purpose {
        return Err(err(
            ErrorCode::TokenWrongPurpose,
            "/token/payload/purpose",
            text!("a ", claims.purpose.as_str(), " is not accepted as a ", request.purpose.as_str()),
        ));
    }
    if claims.aud != request.audience {
        return Err(err(ErrorCode::TokenWrongAudience, "/token/payload/aud", "the token is for another audience"));
    }
    if request.subject.as_ref().is_some_and(|s| *s != claims.sub) {
        return Err(err(ErrorCode::TokenWrongSubject, "/token/payload/sub", "the token is for another account"));
    }
    if let (Some(action), Purpose::StepUpGrant) = (&request.action, claims.purpose) {
        if claims.scope.as_ref() != Some(action) {
            return Err(err(ErrorCode::TokenWrongScope, "/token/payload/scope", "the grant is for another action"));
        }
    }
    if claims.iat > now || claims.nbf > now {
        return Err(err(ErrorCode::TokenNotYetValid, "/token/payload/nbf", "the token is not valid yet"));
    }
    if now >= claims.exp {
        return Err(err(ErrorCode::TokenExpired, "/token/payload/exp", "the token has expired"));
    }
    let cap = secs(claims.purpose.max_lifetime(policy));
    if claims.exp.saturating_sub(claims.iat) > cap || claims.nbf < claims.iat {
        return Err(err(
            ErrorCode::TokenLifetimeExceeded,
            "/token/payload/exp",
            text!("the token lives longer than the policy's ", cap, " s"),
        ));
    }
    if request.revoked_jtis.contains(&claims.jti) {
        return Err(err(ErrorCode::TokenRevoked, "/token/payload/jti", "the host revoked this token (or it was used)"));
    }
    // The facts walk (kind and time of each event up to `now`, nothing else read): the
    // events' strings are not needed here.
    let mut superseded = false;
    if let Some(h) = history {
        for e in h.facts(&Keys::default(), now) {
            superseded |= matches!(e.kind, EventType::CredentialChange | EventType::RecoverySuccess | EventType::SignOutEverywhere)
                && e.at > claims.iat;
        }
    }
    if superseded {
        return Err(err(
            ErrorCode::TokenSuperseded,
            "/token/payload/iat",
            "issued before the account's last credential change, recovery or sign-out-everywhere",
        ));
    }
    Ok(())
}
