//! The one door to randomness: the platform's secure source through `getrandom` (the JS
//! crypto API in wasm32-unknown-unknown). Used for token ids and recovery codes only, never
//! in a decision.

use crate::error::{Error, ErrorCode, Result};
use crate::text;

/// `N` bytes from the platform's secure random source.
pub fn bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| {
        let message = if e == getrandom::Error::UNSUPPORTED {
            // In wasm: the host has no Web Crypto API (src/wasm.rs imports it).
            "no secure random source here; in JavaScript the runtime must provide the Web Crypto API (`crypto.getRandomValues`)".into()
        } else {
            text!("the secure random source failed (error ", e.code().get(), ")")
        };
        Error::new(ErrorCode::RandomnessUnavailable, "", message)
    })?;
    Ok(buf)
}
