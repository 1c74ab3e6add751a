//! `/v1/profile` (server-seeded traits) and `/v1/forget` (deletion requests).

mod common;

use std::fs;

use common::*;
use serde_json::{json, Value};

#[test]
fn profile_get_post_merge_and_lookup_order() {
    let t = TestServer::start("profile");
    let addr = t.addr();
    let empty = get(addr, "/v1/profile?anonymousId=nobody");
    assert_eq!(empty.status, 200);
    assert_eq!(
        empty.json(),
        json!({"traits": {}, "segments": [], "exposures": [], "matched": null})
    );
    assert_eq!(empty.header("Access-Control-Allow-Origin"), Some("*"));

    let resp = post_json(
        addr,
        "/v1/profile",
        &json!({"anonymousId": "anon-1", "traits": {"plan": "free", "visits": 3}, "segments": ["browsers"]}),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    post_json(
        addr,
        "/v1/profile",
        &json!({"anonymousId": "anon-1", "traits": {"plan": "pro"}, "segments": ["browsers", "buyers"],
                "exposures": [{"experiment": "hero", "variant": "b"}]}),
    );
    let got = get(addr, "/v1/profile?anonymousId=anon-1").json();
    assert_eq!(got["traits"], json!({"plan": "pro", "visits": 3}));
    assert_eq!(got["segments"], json!(["browsers", "buyers"]));
    assert_eq!(
        got["exposures"],
        json!([{"experiment": "hero", "variant": "b"}])
    );
    assert_eq!(got["matched"], "anonymousId");

    post_json(
        addr,
        "/v1/profile",
        &json!({"userId": "user-9", "traits": {"tier": "gold"}}),
    );
    let got = get(addr, "/v1/profile?anonymousId=anon-1&userId=user-9").json();
    assert_eq!(
        (got["matched"].clone(), got["traits"].clone()),
        (json!("userId"), json!({"tier": "gold"}))
    );
    // Unknown userId falls back to the anonymousId.
    let got = get(addr, "/v1/profile?anonymousId=anon-1&userId=other").json();
    assert_eq!(got["matched"], "anonymousId");

    for bad in [
        &b"{oops"[..],
        br#"{"traits":{"a":1}}"#,
        br#"{"userId":"u","traits":[1]}"#,
    ] {
        let resp = request(addr, "POST", "/v1/profile", &[], bad);
        assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(bad));
        assert_eq!(resp.json()["error"]["code"], "invalid_profile");
    }
}

#[test]
fn profiles_seeded_from_file() {
    let dir = temp_dir("seed-file");
    let file = dir.join("profiles.json");
    fs::write(
        &file,
        r#"[{"userId": "crm-1", "traits": {"ltv": 1200}, "segments": ["vip"]},
            {"anonymousId": "kiosk", "exposures": ["promo-a"]}]"#,
    )
    .unwrap();
    let t = TestServer::start_with("seeded-profiles", |c| c.profiles = Some(file.clone()));
    let got = get(t.addr(), "/v1/profile?userId=crm-1").json();
    assert_eq!(
        (got["traits"]["ltv"].clone(), got["segments"].clone()),
        (json!(1200), json!(["vip"]))
    );
    assert_eq!(
        get(t.addr(), "/v1/profile?anonymousId=kiosk").json()["exposures"],
        json!(["promo-a"])
    );
    assert_eq!(stats(t.addr())["profiles"], 2);

    // A broken seed file is a start error, not a crash.
    fs::write(&file, "[{").unwrap();
    let mut config = common::base_config(&dir);
    config.profiles = Some(file.clone());
    assert!(attune_collector::start(config).is_err());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn forget_removes_events_and_profile_and_is_recorded() {
    let mut t = TestServer::start("forget");
    let addr = t.addr();
    post_json(
        addr,
        "/v1/batch",
        &batch(vec![
            track("g1", "anon-x", "E"),
            track("g2", "anon-y", "E"),
            json!({"type": "identify", "messageId": "g3", "anonymousId": "anon-z", "userId": "user-x"}),
        ]),
    );
    post_json(
        addr,
        "/v1/profile",
        &json!({"anonymousId": "anon-x", "traits": {"a": 1}}),
    );
    post_json(
        addr,
        "/v1/profile",
        &json!({"userId": "user-x", "traits": {"b": 2}}),
    );

    let resp = post_json(
        addr,
        "/v1/forget",
        &json!({"anonymousId": "anon-x", "userId": "user-x"}),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    let record = resp.json();
    assert_eq!(record["ok"], true);
    assert_eq!(record["removedEvents"], 2);
    assert_eq!(record["removedProfiles"], 2);

    let remaining: Vec<Value> = events(addr, "");
    assert_eq!(remaining.len(), 1);
    assert_eq!(remaining[0]["messageId"], "g2");
    assert_eq!(
        get(addr, "/v1/profile?anonymousId=anon-x").json()["matched"],
        Value::Null
    );
    assert_eq!(
        get(addr, "/v1/profile?userId=user-x").json()["matched"],
        Value::Null
    );

    let log = get(addr, "/v1/forget").json();
    assert_eq!(log.as_array().unwrap().len(), 1);
    assert_eq!(log[0]["anonymousId"], "anon-x");
    assert_eq!(log[0]["userId"], "user-x");
    assert!(log[0]["requestedAt"].as_str().is_some());

    // Only the userId given: still accepted and recorded.
    assert_eq!(
        post_json(addr, "/v1/forget", &json!({"userId": "ghost"})).json()["removedEvents"],
        0
    );
    for bad in [
        json!({}),
        json!({"anonymousId": 5}),
        json!({"userId": ""}),
        json!([1]),
    ] {
        assert_eq!(post_json(addr, "/v1/forget", &bad).status, 400, "{bad}");
    }
    assert_eq!(
        request(addr, "POST", "/v1/forget", &[], b"nope").status,
        400
    );

    // The removal reached the data file.
    t.restart(|_| {});
    let after: Vec<String> = events(t.addr(), "")
        .iter()
        .map(|e| e["messageId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(after, ["g2"]);
}
