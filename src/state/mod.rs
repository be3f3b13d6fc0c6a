//! Per-account and per-source history: a bounded record of recent events, updated by the
//! pure reducer [`record`]. The same type serves an account (keyed by the host by account id)
//! and a source IP (keyed by address, for per-IP throttling).
//!
//! **Two forms.** [`History`] and [`Event`] own their data (the JSON form, what the native
//! API takes and returns); [`HistoryRef`] and [`EventRef`] borrow it, and are what every
//! rule reads. A history given as bytes is decoded straight into `EventRef`s that point into
//! the bytes ([`decode_refs`]), so deciding with it allocates one vector, not a string per
//! field of every event.
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
use crate::text;
use crate::validate::{check_coordinates, check_country, check_ip, check_short_id, check_time, MAX_CHANNEL_LEN, MAX_DEVICE_ID_LEN};

pub use encoding::{decode, decode_refs, encode, encode_refs, view, Packed, ViewStorage, ENCODING, MAX_ENCODED_BYTES};

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

crate::wire_enum! {
    /// What happened. (The declaration order is also the byte encoding's type codes.)
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum EventType {
        /// Correct credentials; a session was issued.
        SignInSuccess = "sign_in_success",
        /// Wrong credentials.
        SignInFailure = "sign_in_failure",
        /// A step-up challenge was passed (proves the device's owner, like a sign-in).
        StepUpSuccess = "step_up_success",
        /// A step-up challenge was failed.
        StepUpFailure = "step_up_failure",
        /// A recovery code was requested or tried on `channel`.
        RecoveryAttempt = "recovery_attempt",
        /// A recovery completed on `channel`.
        RecoverySuccess = "recovery_success",
        /// A credential or identifier (`change`) was changed.
        CredentialChange = "credential_change",
        /// Every session was revoked.
        SignOutEverywhere = "sign_out_everywhere",
        /// An administrator lifted a lockout (workforce pattern only).
        Unlock = "unlock",
    }
}

/// The capped class an event type is stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Success,
    Failure,
    RecoveryAttempt,
    Security,
}

const CLASSES: [Class; 4] = [Class::Success, Class::Failure, Class::RecoveryAttempt, Class::Security];

impl EventType {
    // Called for every event by every rule; the size-optimised build would not inline it.
    #[inline(always)]
    const fn class(self) -> Class {
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
}

crate::wire_enum! {
    /// A credential or identifier that can change. (The declaration order is also the byte
    /// encoding's change codes.)
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum ChangeKind {
        /// The sign-in / recovery email address.
        Email = "email",
        /// The sign-in / recovery phone number.
        Phone = "phone",
        /// An MFA factor (enrolled, removed or reset).
        Mfa = "mfa",
        /// The password.
        Password = "password",
        /// Where payouts go.
        PayoutDestination = "payout_destination",
    }
}

crate::wire_struct! {
    /// One recorded event. Coordinates are rounded to 1e-4 degrees (about 11 m) when recorded,
    /// so the JSON and byte encodings hold exactly the same values.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Event {
        /// What happened.
        pub kind: EventType = "type";
        /// When, Unix seconds.
        pub at: i64 = "at";
        /// The device's stable id, as the host identifies devices.
        pub device_id: Option<String> = "deviceId", optional;
        /// Source IP address.
        pub ip: Option<String> = "ip", optional;
        /// ISO 3166-1 alpha-2 country.
        pub country: Option<String> = "country", optional;
        /// Latitude, degrees.
        pub lat: Option<f64> = "lat", optional;
        /// Longitude, degrees.
        pub lon: Option<f64> = "lon", optional;
        /// Recovery channel, for recovery events.
        pub channel: Option<String> = "channel", optional;
        /// What changed, for `credential_change`.
        pub change: Option<ChangeKind> = "change", optional;
    }
}

/// An [`Event`] that borrows its strings: what the rules read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventRef<'a> {
    /// What happened.
    pub kind: EventType,
    /// When, Unix seconds.
    pub at: i64,
    /// The device's stable id.
    pub device_id: Option<&'a str>,
    /// Source IP address.
    pub ip: Option<&'a str>,
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<&'a str>,
    /// Latitude, degrees.
    pub lat: Option<f64>,
    /// Longitude, degrees.
    pub lon: Option<f64>,
    /// Recovery channel.
    pub channel: Option<&'a str>,
    /// What changed.
    pub change: Option<ChangeKind>,
}

impl Event {
    /// An event of `kind` at `at` with no other detail.
    pub fn new(kind: EventType, at: i64) -> Self {
        Event { kind, at, device_id: None, ip: None, country: None, lat: None, lon: None, channel: None, change: None }
    }

    /// The borrowed form.
    pub fn as_ref(&self) -> EventRef<'_> {
        EventRef {
            kind: self.kind,
            at: self.at,
            device_id: self.device_id.as_deref(),
            ip: self.ip.as_deref(),
            country: self.country.as_deref(),
            lat: self.lat,
            lon: self.lon,
            channel: self.channel.as_deref(),
            change: self.change,
        }
    }

    /// Check ranges and formats; `base` is the JSON path of the event.
    pub fn validate(&self, base: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        self.as_ref().check(&mut problems);
        prefix(&mut problems, base);
        problems
    }
}

impl<'a> EventRef<'a> {
    /// The owned form.
    pub fn to_owned(&self) -> Event {
        Event {
            kind: self.kind,
            at: self.at,
            device_id: self.device_id.map(String::from),
            ip: self.ip.map(String::from),
            country: self.country.map(String::from),
            lat: self.lat,
            lon: self.lon,
            channel: self.channel.map(String::from),
            change: self.change,
        }
    }

    /// Push this event's problems, with paths relative to the event (`/deviceId`, …).
    ///
    /// Paths stay relative while checking and get the event's place only when something is
    /// wrong: a valid history (up to 80 events per request) then costs no string formatting.
    pub fn check(&self, problems: &mut Vec<Problem>) {
        check_time(problems, "/at", self.at);
        if let Some(id) = self.device_id {
            check_short_id(problems, "/deviceId", id, MAX_DEVICE_ID_LEN);
        }
        if let Some(ip) = self.ip {
            check_ip(problems, "/ip", ip);
        }
        if let Some(country) = self.country {
            check_country(problems, "/country", country);
        }
        check_coordinates(problems, "", self.lat, self.lon);
        if let Some(channel) = self.channel {
            check_short_id(problems, "/channel", channel, MAX_CHANNEL_LEN);
        }
        if self.kind == EventType::CredentialChange && self.change.is_none() {
            problems.push(Problem::new(ErrorCode::MissingField, "/change", "a credential_change says what changed"));
        }
    }

    fn quantized(mut self) -> Self {
        self.lat = self.lat.map(quantize_degrees);
        self.lon = self.lon.map(quantize_degrees);
        self
    }
}

fn prefix(problems: &mut [Problem], base: &str) {
    for problem in problems {
        problem.path.insert_str(0, base);
    }
}

/// Round degrees to 1e-4 (the stored precision).
pub(crate) fn quantize_degrees(degrees: f64) -> f64 {
    (degrees * 1e4).round() / 1e4
}

crate::wire_struct! {
    /// The recent past of one account or one source. Events are sorted by time, oldest first.
    #[derive(Debug, Clone, PartialEq)]
    pub struct History {
        /// Format version; [`HISTORY_VERSION`] when written by this build.
        pub version: u32 = "version", default(HISTORY_VERSION);
        /// The last successful sign-in ever, kept after its event ages out (for inactivity).
        pub last_success_at: Option<i64> = "lastSuccessAt", optional;
        /// Recent events, oldest first.
        pub events: Vec<Event> = "events", default;
    }
}

/// A history as the rules read it: decoded events borrowed from a slice, or an encoding-2
/// history read in place from its bytes (see [`encoding`](encoding::view)). Read the events
/// with [`HistoryRef::iter`], oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HistoryRef<'a> {
    /// The last successful sign-in ever.
    pub last_success_at: Option<i64>,
    events: Events<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Events<'a> {
    Slice(&'a [EventRef<'a>]),
    Packed(&'a encoding::Packed<'a>),
}

impl Default for Events<'_> {
    fn default() -> Self {
        Events::Slice(&[])
    }
}

impl<'a> HistoryRef<'a> {
    /// A history of decoded events (oldest first).
    pub fn new(last_success_at: Option<i64>, events: &'a [EventRef<'a>]) -> Self {
        HistoryRef { last_success_at, events: Events::Slice(events) }
    }

    pub(crate) fn packed(packed: &'a encoding::Packed<'a>) -> Self {
        HistoryRef { last_success_at: packed.last_success_at, events: Events::Packed(packed) }
    }

    /// The events, oldest first.
    pub fn iter(&self) -> HistoryIter<'a> {
        match self.events {
            Events::Slice(events) => HistoryIter::Slice(events.iter()),
            Events::Packed(packed) => HistoryIter::Packed(packed, 0),
        }
    }

    /// How many events.
    pub fn len(&self) -> usize {
        match self.events {
            Events::Slice(events) => events.len(),
            Events::Packed(packed) => packed.len(),
        }
    }

    /// Whether the history holds anything at all.
    pub fn is_empty(&self) -> bool {
        self.last_success_at.is_none() && self.len() == 0
    }
}

/// How an event's device, address or country compares with the request's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The event has no such field.
    Absent,
    /// The same value as the request's.
    Same,
    /// Another value (or the request has none).
    Other,
}

/// What the rules of one attempt read of an event: its type and time, and whether its
/// device, address and country are the request's. Small, so both kinds of history produce it
/// cheaply: decoded events by comparing strings, encoding 2 by comparing table positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fact {
    /// What happened.
    pub kind: EventType,
    /// When.
    pub at: i64,
    /// The device compared with the request's.
    pub device: Match,
    /// The address compared with the request's.
    pub ip: Match,
    /// The country compared with the request's.
    pub country: Match,
    /// The event's position, to fetch it whole with [`HistoryRef::get`].
    pub position: usize,
}

/// When and where an event happened ([`HistoryRef::place`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    /// When.
    pub at: i64,
    /// Latitude, if the event has coordinates.
    pub lat: Option<f64>,
    /// Longitude, if the event has coordinates.
    pub lon: Option<f64>,
}

/// The request's values the facts of a history are compared with.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keys<'k> {
    /// The request's device id.
    pub device: Option<&'k str>,
    /// The request's address.
    pub ip: Option<&'k str>,
    /// The request's country.
    pub country: Option<&'k str>,
}

fn compare(value: Option<&str>, key: Option<&str>) -> Match {
    match (value, key) {
        (None, _) => Match::Absent,
        (Some(v), Some(k)) if v == k => Match::Same,
        _ => Match::Other,
    }
}

impl<'a> HistoryRef<'a> {
    /// The fact of each event at or before `now`, oldest first. An iterator, not a callback:
    /// the caller's loop keeps its counts in locals, where a callback's captures lived in
    /// memory in wasm, read and written again for each event (the payout 0.93× the time).
    pub fn facts<'k>(&self, keys: &Keys<'k>, now: i64) -> FactIter<'a, 'k> {
        let source = match self.events {
            Events::Slice(events) => FactSource::Slice(events, *keys),
            Events::Packed(packed) => FactSource::Packed(packed, packed.positions(keys)),
        };
        FactIter { source, now, position: 0 }
    }

    /// When and where the event at `position` happened, its strings not read: an encoding-2
    /// history finds each string by walking its table's lengths, and travel needs none of them
    /// (the payout 0.97× the time).
    pub fn place(&self, position: usize) -> Option<Place> {
        let e = match self.events {
            Events::Slice(events) => events.get(position).copied(),
            Events::Packed(packed) => packed.record(position).map(|record| packed.event_without_strings(record)),
        }?;
        Some(Place { at: e.at, lat: e.lat, lon: e.lon })
    }

    /// The event at `position`.
    pub fn get(&self, position: usize) -> Option<EventRef<'a>> {
        match self.events {
            Events::Slice(events) => events.get(position).copied(),
            Events::Packed(packed) => packed.record(position).map(|record| packed.event(record)),
        }
    }
}

/// The facts of a [`HistoryRef`]'s events up to a time ([`HistoryRef::facts`]).
#[derive(Debug, Clone)]
pub struct FactIter<'a, 'k> {
    source: FactSource<'a, 'k>,
    now: i64,
    position: usize,
}

#[derive(Debug, Clone)]
enum FactSource<'a, 'k> {
    /// Decoded events, compared with the request's values as strings.
    Slice(&'a [EventRef<'a>], Keys<'k>),
    /// Records read in place, compared by the request's values' positions in the tables.
    Packed(&'a encoding::Packed<'a>, encoding::Positions),
}

impl Iterator for FactIter<'_, '_> {
    type Item = Fact;

    // Always inlined, so each loop over a history's facts keeps its counts in locals: a call
    // per event made the payout 1.3 times slower.
    #[inline(always)]
    fn next(&mut self) -> Option<Fact> {
        let position = self.position;
        let fact = match &self.source {
            FactSource::Slice(events, keys) => {
                let e = events.get(position)?;
                Fact {
                    kind: e.kind,
                    at: e.at,
                    device: compare(e.device_id, keys.device),
                    ip: compare(e.ip, keys.ip),
                    country: compare(e.country, keys.country),
                    position,
                }
            }
            FactSource::Packed(packed, positions) => packed.fact(position, positions)?,
        };
        if fact.at > self.now {
            return None;
        }
        self.position = position + 1;
        Some(fact)
    }
}

/// The events of a [`HistoryRef`], oldest first.
#[derive(Debug, Clone)]
pub enum HistoryIter<'a> {
    /// Decoded events.
    Slice(core::slice::Iter<'a, EventRef<'a>>),
    /// Records read in place, with the next one's position.
    Packed(&'a encoding::Packed<'a>, usize),
}

impl<'a> Iterator for HistoryIter<'a> {
    type Item = EventRef<'a>;

    #[inline]
    fn next(&mut self) -> Option<EventRef<'a>> {
        match self {
            HistoryIter::Slice(events) => events.next().copied(),
            HistoryIter::Packed(packed, at) => {
                let event = packed.record(*at).map(|record| packed.event(record));
                *at += 1;
                event
            }
        }
    }
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

    /// The borrowed events (for a [`HistoryRef`]).
    pub fn event_refs(&self) -> Vec<EventRef<'_>> {
        self.events.iter().map(Event::as_ref).collect()
    }

    /// Check a history that came from outside (JSON): version, bounds, order, every event.
    pub fn validate(&self, base: &str) -> Result<()> {
        let mut problems = Vec::new();
        if self.version != HISTORY_VERSION {
            let code = if self.version > HISTORY_VERSION { ErrorCode::UnsupportedVersion } else { ErrorCode::InvalidHistory };
            problems.push(Problem::new(
                code,
                text!(base, "/version"),
                text!("history version ", self.version, " is not readable by this build (it reads version ", HISTORY_VERSION, ")"),
            ));
        }
        check_refs(&mut problems, base, self.last_success_at, &self.event_refs());
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

/// Every problem of a history's content: `lastSuccessAt`, the class caps, each event and the
/// time order. `base` is the history's JSON path.
pub(crate) fn check_refs(problems: &mut Vec<Problem>, base: &str, last_success_at: Option<i64>, events: &[EventRef<'_>]) {
    if let Some(at) = last_success_at {
        check_time(problems, &text!(base, "/lastSuccessAt"), at);
    }
    for class in CLASSES {
        if events.iter().filter(|e| e.kind.class() == class).count() > class_cap(class) {
            problems.push(Problem::new(
                ErrorCode::InvalidHistory,
                text!(base, "/events"),
                text!("more ", class_name(class), " events than a history holds (", class_cap(class), "); build histories with record()"),
            ));
        }
    }
    for (i, event) in events.iter().enumerate() {
        let found = problems.len();
        event.check(problems);
        if problems.len() > found {
            if let Some(new) = problems.get_mut(found..) {
                prefix(new, &text!(base, "/events/", i));
            }
        }
    }
    if events.windows(2).any(|pair| matches!(pair, [a, b] if a.at > b.at)) {
        problems.push(Problem::new(ErrorCode::InvalidHistory, text!(base, "/events"), "events must be in time order, oldest first"));
    }
}

/// The position of an event type's class in [`within_caps`]'s counts.
pub(crate) const fn class_index(kind: EventType) -> usize {
    match kind.class() {
        Class::Success => 0,
        Class::Failure => 1,
        Class::RecoveryAttempt => 2,
        Class::Security => 3,
    }
}

/// Whether counts per class (see [`class_index`]) are within the caps.
pub(crate) fn within_caps(counts: &[usize; 4]) -> bool {
    CLASSES.iter().zip(counts).all(|(class, count)| *count <= class_cap(*class))
}

fn class_cap(class: Class) -> usize {
    match class {
        Class::Success => MAX_SUCCESSES,
        Class::Failure => MAX_FAILURES,
        Class::RecoveryAttempt => MAX_RECOVERY_ATTEMPTS,
        Class::Security => MAX_SECURITY_EVENTS,
    }
}

fn class_name(class: Class) -> &'static str {
    match class {
        Class::Success => "Success",
        Class::Failure => "Failure",
        Class::RecoveryAttempt => "RecoveryAttempt",
        Class::Security => "Security",
    }
}

/// The pure reducer: `history` with `event` added, aged and bounded by `policy`'s windows.
///
/// Events may arrive out of order; they are inserted at their time. An event older than the
/// policy's horizon (measured from the newest event) is dropped at once.
pub fn record(policy: &Policy, history: &History, event: &Event) -> Result<History> {
    history.validate("/history")?;
    let events = history.event_refs();
    let (last_success_at, next) = record_refs(policy, HistoryRef::new(history.last_success_at, &events), event.as_ref())?;
    Ok(History { version: HISTORY_VERSION, last_success_at, events: next.iter().map(EventRef::to_owned).collect() })
}

/// [`record`] on borrowed forms, for a history already validated (built by [`record`] from a
/// checked [`History`], or decoded from bytes by [`decode_refs`], which validates). The event
/// is checked here. Returns the new `lastSuccessAt` and events.
pub(crate) fn record_refs<'a>(policy: &Policy, history: HistoryRef<'a>, event: EventRef<'a>) -> Result<(Option<i64>, Vec<EventRef<'a>>)> {
    let mut problems = Vec::new();
    event.check(&mut problems);
    prefix(&mut problems, "/event");
    if let Some(error) = Error::from_problems(problems) {
        return Err(error);
    }
    let event = event.quantized();
    let mut next: Vec<EventRef<'a>> = Vec::with_capacity(history.len() + 1);
    next.extend(history.iter());
    let mut last_success_at = history.last_success_at;
    if event.kind.is_success() {
        last_success_at = Some(last_success_at.map_or(event.at, |t| t.max(event.at)));
        if let Some(device) = event.device_id {
            // One success per device: only the latest matters for known-ness and travel, so a
            // late, older success of a device already seen later adds nothing (and must not take
            // another device's place).
            if next.iter().any(|e| e.kind.is_success() && e.device_id == Some(device) && e.at > event.at) {
                return Ok((last_success_at, next));
            }
            next.retain(|e| !(e.kind.is_success() && e.device_id == Some(device) && e.at <= event.at));
        }
    }
    let position = next.partition_point(|e| e.at <= event.at);
    next.insert(position, event);

    let newest = next.last().map_or(0, |e| e.at);
    let horizon = i64::try_from(policy.history_horizon()).unwrap_or(i64::MAX);
    let oldest_kept = newest.saturating_sub(horizon);
    next.retain(|e| e.at >= oldest_kept);
    for class in CLASSES {
        let count = next.iter().filter(|e| e.kind.class() == class).count();
        let mut excess = count.saturating_sub(class_cap(class));
        if excess == 0 {
            continue;
        }
        // The newest security event of each kind (and change) is never evicted: a flood of
        // password changes must not erase the recovery that started a hold, nor an email
        // change that bars a phone change. There are fewer such keys than the class holds:
        // `change` only distinguishes credential changes (on any other event it means nothing,
        // and counting it would allow more keys than the class holds, breaking the bound).
        let key = |e: &EventRef<'_>| (e.kind, e.change.filter(|_| e.kind == EventType::CredentialChange));
        let protected: Vec<bool> = next
            .iter()
            .enumerate()
            .map(|(i, e)| class == Class::Security && !next.iter().skip(i + 1).any(|later| key(later) == key(e)))
            .collect();
        let mut protected = protected.into_iter();
        // Events are oldest first, so dropping from the front drops the oldest of the class.
        next.retain(|e| {
            let keep = protected.next().unwrap_or(false);
            if excess > 0 && e.kind.class() == class && !keep {
                excess -= 1;
                false
            } else {
                true
            }
        });
    }
    Ok((last_success_at, next))
}
