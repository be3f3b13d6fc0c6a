//! The stable reason codes. Their declaration order is the order reasons appear in a
//! decision: what decided the outcome first, then requirements, then risk signals.

use serde::{Deserialize, Serialize};

/// Why a decision came out as it did. Codes are stable: hosts log, count and branch on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// Workforce pattern: the account is locked after repeated failures.
    AccountLocked,
    /// The client is almost certainly automated.
    BotDetected,
    /// The action needs a managed device and this one is not.
    UnmanagedDevice,
    /// The risk score reached the policy's deny threshold.
    RiskTooHigh,
    /// A recent recovery holds this action until the hold ends (see `retryAfter`).
    RecoveryHold,
    /// The assurance needed cannot be reached with any factor the account has.
    NoEligibleFactor,
    /// Too many recent failures from this device (or IP, without a device id): wait.
    DeviceThrottled,
    /// Too many recent failures from this source IP across accounts: wait.
    IpThrottled,
    /// The session's assurance level is below what the action needs.
    InsufficientAssurance,
    /// The risk score raised the assurance level needed.
    RiskStepUp,
    /// The session's authentication is older than the action allows.
    AuthenticationTooOld,
    /// The transaction amount falls in a stricter band.
    AmountBand,
    /// Travel faster than possible since the last successful sign-in.
    ImpossibleTravel,
    /// The client looks automated.
    BotSuspected,
    /// The source IP has a poor reputation.
    IpRiskHigh,
    /// The source IP has a middling reputation.
    IpRiskMedium,
    /// Tor exit node.
    AnonymizerTor,
    /// Hosting or data-centre address.
    AnonymizerHosting,
    /// Open or residential proxy.
    AnonymizerProxy,
    /// Consumer VPN.
    AnonymizerVpn,
    /// The password appears in a breach corpus.
    BreachedPassword,
    /// Many recent failures against this account from other devices.
    AccountUnderAttack,
    /// A recovery was completed recently.
    RecentRecovery,
    /// A credential or identifier changed recently.
    RecentCredentialChange,
    /// The device has not signed in successfully within the policy window.
    NewDevice,
    /// The account has not signed in for a long time.
    InactiveAccount,
    /// The account is young and the action is sensitive.
    NewAccount,
    /// A country not seen among recent successful sign-ins.
    NewCountry,
}

impl ReasonCode {
    /// Every code, in output order.
    pub const ALL: [ReasonCode; 28] = [
        ReasonCode::AccountLocked,
        ReasonCode::BotDetected,
        ReasonCode::UnmanagedDevice,
        ReasonCode::RiskTooHigh,
        ReasonCode::RecoveryHold,
        ReasonCode::NoEligibleFactor,
        ReasonCode::DeviceThrottled,
        ReasonCode::IpThrottled,
        ReasonCode::InsufficientAssurance,
        ReasonCode::RiskStepUp,
        ReasonCode::AuthenticationTooOld,
        ReasonCode::AmountBand,
        ReasonCode::ImpossibleTravel,
        ReasonCode::BotSuspected,
        ReasonCode::IpRiskHigh,
        ReasonCode::IpRiskMedium,
        ReasonCode::AnonymizerTor,
        ReasonCode::AnonymizerHosting,
        ReasonCode::AnonymizerProxy,
        ReasonCode::AnonymizerVpn,
        ReasonCode::BreachedPassword,
        ReasonCode::AccountUnderAttack,
        ReasonCode::RecentRecovery,
        ReasonCode::RecentCredentialChange,
        ReasonCode::NewDevice,
        ReasonCode::InactiveAccount,
        ReasonCode::NewAccount,
        ReasonCode::NewCountry,
    ];

    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::AccountLocked => "account_locked",
            ReasonCode::BotDetected => "bot_detected",
            ReasonCode::UnmanagedDevice => "unmanaged_device",
            ReasonCode::RiskTooHigh => "risk_too_high",
            ReasonCode::RecoveryHold => "recovery_hold",
            ReasonCode::NoEligibleFactor => "no_eligible_factor",
            ReasonCode::DeviceThrottled => "device_throttled",
            ReasonCode::IpThrottled => "ip_throttled",
            ReasonCode::InsufficientAssurance => "insufficient_assurance",
            ReasonCode::RiskStepUp => "risk_step_up",
            ReasonCode::AuthenticationTooOld => "authentication_too_old",
            ReasonCode::AmountBand => "amount_band",
            ReasonCode::ImpossibleTravel => "impossible_travel",
            ReasonCode::BotSuspected => "bot_suspected",
            ReasonCode::IpRiskHigh => "ip_risk_high",
            ReasonCode::IpRiskMedium => "ip_risk_medium",
            ReasonCode::AnonymizerTor => "anonymizer_tor",
            ReasonCode::AnonymizerHosting => "anonymizer_hosting",
            ReasonCode::AnonymizerProxy => "anonymizer_proxy",
            ReasonCode::AnonymizerVpn => "anonymizer_vpn",
            ReasonCode::BreachedPassword => "breached_password",
            ReasonCode::AccountUnderAttack => "account_under_attack",
            ReasonCode::RecentRecovery => "recent_recovery",
            ReasonCode::RecentCredentialChange => "recent_credential_change",
            ReasonCode::NewDevice => "new_device",
            ReasonCode::InactiveAccount => "inactive_account",
            ReasonCode::NewAccount => "new_account",
            ReasonCode::NewCountry => "new_country",
        }
    }
}

/// Human-friendly duration: "45 s", "12 min", "3 h", "400 days".
pub fn duration_text(seconds: u64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 2 * 3600 => format!("{} min", s / 60),
        s if s < 2 * 86_400 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}
