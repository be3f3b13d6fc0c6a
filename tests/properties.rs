//! Property tests of the decision core:
//!
//! - no input panics: arbitrary JSON-ish requests (and mutations of valid ones), arbitrary
//!   event sequences, arbitrary bytes into `state::decode`, arbitrary policy patches;
//! - monotonicity: raising any one risk signal never lowers the outcome's severity
//!   (allow < step_up < throttle < deny) or the risk score, never lowers the assurance a
//!   step-up asks for and never raises its `maxAge` — under every preset and under randomly
//!   tweaked (but valid) policies;
//! - determinism: the same input gives the same decision;
//! - the history bound: for any event sequence every class stays within its cap, the
//!   encoding stays within `MAX_ENCODED_BYTES`, and encode/decode round-trips exactly;
//! - the presets: every preset loads and validates, and no customer preset locks accounts.
//!
//! Case counts are kept moderate so the suite stays fast on a two-core CI runner.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ciam_policy::api::{Account, Anonymizer, Device, Network, Session, Transaction};
use ciam_policy::state::{decode, encode, MAX_ENCODED_BYTES, MAX_FAILURES, MAX_RECOVERY_ATTEMPTS, MAX_SECURITY_EVENTS, MAX_SUCCESSES};
use ciam_policy::{evaluate, presets, record, ChangeKind, Decision, EvaluateRequest, Event, EventType, Factor, History, Outcome, Policy};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::OnceLock;

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

fn preset_policies() -> &'static Vec<Policy> {
    static POLICIES: OnceLock<Vec<Policy>> = OnceLock::new();
    POLICIES.get_or_init(|| presets::names().into_iter().map(|n| presets::load(n).unwrap()).collect())
}

fn preset_documents() -> &'static Vec<Value> {
    static DOCS: OnceLock<Vec<Value>> = OnceLock::new();
    DOCS.get_or_init(|| presets::names().into_iter().map(|n| serde_json::from_str(presets::json(n).unwrap()).unwrap()).collect())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------
// Presets
// ---------------------------------------------------------------------------------------

#[test]
fn every_preset_loads_and_validates() {
    assert_eq!(presets::names(), ["ciam-retail", "ciam-fintech", "ciam-health", "workforce"]);
    for name in presets::names() {
        let policy = presets::load(name).unwrap_or_else(|e| panic!("preset {name}: {e}"));
        assert_eq!(policy.name, name);
        ciam_policy::policy::validate(&policy).unwrap();
        // The text form round-trips into an equal, still valid policy.
        let again = Policy::from_json(&ciam_policy::json::to_string(&policy)).unwrap();
        assert_eq!(again, policy);
    }
    assert_eq!(presets::load("ciam-bank").unwrap_err().code().as_str(), "unknown_preset");
}

#[test]
fn no_customer_preset_locks_accounts() {
    for name in presets::names() {
        let policy = presets::load(name).unwrap();
        if name == "workforce" {
            let lock = policy.throttle.lockout.as_ref().expect("workforce is the lockout pattern");
            assert_eq!(lock.after_failures, 5);
        } else {
            assert!(policy.throttle.lockout.is_none(), "{name} must not hard-lock customer accounts");
        }
    }
}

// ---------------------------------------------------------------------------------------
// A structured scenario: always a valid request, so every decision is Ok and comparable.
// ---------------------------------------------------------------------------------------

const PLACES: [(&str, f64, f64); 4] =
    [("DE", 52.52, 13.405), ("PT", 38.7223, -9.1393), ("BR", -23.5505, -46.6333), ("CZ", 50.0755, 14.4378)];
const ANONYMIZERS: [Anonymizer; 4] = [Anonymizer::Vpn, Anonymizer::Proxy, Anonymizer::Tor, Anonymizer::Hosting];

#[derive(Debug, Clone)]
struct Scenario {
    preset: usize,
    action: usize,
    has_device: bool,
    bot: Option<f64>,
    ip_risk: Option<f64>,
    anonymizer: Option<Anonymizer>,
    place: usize,
    session: Option<(u8, i64)>,
    factors: Vec<bool>,
    breached: bool,
    amount: Option<f64>,
    created_ago: Option<i64>,
    last_seen_ago: Option<i64>,
    last_seen_place: usize,
    failures_here: u32,
    failures_elsewhere: u32,
    ip_failures: u32,
    recovery_ago: Option<i64>,
    change_ago: Option<i64>,
    managed: Option<bool>,
    known_override: Option<bool>,
    device_name: &'static str,
}

fn ago() -> impl Strategy<Value = i64> {
    prop_oneof![
        0..3600i64,
        0..30 * DAY,
        0..800 * DAY,
        Just(0),
        Just(300),
        Just(900),
        Just(3600),
        Just(604_800),
        Just(23_328_000),
        Just(31_536_000)
    ]
}

fn score() -> impl Strategy<Value = f64> {
    // Uniform, whole numbers, and the presets' thresholds with their neighbours.
    let near = [39u8, 40, 49, 50, 59, 60, 69, 70, 79, 80, 89, 90, 94, 95, 100];
    prop_oneof![0.0..=100.0f64, (0u8..=100).prop_map(f64::from), prop::sample::select(near.to_vec()).prop_map(f64::from)]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let a = (
        0..4usize,
        0..16usize,
        any::<bool>(),
        prop::option::of(score()),
        prop::option::of(score()),
        prop::option::of(prop::sample::select(ANONYMIZERS.to_vec())),
        0..PLACES.len(),
        prop::option::of((0u8..=3, ago())),
        prop::collection::vec(any::<bool>(), Factor::ALL.len()),
        any::<bool>(),
    );
    let b = (
        prop::option::of(prop_oneof![0.0..20_000.0f64, prop::sample::select(vec![250.0, 500.0, 1000.0, 2000.0, 10_000.0])]),
        prop::option::of(ago()),
        prop::option::of(ago()),
        0..PLACES.len(),
        0..10u32,
        0..12u32,
        0..25u32,
        prop::option::of(ago()),
        prop::option::of(ago()),
        prop::option::of(any::<bool>()),
    );
    (a, b).prop_map(|(a, b)| Scenario {
        preset: a.0,
        action: a.1,
        has_device: a.2,
        bot: a.3,
        ip_risk: a.4,
        anonymizer: a.5,
        place: a.6,
        session: a.7,
        factors: a.8,
        breached: a.9,
        amount: b.0,
        created_ago: b.1,
        last_seen_ago: b.2,
        last_seen_place: b.3,
        failures_here: b.4,
        failures_elsewhere: b.5,
        ip_failures: b.6,
        recovery_ago: b.7,
        change_ago: b.8,
        managed: b.9,
        known_override: None,
        device_name: "dev-main",
    })
}

fn event(kind: EventType, at: i64, device: Option<&str>, ip: Option<&str>) -> Event {
    let mut e = Event::new(kind, at);
    e.device_id = device.map(str::to_string);
    e.ip = ip.map(str::to_string);
    e
}

fn build(events: Vec<Event>, policy: &Policy) -> Option<History> {
    if events.is_empty() {
        return None;
    }
    let mut events = events;
    events.sort_by_key(|e| e.at);
    let mut history = History::new();
    for e in &events {
        history = record(policy, &history, e).unwrap();
    }
    Some(history)
}

impl Scenario {
    fn policy(&self) -> &'static Policy {
        &preset_policies()[self.preset]
    }

    fn request_with(&self, policy: &Policy) -> EvaluateRequest {
        let actions: Vec<&String> = policy.actions.keys().collect();
        let action = actions[self.action % actions.len()].clone();
        let (country, lat, lon) = PLACES[self.place];
        let device_id = self.has_device.then_some(self.device_name);
        let ip = "203.0.113.7";

        let mut events = Vec::new();
        if let Some(seen) = self.last_seen_ago {
            let (c, la, lo) = PLACES[self.last_seen_place];
            let mut e = event(EventType::SignInSuccess, NOW - seen, Some("dev-main"), Some(ip));
            e.country = Some(c.into());
            e.lat = Some(la);
            e.lon = Some(lo);
            events.push(e);
        }
        for i in 0..self.failures_here {
            events.push(event(EventType::SignInFailure, NOW - 30 - i64::from(i) * 40, device_id, Some(ip)));
        }
        for i in 0..self.failures_elsewhere {
            events.push(event(EventType::SignInFailure, NOW - 20 - i64::from(i) * 70, Some(&format!("other-{i}")), Some("198.51.100.23")));
        }
        if let Some(t) = self.recovery_ago {
            let mut e = event(EventType::RecoverySuccess, NOW - t, device_id, None);
            e.channel = Some("email".into());
            events.push(e);
        }
        if let Some(t) = self.change_ago {
            let mut e = event(EventType::CredentialChange, NOW - t, device_id, None);
            e.change = Some(ChangeKind::Password);
            events.push(e);
        }
        let source: Vec<Event> = (0..self.ip_failures)
            .map(|i| event(EventType::SignInFailure, NOW - 10 - i64::from(i) * 15, Some(&format!("bot-{i}")), Some(ip)))
            .collect();

        let factors: Vec<Factor> = Factor::ALL.iter().zip(&self.factors).filter(|(_, on)| **on).map(|(f, _)| *f).collect();
        let device = (self.has_device || self.bot.is_some() || self.managed.is_some() || self.known_override.is_some()).then(|| Device {
            id: device_id.map(str::to_string),
            bot_score: self.bot,
            known: self.known_override,
            managed: self.managed,
        });
        EvaluateRequest {
            now: NOW,
            action,
            device,
            network: Some(Network {
                ip: Some(ip.into()),
                ip_risk: self.ip_risk,
                anonymizer: self.anonymizer,
                country: Some(country.into()),
                lat: Some(lat),
                lon: Some(lon),
            }),
            session: self.session.map(|(aal, age)| Session { aal, amr: vec!["pwd".into()], auth_time: NOW - age }),
            account: Some(Account { created_at: self.created_ago.map(|t| NOW - t), factors, breached: self.breached }),
            transaction: self.amount.map(|amount| Transaction { amount, currency: "EUR".into() }),
            history: build(events, policy),
            source_history: build(source, policy),
        }
    }
}

/// One risk signal, raised.
#[derive(Debug, Clone)]
enum Raise {
    IpRisk(f64),
    BotScore(f64),
    Anonymizer(Anonymizer),
    Breached,
    UnknownDevice,
    NewDeviceId,
    Amount(f64),
    FailuresElsewhere(u32),
    IpFailures(u32),
}

fn raise() -> impl Strategy<Value = Raise> {
    prop_oneof![
        prop_oneof![0.0..=100.0f64, 1.0..=20.0f64].prop_map(Raise::IpRisk),
        prop_oneof![0.0..=100.0f64, 1.0..=20.0f64].prop_map(Raise::BotScore),
        prop::sample::select(ANONYMIZERS.to_vec()).prop_map(Raise::Anonymizer),
        Just(Raise::Breached),
        Just(Raise::UnknownDevice),
        Just(Raise::NewDeviceId),
        prop_oneof![0.0..20_000.0f64, Just(0.01)].prop_map(Raise::Amount),
        (1..=10u32).prop_map(Raise::FailuresElsewhere),
        (1..=7u32).prop_map(Raise::IpFailures),
    ]
}

impl Raise {
    fn apply(&self, base: &Scenario) -> Scenario {
        let mut s = base.clone();
        match self {
            Raise::IpRisk(up) => s.ip_risk = Some((base.ip_risk.unwrap_or(0.0) + up).min(100.0)),
            Raise::BotScore(up) => s.bot = Some((base.bot.unwrap_or(0.0) + up).min(100.0)),
            Raise::Anonymizer(a) => {
                if base.anonymizer.is_none() {
                    s.anonymizer = Some(*a);
                }
            }
            Raise::Breached => s.breached = true,
            Raise::UnknownDevice => s.known_override = Some(false),
            // A device never seen before. Only when the old one has no failures of its own:
            // leaving a throttled device escapes its back-off by design (per-device throttling).
            Raise::NewDeviceId => {
                if base.failures_here == 0 {
                    s.has_device = true;
                    s.device_name = "dev-fresh";
                }
            }
            Raise::Amount(up) => s.amount = Some(base.amount.unwrap_or(0.0) + up),
            // Failures are kept within one history's capacity, so none is evicted (a bounded
            // history forgets its oldest failures; that is the bound, not a lowered bar).
            Raise::FailuresElsewhere(more) => s.failures_elsewhere = base.failures_elsewhere + more,
            Raise::IpFailures(more) => s.ip_failures = base.ip_failures + more,
        }
        s
    }
}

fn assert_not_lower(policy: &Policy, base: &Scenario, raised: &Scenario, what: &Raise) -> Result<(), TestCaseError> {
    let (base_request, raised_request) = (base.request_with(policy), raised.request_with(policy));
    let before = evaluate(policy, &base_request).map_err(|e| TestCaseError::fail(format!("base request failed: {e}")))?;
    let after = evaluate(policy, &raised_request).map_err(|e| TestCaseError::fail(format!("raised request failed: {e}")))?;
    check_explained(policy, &base_request, &before)?;
    check_explained(policy, &raised_request, &after)?;
    let context = || format!("raising {what:?} under {}:\n  before {}\n  after  {}", policy.name, summary(&before), summary(&after));
    prop_assert!(after.outcome.severity() >= before.outcome.severity(), "outcome got milder; {}", context());
    prop_assert!(after.risk.score >= before.risk.score, "score fell; {}", context());
    if let (Some(b), Some(a)) = (&before.step_up, &after.step_up) {
        prop_assert!(a.aal >= b.aal, "required assurance fell; {}", context());
        prop_assert!(a.max_age <= b.max_age, "maxAge rose; {}", context());
    }
    Ok(())
}

fn summary(d: &Decision) -> String {
    let codes: Vec<&str> = d.reasons.iter().map(|r| r.code.as_str()).collect();
    let step = d.step_up.as_ref().map(|s| format!(" AAL{} maxAge {}", s.aal, s.max_age)).unwrap_or_default();
    format!("{:?} score {}{step} {codes:?}", d.outcome, d.risk.score)
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn raising_a_risk_signal_never_lowers_the_bar(base in scenario(), what in raise()) {
        let raised = what.apply(&base);
        assert_not_lower(base.policy(), &base, &raised, &what)?;
    }

    #[test]
    fn same_input_same_decision(s in scenario()) {
        let policy = s.policy();
        let request = s.request_with(policy);
        let first = evaluate(policy, &request).unwrap();
        let second = evaluate(policy, &request.clone()).unwrap();
        prop_assert_eq!(&first, &second);
        prop_assert_eq!(ciam_policy::json::to_string(&first), ciam_policy::json::to_string(&second));
        // A step-up always comes with its challenge and at least one factor; only throttle has retryAfter.
        prop_assert_eq!(first.step_up.is_some(), first.outcome == Outcome::StepUp);
        prop_assert_eq!(first.challenge.is_some(), first.outcome == Outcome::StepUp);
        if let Some(step) = &first.step_up {
            prop_assert!(!step.factors.is_empty());
        }
        if first.outcome == Outcome::Throttle {
            prop_assert!(first.retry_after.is_some_and(|w| w > 0));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Monotonicity under randomly tweaked, valid policies: the property must follow from what
// validation enforces, not from the presets' particular numbers.
// ---------------------------------------------------------------------------------------

/// JSON pointers of every number in a document.
fn number_paths(value: &Value, path: String, out: &mut Vec<String>) {
    match value {
        Value::Number(_) => out.push(path),
        Value::Object(map) => map.iter().for_each(|(k, v)| number_paths(v, format!("{path}/{k}"), out)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| number_paths(v, format!("{path}/{i}"), out)),
        _ => {}
    }
}

fn tweak_numbers(doc: &Value, points: &[u64], picks: &[(usize, u64)]) -> Value {
    let mut doc = doc.clone();
    let mut paths = Vec::new();
    number_paths(&doc, String::new(), &mut paths);
    // Every signal's points get a fresh value in 0..=100 (each valid on its own), so the
    // relations between them (which validation must keep sane) vary widely.
    let point_paths =
        paths.iter().filter(|p| p.starts_with("/signals/") && (p.ends_with("oints") || p.starts_with("/signals/anonymizer/")));
    for (path, value) in point_paths.zip(points.iter().cycle()) {
        if let Some(slot) = doc.pointer_mut(path) {
            *slot = json!(value);
        }
    }
    // Only the sections that score and decide; the rest cannot touch monotonicity. Signal
    // points and thresholds are few among many numbers, so they are picked most of the time.
    let scoring: Vec<String> = paths.iter().filter(|p| p.starts_with("/signals/") || p.starts_with("/risk/")).cloned().collect();
    paths.retain(|p| ["/actions/", "/throttle/", "/devices/"].iter().any(|s| p.starts_with(s)));
    for (pick, new) in picks {
        let path = if pick % 5 == 0 { &paths[pick / 5 % paths.len()] } else { &scoring[pick / 5 % scoring.len()] };
        if let Some(slot) = doc.pointer_mut(path) {
            *slot = json!(new);
        }
    }
    doc
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn raising_a_risk_signal_never_lowers_the_bar_under_tweaked_policies(
        base in scenario(),
        what in raise(),
        points in prop::collection::vec(0..=100u64, 24),
        picks in prop::collection::vec((any::<usize>(), prop_oneof![9 => 0..=100u64, 1 => 0..=100_000u64]), 0..3),
    ) {
        let doc = tweak_numbers(&preset_documents()[base.preset], &points, &picks);
        let Ok(policy) = Policy::from_json(&doc.to_string()) else { return Ok(()) };
        let raised = what.apply(&base);
        assert_not_lower(&policy, &base, &raised, &what)?;
    }
}

// ---------------------------------------------------------------------------------------
// No input panics.
// ---------------------------------------------------------------------------------------

const KEYS: [&str; 38] = [
    "now",
    "action",
    "device",
    "id",
    "botScore",
    "known",
    "managed",
    "network",
    "ip",
    "ipRisk",
    "anonymizer",
    "country",
    "lat",
    "lon",
    "session",
    "aal",
    "amr",
    "authTime",
    "account",
    "createdAt",
    "factors",
    "breached",
    "transaction",
    "amount",
    "currency",
    "history",
    "sourceHistory",
    "version",
    "lastSuccessAt",
    "events",
    "type",
    "at",
    "deviceId",
    "channel",
    "change",
    "login",
    "payout",
    "x",
];

const STRINGS: [&str; 24] = [
    "login",
    "payout",
    "signup",
    "change_email",
    "view_records",
    "",
    "203.0.113.7",
    "::1",
    "300.1.2.3",
    "DE",
    "T1",
    "de",
    "EUR",
    "USD",
    "tor",
    "vpn",
    "none",
    "passkey",
    "password",
    "sign_in_failure",
    "unlock",
    "credential_change",
    "email",
    "\u{0}\u{ffff}",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        (-1e16..1e16f64).prop_map(|f| json!(f)),
        prop::sample::select(vec![-1i64, 0, 1, 2, 3, 4, 100, 101, 255, 256, NOW, 253_402_300_799, 253_402_300_800]).prop_map(|n| json!(n)),
        prop::sample::select(STRINGS.to_vec()).prop_map(|s| json!(s)),
        "\\PC{0,20}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS.to_vec()), inner), 0..7)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

/// Replace the value reached by walking `picks` (object members and array items chosen by
/// index) with `new`, or delete it when `delete` is set and it sits in an object.
fn mutate(value: &mut Value, picks: &[usize], new: Value, delete: bool) {
    let Some((first, rest)) = picks.split_first() else {
        *value = new;
        return;
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(first % map.len()).cloned().unwrap();
            if rest.is_empty() && delete {
                map.remove(&key);
            } else {
                mutate(map.get_mut(&key).unwrap(), rest, new, delete);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let len = items.len();
            mutate(&mut items[first % len], rest, new, delete);
        }
        _ => *value = new,
    }
}

fn evaluate_everywhere(request: Value) {
    let text = request.to_string();
    let _ = EvaluateRequest::from_json(&text);
    if let Ok(parsed) = EvaluateRequest::from_json(&text) {
        for policy in preset_policies() {
            let _ = evaluate(policy, &parsed);
        }
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_json_requests_never_panic(value in json_value()) {
        evaluate_everywhere(value.clone());
        // Also with the two required fields present, to get past the first check.
        let mut object = match value { Value::Object(map) => map, other => [("x".to_string(), other)].into_iter().collect() };
        object.insert("now".into(), json!(NOW));
        object.insert("action".into(), json!("login"));
        object.remove("x");
        evaluate_everywhere(Value::Object(object));
    }

    #[test]
    fn mutated_valid_requests_never_panic(
        s in scenario(),
        edits in prop::collection::vec((prop::collection::vec(any::<usize>(), 1..5), json_value(), any::<bool>()), 1..4),
    ) {
        let mut request: Value = serde_json::from_str(&ciam_policy::json::to_string(&s.request_with(s.policy()))).unwrap();
        for (picks, new, delete) in edits {
            mutate(&mut request, &picks, new, delete);
        }
        evaluate_everywhere(request);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = EvaluateRequest::from_json(&text);
        let _ = Policy::from_json(&text);
    }

    #[test]
    fn arbitrary_policy_patches_never_panic(
        preset in 0..4usize,
        edits in prop::collection::vec((prop::collection::vec(any::<usize>(), 1..6), json_value(), any::<bool>()), 1..5),
        s in scenario(),
    ) {
        let mut doc = preset_documents()[preset].clone();
        for (picks, new, delete) in edits {
            mutate(&mut doc, &picks, new, delete);
        }
        let _ = Policy::from_json(&doc.to_string());
        if let Ok(policy) = Policy::from_json(&doc.to_string()) {
            let request = s.request_with(&policy);
            let _ = evaluate(&policy, &request);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The history bound and its encoding.
// ---------------------------------------------------------------------------------------

fn long(prefix: &str, len: usize) -> String {
    format!("{prefix}{}", "x".repeat(len - prefix.len()))
}

fn any_event() -> impl Strategy<Value = Event> {
    let devices = vec![None, Some("a".to_string()), Some("b".to_string()), Some("c".to_string()), Some(long("d", 128))];
    let ips = vec![None, Some("203.0.113.7".to_string()), Some("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255".to_string())];
    let channels = vec![None, Some("email".to_string()), Some(long("c", 32))];
    (
        0..EventType::ALL.len(),
        prop_oneof![NOW - 3 * 365 * DAY..NOW + DAY, NOW - 4000..NOW, Just(NOW)],
        prop::sample::select(devices),
        prop::sample::select(ips),
        prop::option::of(prop::sample::select(vec!["DE", "PT", "T1"])),
        prop::option::of((-90.0..=90.0f64, -180.0..=180.0f64)),
        prop::sample::select(channels),
        prop::option::of(prop::sample::select(ChangeKind::ALL.to_vec())),
    )
        .prop_map(|(kind, at, device, ip, country, coords, channel, change)| Event {
            kind: EventType::ALL[kind],
            at,
            device_id: device,
            ip,
            country: country.map(str::to_string),
            lat: coords.map(|c| c.0),
            lon: coords.map(|c| c.1),
            channel,
            change,
        })
}

fn check_bound(history: &History) -> Result<(), TestCaseError> {
    let count = |pred: fn(EventType) -> bool| history.events.iter().filter(|e| pred(e.kind)).count();
    prop_assert!(count(|k| k.is_success()) <= MAX_SUCCESSES);
    prop_assert!(count(|k| k.is_failure()) <= MAX_FAILURES);
    prop_assert!(count(|k| k == EventType::RecoveryAttempt) <= MAX_RECOVERY_ATTEMPTS);
    prop_assert!(
        count(|k| matches!(k, EventType::RecoverySuccess | EventType::CredentialChange | EventType::SignOutEverywhere | EventType::Unlock))
            <= MAX_SECURITY_EVENTS
    );
    prop_assert!(history.events.windows(2).all(|w| w[0].at <= w[1].at), "events out of order");
    // One success per device (the latest): a replay of old successes from one device must not
    // take the places of other devices' successes.
    let mut devices: Vec<&str> = history.events.iter().filter(|e| e.kind.is_success()).filter_map(|e| e.device_id.as_deref()).collect();
    let total = devices.len();
    devices.sort_unstable();
    devices.dedup();
    prop_assert_eq!(devices.len(), total, "more than one success for a device");
    history.validate("/history").map_err(|e| TestCaseError::fail(format!("recorded history does not validate: {e}")))?;
    let bytes = encode(history);
    prop_assert!(bytes.len() <= MAX_ENCODED_BYTES, "{} encoded bytes", bytes.len());
    let decoded = decode(&bytes).map_err(|e| TestCaseError::fail(format!("decode of an encoded history failed: {e}")))?;
    prop_assert_eq!(&decoded, history);
    // JSON is the other wire form; it round-trips too.
    let json: History = ciam_policy::json::from_str(&ciam_policy::json::to_string(history)).unwrap();
    prop_assert_eq!(&json, history);
    Ok(())
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn any_event_sequence_stays_bounded_and_round_trips(preset in 0..4usize, events in prop::collection::vec(any_event(), 0..160)) {
        let policy = &preset_policies()[preset];
        let mut history = History::new();
        for e in &events {
            // Invalid events (a credential_change without `change`) are refused, never stored.
            if let Ok(next) = record(policy, &history, e) {
                history = next;
            }
        }
        check_bound(&history)?;
        // Whatever the history, evaluating against it never fails for a valid request.
        for device in ["a", "b", "z"] {
            let mut request = EvaluateRequest::from_json(&format!(
                r#"{{"now": {NOW}, "action": "login", "device": {{"id": "{device}"}}, "network": {{"ip": "203.0.113.7", "country": "DE", "lat": 52.5, "lon": 13.4}}}}"#
            )).unwrap();
            request.history = Some(history.clone());
            request.source_history = Some(history.clone());
            evaluate(policy, &request).map_err(|e| TestCaseError::fail(format!("evaluate failed: {e}")))?;
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_in_decode(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(history) = decode(&bytes) {
            prop_assert_eq!(decode(&encode(&history)).unwrap(), history);
        }
        let mut with_header = b"CH\x01".to_vec();
        with_header.extend_from_slice(&bytes);
        if let Ok(history) = decode(&with_header) {
            prop_assert_eq!(decode(&encode(&history)).unwrap(), history);
        }
    }

    #[test]
    fn corrupted_encodings_never_panic(
        events in prop::collection::vec(any_event(), 1..40),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), 0..3u8), 1..6),
    ) {
        let policy = &preset_policies()[0];
        let mut history = History::new();
        for e in &events {
            if let Ok(next) = record(policy, &history, e) {
                history = next;
            }
        }
        let mut bytes = encode(&history);
        for (at, byte, op) in edits {
            let at = at % (bytes.len() + 1);
            match op {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {}
            }
        }
        if let Ok(decoded) = decode(&bytes) {
            decoded.validate("/history").unwrap();
            prop_assert_eq!(decode(&encode(&decoded)).unwrap(), decoded);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Customer identity is not workforce identity.
// ---------------------------------------------------------------------------------------

/// The customer's known device and a session on it, plus an attack from elsewhere.
fn known_device_request(
    policy: &Policy,
    action: usize,
    seen_ago: i64,
    session: (u8, i64),
    attack: &[(i64, Option<String>)],
) -> EvaluateRequest {
    let actions: Vec<&String> = policy.actions.keys().collect();
    let mut events = vec![{
        let mut e = event(EventType::SignInSuccess, NOW - seen_ago, Some("dev-main"), Some("203.0.113.7"));
        e.country = Some("DE".into());
        e.lat = Some(52.52);
        e.lon = Some(13.405);
        e
    }];
    for (ago, device) in attack {
        events.push(event(EventType::SignInFailure, NOW - ago, device.as_deref(), Some("198.51.100.23")));
    }
    EvaluateRequest {
        now: NOW,
        action: actions[action % actions.len()].clone(),
        device: Some(Device { id: Some("dev-main".into()), bot_score: Some(1.0), known: None, managed: Some(true) }),
        network: Some(Network {
            ip: Some("203.0.113.7".into()),
            ip_risk: Some(2.0),
            anonymizer: None,
            country: Some("DE".into()),
            lat: Some(52.52),
            lon: Some(13.405),
        }),
        session: Some(Session { aal: session.0, amr: vec!["pwd".into()], auth_time: NOW - session.1 }),
        account: Some(Account {
            created_at: Some(NOW - 900 * DAY),
            factors: vec![Factor::Password, Factor::Passkey, Factor::Sms],
            breached: false,
        }),
        transaction: None,
        history: build(events, policy),
        source_history: None,
    }
}

fn attack() -> impl Strategy<Value = Vec<(i64, Option<String>)>> {
    prop::collection::vec((1..3600i64, prop::option::of((0..4u8).prop_map(|d| format!("evil-{d}")))), 0..=32)
}

proptest! {
    #![proptest_config(config(256))]

    /// P3: failures from other devices or addresses never throttle, lock or even change the
    /// decision for the customer's known device in a customer preset; workforce locks after 5
    /// failures since the last success.
    #[test]
    fn attacks_elsewhere_never_change_a_known_devices_decision(
        preset in 0..4usize,
        action in 0..16usize,
        seen_ago in 0..30 * DAY,
        session in (1u8..=3, 0..2 * DAY),
        attack in attack(),
    ) {
        let policy = &preset_policies()[preset];
        let quiet = evaluate(policy, &known_device_request(policy, action, seen_ago, session, &[])).unwrap();
        let attacked = evaluate(policy, &known_device_request(policy, action, seen_ago, session, &attack)).unwrap();
        if policy.throttle.lockout.is_none() {
            prop_assert_eq!(&attacked, &quiet, "{} failures elsewhere changed the known device's decision", attack.len());
        } else if attack.iter().filter(|(ago, _)| *ago < seen_ago).count() >= 5
            && policy.action(&attacked_action(policy, action)).is_some_and(|a| a.kind != ciam_policy::policy::ActionKind::SignUp)
        {
            prop_assert_eq!(attacked.outcome, Outcome::Deny);
            prop_assert!(attacked.reasons.iter().any(|r| r.code.as_str() == "account_locked"));
        }
    }

    /// P3: a customer returning after any time away, on a new phone, from another country
    /// reached at plausible speed, is allowed or stepped up in every customer preset — never
    /// denied — as long as the account has a second factor.
    #[test]
    fn returning_travelling_or_new_phone_customers_are_never_denied(
        preset in 0..3usize,
        action in 0..16usize,
        away in prop_oneof![DAY..2 * DAY, DAY..800 * DAY, Just(23_328_000i64), Just(31_536_000)],
        new_phone in any::<bool>(),
        place in 0..PLACES.len(),
        session in prop::option::of((0u8..=3, 0..2 * DAY)),
        second in prop::sample::select(vec![Factor::Passkey, Factor::Totp, Factor::Sms, Factor::Push]),
        with_password in any::<bool>(),
    ) {
        let policy = &preset_policies()[preset];
        prop_assert!(policy.throttle.lockout.is_none());
        let mut request = known_device_request(policy, action, away, session.unwrap_or((1, 0)), &[]);
        let (country, lat, lon) = PLACES[place];
        let network = request.network.as_mut().unwrap();
        network.country = Some(country.into());
        network.lat = Some(lat);
        network.lon = Some(lon);
        request.session = session.map(|(aal, age)| Session { aal, amr: vec!["pwd".into()], auth_time: NOW - age });
        if new_phone {
            request.device.as_mut().unwrap().id = Some("phone-new".into());
        }
        request.account.as_mut().unwrap().factors = if with_password { vec![Factor::Password, second] } else { vec![second] };
        let decision = evaluate(policy, &request).unwrap();
        prop_assert!(
            matches!(decision.outcome, Outcome::Allow | Outcome::StepUp),
            "{} denied or throttled a returning customer: {}", policy.name, summary(&decision)
        );
    }
}

fn attacked_action(policy: &Policy, action: usize) -> String {
    let actions: Vec<&String> = policy.actions.keys().collect();
    actions[action % actions.len()].clone()
}

// ---------------------------------------------------------------------------------------
// Every decision explains itself consistently.
// ---------------------------------------------------------------------------------------

fn check_explained(policy: &Policy, request: &EvaluateRequest, d: &Decision) -> Result<(), TestCaseError> {
    use ciam_policy::api::RiskLevel;
    let points: u32 = d.reasons.iter().map(|r| u32::from(r.points)).sum();
    prop_assert_eq!(u32::from(d.risk.score), points.min(100), "score is not the sum of the reasons' points: {}", summary(d));
    let r = &policy.risk;
    let level = match d.risk.score {
        s if s >= r.critical => RiskLevel::Critical,
        s if s >= r.high => RiskLevel::High,
        s if s >= r.medium => RiskLevel::Medium,
        _ => RiskLevel::Low,
    };
    prop_assert_eq!(d.risk.level, level);
    let order: Vec<usize> = d.reasons.iter().map(|x| ciam_policy::ReasonCode::ALL.iter().position(|c| *c == x.code).unwrap()).collect();
    prop_assert!(order.windows(2).all(|w| w[0] < w[1]), "reasons not unique and in canonical order: {}", summary(d));
    prop_assert!(d.reasons.iter().all(|x| !x.message.to_string().is_empty()));
    let has = |code: &str| d.reasons.iter().any(|x| x.code.as_str() == code);
    match d.outcome {
        Outcome::Allow => prop_assert!(!has("insufficient_assurance") && !has("authentication_too_old"), "{}", summary(d)),
        Outcome::StepUp => prop_assert!(has("insufficient_assurance") || has("authentication_too_old"), "{}", summary(d)),
        Outcome::Throttle => prop_assert!(has("device_throttled") || has("ip_throttled"), "{}", summary(d)),
        Outcome::Deny => prop_assert!(
            ["account_locked", "bot_detected", "unmanaged_device", "risk_too_high", "recovery_hold", "no_eligible_factor"]
                .iter()
                .any(|c| has(c)),
            "{}",
            summary(d)
        ),
    }
    // retryAfter comes with a throttle, or with a recovery hold that alone denies.
    if d.outcome == Outcome::Throttle {
        prop_assert!(d.retry_after.is_some_and(|w| w > 0));
    } else if d.retry_after.is_some() {
        prop_assert!(d.outcome == Outcome::Deny && has("recovery_hold"), "retryAfter without a wait: {}", summary(d));
    }
    if let Some(step) = &d.step_up {
        let account: Vec<Factor> = request.account.as_ref().map(|a| a.factors.clone()).unwrap_or_default();
        let breached = request.account.as_ref().is_some_and(|a| a.breached);
        let mut last = 0u8;
        for f in &step.factors {
            let rule = policy.factors.get(f).expect("offered factor is declared");
            prop_assert!(rule.aal >= step.aal, "{f} does not reach AAL{}", step.aal);
            prop_assert!(*f != Factor::RecoveryCode && !(breached && *f == Factor::Password));
            prop_assert!(account.is_empty() || account.contains(f), "{f} is not the account's");
            prop_assert!(rule.friction >= last, "factors not ranked by friction");
            last = rule.friction;
        }
        let challenge = d.challenge.unwrap().to_string();
        let expected = format!(
            "Bearer error=\"insufficient_user_authentication\", error_description=\"Authentication at AAL{} within {} seconds is required for {}\", acr_values=\"{}\", max_age={}",
            step.aal, step.max_age, request.action, step.acr, step.max_age
        );
        prop_assert_eq!(challenge, expected);
        prop_assert!(step.max_age <= ciam_policy::risk::NIST_MAX_AUTH_AGE[usize::from(step.aal)]);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn decisions_explain_themselves(s in scenario()) {
        let policy = s.policy();
        let request = s.request_with(policy);
        let decision = evaluate(policy, &request).unwrap();
        check_explained(policy, &request, &decision)?;
    }
}
