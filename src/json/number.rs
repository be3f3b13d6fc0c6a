//! Numbers between JSON text and `f64`, correctly rounded both ways, without the float
//! parsing and printing tables of `core` (about 26 KiB gzipped in the wasm, measured).
//!
//! Reading: a literal whose significant digits fit 2^53 and whose decimal exponent is within
//! ±22 (nearly every number a request carries) is one exact division or multiplication of
//! doubles, correctly rounded (Clinger's fast path). Other literals go to the platform's
//! correctly rounded parser (Rust's natively, JavaScript's `parseFloat` in wasm), so the value
//! is the same everywhere.
//!
//! Printing: the shortest decimal that reads back as the same value, in positional notation,
//! as Rust's `{}` prints it. Natively that is Rust's own formatting; in wasm JavaScript's
//! `String(number)` rewritten out of exponent form. The two pick the same shortest digits
//! except at an exact tie, a value exactly halfway between two shortest candidates
//! (1731590483420272.25): JavaScript takes the even one, Rust the upper, so [`ties_up`]
//! moves JavaScript's choice to Rust's.

/// Exact powers of ten as `f64` (10^22 is the largest exactly representable).
const POW10_F64: [f64; 23] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/// The value of a JSON number literal (already checked against the JSON grammar), correctly
/// rounded to the nearest `f64`. Magnitudes beyond `f64::MAX` give an infinity.
pub fn parse(literal: &str) -> f64 {
    match decompose(literal) {
        Some((negative, mantissa, exponent)) => {
            let magnitude = exact(mantissa, exponent).unwrap_or_else(|| platform_parse(literal).abs());
            if negative {
                -magnitude
            } else {
                magnitude
            }
        }
        None => platform_parse(literal),
    }
}

/// Sign, up to 19 significant digits as an integer, and the decimal exponent of the last
/// digit; `None` when the literal has more significant digits than that.
fn decompose(literal: &str) -> Option<(bool, u64, i32)> {
    let bytes = literal.as_bytes();
    let negative = bytes.first() == Some(&b'-');
    let mut mantissa: u64 = 0;
    let mut digits = 0u32;
    let mut exponent: i32 = 0;
    let mut in_fraction = false;
    let mut rest = bytes.iter().skip(usize::from(negative));
    for &b in rest.by_ref() {
        match b {
            b'0'..=b'9' => {
                if mantissa == 0 && b == b'0' {
                    // A leading zero adds no significant digit.
                } else if digits < 19 {
                    mantissa = mantissa * 10 + u64::from(b - b'0');
                    digits += 1;
                } else {
                    return None;
                }
                if in_fraction {
                    exponent -= 1;
                }
            }
            b'.' => in_fraction = true,
            _ => break, // 'e' or 'E'
        }
    }
    let mut explicit: i32 = 0;
    let mut explicit_negative = false;
    for &b in rest {
        match b {
            b'-' => explicit_negative = true,
            b'+' => {}
            // Saturate: anything this large is far outside the exact range anyway.
            _ => explicit = explicit.saturating_mul(10).saturating_add(i32::from(b - b'0')).min(100_000),
        }
    }
    let explicit = if explicit_negative { -explicit } else { explicit };
    Some((negative, mantissa, exponent.saturating_add(explicit)))
}

/// `mantissa × 10^exponent` correctly rounded, when it can be computed exactly here.
fn exact(mantissa: u64, exponent: i32) -> Option<f64> {
    if mantissa == 0 {
        return Some(0.0);
    }
    // Clinger's fast path: both operands exact, one correctly rounded operation.
    if mantissa < (1 << 53) {
        if let Some(power) = usize::try_from(exponent.unsigned_abs()).ok().and_then(|e| POW10_F64.get(e)) {
            return Some(if exponent >= 0 { mantissa as f64 * power } else { mantissa as f64 / power });
        }
    }
    // Anything else (longer mantissas, larger exponents) goes to the platform's parser.
    None
}

#[cfg(not(target_arch = "wasm32"))]
fn platform_parse(literal: &str) -> f64 {
    literal.parse().unwrap_or(f64::NAN)
}

#[cfg(target_arch = "wasm32")]
fn platform_parse(literal: &str) -> f64 {
    crate::wasm::host_parse_number(literal)
}

/// The shortest decimal that reads back as `value` (finite, not zero), as Rust's `{}` writes it.
pub fn shortest(value: f64) -> String {
    platform_shortest(value)
}

#[cfg(not(target_arch = "wasm32"))]
fn platform_shortest(value: f64) -> String {
    value.to_string()
}

#[cfg(target_arch = "wasm32")]
fn platform_shortest(value: f64) -> String {
    ties_up(value, positional(&crate::wasm::host_number_text(value)))
}

/// `text`, the shortest positional decimal of `value` as JavaScript picks it, with the tie
/// rule of Rust: when the exact value lies halfway between two shortest candidates and `text`
/// is the lower one, the upper one. Only a value whose exact decimal has one significant digit
/// more than `text`, a 5, can be such a tie.
pub fn ties_up(value: f64, mut text: String) -> String {
    let Some(exact) = exact_digits(value) else { return text };
    let mut chosen = 0u64;
    for digit in text.bytes().filter(u8::is_ascii_digit) {
        chosen = chosen.saturating_mul(10).saturating_add(u64::from(digit - b'0'));
    }
    while chosen != 0 && chosen % 10 == 0 {
        chosen /= 10;
    }
    if exact % 10 == 5 && exact / 10 == chosen {
        // The upper candidate differs in the last significant digit only: the lower one ends
        // in an even digit (JavaScript's choice), so adding one never carries.
        if let Some(at) = text.bytes().rposition(|b| (b'1'..=b'9').contains(&b)) {
            let bumped = char::from(text.as_bytes().get(at).copied().unwrap_or(b'0') + 1);
            text.replace_range(at..=at, bumped.encode_utf8(&mut [0; 4]));
        }
    }
    text
}

/// The significant digits of the exact value of `value` (trailing zeros removed), when they
/// fit a `u64`.
fn exact_digits(value: f64) -> Option<u64> {
    let bits = value.abs().to_bits();
    let biased = i32::try_from(bits >> 52).unwrap_or(0);
    let fraction = bits & ((1 << 52) - 1);
    let (mut mantissa, mut exponent) = if biased == 0 { (fraction, -1074) } else { (fraction | 1 << 52, biased - 1075) };
    if mantissa == 0 {
        return None;
    }
    while mantissa % 2 == 0 {
        mantissa /= 2;
        exponent += 1;
    }
    // value = mantissa × 2^exponent; with a negative exponent that is mantissa × 5^-exponent
    // units of 10^exponent.
    let (factor, times) = if exponent < 0 { (5, -exponent) } else { (2, exponent) };
    let mut digits = mantissa;
    for _ in 0..times {
        digits = digits.checked_mul(factor)?;
    }
    while digits % 10 == 0 {
        digits /= 10;
    }
    Some(digits)
}

/// JavaScript's number text (`"1.5e-7"`, `"1e+21"`, `"-12.25"`) in positional notation
/// (`"0.00000015"`, `"1000000000000000000000"`, `"-12.25"`): the same digits, no exponent.
pub fn positional(js: &str) -> String {
    let (sign, unsigned) = match js.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", js),
    };
    let Some((mantissa, exponent)) = unsigned.split_once(['e', 'E']) else { return js.to_string() };
    let exponent: i64 = exponent.strip_prefix('+').unwrap_or(exponent).parse().unwrap_or(0);
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits = String::with_capacity(int_part.len() + frac_part.len());
    digits.push_str(int_part);
    digits.push_str(frac_part);
    // Position of the decimal point counted from the start of `digits`.
    let point = i64::try_from(int_part.len()).unwrap_or(0) + exponent;
    let len = i64::try_from(digits.len()).unwrap_or(0);
    let mut out = String::from(sign);
    if point <= 0 {
        out.push_str("0.");
        out.extend(core::iter::repeat_n('0', usize::try_from(-point).unwrap_or(0)));
        while digits.ends_with('0') {
            digits.pop();
        }
        out.push_str(&digits);
    } else if point >= len {
        out.push_str(&digits);
        out.extend(core::iter::repeat_n('0', usize::try_from(point - len).unwrap_or(0)));
    } else {
        let cut = usize::try_from(point).unwrap_or(0);
        out.push_str(digits.get(..cut).unwrap_or(""));
        out.push('.');
        out.push_str(digits.get(cut..).unwrap_or(""));
    }
    out
}

#[cfg(test)]
mod tests {
    // PANIC SAFETY: tests.
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn exact_path_agrees_with_the_platform_parser() {
        let literals = [
            "0",
            "-0",
            "1",
            "52.52",
            "13.405",
            "48.2082",
            "0.30000000000000004",
            "1e21",
            "1e-7",
            "123456789012345678",
            "1234567890123456789",
            "0.1",
            "9007199254740993",
            "9007199254740993.5",
            "1.7976931348623157e308",
            "5e-324",
            "2.2250738585072014e-308",
            "4.9406564584124654e-324",
            "1e400",
            "-1e400",
            "0.000000000000000000001",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999e18",
            "1.5e-19",
            "7.2057594037927933e16",
        ];
        for literal in literals {
            let want: f64 = literal.parse().unwrap();
            assert_eq!(parse(literal).to_bits(), want.to_bits(), "{literal}");
        }
    }

    #[test]
    fn quotients_round_like_the_platform_parser() {
        // Deterministic pseudo-random mantissas and exponents across the exact path's range.
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let digits = 1 + (seed % 19) as u32;
            let mantissa = seed % 10u64.pow(digits);
            let exponent = (seed >> 40) as i32 % 58 - 19;
            let literal = format!("{mantissa}e{exponent}");
            let want: f64 = literal.parse().unwrap();
            assert_eq!(parse(&literal).to_bits(), want.to_bits(), "{literal}");
        }
    }

    #[test]
    fn positional_matches_rust_formatting() {
        for value in [1e21, 1.5e-7, 5e-324, f64::MAX, 1.2345e30, 1e-5, 123.456e-10, 2.5e22] {
            // JavaScript writes exponents with an explicit sign: "1e+21", "1.5e-7".
            let js = format!("{value:e}").replace("e", "e+").replace("e+-", "e-");
            assert_eq!(positional(&js), format!("{value}"), "{js}");
            assert_eq!(positional(&format!("-{js}")), format!("{}", -value));
        }
        assert_eq!(positional("12.25"), "12.25");
    }

    #[test]
    // The literals are exact doubles, each halfway between two shortest candidates.
    #[allow(clippy::excessive_precision)]
    fn ties_go_up_as_in_rust() {
        // JavaScript's even choice, Rust's upper one.
        assert_eq!(ties_up(1731590483420272.25, "1731590483420272.2".into()), "1731590483420272.3");
        assert_eq!(ties_up(-1731590483420272.25, "-1731590483420272.2".into()), "-1731590483420272.3");
        // Already the upper candidate, or no tie at all: unchanged.
        assert_eq!(ties_up(1731590483420272.75, "1731590483420272.8".into()), "1731590483420272.8");
        assert_eq!(ties_up(0.1, "0.1".into()), "0.1");
        assert_eq!(ties_up(12.25, "12.25".into()), "12.25");
        assert_eq!(ties_up(1e300, "1e300".into()), "1e300");
        // Every tie between 2^50 and 2^53 with a quarter fraction: even candidate in, Rust's out.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let value = ((1u64 << 50) + seed % (1 << 52)) as f64 + [0.25, 0.75, 0.5, 0.125][(seed >> 60) as usize % 4];
            let rust = format!("{value}");
            let digits: String = format!("{value:.20}").trim_end_matches('0').to_string();
            let lower = &digits[..digits.len() - 1];
            let even = if rust.len() == lower.len() && lower != rust { lower.to_string() } else { rust.clone() };
            assert_eq!(ties_up(value, even.clone()), rust, "{value} from {even}");
        }
    }
}
