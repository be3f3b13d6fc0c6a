//! Facts derived from a request and the histories: is the device known, how fast did the
//! customer travel, how long were they away, how many failures from where. Everything is a
//! pure function of its inputs; events after `now` are ignored.

use crate::api::Attempt;
use crate::policy::Policy;
use crate::state::{ChangeKind, EventType, Fact, HistoryRef, Keys, Match, Place};
use crate::trig;

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
    ///
    /// One pass over each history, oldest first (histories are validated to be in time
    /// order): a rule that counts failures "since the last success" restarts its count at each
    /// such success, and a failure in the same second as the success does not count (the
    /// reset is inclusive of its second). `tests/facts.rs` checks this against the rules
    /// written one filter per fact.
    pub fn derive(policy: &Policy, request: &Attempt<'_>) -> Facts {
        let now = request.now;
        let device_id = request.device.and_then(|d| d.id);
        let ip = request.network.and_then(|n| n.ip);
        let country = request.network.and_then(|n| n.country);
        let same_source = |e: &Fact| match device_id {
            Some(_) => e.device == Match::Same,
            None => e.device == Match::Absent && e.ip == Match::Same,
        };
        let known_since = now.saturating_sub(secs(policy.devices.known_for));
        let device_window = now.saturating_sub(secs(policy.throttle.account_device.window));
        let velocity_window = now.saturating_sub(secs(policy.signals.failure_velocity.window));
        let lockout_window = policy.throttle.lockout.as_ref().map(|lock| now.saturating_sub(secs(lock.window)));

        let mut derived_known = false;
        let mut last_success = None;
        let (mut countries_seen, mut country_seen) = (false, false);
        let (mut device_failures, mut device_reset) = (Failures::default(), None);
        let mut failures_elsewhere = Failures::default();
        let (mut lockout_failures, mut lockout_reset) = (Failures::default(), None);
        let (mut last_recovery, mut last_change) = (None, None);
        let history = request.history.unwrap_or_default();
        let keys = Keys { device: device_id, ip, country };
        for e in history.facts(&keys, now) {
            let same = same_source(&e);
            match e.kind {
                EventType::SignInSuccess | EventType::StepUpSuccess => {
                    if e.at >= known_since {
                        derived_known |= e.device == Match::Same;
                        countries_seen |= e.country != Match::Absent;
                        country_seen |= e.country == Match::Same;
                    }
                    last_success = Some(e.position);
                    if same {
                        restart(&mut device_failures, &mut device_reset, e.at);
                    }
                    restart(&mut lockout_failures, &mut lockout_reset, e.at);
                }
                EventType::SignInFailure | EventType::StepUpFailure => {
                    if same && e.at >= device_window {
                        count_after(&mut device_failures, device_reset, e.at);
                    }
                    if !same && e.at >= velocity_window {
                        count_after(&mut failures_elsewhere, None, e.at);
                    }
                    if lockout_window.is_some_and(|window| e.at >= window) {
                        count_after(&mut lockout_failures, lockout_reset, e.at);
                    }
                }
                EventType::Unlock => restart(&mut lockout_failures, &mut lockout_reset, e.at),
                EventType::RecoverySuccess => last_recovery = Some(e.at),
                EventType::CredentialChange => last_change = Some(e.at),
                EventType::RecoveryAttempt | EventType::SignOutEverywhere => {}
            }
        }

        let ip_window = now.saturating_sub(secs(policy.throttle.source_ip.window));
        // No reset on success here: an attacker who owns one account could otherwise sign in
        // to it every few failures and never be throttled. Customers behind the same address
        // are spared by the evaluator instead (a known device is not held by the address rule).
        let mut ip_failures = Failures::default();
        for e in request.source_history.unwrap_or_default().facts(&Keys::default(), now) {
            if e.kind.is_failure() && e.at >= ip_window {
                count_after(&mut ip_failures, None, e.at);
            }
        }

        let last_success = last_success.and_then(|position| history.place(position));
        let last_success_at = history.last_success_at.filter(|t| *t <= now).or(last_success.map(|e| e.at));
        Facts {
            device_known: request.device.and_then(|d| d.known).unwrap_or(derived_known),
            travel: travel_since(request, last_success.as_ref()),
            new_country: country.is_some() && countries_seen && !country_seen,
            inactive_for: last_success_at.map(|t| elapsed(now, t)),
            device_failures,
            failures_elsewhere: failures_elsewhere.count,
            lockout_failures: lockout_failures.count,
            ip_failures,
            since_recovery: last_recovery.map(|t| elapsed(now, t)),
            since_credential_change: last_change.map(|t| elapsed(now, t)),
            account_age: request.account.and_then(|a| a.created_at).map(|t| elapsed(now, t)),
        }
    }
}

/// A success (or unlock) at `at` restarts a count of failures "since the last reset".
fn restart(failures: &mut Failures, reset: &mut Option<i64>, at: i64) {
    *failures = Failures::default();
    *reset = Some(at);
}

/// Count a failure at `at`, unless it is in the second of the last reset or before it.
fn count_after(failures: &mut Failures, reset: Option<i64>, at: i64) {
    if reset.is_none_or(|r| at > r) {
        failures.count = failures.count.saturating_add(1);
        failures.last_at = Some(at);
    }
}

/// Seconds since the last change of `kind` recorded in `history`, if any (and not after `now`).
pub fn since_change(history: &HistoryRef<'_>, kind: ChangeKind, now: i64) -> Option<u64> {
    history
        .iter()
        .filter(|e| e.at <= now && e.kind == EventType::CredentialChange && e.change == Some(kind))
        .map(|e| elapsed(now, e.at))
        .min()
}

fn travel_since(request: &Attempt<'_>, last: Option<&Place>) -> Option<Travel> {
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

/// Haversine distance in km. The same code natively and in wasm (no platform `sin`), so the
/// result is bit-identical everywhere: `libm`'s functions, `sin` and `cos` through
/// `src/trig.rs` (its versions for arguments within ±π).
pub fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let (sin_dp, sin_dl) = (trig::sin(dp / 2.0), trig::sin(dl / 2.0));
    let a = sin_dp * sin_dp + trig::cos(p1) * trig::cos(p2) * sin_dl * sin_dl;
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
