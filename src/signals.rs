//! Facts derived from a request and the histories: is the device known, how fast did the
//! customer travel, how long were they away, how many failures from where. Everything is a
//! pure function of its inputs; events after `now` are ignored.

use crate::api::Attempt;
use crate::policy::Policy;
use crate::state::{ChangeKind, EventRef, EventType, HistoryRef};

/// Mean Earth radius used for great-circle distances, km.
const EARTH_RADIUS_KM: f64 = 6371.0;

/// How far and how fast since the last successful sign-in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Travel {
    /// Great-circle distance, km.
    pub distance_km: f64,
    /// Seconds since that sign-in.
    pub elapsed: u64,
    /// Implied speed, km/h (`f64::INFINITY` when no time passed but the place changed).
    pub speed_kmh: f64,
}

/// A run of failures: how many and when the last one was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    /// Failures counted.
    pub count: u32,
    /// Time of the latest counted failure.
    pub last_at: Option<i64>,
}

/// Everything the scoring rules read.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// The device completed a successful sign-in within the known window (or the host says so).
    pub device_known: bool,
    /// Travel since the last successful sign-in, when both ends have coordinates.
    pub travel: Option<Travel>,
    /// The country differs from every recent successful sign-in's country.
    pub new_country: bool,
    /// Seconds since the last successful sign-in, if there ever was one.
    pub inactive_for: Option<u64>,
    /// Failures from this device (or, without a device id, this IP) since its last success.
    pub device_failures: Failures,
    /// Failures against the account from other devices in the velocity window.
    pub failures_elsewhere: u32,
    /// Failures since the last unlock or success within the lockout window (workforce).
    pub lockout_failures: u32,
    /// Failures from the source IP across accounts within the window (successes do not reset it).
    pub ip_failures: Failures,
    /// Seconds since the last completed recovery.
    pub since_recovery: Option<u64>,
    /// Seconds since the last credential or identifier change.
    pub since_credential_change: Option<u64>,
    /// Seconds since the account was created.
    pub account_age: Option<u64>,
}

impl Facts {
    /// Derive the facts for `request` under `policy`.
    pub fn derive(policy: &Policy, request: &Attempt<'_>) -> Facts {
        let history = request.history.unwrap_or_default();
        let source = request.source_history.unwrap_or_default();
        let now = request.now;
        // Iterators, not collected Vecs: the rules below each walk the past once, and a request
        // with a full history would otherwise allocate three vectors of up to 80 events.
        let past = || history.events.iter().filter(move |e| e.at <= now);
        let device_id = request.device.and_then(|d| d.id);
        let ip = request.network.and_then(|n| n.ip);

        let known_since = now.saturating_sub(secs(policy.devices.known_for));
        let recent_successes = || past().filter(move |e| e.kind.is_success() && e.at >= known_since);
        let derived_known = device_id.is_some_and(|id| recent_successes().any(|e| e.device_id == Some(id)));
        let device_known = request.device.and_then(|d| d.known).unwrap_or(derived_known);

        let last_success = past().rfind(|e| e.kind.is_success());
        let travel = travel_since(request, last_success);
        let country = request.network.and_then(|n| n.country);
        let new_country = country.is_some_and(|c| {
            let mut seen = recent_successes().filter_map(|e| e.country).peekable();
            seen.peek().is_some() && !seen.any(|s| s == c)
        });

        let last_success_at = history.last_success_at.filter(|t| *t <= now).or(last_success.map(|e| e.at));
        let inactive_for = last_success_at.map(|t| elapsed(now, t));

        let same_source = |e: &EventRef<'_>| match device_id {
            Some(id) => e.device_id == Some(id),
            None => e.device_id.is_none() && ip.is_some() && e.ip == ip,
        };
        let device_window = now.saturating_sub(secs(policy.throttle.account_device.window));
        let device_reset = past().filter(|e| e.kind.is_success() && same_source(e)).map(|e| e.at).max();
        let device_failures =
            count_failures(past().filter(|e| same_source(e) && e.at >= device_window && device_reset.is_none_or(|r| e.at > r)));

        let velocity_window = now.saturating_sub(secs(policy.signals.failure_velocity.window));
        let failures_elsewhere = count_failures(past().filter(|e| e.at >= velocity_window && !same_source(e))).count;

        let lockout_failures = policy.throttle.lockout.as_ref().map_or(0, |lock| {
            let window = now.saturating_sub(secs(lock.window));
            let reset = past().filter(|e| e.kind == EventType::Unlock || e.kind.is_success()).map(|e| e.at).max();
            count_failures(past().filter(|e| e.at >= window && reset.is_none_or(|r| e.at > r))).count
        });

        let ip_window = now.saturating_sub(secs(policy.throttle.source_ip.window));
        // No reset on success here: an attacker who owns one account could otherwise sign in
        // to it every few failures and never be throttled. Customers behind the same address
        // are spared by the evaluator instead (a known device is not held by the address rule).
        let ip_failures = count_failures(source.events.iter().filter(|e| e.at <= now && e.at >= ip_window));

        let latest = |pred: &dyn Fn(&EventRef<'_>) -> bool| past().filter(|e| pred(e)).map(|e| elapsed(now, e.at)).min();
        let since_recovery = latest(&|e| e.kind == EventType::RecoverySuccess);
        let since_credential_change = latest(&|e| e.kind == EventType::CredentialChange);
        let account_age = request.account.and_then(|a| a.created_at).map(|t| elapsed(now, t));

        Facts {
            device_known,
            travel,
            new_country,
            inactive_for,
            device_failures,
            failures_elsewhere,
            lockout_failures,
            ip_failures,
            since_recovery,
            since_credential_change,
            account_age,
        }
    }
}

/// Seconds since the last change of `kind` recorded in `history`, if any (and not after `now`).
pub fn since_change(history: &HistoryRef<'_>, kind: ChangeKind, now: i64) -> Option<u64> {
    history
        .events
        .iter()
        .filter(|e| e.at <= now && e.kind == EventType::CredentialChange && e.change == Some(kind))
        .map(|e| elapsed(now, e.at))
        .min()
}

fn count_failures<'a, 'e: 'a>(events: impl Iterator<Item = &'a EventRef<'e>>) -> Failures {
    events.filter(|e| e.kind.is_failure()).fold(Failures::default(), |acc, e| Failures {
        count: acc.count.saturating_add(1),
        last_at: Some(acc.last_at.map_or(e.at, |t| t.max(e.at))),
    })
}

fn travel_since(request: &Attempt<'_>, last: Option<&EventRef<'_>>) -> Option<Travel> {
    let network = request.network?;
    let (lat, lon) = (network.lat?, network.lon?);
    let last = last?;
    let (from_lat, from_lon) = (last.lat?, last.lon?);
    let distance_km = great_circle_km(from_lat, from_lon, lat, lon);
    let elapsed = elapsed(request.now, last.at);
    // Staying put is no travel even within the same second; only a move in no time is infinitely fast.
    let speed_kmh = if distance_km <= 0.0 {
        0.0
    } else if elapsed == 0 {
        f64::INFINITY
    } else {
        distance_km * 3600.0 / elapsed as f64
    };
    Some(Travel { distance_km, elapsed, speed_kmh })
}

/// Haversine distance in km. Uses `libm` so the result is bit-identical natively and in wasm.
pub fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let (sin_dp, sin_dl) = (libm::sin(dp / 2.0), libm::sin(dl / 2.0));
    let a = sin_dp * sin_dp + libm::cos(p1) * libm::cos(p2) * sin_dl * sin_dl;
    2.0 * EARTH_RADIUS_KM * libm::asin(libm::sqrt(a.clamp(0.0, 1.0)))
}

/// Seconds from `then` to `now`, zero if `then` is later.
pub fn elapsed(now: i64, then: i64) -> u64 {
    u64::try_from(now.saturating_sub(then)).unwrap_or(0)
}

/// A policy duration as i64 seconds (policy durations are validated to at most two years).
pub fn secs(duration: u64) -> i64 {
    i64::try_from(duration).unwrap_or(i64::MAX)
}
