//! Deliberate misbehaviour on `/v1/batch`, configured at runtime or at start.

mod common;

use std::time::{Duration, Instant};

use attune_collector::ChaosConfig;
use common::*;
use serde_json::{json, Value};

fn set_chaos(addr: std::net::SocketAddr, config: Value) -> Value {
    let resp = post_json(addr, "/v1/chaos", &config);
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json()
}

#[test]
fn fail_rate_one_always_fails_and_stores_nothing() {
    let t = TestServer::start("fail");
    let addr = t.addr();
    let applied = set_chaos(addr, json!({"failRate": 1.0, "seed": 42}));
    assert_eq!(applied["failRate"], 1.0);
    assert_eq!(applied["status"], 500);
    assert_eq!(get(addr, "/v1/chaos").json(), applied);

    for i in 0..5 {
        let resp = post_json(
            addr,
            "/v1/batch",
            &batch(vec![track(&format!("f{i}"), "a", "E")]),
        );
        assert_eq!(resp.status, 500);
        assert_eq!(resp.json()["error"]["code"], "chaos_failure");
        assert_eq!(resp.header("Access-Control-Allow-Origin"), Some("*"));
    }
    set_chaos(addr, json!({"failRate": 1.0, "status": 503}));
    assert_eq!(post_json(addr, "/v1/batch", &batch(vec![])).status, 503);

    // Chaos applies to /v1/batch only.
    assert!(events(addr, "").is_empty());
    let s = stats(addr);
    assert_eq!(s["chaos"]["failed"], 6);
    assert_eq!(
        (s["unique"].clone(), s["received"].clone()),
        (json!(0), json!(0))
    );

    // Turning chaos off lets batches through again.
    let resp = request(addr, "DELETE", "/v1/chaos", &[], b"");
    assert_eq!(
        resp.json(),
        serde_json::to_value(ChaosConfig::default()).unwrap()
    );
    assert_eq!(
        post_json(addr, "/v1/batch", &batch(vec![track("ok", "a", "E")])).status,
        200
    );
}

#[test]
fn rate429_sends_retry_after() {
    let t = TestServer::start("429");
    let addr = t.addr();
    set_chaos(addr, json!({"rate429": 1.0, "retryAfter": 7}));
    let resp = post_json(addr, "/v1/batch", &batch(vec![track("t1", "a", "E")]));
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("Retry-After"), Some("7"));
    assert_eq!(resp.json()["error"]["code"], "rate_limited");
    let s = stats(addr);
    assert_eq!(s["chaos"]["throttled"], 1);
    assert_eq!(s["unique"], 0);
}

#[test]
fn drop_closes_without_a_response_and_stores_nothing() {
    let t = TestServer::start("drop");
    let addr = t.addr();
    set_chaos(addr, json!({"dropRate": 1.0}));
    let body = serde_json::to_vec(&batch(vec![track("d1", "a", "E")])).unwrap();
    let bytes = request_bytes("POST", "/v1/batch", &[], &body);
    let answer = raw(addr, &bytes, false);
    match answer {
        Ok(bytes) => assert!(
            bytes.is_empty(),
            "expected no response, got {:?}",
            String::from_utf8_lossy(&bytes)
        ),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
    }
    let s = stats(addr);
    assert_eq!(s["chaos"]["dropped"], 1);
    assert_eq!(s["unique"], 0);
    assert!(events(addr, "").is_empty());
}

#[test]
fn latency_delays_batch_answers_only() {
    let t = TestServer::start("latency");
    let addr = t.addr();
    set_chaos(addr, json!({"latencyMs": 150}));
    let started = Instant::now();
    let resp = post_json(addr, "/v1/batch", &batch(vec![track("l1", "a", "E")]));
    assert_eq!(resp.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );

    let started = Instant::now();
    assert_eq!(get(addr, "/v1/stats").status, 200);
    assert!(started.elapsed() < Duration::from_millis(150));
    assert_eq!(stats(addr)["chaos"]["delayed"], 1);
}

#[test]
fn seeded_rolls_repeat_and_mix_outcomes() {
    let t = TestServer::start("seeded");
    let addr = t.addr();
    let config = json!({"failRate": 0.3, "rate429": 0.3, "dropRate": 0.2, "seed": 7});
    let run = || -> Vec<u16> {
        set_chaos(addr, config.clone());
        (0..30)
            .map(|i| {
                let body =
                    serde_json::to_vec(&batch(vec![track(&format!("s{i}"), "a", "E")])).unwrap();
                match try_request(addr, "POST", "/v1/batch", &[], &body) {
                    Ok(resp) => resp.status,
                    Err(_) => 0, // dropped
                }
            })
            .collect()
    };
    let first = run();
    let second = run();
    assert_eq!(first, second, "same seed, same outcomes");
    for status in [0, 200, 429, 500] {
        assert!(first.contains(&status), "{status} missing from {first:?}");
    }
    let s = stats(addr);
    let count = |status: u16| first.iter().filter(|s| **s == status).count() * 2;
    assert_eq!(s["chaos"]["dropped"], count(0));
    assert_eq!(s["chaos"]["failed"], count(500));
    assert_eq!(s["chaos"]["throttled"], count(429));
    // Only the batches that passed were stored (each id once: the second run
    // repeats the first run's ids, but its passing set is the same).
    assert_eq!(s["unique"], count(200) / 2);
}

#[test]
fn chaos_from_start_config_and_invalid_settings() {
    let t = TestServer::start_with("chaos-config", |c| {
        c.chaos = ChaosConfig {
            fail_rate: 1.0,
            status: 502,
            ..ChaosConfig::default()
        }
    });
    let addr = t.addr();
    assert_eq!(post_json(addr, "/v1/batch", &batch(vec![])).status, 502);
    assert_eq!(get(addr, "/v1/chaos").json()["status"], 502);

    for bad in [
        json!({"failRate": 1.5}),
        json!({"status": 99}),
        json!({"latencyMs": 1_000_000}),
        json!({"failrate": 0.5}),
        json!({"failRate": "high"}),
        json!([1]),
    ] {
        let resp = post_json(addr, "/v1/chaos", &bad);
        assert_eq!(resp.status, 400, "{bad}");
        assert_eq!(resp.json()["error"]["code"], "invalid_chaos");
    }
    // Invalid posts leave the previous configuration in place.
    assert_eq!(get(addr, "/v1/chaos").json()["status"], 502);
}
