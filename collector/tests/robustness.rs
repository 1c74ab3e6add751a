//! Bad input never kills or wedges the server; keep-alive, pipelining,
//! connection limits, timeouts, graceful stop, and the binary's flags.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

fn healthy(addr: SocketAddr) {
    let resp = get(addr, "/v1/health");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json(), json!({"ok": true}));
}

fn status_of(answer: &[u8]) -> Option<u16> {
    parse_response(answer).map(|(resp, _)| resp.status)
}

#[test]
fn garbage_never_kills_the_server() {
    let t = TestServer::start("garbage");
    let addr = t.addr();

    // Random bytes (deterministic xorshift), with and without a blank line.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for round in 0..20 {
        let len = 1 + (round * 397) % 5000;
        let mut bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        if round % 2 == 0 {
            bytes.extend_from_slice(b"\r\n\r\n");
        }
        let answer = raw(addr, &bytes, true).unwrap_or_default();
        if let Some(status) = status_of(&answer) {
            assert!((400..=505).contains(&status), "round {round}: {status}");
        }
    }
    healthy(addr);

    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "huge header",
            {
                let mut r = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
                r.extend(std::iter::repeat_n(b'a', 64 * 1024));
                r.extend_from_slice(b"\r\n\r\n");
                r
            },
            431,
        ),
        (
            "too many headers",
            {
                let mut r = b"GET / HTTP/1.1\r\n".to_vec();
                for i in 0..200 {
                    r.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
                }
                r.extend_from_slice(b"\r\n");
                r
            },
            431,
        ),
        (
            "bad content-length",
            b"POST /v1/batch HTTP/1.1\r\nContent-Length: abc\r\n\r\n[]".to_vec(),
            400,
        ),
        (
            "negative content-length",
            b"POST /v1/batch HTTP/1.1\r\nContent-Length: -5\r\n\r\n".to_vec(),
            400,
        ),
        (
            "conflicting content-length",
            b"POST /v1/batch HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n[] "
                .to_vec(),
            400,
        ),
        (
            "enormous content-length",
            b"POST /v1/batch HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n".to_vec(),
            400,
        ),
        (
            "te and cl",
            b"POST /v1/batch HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n[]"
                .to_vec(),
            400,
        ),
        (
            "unknown te",
            b"POST /v1/batch HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(),
            501,
        ),
        (
            "bad chunk size",
            b"POST /v1/batch HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
            400,
        ),
        (
            "oversized chunk",
            b"POST /v1/batch HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n".to_vec(),
            413,
        ),
        (
            "non-utf8 request line",
            b"GET /\xff\xfe HTTP/1.1\r\n\r\n".to_vec(),
            404,
        ),
        (
            "non-utf8 header",
            b"GET /v1/health HTTP/1.1\r\nX-Bin: \xff\xff\r\nConnection: close\r\n\r\n".to_vec(),
            200,
        ),
        (
            "header without colon",
            b"GET / HTTP/1.1\r\nNoColonHere\r\n\r\n".to_vec(),
            400,
        ),
        (
            "http/2 preface",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
            505,
        ),
        ("missing version", b"GET /\r\n\r\n".to_vec(), 400),
        (
            "binary batch",
            {
                let mut r =
                    b"POST /v1/batch HTTP/1.1\r\nContent-Length: 4\r\nConnection: close\r\n\r\n"
                        .to_vec();
                r.extend_from_slice(&[0, 159, 146, 150]);
                r
            },
            400,
        ),
        (
            "deeply nested json",
            {
                let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
                let mut r = format!(
                    "POST /v1/batch HTTP/1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                r.extend_from_slice(body.as_bytes());
                r
            },
            400,
        ),
    ];
    for (name, bytes, expected) in cases {
        let answer = raw(addr, &bytes, true).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            status_of(&answer),
            Some(expected),
            "{name}: {:?}",
            String::from_utf8_lossy(&answer)
        );
        healthy(addr);
    }

    // Connect-and-close and half-written requests.
    for bytes in [
        &b""[..],
        b"GET",
        b"POST /v1/batch HTTP/1.1\r\nContent-Length: 10\r\n\r\n[1",
    ] {
        let answer = raw(addr, bytes, true).unwrap_or_default();
        assert!(answer.is_empty(), "{:?}", String::from_utf8_lossy(&answer));
    }
    healthy(addr);
    assert_eq!(stats(addr)["unique"], 0);
}

#[test]
fn chunked_bodies_are_accepted() {
    let t = TestServer::start("chunked");
    let body = br#"[{"type":"track","messageId":"c1"}]"#;
    let (a, b) = body.split_at(10);
    let mut req =
        b"POST /v1/batch HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            .to_vec();
    req.extend_from_slice(format!("{:x};ext=1\r\n", a.len()).as_bytes());
    req.extend_from_slice(a);
    req.extend_from_slice(format!("\r\n{:X}\r\n", b.len()).as_bytes());
    req.extend_from_slice(b);
    req.extend_from_slice(b"\r\n0\r\nX-Trailer: 1\r\n\r\n");
    let answer = raw(t.addr(), &req, false).unwrap();
    let (resp, _) = parse_response(&answer).unwrap();
    assert_eq!(
        resp.json(),
        json!({"ok": true, "accepted": 1, "duplicates": 0})
    );
}

#[test]
fn keep_alive_and_pipelining() {
    let t = TestServer::start("keepalive");
    let mut stream = connect(t.addr());
    let body = br#"[{"type":"track","messageId":"k1"}]"#;
    let mut pipelined = format!(
        "POST /v1/batch HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    pipelined.extend_from_slice(body);
    pipelined.extend_from_slice(b"GET /v1/health HTTP/1.1\r\nHost: t\r\n\r\n");
    pipelined.extend_from_slice(b"GET /v1/events HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    stream.write_all(&pipelined).unwrap();
    let answer = read_to_eof(&mut stream).unwrap();
    let (first, rest) = parse_response(&answer).unwrap();
    let (second, rest) = parse_response(rest).unwrap();
    let (third, rest) = parse_response(rest).unwrap();
    assert!(rest.is_empty());
    assert_eq!(first.json()["accepted"], 1);
    assert_eq!(first.header("Connection"), Some("keep-alive"));
    assert_eq!(second.status, 200);
    assert_eq!(third.json()[0]["messageId"], "k1");
    assert_eq!(third.header("Connection"), Some("close"));

    // HTTP/1.0 closes by default.
    let answer = raw(t.addr(), b"GET /v1/health HTTP/1.0\r\n\r\n", false).unwrap();
    assert_eq!(
        parse_response(&answer).unwrap().0.header("Connection"),
        Some("close")
    );
}

#[test]
fn slow_and_idle_clients_are_bounded() {
    let t = TestServer::start_with("slow", |c| c.request_timeout = Duration::from_millis(300));
    let addr = t.addr();

    // Idle connections do not block others.
    let idle: Vec<_> = (0..5).map(|_| connect(addr)).collect();
    healthy(addr);

    // A request head that never completes gets a 408 after the deadline.
    let mut slow = connect(addr);
    let started = Instant::now();
    slow.write_all(b"GET /v1/health HTTP/1.1\r\nHost: t\r\n")
        .unwrap();
    let answer = read_to_eof(&mut slow).unwrap();
    assert_eq!(status_of(&answer), Some(408));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // Trickling one byte at a time does not extend the deadline.
    let mut trickle = connect(addr);
    let started = Instant::now();
    let mut timed_out = false;
    for byte in b"POST /v1/batch HTTP/1.1\r\nX-Slow: "
        .iter()
        .cycle()
        .take(100)
    {
        if trickle.write_all(&[*byte]).is_err() {
            timed_out = true;
            break;
        }
        thread::sleep(Duration::from_millis(20));
        if started.elapsed() > Duration::from_secs(2) {
            break;
        }
    }
    let answer = read_to_eof(&mut trickle).unwrap_or_default();
    assert!(
        timed_out || status_of(&answer) == Some(408),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    // A body that stops short also times out, and the server carries on.
    let answer = raw(
        addr,
        b"POST /v1/batch HTTP/1.1\r\nContent-Length: 100\r\n\r\n[",
        false,
    )
    .unwrap();
    assert_eq!(status_of(&answer), Some(408));
    drop(idle);
    healthy(addr);
}

#[test]
fn connection_limit_answers_503_then_recovers() {
    let t = TestServer::start_with("limit", |c| c.max_connections = 2);
    let addr = t.addr();
    let held: Vec<_> = (0..2).map(|_| connect(addr)).collect();
    // Give the accept loop time to register both.
    let deadline = Instant::now() + Duration::from_secs(5);
    let refused = loop {
        let answer =
            raw(addr, &request_bytes("GET", "/v1/health", &[], b""), false).unwrap_or_default();
        if status_of(&answer) == Some(503) || Instant::now() > deadline {
            break status_of(&answer);
        }
        thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(refused, Some(503));
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer =
            raw(addr, &request_bytes("GET", "/v1/health", &[], b""), false).unwrap_or_default();
        if status_of(&answer) == Some(200) {
            break;
        }
        assert!(Instant::now() < deadline, "server did not recover");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn stop_is_prompt_with_idle_keep_alive_connections() {
    let mut t = TestServer::start("stop");
    let addr = t.addr();
    let mut stream = connect(addr);
    stream
        .write_all(b"GET /v1/health HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 12];
    std::io::Read::read_exact(&mut stream, &mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");

    let started = Instant::now();
    t.server.take().unwrap().stop();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
}

#[test]
fn binary_prints_address_and_serves() {
    let dir = temp_dir("binary");
    let config = base_config(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_attune-collector"))
        .args([
            "--port",
            "0",
            "--quiet",
            "--fresh",
            "--csp",
            "default-src 'self'",
        ])
        .arg("--www")
        .arg(&config.www)
        .arg("--pkg")
        .arg(&config.pkg)
        .arg("--data")
        .arg(&config.data)
        .env_remove("PORT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(10));
    let outcome = line.as_ref().ok().and_then(|line| {
        let url = line.trim().strip_prefix("listening on http://")?;
        let addr: SocketAddr = url.parse().ok()?;
        Some((addr, get(addr, "/")))
    });
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let (addr, resp) = outcome.unwrap_or_else(|| panic!("bad first line: {line:?}"));
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.header("Content-Security-Policy"),
        Some("default-src 'self'")
    );

    let bad = Command::new(env!("CARGO_BIN_EXE_attune-collector"))
        .arg("--no-such-flag")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(bad.code(), Some(2));
}
