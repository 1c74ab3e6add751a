//! Regular expressions for `$regex`/`$regexi`, behind a trait so each build
//! brings its own engine: the browser build compiles ECMAScript `RegExp`s
//! through the web layer (exact GrowthBook semantics, nothing shipped in the
//! wasm), native builds use `regex-lite` (feature `native-regex`). regex-lite
//! follows Rust `regex` syntax: no look-around and no back-references, which
//! ECMAScript has; patterns using them fail to compile natively and the
//! operator is then false, as GrowthBook does for an invalid pattern.

/// A compiled regular expression.
pub trait CompiledRegex {
    /// Whether `s` contains a match.
    fn is_match(&self, s: &str) -> bool;
}

/// Compiles patterns.
pub trait RegexEngine {
    /// Compiles `pattern`; `None` when it is invalid for this engine.
    fn compile(&self, pattern: &str, case_insensitive: bool) -> Option<Box<dyn CompiledRegex>>;
}

/// An engine that compiles nothing: every `$regex` is false.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoRegex;

impl RegexEngine for NoRegex {
    fn compile(&self, _: &str, _: bool) -> Option<Box<dyn CompiledRegex>> {
        None
    }
}

/// `regex-lite` (native builds).
#[cfg(feature = "native-regex")]
#[derive(Debug, Default, Clone, Copy)]
pub struct NativeRegex;

#[cfg(feature = "native-regex")]
struct NativeCompiled(regex_lite::Regex);

#[cfg(feature = "native-regex")]
impl CompiledRegex for NativeCompiled {
    fn is_match(&self, s: &str) -> bool {
        self.0.is_match(s)
    }
}

#[cfg(feature = "native-regex")]
impl RegexEngine for NativeRegex {
    fn compile(&self, pattern: &str, case_insensitive: bool) -> Option<Box<dyn CompiledRegex>> {
        let p = if case_insensitive {
            format!("(?i){pattern}")
        } else {
            pattern.to_string()
        };
        regex_lite::Regex::new(&p)
            .ok()
            .map(|r| Box::new(NativeCompiled(r)) as Box<dyn CompiledRegex>)
    }
}
