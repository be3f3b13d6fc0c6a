//! Which factors a step-up may ask for: those the account actually has, that the policy
//! accepts at the required level, least friction first (a passkey before TOTP before codes).

use crate::policy::{Factor, Policy};

/// Factors for a step-up to `required_aal`. `account_factors` empty means the account is
/// unknown (or not yet identified): offer what the policy accepts, so the answer does not
/// reveal whether the account exists. A breached password is never offered; recovery codes
/// are kept for recovery.
pub fn eligible(policy: &Policy, account_factors: &[Factor], required_aal: u8, password_breached: bool) -> Vec<Factor> {
    let candidates: Vec<Factor> = if account_factors.is_empty() { Factor::ALL.to_vec() } else { account_factors.to_vec() };
    let mut ranked: Vec<(u8, Factor)> = candidates
        .into_iter()
        .filter(|f| *f != Factor::RecoveryCode && !(password_breached && *f == Factor::Password))
        .filter_map(|f| policy.factors.0.get(&f).filter(|rule| rule.aal >= required_aal).map(|rule| (rule.friction, f)))
        .collect();
    ranked.sort();
    ranked.dedup();
    ranked.into_iter().map(|(_, f)| f).collect()
}
