//! The policy document: the action catalog, factors, signal weights, risk thresholds and
//! throttle rules that a decision is taken against. Parsed once, validated with every
//! problem listed (see [`validate`]), then read by the evaluator.
//!
//! Durations are whole seconds; points are risk-score points (the score is clamped to 0–100).

pub mod presets;
pub mod recovery;
mod validate;

use crate::error::Result;
use crate::json::UniqueMap;
use serde::{Deserialize, Serialize};
use std::fmt;

pub use validate::validate;

/// The policy schema version this build reads.
pub const SCHEMA_VERSION: u32 = 1;

/// An authenticator type. The set is fixed; the policy says which ones it trusts and how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// Memorised secret.
    Password,
    /// Synced or device-bound WebAuthn credential with user verification.
    Passkey,
    /// Hardware security key (device-bound, phishing-resistant).
    SecurityKey,
    /// Time-based one-time password from an authenticator app.
    Totp,
    /// Push approval in the customer's app.
    Push,
    /// One-time code by SMS or voice.
    Sms,
    /// One-time code or link by email.
    Email,
    /// A saved single-use recovery code.
    RecoveryCode,
}

impl Factor {
    /// Every factor, in declaration order.
    pub const ALL: [Factor; 8] = [
        Factor::Password,
        Factor::Passkey,
        Factor::SecurityKey,
        Factor::Totp,
        Factor::Push,
        Factor::Sms,
        Factor::Email,
        Factor::RecoveryCode,
    ];

    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Password => "password",
            Factor::Passkey => "passkey",
            Factor::SecurityKey => "security_key",
            Factor::Totp => "totp",
            Factor::Push => "push",
            Factor::Sms => "sms",
            Factor::Email => "email",
            Factor::RecoveryCode => "recovery_code",
        }
    }
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much damage the action does in the wrong hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Reading non-sensitive data.
    Low,
    /// Reading personal data, small changes.
    Medium,
    /// Money movement, payee or profile changes.
    High,
    /// Changes to identifiers, factors and payout destinations.
    Critical,
}

/// What a decision tells the host to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Proceed.
    Allow,
    /// Ask for more assurance first (see the decision's `stepUp`).
    StepUp,
    /// Wait `retryAfter` seconds and try again.
    Throttle,
    /// Refuse.
    Deny,
}

impl Outcome {
    /// Severity order used to combine partial outcomes: allow < step_up < throttle < deny.
    pub fn severity(self) -> u8 {
        match self {
            Outcome::Allow => 0,
            Outcome::StepUp => 1,
            Outcome::Throttle => 2,
            Outcome::Deny => 3,
        }
    }
}

/// What kind of attempt an action is; decides which throttles and session rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// A credential attempt (login): subject to per-device and per-IP throttling.
    SignIn,
    /// Creating an account: no account history yet; throttled per source IP.
    SignUp,
    /// Anything done inside a session.
    #[default]
    Session,
}

/// The whole policy document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Policy {
    /// Schema version; must be [`SCHEMA_VERSION`].
    pub version: u32,
    /// Policy name, reported in every decision.
    pub name: String,
    /// The policy's own revision label, reported in every decision as `policy.version`.
    pub revision: String,
    /// What the policy is for, in a sentence or two.
    pub description: String,
    /// ISO 4217 currency of every amount band.
    pub currency: String,
    /// The `acr` value requested for each assurance level.
    pub acr_values: AcrValues,
    /// Authenticators the policy accepts, with their assurance and friction.
    pub factors: UniqueMap<Factor, FactorPolicy>,
    /// The action catalog.
    pub actions: UniqueMap<String, ActionPolicy>,
    /// Score thresholds that turn risk into outcomes.
    pub risk: RiskPolicy,
    /// Points and thresholds of each risk signal.
    pub signals: SignalPolicy,
    /// Failure back-off and (workforce only) lockout.
    pub throttle: ThrottlePolicy,
    /// How devices become known.
    pub devices: DevicePolicy,
    /// Recovery channels, budgets, the grant, the hold and artifact lifetimes. A document
    /// without this section gets the most conservative one: support-assisted recovery only
    /// (see [`recovery::RecoveryPolicy::support_only`]).
    #[serde(default = "recovery::RecoveryPolicy::support_only")]
    pub recovery: recovery::RecoveryPolicy,
}

impl Policy {
    /// Parse and validate a policy from JSON text.
    pub fn from_json(text: &str) -> Result<Policy> {
        let policy: Policy = crate::json::from_str(text)?;
        validate(&policy)?;
        Ok(policy)
    }

    /// Validate an already-deserialized JSON value as a policy.
    pub fn from_value(value: serde_json::Value) -> Result<Policy> {
        let policy: Policy = crate::json::from_value(value)?;
        validate(&policy)?;
        Ok(policy)
    }

    /// The action named `name`, if the catalog has it.
    pub fn action(&self, name: &str) -> Option<&ActionPolicy> {
        self.actions.0.get(name)
    }

    /// The `acr` value for an assurance level (0 has none).
    pub fn acr_for(&self, aal: u8) -> &str {
        match aal {
            0 | 1 => &self.acr_values.aal1,
            2 => &self.acr_values.aal2,
            _ => &self.acr_values.aal3,
        }
    }

    /// The longest window any rule looks back over; history older than this is dropped.
    pub fn history_horizon(&self) -> u64 {
        let s = &self.signals;
        let t = &self.throttle;
        [
            self.devices.known_for,
            s.inactivity.after,
            s.failure_velocity.window,
            s.recent_recovery.within,
            s.recent_credential_change.within,
            t.account_device.window,
            t.source_ip.window,
            t.lockout.as_ref().map_or(0, |l| l.window),
            self.recovery.horizon(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}

/// `acr` values per assurance level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcrValues {
    /// Requested for AAL1.
    pub aal1: String,
    /// Requested for AAL2.
    pub aal2: String,
    /// Requested for AAL3.
    pub aal3: String,
}

/// One accepted authenticator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FactorPolicy {
    /// Assurance level a session reaches once this factor is verified (1–3).
    pub aal: u8,
    /// Friction rank: lower is easier for the customer; step-up offers lower ranks first.
    pub friction: u8,
    /// RFC 8176 `amr` values this factor adds to a session.
    pub amr: Vec<String>,
    /// Whether the factor resists phishing (WebAuthn).
    #[serde(default)]
    pub phishing_resistant: bool,
}

/// One action in the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionPolicy {
    /// What kind of attempt this is.
    #[serde(default)]
    pub kind: ActionKind,
    /// Risk tier.
    pub tier: Tier,
    /// Assurance level needed (0 = none, for sign-up and browsing).
    pub required_aal: u8,
    /// `acr` to ask for instead of the policy-wide value at `requiredAal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// Longest time since authentication for which a session still counts, in seconds.
    pub max_auth_age: u64,
    /// What a host should do when it cannot evaluate (module failed to load, bad input).
    pub fallback: Outcome,
    /// Stricter requirements above amounts, ascending.
    #[serde(default)]
    pub amount_bands: Vec<AmountBand>,
    /// Whether the action needs a device the organisation manages (workforce pattern).
    #[serde(default)]
    pub managed_device_required: bool,
}

/// Requirements that apply when a transaction amount exceeds `over`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AmountBand {
    /// Applies to amounts strictly above this, in the policy currency.
    pub over: f64,
    /// Assurance level needed in this band.
    pub required_aal: u8,
    /// Maximum authentication age in this band, seconds.
    pub max_auth_age: u64,
    /// Risk points added in this band.
    pub points: u8,
}

/// Score thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RiskPolicy {
    /// Score at which the level becomes `medium`.
    pub medium: u8,
    /// Score at which the level becomes `high`.
    pub high: u8,
    /// Score at which the level becomes `critical`.
    pub critical: u8,
    /// Score at or above which the required assurance rises to `stepUpAal`.
    pub step_up_at: u8,
    /// Assurance required once `stepUpAt` is reached.
    pub step_up_aal: u8,
    /// Score at or above which only a fresh authentication (within `freshAuthMaxAge`) counts.
    pub fresh_auth_at: u8,
    /// Maximum authentication age once `freshAuthAt` is reached, seconds.
    pub fresh_auth_max_age: u64,
    /// Score at or above which the attempt is denied outright.
    pub deny_at: u8,
}

/// Points and thresholds of the risk signals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignalPolicy {
    /// Device not seen with a successful sign-in within the known window.
    pub new_device: Points,
    /// Travel faster than a plane since the last successful sign-in.
    pub impossible_travel: TravelRule,
    /// Sign-in from a country not among recent successful sign-ins (plausible travel).
    pub new_country: Points,
    /// Network reputation.
    pub ip_risk: IpRiskRule,
    /// Anonymizing networks.
    pub anonymizer: AnonymizerRule,
    /// Automation likelihood.
    pub bot: BotRule,
    /// Failures against the account from other devices (only counted for unknown devices).
    pub failure_velocity: FailureVelocityRule,
    /// Time since the last successful sign-in.
    pub inactivity: InactivityRule,
    /// Young accounts doing sensitive things.
    pub account_age: AccountAgeRule,
    /// Password known from a breach corpus.
    pub breached_password: Points,
    /// A recovery completed recently.
    pub recent_recovery: RecencyRule,
    /// A credential or identifier changed recently.
    pub recent_credential_change: RecencyRule,
}

/// A signal with a fixed number of points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Points {
    /// Points added when the signal fires.
    pub points: u8,
}

/// Impossible-travel rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TravelRule {
    /// Speeds above this (km/h) are impossible.
    pub max_speed_kmh: u32,
    /// Shorter distances are ignored (IP geolocation is coarse), km.
    pub min_distance_km: u32,
    /// Points added.
    pub points: u8,
}

/// IP reputation rule (ipRisk is 0–100, higher is worse).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IpRiskRule {
    /// ipRisk at or above which `ip_risk_medium` fires.
    pub medium_at: u8,
    /// Points for a medium-risk IP.
    pub medium_points: u8,
    /// ipRisk at or above which `ip_risk_high` fires instead.
    pub high_at: u8,
    /// Points for a high-risk IP.
    pub high_points: u8,
}

/// Points per anonymizer type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnonymizerRule {
    /// Consumer VPN.
    pub vpn: u8,
    /// Open or residential proxy.
    pub proxy: u8,
    /// Tor exit node.
    pub tor: u8,
    /// Hosting / data-centre address.
    pub hosting: u8,
    /// Extra points when the action's tier is `high` or `critical`.
    pub sensitive_extra: u8,
}

/// Bot-likelihood rule (botScore is 0–100, higher is more likely automated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BotRule {
    /// botScore at or above which `bot_suspected` fires.
    pub suspect_at: u8,
    /// Points for a suspected bot.
    pub points: u8,
    /// botScore at or above which the attempt is denied (`bot_detected`).
    pub deny_at: u8,
}

/// Failures against the account from elsewhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FailureVelocityRule {
    /// Window, seconds.
    pub window: u64,
    /// Failures from other devices within the window at which the signal fires.
    pub failures: u32,
    /// Points added (for a device that is not known).
    pub points: u8,
}

/// Inactivity rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InactivityRule {
    /// Seconds since the last successful sign-in after which the signal fires.
    pub after: u64,
    /// Points added.
    pub points: u8,
}

/// Young-account rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountAgeRule {
    /// Accounts younger than this many seconds are new.
    pub under: u64,
    /// Only actions of this tier or above are affected.
    pub min_tier: Tier,
    /// Points added.
    pub points: u8,
}

/// "Something happened recently" rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecencyRule {
    /// Seconds after the event during which the signal fires.
    pub within: u64,
    /// Points added.
    pub points: u8,
}

/// Failure back-off and lockout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ThrottlePolicy {
    /// Back-off for one (account, device) pair: the attacker's device waits, the customer's does not.
    pub account_device: Backoff,
    /// Back-off for one source IP across all accounts.
    pub source_ip: Backoff,
    /// A hard account lock. Only the `workforce` preset has one: for customers it is a
    /// denial-of-service weapon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockout: Option<Lockout>,
}

/// Growing back-off: after `freeFailures` failures in `window`, the n-th failure makes the
/// source wait `baseDelay × factor^(n − freeFailures − 1)` seconds from that failure, at most
/// `maxDelay` (so the first failure past the free ones waits exactly `baseDelay`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Backoff {
    /// Failures allowed before any delay.
    pub free_failures: u32,
    /// First delay, seconds.
    pub base_delay: u64,
    /// Growth per further failure (1–10).
    pub factor: u32,
    /// Cap on the delay, seconds.
    pub max_delay: u64,
    /// Failures older than this many seconds do not count.
    pub window: u64,
}

/// Hard lock after repeated failures: no sign-in, even with the right credentials, until an
/// `unlock` event (an administrator) or until the failures age out of `window`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lockout {
    /// Failures (from any device) that lock the account.
    pub after_failures: u32,
    /// Window in which they count, seconds.
    pub window: u64,
}

/// How a device becomes known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DevicePolicy {
    /// A device is known if it completed a successful sign-in within this many seconds.
    pub known_for: u64,
}
