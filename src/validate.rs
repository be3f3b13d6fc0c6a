//! Field checks shared by every input path (requests, events, histories). Each pushes a
//! coded [`Problem`] with the field's JSON path instead of failing fast, so one call reports
//! everything wrong with an input.

use crate::error::{ErrorCode, Problem};
use crate::text;

/// Latest accepted Unix time (the last second of year 9999); keeps time arithmetic far from overflow.
pub const MAX_TIME: i64 = 253_402_300_799;
/// Longest device id, bytes.
pub const MAX_DEVICE_ID_LEN: usize = 128;
/// Longest recovery channel name, bytes.
pub const MAX_CHANNEL_LEN: usize = 32;
/// Longest textual IP address (IPv6 with zone is rejected anyway).
pub const MAX_IP_LEN: usize = 45;

/// A Unix time in seconds within 0..=[`MAX_TIME`].
pub fn check_time(problems: &mut Vec<Problem>, path: &str, at: i64) {
    // A range pattern, not `RangeInclusive::contains`: checked for every event of every
    // history, and the size-optimised build calls `contains` out of line.
    if !matches!(at, 0..=MAX_TIME) {
        problems.push(Problem::new(ErrorCode::OutOfRange, path, text!(at, " is not a Unix time in seconds between 0 and ", MAX_TIME)));
    }
}

/// Whether `id` is 1 to `max` bytes of printable ASCII without spaces.
pub fn is_short_id(id: &str, max: usize) -> bool {
    // The bytes `u8::is_ascii_graphic` accepts (0x21–0x7E), in a plain loop: `Iterator::all`
    // stays an out-of-line call in the size-optimised build.
    if id.is_empty() || id.len() > max {
        return false;
    }
    let mut graphic = true;
    for b in id.bytes() {
        graphic &= matches!(b, b'!'..=b'~');
    }
    graphic
}

/// A non-empty printable-ASCII identifier of at most `max` bytes.
pub fn check_short_id(problems: &mut Vec<Problem>, path: &str, id: &str, max: usize) {
    if id.is_empty() || id.len() > max {
        problems.push(Problem::new(ErrorCode::TooLong, path, text!("use 1–", max, " characters (got ", id.len(), ")")));
    } else if !is_short_id(id, max) {
        problems.push(Problem::new(ErrorCode::InvalidFormat, path, "use printable ASCII without spaces"));
    }
}

/// A textual IPv4 or IPv6 address.
pub fn check_ip(problems: &mut Vec<Problem>, path: &str, ip: &str) {
    if ip.len() > MAX_IP_LEN || !is_ip(ip) {
        problems.push(Problem::new(ErrorCode::InvalidFormat, path, "not an IPv4 or IPv6 address"));
    }
}

/// Whether `code` is two upper-case letters or digits (ISO 3166-1 alpha-2; `T1` is Tor).
pub fn is_country(code: &[u8]) -> bool {
    code.len() == 2 && code.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// An ISO 3166-1 alpha-2 code in upper case (Cloudflare's `request.cf.country`; `T1` for Tor is accepted).
pub fn check_country(problems: &mut Vec<Problem>, path: &str, country: &str) {
    if !is_country(country.as_bytes()) {
        problems.push(Problem::new(ErrorCode::InvalidFormat, path, "use a two-letter ISO 3166-1 country code such as \"DE\""));
    }
}

/// Whether `text` is an IPv4 or IPv6 address exactly as Rust's `IpAddr` parser accepts them
/// (tested against it): dotted quads without leading zeros; eight hex groups, one `::`
/// standing for one or more zero groups, an IPv4 tail in the last 32 bits. Written out
/// because the standard parser was a third of validating a history, and larger.
pub fn is_ip(text: &str) -> bool {
    let b = text.as_bytes();
    ipv4(b, 0) == Some(b.len()) || is_ipv6(b)
}

/// An IPv4 address starting at `at`: the position after it.
fn ipv4(b: &[u8], at: usize) -> Option<usize> {
    let mut parts = 0;
    let mut digits = 0;
    let mut value = 0u32;
    let mut leading_zero = false;
    let mut end = at;
    for &byte in b.get(at..)? {
        match byte {
            b'0'..=b'9' => {
                leading_zero |= digits == 0 && byte == b'0';
                digits += 1;
                value = value * 10 + u32::from(byte - b'0');
                if digits > 3 || value > 255 || (leading_zero && digits > 1) {
                    return None;
                }
            }
            b'.' if digits > 0 && parts < 3 => {
                parts += 1;
                digits = 0;
                value = 0;
                leading_zero = false;
            }
            _ => break,
        }
        end += 1;
    }
    (parts == 3 && digits > 0).then_some(end)
}

/// One to four hex digits at `at`: the position after them.
fn hex_group(b: &[u8], at: usize) -> Option<usize> {
    let mut end = at;
    while b.get(end).is_some_and(u8::is_ascii_hexdigit) {
        end += 1;
        if end - at > 4 {
            return None;
        }
    }
    (end > at).then_some(end)
}

/// Colon-separated groups (an IPv4 tail allowed while two groups' room is left), at most
/// `limit`: (groups read, position after them, whether the last was an IPv4 tail).
fn ipv6_groups(b: &[u8], mut at: usize, limit: usize) -> (usize, usize, bool) {
    for i in 0..limit {
        let start = if i > 0 {
            if b.get(at) != Some(&b':') {
                return (i, at, false);
            }
            at + 1
        } else {
            at
        };
        if i + 1 < limit {
            if let Some(end) = ipv4(b, start) {
                return (i + 2, end, true);
            }
        }
        match hex_group(b, start) {
            Some(end) => at = end,
            None => return (i, at, false),
        }
    }
    (limit, at, false)
}

fn is_ipv6(b: &[u8]) -> bool {
    let (head, at, head_ipv4) = ipv6_groups(b, 0, 8);
    if head == 8 {
        return at == b.len();
    }
    if head_ipv4 || b.get(at..at + 2) != Some(b"::") {
        return false;
    }
    // `::` stands for at least one zero group, so at most 7 - head groups follow.
    let (_, end, _) = ipv6_groups(b, at + 2, 7 - head);
    end == b.len()
}

/// Latitude and longitude: both or neither, each finite and in range.
// Comparisons, not `RangeInclusive::contains`: see the comment in the function.
#[allow(clippy::manual_range_contains)]
pub fn check_coordinates(problems: &mut Vec<Problem>, base: &str, lat: Option<f64>, lon: Option<f64>) {
    match (lat, lon) {
        (Some(lat), Some(lon)) => {
            // Comparisons, not `RangeInclusive::contains`: an out-of-line call at opt-level "z",
            // on every request with coordinates. NaN fails both; infinities fail one.
            if !(lat >= -90.0 && lat <= 90.0) {
                problems.push(Problem::new(ErrorCode::OutOfRange, text!(base, "/lat"), "latitude is between -90 and 90"));
            }
            if !(lon >= -180.0 && lon <= 180.0) {
                problems.push(Problem::new(ErrorCode::OutOfRange, text!(base, "/lon"), "longitude is between -180 and 180"));
            }
        }
        (Some(_), None) => problems.push(Problem::new(ErrorCode::MissingField, text!(base, "/lon"), "give lon with lat")),
        (None, Some(_)) => problems.push(Problem::new(ErrorCode::MissingField, text!(base, "/lat"), "give lat with lon")),
        (None, None) => {}
    }
}

/// A whole number in `min..=max`.
pub fn check_range(problems: &mut Vec<Problem>, path: &str, value: f64, min: f64, max: f64) {
    if !value.is_finite() || value < min || value > max {
        problems.push(Problem::new(ErrorCode::OutOfRange, path, text!(value, " is outside ", min, "..=", max)));
    }
}
