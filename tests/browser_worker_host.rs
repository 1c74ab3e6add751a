//! `web::worker_host::AttuneWorker` (the engine of the worker design) in
//! headless Chromium on real IndexedDB: ops are applied, committed before they
//! are confirmed, survive a restart, and a dead collector costs only retries;
//! bad input gets errors naming their path.
#![cfg(target_arch = "wasm32")]

use attune::web::idb::IdbStore;
use attune::web::worker_host::AttuneWorker;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const STREAM: &str = "0123456789abcdef0123456789abcdef";

fn config(prefix: &str) -> JsValue {
    // Port 9 (discard) refuses connections: every send fails fast.
    let text = format!(
        r#"{{"storagePrefix":"{prefix}","collector":{{"url":"http://127.0.0.1:9/v1/batch"}},
            "flushAt":1}}"#
    );
    js_sys::JSON::parse(&text).unwrap_or(JsValue::UNDEFINED)
}

fn prefix(tag: &str) -> String {
    format!("attune-wh-{tag}-{}", js_sys::Math::random())
}

fn ops(from: u64, n: u64) -> String {
    let now = js_sys::Date::now();
    let list: Vec<String> = (from..from + n)
        .map(|seq| {
            format!(r#"{{"seq":{seq},"at":{},"type":"track","event":"Viewed","properties":{{"n":{seq}}}}}"#, now + seq as f64)
        })
        .collect();
    format!("[{}]", list.join(","))
}

async fn until(mut ok: impl FnMut() -> bool, what: &str) {
    for _ in 0..250 {
        if ok() {
            return;
        }
        TimeoutFuture::new(20).await;
    }
    panic!("timed out waiting for {what}");
}

fn field(err: &JsValue, key: &str) -> String {
    js_sys::Reflect::get(err, &key.into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn ops_are_committed_before_they_are_confirmed_and_survive_a_restart() {
    let prefix = prefix("commit");
    let w = AttuneWorker::start(config(&prefix), STREAM.into(), None)
        .await
        .unwrap_or_else(|e| panic!("start: {e:?}"));
    w.apply(&ops(1, 3)).unwrap_or_else(|e| panic!("{e:?}"));
    until(|| w.confirmed() >= 3.0, "confirmation of op 3").await;
    assert!(
        w.profile().contains(r#""Viewed":{"count":3"#),
        "{}",
        w.profile()
    );

    // What the confirmation promises is in IndexedDB: the profile and the
    // three events in outbox chunks.
    let store = IdbStore::open(&prefix)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    use attune::core::platform::Storage;
    let profile = store
        .get(&format!("{prefix}:profile"))
        .ok()
        .flatten()
        .unwrap_or_default();
    assert!(profile.contains(r#""Viewed":{"count":3"#), "{profile}");
    let chunks: String = store
        .keys()
        .unwrap_or_default()
        .iter()
        .filter(|k| k.contains(":ob:"))
        .filter_map(|k| store.get(k).ok().flatten())
        .collect();
    assert_eq!(chunks.matches(r#""event":"Viewed""#).count(), 3, "{chunks}");
    store.close();

    // The collector is dead: sending fails and is retried, nothing is lost.
    until(
        || w.totals().get(1).is_some_and(|f| *f >= 1.0),
        "a failed send",
    )
    .await;
    assert_eq!(
        w.totals().first().copied(),
        Some(0.0),
        "nothing acknowledged"
    );

    // A restart (the next page load's worker) finds profile and outbox, and
    // keeps its newer record over a stale copy the page passes.
    let with = |count: u64, dt: f64| {
        let mut p: serde_json::Value = serde_json::from_str(&w.profile()).unwrap_or_default();
        p["events"]["Viewed"]["count"] = count.into();
        let at = p["updatedAt"].as_f64().unwrap_or(0.0) + dt;
        p["updatedAt"] = at.into();
        p.to_string()
    };
    let stale = with(1, -60_000.0);
    let again = AttuneWorker::start(config(&prefix), "f".repeat(32), Some(stale))
        .await
        .unwrap_or_else(|e| panic!("restart: {e:?}"));
    assert!(
        again.profile().contains(r#""Viewed":{"count":3"#),
        "{}",
        again.profile()
    );
    again.apply(&ops(1, 1)).unwrap_or_else(|e| panic!("{e:?}"));
    until(|| again.confirmed() >= 1.0, "confirmation after restart").await;
    assert!(
        again.profile().contains(r#""Viewed":{"count":4"#),
        "{}",
        again.profile()
    );

    // A newer record from the page (the in-page SDK wrote it) is adopted.
    let newer = AttuneWorker::start(config(&prefix), "e".repeat(32), Some(with(9, 3_600_000.0)))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        newer.profile().contains(r#""Viewed":{"count":9"#),
        "{}",
        newer.profile()
    );
}

#[wasm_bindgen_test]
async fn bad_input_gets_errors_naming_the_path() {
    let prefix = prefix("bad");
    let err = match AttuneWorker::start(config(&prefix), "xyz".into(), None).await {
        Ok(_) => panic!("a bad stream must fail"),
        Err(e) => e,
    };
    assert_eq!(field(&err, "name"), "AttuneError");
    assert_eq!(field(&err, "path"), "stream");
    assert_eq!(field(&err, "code"), "invalid_input");

    let w = AttuneWorker::start(config(&prefix), STREAM.into(), Some("{corrupt".into()))
        .await
        .err()
        .unwrap_or_else(|| panic!("a corrupt profile must fail"));
    assert_eq!(field(&w, "code"), "storage_corrupt");

    let w = AttuneWorker::start(config(&prefix), STREAM.into(), None)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let err = w
        .apply("not json")
        .err()
        .unwrap_or_else(|| panic!("must throw"));
    assert_eq!(field(&err, "path"), "ops");
    // One malformed op is skipped and reported; the others apply.
    let now = js_sys::Date::now();
    let mixed = format!(
        r#"[{{"seq":1,"at":{now},"type":"track","event":"Ok"}},{{"seq":2,"at":{now},"type":"track"}},
            {{"seq":3,"at":{now},"type":"track","event":" "}}]"#
    );
    w.apply(&mixed).unwrap_or_else(|e| panic!("{e:?}"));
    let errors = w.take_errors();
    let paths: Vec<String> = errors.iter().map(|e| field(e, "path")).collect();
    assert!(paths.contains(&"ops[1]".to_string()), "{paths:?}");
    assert!(paths.contains(&"track.event".to_string()), "{paths:?}");
    until(|| w.confirmed() >= 3.0, "confirmation").await;
    assert!(
        w.profile().contains(r#""Ok":{"count":1"#),
        "{}",
        w.profile()
    );
}

/// `"event":"Viewed"` records in the outbox chunks of `prefix`, and their messageIds.
async fn outbox_ids(prefix: &str) -> Vec<String> {
    use attune::core::platform::Storage;
    let store = IdbStore::open(prefix)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut ids = Vec::new();
    for key in store
        .keys()
        .unwrap_or_default()
        .iter()
        .filter(|k| k.contains(":ob:"))
    {
        let text = store.get(key).ok().flatten().unwrap_or_default();
        let chunk: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        for r in chunk["r"].as_array().into_iter().flatten() {
            if r["e"]["event"] == "Viewed" {
                ids.push(r["m"].as_str().unwrap_or("").to_string());
            }
        }
    }
    store.close();
    ids
}

#[wasm_bindgen_test]
async fn a_rescue_applies_only_what_the_dead_page_had_not_committed() {
    let prefix = prefix("rescue");
    let old = "a".repeat(32);
    let first = AttuneWorker::start(config(&prefix), old.clone(), None)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    first.apply(&ops(1, 3)).unwrap_or_else(|e| panic!("{e:?}"));
    until(|| first.confirmed() >= 3.0, "ops 1-3 committed").await;
    let committed = outbox_ids(&prefix).await;
    assert_eq!(committed.len(), 3);

    // The page closed with ops 2-5 unconfirmed (its last report said 1): the
    // next page's worker gets them as a rescue.
    let next = AttuneWorker::start(config(&prefix), "b".repeat(32), None)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    next.rescue(old.clone(), ops(2, 4))
        .await
        .unwrap_or_else(|e| panic!("rescue: {e:?}"));
    assert!(
        next.profile().contains(r#""Viewed":{"count":5"#),
        "{}",
        next.profile()
    );
    let ids = outbox_ids(&prefix).await;
    assert_eq!(ids.len(), 5, "ops 2 and 3 were not applied twice: {ids:?}");
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 5, "{ids:?}");
    assert!(committed.iter().all(|id| ids.contains(id)));

    // Rescuing again (the page died before removing its rescue) adds nothing.
    next.rescue(old, ops(2, 4))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        next.profile().contains(r#""Viewed":{"count":5"#),
        "{}",
        next.profile()
    );
    assert_eq!(outbox_ids(&prefix).await.len(), 5);

    let err = next
        .rescue("zz".into(), "[]".into())
        .await
        .err()
        .unwrap_or_else(|| panic!("bad stream"));
    assert_eq!(field(&err, "path"), "rescue.stream");
}
