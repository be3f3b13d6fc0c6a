//! The compact, versioned byte form of a [`History`], for hosts that keep it in KV, a Durable
//! Object or a cookie. This build writes encoding 2 and reads 1 and 2.
//!
//! Encoding 2 is made to be read fast (a decision reads a whole history on every call): each
//! distinct string is stored once, and every event is a fixed 20-byte record, so reading is a
//! walk over records with no per-field parsing and each string is checked once.
//!
//! ```text
//! "CH" 2 flags:u8 [lastSuccessAt:u40]            flags: 1 = lastSuccessAt present
//! strings:u8, then their lengths (one byte each), then their bytes, concatenated
//!                                                 (device ids, addresses and channels)
//! events:u8, then each 20 bytes:
//!   type:u8 (low 4 bits; high 4 bits: change kind + 1, or 0)
//!   fields:u8 (1 device, 2 ip, 4 country, 8 coordinates, 16 channel)
//!   at:u40  device:u8  ip:u8  channel:u8  country:2 bytes  lat:i32  lon:i32 (1e-4 degrees)
//! ```
//!
//! Encoding 1 (written by 0.1.0): `"CH" 1 flags [lastSuccessAt] count`, then per event
//! `type fields at [deviceId] [ip] [country] [lat lon] [channel] [change]` with LEB128
//! varints, zigzag coordinates and length-prefixed strings.
//!
//! Integers are little-endian. Decoding is defensive: lengths are bounded, every value is
//! validated exactly as the JSON form is, and an encoding newer than this build is
//! `unsupported_version`, never silently dropped.

use super::{check_refs, ChangeKind, EventRef, EventType, History, HISTORY_VERSION, MAX_EVENTS};
use crate::error::{Error, ErrorCode, Result};
use crate::text;
use crate::validate::{self, MAX_CHANNEL_LEN, MAX_DEVICE_ID_LEN, MAX_IP_LEN, MAX_TIME};

/// Largest encoded history: every class full, every string distinct and at its limit.
pub const MAX_ENCODED_BYTES: usize = 20 * 1024;
/// The byte encoding this build writes.
pub const ENCODING: u8 = 2;

const MAGIC: [u8; 2] = *b"CH";
const HAS_LAST_SUCCESS: u8 = 1;
const FIELD_DEVICE: u8 = 1;
const FIELD_IP: u8 = 2;
const FIELD_COUNTRY: u8 = 4;
const FIELD_COORDINATES: u8 = 8;
const FIELD_CHANNEL: u8 = 16;
/// Encoding 1 only: the event has a `change` byte.
const FIELD_CHANGE: u8 = 32;
const RECORD: usize = 20;
/// Most distinct strings a history can hold (three per event).
const MAX_STRINGS: usize = 3 * MAX_EVENTS;

/// Encode a history into bytes.
pub fn encode(history: &History) -> Vec<u8> {
    encode_refs(history.last_success_at, &history.event_refs())
}

/// Encode a history given as its parts (encoding 2).
pub fn encode_refs<'a>(last_success_at: Option<i64>, events: &[EventRef<'a>]) -> Vec<u8> {
    let mut strings: Vec<&'a str> = Vec::new();
    let mut index = |text: Option<&'a str>| -> u8 {
        let Some(text) = text else { return 0 };
        let at = strings.iter().position(|s| *s == text).unwrap_or_else(|| {
            strings.push(text);
            strings.len() - 1
        });
        u8::try_from(at).unwrap_or(u8::MAX)
    };
    let mut records = Vec::with_capacity(events.len() * RECORD);
    for event in events {
        let change = event.change.map_or(0, |c| c.index() as u8 + 1);
        let mut fields = 0;
        fields |= if event.device_id.is_some() { FIELD_DEVICE } else { 0 };
        fields |= if event.ip.is_some() { FIELD_IP } else { 0 };
        fields |= if event.country.is_some() { FIELD_COUNTRY } else { 0 };
        fields |= if event.lat.is_some() && event.lon.is_some() { FIELD_COORDINATES } else { 0 };
        fields |= if event.channel.is_some() { FIELD_CHANNEL } else { 0 };
        records.push(event.kind.index() as u8 | change << 4);
        records.push(fields);
        records.extend_from_slice(&u40(event.at));
        records.push(index(event.device_id));
        records.push(index(event.ip));
        records.push(index(event.channel));
        let country: &[u8] = event.country.map_or(b"\0\0", str::as_bytes);
        records.extend_from_slice(country.get(..2).unwrap_or(b"\0\0"));
        records.extend_from_slice(&degrees_to_units(event.lat.filter(|_| event.lon.is_some())).to_le_bytes());
        records.extend_from_slice(&degrees_to_units(event.lon.filter(|_| event.lat.is_some())).to_le_bytes());
    }
    let mut out = Vec::with_capacity(16 + strings.iter().map(|s| s.len() + 1).sum::<usize>() + records.len());
    out.extend_from_slice(&MAGIC);
    out.push(ENCODING);
    out.push(if last_success_at.is_some() { HAS_LAST_SUCCESS } else { 0 });
    if let Some(at) = last_success_at {
        out.extend_from_slice(&u40(at));
    }
    out.push(u8::try_from(strings.len()).unwrap_or(u8::MAX));
    out.extend(strings.iter().map(|text| u8::try_from(text.len()).unwrap_or(u8::MAX)));
    for text in &strings {
        out.extend_from_slice(text.as_bytes());
    }
    out.push(u8::try_from(events.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(&records);
    out
}

/// A time as 5 little-endian bytes (validated times are below 2^38; the decoder rejects any
/// value above `MAX_TIME`).
fn u40(at: i64) -> [u8; 5] {
    let [a, b, c, d, e, ..] = at.clamp(0, (1 << 40) - 1).to_le_bytes();
    [a, b, c, d, e]
}

fn degrees_to_units(degrees: Option<f64>) -> i32 {
    // Validated to ±180°, so ±1.8e6 units: far inside i32.
    degrees.map_or(0, |d| (d * 1e4).round() as i32)
}

/// Decode bytes written by [`encode`] into an owned history; the result is fully validated.
pub fn decode(bytes: &[u8]) -> Result<History> {
    let mut events = Vec::new();
    let last_success_at = decode_refs(bytes, &mut events)?;
    Ok(History { version: HISTORY_VERSION, last_success_at, events: events.iter().map(EventRef::to_owned).collect() })
}

/// Decode bytes written by [`encode`] (or by 0.1.0) into `events` (cleared first), borrowing
/// every string from `bytes`; returns `lastSuccessAt`. The result is fully validated, with the
/// paths of a history given as `/history`.
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
    let last_success_at = match version {
        1 => decode_v1(&mut r, events)?,
        2 => decode_v2(&mut r, events)?,
        _ => {
            let code = if version > ENCODING { ErrorCode::UnsupportedVersion } else { ErrorCode::InvalidHistory };
            return Err(Error::new(
                code,
                "/history",
                text!("history encoding ", version, " is not readable by this build (it reads encodings 1 and 2)"),
            ));
        }
    };
    if r.at != bytes.len() {
        return Err(invalid("trailing bytes after the last event".into()));
    }
    Ok(last_success_at)
}

/// Encoding 2: the string table, then fixed records, validated in the same pass.
fn decode_v2<'a>(r: &mut Reader<'a>, events: &mut Vec<EventRef<'a>>) -> Result<Option<i64>> {
    let flags = r.byte()?;
    if flags & !HAS_LAST_SUCCESS != 0 {
        return Err(invalid("unknown header flags".into()));
    }
    let last_success_at = if flags & HAS_LAST_SUCCESS != 0 { Some(r.u40()?) } else { None };
    let count = usize::from(r.byte()?);
    if count > MAX_STRINGS {
        return Err(invalid(text!(count, " strings is more than a history holds")));
    }
    let lengths = r.take(count)?;
    let total = lengths.iter().map(|len| usize::from(*len)).sum();
    // One UTF-8 check for every string at once; each is then a slice of it.
    let all = core::str::from_utf8(r.take(total)?).map_err(|_| invalid("a string is not UTF-8".into()))?;
    let mut strings: [&str; MAX_STRINGS] = [""; MAX_STRINGS];
    let mut start = 0;
    for (slot, len) in strings.iter_mut().zip(lengths) {
        let end = start + usize::from(*len);
        *slot = all.get(start..end).ok_or_else(|| invalid("a string is cut inside a character".into()))?;
        start = end;
    }
    let strings = strings.get(..count).unwrap_or_default();
    let count = usize::from(r.byte()?);
    if count > MAX_EVENTS {
        return Err(invalid(text!(count, " events is more than a history holds (", MAX_EVENTS, ")")));
    }
    let records = r.take(count * RECORD)?;
    events.reserve(count);
    // Each string is checked once per use it is put to: bit 1 device id, 2 address, 4 channel.
    let mut checked = [0u8; MAX_STRINGS];
    let mut valid = true;
    let mut counts = [0usize; 4];
    let mut previous_at = 0;
    for record in records.chunks_exact(RECORD) {
        let byte = |i: usize| record.get(i).copied().unwrap_or(0);
        let kind = EventType::ALL.get(usize::from(byte(0) & 15)).copied().ok_or_else(|| invalid(text!("unknown event type ", byte(0) & 15)))?;
        let change = match byte(0) >> 4 {
            0 => None,
            code => Some(ChangeKind::ALL.get(usize::from(code - 1)).copied().ok_or_else(|| invalid(text!("unknown change kind ", code - 1)))?),
        };
        let fields = byte(1);
        if fields & !(FIELD_DEVICE | FIELD_IP | FIELD_COUNTRY | FIELD_COORDINATES | FIELD_CHANNEL) != 0 {
            return Err(invalid("unknown event fields".into()));
        }
        let at = i64::from(u32::from_le_bytes([byte(2), byte(3), byte(4), byte(5)])) | i64::from(byte(6)) << 32;
        let mut string = |present: u8, index: u8, use_bit: u8, max: usize, check: fn(&str, usize) -> bool| -> Result<Option<&'a str>> {
            if fields & present == 0 {
                return Ok(None);
            }
            let i = usize::from(index);
            let text = *strings.get(i).ok_or_else(|| invalid(text!("string ", i, " is not in the table")))?;
            if let Some(done) = checked.get_mut(i) {
                if *done & use_bit == 0 {
                    valid &= check(text, max);
                    *done |= use_bit;
                }
            }
            Ok(Some(text))
        };
        let device_id = string(FIELD_DEVICE, byte(7), 1, MAX_DEVICE_ID_LEN, validate::is_short_id)?;
        let ip = string(FIELD_IP, byte(8), 2, MAX_IP_LEN, |text, max| text.len() <= max && validate::is_ip(text))?;
        let channel = string(FIELD_CHANNEL, byte(9), 4, MAX_CHANNEL_LEN, validate::is_short_id)?;
        let country = if fields & FIELD_COUNTRY != 0 {
            let code = record.get(10..12).unwrap_or_default();
            valid &= validate::is_country(code);
            Some(core::str::from_utf8(code).map_err(|_| invalid("country is not text".into()))?)
        } else {
            None
        };
        let (lat, lon) = if fields & FIELD_COORDINATES != 0 {
            let lat = i32::from_le_bytes([byte(12), byte(13), byte(14), byte(15)]);
            let lon = i32::from_le_bytes([byte(16), byte(17), byte(18), byte(19)]);
            valid &= lat.unsigned_abs() <= 900_000 && lon.unsigned_abs() <= 1_800_000;
            (Some(f64::from(lat) / 1e4), Some(f64::from(lon) / 1e4))
        } else {
            (None, None)
        };
        valid &= at <= MAX_TIME && at >= previous_at && (kind != EventType::CredentialChange || change.is_some());
        previous_at = at;
        if let Some(n) = counts.get_mut(super::class_index(kind)) {
            *n += 1;
        }
        events.push(EventRef { kind, at, device_id, ip, country, lat, lon, channel, change });
    }
    valid &= last_success_at.is_none_or(|at| at <= MAX_TIME) && super::within_caps(&counts);
    if valid {
        Ok(last_success_at)
    } else {
        // Something is wrong: let the full check name every problem with its path.
        Err(problems(last_success_at, events))
    }
}

/// The full, path-naming check of decoded events that a quick check found wrong.
fn problems(last_success_at: Option<i64>, events: &[EventRef<'_>]) -> Error {
    let mut problems = Vec::new();
    check_refs(&mut problems, "/history", last_success_at, events);
    Error::from_problems(problems).unwrap_or_else(|| invalid("the history does not validate".into()))
}

/// Encoding 1 (0.1.0): varints and inline strings.
fn decode_v1<'a>(r: &mut Reader<'a>, events: &mut Vec<EventRef<'a>>) -> Result<Option<i64>> {
    let flags = r.byte()?;
    if flags & !HAS_LAST_SUCCESS != 0 {
        return Err(invalid("unknown header flags".into()));
    }
    let last_success_at = if flags & HAS_LAST_SUCCESS != 0 { Some(r.time()?) } else { None };
    let count = r.varint()?;
    if count > MAX_EVENTS as u64 {
        return Err(invalid(text!(count, " events is more than a history holds (", MAX_EVENTS, ")")));
    }
    events.reserve(count as usize);
    for _ in 0..count {
        let kind = event_type(r.byte()?)?;
        let fields = r.byte()?;
        if fields & !(FIELD_DEVICE | FIELD_IP | FIELD_COUNTRY | FIELD_COORDINATES | FIELD_CHANNEL | FIELD_CHANGE) != 0 {
            return Err(invalid("unknown event fields".into()));
        }
        let mut event = EventRef { kind, at: r.time()?, device_id: None, ip: None, country: None, lat: None, lon: None, channel: None, change: None };
        if fields & FIELD_DEVICE != 0 {
            event.device_id = Some(r.string(MAX_DEVICE_ID_LEN)?);
        }
        if fields & FIELD_IP != 0 {
            event.ip = Some(r.string(MAX_IP_LEN)?);
        }
        if fields & FIELD_COUNTRY != 0 {
            let code = r.take(2)?;
            event.country = Some(core::str::from_utf8(code).map_err(|_| invalid("country is not text".into()))?);
        }
        if fields & FIELD_COORDINATES != 0 {
            event.lat = Some(unzigzag(r.varint()?)? as f64 / 1e4);
            event.lon = Some(unzigzag(r.varint()?)? as f64 / 1e4);
        }
        if fields & FIELD_CHANNEL != 0 {
            event.channel = Some(r.string(MAX_CHANNEL_LEN)?);
        }
        if fields & FIELD_CHANGE != 0 {
            event.change = Some(ChangeKind::ALL.get(usize::from(r.byte()?)).copied().ok_or_else(|| invalid("unknown change kind".into()))?);
        }
        events.push(event);
    }
    let mut problems = Vec::new();
    check_refs(&mut problems, "/history", last_success_at, events);
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
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).ok_or_else(truncated)?;
        let slice = self.bytes.get(self.at..end).ok_or_else(truncated)?;
        self.at = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8> {
        let byte = self.bytes.get(self.at).copied().ok_or_else(truncated)?;
        self.at += 1;
        Ok(byte)
    }

    /// A 40-bit time (range-checked by the caller's validation).
    fn u40(&mut self) -> Result<i64> {
        let b = self.take(5)?;
        Ok(b.iter().rev().fold(0i64, |acc, byte| acc << 8 | i64::from(*byte)))
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
        i64::try_from(value).ok().filter(|t| *t <= MAX_TIME).ok_or_else(|| invalid(text!("time ", value, " is out of range")))
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

fn unzigzag(value: u64) -> Result<i64> {
    let decoded = ((value >> 1) as i64) ^ -((value & 1) as i64);
    if decoded.unsigned_abs() > 1_800_000 {
        return Err(invalid("coordinates out of range".into()));
    }
    Ok(decoded)
}

fn event_type(code: u8) -> Result<EventType> {
    EventType::ALL.get(usize::from(code)).copied().ok_or_else(|| invalid(text!("unknown event type ", code)))
}
