//! Semantic validation of a parsed policy. Every problem is collected, not just the first,
//! so an identity lead editing a policy sees the whole list at once. Limits on sizes keep a
//! hostile policy from making later evaluation expensive.

use super::{ActionPolicy, Backoff, Outcome, Policy, SCHEMA_VERSION};
use crate::error::{pointer_segment, Error, ErrorCode, Problem, Result};
use crate::text;

/// Most actions a catalog may hold.
pub const MAX_ACTIONS: usize = 256;
/// Most amount bands per action.
pub const MAX_AMOUNT_BANDS: usize = 16;
/// Longest window or duration a policy may set: two years, in seconds.
pub const MAX_WINDOW: u64 = 2 * 365 * 24 * 3600;
/// Longest name, revision or `acr` value.
pub const MAX_NAME_LEN: usize = 64;
/// Longest `acr` value.
pub const MAX_ACR_LEN: usize = 256;
/// Longest description.
pub const MAX_DESCRIPTION_LEN: usize = 2000;
/// Most failures a history keeps ([`crate::state::MAX_FAILURES`]): a failure threshold
/// above it could never be reached, so a policy asking for one would silently never act.
pub const MAX_COUNTED_FAILURES: u32 = crate::state::MAX_FAILURES as u32;

/// RFC 8176 registered `amr` values.
pub const AMR_VALUES: [&str; 20] = [
    "face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin", "pop", "pwd", "rba", "retina", "sc", "sms", "swk", "tel",
    "user", "vbm",
];

/// [`AMR_VALUES`] as written in messages.
const AMR_LIST: &str = "face, fpt, geo, hwk, iris, kba, mca, mfa, otp, pin, pop, pwd, rba, retina, sc, sms, swk, tel, user, vbm";

/// Check everything the JSON reader cannot: ranges, formats, orderings and cross-field consistency.
pub fn validate(policy: &Policy) -> Result<()> {
    let mut v = Checker::default();
    if policy.version != SCHEMA_VERSION {
        let code = if policy.version > SCHEMA_VERSION { ErrorCode::UnsupportedVersion } else { ErrorCode::OutOfRange };
        v.push(code, "/version", text!("schema version ", policy.version, " is not supported; this build reads version ", SCHEMA_VERSION));
    }
    v.name("/name", &policy.name, MAX_NAME_LEN);
    v.text("/revision", &policy.revision, MAX_NAME_LEN);
    v.text("/description", &policy.description, MAX_DESCRIPTION_LEN);
    if policy.currency.len() != 3 || !policy.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        v.push(ErrorCode::InvalidFormat, "/currency", "use a three-letter ISO 4217 code such as \"EUR\"");
    }
    v.acr("/acrValues/aal1", &policy.acr_values.aal1);
    v.acr("/acrValues/aal2", &policy.acr_values.aal2);
    v.acr("/acrValues/aal3", &policy.acr_values.aal3);

    if policy.factors.is_empty() {
        v.push(ErrorCode::OutOfRange, "/factors", "declare at least one factor");
    }
    for (factor, rule) in policy.factors.iter() {
        let path = text!("/factors/", factor);
        v.range(&text!(path, "/aal"), rule.aal.into(), 1, 3);
        if rule.amr.is_empty() || rule.amr.len() > 8 {
            v.push(ErrorCode::OutOfRange, text!(path, "/amr"), "list between 1 and 8 RFC 8176 amr values");
        }
        for (i, amr) in rule.amr.iter().enumerate() {
            if !AMR_VALUES.contains(&amr.as_str()) {
                v.push(
                    ErrorCode::UnknownVariant,
                    text!(path, "/amr/", i),
                    text!("`", truncate(amr), "` is not an RFC 8176 amr value (use one of ", AMR_LIST, ")"),
                );
            }
        }
    }
    let strongest_factor = policy.factors.values().map(|f| f.aal).max().unwrap_or(0);

    if policy.actions.is_empty() || policy.actions.len() > MAX_ACTIONS {
        v.push(ErrorCode::OutOfRange, "/actions", text!("declare between 1 and ", MAX_ACTIONS, " actions"));
    }
    for (name, action) in policy.actions.iter() {
        let path = text!("/actions/", pointer_segment(name));
        if !is_identifier(name) {
            v.push(
                ErrorCode::InvalidFormat,
                path.clone(),
                "action names are lowercase snake_case: a letter, then letters, digits or `_`, at most 64 characters",
            );
        }
        check_action(&mut v, &path, action, strongest_factor);
    }

    let r = &policy.risk;
    for (field, value) in
        [("medium", r.medium), ("high", r.high), ("critical", r.critical), ("stepUpAt", r.step_up_at), ("freshAuthAt", r.fresh_auth_at)]
    {
        v.range(&text!("/risk/", field), value.into(), 0, 100);
    }
    v.range("/risk/denyAt", r.deny_at.into(), 1, 101);
    if !(r.medium < r.high && r.high < r.critical) {
        v.push(ErrorCode::Inconsistent, "/risk", "levels must rise: medium < high < critical");
    }
    if r.deny_at <= r.step_up_at {
        v.push(ErrorCode::Inconsistent, "/risk/denyAt", "denyAt must be above stepUpAt, or nothing is ever stepped up");
    }
    v.range("/risk/stepUpAal", r.step_up_aal.into(), 1, 3);
    if r.step_up_aal > strongest_factor {
        v.push(ErrorCode::Inconsistent, "/risk/stepUpAal", "no declared factor reaches this assurance level");
    }
    v.range("/risk/freshAuthMaxAge", r.fresh_auth_max_age, 1, MAX_WINDOW);

    let s = &policy.signals;
    let points = [
        ("newDevice/points", s.new_device.points),
        ("impossibleTravel/points", s.impossible_travel.points),
        ("newCountry/points", s.new_country.points),
        ("ipRisk/mediumPoints", s.ip_risk.medium_points),
        ("ipRisk/highPoints", s.ip_risk.high_points),
        ("anonymizer/vpn", s.anonymizer.vpn),
        ("anonymizer/proxy", s.anonymizer.proxy),
        ("anonymizer/tor", s.anonymizer.tor),
        ("anonymizer/hosting", s.anonymizer.hosting),
        ("anonymizer/sensitiveExtra", s.anonymizer.sensitive_extra),
        ("bot/points", s.bot.points),
        ("failureVelocity/points", s.failure_velocity.points),
        ("inactivity/points", s.inactivity.points),
        ("accountAge/points", s.account_age.points),
        ("breachedPassword/points", s.breached_password.points),
        ("recentRecovery/points", s.recent_recovery.points),
        ("recentCredentialChange/points", s.recent_credential_change.points),
    ];
    for (field, value) in points {
        v.range(&text!("/signals/", field), value.into(), 0, 100);
    }
    v.range("/signals/impossibleTravel/maxSpeedKmh", s.impossible_travel.max_speed_kmh.into(), 100, 5000);
    v.range("/signals/impossibleTravel/minDistanceKm", s.impossible_travel.min_distance_km.into(), 0, 20_000);
    v.range("/signals/ipRisk/mediumAt", s.ip_risk.medium_at.into(), 1, 100);
    v.range("/signals/ipRisk/highAt", s.ip_risk.high_at.into(), 1, 100);
    if s.ip_risk.medium_at > s.ip_risk.high_at {
        v.push(ErrorCode::Inconsistent, "/signals/ipRisk", "mediumAt must not exceed highAt");
    }
    if s.ip_risk.medium_points > s.ip_risk.high_points {
        // Otherwise a worse address would score less, and raising ipRisk could lower the bar.
        v.push(ErrorCode::Inconsistent, "/signals/ipRisk", "highPoints must be at least mediumPoints");
    }
    v.range("/signals/bot/suspectAt", s.bot.suspect_at.into(), 1, 100);
    v.range("/signals/bot/denyAt", s.bot.deny_at.into(), 1, 101);
    if s.bot.suspect_at > s.bot.deny_at {
        v.push(ErrorCode::Inconsistent, "/signals/bot", "suspectAt must not exceed denyAt");
    }
    v.range("/signals/failureVelocity/window", s.failure_velocity.window, 1, MAX_WINDOW);
    v.failures("/signals/failureVelocity/failures", s.failure_velocity.failures, 1, MAX_COUNTED_FAILURES);
    v.range("/signals/inactivity/after", s.inactivity.after, 1, MAX_WINDOW);
    v.range("/signals/accountAge/under", s.account_age.under, 0, MAX_WINDOW);
    v.range("/signals/recentRecovery/within", s.recent_recovery.within, 0, MAX_WINDOW);
    v.range("/signals/recentCredentialChange/within", s.recent_credential_change.within, 0, MAX_WINDOW);

    check_backoff(&mut v, "/throttle/accountDevice", &policy.throttle.account_device);
    check_backoff(&mut v, "/throttle/sourceIp", &policy.throttle.source_ip);
    if let Some(lock) = &policy.throttle.lockout {
        v.failures("/throttle/lockout/afterFailures", lock.after_failures, 1, MAX_COUNTED_FAILURES);
        v.range("/throttle/lockout/window", lock.window, 1, MAX_WINDOW);
    }
    v.range("/devices/knownFor", policy.devices.known_for, 1, MAX_WINDOW);
    v.problems.extend(super::recovery::check(&policy.recovery, &|name| policy.action(name).is_some(), MAX_WINDOW));

    match Error::from_problems(v.problems) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

fn check_action(v: &mut Checker, path: &str, action: &ActionPolicy, strongest_factor: u8) {
    v.range(&text!(path, "/requiredAal"), action.required_aal.into(), 0, 3);
    if action.required_aal > strongest_factor {
        v.push(ErrorCode::Inconsistent, text!(path, "/requiredAal"), "no declared factor reaches this assurance level");
    }
    if let Some(acr) = &action.acr {
        v.acr(&text!(path, "/acr"), acr);
    }
    v.range(&text!(path, "/maxAuthAge"), action.max_auth_age, 1, MAX_WINDOW);
    if action.fallback == Outcome::Throttle {
        v.push(ErrorCode::OutOfRange, text!(path, "/fallback"), "a fallback is allow, step_up or deny (throttle needs a live counter)");
    }
    if action.amount_bands.len() > MAX_AMOUNT_BANDS {
        v.push(ErrorCode::TooLong, text!(path, "/amountBands"), text!("at most ", MAX_AMOUNT_BANDS, " amount bands"));
    }
    let mut previous: Option<&super::AmountBand> = None;
    for (i, band) in action.amount_bands.iter().enumerate() {
        let band_path = text!(path, "/amountBands/", i);
        if !band.over.is_finite() || band.over < 0.0 {
            v.push(ErrorCode::OutOfRange, text!(band_path, "/over"), "use a finite amount of zero or more");
        }
        v.range(&text!(band_path, "/requiredAal"), band.required_aal.into(), 1, 3);
        if band.required_aal > strongest_factor {
            v.push(ErrorCode::Inconsistent, text!(band_path, "/requiredAal"), "no declared factor reaches this assurance level");
        }
        v.range(&text!(band_path, "/maxAuthAge"), band.max_auth_age, 1, MAX_WINDOW);
        v.range(&text!(band_path, "/points"), band.points.into(), 0, 100);
        // Bands must only ever tighten, so a larger amount can never need less.
        let floor_aal = previous.map_or(action.required_aal, |p| p.required_aal);
        let ceiling_age = previous.map_or(action.max_auth_age, |p| p.max_auth_age);
        let floor_points = previous.map_or(0, |p| p.points);
        if previous.is_some_and(|p| band.over <= p.over) {
            v.push(ErrorCode::Inconsistent, text!(band_path, "/over"), "bands must be in strictly ascending order of amount");
        }
        if band.required_aal < floor_aal || band.max_auth_age > ceiling_age || band.points < floor_points {
            v.push(
                ErrorCode::Inconsistent,
                band_path.clone(),
                "a higher band must not ask less: requiredAal and points may only rise, maxAuthAge may only fall",
            );
        }
        previous = Some(band);
    }
}

fn check_backoff(v: &mut Checker, path: &str, backoff: &Backoff) {
    // At least one failure beyond the free ones must fit in a history, or the back-off never starts.
    v.failures(&text!(path, "/freeFailures"), backoff.free_failures, 0, MAX_COUNTED_FAILURES - 1);
    v.range(&text!(path, "/baseDelay"), backoff.base_delay, 1, 86_400);
    v.range(&text!(path, "/factor"), backoff.factor.into(), 1, 10);
    v.range(&text!(path, "/maxDelay"), backoff.max_delay, 1, 7 * 86_400);
    v.range(&text!(path, "/window"), backoff.window, 1, MAX_WINDOW);
    if backoff.max_delay < backoff.base_delay {
        v.push(ErrorCode::Inconsistent, text!(path, "/maxDelay"), "maxDelay must be at least baseDelay");
    }
}

#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn push(&mut self, code: ErrorCode, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(code, path, message));
    }

    fn range(&mut self, path: &str, value: u64, min: u64, max: u64) {
        if value < min || value > max {
            self.push(ErrorCode::OutOfRange, path, text!(value, " is outside ", min, "..=", max));
        }
    }

    fn failures(&mut self, path: &str, value: u32, min: u32, max: u32) {
        if value < min || value > max {
            self.push(
                ErrorCode::OutOfRange,
                path,
                text!(
                    value,
                    " is outside ",
                    min,
                    "..=",
                    max,
                    ": a history keeps at most ",
                    MAX_COUNTED_FAILURES,
                    " failures, so no more can be counted"
                ),
            );
        }
    }

    fn name(&mut self, path: &str, value: &str, max: usize) {
        if value.is_empty() || value.len() > max || !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            self.push(ErrorCode::InvalidFormat, path, text!("use 1–", max, " letters, digits, `-` or `_`"));
        }
    }

    fn text(&mut self, path: &str, value: &str, max: usize) {
        if value.len() > max {
            self.push(ErrorCode::TooLong, path, text!(value.len(), " bytes; the limit is ", max));
        }
    }

    fn acr(&mut self, path: &str, value: &str) {
        // acr values travel inside a quoted WWW-Authenticate parameter: keep them to printable
        // ASCII without quotes or backslashes so the challenge never needs escaping.
        let ok = !value.is_empty() && value.len() <= MAX_ACR_LEN && value.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
        if !ok {
            self.push(
                ErrorCode::InvalidFormat,
                path,
                text!("use 1–", MAX_ACR_LEN, " printable ASCII characters without spaces, quotes or backslashes"),
            );
        }
    }
}

/// Lowercase snake_case identifier of at most 64 characters.
pub fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && name.len() <= MAX_NAME_LEN
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn truncate(text: &str) -> String {
    text.chars().take(32).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_amr_list_in_messages_is_the_amr_values() {
        assert_eq!(super::AMR_LIST, super::AMR_VALUES.join(", "));
    }
}
