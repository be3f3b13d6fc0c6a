//! Attempt budgets: how many `recovery_attempt` events a channel (per account) or a source IP
//! (across accounts) has spent in its sliding window, the cooldown with back-off between
//! attempts, and when the next attempt is possible.

use crate::policy::recovery::{Budget, ChannelPolicy};
use crate::signals::secs;
use crate::state::{EventType, HistoryRef};

/// Times of the counted attempts, oldest first: `recovery_attempt` events at or before `now`,
/// inside the window, on `channel` when given, and after the last completed recovery when
/// `reset_on_success` (a customer who got back in starts afresh; a source IP does not).
pub fn attempts(history: Option<&HistoryRef<'_>>, now: i64, window: u64, channel: Option<&str>, reset_on_success: bool) -> Vec<i64> {
    let Some(history) = history else { return Vec::new() };
    let start = now.saturating_sub(secs(window));
    let reset = if reset_on_success {
        history.iter().filter(|e| e.kind == EventType::RecoverySuccess && e.at <= now).map(|e| e.at).max()
    } else {
        None
    };
    history
        .iter()
        .filter(|e| e.kind == EventType::RecoveryAttempt && e.at <= now && e.at > start)
        .filter(|e| channel.is_none_or(|c| e.channel == Some(c)))
        .filter(|e| reset.is_none_or(|r| e.at > r))
        .map(|e| e.at)
        .collect()
}

/// Attempts left in a window of `allowed` after `times`.
pub fn left(allowed: u32, times: &[i64]) -> u32 {
    allowed.saturating_sub(u32::try_from(times.len()).unwrap_or(u32::MAX))
}

/// Seconds until the window frees an attempt, when `times` spend the whole budget.
pub fn exhausted_wait(budget: &Budget, times: &[i64], now: i64) -> Option<u64> {
    exhausted_after(budget.attempts, budget.window, times, now)
}

/// [`exhausted_wait`] for `attempts` per `window`.
pub fn exhausted_after(attempts: u32, window: u64, times: &[i64], now: i64) -> Option<u64> {
    let allowed = usize::try_from(attempts).unwrap_or(usize::MAX);
    let excess = times.len().checked_sub(allowed)?;
    let frees_at = times.get(excess)?.saturating_add(secs(window));
    u64::try_from(frees_at.saturating_sub(now)).ok().filter(|w| *w > 0)
}

/// Seconds of cooldown left after `times`: `cooldown × backoff^(n−1)`, capped, from the last attempt.
pub fn cooldown_wait(rule: &ChannelPolicy, times: &[i64], now: i64) -> Option<u64> {
    let last = *times.last()?;
    let n = u32::try_from(times.len()).unwrap_or(u32::MAX);
    let growth = u64::from(rule.backoff).checked_pow(n.saturating_sub(1)).unwrap_or(u64::MAX);
    let wait = rule.cooldown.saturating_mul(growth).min(rule.max_cooldown.max(rule.cooldown));
    let since = crate::signals::elapsed(now, last);
    wait.checked_sub(since).filter(|w| *w > 0)
}
