//! Minimal HTTP/1.1: reading one request at a time from a connection with size
//! limits and deadlines, and writing responses.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

mod request;
mod response;

use request::{parse_content_length, parse_head};
pub use request::{parse_query, percent_decode, Request};
pub use response::{reason, Response};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_end_detection() {
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n\r\nrest"), Some((14, 4)));
        assert_eq!(find_head_end(b"GET / HTTP/1.1\n\nrest"), Some((14, 2)));
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n"), None);
    }
}
