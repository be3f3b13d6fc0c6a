//! The RFC 9470 step-up challenge, as a `WWW-Authenticate` header value.

use crate::api::StepUp;
use crate::text::{Piece, TextSink};

/// `Bearer error="insufficient_user_authentication", error_description="…", acr_values="…", max_age=N`,
/// written when the decision is (`to_string()` for the header text).
///
/// RFC 6750 restricts `error_description` to printable ASCII without `"` and `\`; the
/// description is built from an action name (a validated snake_case identifier) and fixed
/// words, and `acr` values are validated to the same alphabet, so nothing needs escaping.
/// Any other byte is replaced anyway, so the header can never be broken by a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenge<'p> {
    /// The action (from the policy's catalog).
    pub action: &'p str,
    /// The assurance level to reach.
    pub aal: u8,
    /// The `acr` value to request.
    pub acr: &'p str,
    /// The longest authentication age accepted, seconds.
    pub max_age: u64,
}

impl Piece for Challenge<'_> {
    fn put(&self, out: &mut dyn TextSink) {
        out.push_text("Bearer error=\"insufficient_user_authentication\", error_description=\"Authentication at AAL");
        self.aal.put(out);
        out.push_text(" within ");
        self.max_age.put(out);
        out.push_text(" seconds is required for ");
        put_header_safe(out, self.action);
        out.push_text("\", acr_values=\"");
        put_header_safe(out, self.acr);
        out.push_text("\", max_age=");
        self.max_age.put(out);
    }
}

impl Challenge<'_> {
    /// Whether this challenge is exactly its template filled with `step_up`'s level, `acr` and
    /// age and its own action, none of them cleaned: then the JS side can write it from those
    /// parts (`challengeHeader` in `pkg-templates/api.js`), and the module sends only the action.
    pub fn is_template_of(&self, step_up: &StepUp<'_>) -> bool {
        self.aal == step_up.aal
            && self.acr == step_up.acr
            && self.max_age == step_up.max_age
            && is_header_safe(self.action)
            && is_header_safe(self.acr)
    }
}

/// Whether a quoted header parameter holds `text` as it is. A plain loop: `Iterator::all`
/// stays an out-of-line call per byte at opt-level "z", and this runs on every step-up.
fn is_header_safe(text: &str) -> bool {
    let mut safe = true;
    for b in text.bytes() {
        safe &= matches!(b, b' '..=b'~') & (b != b'"') & (b != b'\\');
    }
    safe
}

/// `text`, with any byte a quoted header parameter cannot hold replaced by `_`.
fn put_header_safe(out: &mut dyn TextSink, text: &str) {
    let allowed = |c: char| c == ' ' || (c.is_ascii_graphic() && c != '"' && c != '\\');
    if is_header_safe(text) {
        out.push_text(text);
    } else {
        let cleaned: String = text.chars().map(|c| if allowed(c) { c } else { '_' }).collect();
        out.push_text(&cleaned);
    }
}

impl crate::json::ToJson for Challenge<'_> {
    fn write_json(&self, w: &mut dyn crate::json::JsonWriter) {
        w.rendered(self);
    }
}

impl core::fmt::Display for Challenge<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&crate::text!(self))
    }
}
