//! `/v1/batch`, `/v1/events`, `/v1/stats`, `/v1/reset` and CORS.

mod common;

use std::fs;

use common::*;
use serde_json::{json, Value};

#[test]
fn stores_and_dedupes_within_and_across_batches() {
    let t = TestServer::start("dedupe");
    let addr = t.addr();

    let first = post_json(
        addr,
        "/v1/batch",
        &batch(vec![
            track("m1", "a1", "Viewed"),
            track("m2", "a1", "Clicked"),
            track("m1", "a1", "Viewed"),
        ]),
    );
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(
        first.json(),
        json!({"ok": true, "accepted": 2, "duplicates": 1})
    );
    assert_eq!(first.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(first.header("Cache-Control"), Some("no-store"));

    let second = post_json(
        addr,
        "/v1/batch",
        &batch(vec![
            track("m2", "a1", "Clicked"),
            track("m3", "a2", "Bought"),
        ]),
    );
    assert_eq!(
        second.json(),
        json!({"ok": true, "accepted": 1, "duplicates": 1})
    );

    let stored = events(addr, "");
    let ids: Vec<&str> = stored
        .iter()
        .map(|e| e["messageId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["m1", "m2", "m3"], "arrival order");
    for event in &stored {
        let received_at = event["receivedAt"].as_str().unwrap();
        assert!(
            received_at.ends_with('Z') && received_at.len() == 24,
            "{received_at}"
        );
    }

    let s = stats(addr);
    assert_eq!(s["received"], 5);
    assert_eq!(s["unique"], 3);
    assert_eq!(s["duplicates"], 2);
    assert_eq!(s["batches"], 2);
    assert_eq!(s["rejected"], 0);

    // The file holds exactly the unique events, one JSON object per line.
    let lines: Vec<Value> = fs::read_to_string(&t.config.data)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, stored);
}

#[test]
fn dedupe_survives_restart_and_fresh_truncates() {
    let mut t = TestServer::start("restart");
    let body = batch(vec![track("r1", "a", "E"), track("r2", "a", "E")]);
    assert_eq!(
        post_json(t.addr(), "/v1/batch", &body).json()["accepted"],
        2
    );

    t.restart(|_| {});
    assert_eq!(t.server.as_ref().unwrap().loaded_events(), 2);
    assert_eq!(events(t.addr(), "").len(), 2);
    let again = post_json(t.addr(), "/v1/batch", &body).json();
    assert_eq!(again, json!({"ok": true, "accepted": 0, "duplicates": 2}));
    let s = stats(t.addr());
    assert_eq!(
        (
            s["loaded"].clone(),
            s["unique"].clone(),
            s["duplicates"].clone()
        ),
        (json!(2), json!(2), json!(2))
    );

    t.restart(|c| c.fresh = true);
    assert!(events(t.addr(), "").is_empty());
    assert_eq!(fs::read(&t.config.data).unwrap().len(), 0);
    assert_eq!(
        post_json(t.addr(), "/v1/batch", &body).json()["accepted"],
        2
    );
}

#[test]
fn bare_array_text_plain_and_authorization() {
    let t = TestServer::start("formats");
    let addr = t.addr();
    let body = serde_json::to_vec(
        &json!([track("b1", "a", "E"), {"type": "page", "messageId": "b2", "name": "Home"}]),
    )
    .unwrap();
    // "wk_test:" base64-encoded, Segment style.
    let auth = "Basic d2tfdGVzdDo=";
    let resp = request(
        addr,
        "POST",
        "/v1/batch",
        &[
            ("Content-Type", "text/plain;charset=UTF-8"),
            ("Authorization", auth),
        ],
        &body,
    );
    assert_eq!(
        resp.json(),
        json!({"ok": true, "accepted": 2, "duplicates": 0})
    );

    // Segment body with a writeKey and no header (sendBeacon cannot set headers).
    let with_key = json!({"batch": [track("b3", "a", "E")], "writeKey": "wk_body"});
    let resp = request(
        addr,
        "POST",
        "/v1/batch",
        &[],
        &serde_json::to_vec(&with_key).unwrap(),
    );
    assert_eq!(resp.status, 200);

    let s = stats(addr);
    assert_eq!(s["plainTextBatches"], 1);
    assert_eq!(s["authorizedBatches"], 1);
    assert_eq!(s["lastAuthorization"], Value::Null);
    assert_eq!(s["lastWriteKey"], "wk_body");
    assert_eq!(events(addr, "?type=page").len(), 1);

    let resp = request(addr, "POST", "/v1/batch", &[("Authorization", auth)], b"[]");
    assert_eq!(resp.json()["accepted"], 0);
    let s = stats(addr);
    assert_eq!(s["lastAuthorization"], auth);
    assert_eq!(s["lastWriteKey"], "wk_test");
}

#[test]
fn oversized_body_is_413_with_json_error() {
    let t = TestServer::start("large");
    let addr = t.addr();
    let padding = "x".repeat(1024 * 1024);
    let body =
        serde_json::to_vec(&json!([{"type": "track", "messageId": "big", "p": padding}])).unwrap();
    assert!(body.len() > 1024 * 1024);
    let resp = request(
        addr,
        "POST",
        "/v1/batch",
        &[("Origin", "http://site.test")],
        &body,
    );
    assert_eq!(resp.status, 413);
    assert_eq!(resp.json()["error"]["code"], "payload_too_large");
    assert_eq!(
        resp.header("Access-Control-Allow-Origin"),
        Some("http://site.test")
    );

    // A client that waits for 100-continue gets the 413 without sending the body.
    let mut stream = connect(addr);
    use std::io::Write;
    stream
        .write_all(b"POST /v1/batch HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5000000\r\n\r\n")
        .unwrap();
    let answer = read_to_eof(&mut stream).unwrap();
    assert_eq!(parse_response(&answer).unwrap().0.status, 413);

    // Exactly at the limit is accepted by the HTTP layer (then validated as JSON).
    let mut at_limit = b"[]".to_vec();
    at_limit.resize(1024 * 1024, b' ');
    assert_eq!(
        request(addr, "POST", "/v1/batch", &[], &at_limit).status,
        200
    );

    let s = stats(addr);
    assert_eq!(s["rejected"], 2);
    assert_eq!(s["unique"], 0);
}

#[test]
fn malformed_batches_are_400_and_store_nothing() {
    let t = TestServer::start("malformed");
    let addr = t.addr();
    let cases: Vec<(&[u8], &str)> = vec![
        (b"{not json", "invalid_json"),
        (b"", "invalid_json"),
        (b"\xff\xfe\x00garbage", "invalid_json"),
        (b"\"just a string\"", "invalid_batch"),
        (br#"{"batch": "nope"}"#, "invalid_batch"),
        (br#"{"sentAt": "x"}"#, "invalid_batch"),
        (br#"[1, 2]"#, "invalid_event"),
        (
            br#"{"batch":[{"type":"track","messageId":"ok"},{"type":"track"}]}"#,
            "missing_message_id",
        ),
        (
            br#"[{"type":"track","messageId":12}]"#,
            "missing_message_id",
        ),
        (br#"[{"messageId":"m"}]"#, "missing_type"),
    ];
    for (body, code) in &cases {
        let resp = request(addr, "POST", "/v1/batch", &[], body);
        assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(body));
        let err = resp.json();
        assert_eq!(err["error"]["code"], *code, "{err}");
        assert!(err["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        assert_eq!(resp.header("Access-Control-Allow-Origin"), Some("*"));
    }
    let s = stats(addr);
    assert_eq!(s["rejected"], cases.len());
    assert_eq!(
        (s["unique"].clone(), s["batches"].clone()),
        (json!(0), json!(0))
    );
    assert!(events(addr, "").is_empty());
}

#[test]
fn cors_preflight_and_headers() {
    let t = TestServer::start("cors");
    let addr = t.addr();
    let resp = request(
        addr,
        "OPTIONS",
        "/v1/batch",
        &[
            ("Origin", "https://shop.test"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type, x-custom"),
        ],
        b"",
    );
    assert_eq!(resp.status, 204);
    assert!(resp.body.is_empty());
    assert_eq!(
        resp.header("Access-Control-Allow-Origin"),
        Some("https://shop.test")
    );
    assert_eq!(
        resp.header("Access-Control-Allow-Methods"),
        Some("GET, POST, DELETE, OPTIONS")
    );
    let allowed = resp.header("Access-Control-Allow-Headers").unwrap();
    assert!(
        allowed.starts_with("Content-Type, Authorization, *"),
        "{allowed}"
    );
    assert!(allowed.contains("x-custom"));

    for path in ["/v1/stats", "/v1/events", "/v1/chaos", "/v1/nope"] {
        let resp = get(addr, path);
        assert_eq!(
            resp.header("Access-Control-Allow-Origin"),
            Some("*"),
            "{path}"
        );
    }
    assert_eq!(get(addr, "/v1/nope").status, 404);
    assert_eq!(get(addr, "/v1/nope").json()["error"]["code"], "not_found");
    let resp = get(addr, "/v1/batch");
    assert_eq!(
        (resp.status, resp.header("Allow")),
        (405, Some("POST, OPTIONS"))
    );
    // Static files are not CORS-enabled, but the package is, a missing file of it too.
    assert_eq!(get(addr, "/").header("Access-Control-Allow-Origin"), None);
    let missing = get(addr, "/pkg/no-such-file.wasm");
    assert_eq!(
        (
            missing.status,
            missing.header("Access-Control-Allow-Origin")
        ),
        (404, Some("*"))
    );
}

#[test]
fn event_filters_and_reset() {
    let t = TestServer::start("filters");
    let addr = t.addr();
    let body = batch(vec![
        track("f1", "anon-1", "Viewed"),
        track("f2", "anon-2", "Viewed"),
        track("f3", "anon-1", "Order Completed"),
        json!({"type": "identify", "messageId": "f4", "anonymousId": "anon-1", "userId": "u1"}),
    ]);
    post_json(addr, "/v1/batch", &body);
    assert_eq!(events(addr, "?type=track").len(), 3);
    assert_eq!(events(addr, "?anonymousId=anon-1").len(), 3);
    assert_eq!(events(addr, "?event=Viewed").len(), 2);
    assert_eq!(events(addr, "?event=Order+Completed").len(), 1);
    assert_eq!(
        events(addr, "?event=Order%20Completed&anonymousId=anon-1").len(),
        1
    );
    assert_eq!(events(addr, "?type=track&anonymousId=anon-2").len(), 1);
    assert_eq!(events(addr, "?userId=u1").len(), 1);
    assert!(events(addr, "?type=alias").is_empty());

    let resp = request(addr, "POST", "/v1/reset", &[], b"");
    assert_eq!(resp.json(), json!({"ok": true}));
    assert!(events(addr, "").is_empty());
    let s = stats(addr);
    assert_eq!(
        (s["received"].clone(), s["batches"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(fs::read(&t.config.data).unwrap().len(), 0);
    // After a reset the same messageIds are new again.
    assert_eq!(post_json(addr, "/v1/batch", &body).json()["accepted"], 4);
}
