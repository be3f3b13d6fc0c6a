//! The change rules (`evaluateChange`): a sensitive change is denied during a post-recovery
//! hold; email and phone are never both changed within one window; replacing the primary
//! recovery channel (or an MFA factor) needs a fresh step-up by a different method; the old
//! channel is always told.

use super::{channels, hold, Draft, RecoveryReasonCode as Code};
use super::{CREDENTIAL_CHANGE, RECOVERY_INFORMATION_CHANGED, SESSION_REVOKED};
use crate::api::{ChangeDecision, ChangeRequest, PolicyRef};
use crate::collections::sort_dedup;
use crate::error::Result;
use crate::policy::recovery::RecoveryChannel;
use crate::policy::{Outcome, Policy};
use crate::signals::{elapsed, since_change};
use crate::state::{ChangeKind, HistoryRef};
use crate::text;
use crate::text::Duration;

/// Decide one change of a credential or identifier. Bad input is an error, never a guess.
pub fn evaluate_change<'p>(policy: &'p Policy, request: &ChangeRequest) -> Result<ChangeDecision<'p>> {
    request.validate()?;
    let events = request.history.as_ref().map(|h| (h.last_success_at, h.event_refs()));
    let history = events.as_ref().map(|(last, events)| HistoryRef::new(*last, events));
    change(policy, request, history.unwrap_or_default())
}

/// Decide a change whose fields and history were validated.
pub(crate) fn change<'p>(policy: &'p Policy, request: &ChangeRequest, history: HistoryRef<'_>) -> Result<ChangeDecision<'p>> {
    let rp = &policy.recovery;
    let now = request.now;
    let change = request.change;
    let held = channels::held(&request.account);
    let mut d = Draft::new();

    if request.session.is_none() {
        d.decide(Outcome::StepUp, Code::AuthenticationRequired, "sign in before changing credentials or identifiers".into());
    }
    if rp.hold.changes.contains(&change) {
        if let Some(until) = hold::hold_until(policy, Some(&history), now) {
            let wait = elapsed(until, now);
            d.wait(
                Outcome::Deny,
                wait,
                Code::RecoveryHold,
                text!("the account was recovered recently; this change is held for ", Duration(wait)),
            );
        }
    }
    let other = match change {
        ChangeKind::Email => Some(ChangeKind::Phone),
        ChangeKind::Phone => Some(ChangeKind::Email),
        _ => None,
    };
    if let Some(other) = other {
        if let Some(since) = since_change(&history, other, now).filter(|s| *s < rp.identifier_change_window) {
            let wait = rp.identifier_change_window - since;
            d.wait(
                Outcome::Deny,
                wait,
                Code::IdentifierChangeWindow,
                text!("the other recovery identifier changed ", Duration(since), " ago; retry in ", Duration(wait)),
            );
        }
    }

    let replaced = match change {
        ChangeKind::Email => Some(RecoveryChannel::Email),
        ChangeKind::Phone => Some(RecoveryChannel::Sms),
        ChangeKind::Mfa => request.replaces,
        ChangeKind::Password | ChangeKind::PayoutDestination => None,
    };
    let primary = request
        .account
        .primary
        .or_else(|| [RecoveryChannel::Email, RecoveryChannel::Sms, RecoveryChannel::Voice].into_iter().find(|c| held.contains(*c)));
    let needs_other_method = match (change, replaced) {
        (ChangeKind::Mfa, Some(_)) => true,
        (ChangeKind::Email | ChangeKind::Phone, Some(r)) => primary.is_some_and(|p| p.anchor() == r.anchor()),
        _ => false,
    };
    let mut offered = Vec::new();
    if let (true, Some(replaced)) = (needs_other_method, replaced) {
        let usable = channels::usable(rp, &held, None);
        let candidates = channels::independent_of(&usable, &[replaced]);
        let fresh = request.verified.iter().any(|v| candidates.contains(v.method) && elapsed(now, v.at) <= rp.change_step_up_max_age);
        if !fresh {
            d.decide(
                Outcome::StepUp,
                Code::StepUpOtherMethod,
                text!(
                    "replacing ",
                    replaced,
                    " needs a step-up within ",
                    Duration(rp.change_step_up_max_age),
                    " by a method other than ",
                    replaced
                ),
            );
            offered = channels::ranked(rp, &candidates);
        }
    }
    d.finish();

    let outcome = d.outcome;
    // The account's contact channels, always including the one being replaced: an attacker
    // who holds the new address must not be the only one told.
    let notify: Vec<RecoveryChannel> = if outcome == Outcome::StepUp {
        Vec::new()
    } else {
        let mut contacts = channels::contacts(&held);
        if let Some(old) = replaced.filter(|_| matches!(change, ChangeKind::Email | ChangeKind::Phone)) {
            contacts.insert(old);
        }
        contacts.iter().collect()
    };
    let mut events: Vec<&'static str> = Vec::new();
    if outcome == Outcome::Allow {
        match change {
            ChangeKind::Email | ChangeKind::Phone => {
                events.push(RECOVERY_INFORMATION_CHANGED);
            }
            ChangeKind::Mfa => {
                events.push(CREDENTIAL_CHANGE);
            }
            ChangeKind::Password => {
                events.extend([CREDENTIAL_CHANGE, SESSION_REVOKED]);
            }
            ChangeKind::PayoutDestination => {}
        }
    }
    Ok(ChangeDecision {
        outcome,
        retry_after: d.retry_after.filter(|_| outcome == Outcome::Deny),
        reasons: d.reasons,
        offered: if outcome == Outcome::StepUp { offered } else { Vec::new() },
        notify,
        events: {
            sort_dedup(&mut events);
            events
        },
        policy: PolicyRef { name: &policy.name, version: &policy.revision },
    })
}
