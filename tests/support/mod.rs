//! Shared test support: the generic data-driven case runner, and history bytes written by hand.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod case_runner;
pub mod history_bytes;

use ciam_policy::error::Error;
use ciam_policy::json::{FromJson, ToJson};
use serde_json::Value;

/// A wire type as a serde_json value (through its JSON text).
pub fn to_value<T: ToJson + ?Sized>(value: &T) -> Value {
    serde_json::from_str(&ciam_policy::json::to_string(value)).unwrap()
}

/// A wire type read from a serde_json value (through its JSON text).
pub fn from_value<T: FromJson>(value: &Value) -> Result<T, Error> {
    ciam_policy::json::from_str(&value.to_string())
}
