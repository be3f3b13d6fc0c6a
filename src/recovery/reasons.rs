//! The stable reason codes of recovery and change decisions, and the OpenID Shared Signals
//! event type URIs those decisions ask a host to emit. Declaration order is output order.

use serde::{Deserialize, Serialize};

/// Why a recovery or change decision came out as it did. Codes are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryReasonCode {
    /// The policy does not offer this channel (or offers no self-service recovery).
    ChannelNotOffered,
    /// The account has no such channel, or it depends on what was lost.
    ChannelUnavailable,
    /// The channel may only be used from a managed device.
    UnmanagedDevice,
    /// The client is almost certainly automated.
    BotDetected,
    /// A recent recovery holds sensitive changes until the hold ends.
    RecoveryHold,
    /// The other recovery identifier changed within the identifier change window.
    IdentifierChangeWindow,
    /// No channel independent of those already used is left.
    NoIndependentChannel,
    /// The channel's attempt budget for this account is spent until the window moves on.
    ChannelBudgetExhausted,
    /// The recovery attempt budget of the source IP is spent.
    SourceBudgetExhausted,
    /// The channel was used moments ago; wait before the next attempt.
    ChannelCooldown,
    /// The change needs a signed-in session.
    AuthenticationRequired,
    /// The account has a second factor: a second, independent method is needed (NIST SP 800-63B-4).
    SecondMethodRequired,
    /// Replacing this channel needs a fresh step-up by a different method.
    StepUpOtherMethod,
    /// No channel was named: choose one of those offered.
    ChooseChannel,
}

impl RecoveryReasonCode {
    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryReasonCode::ChannelNotOffered => "channel_not_offered",
            RecoveryReasonCode::ChannelUnavailable => "channel_unavailable",
            RecoveryReasonCode::UnmanagedDevice => "unmanaged_device",
            RecoveryReasonCode::BotDetected => "bot_detected",
            RecoveryReasonCode::RecoveryHold => "recovery_hold",
            RecoveryReasonCode::IdentifierChangeWindow => "identifier_change_window",
            RecoveryReasonCode::NoIndependentChannel => "no_independent_channel",
            RecoveryReasonCode::ChannelBudgetExhausted => "channel_budget_exhausted",
            RecoveryReasonCode::SourceBudgetExhausted => "source_budget_exhausted",
            RecoveryReasonCode::ChannelCooldown => "channel_cooldown",
            RecoveryReasonCode::AuthenticationRequired => "authentication_required",
            RecoveryReasonCode::SecondMethodRequired => "second_method_required",
            RecoveryReasonCode::StepUpOtherMethod => "step_up_other_method",
            RecoveryReasonCode::ChooseChannel => "choose_channel",
        }
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
