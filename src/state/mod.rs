//! Per-account and per-source history: a bounded record of recent events, updated by the
//! pure reducer [`record`]. The same type serves an account (keyed by the host by account id)
//! and a source IP (keyed by address, for per-IP throttling).
//!
//! **Bound.** Events are kept in four separately capped classes so that one kind of event
//! can never push out another (a flood of failures must not erase the customer's known
//! devices, and a flood of recovery attempts must not erase a recent email change):
//! successes ([`MAX_SUCCESSES`], one per device), failures ([`MAX_FAILURES`]), recovery
//! attempts ([`MAX_RECOVERY_ATTEMPTS`]) and security events ([`MAX_SECURITY_EVENTS`]).
//! Strings are length-limited, so the encoded form never exceeds [`MAX_ENCODED_BYTES`].
//! Events older than the policy's longest window ([`crate::policy::Policy::history_horizon`])
//! age out on every `record`.

mod encoding;

use crate::error::{Error, ErrorCode, Problem, Result};
use crate::policy::Policy;
use crate::validate::{check_coordinates, check_country, check_ip, check_short_id, check_time};
use serde::{Deserialize, Serialize};

pub use encoding::{decode, encode, MAX_ENCODED_BYTES};

/// History format version written by this build.
pub const HISTORY_VERSION: u32 = 1;
/// Most successful sign-ins kept (the latest per device).
pub const MAX_SUCCESSES: usize = 16;
/// Most failures kept; back-off counts never need more.
pub const MAX_FAILURES: usize = 32;
/// Most recovery attempts kept.
pub const MAX_RECOVERY_ATTEMPTS: usize = 16;
/// Most security events (recoveries, changes, sign-out-everywhere, unlocks) kept.
pub const MAX_SECURITY_EVENTS: usize = 16;
/// Most events a history can hold.
pub const MAX_EVENTS: usize = MAX_SUCCESSES + MAX_FAILURES + MAX_RECOVERY_ATTEMPTS + MAX_SECURITY_EVENTS;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// Correct credentials; a session was issued.
    SignInSuccess,
    /// Wrong credentials.
    SignInFailure,
    /// A step-up challenge was passed (proves the device's owner, like a sign-in).
    StepUpSuccess,
    /// A step-up challenge was failed.
    StepUpFailure,
    /// A recovery code was requested or tried on `channel`.
    RecoveryAttempt,
    /// A recovery completed on `channel`.
    RecoverySuccess,
    /// A credential or identifier (`change`) was changed.
    CredentialChange,
    /// Every session was revoked.
    SignOutEverywhere,
    /// An administrator lifted a lockout (workforce pattern only).
    Unlock,
}

/// The capped class an event type is stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Success,
    Failure,
    RecoveryAttempt,
    Security,
}

impl EventType {
    // Called for every event by every rule; the size-optimised build would not inline it.
    #[inline(always)]
    fn class(self) -> Class {
        match self {
            EventType::SignInSuccess | EventType::StepUpSuccess => Class::Success,
            EventType::SignInFailure | EventType::StepUpFailure => Class::Failure,
            EventType::RecoveryAttempt => Class::RecoveryAttempt,
            EventType::RecoverySuccess | EventType::CredentialChange | EventType::SignOutEverywhere | EventType::Unlock => Class::Security,
        }
    }

    /// Whether the event proves the customer (a success of any kind).
    #[inline(always)]
    pub fn is_success(self) -> bool {
        self.class() == Class::Success
    }

    /// Whether the event is a failed credential or step-up attempt.
    #[inline(always)]
    pub fn is_failure(self) -> bool {
        self.class() == Class::Failure
    }

    /// Every event type, in declaration order (also the byte encoding's type codes).
    pub const ALL: [EventType; 9] = [
        EventType::SignInSuccess,
        EventType::SignInFailure,
        EventType::StepUpSuccess,
        EventType::StepUpFailure,
        EventType::RecoveryAttempt,
        EventType::RecoverySuccess,
        EventType::CredentialChange,
        EventType::SignOutEverywhere,
        EventType::Unlock,
    ];
}

/// A credential or identifier that can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The sign-in / recovery email address.
    Email,
    /// The sign-in / recovery phone number.
    Phone,
    /// An MFA factor (enrolled, removed or reset).
    Mfa,
    /// The password.
    Password,
    /// Where payouts go.
    PayoutDestination,
}

impl ChangeKind {
    /// Every change kind, in declaration order (also the byte encoding's change codes).
    pub const ALL: [ChangeKind; 5] =
        [ChangeKind::Email, ChangeKind::Phone, ChangeKind::Mfa, ChangeKind::Password, ChangeKind::PayoutDestination];
}

/// One recorded event. Coordinates are rounded to 1e-4 degrees (about 11 m) when recorded,
/// so the JSON and byte encodings hold exactly the same values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Event {
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// When, Unix seconds.
    pub at: i64,
    /// The device's stable id, as the host identifies devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Source IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Latitude, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Recovery channel, for recovery events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// What changed, for `credential_change`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<ChangeKind>,
}

impl Event {
    /// An event of `kind` at `at` with no other detail.
    pub fn new(kind: EventType, at: i64) -> Self {
        Event { kind, at, device_id: None, ip: None, country: None, lat: None, lon: None, channel: None, change: None }
    }

    /// Check ranges and formats; `base` is the JSON path of the event.
    pub fn validate(&self, base: &str) -> Vec<Problem> {
        // Paths are relative while checking and prefixed with `base` only when something is
        // wrong: a valid history (the common case, up to 80 events per request) then costs no
        // string formatting at all.
        let mut problems = Vec::new();
        check_time(&mut problems, "/at", self.at);
        if let Some(id) = &self.device_id {
            check_short_id(&mut problems, "/deviceId", id, crate::validate::MAX_DEVICE_ID_LEN);
        }
        if let Some(ip) = &self.ip {
            check_ip(&mut problems, "/ip", ip);
        }
        if let Some(country) = &self.country {
            check_country(&mut problems, "/country", country);
        }
        check_coordinates(&mut problems, "", self.lat, self.lon);
        if let Some(channel) = &self.channel {
            check_short_id(&mut problems, "/channel", channel, crate::validate::MAX_CHANNEL_LEN);
        }
        if self.kind == EventType::CredentialChange && self.change.is_none() {
            problems.push(Problem::new(ErrorCode::MissingField, "/change", "a credential_change says what changed"));
        }
        for problem in &mut problems {
            problem.path.insert_str(0, base);
        }
        problems
    }

    fn quantize(&mut self) {
        self.lat = self.lat.map(quantize_degrees);
        self.lon = self.lon.map(quantize_degrees);
    }
}

/// Round degrees to 1e-4 (the stored precision).
pub(crate) fn quantize_degrees(degrees: f64) -> f64 {
    (degrees * 1e4).round() / 1e4
}

/// The recent past of one account or one source. Events are sorted by time, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct History {
    /// Format version; [`HISTORY_VERSION`] when written by this build.
    #[serde(default = "current_version")]
    pub version: u32,
    /// The last successful sign-in ever, kept after its event ages out (for inactivity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success_at: Option<i64>,
    /// Recent events, oldest first.
    #[serde(default)]
    pub events: Vec<Event>,
}

fn current_version() -> u32 {
    HISTORY_VERSION
}

impl Default for History {
    /// An empty history of the current version (a derived default would say version 0).
    fn default() -> Self {
        History::new()
    }
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        History { version: HISTORY_VERSION, last_success_at: None, events: Vec::new() }
    }

    /// Check a history that came from outside (JSON): version, bounds, order, every event.
    pub fn validate(&self, base: &str) -> Result<()> {
        let mut problems = Vec::new();
        if self.version != HISTORY_VERSION {
            let code = if self.version > HISTORY_VERSION { ErrorCode::UnsupportedVersion } else { ErrorCode::InvalidHistory };
            problems.push(Problem::new(
                code,
                format!("{base}/version"),
                format!("history version {} is not readable by this build (it reads version {HISTORY_VERSION})", self.version),
            ));
        }
        if let Some(at) = self.last_success_at {
            check_time(&mut problems, &format!("{base}/lastSuccessAt"), at);
        }
        for class in [Class::Success, Class::Failure, Class::RecoveryAttempt, Class::Security] {
            if self.events.iter().filter(|e| e.kind.class() == class).count() > class_cap(class) {
                problems.push(Problem::new(
                    ErrorCode::InvalidHistory,
                    format!("{base}/events"),
                    format!("more {class:?} events than a history holds ({}); build histories with record()", class_cap(class)),
                ));
            }
        }
        for (i, event) in self.events.iter().enumerate() {
            let found = event.validate("");
            if !found.is_empty() {
                problems.extend(event.validate(&format!("{base}/events/{i}")));
            }
        }
        if self.events.windows(2).any(|pair| matches!(pair, [a, b] if a.at > b.at)) {
            problems.push(Problem::new(ErrorCode::InvalidHistory, format!("{base}/events"), "events must be in time order, oldest first"));
        }
        match Error::from_problems(problems) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// The newest event time, if any.
    pub fn newest(&self) -> Option<i64> {
        self.events.last().map(|e| e.at)
    }
}

fn class_cap(class: Class) -> usize {
    match class {
        Class::Success => MAX_SUCCESSES,
        Class::Failure => MAX_FAILURES,
        Class::RecoveryAttempt => MAX_RECOVERY_ATTEMPTS,
        Class::Security => MAX_SECURITY_EVENTS,
    }
}

/// The pure reducer: `history` with `event` added, aged and bounded by `policy`'s windows.
///
/// Events may arrive out of order; they are inserted at their time. An event older than the
/// policy's horizon (measured from the newest event) is dropped at once.
pub fn record(policy: &Policy, history: &History, event: &Event) -> Result<History> {
    history.validate("/history")?;
    record_validated(policy, history, event)
}

/// [`record`] for a history known to be valid already (decoded from bytes by [`decode`], or
/// checked with [`History::validate`]): the same result without checking its up to 80 events
/// a second time. The event is still checked.
pub fn record_validated(policy: &Policy, history: &History, event: &Event) -> Result<History> {
    if let Some(error) = Error::from_problems(event.validate("/event")) {
        return Err(error);
    }
    let mut event = event.clone();
    event.quantize();
    let mut next = history.clone();
    next.version = HISTORY_VERSION;
    if event.kind.is_success() {
        next.last_success_at = Some(next.last_success_at.map_or(event.at, |t| t.max(event.at)));
        if let Some(device) = &event.device_id {
            // One success per device: only the latest matters for known-ness and travel, so a
            // late, older success of a device already seen later adds nothing (and must not take
            // another device's place).
            if next.events.iter().any(|e| e.kind.is_success() && e.device_id.as_ref() == Some(device) && e.at > event.at) {
                return Ok(next);
            }
            let superseded = |e: &Event| e.kind.is_success() && e.device_id.as_ref() == Some(device) && e.at <= event.at;
            next.events.retain(|e| !superseded(e));
        }
    }
    let position = next.events.partition_point(|e| e.at <= event.at);
    next.events.insert(position, event);

    let newest = next.newest().unwrap_or(0);
    let horizon = i64::try_from(policy.history_horizon()).unwrap_or(i64::MAX);
    let oldest_kept = newest.saturating_sub(horizon);
    next.events.retain(|e| e.at >= oldest_kept);
    for class in [Class::Success, Class::Failure, Class::RecoveryAttempt, Class::Security] {
        let count = next.events.iter().filter(|e| e.kind.class() == class).count();
        let mut excess = count.saturating_sub(class_cap(class));
        // The newest security event of each kind (and change) is never evicted: a flood of
        // password changes must not erase the recovery that started a hold, nor an email
        // change that bars a phone change. There are fewer such keys than the class holds:
        // `change` only distinguishes credential changes (on any other event it means nothing,
        // and counting it would allow more keys than the class holds, breaking the bound).
        let key = |e: &Event| (e.kind, e.change.filter(|_| e.kind == EventType::CredentialChange));
        let newest_of_kind: Vec<bool> = next
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| class == Class::Security && !next.events.iter().skip(i + 1).any(|l| key(l) == key(e)))
            .collect();
        let mut protected = newest_of_kind.into_iter();
        // Events are oldest first, so dropping from the front drops the oldest of the class.
        next.events.retain(|e| {
            let keep = protected.next().unwrap_or(false);
            if excess > 0 && e.kind.class() == class && !keep {
                excess -= 1;
                false
            } else {
                true
            }
        });
    }
    Ok(next)
}
