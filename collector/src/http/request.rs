//! A parsed HTTP/1.1 request: its head, query and percent-decoding.

use super::{HttpError, MAX_HEADERS};

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

pub(super) fn parse_content_length(values: &[&str]) -> Result<u64, String> {
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

pub(super) fn parse_head(head: &[u8]) -> Result<Request, HttpError> {
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
}
