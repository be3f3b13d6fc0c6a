//! Errors as data: every failure names a stable `code`, the JSON `path` of the offending
//! field and a message a person can act on. One policy document can carry many problems,
//! so an [`Error`] holds a non-empty list of [`Problem`]s.

use crate::json::{JsonWriter, ToJson};
use crate::text;
use std::fmt;

crate::wire_enum! {
    /// Stable, snake_case error codes. Hosts branch on these; never rename one.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum ErrorCode {
        /// The input is not valid JSON text.
        InvalidJson = "invalid_json",
        /// A value has the wrong JSON type (string where a number belongs, …).
        InvalidType = "invalid_type",
        /// A required field is absent.
        MissingField = "missing_field",
        /// A field the schema does not know; typos are errors, not ignored.
        UnknownField = "unknown_field",
        /// The same key appears twice in one object.
        DuplicateKey = "duplicate_key",
        /// A number outside its allowed range.
        OutOfRange = "out_of_range",
        /// A string that does not have the required form (ip address, country code, name).
        InvalidFormat = "invalid_format",
        /// A string or list longer than its limit.
        TooLong = "too_long",
        /// An enumerated value (outcome, tier, anonymizer, factor) that is not one of the allowed ones.
        UnknownVariant = "unknown_variant",
        /// The action is not in the policy's action catalog.
        UnknownAction = "unknown_action",
        /// The factor is not declared in the policy.
        UnknownFactor = "unknown_factor",
        /// The preset name is not one of [`crate::presets::names`].
        UnknownPreset = "unknown_preset",
        /// A document or history written by a newer, unsupported schema version.
        UnsupportedVersion = "unsupported_version",
        /// A history blob that cannot be decoded (truncated, corrupted, not a history).
        InvalidHistory = "invalid_history",
        /// Values that are individually valid but contradict each other.
        Inconsistent = "inconsistent",
        /// The transaction currency differs from the currency of the policy's amount bands.
        CurrencyMismatch = "currency_mismatch",
        /// A token longer than any token this module mints.
        TokenTooLong = "token_too_long",
        /// A token that is not three dot-separated JWS compact segments.
        TokenMalformed = "token_malformed",
        /// A token segment that is not strict unpadded base64url.
        TokenBadEncoding = "token_bad_encoding",
        /// A JWS header that is not the expected JSON object.
        TokenBadHeader = "token_bad_header",
        /// An unsecured token (`alg` = `none`).
        TokenAlgNone = "token_alg_none",
        /// A token signed with an algorithm other than HS256.
        TokenUnsupportedAlg = "token_unsupported_alg",
        /// A token whose header lists critical extensions (`crit`).
        TokenCritUnsupported = "token_crit_unsupported",
        /// A token whose `typ` is not `JWT`.
        TokenBadType = "token_bad_type",
        /// A token without a key id (`kid`).
        TokenMissingKeyId = "token_missing_key_id",
        /// A token signed with a key not in the key set (unknown or rotated out).
        TokenUnknownKey = "token_unknown_key",
        /// A token whose signature does not verify.
        TokenBadSignature = "token_bad_signature",
        /// A token whose claims are not the expected JSON object for its purpose.
        TokenBadClaims = "token_bad_claims",
        /// A token minted for another purpose.
        TokenWrongPurpose = "token_wrong_purpose",
        /// A token minted for another audience.
        TokenWrongAudience = "token_wrong_audience",
        /// A token minted for another subject.
        TokenWrongSubject = "token_wrong_subject",
        /// A step-up grant minted for another action.
        TokenWrongScope = "token_wrong_scope",
        /// A token issued, or valid only, after `now`.
        TokenNotYetValid = "token_not_yet_valid",
        /// A token at or past its expiry.
        TokenExpired = "token_expired",
        /// A token whose lifetime exceeds the policy's cap.
        TokenLifetimeExceeded = "token_lifetime_exceeded",
        /// A token whose `jti` the host has revoked (used or withdrawn).
        TokenRevoked = "token_revoked",
        /// A token issued before the account's last credential change, recovery or sign-out-everywhere.
        TokenSuperseded = "token_superseded",
        /// A signing key shorter than 32 bytes, or a malformed key id.
        WeakKey = "weak_key",
        /// The platform's secure random source failed.
        RandomnessUnavailable = "randomness_unavailable",
    }
}

/// One thing wrong with an input.
#[derive(Debug, Clone, PartialEq, Eq)]
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
///
/// Boxed, so that a `Result` is no larger than its value (a `Result<()>` is one pointer): the
/// problems would otherwise be moved through every `?` of the readers and checks, and that
/// code was a tenth of the wasm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error(Box<Problems>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Problems {
    first: Problem,
    rest: Vec<Problem>,
}

impl Error {
    /// An error with a single problem.
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error(Box::new(Problems { first: Problem::new(code, path, message), rest: Vec::new() }))
    }

    /// An error from a list of problems; `None` when the list is empty.
    pub fn from_problems(problems: Vec<Problem>) -> Option<Self> {
        let mut iter = problems.into_iter();
        let first = iter.next()?;
        Some(Error(Box::new(Problems { first, rest: iter.collect() })))
    }

    /// The code of the first problem.
    pub fn code(&self) -> ErrorCode {
        self.0.first.code
    }

    /// The JSON path of the first problem.
    pub fn path(&self) -> &str {
        &self.0.first.path
    }

    /// The message of the first problem.
    pub fn message(&self) -> &str {
        &self.0.first.message
    }

    /// Every problem, the first one first.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        std::iter::once(&self.0.first).chain(self.0.rest.iter())
    }

    /// Prefix every path with `prefix` (a JSON pointer), for errors found in a nested document.
    pub fn nested_under(mut self, prefix: &str) -> Self {
        let problems = &mut *self.0;
        for problem in std::iter::once(&mut problems.first).chain(problems.rest.iter_mut()) {
            problem.path.insert_str(0, prefix);
        }
        self
    }
}

impl Error {
    /// One line for logs and exception messages: `code at /path: message (and N more problem(s))`.
    pub fn summary(&self) -> String {
        let at = if self.0.first.path.is_empty() { "/" } else { &self.0.first.path };
        let mut line = text!(self.0.first.code, " at ", at, ": ", self.0.first.message);
        if !self.0.rest.is_empty() {
            line.push_str(&text!(" (and ", self.0.rest.len(), " more problem(s))"));
        }
        line
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

impl ToJson for Problem {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        w.begin_object();
        w.key("code");
        self.code.write_json(w);
        w.key("path");
        w.string(&self.path);
        w.key("message");
        w.string(&self.message);
        w.end_object();
    }
}

/// An error as the JS boundary throws it: the first problem's fields, the one-line summary,
/// and every problem.
impl ToJson for Error {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        w.begin_object();
        w.key("code");
        self.0.first.code.write_json(w);
        w.key("path");
        w.string(&self.0.first.path);
        w.key("message");
        w.string(&self.summary());
        w.key("problems");
        w.begin_array();
        for problem in self.problems() {
            problem.write_json(w);
        }
        w.end_array();
        w.end_object();
    }
}

/// Shorthand for results in this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Escape one JSON-pointer segment (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
