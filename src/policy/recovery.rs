//! The `recovery` section of a policy document: which recovery channels exist and what each
//! proves, how long their codes live, how many attempts each allows per window, what a
//! completed recovery grants, how long sensitive changes are held afterwards, and how long
//! the short-lived artifacts (step-up grants, recovery tickets) may live.
//!
//! Validation of this section lives in [`check`]; the decisions that read it live in
//! [`crate::recovery`].

use crate::error::{pointer_segment, ErrorCode, Problem};
use crate::json::UniqueMap;
use crate::state::{ChangeKind, MAX_RECOVERY_ATTEMPTS};
use crate::text;

/// NIST SP 800-63B-4: a code sent by SMS or voice lives at most 10 minutes.
pub const NIST_MAX_PHONE_CODE_LIFETIME: u64 = 600;
/// NIST SP 800-63B-4: a code or link sent by email lives at most 24 hours.
pub const NIST_MAX_EMAIL_CODE_LIFETIME: u64 = 86_400;
/// Longest lifetime of a recovered session's grant, seconds.
pub const MAX_GRANT_LIFETIME: u64 = 3600;
/// Longest lifetime of a step-up grant token, seconds.
pub const MAX_STEP_UP_GRANT_LIFETIME: u64 = 3600;
/// Longest hold, seconds (30 days).
pub const MAX_HOLD: u64 = 30 * 86_400;
/// Longest budget window, seconds (30 days).
pub const MAX_BUDGET_WINDOW: u64 = 30 * 86_400;
/// Longest cooldown, seconds (one day).
pub const MAX_COOLDOWN: u64 = 86_400;

crate::wire_enum! {
    /// A way back into an account.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum RecoveryChannel {
        /// A code or link sent to the account's email address.
        Email = "email",
        /// A code sent by SMS to the account's phone number.
        Sms = "sms",
        /// A code read out by a voice call to the account's phone number.
        Voice = "voice",
        /// One of the saved single-use recovery codes.
        RecoveryCode = "recovery_code",
        /// A passkey on another device (a synced passkey, or a second device's passkey).
        Passkey = "passkey",
        /// A code from the account's authenticator app.
        Totp = "totp",
        /// A code or link sent to a second, independent email address.
        SecondEmail = "second_email",
        /// A code relayed by a contact the customer named in advance.
        TrustedContact = "trusted_contact",
        /// Support-assisted identity proofing (documents, a live check).
        Support = "support",
    }
}

impl RecoveryChannel {
    /// What the channel depends on. Two channels are independent when their anchors differ:
    /// an SMS and a voice code both fall with the phone number.
    pub fn anchor(self) -> Anchor {
        match self {
            RecoveryChannel::Email => Anchor::Mailbox,
            RecoveryChannel::Sms | RecoveryChannel::Voice => Anchor::Phone,
            RecoveryChannel::RecoveryCode => Anchor::SavedCodes,
            RecoveryChannel::Passkey => Anchor::Passkey,
            RecoveryChannel::Totp => Anchor::Authenticator,
            RecoveryChannel::SecondEmail => Anchor::SecondMailbox,
            RecoveryChannel::TrustedContact => Anchor::Contact,
            RecoveryChannel::Support => Anchor::Proofing,
        }
    }

    /// Whether the channel sends a code or link, and so needs a `codeLifetime`.
    pub fn sends_code(self) -> bool {
        matches!(
            self,
            RecoveryChannel::Email
                | RecoveryChannel::Sms
                | RecoveryChannel::Voice
                | RecoveryChannel::SecondEmail
                | RecoveryChannel::TrustedContact
                | RecoveryChannel::Support
        )
    }

    /// The NIST SP 800-63B-4 ceiling on the channel's code lifetime, seconds.
    pub fn max_code_lifetime(self) -> u64 {
        match self {
            RecoveryChannel::Sms | RecoveryChannel::Voice => NIST_MAX_PHONE_CODE_LIFETIME,
            _ => NIST_MAX_EMAIL_CODE_LIFETIME,
        }
    }
}

/// What a recovery channel depends on; losing it loses every channel with that anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Anchor {
    /// The primary mailbox.
    Mailbox,
    /// The phone number (SIM).
    Phone,
    /// The saved recovery codes.
    SavedCodes,
    /// A passkey on another device.
    Passkey,
    /// The authenticator app.
    Authenticator,
    /// A second mailbox.
    SecondMailbox,
    /// A trusted contact.
    Contact,
    /// In-person or document-based proofing.
    Proofing,
}

impl Anchor {
    /// How many anchors there are.
    pub const COUNT: usize = 8;
}

crate::wire_enum! {
    /// What a completed recovery lets the recovered session do.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum RecoveryScope {
        /// Sign in (a session at the grant's limited assurance).
        SignIn = "sign_in",
        /// Replace the lost credential (set a new password, enrol a new passkey or authenticator).
        ResetCredential = "reset_credential",
        /// Enrol an additional factor.
        EnrollFactor = "enroll_factor",
        /// Read account details.
        ViewAccount = "view_account",
    }
}

crate::wire_struct! {
    /// The whole `recovery` section.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RecoveryPolicy {
        /// Whether customers recover on their own. Without it (the workforce pattern) only
        /// `support` may be declared.
        pub self_service: bool = "selfService";
        /// The channels offered, with what each proves and its limits.
        pub channels: UniqueMap<RecoveryChannel, ChannelPolicy> = "channels";
        /// Attempt budget per source IP across every account and channel.
        pub source_ip: Budget = "sourceIp";
        /// What a completed recovery grants.
        pub grant: GrantPolicy = "grant";
        /// What is held after a recovery, and for how long.
        pub hold: HoldPolicy = "hold";
        /// Email and phone (the recovery identifiers) are never both changed within this many seconds.
        pub identifier_change_window: u64 = "identifierChangeWindow";
        /// Replacing the primary recovery channel needs a step-up by another method at most this
        /// many seconds old.
        pub change_step_up_max_age: u64 = "changeStepUpMaxAge";
        /// Longest lifetime of a step-up grant token, seconds.
        pub step_up_grant_lifetime: u64 = "stepUpGrantLifetime";
    }
}

crate::wire_struct! {
    /// One recovery channel.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ChannelPolicy {
        /// The strength a successful use proves: 1 for one factor (a code, a saved code, an
        /// authenticator), 2 for a multi-factor proof (a passkey with user verification,
        /// identity proofing). An account with a second factor needs strength 2 from independent
        /// channels to recover (NIST SP 800-63B-4).
        pub strength: u8 = "strength";
        /// Friction rank: lower is easier for the customer; channels are offered in this order.
        pub friction: u8 = "friction";
        /// Lifetime of the code or link the channel sends, seconds; required for channels that
        /// send one and capped at the NIST maxima (SMS/voice 600, email 86400).
        pub code_lifetime: Option<u64> = "codeLifetime", optional;
        /// Attempts allowed per account in `window` (1–16: what a history holds).
        pub attempts: u32 = "attempts";
        /// Window of the attempt budget, seconds (sliding).
        pub window: u64 = "window";
        /// Wait after the first attempt before the next one, seconds (0 for none).
        pub cooldown: u64 = "cooldown";
        /// Growth of the wait per further attempt in the window (1–10).
        pub backoff: u32 = "backoff";
        /// Cap on the wait, seconds.
        pub max_cooldown: u64 = "maxCooldown";
        /// Whether the channel may only be used from a managed device (workforce pattern).
        pub managed_device_required: bool = "managedDeviceRequired", default;
    }
}

crate::wire_struct! {
    /// A count of attempts per sliding window.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Budget {
        /// Attempts allowed in `window` (1–16).
        pub attempts: u32 = "attempts";
        /// Window, seconds.
        pub window: u64 = "window";
    }
}

crate::wire_struct! {
    /// What a completed recovery grants.
    #[derive(Debug, Clone, PartialEq)]
    pub struct GrantPolicy {
        /// What the recovered session may do.
        pub scopes: Vec<RecoveryScope> = "scopes";
        /// How long the grant lives, seconds (at most one hour).
        pub lifetime: u64 = "lifetime";
    }
}

crate::wire_struct! {
    /// The hold after a recovery.
    #[derive(Debug, Clone, PartialEq)]
    pub struct HoldPolicy {
        /// Seconds after a recovery during which the held actions and changes are denied.
        pub duration: u64 = "duration";
        /// Catalog actions denied during the hold.
        pub actions: Vec<String> = "actions";
        /// Catalog actions denied during the hold above an amount (policy currency).
        pub amount_over: UniqueMap<String, f64> = "amountOver", default;
        /// Changes (`evaluateChange`) denied during the hold.
        pub changes: Vec<ChangeKind> = "changes";
    }
}

impl RecoveryPolicy {
    /// The section a policy document without one gets: no self-service recovery, support-
    /// assisted identity proofing only, a three-day hold on every sensitive change.
    pub fn support_only() -> Self {
        let support = ChannelPolicy {
            strength: 2,
            friction: 1,
            code_lifetime: Some(3600),
            attempts: 3,
            window: 86_400,
            cooldown: 0,
            backoff: 1,
            max_cooldown: 0,
            managed_device_required: false,
        };
        RecoveryPolicy {
            self_service: false,
            channels: [(RecoveryChannel::Support, support)].into_iter().collect(),
            source_ip: Budget { attempts: 16, window: 3600 },
            grant: GrantPolicy { scopes: vec![RecoveryScope::SignIn, RecoveryScope::ResetCredential], lifetime: 900 },
            hold: HoldPolicy {
                duration: 3 * 86_400,
                actions: Vec::new(),
                amount_over: UniqueMap::default(),
                changes: vec![ChangeKind::Email, ChangeKind::Phone, ChangeKind::Mfa, ChangeKind::PayoutDestination],
            },
            identifier_change_window: 7 * 86_400,
            change_step_up_max_age: 300,
            step_up_grant_lifetime: 300,
        }
    }

    /// The longest window this section looks back over, seconds.
    pub fn horizon(&self) -> u64 {
        let channels = self.channels.values().map(|c| c.window);
        [self.source_ip.window, self.hold.duration, self.identifier_change_window].into_iter().chain(channels).max().unwrap_or(0)
    }
}

/// Every problem in the `recovery` section; `actions` is the policy's action catalog.
pub fn check(recovery: &RecoveryPolicy, has_action: &dyn Fn(&str) -> bool, max_window: u64) -> Vec<Problem> {
    let mut p = Vec::new();
    let range = |p: &mut Vec<Problem>, path: String, value: u64, min: u64, max: u64| {
        if value < min || value > max {
            p.push(Problem::new(ErrorCode::OutOfRange, path, text!(value, " is outside ", min, "..=", max)));
        }
    };
    let attempts_max = u64::try_from(MAX_RECOVERY_ATTEMPTS).unwrap_or(16);
    if recovery.channels.is_empty() {
        p.push(Problem::new(ErrorCode::OutOfRange, "/recovery/channels", "declare at least one recovery channel (support, at least)"));
    }
    for (channel, rule) in recovery.channels.iter() {
        let path = text!("/recovery/channels/", channel);
        if !recovery.self_service && *channel != RecoveryChannel::Support {
            p.push(Problem::new(ErrorCode::Inconsistent, path.clone(), "without selfService only `support` recovery may be declared"));
        }
        range(&mut p, text!(path, "/strength"), rule.strength.into(), 1, 2);
        match (channel.sends_code(), rule.code_lifetime) {
            (true, None) => p.push(Problem::new(
                ErrorCode::MissingField,
                text!(path, "/codeLifetime"),
                text!("`", channel, "` sends a code or link: give its lifetime in seconds"),
            )),
            (true, Some(lifetime)) => range(&mut p, text!(path, "/codeLifetime"), lifetime, 30, channel.max_code_lifetime()),
            (false, Some(_)) => p.push(Problem::new(
                ErrorCode::Inconsistent,
                text!(path, "/codeLifetime"),
                text!("`", channel, "` sends no code; remove codeLifetime"),
            )),
            (false, None) => {}
        }
        range(&mut p, text!(path, "/attempts"), rule.attempts.into(), 1, attempts_max);
        range(&mut p, text!(path, "/window"), rule.window, 60, MAX_BUDGET_WINDOW.min(max_window));
        range(&mut p, text!(path, "/cooldown"), rule.cooldown, 0, MAX_COOLDOWN);
        range(&mut p, text!(path, "/backoff"), rule.backoff.into(), 1, 10);
        range(&mut p, text!(path, "/maxCooldown"), rule.max_cooldown, 0, MAX_COOLDOWN);
        if rule.max_cooldown < rule.cooldown {
            p.push(Problem::new(ErrorCode::Inconsistent, text!(path, "/maxCooldown"), "maxCooldown must be at least cooldown"));
        }
    }
    if recovery.self_service && !recovery.channels.values().any(|c| !c.managed_device_required) {
        p.push(Problem::new(
            ErrorCode::Inconsistent,
            "/recovery/channels",
            "self-service recovery needs at least one channel that works without a managed device",
        ));
    }
    range(&mut p, "/recovery/sourceIp/attempts".into(), recovery.source_ip.attempts.into(), 1, attempts_max);
    range(&mut p, "/recovery/sourceIp/window".into(), recovery.source_ip.window, 60, MAX_BUDGET_WINDOW.min(max_window));

    let grant = &recovery.grant;
    if grant.scopes.is_empty() {
        p.push(Problem::new(ErrorCode::OutOfRange, "/recovery/grant/scopes", "list at least one scope"));
    }
    for (i, scope) in grant.scopes.iter().enumerate() {
        if grant.scopes.iter().take(i).any(|s| s == scope) {
            p.push(Problem::new(
                ErrorCode::DuplicateKey,
                text!("/recovery/grant/scopes/", i),
                text!("`", scope.as_str(), "` is listed twice"),
            ));
        }
    }
    range(&mut p, "/recovery/grant/lifetime".into(), grant.lifetime, 60, MAX_GRANT_LIFETIME);

    let hold = &recovery.hold;
    range(&mut p, "/recovery/hold/duration".into(), hold.duration, 0, MAX_HOLD);
    if hold.actions.len() > 64 {
        p.push(Problem::new(ErrorCode::TooLong, "/recovery/hold/actions", "at most 64 held actions"));
    }
    for (i, action) in hold.actions.iter().enumerate() {
        let path = text!("/recovery/hold/actions/", i);
        if !has_action(action) {
            p.push(Problem::new(ErrorCode::UnknownAction, path, text!("`", short(action), "` is not in the action catalog")));
        } else if hold.actions.iter().take(i).any(|a| a == action) {
            p.push(Problem::new(ErrorCode::DuplicateKey, path, text!("`", short(action), "` is listed twice")));
        }
    }
    for (action, over) in hold.amount_over.iter() {
        let path = text!("/recovery/hold/amountOver/", pointer_segment(action));
        if !has_action(action) {
            p.push(Problem::new(ErrorCode::UnknownAction, path, text!("`", short(action), "` is not in the action catalog")));
        } else if !over.is_finite() || *over < 0.0 {
            p.push(Problem::new(ErrorCode::OutOfRange, path, "use a finite amount of zero or more"));
        }
    }
    for (i, change) in hold.changes.iter().enumerate() {
        if hold.changes.iter().take(i).any(|c| c == change) {
            p.push(Problem::new(ErrorCode::DuplicateKey, text!("/recovery/hold/changes/", i), "a change is listed twice"));
        }
    }
    range(&mut p, "/recovery/identifierChangeWindow".into(), recovery.identifier_change_window, 1, max_window);
    range(&mut p, "/recovery/changeStepUpMaxAge".into(), recovery.change_step_up_max_age, 30, 3600);
    range(&mut p, "/recovery/stepUpGrantLifetime".into(), recovery.step_up_grant_lifetime, 30, MAX_STEP_UP_GRANT_LIFETIME);
    p
}

fn short(text: &str) -> String {
    text.chars().take(64).collect()
}
