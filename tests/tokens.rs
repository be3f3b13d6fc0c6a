//! Artifacts: step-up grants and recovery tickets as HS256 JWS. A valid token is accepted;
//! every tampered or wrong token is refused with its own stable error code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ciam_policy::api::{KeySetSpec, KeySpec, RecoveryTicketRequest, StepUpGrantRequest, VerifyRequest};
use ciam_policy::error::ErrorCode;
use ciam_policy::token::{self, base64url, codes, KeySet, Purpose};
use ciam_policy::{evaluate_recovery, presets, Event, EventType, History, Policy, RecoveryRequest};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::BTreeSet;

const NOW: i64 = 1_800_000_000;
const K1: [u8; 32] = [0x11; 32];
const K2: [u8; 32] = [0x22; 32];

fn policy() -> Policy {
    presets::load("ciam-retail").unwrap()
}

fn keys() -> KeySet {
    KeySet::new(vec![("k1".into(), K1.to_vec()), ("k2".into(), K2.to_vec())], "k2").unwrap()
}

fn b64(value: &Value) -> String {
    base64url::encode(&serde_json::to_vec(value).unwrap())
}

/// Sign arbitrary header and payload text with `secret`, as an attacker or a buggy issuer might.
fn forge_raw(header: &str, payload: &str, secret: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    let input = format!("{header}.{payload}");
    mac.update(input.as_bytes());
    format!("{input}.{}", base64url::encode(&mac.finalize().into_bytes()))
}

fn forge(header: &Value, claims: &Value, secret: &[u8]) -> String {
    forge_raw(&b64(header), &b64(claims), secret)
}

fn header() -> Value {
    json!({ "alg": "HS256", "typ": "JWT", "kid": "k2" })
}

fn claims() -> Value {
    json!({ "sub": "acct-1", "aud": "shop", "purpose": "step_up_grant", "iat": NOW, "nbf": NOW, "exp": NOW + 300,
            "jti": "jti-1", "acr": "urn:ciam-policy:aal2", "amr": ["hwk", "user"], "auth_time": NOW - 5, "scope": "payout" })
}

fn ticket_claims() -> Value {
    json!({ "sub": "acct-1", "aud": "shop", "purpose": "recovery_ticket", "iat": NOW, "nbf": NOW, "exp": NOW + 900,
            "jti": "jti-2", "scopes": ["reset_credential", "sign_in"], "hold_until": NOW + 172_800 })
}

fn with(mut value: Value, key: &str, new: Value) -> Value {
    value.as_object_mut().unwrap().insert(key.into(), new);
    value
}

fn without(mut value: Value, key: &str) -> Value {
    value.as_object_mut().unwrap().remove(key);
    value
}

fn request(token: String) -> VerifyRequest {
    VerifyRequest {
        now: NOW + 10,
        token,
        purpose: Purpose::StepUpGrant,
        audience: "shop".into(),
        subject: Some("acct-1".into()),
        action: Some("payout".into()),
        history: None,
        revoked_jtis: Vec::new(),
    }
}

fn history(kind: EventType, at: i64) -> History {
    let mut event = Event::new(kind, at);
    if kind == EventType::CredentialChange {
        event.change = Some(ciam_policy::ChangeKind::Password);
    }
    ciam_policy::record(&policy(), &History::new(), &event).unwrap()
}

fn flip_char(token: &str, index: usize) -> String {
    let mut bytes = token.as_bytes().to_vec();
    bytes[index] = match bytes[index] {
        b'A' => b'B',
        b'a' => b'b',
        b'0' => b'1',
        b'-' => b'_',
        c if c.is_ascii_alphanumeric() && c != b'z' && c != b'Z' && c != b'9' => c + 1,
        _ => b'A',
    };
    String::from_utf8(bytes).unwrap()
}

fn minted_step_up() -> String {
    let request = StepUpGrantRequest {
        now: NOW,
        sub: "acct-1".into(),
        aud: "shop".into(),
        acr: "urn:ciam-policy:aal2".into(),
        amr: vec!["hwk".into(), "user".into()],
        auth_time: NOW - 5,
        action: "payout".into(),
        lifetime: None,
    };
    token::mint_step_up_grant(&policy(), &keys(), &request).unwrap().token
}

#[test]
fn a_valid_step_up_grant_is_accepted() {
    let policy = policy();
    let mint = StepUpGrantRequest {
        now: NOW,
        sub: "acct-1".into(),
        aud: "shop".into(),
        acr: "urn:ciam-policy:aal2".into(),
        amr: vec!["hwk".into()],
        auth_time: NOW - 5,
        action: "payout".into(),
        lifetime: Some(86_400),
    };
    let minted = token::mint_step_up_grant(&policy, &keys(), &mint).unwrap();
    assert_eq!(minted.expires_at, NOW + 300, "lifetime capped by recovery.stepUpGrantLifetime");
    assert_eq!(minted.token.split('.').count(), 3);
    let verified = token::verify(&policy, &keys(), &request_for(&minted.token)).unwrap();
    assert_eq!(verified.jti, minted.jti);
    assert_eq!(verified.sub, "acct-1");
    assert_eq!(verified.scope.as_deref(), Some("payout"));
    assert_eq!(verified.auth_time, Some(NOW - 5));
    // Valid up to the last second before exp.
    let mut last = request_for(&minted.token);
    last.now = NOW + 299;
    assert!(token::verify(&policy, &keys(), &last).is_ok());
    // Two mints never share a jti.
    let again = token::mint_step_up_grant(&policy, &keys(), &mint).unwrap();
    assert_ne!(again.jti, minted.jti);
    // A forged-but-correct token built by the test's own signer also verifies (the format is plain JWS).
    assert!(token::verify(&policy, &keys(), &request(forge(&header(), &claims(), &K2))).is_ok());
}

fn request_for(token: &str) -> VerifyRequest {
    request(token.to_string())
}

#[test]
fn a_recovery_ticket_carries_the_grant_and_is_capped() {
    let policy = policy();
    let decision = evaluate_recovery(
        &policy,
        &RecoveryRequest::from_json(r#"{"now": 1800000000, "channel": "email", "account": {"factors": ["password", "email"]}}"#).unwrap(),
    )
    .unwrap();
    let grant = decision.grant.expect("allow carries a grant");
    let minted = token::mint_recovery_ticket(
        &policy,
        &keys(),
        &RecoveryTicketRequest { now: NOW, sub: "acct-1".into(), aud: "shop".into(), grant: grant.clone() },
    )
    .unwrap();
    assert_eq!(minted.expires_at, grant.expires_at);
    let mut verify = request(minted.token);
    verify.purpose = Purpose::RecoveryTicket;
    verify.action = None;
    let claims = token::verify(&policy, &keys(), &verify).unwrap();
    assert_eq!(claims.hold_until, Some(grant.hold_until));
    assert_eq!(claims.scopes, grant.scopes);
    // A grant that asks for more than the policy gives is refused at minting.
    let mut greedy = grant.clone();
    greedy.scopes.push(ciam_policy::policy::recovery::RecoveryScope::EnrollFactor);
    let error =
        token::mint_recovery_ticket(&policy, &keys(), &RecoveryTicketRequest { now: NOW, sub: "a".into(), aud: "b".into(), grant: greedy })
            .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Inconsistent);
    // A grant living longer than the policy allows is cut to the policy's lifetime.
    let mut long = grant;
    long.expires_at = NOW + 100_000;
    let minted =
        token::mint_recovery_ticket(&policy, &keys(), &RecoveryTicketRequest { now: NOW, sub: "a".into(), aud: "b".into(), grant: long })
            .unwrap();
    assert_eq!(minted.expires_at, NOW + 900);
}

struct Case {
    name: &'static str,
    request: VerifyRequest,
    keys: KeySet,
    want: ErrorCode,
}

fn case(name: &'static str, token: String, want: ErrorCode) -> Case {
    Case { name, request: request(token), keys: keys(), want }
}

fn case_with(name: &'static str, token: String, edit: impl FnOnce(&mut VerifyRequest), want: ErrorCode) -> Case {
    let mut request = request(token);
    edit(&mut request);
    Case { name, request, keys: keys(), want }
}

fn cases() -> Vec<Case> {
    use ErrorCode as E;
    let good = minted_step_up();
    let parts: Vec<String> = good.split('.').map(String::from).collect();
    let (h, p, s) = (parts[0].clone(), parts[1].clone(), parts[2].clone());
    let other_signature = forge(&header(), &with(claims(), "jti", json!("other")), &K2).split('.').nth(2).unwrap().to_string();
    let rotated_out = KeySet::new(vec![("k2".into(), K2.to_vec())], "k2").unwrap();
    let signed_by_k1 = forge(&with(header(), "kid", json!("k1")), &claims(), &K1);
    let ticket = forge(&header(), &ticket_claims(), &K2);
    vec![
        case("oversized", "a".repeat(5000), E::TokenTooLong),
        case("oversized valid-looking", format!("{good}{}", "A".repeat(4096)), E::TokenTooLong),
        case("empty", String::new(), E::TokenMalformed),
        case("two segments", format!("{h}.{p}"), E::TokenMalformed),
        case("four segments", format!("{good}.{s}"), E::TokenMalformed),
        case("header with a non-base64url character", format!("{h}+.{p}.{s}"), E::TokenBadEncoding),
        case("header with padding", format!("{h}=.{p}.{s}"), E::TokenBadEncoding),
        case("whitespace inside", format!("{h} .{p}.{s}"), E::TokenBadEncoding),
        case("empty header", format!(".{p}.{s}"), E::TokenBadEncoding),
        case("signature with a bad character", format!("{h}.{p}.{s}*"), E::TokenBadEncoding),
        case("empty signature", format!("{h}.{p}."), E::TokenBadEncoding),
        case("header not JSON", forge_raw(&base64url::encode(b"not json"), &p, &K2), E::TokenBadHeader),
        case("header is an array", forge_raw(&b64(&json!(["HS256"])), &p, &K2), E::TokenBadHeader),
        case("header without alg", forge(&without(header(), "alg"), &claims(), &K2), E::TokenBadHeader),
        case("header with jku", forge(&with(header(), "jku", json!("https://evil.example/keys")), &claims(), &K2), E::TokenBadHeader),
        case("alg none, unsigned", format!("{}.{p}.", b64(&json!({"alg": "none", "typ": "JWT"}))), E::TokenAlgNone),
        case("alg None, signed", forge(&with(header(), "alg", json!("None")), &claims(), &K2), E::TokenAlgNone),
        case("alg HS512", forge(&with(header(), "alg", json!("HS512")), &claims(), &K2), E::TokenUnsupportedAlg),
        case("alg RS256", forge(&with(header(), "alg", json!("RS256")), &claims(), &K2), E::TokenUnsupportedAlg),
        case("alg lowercase hs256", forge(&with(header(), "alg", json!("hs256")), &claims(), &K2), E::TokenUnsupportedAlg),
        case("crit extension", forge(&with(header(), "crit", json!(["exp"])), &claims(), &K2), E::TokenCritUnsupported),
        case("typ not JWT", forge(&with(header(), "typ", json!("at+jwt")), &claims(), &K2), E::TokenBadType),
        case("no kid", forge(&without(header(), "kid"), &claims(), &K2), E::TokenMissingKeyId),
        case("unknown kid", forge(&with(header(), "kid", json!("k9")), &claims(), &K2), E::TokenUnknownKey),
        Case { name: "rotated-out key", request: request(signed_by_k1), keys: rotated_out, want: E::TokenUnknownKey },
        case("wrong key under a known kid", forge(&header(), &claims(), &[0x33; 32]), E::TokenBadSignature),
        case("signed with the other key of the set", forge(&header(), &claims(), &K1), E::TokenBadSignature),
        case("flipped signature character", flip_char(&good, good.len() - 10), E::TokenBadSignature),
        case("flipped payload character", format!("{h}.{}.{s}", flip_char(&p, 10)), E::TokenBadSignature),
        case("truncated signature", format!("{h}.{p}.{}", &s[..32]), E::TokenBadSignature),
        case("signature of another token", format!("{h}.{p}.{other_signature}"), E::TokenBadSignature),
        case(
            "payload swapped for raised exp",
            format!("{h}.{}.{s}", b64(&with(claims(), "exp", json!(NOW + 100_000)))),
            E::TokenBadSignature,
        ),
        case("payload not JSON", forge_raw(&h, &base64url::encode(b"{oops"), &K2), E::TokenBadClaims),
        case("payload without jti", forge(&header(), &without(claims(), "jti"), &K2), E::TokenBadClaims),
        case("payload with an unknown claim", forge(&header(), &with(claims(), "admin", json!(true)), &K2), E::TokenBadClaims),
        case("exp as a string", forge(&header(), &with(claims(), "exp", json!("later")), &K2), E::TokenBadClaims),
        case("step-up grant without acr", forge(&header(), &without(claims(), "acr"), &K2), E::TokenBadClaims),
        case("step-up grant without scope", forge(&header(), &without(claims(), "scope"), &K2), E::TokenBadClaims),
        case("ticket without scopes", forge(&header(), &without(ticket_claims(), "scopes"), &K2), E::TokenBadClaims),
        case("unknown purpose", forge(&header(), &with(claims(), "purpose", json!("admin")), &K2), E::TokenBadClaims),
        case("recovery ticket used as a step-up grant", ticket, E::TokenWrongPurpose),
        case_with("step-up grant used as a recovery ticket", good.clone(), |r| r.purpose = Purpose::RecoveryTicket, E::TokenWrongPurpose),
        case_with("wrong audience", good.clone(), |r| r.audience = "bank".into(), E::TokenWrongAudience),
        case_with("wrong subject", good.clone(), |r| r.subject = Some("acct-2".into()), E::TokenWrongSubject),
        case_with("wrong action", good.clone(), |r| r.action = Some("add_payee".into()), E::TokenWrongScope),
        case_with("not yet issued", good.clone(), |r| r.now = NOW - 1, E::TokenNotYetValid),
        case("nbf in the future", forge(&header(), &with(claims(), "nbf", json!(NOW + 60)), &K2), E::TokenNotYetValid),
        case_with("expired exactly at exp", good.clone(), |r| r.now = NOW + 300, E::TokenExpired),
        case_with("expired by one second", good.clone(), |r| r.now = NOW + 301, E::TokenExpired),
        case_with("expired long ago", good.clone(), |r| r.now = NOW + 86_400, E::TokenExpired),
        case("lifetime one second over the cap", forge(&header(), &with(claims(), "exp", json!(NOW + 301)), &K2), E::TokenLifetimeExceeded),
        case("lifetime of a year", forge(&header(), &with(claims(), "exp", json!(NOW + 31_536_000)), &K2), E::TokenLifetimeExceeded),
        case_with("revoked jti", forge(&header(), &claims(), &K2), |r| r.revoked_jtis = vec!["x".into(), "jti-1".into()], E::TokenRevoked),
        case_with(
            "issued before a credential change",
            good.clone(),
            |r| r.history = Some(history(EventType::CredentialChange, NOW + 5)),
            E::TokenSuperseded,
        ),
        case_with(
            "issued before a recovery",
            good.clone(),
            |r| r.history = Some(history(EventType::RecoverySuccess, NOW + 1)),
            E::TokenSuperseded,
        ),
        case_with(
            "issued before sign-out-everywhere",
            good,
            |r| r.history = Some(history(EventType::SignOutEverywhere, NOW + 9)),
            E::TokenSuperseded,
        ),
    ]
}

#[test]
fn every_tampered_or_wrong_token_is_refused_with_its_own_code() {
    let policy = policy();
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    let mut codes = BTreeSet::new();
    for case in &cases {
        match token::verify(&policy, &case.keys, &case.request) {
            Ok(_) => failures.push(format!("{}: accepted", case.name)),
            Err(error) if error.code() != case.want => {
                failures.push(format!("{}: want {}, got {} ({})", case.name, case.want, error.code(), error.message()))
            }
            Err(error) => {
                assert!(error.path().starts_with("/token"), "{}: path {}", case.name, error.path());
                codes.insert(error.code());
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases:\n{}", failures.len(), cases.len(), failures.join("\n"));
    assert_eq!(codes.len(), 21, "distinct codes: {codes:?}");
    println!("{} tampered tokens refused with {} distinct codes", cases.len(), codes.len());
}

#[test]
fn tokens_after_the_event_stay_valid() {
    // Issued in the same second as (or after) the last recovery: not superseded.
    let mut request = request(minted_step_up());
    request.history = Some(history(EventType::RecoverySuccess, NOW));
    assert!(token::verify(&policy(), &keys(), &request).is_ok());
    // An event after `now` is ignored (time comes from the caller).
    request.history = Some(history(EventType::SignOutEverywhere, NOW + 50));
    assert!(token::verify(&policy(), &keys(), &request).is_ok());
}

#[test]
fn error_codes_serialize_as_their_stable_names() {
    use ErrorCode as E;
    for code in [
        E::TokenTooLong,
        E::TokenMalformed,
        E::TokenBadEncoding,
        E::TokenBadHeader,
        E::TokenAlgNone,
        E::TokenUnsupportedAlg,
        E::TokenCritUnsupported,
        E::TokenBadType,
        E::TokenMissingKeyId,
        E::TokenUnknownKey,
        E::TokenBadSignature,
        E::TokenBadClaims,
        E::TokenWrongPurpose,
        E::TokenWrongAudience,
        E::TokenWrongSubject,
        E::TokenWrongScope,
        E::TokenNotYetValid,
        E::TokenExpired,
        E::TokenLifetimeExceeded,
        E::TokenRevoked,
        E::TokenSuperseded,
        E::WeakKey,
        E::RandomnessUnavailable,
    ] {
        assert_eq!(ciam_policy::json::to_string(&code), format!("\"{}\"", code.as_str()));
    }
}

#[test]
fn key_sets_refuse_weak_or_inconsistent_keys() {
    let short = KeySet::new(vec![("k1".into(), vec![1; 31])], "k1").unwrap_err();
    assert_eq!((short.code(), short.path()), (ErrorCode::WeakKey, "/keys/0/secret"));
    let bad_kid = KeySet::new(vec![("k 1".into(), K1.to_vec())], "k 1").unwrap_err();
    assert_eq!(bad_kid.code(), ErrorCode::WeakKey);
    let missing = KeySet::new(vec![("k1".into(), K1.to_vec())], "k2").unwrap_err();
    assert_eq!((missing.code(), missing.path()), (ErrorCode::Inconsistent, "/signing"));
    let dup = KeySet::new(vec![("k1".into(), K1.to_vec()), ("k1".into(), K2.to_vec())], "k1").unwrap_err();
    assert_eq!(dup.code(), ErrorCode::DuplicateKey);
    let spec = KeySetSpec { signing: "k1".into(), keys: vec![KeySpec { kid: "k1".into(), secret: base64url::encode(&K1) }] };
    let set = KeySet::from_spec(&spec).unwrap();
    assert_eq!(set.signing_kid(), "k1");
    assert!(!format!("{set:?}").contains("17"), "Debug must not print secrets");
    let bad = KeySetSpec { signing: "k1".into(), keys: vec![KeySpec { kid: "k1".into(), secret: "***".into() }] };
    assert_eq!(KeySet::from_spec(&bad).unwrap_err().code(), ErrorCode::InvalidFormat);
}

#[test]
fn recovery_codes_are_random_grouped_and_stored_hashed() {
    let generated = codes::generate(10).unwrap();
    assert_eq!(generated.len(), 10);
    let unique: BTreeSet<&String> = generated.iter().collect();
    assert_eq!(unique.len(), 10);
    const { assert!(codes::CODE_BITS >= 64) };
    for code in &generated {
        assert_eq!(code.len(), 19, "{code}");
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 4);
        assert!(groups.iter().all(|g| g.len() == 4));
        assert!(!code.contains(['I', 'L', 'O', 'U']), "{code}");
    }
    let pepper = b"host pepper";
    let code = &generated[0];
    let stored = codes::hash(code, pepper).unwrap();
    assert!(!stored.contains(code.as_str()));
    assert!(codes::verify(code, &stored, pepper));
    assert!(codes::verify(&code.to_lowercase().replace('-', " "), &stored, pepper), "typed loosely");
    assert!(!codes::verify(&generated[1], &stored, pepper));
    assert!(!codes::verify(code, &stored, b"other pepper"));
    assert!(!codes::verify("short", &stored, pepper));
    assert!(!codes::verify(code, "not base64!", pepper));
    assert_eq!(codes::normalize("o1il-0000-0000-0000").as_deref(), Some("0111000000000000"));
    // Known answers: HMAC-SHA-256 by Python's hmac/hashlib, with a one-block key and with a
    // 1,024-byte key (which is hashed first, 16 blocks). tests/wasm.rs checks the same values
    // in wasm, where SHA-256 is built differently (its compact round loop).
    for (pepper, want) in codes_known_answers() {
        assert_eq!(codes::hash("7k3m-0q9w-xr2d-5t8h", &pepper).unwrap(), want);
    }
    assert_eq!(codes::hash("nope", pepper).unwrap_err().code(), ErrorCode::InvalidFormat);
    // A pepper past the bound is refused (after the code), and never verifies.
    let long = vec![7u8; codes::MAX_PEPPER_BYTES + 1];
    assert_eq!(codes::hash(code, &long).unwrap_err().code(), ErrorCode::OutOfRange);
    assert_eq!(codes::hash("nope", &long).unwrap_err().code(), ErrorCode::InvalidFormat);
    let at_bound = vec![7u8; codes::MAX_PEPPER_BYTES];
    assert!(codes::verify(code, &codes::hash(code, &at_bound).unwrap(), &at_bound));
    assert!(!codes::verify(code, &stored, &long));
    assert_eq!(codes::generate(0).unwrap_err().code(), ErrorCode::OutOfRange);
    assert_eq!(codes::generate(21).unwrap_err().code(), ErrorCode::OutOfRange);
    // All codes come from one draw: each takes its own bytes of it, so the most codes at once
    // are all different too.
    let most = codes::generate(codes::MAX_CODES).unwrap();
    assert_eq!(most.iter().collect::<BTreeSet<_>>().len(), codes::MAX_CODES);
}

/// (pepper, the stored hash of the code `7K3M-0Q9W-XR2D-5T8H`), computed outside this crate.
fn codes_known_answers() -> [(Vec<u8>, &'static str); 2] {
    let long: Vec<u8> = (0..=255u8).cycle().take(1024).collect();
    [(b"host pepper".to_vec(), "gKzB6BZqVsutPLghoFNWKHJ-4zKYELVa21DfeODh1z4"), (long, "86E9N35_05jcY8U3sV-frfxHGLFsRpxO0QPLoiiwf2Q")]
}
