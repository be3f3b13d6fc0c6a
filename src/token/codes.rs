//! Saved recovery codes: 80 random bits each, written as 16 Crockford base32 characters in
//! four groups (`K7QM-3XRD-9PTA-W2HC`) — no I, L, O or U to misread — and stored only as an
//! HMAC-SHA-256 hash under the host's pepper, compared in constant time.

use super::{base64url, random, HmacSha256};
use crate::error::{Error, ErrorCode, Result};
use crate::text;
use hmac::Mac;

/// Characters of a code, without separators.
pub const CODE_CHARS: usize = 16;
/// Random bits per code.
pub const CODE_BITS: usize = CODE_CHARS * 5;
/// Most codes generated at once.
pub const MAX_CODES: usize = 20;
/// Random bytes per code.
const CODE_BYTES: usize = CODE_BITS / 8;
const _: () = assert!(CODE_BITS % 8 == 0);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `count` fresh recovery codes (1–20), grouped for reading aloud and typing.
pub fn generate(count: usize) -> Result<Vec<String>> {
    if count == 0 || count > MAX_CODES {
        return Err(Error::new(ErrorCode::OutOfRange, "/count", text!("generate between 1 and ", MAX_CODES, " codes")));
    }
    // One draw for every code: each call to the platform's source has a fixed cost (about
    // 1.7 µs in Node, where ten codes spent three quarters of their time there).
    let random = random::bytes::<{ CODE_BYTES * MAX_CODES }>()?;
    let mut codes = Vec::with_capacity(count);
    for bytes in random.chunks_exact(CODE_BYTES).take(count) {
        let mut bits: u128 = 0;
        for b in bytes {
            bits = (bits << 8) | u128::from(*b);
        }
        let mut code = String::with_capacity(CODE_CHARS + 3);
        for i in 0..CODE_CHARS {
            if i > 0 && i % 4 == 0 {
                code.push('-');
            }
            let index = ((bits >> (5 * (CODE_CHARS - 1 - i))) & 31) as usize;
            if let Some(c) = CROCKFORD.get(index) {
                code.push(char::from(*c));
            }
        }
        codes.push(code);
    }
    Ok(codes)
}

/// The canonical form of a typed code: upper case, separators and spaces dropped, the
/// look-alikes O→0 and I/L→1 mapped; `None` when it is not a code.
pub fn normalize(input: &str) -> Option<String> {
    if input.len() > 64 {
        return None;
    }
    let mut out = String::with_capacity(CODE_CHARS);
    for c in input.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CROCKFORD.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
    }
    (out.len() == CODE_CHARS).then_some(out)
}

/// The longest pepper taken: HMAC-SHA-256 hashes a key longer than its 64-byte block anyway,
/// and a bound keeps a host's mistake (a huge buffer) from being copied into wasm memory.
pub const MAX_PEPPER_BYTES: usize = 1024;

/// The storage hash of a code: base64url of HMAC-SHA-256(pepper, canonical code). Store
/// this, never the code. An empty pepper is allowed but a host secret is better.
pub fn hash(code: &str, pepper: &[u8]) -> Result<String> {
    let canonical = normalize(code)
        .ok_or_else(|| Error::new(ErrorCode::InvalidFormat, "/code", "a recovery code is 16 characters of Crockford base32"))?;
    if pepper.len() > MAX_PEPPER_BYTES {
        return Err(Error::new(
            ErrorCode::OutOfRange,
            "/pepper",
            text!("a pepper is at most ", MAX_PEPPER_BYTES, " bytes (32 random bytes are plenty)"),
        ));
    }
    let mut mac = HmacSha256::new_from_slice(pepper).map_err(|_| Error::new(ErrorCode::WeakKey, "/pepper", "unusable pepper"))?;
    mac.update(canonical.as_bytes());
    Ok(base64url::encode(&mac.finalize().into_bytes()))
}

/// Whether `code` matches a stored hash, compared in constant time.
pub fn verify(code: &str, stored_hash: &str, pepper: &[u8]) -> bool {
    if pepper.len() > MAX_PEPPER_BYTES {
        return false;
    }
    let (Some(canonical), Some(expected)) = (normalize(code), base64url::decode(stored_hash)) else { return false };
    let Ok(mut mac) = HmacSha256::new_from_slice(pepper) else { return false };
    mac.update(canonical.as_bytes());
    mac.verify_slice(&expected).is_ok()
}
