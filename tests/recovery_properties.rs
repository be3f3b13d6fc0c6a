//! Properties of recovery and change decisions and of the artifacts, over generated inputs:
//! a grant never exceeds the policy's scopes or lifetime; no sequence of recoveries and
//! changes lets both email and phone change inside one window; no input panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ciam_policy::api::{RecoveryAccount, VerifiedMethod, VerifyRequest};
use ciam_policy::policy::recovery::RecoveryChannel;
use ciam_policy::token::{self, base64url, KeySet, Purpose};
use ciam_policy::{
    evaluate_change, evaluate_recovery, presets, record, ChangeKind, ChangeRequest, Event, EventType, Factor, History, Outcome, Policy,
    RecoveryRequest,
};
use proptest::prelude::*;
use serde_json::{json, Value};

const NOW: i64 = 1_800_000_000;
const PRESETS: [&str; 4] = ["ciam-retail", "ciam-fintech", "ciam-health", "workforce"];

fn preset(i: usize) -> Policy {
    presets::load(PRESETS[i % PRESETS.len()]).unwrap()
}

fn subset<T: Copy>(all: &[T], mask: u16) -> Vec<T> {
    all.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, x)| *x).collect()
}

fn policy_with_grant(i: usize, lifetime: u64, scopes: u16) -> Policy {
    let mut doc: Value = serde_json::from_str(presets::json(PRESETS[i % PRESETS.len()]).unwrap()).unwrap();
    let all = ["sign_in", "reset_credential", "enroll_factor", "view_account"];
    let mut chosen: Vec<&str> = subset(&all, scopes);
    if chosen.is_empty() {
        chosen.push("sign_in");
    }
    doc["recovery"]["grant"] = json!({ "scopes": chosen, "lifetime": lifetime });
    Policy::from_json(&doc.to_string()).unwrap()
}

fn attempts_history(policy: &Policy, offsets: &[(u16, u8)]) -> History {
    let mut history = History::new();
    for (offset, channel) in offsets {
        let mut event = Event::new(EventType::RecoveryAttempt, NOW - i64::from(*offset));
        event.channel = Some(RecoveryChannel::ALL[usize::from(*channel) % RecoveryChannel::ALL.len()].as_str().to_string());
        event.ip = Some("198.51.100.7".into());
        history = record(policy, &history, &event).unwrap();
    }
    history
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever the account, channel, proofs and history, a grant carries only the policy's
    /// scopes and lives no longer than the policy's grant lifetime; the hold starts now or later.
    #[test]
    fn a_grant_never_exceeds_the_policy(
        which in 0usize..4, lifetime in 60u64..=3600, scope_mask in any::<u16>(),
        channel in proptest::option::of(0usize..9), lost in proptest::option::of(0usize..7),
        channels in any::<u16>(), factors in any::<u16>(), proven in any::<u16>(), second in proptest::option::of(any::<bool>()),
        known in any::<bool>(), managed in any::<bool>(), compromised in any::<bool>(),
        attempts in proptest::collection::vec((0u16..7200, 0u8..9), 0..20),
        recovered_ago in proptest::option::of(0i64..400_000),
    ) {
        let policy = policy_with_grant(which, lifetime, scope_mask);
        let mut history = attempts_history(&policy, &attempts);
        if let Some(ago) = recovered_ago {
            history = record(&policy, &history, &Event::new(EventType::RecoverySuccess, NOW - ago)).unwrap();
        }
        let lost_names = ["password", "phone", "mailbox", "second_mailbox", "authenticator", "passkey", "recovery_codes"];
        let request = RecoveryRequest {
            now: NOW,
            channel: channel.map(|c| RecoveryChannel::ALL[c]),
            lost: lost.map(|l| ciam_policy::json::from_str(&json!(lost_names[l]).to_string()).unwrap()),
            compromised,
            account: known.then(|| RecoveryAccount {
                channels: subset(&RecoveryChannel::ALL, channels),
                factors: subset(&Factor::ALL, factors),
                second_factor: second,
                primary: None,
            }),
            device: Some(ciam_policy::json::from_str(&json!({ "id": "d1", "managed": managed }).to_string()).unwrap()),
            network: None,
            history: Some(history.clone()),
            source_history: Some(history),
            proven: subset(&RecoveryChannel::ALL, proven),
        };
        let decision = evaluate_recovery(&policy, &request).unwrap();
        let rp = &policy.recovery;
        prop_assert_eq!(decision.grant.is_some(), decision.outcome == Outcome::Allow);
        prop_assert_eq!(decision.retry_after.is_some(), decision.outcome == Outcome::Throttle);
        if let Some(grant) = &decision.grant {
            prop_assert!(grant.scopes.iter().all(|s| rp.grant.scopes.contains(s)));
            prop_assert!(grant.expires_at > NOW && grant.expires_at - NOW <= i64::try_from(rp.grant.lifetime).unwrap());
            prop_assert!(grant.hold_until >= NOW + i64::try_from(rp.hold.duration).unwrap());
            // Every contact channel the account has is told (and an unknown account's "email").
            let contactable = request.account.as_ref().is_none_or(|a| {
                a.channels.iter().any(|c| matches!(c, RecoveryChannel::Email | RecoveryChannel::SecondEmail | RecoveryChannel::Sms | RecoveryChannel::Voice))
                    || a.factors.iter().any(|f| matches!(f, Factor::Email | Factor::Sms))
            });
            prop_assert_eq!(!decision.notify.is_empty(), contactable);
            prop_assert!(decision.events.iter().any(|e| e.ends_with("/recovery-activated")));
            // P4: an account with a second factor never recovers on one single-factor channel.
            if let Some(account) = &request.account {
                let second_factor = account.second_factor.unwrap_or_else(|| account.factors.iter().any(|f| matches!(f, Factor::Passkey | Factor::SecurityKey | Factor::Totp | Factor::Push | Factor::Sms)));
                let used: Vec<RecoveryChannel> = request.channel.into_iter().chain(request.proven.iter().copied()).collect();
                if second_factor && used.len() == 1 {
                    prop_assert!(rp.channels.get(&used[0]).is_some_and(|c| c.strength >= 2));
                }
            }
        }
        // P5: the lost channel is never offered, and the offer is ranked and unique.
        if let Some(lost) = request.lost {
            prop_assert!(decision.offered.iter().all(|c| !lost.anchors().contains(&c.anchor())));
        }
        let mut sorted = decision.offered.clone();
        sorted.dedup();
        prop_assert_eq!(sorted.len(), decision.offered.len());
        // An unknown account answers in the same outcome class as its known twin.
        if !known && channel.is_some() && proven == 0 {
            let mut twin = request.clone();
            twin.account = Some(RecoveryAccount {
                channels: vec![RecoveryChannel::Email],
                factors: vec![],
                second_factor: Some(false),
                primary: None,
            });
            if let Some(c) = request.channel {
                twin.account.as_mut().unwrap().channels.push(c);
            }
            let twin_decision = evaluate_recovery(&policy, &twin).unwrap();
            prop_assert_eq!(twin_decision.outcome, decision.outcome);
            prop_assert_eq!(twin_decision.offered, decision.offered);
            prop_assert_eq!(twin_decision.grant.is_some(), decision.grant.is_some());
        }
    }

    /// Recoveries, changes (of every kind) and sign-outs in any order and at any pace: an
    /// email change and a phone change are never both allowed within the identifier window.
    #[test]
    fn email_and_phone_never_both_change_in_one_window(
        which in 0usize..4,
        ops in proptest::collection::vec((0u8..7, 0i64..4 * 86_400), 1..80),
    ) {
        let policy = preset(which);
        let window = i64::try_from(policy.recovery.identifier_change_window).unwrap();
        let account = RecoveryAccount {
            channels: vec![RecoveryChannel::Email, RecoveryChannel::Sms],
            factors: vec![Factor::Password, Factor::Passkey, Factor::Totp],
            second_factor: None,
            primary: None,
        };
        let mut history = History::new();
        let mut now = NOW;
        let mut allowed: Vec<(ChangeKind, i64)> = Vec::new();
        for (op, advance) in ops {
            now += advance;
            let change = match op {
                0 => {
                    history = record(&policy, &history, &Event::new(EventType::RecoverySuccess, now)).unwrap();
                    continue;
                }
                1 => {
                    history = record(&policy, &history, &Event::new(EventType::SignOutEverywhere, now)).unwrap();
                    continue;
                }
                2 => ChangeKind::Email,
                3 => ChangeKind::Phone,
                4 => ChangeKind::Password,
                5 => ChangeKind::Mfa,
                _ => ChangeKind::PayoutDestination,
            };
            let request = ChangeRequest {
                now,
                change,
                replaces: None,
                session: Some(ciam_policy::json::from_str(&json!({ "aal": 2, "amr": ["hwk"], "authTime": now }).to_string()).unwrap()),
                account: account.clone(),
                verified: vec![
                    VerifiedMethod { method: RecoveryChannel::Passkey, at: now },
                    VerifiedMethod { method: RecoveryChannel::Support, at: now },
                ],
                history: Some(history.clone()),
            };
            let decision = evaluate_change(&policy, &request).unwrap();
            if decision.outcome == Outcome::Allow {
                let mut event = Event::new(EventType::CredentialChange, now);
                event.change = Some(change);
                history = record(&policy, &history, &event).unwrap();
                if matches!(change, ChangeKind::Email | ChangeKind::Phone) {
                    allowed.push((change, now));
                }
                let old_channel = match change {
                    ChangeKind::Email => Some(RecoveryChannel::Email),
                    ChangeKind::Phone => Some(RecoveryChannel::Sms),
                    _ => None,
                };
                if let Some(old_channel) = old_channel {
                    prop_assert!(decision.notify.contains(&old_channel), "the old channel is told");
                }
            } else if decision.outcome == Outcome::Deny {
                prop_assert!(decision.retry_after.is_some_and(|w| w > 0));
            }
        }
        for (i, (a, at_a)) in allowed.iter().enumerate() {
            for (b, at_b) in allowed.iter().skip(i + 1) {
                prop_assert!(a == b || (at_b - at_a) >= window, "{:?} at {} and {:?} at {} within {}", a, at_a, b, at_b, window);
            }
        }
    }

    /// Any JSON for a recovery or change request either fails with a coded error or decides.
    #[test]
    fn no_recovery_or_change_input_panics(which in 0usize..4, value in arbitrary_request()) {
        let policy = preset(which);
        if let Ok(request) = ciam_policy::json::from_str::<RecoveryRequest>(&value.to_string()) {
            let _ = evaluate_recovery(&policy, &request);
        }
        if let Ok(request) = ciam_policy::json::from_str::<ChangeRequest>(&value.to_string()) {
            let _ = evaluate_change(&policy, &request);
        }
        if let Ok(request) = ciam_policy::json::from_str::<ciam_policy::EvaluateRequest>(&value.to_string()) {
            let _ = ciam_policy::evaluate(&policy, &request);
        }
    }

    /// Any token text, and any single-byte change of a valid token, is refused without a panic.
    #[test]
    fn no_token_input_panics(text in ".{0,600}", index in any::<usize>(), byte in any::<u8>(), now in any::<i64>()) {
        let policy = preset(0);
        let keys = KeySet::new(vec![("k1".into(), vec![7; 32])], "k1").unwrap();
        let verify = |token: String, now: i64| token::verify(&policy, &keys, &VerifyRequest {
            now, token, purpose: Purpose::StepUpGrant, audience: "shop".into(), subject: None, action: None, history: None, revoked_jtis: vec![],
        });
        prop_assert!(verify(text.clone(), NOW).is_err());
        let _ = base64url::decode(&text);
        let minted = token::mint_step_up_grant(&policy, &keys, &ciam_policy::json::from_str(&json!({
            "now": NOW, "sub": "a", "aud": "shop", "acr": "x", "authTime": NOW, "action": "payout"
        }).to_string()).unwrap()).unwrap();
        let mut bytes = minted.token.clone().into_bytes();
        let i = index % bytes.len();
        if bytes[i] != byte {
            bytes[i] = byte;
            if let Ok(tampered) = String::from_utf8(bytes) {
                prop_assert!(verify(tampered, NOW + 1).is_err());
            }
        }
        let _ = verify(minted.token, now);
    }
}

fn arbitrary_request() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0i64..2_000_000_000).prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            "email",
            "sms",
            "voice",
            "recovery_code",
            "passkey",
            "totp",
            "second_email",
            "trusted_contact",
            "support",
            "phone",
            "mailbox",
            "password",
            "mfa",
            "payout_destination",
            "recovery_attempt",
            "recovery_success",
            "credential_change",
            "198.51.100.7",
            "",
        ])
        .prop_map(Value::from),
    ];
    let value = leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(field(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(field(), value, 0..10).prop_map(|mut m| {
        m.entry("now".into()).or_insert(json!(NOW));
        Value::Object(m.into_iter().collect())
    })
}

fn field() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "now",
        "channel",
        "lost",
        "compromised",
        "account",
        "device",
        "network",
        "history",
        "sourceHistory",
        "proven",
        "channels",
        "factors",
        "secondFactor",
        "primary",
        "change",
        "replaces",
        "session",
        "verified",
        "method",
        "at",
        "events",
        "type",
        "version",
        "id",
        "managed",
        "botScore",
        "ip",
        "aal",
        "amr",
        "authTime",
        "action",
    ])
    .prop_map(String::from)
}
