//! Building text without `core::fmt`, and case mapping.
//!
//! The SDK's messages, paths and keys are assembled with [`cat!`] from pieces
//! ([`Piece`]): strings, characters and numbers (numbers written as
//! JavaScript writes them, see [`crate::core::json::num`]). `format!` would
//! pull the formatting machinery into the wasm module for nothing.
//!
//! Case mapping follows Unicode natively (Rust's own tables) and, in the
//! browser, JavaScript's `toLowerCase`/`toUpperCase` (installed with
//! [`set_case_hooks`]) so the wasm module carries no case tables; ASCII text
//! never leaves Rust.

use crate::core::json::num;
use std::cell::Cell;

/// Something [`cat!`] can append.
pub trait Piece {
    /// Appends `self` to `out`.
    fn push_to(&self, out: &mut String);
}

impl Piece for str {
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for char {
    fn push_to(&self, out: &mut String) {
        out.push(*self);
    }
}

impl Piece for f64 {
    fn push_to(&self, out: &mut String) {
        num::push_f64(out, *self);
    }
}

macro_rules! piece_unsigned {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn push_to(&self, out: &mut String) {
                num::push_u64(out, *self as u64);
            }
        }
    )*};
}
piece_unsigned!(u8, u16, u32, u64, usize);

macro_rules! piece_signed {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn push_to(&self, out: &mut String) {
                num::push_i64(out, *self as i64);
            }
        }
    )*};
}
piece_signed!(i32, i64);

impl<T: Piece + ?Sized> Piece for &T {
    fn push_to(&self, out: &mut String) {
        (**self).push_to(out);
    }
}

/// Concatenates pieces into a new `String`:
/// `cat!(path, ": expected a number, got ", n)`.
#[macro_export]
macro_rules! cat {
    ($($piece:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut out = ::std::string::String::new();
        $( $crate::core::text::Piece::push_to(&$piece, &mut out); )*
        out
    }};
}
pub use crate::cat;

/// Where `needle` first occurs in `hay` (as `str::find` with a `&str`
/// pattern), by a plain scan: the module then carries no two-way searcher.
pub fn find_str(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    // A UTF-8 needle can only match at a character boundary of `hay`.
    (0..(h.len() + 1).checked_sub(n.len())?).find(|&i| h[i..].starts_with(n))
}

/// What follows the last `sep` (an ASCII byte) in `s`, or all of `s`: what
/// `s.rsplit(sep).next()` gives, without the reverse splitter.
pub fn after_last(s: &str, sep: u8) -> &str {
    match s.as_bytes().iter().rposition(|&b| b == sep) {
        Some(i) => &s[i + 1..],
        None => s,
    }
}

/// Whether `hay` contains `needle` (see [`find_str`]).
pub fn contains_str(hay: &str, needle: &str) -> bool {
    find_str(hay, needle).is_some()
}

/// The host's case mapping for non-ASCII text.
#[derive(Clone, Copy)]
pub struct CaseHooks {
    /// `s.toLowerCase()`.
    pub lower: fn(&str) -> String,
    /// `s.toUpperCase()`.
    pub upper: fn(&str) -> String,
}

thread_local! {
    static CASE: Cell<Option<CaseHooks>> = const { Cell::new(None) };
}

/// Installs the host's case mapping (the web layer does, at start).
pub fn set_case_hooks(hooks: CaseHooks) {
    CASE.with(|h| h.set(Some(hooks)));
}

/// `s` in lower case (JavaScript's `toLowerCase` in the browser).
pub fn lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    match CASE.with(Cell::get) {
        Some(h) => (h.lower)(s),
        None => unicode_lower(s),
    }
}

/// `s` in upper case (JavaScript's `toUpperCase` in the browser).
pub fn upper(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    match CASE.with(Cell::get) {
        Some(h) => (h.upper)(s),
        None => unicode_upper(s),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn unicode_lower(s: &str) -> String {
    s.to_lowercase()
}

#[cfg(not(target_arch = "wasm32"))]
fn unicode_upper(s: &str) -> String {
    s.to_uppercase()
}

/// Without hooks in wasm (never in the shipped SDK): ASCII letters only.
#[cfg(target_arch = "wasm32")]
fn unicode_lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

#[cfg(target_arch = "wasm32")]
fn unicode_upper(s: &str) -> String {
    s.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cat_joins_pieces_and_numbers() {
        let name = String::from("vip");
        let s = cat!(
            "segments.",
            name,
            "[",
            3usize,
            "]: ",
            -2i64,
            " / ",
            0.5f64,
            '!'
        );
        assert_eq!(s, "segments.vip[3]: -2 / 0.5!");
        assert_eq!(cat!(), "");
    }

    #[test]
    fn case_mapping_is_unicode_natively() {
        assert_eq!(lower("ÄbC"), "äbc");
        assert_eq!(upper("straße"), "STRASSE");
        assert_eq!(lower("ABC"), "abc");
    }
}
