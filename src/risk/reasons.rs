//! The stable reason codes. Their declaration order is the order reasons appear in a
//! decision: what decided the outcome first, then requirements, then risk signals.

crate::wire_enum! {
    /// Why a decision came out as it did. Codes are stable: hosts log, count and branch on them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum ReasonCode {
        /// Workforce pattern: the account is locked after repeated failures.
        AccountLocked = "account_locked",
        /// The client is almost certainly automated.
        BotDetected = "bot_detected",
        /// The action needs a managed device and this one is not.
        UnmanagedDevice = "unmanaged_device",
        /// The risk score reached the policy's deny threshold.
        RiskTooHigh = "risk_too_high",
        /// A recent recovery holds this action until the hold ends (see `retryAfter`).
        RecoveryHold = "recovery_hold",
        /// The assurance needed cannot be reached with any factor the account has.
        NoEligibleFactor = "no_eligible_factor",
        /// Too many recent failures from this device (or IP, without a device id): wait.
        DeviceThrottled = "device_throttled",
        /// Too many recent failures from this source IP across accounts: wait.
        IpThrottled = "ip_throttled",
        /// The session's assurance level is below what the action needs.
        InsufficientAssurance = "insufficient_assurance",
        /// The risk score raised the assurance level needed.
        RiskStepUp = "risk_step_up",
        /// The session's authentication is older than the action allows.
        AuthenticationTooOld = "authentication_too_old",
        /// The transaction amount falls in a stricter band.
        AmountBand = "amount_band",
        /// Travel faster than possible since the last successful sign-in.
        ImpossibleTravel = "impossible_travel",
        /// The client looks automated.
        BotSuspected = "bot_suspected",
        /// The source IP has a poor reputation.
        IpRiskHigh = "ip_risk_high",
        /// The source IP has a middling reputation.
        IpRiskMedium = "ip_risk_medium",
        /// Tor exit node.
        AnonymizerTor = "anonymizer_tor",
        /// Hosting or data-centre address.
        AnonymizerHosting = "anonymizer_hosting",
        /// Open or residential proxy.
        AnonymizerProxy = "anonymizer_proxy",
        /// Consumer VPN.
        AnonymizerVpn = "anonymizer_vpn",
        /// The password appears in a breach corpus.
        BreachedPassword = "breached_password",
        /// Many recent failures against this account from other devices.
        AccountUnderAttack = "account_under_attack",
        /// A recovery was completed recently.
        RecentRecovery = "recent_recovery",
        /// A credential or identifier changed recently.
        RecentCredentialChange = "recent_credential_change",
        /// The device has not signed in successfully within the policy window.
        NewDevice = "new_device",
        /// The account has not signed in for a long time.
        InactiveAccount = "inactive_account",
        /// The account is young and the action is sensitive.
        NewAccount = "new_account",
        /// A country not seen among recent successful sign-ins.
        NewCountry = "new_country",
    }
}
