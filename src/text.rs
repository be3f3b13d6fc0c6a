//! Building text without `core::fmt`: messages, paths and JSON are assembled from pieces
//! (strings, integers, numbers, durations) by the [`text!`](crate::text!) macro.
//!
//! Why not `format!`: the formatting machinery and, above all, float formatting cost about
//! 14 KiB of the gzipped wasm (measured; the budget for everything is 64 KiB), and a
//! decision's messages are rendered on the hot path where `core::fmt`'s dynamic dispatch per
//! argument is several times slower than appending bytes.
//!
//! Numbers read like Rust's `{}` formatting everywhere: integers exactly, other numbers as
//! the shortest decimal that reads back as the same `f64`, never in exponent notation.

/// Somewhere text can be appended: a `String`, or the output buffer of the JS boundary.
pub trait TextSink {
    /// Append `text`.
    fn push_text(&mut self, text: &str);

    /// Append bytes known to be ASCII (digits), skipping a UTF-8 check where the sink can.
    fn push_ascii(&mut self, ascii: &[u8]) {
        self.push_text(core::str::from_utf8(ascii).unwrap_or(""));
    }
}

impl TextSink for String {
    fn push_text(&mut self, text: &str) {
        self.push_str(text);
    }
}

/// A value that knows how to write itself as text.
pub trait Piece {
    /// Append this piece to `out`.
    fn put(&self, out: &mut dyn TextSink);
}

impl Piece for str {
    fn put(&self, out: &mut dyn TextSink) {
        out.push_text(self);
    }
}

impl Piece for String {
    fn put(&self, out: &mut dyn TextSink) {
        out.push_text(self);
    }
}

impl Piece for char {
    fn put(&self, out: &mut dyn TextSink) {
        let mut buf = [0u8; 4];
        out.push_text(self.encode_utf8(&mut buf));
    }
}

macro_rules! unsigned_pieces {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn put(&self, out: &mut dyn TextSink) {
                put_u64(out, u64::from(*self));
            }
        }
    )*};
}
unsigned_pieces!(u8, u16, u32, u64);

macro_rules! signed_pieces {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn put(&self, out: &mut dyn TextSink) {
                put_i64(out, i64::from(*self));
            }
        }
    )*};
}
signed_pieces!(i32, i64);

impl Piece for usize {
    fn put(&self, out: &mut dyn TextSink) {
        put_u64(out, u64::try_from(*self).unwrap_or(u64::MAX));
    }
}

impl Piece for f64 {
    fn put(&self, out: &mut dyn TextSink) {
        put_f64(out, *self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn put(&self, out: &mut dyn TextSink) {
        (**self).put(out);
    }
}

/// A duration in seconds, written for people: "45 s", "12 min", "3 h", "400 days".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration(pub u64);

impl Piece for Duration {
    fn put(&self, out: &mut dyn TextSink) {
        let (value, unit) = match self.0 {
            s if s < 120 => (s, " s"),
            s if s < 2 * 3600 => (s / 60, " min"),
            s if s < 2 * 86_400 => (s / 3600, " h"),
            s => (s / 86_400, " days"),
        };
        value.put(out);
        out.push_text(unit);
    }
}

/// Build a `String` from pieces: `text!("risk score ", score, " reaches ", threshold)`.
#[macro_export]
macro_rules! text {
    ($($piece:expr),* $(,)?) => {{
        let mut out = ::std::string::String::new();
        $( $crate::text::Piece::put(&$piece, &mut out); )*
        out
    }};
}

/// Write an unsigned integer in decimal.
pub fn put_u64(out: &mut dyn TextSink, value: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    let mut rest = value;
    loop {
        at -= 1;
        if let Some(slot) = buf.get_mut(at) {
            *slot = b'0' + (rest % 10) as u8;
        }
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.push_ascii(buf.get(at..).unwrap_or_default());
}

/// Write a signed integer in decimal.
pub fn put_i64(out: &mut dyn TextSink, value: i64) {
    if value < 0 {
        out.push_ascii(b"-");
    }
    put_u64(out, value.unsigned_abs());
}

/// Largest magnitude below which every integral `f64` is written by the integer path.
const EXACT_INTEGERS: f64 = 1e15;

/// Write a number as Rust's `{}` writes an `f64`: integral values as integers, others as the
/// shortest decimal that reads back as the same value, never in exponent notation.
pub fn put_f64(out: &mut dyn TextSink, value: f64) {
    if value.is_nan() {
        out.push_text("NaN");
    } else if value.is_infinite() {
        out.push_text(if value > 0.0 { "inf" } else { "-inf" });
    } else if value == 0.0 {
        out.push_text(if value.is_sign_negative() { "-0" } else { "0" });
    } else if value.fract() == 0.0 && value.abs() < EXACT_INTEGERS {
        // Exact: |value| < 1e15 < 2^53.
        if value < 0.0 {
            out.push_text("-");
        }
        put_u64(out, value.abs() as u64);
    } else {
        out.push_text(&crate::json::number::shortest(value));
    }
}

#[cfg(test)]
mod tests {
    // PANIC SAFETY: tests.
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn pieces_read_like_rust_formatting() {
        assert_eq!(crate::text!("a", 1u8, " ", -42i64, " ", u64::MAX), format!("a{} {} {}", 1u8, -42i64, u64::MAX));
        for value in [0.0, -0.0, 1.0, 250.0, 0.1, 0.30000000000000004, 1e15, 1e21, 1e-7, 123456.789, -2.5, 5e-324, f64::MAX] {
            assert_eq!(crate::text!(value), format!("{value}"), "{value:e}");
        }
        assert_eq!(crate::text!(i64::MIN), i64::MIN.to_string());
        for value in [i64::MIN, i64::MAX, -(10i64.pow(18)), 0, -1] {
            assert_eq!(crate::text!(value), value.to_string());
        }
    }

    #[test]
    fn durations_for_people() {
        let cases = [(45, "45 s"), (119, "119 s"), (120, "2 min"), (7199, "119 min"), (7200, "2 h"), (172_800, "2 days")];
        for (seconds, text) in cases {
            assert_eq!(crate::text!(Duration(seconds)), text);
        }
    }
}
