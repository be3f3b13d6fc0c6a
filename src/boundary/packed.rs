//! The packed `evaluate` request: the fields of a plain JS request object written into fixed
//! slots of a byte buffer by `packRequest` in `pkg-templates/api.js`, so a decision needs no
//! `JSON.stringify`, no JSON parsing and no string allocation (a request's strings are
//! borrowed from the buffer). The buffer is untrusted: every offset is checked, and anything
//! that does not fit the layout makes [`read`] return `None`; the JS side then sends the
//! request as JSON text, whose reader gives the exact coded error (or the same decision).
//!
//! ```text
//! bytes   0..72   nine f64: now, botScore, ipRisk, lat, lon, aal, authTime, createdAt, amount
//! words  18       presence flags (see `flag`)
//! words  19..37   (offset, length) of: action, device.id, network.ip, network.country,
//!                 network.anonymizer, transaction.currency, history bytes, sourceHistory bytes,
//!                 then the number of amr values and of factors
//! words  37..69   (offset, length) of up to 16 amr values
//! words  69..101  (offset, length) of up to 16 factors
//! word  101       where the strings end (the history bytes follow them)
//! bytes 408..     the strings, then the history bytes
//! ```

use crate::api::{AccountRef, Anonymizer, Attempt, DeviceRef, NetworkRef, SessionRef, TransactionRef};
use crate::policy::Factor;

/// Where the strings start; everything before is the fixed layout.
pub const HEAP: usize = 408;
/// Most amr values or factors a packed request carries (more go as JSON text).
pub const MAX_LIST: usize = 16;

/// The f64 slots.
pub mod number {
    /// `now`.
    pub const NOW: usize = 0;
    /// `device.botScore`.
    pub const BOT_SCORE: usize = 1;
    /// `network.ipRisk`.
    pub const IP_RISK: usize = 2;
    /// `network.lat`.
    pub const LAT: usize = 3;
    /// `network.lon`.
    pub const LON: usize = 4;
    /// `session.aal`.
    pub const AAL: usize = 5;
    /// `session.authTime`.
    pub const AUTH_TIME: usize = 6;
    /// `account.createdAt`.
    pub const CREATED_AT: usize = 7;
    /// `transaction.amount`.
    pub const AMOUNT: usize = 8;
}

/// The word slots.
pub mod word {
    /// Presence flags.
    pub const FLAGS: usize = 18;
    /// `action` (offset, length).
    pub const ACTION: usize = 19;
    /// `device.id`.
    pub const DEVICE_ID: usize = 21;
    /// `network.ip`.
    pub const IP: usize = 23;
    /// `network.country`.
    pub const COUNTRY: usize = 25;
    /// `network.anonymizer`.
    pub const ANONYMIZER: usize = 27;
    /// `transaction.currency`.
    pub const CURRENCY: usize = 29;
    /// `history` bytes.
    pub const HISTORY: usize = 31;
    /// `sourceHistory` bytes.
    pub const SOURCE_HISTORY: usize = 33;
    /// Number of amr values.
    pub const AMR_COUNT: usize = 35;
    /// Number of factors.
    pub const FACTOR_COUNT: usize = 36;
    /// The amr values' (offset, length) pairs.
    pub const AMR: usize = 37;
    /// The factors' (offset, length) pairs.
    pub const FACTORS: usize = 69;
    /// The end of the strings.
    pub const STRINGS_END: usize = 101;
}

/// Presence flags: an absent optional field (or `null`) has its flag clear.
pub mod flag {
    /// `device` is an object.
    pub const DEVICE: u32 = 1;
    /// `network` is an object.
    pub const NETWORK: u32 = 1 << 1;
    /// `session` is an object.
    pub const SESSION: u32 = 1 << 2;
    /// `account` is an object.
    pub const ACCOUNT: u32 = 1 << 3;
    /// `transaction` is an object.
    pub const TRANSACTION: u32 = 1 << 4;
    /// `device.id`.
    pub const DEVICE_ID: u32 = 1 << 5;
    /// `device.botScore`.
    pub const BOT_SCORE: u32 = 1 << 6;
    /// `device.known` is a boolean.
    pub const KNOWN: u32 = 1 << 7;
    /// … and it is `true`.
    pub const KNOWN_TRUE: u32 = 1 << 8;
    /// `device.managed` is a boolean.
    pub const MANAGED: u32 = 1 << 9;
    /// … and it is `true`.
    pub const MANAGED_TRUE: u32 = 1 << 10;
    /// `network.ip`.
    pub const IP: u32 = 1 << 11;
    /// `network.ipRisk`.
    pub const IP_RISK: u32 = 1 << 12;
    /// `network.anonymizer`.
    pub const ANONYMIZER: u32 = 1 << 13;
    /// `network.country`.
    pub const COUNTRY: u32 = 1 << 14;
    /// `network.lat`.
    pub const LAT: u32 = 1 << 15;
    /// `network.lon`.
    pub const LON: u32 = 1 << 16;
    /// `account.createdAt`.
    pub const CREATED_AT: u32 = 1 << 17;
    /// `account.breached` is `true`.
    pub const BREACHED: u32 = 1 << 18;
    /// `history` is bytes.
    pub const HISTORY: u32 = 1 << 19;
    /// `sourceHistory` is bytes.
    pub const SOURCE_HISTORY: u32 = 1 << 20;
}

/// The parts of a packed request that an [`Attempt`] borrows rather than holds: the session's
/// amr values, the account's factors, and the histories' bytes. The caller keeps them (on its
/// stack) and [`read`] fills them in place; returning them inside the attempt's struct cost a
/// copy of some 300 bytes per decision.
#[derive(Debug, Clone, Copy)]
pub struct Lists<'a> {
    /// The amr values.
    pub amr: [&'a str; MAX_LIST],
    /// How many amr values.
    pub amr_len: usize,
    /// The factors.
    pub factors: [Factor; MAX_LIST],
    /// How many factors.
    pub factors_len: usize,
    /// The account history's bytes, if given as bytes.
    pub history: Option<&'a [u8]>,
    /// The source history's bytes, if given as bytes.
    pub source_history: Option<&'a [u8]>,
}

impl Default for Lists<'_> {
    fn default() -> Self {
        Lists {
            amr: [""; MAX_LIST],
            amr_len: 0,
            factors: [Factor::Password; MAX_LIST],
            factors_len: 0,
            history: None,
            source_history: None,
        }
    }
}

/// Read a packed request into an attempt (its session's amr and its account's factors still
/// empty, its histories absent) and `lists`, or `None` when it does not fit the layout.
// Inlined into its one caller, so the attempt is built where it is used, not copied there.
#[inline(always)]
pub fn read<'a>(buffer: &'a [u8], lists: &mut Lists<'a>) -> Option<Attempt<'a>> {
    let b = Buffer::new(buffer)?;
    let flags = b.word(word::FLAGS);
    let has = |f: u32| flags & f != 0;
    let device = if has(flag::DEVICE) {
        Some(DeviceRef {
            id: b.optional_text(has(flag::DEVICE_ID), word::DEVICE_ID)?,
            bot_score: b.optional_number(has(flag::BOT_SCORE), number::BOT_SCORE)?,
            known: has(flag::KNOWN).then(|| has(flag::KNOWN_TRUE)),
            managed: has(flag::MANAGED).then(|| has(flag::MANAGED_TRUE)),
        })
    } else {
        None
    };
    let network = if has(flag::NETWORK) {
        let anonymizer = match b.optional_text(has(flag::ANONYMIZER), word::ANONYMIZER)? {
            Some(name) => Some(Anonymizer::from_wire(name)?),
            None => None,
        };
        Some(NetworkRef {
            ip: b.optional_text(has(flag::IP), word::IP)?,
            ip_risk: b.optional_number(has(flag::IP_RISK), number::IP_RISK)?,
            anonymizer,
            country: b.optional_text(has(flag::COUNTRY), word::COUNTRY)?,
            lat: b.optional_number(has(flag::LAT), number::LAT)?,
            lon: b.optional_number(has(flag::LON), number::LON)?,
        })
    } else {
        None
    };

    lists.amr_len = b.count(word::AMR_COUNT)?;
    for (i, slot) in lists.amr.iter_mut().enumerate().take(lists.amr_len) {
        *slot = b.text(word::AMR + 2 * i)?;
    }
    lists.factors_len = b.count(word::FACTOR_COUNT)?;
    for (i, slot) in lists.factors.iter_mut().enumerate().take(lists.factors_len) {
        *slot = Factor::from_wire(b.text(word::FACTORS + 2 * i)?)?;
    }
    lists.history = if has(flag::HISTORY) { Some(b.bytes(word::HISTORY)?) } else { None };
    lists.source_history = if has(flag::SOURCE_HISTORY) { Some(b.bytes(word::SOURCE_HISTORY)?) } else { None };

    Some(Attempt {
        now: integer(b.number(number::NOW)?)?,
        action: b.text(word::ACTION)?,
        device,
        network,
        session: if has(flag::SESSION) {
            let aal = u8::try_from(integer(b.number(number::AAL)?)?).ok()?;
            Some(SessionRef { aal, amr: &[], auth_time: integer(b.number(number::AUTH_TIME)?)? })
        } else {
            None
        },
        account: if has(flag::ACCOUNT) {
            let created_at = match b.optional_number(has(flag::CREATED_AT), number::CREATED_AT)? {
                Some(value) => Some(integer(value)?),
                None => None,
            };
            Some(AccountRef { created_at, factors: &[], breached: has(flag::BREACHED) })
        } else {
            None
        },
        transaction: if has(flag::TRANSACTION) {
            Some(TransactionRef { amount: b.number(number::AMOUNT)?, currency: b.text(word::CURRENCY)? })
        } else {
            None
        },
        history: None,
        source_history: None,
    })
}

/// A JS number as the i64 the JSON text of it would give: whole and within range, or `None`
/// (then the JSON reader reports the problem).
fn integer(value: f64) -> Option<i64> {
    // 2^63 as a double; every whole double below it converts exactly.
    (value.fract() == 0.0 && value.abs() < 9_223_372_036_854_775_808.0).then_some(value as i64)
}

/// The fixed layout read once, and the strings checked as UTF-8 once. Its slot readers are
/// `#[inline(always)]`: at opt-level "z" each stayed an out-of-line call, some forty per
/// decision, and inlined they made the module smaller too.
struct Buffer<'a> {
    buffer: &'a [u8],
    fixed: &'a [u8; HEAP],
    strings: &'a str,
}

impl<'a> Buffer<'a> {
    fn new(buffer: &'a [u8]) -> Option<Buffer<'a>> {
        let fixed: &[u8; HEAP] = buffer.get(..HEAP)?.try_into().ok()?;
        let mut b = Buffer { buffer, fixed, strings: "" };
        let end = usize::try_from(b.word(word::STRINGS_END)).ok()?;
        b.strings = core::str::from_utf8(buffer.get(HEAP..end)?).ok()?;
        Some(b)
    }

    #[inline(always)]
    fn word(&self, slot: usize) -> u32 {
        let at = slot * 4;
        match self.fixed.get(at..at + 4) {
            Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
            _ => 0,
        }
    }

    #[inline(always)]
    fn number(&self, slot: usize) -> Option<f64> {
        let at = slot * 8;
        let value = match self.fixed.get(at..at + 8) {
            Some(&[a, b, c, d, e, f, g, h]) => f64::from_le_bytes([a, b, c, d, e, f, g, h]),
            _ => return None,
        };
        // Non-finite numbers are `null` in JSON text: let the JSON reader decide.
        value.is_finite().then_some(value)
    }

    /// `Some(None)` when absent, `Some(Some(x))` when present and readable, `None` otherwise.
    #[inline(always)]
    fn optional_number(&self, present: bool, slot: usize) -> Option<Option<f64>> {
        if present {
            self.number(slot).map(Some)
        } else {
            Some(None)
        }
    }

    #[inline(always)]
    fn count(&self, slot: usize) -> Option<usize> {
        usize::try_from(self.word(slot)).ok().filter(|n| *n <= MAX_LIST)
    }

    #[inline(always)]
    fn range(&self, slot: usize) -> Option<(usize, usize)> {
        let offset = usize::try_from(self.word(slot)).ok()?;
        let length = usize::try_from(self.word(slot + 1)).ok()?;
        Some((offset, offset.checked_add(length)?))
    }

    fn bytes(&self, slot: usize) -> Option<&'a [u8]> {
        let (start, end) = self.range(slot)?;
        if start < HEAP {
            return None;
        }
        self.buffer.get(start..end)
    }

    /// A string: a slice of the strings, already checked as UTF-8.
    #[inline(always)]
    fn text(&self, slot: usize) -> Option<&'a str> {
        let (start, end) = self.range(slot)?;
        self.strings.get(start.checked_sub(HEAP)?..end.checked_sub(HEAP)?)
    }

    #[inline(always)]
    fn optional_text(&self, present: bool, slot: usize) -> Option<Option<&'a str>> {
        if present {
            self.text(slot).map(Some)
        } else {
            Some(None)
        }
    }
}

/// A packed request as bytes, the way `packRequest` in `pkg-templates/api.js` writes one
/// (for tests and benchmarks of the native side; the JS side has its own writer).
pub fn pack(request: &crate::api::EvaluateRequest, history: Option<&[u8]>, source_history: Option<&[u8]>) -> Option<Vec<u8>> {
    let mut out = vec![0u8; HEAP];
    let mut flags = 0u32;
    let put_number = |out: &mut Vec<u8>, slot: usize, value: f64| {
        if let Some(target) = out.get_mut(slot * 8..slot * 8 + 8) {
            target.copy_from_slice(&value.to_le_bytes());
        }
    };
    let put_word = |out: &mut Vec<u8>, slot: usize, value: u32| {
        if let Some(target) = out.get_mut(slot * 4..slot * 4 + 4) {
            target.copy_from_slice(&value.to_le_bytes());
        }
    };
    let put_bytes = |out: &mut Vec<u8>, slot: usize, bytes: &[u8]| {
        let offset = u32::try_from(out.len()).unwrap_or(0);
        out.extend_from_slice(bytes);
        put_word(out, slot, offset);
        put_word(out, slot + 1, u32::try_from(bytes.len()).unwrap_or(0));
    };
    put_number(&mut out, number::NOW, request.now as f64);
    put_bytes(&mut out, word::ACTION, request.action.as_bytes());
    if let Some(device) = &request.device {
        flags |= flag::DEVICE;
        if let Some(id) = &device.id {
            flags |= flag::DEVICE_ID;
            put_bytes(&mut out, word::DEVICE_ID, id.as_bytes());
        }
        if let Some(score) = device.bot_score {
            flags |= flag::BOT_SCORE;
            put_number(&mut out, number::BOT_SCORE, score);
        }
        if let Some(known) = device.known {
            flags |= flag::KNOWN | if known { flag::KNOWN_TRUE } else { 0 };
        }
        if let Some(managed) = device.managed {
            flags |= flag::MANAGED | if managed { flag::MANAGED_TRUE } else { 0 };
        }
    }
    if let Some(network) = &request.network {
        flags |= flag::NETWORK;
        for (present, slot, value) in [(flag::IP, word::IP, &network.ip), (flag::COUNTRY, word::COUNTRY, &network.country)] {
            if let Some(value) = value {
                flags |= present;
                put_bytes(&mut out, slot, value.as_bytes());
            }
        }
        if let Some(anonymizer) = network.anonymizer {
            flags |= flag::ANONYMIZER;
            put_bytes(&mut out, word::ANONYMIZER, anonymizer.as_str().as_bytes());
        }
        for (present, slot, value) in [
            (flag::IP_RISK, number::IP_RISK, network.ip_risk),
            (flag::LAT, number::LAT, network.lat),
            (flag::LON, number::LON, network.lon),
        ] {
            if let Some(value) = value {
                flags |= present;
                put_number(&mut out, slot, value);
            }
        }
    }
    if let Some(session) = &request.session {
        flags |= flag::SESSION;
        put_number(&mut out, number::AAL, f64::from(session.aal));
        put_number(&mut out, number::AUTH_TIME, session.auth_time as f64);
        if session.amr.len() > MAX_LIST {
            return None;
        }
        put_word(&mut out, word::AMR_COUNT, u32::try_from(session.amr.len()).unwrap_or(0));
        for (i, amr) in session.amr.iter().enumerate() {
            put_bytes(&mut out, word::AMR + 2 * i, amr.as_bytes());
        }
    }
    if let Some(account) = &request.account {
        flags |= flag::ACCOUNT;
        if let Some(created_at) = account.created_at {
            flags |= flag::CREATED_AT;
            put_number(&mut out, number::CREATED_AT, created_at as f64);
        }
        if account.breached {
            flags |= flag::BREACHED;
        }
        if account.factors.len() > MAX_LIST {
            return None;
        }
        put_word(&mut out, word::FACTOR_COUNT, u32::try_from(account.factors.len()).unwrap_or(0));
        for (i, factor) in account.factors.iter().enumerate() {
            put_bytes(&mut out, word::FACTORS + 2 * i, factor.as_str().as_bytes());
        }
    }
    if let Some(transaction) = &request.transaction {
        flags |= flag::TRANSACTION;
        put_number(&mut out, number::AMOUNT, transaction.amount);
        put_bytes(&mut out, word::CURRENCY, transaction.currency.as_bytes());
    }
    let strings_end = u32::try_from(out.len()).unwrap_or(0);
    put_word(&mut out, word::STRINGS_END, strings_end);
    for (present, slot, bytes) in [(flag::HISTORY, word::HISTORY, history), (flag::SOURCE_HISTORY, word::SOURCE_HISTORY, source_history)] {
        if let Some(bytes) = bytes {
            flags |= present;
            put_bytes(&mut out, slot, bytes);
        }
    }
    put_word(&mut out, word::FLAGS, flags);
    Some(out)
}
