//! What only exists, or only behaves differently, in WebAssembly: wasm-bindgen-test in headless
//! Chromium (run with `wasm-bindgen-test-runner` and Debian's chromedriver, see scripts/test.sh).
//!
//! - Numbers: in wasm, `json::number::parse` hands literals outside its exact fast path to
//!   JavaScript's `parseFloat`, and `text!` prints an `f64` through JavaScript's `String(x)`
//!   rewritten to positional notation. Both must agree bit for bit, character for character,
//!   with Rust's own parser and `Display` (compiled into this test, not into the crate).
//! - The boundary (`src/boundary/`) compiled to wasm: a request packed into the buffer layout
//!   and the same request as JSON text, with and without histories as bytes, give identical
//!   outputs, and the same as the owned path (`evaluate`); bad requests give coded errors.
//! - Randomness: recovery codes come from the platform's crypto through getrandom.
//! - The bindings (`src/wasm.rs`): called as `pkg-templates/api.js` calls them, writing the input
//!   and reading the header and the output buffers through the module's memory.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ciam_policy::boundary::output::op;
use ciam_policy::boundary::{self, packed, Output, Status};
use ciam_policy::json::{self, number, ToJson};
use ciam_policy::token::{base64url, codes};
use ciam_policy::wasm::{self, Engine, Io, Keys};
use ciam_policy::{presets, record, state, ChangeKind, ErrorCode, EvaluateRequest, Event, EventType, Factor, History, Outcome, Policy};
use js_sys::{Uint8Array, WebAssembly};
use std::collections::BTreeSet;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const NOW: i64 = 1_800_000_000;

/// A deterministic pseudo-random sequence (xorshift64*), so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as u64) as i64
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// A JSON number literal: up to 25 significant digits, the point anywhere (or nowhere), an
/// exponent from −340 to +320 in every spelling JSON allows (or none).
fn random_literal(rng: &mut Rng) -> String {
    let digits = 1 + rng.below(25) as usize;
    let mantissa: String = (0..digits).map(|i| char::from(b'0' + if i == 0 { 1 + rng.below(9) } else { rng.below(10) } as u8)).collect();
    let mut literal = String::new();
    if rng.chance(4) {
        literal.push('-');
    }
    match rng.below(digits as u64 + 1) as usize {
        0 => literal.push_str(&format!("0.{mantissa}")),
        point if point == digits => literal.push_str(&mantissa),
        point => literal.push_str(&format!("{}.{}", &mantissa[..point], &mantissa[point..])),
    }
    if !rng.chance(8) {
        let exponent = rng.range(-340, 320);
        literal.push(if rng.chance(2) { 'e' } else { 'E' });
        if exponent < 0 {
            literal.push('-');
        } else if rng.chance(2) {
            literal.push('+');
        }
        literal.push_str(&exponent.unsigned_abs().to_string());
    }
    literal
}

/// Literals exactly halfway between two neighbouring doubles, and one unit either side in the
/// last place or far below it: a parser that rounds twice, or drops digits, gets these wrong.
fn halfway_literals(rng: &mut Rng) -> Vec<String> {
    // Doubles from 2^53 to 2^120: the midpoint to the next double is an integer below 2^128.
    let exponent = rng.range(53, 120) as u32;
    let mantissa = (1u128 << 52) | u128::from(rng.next() & ((1 << 52) - 1));
    let value = mantissa << (exponent - 52);
    let midpoint = value + (1u128 << (exponent - 53));
    vec![
        midpoint.to_string(),
        (midpoint - 1).to_string(),
        (midpoint + 1).to_string(),
        format!("{midpoint}.00000000000000000000001"),
        format!("{}.99999999999999999999999", midpoint - 1),
        format!("-{midpoint}e0"),
    ]
}

fn assert_parses_like_core(literal: &str) -> f64 {
    let want: f64 = literal.parse().unwrap();
    let got = number::parse(literal);
    assert_eq!(got.to_bits(), want.to_bits(), "{literal}: got {got:e}, core says {want:e}");
    got
}

#[wasm_bindgen_test]
fn number_literals_read_exactly_as_core_reads_them() {
    let edge = [
        "0",
        "-0",
        "-0.0e-999",
        "0e400",
        "5e-324",
        "2e-324",
        "3e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "4.9406564584124654e-324",
        "2.2250738585072014e-308",
        "2.2250738585072011e-308",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "1e400",
        "-1e400",
        "0.30000000000000004",
        "0.1",
        "9007199254740993",
        "9007199254740993.0000000000000001",
        "-9007199254740993",
        "123456789012345678901234567",
        "1e22",
        "1e23",
        "1e-22",
        "1e-23",
        "52.52",
        "13.405",
        "1E+2",
        "1e-0",
    ];
    for literal in edge {
        assert_parses_like_core(literal);
    }
    assert_eq!(number::parse("1e400"), f64::INFINITY);
    assert_eq!(number::parse("-1e400"), f64::NEG_INFINITY);
    assert!(number::parse("-0").is_sign_negative());

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut infinite, mut zero, mut subnormal, mut normal) = (0, 0, 0, 0);
    let count = 20_000;
    for _ in 0..count {
        let value = assert_parses_like_core(&random_literal(&mut rng));
        match value.abs() {
            v if v.is_infinite() => infinite += 1,
            0.0 => zero += 1,
            v if v < f64::MIN_POSITIVE => subnormal += 1,
            _ => normal += 1,
        }
    }
    // The sample reaches every range the host parser must handle, not only the easy middle.
    assert!(infinite > 100 && zero > 100 && subnormal > 10 && normal > 10_000, "{infinite} {zero} {subnormal} {normal}");
    for _ in 0..2_000 {
        for literal in halfway_literals(&mut rng) {
            assert_parses_like_core(&literal);
        }
    }
    console_log!("number::parse: {} literals agree with core", edge.len() + count + 2_000 * 6);
}

/// `count` doubles either side of `center`, `center` included.
fn around(center: f64, count: u64) -> impl Iterator<Item = f64> {
    let bits = center.to_bits();
    (bits.saturating_sub(count)..=bits.saturating_add(count)).map(f64::from_bits)
}

#[wasm_bindgen_test]
fn numbers_print_exactly_as_rust_display_prints_them() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut values: Vec<f64> = Vec::new();
    // Every finite double is equally likely to be picked by its bits: all exponents.
    while values.len() < 10_000 {
        let value = f64::from_bits(rng.next());
        if value.is_finite() {
            values.push(value);
        }
    }
    values.extend((0..2_000).map(|i| f64::from(i) - 1_000.0));
    values.extend((0..1_000).map(|_| (rng.next() >> 11) as f64)); // integers up to 2^53
    values.extend((0..1_000).map(|_| rng.next() as f64)); // integers up to 2^64, beyond 2^53
    values.extend((0..1_000).map(|i| f64::from(i) + 0.5));
    values.extend((0..1_000).map(|_| (rng.next() >> 20) as f64 + 0.5));
    values.extend((0..1_000).map(|_| rng.below(1_000_000_000) as f64 / 100.0)); // amounts
    for center in [1e-7, 1e-6, 1e-5, 0.1, 1e15, 1e16, 1e17, 1e21, 1e22, 9_007_199_254_740_992.0, f64::MIN_POSITIVE] {
        values.extend(around(center, 200));
    }
    values.extend((1..=1_000).map(f64::from_bits)); // the smallest subnormals
    values.extend((0..1_000).map(|_| f64::from_bits(rng.next() >> 12))); // any subnormal
    values.extend(around(f64::MAX, 100).filter(|v| v.is_finite()));
    // Exactly halfway between two shortest texts (…272.25, 1e15 + 0.25): Rust rounds such a tie
    // up, JavaScript to the even digit.
    values.extend([f64::from_bits(0x4318_9b7d_4ea4_91c1), 1e15 + 0.25, 1e15 + 0.75, 562_949_953_421_312.0 + 0.125]);
    values.extend([0.1, 0.2, 0.30000000000000004, 1.0 / 3.0, 2.0 / 3.0, 123456.789, f64::EPSILON, f64::MAX, 1.5e300, 0.0]);
    let negatives: Vec<f64> = values.iter().map(|v| -v).collect();
    values.extend(negatives);

    let mut differ = Vec::new();
    for &value in &values {
        let text = ciam_policy::text!(value);
        // The text reads back as the same double through the crate's own reader.
        assert_eq!(number::parse(&text).to_bits(), value.to_bits(), "{text}");
        if text != format!("{value}") {
            differ.push(format!("{:#018x}: text! {text}, Display {value}", value.to_bits()));
        }
    }
    // Every difference is listed, not only the first, to show what kind of values differ.
    let first: Vec<&str> = differ.iter().take(12).map(String::as_str).collect();
    assert!(differ.is_empty(), "{} of {} values print differently, first:\n{}", differ.len(), values.len(), first.join("\n"));
    assert_eq!(ciam_policy::text!(-0.0f64), "-0");
    assert_eq!(ciam_policy::text!(5e-324f64), format!("0.{}5", "0".repeat(323)));
    assert_eq!(ciam_policy::text!(1e21f64), "1000000000000000000000");
    assert_eq!(number::positional("-1.5e-7"), "-0.00000015");
    assert_eq!(number::positional("1.2345e+25"), "12345000000000000000000000");
    console_log!("text!(f64): {} values agree with Display", values.len());
}

// ---------------------------------------------------------------------------------------------
// The boundary

/// An output's buffers, to compare one call's result with another's.
#[derive(Clone, PartialEq)]
struct Buffers {
    words: Vec<u32>,
    nums: Vec<f64>,
    text: Vec<u8>,
    bytes: Vec<u8>,
}

/// The text as text, so a failing comparison shows which message differs.
impl std::fmt::Debug for Buffers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffers")
            .field("words", &self.words)
            .field("nums", &self.nums)
            .field("text", &String::from_utf8_lossy(&self.text))
            .field("bytes", &self.bytes)
            .finish()
    }
}

fn buffers(out: &Output) -> Buffers {
    Buffers { words: out.words.clone(), nums: out.nums.clone(), text: out.text.clone(), bytes: out.bytes.clone() }
}

/// A decision as the boundary would write it from the owned path, or the error as it would.
fn expected(result: Result<ciam_policy::Decision<'_>, ciam_policy::Error>) -> (Status, Buffers) {
    let mut out = Output::default();
    let status = match result {
        Ok(decision) => out.decision(&decision),
        Err(error) => out.error(&error, false),
    };
    (status, buffers(&out))
}

const DEVICES: [&str; 5] = ["laptop-1", "phone-1", "evil-1", "tablet-2", "kiosk-9"];
const IPS: [&str; 5] = ["203.0.113.7", "198.51.100.23", "2001:db8::1", "192.0.2.44", "198.51.100.99"];
const PLACES: [(&str, f64, f64); 5] =
    [("DE", 52.52, 13.405), ("FR", 48.8566, 2.3522), ("US", 40.7128, -74.006), ("AU", -33.8688, 151.2093), ("BR", -23.5505, -46.6333)];
const FACTORS: [&str; 8] = ["passkey", "push", "password", "totp", "sms", "email", "security_key", "recovery_code"];
const AMR: [&str; 6] = ["pwd", "otp", "hwk", "swk", "sms", "user"];
const ANONYMIZERS: [&str; 5] = ["none", "vpn", "proxy", "tor", "hosting"];
const ACTIONS: [&str; 15] = [
    "signup",
    "login",
    "view_orders",
    "checkout",
    "update_profile",
    "add_payee",
    "change_password",
    "change_email",
    "change_phone",
    "reset_mfa",
    "payout",
    // Not in every preset: an unknown action for some.
    "view_balance",
    "book_appointment",
    "share_records",
    "teleport",
];

/// A history built by `record`, as a host builds one: recent failures, older successes,
/// recoveries and credential changes on a few devices and addresses.
fn random_history(rng: &mut Rng, policy: &Policy) -> History {
    let mut history = History::new();
    for _ in 0..rng.below(30) {
        let kind = *rng.pick(&[
            EventType::SignInFailure,
            EventType::SignInFailure,
            EventType::SignInFailure,
            EventType::SignInSuccess,
            EventType::SignInSuccess,
            EventType::StepUpSuccess,
            EventType::StepUpFailure,
            EventType::RecoveryAttempt,
            EventType::RecoverySuccess,
            EventType::CredentialChange,
            EventType::SignOutEverywhere,
            EventType::Unlock,
        ]);
        let ago = if rng.chance(2) { rng.range(1, 3_600) } else { rng.range(1, 400 * 86_400) };
        let mut event = Event::new(kind, NOW - ago);
        if !rng.chance(5) {
            event.device_id = Some(rng.pick(&DEVICES).to_string());
        }
        if !rng.chance(5) {
            event.ip = Some(rng.pick(&IPS).to_string());
        }
        if rng.chance(2) {
            let (country, lat, lon) = *rng.pick(&PLACES);
            event.country = Some(country.into());
            event.lat = Some(lat);
            event.lon = Some(lon);
        }
        if matches!(kind, EventType::RecoveryAttempt | EventType::RecoverySuccess) {
            event.channel = Some(rng.pick(&["email", "sms", "recovery_code"]).to_string());
        }
        if kind == EventType::CredentialChange {
            event.change = Some(*rng.pick(&ChangeKind::ALL));
        }
        history = record(policy, &history, &event).unwrap();
    }
    // Sometimes an attack in the last minutes: enough failures to throttle a device or address.
    if rng.chance(2) {
        let (device, ip) = (rng.pick(&DEVICES).to_string(), rng.pick(&IPS).to_string());
        for _ in 0..rng.range(4, 14) {
            let mut event = Event::new(EventType::SignInFailure, NOW - rng.range(1, 900));
            event.device_id = Some(device.clone());
            event.ip = Some(ip.clone());
            history = record(policy, &history, &event).unwrap();
        }
    }
    history
}

/// A request as JSON object members, about one in eight with an invalid value somewhere.
fn random_request(rng: &mut Rng) -> Vec<String> {
    let mut members = vec![format!(r#""now": {NOW}"#), format!(r#""action": "{}""#, rng.pick(&ACTIONS))];
    let bad = rng.chance(8);
    let spoil = |good: String, bad_value: &str, rng: &mut Rng| if bad && rng.chance(4) { bad_value.to_string() } else { good };
    if !rng.chance(5) {
        let mut device = Vec::new();
        if !rng.chance(6) {
            device.push(format!(r#""id": "{}""#, rng.pick(&DEVICES)));
        }
        if rng.chance(2) {
            let score = rng.below(401) as f64 / 4.0;
            device.push(spoil(format!(r#""botScore": {score}"#), r#""botScore": 140"#, rng));
        }
        if rng.chance(5) {
            device.push(format!(r#""known": {}"#, rng.chance(2)));
        }
        if rng.chance(5) {
            device.push(format!(r#""managed": {}"#, rng.chance(2)));
        }
        members.push(format!(r#""device": {{{}}}"#, device.join(", ")));
    }
    if !rng.chance(4) {
        let mut network = Vec::new();
        if !rng.chance(4) {
            network.push(format!(r#""ip": "{}""#, rng.pick(&IPS)));
        }
        if rng.chance(2) {
            let risk = rng.below(1001) as f64 / 10.0;
            network.push(spoil(format!(r#""ipRisk": {risk}"#), r#""ipRisk": -1"#, rng));
        }
        if rng.chance(3) {
            network.push(format!(r#""anonymizer": "{}""#, rng.pick(&ANONYMIZERS)));
        }
        if rng.chance(2) {
            let (country, lat, lon) = *rng.pick(&PLACES);
            network.push(spoil(format!(r#""country": "{country}""#), r#""country": "deu""#, rng));
            network.push(format!(r#""lat": {lat}, "lon": {lon}"#));
        }
        members.push(format!(r#""network": {{{}}}"#, network.join(", ")));
    }
    if rng.chance(2) {
        let amr: Vec<String> = (0..rng.below(4)).map(|_| format!(r#""{}""#, rng.pick(&AMR))).collect();
        let aal = spoil(rng.below(4).to_string(), "4", rng);
        let auth_time = spoil((NOW - rng.range(0, 86_400)).to_string(), &(NOW + 5).to_string(), rng);
        members.push(format!(r#""session": {{"aal": {aal}, "amr": [{}], "authTime": {auth_time}}}"#, amr.join(", ")));
    }
    if !rng.chance(4) {
        let mut factors: Vec<&str> = FACTORS.iter().copied().filter(|_| rng.chance(3)).collect();
        if bad && rng.chance(4) {
            factors.push("fax");
        }
        let factors: Vec<String> = factors.iter().map(|f| format!(r#""{f}""#)).collect();
        let mut account = vec![format!(r#""factors": [{}]"#, factors.join(", "))];
        if rng.chance(2) {
            account.push(spoil(format!(r#""createdAt": {}"#, NOW - rng.range(0, 800 * 86_400)), r#""createdAt": 1900000000"#, rng));
        }
        if rng.chance(6) {
            account.push(r#""breached": true"#.into());
        }
        members.push(format!(r#""account": {{{}}}"#, account.join(", ")));
    }
    if rng.chance(3) {
        let amount = spoil((rng.below(1_000_000) as f64 / 100.0).to_string(), "-5", rng);
        let currency = spoil("EUR".into(), "USD", rng);
        members.push(format!(r#""transaction": {{"amount": {amount}, "currency": "{currency}"}}"#));
    }
    members
}

fn object(members: &[String]) -> String {
    format!("{{{}}}", members.join(", "))
}

#[wasm_bindgen_test]
fn packed_text_and_owned_requests_decide_alike() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let (mut decisions, mut retried, mut unreadable) = (0, 0, 0);
    let mut outcomes = BTreeSet::new();
    let mut with_history = 0;
    for name in presets::names() {
        let policy = presets::load(name).unwrap();
        for i in 0..300 {
            let members = random_request(&mut rng);
            let history = (i % 3 != 0).then(|| random_history(&mut rng, &policy));
            let source = (i % 3 == 2).then(|| random_history(&mut rng, &policy));
            let (history_bytes, source_bytes) = (history.as_ref().map(state::encode), source.as_ref().map(state::encode));
            let (h, s) = (history_bytes.as_deref(), source_bytes.as_deref());
            let text = object(&members);
            // The same request with its histories in JSON form, for the owned path.
            let mut owned_members = members.clone();
            if let Some(history) = &history {
                owned_members.push(format!(r#""history": {}"#, json::to_string(history)));
            }
            if let Some(source) = &source {
                owned_members.push(format!(r#""sourceHistory": {}"#, json::to_string(source)));
            }
            let owned_text = object(&owned_members);
            let case = format!("{name} #{i}: {owned_text}");

            let mut text_out = Output::default();
            let text_status = boundary::evaluate_text(&policy, &text, h, s, &mut text_out);
            let mut owned_out = Output::default();
            let owned_status = boundary::evaluate_text(&policy, &owned_text, None, None, &mut owned_out);
            let owned = EvaluateRequest::from_json(&owned_text);
            let want = match &owned {
                Ok(request) => expected(ciam_policy::evaluate(&policy, request)),
                Err(error) => expected(Err(error.clone())),
            };
            assert_eq!((text_status, buffers(&text_out)), want, "bytes histories, {case}");
            assert_eq!((owned_status, buffers(&owned_out)), want, "JSON histories, {case}");

            let Ok(request) = EvaluateRequest::from_json(&text) else {
                assert_eq!(text_status, Status::Error, "{case}");
                unreadable += 1;
                continue;
            };
            let buffer = packed::pack(&request, h, s).expect("at most 16 amr values and factors");
            let mut packed_out = Output::default();
            match boundary::evaluate_packed(&policy, &buffer, &mut packed_out) {
                Status::Decision => {
                    assert_eq!(text_status, Status::Decision, "{case}");
                    assert_eq!(buffers(&packed_out), buffers(&text_out), "{case}");
                    outcomes.insert(packed_out.words[0]);
                    decisions += 1;
                    with_history += usize::from(h.is_some());
                }
                Status::Retry => {
                    // Retried as text, which must then give the error.
                    assert_eq!(text_status, Status::Error, "{case}");
                    retried += 1;
                }
                other => panic!("packed evaluation gave {other:?}: {case}"),
            }
        }
    }
    console_log!("boundary: {decisions} decisions ({with_history} with histories), {retried} retried as text, {unreadable} unreadable");
    // Every branch was taken, and every outcome decided, so the comparison is not vacuous.
    assert!(decisions > 600 && with_history > 400 && retried > 50 && unreadable > 10, "{decisions} {with_history} {retried} {unreadable}");
    assert_eq!(outcomes, Outcome::ALL.iter().map(|o| o.index()).collect::<BTreeSet<_>>());
}

#[wasm_bindgen_test]
fn request_errors_carry_their_code_and_path() {
    let policy = presets::load("ciam-retail").unwrap();
    let cases = [
        (r#"{"now": 1800000000, "action": "login", "sesion": {"aal": 1, "authTime": 1800000000}}"#, ErrorCode::UnknownField, "/sesion"),
        (r#"{"now": 1800000000, "action": "login", "network": {"ipRsk": 3}}"#, ErrorCode::UnknownField, "/network/ipRsk"),
        (r#"{"now": "yesterday", "action": "login"}"#, ErrorCode::InvalidType, "/now"),
        (r#"{"action": "login"}"#, ErrorCode::MissingField, "/now"),
        (
            r#"{"now": 1800000000, "action": "login", "account": {"factors": ["password", "fax"]}}"#,
            ErrorCode::UnknownVariant,
            "/account/factors/1",
        ),
    ];
    for (text, code, path) in cases {
        let error = EvaluateRequest::from_json(text).unwrap_err();
        assert_eq!((error.code(), error.path()), (code, path), "{text}");
        let mut out = Output::default();
        assert_eq!(boundary::evaluate_text(&policy, text, None, None, &mut out), Status::Error, "{text}");
        let value = decode(&out);
        assert_eq!(value.get("code").string(), code.as_str(), "{text}");
        assert_eq!(value.get("path").string(), path, "{text}");
        assert_eq!(value.get("message").string(), error.summary(), "{text}");
    }

    // Checks that need the policy, and range checks: the request reads, the decision fails, and
    // the packed path leaves the error to the text path.
    for (text, code, path) in [
        (r#"{"now": 1800000000, "action": "teleport"}"#, ErrorCode::UnknownAction, "/action"),
        (
            r#"{"now": 1800000000, "action": "payout", "transaction": {"amount": 5, "currency": "USD"}}"#,
            ErrorCode::CurrencyMismatch,
            "/transaction/currency",
        ),
        (r#"{"now": 1800000000, "action": "login", "network": {"ipRisk": 900}}"#, ErrorCode::OutOfRange, "/network/ipRisk"),
    ] {
        let request = EvaluateRequest::from_json(text).unwrap();
        let mut out = Output::default();
        let buffer = packed::pack(&request, None, None).unwrap();
        assert_eq!(boundary::evaluate_packed(&policy, &buffer, &mut out), Status::Retry, "{text}");
        assert_eq!(boundary::evaluate_text(&policy, text, None, None, &mut out), Status::Error, "{text}");
        let value = decode(&out);
        assert_eq!((value.get("code").string(), value.get("path").string()), (code.as_str(), path), "{text}");
    }

    // A corrupt history given as bytes.
    let mut out = Output::default();
    let text = r#"{"now": 1800000000, "action": "login"}"#;
    assert_eq!(boundary::evaluate_text(&policy, text, Some(&[1, 2, 3]), None, &mut out), Status::Error);
    assert_eq!(decode(&out).get("code").string(), "invalid_history");
}

// ---------------------------------------------------------------------------------------------
// Randomness

fn assert_code_shape(code: &str) {
    let groups: Vec<&str> = code.split('-').collect();
    assert_eq!(groups.len(), 4, "{code}");
    for group in groups {
        assert!(group.len() == 4 && group.bytes().all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)), "{code}");
    }
}

#[wasm_bindgen_test]
fn recovery_codes_come_from_the_platform_crypto() {
    let five = codes::generate(5).unwrap();
    assert_eq!(five.len(), 5);
    for code in &five {
        assert_code_shape(code);
    }
    // 80 random bits each: a repeat across 200 codes means the random source is broken.
    let mut seen: BTreeSet<String> = five.iter().cloned().collect();
    for _ in 0..10 {
        seen.extend(codes::generate(20).unwrap());
    }
    assert_eq!(seen.len(), 205);
    // And every character position takes many values, not a constant.
    for position in 0..19 {
        let values: BTreeSet<u8> = seen.iter().map(|c| c.as_bytes()[position]).collect();
        assert!(values.len() >= if position % 5 == 4 { 1 } else { 20 }, "position {position}: {values:?}");
    }
    for count in [0, 21] {
        assert_eq!(codes::generate(count).unwrap_err().code(), ErrorCode::OutOfRange);
    }

    let pepper = b"host pepper";
    let code = &five[0];
    let hash = codes::hash(code, pepper).unwrap();
    assert_eq!(hash.len(), 43, "{hash}"); // 32 bytes, unpadded base64url
    assert_eq!(codes::hash(code, pepper).unwrap(), hash);
    assert!(codes::verify(code, &hash, pepper));
    assert!(codes::verify(&code.to_lowercase().replace('-', " "), &hash, pepper));
    assert!(!codes::verify(code, &hash, b"other pepper"));
    assert!(!codes::verify(&five[1], &hash, pepper));
    assert_ne!(codes::hash(&five[1], pepper).unwrap(), hash);
}

// ---------------------------------------------------------------------------------------------
// The bindings, through the module's memory as JavaScript sees them

fn memory() -> Uint8Array {
    Uint8Array::new(&wasm_bindgen::memory().unchecked_into::<WebAssembly::Memory>().buffer())
}

fn read_memory(address: u32, len: u32) -> Vec<u8> {
    memory().subarray(address, address + len).to_vec()
}

/// Write `parts` one after another into the input, as the JS side does; their lengths.
fn write(io: &mut Io, parts: &[&[u8]]) -> Vec<u32> {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let mut at = io.input(total as u32);
    let mut lengths = Vec::new();
    for part in parts {
        memory().set(&Uint8Array::from(*part), at);
        at += part.len() as u32;
        lengths.push(part.len() as u32);
    }
    lengths
}

/// The last call's status and output, read through the header.
fn result(io: &Io) -> (u32, Buffers) {
    let header: Vec<u32> = read_memory(io.header(), 36).chunks(4).map(|w| u32::from_le_bytes(w.try_into().unwrap())).collect();
    let words = read_memory(header[1], header[2] * 4).chunks(4).map(|w| u32::from_le_bytes(w.try_into().unwrap())).collect();
    let nums = read_memory(header[3], header[4] * 8).chunks(8).map(|n| f64::from_le_bytes(n.try_into().unwrap())).collect();
    (header[0], Buffers { words, nums, text: read_memory(header[5], header[6]), bytes: read_memory(header[7], header[8]) })
}

fn value_of(io: &Io) -> Value {
    let (status, out) = result(io);
    assert_eq!(status, Status::Value as u32);
    decode_buffers(&out)
}

/// A value tree, read as `pkg-templates/api.js` reads it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    fn get(&self, key: &str) -> &Value {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v).unwrap_or(&Value::Null),
            _ => &Value::Null,
        }
    }

    fn string(&self) -> &str {
        match self {
            Value::String(s) => s,
            other => panic!("not a string: {other:?}"),
        }
    }

    fn strings(&self) -> Vec<&str> {
        match self {
            Value::Array(items) => items.iter().map(Value::string).collect(),
            other => panic!("not an array: {other:?}"),
        }
    }
}

fn decode(out: &Output) -> Value {
    decode_buffers(&buffers(out))
}

fn decode_buffers(out: &Buffers) -> Value {
    let (mut word, mut text) = (0, 0);
    let value = decode_value(out, &mut word, &mut text);
    assert_eq!((word, text), (out.words.len(), out.text.len()), "the tree uses every word and every byte of text");
    value
}

fn decode_value(out: &Buffers, word: &mut usize, text: &mut usize) -> Value {
    let mut next = || {
        *word += 1;
        out.words[*word - 1]
    };
    match next() {
        op::NULL => Value::Null,
        op::FALSE => Value::Bool(false),
        op::TRUE => Value::Bool(true),
        op::NUMBER => Value::Number(out.nums[next() as usize]),
        op::STRING => Value::String(take_text(out, next(), text)),
        op::ARRAY => {
            let len = next();
            Value::Array((0..len).map(|_| decode_value(out, word, text)).collect())
        }
        op::OBJECT => {
            let len = next();
            let mut members = Vec::new();
            for _ in 0..len {
                *word += 1;
                let key = match out.words[*word - 1] {
                    op::KEY => {
                        *word += 2;
                        String::from_utf8(read_memory(out.words[*word - 2], out.words[*word - 1])).unwrap()
                    }
                    op::KEY_TEXT => {
                        *word += 1;
                        take_text(out, out.words[*word - 1], text)
                    }
                    other => panic!("not a key: {other}"),
                };
                members.push((key, decode_value(out, word, text)));
            }
            Value::Object(members)
        }
        other => panic!("unknown operation {other}"),
    }
}

fn take_text(out: &Buffers, end: u32, text: &mut usize) -> String {
    let end = end as usize;
    let s = String::from_utf8(out.text[*text..end].to_vec()).unwrap();
    *text = end;
    s
}

/// The value tree of `value`, from the JSON the crate writes for it, for comparison.
fn tree(value: &dyn ToJson) -> Buffers {
    let mut out = Output::default();
    out.value(value);
    buffers(&out)
}

#[wasm_bindgen_test]
fn engines_load_from_presets_and_documents() {
    let mut io = Io::new();
    // Nothing written: the empty name is no preset.
    assert!(Engine::preset(&mut io, 0).is_none());
    assert_eq!(result(&io).0, Status::PolicyError as u32);
    for name in presets::names() {
        let len = write(&mut io, &[name.as_bytes()])[0];
        let engine = Engine::preset(&mut io, len).unwrap_or_else(|| panic!("preset {name}"));
        engine.policy(&mut io);
        assert_eq!(result(&io).1, tree(&presets::load(name).unwrap()), "{name}");

        let len = write(&mut io, &[presets::json(name).unwrap().as_bytes()])[0];
        let engine = Engine::create(&mut io, len).unwrap_or_else(|| panic!("document of {name}"));
        engine.policy(&mut io);
        assert_eq!(result(&io).1, tree(&presets::load(name).unwrap()), "{name}");

        let len = write(&mut io, &[name.as_bytes()])[0];
        assert_eq!(wasm::preset_json(&mut io, len), Status::Value as u32);
        assert_eq!(value_of(&io), Value::String(presets::json(name).unwrap().into()));
    }

    // A longer input was written before: only the first `len` bytes count.
    let len = write(&mut io, &[b"workforce"])[0];
    assert!(Engine::preset(&mut io, len - 1).is_none());
    let (status, out) = result(&io);
    assert_eq!(status, Status::PolicyError as u32);
    let error = decode_buffers(&out);
    assert_eq!(error.get("code").string(), "unknown_preset");
    assert_eq!(out, tree(&presets::load("workforc").unwrap_err()));

    let broken = presets::json("ciam-retail").unwrap().replacen(r#""currency": "EUR""#, r#""currency": "euro""#, 1);
    for document in [broken.as_bytes(), b"{ nope", b"{}", &[0xff, 0xfe]] {
        let len = write(&mut io, &[document])[0];
        assert!(Engine::create(&mut io, len).is_none(), "{}", String::from_utf8_lossy(document));
        assert_eq!(result(&io).0, Status::PolicyError as u32);
    }
    let len = write(&mut io, &[b"{ nope"])[0];
    Engine::create(&mut io, len);
    assert_eq!(decode_buffers(&result(&io).1).get("code").string(), "invalid_json");

    wasm::presets(&mut io);
    assert_eq!(value_of(&io).strings(), presets::names());
    wasm::version(&mut io);
    assert_eq!(value_of(&io).string(), env!("CARGO_PKG_VERSION"));
    wasm::names(&mut io);
    let names = value_of(&io);
    let outcomes: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
    assert_eq!(names.get("outcomes").strings(), outcomes);
    let factors: Vec<&str> = Factor::ALL.iter().map(|f| f.as_str()).collect();
    assert_eq!(names.get("factors").strings(), factors);
}

#[wasm_bindgen_test]
fn engines_decide_through_the_buffers() {
    let mut io = Io::new();
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let mut decided = 0;
    for name in presets::names() {
        let policy = presets::load(name).unwrap();
        let len = write(&mut io, &[name.as_bytes()])[0];
        let engine = Engine::preset(&mut io, len).unwrap();
        for i in 0..40 {
            let text = object(&random_request(&mut rng));
            let history = (i % 2 == 0).then(|| state::encode(&random_history(&mut rng, &policy)));
            let source = (i % 4 == 0).then(|| state::encode(&random_history(&mut rng, &policy)));
            let (h, s) = (history.as_deref(), source.as_deref());

            let mut want = Output::default();
            let status = boundary::evaluate_text(&policy, &text, h, s, &mut want);
            let lens = write(&mut io, &[text.as_bytes(), h.unwrap_or_default(), s.unwrap_or_default()]);
            let (h_at, s_at) = (lens[0], lens[0] + lens[1]);
            let got = engine.evaluate_text(&mut io, lens[0], h.is_some(), h_at, lens[1], s.is_some(), s_at, lens[2]);
            assert_eq!(got, status as u32, "{name}: {text}");
            assert_eq!(result(&io), (status as u32, buffers(&want)), "{name}: {text}");

            let Ok(request) = EvaluateRequest::from_json(&text) else { continue };
            let buffer = packed::pack(&request, h, s).unwrap();
            let status = boundary::evaluate_packed(&policy, &buffer, &mut want);
            // The packed request after some text, as the JS side places it: at an offset.
            let lens = write(&mut io, &[b"12345678", &buffer]);
            assert_eq!(engine.evaluate(&mut io, lens[0], lens[1]), status as u32, "{name}: {text}");
            if status == Status::Decision {
                assert_eq!(result(&io).1, buffers(&want), "{name}: {text}");
                decided += 1;
            }
        }
    }
    assert!(decided > 80, "{decided}");

    // A buffer too short for the layout is sent again as text.
    let len = write(&mut io, &[b"ciam-retail"])[0];
    let engine = Engine::preset(&mut io, len).unwrap();
    let len = write(&mut io, &[&[0u8; 100]])[0];
    assert_eq!(engine.evaluate(&mut io, 0, len), Status::Retry as u32);
}

#[wasm_bindgen_test]
fn histories_are_recorded_and_converted_through_the_buffers() {
    let mut io = Io::new();
    let policy = presets::load("ciam-retail").unwrap();
    let len = write(&mut io, &[b"ciam-retail"])[0];
    let engine = Engine::preset(&mut io, len).unwrap();
    let first =
        r#"{"type": "sign_in_success", "at": 1799900000, "deviceId": "phone-1", "country": "DE", "lat": 52.520008, "lon": 13.404954}"#;
    let second = r#"{"type": "sign_in_failure", "at": 1799999000, "deviceId": "evil-1", "ip": "198.51.100.23"}"#;
    let event = |text: &str| json::from_str::<Event>(text).unwrap();

    // Kind 0: no history yet.
    let lens = write(&mut io, &[first.as_bytes()]);
    assert_eq!(engine.record(&mut io, 0, 0, 0, 0, lens[0]), Status::Bytes as u32);
    let once = record(&policy, &History::new(), &event(first)).unwrap();
    let (_, out) = result(&io);
    assert_eq!(out.bytes, state::encode(&once));
    let bytes = out.bytes;

    // Kind 1: the history as bytes, the event after it.
    let lens = write(&mut io, &[&bytes, second.as_bytes()]);
    assert_eq!(engine.record(&mut io, 1, 0, lens[0], lens[0], lens[1]), Status::Bytes as u32);
    let twice = record(&policy, &once, &event(second)).unwrap();
    assert_eq!(result(&io).1.bytes, state::encode(&twice));

    // Kind 2: the history in JSON form.
    let once_json = json::to_string(&once);
    let lens = write(&mut io, &[once_json.as_bytes(), second.as_bytes()]);
    assert_eq!(engine.record(&mut io, 2, 0, lens[0], lens[0], lens[1]), Status::Bytes as u32);
    assert_eq!(result(&io).1.bytes, state::encode(&twice));

    // Corrupt bytes: a coded error.
    let lens = write(&mut io, &[&[1, 2, 3], second.as_bytes()]);
    assert_eq!(engine.record(&mut io, 1, 0, lens[0], lens[0], lens[1]), Status::Error as u32);
    let error = decode_buffers(&result(&io).1);
    assert_eq!((error.get("code").string(), error.get("path").string()), ("invalid_history", "/history"));

    // Bytes to the JSON form and back.
    let twice_bytes = state::encode(&twice);
    let len = write(&mut io, &[&twice_bytes])[0];
    assert_eq!(wasm::convert_history(&mut io, 1, len, false), Status::Value as u32);
    assert_eq!(result(&io).1, tree(&twice));
    let twice_json = json::to_string(&twice);
    let len = write(&mut io, &[twice_json.as_bytes()])[0];
    assert_eq!(wasm::convert_history(&mut io, 2, len, true), Status::Bytes as u32);
    assert_eq!(result(&io).1.bytes, twice_bytes);
}

#[wasm_bindgen_test]
fn codes_and_tokens_through_the_buffers() {
    let mut io = Io::new();
    assert_eq!(wasm::generate_recovery_codes(&mut io, 5), Status::Value as u32);
    let value = value_of(&io);
    let five: Vec<String> = value.strings().iter().map(|c| c.to_string()).collect();
    assert_eq!(five.len(), 5);
    five.iter().for_each(|c| assert_code_shape(c));
    assert_eq!(five.iter().collect::<BTreeSet<_>>().len(), 5);
    assert_eq!(wasm::generate_recovery_codes(&mut io, 0), Status::Error as u32);
    assert_eq!(decode_buffers(&result(&io).1).get("code").string(), "out_of_range");

    let (code, pepper) = (five[0].as_bytes(), b"host pepper".as_slice());
    let lens = write(&mut io, &[code, pepper]);
    assert_eq!(wasm::hash_recovery_code(&mut io, lens[0], lens[1]), Status::Value as u32);
    let hash = value_of(&io).string().to_string();
    assert_eq!(hash, codes::hash(&five[0], pepper).unwrap());
    // Known answers (as tests/tokens.rs, computed outside this crate): SHA-256 in this build is
    // sha2's compact round loop, natively its unrolled one.
    let long: Vec<u8> = (0..=255u8).cycle().take(1024).collect();
    for (known_pepper, want) in
        [(pepper, "gKzB6BZqVsutPLghoFNWKHJ-4zKYELVa21DfeODh1z4"), (long.as_slice(), "86E9N35_05jcY8U3sV-frfxHGLFsRpxO0QPLoiiwf2Q")]
    {
        let lens = write(&mut io, &[b"7k3m-0q9w-xr2d-5t8h", known_pepper]);
        assert_eq!(wasm::hash_recovery_code(&mut io, lens[0], lens[1]), Status::Value as u32);
        assert_eq!(value_of(&io).string(), want);
    }
    let lens = write(&mut io, &[code, hash.as_bytes(), pepper]);
    assert!(wasm::verify_recovery_code(&io, lens[0], lens[1], lens[2]));
    let lens = write(&mut io, &[five[1].as_bytes(), hash.as_bytes(), pepper]);
    assert!(!wasm::verify_recovery_code(&io, lens[0], lens[1], lens[2]));
    let lens = write(&mut io, &[code, hash.as_bytes()]);
    assert!(!wasm::verify_recovery_code(&io, lens[0], lens[1], 0), "the hash was made with a pepper");

    // Keys, then a step-up grant minted (its id from the platform's randomness) and verified.
    let secret = base64url::encode(&[0x11; 32]);
    let spec = format!(r#"{{"signing": "k1", "keys": [{{"kid": "k1", "secret": "{secret}"}}]}}"#);
    let len = write(&mut io, &[spec.as_bytes()])[0];
    let keys = Keys::create(&mut io, len).unwrap();
    keys.signing_kid(&mut io);
    assert_eq!(value_of(&io), Value::String("k1".into()));
    let weak = format!(r#"{{"signing": "k1", "keys": [{{"kid": "k1", "secret": "{}"}}]}}"#, base64url::encode(&[1; 8]));
    let len = write(&mut io, &[weak.as_bytes()])[0];
    assert!(Keys::create(&mut io, len).is_none());
    assert_eq!(decode_buffers(&result(&io).1).get("code").string(), "weak_key");

    let len = write(&mut io, &[b"ciam-retail"])[0];
    let engine = Engine::preset(&mut io, len).unwrap();
    let grant = format!(
        r#"{{"now": {NOW}, "sub": "acct-1", "aud": "shop", "acr": "urn:ciam-policy:aal2", "amr": ["hwk", "user"], "authTime": {}, "action": "payout"}}"#,
        NOW - 5
    );
    let mut jtis = BTreeSet::new();
    for _ in 0..3 {
        let len = write(&mut io, &[grant.as_bytes()])[0];
        assert_eq!(engine.mint_step_up_grant(&mut io, &keys, len), Status::Value as u32);
        let minted = value_of(&io);
        jtis.insert(minted.get("jti").string().to_string());
        let verify = format!(
            r#"{{"now": {}, "token": "{}", "purpose": "step_up_grant", "audience": "shop", "subject": "acct-1", "action": "payout"}}"#,
            NOW + 10,
            minted.get("token").string()
        );
        let len = write(&mut io, &[verify.as_bytes()])[0];
        assert_eq!(engine.verify_token(&mut io, &keys, len, false, 0, 0), Status::Value as u32);
        let claims = value_of(&io);
        assert_eq!(claims.get("sub").string(), "acct-1");
        assert_eq!(claims.get("jti"), minted.get("jti"));
    }
    assert_eq!(jtis.len(), 3, "token ids repeat: {jtis:?}");
}
