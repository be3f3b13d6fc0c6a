//! What each reason says to a person, as data: a [`Message`] holds the numbers and names of
//! its sentence and writes the sentence only when the decision is written out. Deciding
//! therefore formats nothing, and the JS boundary writes the text straight into its output.

use crate::text::{Duration, Piece, TextSink};

/// The sentence of one reason. Write it with [`Piece::put`] or `to_string()`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Message<'p> {
    /// `account_locked`.
    AccountLocked {
        /// Failures that locked the account.
        failures: u32,
    },
    /// `unmanaged_device`.
    UnmanagedDevice {
        /// The action.
        action: &'p str,
    },
    /// `risk_too_high`.
    RiskTooHigh {
        /// The score.
        score: u8,
        /// The deny threshold.
        deny_at: u8,
    },
    /// `device_throttled`.
    DeviceThrottled {
        /// Recent failures from the device.
        failures: u32,
        /// Seconds to wait.
        wait: u64,
    },
    /// `ip_throttled`.
    IpThrottled {
        /// Recent failures from the address.
        failures: u32,
        /// Seconds to wait.
        wait: u64,
    },
    /// `no_eligible_factor`.
    NoEligibleFactor {
        /// The assurance level needed.
        aal: u8,
    },
    /// `recovery_hold`.
    RecoveryHold {
        /// The action.
        action: &'p str,
        /// Seconds until the hold ends.
        wait: u64,
    },
    /// `amount_band`.
    AmountBand {
        /// The band's lower bound.
        over: f64,
        /// The policy currency.
        currency: &'p str,
    },
    /// `bot_detected` and `bot_suspected`.
    Bot {
        /// The bot score.
        score: f64,
        /// The threshold reached.
        threshold: u8,
    },
    /// `impossible_travel`.
    ImpossibleTravel {
        /// Distance from the last sign-in, km, rounded.
        km: f64,
        /// Seconds since the last sign-in.
        elapsed: u64,
        /// The policy's speed limit, km/h.
        max_speed: u32,
    },
    /// `new_country`.
    NewCountry,
    /// `ip_risk_high` and `ip_risk_medium`.
    IpRisk {
        /// The address's reputation.
        risk: f64,
        /// The threshold reached.
        threshold: u8,
    },
    /// `anonymizer_*`.
    Anonymizer {
        /// "a VPN", "Tor", …
        what: &'static str,
        /// Whether the action is sensitive (extra points).
        sensitive: bool,
    },
    /// `breached_password`.
    BreachedPassword,
    /// `account_under_attack`.
    AccountUnderAttack {
        /// Failures from other devices.
        failures: u32,
        /// The window they were counted in, seconds.
        window: u64,
    },
    /// `new_device`.
    NewDevice,
    /// `inactive_account`.
    InactiveAccount {
        /// Seconds since the last successful sign-in.
        away: u64,
    },
    /// `new_account`.
    NewAccount {
        /// The account's age, seconds.
        age: u64,
    },
    /// `recent_recovery`.
    RecentRecovery {
        /// Seconds since the recovery.
        since: u64,
    },
    /// `recent_credential_change`.
    RecentCredentialChange {
        /// Seconds since the change.
        since: u64,
    },
    /// `risk_step_up`.
    RiskStepUp {
        /// The score.
        score: u8,
        /// The step-up threshold.
        step_up_at: u8,
        /// The assurance level now needed.
        aal: u8,
    },
    /// `insufficient_assurance` without a session.
    NoSession {
        /// The action.
        action: &'p str,
        /// The assurance level needed.
        aal: u8,
    },
    /// `insufficient_assurance` with a weaker session.
    WeakSession {
        /// The action.
        action: &'p str,
        /// The assurance level needed.
        aal: u8,
        /// The session's level.
        session_aal: u8,
    },
    /// `authentication_too_old`.
    AuthenticationTooOld {
        /// The action.
        action: &'p str,
        /// Seconds since the authentication.
        age: u64,
        /// The longest age allowed.
        max_age: u64,
    },
}

impl Piece for Message<'_> {
    fn put(&self, out: &mut dyn TextSink) {
        // Each arm lists the pieces of one sentence, in order.
        let pieces: &[&dyn Piece] = match self {
            Message::AccountLocked { failures } => &[failures, &" failed attempts locked the account; only an administrator can unlock it"],
            Message::UnmanagedDevice { action } => &[action, &" needs a managed device"],
            Message::RiskTooHigh { score, deny_at } => &[&"risk score ", score, &" reaches the deny threshold ", deny_at],
            Message::DeviceThrottled { failures, wait } => &[failures, &" recent failures from this device; retry in ", &Duration(*wait)],
            Message::IpThrottled { failures, wait } => &[failures, &" recent failures from this address; retry in ", &Duration(*wait)],
            Message::NoEligibleFactor { aal } => &[
                &"AAL",
                aal,
                &" is needed but the account has no factor that reaches it; enrol a passkey or authenticator app, or recover the account",
            ],
            Message::RecoveryHold { action, wait } => {
                &[&"the account was recovered recently; ", action, &" is held for ", &Duration(*wait)]
            }
            Message::AmountBand { over, currency } => &[&"amount over ", over, &" ", currency, &" needs stricter assurance"],
            Message::Bot { score, threshold } => &[&"bot score ", score, &" is at or above ", threshold],
            Message::ImpossibleTravel { km, elapsed, max_speed } => {
                &[km, &" km from the last sign-in ", &Duration(*elapsed), &" ago, faster than ", max_speed, &" km/h"]
            }
            Message::NewCountry => &[&"a country not seen in recent sign-ins (plausible travel)"],
            Message::IpRisk { risk, threshold } => &[&"IP reputation ", risk, &" is at or above ", threshold],
            Message::Anonymizer { what, sensitive } => {
                &[&"request through ", what, if *sensitive { &" on a sensitive action" } else { &"" }]
            }
            Message::BreachedPassword => &[&"the password appears in a breach corpus; another factor is needed"],
            Message::AccountUnderAttack { failures, window } => {
                &[failures, &" failed attempts on this account from other devices in the last ", &Duration(*window)]
            }
            Message::NewDevice => &[&"no successful sign-in from this device within the policy window"],
            Message::InactiveAccount { away } => &[&"last successful sign-in ", &Duration(*away), &" ago"],
            Message::NewAccount { age } => &[&"the account is ", &Duration(*age), &" old"],
            Message::RecentRecovery { since } => &[&"account recovered ", &Duration(*since), &" ago"],
            Message::RecentCredentialChange { since } => &[&"a credential changed ", &Duration(*since), &" ago"],
            Message::RiskStepUp { score, step_up_at, aal } => {
                &[&"risk score ", score, &" reaches ", step_up_at, &" and raises the requirement to AAL", aal]
            }
            Message::NoSession { action, aal } => &[action, &" needs authentication at AAL", aal, &"; there is no session"],
            Message::WeakSession { action, aal, session_aal } => &[action, &" needs AAL", aal, &"; the session has AAL", session_aal],
            Message::AuthenticationTooOld { action, age, max_age } => {
                &[&"last authentication ", &Duration(*age), &" ago; ", action, &" needs it within ", &Duration(*max_age)]
            }
        };
        for piece in pieces {
            piece.put(out);
        }
    }
}

impl crate::json::ToJson for Message<'_> {
    fn write_json(&self, w: &mut dyn crate::json::JsonWriter) {
        w.rendered(self);
    }
}

impl core::fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&crate::text!(self))
    }
}
