//! Identifiers: RFC 4122 version-4 UUIDs from the injected random source.

use crate::core::platform::Random;

/// A random (version 4, variant 1) UUID in lowercase hyphenated form.
pub fn uuid_v4(random: &dyn Random) -> String {
    let mut b = [0u8; 16];
    random.fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(hex(byte >> 4));
        out.push(hex(byte & 0x0f));
    }
    out
}

/// True when `s` is a lowercase or uppercase hyphenated version-4 UUID.
pub fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

fn hex(n: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(n & 0x0f)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::platform::SeededRandom;

    #[test]
    fn uuids_are_v4_and_distinct() {
        let r = SeededRandom::new(1);
        let a = uuid_v4(&r);
        let b = uuid_v4(&r);
        assert!(is_uuid_v4(&a), "{a}");
        assert!(is_uuid_v4(&b), "{b}");
        assert_ne!(a, b);
        assert!(!is_uuid_v4("not-a-uuid"));
        assert!(!is_uuid_v4("00000000-0000-1000-8000-000000000000"));
    }
}
