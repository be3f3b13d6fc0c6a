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

/// A non-empty printable-ASCII identifier of at most `max` bytes.
pub fn check_short_id(problems: &mut Vec<Problem>, path: &str, id: &str, max: usize) {
    if id.is_empty() || id.len() > max {
        problems.push(Problem::new(ErrorCode::TooLong, path, text!("use 1–", max, " characters (got ", id.len(), ")")));
    } else if !id.bytes().all(|b| matches!(b, b'!'..=b'~')) {
        // The bytes `u8::is_ascii_graphic` accepts (0x21–0x7E), written out so the check of
        // every device id in a history stays a tight loop in the size-optimised build.
        problems.push(Problem::new(ErrorCode::InvalidFormat, path, "use printable ASCII without spaces"));
    }
}

/// A textual IPv4 or IPv6 address.
pub fn check_ip(problems: &mut Vec<Problem>, path: &str, ip: &str) {
    if ip.len() > MAX_IP_LEN || ip.parse::<std::net::IpAddr>().is_err() {
        problems.push(Problem::new(ErrorCode::InvalidFormat, path, "not an IPv4 or IPv6 address"));
    }
}

/// An ISO 3166-1 alpha-2 code in upper case (Cloudflare's `request.cf.country`; `T1` for Tor is accepted).
pub fn check_country(problems: &mut Vec<Problem>, path: &str, country: &str) {
    let bytes = country.as_bytes();
    let ok = bytes.len() == 2 && bytes.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !ok {
        problems.push(Problem::new(ErrorCode::InvalidFormat, path, "use a two-letter ISO 3166-1 country code such as \"DE\""));
    }
}

/// Latitude and longitude: both or neither, each finite and in range.
pub fn check_coordinates(problems: &mut Vec<Problem>, base: &str, lat: Option<f64>, lon: Option<f64>) {
    match (lat, lon) {
        (Some(lat), Some(lon)) => {
            if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
                problems.push(Problem::new(ErrorCode::OutOfRange, text!(base, "/lat"), "latitude is between -90 and 90"));
            }
            if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
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
