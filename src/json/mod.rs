//! JSON in and out, without serde: every wire type is read by [`FromJson`] straight from the
//! text (coded errors with JSON-pointer paths, unknown fields and duplicate keys rejected)
//! and written by [`ToJson`] to a [`JsonWriter`] — JSON text natively, or the compact value
//! tree the JavaScript boundary decodes (see `src/wasm.rs`).
//!
//! Why by hand: serde's derives, serde_json and serde-wasm-bindgen were three quarters of the
//! wasm (about 150 KiB of the 206 KiB gzipped, measured); the budget is 64 KiB for
//! everything. Wire types are declared once with [`wire_struct!`](crate::wire_struct) and
//! [`wire_enum!`](crate::wire_enum), which generate both directions.

pub mod number;
mod read;
mod wire;

pub use read::{Literal, Reader, MAX_DEPTH, MAX_ITEMS};

use crate::error::{Error, ErrorCode, Result};
use crate::text::{self, Piece};

/// Largest JSON text accepted, so a hostile input cannot exhaust memory before validation.
pub const MAX_JSON_BYTES: usize = 1 << 20;

/// A type read from JSON.
pub trait FromJson: Sized {
    /// Read one value at the reader's cursor.
    fn read(r: &mut Reader<'_>) -> Result<Self>;

    /// Read one value into `place`, dropping the value there. A wire struct's fields are read
    /// with this: one function per field type, where an assignment in every field's arm would
    /// repeat the move and the drop for each field (a third of the wasm is JSON readers).
    #[inline(never)]
    fn read_into(r: &mut Reader<'_>, place: &mut Self) -> Result<()> {
        *place = Self::read(r)?;
        Ok(())
    }
}

/// A wire struct, read one field at a time by [`Reader::fields`]: a trait object rather than a
/// closure, whose vtable would also carry a `call_once` shim for every struct.
#[doc(hidden)]
pub trait ReadField {
    /// Read the value of the field at `index` (of the struct's keys) into the struct.
    fn read_field(&mut self, r: &mut Reader<'_>, index: usize) -> Result<()>;
}

/// The value a wire struct's field holds before the field is read. Never observable: every
/// field is then read, defaulted or reported missing (see [`wire_struct!`](crate::wire_struct)).
#[doc(hidden)]
pub trait Placeholder {
    /// Whether the placeholder is `Default::default()`: a `default` field that is absent then
    /// keeps it, and the reader has no assignment to make.
    const IS_DEFAULT: bool = false;

    /// The placeholder.
    fn placeholder() -> Self;
}

macro_rules! default_placeholders {
    ($($t:ty),*) => {$(
        impl Placeholder for $t {
            const IS_DEFAULT: bool = true;
            fn placeholder() -> Self {
                Default::default()
            }
        }
    )*};
}
default_placeholders!(bool, u8, u32, u64, i64, f64, String);

impl<T> Placeholder for Option<T> {
    const IS_DEFAULT: bool = true;
    fn placeholder() -> Self {
        None
    }
}

impl<T> Placeholder for Vec<T> {
    const IS_DEFAULT: bool = true;
    fn placeholder() -> Self {
        Vec::new()
    }
}

impl<K, V> Placeholder for UniqueMap<K, V> {
    const IS_DEFAULT: bool = true;
    fn placeholder() -> Self {
        UniqueMap::default()
    }
}

/// A type written as JSON.
pub trait ToJson {
    /// Write this value.
    fn write_json(&self, w: &mut dyn JsonWriter);
}

/// Where [`ToJson`] writes: JSON text ([`TextWriter`]) or the JS boundary's value tree.
pub trait JsonWriter {
    /// Start an object; keys and values follow.
    fn begin_object(&mut self);
    /// A key of the current object (keys of wire types are static).
    fn key(&mut self, key: &'static str);
    /// A key that is data (the keys of a map).
    fn dynamic_key(&mut self, key: &str);
    /// End the current object.
    fn end_object(&mut self);
    /// Start an array.
    fn begin_array(&mut self);
    /// End the current array.
    fn end_array(&mut self);
    /// `null`.
    fn null(&mut self);
    /// `true` or `false`.
    fn boolean(&mut self, value: bool);
    /// An integer, exactly.
    fn integer(&mut self, value: i64);
    /// A number.
    fn float(&mut self, value: f64);
    /// A string.
    fn string(&mut self, value: &str);
    /// A string rendered in place from pieces (a message), without an intermediate `String`.
    fn rendered(&mut self, value: &dyn Piece);
}

/// Parse a whole JSON text into `T`.
pub fn from_str<T: FromJson>(text: &str) -> Result<T> {
    let mut reader = reader_of(text)?;
    let value = T::read(&mut reader)?;
    reader.end()?;
    Ok(value)
}

/// A reader of a whole JSON text, unless the text is too long (not generic: `from_str` is
/// instantiated for every document type).
fn reader_of(text: &str) -> Result<Reader<'_>> {
    if text.len() > MAX_JSON_BYTES {
        return Err(Error::new(
            ErrorCode::TooLong,
            "",
            crate::text!("the JSON text is ", text.len(), " bytes; the limit is ", MAX_JSON_BYTES),
        ));
    }
    Ok(Reader::new(text))
}

/// `value` as compact JSON text.
pub fn to_string<T: ToJson + ?Sized>(value: &T) -> String {
    let mut writer = TextWriter::default();
    value.write_json(&mut writer);
    writer.out
}

/// Compact JSON text. Numbers are written as Rust's `{}` writes them (integers exactly,
/// other numbers as the shortest decimal that reads back the same; non-finite as `null`).
#[derive(Debug, Default)]
pub struct TextWriter {
    out: String,
    need_comma: bool,
    after_key: bool,
}

impl TextWriter {
    /// The text written so far.
    pub fn into_string(self) -> String {
        self.out
    }

    fn before_value(&mut self) {
        if self.after_key {
            self.after_key = false;
        } else if self.need_comma {
            self.out.push(',');
        }
    }

    fn quoted(&mut self, value: &str) {
        self.out.push('"');
        let mut run = 0;
        for (i, b) in value.bytes().enumerate() {
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f => "",
                _ => continue,
            };
            self.out.push_str(value.get(run..i).unwrap_or(""));
            if escape.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.out.push_str("\\u00");
                for nibble in [b >> 4, b & 15] {
                    self.out.push(char::from(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')));
                }
            } else {
                self.out.push_str(escape);
            }
            run = i + 1;
        }
        self.out.push_str(value.get(run..).unwrap_or(""));
        self.out.push('"');
    }
}

impl JsonWriter for TextWriter {
    fn begin_object(&mut self) {
        self.before_value();
        self.out.push('{');
        self.need_comma = false;
    }
    fn key(&mut self, key: &'static str) {
        self.dynamic_key(key);
    }
    fn dynamic_key(&mut self, key: &str) {
        if self.need_comma {
            self.out.push(',');
        }
        self.quoted(key);
        self.out.push(':');
        self.after_key = true;
    }
    fn end_object(&mut self) {
        self.out.push('}');
        self.need_comma = true;
    }
    fn begin_array(&mut self) {
        self.before_value();
        self.out.push('[');
        self.need_comma = false;
    }
    fn end_array(&mut self) {
        self.out.push(']');
        self.need_comma = true;
    }
    fn null(&mut self) {
        self.before_value();
        self.out.push_str("null");
        self.need_comma = true;
    }
    fn boolean(&mut self, value: bool) {
        self.before_value();
        self.out.push_str(if value { "true" } else { "false" });
        self.need_comma = true;
    }
    fn integer(&mut self, value: i64) {
        self.before_value();
        text::put_i64(&mut self.out, value);
        self.need_comma = true;
    }
    fn float(&mut self, value: f64) {
        if !value.is_finite() {
            return self.null();
        }
        self.before_value();
        text::put_f64(&mut self.out, value);
        self.need_comma = true;
    }
    fn string(&mut self, value: &str) {
        self.before_value();
        self.quoted(value);
        self.need_comma = true;
    }
    fn rendered(&mut self, value: &dyn Piece) {
        let mut rendered = String::new();
        value.put(&mut rendered);
        self.string(&rendered);
    }
}

// ---------------------------------------------------------------------------------------
// Readers and writers of the basic types.

impl FromJson for bool {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        r.boolean()
    }
}

impl FromJson for String {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        r.string().map(|s| s.into_owned())
    }
}

impl FromJson for f64 {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let literal = r.number()?;
        let value = number::parse(literal.text);
        if value.is_finite() {
            Ok(value)
        } else {
            Err(Error::new(ErrorCode::OutOfRange, "", crate::text!(short(literal.text), " is too large for a number")))
        }
    }
}

/// An integer literal within `min..=max`.
fn integer(r: &mut Reader<'_>, min: i64, max: i64) -> Result<i64> {
    let literal = r.number()?;
    if !literal.integer {
        return Err(Error::new(ErrorCode::InvalidType, "", crate::text!("expected a whole number, found ", short(literal.text))));
    }
    let (negative, digits) = match literal.text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, literal.text),
    };
    let mut magnitude: u64 = 0;
    let mut overflow = false;
    for b in digits.bytes() {
        match magnitude.checked_mul(10).and_then(|m| m.checked_add(u64::from(b - b'0'))) {
            Some(m) => magnitude = m,
            None => overflow = true,
        }
    }
    let value = match (overflow, negative) {
        (true, _) => None,
        (false, false) => i64::try_from(magnitude).ok(),
        (false, true) => 0i64.checked_sub_unsigned(magnitude),
    };
    match value {
        Some(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(Error::new(ErrorCode::OutOfRange, "", crate::text!(short(literal.text), " is outside ", min, "..=", max))),
    }
}

macro_rules! integer_json {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            fn read(r: &mut Reader<'_>) -> Result<Self> {
                // In range by construction.
                integer(r, i64::try_from(<$t>::MIN).unwrap_or(i64::MIN), i64::try_from(<$t>::MAX).unwrap_or(i64::MAX)).map(|v| v as $t)
            }
        }
        impl ToJson for $t {
            fn write_json(&self, w: &mut dyn JsonWriter) {
                match i64::try_from(*self) {
                    Ok(v) => w.integer(v),
                    Err(_) => w.float(*self as f64),
                }
            }
        }
    )*};
}
integer_json!(u8, u32, i64);

/// `u64` values are read up to `i64::MAX` (every duration and count the engine reads is far
/// below); larger literals are `out_of_range`.
impl FromJson for u64 {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        integer(r, 0, i64::MAX).map(|v| v.unsigned_abs())
    }
}

impl ToJson for u64 {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        match i64::try_from(*self) {
            Ok(v) => w.integer(v),
            Err(_) => w.float(*self as f64),
        }
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        if r.null()? {
            Ok(None)
        } else {
            T::read(r).map(Some)
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let mut items = Vec::new();
        r.array(|r, _| {
            items.push(T::read(r)?);
            Ok(())
        })?;
        Ok(items)
    }
}

impl ToJson for bool {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        w.boolean(*self);
    }
}

impl ToJson for f64 {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        w.float(*self);
    }
}

impl ToJson for str {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        w.string(self);
    }
}

impl ToJson for String {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        w.string(self);
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        (**self).write_json(w);
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        match self {
            Some(value) => value.write_json(w),
            None => w.null(),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        w.begin_array();
        for item in self {
            item.write_json(w);
        }
        w.end_array();
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        self.as_slice().write_json(w);
    }
}

// ---------------------------------------------------------------------------------------
// Maps.

/// A type that can be the key of a JSON object.
pub trait JsonKey: Sized {
    /// The key from its text; unknown enum names are `unknown_variant`.
    fn from_key(key: &str) -> Result<Self>;
    /// Write this key.
    fn write_key(&self, w: &mut dyn JsonWriter);
}

impl JsonKey for String {
    fn from_key(key: &str) -> Result<Self> {
        Ok(key.to_string())
    }
    fn write_key(&self, w: &mut dyn JsonWriter) {
        w.dynamic_key(self);
    }
}

/// A JSON object read into a map sorted by key that rejects a key given twice (a plain map
/// would silently keep the last one). Backed by a sorted vector: a policy's maps hold a few
/// dozen entries at most (see [`crate::collections`] for why not a `BTreeMap`).
#[derive(Debug, Clone, PartialEq)]
pub struct UniqueMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for UniqueMap<K, V> {
    fn default() -> Self {
        UniqueMap(Vec::new())
    }
}

impl<K: Ord, V> UniqueMap<K, V> {
    fn position<Q: Ord + ?Sized>(&self, key: &Q) -> core::result::Result<usize, usize>
    where
        K: core::borrow::Borrow<Q>,
    {
        // A plain binary search: `binary_search_by`'s closure stays an out-of-line call per
        // probe at opt-level "z", and a decision looks up its action and factors here.
        let (mut low, mut high) = (0, self.0.len());
        while low < high {
            let mid = low + (high - low) / 2;
            let Some((k, _)) = self.0.get(mid) else { break };
            match k.borrow().cmp(key) {
                core::cmp::Ordering::Less => low = mid + 1,
                core::cmp::Ordering::Greater => high = mid,
                core::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(low)
    }

    /// Add an entry; `false` (and no change) when the key is there already.
    pub fn insert(&mut self, key: K, value: V) -> bool {
        match self.position(&key) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, (key, value));
                true
            }
        }
    }

    /// The value of `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: core::borrow::Borrow<Q>,
    {
        self.get_key_value(key).map(|(_, v)| v)
    }

    /// The stored key and the value of `key`.
    pub fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: core::borrow::Borrow<Q>,
    {
        let at = self.position(key).ok()?;
        self.0.get(at).map(|(k, v)| (k, v))
    }

    /// Whether `key` is in the map.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: core::borrow::Borrow<Q>,
    {
        self.position(key).is_ok()
    }
}

impl<K, V> UniqueMap<K, V> {
    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }

    /// Values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for UniqueMap<K, V> {
    /// A map of the pairs; of a key given twice, the first pair is kept.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let mut map = UniqueMap::default();
        for (k, v) in pairs {
            map.insert(k, v);
        }
        map
    }
}

impl<K: JsonKey + Ord, V: FromJson> FromJson for UniqueMap<K, V> {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let mut map = UniqueMap::default();
        r.object(|r, key| {
            let key = K::from_key(key)?;
            if map.contains_key(&key) {
                return Err(duplicate_key());
            }
            let value = V::read(r)?;
            map.insert(key, value);
            Ok(())
        })?;
        Ok(map)
    }
}

impl<K: JsonKey, V: ToJson> ToJson for UniqueMap<K, V> {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        w.begin_object();
        for (key, value) in &self.0 {
            key.write_key(w);
            value.write_json(w);
        }
        w.end_object();
    }
}

// ---------------------------------------------------------------------------------------
// What the generated readers call.

fn duplicate_key() -> Error {
    Error::new(ErrorCode::DuplicateKey, "", "this key appears twice; each key may appear once")
}

/// The error for a key a wire type does not have; `expected` lists the keys it has
/// ("`a`, `b`").
pub fn unknown_field(key: &str, expected: &str) -> Error {
    Error::new(
        ErrorCode::UnknownField,
        "",
        crate::text!("unknown field `", short(key), "`, expected one of ", expected, " (unknown fields are rejected)"),
    )
}

/// The error for a required key that is absent.
pub fn missing_field(key: &str) -> Error {
    Error::new(ErrorCode::MissingField, crate::text!("/", key), crate::text!("missing field `", key, "` (add it)"))
}

/// The bits of the fields marked `true`, field `i` at bit `i` (as [`Reader::fields`] reports them).
#[doc(hidden)]
pub const fn required_mask(required: &[bool]) -> u64 {
    let (mut mask, mut bit, mut rest) = (0u64, 1u64, required);
    while let [first, tail @ ..] = rest {
        if *first {
            mask |= bit;
        }
        bit <<= 1;
        rest = tail;
    }
    mask
}

/// `missing_field` for the first key, in declaration order, that `required` has and `seen` lacks.
#[doc(hidden)]
pub fn check_required(keys: &[&str], required: u64, seen: u64) -> Result<()> {
    let missing = required & !seen;
    if missing == 0 {
        return Ok(());
    }
    let first = usize::try_from(missing.trailing_zeros()).unwrap_or(usize::MAX);
    Err(missing_field(keys.get(first).copied().unwrap_or_default()))
}

/// The error for a name an enumeration does not have; `expected` lists the names it has,
/// each followed by ", ".
pub fn unknown_variant(name: &str, expected: &str) -> Error {
    Error::new(
        ErrorCode::UnknownVariant,
        "",
        crate::text!("unknown variant `", short(name), "`, expected one of ", without_last_separator(expected)),
    )
}

/// A list written as "`a`, `b`, " without its last ", ".
fn without_last_separator(list: &str) -> &str {
    list.get(..list.len().saturating_sub(2)).unwrap_or(list)
}

/// At most 64 characters of user input, for messages.
pub fn short(text: &str) -> &str {
    match text.char_indices().nth(64) {
        Some((cut, _)) => text.get(..cut).unwrap_or(text),
        None => text,
    }
}

/// Any JSON value, skipped: for a field whose presence is all that matters (a JWS `crit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnyValue;

impl FromJson for AnyValue {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        r.skip().map(|()| AnyValue)
    }
}

impl ToJson for AnyValue {
    fn write_json(&self, w: &mut dyn JsonWriter) {
        w.null();
    }
}

#[cfg(test)]
mod tests {
    // PANIC SAFETY: tests.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::{EvaluateRequest, Policy};

    fn failure<T: FromJson + std::fmt::Debug>(text: &str) -> (ErrorCode, String) {
        let error = from_str::<T>(text).unwrap_err();
        (error.code(), error.path().to_string())
    }

    #[test]
    fn errors_name_the_place_and_kind() {
        let cases = [
            (r#"{"now": 1, "action": "login", "device": {"botScore": "low"}}"#, ErrorCode::InvalidType, "/device/botScore"),
            (
                r#"{"now": 1, "action": "login", "session": {"aal": 1, "amr": ["pwd", 7], "authTime": 1}}"#,
                ErrorCode::InvalidType,
                "/session/amr/1",
            ),
            (
                r#"{"now": 1, "action": "login", "session": {"aal": 1, "amr": [[]], "authTime": 1}}"#,
                ErrorCode::InvalidType,
                "/session/amr/0",
            ),
            (
                r#"{"now": 1, "action": "login", "account": {"factors": ["passkey", {"x": 1}]}}"#,
                ErrorCode::InvalidType,
                "/account/factors/1",
            ),
            (
                r#"{"now": 1, "action": "login", "account": {"factors": ["passkey", "pigeon"]}}"#,
                ErrorCode::UnknownVariant,
                "/account/factors/1",
            ),
            (r#"{"now": 1, "action": "login", "network": {"a/b~c": 1}}"#, ErrorCode::UnknownField, "/network/a~1b~0c"),
            (r#"{"now": 1, "action": "login", "network": {"anonymizer": "vpnx"}}"#, ErrorCode::UnknownVariant, "/network/anonymizer"),
            (r#"{"now": 1, "action": "login", "session": {"aal": 1}}"#, ErrorCode::MissingField, "/session/authTime"),
            (r#"{"action": "login"}"#, ErrorCode::MissingField, "/now"),
            ("{\n  \"now\": 1,\n  \"action\": \"login\",\n  \"device\": {\n    \"id\": 5\n  }\n}", ErrorCode::InvalidType, "/device/id"),
            (r#"{"now": 1, "action": "login", "device": {"id": "a\"}b", "botScore": true}}"#, ErrorCode::InvalidType, "/device/botScore"),
            (r#"{"now": 1, "now": 2, "action": "login"}"#, ErrorCode::DuplicateKey, "/now"),
            (r#"{"now": 1.5, "action": "login"}"#, ErrorCode::InvalidType, "/now"),
            (r#"{"now": -1, "action": "login", "session": {"aal": 300, "authTime": 1}}"#, ErrorCode::OutOfRange, "/session/aal"),
            (r#"{"now": 1, "action": "login", "device": {"botScore": 1e400}}"#, ErrorCode::OutOfRange, "/device/botScore"),
            (r#"{"now": 99999999999999999999, "action": "login"}"#, ErrorCode::OutOfRange, "/now"),
            (r#"{"now": 1, "action": "login", "device": {"id": "x"} "#, ErrorCode::InvalidJson, "/device"),
            (r#"{"now": 01, "action": "login"}"#, ErrorCode::InvalidJson, "/now"),
            (r#"{"now": 1, "action": "login"} x"#, ErrorCode::InvalidJson, ""),
            (r#"{"now": 1, "action": "lo\ud800gin"}"#, ErrorCode::InvalidJson, "/action"),
            (r#"[1, "login"]"#, ErrorCode::InvalidType, ""),
            ("", ErrorCode::InvalidJson, ""),
            (r#"{"now": 1, "action": login}"#, ErrorCode::InvalidJson, "/action"),
        ];
        for (text, code, path) in cases {
            assert_eq!(failure::<EvaluateRequest>(text), (code, path.to_string()), "{text}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let text = format!(r#"{{"now": 1, "action": "login", "device": {{"id": {deep}}}}}"#);
        assert_eq!(failure::<EvaluateRequest>(&text).0, ErrorCode::InvalidType);
        let mut reader = Reader::new(&deep);
        assert_eq!(reader.skip().unwrap_err().code(), ErrorCode::TooLong);
    }

    #[test]
    fn strings_unescape_and_round_trip() {
        let text = r#"{"now": 1, "action": "a\"b\\c\/d\n\u00e9\ud83d\ude00\u0001"}"#;
        let request = from_str::<EvaluateRequest>(text).unwrap();
        assert_eq!(request.action, "a\"b\\c/d\né😀\u{1}");
        let again = from_str::<EvaluateRequest>(&to_string(&request)).unwrap();
        assert_eq!(again, request);
    }

    #[test]
    fn a_map_keyed_by_an_enum_keeps_its_key_in_the_path() {
        let policy = crate::presets::json("ciam-retail").unwrap().replacen("\"friction\": 3", "\"friction\": \"low\"", 1);
        let error = Policy::from_json(&policy).unwrap_err();
        assert_eq!((error.code(), error.path()), (ErrorCode::InvalidType, "/factors/password/friction"));
    }
}
