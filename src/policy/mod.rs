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

pub use validate::validate;

/// The policy schema version this build reads.
pub const SCHEMA_VERSION: u32 = 1;

crate::wire_enum! {
    /// An authenticator type. The set is fixed; the policy says which ones it trusts and how much.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Factor {
        /// Memorised secret.
        Password = "password",
        /// Synced or device-bound WebAuthn credential with user verification.
        Passkey = "passkey",
        /// Hardware security key (device-bound, phishing-resistant).
        SecurityKey = "security_key",
        /// Time-based one-time password from an authenticator app.
        Totp = "totp",
        /// Push approval in the customer's app.
        Push = "push",
        /// One-time code by SMS or voice.
        Sms = "sms",
        /// One-time code or link by email.
        Email = "email",
        /// A saved single-use recovery code.
        RecoveryCode = "recovery_code",
    }
}

crate::wire_enum! {
    /// How much damage the action does in the wrong hands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub enum Tier {
        /// Reading non-sensitive data.
        Low = "low",
        /// Reading personal data, small changes.
        Medium = "medium",
        /// Money movement, payee or profile changes.
        High = "high",
        /// Changes to identifiers, factors and payout destinations.
        Critical = "critical",
    }
}

crate::wire_enum! {
    /// What a decision tells the host to do.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Outcome {
        /// Proceed.
        Allow = "allow",
        /// Ask for more assurance first (see the decision's `stepUp`).
        StepUp = "step_up",
        /// Wait `retryAfter` seconds and try again.
        Throttle = "throttle",
        /// Refuse.
        Deny = "deny",
    }
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

crate::wire_enum! {
    /// What kind of attempt an action is; decides which throttles and session rules apply.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub enum ActionKind {
        /// A credential attempt (login): subject to per-device and per-IP throttling.
        SignIn = "sign_in",
        /// Creating an account: no account history yet; throttled per source IP.
        SignUp = "sign_up",
        /// Anything done inside a session.
        #[default]
        Session = "session",
    }
}

crate::wire_struct! {
    /// The whole policy document.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Policy {
        /// Schema version; must be [`SCHEMA_VERSION`].
        pub version: u32 = "version";
        /// Policy name, reported in every decision.
        pub name: String = "name";
        /// The policy's own revision label, reported in every decision as `policy.version`.
        pub revision: String = "revision";
        /// What the policy is for, in a sentence or two.
        pub description: String = "description";
        /// ISO 4217 currency of every amount band.
        pub currency: String = "currency";
        /// The `acr` value requested for each assurance level.
        pub acr_values: AcrValues = "acrValues";
        /// Authenticators the policy accepts, with their assurance and friction.
        pub factors: UniqueMap<Factor, FactorPolicy> = "factors";
        /// The action catalog.
        pub actions: UniqueMap<String, ActionPolicy> = "actions";
        /// Score thresholds that turn risk into outcomes.
        pub risk: RiskPolicy = "risk";
        /// Points and thresholds of each risk signal.
        pub signals: SignalPolicy = "signals";
        /// Failure back-off and (workforce only) lockout.
        pub throttle: ThrottlePolicy = "throttle";
        /// How devices become known.
        pub devices: DevicePolicy = "devices";
        /// Recovery channels, budgets, the grant, the hold and artifact lifetimes. A document
        /// without this section gets the most conservative one: support-assisted recovery only
        /// (see [`recovery::RecoveryPolicy::support_only`]).
        pub recovery: recovery::RecoveryPolicy = "recovery", default(recovery::RecoveryPolicy::support_only());
    }
}

impl Policy {
    /// Parse and validate a policy from JSON text.
    pub fn from_json(text: &str) -> Result<Policy> {
        let policy: Policy = crate::json::from_str(text)?;
        validate(&policy)?;
        Ok(policy)
    }

    /// The action named `name`, if the catalog has it.
    pub fn action(&self, name: &str) -> Option<&ActionPolicy> {
        self.actions.get(name)
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

crate::wire_struct! {
    /// `acr` values per assurance level.
    #[derive(Debug, Clone, PartialEq)]
    pub struct AcrValues {
        /// Requested for AAL1.
        pub aal1: String = "aal1";
        /// Requested for AAL2.
        pub aal2: String = "aal2";
        /// Requested for AAL3.
        pub aal3: String = "aal3";
    }
}

crate::wire_struct! {
    /// One accepted authenticator.
    #[derive(Debug, Clone, PartialEq)]
    pub struct FactorPolicy {
        /// Assurance level a session reaches once this factor is verified (1–3).
        pub aal: u8 = "aal";
        /// Friction rank: lower is easier for the customer; step-up offers lower ranks first.
        pub friction: u8 = "friction";
        /// RFC 8176 `amr` values this factor adds to a session.
        pub amr: Vec<String> = "amr";
        /// Whether the factor resists phishing (WebAuthn).
        pub phishing_resistant: bool = "phishingResistant", default;
    }
}

crate::wire_struct! {
    /// One action in the catalog.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ActionPolicy {
        /// What kind of attempt this is.
        pub kind: ActionKind = "kind", default;
        /// Risk tier.
        pub tier: Tier = "tier";
        /// Assurance level needed (0 = none, for sign-up and browsing).
        pub required_aal: u8 = "requiredAal";
        /// `acr` to ask for instead of the policy-wide value at `requiredAal`.
        pub acr: Option<String> = "acr", optional;
        /// Longest time since authentication for which a session still counts, in seconds.
        pub max_auth_age: u64 = "maxAuthAge";
        /// What a host should do when it cannot evaluate (module failed to load, bad input).
        pub fallback: Outcome = "fallback";
        /// Stricter requirements above amounts, ascending.
        pub amount_bands: Vec<AmountBand> = "amountBands", default;
        /// Whether the action needs a device the organisation manages (workforce pattern).
        pub managed_device_required: bool = "managedDeviceRequired", default;
    }
}

crate::wire_struct! {
    /// Requirements that apply when a transaction amount exceeds `over`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct AmountBand {
        /// Applies to amounts strictly above this, in the policy currency.
        pub over: f64 = "over";
        /// Assurance level needed in this band.
        pub required_aal: u8 = "requiredAal";
        /// Maximum authentication age in this band, seconds.
        pub max_auth_age: u64 = "maxAuthAge";
        /// Risk points added in this band.
        pub points: u8 = "points";
    }
}

crate::wire_struct! {
    /// Score thresholds.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RiskPolicy {
        /// Score at which the level becomes `medium`.
        pub medium: u8 = "medium";
        /// Score at which the level becomes `high`.
        pub high: u8 = "high";
        /// Score at which the level becomes `critical`.
        pub critical: u8 = "critical";
        /// Score at or above which the required assurance rises to `stepUpAal`.
        pub step_up_at: u8 = "stepUpAt";
        /// Assurance required once `stepUpAt` is reached.
        pub step_up_aal: u8 = "stepUpAal";
        /// Score at or above which only a fresh authentication (within `freshAuthMaxAge`) counts.
        pub fresh_auth_at: u8 = "freshAuthAt";
        /// Maximum authentication age once `freshAuthAt` is reached, seconds.
        pub fresh_auth_max_age: u64 = "freshAuthMaxAge";
        /// Score at or above which the attempt is denied outright.
        pub deny_at: u8 = "denyAt";
    }
}

crate::wire_struct! {
    /// Points and thresholds of the risk signals.
    #[derive(Debug, Clone, PartialEq)]
    pub struct SignalPolicy {
        /// Device not seen with a successful sign-in within the known window.
        pub new_device: Points = "newDevice";
        /// Travel faster than a plane since the last successful sign-in.
        pub impossible_travel: TravelRule = "impossibleTravel";
        /// Sign-in from a country not among recent successful sign-ins (plausible travel).
        pub new_country: Points = "newCountry";
        /// Network reputation.
        pub ip_risk: IpRiskRule = "ipRisk";
        /// Anonymizing networks.
        pub anonymizer: AnonymizerRule = "anonymizer";
        /// Automation likelihood.
        pub bot: BotRule = "bot";
        /// Failures against the account from other devices (only counted for unknown devices).
        pub failure_velocity: FailureVelocityRule = "failureVelocity";
        /// Time since the last successful sign-in.
        pub inactivity: InactivityRule = "inactivity";
        /// Young accounts doing sensitive things.
        pub account_age: AccountAgeRule = "accountAge";
        /// Password known from a breach corpus.
        pub breached_password: Points = "breachedPassword";
        /// A recovery completed recently.
        pub recent_recovery: RecencyRule = "recentRecovery";
        /// A credential or identifier changed recently.
        pub recent_credential_change: RecencyRule = "recentCredentialChange";
    }
}

crate::wire_struct! {
    /// A signal with a fixed number of points.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Points {
        /// Points added when the signal fires.
        pub points: u8 = "points";
    }
}

crate::wire_struct! {
    /// Impossible-travel rule.
    #[derive(Debug, Clone, PartialEq)]
    pub struct TravelRule {
        /// Speeds above this (km/h) are impossible.
        pub max_speed_kmh: u32 = "maxSpeedKmh";
        /// Shorter distances are ignored (IP geolocation is coarse), km.
        pub min_distance_km: u32 = "minDistanceKm";
        /// Points added.
        pub points: u8 = "points";
    }
}

crate::wire_struct! {
    /// IP reputation rule (ipRisk is 0–100, higher is worse).
    #[derive(Debug, Clone, PartialEq)]
    pub struct IpRiskRule {
        /// ipRisk at or above which `ip_risk_medium` fires.
        pub medium_at: u8 = "mediumAt";
        /// Points for a medium-risk IP.
        pub medium_points: u8 = "mediumPoints";
        /// ipRisk at or above which `ip_risk_high` fires instead.
        pub high_at: u8 = "highAt";
        /// Points for a high-risk IP.
        pub high_points: u8 = "highPoints";
    }
}

crate::wire_struct! {
    /// Points per anonymizer type.
    #[derive(Debug, Clone, PartialEq)]
    pub struct AnonymizerRule {
        /// Consumer VPN.
        pub vpn: u8 = "vpn";
        /// Open or residential proxy.
        pub proxy: u8 = "proxy";
        /// Tor exit node.
        pub tor: u8 = "tor";
        /// Hosting / data-centre address.
        pub hosting: u8 = "hosting";
        /// Extra points when the action's tier is `high` or `critical`.
        pub sensitive_extra: u8 = "sensitiveExtra";
    }
}

crate::wire_struct! {
    /// Bot-likelihood rule (botScore is 0–100, higher is more likely automated).
    #[derive(Debug, Clone, PartialEq)]
    pub struct BotRule {
        /// botScore at or above which `bot_suspected` fires.
        pub suspect_at: u8 = "suspectAt";
        /// Points for a suspected bot.
        pub points: u8 = "points";
        /// botScore at or above which the attempt is denied (`bot_detected`).
        pub deny_at: u8 = "denyAt";
    }
}

crate::wire_struct! {
    /// Failures against the account from elsewhere.
    #[derive(Debug, Clone, PartialEq)]
    pub struct FailureVelocityRule {
        /// Window, seconds.
        pub window: u64 = "window";
        /// Failures from other devices within the window at which the signal fires.
        pub failures: u32 = "failures";
        /// Points added (for a device that is not known).
        pub points: u8 = "points";
    }
}

crate::wire_struct! {
    /// Inactivity rule.
    #[derive(Debug, Clone, PartialEq)]
    pub struct InactivityRule {
        /// Seconds since the last successful sign-in after which the signal fires.
        pub after: u64 = "after";
        /// Points added.
        pub points: u8 = "points";
    }
}

crate::wire_struct! {
    /// Young-account rule.
    #[derive(Debug, Clone, PartialEq)]
    pub struct AccountAgeRule {
        /// Accounts younger than this many seconds are new.
        pub under: u64 = "under";
        /// Only actions of this tier or above are affected.
        pub min_tier: Tier = "minTier";
        /// Points added.
        pub points: u8 = "points";
    }
}

crate::wire_struct! {
    /// "Something happened recently" rule.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RecencyRule {
        /// Seconds after the event during which the signal fires.
        pub within: u64 = "within";
        /// Points added.
        pub points: u8 = "points";
    }
}

crate::wire_struct! {
    /// Failure back-off and lockout.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ThrottlePolicy {
        /// Back-off for one (account, device) pair: the attacker's device waits, the customer's does not.
        pub account_device: Backoff = "accountDevice";
        /// Back-off for one source IP across all accounts.
        pub source_ip: Backoff = "sourceIp";
        /// A hard account lock. Only the `workforce` preset has one: for customers it is a
        /// denial-of-service weapon.
        pub lockout: Option<Lockout> = "lockout", optional;
    }
}

crate::wire_struct! {
    /// Growing back-off: after `freeFailures` failures in `window`, the n-th failure makes the
    /// source wait `baseDelay × factor^(n − freeFailures − 1)` seconds from that failure, at most
    /// `maxDelay` (so the first failure past the free ones waits exactly `baseDelay`).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Backoff {
        /// Failures allowed before any delay.
        pub free_failures: u32 = "freeFailures";
        /// First delay, seconds.
        pub base_delay: u64 = "baseDelay";
        /// Growth per further failure (1–10).
        pub factor: u32 = "factor";
        /// Cap on the delay, seconds.
        pub max_delay: u64 = "maxDelay";
        /// Failures older than this many seconds do not count.
        pub window: u64 = "window";
    }
}

crate::wire_struct! {
    /// Hard lock after repeated failures: no sign-in, even with the right credentials, until an
    /// `unlock` event (an administrator) or until the failures age out of `window`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Lockout {
        /// Failures (from any device) that lock the account.
        pub after_failures: u32 = "afterFailures";
        /// Window in which they count, seconds.
        pub window: u64 = "window";
    }
}

crate::wire_struct! {
    /// How a device becomes known.
    #[derive(Debug, Clone, PartialEq)]
    pub struct DevicePolicy {
        /// A device is known if it completed a successful sign-in within this many seconds.
        pub known_for: u64 = "knownFor";
    }
}
