//! The stable reason codes of recovery and change decisions, and the OpenID Shared Signals
//! event type URIs those decisions ask a host to emit. Declaration order is output order.

crate::wire_enum! {
    /// Why a recovery or change decision came out as it did. Codes are stable.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum RecoveryReasonCode {
        /// The policy does not offer this channel (or offers no self-service recovery).
        ChannelNotOffered = "channel_not_offered",
        /// The account has no such channel, or it depends on what was lost.
        ChannelUnavailable = "channel_unavailable",
        /// The channel may only be used from a managed device.
        UnmanagedDevice = "unmanaged_device",
        /// The client is almost certainly automated.
        BotDetected = "bot_detected",
        /// A recent recovery holds sensitive changes until the hold ends.
        RecoveryHold = "recovery_hold",
        /// The other recovery identifier changed within the identifier change window.
        IdentifierChangeWindow = "identifier_change_window",
        /// No channel independent of those already used is left.
        NoIndependentChannel = "no_independent_channel",
        /// The channel's attempt budget for this account is spent until the window moves on.
        ChannelBudgetExhausted = "channel_budget_exhausted",
        /// The recovery attempt budget of the source IP is spent.
        SourceBudgetExhausted = "source_budget_exhausted",
        /// The channel was used moments ago; wait before the next attempt.
        ChannelCooldown = "channel_cooldown",
        /// The change needs a signed-in session.
        AuthenticationRequired = "authentication_required",
        /// The account has a second factor: a second, independent method is needed (NIST SP 800-63B-4).
        SecondMethodRequired = "second_method_required",
        /// Replacing this channel needs a fresh step-up by a different method.
        StepUpOtherMethod = "step_up_other_method",
        /// No channel was named: choose one of those offered.
        ChooseChannel = "choose_channel",
    }
}

/// RISC: the account was recovered.
pub const RECOVERY_ACTIVATED: &str = "https://schemas.openid.net/secevent/risc/event-type/recovery-activated";
/// RISC: a recovery identifier (email, phone) changed.
pub const RECOVERY_INFORMATION_CHANGED: &str = "https://schemas.openid.net/secevent/risc/event-type/recovery-information-changed";
/// RISC: a credential may be in someone else's hands.
pub const CREDENTIAL_COMPROMISE: &str = "https://schemas.openid.net/secevent/risc/event-type/credential-compromise";
/// CAEP: a credential (password, MFA factor) changed.
pub const CREDENTIAL_CHANGE: &str = "https://schemas.openid.net/secevent/caep/event-type/credential-change";
/// CAEP: sessions were revoked.
pub const SESSION_REVOKED: &str = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
/// CAEP: the session's assurance level changed.
pub const ASSURANCE_LEVEL_CHANGE: &str = "https://schemas.openid.net/secevent/caep/event-type/assurance-level-change";
