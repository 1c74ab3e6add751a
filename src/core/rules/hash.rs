//! GrowthBook's deterministic hashing: 32-bit FNV-1a over the UTF-16 code
//! units of a string (what JavaScript's `charCodeAt` yields), scaled to
//! `[0, 1)`.

use super::js::NumBuf;

const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// FNV-1a 32 over the UTF-16 units of the concatenation of `parts`.
pub fn fnv1a32(parts: &[&str]) -> u32 {
    parts
        .iter()
        .flat_map(|p| p.encode_utf16())
        .fold(FNV_OFFSET, |h, unit| {
            (h ^ u32::from(unit)).wrapping_mul(FNV_PRIME)
        })
}

/// GrowthBook's `hash(seed, value, version)`.
///
/// * version 1 (original, biased): `fnv(value + seed) % 1000 / 1000`;
/// * version 2: `fnv(decimal(fnv(seed + value))) % 10000 / 10000`;
/// * any other version: `None`.
pub fn hash(seed: &str, value: &str, version: i64) -> Option<f64> {
    match version {
        1 => Some(hash_v1(value, &[seed])),
        2 => {
            let first = fnv1a32(&[seed, value]);
            let mut digits = NumBuf::new();
            digits.push_u64(u64::from(first));
            Some(f64::from(fnv1a32(&[digits.as_str()]) % 10_000) / 10_000.0)
        }
        _ => None,
    }
}

/// Version 1 with the seed given in pieces (so namespaces need no allocation).
pub(crate) fn hash_v1(value: &str, seed: &[&str]) -> f64 {
    let mut parts = [value; 4];
    let n = 1 + seed.len().min(3);
    parts[1..n].copy_from_slice(&seed[..n - 1]);
    f64::from(fnv1a32(&parts[..n]) % 1_000) / 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_units_are_hashed() {
        // U+1F600 is two UTF-16 units; hashing must not see its four UTF-8 bytes.
        let by_hand = [0xD83Du32, 0xDE00]
            .iter()
            .fold(FNV_OFFSET, |h, u| (h ^ u).wrapping_mul(FNV_PRIME));
        assert_eq!(fnv1a32(&["\u{1F600}"]), by_hand);
        assert_eq!(fnv1a32(&[""]), FNV_OFFSET);
        assert_eq!(fnv1a32(&["a"]), 0xe40c_292c);
        assert_eq!(hash("", "a", 1), Some(0.22));
        assert_eq!(
            hash_v1("1", &["__", "ns"]),
            hash("__ns", "1", 1).unwrap_or(-1.0)
        );
        assert_eq!(hash("a", "b", 3), None);
    }
}
