//! Static files: routing, MIME types, caching, traversal rejection, CSP.

mod common;

use common::*;

#[test]
fn serves_www_and_pkg_with_mime_types() {
    let t = TestServer::start("static");
    let addr = t.addr();
    let cases = [
        (
            "/",
            "text/html; charset=utf-8",
            "<!doctype html><title>home</title>",
        ),
        (
            "/index.html",
            "text/html; charset=utf-8",
            "<!doctype html><title>home</title>",
        ),
        ("/about", "text/html; charset=utf-8", "<p>about</p>"),
        ("/docs", "text/html; charset=utf-8", "<p>docs</p>"),
        ("/docs/", "text/html; charset=utf-8", "<p>docs</p>"),
        (
            "/app.js",
            "text/javascript; charset=utf-8",
            "export const x = 1;",
        ),
        (
            "/app.js?v=3",
            "text/javascript; charset=utf-8",
            "export const x = 1;",
        ),
        ("/style.css", "text/css; charset=utf-8", "body{}"),
        ("/data.json", "application/json", "{}"),
        ("/logo.svg", "image/svg+xml", "<svg/>"),
        ("/notes.txt", "text/plain; charset=utf-8", "notes"),
        ("/app.js.map", "application/json", "{\"version\":3}"),
        (
            "/pkg/attune.js",
            "text/javascript; charset=utf-8",
            "export default 1;",
        ),
        (
            "/pkg/attune.mjs",
            "text/javascript; charset=utf-8",
            "export default 2;",
        ),
    ];
    for (path, mime, body) in cases {
        let resp = get(addr, path);
        assert_eq!(resp.status, 200, "{path}");
        assert_eq!(resp.header("Content-Type"), Some(mime), "{path}");
        assert_eq!(resp.text(), body, "{path}");
        assert_eq!(resp.header("Cache-Control"), Some("no-store"), "{path}");
        // The package is readable from other origins (as from a CDN); the site is not.
        let cors = path.starts_with("/pkg/").then_some("*");
        assert_eq!(resp.header("Access-Control-Allow-Origin"), cors, "{path}");
    }
    let wasm = get(addr, "/pkg/attune_bg.wasm");
    assert_eq!(wasm.header("Content-Type"), Some("application/wasm"));
    assert_eq!(wasm.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");
    assert_eq!(
        get(addr, "/pic.png").header("Content-Type"),
        Some("image/png")
    );
    assert_eq!(
        get(addr, "/favicon.ico").header("Content-Type"),
        Some("image/x-icon")
    );

    for missing in [
        "/nope",
        "/pkg/nope.js",
        "/docs/missing.html",
        "/pkg/snippets",
    ] {
        let resp = get(addr, missing);
        assert_eq!(resp.status, 404, "{missing}");
        assert_eq!(resp.header("Cache-Control"), Some("no-store"));
    }
}

#[test]
fn path_traversal_is_rejected() {
    let t = TestServer::start("traversal");
    let addr = t.addr();
    for path in [
        "/../secret.txt",
        "/pkg/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/pkg/%2e%2e/%2e%2e/secret.txt",
        "/docs/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/%00secret.txt",
    ] {
        let resp = get(addr, path);
        assert!(
            resp.status == 403 || resp.status == 404,
            "{path}: {}",
            resp.status
        );
        assert!(!resp.text().contains("TOP-SECRET"), "{path}");
    }
    assert_eq!(get(addr, "/../secret.txt").status, 403);
    // Double encoding stays literal: it names a file that does not exist.
    assert_eq!(get(addr, "/%252e%252e/secret.txt").status, 404);
}

#[test]
fn csp_on_html_only_and_only_when_configured() {
    let policy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
    let t = TestServer::start_with("csp", |c| c.csp = Some(policy.into()));
    let addr = t.addr();
    for path in ["/", "/about", "/docs/"] {
        assert_eq!(
            get(addr, path).header("Content-Security-Policy"),
            Some(policy),
            "{path}"
        );
    }
    for path in ["/app.js", "/pkg/attune_bg.wasm", "/v1/stats", "/nope"] {
        assert_eq!(
            get(addr, path).header("Content-Security-Policy"),
            None,
            "{path}"
        );
    }
    drop(t);

    let plain = TestServer::start("no-csp");
    assert_eq!(
        get(plain.addr(), "/").header("Content-Security-Policy"),
        None
    );
}

#[test]
fn head_and_other_methods() {
    let t = TestServer::start("methods");
    let addr = t.addr();
    let bytes = raw(
        addr,
        b"HEAD /about HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        false,
    )
    .unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("Content-Length: 12\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "HEAD has no body: {text:?}");

    let resp = request(addr, "POST", "/about", &[], b"x");
    assert_eq!(
        (resp.status, resp.header("Allow")),
        (405, Some("GET, HEAD"))
    );
    assert_eq!(request(addr, "DELETE", "/", &[], b"").status, 405);
}
