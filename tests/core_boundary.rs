//! The core/web boundary, enforced: nothing under `src/core/` may use a web crate
//! (`wasm_bindgen*`, `web_sys`, `js_sys`, `gloo*`) or reach into the web layer
//! (`crate::web`). Mentions inside comments are allowed; code and string
//! literals are not. Native only: it reads the source tree from disk.
//!
//! The core's non-test code also stays off `serde`, `serde_json`, `thiserror`
//! and the `core::fmt` macros (`format!`, `write!`, `println!`, …): it builds
//! JSON with `core::json` and text with `cat!`, so the wasm module carries no
//! derive-generated (de)serializers nor the formatting machinery. Test modules
//! (`#[cfg(test)]` items) and test files (`tests.rs`, `*_tests.rs`) may use them.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::{Path, PathBuf};

/// Identifier prefixes of the web crates (`wasm_bindgen` also covers
/// `wasm_bindgen_futures`, `gloo` covers `gloo_timers`, ...).
const FORBIDDEN_CRATES: [&str; 4] = ["wasm_bindgen", "web_sys", "js_sys", "gloo"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The source with every comment replaced by a space (line, block, nested
/// block and doc comments). String and char literals are kept as they are, and
/// a `//` inside one does not start a comment.
fn strip_comments(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                out.push(b' ');
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(b' ');
            }
            b'r' if matches!(b.get(i + 1), Some(b'"') | Some(b'#'))
                && (i == 0 || !is_ident_byte(b[i - 1])) =>
            {
                // Raw string r"..." / r#"..."#: copy it whole.
                let start = i;
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    out.push(b[i]);
                    i += 1;
                    continue;
                }
                j += 1;
                let mut closing = vec![b'"'];
                closing.extend(std::iter::repeat_n(b'#', hashes));
                while j < b.len() && !b[j..].starts_with(&closing) {
                    j += 1;
                }
                i = (j + closing.len()).min(b.len());
                out.extend_from_slice(&b[start..i]);
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                out.extend_from_slice(&b[start..i]);
            }
            // A char literal such as '"' or '\'' (but not a lifetime like 'a).
            b'\'' if b.get(i + 2) == Some(&b'\'') || b.get(i + 1) == Some(&b'\\') => {
                let start = i;
                i += if b.get(i + 1) == Some(&b'\\') { 3 } else { 2 };
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i = (i + 1).min(b.len());
                out.extend_from_slice(&b[start..i]);
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The crates the core's non-test code must not use (a name also covers
/// `<name>_…`, e.g. `serde_json`, `serde_wasm_bindgen`).
const FORBIDDEN_DEPS: [&str; 2] = ["serde", "thiserror"];

/// The formatting macros the core's non-test code must not call.
const FORBIDDEN_MACROS: [&str; 8] = [
    "format",
    "format_args",
    "write",
    "writeln",
    "print",
    "println",
    "eprint",
    "eprintln",
];

/// Attributes whose items the checks skip: tests, and native-only code (never
/// in the wasm module, e.g. the number formatting `core::json::num` borrows
/// from Rust natively).
const SKIPPED_CFGS: [&str; 2] = ["#[cfg(test)]", "#[cfg(not(target_arch = \"wasm32\"))]"];

/// Whether `file` is a test module's own file (`tests.rs`, `*_tests.rs`).
fn is_test_file(file: &Path) -> bool {
    file.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|s| s == "tests" || s.ends_with("_tests"))
}

/// The length of the string or char literal starting at `b[i]` (`"…"`,
/// `r#"…"#`, `b"…"`, `'x'`, `'\n'`), or 0 when none starts there (a
/// lifetime `'a` is not one).
fn literal_len(b: &[u8], i: usize) -> usize {
    let prev_ident = i > 0 && is_ident_byte(b[i - 1]);
    let mut j = i;
    if !prev_ident && b[j] == b'b' && matches!(b.get(j + 1), Some(b'"') | Some(b'r')) {
        j += 1;
    }
    if (j > i || !prev_ident) && b[j] == b'r' && matches!(b.get(j + 1), Some(b'"') | Some(b'#')) {
        let mut k = j + 1;
        let mut hashes = 0;
        while b.get(k) == Some(&b'#') {
            hashes += 1;
            k += 1;
        }
        if b.get(k) != Some(&b'"') {
            return 0;
        }
        k += 1;
        let mut closing = vec![b'"'];
        closing.extend(std::iter::repeat_n(b'#', hashes));
        while k < b.len() && !b[k..].starts_with(&closing) {
            k += 1;
        }
        return (k + closing.len()).min(b.len()) - i;
    }
    if b[j] == b'"' && (j > i || !prev_ident) {
        let mut k = j + 1;
        while k < b.len() && b[k] != b'"' {
            k += if b[k] == b'\\' { 2 } else { 1 };
        }
        return (k + 1).min(b.len()) - i;
    }
    if b[i] == b'\'' && (b.get(i + 2) == Some(&b'\'') || b.get(i + 1) == Some(&b'\\')) {
        let mut k = i + if b.get(i + 1) == Some(&b'\\') { 3 } else { 2 };
        while k < b.len() && b[k] != b'\'' {
            k += 1;
        }
        return (k + 1).min(b.len()) - i;
    }
    0
}

/// `code` (already free of comments) with every `#[cfg(test)]` (or
/// native-only, [`SKIPPED_CFGS`]) item — the
/// attribute up to the `;` or the `}` closing the item's first block —
/// replaced by a space, and, when `blank_literals`, every string and char
/// literal replaced by `""`.
fn non_test_code(code: &str, blank_literals: bool) -> String {
    let b = code.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let skipped = SKIPPED_CFGS
            .iter()
            .find(|c| b[i..].starts_with(c.as_bytes()));
        if let Some(cfg) = skipped {
            let mut depth = 0usize;
            i += cfg.len();
            while i < b.len() {
                let n = literal_len(b, i);
                if n > 0 {
                    i += n;
                    continue;
                }
                match b[i] {
                    b'{' => depth += 1,
                    b'}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    b';' if depth == 0 => {
                        i += 1;
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            out.push(b' ');
            continue;
        }
        let n = literal_len(b, i);
        if n > 0 {
            if blank_literals {
                out.extend_from_slice(b"\"\"");
            } else {
                out.extend_from_slice(&b[i..i + n]);
            }
            i += n;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every use of serde, thiserror or a formatting macro in `code` (already
/// free of comments) outside its `#[cfg(test)]` and native-only items.
fn fmt_violations(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let with_literals = non_test_code(code, false);
    for word in with_literals
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| !w.is_empty())
    {
        for segment in word.split("::") {
            if FORBIDDEN_DEPS
                .iter()
                .any(|c| segment == *c || segment.starts_with(&format!("{c}_")))
            {
                found.push(format!("uses `{segment}`"));
            }
        }
    }
    let code = non_test_code(code, true);
    let b = code.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !is_ident_byte(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_ident_byte(b[i]) {
            i += 1;
        }
        let word = &code[start..i];
        let mut j = i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let bang = b.get(j) == Some(&b'!') && b.get(j + 1) != Some(&b'=');
        if bang && FORBIDDEN_MACROS.contains(&word) {
            found.push(format!("calls `{word}!`"));
        }
    }
    found
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Every forbidden use in `src` (already free of comments), as short descriptions.
fn violations(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| !w.is_empty())
        .collect();
    for word in words {
        for segment in word.split("::") {
            if FORBIDDEN_CRATES
                .iter()
                .any(|c| segment == *c || segment.starts_with(&format!("{c}_")))
            {
                found.push(format!("uses `{segment}`"));
            }
        }
        if word.starts_with("crate::web") && (word.len() == 10 || word[10..].starts_with("::")) {
            found.push(format!("reaches into the web layer: `{word}`"));
        }
    }
    found
}

#[test]
fn core_uses_no_web_crate() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut files = Vec::new();
    rust_files(&core, &mut files);
    files.sort();
    assert!(
        files.len() >= 2 && files.iter().any(|f| f.ends_with("src/core/mod.rs")),
        "expected src/core/mod.rs and more under {}, found {files:?}: the check would pass vacuously",
        core.display()
    );
    let mut problems = Vec::new();
    for file in &files {
        let src = fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        for v in violations(&strip_comments(&src)) {
            problems.push(format!("{}: {v}", file.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "src/core must stay free of web crates (bind them in src/web instead):\n{}",
        problems.join("\n")
    );
}

#[test]
fn core_uses_no_serde_thiserror_or_fmt_macros_outside_tests() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut files = Vec::new();
    rust_files(&core, &mut files);
    files.sort();
    let checked: Vec<&PathBuf> = files.iter().filter(|f| !is_test_file(f)).collect();
    assert!(
        checked.len() >= 20 && checked.iter().any(|f| f.ends_with("src/core/engine.rs")),
        "expected src/core/engine.rs and more under {}, found {checked:?}: the check would pass vacuously",
        core.display()
    );
    let mut problems = Vec::new();
    for file in checked {
        let src = fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        for v in fmt_violations(&strip_comments(&src)) {
            problems.push(format!("{}: {v}", file.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "src/core's non-test code must not use serde, thiserror or the core::fmt macros \
         (core::json and cat! instead):\n{}",
        problems.join("\n")
    );
}

#[test]
fn fmt_checker_flags_non_test_uses_only() {
    let flagged = |src: &str| !fmt_violations(&strip_comments(src)).is_empty();
    assert!(flagged("use serde_json::{Map, Value};"));
    assert!(flagged("use serde::Serialize;"));
    assert!(flagged("#[derive(thiserror::Error)] enum E {}"));
    assert!(flagged("fn f(n: u8) -> String { format!(\"{n}\") }"));
    assert!(flagged("fn f(n: u8) -> String { std::format!(\"{n}\") }"));
    assert!(flagged(
        "fn f(o: &mut String) { let _ = write!(o, \"x\"); }"
    ));
    assert!(flagged("fn f(o: &mut String) { let _ = writeln ! (o); }"));
    assert!(flagged("fn f() { println!(\"x\"); }"));
    assert!(flagged("fn f() { eprintln!(\"x\"); }"));
    assert!(flagged(
        "#[cfg(test)]\nmod tests { fn t() { let _ = format!(\"}\"); } }\nfn g() -> String { format!(\"x\") }"
    ));
    assert!(flagged(
        "#[cfg(test)]\nuse serde_json::json;\nfn g(x: u8) { println!(\"{x}\") }"
    ));
    assert!(!flagged(
        "fn f() {}\n#[cfg(test)]\nmod tests {\n  use serde_json::json;\n  #[test] fn t() { let s = format!(\"{{}}\"); println!(\"{s}\"); }\n}\n"
    ));
    assert!(!flagged(
        "#[cfg(test)]\n#[path = \"x_tests.rs\"]\nmod tests;\nfn f() {}"
    ));
    assert!(!flagged(
        "// format!(\"x\") and serde_json in a comment\nfn f() {}"
    ));
    assert!(!flagged(
        "fn f(a: u8, b: u8) -> bool { let write = a; write != b }"
    ));
    assert!(!flagged("fn f() -> &'static str { \"format!(x)\" }"));
    assert!(!flagged(
        "fn f() -> String { cat!(\"a\", 1u8) } fn g(x: &mut W) { x.write_str(\"y\"); }"
    ));
    assert!(!flagged(
        "fn reformat() {} fn f() { reformat(); let my_format = 1; }"
    ));
    assert!(is_test_file(Path::new("src/core/metrics_tests.rs")));
    assert!(is_test_file(Path::new("src/core/json/tests.rs")));
    assert!(!is_test_file(Path::new("src/core/metrics.rs")));
}

// The checker itself, so that the test above is known to be able to fail.
#[test]
fn checker_flags_web_crates_and_ignores_comments() {
    let flagged = |src: &str| !violations(&strip_comments(src)).is_empty();
    assert!(flagged("use wasm_bindgen::prelude::*;"));
    assert!(flagged("fn f() { let _ = js_sys::Date::now(); }"));
    assert!(flagged("use web_sys::Window;"));
    assert!(flagged("use gloo_timers::future::TimeoutFuture;"));
    assert!(flagged("use wasm_bindgen_futures::spawn_local;"));
    assert!(flagged("#[wasm_bindgen] pub fn f() {}"));
    assert!(flagged("use crate::web::api;"));
    assert!(flagged(
        r#"let s = "// not a comment"; use web_sys::Window;"#
    ));
    assert!(flagged(
        r##"let s = r#"/* not a comment"#; use js_sys::Array;"##
    ));
    assert!(flagged("let q = '\"'; use js_sys::Array; let z = \"\";"));
    assert!(!flagged(
        "// the web layer uses wasm_bindgen and web_sys\nfn f() {}"
    ));
    assert!(!flagged("/* js_sys /* nested */ gloo */ fn f() {}"));
    assert!(!flagged(
        "/// Turned into a JS error by the `wasm_bindgen` layer.\nfn f() {}"
    ));
    assert!(!flagged("fn f<'a>(x: &'a str) -> &'a str { x } // web_sys"));
    assert!(!flagged(
        "let websys = 1; let js = 2; let glow = 3; let webby = crate::webhook;"
    ));
}
