//! Minimal HTTP/1.1: reading one request at a time from a connection with size
//! limits and deadlines, and writing responses.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Largest request head (request line plus headers) in bytes.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Largest number of header lines.
pub const MAX_HEADERS: usize = 100;
/// Largest request body in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Deadlines for receiving a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Time allowed to receive a whole request head once it has started.
    pub head: Duration,
    /// Time allowed to receive a whole body once the head is in.
    pub body: Duration,
}

impl Timeouts {
    /// Head deadline `request`, body deadline three times that.
    pub fn from_request_timeout(request: Duration) -> Self {
        Self {
            head: request,
            body: request.saturating_mul(3),
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Self::from_request_timeout(Duration::from_secs(10))
    }
}

/// One parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    /// Method as sent (`GET`, `POST`, ...).
    pub method: String,
    /// Request target as sent, e.g. `/v1/events?type=track`.
    pub target: String,
    /// Path part of the target, still percent-encoded.
    pub path: String,
    /// Query part of the target without `?` (empty when absent).
    pub query: String,
    /// True for HTTP/1.1, false for HTTP/1.0.
    pub http11: bool,
    /// Headers in arrival order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body bytes (possibly decoded from chunked encoding).
    pub body: Vec<u8>,
}

impl Request {
    /// First value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the connection may stay open after this request.
    pub fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        let tokens = || connection.split(',').map(str::trim);
        if self.http11 {
            !tokens().any(|t| t == "close")
        } else {
            tokens().any(|t| t == "keep-alive")
        }
    }

    /// Decoded query parameters in order (`+` means space).
    pub fn query_params(&self) -> Vec<(String, String)> {
        parse_query(&self.query)
    }

    /// First decoded value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// Why a request could not be read. The connection is closed after answering.
#[derive(Debug, Clone)]
pub struct HttpError {
    /// Status to answer, or `None` to close silently (peer gone, idle timeout).
    pub status: Option<u16>,
    /// Machine-readable error code for the JSON body.
    pub code: &'static str,
    /// Human-readable detail.
    pub message: String,
    /// Method, when the request line was parsed.
    pub method: Option<String>,
    /// Raw path, when the request line was parsed.
    pub path: Option<String>,
    /// `Origin` header, when the head was parsed (for CORS on the answer).
    pub origin: Option<String>,
    /// Unread body bytes may still be arriving: drain before closing so the
    /// peer sees the answer instead of a reset.
    pub drain: bool,
}

impl HttpError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: Some(status),
            code,
            message: message.into(),
            method: None,
            path: None,
            origin: None,
            drain: false,
        }
    }

    fn silent(message: impl Into<String>) -> Self {
        Self {
            status: None,
            code: "closed",
            message: message.into(),
            method: None,
            path: None,
            origin: None,
            drain: false,
        }
    }
}

/// A connection with its read buffer (bytes read past the current request are
/// kept for the next one, so pipelining works).
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
    timeouts: Timeouts,
}

impl Connection {
    /// Wraps an accepted stream.
    pub fn new(stream: TcpStream, timeouts: Timeouts) -> Self {
        Self {
            stream,
            buf: Vec::new(),
            timeouts,
        }
    }

    /// The underlying stream (for writing answers).
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// Reads more bytes into the buffer before `deadline`. `Ok(0)` means EOF.
    fn fill(&mut self, deadline: Instant) -> io::Result<usize> {
        let mut chunk = [0u8; 8192];
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.stream.set_read_timeout(Some(remaining))?;
            match self.stream.read(&mut chunk) {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Err(io::ErrorKind::TimedOut.into())
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads the next request. `idle` bounds the wait for its first byte;
    /// `Ok(None)` means the peer closed or stayed idle, nothing to answer.
    pub fn read_request(&mut self, idle: Duration) -> Result<Option<Request>, HttpError> {
        let idle_deadline = Instant::now() + idle;
        // Tolerate stray CRLFs between pipelined requests (RFC 9112 §2.2).
        loop {
            let skip = self
                .buf
                .iter()
                .take_while(|b| **b == b'\r' || **b == b'\n')
                .count();
            self.buf.drain(..skip);
            if !self.buf.is_empty() {
                break;
            }
            match self.fill(idle_deadline) {
                Ok(0) => return Ok(None),
                Ok(_) => {}
                Err(_) => return Ok(None),
            }
        }
        let head_deadline = Instant::now() + self.timeouts.head;
        let head_end = loop {
            if let Some(end) = find_head_end(&self.buf) {
                break end;
            }
            if self.buf.len() > MAX_HEAD_BYTES {
                return Err(HttpError::new(
                    431,
                    "headers_too_large",
                    format!("request head exceeds {MAX_HEAD_BYTES} bytes"),
                ));
            }
            match self.fill(head_deadline) {
                Ok(0) => return Err(HttpError::silent("peer closed mid-request")),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    return Err(HttpError::new(
                        408,
                        "request_timeout",
                        "request head not received in time",
                    ))
                }
                Err(e) => return Err(HttpError::silent(e.to_string())),
            }
        };
        let (head_len, sep_len) = head_end;
        if head_len > MAX_HEAD_BYTES {
            return Err(HttpError::new(
                431,
                "headers_too_large",
                format!("request head exceeds {MAX_HEAD_BYTES} bytes"),
            ));
        }
        let head: Vec<u8> = self.buf.drain(..head_len + sep_len).collect();
        let mut request = parse_head(&head[..head_len])?;
        let with_context = |mut e: HttpError, request: &Request| {
            e.method = Some(request.method.clone());
            e.path = Some(request.path.clone());
            e.origin = request.header("origin").map(str::to_string);
            e
        };
        match self.read_body(&request) {
            Ok(body) => request.body = body,
            Err(e) => return Err(with_context(e, &request)),
        }
        Ok(Some(request))
    }

    fn read_body(&mut self, request: &Request) -> Result<Vec<u8>, HttpError> {
        let transfer_encoding = request.header("transfer-encoding");
        let content_length = request
            .headers
            .iter()
            .filter(|(n, _)| n == "content-length")
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>();
        let deadline = Instant::now() + self.timeouts.body;
        if let Some(te) = transfer_encoding {
            if !content_length.is_empty() {
                return Err(HttpError::new(
                    400,
                    "bad_request",
                    "both Transfer-Encoding and Content-Length",
                ));
            }
            if !te.trim().eq_ignore_ascii_case("chunked") {
                return Err(HttpError::new(
                    501,
                    "not_implemented",
                    format!("unsupported Transfer-Encoding {te:?}"),
                ));
            }
            self.send_continue(request)?;
            return self.read_chunked(deadline);
        }
        let length = match parse_content_length(&content_length) {
            Ok(n) => n,
            Err(message) => return Err(HttpError::new(400, "bad_content_length", message)),
        };
        if length == 0 {
            return Ok(Vec::new());
        }
        if length > MAX_BODY_BYTES as u64 {
            let mut e = too_large();
            // A client that waits for 100-continue sends nothing more.
            e.drain = !expects_continue(request);
            return Err(e);
        }
        self.send_continue(request)?;
        let length = length as usize;
        while self.buf.len() < length {
            self.fill_body(deadline)?;
        }
        Ok(self.buf.drain(..length).collect())
    }

    fn fill_body(&mut self, deadline: Instant) -> Result<(), HttpError> {
        match self.fill(deadline) {
            Ok(0) => Err(HttpError::silent("peer closed mid-body")),
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Err(HttpError::new(
                408,
                "request_timeout",
                "request body not received in time",
            )),
            Err(e) => Err(HttpError::silent(e.to_string())),
        }
    }

    fn send_continue(&mut self, request: &Request) -> Result<(), HttpError> {
        if expects_continue(request) && request.http11 && self.buf.is_empty() {
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .map_err(|e| HttpError::silent(e.to_string()))?;
        }
        Ok(())
    }

    fn read_line(&mut self, deadline: Instant, limit: usize) -> Result<Vec<u8>, HttpError> {
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.buf.len() > limit {
                return Err(HttpError::new(400, "bad_chunk", "chunk line too long"));
            }
            self.fill_body(deadline)?;
        }
    }

    fn read_chunked(&mut self, deadline: Instant) -> Result<Vec<u8>, HttpError> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line(deadline, 1024)?;
            let text = String::from_utf8_lossy(&line);
            let size_text = text.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16).map_err(|_| {
                HttpError::new(
                    400,
                    "bad_chunk",
                    format!("invalid chunk size {size_text:?}"),
                )
            })?;
            if size == 0 {
                // Trailers until an empty line.
                let mut trailer_bytes = 0;
                loop {
                    let trailer = self.read_line(deadline, MAX_HEAD_BYTES)?;
                    trailer_bytes += trailer.len();
                    if trailer.is_empty() {
                        return Ok(body);
                    }
                    if trailer_bytes > MAX_HEAD_BYTES {
                        return Err(HttpError::new(
                            431,
                            "headers_too_large",
                            "chunked trailers too large",
                        ));
                    }
                }
            }
            if body.len().saturating_add(size) > MAX_BODY_BYTES {
                let mut e = too_large();
                e.drain = true;
                return Err(e);
            }
            while self.buf.len() < size + 2 {
                self.fill_body(deadline)?;
            }
            body.extend(self.buf.drain(..size));
            if self.buf.drain(..2).as_slice() != b"\r\n" {
                return Err(HttpError::new(
                    400,
                    "bad_chunk",
                    "chunk not followed by CRLF",
                ));
            }
        }
    }

    /// Reads and discards input until EOF, `max` bytes or `within` elapses, so
    /// that closing does not reset a peer that is still sending.
    pub fn drain(&mut self, max: usize, within: Duration) {
        let deadline = Instant::now() + within;
        let mut total = self.buf.len();
        self.buf.clear();
        while total < max {
            match self.fill(deadline) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total += n;
                    self.buf.clear();
                }
            }
        }
    }
}

fn too_large() -> HttpError {
    HttpError::new(
        413,
        "payload_too_large",
        format!("request body exceeds {MAX_BODY_BYTES} bytes"),
    )
}

fn expects_continue(request: &Request) -> bool {
    request
        .header("expect")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"))
}

/// Position of the end of the head and the separator length (`\r\n\r\n` or a
/// lenient `\n\n`).
fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let crlf = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| (p, 4));
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|p| (p, 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

fn parse_content_length(values: &[&str]) -> Result<u64, String> {
    let mut length: Option<u64> = None;
    for value in values {
        for part in value.split(',') {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) || part.len() > 18 {
                return Err(format!("invalid Content-Length {value:?}"));
            }
            let n: u64 = part
                .parse()
                .map_err(|_| format!("invalid Content-Length {value:?}"))?;
            if length.is_some_and(|l| l != n) {
                return Err("conflicting Content-Length values".into());
            }
            length = Some(n);
        }
    }
    Ok(length.unwrap_or(0))
}

fn parse_head(head: &[u8]) -> Result<Request, HttpError> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ').filter(|p| !p.is_empty());
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => (m, t, v),
        _ => return Err(HttpError::new(400, "bad_request", "malformed request line")),
    };
    if !method.bytes().all(|b| b.is_ascii_uppercase()) || method.len() > 16 {
        return Err(HttpError::new(400, "bad_request", "malformed method"));
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => {
            return Err(HttpError::new(
                505,
                "http_version_not_supported",
                format!("unsupported version {version:?}"),
            ))
        }
    };
    // Absolute-form targets (proxies) carry the path after the authority
    // (an origin-form target's query may hold a URL: `/p?next=http://…`).
    let absolute = if target.starts_with('/') {
        None
    } else {
        target.find("://")
    };
    let origin_form = match absolute {
        Some(i) => {
            let rest = &target[i + 3..];
            match rest.find('/') {
                Some(j) => &rest[j..],
                None => "/",
            }
        }
        None => target,
    };
    if !origin_form.starts_with('/') && origin_form != "*" {
        return Err(HttpError::new(
            400,
            "bad_request",
            "malformed request target",
        ));
    }
    let without_fragment = origin_form.split('#').next().unwrap_or("");
    let (path, query) = match without_fragment.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (without_fragment.to_string(), String::new()),
    };
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(HttpError::new(
                431,
                "headers_too_large",
                format!("more than {MAX_HEADERS} headers"),
            ));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(HttpError::new(400, "bad_request", "malformed header line"));
        };
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(HttpError::new(400, "bad_request", "malformed header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
        path,
        query,
        http11,
        headers,
        body: Vec::new(),
    })
}

/// Decodes `%XX` escapes; malformed escapes are kept literally.
pub fn percent_decode(input: &str) -> Vec<u8> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits and decodes a query string (`+` is a space).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                String::from_utf8_lossy(&percent_decode(&s.replace('+', " "))).into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}

/// A response to write.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Extra headers (Content-Length and Connection are added when writing).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Send headers only (answers to HEAD).
    pub head_only: bool,
}

impl Response {
    /// An empty response with `status`.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            head_only: false,
        }
    }

    /// A JSON response.
    pub fn json(status: u16, value: &Value) -> Self {
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
        Self::new(status)
            .header("Content-Type", "application/json")
            .body(body)
    }

    /// The standard error body `{"error":{"code":..,"message":..}}`.
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(
            status,
            &json!({ "error": { "code": code, "message": message } }),
        )
    }

    /// A plain-text response.
    pub fn text(status: u16, text: &str) -> Self {
        Self::new(status)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(text.as_bytes().to_vec())
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// Value of header `name` (case-insensitive), if set.
    pub fn get_header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Serializes the status line and headers.
    pub fn head_bytes(&self, keep_alive: bool) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            // Never let a stray CR/LF split the header section.
            let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        head.push_str(if keep_alive {
            "Connection: keep-alive\r\n"
        } else {
            "Connection: close\r\n"
        });
        head.push_str("\r\n");
        head.into_bytes()
    }

    /// Writes the response to `out`.
    pub fn write_to(&self, out: &mut impl Write, keep_alive: bool) -> io::Result<()> {
        let mut bytes = self.head_bytes(keep_alive);
        if !self.head_only {
            bytes.extend_from_slice(&self.body);
        }
        out.write_all(&bytes)?;
        out.flush()
    }
}

/// Reason phrase for a status code.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a%20b"), b"/a b");
        assert_eq!(percent_decode("%2e%2E"), b"..");
        assert_eq!(percent_decode("%"), b"%");
        assert_eq!(percent_decode("%4"), b"%4");
        assert_eq!(percent_decode("%zz%41"), b"%zzA");
        assert_eq!(percent_decode("x%41"), b"xA");
    }

    #[test]
    fn query_parsing() {
        assert_eq!(
            parse_query("type=track&event=Order+Done&x=%C3%A9&flag"),
            vec![
                ("type".into(), "track".into()),
                ("event".into(), "Order Done".into()),
                ("x".into(), "é".into()),
                ("flag".into(), String::new()),
            ]
        );
    }

    #[test]
    fn content_length_rules() {
        assert_eq!(parse_content_length(&[]), Ok(0));
        assert_eq!(parse_content_length(&["12"]), Ok(12));
        assert_eq!(parse_content_length(&["5, 5"]), Ok(5));
        assert!(parse_content_length(&["5", "6"]).is_err());
        assert!(parse_content_length(&["-1"]).is_err());
        assert!(parse_content_length(&["+3"]).is_err());
        assert!(parse_content_length(&["abc"]).is_err());
        assert!(parse_content_length(&["99999999999999999999999"]).is_err());
    }

    #[test]
    fn head_parsing() {
        let r = parse_head(b"POST /v1/batch?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nConnection: close").unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v1/batch");
        assert_eq!(r.query, "x=1");
        assert_eq!(r.header("CONTENT-TYPE"), Some("text/plain"));
        assert!(!r.keep_alive());
        let r = parse_head(b"GET http://h:1/p?q HTTP/1.0").unwrap();
        assert_eq!((r.path.as_str(), r.query.as_str()), ("/p", "q"));
        assert!(!r.keep_alive());
        // A URL in an origin-form target's query is not an absolute-form target.
        let r = parse_head(b"GET /page.html?cdn=http://127.0.0.1:9/x HTTP/1.1").unwrap();
        assert_eq!(
            (r.path.as_str(), r.query.as_str()),
            ("/page.html", "cdn=http://127.0.0.1:9/x")
        );
        assert!(parse_head(b"GET / HTTP/2.0").is_err());
        assert!(parse_head(b"GET /").is_err());
        assert!(parse_head(b"get / HTTP/1.1").is_err());
        assert!(parse_head(b"GET nopath HTTP/1.1").is_err());
        assert!(parse_head(b"GET / HTTP/1.1\r\nbad header").is_err());
        assert!(parse_head(b"\xff\xfe GET / HTTP/1.1").is_err());
    }

    #[test]
    fn head_end_detection() {
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n\r\nrest"), Some((14, 4)));
        assert_eq!(find_head_end(b"GET / HTTP/1.1\n\nrest"), Some((14, 2)));
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n"), None);
    }

    #[test]
    fn response_serialization_strips_newlines() {
        let r = Response::text(200, "hi").header("X-Evil", "a\r\nInjected: 1");
        let head = String::from_utf8(r.head_bytes(false)).unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(head.contains("X-Evil: aInjected: 1\r\n"));
        assert!(head.contains("Content-Length: 2\r\n"));
        assert!(head.contains("Connection: close\r\n"));
    }
}
