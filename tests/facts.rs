//! The facts a decision reads, derived in one pass over each history (`src/signals.rs`), must
//! equal the same rules written the obvious way — one filter over the history per fact — for
//! random histories full of ties (failures and successes in the same second), every preset,
//! with and without a device id. And a history read in place from its bytes must give the same
//! facts as its decoded events, also when its string tables hold a string twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ciam_policy::api::{Attempt, DeviceRef, NetworkRef};
use ciam_policy::signals::{elapsed, secs, Facts, Failures};
use ciam_policy::state::{encode_refs, view, EventRef, HistoryRef, ViewStorage};
use ciam_policy::{presets, ChangeKind, EventType, Policy};
use proptest::prelude::*;

mod support;
use support::history_bytes::with_repeated_strings;

const NOW: i64 = 1_800_000_000;

/// The rules, one filter each (the implementation before the single pass).
fn reference(policy: &Policy, request: &Attempt<'_>) -> Facts {
    let history = request.history.unwrap_or_default();
    let source = request.source_history.unwrap_or_default();
    let now = request.now;
    let events: Vec<EventRef<'_>> = history.iter().collect();
    let past = || events.iter().filter(move |e| e.at <= now);
    let device_id = request.device.and_then(|d| d.id);
    let ip = request.network.and_then(|n| n.ip);
    let count = |events: &mut dyn Iterator<Item = &EventRef<'_>>| {
        events
            .filter(|e| e.kind.is_failure())
            .fold(Failures::default(), |acc, e| Failures { count: acc.count + 1, last_at: Some(acc.last_at.map_or(e.at, |t| t.max(e.at))) })
    };
    let known_since = now.saturating_sub(secs(policy.devices.known_for));
    let recent_successes = || past().filter(move |e| e.kind.is_success() && e.at >= known_since);
    let derived_known = device_id.is_some_and(|id| recent_successes().any(|e| e.device_id == Some(id)));
    let last_success = past().rfind(|e| e.kind.is_success());
    let country = request.network.and_then(|n| n.country);
    let new_country = country.is_some_and(|c| {
        let mut seen = recent_successes().filter_map(|e| e.country).peekable();
        seen.peek().is_some() && !seen.any(|s| s == c)
    });
    let last_success_at = history.last_success_at.filter(|t| *t <= now).or(last_success.map(|e| e.at));
    let same_source = |e: &EventRef<'_>| match device_id {
        Some(id) => e.device_id == Some(id),
        None => e.device_id.is_none() && ip.is_some() && e.ip == ip,
    };
    let device_window = now.saturating_sub(secs(policy.throttle.account_device.window));
    let device_reset = past().filter(|e| e.kind.is_success() && same_source(e)).map(|e| e.at).max();
    let device_failures = count(&mut past().filter(|e| same_source(e) && e.at >= device_window && device_reset.is_none_or(|r| e.at > r)));
    let velocity_window = now.saturating_sub(secs(policy.signals.failure_velocity.window));
    let failures_elsewhere = count(&mut past().filter(|e| e.at >= velocity_window && !same_source(e))).count;
    let lockout_failures = policy.throttle.lockout.as_ref().map_or(0, |lock| {
        let window = now.saturating_sub(secs(lock.window));
        let reset = past().filter(|e| e.kind == EventType::Unlock || e.kind.is_success()).map(|e| e.at).max();
        count(&mut past().filter(|e| e.at >= window && reset.is_none_or(|r| e.at > r))).count
    });
    let ip_window = now.saturating_sub(secs(policy.throttle.source_ip.window));
    let source_events: Vec<EventRef<'_>> = source.iter().collect();
    let ip_failures = count(&mut source_events.iter().filter(|e| e.at <= now && e.at >= ip_window));
    let latest = |kind: EventType| past().filter(|e| e.kind == kind).map(|e| elapsed(now, e.at)).min();
    let derived = Facts::derive(policy, request);
    Facts {
        device_known: request.device.and_then(|d| d.known).unwrap_or(derived_known),
        // Travel is computed by the same function from the last success; compare its input.
        travel: derived.travel,
        new_country,
        inactive_for: last_success_at.map(|t| elapsed(now, t)),
        device_failures,
        failures_elsewhere,
        lockout_failures,
        ip_failures,
        since_recovery: latest(EventType::RecoverySuccess),
        since_credential_change: latest(EventType::CredentialChange),
        account_age: request.account.and_then(|a| a.created_at).map(|t| elapsed(now, t)),
    }
}

fn event() -> impl Strategy<Value = (EventType, i64, u8, u8, u8)> {
    // Few distinct times, devices, addresses and countries, so ties and matches are common.
    (
        prop::sample::select(EventType::ALL.to_vec()),
        prop_oneof![Just(0i64), Just(1), Just(60), Just(3600), Just(86_400), Just(40 * 86_400), 0..400 * 86_400i64, Just(-5)],
        0..4u8,
        0..3u8,
        0..3u8,
    )
}

const DEVICES: [Option<&str>; 4] = [None, Some("phone"), Some("laptop"), Some("bot")];
const IPS: [Option<&str>; 3] = [None, Some("203.0.113.7"), Some("198.51.100.2")];
const COUNTRIES: [Option<&str>; 3] = [None, Some("DE"), Some("FR")];

fn refs(raw: &[(EventType, i64, u8, u8, u8)]) -> Vec<EventRef<'static>> {
    let mut events: Vec<EventRef<'static>> = raw
        .iter()
        .map(|(kind, ago, d, i, c)| EventRef {
            kind: *kind,
            at: NOW - ago,
            device_id: DEVICES[usize::from(*d)],
            ip: IPS[usize::from(*i)],
            country: COUNTRIES[usize::from(*c)],
            lat: None,
            lon: None,
            channel: None,
            change: None,
        })
        .collect();
    events.sort_by_key(|e| e.at);
    events
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn one_pass_facts_equal_the_rules(
        preset in 0..4usize,
        raw in prop::collection::vec(event(), 0..40),
        source_raw in prop::collection::vec(event(), 0..20),
        device in 0..4usize,
        ip in 0..3usize,
        country in 0..3usize,
        known in prop::option::of(any::<bool>()),
        last_success_at in prop::option::of(prop_oneof![Just(NOW - 10), Just(NOW + 10), Just(NOW - 500 * 86_400)]),
    ) {
        let policy = presets::load(presets::names()[preset]).unwrap();
        let events = refs(&raw);
        let source = refs(&source_raw);
        let request = Attempt {
            now: NOW,
            action: "login",
            device: Some(DeviceRef { id: DEVICES[device], known, ..DeviceRef::default() }),
            network: Some(NetworkRef { ip: IPS[ip], country: COUNTRIES[country], ..NetworkRef::default() }),
            history: Some(HistoryRef::new(last_success_at, &events)),
            source_history: Some(HistoryRef::new(None, &source)),
            ..Attempt::default()
        };
        prop_assert_eq!(Facts::derive(&policy, &request), reference(&policy, &request));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn bytes_give_the_facts_of_their_events(
        preset in 0..4usize,
        raw in prop::collection::vec(event(), 0..40),
        second in prop::collection::vec(any::<bool>(), 1..8),
        device in 0..4usize,
        ip in 0..3usize,
        country in 0..3usize,
    ) {
        let policy = presets::load(presets::names()[preset]).unwrap();
        // A credential change names what changed, or the bytes are not a valid history.
        let events: Vec<EventRef<'static>> = refs(&raw)
            .into_iter()
            .map(|e| EventRef { change: (e.kind == EventType::CredentialChange).then_some(ChangeKind::ALL[0]), ..e })
            .collect();
        let attempt = |history| Attempt {
            now: NOW,
            action: "login",
            device: Some(DeviceRef { id: DEVICES[device], ..DeviceRef::default() }),
            network: Some(NetworkRef { ip: IPS[ip], country: COUNTRIES[country], ..NetworkRef::default() }),
            history: Some(history),
            ..Attempt::default()
        };
        let want = Facts::derive(&policy, &attempt(HistoryRef::new(None, &events)));
        let written = encode_refs(None, &events);
        let mut storage = ViewStorage::default();
        let Ok(packed) = view(&written, &mut storage) else {
            // More events of a class than a history holds: the hand-written bytes are refused too.
            prop_assert!(view(&with_repeated_strings(None, &events, &second), &mut ViewStorage::default()).is_err());
            return Ok(());
        };
        prop_assert_eq!(&Facts::derive(&policy, &attempt(packed)), &want, "as record() writes it");
        let doubled = with_repeated_strings(None, &events, &second);
        let mut storage = ViewStorage::default();
        let packed = view(&doubled, &mut storage).unwrap();
        prop_assert_eq!(&Facts::derive(&policy, &attempt(packed)), &want, "every string twice: {:?}", doubled);
    }
}
