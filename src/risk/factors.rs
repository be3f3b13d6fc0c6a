//! Which factors a step-up may ask for: those the account actually has, that the policy
//! accepts at the required level, least friction first (a passkey before TOTP before codes).

use crate::policy::{Factor, Policy};

/// Factors for a step-up to `required_aal`. `account_factors` empty means the account is
/// unknown (or not yet identified): offer what the policy accepts, so the answer does not
/// reveal whether the account exists. A breached password is never offered; recovery codes
/// are kept for recovery.
pub fn eligible(policy: &Policy, account_factors: &[Factor], required_aal: u8, password_breached: bool) -> Vec<Factor> {
    let candidates: &[Factor] = if account_factors.is_empty() { &Factor::ALL } else { account_factors };
    // At most eight factors: sort (friction, factor) pairs on the stack.
    let mut ranked: [(u8, Factor); 8] = [(u8::MAX, Factor::Password); 8];
    let mut len = 0;
    for factor in candidates {
        if *factor == Factor::RecoveryCode || (password_breached && *factor == Factor::Password) {
            continue;
        }
        let Some(rule) = policy.factors.get(factor).filter(|rule| rule.aal >= required_aal) else { continue };
        let entry = (rule.friction, *factor);
        if ranked.iter().take(len).any(|e| *e == entry) {
            continue;
        }
        if let Some(slot) = ranked.get_mut(len) {
            *slot = entry;
            len += 1;
        }
    }
    let chosen = ranked.get_mut(..len).unwrap_or_default();
    crate::collections::sort(chosen);
    chosen.iter().map(|(_, factor)| *factor).collect()
}
