//! JSON in: parse a document into typed values and turn serde's failures into coded
//! [`Problem`]s with a JSON-pointer path. Also a map type that rejects duplicate keys, which
//! plain `BTreeMap` would silently overwrite.

use crate::error::{pointer_segment, Error, ErrorCode};
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// Largest JSON text accepted, so a hostile input cannot exhaust memory before validation.
pub const MAX_JSON_BYTES: usize = 1 << 20;

/// Parse a JSON object's text into `T`, mapping every serde failure to a coded error with its path.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    // serde would read a struct from an array positionally; documents here are objects.
    if text.trim_start().starts_with('[') {
        return Err(Error::new(ErrorCode::InvalidType, "", "expected a JSON object, found an array"));
    }
    if text.len() > MAX_JSON_BYTES {
        return Err(Error::new(ErrorCode::TooLong, "", format!("the JSON text is {} bytes; the limit is {MAX_JSON_BYTES}", text.len())));
    }
    // Plain serde_json (no path tracking: one instantiation of the serde code, several times
    // faster, and what keeps the wasm small); on failure, the path is recovered from the
    // error's position in the text (see `path_at`).
    let mut de = serde_json::Deserializer::from_str(text);
    let value = T::deserialize(&mut de).map_err(|e| convert_at(e, text))?;
    de.end().map_err(|e| Error::new(ErrorCode::InvalidJson, "", format!("trailing characters after the JSON value ({e})")))?;
    Ok(value)
}

/// Convert an already-parsed JSON value into `T` with the same error mapping.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(convert)
}

/// A serde_json failure while reading `text`, with the JSON pointer of where it happened.
fn convert_at(inner: serde_json::Error, text: &str) -> Error {
    let offset = text.split_inclusive('\n').take(inner.line().saturating_sub(1)).map(str::len).sum::<usize>() + inner.column();
    let mut path = path_at(text, offset);
    let message = inner.to_string();
    // An enum read from an object fails on the object's first key, which is not a place of its own.
    if message.starts_with("unknown variant") {
        if let Some(name) = quoted_name(&message) {
            if path.rsplit('/').next() == Some(pointer_segment(name).as_str()) {
                let cut = path.rfind('/').unwrap_or(0);
                path.truncate(cut);
            }
        }
    }
    coded(path, inner)
}

/// The JSON pointer of the value being read at byte `offset` of `text`: the containers open
/// there, each with its current key or index. serde_json reports a failure after the scalar
/// or key it read, or at the `{`/`[` of a container of the wrong type.
fn path_at(text: &str, offset: usize) -> String {
    enum Frame {
        Object { key: Option<String>, want_key: bool },
        Array { index: usize, started: bool },
    }
    fn value_started(stack: &mut [Frame]) {
        if let Some(Frame::Array { started, .. }) = stack.last_mut() {
            *started = true;
        }
    }
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match bytes.get(i).copied().unwrap_or(b' ') {
            b'{' => {
                value_started(&mut stack);
                stack.push(Frame::Object { key: None, want_key: true });
            }
            b'[' => {
                value_started(&mut stack);
                stack.push(Frame::Array { index: 0, started: false });
            }
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { key, want_key }) => {
                    *key = None;
                    *want_key = true;
                }
                Some(Frame::Array { index, .. }) => *index += 1,
                None => {}
            },
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while let Some(&b) = bytes.get(j) {
                    if b == b'"' {
                        break;
                    }
                    j += if b == b'\\' { 2 } else { 1 };
                }
                let raw = text.get(start..j.min(bytes.len())).unwrap_or("");
                match stack.last_mut() {
                    Some(Frame::Object { key, want_key }) if *want_key => {
                        *key = Some(serde_json::from_str(&format!("\"{raw}\"")).unwrap_or_else(|_| raw.to_string()));
                        *want_key = false;
                    }
                    _ => value_started(&mut stack),
                }
                i = j;
            }
            b' ' | b'\n' | b'\t' | b'\r' | b':' => {}
            _ => value_started(&mut stack),
        }
        i += 1;
    }
    if matches!(bytes.get(end), Some(b'{' | b'[')) {
        value_started(&mut stack);
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(key), .. } => {
                path.push('/');
                path.push_str(&pointer_segment(key));
            }
            Frame::Array { index, started: true } => {
                path.push('/');
                path.push_str(&index.to_string());
            }
            _ => {}
        }
    }
    path
}

fn convert(err: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let mut path = String::new();
    for segment in err.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => {
                path.push('/');
                path.push_str(&index.to_string());
            }
            serde_path_to_error::Segment::Map { key } => {
                path.push('/');
                path.push_str(&pointer_segment(key));
            }
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    coded(path, err.into_inner())
}

/// The coded error for a serde_json failure at `path`.
fn coded(mut path: String, inner: serde_json::Error) -> Error {
    let text = inner.to_string();
    // serde_json appends " at line L column C"; keep the message about the value itself.
    let message = match text.find(" at line ") {
        Some(cut) if inner.line() > 0 => text.get(..cut).unwrap_or(&text).to_string(),
        _ => text.clone(),
    };
    let code = classify(&inner, &message);
    if let Some(field) = quoted_name(&message) {
        let last = path.rsplit('/').next().unwrap_or("");
        let names_field = matches!(code, ErrorCode::MissingField | ErrorCode::UnknownField | ErrorCode::DuplicateKey);
        if names_field && last != pointer_segment(field) {
            path.push('/');
            path.push_str(&pointer_segment(field));
        }
    }
    let hint = match code {
        ErrorCode::UnknownField => " (remove it or check its spelling; unknown fields are rejected)",
        ErrorCode::MissingField => " (add it)",
        ErrorCode::DuplicateKey => " (each key may appear once)",
        _ => "",
    };
    Error::new(code, path, format!("{message}{hint}"))
}

fn classify(inner: &serde_json::Error, message: &str) -> ErrorCode {
    use serde_json::error::Category;
    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => ErrorCode::InvalidJson,
        Category::Data => {
            if message.starts_with("unknown field") {
                ErrorCode::UnknownField
            } else if message.starts_with("missing field") {
                ErrorCode::MissingField
            } else if message.starts_with("duplicate field") || message.starts_with("duplicate key") {
                ErrorCode::DuplicateKey
            } else if message.starts_with("unknown variant") {
                ErrorCode::UnknownVariant
            } else if message.starts_with("invalid value: integer")
                || message.starts_with("invalid value: floating")
                || message.contains("out of range")
            {
                ErrorCode::OutOfRange
            } else {
                ErrorCode::InvalidType
            }
        }
    }
}

/// The name between the first pair of backticks in a serde message, if any.
fn quoted_name(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message.get(start..)?.find('`')?;
    message.get(start..start + len)
}

/// A JSON object read into a sorted map that rejects a key given twice.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct UniqueMap<K: Ord, V>(pub BTreeMap<K, V>);

impl<K: Ord, V> Default for UniqueMap<K, V> {
    fn default() -> Self {
        UniqueMap(BTreeMap::new())
    }
}

impl<'de, K, V> Deserialize<'de> for UniqueMap<K, V>
where
    K: Deserialize<'de> + Ord + fmt::Display,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UniqueVisitor<K, V>(PhantomData<(K, V)>);
        impl<'de, K, V> Visitor<'de> for UniqueVisitor<K, V>
        where
            K: Deserialize<'de> + Ord + fmt::Display,
            V: Deserialize<'de>,
        {
            type Value = UniqueMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = BTreeMap::new();
                while let Some(key) = access.next_key::<K>()? {
                    if map.contains_key(&key) {
                        return Err(serde::de::Error::custom(format_args!("duplicate key `{key}`")));
                    }
                    let value = access.next_value::<V>()?;
                    map.insert(key, value);
                }
                Ok(UniqueMap(map))
            }
        }
        deserializer.deserialize_map(UniqueVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    // PANIC SAFETY: tests.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::{EvaluateRequest, Policy};

    fn path_of<T: DeserializeOwned + std::fmt::Debug>(text: &str) -> (ErrorCode, String) {
        let error = from_str::<T>(text).unwrap_err();
        (error.code(), error.path().to_string())
    }

    #[test]
    fn paths_come_from_the_error_position() {
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
                ErrorCode::UnknownVariant,
                "/account/factors/1",
            ),
            (r#"{"now": 1, "action": "login", "network": {"a/b~c": 1}}"#, ErrorCode::UnknownField, "/network/a~1b~0c"),
            (
                r#"{"now": 1, "action": "login", "network": {"ip": "1.2.3.4", "anonymizer": "vpnx"}}"#,
                ErrorCode::UnknownVariant,
                "/network/anonymizer",
            ),
            (r#"{"now": 1, "action": "login", "session": {"aal": 1}}"#, ErrorCode::MissingField, "/session/authTime"),
            (r#"{"action": "login"}"#, ErrorCode::MissingField, "/now"),
            ("{\n  \"now\": 1,\n  \"action\": \"login\",\n  \"device\": {\n    \"id\": 5\n  }\n}", ErrorCode::InvalidType, "/device/id"),
            (r#"{"now": 1, "action": "login", "device": {"id": "a\"}b", "botScore": true}}"#, ErrorCode::InvalidType, "/device/botScore"),
        ];
        for (text, code, path) in cases {
            assert_eq!(path_of::<EvaluateRequest>(text), (code, path.to_string()), "{text}");
        }
    }

    #[test]
    fn a_map_keyed_by_an_enum_keeps_its_key_in_the_path() {
        let mut policy: serde_json::Value = serde_json::from_str(crate::presets::json("ciam-retail").unwrap()).unwrap();
        policy["factors"]["totp"]["friction"] = serde_json::json!("low");
        let (code, path) = path_of::<Policy>(&serde_json::to_string_pretty(&policy).unwrap());
        assert_eq!((code, path.as_str()), (ErrorCode::InvalidType, "/factors/totp/friction"));
    }
}
