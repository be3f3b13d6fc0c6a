//! What a call writes for the JavaScript side to read: numbers in `words` and `nums`, every
//! string in one UTF-8 `text` (decoded once in JS, then sliced), bytes in `bytes`.
//!
//! Two layouts: a generic **value tree** (any [`ToJson`] value, read by one small decoder in
//! JS) and the fixed **decision** layout of `evaluate`, read by a decoder that knows the
//! decision's shape — building the object with known keys is about ten times faster in V8
//! than assigning keys that arrive as data (measured), and `evaluate` is the hot path.
//!
//! String positions are byte offsets into the text. When the text is all ASCII (nearly
//! always: names, codes and messages are), they are also its UTF-16 positions and the JS side
//! slices one decoded string; otherwise it decodes each string from its bytes.

use crate::api::Decision;
use crate::json::{JsonWriter, ToJson};
use crate::text::{Piece, TextSink};

/// What a call produced, as the JS side dispatches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Status {
    /// A decision in the decision layout.
    Decision = 0,
    /// A value tree.
    Value = 1,
    /// Bytes (a history).
    Bytes = 2,
    /// An error, as a value tree `{code, path, message, problems}`.
    Error = 3,
    /// The packed request cannot be decided as packed: send it as JSON text instead.
    Retry = 4,
    /// A policy error (thrown as `PolicyError`), as a value tree.
    PolicyError = 5,
}

/// Value tree operations; each is one word, some followed by one or two operand words.
pub mod op {
    /// `null`.
    pub const NULL: u32 = 0;
    /// `false`.
    pub const FALSE: u32 = 1;
    /// `true`.
    pub const TRUE: u32 = 2;
    /// A number: its index in `nums` follows.
    pub const NUMBER: u32 = 3;
    /// A string: the end of its text follows (it starts where the previous string ended).
    pub const STRING: u32 = 4;
    /// An array: its length follows, then its items.
    pub const ARRAY: u32 = 5;
    /// An object: its number of keys follows, then key, value, key, value, …
    pub const OBJECT: u32 = 6;
    /// A key that is a static string of the module: its address and length follow (the JS
    /// side decodes each such key once and keeps it).
    pub const KEY: u32 = 7;
    /// A key that is data: the end of its text follows.
    pub const KEY_TEXT: u32 = 8;
}

/// The buffers of one call's result; cleared, not freed, between calls.
#[derive(Debug, Default)]
pub struct Output {
    /// Operations and small numbers.
    pub words: Vec<u32>,
    /// Numbers that need a double.
    pub nums: Vec<f64>,
    /// Every string, concatenated, UTF-8.
    pub text: Vec<u8>,
    /// The bytes of a `Bytes` result.
    pub bytes: Vec<u8>,
    /// Open containers: the index of their count word, and whether they are arrays.
    open: Vec<(usize, bool)>,
}

impl Output {
    /// Empty every buffer, keeping their capacity.
    pub fn clear(&mut self) {
        self.words.clear();
        self.nums.clear();
        self.text.clear();
        self.bytes.clear();
        self.open.clear();
    }

    /// The end of the text so far.
    pub fn text_end(&self) -> u32 {
        u32::try_from(self.text.len()).unwrap_or(u32::MAX)
    }

    /// Write any value as a value tree.
    pub fn value(&mut self, value: &dyn ToJson) -> Status {
        self.clear();
        value.write_json(self);
        Status::Value
    }

    /// Write an error as a value tree.
    pub fn error(&mut self, error: &crate::Error, policy: bool) -> Status {
        self.value(error);
        if policy {
            Status::PolicyError
        } else {
            Status::Error
        }
    }

    /// Put `bytes` as the result.
    pub fn set_bytes(&mut self, bytes: &[u8]) -> Status {
        self.clear();
        self.bytes.extend_from_slice(bytes);
        Status::Bytes
    }

    fn push(&mut self, word: u32) {
        self.words.push(word);
    }

    fn put_text(&mut self, piece: &dyn Piece) -> u32 {
        piece.put(self);
        self.text_end()
    }

    /// Count a value in the enclosing array (an object counts its keys instead).
    fn item(&mut self) {
        if let Some((slot, true)) = self.open.last().copied() {
            if let Some(count) = self.words.get_mut(slot) {
                *count += 1;
            }
        }
    }

    fn begin(&mut self, operation: u32, is_array: bool) {
        self.item();
        self.push(operation);
        self.open.push((self.words.len(), is_array));
        self.push(0);
    }

    fn count_key(&mut self) {
        if let Some((slot, false)) = self.open.last().copied() {
            if let Some(count) = self.words.get_mut(slot) {
                *count += 1;
            }
        }
    }

    /// Write a decision in the decision layout (see `pkg-templates/api.js`, `readDecision`):
    ///
    /// ```text
    /// words: outcome, score, level, flags (1 stepUp, 2 challenge, 4 retryAfter, 8 challenge
    ///        by template), reasons n, stepUp aal, end of acr, end of challenge, factors k,
    ///        k factor indices, then n × (code index, points, end of message)
    /// nums:  retryAfter, maxAge
    /// text:  acr, challenge (with flag 8: only its action), messages (absent ones take no text)
    /// ```
    ///
    /// A challenge is its fixed words around the step-up's numbers, `acr` and the action. When
    /// none of them needs cleaning (always, for a validated policy), only the action is
    /// written and the JS side fills in the template (`challengeHeader`): writing and decoding
    /// the 150 bytes of fixed words was a tenth of a login's step-up.
    ///
    /// The policy's name and version are not written: they are the engine's, and the JS side
    /// has them from its creation (`src/wasm.rs`, `Engine::create`). An allow without reasons
    /// then has no text at all, and the JS side decodes none (a TextDecoder call is about a
    /// tenth of such a decision).
    pub fn decision(&mut self, d: &Decision<'_>) -> Status {
        self.clear();
        let mut flags = u32::from(d.step_up.is_some()) | u32::from(d.challenge.is_some()) << 1 | u32::from(d.retry_after.is_some()) << 2;
        let reasons = u32::try_from(d.reasons.len()).unwrap_or(0);
        let acr_end = match &d.step_up {
            Some(step_up) => self.put_text(&step_up.acr),
            None => self.text_end(),
        };
        let challenge_end = match (&d.challenge, &d.step_up) {
            (Some(challenge), Some(step_up)) if challenge.is_template_of(step_up) => {
                flags |= 8;
                self.put_text(&challenge.action)
            }
            (Some(challenge), _) => self.put_text(challenge),
            (None, _) => self.text_end(),
        };
        let aal = d.step_up.as_ref().map_or(0, |s| u32::from(s.aal));
        let factors: &[crate::Factor] = d.step_up.as_ref().map_or(&[], |s| &s.factors);
        self.words.extend_from_slice(&[
            d.outcome.index(),
            u32::from(d.risk.score),
            d.risk.level.index(),
            flags,
            reasons,
            aal,
            acr_end,
            challenge_end,
            u32::try_from(factors.len()).unwrap_or(0),
        ]);
        self.words.extend(factors.iter().map(|f| f.index()));
        for reason in &d.reasons {
            let end = self.put_text(&reason.message);
            self.words.extend_from_slice(&[reason.code.index(), u32::from(reason.points), end]);
        }
        // Both below 2^53 (validated durations), so exact as doubles.
        self.nums.push(d.retry_after.unwrap_or(0) as f64);
        self.nums.push(d.step_up.as_ref().map_or(0, |s| s.max_age) as f64);
        Status::Decision
    }
}

impl TextSink for Output {
    fn push_text(&mut self, text: &str) {
        self.text.extend_from_slice(text.as_bytes());
    }

    fn push_ascii(&mut self, ascii: &[u8]) {
        self.text.extend_from_slice(ascii);
    }
}

impl JsonWriter for Output {
    fn begin_object(&mut self) {
        self.begin(op::OBJECT, false);
    }
    fn key(&mut self, key: &'static str) {
        self.count_key();
        // The address of a static string is fixed for the module's lifetime, so the JS side
        // decodes each key once; wasm32 addresses fit a word.
        let address = key.as_ptr() as usize;
        self.words.extend_from_slice(&[op::KEY, u32::try_from(address).unwrap_or(0), u32::try_from(key.len()).unwrap_or(0)]);
    }
    fn dynamic_key(&mut self, key: &str) {
        self.count_key();
        let end = self.put_text(&key);
        self.words.extend_from_slice(&[op::KEY_TEXT, end]);
    }
    fn end_object(&mut self) {
        self.open.pop();
    }
    fn begin_array(&mut self) {
        self.begin(op::ARRAY, true);
    }
    fn end_array(&mut self) {
        self.open.pop();
    }
    fn null(&mut self) {
        self.item();
        self.push(op::NULL);
    }
    fn boolean(&mut self, value: bool) {
        self.item();
        self.push(if value { op::TRUE } else { op::FALSE });
    }
    fn integer(&mut self, value: i64) {
        // JS numbers are doubles; every integer the engine writes is far below 2^53.
        self.float(value as f64);
    }
    fn float(&mut self, value: f64) {
        self.item();
        let index = u32::try_from(self.nums.len()).unwrap_or(u32::MAX);
        self.nums.push(value);
        self.words.extend_from_slice(&[op::NUMBER, index]);
    }
    fn string(&mut self, value: &str) {
        self.rendered(&value);
    }
    fn rendered(&mut self, value: &dyn Piece) {
        self.item();
        let end = self.put_text(value);
        self.words.extend_from_slice(&[op::STRING, end]);
    }
}
