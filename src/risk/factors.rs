//! Which factors a step-up may ask for: those the account actually has, that the policy
//! accepts at the required level, least friction first (a passkey before TOTP before codes).

use crate::json::{JsonWriter, ToJson};
use crate::policy::{Factor, Policy};

/// Factors the account has that reach the assurance asked for, least friction first. A
/// short list held inline (there are eight factors), so a decision allocates nothing for it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FactorList {
    items: [Factor; 8],
    len: usize,
}

impl core::ops::Deref for FactorList {
    type Target = [Factor];
    fn deref(&self) -> &[Factor] {
        self.items.get(..self.len).unwrap_or_default()
    }
}

impl core::fmt::Debug for FactorList {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl ToJson for FactorList {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        (**self).write_json(w);
    }
}

/// Factors for a step-up to `required_aal`. `account_factors` empty means the account is
/// unknown (or not yet identified): offer what the policy accepts, so the answer does not
/// reveal whether the account exists. A breached password is never offered; recovery codes
/// are kept for recovery.
pub fn eligible(policy: &Policy, account_factors: &[Factor], required_aal: u8, password_breached: bool) -> FactorList {
    let candidates: &[Factor] = if account_factors.is_empty() { &Factor::ALL } else { account_factors };
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
    let mut list = FactorList { items: [Factor::Password; 8], len };
    for (slot, (_, factor)) in list.items.iter_mut().zip(chosen.iter()) {
        *slot = *factor;
    }
    list
}

impl<'a> IntoIterator for &'a FactorList {
    type Item = &'a Factor;
    type IntoIter = core::slice::Iter<'a, Factor>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
