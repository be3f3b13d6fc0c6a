//! The hold after a recovery: until when sensitive actions and changes are denied. Shared by
//! [`crate::recovery::evaluate_change`] and the action evaluator ([`crate::evaluate`]).

use crate::policy::Policy;
use crate::signals::secs;
use crate::state::{EventType, HistoryRef};

/// The end of the hold started by the latest recovery at or before `now`, if it is still running.
pub fn hold_until(policy: &Policy, history: Option<&HistoryRef<'_>>, now: i64) -> Option<i64> {
    let recovered = history?.iter().filter(|e| e.kind == EventType::RecoverySuccess && e.at <= now).map(|e| e.at).max();
    until(policy, recovered, now)
}

/// The end of the hold started by a recovery at `recovered`, if it is still running at `now`.
pub fn until(policy: &Policy, recovered: Option<i64>, now: i64) -> Option<i64> {
    let until = recovered?.saturating_add(secs(policy.recovery.hold.duration));
    (until > now).then_some(until)
}

/// Whether the hold restricts `action` (at `amount`, for actions held above an amount).
pub fn restricts(policy: &Policy, action: &str, amount: Option<f64>) -> bool {
    let hold = &policy.recovery.hold;
    hold.actions.iter().any(|a| a == action) || hold.amount_over.get(action).is_some_and(|over| amount.is_some_and(|x| x > *over))
}

/// For the action evaluator: the seconds left in the hold, when `action` is held now and the
/// last recovery was `since_recovery` seconds ago.
pub fn action_hold(policy: &Policy, action: &str, amount: Option<f64>, since_recovery: Option<u64>, now: i64) -> Option<u64> {
    if !restricts(policy, action, amount) {
        return None;
    }
    let recovered = since_recovery.and_then(|since| i64::try_from(since).ok()).map(|since| now - since);
    until(policy, recovered, now).map(|until| crate::signals::elapsed(until, now))
}
