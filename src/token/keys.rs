//! HMAC key sets with key ids: one key signs, every listed key verifies, so keys rotate by
//! adding a new signing key and later dropping the old one.

use super::{base64url, HmacSha256};
use crate::api::KeySetSpec;
use crate::error::{Error, ErrorCode, Problem, Result};
use crate::text;
use hmac::Mac;
use std::fmt;

/// Shortest secret accepted: 256 bits, the HMAC-SHA-256 output size.
pub const MIN_SECRET_BYTES: usize = 32;
/// Longest secret accepted.
pub const MAX_SECRET_BYTES: usize = 128;
/// Most keys in a set.
pub const MAX_KEYS: usize = 16;

/// A verified set of HMAC-SHA-256 keys. `Debug` never prints a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct KeySet {
    signing: String,
    /// In the order given.
    keys: Vec<Key>,
}

/// One key of a set.
#[derive(Clone)]
struct Key {
    kid: String,
    secret: Vec<u8>,
    /// The HMAC with the padded key blocks already hashed: a token clones it instead of hashing
    /// those two blocks again (a quarter of a token's hashing).
    mac: HmacSha256,
}

/// Equal when the kids and secrets are (the prepared HMAC follows from the secret).
impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.kid == other.kid && self.secret == other.secret
    }
}

impl Eq for Key {}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySet")
            .field("signing", &self.signing)
            .field("kids", &self.keys.iter().map(|key| &key.kid).collect::<Vec<_>>())
            .finish()
    }
}

/// Whether `kid` is 1–64 characters of `A–Z a–z 0–9 . _ -`.
pub fn valid_kid(kid: &str) -> bool {
    !kid.is_empty() && kid.len() <= 64 && kid.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl KeySet {
    /// A key set from `(kid, secret)` pairs; `signing` names the key that signs.
    pub fn new(keys: Vec<(String, Vec<u8>)>, signing: &str) -> Result<KeySet> {
        let mut problems = Vec::new();
        if keys.is_empty() || keys.len() > MAX_KEYS {
            // Not walked: a huge list would make problems (and comparisons) per entry.
            return Err(Error::new(ErrorCode::OutOfRange, "/keys", text!("give between 1 and ", MAX_KEYS, " keys")));
        }
        let mut map: Vec<Key> = Vec::with_capacity(keys.len());
        for (i, (kid, secret)) in keys.into_iter().enumerate() {
            if !valid_kid(&kid) {
                problems.push(Problem::new(ErrorCode::WeakKey, text!("/keys/", i, "/kid"), "a kid is 1–64 of A–Z a–z 0–9 . _ -"));
            }
            if secret.len() < MIN_SECRET_BYTES || secret.len() > MAX_SECRET_BYTES {
                problems.push(Problem::new(
                    ErrorCode::WeakKey,
                    text!("/keys/", i, "/secret"),
                    text!("a secret is ", MIN_SECRET_BYTES, "–", MAX_SECRET_BYTES, " random bytes (got ", secret.len(), ")"),
                ));
            }
            if map.iter().any(|key| key.kid == kid) {
                problems.push(Problem::new(ErrorCode::DuplicateKey, text!("/keys/", i, "/kid"), "each kid may appear once"));
            } else {
                // HMAC takes a key of any length: this does not fail.
                match HmacSha256::new_from_slice(&secret) {
                    Ok(mac) => map.push(Key { kid, secret, mac }),
                    Err(_) => problems.push(Problem::new(ErrorCode::WeakKey, text!("/keys/", i, "/secret"), "the secret cannot key HMAC")),
                }
            }
        }
        if !map.iter().any(|key| key.kid == signing) {
            problems.push(Problem::new(ErrorCode::Inconsistent, "/signing", "the signing kid is not among the keys"));
        }
        match Error::from_problems(problems) {
            Some(error) => Err(error),
            None => Ok(KeySet { signing: signing.to_string(), keys: map }),
        }
    }

    /// A key set from its wire form (secrets in base64url).
    pub fn from_spec(spec: &KeySetSpec) -> Result<KeySet> {
        let mut keys = Vec::with_capacity(spec.keys.len());
        for (i, key) in spec.keys.iter().enumerate() {
            let secret = base64url::decode(&key.secret).ok_or_else(|| {
                Error::new(ErrorCode::InvalidFormat, text!("/keys/", i, "/secret"), "the secret is not unpadded base64url")
            })?;
            keys.push((key.kid.clone(), secret));
        }
        KeySet::new(keys, &spec.signing)
    }

    /// The kid of the signing key.
    pub fn signing_kid(&self) -> &str {
        &self.signing
    }

    /// A fresh HMAC keyed with the secret of `kid`, if the set has it.
    pub(crate) fn mac(&self, kid: &str) -> Option<HmacSha256> {
        self.keys.iter().find(|key| key.kid == kid).map(|key| key.mac.clone())
    }
}
