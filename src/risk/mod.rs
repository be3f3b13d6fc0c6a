//! The decision for one action attempt: signals → explainable score → outcome.
//!
//! Outcomes combine by severity (allow < step_up < throttle < deny), so each rule can only
//! make a decision stricter. That is what makes the engine monotone: raising any risk
//! signal can never lower the assurance asked for or turn a step-up into an allow.

mod challenge;
mod factors;
mod reasons;

use crate::api::{Anonymizer, Decision, EvaluateRequest, PolicyRef, Prevalidated, Reason, Risk, RiskLevel, StepUp};
use crate::error::{Error, ErrorCode, Result};
use crate::policy::{ActionKind, ActionPolicy, AmountBand, Backoff, Factor, Outcome, Policy, Tier};
use crate::signals::{Facts, Failures};

pub use challenge::rfc9470;
pub use factors::eligible as eligible_factors;
pub use reasons::{duration_text, ReasonCode};

/// NIST SP 800-63B-4 reauthentication limits per assurance level, seconds.
pub const NIST_MAX_AUTH_AGE: [u64; 4] = [30 * 86_400, 30 * 86_400, 24 * 3600, 12 * 3600];

/// Decide one attempt. Bad input is an error, never a guess.
pub fn evaluate(policy: &Policy, request: &EvaluateRequest) -> Result<Decision> {
    evaluate_prevalidated(policy, request, Prevalidated::default())
}

/// [`evaluate`] for a request whose histories `known` marks were validated already (decoded
/// from bytes): the same decision, without checking those histories a second time.
pub fn evaluate_prevalidated(policy: &Policy, request: &EvaluateRequest, known: Prevalidated) -> Result<Decision> {
    request.validate_except(known)?;
    let action = lookup_action(policy, &request.action)?;
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
            d.note(
                ReasonCode::AccountLocked,
                0,
                format!("{} failed attempts locked the account; only an administrator can unlock it", facts.lockout_failures),
            );
        }
    }
    if action.managed_device_required && request.device.as_ref().and_then(|x| x.managed) != Some(true) {
        d.decide(Outcome::Deny);
        d.note(ReasonCode::UnmanagedDevice, 0, format!("{} needs a managed device", request.action));
    }
    if score >= policy.risk.deny_at {
        d.decide(Outcome::Deny);
        d.note(ReasonCode::RiskTooHigh, 0, format!("risk score {score} reaches the deny threshold {}", policy.risk.deny_at));
    }

    // Throttles: the attacker's device and address wait; the customer's known device does not.
    if action.kind != ActionKind::SignUp {
        if let Some(wait) = backoff_wait(&policy.throttle.account_device, facts.device_failures, request.now) {
            d.throttle(wait);
            d.note(
                ReasonCode::DeviceThrottled,
                0,
                format!("{} recent failures from this device; retry in {}", facts.device_failures.count, duration_text(wait)),
            );
        }
    }
    // The address rule is for stuffing from unknown devices; a customer's known device behind
    // the same address (a shared NAT, an office) keeps working.
    if action.kind != ActionKind::Session && !facts.device_known {
        if let Some(wait) = backoff_wait(&policy.throttle.source_ip, facts.ip_failures, request.now) {
            d.throttle(wait);
            d.note(
                ReasonCode::IpThrottled,
                0,
                format!("{} recent failures from this address; retry in {}", facts.ip_failures.count, duration_text(wait)),
            );
        }
    }

    let step_up = match requirement(policy, action, request, band, score, &mut d) {
        Some(step) if step.factors.is_empty() => {
            d.decide(Outcome::Deny);
            d.note(ReasonCode::NoEligibleFactor, 0, format!(
                "AAL{} is needed but the account has no factor that reaches it; enrol a passkey or authenticator app, or recover the account",
                step.aal
            ));
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
    let amount = request.transaction.as_ref().map(|t| t.amount);
    let mut hold_wait = None;
    if let Some(wait) = crate::recovery::hold::action_hold(policy, &request.action, amount, request.history.as_ref(), request.now) {
        hold_wait = (d.outcome != Outcome::Deny).then_some(wait);
        d.decide(Outcome::Deny);
        d.note(
            ReasonCode::RecoveryHold,
            0,
            format!("the account was recovered recently; {} is held for {}", request.action, duration_text(wait)),
        );
    }

    let outcome = d.outcome;
    let step_up = step_up.filter(|_| outcome == Outcome::StepUp);
    let challenge = step_up.as_ref().map(|s| rfc9470(&request.action, s.aal, &s.acr, s.max_age));
    let retry_after = d.retry_after.filter(|_| outcome == Outcome::Throttle).or(hold_wait);
    d.reasons.sort_by_key(|r| r.code);
    Ok(Decision {
        outcome,
        risk: Risk { score, level },
        reasons: d.reasons,
        step_up,
        challenge,
        retry_after,
        policy: PolicyRef { name: policy.name.clone(), version: policy.revision.clone() },
    })
}

/// The action from the catalog, or `unknown_action` naming some that exist.
pub fn lookup_action<'p>(policy: &'p Policy, name: &str) -> Result<&'p ActionPolicy> {
    policy.action(name).ok_or_else(|| {
        let known: Vec<&str> = policy.actions.0.keys().take(24).map(String::as_str).collect();
        Error::new(
            ErrorCode::UnknownAction,
            "/action",
            format!(
                "`{}` is not in the {} policy's action catalog; known actions: {}",
                name.chars().take(64).collect::<String>(),
                policy.name,
                known.join(", ")
            ),
        )
    })
}

/// Outcome and reasons as they accumulate; the outcome only ever gets stricter.
struct Draft {
    outcome: Outcome,
    retry_after: Option<u64>,
    reasons: Vec<Reason>,
    points: u32,
}

impl Default for Draft {
    fn default() -> Self {
        Draft { outcome: Outcome::Allow, retry_after: None, reasons: Vec::new(), points: 0 }
    }
}

impl Draft {
    fn decide(&mut self, outcome: Outcome) {
        if outcome.severity() > self.outcome.severity() {
            self.outcome = outcome;
        }
    }

    fn throttle(&mut self, wait: u64) {
        self.decide(Outcome::Throttle);
        self.retry_after = Some(self.retry_after.map_or(wait, |w| w.max(wait)));
    }

    fn note(&mut self, code: ReasonCode, points: u8, message: String) {
        self.reasons.push(Reason { code, points, message });
    }

    fn signal(&mut self, code: ReasonCode, points: u8, message: String) {
        self.points = self.points.saturating_add(u32::from(points));
        self.note(code, points, message);
    }
}

fn amount_band<'p>(policy: &Policy, action: &'p ActionPolicy, request: &EvaluateRequest) -> Result<Option<&'p AmountBand>> {
    let Some(transaction) = &request.transaction else { return Ok(None) };
    if action.amount_bands.is_empty() {
        return Ok(None);
    }
    if transaction.currency != policy.currency {
        return Err(Error::new(
            ErrorCode::CurrencyMismatch,
            "/transaction/currency",
            format!("amount bands are in {}; convert the amount before evaluating", policy.currency),
        ));
    }
    Ok(action.amount_bands.iter().rev().find(|band| transaction.amount > band.over))
}

fn score_signals(
    policy: &Policy,
    action: &ActionPolicy,
    request: &EvaluateRequest,
    facts: &Facts,
    band: Option<&AmountBand>,
    d: &mut Draft,
) {
    let s = &policy.signals;
    let sensitive = action.tier >= Tier::High;
    let has_account_history = request.history.as_ref().is_some_and(|h| h.last_success_at.is_some() || !h.events.is_empty());

    if let Some(band) = band {
        d.signal(ReasonCode::AmountBand, band.points, format!("amount over {} {} needs stricter assurance", band.over, policy.currency));
    }
    if let Some(bot) = request.device.as_ref().and_then(|x| x.bot_score) {
        if bot >= f64::from(s.bot.deny_at) {
            d.decide(Outcome::Deny);
            d.signal(ReasonCode::BotDetected, s.bot.points, format!("bot score {bot} is at or above {}", s.bot.deny_at));
        } else if bot >= f64::from(s.bot.suspect_at) {
            d.signal(ReasonCode::BotSuspected, s.bot.points, format!("bot score {bot} is at or above {}", s.bot.suspect_at));
        }
    }
    let travel = &s.impossible_travel;
    let impossible =
        facts.travel.filter(|t| t.distance_km >= f64::from(travel.min_distance_km) && t.speed_kmh > f64::from(travel.max_speed_kmh));
    if let Some(t) = impossible {
        d.signal(
            ReasonCode::ImpossibleTravel,
            travel.points,
            format!(
                "{:.0} km from the last sign-in {} ago, faster than {} km/h",
                t.distance_km,
                duration_text(t.elapsed),
                travel.max_speed_kmh
            ),
        );
    } else if facts.new_country {
        d.signal(ReasonCode::NewCountry, s.new_country.points, "a country not seen in recent sign-ins (plausible travel)".into());
    }
    if let Some(network) = &request.network {
        if let Some(risk) = network.ip_risk {
            if risk >= f64::from(s.ip_risk.high_at) {
                d.signal(
                    ReasonCode::IpRiskHigh,
                    s.ip_risk.high_points,
                    format!("IP reputation {risk} is at or above {}", s.ip_risk.high_at),
                );
            } else if risk >= f64::from(s.ip_risk.medium_at) {
                d.signal(
                    ReasonCode::IpRiskMedium,
                    s.ip_risk.medium_points,
                    format!("IP reputation {risk} is at or above {}", s.ip_risk.medium_at),
                );
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
            let suffix = if sensitive { " on a sensitive action" } else { "" };
            d.signal(code, base.saturating_add(extra), format!("request through {what}{suffix}"));
        }
    }
    if request.account.as_ref().is_some_and(|a| a.breached) {
        d.signal(
            ReasonCode::BreachedPassword,
            s.breached_password.points,
            "the password appears in a breach corpus; another factor is needed".into(),
        );
    }
    let device_id_given = request.device.as_ref().is_some_and(|x| x.id.is_some() || x.known.is_some());
    if !facts.device_known && action.kind != ActionKind::SignUp && (device_id_given || has_account_history) {
        d.signal(ReasonCode::NewDevice, s.new_device.points, "no successful sign-in from this device within the policy window".into());
        if facts.failures_elsewhere >= s.failure_velocity.failures {
            d.signal(
                ReasonCode::AccountUnderAttack,
                s.failure_velocity.points,
                format!(
                    "{} failed attempts on this account from other devices in the last {}",
                    facts.failures_elsewhere,
                    duration_text(s.failure_velocity.window)
                ),
            );
        }
    }
    if let Some(away) = facts.inactive_for.filter(|away| *away >= s.inactivity.after) {
        d.signal(ReasonCode::InactiveAccount, s.inactivity.points, format!("last successful sign-in {} ago", duration_text(away)));
    }
    if let Some(age) = facts.account_age.filter(|age| *age < s.account_age.under && action.tier >= s.account_age.min_tier) {
        d.signal(ReasonCode::NewAccount, s.account_age.points, format!("the account is {} old", duration_text(age)));
    }
    if let Some(since) = facts.since_recovery.filter(|since| *since < s.recent_recovery.within) {
        d.signal(ReasonCode::RecentRecovery, s.recent_recovery.points, format!("account recovered {} ago", duration_text(since)));
    }
    if let Some(since) = facts.since_credential_change.filter(|since| *since < s.recent_credential_change.within) {
        d.signal(
            ReasonCode::RecentCredentialChange,
            s.recent_credential_change.points,
            format!("a credential changed {} ago", duration_text(since)),
        );
    }
}

/// The assurance the action needs now, or `None` when the session already meets it.
fn requirement(
    policy: &Policy,
    action: &ActionPolicy,
    request: &EvaluateRequest,
    band: Option<&AmountBand>,
    score: u8,
    d: &mut Draft,
) -> Option<StepUp> {
    let base_aal = band.map_or(action.required_aal, |b| b.required_aal.max(action.required_aal));
    let mut aal = base_aal;
    if aal > 0 && score >= policy.risk.step_up_at && policy.risk.step_up_aal > aal {
        aal = policy.risk.step_up_aal;
        d.note(
            ReasonCode::RiskStepUp,
            0,
            format!("risk score {score} reaches {} and raises the requirement to AAL{aal}", policy.risk.step_up_at),
        );
    }
    let breached = request.account.as_ref().is_some_and(|a| a.breached);
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
        None => {
            d.note(
                ReasonCode::InsufficientAssurance,
                0,
                format!("{} needs authentication at AAL{aal}; there is no session", request.action),
            );
        }
        Some(session) if session.aal < aal => {
            d.note(ReasonCode::InsufficientAssurance, 0, format!("{} needs AAL{aal}; the session has AAL{}", request.action, session.aal));
        }
        Some(session) => {
            let age = crate::signals::elapsed(request.now, session.auth_time);
            if age <= max_age {
                return None;
            }
            d.note(
                ReasonCode::AuthenticationTooOld,
                0,
                format!("last authentication {} ago; {} needs it within {}", duration_text(age), request.action, duration_text(max_age)),
            );
        }
    }
    let account_factors: &[Factor] = request.account.as_ref().map_or(&[], |a| a.factors.as_slice());
    Some(StepUp {
        aal,
        acr: if aal == action.required_aal { action.acr.clone() } else { None }.unwrap_or_else(|| policy.acr_for(aal).to_string()),
        max_age,
        factors: eligible_factors(policy, account_factors, aal, breached),
    })
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
