//! Wire types shared by the JS boundary, the data-driven fixtures and the examples: the
//! request a host sends and the decision it gets back. camelCase, unknown fields rejected.

use crate::error::{Error, ErrorCode, Problem, Result};
use crate::policy::{Factor, Outcome};
use crate::risk::ReasonCode;
use crate::state::History;
use crate::validate::{check_coordinates, check_country, check_ip, check_range, check_short_id, check_time, MAX_DEVICE_ID_LEN};
use serde::{Deserialize, Serialize};

mod recovery;
mod token;

pub use recovery::*;
pub use token::*;

/// One action attempt to decide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvaluateRequest {
    /// Current time, Unix seconds. The engine has no clock.
    pub now: i64,
    /// An action from the policy's catalog.
    pub action: String,
    /// The client device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    /// The network the request came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// The current authentication state; absent before sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    /// What the host knows about the account; absent for unknown accounts and sign-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    /// The money involved, for actions with amount bands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<Transaction>,
    /// The account's history, as returned by `record`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
    /// The source IP's history (failures from this address across accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_history: Option<History>,
}

/// The client device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Device {
    /// Stable device id (a cookie, a WebAuthn credential id, an app install id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Likelihood of automation, 0–100 (100 = certainly a bot). From Cloudflare Bot
    /// Management, whose score runs the other way, pass `100 - cf.botManagement.score`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_score: Option<f64>,
    /// Host override of known-ness (otherwise derived from history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<bool>,
    /// Whether the device is managed by the organisation (only the workforce pattern asks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<bool>,
}

/// Kind of anonymizing network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anonymizer {
    /// Not anonymized.
    None,
    /// Consumer VPN.
    Vpn,
    /// Open or residential proxy.
    Proxy,
    /// Tor exit node.
    Tor,
    /// Hosting or data-centre address.
    Hosting,
}

/// The network the request came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Network {
    /// Source IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// IP reputation, 0–100 (higher is worse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_risk: Option<f64>,
    /// Anonymizer type, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymizer: Option<Anonymizer>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Latitude, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

/// The current authentication state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Session {
    /// Assurance level reached (0–3).
    pub aal: u8,
    /// RFC 8176 methods used.
    #[serde(default)]
    pub amr: Vec<String>,
    /// When the customer last authenticated, Unix seconds.
    pub auth_time: i64,
}

/// What the host knows about the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Account {
    /// When the account was created, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// Factors the account has enrolled.
    #[serde(default)]
    pub factors: Vec<Factor>,
    /// Whether the current password appears in a breach corpus.
    #[serde(default)]
    pub breached: bool,
}

/// The money involved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Transaction {
    /// Amount in major units of `currency`.
    pub amount: f64,
    /// ISO 4217 currency; must be the policy's.
    pub currency: String,
}

impl EvaluateRequest {
    /// Parse a request from JSON text (coded errors with paths).
    pub fn from_json(text: &str) -> Result<Self> {
        crate::json::from_str(text)
    }

    /// Check every field's range and format. Policy-dependent checks (unknown action,
    /// currency) happen in the evaluator.
    pub fn validate(&self) -> Result<()> {
        self.validate_except(Prevalidated::default())
    }

    /// [`EvaluateRequest::validate`], skipping the histories `known` says were validated
    /// already (a history decoded from bytes by [`crate::state::decode`] is; checking its up to
    /// 80 events a second time was the largest part of deciding with it).
    pub fn validate_except(&self, known: Prevalidated) -> Result<()> {
        let mut p: Vec<Problem> = Vec::new();
        check_time(&mut p, "/now", self.now);
        check_device(&mut p, self.device.as_ref());
        check_network(&mut p, self.network.as_ref());
        if let Some(session) = &self.session {
            if session.aal > 3 {
                p.push(Problem::new(ErrorCode::OutOfRange, "/session/aal", format!("{} is outside 0..=3", session.aal)));
            }
            check_time(&mut p, "/session/authTime", session.auth_time);
            if session.auth_time > self.now {
                p.push(Problem::new(
                    ErrorCode::Inconsistent,
                    "/session/authTime",
                    "authTime is after now; check the clock you pass as now",
                ));
            }
            if session.amr.len() > 16 {
                p.push(Problem::new(ErrorCode::TooLong, "/session/amr", "at most 16 amr values"));
            }
            for (i, amr) in session.amr.iter().enumerate() {
                // The path is formatted only when the value is wrong (most requests carry amr).
                let found = p.len();
                check_short_id(&mut p, "", amr, 16);
                for problem in p.iter_mut().skip(found) {
                    problem.path = format!("/session/amr/{i}");
                }
            }
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
            for (i, factor) in account.factors.iter().enumerate() {
                if account.factors.iter().take(i).any(|f| f == factor) {
                    p.push(Problem::new(ErrorCode::DuplicateKey, format!("/account/factors/{i}"), format!("`{factor}` is listed twice")));
                }
            }
        }
        if let Some(transaction) = &self.transaction {
            check_range(&mut p, "/transaction/amount", transaction.amount, 0.0, 1e15);
            if transaction.currency.len() != 3 || !transaction.currency.bytes().all(|b| b.is_ascii_uppercase()) {
                p.push(Problem::new(ErrorCode::InvalidFormat, "/transaction/currency", "use a three-letter ISO 4217 code such as \"EUR\""));
            }
        }
        let mut result = match Error::from_problems(p) {
            Some(error) => Err(error),
            None => Ok(()),
        };
        for (path, history, checked) in
            [("/history", &self.history, known.history), ("/sourceHistory", &self.source_history, known.source_history)]
        {
            if let (Ok(()), Some(history), false) = (&result, history, checked) {
                result = history.validate(path);
            }
        }
        result
    }
}

/// Which histories of a request are known to be valid already, so they are not checked twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prevalidated {
    /// `history` was validated (decoded from bytes).
    pub history: bool,
    /// `sourceHistory` was validated (decoded from bytes).
    pub source_history: bool,
}

/// Range and format checks of a request's `device`.
pub(crate) fn check_device(p: &mut Vec<Problem>, device: Option<&Device>) {
    if let Some(device) = device {
        if let Some(id) = &device.id {
            check_short_id(p, "/device/id", id, MAX_DEVICE_ID_LEN);
        }
        if let Some(score) = device.bot_score {
            check_range(p, "/device/botScore", score, 0.0, 100.0);
        }
    }
}

/// Range and format checks of a request's `network`.
pub(crate) fn check_network(p: &mut Vec<Problem>, network: Option<&Network>) {
    if let Some(network) = network {
        if let Some(ip) = &network.ip {
            check_ip(p, "/network/ip", ip);
        }
        if let Some(risk) = network.ip_risk {
            check_range(p, "/network/ipRisk", risk, 0.0, 100.0);
        }
        if let Some(country) = &network.country {
            check_country(p, "/network/country", country);
        }
        check_coordinates(p, "/network", network.lat, network.lon);
    }
}

/// The decision for one attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Decision {
    /// What to do.
    pub outcome: Outcome,
    /// The risk score and level.
    pub risk: Risk,
    /// Why, in a stable order; each with its points.
    pub reasons: Vec<Reason>,
    /// What to ask for, when the outcome is `step_up`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_up: Option<StepUp>,
    /// RFC 9470 `WWW-Authenticate` value, when the outcome is `step_up`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    /// Seconds to wait, when the outcome is `throttle`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// The policy that decided.
    pub policy: PolicyRef,
}

/// Risk score and level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Risk {
    /// 0–100.
    pub score: u8,
    /// Level from the policy's thresholds.
    pub level: RiskLevel,
}

/// Coarse risk level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Below `medium`.
    Low,
    /// From `medium`.
    Medium,
    /// From `high`.
    High,
    /// From `critical`.
    Critical,
}

/// One reason for a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reason {
    /// Stable snake_case code.
    pub code: ReasonCode,
    /// Risk points this reason contributed (0 for requirement reasons).
    pub points: u8,
    /// What a person reading the log should understand.
    pub message: String,
}

/// What a step-up must achieve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StepUp {
    /// Assurance level to reach.
    pub aal: u8,
    /// `acr` value to request.
    pub acr: String,
    /// The authentication must be at most this many seconds old.
    pub max_age: u64,
    /// Factors the account has that reach `aal`, least friction first.
    pub factors: Vec<Factor>,
}

/// Which policy took the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyRef {
    /// The policy's name.
    pub name: String,
    /// The policy's revision.
    pub version: String,
}
