//! Calendar arithmetic without a date library: ISO-8601 formatting and parsing of
//! UTC timestamps, as the event model needs them.

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
pub fn iso8601(ms: f64) -> String {
    let total_ms = if ms.is_finite() { ms.floor() as i64 } else { 0 };
    let days = total_ms.div_euclid(86_400_000);
    let rem = total_ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    // Written digit by digit: `format!` costs several times more, once per event.
    let mut out = String::with_capacity(24);
    if (0..=9999).contains(&y) {
        push_digits(&mut out, y, 4);
    } else {
        push_year(&mut out, y);
    }
    for (sep, n, width) in [
        ('-', m, 2),
        ('-', d, 2),
        ('T', h, 2),
        (':', min, 2),
        (':', s, 2),
        ('.', milli, 3),
    ] {
        out.push(sep);
        push_digits(&mut out, n, width);
    }
    out.push('Z');
    out
}

/// Appends the `width` low decimal digits of `n` (≥ 0), zero-padded.
fn push_digits(out: &mut String, n: i64, width: u32) {
    for p in (0..width).rev() {
        out.push(char::from(b'0' + (n / 10_i64.pow(p) % 10) as u8));
    }
}

/// Appends a year outside 0–9999 as `{:04}` does: the sign counts towards
/// the width (`-001`), longer numbers are written whole (`10000`).
fn push_year(out: &mut String, y: i64) {
    let mut width = 4;
    if y < 0 {
        out.push('-');
        width = 3;
    }
    let (mut digits, mut n) = (1, y.abs());
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    push_digits(out, y.abs(), width.max(digits));
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` or a bare date into epoch ms.
pub fn parse_iso8601(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        crate::core::json::num::parse_int(part)
    };
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
    {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    if b.len() == 10 {
        return Some(ms as f64);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let (h, mi) = (num(11, 2)?, num(14, 2)?);
    let mut i = 16;
    let mut sec = 0;
    if b.get(16) == Some(&b':') {
        sec = num(17, 2)?;
        i = 19;
    }
    ms += (h * 3600 + mi * 60 + sec) * 1000;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        let mut end = start;
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        let frac = s.get(start..end.min(start + 3))?;
        let scale = [100, 10, 1];
        for (k, c) in frac.bytes().enumerate() {
            ms += i64::from(c - b'0') * scale[k];
        }
        i = end;
    }
    match b.get(i) {
        None | Some(b'Z' | b'z') => {}
        Some(sign @ (b'+' | b'-')) => {
            let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
            let off = (oh * 60 + om) * 60_000;
            ms += if *sign == b'+' { -off } else { off };
        }
        _ => return None,
    }
    Some(ms as f64)
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_795_000_000_123.0), "2026-11-18T11:06:40.123Z");
        assert_eq!(iso8601(951_782_400_000.0), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn digit_writer_matches_format_over_a_sweep() {
        // Every field at its edges: midnight, 23:59:59.999, leap days, far years.
        let mut ms: f64 = -62_167_219_200_000.0; // 0000-01-01
        while ms < 253_402_300_800_000.0 {
            let total = ms.floor() as i64;
            let rem = total.rem_euclid(86_400_000);
            let (y, m, d) = civil_from_days(total.div_euclid(86_400_000));
            let want = format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
                rem / 3_600_000,
                rem / 60_000 % 60,
                rem / 1000 % 60,
                rem % 1000
            );
            assert_eq!(iso8601(ms), want);
            ms += 86_399_999.0 * 37.0 + 0.5;
        }
        assert_eq!(iso8601(-62_167_219_200_001.0), "-001-12-31T23:59:59.999Z");
        // Years beyond 0–9999 as `{:04}` writes them.
        for ms in [
            253_402_300_800_000.0f64,
            1e16,
            8.64e15,
            -62_167_219_200_001.0,
            -1e15,
            -8.64e15,
        ] {
            let total = ms.floor() as i64;
            let rem = total.rem_euclid(86_400_000);
            let (y, m, d) = civil_from_days(total.div_euclid(86_400_000));
            let want = format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
                rem / 3_600_000,
                rem / 60_000 % 60,
                rem / 1000 % 60,
                rem % 1000
            );
            assert_eq!(iso8601(ms), want);
        }
    }

    #[test]
    fn parses_what_it_formats_and_offsets() {
        for ms in [0.0, 951_782_400_000.0, 1_795_000_000_123.0, -86_400_000.0] {
            assert_eq!(parse_iso8601(&iso8601(ms)), Some(ms));
        }
        assert_eq!(
            parse_iso8601("2026-11-18T13:06:40+02:00"),
            Some(1_795_000_000_000.0)
        );
        assert_eq!(parse_iso8601("1970-01-02"), Some(86_400_000.0));
        assert_eq!(parse_iso8601("2026-13-01"), None);
        assert_eq!(parse_iso8601("nope"), None);
    }
}
