//! Reading JSON text straight into typed values: a recursive-descent reader, no intermediate
//! tree. A failure is a coded [`Error`] whose path is the JSON pointer of the offending value;
//! the path is assembled while the error travels out through the enclosing objects and
//! arrays, so reading valid input never builds a path at all.

use crate::error::{pointer_segment, Error, ErrorCode, Result};
use crate::text;
use std::borrow::Cow;

/// Deepest nesting accepted; no document of this crate nests more than a few levels.
pub const MAX_DEPTH: u32 = 64;

/// Most items in one array and keys in one object. The longest list any document holds is
/// an action catalog or a restricted-actions list (256); a history has at most 80 events.
/// Reading stops at the first item past it, so a request of a million one-letter strings
/// cannot grow the module's memory (which never shrinks) by ten megabytes before some check
/// refuses its length.
pub const MAX_ITEMS: usize = 1024;

/// A cursor over JSON text.
pub struct Reader<'t> {
    text: &'t str,
    pos: usize,
    depth: u32,
}

/// A number literal as written, checked against the JSON grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Literal<'t> {
    /// The literal's text.
    pub text: &'t str,
    /// Whether it is written as an integer (no fraction, no exponent).
    pub integer: bool,
}

impl<'t> Reader<'t> {
    /// A reader at the start of `text`.
    pub fn new(text: &'t str) -> Self {
        Reader { text, pos: 0, depth: 0 }
    }

    fn bytes(&self) -> &'t [u8] {
        self.text.as_bytes()
    }

    fn byte_at(&self, at: usize) -> Option<u8> {
        self.bytes().get(at).copied()
    }

    /// The next byte that is not whitespace (not consumed).
    pub fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.byte_at(self.pos) {
            self.pos += 1;
        }
        self.byte_at(self.pos)
    }

    /// What the next value is, for messages: "a string", "an array", …
    pub fn found(&mut self) -> &'static str {
        match self.peek() {
            Some(b'"') => "a string",
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            Some(b'-' | b'0'..=b'9') => "a number",
            Some(_) => "something that is not JSON",
            None => "the end of the text",
        }
    }

    /// An `invalid_type` error for the value at the cursor (`invalid_json` when there is no
    /// JSON value there at all).
    pub fn wrong_type(&mut self, expected: &str) -> Error {
        let found = self.found();
        if matches!(found, "something that is not JSON" | "the end of the text") {
            return self.syntax(&crate::text!("expected ", expected, ", found ", found));
        }
        Error::new(ErrorCode::InvalidType, "", text!("expected ", expected, ", found ", found))
    }

    /// An `invalid_json` error at the cursor.
    pub fn syntax(&self, what: &str) -> Error {
        let before = self.text.get(..self.pos.min(self.text.len())).unwrap_or("");
        let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        Error::new(ErrorCode::InvalidJson, "", text!(what, " at line ", line, ", column ", column))
    }

    fn expect_byte(&mut self, byte: u8, what: &str) -> Result<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(what))
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::new(ErrorCode::TooLong, "", text!("nested deeper than ", MAX_DEPTH, " levels")));
        }
        Ok(())
    }

    /// Read an object, calling `field` for each key with the reader at the key's value. An
    /// error from `field` gets the key added to its path.
    pub fn object(&mut self, mut field: impl FnMut(&mut Self, &str) -> Result<()>) -> Result<()> {
        // One copy of the reading loop for every wire type (a generic one was 60 copies, 90 KB).
        self.object_dyn(&mut field)
    }

    fn object_dyn(&mut self, field: &mut dyn FnMut(&mut Self, &str) -> Result<()>) -> Result<()> {
        if self.peek() != Some(b'{') {
            return Err(self.wrong_type("an object"));
        }
        self.pos += 1;
        self.enter()?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            let mut count = 0usize;
            loop {
                count += 1;
                if count > MAX_ITEMS {
                    return Err(too_many_items());
                }
                if self.peek() != Some(b'"') {
                    return Err(self.syntax("expected a key in double quotes"));
                }
                let key = self.string_literal()?;
                self.expect_byte(b':', "expected `:` after the key")?;
                field(self, &key).map_err(|e| e.nested_under(&text!("/", pointer_segment(&key))))?;
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.syntax("expected `,` or `}`").nested_under(&text!("/", pointer_segment(&key)))),
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Read the object of a wire struct whose keys are `keys` into `target`, field by field
    /// (by the position of each key); returns which keys were present (bit `i` for `keys[i]`). An
    /// unknown key and a key given twice are errors, named with the key's path.
    pub fn fields(&mut self, keys: &[&str], target: &mut dyn crate::json::ReadField) -> Result<u64> {
        let mut seen = 0u64;
        self.object_dyn(&mut |r, key| {
            let Some(index) = keys.iter().position(|k| *k == key) else {
                let mut expected = String::new();
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        expected.push_str(", ");
                    }
                    expected.push('`');
                    expected.push_str(k);
                    expected.push('`');
                }
                return Err(crate::json::unknown_field(key, &expected));
            };
            let bit = 1u64.checked_shl(u32::try_from(index).unwrap_or(u32::MAX)).unwrap_or(0);
            if seen & bit != 0 {
                return Err(Error::new(ErrorCode::DuplicateKey, "", "this key appears twice; each key may appear once"));
            }
            seen |= bit;
            target.read_field(r, index)
        })?;
        Ok(seen)
    }

    /// Read an array, calling `item` with each element's index. An error from `item` gets the
    /// index added to its path.
    pub fn array(&mut self, mut item: impl FnMut(&mut Self, usize) -> Result<()>) -> Result<()> {
        self.array_dyn(&mut item)
    }

    fn array_dyn(&mut self, item: &mut dyn FnMut(&mut Self, usize) -> Result<()>) -> Result<()> {
        if self.peek() != Some(b'[') {
            return Err(self.wrong_type("an array"));
        }
        self.pos += 1;
        self.enter()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            let mut index = 0usize;
            loop {
                if index >= MAX_ITEMS {
                    return Err(too_many_items());
                }
                item(self, index).map_err(|e| e.nested_under(&text!("/", index)))?;
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.syntax("expected `,` or `]`").nested_under(&text!("/", index))),
                }
                index += 1;
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Read a string value.
    pub fn string(&mut self) -> Result<Cow<'t, str>> {
        if self.peek() != Some(b'"') {
            return Err(self.wrong_type("a string"));
        }
        self.string_literal()
    }

    /// Read `true` or `false`.
    pub fn boolean(&mut self) -> Result<bool> {
        for (word, value) in [("true", true), ("false", false)] {
            if self.peek() == word.as_bytes().first().copied() {
                return self.keyword(word).map(|()| value);
            }
        }
        Err(self.wrong_type("a boolean"))
    }

    /// Consume `null` if it is next; whether it was.
    pub fn null(&mut self) -> Result<bool> {
        if self.peek() == Some(b'n') {
            self.keyword("null")?;
            return Ok(true);
        }
        Ok(false)
    }

    fn keyword(&mut self, word: &str) -> Result<()> {
        let end = self.pos + word.len();
        if self.text.get(self.pos..end) != Some(word) {
            return Err(self.syntax("expected a JSON value"));
        }
        self.pos = end;
        Ok(())
    }

    /// Read a number literal (its value is taken by the typed readers).
    pub fn number(&mut self) -> Result<Literal<'t>> {
        if !matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
            return Err(self.wrong_type("a number"));
        }
        let start = self.pos;
        let mut at = start;
        let digits = |at: &mut usize, reader: &Self| {
            let from = *at;
            while let Some(b'0'..=b'9') = reader.byte_at(*at) {
                *at += 1;
            }
            *at > from
        };
        if self.byte_at(at) == Some(b'-') {
            at += 1;
        }
        let int_start = at;
        if !digits(&mut at, self) || (self.byte_at(int_start) == Some(b'0') && at - int_start > 1) {
            self.pos = at;
            return Err(self.syntax("a number has at least one digit and no leading zeros"));
        }
        let mut integer = true;
        if self.byte_at(at) == Some(b'.') {
            at += 1;
            integer = false;
            if !digits(&mut at, self) {
                self.pos = at;
                return Err(self.syntax("expected digits after the decimal point"));
            }
        }
        if let Some(b'e' | b'E') = self.byte_at(at) {
            at += 1;
            integer = false;
            if let Some(b'+' | b'-') = self.byte_at(at) {
                at += 1;
            }
            if !digits(&mut at, self) {
                self.pos = at;
                return Err(self.syntax("expected digits in the exponent"));
            }
        }
        self.pos = at;
        Ok(Literal { text: self.text.get(start..at).unwrap_or("0"), integer })
    }

    /// Skip one value of any type.
    pub fn skip(&mut self) -> Result<()> {
        match self.peek() {
            Some(b'{') => self.object(|r, _| r.skip()),
            Some(b'[') => self.array(|r, _| r.skip()),
            Some(b'"') => self.string_literal().map(|_| ()),
            Some(b't' | b'f') => self.boolean().map(|_| ()),
            Some(b'n') => self.keyword("null"),
            _ => self.number().map(|_| ()),
        }
    }

    /// After the top-level value: only whitespace may follow.
    pub fn end(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.syntax("unexpected characters after the JSON value")),
        }
    }

    /// A string literal at the cursor (which is at its opening quote).
    fn string_literal(&mut self) -> Result<Cow<'t, str>> {
        self.pos += 1;
        let start = self.pos;
        // The common case: no escapes, so the value is a slice of the text.
        loop {
            match self.byte_at(self.pos) {
                Some(b'"') => {
                    let value = self.text.get(start..self.pos).unwrap_or("");
                    self.pos += 1;
                    return Ok(Cow::Borrowed(value));
                }
                Some(b'\\') => break,
                Some(0..=0x1f) => return Err(self.syntax("control characters in strings must be escaped")),
                Some(_) => self.pos += 1,
                None => return Err(self.syntax("unterminated string")),
            }
        }
        let mut out = String::from(self.text.get(start..self.pos).unwrap_or(""));
        loop {
            let run_start = self.pos;
            while let Some(b) = self.byte_at(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(run_start..self.pos).unwrap_or(""));
            match self.byte_at(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => return Err(self.syntax("control characters in strings must be escaped")),
                None => return Err(self.syntax("unterminated string")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<()> {
        let simple = match self.byte_at(self.pos) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let first = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&first) {
                    if self.text.get(self.pos..self.pos + 2) != Some("\\u") {
                        return Err(self.syntax("a lone surrogate is not a character"));
                    }
                    self.pos += 2;
                    let second = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&second) {
                        return Err(self.syntax("a lone surrogate is not a character"));
                    }
                    0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                } else {
                    first
                };
                let c = char::from_u32(code).ok_or_else(|| self.syntax("a lone surrogate is not a character"))?;
                out.push(c);
                return Ok(());
            }
            _ => return Err(self.syntax("unknown escape sequence")),
        };
        self.pos += 1;
        out.push(simple);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self.text.get(self.pos..self.pos + 4).ok_or_else(|| self.syntax("expected four hex digits"))?;
        let value = u32::from_str_radix(digits, 16).map_err(|_| self.syntax("expected four hex digits"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.syntax("expected four hex digits"));
        }
        self.pos += 4;
        Ok(value)
    }
}

/// The error for an array or object with more than [`MAX_ITEMS`] entries.
fn too_many_items() -> Error {
    Error::new(ErrorCode::TooLong, "", text!("more than ", MAX_ITEMS, " items; no list or map of ciam-policy holds that many"))
}
