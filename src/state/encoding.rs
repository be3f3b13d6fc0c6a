//! The compact, versioned byte form of a [`History`], for hosts that keep it in KV, a Durable
//! Object or a cookie. This build writes encoding 2 and reads 1 and 2.
//!
//! Encoding 2 is made to be read fast (a decision reads a whole history on every call): each
//! distinct string is stored once, and every event is a fixed 20-byte record, so reading is a
//! walk over records with no per-field parsing and each string is checked once.
//!
//! ```text
//! "CH" 2 flags:u8 [lastSuccessAt:u40]            flags: 1 = lastSuccessAt present
//! four string tables — device ids, addresses, channels, countries — each: count:u8, the
//!   lengths (one byte each), then the strings' bytes concatenated
//! events:u8, then each 20 bytes:
//!   type:u8 (low 4 bits; high 4 bits: change kind + 1, or 0)
//!   fields:u8 (1 device, 2 ip, 4 country, 8 coordinates, 16 channel)
//!   at:u40  device:u8  ip:u8  channel:u8  country:u8  0:u8  lat:i32  lon:i32 (1e-4 degrees)
//!   (device, ip, channel and country are positions in their tables)
//! ```
//!
//! Each table string is checked once, by the rule of its field in the JSON form; for a
//! decision, addresses are only checked to be address text (see [`Check`]).
//!
//! Encoding 1 (written by 0.1.0): `"CH" 1 flags [lastSuccessAt] count`, then per event
//! `type fields at [deviceId] [ip] [country] [lat lon] [channel] [change]` with LEB128
//! varints, zigzag coordinates and length-prefixed strings.
//!
//! Integers are little-endian. Decoding is defensive: lengths and positions are bounded,
//! every value is validated (as above), and an encoding newer than this build is
//! `unsupported_version`, never silently dropped.

use super::{check_refs, ChangeKind, EventRef, EventType, Fact, History, HistoryRef, Keys, Match, HISTORY_VERSION, MAX_EVENTS};
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

/// Encode a history into bytes.
pub fn encode(history: &History) -> Vec<u8> {
    encode_refs(history.last_success_at, &history.event_refs())
}

/// Encode a history given as its parts (encoding 2).
pub fn encode_refs<'a>(last_success_at: Option<i64>, events: &[EventRef<'a>]) -> Vec<u8> {
    let mut tables: [StringTable<'a>; 4] = core::array::from_fn(|_| StringTable::for_events(events.len()));
    let mut records = Vec::with_capacity(events.len() * RECORD);
    for event in events {
        let change = event.change.map_or(0, |c| c.index() as u8 + 1);
        let mut fields = 0;
        fields |= if event.device_id.is_some() { FIELD_DEVICE } else { 0 };
        fields |= if event.ip.is_some() { FIELD_IP } else { 0 };
        fields |= if event.country.is_some() { FIELD_COUNTRY } else { 0 };
        fields |= if event.lat.is_some() && event.lon.is_some() { FIELD_COORDINATES } else { 0 };
        fields |= if event.channel.is_some() { FIELD_CHANNEL } else { 0 };
        let [devices, addresses, channels, countries] = &mut tables;
        let [a0, a1, a2, a3, a4] = u40(event.at);
        let [la0, la1, la2, la3] = degrees_to_units(event.lat.filter(|_| event.lon.is_some())).to_le_bytes();
        let [lo0, lo1, lo2, lo3] = degrees_to_units(event.lon.filter(|_| event.lat.is_some())).to_le_bytes();
        // The record written whole: a `push` per byte was an out-of-line call each at
        // opt-level "z", and `record` writes every event of the history.
        records.extend_from_slice(&[
            event.kind.index() as u8 | change << 4,
            fields,
            a0,
            a1,
            a2,
            a3,
            a4,
            devices.position_of(event.device_id),
            addresses.position_of(event.ip),
            channels.position_of(event.channel),
            countries.position_of(event.country),
            0,
            la0,
            la1,
            la2,
            la3,
            lo0,
            lo1,
            lo2,
            lo3,
        ]);
    }
    let tables = tables.map(|t| t.strings);
    let mut out = Vec::with_capacity(32 + tables.iter().flatten().map(|s| s.len() + 1).sum::<usize>() + records.len());
    out.extend_from_slice(&MAGIC);
    out.push(ENCODING);
    out.push(if last_success_at.is_some() { HAS_LAST_SUCCESS } else { 0 });
    if let Some(at) = last_success_at {
        out.extend_from_slice(&u40(at));
    }
    for table in &tables {
        out.push(u8::try_from(table.len()).unwrap_or(u8::MAX));
        out.extend(table.iter().map(|text| u8::try_from(text.len()).unwrap_or(u8::MAX)));
        for text in table {
            out.extend_from_slice(text.as_bytes());
        }
    }
    out.push(u8::try_from(events.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(&records);
    out
}

/// A string table being built: each distinct string once, in order of first use, found
/// through 256 hash slots. A full history's device ids and addresses are looked up once per
/// event among up to 80 others: comparing the strings themselves (a `memcmp` call each) was
/// half the time of `record`, and a walk over their hashes still a third.
struct StringTable<'a> {
    strings: Vec<&'a str>,
    hashes: Vec<u32>,
    /// Open addressing by hash: 0 for an empty slot, else a string's position + 1. A table
    /// holds at most one string per event (`MAX_EVENTS`), far fewer than the slots.
    slots: [u8; 256],
}

impl<'a> StringTable<'a> {
    /// A table with room for `events` strings: it never grows while it is built.
    fn for_events(events: usize) -> Self {
        StringTable { strings: Vec::with_capacity(events), hashes: Vec::with_capacity(events), slots: [0; 256] }
    }

    /// The position of `text` if given (0 if not: the field's flag says it is absent).
    fn position_of(&mut self, text: Option<&'a str>) -> u8 {
        text.map_or(0, |text| self.position(text))
    }

    /// The position of `text`, added if new.
    fn position(&mut self, text: &'a str) -> u8 {
        let hash = fnv1a(text.as_bytes());
        let mut slot = hash as usize;
        for _ in 0..256 {
            slot &= 255;
            let mark = self.slots.get(slot).copied().unwrap_or(0);
            if mark == 0 {
                if let (Ok(mark), Some(empty)) = (u8::try_from(self.strings.len() + 1), self.slots.get_mut(slot)) {
                    *empty = mark;
                }
                break;
            }
            let at = usize::from(mark - 1);
            if self.hashes.get(at) == Some(&hash) && self.strings.get(at) == Some(&text) {
                return mark - 1;
            }
            slot += 1;
        }
        // New. Past 255 strings (an owned `History` longer than any `record` keeps) it has no
        // slot, and its position saturates as a byte, as it always has.
        self.strings.push(text);
        self.hashes.push(hash);
        u8::try_from(self.strings.len() - 1).unwrap_or(u8::MAX)
    }
}

/// FNV-1a, 32 bits: a quick filter before comparing strings, not a defence against anyone
/// (a collision only costs a comparison).
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, b| (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193))
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
    match read(bytes, events, Check::Full)? {
        Read::Packed(packed) => {
            events.extend(packed.iter());
            Ok(packed.last_success_at)
        }
        Read::Events(last_success_at) => Ok(last_success_at),
    }
}

/// Where decoded events are kept while a decision reads them: an encoding-2 history is read
/// in place (nothing is copied); an encoding-1 history is decoded into the vector.
#[derive(Debug, Default)]
pub struct ViewStorage<'a> {
    packed: Option<Packed<'a>>,
    events: Vec<EventRef<'a>>,
}

/// A validated view of a history given as bytes, its events kept in `storage`.
pub fn view<'a>(bytes: &'a [u8], storage: &'a mut ViewStorage<'a>) -> Result<HistoryRef<'a>> {
    match read(bytes, &mut storage.events, Check::Decision)? {
        Read::Packed(packed) => Ok(HistoryRef::packed(storage.packed.insert(packed))),
        Read::Events(last_success_at) => Ok(HistoryRef::new(last_success_at, &storage.events)),
    }
}

// Lives on the stack for one call; boxing the large variant would allocate on every decision.
#[allow(clippy::large_enum_variant)]
enum Read<'a> {
    /// Encoding 2, validated, read in place.
    Packed(Packed<'a>),
    /// Encoding 1, decoded into the vector given; `lastSuccessAt`.
    Events(Option<i64>),
}

fn read<'a>(bytes: &'a [u8], events: &mut Vec<EventRef<'a>>, check: Check) -> Result<Read<'a>> {
    if bytes.len() > MAX_ENCODED_BYTES {
        // Without the length: the JS side passes only the first MAX_ENCODED_BYTES + 1 bytes of a
        // larger array (never copying gigabytes in), and the answer must be the same.
        return Err(invalid(text!("larger than any history (at most ", MAX_ENCODED_BYTES, " bytes)")));
    }
    let mut r = Reader { bytes, at: 0 };
    if r.take(2)? != MAGIC {
        return Err(invalid("not a ciam-policy history (bad magic bytes)".into()));
    }
    let version = r.byte()?;
    let read = match version {
        1 => Read::Events(decode_v1(&mut r, events)?),
        2 => Read::Packed(Packed::read(&mut r, check)?),
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
    Ok(read)
}

/// One of encoding 2's string tables: the strings' bytes concatenated, and each one's length.
/// Small on purpose: a decision reads it in place and moves it around by value.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Table<'a> {
    /// The strings' bytes (ASCII when the table is valid; each string is made text when read).
    bytes: &'a [u8],
    lengths: &'a [u8],
}

/// Whether every byte is printable ASCII without space (0x21–0x7E, as
/// [`validate::is_short_id`]), eight bytes at a time: a table's bytes are checked on every
/// decision.
fn all_graphic(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    // A plain loop, as the records' below: `chunks_exact`'s `next` is not always inlined.
    let mut at = 0usize;
    while let Some(word) = at.checked_add(8).and_then(|end| bytes.get(at..end)) {
        at += 8;
        let w = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        // "Has a byte below 0x21" and "has a byte above 0x7E" (Anderson's bit hacks, exact
        // for these bounds).
        let below = w.wrapping_sub(0x21 * ONES) & !w & HIGH_BITS;
        let above = (w.wrapping_add(ONES) | w) & HIGH_BITS;
        if below | above != 0 {
            return false;
        }
    }
    bytes.get(at..).unwrap_or_default().iter().all(|b| matches!(b, b'!'..=b'~'))
}

/// Countries: as [`validate::is_country`].
fn all_country_bytes(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// How much of a history's strings is checked when it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Everything, by the rules of the JSON form: decoding, and `record` (which writes the
    /// strings back).
    Full,
    /// For a decision: every string within its table's lengths and alphabet, where the
    /// alphabet of addresses is printable ASCII: they are not parsed. A decision only ever compares a stored address with the request's (parsed)
    /// one for equality, so text that is not an address can only ever be "another address";
    /// parsing every stored address was half the time of a decision with a full history.
    Decision,
}

impl<'a> Table<'a> {
    /// Read a table, clearing `valid` unless every string's length is in `lengths` and the
    /// bytes pass `alphabet`.
    fn read(
        r: &mut Reader<'a>,
        lengths: core::ops::RangeInclusive<u8>,
        alphabet: fn(&[u8]) -> bool,
        valid: &mut bool,
    ) -> Result<Table<'a>> {
        let count = usize::from(r.byte()?);
        if count > MAX_EVENTS {
            return Err(invalid(text!(count, " strings is more than a history holds")));
        }
        let string_lengths = r.take(count)?;
        // One plain loop for the total and the bounds: the iterator adapters stayed
        // out-of-line calls in wasm at opt-level "z" (four tables on every decision).
        let (mut total, mut in_bounds) = (0usize, true);
        for n in string_lengths {
            total += usize::from(*n);
            in_bounds &= (*lengths.start() <= *n) & (*n <= *lengths.end());
        }
        let bytes = r.take(total)?;
        *valid &= in_bounds && alphabet(bytes);
        // Not checked as UTF-8 here: every alphabet is ASCII, so a valid table is text
        // throughout, and each string is made text only when it is read (`strings`, `get`).
        Ok(Table { bytes, lengths: string_lengths })
    }

    fn len(&self) -> usize {
        self.lengths.len()
    }

    /// The strings in table order (a string cut inside a character reads as empty).
    fn strings(&self) -> impl Iterator<Item = &'a str> + '_ {
        let bytes = self.bytes;
        self.lengths.iter().scan(0usize, move |start, n| {
            let end = *start + usize::from(*n);
            let string = bytes.get(*start..end).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or_default();
            *start = end;
            Some(string)
        })
    }

    /// Every position of `text` in the table: a walk over the lengths, comparing bytes only
    /// where the length and the last byte match (stored addresses and device ids tend to
    /// share their beginnings, not their ends). Every one, not the first: `record` never
    /// writes a string twice, but bytes come from outside, and an event must match by its
    /// string's text, as in the history's JSON form.
    fn positions_of(&self, text: Option<&str>) -> PositionSet {
        let mut found = PositionSet::default();
        let Some(wanted) = text.map(str::as_bytes) else { return found };
        let Some(&last) = wanted.last() else { return found };
        let bytes = self.bytes;
        // Counted by hand, not with `enumerate()`: at opt-level "z" its `next` (with the
        // overflow check) stays an out-of-line call per string in wasm.
        let (mut start, mut i) = (0usize, 0usize);
        for n in self.lengths {
            let end = start + usize::from(*n);
            if end - start == wanted.len() && bytes.get(end.wrapping_sub(1)) == Some(&last) && bytes.get(start..end) == Some(wanted) {
                found.insert(i);
            }
            start = end;
            i += 1;
        }
        found
    }

    /// Every string, in table order (`None` where one is not UTF-8, as [`Table::get`] reads it).
    fn split(&self) -> Vec<Option<&'a str>> {
        let mut strings = Vec::with_capacity(self.lengths.len());
        let mut start = 0usize;
        for n in self.lengths {
            let end = start + usize::from(*n);
            strings.push(self.bytes.get(start..end).and_then(|b| core::str::from_utf8(b).ok()));
            start = end;
        }
        strings
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        let length = usize::from(*self.lengths.get(i)?);
        let start: usize = self.lengths.get(..i)?.iter().map(|n| usize::from(*n)).sum();
        core::str::from_utf8(self.bytes.get(start..start + length)?).ok()
    }
}

/// An encoding-2 history read in place: its string tables and its records, validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Packed<'a> {
    /// The last successful sign-in ever.
    pub last_success_at: Option<i64>,
    /// Device ids, addresses, channels, countries.
    tables: [Table<'a>; 4],
    records: &'a [u8],
}

impl<'a> Packed<'a> {
    /// Read and validate everything after the version byte.
    fn read(r: &mut Reader<'a>, check: Check) -> Result<Packed<'a>> {
        let flags = r.byte()?;
        if flags & !HAS_LAST_SUCCESS != 0 {
            return Err(invalid("unknown header flags".into()));
        }
        let last_success_at = if flags & HAS_LAST_SUCCESS != 0 { Some(r.u40()?) } else { None };
        let mut valid = last_success_at.is_none_or(|at| at <= MAX_TIME);
        let tables = [
            Table::read(r, 1..=MAX_DEVICE_ID_LEN as u8, all_graphic, &mut valid)?,
            Table::read(r, 2..=MAX_IP_LEN as u8, all_graphic, &mut valid)?,
            Table::read(r, 1..=MAX_CHANNEL_LEN as u8, all_graphic, &mut valid)?,
            Table::read(r, 2..=2, all_country_bytes, &mut valid)?,
        ];
        if check == Check::Full {
            let [_, addresses, ..] = &tables;
            valid &= addresses.strings().all(validate::is_ip);
        }
        let count = usize::from(r.byte()?);
        if count > MAX_EVENTS {
            return Err(invalid(text!(count, " events is more than a history holds (", MAX_EVENTS, ")")));
        }
        let packed = Packed { last_success_at, tables, records: r.take(count * RECORD)? };
        // One pass over the records (it runs on every decision): a structural problem is an
        // error at once; a value out of its range clears `valid` for the full check below.
        let [devices, addresses, channels, countries] = tables.map(|t| t.len());
        let in_table = |fields: u8, field: u8, index: u8, len: usize| fields & field == 0 || usize::from(index) < len;
        let mut counts = [0usize; 4];
        let mut previous_at = 0;
        // A plain loop over the records, not `chunks_exact`: whether the optimizers inline its
        // `next` depends on how many other places use it, and once another use was added
        // elsewhere it stayed a call per record (the payout 1.12–1.14× slower, bench/README.md).
        let mut at = 0usize;
        while let Some(record) = at.checked_add(RECORD).and_then(|end| packed.records.get(at..end)) {
            at += RECORD;
            let Ok(
                &[kind, fields, a0, a1, a2, a3, a4, device, ip, channel, country, spare, lat0, lat1, lat2, lat3, lon0, lon1, lon2, lon3],
            ) = <&[u8; RECORD]>::try_from(record)
            else {
                continue;
            };
            let type_index = usize::from(kind & 15);
            let Some(class) = CLASS_OF_TYPE.get(type_index).copied().filter(|class| *class < 4) else {
                return Err(invalid(text!("unknown event type ", kind & 15)));
            };
            if usize::from(kind >> 4) > ChangeKind::ALL.len() {
                return Err(invalid(text!("unknown change kind ", (kind >> 4) - 1)));
            }
            if fields & !(FIELD_DEVICE | FIELD_IP | FIELD_COUNTRY | FIELD_COORDINATES | FIELD_CHANNEL) != 0 || spare != 0 {
                return Err(invalid("unknown event fields".into()));
            }
            if !(in_table(fields, FIELD_DEVICE, device, devices)
                && in_table(fields, FIELD_IP, ip, addresses)
                && in_table(fields, FIELD_CHANNEL, channel, channels)
                && in_table(fields, FIELD_COUNTRY, country, countries))
            {
                return Err(invalid("a string position is not in its table".into()));
            }
            if fields & FIELD_COORDINATES != 0 {
                let lat = i32::from_le_bytes([lat0, lat1, lat2, lat3]);
                let lon = i32::from_le_bytes([lon0, lon1, lon2, lon3]);
                valid &= lat.unsigned_abs() <= 900_000 && lon.unsigned_abs() <= 1_800_000;
            }
            let at = i64::from(u32::from_le_bytes([a0, a1, a2, a3])) | i64::from(a4) << 32;
            valid &= at <= MAX_TIME && at >= previous_at && (type_index != CREDENTIAL_CHANGE || kind >> 4 != 0);
            previous_at = at;
            if let Some(n) = counts.get_mut(usize::from(class)) {
                *n += 1;
            }
        }
        if valid && super::within_caps(&counts) {
            Ok(packed)
        } else if tables.iter().any(|table| core::str::from_utf8(table.bytes).is_err()) {
            // Strings that are not text failed their alphabet; the full check below could only
            // read them as absent.
            Err(invalid("a string is not UTF-8".into()))
        } else {
            // Something is wrong: let the full check name every problem with its path.
            Err(problems(last_success_at, &packed.iter().collect::<Vec<_>>()))
        }
    }

    /// How many events.
    pub fn len(&self) -> usize {
        self.records.len() / RECORD
    }

    /// Whether there are no events.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The events, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = EventRef<'a>> + '_ {
        // Each table split into its strings once: finding a string by its position walks the
        // table's lengths, and decoding a history (`record` does) finds three per event.
        let strings = self.tables.map(|table| table.split());
        self.records
            .chunks_exact(RECORD)
            .map(move |record| self.event_with(record, |table, index| strings.get(table).and_then(|s| s.get(index).copied().flatten())))
    }

    /// Where the request's device, address and country are in the tables (see [`Positions`]).
    pub(crate) fn positions(&self, keys: &Keys<'_>) -> Positions {
        let [devices, ips, _, countries] = &self.tables;
        Positions {
            device: devices.positions_of(keys.device),
            ip: ips.positions_of(keys.ip),
            country: countries.positions_of(keys.country),
        }
    }

    /// The fact of event `position` (see [`HistoryRef::facts`]): table positions compared,
    /// not strings.
    #[inline(always)]
    pub(crate) fn fact(&self, position: usize, positions: &Positions) -> Option<Fact> {
        let start = position.checked_mul(RECORD)?;
        let record = self.records.get(start..start.checked_add(RECORD)?)?;
        let &[kind, fields, a0, a1, a2, a3, a4, d, i, _, c, ..] = <&[u8; RECORD]>::try_from(record).ok()?;
        Some(Fact {
            kind: EventType::ALL.get(usize::from(kind & 15)).copied().unwrap_or(EventType::SignOutEverywhere),
            at: i64::from(u32::from_le_bytes([a0, a1, a2, a3])) | i64::from(a4) << 32,
            device: match_of(fields & FIELD_DEVICE != 0, d, &positions.device),
            ip: match_of(fields & FIELD_IP != 0, i, &positions.ip),
            country: match_of(fields & FIELD_COUNTRY != 0, c, &positions.country),
            position,
        })
    }

    /// The record of event `i`.
    #[inline(always)]
    pub(crate) fn record(&self, i: usize) -> Option<&'a [u8]> {
        let start = i.checked_mul(RECORD)?;
        self.records.get(start..start.checked_add(RECORD)?)
    }

    /// The event of a record (validated by [`Packed::read`]; anything else reads as absent).
    #[inline(always)]
    pub(crate) fn event(&self, record: &[u8]) -> EventRef<'a> {
        self.event_with(record, |table, index| self.tables.get(table).and_then(|t| t.get(index)))
    }

    /// The event of a record with every string absent (see [`HistoryRef::place`]).
    #[inline(always)]
    pub(crate) fn event_without_strings(&self, record: &[u8]) -> EventRef<'a> {
        self.event_with(record, |_, _| None)
    }

    /// The event of a record, its strings found by `string(table, position)`.
    #[inline(always)]
    fn event_with(&self, record: &[u8], string: impl Fn(usize, usize) -> Option<&'a str>) -> EventRef<'a> {
        let byte = |i: usize| record.get(i).copied().unwrap_or(0);
        let (kind, fields) = (byte(0), byte(1));
        let string = |table: usize, present: u8, index: u8| {
            if fields & present == 0 {
                return None;
            }
            string(table, usize::from(index))
        };
        let coordinates = fields & FIELD_COORDINATES != 0;
        let degrees =
            |at: usize| coordinates.then(|| f64::from(i32::from_le_bytes([byte(at), byte(at + 1), byte(at + 2), byte(at + 3)])) / 1e4);
        EventRef {
            kind: EventType::ALL.get(usize::from(kind & 15)).copied().unwrap_or(EventType::SignOutEverywhere),
            at: i64::from(u32::from_le_bytes([byte(2), byte(3), byte(4), byte(5)])) | i64::from(byte(6)) << 32,
            device_id: string(0, FIELD_DEVICE, byte(7)),
            ip: string(1, FIELD_IP, byte(8)),
            channel: string(2, FIELD_CHANNEL, byte(9)),
            country: string(3, FIELD_COUNTRY, byte(10)),
            lat: degrees(12),
            lon: degrees(16),
            change: usize::from(kind >> 4).checked_sub(1).and_then(|i| ChangeKind::ALL.get(i).copied()),
        }
    }
}

/// Where a request's values are in a history's tables: the positions of each, compared with
/// each event's positions (the request's strings are found once, not once per event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Positions {
    device: PositionSet,
    ip: PositionSet,
    country: PositionSet,
}

/// How an event's string at `index` (when `present`) compares with the request's value, at
/// `key` in the table. Always inlined, and called directly: it runs three times per event of every
/// decision, and through a closure it stayed a call (the payout 1.2 times slower).
#[inline(always)]
fn match_of(present: bool, index: u8, key: &PositionSet) -> Match {
    if !present {
        Match::Absent
    } else if key.contains(index) {
        Match::Same
    } else {
        Match::Other
    }
}

/// The positions of one string in one table, a bit each: nearly always one or none, but a
/// table may hold a string twice. A table holds at most `MAX_EVENTS` (80) strings: two words,
/// as wasm has no 128-bit shifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct PositionSet([u64; 2]);

// Every position of a table fits the set.
const _: () = assert!(MAX_EVENTS <= 128);

impl PositionSet {
    fn insert(&mut self, position: usize) {
        if let Some(word) = self.0.get_mut(position / 64) {
            *word |= 1 << (position % 64);
        }
    }

    #[inline(always)]
    fn contains(&self, position: u8) -> bool {
        self.0.get(usize::from(position / 64)).is_some_and(|word| word >> (position % 64) & 1 != 0)
    }
}

/// The type code of `credential_change`, the only event with a change kind.
const CREDENTIAL_CHANGE: usize = EventType::CredentialChange as usize;

/// Each type code's class position (see [`super::class_index`]); 4 (no class) for codes no
/// event has.
// PANIC SAFETY: evaluated at compile time; an index out of bounds would not compile.
#[allow(clippy::indexing_slicing)]
const CLASS_OF_TYPE: [u8; 16] = {
    let mut classes = [4u8; 16];
    let mut i = 0;
    while i < EventType::ALL.len() {
        classes[i] = super::class_index(EventType::ALL[i]) as u8;
        i += 1;
    }
    classes
};

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
        let mut event =
            EventRef { kind, at: r.time()?, device_id: None, ip: None, country: None, lat: None, lon: None, channel: None, change: None };
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

#[cfg(test)]
mod tests {
    // PANIC SAFETY: tests.
    #![allow(clippy::indexing_slicing)]
    use super::all_graphic;

    #[test]
    fn the_word_check_agrees_with_the_byte_check() {
        // Every byte value at every position of every length up to three words and a bit.
        for len in 1..=27 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    assert_eq!(all_graphic(&bytes), matches!(byte, b'!'..=b'~'), "{byte:#x} at {at} of {len}");
                }
            }
        }
        assert!(all_graphic(b""));
        assert!(all_graphic(b"!~!~!~!~!~!~!~!~!~"));
    }
}
