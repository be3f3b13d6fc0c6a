//! Errors as data: every failure names a stable `code`, the JSON `path` of the offending
//! field and a message a person can act on. One policy document can carry many problems,
//! so an [`Error`] holds a non-empty list of [`Problem`]s.

use serde::Serialize;
use std::fmt;

/// Stable, snake_case error codes. Hosts branch on these; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input is not valid JSON text.
    InvalidJson,
    /// A value has the wrong JSON type (string where a number belongs, …).
    InvalidType,
    /// A required field is absent.
    MissingField,
    /// A field the schema does not know; typos are errors, not ignored.
    UnknownField,
    /// The same key appears twice in one object.
    DuplicateKey,
    /// A number outside its allowed range.
    OutOfRange,
    /// A string that does not have the required form (ip address, country code, name).
    InvalidFormat,
    /// A string or list longer than its limit.
    TooLong,
    /// An enumerated value (outcome, tier, anonymizer, factor) that is not one of the allowed ones.
    UnknownVariant,
    /// The action is not in the policy's action catalog.
    UnknownAction,
    /// The factor is not declared in the policy.
    UnknownFactor,
    /// The preset name is not one of [`crate::presets::names`].
    UnknownPreset,
    /// A document or history written by a newer, unsupported schema version.
    UnsupportedVersion,
    /// A history blob that cannot be decoded (truncated, corrupted, not a history).
    InvalidHistory,
    /// Values that are individually valid but contradict each other.
    Inconsistent,
    /// The transaction currency differs from the currency of the policy's amount bands.
    CurrencyMismatch,
    /// A token longer than any token this module mints.
    TokenTooLong,
    /// A token that is not three dot-separated JWS compact segments.
    TokenMalformed,
    /// A token segment that is not strict unpadded base64url.
    TokenBadEncoding,
    /// A JWS header that is not the expected JSON object.
    TokenBadHeader,
    /// An unsecured token (`alg` = `none`).
    TokenAlgNone,
    /// A token signed with an algorithm other than HS256.
    TokenUnsupportedAlg,
    /// A token whose header lists critical extensions (`crit`).
    TokenCritUnsupported,
    /// A token whose `typ` is not `JWT`.
    TokenBadType,
    /// A token without a key id (`kid`).
    TokenMissingKeyId,
    /// A token signed with a key not in the key set (unknown or rotated out).
    TokenUnknownKey,
    /// A token whose signature does not verify.
    TokenBadSignature,
    /// A token whose claims are not the expected JSON object for its purpose.
    TokenBadClaims,
    /// A token minted for another purpose.
    TokenWrongPurpose,
    /// A token minted for another audience.
    TokenWrongAudience,
    /// A token minted for another subject.
    TokenWrongSubject,
    /// A step-up grant minted for another action.
    TokenWrongScope,
    /// A token issued, or valid only, after `now`.
    TokenNotYetValid,
    /// A token at or past its expiry.
    TokenExpired,
    /// A token whose lifetime exceeds the policy's cap.
    TokenLifetimeExceeded,
    /// A token whose `jti` the host has revoked (used or withdrawn).
    TokenRevoked,
    /// A token issued before the account's last credential change, recovery or sign-out-everywhere.
    TokenSuperseded,
    /// A signing key shorter than 32 bytes, or a malformed key id.
    WeakKey,
    /// The platform's secure random source failed.
    RandomnessUnavailable,
}

impl ErrorCode {
    /// The stable snake_case text of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidType => "invalid_type",
            ErrorCode::MissingField => "missing_field",
            ErrorCode::UnknownField => "unknown_field",
            ErrorCode::DuplicateKey => "duplicate_key",
            ErrorCode::OutOfRange => "out_of_range",
            ErrorCode::InvalidFormat => "invalid_format",
            ErrorCode::TooLong => "too_long",
            ErrorCode::UnknownVariant => "unknown_variant",
            ErrorCode::UnknownAction => "unknown_action",
            ErrorCode::UnknownFactor => "unknown_factor",
            ErrorCode::UnknownPreset => "unknown_preset",
            ErrorCode::UnsupportedVersion => "unsupported_version",
            ErrorCode::InvalidHistory => "invalid_history",
            ErrorCode::Inconsistent => "inconsistent",
            ErrorCode::CurrencyMismatch => "currency_mismatch",
            ErrorCode::TokenTooLong => "token_too_long",
            ErrorCode::TokenMalformed => "token_malformed",
            ErrorCode::TokenBadEncoding => "token_bad_encoding",
            ErrorCode::TokenBadHeader => "token_bad_header",
            ErrorCode::TokenAlgNone => "token_alg_none",
            ErrorCode::TokenUnsupportedAlg => "token_unsupported_alg",
            ErrorCode::TokenCritUnsupported => "token_crit_unsupported",
            ErrorCode::TokenBadType => "token_bad_type",
            ErrorCode::TokenMissingKeyId => "token_missing_key_id",
            ErrorCode::TokenUnknownKey => "token_unknown_key",
            ErrorCode::TokenBadSignature => "token_bad_signature",
            ErrorCode::TokenBadClaims => "token_bad_claims",
            ErrorCode::TokenWrongPurpose => "token_wrong_purpose",
            ErrorCode::TokenWrongAudience => "token_wrong_audience",
            ErrorCode::TokenWrongSubject => "token_wrong_subject",
            ErrorCode::TokenWrongScope => "token_wrong_scope",
            ErrorCode::TokenNotYetValid => "token_not_yet_valid",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::TokenLifetimeExceeded => "token_lifetime_exceeded",
            ErrorCode::TokenRevoked => "token_revoked",
            ErrorCode::TokenSuperseded => "token_superseded",
            ErrorCode::WeakKey => "weak_key",
            ErrorCode::RandomnessUnavailable => "randomness_unavailable",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// JSON pointer (RFC 6901) of the offending value, `""` for the whole document.
    pub path: String,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem { code, path: path.into(), message: message.into() }
    }
}

/// A failed call: one or more problems, the first being the most important.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    first: Problem,
    rest: Vec<Problem>,
}

impl Error {
    /// An error with a single problem.
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error { first: Problem::new(code, path, message), rest: Vec::new() }
    }

    /// An error from a list of problems; `None` when the list is empty.
    pub fn from_problems(problems: Vec<Problem>) -> Option<Self> {
        let mut iter = problems.into_iter();
        let first = iter.next()?;
        Some(Error { first, rest: iter.collect() })
    }

    /// The code of the first problem.
    pub fn code(&self) -> ErrorCode {
        self.first.code
    }

    /// The JSON path of the first problem.
    pub fn path(&self) -> &str {
        &self.first.path
    }

    /// The message of the first problem.
    pub fn message(&self) -> &str {
        &self.first.message
    }

    /// Every problem, the first one first.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        std::iter::once(&self.first).chain(self.rest.iter())
    }

    /// Prefix every path with `prefix` (a JSON pointer), for errors found in a nested document.
    pub fn nested_under(mut self, prefix: &str) -> Self {
        for problem in std::iter::once(&mut self.first).chain(self.rest.iter_mut()) {
            problem.path.insert_str(0, prefix);
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.first.path.is_empty() { "/" } else { &self.first.path };
        write!(f, "{} at {}: {}", self.first.code, at, self.first.message)?;
        if !self.rest.is_empty() {
            write!(f, " (and {} more problem(s))", self.rest.len())?;
        }
        Ok(())
    }
}

/// Shorthand for results in this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Escape one JSON-pointer segment (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
