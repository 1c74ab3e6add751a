//! Character references (`&amp;`, `&#106;`, `&#x6A;`) as the HTML tokenizer
//! decodes them, so that `jav&#x61;script:` is checked as `javascript:`.

/// Named references decoded; unknown names stay as written.
const NAMED: &[(&str, &str)] = &[
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("nbsp", "\u{a0}"),
    ("copy", "©"),
    ("reg", "®"),
    ("trade", "™"),
    ("hellip", "…"),
    ("mdash", "—"),
    ("ndash", "–"),
    ("laquo", "«"),
    ("raquo", "»"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("euro", "€"),
    ("pound", "£"),
    ("yen", "¥"),
    ("cent", "¢"),
    ("middot", "·"),
    ("bull", "•"),
    ("times", "×"),
    ("divide", "÷"),
    ("deg", "°"),
    ("colon", ":"),
    ("Tab", "\t"),
    ("NewLine", "\n"),
    ("lpar", "("),
    ("rpar", ")"),
    ("sol", "/"),
    ("bsol", "\\"),
    ("excl", "!"),
    ("num", "#"),
    ("period", "."),
    ("semi", ";"),
    ("equals", "="),
];

/// Legacy names a browser also decodes without the trailing `;`.
const LEGACY: &[&str] = &["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"];

/// Decodes references in `s`. In attribute values a legacy reference without
/// `;` followed by `=` or an alphanumeric stays literal, as in browsers.
pub fn decode(s: &str, in_attribute: bool) -> String {
    if !s.as_bytes().contains(&b'&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match reference(rest, in_attribute) {
            Some((text, used)) => {
                out.push_str(&text);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes the reference at the start of `s` (which begins with `&`):
/// the text and how many bytes it used.
fn reference(s: &str, in_attribute: bool) -> Option<(String, usize)> {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let hex = matches!(b.get(2), Some(b'x' | b'X'));
        let start = if hex { 3 } else { 2 };
        let mut end = start;
        while end < b.len()
            && (if hex {
                b[end].is_ascii_hexdigit()
            } else {
                b[end].is_ascii_digit()
            })
        {
            end += 1;
        }
        if end == start {
            return None;
        }
        let digits = &s[start..end];
        let code = u32::from_str_radix(
            digits.get(..digits.len().min(8))?,
            if hex { 16 } else { 10 },
        )
        .unwrap_or(u32::MAX);
        let c = match code {
            0 => '\u{fffd}',
            0x80..=0x9f => windows_1252(code),
            c => char::from_u32(c).unwrap_or('\u{fffd}'),
        };
        let used = if b.get(end) == Some(&b';') {
            end + 1
        } else {
            end
        };
        return Some((String::from(c), used));
    }
    let mut end = 1;
    while end < b.len() && b[end].is_ascii_alphanumeric() {
        end += 1;
    }
    let name = &s[1..end];
    if b.get(end) == Some(&b';') {
        return NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (v.to_string(), end + 1));
    }
    // Without `;`: the longest legacy name that prefixes what follows.
    let legacy = LEGACY
        .iter()
        .filter(|n| name.starts_with(**n))
        .max_by_key(|n| n.len())?;
    let next = b.get(1 + legacy.len()).copied();
    if in_attribute && next.is_some_and(|c| c == b'=' || c.is_ascii_alphanumeric()) {
        return None;
    }
    let text = NAMED.iter().find(|(n, _)| n == legacy).map(|(_, v)| *v)?;
    Some((text.to_string(), 1 + legacy.len()))
}

/// The C1 range as browsers map it (only the printable ones matter here).
fn windows_1252(code: u32) -> char {
    match code {
        0x80 => '€',
        0x85 => '…',
        0x91 => '‘',
        0x92 => '’',
        0x93 => '“',
        0x94 => '”',
        0x96 => '–',
        0x97 => '—',
        _ => char::from_u32(code).unwrap_or('\u{fffd}'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_numeric_named_and_legacy() {
        assert_eq!(decode("jav&#x61;script&#58;", true), "javascript:");
        assert_eq!(decode("&#106&#97", false), "ja");
        assert_eq!(
            decode("a &amp; b &lt;c&gt; &unknown; &", false),
            "a & b <c> &unknown; &"
        );
        assert_eq!(decode("&ampx", false), "&x");
        assert_eq!(decode("?a=1&ampx=2", true), "?a=1&ampx=2");
        assert_eq!(
            decode("&#0;&#x110000;&#99999999999;", false),
            "\u{fffd}\u{fffd}\u{fffd}"
        );
        assert_eq!(decode("java&Tab;script&colon;", true), "java\tscript:");
    }
}
