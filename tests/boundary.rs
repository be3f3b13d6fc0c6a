//! The two ways an `evaluate` request crosses the JavaScript boundary agree.
//!
//! `PolicyEngine.evaluate` in `pkg-templates/api.js` first writes a plain request into the
//! packed layout ([`packed`]) and decides it with [`evaluate_packed`]; whatever that path
//! cannot carry or rejects ([`Status::Retry`]) goes as JSON text to [`evaluate_text`]. This
//! suite proves, on random but mostly valid requests under every preset (sessions, factors,
//! transactions, networks, device ids, histories recorded with [`record`] and passed as the
//! bytes of [`encode`], out-of-range numbers, unknown actions, duplicate factors):
//!
//! - a packed request that decides decides exactly as its JSON text does: the same `words`,
//!   `nums` and `text` of the decision layout, and the packed reader rebuilds exactly the
//!   [`Attempt`] the JSON reader builds;
//! - a packed request the fast path rejects is an error on the JSON path too. The one allowed
//!   exception is a non-finite optional number (JSON text writes it as `null`, i.e. absent,
//!   which the packed layout cannot say); those are counted and printed, any other is a failure;
//! - every double a JS number can be (fractions, `-0`, `NaN`, infinities, 2^53, 2^63, `1e21`,
//!   subnormals, …), written into any number slot and into the JSON text the way
//!   `JSON.stringify` writes it, keeps both statements above;
//! - a history given as bytes decides as the same history in its JSON form, and as the same
//!   history written with every string twice in its tables (which `record` never writes);
//! - random bytes, truncated packed buffers and packed buffers with random words changed never
//!   panic in [`evaluate_packed`] (any status is fine).
//!
//! Run `cargo test --test boundary -- --nocapture` to see the counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ciam_policy::api::{Account, Anonymizer, Device, Network, Session, Transaction};
use ciam_policy::boundary::packed::{self, flag, number, word, HEAP};
use ciam_policy::boundary::{evaluate_packed, evaluate_text, Output, Status};
use ciam_policy::state::{decode, encode};
use ciam_policy::{presets, record, Attempt, ChangeKind, EvaluateRequest, Event, EventType, Factor, History, Policy};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use std::cell::RefCell;
use std::sync::OnceLock;

mod support;
use support::history_bytes::with_repeated_strings;

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;
/// The last accepted Unix time (`validate::MAX_TIME`).
const MAX_TIME: i64 = 253_402_300_799;

fn policies() -> &'static Vec<Policy> {
    static POLICIES: OnceLock<Vec<Policy>> = OnceLock::new();
    POLICIES.get_or_init(|| presets::names().into_iter().map(|n| presets::load(n).unwrap()).collect())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------
// Random requests
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Action {
    /// The n-th action of the policy's catalog.
    Known(usize),
    /// A name that may or may not be in the catalog.
    Other(&'static str),
}

#[derive(Debug, Clone)]
struct EventSpec {
    kind: usize,
    ago: i64,
    device: Option<&'static str>,
    ip: Option<&'static str>,
    place: Option<usize>,
}

#[derive(Debug, Clone)]
struct Spec {
    preset: usize,
    now: i64,
    action: Action,
    device: Option<Device>,
    network: Option<Network>,
    /// aal, amr, authTime as seconds before `now` (negative: after it).
    session: Option<(u8, Vec<String>, i64)>,
    /// createdAt as seconds before `now`, factors, breached.
    account: Option<(Option<i64>, Vec<Factor>, bool)>,
    /// amount, currency (`None`: the policy's).
    transaction: Option<(f64, Option<&'static str>)>,
    history: Option<Vec<EventSpec>>,
    source: Option<Vec<EventSpec>>,
    /// Flip bits of one history byte: (position, mask).
    corrupt: Option<(usize, u8)>,
}

const PLACES: [(&str, f64, f64); 4] =
    [("DE", 52.52, 13.405), ("PT", 38.7223, -9.1393), ("BR", -23.5505, -46.6333), ("CZ", 50.0755, 14.4378)];

fn ago() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => 0..3600i64,
        8 => 0..30 * DAY,
        4 => 0..800 * DAY,
        2 => Just(0i64),
        1 => Just(-60i64),
    ]
}

/// A 0–100 signal, sometimes out of range or not finite.
fn score() -> impl Strategy<Value = f64> {
    let odd = vec![-0.0, -1.0, 100.5, 1e300, 5e-324, 0.1 + 0.2, 99.99999999999999, f64::NAN, f64::INFINITY];
    prop_oneof![
        12 => 0.0..=100.0f64,
        6 => (0u8..=100).prop_map(f64::from),
        1 => prop::sample::select(odd),
    ]
}

fn text_of(pool: &[&str]) -> impl Strategy<Value = String> {
    prop::sample::select(pool.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

/// Mostly a valid value, one time in ten an invalid one.
fn valid_or_not(good: &[&str], bad: &[&str]) -> impl Strategy<Value = String> {
    prop_oneof![9 => text_of(good), 1 => text_of(bad)]
}

fn device_id() -> impl Strategy<Value = String> {
    let long = "d".repeat(129);
    valid_or_not(&["dev-main", "phone-1", "dev-fresh", "q\"uote\\"], &["", "has space", "dévice", "tab\t", long.as_str()])
}

fn network() -> impl Strategy<Value = Network> {
    let ips =
        valid_or_not(&["203.0.113.7", "198.51.100.23", "2001:db8::1", "::ffff:203.0.113.7"], &["256.1.1.1", "01.2.3.4", "not-an-ip", ""]);
    let countries = valid_or_not(&["DE", "PT", "BR", "CZ", "T1"], &["de", "DEU", ""]);
    let coordinates = prop_oneof![
        12 => (0..PLACES.len()).prop_map(|i| (Some(PLACES[i].1), Some(PLACES[i].2))),
        4 => (-90.0..=90.0f64, -180.0..=180.0f64).prop_map(|(a, o)| (Some(a), Some(o))),
        1 => Just((Some(90.5), Some(0.0))),
        1 => Just((Some(10.0), None)),
        1 => Just((None, Some(10.0))),
        4 => Just((None, None)),
    ];
    (
        prop::option::of(ips),
        prop::option::of(score()),
        prop::option::of(prop::sample::select(Anonymizer::ALL.to_vec())),
        prop::option::of(countries),
        coordinates,
    )
        .prop_map(|(ip, ip_risk, anonymizer, country, (lat, lon))| Network { ip, ip_risk, anonymizer, country, lat, lon })
}

fn session() -> impl Strategy<Value = (u8, Vec<String>, i64)> {
    let amr = || valid_or_not(&["pwd", "pwd", "otp", "hwk", "swk", "mfa", "sms"], &["", "x y", "ünï"]);
    let amr = prop_oneof![
        19 => prop::collection::vec(amr(), 0..=3),
        1 => prop::collection::vec(amr(), 16..=18),
    ];
    (prop_oneof![19 => 0u8..=3, 1 => 4u8..=255], amr, ago())
}

fn account() -> impl Strategy<Value = (Option<i64>, Vec<Factor>, bool)> {
    let subset = prop::collection::vec(any::<bool>(), Factor::ALL.len())
        .prop_map(|on| Factor::ALL.iter().zip(on).filter(|(_, on)| *on).map(|(f, _)| *f).collect::<Vec<_>>());
    // Any picks, duplicates and lists longer than the catalog included.
    let any_list = prop::collection::vec(prop::sample::select(Factor::ALL.to_vec()), 0..=10);
    let created = prop_oneof![18 => ago(), 1 => Just(-DAY), 1 => Just(NOW + 1)];
    (prop::option::of(created), prop_oneof![9 => subset, 1 => any_list], any::<bool>())
}

fn transaction() -> impl Strategy<Value = (f64, Option<&'static str>)> {
    let odd = vec![0.0, 0.01, 250.0, 500.0, 1000.0, 10_000.0, -1.0, 1e15, 1e15 + 1.0, f64::NAN];
    let amount = prop_oneof![8 => 0.0..20_000.0f64, 2 => prop::sample::select(odd)];
    let currency = prop_oneof![9 => Just(None), 1 => prop::sample::select(vec!["USD", "eur", "EURO", ""]).prop_map(Some)];
    (amount, currency)
}

fn event() -> impl Strategy<Value = EventSpec> {
    let devices = prop::option::of(prop::sample::select(vec!["dev-main", "phone-1", "other-1", "bot-1"]));
    let ips = prop::option::of(prop::sample::select(vec!["203.0.113.7", "198.51.100.23"]));
    (0..EventType::ALL.len(), ago(), devices, ips, prop::option::of(0..PLACES.len())).prop_map(|(kind, ago, device, ip, place)| EventSpec {
        kind,
        ago,
        device,
        ip,
        place,
    })
}

fn spec() -> impl Strategy<Value = Spec> {
    let now = prop_oneof![
        40 => Just(NOW),
        40 => (NOW - 400 * DAY)..(NOW + 400 * DAY),
        1 => Just(0i64),
        1 => Just(MAX_TIME),
        1 => Just(MAX_TIME + 1),
        1 => Just(-1i64),
        1 => any::<i64>(),
    ];
    let action = prop_oneof![
        9 => (0..64usize).prop_map(Action::Known),
        1 => prop::sample::select(vec!["wire_everything", "", "LOGIN", "löschen", "login ", "login"]).prop_map(Action::Other),
    ];
    let device =
        (prop::option::of(device_id()), prop::option::of(score()), prop::option::of(any::<bool>()), prop::option::of(any::<bool>()))
            .prop_map(|(id, bot_score, known, managed)| Device { id, bot_score, known, managed });
    let a = (0..policies().len(), now, action, prop::option::of(device), prop::option::of(network()), prop::option::of(session()));
    let b = (
        prop::option::of(account()),
        prop::option::of(transaction()),
        prop::option::of(prop::collection::vec(event(), 0..24)),
        prop::option::of(prop::collection::vec(event(), 0..12)),
        prop_oneof![9 => Just(None), 1 => (any::<usize>(), 1..=255u8).prop_map(Some)],
    );
    (a, b).prop_map(|(a, b)| Spec {
        preset: a.0,
        now: a.1,
        action: a.2,
        device: a.3,
        network: a.4,
        session: a.5,
        account: b.0,
        transaction: b.1,
        history: b.2,
        source: b.3,
        corrupt: b.4,
    })
}

/// A history recorded event by event (events `record` refuses, e.g. at a negative time, are
/// left out: a history is always `record`'s output).
fn build_history(policy: &Policy, now: i64, events: &[EventSpec]) -> History {
    let mut history = History::new();
    for spec in events {
        let kind = EventType::ALL[spec.kind];
        let mut event = Event::new(kind, now.saturating_sub(spec.ago));
        event.device_id = spec.device.map(str::to_string);
        event.ip = spec.ip.map(str::to_string);
        if let Some(place) = spec.place {
            let (country, lat, lon) = PLACES[place];
            event.country = Some(country.into());
            event.lat = Some(lat);
            event.lon = Some(lon);
        }
        if matches!(kind, EventType::RecoveryAttempt | EventType::RecoverySuccess) {
            event.channel = Some("email".into());
        }
        if kind == EventType::CredentialChange {
            event.change = Some(ChangeKind::ALL[spec.kind % ChangeKind::ALL.len()]);
        }
        if let Ok(next) = record(policy, &history, &event) {
            history = next;
        }
    }
    history
}

impl Spec {
    fn policy(&self) -> &'static Policy {
        &policies()[self.preset]
    }

    /// The request (without histories) and the histories' bytes.
    fn build(&self) -> (EvaluateRequest, Option<Vec<u8>>, Option<Vec<u8>>) {
        let policy = self.policy();
        let now = self.now;
        let action = match self.action {
            Action::Known(i) => {
                let names: Vec<&String> = policy.actions.keys().collect();
                names[i % names.len()].clone()
            }
            Action::Other(name) => name.to_string(),
        };
        let mut history = self.history.as_ref().map(|events| encode(&build_history(policy, now, events)));
        if let (Some(bytes), Some((at, mask))) = (history.as_mut(), self.corrupt) {
            if !bytes.is_empty() {
                let at = at % bytes.len();
                bytes[at] ^= mask;
            }
        }
        let source = self.source.as_ref().map(|events| encode(&build_history(policy, now, events)));
        let request = EvaluateRequest {
            now,
            action,
            device: self.device.clone(),
            network: self.network.clone(),
            session: self.session.as_ref().map(|(aal, amr, ago)| Session {
                aal: *aal,
                amr: amr.clone(),
                auth_time: now.saturating_sub(*ago),
            }),
            account: self.account.as_ref().map(|(created, factors, breached)| Account {
                created_at: created.map(|ago| now.saturating_sub(ago)),
                factors: factors.clone(),
                breached: *breached,
            }),
            transaction: self
                .transaction
                .map(|(amount, currency)| Transaction { amount, currency: currency.unwrap_or(policy.currency.as_str()).to_string() }),
            history: None,
            source_history: None,
        };
        (request, history, source)
    }
}

/// Whether any optional number of the request is NaN or infinite: `JSON.stringify` writes it
/// as `null`, which the JSON reader takes as absent, while the packed layout has no "null"
/// for a number the request has. Only then may the fast path refuse a request the JSON path
/// decides.
fn has_non_finite_optional(request: &EvaluateRequest) -> bool {
    let device = request.device.as_ref().map(|d| vec![d.bot_score]).unwrap_or_default();
    let network = request.network.as_ref().map(|n| vec![n.ip_risk, n.lat, n.lon]).unwrap_or_default();
    device.into_iter().chain(network).flatten().any(|v| !v.is_finite())
}

// ---------------------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------------------

/// What a comparison found.
#[derive(Debug, Default)]
struct Tally {
    /// Both paths decided, identically.
    decided: usize,
    /// The fast path refused, the JSON path gave an error.
    both_errors: usize,
    /// The fast path refused, the JSON path decided (allowed only for non-finite optional numbers).
    refused_valid: usize,
    /// `pack` could not carry the request (more than 16 amr values or factors); the JSON path
    /// must give an error.
    not_packable: usize,
    /// One example of each refusal kind, for the printout.
    refused_example: Option<String>,
}

impl Tally {
    fn print(&self, what: &str) {
        println!(
            "# {what}: {} decided identically on both paths, {} errors on both, {} valid requests refused by the fast path \
             (non-finite optional numbers), {} not packable (and errors as text)",
            self.decided, self.both_errors, self.refused_valid, self.not_packable
        );
        if let Some(example) = &self.refused_example {
            println!("#   e.g. refused by the fast path, decided as text: {example}");
        }
    }
}

/// The `Attempt` the packed reader builds from `buffer` (histories left out), given to `f`.
fn packed_attempt<T>(buffer: &[u8], f: impl FnOnce(Option<&Attempt<'_>>) -> T) -> T {
    let mut lists = packed::Lists::default();
    let Some(mut attempt) = packed::read(buffer, &mut lists) else { return f(None) };
    if let Some(session) = attempt.session.as_mut() {
        session.amr = &lists.amr[..lists.amr_len];
    }
    if let Some(account) = attempt.account.as_mut() {
        account.factors = &lists.factors[..lists.factors_len];
    }
    f(Some(&attempt))
}

/// Decide `buffer` on the fast path and `text` (+ the history bytes) on the JSON path and
/// check they agree. `may_refuse`: whether a refusal of a request the JSON path decides is
/// allowed (see [`has_non_finite_optional`]).
fn compare(
    policy: &Policy,
    buffer: &[u8],
    text: &str,
    history: Option<&[u8]>,
    source: Option<&[u8]>,
    may_refuse: bool,
    tally: &RefCell<Tally>,
) -> Result<(), TestCaseError> {
    let (mut fast, mut slow) = (Output::default(), Output::default());
    let fast_status = evaluate_packed(policy, buffer, &mut fast);
    let slow_status = evaluate_text(policy, text, history, source, &mut slow);
    let context = || format!("preset {}, request {text}, history {history:?}, source {source:?}", policy.name);
    match fast_status {
        Status::Decision => {
            prop_assert_eq!(slow_status, Status::Decision, "the fast path decided, the JSON path did not: {}", context());
            prop_assert_eq!(&fast.words, &slow.words, "decision words differ: {}", context());
            prop_assert_eq!(&fast.nums, &slow.nums, "decision numbers differ: {}", context());
            prop_assert_eq!(&fast.text, &slow.text, "decision text differs: {}", context());
            // Stronger than equal decisions (a field can be lost without changing one): the
            // packed reader rebuilt exactly the attempt the JSON reader did.
            let request = EvaluateRequest::from_json(text).map_err(|e| TestCaseError::fail(format!("{e}: {}", context())))?;
            let same = packed_attempt(buffer, |packed| request.with_attempt(|json| packed == Some(json)));
            prop_assert!(same, "the packed reader built another attempt than the JSON reader: {}", context());
            tally.borrow_mut().decided += 1;
        }
        Status::Retry => match slow_status {
            Status::Error => tally.borrow_mut().both_errors += 1,
            Status::Decision => {
                prop_assert!(may_refuse, "the fast path refused a request the JSON path decides: {}", context());
                let mut tally = tally.borrow_mut();
                tally.refused_valid += 1;
                tally.refused_example.get_or_insert_with(|| text.to_string());
            }
            other => prop_assert!(false, "the JSON path returned {:?}: {}", other, context()),
        },
        other => prop_assert!(false, "the fast path returned {:?}: {}", other, context()),
    }
    Ok(())
}

fn check_spec(spec: &Spec, tally: &RefCell<Tally>) -> Result<(), TestCaseError> {
    let policy = spec.policy();
    let (request, history, source) = spec.build();
    // Histories go as bytes beside the text, never inside it.
    prop_assert!(request.history.is_none() && request.source_history.is_none());
    let text = ciam_policy::json::to_string(&request);
    let Some(buffer) = packed::pack(&request, history.as_deref(), source.as_deref()) else {
        // More list items than the layout has slots: only an invalid request has that many.
        let mut out = Output::default();
        let status = evaluate_text(policy, &text, history.as_deref(), source.as_deref(), &mut out);
        prop_assert_eq!(status, Status::Error, "pack refused a valid request: {}", text);
        tally.borrow_mut().not_packable += 1;
        return Ok(());
    };
    compare(policy, &buffer, &text, history.as_deref(), source.as_deref(), has_non_finite_optional(&request), tally)?;

    // The same history in its JSON form (inside the text) decides as its bytes do.
    if let Some(bytes) = history.as_deref() {
        if let Ok(json_form) = decode(bytes) {
            let mut with_json = request.clone();
            with_json.history = Some(json_form.clone());
            let (mut as_bytes, mut as_json) = (Output::default(), Output::default());
            let a = evaluate_text(policy, &text, Some(bytes), source.as_deref(), &mut as_bytes);
            let b = evaluate_text(policy, &ciam_policy::json::to_string(&with_json), None, source.as_deref(), &mut as_json);
            prop_assert_eq!(a, b, "history as bytes vs JSON form: {}", text);
            if a == Status::Decision {
                prop_assert_eq!((&as_bytes.words, &as_bytes.nums, &as_bytes.text), (&as_json.words, &as_json.nums, &as_json.text));
            }
            // And as bytes that store every string twice, events pointing at either copy.
            let repeated = with_repeated_strings(json_form.last_success_at, &json_form.event_refs(), &[true, false, false]);
            let mut as_repeated = Output::default();
            let c = evaluate_text(policy, &text, Some(&repeated), source.as_deref(), &mut as_repeated);
            prop_assert_eq!(a, c, "history as bytes vs with repeated strings: {}", text);
            if a == Status::Decision {
                prop_assert_eq!(
                    (&as_bytes.words, &as_bytes.nums, &as_bytes.text),
                    (&as_repeated.words, &as_repeated.nums, &as_repeated.text)
                );
            }
        }
    }
    Ok(())
}

#[test]
fn packed_and_text_paths_agree() {
    let tally = RefCell::new(Tally::default());
    let mut runner = TestRunner::new(config(3000));
    let result = runner.run(&spec(), |spec| check_spec(&spec, &tally));
    let tally = tally.into_inner();
    tally.print("random requests");
    result.unwrap();
    // The generator must reach every branch, or the property says little.
    assert!(tally.decided > 600, "too few decisions: {tally:?}");
    assert!(tally.both_errors > 300, "too few errors: {tally:?}");
    assert!(tally.refused_valid > 0 && tally.not_packable > 0, "{tally:?}");
}

// ---------------------------------------------------------------------------------------
// Every double a JS number can be, in every number slot
// ---------------------------------------------------------------------------------------

/// The number slots: f64 slot, JSON key (unique in a request without histories), the flag
/// that must be set for the slot to be read (`None`: always read).
const SLOTS: [(usize, &str, Option<u32>); 9] = [
    (number::NOW, "now", None),
    (number::BOT_SCORE, "botScore", Some(flag::BOT_SCORE)),
    (number::IP_RISK, "ipRisk", Some(flag::IP_RISK)),
    (number::LAT, "lat", Some(flag::LAT)),
    (number::LON, "lon", Some(flag::LON)),
    (number::AAL, "aal", Some(flag::SESSION)),
    (number::AUTH_TIME, "authTime", Some(flag::SESSION)),
    (number::CREATED_AT, "createdAt", Some(flag::CREATED_AT)),
    (number::AMOUNT, "amount", Some(flag::TRANSACTION)),
];

/// A number as `JSON.stringify` writes it: `null` when not finite, `0` for -0, exponent
/// form (`1e+21`, `1.5e-7`) below 1e-6 and from 1e21, else the shortest positional digits.
fn js_number(v: f64) -> String {
    if !v.is_finite() {
        return "null".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    if v.abs() >= 1e21 || v.abs() < 1e-6 {
        let s = format!("{v:e}");
        let (mantissa, exponent) = s.split_once('e').unwrap();
        return if exponent.starts_with('-') { format!("{mantissa}e{exponent}") } else { format!("{mantissa}e+{exponent}") };
    }
    format!("{v}")
}

#[test]
fn js_number_writes_like_json_stringify() {
    for (v, want) in [
        (1e21, "1e+21"),
        (1.5e-7, "1.5e-7"),
        (-0.0, "0"),
        (f64::NAN, "null"),
        (2f64.powi(60), "1152921504606847000"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1_800_000_000.5, "1800000000.5"),
        (5e-324, "5e-324"),
        (-1e300, "-1e+300"),
        (1e-6, "0.000001"),
    ] {
        assert_eq!(js_number(v), want);
    }
}

/// `text` with the value of `"key":` replaced by `with`; `None` when the key is not there
/// exactly once.
fn replace_number(text: &str, key: &str, with: &str) -> Option<String> {
    let anchor = format!("\"{key}\":");
    let start = text.find(&anchor)? + anchor.len();
    if text[start..].contains(&anchor) {
        return None;
    }
    let end = start + text[start..].find([',', '}'])?;
    Some(format!("{}{with}{}", &text[..start], &text[end..]))
}

fn js_double() -> impl Strategy<Value = f64> {
    let odd = vec![
        0.5,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e21,
        2f64.powi(53),
        2f64.powi(53) + 2.0,
        2f64.powi(63),
        -(2f64.powi(63)),
        2f64.powi(64),
        1e-7,
        5e-324,
        f64::MAX,
        f64::MIN_POSITIVE,
        1_800_000_000.5,
        MAX_TIME as f64,
        (MAX_TIME + 1) as f64,
        100.0,
        100.00000000000001,
        0.1 + 0.2,
        1e15,
        1e15 + 0.125,
        255.0,
        256.0,
        3.0,
        4.0,
        -1.0,
        91.0,
        -180.0,
        180.00000000000003,
    ];
    prop_oneof![
        4 => prop::sample::select(odd),
        2 => (-10i32..300).prop_map(f64::from),
        2 => 0.0..=100.0f64,
        1 => (NOW - DAY..NOW + DAY).prop_map(|t| t as f64),
        1 => any::<u64>().prop_map(f64::from_bits),
    ]
}

#[test]
fn any_js_number_in_any_slot_agrees() {
    let tally = RefCell::new(Tally::default());
    let mut runner = TestRunner::new(config(2000));
    let strategy = (spec(), 0..SLOTS.len(), js_double());
    let result = runner.run(&strategy, |(spec, pick, value)| {
        let policy = spec.policy();
        let (request, history, source) = spec.build();
        let Some(mut buffer) = packed::pack(&request, history.as_deref(), source.as_deref()) else { return Ok(()) };
        let flags = u32::from_le_bytes(buffer[word::FLAGS * 4..word::FLAGS * 4 + 4].try_into().unwrap());
        let usable: Vec<_> = SLOTS.iter().filter(|(_, _, f)| f.is_none_or(|f| flags & f != 0)).collect();
        let (slot, key, _) = usable[pick % usable.len()];
        buffer[slot * 8..slot * 8 + 8].copy_from_slice(&value.to_le_bytes());
        let text = replace_number(&ciam_policy::json::to_string(&request), key, &js_number(value))
            .ok_or_else(|| TestCaseError::fail(format!("no single `{key}` in the request")))?;
        // A non-finite number is JSON `null`: absent when optional, so the text may decide.
        let optional = !matches!(*key, "now" | "aal" | "authTime" | "amount");
        let may_refuse = has_non_finite_optional(&request) || (optional && !value.is_finite());
        compare(policy, &buffer, &text, history.as_deref(), source.as_deref(), may_refuse, &tally)
    });
    let tally = tally.into_inner();
    tally.print("JS doubles in number slots");
    result.unwrap();
    assert!(tally.decided > 300 && tally.both_errors > 1000, "{tally:?}");
}

// ---------------------------------------------------------------------------------------
// Untrusted buffers never panic
// ---------------------------------------------------------------------------------------

/// Decide a buffer on the fast path: any status but a panic.
fn survive(buffer: &[u8]) -> Status {
    let policy = &policies()[0];
    let mut out = Output::default();
    let status = evaluate_packed(policy, buffer, &mut out);
    assert!(matches!(status, Status::Decision | Status::Retry), "{status:?}");
    status
}

proptest! {
    #![proptest_config(config(1500))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..1200)) {
        survive(&bytes);
    }

    #[test]
    fn truncated_buffers_never_panic(spec in spec(), cut in any::<prop::sample::Index>()) {
        let (request, history, source) = spec.build();
        if let Some(buffer) = packed::pack(&request, history.as_deref(), source.as_deref()) {
            let end = cut.index(buffer.len());
            // Short of the fixed layout nothing can be read.
            if survive(&buffer[..end]) == Status::Decision {
                prop_assert!(end >= HEAP);
            }
        }
    }

    #[test]
    fn changed_words_never_panic(
        spec in spec(),
        changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u32>()), 1..6),
        slots_only in any::<bool>(),
    ) {
        let (request, history, source) = spec.build();
        if let Some(mut buffer) = packed::pack(&request, history.as_deref(), source.as_deref()) {
            for (at, value) in changes {
                // Mostly the fixed layout's words (offsets, lengths, counts, flags), else anywhere.
                let words = if slots_only { HEAP / 4 } else { buffer.len() / 4 };
                let w = at.index(words);
                buffer[w * 4..w * 4 + 4].copy_from_slice(&value.to_le_bytes());
            }
            survive(&buffer);
        }
    }
}

#[test]
fn packed_buffer_edges_never_panic() {
    let request = EvaluateRequest::from_json(r#"{"now": 1800000000, "action": "login", "device": {"id": "d"}}"#).unwrap();
    let good = packed::pack(&request, None, None).unwrap();
    assert_eq!(survive(&good), Status::Decision, "the untouched buffer decides");
    let mut edges = Vec::new();
    for slot in [word::ACTION, word::DEVICE_ID, word::HISTORY, word::STRINGS_END, word::AMR_COUNT, word::FACTOR_COUNT, word::FLAGS] {
        for value in [0, 1, HEAP as u32 - 1, HEAP as u32, good.len() as u32, u32::MAX - 1, u32::MAX] {
            let mut buffer = good.clone();
            buffer[slot * 4..slot * 4 + 4].copy_from_slice(&value.to_le_bytes());
            // Every flag set: every optional slot is read, offsets mostly zero.
            let mut all = buffer.clone();
            all[word::FLAGS * 4..word::FLAGS * 4 + 4].copy_from_slice(&u32::MAX.to_le_bytes());
            edges.push(buffer);
            edges.push(all);
        }
    }
    for buffer in &edges {
        survive(buffer);
    }
    // A length that overflows offset + length, and a count past the list slots.
    let mut overflow = good.clone();
    overflow[word::ACTION * 4..word::ACTION * 4 + 8].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    assert_eq!(survive(&overflow), Status::Retry);
    let mut counted = good.clone();
    counted[word::AMR_COUNT * 4..word::AMR_COUNT * 4 + 4].copy_from_slice(&17u32.to_le_bytes());
    assert_eq!(survive(&counted), Status::Retry);
}
