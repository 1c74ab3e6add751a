//! Shared test helpers: an in-process server on an ephemeral port with its own
//! temporary directory, and a tiny raw-`TcpStream` HTTP/1.1 client.

#![allow(dead_code)]

use std::fs;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use attune_collector::{start, Config, RunningServer};
use serde_json::Value;

/// Client-side bound for every socket operation, so no test can hang.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty temporary directory unique to this process and call.
pub fn temp_dir(name: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!(
        "attune-collector-test-{}-{n}-{name}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// A server running on 127.0.0.1:0 over a temporary directory holding
/// `www/`, `pkg/` and the data file. Stops and cleans up on drop.
pub struct TestServer {
    pub server: Option<RunningServer>,
    pub dir: PathBuf,
    pub config: Config,
}

impl TestServer {
    /// Starts with the default test configuration.
    pub fn start(name: &str) -> Self {
        Self::start_with(name, |_| {})
    }

    /// Starts after letting `adjust` change the test configuration.
    pub fn start_with(name: &str, adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = temp_dir(name);
        let mut config = base_config(&dir);
        adjust(&mut config);
        let server = start(config.clone()).unwrap();
        Self {
            server: Some(server),
            dir,
            config,
        }
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.as_ref().unwrap().addr()
    }

    /// Stops the server and starts a new one on the same directory and data
    /// file (a new port), after letting `adjust` change the configuration.
    pub fn restart(&mut self, adjust: impl FnOnce(&mut Config)) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
        adjust(&mut self.config);
        self.server = Some(start(self.config.clone()).unwrap());
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Test configuration over `dir`: ephemeral port, quiet, fixture files.
pub fn base_config(dir: &Path) -> Config {
    let www = dir.join("www");
    let pkg = dir.join("pkg");
    fs::create_dir_all(www.join("docs")).unwrap();
    fs::create_dir_all(pkg.join("snippets")).unwrap();
    fs::write(www.join("index.html"), "<!doctype html><title>home</title>").unwrap();
    fs::write(www.join("about.html"), "<p>about</p>").unwrap();
    fs::write(www.join("docs").join("index.html"), "<p>docs</p>").unwrap();
    fs::write(www.join("app.js"), "export const x = 1;").unwrap();
    fs::write(www.join("style.css"), "body{}").unwrap();
    fs::write(www.join("data.json"), "{}").unwrap();
    fs::write(www.join("logo.svg"), "<svg/>").unwrap();
    fs::write(www.join("pic.png"), [0x89, b'P', b'N', b'G']).unwrap();
    fs::write(www.join("favicon.ico"), [0u8, 0, 1, 0]).unwrap();
    fs::write(www.join("notes.txt"), "notes").unwrap();
    fs::write(www.join("app.js.map"), "{\"version\":3}").unwrap();
    fs::write(pkg.join("attune.js"), "export default 1;").unwrap();
    fs::write(pkg.join("attune.mjs"), "export default 2;").unwrap();
    fs::write(pkg.join("attune_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    fs::write(dir.join("secret.txt"), "TOP-SECRET").unwrap();
    Config {
        port: 0,
        www,
        pkg,
        data: dir.join("data").join("events.jsonl"),
        log: false,
        ..Config::default()
    }
}

/// A parsed response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    /// First value of a header (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Body as JSON (panics with the body text if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// Body as (lossy) text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Connects with timeouts on every operation.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT).unwrap();
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
}

/// Serializes a request with `Connection: close` and a Content-Length.
pub fn request_bytes(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Sends one request and reads the whole answer (the server closes after it).
pub fn try_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<Resp> {
    let bytes = raw(addr, &request_bytes(method, path, headers, body), false)?;
    parse_response(&bytes)
        .map(|(resp, _)| resp)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no parsable response"))
}

/// Like [`try_request`] but panics on I/O errors.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    try_request(addr, method, path, headers, body)
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// GET `path`.
pub fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, &[], b"")
}

/// POST a JSON value.
pub fn post_json(addr: SocketAddr, path: &str, body: &Value) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap();
    request(
        addr,
        "POST",
        path,
        &[("Content-Type", "application/json")],
        &bytes,
    )
}

/// `GET /v1/stats` as JSON.
pub fn stats(addr: SocketAddr) -> Value {
    let resp = get(addr, "/v1/stats");
    assert_eq!(resp.status, 200);
    resp.json()
}

/// `GET /v1/events` (with an optional query) as a JSON array.
pub fn events(addr: SocketAddr, query: &str) -> Vec<Value> {
    let resp = get(addr, &format!("/v1/events{query}"));
    assert_eq!(resp.status, 200);
    match resp.json() {
        Value::Array(events) => events,
        other => panic!("expected an array, got {other}"),
    }
}

/// Writes raw bytes, optionally half-closes, then reads until EOF (bounded by
/// [`IO_TIMEOUT`]). A reset after the server closed counts as EOF.
pub fn raw(addr: SocketAddr, bytes: &[u8], half_close: bool) -> io::Result<Vec<u8>> {
    let mut stream = connect(addr);
    // The server may answer (and close) before everything is written; that is
    // not an error for these tests.
    let _ = stream.write_all(bytes);
    if half_close {
        let _ = stream.shutdown(Shutdown::Write);
    }
    read_to_eof(&mut stream)
}

/// Reads until EOF; a connection reset after some data counts as EOF.
pub fn read_to_eof(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset && !out.is_empty() => {
                return Ok(out)
            }
            Err(e) => return Err(e),
        }
    }
}

/// Parses one response from the start of `bytes`; returns it and the rest.
pub fn parse_response(bytes: &[u8]) -> Option<(Resp, &[u8])> {
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.splitn(3, ' ');
    if parts.next()? != "HTTP/1.1" {
        return None;
    }
    let status: u16 = parts.next()?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().ok())
        .unwrap_or(Some(0))?;
    let rest = &bytes[head_end + 4..];
    if rest.len() < length {
        return None;
    }
    let resp = Resp {
        status,
        headers,
        body: rest[..length].to_vec(),
    };
    Some((resp, &rest[length..]))
}

/// A Segment-style track event.
pub fn track(message_id: &str, anonymous_id: &str, event: &str) -> Value {
    serde_json::json!({
        "type": "track",
        "messageId": message_id,
        "anonymousId": anonymous_id,
        "event": event,
        "properties": {},
        "timestamp": "2024-01-01T00:00:00.000Z",
    })
}

/// Wraps events in a Segment batch body.
pub fn batch(events: Vec<Value>) -> Value {
    serde_json::json!({ "batch": events, "sentAt": "2024-01-01T00:00:01.000Z" })
}
