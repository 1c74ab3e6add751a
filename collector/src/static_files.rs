//! Static files: `/pkg/...` from the package directory, everything else from the
//! www directory, with MIME types and path-traversal rejection.

use std::fs;
use std::path::{Path, PathBuf};

use crate::http::percent_decode;

/// Outcome of resolving a request path.
#[derive(Debug)]
pub enum Lookup {
    /// A readable file with its bytes and MIME type.
    Found {
        /// File that was read.
        path: PathBuf,
        /// Its contents.
        body: Vec<u8>,
        /// `Content-Type` to send.
        mime: &'static str,
    },
    /// No matching file.
    NotFound,
    /// The path tries to leave the root or is otherwise unacceptable.
    Forbidden(&'static str),
}

/// The two static roots.
#[derive(Debug, Clone)]
pub struct StaticFiles {
    www: PathBuf,
    pkg: PathBuf,
}

impl StaticFiles {
    /// Serves `www` for most paths and `pkg` under `/pkg/`.
    pub fn new(www: &Path, pkg: &Path) -> Self {
        Self {
            www: www.to_path_buf(),
            pkg: pkg.to_path_buf(),
        }
    }

    /// Resolves a raw (still percent-encoded) request path: `/` is
    /// `index.html`; `/foo` tries `foo`, `foo.html`, then `foo/index.html`;
    /// `/foo/` tries `foo/index.html`. Any `..` segment (after decoding),
    /// backslash or NUL is forbidden.
    pub fn lookup(&self, raw_path: &str) -> Lookup {
        let Ok(decoded) = String::from_utf8(percent_decode(raw_path)) else {
            return Lookup::Forbidden("path is not valid UTF-8");
        };
        if decoded.contains('\\') || decoded.contains('\0') {
            return Lookup::Forbidden("path contains a backslash or NUL");
        }
        let mut segments: Vec<&str> = Vec::new();
        for segment in decoded.split('/') {
            match segment {
                "" | "." => {}
                ".." => return Lookup::Forbidden("path traversal"),
                s => segments.push(s),
            }
        }
        let (root, rest) = match segments.first() {
            Some(&"pkg") => (&self.pkg, &segments[1..]),
            _ => (&self.www, &segments[..]),
        };
        let mut base = root.clone();
        for segment in rest {
            base.push(segment);
        }
        let candidates = if rest.is_empty() || decoded.ends_with('/') {
            vec![base.join("index.html")]
        } else {
            let mut html = base.clone().into_os_string();
            html.push(".html");
            vec![base.clone(), PathBuf::from(html), base.join("index.html")]
        };
        for candidate in candidates {
            if !candidate.is_file() {
                continue;
            }
            if let Ok(body) = fs::read(&candidate) {
                let mime = mime_type(&candidate);
                return Lookup::Found {
                    path: candidate,
                    body,
                    mime,
                };
            }
        }
        Lookup::NotFound
    }
}

/// MIME type by file extension (`application/octet-stream` when unknown).
pub fn mime_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types() {
        for (name, mime) in [
            ("a.html", "text/html; charset=utf-8"),
            ("a.JS", "text/javascript; charset=utf-8"),
            ("a.mjs", "text/javascript; charset=utf-8"),
            ("a.css", "text/css; charset=utf-8"),
            ("a.json", "application/json"),
            ("a.wasm", "application/wasm"),
            ("a.svg", "image/svg+xml"),
            ("a.png", "image/png"),
            ("a.ico", "image/x-icon"),
            ("a.txt", "text/plain; charset=utf-8"),
            ("a.js.map", "application/json"),
            ("noext", "application/octet-stream"),
        ] {
            assert_eq!(mime_type(Path::new(name)), mime, "{name}");
        }
    }

    #[test]
    fn traversal_is_forbidden_before_touching_disk() {
        let s = StaticFiles::new(Path::new("/nonexistent-www"), Path::new("/nonexistent-pkg"));
        for bad in [
            "/../etc/passwd",
            "/a/../../b",
            "/%2e%2e/x",
            "/%2E%2e%2fsecret",
            "/pkg/..%2f..%2fx",
            "/a%5c..%5cb",
            "/a%00b",
            "/%ff",
        ] {
            assert!(matches!(s.lookup(bad), Lookup::Forbidden(_)), "{bad}");
        }
        assert!(matches!(s.lookup("/missing"), Lookup::NotFound));
        assert!(matches!(s.lookup("/./..."), Lookup::NotFound));
    }
}
