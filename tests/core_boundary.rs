//! The core/web boundary, enforced: nothing under `src/core/` may use a web crate
//! (`wasm_bindgen*`, `web_sys`, `js_sys`, `gloo*`) or reach into the web layer
//! (`crate::web`). Mentions inside comments are allowed; code and string
//! literals are not. Native only: it reads the source tree from disk.
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
