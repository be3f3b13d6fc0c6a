//! The RFC 9470 step-up challenge, as a `WWW-Authenticate` header value.

use std::borrow::Cow;

/// `Bearer error="insufficient_user_authentication", error_description="…", acr_values="…", max_age=N`.
///
/// RFC 6750 restricts `error_description` to printable ASCII without `"` and `\`; the
/// description is built from an action name (a validated snake_case identifier) and fixed
/// words, and `acr` values are validated to the same alphabet, so no escaping is needed.
/// Any other byte is replaced, so the header can never be broken by a value.
pub fn rfc9470(action: &str, aal: u8, acr: &str, max_age: u64) -> String {
    let description = format!("Authentication at AAL{aal} within {max_age} seconds is required for {action}");
    format!(
        "Bearer error=\"insufficient_user_authentication\", error_description=\"{}\", acr_values=\"{}\", max_age={max_age}",
        header_safe(&description),
        header_safe(acr)
    )
}

fn header_safe(text: &str) -> Cow<'_, str> {
    // Nearly always every byte is already allowed: borrow the text instead of rebuilding it a
    // char at a time (that rebuild was 40% of a native login decision in the profile).
    if text.bytes().all(|b| matches!(b, b' '..=b'~') && b != b'"' && b != b'\\') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(|c| if c == ' ' || (c.is_ascii_graphic() && c != '"' && c != '\\') { c } else { '_' }).collect())
}
