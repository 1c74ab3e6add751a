//! `web::idb::IdbStore` in headless Chromium, on real IndexedDB: writes stay in
//! memory until a commit makes them durable, another connection (another tab's
//! worker) sees only committed data, a refresh brings in what others committed
//! under this store's own pending changes, a failed open names the database,
//! and deleting the database leaves nothing.
#![cfg(target_arch = "wasm32")]

use attune::core::platform::Storage;
use attune::web::idb::IdbStore;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_name(tag: &str) -> String {
    format!("attune-test-{tag}-{}", js_sys::Math::random())
}

async fn open(name: &str) -> IdbStore {
    IdbStore::open(name)
        .await
        .unwrap_or_else(|e| panic!("open {name}: {e}"))
}

fn get(s: &IdbStore, key: &str) -> Option<String> {
    s.get(key).unwrap_or_else(|e| panic!("get: {e}"))
}

#[wasm_bindgen_test]
async fn only_committed_writes_reach_other_connections() {
    let name = fresh_name("commit");
    let a = open(&name).await;
    a.set("ob:w1.1", "first").unwrap_or_else(|e| panic!("{e}"));
    a.set("ob:w1.2", "second").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        get(&a, "ob:w1.1").as_deref(),
        Some("first"),
        "read back at once"
    );
    assert_eq!(a.uncommitted(), 2);

    let b = open(&name).await;
    assert_eq!(get(&b, "ob:w1.1"), None, "not committed yet");

    a.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    assert_eq!(a.uncommitted(), 0);
    let c = open(&name).await;
    assert_eq!(get(&c, "ob:w1.1").as_deref(), Some("first"));
    assert_eq!(
        c.keys().unwrap_or_default(),
        vec!["ob:w1.1".to_string(), "ob:w1.2".to_string()]
    );

    // b loaded before the commit; a refresh brings it in.
    b.refresh().await.unwrap_or_else(|e| panic!("refresh: {e}"));
    assert_eq!(get(&b, "ob:w1.2").as_deref(), Some("second"));

    // A removal is a change like any other.
    a.remove("ob:w1.1").unwrap_or_else(|e| panic!("{e}"));
    a.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    c.refresh().await.unwrap_or_else(|e| panic!("refresh: {e}"));
    assert_eq!(get(&c, "ob:w1.1"), None);
    for s in [&a, &b, &c] {
        s.close();
    }
    IdbStore::delete(&name)
        .await
        .unwrap_or_else(|e| panic!("delete: {e}"));
}

#[wasm_bindgen_test]
async fn a_refresh_keeps_this_stores_pending_changes_on_top() {
    let name = fresh_name("overlay");
    let a = open(&name).await;
    let b = open(&name).await;
    a.set("k", "from a").unwrap_or_else(|e| panic!("{e}"));
    a.set("gone", "x").unwrap_or_else(|e| panic!("{e}"));
    a.commit().await.unwrap_or_else(|e| panic!("{e}"));

    b.set("k", "from b, pending")
        .unwrap_or_else(|e| panic!("{e}"));
    b.remove("gone").unwrap_or_else(|e| panic!("{e}"));
    b.refresh().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(get(&b, "k").as_deref(), Some("from b, pending"));
    assert_eq!(get(&b, "gone"), None, "a pending removal stays removed");

    b.commit().await.unwrap_or_else(|e| panic!("{e}"));
    a.refresh().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(get(&a, "k").as_deref(), Some("from b, pending"));
    assert_eq!(get(&a, "gone"), None);
    a.close();
    b.close();
    IdbStore::delete(&name)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[wasm_bindgen_test]
async fn large_values_round_trip_and_delete_leaves_nothing() {
    let name = fresh_name("large");
    let a = open(&name).await;
    let big: String = "é😀x".repeat(100_000); // multi-byte, ≈ 800 KB of UTF-8
    a.set("big", &big).unwrap_or_else(|e| panic!("{e}"));
    a.commit().await.unwrap_or_else(|e| panic!("{e}"));
    a.close();
    let b = open(&name).await;
    assert_eq!(get(&b, "big").map(|v| v.len()), Some(big.len()));
    assert!(get(&b, "big") == Some(big));
    b.close();

    IdbStore::delete(&name)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let c = open(&name).await;
    assert!(
        c.keys().unwrap_or_default().is_empty(),
        "a new, empty database"
    );
    c.close();
    IdbStore::delete(&name)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[wasm_bindgen_test]
async fn a_failed_open_is_a_storage_error_naming_the_database() {
    // A version lower than the existing one is refused by IndexedDB itself.
    let name = fresh_name("refused");
    let a = open(&name).await;
    a.close();
    let bump = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .unwrap_or_else(|| panic!("no indexedDB"))
        .open_with_u32(&name, 5)
        .unwrap_or_else(|_| panic!("open v5"));
    let p = js_sys::Promise::new(&mut |resolve, _| bump.set_onsuccess(Some(&resolve)));
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
    if let Ok(db) = bump.result() {
        web_sys::IdbDatabase::from(db).close();
    }
    let err = match IdbStore::open(&name).await {
        Ok(_) => panic!("opening at a lower version must fail"),
        Err(e) => e,
    };
    assert_eq!(err.code(), "storage_unavailable", "{err}");
    assert_eq!(err.path(), name);
    IdbStore::delete(&name)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[wasm_bindgen_test]
async fn a_failed_commit_keeps_the_changes_for_the_next_one() {
    let name = fresh_name("failed-commit");
    let a = open(&name).await;
    a.set("k", "v").unwrap_or_else(|e| panic!("{e}"));
    a.close(); // every transaction on a closed connection fails
    let err = match a.commit().await {
        Ok(()) => panic!("a commit on a closed connection must fail"),
        Err(e) => e,
    };
    assert_eq!(err.code(), "storage_unavailable", "{err}");
    assert_eq!(err.path(), name);
    assert_eq!(a.uncommitted(), 1, "still waiting for a commit");
    assert_eq!(get(&a, "k").as_deref(), Some("v"), "still readable");
    let b = open(&name).await;
    assert_eq!(get(&b, "k"), None, "nothing was written");
    b.close();
    IdbStore::delete(&name)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}
