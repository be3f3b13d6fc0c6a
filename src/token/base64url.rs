//! Unpadded base64url (RFC 4648 §5), as JWS compact serialization uses it. Decoding is
//! strict: no padding, no whitespace, and the unused low bits of the last character must be
//! zero, so every token has exactly one spelling and a flipped character never decodes to
//! the same bytes.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Both directions work on bytes: `String::push` encoded each character as UTF-8 in
// out-of-line calls at opt-level "z", and with the per-character decoding that was most of a
// token's time beside SHA-256. Decoding reads four characters a step, through a table.

/// Encode bytes as unpadded base64url: four characters for each three bytes, written whole
/// (a `push` per character was a capacity check each, about a tenth of a mint in wasm).
pub fn encode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    let mut whole = bytes.chunks_exact(3);
    for chunk in &mut whole {
        if let &[a, b, c] = chunk {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8) | u32::from(c);
            out.extend_from_slice(&[character(n >> 18), character(n >> 12), character(n >> 6), character(n)]);
        }
    }
    // The last one or two bytes: two or three characters, the unused low bits zero.
    let rest = whole.remainder();
    if let Some(&first) = rest.first() {
        let n = (u32::from(first) << 16) | (rest.get(1).copied().map_or(0, u32::from) << 8);
        let last = [character(n >> 18), character(n >> 12), character(n >> 6)];
        out.extend_from_slice(last.get(..=rest.len()).unwrap_or_default());
    }
    // Every byte is from the (ASCII) alphabet.
    String::from_utf8(out).unwrap_or_default()
}

/// The alphabet character of the low six bits of `n`.
#[inline(always)]
fn character(n: u32) -> u8 {
    ALPHABET.get((n & 63) as usize).copied().unwrap_or(b'A')
}

/// Each byte's value in the alphabet, or 64 for a byte outside it.
// PANIC SAFETY: evaluated at compile time; an index out of bounds would not compile.
#[allow(clippy::indexing_slicing)]
const VALUES: [u8; 256] = {
    let mut values = [64u8; 256];
    let mut i = 0;
    while i < 64 {
        values[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    values
};

/// The value of `c`, or `None` outside the alphabet.
#[inline(always)]
fn value(c: u8) -> Option<u32> {
    VALUES.get(usize::from(c)).copied().filter(|v| *v < 64).map(u32::from)
}

/// Decode unpadded base64url; `None` for any character outside the alphabet, an impossible
/// length, or non-zero unused bits.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 2);
    let whole = bytes.len() / 4 * 4;
    let mut at = 0;
    while let Some(&[a, b, c, d]) = bytes.get(at..at + 4).filter(|_| at < whole) {
        let n = value(a)? << 18 | value(b)? << 12 | value(c)? << 6 | value(d)?;
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
        at += 4;
    }
    // The last characters: two make one byte, three make two; the bits they carry beyond
    // those bytes must be zero.
    match *bytes.get(whole..).unwrap_or_default() {
        [a, b] => {
            let n = value(a)? << 18 | value(b)? << 12;
            if n & 0xFFFF != 0 {
                return None;
            }
            out.push((n >> 16) as u8);
        }
        [a, b, c] => {
            let n = value(a)? << 18 | value(b)? << 12 | value(c)? << 6;
            if n & 0xFF != 0 {
                return None;
            }
            out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]);
        }
        [] => {}
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    // PANIC SAFETY: tests.
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trips_every_length() {
        for len in 0..40u8 {
            let data: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37).wrapping_add(len)).collect();
            assert_eq!(decode(&encode(&data)), Some(data));
        }
    }

    #[test]
    fn every_short_text_decodes_only_in_its_one_spelling() {
        // Every text of two and three alphabet characters: it decodes exactly when encoding
        // the result gives it back (no other spelling of the same bytes is accepted).
        for a in ALPHABET {
            for b in ALPHABET {
                let two = String::from_utf8(vec![*a, *b]).unwrap();
                assert_eq!(decode(&two).is_some_and(|bytes| encode(&bytes) == two), decode(&two).is_some(), "{two}");
                for c in ALPHABET {
                    let three = String::from_utf8(vec![*a, *b, *c]).unwrap();
                    let decoded = decode(&three);
                    assert_eq!(decoded.as_ref().map(|d| d.len()), decoded.as_ref().map(|_| 2), "{three}");
                    assert_eq!(decoded.as_ref().is_some_and(|bytes| encode(bytes) == three), decoded.is_some(), "{three}");
                    assert_eq!(decode(&format!("{three}A")).map(|d| d.len()), Some(3), "{three}A");
                }
            }
        }
        // Every two bytes round-trip, and a character outside the alphabet anywhere is refused.
        for n in 0..=u16::MAX {
            let bytes = n.to_be_bytes();
            assert_eq!(decode(&encode(&bytes)), Some(bytes.to_vec()));
        }
        for bad in ["Zm9v+mFy", "Zm9vYmF=", "Zm9vY mF", "Zm\n9", "Zm9v/w", "Zm.", "é\u{0}A"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn known_vectors_and_strictness() {
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode(b"fo"), "Zm8");
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode("Zm8"), Some(b"fo".to_vec()));
        assert_eq!(decode("Zm9="), None);
        assert_eq!(decode("Zm9"), None, "non-zero unused bits");
        assert_eq!(decode("Z"), None);
        assert_eq!(decode("Zm+v"), None);
    }
}
