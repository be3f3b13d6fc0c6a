//! Wire types of `evaluateRecovery` and `evaluateChange`: the requests a host sends and the
//! decisions it gets back. camelCase, unknown fields rejected, lists in output sorted.

use super::{check_device, check_network, Device, Network, PolicyRef, Session};
use crate::error::{Error, ErrorCode, Problem, Result};
use crate::policy::recovery::{Anchor, RecoveryChannel, RecoveryScope};
use crate::policy::{Factor, Outcome};
use crate::recovery::RecoveryReasonCode;
use crate::state::{ChangeKind, History};
use crate::validate::check_time;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the customer reports lost; every channel that depends on it is excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lost {
    /// The password (no recovery channel depends on it).
    Password,
    /// The phone: its number (SMS, voice) and the authenticator app on it.
    Phone,
    /// Access to the primary mailbox.
    Mailbox,
    /// Access to the second mailbox.
    SecondMailbox,
    /// The authenticator app.
    Authenticator,
    /// The passkey (every device holding it).
    Passkey,
    /// The saved recovery codes.
    RecoveryCodes,
}

impl Lost {
    /// The anchors lost with it.
    pub fn anchors(self) -> &'static [Anchor] {
        match self {
            Lost::Password => &[],
            Lost::Phone => &[Anchor::Phone, Anchor::Authenticator],
            Lost::Mailbox => &[Anchor::Mailbox],
            Lost::SecondMailbox => &[Anchor::SecondMailbox],
            Lost::Authenticator => &[Anchor::Authenticator],
            Lost::Passkey => &[Anchor::Passkey],
            Lost::RecoveryCodes => &[Anchor::SavedCodes],
        }
    }
}

/// What the host knows about the account being recovered or changed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecoveryAccount {
    /// Recovery channels the account has set up (a second email, a trusted contact, …).
    #[serde(default)]
    pub channels: Vec<RecoveryChannel>,
    /// Authenticators the account has; each implies its channel (`sms` → sms and voice,
    /// `email`, `totp`, `passkey`, `recovery_code`).
    #[serde(default)]
    pub factors: Vec<Factor>,
    /// Whether sign-in uses a second factor; derived from `factors` when absent (a passkey,
    /// security key, authenticator app, push or SMS factor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_factor: Option<bool>,
    /// The primary recovery channel; by default email if the account has it, else SMS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<RecoveryChannel>,
}

/// One recovery attempt to decide (`evaluateRecovery`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecoveryRequest {
    /// Current time, Unix seconds.
    pub now: i64,
    /// The channel the customer wants to use now; absent to ask what is offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<RecoveryChannel>,
    /// What the customer reports lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost: Option<Lost>,
    /// The customer reports the lost item may be in someone else's hands (stolen phone,
    /// mailbox taken over): the decision asks the host to emit a credential-compromise event.
    #[serde(default)]
    pub compromised: bool,
    /// The account; absent when no account matches. The answer then has the same shape and
    /// outcome as for an account that has the requested channel, so it reveals nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<RecoveryAccount>,
    /// The client device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    /// The network the request came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// The account's history (its `recovery_attempt` events make the per-channel budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
    /// The source IP's history (its `recovery_attempt` events make the per-IP budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_history: Option<History>,
    /// Channels already proven in this recovery.
    #[serde(default)]
    pub proven: Vec<RecoveryChannel>,
}

/// One recovery or change reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecoveryReason {
    /// Stable snake_case code.
    pub code: RecoveryReasonCode,
    /// What a person reading the log should understand.
    pub message: String,
}

/// What a completed recovery grants the recovered session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecoveryGrant {
    /// What the session may do (sorted).
    pub scopes: Vec<RecoveryScope>,
    /// When the grant ends, Unix seconds.
    pub expires_at: i64,
    /// Until when the restricted actions and sensitive changes are held, Unix seconds.
    pub hold_until: i64,
    /// Catalog actions denied until `holdUntil` (sorted).
    pub restricted: Vec<String>,
    /// Catalog actions denied until `holdUntil` above an amount in the policy currency.
    pub restricted_above: BTreeMap<String, f64>,
}

/// The decision on one recovery attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecoveryDecision {
    /// `allow`: completing `channel` recovers the account (see `grant`); `step_up`: another,
    /// independent channel from `offered` is needed as well; `throttle`: wait `retryAfter`;
    /// `deny`: this channel cannot be used.
    pub outcome: Outcome,
    /// Channels the customer may use, least friction first.
    pub offered: Vec<RecoveryChannel>,
    /// Attempts left in the current window after this one.
    pub remaining: u32,
    /// Seconds to wait, when the outcome is `throttle`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// When a code or link sent now on `channel` must stop working (`now` + the channel's
    /// `codeLifetime`), when the outcome is `allow` or `step_up` and the channel sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_expires_at: Option<i64>,
    /// Why, in a stable order.
    pub reasons: Vec<RecoveryReason>,
    /// What the recovered session may do, when the outcome is `allow`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<RecoveryGrant>,
    /// Channels to tell about the recovery (every contact channel the account has).
    pub notify: Vec<RecoveryChannel>,
    /// OpenID Shared Signals (RISC/CAEP) event type URIs the host should emit (sorted).
    pub events: Vec<String>,
    /// The policy that decided.
    pub policy: PolicyRef,
}

/// A method verified for a change, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifiedMethod {
    /// The channel or authenticator used.
    pub method: RecoveryChannel,
    /// When it was verified, Unix seconds.
    pub at: i64,
}

/// One change of a credential or identifier to decide (`evaluateChange`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeRequest {
    /// Current time, Unix seconds.
    pub now: i64,
    /// What is to change.
    pub change: ChangeKind,
    /// For `mfa`: the channel (authenticator) being replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<RecoveryChannel>,
    /// The current authentication state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    /// The account.
    #[serde(default)]
    pub account: RecoveryAccount,
    /// Methods verified for this change (a step-up), with when.
    #[serde(default)]
    pub verified: Vec<VerifiedMethod>,
    /// The account's history (recoveries and earlier changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
}

/// The decision on one change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeDecision {
    /// `allow`, `step_up` (verify one of `offered` first) or `deny`.
    pub outcome: Outcome,
    /// Why, in a stable order.
    pub reasons: Vec<RecoveryReason>,
    /// Seconds until the change can be made, when denied by a hold or window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Methods a step-up may use, least friction first, when the outcome is `step_up`.
    pub offered: Vec<RecoveryChannel>,
    /// Channels to tell (always the old one for an identifier change).
    pub notify: Vec<RecoveryChannel>,
    /// OpenID Shared Signals (RISC/CAEP) event type URIs the host should emit (sorted).
    pub events: Vec<String>,
    /// The policy that decided.
    pub policy: PolicyRef,
}

fn check_account(p: &mut Vec<Problem>, account: &RecoveryAccount) {
    for (i, channel) in account.channels.iter().enumerate() {
        if account.channels.iter().take(i).any(|c| c == channel) {
            p.push(Problem::new(ErrorCode::DuplicateKey, format!("/account/channels/{i}"), format!("`{channel}` is listed twice")));
        }
    }
    for (i, factor) in account.factors.iter().enumerate() {
        if account.factors.iter().take(i).any(|f| f == factor) {
            p.push(Problem::new(ErrorCode::DuplicateKey, format!("/account/factors/{i}"), format!("`{factor}` is listed twice")));
        }
    }
}

fn finish(p: Vec<Problem>, histories: [(&str, Option<&History>); 2]) -> Result<()> {
    if let Some(error) = Error::from_problems(p) {
        return Err(error);
    }
    for (path, history) in histories {
        if let Some(history) = history {
            history.validate(path)?;
        }
    }
    Ok(())
}

impl RecoveryRequest {
    /// Parse a request from JSON text (coded errors with paths).
    pub fn from_json(text: &str) -> Result<Self> {
        crate::json::from_str(text)
    }

    /// Check every field's range and format.
    pub fn validate(&self) -> Result<()> {
        let mut p = Vec::new();
        check_time(&mut p, "/now", self.now);
        if let Some(account) = &self.account {
            check_account(&mut p, account);
        }
        for (i, channel) in self.proven.iter().enumerate() {
            if self.proven.iter().take(i).any(|c| c == channel) {
                p.push(Problem::new(ErrorCode::DuplicateKey, format!("/proven/{i}"), format!("`{channel}` is listed twice")));
            }
        }
        check_device(&mut p, self.device.as_ref());
        check_network(&mut p, self.network.as_ref());
        finish(p, [("/history", self.history.as_ref()), ("/sourceHistory", self.source_history.as_ref())])
    }
}

impl ChangeRequest {
    /// Parse a request from JSON text (coded errors with paths).
    pub fn from_json(text: &str) -> Result<Self> {
        crate::json::from_str(text)
    }

    /// Check every field's range and format.
    pub fn validate(&self) -> Result<()> {
        let mut p = Vec::new();
        check_time(&mut p, "/now", self.now);
        check_account(&mut p, &self.account);
        if let Some(session) = &self.session {
            if session.aal > 3 {
                p.push(Problem::new(ErrorCode::OutOfRange, "/session/aal", format!("{} is outside 0..=3", session.aal)));
            }
            check_time(&mut p, "/session/authTime", session.auth_time);
        }
        if self.verified.len() > RecoveryChannel::ALL.len() {
            p.push(Problem::new(ErrorCode::TooLong, "/verified", "list each method at most once"));
        }
        for (i, verified) in self.verified.iter().enumerate() {
            check_time(&mut p, &format!("/verified/{i}/at"), verified.at);
            if verified.at > self.now {
                p.push(Problem::new(
                    ErrorCode::Inconsistent,
                    format!("/verified/{i}/at"),
                    "verified after now; check the clock you pass as now",
                ));
            }
        }
        finish(p, [("/history", self.history.as_ref()), ("", None)])
    }
}
