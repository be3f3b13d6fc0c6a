//! Which recovery channels an account has, which of them the policy offers, how they rank,
//! which are independent of each other, and which of them reach the customer with a notice.

use crate::api::{Lost, RecoveryAccount};
use crate::collections::{sort_by_key, EnumSet};
use crate::policy::recovery::{Anchor, RecoveryChannel, RecoveryPolicy};
use crate::policy::Factor;

/// A set of channels, iterated in declaration order.
pub type Channels = EnumSet<RecoveryChannel>;

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
pub fn held(account: &RecoveryAccount) -> Channels {
    let mut set: Channels = account.channels.iter().copied().collect();
    // A phone number on record takes a voice call as well as an SMS.
    if set.contains(RecoveryChannel::Sms) {
        set.insert(RecoveryChannel::Voice);
    }
    for factor in &account.factors {
        set.extend(implied_by(*factor).iter().copied());
    }
    set
}

/// Whether the policy offers `channel` at all.
pub fn policy_offers(policy: &RecoveryPolicy, channel: RecoveryChannel) -> bool {
    policy.channels.contains_key(&channel) && (policy.self_service || channel == RecoveryChannel::Support)
}

/// Channels usable now: held by the account (support needs nothing enrolled), offered by the
/// policy, not depending on what was lost.
pub fn usable(policy: &RecoveryPolicy, held: &Channels, lost: Option<Lost>) -> Channels {
    let lost_anchors = lost.map_or(&[][..], Lost::anchors);
    held.iter()
        .chain(std::iter::once(RecoveryChannel::Support))
        .filter(|c| policy_offers(policy, *c) && !lost_anchors.contains(&c.anchor()))
        .collect()
}

/// `channels` least friction first (ties in declaration order).
pub fn ranked(policy: &RecoveryPolicy, channels: &Channels) -> Vec<RecoveryChannel> {
    let mut list: Vec<RecoveryChannel> = channels.iter().collect();
    // `channels` iterates in declaration order and the sort is stable, so ties keep it.
    sort_by_key(&mut list, |c| policy.channels.get(c).map_or(u8::MAX, |rule| rule.friction));
    list
}

/// Channels in `from` whose anchor is not among `used`.
pub fn independent_of(from: &Channels, used: &[RecoveryChannel]) -> Channels {
    from.iter().filter(|c| !used.iter().any(|u| u.anchor() == c.anchor())).collect()
}

/// The strength proven by `channels` together: per anchor the strongest channel counts once,
/// so two codes to the same phone prove no more than one.
pub fn strength(policy: &RecoveryPolicy, channels: impl IntoIterator<Item = RecoveryChannel>) -> u32 {
    let mut best = [0u8; Anchor::COUNT];
    for channel in channels {
        if let (Some(rule), Some(slot)) = (policy.channels.get(&channel), best.get_mut(channel.anchor() as usize)) {
            *slot = (*slot).max(rule.strength);
        }
    }
    best.iter().map(|s| u32::from(*s)).sum()
}

/// Whether sign-in to the account uses a second factor (given, or derived from its factors).
pub fn has_second_factor(account: &RecoveryAccount) -> bool {
    account.second_factor.unwrap_or_else(|| {
        account.factors.iter().any(|f| matches!(f, Factor::Passkey | Factor::SecurityKey | Factor::Totp | Factor::Push | Factor::Sms))
    })
}

/// The channels that reach the customer with a notice: every mailbox and the phone (as SMS).
pub fn contacts(held: &Channels) -> Channels {
    held.iter()
        .filter_map(|c| match c {
            RecoveryChannel::Email | RecoveryChannel::SecondEmail => Some(c),
            RecoveryChannel::Sms | RecoveryChannel::Voice => Some(RecoveryChannel::Sms),
            _ => None,
        })
        .collect()
}
