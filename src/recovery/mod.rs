//! Recovery limits and bounded recovery power (design principles P4 and P5).
//!
//! [`evaluate_recovery`] answers, for one recovery attempt: which channels this account may
//! use (never one where it has more, never one depending on what was lost), whether the
//! attempt is within the per-channel and per-IP budgets, whether completing it recovers the
//! account or a second independent method is needed (NIST SP 800-63B-4, for accounts with a
//! second factor), what the recovered session may do and for how long sensitive changes are
//! held, whom to notify and which RISC/CAEP events to emit. An unknown account gets the
//! answer an account holding the requested channel would get, so nothing is enumerated.
//!
//! [`evaluate_change`] applies the change rules: nothing sensitive during a hold, never both
//! recovery identifiers in one window, a step-up by another method to replace the primary
//! recovery channel, and a notice to the old channel.

mod budget;
mod change;
mod channels;
pub mod hold;
mod reasons;

use crate::api::{PolicyRef, RecoveryAccount, RecoveryDecision, RecoveryGrant, RecoveryReason, RecoveryRequest};
use crate::collections::{sort, sort_by_key, sort_dedup};
use crate::error::Result;
use crate::policy::recovery::RecoveryChannel;
use crate::policy::{Outcome, Policy};
use crate::signals::secs;
use crate::state::HistoryRef;
use crate::text;
use crate::text::Duration;

pub(crate) use change::change as decide_change;
pub use change::evaluate_change;
pub use reasons::{
    RecoveryReasonCode, ASSURANCE_LEVEL_CHANGE, CREDENTIAL_CHANGE, CREDENTIAL_COMPROMISE, RECOVERY_ACTIVATED, RECOVERY_INFORMATION_CHANGED,
    SESSION_REVOKED,
};

/// Outcome, reasons and wait as they accumulate; the outcome only ever gets stricter.
pub(crate) struct Draft {
    pub(crate) outcome: Outcome,
    pub(crate) retry_after: Option<u64>,
    pub(crate) reasons: Vec<RecoveryReason>,
}

impl Draft {
    pub(crate) fn new() -> Self {
        Draft { outcome: Outcome::Allow, retry_after: None, reasons: Vec::new() }
    }

    pub(crate) fn decide(&mut self, outcome: Outcome, code: RecoveryReasonCode, message: String) {
        if outcome.severity() > self.outcome.severity() {
            self.outcome = outcome;
        }
        self.reasons.push(RecoveryReason { code, message });
    }

    pub(crate) fn wait(&mut self, outcome: Outcome, seconds: u64, code: RecoveryReasonCode, message: String) {
        self.retry_after = Some(self.retry_after.map_or(seconds, |w| w.max(seconds)));
        self.decide(outcome, code, message);
    }

    pub(crate) fn finish(&mut self) {
        sort_by_key(&mut self.reasons, |r| r.code);
    }
}

/// The histories a recovery or change decision reads, borrowed.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Histories<'a> {
    /// The account's history.
    pub account: Option<HistoryRef<'a>>,
    /// The source IP's history.
    pub source: Option<HistoryRef<'a>>,
}

/// Decide one recovery attempt. Bad input is an error, never a guess.
pub fn evaluate_recovery<'p>(policy: &'p Policy, request: &RecoveryRequest) -> Result<RecoveryDecision<'p>> {
    request.validate()?;
    let account = request.history.as_ref().map(|h| (h.last_success_at, h.event_refs()));
    let source = request.source_history.as_ref().map(|h| (h.last_success_at, h.event_refs()));
    let histories = Histories {
        account: account.as_ref().map(|(last, events)| HistoryRef::new(*last, events)),
        source: source.as_ref().map(|(last, events)| HistoryRef::new(*last, events)),
    };
    recover(policy, request, histories)
}

/// Decide a recovery attempt whose fields and histories were validated.
pub(crate) fn recover<'p>(policy: &'p Policy, request: &RecoveryRequest, histories: Histories<'_>) -> Result<RecoveryDecision<'p>> {
    use RecoveryReasonCode as Code;
    let rp = &policy.recovery;
    let now = request.now;
    // An unknown account is answered as an account holding the requested channel (and email)
    // without a second factor: same shape, same outcome class, nothing enumerated.
    let decoy;
    let account: &RecoveryAccount = match &request.account {
        Some(account) => account,
        None => {
            let mut channels: Vec<RecoveryChannel> = request.channel.into_iter().chain(request.proven.iter().copied()).collect();
            channels.push(RecoveryChannel::Email);
            sort_dedup(&mut channels);
            decoy = RecoveryAccount { channels, factors: Vec::new(), second_factor: Some(false), primary: None };
            &decoy
        }
    };
    let held = channels::held(account);
    let usable = channels::usable(rp, &held, request.lost);
    let proven: Vec<RecoveryChannel> = request.proven.iter().copied().filter(|c| usable.contains(*c)).collect();
    let required = if channels::has_second_factor(account) { 2 } else { 1 };
    let mut d = Draft::new();

    if let Some(bot) = request.device.as_ref().and_then(|x| x.bot_score) {
        if bot >= f64::from(policy.signals.bot.deny_at) {
            d.decide(Outcome::Deny, Code::BotDetected, text!("bot score ", bot, " is at or above ", policy.signals.bot.deny_at));
        }
    }

    let ip_times = budget::attempts(histories.source.as_ref(), now, rp.source_ip.window, None, false);
    let mut left = budget::left(rp.source_ip.attempts, &ip_times);
    if let Some(wait) = budget::exhausted_wait(&rp.source_ip, &ip_times, now) {
        d.wait(
            Outcome::Throttle,
            wait,
            Code::SourceBudgetExhausted,
            text!(ip_times.len(), " recovery attempts from this address; retry in ", Duration(wait)),
        );
    }

    let mut used = proven.clone();
    match request.channel {
        None => {
            if channels::strength(rp, proven.iter().copied()) < required {
                d.decide(Outcome::StepUp, Code::ChooseChannel, "choose one of the offered channels".into());
            }
        }
        Some(channel) => {
            used.push(channel);
            if !channels::policy_offers(rp, channel) {
                d.decide(
                    Outcome::Deny,
                    Code::ChannelNotOffered,
                    text!("the ", policy.name, " policy does not offer recovery by ", channel),
                );
            } else if !usable.contains(channel) {
                d.decide(Outcome::Deny, Code::ChannelUnavailable, text!(channel, " is not available for this recovery"));
            }
            if let Some(rule) = rp.channels.get(&channel) {
                let managed = request.device.as_ref().and_then(|x| x.managed) == Some(true);
                if rule.managed_device_required && !managed {
                    d.decide(Outcome::Deny, Code::UnmanagedDevice, text!("recovery by ", channel, " needs a managed device"));
                }
                let times = budget::attempts(histories.account.as_ref(), now, rule.window, Some(channel.as_str()), true);
                left = left.min(budget::left(rule.attempts, &times));
                if let Some(wait) = budget::exhausted_after(rule.attempts, rule.window, &times, now) {
                    d.wait(
                        Outcome::Throttle,
                        wait,
                        Code::ChannelBudgetExhausted,
                        text!(times.len(), " attempts by ", channel, " in ", Duration(rule.window), "; retry in ", Duration(wait)),
                    );
                } else if let Some(wait) = budget::cooldown_wait(rule, &times, now) {
                    d.wait(
                        Outcome::Throttle,
                        wait,
                        Code::ChannelCooldown,
                        text!(channel, " was used moments ago; retry in ", Duration(wait)),
                    );
                }
            }
            left = left.saturating_sub(1);
            // The two-method rule only speaks about a channel that can be used at all.
            if usable.contains(channel) && channels::strength(rp, used.iter().copied()) < required {
                if channels::independent_of(&usable, &used).is_empty() {
                    d.decide(
                        Outcome::Deny,
                        Code::NoIndependentChannel,
                        "the account has a second factor and no independent channel is left to pair with this one".into(),
                    );
                } else {
                    d.decide(
                        Outcome::StepUp,
                        Code::SecondMethodRequired,
                        "the account has a second factor: recovery needs a second, independent method as well".into(),
                    );
                }
            }
        }
    }
    d.finish();

    let outcome = d.outcome;
    let offered_from =
        if outcome == Outcome::StepUp { channels::independent_of(&usable, &used) } else { channels::independent_of(&usable, &proven) };
    let offered = channels::ranked(rp, &offered_from);
    let retry_after = d.retry_after.filter(|_| outcome == Outcome::Throttle);
    let allowed = outcome == Outcome::Allow;
    let grant = allowed.then(|| {
        let held_until = hold::hold_until(policy, histories.account.as_ref(), now).unwrap_or(now);
        let mut scopes = rp.grant.scopes.clone();
        sort(&mut scopes);
        let mut restricted = rp.hold.actions.clone();
        sort(&mut restricted);
        RecoveryGrant {
            scopes,
            expires_at: now.saturating_add(secs(rp.grant.lifetime)),
            hold_until: now.saturating_add(secs(rp.hold.duration)).max(held_until),
            restricted,
            restricted_above: rp.hold.amount_over.clone(),
        }
    });
    let notify = if allowed { channels::contacts(&held).iter().collect() } else { Vec::new() };
    let mut events: Vec<&'static str> = Vec::new();
    if allowed {
        events.extend([RECOVERY_ACTIVATED, SESSION_REVOKED, ASSURANCE_LEVEL_CHANGE]);
        if request.compromised {
            events.push(CREDENTIAL_COMPROMISE);
        }
    }
    sort_dedup(&mut events);
    let proceeds = matches!(outcome, Outcome::Allow | Outcome::StepUp);
    let code_expires_at = request
        .channel
        .filter(|_| proceeds)
        .and_then(|c| rp.channels.get(&c))
        .and_then(|rule| rule.code_lifetime)
        .map(|lifetime| now.saturating_add(secs(lifetime)));
    Ok(RecoveryDecision {
        outcome,
        offered,
        remaining: if outcome == Outcome::Throttle { 0 } else { left },
        retry_after,
        code_expires_at,
        reasons: d.reasons,
        grant,
        notify,
        events,
        policy: PolicyRef { name: &policy.name, version: &policy.revision },
    })
}
