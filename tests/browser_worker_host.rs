//! `web::worker_host::AttuneWorker` (the engine of the worker design) in
//! headless Chromium on real IndexedDB: ops are applied, committed before they
//! are confirmed, survive a restart, and a dead collector costs only retries;
//! bad input gets errors naming their path. The page's environment and
//! consent are applied; `flush`, `hidden` and `forget` do what they say; the
//! send lock and `navigator.onLine` hold sending back.
#![cfg(target_arch = "wasm32")]

use attune::web::idb::IdbStore;
use attune::web::worker_host::AttuneWorker;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const STREAM: &str = "0123456789abcdef0123456789abcdef";

fn config(prefix: &str) -> JsValue {
    config_with(prefix, r#""flushAt":1"#)
}

/// A config for `prefix` with more top-level keys (`extra`, JSON without braces).
fn config_with(prefix: &str, extra: &str) -> JsValue {
    // Port 9 (discard) refuses connections: every send fails fast.
    let text = format!(
        r#"{{"storagePrefix":"{prefix}","collector":{{"url":"http://127.0.0.1:9/v1/batch"}},
            {extra}}}"#
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
    let w = AttuneWorker::start(config(&prefix), STREAM.into(), None, JsValue::UNDEFINED)
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
    let again = AttuneWorker::start(
        config(&prefix),
        "f".repeat(32),
        Some(stale),
        JsValue::UNDEFINED,
    )
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
    let newer = AttuneWorker::start(
        config(&prefix),
        "e".repeat(32),
        Some(with(9, 3_600_000.0)),
        JsValue::UNDEFINED,
    )
    .await
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        newer.profile().contains(r#""Viewed":{"count":9"#),
        "{}",
        newer.profile()
    );
}

#[wasm_bindgen_test]
async fn a_first_visit_takes_the_pages_record_even_older_than_its_own_blank_one() {
    // IndexedDB holds nothing (a first visit): the page's copy, created when
    // the page started (before this worker's own blank record), is the
    // visitor's record — its creation time included.
    let page = AttuneWorker::start(
        config(&prefix("blank-a")),
        STREAM.into(),
        None,
        JsValue::UNDEFINED,
    )
    .await
    .unwrap_or_else(|e| panic!("{e:?}"));
    let mut copy: serde_json::Value = serde_json::from_str(&page.profile()).unwrap_or_default();
    let created = copy["createdAt"].as_f64().unwrap_or(0.0) - 5_000.0;
    copy["createdAt"] = created.into();
    copy["updatedAt"] = created.into();
    TimeoutFuture::new(5).await;
    let w = AttuneWorker::start(
        config(&prefix("blank-b")),
        STREAM.into(),
        Some(copy.to_string()),
        JsValue::UNDEFINED,
    )
    .await
    .unwrap_or_else(|e| panic!("{e:?}"));
    let mine: serde_json::Value = serde_json::from_str(&w.profile()).unwrap_or_default();
    assert_eq!(mine["createdAt"].as_f64(), Some(created), "{mine}");
    assert_eq!(mine["anonymousId"], copy["anonymousId"]);
}

#[wasm_bindgen_test]
async fn bad_input_gets_errors_naming_the_path() {
    let prefix = prefix("bad");
    let err =
        match AttuneWorker::start(config(&prefix), "xyz".into(), None, JsValue::UNDEFINED).await {
            Ok(_) => panic!("a bad stream must fail"),
            Err(e) => e,
        };
    assert_eq!(field(&err, "name"), "AttuneError");
    assert_eq!(field(&err, "path"), "stream");
    assert_eq!(field(&err, "code"), "invalid_input");

    let w = AttuneWorker::start(
        config(&prefix),
        STREAM.into(),
        Some("{corrupt".into()),
        JsValue::UNDEFINED,
    )
    .await
    .err()
    .unwrap_or_else(|| panic!("a corrupt profile must fail"));
    assert_eq!(field(&w, "code"), "storage_corrupt");

    let w = AttuneWorker::start(config(&prefix), STREAM.into(), None, JsValue::UNDEFINED)
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

/// The `"event":"Viewed"` records in the outbox chunks of `prefix`: `(messageId, event)`.
async fn outbox_viewed(prefix: &str) -> Vec<(String, serde_json::Value)> {
    use attune::core::platform::Storage;
    let store = IdbStore::open(prefix)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
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
                out.push((r["m"].as_str().unwrap_or("").to_string(), r["e"].clone()));
            }
        }
    }
    store.close();
    out
}

/// The messageIds of the `"event":"Viewed"` records in the outbox of `prefix`.
async fn outbox_ids(prefix: &str) -> Vec<String> {
    outbox_viewed(prefix)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

#[wasm_bindgen_test]
async fn a_rescue_applies_only_what_the_dead_page_had_not_committed() {
    let prefix = prefix("rescue");
    let old = "a".repeat(32);
    let first = AttuneWorker::start(config(&prefix), old.clone(), None, JsValue::UNDEFINED)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    first.apply(&ops(1, 3)).unwrap_or_else(|e| panic!("{e:?}"));
    until(|| first.confirmed() >= 3.0, "ops 1-3 committed").await;
    let committed = outbox_ids(&prefix).await;
    assert_eq!(committed.len(), 3);

    // The page closed with ops 2-5 unconfirmed (its last report said 1): the
    // next page's worker gets them as a rescue.
    let next = AttuneWorker::start(config(&prefix), "b".repeat(32), None, JsValue::UNDEFINED)
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

/// A UUID v4 for `anonymousId`.
const ANON: &str = "0b9c3c1e-8f1a-4c2b-9d3e-1f2a3b4c5d6e";

fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
}

async fn start(cfg: JsValue, env: &str) -> AttuneWorker {
    AttuneWorker::start(cfg, STREAM.into(), None, json(env))
        .await
        .unwrap_or_else(|e| panic!("start: {e:?}"))
}

/// Awaits a promise the worker returned.
async fn settle(p: js_sys::Promise) -> JsValue {
    wasm_bindgen_futures::JsFuture::from(p)
        .await
        .unwrap_or_else(|e| panic!("rejected: {e:?}"))
}

fn num(v: &JsValue, key: &str) -> f64 {
    js_sys::Reflect::get(v, &key.into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(-1.0)
}

fn total(w: &AttuneWorker, i: usize) -> f64 {
    w.totals().get(i).copied().unwrap_or(-1.0)
}

#[wasm_bindgen_test]
async fn the_pages_environment_is_in_the_events() {
    let prefix = prefix("env");
    let env = format!(
        r#"{{"gpc":false,"dnt":false,"environment":{{"locale":"de-CH","timezone":"Europe/Zurich"}},
            "localOffset":60,"anonymousId":"{ANON}","consent":null,
            "page":{{"path":"/p","url":"https://shop.test/p?x=1","search":"?x=1","title":"P","referrer":""}}}}"#
    );
    let w = start(config(&prefix), &env).await;
    w.apply(&ops(1, 2)).unwrap_or_else(|e| panic!("{e:?}"));
    until(|| w.confirmed() >= 2.0, "ops 1-2 committed").await;
    let events = outbox_viewed(&prefix).await;
    assert_eq!(events.len(), 2, "{events:?}");
    for (_, e) in &events {
        assert_eq!(e["context"]["locale"], "de-CH", "{e}");
        assert_eq!(e["context"]["timezone"], "Europe/Zurich", "{e}");
        assert_eq!(
            e["context"]["page"]["url"], "https://shop.test/p?x=1",
            "{e}"
        );
        assert_eq!(e["anonymousId"], ANON, "{e}");
    }
}

#[wasm_bindgen_test]
async fn gpc_from_the_page_denies_what_it_denies_here() {
    let prefix = prefix("gpc");
    let cfg = config_with(&prefix, r#""flushAt":1,"consent":{"gpc":"analytics"}"#);
    let w = start(cfg, r#"{"gpc":true}"#).await;
    w.apply(&ops(1, 3)).unwrap_or_else(|e| panic!("{e:?}"));
    until(|| w.confirmed() >= 3.0, "ops committed").await;
    assert!(
        w.profile().contains(r#""Viewed":{"count":3"#),
        "{}",
        w.profile()
    );
    assert!(
        outbox_ids(&prefix).await.is_empty(),
        "GPC denies analytics: nothing stored"
    );
    TimeoutFuture::new(200).await;
    assert_eq!(w.totals(), vec![0.0; 4], "and nothing sent");
}

#[wasm_bindgen_test]
async fn the_pages_consent_choices_gate_what_is_stored() {
    let prefix = prefix("consent");
    // The page's consentState() as it is: the non-category keys are ignored.
    let denied = r#"{"consent":{"necessary":true,"analytics":false,"personalization":true,
        "marketing":true,"gpc":false,"doNotTrack":false,"mode":"opt-out"}}"#;
    let w = start(config(&prefix), denied).await;
    w.apply(&ops(1, 3)).unwrap_or_else(|e| panic!("{e:?}"));
    until(|| w.confirmed() >= 3.0, "ops committed").await;
    assert!(outbox_ids(&prefix).await.is_empty(), "analytics refused");

    // The next page's worker restores the refusal from IndexedDB; the page
    // granted meanwhile: the grant is applied.
    let w = AttuneWorker::start(
        config(&prefix),
        "c".repeat(32),
        None,
        json(r#"{"consent":{"analytics":true}}"#),
    )
    .await
    .unwrap_or_else(|e| panic!("{e:?}"));
    w.apply(&ops(1, 2)).unwrap_or_else(|e| panic!("{e:?}"));
    until(|| w.confirmed() >= 2.0, "ops committed").await;
    assert_eq!(outbox_ids(&prefix).await.len(), 2, "analytics granted");
}

#[wasm_bindgen_test]
async fn a_malformed_env_field_is_named() {
    let prefix = prefix("badenv");
    for (env, path) in [
        (r#""page view""#, "env"),
        (r#"{"gpc":"yes"}"#, "env.gpc"),
        (r#"{"localOffset":"UTC"}"#, "env.localOffset"),
        (r#"{"page":5}"#, "env.page"),
        (r#"{"environment":{"locale":7}}"#, "env.environment"),
        (r#"{"anonymousId":7}"#, "env.anonymousId"),
        (r#"{"consent":{"analytics":"no"}}"#, "env.consent.analytics"),
        (r#"{"consent":{"cookies":true}}"#, "env.consent.cookies"),
        (r#"{"consent":[true]}"#, "env.consent"),
    ] {
        let err = match AttuneWorker::start(config(&prefix), STREAM.into(), None, json(env)).await {
            Ok(_) => panic!("{env} must fail"),
            Err(e) => e,
        };
        assert_eq!(field(&err, "path"), path, "{env}");
        assert_eq!(field(&err, "name"), "AttuneError", "{env}");
    }
}

/// Nothing is due on its own: only an explicit send goes out.
const NEVER_DUE: &str = r#""flushAt":100,"flushInterval":600000"#;

#[wasm_bindgen_test]
async fn flush_commits_and_tries_every_event_at_once() {
    let prefix = prefix("flush");
    let w = start(config_with(&prefix, NEVER_DUE), "null").await;
    assert_eq!(w.applied(), 0.0);
    w.apply(&ops(1, 3)).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(w.applied(), 3.0, "applied at once, before any commit");
    w.apply(&ops(4, 2)).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(w.applied(), 5.0);
    TimeoutFuture::new(300).await;
    assert_eq!(total(&w, 1), 0.0, "nothing due yet");

    let r = settle(w.flush()).await;
    assert_eq!(w.confirmed(), 5.0, "everything applied is committed");
    assert_eq!(num(&r, "sent"), 0.0);
    assert_eq!(num(&r, "failed"), 5.0, "the dead collector was tried");
    assert_eq!(num(&r, "pending"), 5.0, "and nothing is lost");
    assert_eq!(w.pending(), 5.0);
    assert_eq!(total(&w, 1), 5.0);
    // Each collector fails once per flush; a second flush tries again.
    let r = settle(w.flush()).await;
    assert_eq!(num(&r, "failed"), 5.0);
    assert_eq!(total(&w, 1), 10.0);
}

#[wasm_bindgen_test]
async fn hidden_sends_what_waits_now() {
    let prefix = prefix("hidden");
    let w = start(config_with(&prefix, NEVER_DUE), "null").await;
    w.apply(&ops(1, 2)).unwrap_or_else(|e| panic!("{e:?}"));
    until(|| w.confirmed() >= 2.0, "ops committed").await;
    assert_eq!(total(&w, 1), 0.0, "nothing due yet");
    settle(w.hidden()).await;
    assert_eq!(total(&w, 1), 2.0, "tried at once");
    assert_eq!(w.pending(), 2.0);
}

#[wasm_bindgen_test]
async fn forget_leaves_no_key_in_indexeddb() {
    use attune::core::platform::Storage;
    let prefix = prefix("forget");
    let w = start(config_with(&prefix, NEVER_DUE), "null").await;
    w.apply(&ops(1, 3)).unwrap_or_else(|e| panic!("{e:?}"));
    until(|| w.confirmed() >= 3.0, "ops committed").await;
    let before = w.profile();
    let store = IdbStore::open(&prefix)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let keys = store.keys().unwrap_or_default();
    store.close();
    assert!(
        keys.iter().any(|k| k.contains(":applied:")) && keys.iter().any(|k| k.contains(":ob:")),
        "{keys:?}"
    );

    settle(w.forget()).await;
    let store = IdbStore::open(&prefix)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let keys = store.keys().unwrap_or_default();
    store.close();
    assert!(keys.is_empty(), "{keys:?}");
    assert_eq!(w.pending(), 0.0);
    let anon = |p: &str| {
        serde_json::from_str::<serde_json::Value>(p).unwrap_or_default()["anonymousId"].clone()
    };
    assert_ne!(anon(&w.profile()), anon(&before), "a fresh identity");
    // Still nothing after the next cycle: the stream's mark is not rewritten.
    settle(w.flush()).await;
    let store = IdbStore::open(&prefix)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(store.keys().unwrap_or_default().is_empty());
    store.close();
}

/// Takes the Web Lock `name` as another tab would; returns its release.
async fn hold_lock(name: &str) -> js_sys::Function {
    let nav = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
    let locks = js_sys::Reflect::get(&nav, &"locks".into()).unwrap();
    let request: js_sys::Function = js_sys::Reflect::get(&locks, &"request".into())
        .unwrap()
        .into();
    let mut release = None;
    let held = js_sys::Promise::new(&mut |res, _| release = Some(res));
    let mut grant = None;
    let granted = js_sys::Promise::new(&mut |res, _| grant = Some(res));
    let grant = grant.unwrap();
    let callback = wasm_bindgen::closure::Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        let _ = grant.call0(&JsValue::NULL);
        held.into()
    });
    request.call2(&locks, &name.into(), &callback).unwrap();
    wasm_bindgen_futures::JsFuture::from(granted).await.unwrap();
    release.unwrap()
}

#[wasm_bindgen_test]
async fn no_send_while_another_worker_holds_the_send_lock() {
    let prefix = prefix("lock");
    let release = hold_lock(&format!("attune:{prefix}:worker-send")).await;
    let w = start(
        config_with(&prefix, r#""flushAt":1,"flushInterval":50"#),
        "null",
    )
    .await;
    w.apply(&ops(1, 2)).unwrap_or_else(|e| panic!("{e:?}"));
    until(|| w.confirmed() >= 2.0, "ops committed").await;
    TimeoutFuture::new(600).await;
    assert_eq!(w.totals(), vec![0.0; 4], "the dead collector was not tried");
    assert_eq!(w.pending(), 2.0);

    // Released: this worker sends at its next wake (one interval later).
    release.call0(&JsValue::NULL).unwrap();
    until(|| total(&w, 1) >= 2.0, "a send once the lock is free").await;
}

fn set_online(online: bool) {
    let nav = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
    let nav: &js_sys::Object = wasm_bindgen::JsCast::unchecked_ref(&nav);
    if online {
        js_sys::Reflect::delete_property(nav, &"onLine".into()).unwrap();
    } else {
        let d = json(r#"{"value":false,"configurable":true}"#);
        js_sys::Object::define_property(
            nav,
            &"onLine".into(),
            wasm_bindgen::JsCast::unchecked_ref(&d),
        );
    }
}

#[wasm_bindgen_test]
async fn offline_commits_without_sending_and_online_sends_at_once() {
    let prefix = prefix("offline");
    set_online(false);
    let w = start(config(&prefix), "null").await;
    w.apply(&ops(1, 2)).unwrap_or_else(|e| panic!("{e:?}"));
    wait_confirmed(&w, 2.0).await;
    TimeoutFuture::new(400).await;
    let offline = (w.confirmed(), w.totals(), w.pending());
    // Back online without the event: nothing is sent before the next re-read
    // of `navigator.onLine` (2 s after the last cycle).
    set_online(true);
    TimeoutFuture::new(300).await;
    let before_event = total(&w, 1);
    let online = web_sys::Event::new("online").unwrap();
    web_sys::window().unwrap().dispatch_event(&online).unwrap();
    let mut after_event = 0.0;
    for _ in 0..25 {
        after_event = total(&w, 1);
        if after_event >= 2.0 {
            break;
        }
        TimeoutFuture::new(20).await;
    }
    assert_eq!(offline, (2.0, vec![0.0; 4], 2.0), "committed, not sent");
    assert_eq!(before_event, 0.0, "not sent before `online`");
    assert_eq!(after_event, 2.0, "sent within 0.5 s of `online`");
}

#[wasm_bindgen_test]
async fn back_online_without_the_event_sends_at_the_next_recheck() {
    let prefix = prefix("recheck");
    set_online(false);
    let w = start(config(&prefix), "null").await;
    w.apply(&ops(1, 2)).unwrap_or_else(|e| panic!("{e:?}"));
    wait_confirmed(&w, 2.0).await;
    TimeoutFuture::new(300).await;
    let offline = w.totals();
    set_online(true);
    assert_eq!(offline, vec![0.0; 4], "not sent while offline");
    until(|| total(&w, 1) >= 2.0, "a send once `onLine` reads true").await;
}

/// Waits (at most 2 s) until `w` confirmed op `seq`.
async fn wait_confirmed(w: &AttuneWorker, seq: f64) {
    for _ in 0..100 {
        if w.confirmed() >= seq {
            break;
        }
        TimeoutFuture::new(20).await;
    }
}

#[wasm_bindgen_test]
async fn a_burst_beyond_the_caps_is_held_until_there_is_room() {
    let prefix = prefix("hold");
    // maxEvents 20: room for 18 (nine tenths).
    let w = start(
        config_with(
            &prefix,
            &format!(r#"{}, "delivery":{{"maxEvents":20}}"#, NEVER_DUE),
        ),
        "null",
    )
    .await;
    w.apply(&ops(1, 50)).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(w.applied(), 18.0, "only what the outbox has room for");
    assert_eq!(w.held(), 32.0);
    assert_eq!(w.pending(), 50.0, "held calls are pending too");
    let r = settle(w.flush()).await;
    assert_eq!(
        w.confirmed(),
        18.0,
        "held calls are not confirmed: the page keeps them"
    );
    assert_eq!(num(&r, "pending"), 50.0, "a dead collector makes no room");
    assert_eq!(total(&w, 2), 0.0, "nothing dropped");
    // More calls queue behind the held ones, in order.
    w.apply(&ops(51, 5)).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((w.applied(), w.held()), (18.0, 37.0));
    // `forget` discards them with the visitor; they count as applied.
    settle(w.forget()).await;
    assert_eq!((w.held(), w.applied(), w.pending()), (0.0, 55.0, 0.0));
}

/// A config for `prefix` whose collector is the test server, which answers a
/// POST to itself with a 4xx (each batch refused, which frees its room as an
/// acknowledgement does); room for 18 events, nothing due before a flush.
fn refusing_config(prefix: &str) -> String {
    let here = js_sys::Reflect::get(&js_sys::global(), &"location".into())
        .ok()
        .and_then(|l| js_sys::Reflect::get(&l, &"origin".into()).ok())
        .and_then(|o| o.as_string())
        .unwrap_or_default();
    format!(
        r#"{{"storagePrefix":"{prefix}","collector":{{"url":"{here}/attune-no-such-path"}},
            {NEVER_DUE}, "delivery":{{"maxEvents":20}}}}"#
    )
}

#[wasm_bindgen_test]
async fn held_calls_are_applied_as_acknowledgements_make_room() {
    let prefix = prefix("drain");
    // The test server answers a POST to itself with a 4xx: each batch is
    // refused (counted as rejected), which frees its room as an
    // acknowledgement does.
    let w = start(json(&refusing_config(&prefix)), "null").await;
    w.apply(&ops(1, 50)).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(w.held(), 32.0);
    let r = settle(w.flush()).await;
    assert_eq!(w.held(), 0.0, "every held call applied during the flush");
    assert_eq!(w.confirmed(), 50.0);
    assert_eq!(num(&r, "pending"), 0.0);
    assert_eq!(total(&w, 3), 50.0, "all 50 reached the collector (refused)");
    assert_eq!(total(&w, 2), 0.0, "none dropped by the caps");
}

#[wasm_bindgen_test]
async fn a_rescued_burst_waits_for_room_and_is_announced_once_wholly_committed() {
    let prefix = prefix("rescue-hold");
    let old = "c".repeat(32);
    // Room for 18: the closed page's 50 calls do not fit. The collector (the
    // test server) refuses every batch with a 4xx, which frees room as an
    // acknowledgement does; nothing is due before a flush.
    let refusing = refusing_config(&prefix);
    let w = start(json(&refusing), "null").await;
    let whole = w
        .rescue(old.clone(), ops(1, 50))
        .await
        .unwrap_or_else(|e| panic!("rescue: {e:?}"));
    assert!(!whole, "part of the rescue waits for room");
    assert_eq!((w.held(), w.pending()), (32.0, 50.0));
    assert!(
        w.take_rescued().is_empty(),
        "not announced: its key must stay"
    );
    // The tab closes; the next page rescues the same calls again: the mark
    // skips the 18 committed, the rest waits again (the outbox is full).
    drop(w);
    let next = start(json(&refusing), "null").await;
    let whole = next
        .rescue(old.clone(), ops(1, 50))
        .await
        .unwrap_or_else(|e| panic!("rescue: {e:?}"));
    assert!(!whole);
    assert_eq!(next.held(), 32.0, "the committed 18 are not applied twice");
    let r = settle(next.flush()).await;
    assert_eq!((next.held(), num(&r, "pending")), (0.0, 0.0));
    assert_eq!(
        total(&next, 3),
        50.0,
        "each of the 50 reached the collector once"
    );
    until(
        || {
            let done = next.take_rescued();
            assert!(done.is_empty() || done == vec![old.clone()], "{done:?}");
            !done.is_empty()
        },
        "the rescue announced",
    )
    .await;
    assert!(next.take_rescued().is_empty(), "announced once");
}
