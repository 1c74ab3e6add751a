//! JavaScript's `Number(string)`, read natively (in the browser the host's
//! own `Number` does it: see [`super::js::string_to_number`]).

use crate::core::json::num;

/// JavaScript's white space and line terminators (what `String.prototype.trim` removes).
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}'..='\u{d}'
            | ' '
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

/// JavaScript's `Number(string)`.
pub(super) fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    let b = t.as_bytes();
    if b.len() > 2 && b[0] == b'0' {
        let radix = match b[1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            b'b' | b'B' => 2,
            _ => 0,
        };
        if radix != 0 {
            return parse_radix(&t[2..], radix);
        }
    }
    let (sign, body) = match b[0] {
        b'+' => (1.0, &t[1..]),
        b'-' => (-1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body == "Infinity" {
        return sign * f64::INFINITY;
    }
    let Some(parts) = decimal_literal(body) else {
        return f64::NAN;
    };
    if b[0] != b'+' && parts.is_json() {
        return num::parse_number(t);
    }
    num::parse_number(&parts.json_text(sign < 0.0))
}

/// The pieces of a decimal literal as JavaScript's `Number` reads it:
/// `digits [. digits] [e [+-] digits]` or `. digits [...]`.
struct DecimalLiteral<'a> {
    int: &'a str,
    /// Whether a `.` was written.
    point: bool,
    frac: &'a str,
    /// The exponent after `e`/`E`, with its sign, or `""`.
    exp: &'a str,
}

impl DecimalLiteral<'_> {
    /// Whether the literal already follows JSON's number grammar
    /// (`0` or no leading zero, digits on both sides of a `.`).
    fn is_json(&self) -> bool {
        let int = self.int.as_bytes();
        !int.is_empty()
            && (int.len() == 1 || int[0] != b'0')
            && (!self.point || !self.frac.is_empty())
    }

    /// The same number in JSON's grammar: leading zeros dropped, `.5` as
    /// `0.5`, `5.` as `5`.
    fn json_text(&self, negative: bool) -> String {
        let mut out = String::with_capacity(self.int.len() + self.frac.len() + self.exp.len() + 4);
        if negative {
            out.push('-');
        }
        let int = self.int.trim_start_matches('0');
        out.push_str(if int.is_empty() { "0" } else { int });
        if !self.frac.is_empty() {
            out.push('.');
            out.push_str(self.frac);
        }
        if !self.exp.is_empty() {
            out.push('e');
            out.push_str(self.exp);
        }
        out
    }
}

/// Splits `s` into a [`DecimalLiteral`]; `None` when it is not one.
fn decimal_literal(s: &str) -> Option<DecimalLiteral<'_>> {
    let b = s.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int_end = digits(0);
    let mut i = int_end;
    let point = b.get(i) == Some(&b'.');
    let (frac_start, mut frac_end) = (i + 1, i);
    if point {
        frac_end = frac_start + digits(frac_start);
        i = frac_end;
    }
    if int_end == 0 && frac_end <= frac_start {
        return None;
    }
    let mut exp = "";
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let exp_start = i + 1;
        i = exp_start;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let e = digits(i);
        if e == 0 {
            return None;
        }
        i += e;
        exp = &s[exp_start..i];
    }
    if i != b.len() {
        return None;
    }
    Some(DecimalLiteral {
        int: &s[..int_end],
        point,
        frac: if point { &s[frac_start..frac_end] } else { "" },
        exp,
    })
}

fn parse_radix(s: &str, radix: u32) -> f64 {
    let mut v = 0.0f64;
    for c in s.chars() {
        match c.to_digit(radix) {
            Some(d) => v = v * f64::from(radix) + f64::from(d),
            None => return f64::NAN,
        }
    }
    v
}
