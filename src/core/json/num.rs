//! Numbers as text, the way JavaScript writes and reads them.
//!
//! Whole numbers below 2^53 (counts, times, sizes: nearly every number the
//! SDK writes) and decimals with up to 15 significant digits and a small
//! exponent (nearly every number it reads) are handled here exactly, with no
//! float-formatting machinery. The rest — a shortest round-trip rendering of
//! an arbitrary `f64`, a correctly rounded reading of a long decimal — is the
//! host's: natively Rust's own formatting and parsing, in the browser
//! JavaScript's `String(n)` and `Number(text)` (installed with [`set_hooks`]),
//! so the wasm module carries no float printing or parsing tables and its
//! output is byte for byte what `JSON.stringify` gives.

use std::cell::Cell;

/// The host's float conversions: `format` writes a finite number's shortest
/// round-trip text in JavaScript's notation (`1e+21`, `1.5e-7`); `parse`
/// reads a JSON number's text.
#[derive(Clone, Copy)]
pub struct Hooks {
    /// `String(n)` for a finite `n`.
    pub format: fn(f64) -> String,
    /// `Number(text)`: for a JSON number's text, and in wasm for any string
    /// (JavaScript's `Number(string)`, see [`host_number`]).
    pub parse: fn(&str) -> f64,
    /// `2 ** x` (so the module carries no `exp2` table).
    pub exp2: fn(f64) -> f64,
}

thread_local! {
    static HOOKS: Cell<Option<Hooks>> = const { Cell::new(None) };
}

/// Installs the host's float conversions (the web layer does, at start).
pub fn set_hooks(hooks: Hooks) {
    HOOKS.with(|h| h.set(Some(hooks)));
}

fn hooks() -> Option<Hooks> {
    HOOKS.with(Cell::get)
}

/// `2^x`: natively Rust's `f64::exp2`, in the browser JavaScript's `2 ** x`.
pub fn exp2(x: f64) -> f64 {
    match hooks() {
        Some(h) => (h.exp2)(x),
        None => own_exp2(x),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn own_exp2(x: f64) -> f64 {
    x.exp2()
}

/// In wasm without hooks (never in the shipped SDK, which installs them).
#[cfg(target_arch = "wasm32")]
fn own_exp2(x: f64) -> f64 {
    series_exp2(x)
}

/// `2^floor(x) · e^(frac · ln 2)` by its series (within a few ulps).
#[cfg(any(test, target_arch = "wasm32"))]
fn series_exp2(x: f64) -> f64 {
    if x.is_nan() || x > 1024.0 {
        return x * f64::INFINITY.copysign(x);
    }
    if x < -1100.0 {
        return 0.0;
    }
    let n = x.floor();
    let f = (x - n) * std::f64::consts::LN_2;
    let (mut term, mut sum) = (1.0, 1.0);
    for k in 1..=20 {
        term *= f / f64::from(k);
        sum += term;
    }
    // 2^n in two normal halves, so subnormal results still come out.
    let half = |e: i64| f64::from_bits(((e + 1023) as u64) << 52);
    let n = n as i64;
    sum * half(n / 2) * half(n - n / 2)
}

/// Appends the decimal digits of `n`.
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

/// Appends `n` with a leading `-` when negative.
pub fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// The decimal text of `n`.
pub fn int_text(n: i64) -> String {
    let mut s = String::new();
    push_i64(&mut s, n);
    s
}

/// 2^53: below it every whole `f64` is exactly an integer.
const EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// Appends `x` as JavaScript's `String(x)` would (`NaN`, `Infinity` and
/// `-Infinity` included).
pub fn push_f64(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x < 0.0 { "-Infinity" } else { "Infinity" });
    } else if x.fract() == 0.0 && x.abs() < EXACT_INT {
        // -0 is written "0", as JavaScript does.
        push_i64(out, x as i64);
    } else {
        match hooks() {
            Some(h) => out.push_str(&(h.format)(x)),
            None => push_shortest(out, x),
        }
    }
}

/// The text [`push_f64`] writes.
pub fn f64_text(x: f64) -> String {
    let mut s = String::new();
    push_f64(&mut s, x);
    s
}

/// Natively: Rust's shortest round-trip digits laid out in JavaScript's
/// notation (ECMA-262 Number::toString).
#[cfg(not(target_arch = "wasm32"))]
fn push_shortest(out: &mut String, x: f64) {
    let text = format!("{:e}", x.abs());
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let n = exp.parse::<i32>().unwrap_or(0) + 1;
    if x < 0.0 {
        out.push('-');
    }
    layout(out, digits, n);
}

/// In wasm without hooks (never in the shipped SDK, which installs them):
/// up to 17 significant digits, not always the shortest.
#[cfg(target_arch = "wasm32")]
fn push_shortest(out: &mut String, x: f64) {
    if x < 0.0 {
        out.push('-');
    }
    let x = x.abs();
    let mut n = 0i32;
    let mut m = x;
    while m >= 1.0 {
        m /= 10.0;
        n += 1;
    }
    while m > 0.0 && m < 0.1 {
        m *= 10.0;
        n -= 1;
    }
    let mut digits = String::new();
    for _ in 0..17 {
        m *= 10.0;
        let d = (m as u8).min(9);
        digits.push((b'0' + d) as char);
        m -= f64::from(d);
    }
    let digits = digits.trim_end_matches('0');
    layout(out, if digits.is_empty() { "0" } else { digits }, n);
}

/// Lays out `0.digits × 10^n` as JavaScript does.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn layout(out: &mut String, digits: &str, n: i32) {
    let k = digits.len() as i32;
    if k <= n && n <= 21 {
        out.push_str(digits);
        for _ in 0..n - k {
            out.push('0');
        }
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        for _ in 0..-n {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n - 1 < 0 { '-' } else { '+' });
        push_u64(out, u64::from((n - 1).unsigned_abs()));
    }
}

/// Powers of ten that are exact in `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Reads the text of a JSON number (already checked against the grammar:
/// `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`), correctly rounded.
pub fn parse_number(text: &str) -> f64 {
    fast_parse(text).unwrap_or_else(|| slow_parse(text))
}

/// Clinger's fast path: a mantissa of at most 15 digits scaled by an exact
/// power of ten is one correctly rounded operation.
fn fast_parse(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let (neg, mut i) = match bytes.first() {
        Some(b'-') => (true, 1),
        _ => (false, 0),
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut exp: i32 = 0;
    let mut seen_point = false;
    while i < bytes.len() {
        match bytes[i] {
            b @ b'0'..=b'9' => {
                if mantissa != 0 || b != b'0' {
                    digits += 1;
                }
                if digits > 15 {
                    return None;
                }
                mantissa = mantissa * 10 + u64::from(b - b'0');
                if seen_point {
                    exp -= 1;
                }
            }
            b'.' => seen_point = true,
            b'e' | b'E' => {
                let e = parse_int(text[i + 1..].trim_start_matches('+'))?;
                exp = exp.checked_add(i32::try_from(e).ok()?)?;
                break;
            }
            _ => return None,
        }
        i += 1;
    }
    let m = mantissa as f64;
    let v = if mantissa == 0 {
        0.0
    } else if (0..=22).contains(&exp) {
        m * POW10[exp as usize]
    } else if (-22..0).contains(&exp) {
        m / POW10[(-exp) as usize]
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn slow_parse(text: &str) -> f64 {
    match hooks() {
        Some(h) => (h.parse)(text),
        None => std_parse(text),
    }
}

/// JavaScript's `Number(text)` for any string, by the host (the shipped SDK
/// installs it); without hooks, `text` trimmed and read as a JSON number.
#[cfg(target_arch = "wasm32")]
pub fn host_number(text: &str) -> f64 {
    match hooks() {
        Some(h) => (h.parse)(text),
        None => std_parse(text.trim()),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn std_parse(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

/// In wasm without hooks: digit by digit (may be off by an ulp).
#[cfg(target_arch = "wasm32")]
fn std_parse(text: &str) -> f64 {
    let (neg, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (num, exp) = match rest.find(['e', 'E']) {
        Some(i) => (
            &rest[..i],
            parse_int(rest[i + 1..].trim_start_matches('+'))
                .map_or(0, |e| e.clamp(-400, 400) as i32),
        ),
        None => (rest, 0),
    };
    let mut v = 0.0f64;
    let mut scale = exp;
    let mut point = false;
    for b in num.bytes() {
        match b {
            b'.' => point = true,
            b'0'..=b'9' => {
                v = v * 10.0 + f64::from(b - b'0');
                if point {
                    scale -= 1;
                }
            }
            _ => {}
        }
    }
    while scale > 0 {
        v *= 10.0;
        scale -= 1;
    }
    while scale < 0 {
        v /= 10.0;
        scale += 1;
    }
    if neg {
        -v
    } else {
        v
    }
}

/// Reads a canonical array index (`0`, `17`; not `01`, `+1` or `1.0`).
pub fn parse_index(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 9 || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    let mut n = 0usize;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + usize::from(c - b'0');
    }
    Some(n)
}

/// Reads a whole decimal number (`42`, `-7`), as config strings like
/// `"7d"` or `"48h"` need.
pub fn parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut n: i64 = 0;
    for c in digits.bytes() {
        n = n * 10 + i64::from(c - b'0');
    }
    Some(if neg { -n } else { n })
}

#[cfg(test)]
mod exp2_tests {
    #[test]
    fn series_exp2_is_close_to_exp2() {
        for i in -2300..2100 {
            let x = f64::from(i) * 0.4861;
            let (want, got) = (x.exp2(), super::series_exp2(x));
            assert!(
                got == want || ((got - want) / want).abs() < 1e-14,
                "{x}: {got} vs {want}"
            );
        }
        assert!(super::series_exp2(f64::NAN).is_nan());
        assert_eq!(super::series_exp2(2000.0), f64::INFINITY);
        assert_eq!(super::series_exp2(-2000.0), 0.0);
    }
}
