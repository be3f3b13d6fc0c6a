//! Unit tests of the arithmetic and the bounded history that the data-driven cases exercise
//! only through whole decisions: back-off growth and expiry, the history's caps under floods,
//! the worst-case encoded size, and the defensive decoder.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ciam_policy::json::MAX_ITEMS;
use ciam_policy::policy::Backoff;
use ciam_policy::risk::backoff_wait;
use ciam_policy::signals::{great_circle_km, Failures};
use ciam_policy::state::{decode, encode, MAX_ENCODED_BYTES, MAX_EVENTS, MAX_FAILURES, MAX_SECURITY_EVENTS, MAX_SUCCESSES};
use ciam_policy::text::Duration;
use ciam_policy::{presets, record, ChangeKind, Event, EventType, History};

const NOW: i64 = 1_800_000_000;

fn rule(free: u32, base: u64, factor: u32, max: u64) -> Backoff {
    Backoff { free_failures: free, base_delay: base, factor, max_delay: max, window: 3600 }
}

fn failures(count: u32, last_ago: i64) -> Failures {
    Failures { count, last_at: Some(NOW - last_ago) }
}

#[test]
fn backoff_is_free_then_base_then_grows_to_the_cap() {
    let retail = rule(5, 30, 2, 900);
    for count in 0..=5 {
        assert_eq!(backoff_wait(&retail, failures(count, 0), NOW), None, "{count} failures are free");
    }
    // The first failure past the free ones waits baseDelay, each further one doubles it.
    assert_eq!(backoff_wait(&retail, failures(6, 0), NOW), Some(30));
    assert_eq!(backoff_wait(&retail, failures(7, 0), NOW), Some(60));
    assert_eq!(backoff_wait(&retail, failures(10, 0), NOW), Some(480));
    assert_eq!(backoff_wait(&retail, failures(11, 0), NOW), Some(900), "960 is capped at maxDelay");
    assert_eq!(backoff_wait(&retail, failures(32, 0), NOW), Some(900));
}

#[test]
fn backoff_counts_from_the_last_failure_and_expires_exactly() {
    let retail = rule(5, 30, 2, 900);
    assert_eq!(backoff_wait(&retail, failures(6, 10), NOW), Some(20));
    assert_eq!(backoff_wait(&retail, failures(6, 29), NOW), Some(1));
    assert_eq!(backoff_wait(&retail, failures(6, 30), NOW), None, "expired exactly at baseDelay");
    assert_eq!(backoff_wait(&retail, failures(6, 31), NOW), None);
    // A failure stamped after `now` (clock skew) waits the full delay, never more.
    assert_eq!(backoff_wait(&retail, failures(6, -100), NOW), Some(30));
    // Without a time there is nothing to count from.
    assert_eq!(backoff_wait(&retail, Failures { count: 9, last_at: None }, NOW), None);
}

#[test]
fn backoff_never_overflows() {
    // factor^(extra-1) overflows u64 long before u32::MAX failures: saturate at maxDelay.
    let steep = rule(0, 86_400, 10, 7 * 86_400);
    assert_eq!(backoff_wait(&steep, failures(u32::MAX, 0), NOW), Some(7 * 86_400));
    assert_eq!(backoff_wait(&steep, failures(40, 0), NOW), Some(7 * 86_400));
    let flat = rule(0, 60, 1, 3600);
    assert_eq!(backoff_wait(&flat, failures(1000, 0), NOW), Some(60), "factor 1 never grows");
    // The oldest possible failure against the latest possible now.
    assert_eq!(backoff_wait(&steep, Failures { count: 5, last_at: Some(0) }, 253_402_300_799), None);
}

#[test]
fn durations_read_naturally() {
    assert_eq!(ciam_policy::text!(Duration(0)), "0 s");
    assert_eq!(ciam_policy::text!(Duration(119)), "119 s");
    assert_eq!(ciam_policy::text!(Duration(120)), "2 min");
    assert_eq!(ciam_policy::text!(Duration(7199)), "119 min");
    assert_eq!(ciam_policy::text!(Duration(7200)), "2 h");
    assert_eq!(ciam_policy::text!(Duration(2 * 86_400)), "2 days");
    assert_eq!(ciam_policy::text!(Duration(u64::MAX)), format!("{} days", u64::MAX / 86_400));
}

#[test]
fn great_circle_distances() {
    assert_eq!(great_circle_km(52.52, 13.405, 52.52, 13.405), 0.0);
    let berlin_lisbon = great_circle_km(52.52, 13.405, 38.7223, -9.1393);
    assert!((2300.0..2325.0).contains(&berlin_lisbon), "{berlin_lisbon}");
    let antipodes = great_circle_km(0.0, 0.0, 0.0, 180.0);
    assert!((antipodes - std::f64::consts::PI * 6371.0).abs() < 1e-6, "{antipodes}");
}

fn retail() -> ciam_policy::Policy {
    presets::load("ciam-retail").unwrap()
}

fn ev(kind: EventType, at: i64) -> Event {
    Event::new(kind, at)
}

#[test]
fn a_flood_of_failures_keeps_the_newest_and_every_known_device() {
    let policy = retail();
    let mut history = History::new();
    for d in 0..4 {
        let mut e = ev(EventType::SignInSuccess, NOW - 86_400 + d);
        e.device_id = Some(format!("device-{d}"));
        history = record(&policy, &history, &e).unwrap();
    }
    for i in 0..100 {
        let mut e = ev(EventType::SignInFailure, NOW - 1000 + i);
        e.device_id = Some("attacker".into());
        history = record(&policy, &history, &e).unwrap();
    }
    let failures: Vec<i64> = history.events.iter().filter(|e| e.kind.is_failure()).map(|e| e.at).collect();
    assert_eq!(failures.len(), MAX_FAILURES);
    assert_eq!(failures.first(), Some(&(NOW - 1000 + 100 - MAX_FAILURES as i64)), "the oldest failures went first");
    assert_eq!(history.events.iter().filter(|e| e.kind.is_success()).count(), 4, "failures never push out known devices");
}

#[test]
fn successes_are_one_per_device_and_capped() {
    let policy = retail();
    let mut history = History::new();
    for i in 0..40 {
        let mut e = ev(if i % 2 == 0 { EventType::SignInSuccess } else { EventType::StepUpSuccess }, NOW - 1000 + i);
        e.device_id = Some(format!("device-{}", i % 20));
        history = record(&policy, &history, &e).unwrap();
    }
    let successes: Vec<&Event> = history.events.iter().filter(|e| e.kind.is_success()).collect();
    assert_eq!(successes.len(), MAX_SUCCESSES);
    let mut devices: Vec<&str> = successes.iter().map(|e| e.device_id.as_deref().unwrap()).collect();
    devices.sort_unstable();
    devices.dedup();
    assert_eq!(devices.len(), MAX_SUCCESSES, "one success per device");
    assert_eq!(history.last_success_at, Some(NOW - 1000 + 39));
}

#[test]
fn security_events_stay_capped_whatever_their_change_field() {
    // Regression: record() protects the newest security event of each kind (and, for
    // credential changes, of each change) from eviction. A `change` on other kinds must not
    // create extra protected keys, or the class outgrows its cap and the history stops
    // validating (every later record/evaluate would fail with invalid_history).
    let policy = retail();
    let kinds = [EventType::RecoverySuccess, EventType::CredentialChange, EventType::SignOutEverywhere, EventType::Unlock];
    let changes = [ChangeKind::Email, ChangeKind::Phone, ChangeKind::Mfa, ChangeKind::Password, ChangeKind::PayoutDestination];
    let mut history = History::new();
    let mut at = NOW - 10_000;
    for round in 0..3 {
        for kind in kinds {
            for change in changes {
                at += 1;
                let mut e = ev(kind, at);
                e.change = Some(change);
                e.channel = (round == 0).then(|| "email".to_string());
                history = record(&policy, &history, &e).unwrap();
                let security = history.events.iter().filter(|e| !e.kind.is_success() && !e.kind.is_failure()).count();
                assert!(security <= MAX_SECURITY_EVENTS, "{security} security events after {kind:?}/{change:?}");
                history.validate("/history").unwrap();
            }
        }
    }
    // The newest of each kind survived: the latest recovery and the latest change of each kind.
    assert!(history.events.iter().any(|e| e.kind == EventType::RecoverySuccess));
    for change in changes {
        assert!(history.events.iter().any(|e| e.kind == EventType::CredentialChange && e.change == Some(change)), "{change:?}");
    }
}

fn worst_case_history() -> History {
    // Every string distinct and at its limit, so none is shared in the encoding's string table.
    let mut n = 0;
    let mut unique = |template: &str| {
        n += 1;
        let tag = format!("{n:03}");
        format!("{}{tag}", &template[..template.len() - 3])
    };
    let mut events = Vec::new();
    let kinds = [
        (EventType::SignInSuccess, MAX_SUCCESSES),
        (EventType::SignInFailure, MAX_FAILURES),
        (EventType::RecoveryAttempt, 16),
        (EventType::CredentialChange, MAX_SECURITY_EVENTS),
    ];
    for (kind, count) in kinds {
        for _ in 0..count {
            let mut e = Event::new(kind, 253_402_300_799);
            e.device_id = Some(unique(&"d".repeat(128)));
            e.ip = Some(format!("{:04x}:ffff:ffff:ffff:ffff:ffff:255.255.255.255", events.len()));
            e.country = Some("DE".into());
            e.lat = Some(-89.9999);
            e.lon = Some(-179.9999);
            e.channel = Some(unique(&"c".repeat(32)));
            e.change = Some(ChangeKind::PayoutDestination);
            events.push(e);
        }
    }
    History { version: 1, last_success_at: Some(253_402_300_799), events }
}

#[test]
fn the_largest_history_fits_the_encoding_bound() {
    let history = worst_case_history();
    assert_eq!(history.events.len(), MAX_EVENTS);
    history.validate("/history").unwrap();
    let bytes = encode(&history);
    assert!(bytes.len() <= MAX_ENCODED_BYTES, "{} > {MAX_ENCODED_BYTES}", bytes.len());
    assert_eq!(decode(&bytes).unwrap(), history);
}

#[test]
fn decode_rejects_damage_with_coded_errors() {
    let mut history = worst_case_history();
    history.events.truncate(3);
    let bytes = encode(&history);
    // Every proper prefix is truncated, never a panic and never a partial history.
    for cut in 0..bytes.len() {
        let error = decode(&bytes[..cut]).unwrap_err();
        assert_eq!(error.code().as_str(), "invalid_history", "prefix {cut}");
        assert_eq!(error.path(), "/history");
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(decode(&trailing).unwrap_err().code().as_str(), "invalid_history");
    let mut newer = bytes.clone();
    newer[2] = ciam_policy::state::ENCODING + 1;
    assert_eq!(decode(&newer).unwrap_err().code().as_str(), "unsupported_version");
    let mut magic = bytes.clone();
    magic[0] = b'X';
    assert_eq!(decode(&magic).unwrap_err().code().as_str(), "invalid_history");
    // An eleven-byte varint for the event count.
    let overlong = [b'C', b'H', 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    assert_eq!(decode(&overlong).unwrap_err().code().as_str(), "invalid_history");
    assert_eq!(decode(&vec![0u8; MAX_ENCODED_BYTES + 1]).unwrap_err().code().as_str(), "invalid_history");
    // The empty history has a fixed, tiny form; so had it in encoding 1, still read.
    assert_eq!(encode(&History::new()), b"CH\x02\x00\x00\x00\x00\x00\x00");
    assert_eq!(decode(b"CH\x02\x00\x00\x00\x00\x00\x00").unwrap(), History::new());
    assert_eq!(decode(b"CH\x01\x00\x00").unwrap(), History::new());
}

#[test]
fn a_table_string_that_is_not_text_is_named_on_every_read() {
    // Tables are checked against their (ASCII) alphabets, and made text only when a string is
    // read; bytes that are not UTF-8 still get their own message, when decoding and when a
    // decision reads the history in place.
    let mut e = Event::new(EventType::SignInSuccess, NOW);
    e.device_id = Some("phone-1".into());
    let mut history = History::new();
    history.events.push(e);
    let mut bytes = encode(&history);
    let at = bytes.windows(7).position(|w| w == b"phone-1").unwrap();
    bytes[at + 2] = 0xff;
    let error = decode(&bytes).unwrap_err();
    assert_eq!((error.code().as_str(), error.path()), ("invalid_history", "/history"));
    assert!(error.to_string().contains("not UTF-8"), "{error}");
    let mut storage = ciam_policy::state::ViewStorage::default();
    let error = ciam_policy::state::view(&bytes, &mut storage).unwrap_err();
    assert_eq!((error.code().as_str(), error.path()), ("invalid_history", "/history"));
    assert!(error.to_string().contains("not UTF-8"), "{error}");
    // Valid UTF-8 that is not in the alphabet is a format problem at the event's path.
    bytes[at + 2..at + 4].copy_from_slice("é".as_bytes());
    let error = decode(&bytes).unwrap_err();
    assert!(error.to_string().contains("/history/events/0/deviceId"), "{error}");
}

#[test]
fn a_late_old_success_does_not_add_a_second_entry_for_its_device() {
    // Regression: successes are kept one per device (the latest). An older success arriving
    // late used to be inserted as a second entry, so a replay of one device's old successes
    // could evict the other known devices.
    let policy = retail();
    let success = |device: &str, at: i64| {
        let mut e = ev(EventType::SignInSuccess, at);
        e.device_id = Some(device.into());
        e
    };
    let mut history = History::new();
    for d in 0..15 {
        history = record(&policy, &history, &success(&format!("device-{d}"), NOW - 10_000 + d)).unwrap();
    }
    history = record(&policy, &history, &success("phone", NOW)).unwrap();
    for i in 0..20 {
        history = record(&policy, &history, &success("phone", NOW - 5_000 + i)).unwrap();
    }
    let phone: Vec<i64> = history.events.iter().filter(|e| e.device_id.as_deref() == Some("phone")).map(|e| e.at).collect();
    assert_eq!(phone, [NOW], "only the latest success of the phone is kept");
    assert_eq!(history.events.iter().filter(|e| e.kind.is_success()).count(), 16, "no other device was pushed out");
    assert_eq!(history.last_success_at, Some(NOW));
}

/// A long list makes a bounded number of problems, not one per entry (each would stay in wasm
/// memory, which never shrinks). Lists up to the reader's limit reach the checks; longer ones
/// are refused while they are read (`json_lists_are_refused_past_the_item_limit`).
#[test]
fn huge_lists_make_few_problems() {
    let policy = retail();
    let factors = vec!["\"sms\""; MAX_ITEMS].join(",");
    let request =
        ciam_policy::EvaluateRequest::from_json(&format!(r#"{{"now":1800000000,"action":"login","account":{{"factors":[{factors}]}}}}"#))
            .unwrap();
    let error = ciam_policy::evaluate(&policy, &request).unwrap_err();
    assert_eq!(error.code().as_str(), "too_long");
    assert!(error.problems().count() <= 9, "{} problems", error.problems().count());

    let amr = vec!["\"pwd\""; MAX_ITEMS].join(",");
    let change =
        format!(r#"{{"now":1800000000,"change":"password","session":{{"aal":1,"amr":[{amr}],"authTime":1799999000}},"verified":[]}}"#);
    let error = ciam_policy::ChangeRequest::from_json(&change).and_then(|r| ciam_policy::evaluate_change(&policy, &r)).unwrap_err();
    assert_eq!((error.code().as_str(), error.problems().count()), ("too_long", 1), "{error}");

    let keys: Vec<(String, Vec<u8>)> = (0..10_000).map(|i| (format!("k{i}"), vec![0u8; 4])).collect();
    let error = ciam_policy::KeySet::new(keys, "k0").unwrap_err();
    assert_eq!((error.code().as_str(), error.problems().count()), ("out_of_range", 1));
}

/// Arrays and objects of JSON input stop being read at the first entry past `MAX_ITEMS`, with
/// `too_long` at their own path; `MAX_ITEMS` entries are read and checked as usual.
#[test]
fn json_lists_are_refused_past_the_item_limit() {
    let policy = retail();
    let with_amr = |n: usize| {
        let amr = vec!["\"pwd\""; n].join(",");
        format!(r#"{{"now":1800000000,"action":"login","session":{{"aal":1,"amr":[{amr}],"authTime":1799999000}}}}"#)
    };
    let at_limit = ciam_policy::EvaluateRequest::from_json(&with_amr(MAX_ITEMS)).unwrap();
    let error = ciam_policy::evaluate(&policy, &at_limit).unwrap_err();
    assert_eq!((error.code().as_str(), error.path(), error.message()), ("too_long", "/session/amr", "at most 16 amr values"));
    let error = ciam_policy::EvaluateRequest::from_json(&with_amr(MAX_ITEMS + 1)).unwrap_err();
    assert_eq!((error.code().as_str(), error.path()), ("too_long", "/session/amr"), "{error}");
    assert!(error.message().contains("more than 1024 items"), "{error}");

    // An object: a policy whose action catalog has more keys than any could.
    let mut document: serde_json::Value = serde_json::from_str(ciam_policy::presets::json("ciam-retail").unwrap()).unwrap();
    let login = document["actions"]["login"].clone();
    let actions = document["actions"].as_object_mut().unwrap();
    for i in 0..MAX_ITEMS {
        actions.insert(format!("action_{i}"), login.clone());
    }
    let error = ciam_policy::Policy::from_json(&document.to_string()).unwrap_err();
    assert_eq!((error.code().as_str(), error.path()), ("too_long", "/actions"), "{error}");
}
