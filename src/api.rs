//! Wire types shared by the JS boundary, the data-driven fixtures and the examples: the
//! request a host sends and the decision it gets back. camelCase, unknown fields rejected.
//!
//! A request is read into its owned wire type ([`EvaluateRequest`]); the rules read the
//! borrowed [`Attempt`] view of it. The JS boundary builds an `Attempt` straight from the
//! bytes a host's request was packed into, without owning a single string (see `src/boundary/packed.rs`),
//! and both paths share [`Attempt::check_fields`], so they accept and reject exactly the same input.

use crate::error::{Error, ErrorCode, Problem, Result};
use crate::policy::{Factor, Outcome};
use crate::risk::{Challenge, FactorList, Message, ReasonCode};
use crate::state::{History, HistoryRef};
use crate::text;
use crate::validate::{check_coordinates, check_country, check_ip, check_range, check_short_id, check_time, MAX_DEVICE_ID_LEN};

mod recovery;
mod token;

pub use recovery::*;
pub use token::*;

crate::wire_struct! {
    /// One action attempt to decide.
    #[derive(Debug, Clone, PartialEq)]
    pub struct EvaluateRequest {
        /// Current time, Unix seconds. The engine has no clock.
        pub now: i64 = "now";
        /// An action from the policy's catalog.
        pub action: String = "action";
        /// The client device.
        pub device: Option<Device> = "device", optional;
        /// The network the request came from.
        pub network: Option<Network> = "network", optional;
        /// The current authentication state; absent before sign-in.
        pub session: Option<Session> = "session", optional;
        /// What the host knows about the account; absent for unknown accounts and sign-up.
        pub account: Option<Account> = "account", optional;
        /// The money involved, for actions with amount bands.
        pub transaction: Option<Transaction> = "transaction", optional;
        /// The account's history, as returned by `record`.
        pub history: Option<History> = "history", optional;
        /// The source IP's history (failures from this address across accounts).
        pub source_history: Option<History> = "sourceHistory", optional;
    }
}

crate::wire_struct! {
    /// The client device.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct Device {
        /// Stable device id (a cookie, a WebAuthn credential id, an app install id).
        pub id: Option<String> = "id", optional;
        /// Likelihood of automation, 0–100 (100 = certainly a bot). From Cloudflare Bot
        /// Management, whose score runs the other way, pass `100 - cf.botManagement.score`.
        pub bot_score: Option<f64> = "botScore", optional;
        /// Host override of known-ness (otherwise derived from history).
        pub known: Option<bool> = "known", optional;
        /// Whether the device is managed by the organisation (only the workforce pattern asks).
        pub managed: Option<bool> = "managed", optional;
    }
}

crate::wire_enum! {
    /// Kind of anonymizing network.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Anonymizer {
        /// Not anonymized.
        None = "none",
        /// Consumer VPN.
        Vpn = "vpn",
        /// Open or residential proxy.
        Proxy = "proxy",
        /// Tor exit node.
        Tor = "tor",
        /// Hosting or data-centre address.
        Hosting = "hosting",
    }
}

crate::wire_struct! {
    /// The network the request came from.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct Network {
        /// Source IP address.
        pub ip: Option<String> = "ip", optional;
        /// IP reputation, 0–100 (higher is worse).
        pub ip_risk: Option<f64> = "ipRisk", optional;
        /// Anonymizer type, if any.
        pub anonymizer: Option<Anonymizer> = "anonymizer", optional;
        /// ISO 3166-1 alpha-2 country.
        pub country: Option<String> = "country", optional;
        /// Latitude, degrees.
        pub lat: Option<f64> = "lat", optional;
        /// Longitude, degrees.
        pub lon: Option<f64> = "lon", optional;
    }
}

crate::wire_struct! {
    /// The current authentication state.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Session {
        /// Assurance level reached (0–3).
        pub aal: u8 = "aal";
        /// RFC 8176 methods used.
        pub amr: Vec<String> = "amr", default;
        /// When the customer last authenticated, Unix seconds.
        pub auth_time: i64 = "authTime";
    }
}

crate::wire_struct! {
    /// What the host knows about the account.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct Account {
        /// When the account was created, Unix seconds.
        pub created_at: Option<i64> = "createdAt", optional;
        /// Factors the account has enrolled.
        pub factors: Vec<Factor> = "factors", default;
        /// Whether the current password appears in a breach corpus.
        pub breached: bool = "breached", default;
    }
}

crate::wire_struct! {
    /// The money involved.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Transaction {
        /// Amount in major units of `currency`.
        pub amount: f64 = "amount";
        /// ISO 4217 currency; must be the policy's.
        pub currency: String = "currency";
    }
}

/// One attempt as the rules read it: every string and list borrowed. Built from an
/// [`EvaluateRequest`] ([`EvaluateRequest::with_attempt`]) or by the JS boundary.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Attempt<'a> {
    /// Current time, Unix seconds.
    pub now: i64,
    /// The action's name.
    pub action: &'a str,
    /// The client device.
    pub device: Option<DeviceRef<'a>>,
    /// The network.
    pub network: Option<NetworkRef<'a>>,
    /// The session.
    pub session: Option<SessionRef<'a>>,
    /// The account.
    pub account: Option<AccountRef<'a>>,
    /// The money involved.
    pub transaction: Option<TransactionRef<'a>>,
    /// The account's history.
    pub history: Option<HistoryRef<'a>>,
    /// The source IP's history.
    pub source_history: Option<HistoryRef<'a>>,
}

/// [`Device`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DeviceRef<'a> {
    /// Stable device id.
    pub id: Option<&'a str>,
    /// Likelihood of automation, 0–100.
    pub bot_score: Option<f64>,
    /// Host override of known-ness.
    pub known: Option<bool>,
    /// Whether the organisation manages the device.
    pub managed: Option<bool>,
}

/// [`Network`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NetworkRef<'a> {
    /// Source IP address.
    pub ip: Option<&'a str>,
    /// IP reputation, 0–100.
    pub ip_risk: Option<f64>,
    /// Anonymizer type.
    pub anonymizer: Option<Anonymizer>,
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<&'a str>,
    /// Latitude, degrees.
    pub lat: Option<f64>,
    /// Longitude, degrees.
    pub lon: Option<f64>,
}

/// [`Session`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SessionRef<'a> {
    /// Assurance level reached.
    pub aal: u8,
    /// RFC 8176 methods used.
    pub amr: &'a [&'a str],
    /// When the customer last authenticated.
    pub auth_time: i64,
}

/// [`Account`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AccountRef<'a> {
    /// When the account was created.
    pub created_at: Option<i64>,
    /// Factors the account has enrolled.
    pub factors: &'a [Factor],
    /// Whether the password is breached.
    pub breached: bool,
}

/// [`Transaction`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TransactionRef<'a> {
    /// Amount in major units of `currency`.
    pub amount: f64,
    /// ISO 4217 currency.
    pub currency: &'a str,
}

impl Device {
    /// The borrowed form.
    pub fn as_ref(&self) -> DeviceRef<'_> {
        DeviceRef { id: self.id.as_deref(), bot_score: self.bot_score, known: self.known, managed: self.managed }
    }
}

impl Network {
    /// The borrowed form.
    pub fn as_ref(&self) -> NetworkRef<'_> {
        NetworkRef {
            ip: self.ip.as_deref(),
            ip_risk: self.ip_risk,
            anonymizer: self.anonymizer,
            country: self.country.as_deref(),
            lat: self.lat,
            lon: self.lon,
        }
    }
}

impl EvaluateRequest {
    /// Parse a request from JSON text (coded errors with paths).
    pub fn from_json(text: &str) -> Result<Self> {
        crate::json::from_str(text)
    }

    /// Check every field's range and format, then the histories. Policy-dependent checks
    /// (unknown action, currency) happen in the evaluator.
    pub fn validate(&self) -> Result<()> {
        self.with_attempt(|attempt| attempt.check_fields())?;
        for (path, history) in [("/history", &self.history), ("/sourceHistory", &self.source_history)] {
            if let Some(history) = history {
                history.validate(path)?;
            }
        }
        Ok(())
    }

    /// Run `f` with the borrowed view of this request.
    pub fn with_attempt<T>(&self, f: impl FnOnce(&Attempt<'_>) -> T) -> T {
        let amr: Vec<&str> = self.session.as_ref().map(|s| s.amr.iter().map(String::as_str).collect()).unwrap_or_default();
        let history = self.history.as_ref().map(|h| (h.last_success_at, h.event_refs()));
        let source = self.source_history.as_ref().map(|h| (h.last_success_at, h.event_refs()));
        let attempt = Attempt {
            now: self.now,
            action: &self.action,
            device: self.device.as_ref().map(Device::as_ref),
            network: self.network.as_ref().map(Network::as_ref),
            session: self.session.as_ref().map(|s| SessionRef { aal: s.aal, amr: &amr, auth_time: s.auth_time }),
            account: self.account.as_ref().map(|a| AccountRef { created_at: a.created_at, factors: &a.factors, breached: a.breached }),
            transaction: self.transaction.as_ref().map(|t| TransactionRef { amount: t.amount, currency: &t.currency }),
            history: history.as_ref().map(|(last, events)| HistoryRef::new(*last, events)),
            source_history: source.as_ref().map(|(last, events)| HistoryRef::new(*last, events)),
        };
        f(&attempt)
    }
}

impl Attempt<'_> {
    /// Check the range and format of every field but the histories (which are validated as
    /// they are read: decoding bytes validates, and [`History::validate`] checks the JSON form),
    /// listing every problem.
    pub fn check_fields(&self) -> Result<()> {
        let mut p: Vec<Problem> = Vec::new();
        check_time(&mut p, "/now", self.now);
        check_device(&mut p, self.device.as_ref());
        check_network(&mut p, self.network.as_ref());
        if let Some(session) = &self.session {
            if session.aal > 3 {
                p.push(Problem::new(ErrorCode::OutOfRange, "/session/aal", text!(session.aal, " is outside 0..=3")));
            }
            check_time(&mut p, "/session/authTime", session.auth_time);
            if session.auth_time > self.now {
                p.push(Problem::new(
                    ErrorCode::Inconsistent,
                    "/session/authTime",
                    "authTime is after now; check the clock you pass as now",
                ));
            }
            check_amr(&mut p, session.amr);
        }
        if let Some(account) = &self.account {
            if let Some(created) = account.created_at {
                check_time(&mut p, "/account/createdAt", created);
                if created > self.now {
                    p.push(Problem::new(ErrorCode::Inconsistent, "/account/createdAt", "createdAt is after now"));
                }
            }
            if account.factors.len() > Factor::ALL.len() {
                p.push(Problem::new(ErrorCode::TooLong, "/account/factors", "list each factor at most once"));
            }
            check_unique(&mut p, "/account/factors/", account.factors);
        }
        if let Some(transaction) = &self.transaction {
            check_range(&mut p, "/transaction/amount", transaction.amount, 0.0, 1e15);
            check_currency(&mut p, "/transaction/currency", transaction.currency);
        }
        match Error::from_problems(p) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// The most problems one list check reports: a list of a megabyte of repeats would otherwise
/// make one problem per entry, tens of megabytes of wasm memory that never shrinks.
pub(crate) const MAX_LIST_PROBLEMS: usize = 8;

/// A `duplicate_key` problem for each entry listed before (`base` ends with `/`), for the first
/// [`MAX_LIST_PROBLEMS`] of them.
pub(crate) fn check_unique<T: PartialEq + crate::text::Piece>(p: &mut Vec<Problem>, base: &str, items: &[T]) {
    // Plain loops: iterator adapters with closures stay out-of-line calls per entry at
    // opt-level "z", and every request's amr and factors are checked here.
    let mut reported = 0;
    for i in 0..items.len() {
        let (Some(item), Some(before)) = (items.get(i), items.get(..i)) else { break };
        let mut listed_before = false;
        for other in before {
            listed_before |= other == item;
        }
        if listed_before {
            if reported == MAX_LIST_PROBLEMS {
                break;
            }
            reported += 1;
            p.push(Problem::new(ErrorCode::DuplicateKey, text!(base, i), text!("`", item, "` is listed twice")));
        }
    }
}

/// A session's `amr`: at most 16 values, each a short id. A list refused for its length is not
/// walked, so a huge one costs one problem, not one per entry.
pub(crate) fn check_amr<S: AsRef<str>>(p: &mut Vec<Problem>, amr: &[S]) {
    if amr.len() > 16 {
        p.push(Problem::new(ErrorCode::TooLong, "/session/amr", "at most 16 amr values"));
        return;
    }
    for (i, value) in amr.iter().enumerate() {
        // The path is formatted only when the value is wrong (most requests carry amr).
        let found = p.len();
        check_short_id(p, "", value.as_ref(), 16);
        for problem in p.iter_mut().skip(found) {
            problem.path = text!("/session/amr/", i);
        }
    }
}

/// A three-letter ISO 4217 code.
pub(crate) fn check_currency(p: &mut Vec<Problem>, path: &str, currency: &str) {
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        p.push(Problem::new(ErrorCode::InvalidFormat, path, "use a three-letter ISO 4217 code such as \"EUR\""));
    }
}

/// Range and format checks of a request's `device`.
pub(crate) fn check_device(p: &mut Vec<Problem>, device: Option<&DeviceRef<'_>>) {
    if let Some(device) = device {
        if let Some(id) = device.id {
            check_short_id(p, "/device/id", id, MAX_DEVICE_ID_LEN);
        }
        if let Some(score) = device.bot_score {
            check_range(p, "/device/botScore", score, 0.0, 100.0);
        }
    }
}

/// Range and format checks of a request's `network`.
pub(crate) fn check_network(p: &mut Vec<Problem>, network: Option<&NetworkRef<'_>>) {
    if let Some(network) = network {
        if let Some(ip) = network.ip {
            check_ip(p, "/network/ip", ip);
        }
        if let Some(risk) = network.ip_risk {
            check_range(p, "/network/ipRisk", risk, 0.0, 100.0);
        }
        if let Some(country) = network.country {
            check_country(p, "/network/country", country);
        }
        check_coordinates(p, "/network", network.lat, network.lon);
    }
}

crate::wire_output! {
    /// The decision for one attempt. It borrows the policy's strings (its name, `acr` values,
    /// action names); messages are data, written out as text only when the decision is.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Decision<'p> {
        /// What to do.
        pub outcome: Outcome = "outcome";
        /// The risk score and level.
        pub risk: Risk = "risk";
        /// Why, in a stable order; each with its points.
        pub reasons: Vec<Reason<'p>> = "reasons";
        /// What to ask for, when the outcome is `step_up`.
        pub step_up: Option<StepUp<'p>> = "stepUp", optional;
        /// RFC 9470 `WWW-Authenticate` value, when the outcome is `step_up`.
        pub challenge: Option<Challenge<'p>> = "challenge", optional;
        /// Seconds to wait, when the outcome is `throttle` (or a recovery hold denies).
        pub retry_after: Option<u64> = "retryAfter", optional;
        /// The policy that decided.
        pub policy: PolicyRef<'p> = "policy";
    }
}

crate::wire_output! {
    /// Risk score and level.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Risk {
        /// 0–100.
        pub score: u8 = "score";
        /// Level from the policy's thresholds.
        pub level: RiskLevel = "level";
    }
}

crate::wire_enum! {
    /// Coarse risk level.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub enum RiskLevel {
        /// Below `medium`.
        Low = "low",
        /// From `medium`.
        Medium = "medium",
        /// From `high`.
        High = "high",
        /// From `critical`.
        Critical = "critical",
    }
}

crate::wire_output! {
    /// One reason for a decision.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Reason<'p> {
        /// Stable snake_case code.
        pub code: ReasonCode = "code";
        /// Risk points this reason contributed (0 for requirement reasons).
        pub points: u8 = "points";
        /// What a person reading the log should understand (`to_string()` for the text).
        pub message: Message<'p> = "message";
    }
}

crate::wire_output! {
    /// What a step-up must achieve.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StepUp<'p> {
        /// Assurance level to reach.
        pub aal: u8 = "aal";
        /// `acr` value to request.
        pub acr: &'p str = "acr";
        /// The authentication must be at most this many seconds old.
        pub max_age: u64 = "maxAge";
        /// Factors the account has that reach `aal`, least friction first.
        pub factors: FactorList = "factors";
    }
}

crate::wire_output! {
    /// Which policy took the decision.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct PolicyRef<'p> {
        /// The policy's name.
        pub name: &'p str = "name";
        /// The policy's revision.
        pub version: &'p str = "version";
    }
}
