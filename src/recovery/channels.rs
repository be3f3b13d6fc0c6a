//! Which recovery channels an account has, which of them the policy offers, how they rank,
//! which are independent of each other, and which of them reach the customer with a notice.

use crate::api::{Lost, RecoveryAccount};
use crate::policy::recovery::{Anchor, RecoveryChannel, RecoveryPolicy};
use crate::policy::Factor;
use std::collections::{BTreeMap, BTreeSet};

/// The channels an authenticator implies.
fn implied_by(factor: Factor) -> &'static [RecoveryChannel] {
    match factor {
        Factor::Sms => &[RecoveryChannel::Sms, RecoveryChannel::Voice],
        Factor::Email => &[RecoveryChannel::Email],
        Factor::Totp => &[RecoveryChannel::Totp],
        Factor::Passkey => &[RecoveryChannel::Passkey],
        Factor::RecoveryCode => &[RecoveryChannel::RecoveryCode],
        Factor::Password | Factor::SecurityKey | Factor::Push => &[],
    }
}

/// Every channel the account has, offered by the policy or not.
pub fn held(account: &RecoveryAccount) -> BTreeSet<RecoveryChannel> {
    let mut set: BTreeSet<RecoveryChannel> = account.channels.iter().copied().collect();
    // A phone number on record takes a voice call as well as an SMS.
    if set.contains(&RecoveryChannel::Sms) {
        set.insert(RecoveryChannel::Voice);
    }
    for factor in &account.factors {
        set.extend(implied_by(*factor).iter().copied());
    }
    set
}

/// Whether the policy offers `channel` at all.
pub fn policy_offers(policy: &RecoveryPolicy, channel: RecoveryChannel) -> bool {
    policy.channels.0.contains_key(&channel) && (policy.self_service || channel == RecoveryChannel::Support)
}

/// Channels usable now: held by the account (support needs nothing enrolled), offered by the
/// policy, not depending on what was lost.
pub fn usable(policy: &RecoveryPolicy, held: &BTreeSet<RecoveryChannel>, lost: Option<Lost>) -> BTreeSet<RecoveryChannel> {
    let lost_anchors = lost.map_or(&[][..], Lost::anchors);
    held.iter()
        .copied()
        .chain(std::iter::once(RecoveryChannel::Support))
        .filter(|c| policy_offers(policy, *c) && !lost_anchors.contains(&c.anchor()))
        .collect()
}

/// `channels` least friction first (ties in declaration order).
pub fn ranked(policy: &RecoveryPolicy, channels: impl IntoIterator<Item = RecoveryChannel>) -> Vec<RecoveryChannel> {
    let mut list: Vec<(u8, RecoveryChannel)> =
        channels.into_iter().map(|c| (policy.channels.0.get(&c).map_or(u8::MAX, |rule| rule.friction), c)).collect();
    list.sort();
    list.dedup();
    list.into_iter().map(|(_, c)| c).collect()
}

/// Channels in `from` whose anchor is not among `used`.
pub fn independent_of(from: &BTreeSet<RecoveryChannel>, used: &[RecoveryChannel]) -> BTreeSet<RecoveryChannel> {
    from.iter().copied().filter(|c| !used.iter().any(|u| u.anchor() == c.anchor())).collect()
}

/// The strength proven by `channels` together: per anchor the strongest channel counts once,
/// so two codes to the same phone prove no more than one.
pub fn strength(policy: &RecoveryPolicy, channels: impl IntoIterator<Item = RecoveryChannel>) -> u32 {
    let mut best: BTreeMap<Anchor, u8> = BTreeMap::new();
    for channel in channels {
        if let Some(rule) = policy.channels.0.get(&channel) {
            let entry = best.entry(channel.anchor()).or_insert(0);
            *entry = (*entry).max(rule.strength);
        }
    }
    best.values().map(|s| u32::from(*s)).sum()
}

/// Whether sign-in to the account uses a second factor (given, or derived from its factors).
pub fn has_second_factor(account: &RecoveryAccount) -> bool {
    account.second_factor.unwrap_or_else(|| {
        account.factors.iter().any(|f| matches!(f, Factor::Passkey | Factor::SecurityKey | Factor::Totp | Factor::Push | Factor::Sms))
    })
}

/// The channels that reach the customer with a notice: every mailbox and the phone (as SMS).
pub fn contacts(held: &BTreeSet<RecoveryChannel>) -> BTreeSet<RecoveryChannel> {
    held.iter()
        .filter_map(|c| match c {
            RecoveryChannel::Email | RecoveryChannel::SecondEmail => Some(*c),
            RecoveryChannel::Sms | RecoveryChannel::Voice => Some(RecoveryChannel::Sms),
            _ => None,
        })
        .collect()
}
