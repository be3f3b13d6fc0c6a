//! The compact, versioned byte form of a [`History`], for hosts that keep it in KV, a Durable
//! Object or a cookie. Layout (all integers LEB128 varints unless noted):
//!
//! ```text
//! "CH" version:u8 flags:u8 [lastSuccessAt] count
//! per event: type:u8 fields:u8 at [deviceId] [ip] [country:2 bytes] [lat lon as zigzag 1e-4°] [channel] [change:u8]
//! strings: length then UTF-8 bytes
//! ```
//!
//! Decoding is defensive: lengths are bounded, every value is re-validated, and a version
//! newer than this build is `unsupported_version`, never silently dropped.

use super::{ChangeKind, EventRef, EventType, History, HISTORY_VERSION};
use crate::error::{Error, ErrorCode, Problem, Result};
use crate::text;

/// Largest encoded history: every class full, every string at its limit.
pub const MAX_ENCODED_BYTES: usize = 20 * 1024;

const MAGIC: [u8; 2] = *b"CH";
const HAS_LAST_SUCCESS: u8 = 1;
const FIELD_DEVICE: u8 = 1;
const FIELD_IP: u8 = 2;
const FIELD_COUNTRY: u8 = 4;
const FIELD_COORDINATES: u8 = 8;
const FIELD_CHANNEL: u8 = 16;
const FIELD_CHANGE: u8 = 32;
const KNOWN_FIELDS: u8 = 63;

/// Encode a history into bytes.
pub fn encode(history: &History) -> Vec<u8> {
    encode_refs(history.last_success_at, &history.event_refs())
}

/// Encode a history given as its parts.
pub fn encode_refs(last_success_at: Option<i64>, events: &[EventRef<'_>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + events.len() * 48);
    out.extend_from_slice(&MAGIC);
    out.push(HISTORY_VERSION as u8);
    out.push(if last_success_at.is_some() { HAS_LAST_SUCCESS } else { 0 });
    if let Some(at) = last_success_at {
        put_varint(&mut out, at.max(0).unsigned_abs());
    }
    put_varint(&mut out, events.len() as u64);
    for event in events {
        out.push(type_code(event.kind));
        let mut fields = 0;
        fields |= if event.device_id.is_some() { FIELD_DEVICE } else { 0 };
        fields |= if event.ip.is_some() { FIELD_IP } else { 0 };
        fields |= if event.country.is_some() { FIELD_COUNTRY } else { 0 };
        fields |= if event.lat.is_some() && event.lon.is_some() { FIELD_COORDINATES } else { 0 };
        fields |= if event.channel.is_some() { FIELD_CHANNEL } else { 0 };
        fields |= if event.change.is_some() { FIELD_CHANGE } else { 0 };
        out.push(fields);
        put_varint(&mut out, event.at.max(0).unsigned_abs());
        if let Some(id) = event.device_id {
            put_str(&mut out, id);
        }
        if let Some(ip) = event.ip {
            put_str(&mut out, ip);
        }
        if let Some(country) = event.country {
            out.extend_from_slice(country.as_bytes());
        }
        if let (Some(lat), Some(lon)) = (event.lat, event.lon) {
            put_varint(&mut out, zigzag(degrees_to_units(lat)));
            put_varint(&mut out, zigzag(degrees_to_units(lon)));
        }
        if let Some(channel) = event.channel {
            put_str(&mut out, channel);
        }
        if let Some(change) = event.change {
            out.push(change_code(change));
        }
    }
    out
}

/// Decode bytes written by [`encode`] into an owned history; the result is fully validated.
pub fn decode(bytes: &[u8]) -> Result<History> {
    let mut events = Vec::new();
    let last_success_at = decode_refs(bytes, &mut events)?;
    Ok(History { version: HISTORY_VERSION, last_success_at, events: events.iter().map(EventRef::to_owned).collect() })
}

/// Decode bytes written by [`encode`] into `events` (cleared first), borrowing every string
/// from `bytes`; returns `lastSuccessAt`. The result is fully validated, with the paths of a
/// history given as `/history`.
pub fn decode_refs<'a>(bytes: &'a [u8], events: &mut Vec<EventRef<'a>>) -> Result<Option<i64>> {
    events.clear();
    if bytes.len() > MAX_ENCODED_BYTES {
        return Err(invalid(text!(bytes.len(), " bytes is larger than any history (", MAX_ENCODED_BYTES, ")")));
    }
    let mut r = Reader { bytes, at: 0 };
    if r.take(2)? != MAGIC {
        return Err(invalid("not a ciam-policy history (bad magic bytes)".into()));
    }
    let version = r.byte()?;
    if u32::from(version) != HISTORY_VERSION {
        let code = if u32::from(version) > HISTORY_VERSION { ErrorCode::UnsupportedVersion } else { ErrorCode::InvalidHistory };
        return Err(Error::new(
            code,
            "/history",
            text!("history version ", version, " is not readable by this build (it reads version ", HISTORY_VERSION, ")"),
        ));
    }
    let flags = r.byte()?;
    if flags & !HAS_LAST_SUCCESS != 0 {
        return Err(invalid("unknown header flags".into()));
    }
    let last_success_at = if flags & HAS_LAST_SUCCESS != 0 { Some(r.time()?) } else { None };
    let count = r.varint()?;
    if count > super::MAX_EVENTS as u64 {
        return Err(invalid(text!(count, " events is more than a history holds (", super::MAX_EVENTS, ")")));
    }
    events.reserve(count as usize);
    for _ in 0..count {
        let kind = event_type(r.byte()?)?;
        let fields = r.byte()?;
        if fields & !KNOWN_FIELDS != 0 {
            return Err(invalid("unknown event fields".into()));
        }
        let mut event = EventRef {
            kind,
            at: r.time()?,
            device_id: None,
            ip: None,
            country: None,
            lat: None,
            lon: None,
            channel: None,
            change: None,
        };
        if fields & FIELD_DEVICE != 0 {
            event.device_id = Some(r.string(crate::validate::MAX_DEVICE_ID_LEN)?);
        }
        if fields & FIELD_IP != 0 {
            event.ip = Some(r.string(crate::validate::MAX_IP_LEN)?);
        }
        if fields & FIELD_COUNTRY != 0 {
            let code = r.take(2)?;
            event.country = Some(core::str::from_utf8(code).map_err(|_| invalid("country is not text".into()))?);
        }
        if fields & FIELD_COORDINATES != 0 {
            event.lat = Some(units_to_degrees(unzigzag(r.varint()?)?));
            event.lon = Some(units_to_degrees(unzigzag(r.varint()?)?));
        }
        if fields & FIELD_CHANNEL != 0 {
            event.channel = Some(r.string(crate::validate::MAX_CHANNEL_LEN)?);
        }
        if fields & FIELD_CHANGE != 0 {
            event.change = Some(change_kind(r.byte()?)?);
        }
        events.push(event);
    }
    if r.at != bytes.len() {
        return Err(invalid("trailing bytes after the last event".into()));
    }
    let mut problems: Vec<Problem> = Vec::new();
    super::check_refs(&mut problems, "/history", last_success_at, events);
    match Error::from_problems(problems) {
        Some(error) => Err(error),
        None => Ok(last_success_at),
    }
}

fn truncated() -> Error {
    invalid("truncated".into())
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidHistory, "/history", message)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    // The readers below run once per byte of an 80-event history on every request that carries
    // one; the build optimises for size, so the small ones are inlined by hand (the profile of
    // `decode` was a third function-call overhead before).
    #[inline(always)]
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).ok_or_else(truncated)?;
        let slice = self.bytes.get(self.at..end).ok_or_else(truncated)?;
        self.at = end;
        Ok(slice)
    }

    #[inline(always)]
    fn byte(&mut self) -> Result<u8> {
        let byte = self.bytes.get(self.at).copied().ok_or_else(truncated)?;
        self.at = self.at.saturating_add(1);
        Ok(byte)
    }

    fn varint(&mut self) -> Result<u64> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let low = u64::from(byte & 0x7f);
            if shift == 63 && low > 1 {
                return Err(invalid("varint overflows 64 bits".into()));
            }
            value |= low << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(invalid("varint longer than 10 bytes".into()))
    }

    fn time(&mut self) -> Result<i64> {
        let value = self.varint()?;
        i64::try_from(value)
            .ok()
            .filter(|t| *t <= crate::validate::MAX_TIME)
            .ok_or_else(|| invalid(text!("time ", value, " is out of range")))
    }

    fn string(&mut self, max: usize) -> Result<&'a str> {
        let len = self.varint()?;
        if len > max as u64 {
            return Err(invalid(text!("a string of ", len, " bytes is longer than ", max)));
        }
        let raw = self.take(len as usize)?;
        core::str::from_utf8(raw).map_err(|_| invalid("a string is not UTF-8".into()))
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

fn degrees_to_units(degrees: f64) -> i64 {
    // Validated to ±180°, so ±1.8e6 units: far inside i64.
    (degrees * 1e4).round() as i64
}

fn units_to_degrees(units: i64) -> f64 {
    units as f64 / 1e4
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unzigzag(value: u64) -> Result<i64> {
    let decoded = ((value >> 1) as i64) ^ -((value & 1) as i64);
    if decoded.unsigned_abs() > 1_800_000 {
        return Err(invalid("coordinates out of range".into()));
    }
    Ok(decoded)
}

fn type_code(kind: EventType) -> u8 {
    EventType::ALL.iter().position(|k| *k == kind).map_or(u8::MAX, |i| i as u8)
}

fn event_type(code: u8) -> Result<EventType> {
    EventType::ALL.get(usize::from(code)).copied().ok_or_else(|| invalid(text!("unknown event type ", code)))
}

fn change_code(change: ChangeKind) -> u8 {
    ChangeKind::ALL.iter().position(|k| *k == change).map_or(u8::MAX, |i| i as u8)
}

fn change_kind(code: u8) -> Result<ChangeKind> {
    ChangeKind::ALL.get(usize::from(code)).copied().ok_or_else(|| invalid(text!("unknown change kind ", code)))
}
