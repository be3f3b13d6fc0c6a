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
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(convert)?;
    de.end().map_err(|e| Error::new(ErrorCode::InvalidJson, "", format!("trailing characters after the JSON value ({e})")))?;
    Ok(value)
}

/// Convert an already-parsed JSON value into `T` with the same error mapping.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(convert)
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
    let inner = err.into_inner();
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
