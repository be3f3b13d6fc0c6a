//! The decision for one action attempt: signals → explainable score → outcome.
//!
//! Outcomes combine by severity (allow < step_up < throttle < deny), so each rule can only
//! make a decision stricter. That is what makes the engine monotone: raising any risk
//! signal can never lower the assurance asked for or turn a step-up into an allow.
//!
//! Deciding allocates only the decision's two short lists (reasons and step-up factors):
//! messages are data ([`Message`]) written out with the decision, and the strings a
//! decision names are borrowed from the policy.

mod challenge;
mod factors;
mod messages;
mod reasons;

use crate::api::{Anonymizer, Attempt, Decision, EvaluateRequest, PolicyRef, Reason, Risk, RiskLevel, StepUp};
use crate::error::{Error, ErrorCode, Result};
use crate::policy::{ActionKind, ActionPolicy, AmountBand, Backoff, Outcome, Policy, Tier};
use crate::signals::{Facts, Failures};
use crate::text;

pub use challenge::Challenge;
pub use factors::{eligible as eligible_factors, FactorList};
pub use messages::Message;
pub use reasons::ReasonCode;

/// NIST SP 800-63B-4 reauthentication limits per assurance level, seconds.
pub const NIST_MAX_AUTH_AGE: [u64; 4] = [30 * 86_400, 30 * 86_400, 24 * 3600, 12 * 3600];

/// Decide one attempt. Bad input is an error, never a guess.
pub fn evaluate<'p>(policy: &'p Policy, request: &EvaluateRequest) -> Result<Decision<'p>> {
    request.validate()?;
    request.with_attempt(|attempt| decide(policy, attempt))
}

/// Decide a checked [`Attempt`] (see [`Attempt::check_fields`]; its histories validated as
/// they were read). What [`evaluate`] and the JS boundary both call.
pub(crate) fn decide<'p>(policy: &'p Policy, request: &Attempt<'_>) -> Result<Decision<'p>> {
    let (action_name, action) = lookup_action(policy, request.action)?;
    let band = amount_band(policy, action, request)?;
    let facts = Facts::derive(policy, request);
    let mut d = Draft::default();

    score_signals(policy, action, request, &facts, band, &mut d);
    let score = u8::try_from(d.points.min(100)).unwrap_or(100);
    let level = level_for(policy, score);

    // Hard stops.
    if let Some(lock) = &policy.throttle.lockout {
        if action.kind != ActionKind::SignUp && facts.lockout_failures >= lock.after_failures {
            d.decide(Outcome::Deny);
            d.note(ReasonCode::AccountLocked, Message::AccountLocked { failures: facts.lockout_failures });
        }
    }
    if action.managed_device_required && request.device.and_then(|x| x.managed) != Some(true) {
        d.decide(Outcome::Deny);
        d.note(ReasonCode::UnmanagedDevice, Message::UnmanagedDevice { action: action_name });
    }
    if score >= policy.risk.deny_at {
        d.decide(Outcome::Deny);
        d.note(ReasonCode::RiskTooHigh, Message::RiskTooHigh { score, deny_at: policy.risk.deny_at });
    }

    // Throttles: the attacker's device and address wait; the customer's known device does not.
    if action.kind != ActionKind::SignUp {
        if let Some(wait) = backoff_wait(&policy.throttle.account_device, facts.device_failures, request.now) {
            d.throttle(wait);
            d.note(ReasonCode::DeviceThrottled, Message::DeviceThrottled { failures: facts.device_failures.count, wait });
        }
    }
    // The address rule is for stuffing from unknown devices; a customer's known device behind
    // the same address (a shared NAT, an office) keeps working.
    if action.kind != ActionKind::Session && !facts.device_known {
        if let Some(wait) = backoff_wait(&policy.throttle.source_ip, facts.ip_failures, request.now) {
            d.throttle(wait);
            d.note(ReasonCode::IpThrottled, Message::IpThrottled { failures: facts.ip_failures.count, wait });
        }
    }

    let step_up = match requirement(policy, action_name, action, request, band, score, &mut d) {
        Some(step) if step.factors.is_empty() => {
            d.decide(Outcome::Deny);
            d.note(ReasonCode::NoEligibleFactor, Message::NoEligibleFactor { aal: step.aal });
            None
        }
        Some(step) => {
            d.decide(Outcome::StepUp);
            Some(step)
        }
        None => None,
    };

    // A recent recovery holds restricted actions: deny, and say when the hold ends unless
    // something else denies the attempt regardless.
    let amount = request.transaction.map(|t| t.amount);
    let mut hold_wait = None;
    if let Some(wait) = crate::recovery::hold::action_hold(policy, action_name, amount, facts.since_recovery, request.now) {
        hold_wait = (d.outcome != Outcome::Deny).then_some(wait);
        d.decide(Outcome::Deny);
        d.note(ReasonCode::RecoveryHold, Message::RecoveryHold { action: action_name, wait });
    }

    let outcome = d.outcome;
    let step_up = step_up.filter(|_| outcome == Outcome::StepUp);
    let challenge = step_up.as_ref().map(|s| Challenge { action: action_name, aal: s.aal, acr: s.acr, max_age: s.max_age });
    let retry_after = d.retry_after.filter(|_| outcome == Outcome::Throttle).or(hold_wait);
    // Stable: codes are unique per decision, so the order is fully determined by the code.
    crate::collections::sort_by_key(&mut d.reasons, |r| r.code);
    Ok(Decision {
        outcome,
        risk: Risk { score, level },
        reasons: d.reasons,
        step_up,
        challenge,
        retry_after,
        policy: PolicyRef { name: &policy.name, version: &policy.revision },
    })
}

/// The action from the catalog with its name as the policy spells it, or `unknown_action`
/// naming some that exist.
pub fn lookup_action<'p>(policy: &'p Policy, name: &str) -> Result<(&'p str, &'p ActionPolicy)> {
    match policy.actions.get_key_value(name) {
        Some((name, action)) => Ok((name.as_str(), action)),
        None => {
            let mut known = String::new();
            for (i, action) in policy.actions.keys().take(24).enumerate() {
                if i > 0 {
                    known.push_str(", ");
                }
                known.push_str(action);
            }
            Err(Error::new(
                ErrorCode::UnknownAction,
                "/action",
                text!("`", crate::json::short(name), "` is not in the ", policy.name, " policy's action catalog; known actions: ", known),
            ))
        }
    }
}

/// Outcome and reasons as they accumulate; the outcome only ever gets stricter.
struct Draft<'p> {
    outcome: Outcome,
    retry_after: Option<u64>,
    reasons: Vec<Reason<'p>>,
    points: u32,
}

impl Default for Draft<'_> {
    fn default() -> Self {
        Draft { outcome: Outcome::Allow, retry_after: None, reasons: Vec::new(), points: 0 }
    }
}

impl<'p> Draft<'p> {
    fn decide(&mut self, outcome: Outcome) {
        if outcome.severity() > self.outcome.severity() {
            self.outcome = outcome;
        }
    }

    fn throttle(&mut self, wait: u64) {
        self.decide(Outcome::Throttle);
        self.retry_after = Some(self.retry_after.map_or(wait, |w| w.max(wait)));
    }

    fn note(&mut self, code: ReasonCode, message: Message<'p>) {
        self.reasons.push(Reason { code, points: 0, message });
    }

    fn signal(&mut self, code: ReasonCode, points: u8, message: Message<'p>) {
        self.points = self.points.saturating_add(u32::from(points));
        self.reasons.push(Reason { code, points, message });
    }
}

fn amount_band<'p>(policy: &Policy, action: &'p ActionPolicy, request: &Attempt<'_>) -> Result<Option<&'p AmountBand>> {
    let Some(transaction) = &request.transaction else { return Ok(None) };
    if action.amount_bands.is_empty() {
        return Ok(None);
    }
    if transaction.currency != policy.currency {
        return Err(Error::new(
            ErrorCode::CurrencyMismatch,
            "/transaction/currency",
            text!("amount bands are in ", policy.currency, "; convert the amount before evaluating"),
        ));
    }
    Ok(action.amount_bands.iter().rev().find(|band| transaction.amount > band.over))
}

fn score_signals<'p>(
    policy: &'p Policy,
    action: &ActionPolicy,
    request: &Attempt<'_>,
    facts: &Facts,
    band: Option<&AmountBand>,
    d: &mut Draft<'p>,
) {
    let s = &policy.signals;
    let sensitive = action.tier >= Tier::High;
    let has_account_history = request.history.is_some_and(|h| !h.is_empty());

    if let Some(band) = band {
        d.signal(ReasonCode::AmountBand, band.points, Message::AmountBand { over: band.over, currency: &policy.currency });
    }
    if let Some(bot) = request.device.and_then(|x| x.bot_score) {
        if bot >= f64::from(s.bot.deny_at) {
            d.decide(Outcome::Deny);
            d.signal(ReasonCode::BotDetected, s.bot.points, Message::Bot { score: bot, threshold: s.bot.deny_at });
        } else if bot >= f64::from(s.bot.suspect_at) {
            d.signal(ReasonCode::BotSuspected, s.bot.points, Message::Bot { score: bot, threshold: s.bot.suspect_at });
        }
    }
    let travel = &s.impossible_travel;
    let impossible =
        facts.travel.filter(|t| t.distance_km >= f64::from(travel.min_distance_km) && t.speed_kmh > f64::from(travel.max_speed_kmh));
    if let Some(t) = impossible {
        // Rounded half to even, as `{:.0}` writes it.
        let km = t.distance_km.round_ties_even();
        d.signal(
            ReasonCode::ImpossibleTravel,
            travel.points,
            Message::ImpossibleTravel { km, elapsed: t.elapsed, max_speed: travel.max_speed_kmh },
        );
    } else if facts.new_country {
        d.signal(ReasonCode::NewCountry, s.new_country.points, Message::NewCountry);
    }
    if let Some(network) = &request.network {
        if let Some(risk) = network.ip_risk {
            if risk >= f64::from(s.ip_risk.high_at) {
                d.signal(ReasonCode::IpRiskHigh, s.ip_risk.high_points, Message::IpRisk { risk, threshold: s.ip_risk.high_at });
            } else if risk >= f64::from(s.ip_risk.medium_at) {
                d.signal(ReasonCode::IpRiskMedium, s.ip_risk.medium_points, Message::IpRisk { risk, threshold: s.ip_risk.medium_at });
            }
        }
        let anonymizer = match network.anonymizer {
            Some(Anonymizer::Vpn) => Some((ReasonCode::AnonymizerVpn, s.anonymizer.vpn, "a VPN")),
            Some(Anonymizer::Proxy) => Some((ReasonCode::AnonymizerProxy, s.anonymizer.proxy, "a proxy")),
            Some(Anonymizer::Tor) => Some((ReasonCode::AnonymizerTor, s.anonymizer.tor, "Tor")),
            Some(Anonymizer::Hosting) => Some((ReasonCode::AnonymizerHosting, s.anonymizer.hosting, "a hosting provider")),
            Some(Anonymizer::None) | None => None,
        };
        if let Some((code, base, what)) = anonymizer {
            let extra = if sensitive { s.anonymizer.sensitive_extra } else { 0 };
            d.signal(code, base.saturating_add(extra), Message::Anonymizer { what, sensitive });
        }
    }
    if request.account.is_some_and(|a| a.breached) {
        d.signal(ReasonCode::BreachedPassword, s.breached_password.points, Message::BreachedPassword);
    }
    let device_id_given = request.device.is_some_and(|x| x.id.is_some() || x.known.is_some());
    if !facts.device_known && action.kind != ActionKind::SignUp && (device_id_given || has_account_history) {
        d.signal(ReasonCode::NewDevice, s.new_device.points, Message::NewDevice);
        if facts.failures_elsewhere >= s.failure_velocity.failures {
            d.signal(
                ReasonCode::AccountUnderAttack,
                s.failure_velocity.points,
                Message::AccountUnderAttack { failures: facts.failures_elsewhere, window: s.failure_velocity.window },
            );
        }
    }
    if let Some(away) = facts.inactive_for.filter(|away| *away >= s.inactivity.after) {
        d.signal(ReasonCode::InactiveAccount, s.inactivity.points, Message::InactiveAccount { away });
    }
    if let Some(age) = facts.account_age.filter(|age| *age < s.account_age.under && action.tier >= s.account_age.min_tier) {
        d.signal(ReasonCode::NewAccount, s.account_age.points, Message::NewAccount { age });
    }
    if let Some(since) = facts.since_recovery.filter(|since| *since < s.recent_recovery.within) {
        d.signal(ReasonCode::RecentRecovery, s.recent_recovery.points, Message::RecentRecovery { since });
    }
    if let Some(since) = facts.since_credential_change.filter(|since| *since < s.recent_credential_change.within) {
        d.signal(ReasonCode::RecentCredentialChange, s.recent_credential_change.points, Message::RecentCredentialChange { since });
    }
}

/// The assurance the action needs now, or `None` when the session already meets it.
fn requirement<'p>(
    policy: &'p Policy,
    action_name: &'p str,
    action: &'p ActionPolicy,
    request: &Attempt<'_>,
    band: Option<&AmountBand>,
    score: u8,
    d: &mut Draft<'p>,
) -> Option<StepUp<'p>> {
    let base_aal = band.map_or(action.required_aal, |b| b.required_aal.max(action.required_aal));
    let mut aal = base_aal;
    if aal > 0 && score >= policy.risk.step_up_at && policy.risk.step_up_aal > aal {
        aal = policy.risk.step_up_aal;
        d.note(ReasonCode::RiskStepUp, Message::RiskStepUp { score, step_up_at: policy.risk.step_up_at, aal });
    }
    let breached = request.account.is_some_and(|a| a.breached);
    if aal > 0 && breached {
        aal = aal.max(2);
    }
    if aal == 0 {
        return None;
    }
    let mut max_age = band.map_or(action.max_auth_age, |b| b.max_auth_age.min(action.max_auth_age));
    max_age = max_age.min(NIST_MAX_AUTH_AGE.get(usize::from(aal)).copied().unwrap_or(12 * 3600));
    if score >= policy.risk.fresh_auth_at {
        max_age = max_age.min(policy.risk.fresh_auth_max_age);
    }
    match &request.session {
        None => d.note(ReasonCode::InsufficientAssurance, Message::NoSession { action: action_name, aal }),
        Some(session) if session.aal < aal => {
            d.note(ReasonCode::InsufficientAssurance, Message::WeakSession { action: action_name, aal, session_aal: session.aal });
        }
        Some(session) => {
            let age = crate::signals::elapsed(request.now, session.auth_time);
            if age <= max_age {
                return None;
            }
            d.note(ReasonCode::AuthenticationTooOld, Message::AuthenticationTooOld { action: action_name, age, max_age });
        }
    }
    let account_factors = request.account.map_or(&[][..], |a| a.factors);
    let acr = match (aal == action.required_aal, &action.acr) {
        (true, Some(acr)) => acr.as_str(),
        _ => policy.acr_for(aal),
    };
    Some(StepUp { aal, acr, max_age, factors: eligible_factors(policy, account_factors, aal, breached) })
}

/// Seconds to wait under `rule` after `failures`, if any: the first `freeFailures` cost
/// nothing, then `baseDelay × factor^(extra − 1)`, capped at `maxDelay`, from the last failure.
pub fn backoff_wait(rule: &Backoff, failures: Failures, now: i64) -> Option<u64> {
    let extra = failures.count.checked_sub(rule.free_failures).filter(|extra| *extra > 0)?;
    let growth = u64::from(rule.factor).checked_pow(extra - 1).unwrap_or(u64::MAX);
    let delay = rule.base_delay.saturating_mul(growth).min(rule.max_delay);
    let since_last = crate::signals::elapsed(now, failures.last_at?);
    delay.checked_sub(since_last).filter(|wait| *wait > 0)
}

fn level_for(policy: &Policy, score: u8) -> RiskLevel {
    let r = &policy.risk;
    if score >= r.critical {
        RiskLevel::Critical
    } else if score >= r.high {
        RiskLevel::High
    } else if score >= r.medium {
        RiskLevel::Medium
    } else {
        RiskLevel::Low
    }
}
