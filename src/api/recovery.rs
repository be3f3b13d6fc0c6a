//! Wire types of `evaluateRecovery` and `evaluateChange`: the requests a host sends and the
//! decisions it gets back. camelCase, unknown fields rejected, lists in output sorted.

use super::{check_amr, check_device, check_network, check_unique, Device, Network, PolicyRef, Session};
use crate::error::{Error, ErrorCode, Problem, Result};
use crate::json::UniqueMap;
use crate::policy::recovery::{Anchor, RecoveryChannel, RecoveryScope};
use crate::policy::{Factor, Outcome};
use crate::recovery::RecoveryReasonCode;
use crate::state::{ChangeKind, History};
use crate::text;
use crate::validate::check_time;

crate::wire_enum! {
    /// What the customer reports lost; every channel that depends on it is excluded.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub enum Lost {
        /// The password (no recovery channel depends on it).
        Password = "password",
        /// The phone: its number (SMS, voice) and the authenticator app on it.
        Phone = "phone",
        /// Access to the primary mailbox.
        Mailbox = "mailbox",
        /// Access to the second mailbox.
        SecondMailbox = "second_mailbox",
        /// The authenticator app.
        Authenticator = "authenticator",
        /// The passkey (every device holding it).
        Passkey = "passkey",
        /// The saved recovery codes.
        RecoveryCodes = "recovery_codes",
    }
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

crate::wire_struct! {
    /// What the host knows about the account being recovered or changed.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct RecoveryAccount {
        /// Recovery channels the account has set up (a second email, a trusted contact, …).
        pub channels: Vec<RecoveryChannel> = "channels", default;
        /// Authenticators the account has; each implies its channel (`sms` → sms and voice,
        /// `email`, `totp`, `passkey`, `recovery_code`).
        pub factors: Vec<Factor> = "factors", default;
        /// Whether sign-in uses a second factor; derived from `factors` when absent (a passkey,
        /// security key, authenticator app, push or SMS factor).
        pub second_factor: Option<bool> = "secondFactor", optional;
        /// The primary recovery channel; by default email if the account has it, else SMS.
        pub primary: Option<RecoveryChannel> = "primary", optional;
    }
}

crate::wire_struct! {
    /// One recovery attempt to decide (`evaluateRecovery`).
    #[derive(Debug, Clone, PartialEq)]
    pub struct RecoveryRequest {
        /// Current time, Unix seconds.
        pub now: i64 = "now";
        /// The channel the customer wants to use now; absent to ask what is offered.
        pub channel: Option<RecoveryChannel> = "channel", optional;
        /// What the customer reports lost.
        pub lost: Option<Lost> = "lost", optional;
        /// The customer reports the lost item may be in someone else's hands (stolen phone,
        /// mailbox taken over): the decision asks the host to emit a credential-compromise event.
        pub compromised: bool = "compromised", default;
        /// The account; absent when no account matches. The answer then has the same shape and
        /// outcome as for an account that has the requested channel, so it reveals nothing.
        pub account: Option<RecoveryAccount> = "account", optional;
        /// The client device.
        pub device: Option<Device> = "device", optional;
        /// The network the request came from.
        pub network: Option<Network> = "network", optional;
        /// The account's history (its `recovery_attempt` events make the per-channel budget).
        pub history: Option<History> = "history", optional;
        /// The source IP's history (its `recovery_attempt` events make the per-IP budget).
        pub source_history: Option<History> = "sourceHistory", optional;
        /// Channels already proven in this recovery.
        pub proven: Vec<RecoveryChannel> = "proven", default;
    }
}

crate::wire_output! {
    /// One recovery or change reason.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecoveryReason {
        /// Stable snake_case code.
        pub code: RecoveryReasonCode = "code";
        /// What a person reading the log should understand.
        pub message: String = "message";
    }
}

crate::wire_struct! {
    /// What a completed recovery grants the recovered session.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RecoveryGrant {
        /// What the session may do (sorted).
        pub scopes: Vec<RecoveryScope> = "scopes";
        /// When the grant ends, Unix seconds.
        pub expires_at: i64 = "expiresAt";
        /// Until when the restricted actions and sensitive changes are held, Unix seconds.
        pub hold_until: i64 = "holdUntil";
        /// Catalog actions denied until `holdUntil` (sorted).
        pub restricted: Vec<String> = "restricted";
        /// Catalog actions denied until `holdUntil` above an amount in the policy currency.
        pub restricted_above: UniqueMap<String, f64> = "restrictedAbove";
    }
}

crate::wire_output! {
    /// The decision on one recovery attempt.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RecoveryDecision<'p> {
        /// `allow`: completing `channel` recovers the account (see `grant`); `step_up`: another,
        /// independent channel from `offered` is needed as well; `throttle`: wait `retryAfter`;
        /// `deny`: this channel cannot be used.
        pub outcome: Outcome = "outcome";
        /// Channels the customer may use, least friction first.
        pub offered: Vec<RecoveryChannel> = "offered";
        /// Attempts left in the current window after this one.
        pub remaining: u32 = "remaining";
        /// Seconds to wait, when the outcome is `throttle`.
        pub retry_after: Option<u64> = "retryAfter", optional;
        /// When a code or link sent now on `channel` must stop working (`now` + the channel's
        /// `codeLifetime`), when the outcome is `allow` or `step_up` and the channel sends one.
        pub code_expires_at: Option<i64> = "codeExpiresAt", optional;
        /// Why, in a stable order.
        pub reasons: Vec<RecoveryReason> = "reasons";
        /// What the recovered session may do, when the outcome is `allow`.
        pub grant: Option<RecoveryGrant> = "grant", optional;
        /// Channels to tell about the recovery (every contact channel the account has).
        pub notify: Vec<RecoveryChannel> = "notify";
        /// OpenID Shared Signals (RISC/CAEP) event type URIs the host should emit (sorted).
        pub events: Vec<&'static str> = "events";
        /// The policy that decided.
        pub policy: PolicyRef<'p> = "policy";
    }
}

crate::wire_struct! {
    /// A method verified for a change, and when.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct VerifiedMethod {
        /// The channel or authenticator used.
        pub method: RecoveryChannel = "method";
        /// When it was verified, Unix seconds.
        pub at: i64 = "at";
    }
}

crate::wire_struct! {
    /// One change of a credential or identifier to decide (`evaluateChange`).
    #[derive(Debug, Clone, PartialEq)]
    pub struct ChangeRequest {
        /// Current time, Unix seconds.
        pub now: i64 = "now";
        /// What is to change.
        pub change: ChangeKind = "change";
        /// For `mfa`: the channel (authenticator) being replaced.
        pub replaces: Option<RecoveryChannel> = "replaces", optional;
        /// The current authentication state.
        pub session: Option<Session> = "session", optional;
        /// The account.
        pub account: RecoveryAccount = "account", default;
        /// Methods verified for this change (a step-up), with when.
        pub verified: Vec<VerifiedMethod> = "verified", default;
        /// The account's history (recoveries and earlier changes).
        pub history: Option<History> = "history", optional;
    }
}

crate::wire_output! {
    /// The decision on one change.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ChangeDecision<'p> {
        /// `allow`, `step_up` (verify one of `offered` first) or `deny`.
        pub outcome: Outcome = "outcome";
        /// Why, in a stable order.
        pub reasons: Vec<RecoveryReason> = "reasons";
        /// Seconds until the change can be made, when denied by a hold or window.
        pub retry_after: Option<u64> = "retryAfter", optional;
        /// Methods a step-up may use, least friction first, when the outcome is `step_up`.
        pub offered: Vec<RecoveryChannel> = "offered";
        /// Channels to tell (always the old one for an identifier change).
        pub notify: Vec<RecoveryChannel> = "notify";
        /// OpenID Shared Signals (RISC/CAEP) event type URIs the host should emit (sorted).
        pub events: Vec<&'static str> = "events";
        /// The policy that decided.
        pub policy: PolicyRef<'p> = "policy";
    }
}

fn check_account(p: &mut Vec<Problem>, account: &RecoveryAccount) {
    check_unique(p, "/account/channels/", &account.channels);
    check_unique(p, "/account/factors/", &account.factors);
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

    /// Check every field's range and format, the histories included.
    pub fn validate(&self) -> Result<()> {
        finish(self.field_problems(), [("/history", self.history.as_ref()), ("/sourceHistory", self.source_history.as_ref())])
    }

    /// [`RecoveryRequest::validate`] without the histories (those decoded from bytes were
    /// validated while decoding).
    pub(crate) fn validate_fields(&self) -> Result<()> {
        finish(self.field_problems(), [("", None), ("", None)])
    }

    fn field_problems(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        check_time(&mut p, "/now", self.now);
        if let Some(account) = &self.account {
            check_account(&mut p, account);
        }
        check_unique(&mut p, "/proven/", &self.proven);
        check_device(&mut p, self.device.as_ref().map(Device::as_ref).as_ref());
        check_network(&mut p, self.network.as_ref().map(Network::as_ref).as_ref());
        p
    }
}

impl ChangeRequest {
    /// Parse a request from JSON text (coded errors with paths).
    pub fn from_json(text: &str) -> Result<Self> {
        crate::json::from_str(text)
    }

    /// Check every field's range and format, the history included.
    pub fn validate(&self) -> Result<()> {
        finish(self.field_problems(), [("/history", self.history.as_ref()), ("", None)])
    }

    /// [`ChangeRequest::validate`] without the history.
    pub(crate) fn validate_fields(&self) -> Result<()> {
        finish(self.field_problems(), [("", None), ("", None)])
    }

    fn field_problems(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        check_time(&mut p, "/now", self.now);
        check_account(&mut p, &self.account);
        if let Some(session) = &self.session {
            if session.aal > 3 {
                p.push(Problem::new(ErrorCode::OutOfRange, "/session/aal", text!(session.aal, " is outside 0..=3")));
            }
            check_time(&mut p, "/session/authTime", session.auth_time);
            check_amr(&mut p, &session.amr);
        }
        if self.verified.len() > RecoveryChannel::ALL.len() {
            // Only its first entries are checked: a huge list would make problems per entry.
            p.push(Problem::new(ErrorCode::TooLong, "/verified", "list each method at most once"));
        }
        for (i, verified) in self.verified.iter().enumerate().take(RecoveryChannel::ALL.len()) {
            check_time(&mut p, &text!("/verified/", i, "/at"), verified.at);
            if verified.at > self.now {
                p.push(Problem::new(
                    ErrorCode::Inconsistent,
                    text!("/verified/", i, "/at"),
                    "verified after now; check the clock you pass as now",
                ));
            }
        }
        p
    }
}
