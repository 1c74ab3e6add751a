//! Tests of the stored outbox (chunks, caps, marks, tabs sharing storage).

use super::*;
use crate::core::platform::MemoryStorage;

const LIMITS: Limits = Limits {
    max_events: 1000,
    max_bytes: 1_000_000,
    max_age_ms: 7.0 * 86_400_000.0,
};

fn rec(i: usize, t: f64) -> Record {
    Record::new(
        format!("m{i}"),
        t,
        format!("{{\"messageId\":\"m{i}\",\"type\":\"track\"}}"),
    )
}

fn ids(o: &Outbox) -> Vec<String> {
    o.records().map(|r| r.id.clone()).collect()
}

fn chunk_keys(s: &MemoryStorage) -> Vec<String> {
    s.keys()
        .unwrap_or_default()
        .into_iter()
        .filter(|k| k.starts_with("attune:ob:"))
        .collect()
}

#[test]
fn only_persisted_events_are_visible_and_survive_a_reload() {
    let s = MemoryStorage::new();
    let mut o = Outbox::new("attune", "w1", LIMITS);
    o.push(rec(1, 10.0));
    o.push(rec(2, 11.0));
    assert_eq!(
        (o.len(), o.records().count()),
        (2, 0),
        "unwritten: not sendable"
    );
    assert!(o.has_unpersisted());
    assert_eq!(o.persist(&s, 20.0).ok(), Some(0));
    assert_eq!(ids(&o), ["m1", "m2"]);
    assert_eq!(chunk_keys(&s), ["attune:ob:w1.1"]);
    // The next visit (another writer) reads them back, ids and times intact.
    let mut next = Outbox::new("attune", "w2", LIMITS);
    assert!(next.reload(&s).is_empty());
    assert_eq!(ids(&next), ["m1", "m2"]);
    assert_eq!(next.records().next().map(|r| r.created), Some(10.0));
    assert_eq!(
        next.records().next().map(|r| r.json.clone()),
        o.records().next().map(|r| r.json.clone())
    );
}

#[test]
fn big_bursts_are_split_into_small_chunks() {
    let s = MemoryStorage::new();
    let mut o = Outbox::new("attune", "w", LIMITS);
    for i in 0..(CHUNK_EVENTS * 2 + 1) {
        o.push(rec(i, 0.0));
    }
    assert!(o.persist(&s, 0.0).is_ok());
    assert_eq!(chunk_keys(&s).len(), 3);
    assert_eq!(o.persisted_len(), CHUNK_EVENTS * 2 + 1);
}

#[test]
fn count_cap_drops_the_oldest_and_counts_them() {
    let s = MemoryStorage::new();
    let limits = Limits {
        max_events: 10,
        ..LIMITS
    };
    let mut o = Outbox::new("attune", "w", limits);
    for i in 0..6 {
        o.push(rec(i, i as f64));
    }
    assert_eq!(o.persist(&s, 100.0).ok(), Some(0));
    for i in 6..15 {
        o.push(rec(i, i as f64));
    }
    assert_eq!(o.persist(&s, 100.0).ok(), Some(5));
    assert_eq!(
        ids(&o),
        (5..15).map(|i| format!("m{i}")).collect::<Vec<_>>()
    );
    let mut again = Outbox::new("attune", "x", limits);
    again.reload(&s);
    assert_eq!(again.len(), 10, "storage agrees");
}

#[test]
fn byte_cap_keeps_the_host_storage_under_its_quota() {
    // A host with 300 KB of quota left; the outbox is capped at 200 KB.
    let s = MemoryStorage::new();
    s.set_quota(Some(300_000));
    let limits = Limits {
        max_bytes: 200_000,
        ..LIMITS
    };
    let mut o = Outbox::new("attune", "w", limits);
    let pad = "p".repeat(400);
    let mut dropped = 0;
    for i in 0..2000 {
        o.push(Record::new(
            format!("m{i}"),
            0.0,
            format!("{{\"messageId\":\"m{i}\",\"pad\":\"{pad}\"}}"),
        ));
        if i % 37 == 0 {
            dropped += o.persist(&s, 0.0).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    dropped += o.persist(&s, 0.0).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.used_bytes() <= 200_000, "{}", s.used_bytes());
    assert!(s.used_bytes() > 150_000, "not needlessly empty");
    assert_eq!(
        dropped as usize + o.len(),
        2000,
        "every event kept or counted"
    );
    assert_eq!(o.records().last().map(|r| r.id.as_str()), Some("m1999"));
}

#[test]
fn events_older_than_the_max_age_are_dropped() {
    let s = MemoryStorage::new();
    let day = 86_400_000.0;
    let mut o = Outbox::new("attune", "w", LIMITS);
    o.push(rec(1, 0.0));
    o.push(rec(2, 2.0 * day));
    assert!(o.persist(&s, 2.0 * day).is_ok());
    let mut later = Outbox::new("attune", "w2", LIMITS);
    later.reload(&s);
    assert_eq!(later.enforce(&s, 7.5 * day), 1);
    assert_eq!(ids(&later), ["m2"]);
    let mut check = Outbox::new("attune", "w3", LIMITS);
    check.reload(&s);
    assert_eq!(ids(&check), ["m2"]);
}

#[test]
fn events_leave_storage_once_every_collector_is_done() {
    let s = MemoryStorage::new();
    let all = vec!["a".to_string(), "b".to_string()];
    let mut o = Outbox::new("attune", "w", LIMITS);
    for i in 0..4 {
        o.push(rec(i, 0.0));
    }
    assert!(o.persist(&s, 0.0).is_ok());
    let first = KeySet::of(["m0".to_string(), "m1".to_string()]);
    assert!(o.mark_done(&s, "a", &first, &all).is_ok());
    assert_eq!(o.len(), 4, "b still needs them");
    // The partly done chunk is rewritten (new key, old one gone) by the next persist.
    assert_eq!(chunk_keys(&s), ["attune:ob:w.1"]);
    assert!(o.has_unpersisted());
    assert!(o.persist(&s, 0.0).is_ok());
    assert_eq!(chunk_keys(&s), ["attune:ob:w.2"]);
    let mut other = Outbox::new("attune", "v", LIMITS);
    other.reload(&s);
    let marks: Vec<bool> = other.records().map(|r| r.is_done_for("a")).collect();
    assert_eq!(marks, [true, true, false, false]);
    assert!(o.mark_done(&s, "b", &first, &all).is_ok());
    assert_eq!(ids(&o), ["m2", "m3"]);
    let rest = KeySet::of(["m2".to_string(), "m3".to_string()]);
    assert!(o.mark_done(&s, "a", &rest, &all).is_ok());
    assert!(o.mark_done(&s, "b", &rest, &all).is_ok());
    assert!(o.is_empty());
    assert!(chunk_keys(&s).is_empty());
    // A collector removed from the config no longer holds events back.
    o.push(rec(9, 0.0));
    assert!(o.persist(&s, 0.0).is_ok());
    let nine = KeySet::of(["m9".to_string()]);
    assert!(o.mark_done(&s, "a", &nine, &all).is_ok());
    assert!(o.prune_complete(&s, &["a".to_string()]).is_ok());
    assert!(o.is_empty());
}

#[test]
fn two_tabs_share_one_outbox_without_losing_events() {
    let s = MemoryStorage::new();
    let all = vec!["c".to_string()];
    let mut a = Outbox::new("attune", "ta", LIMITS);
    let mut b = Outbox::new("attune", "tb", LIMITS);
    a.push(rec(1, 1.0));
    assert!(a.persist(&s, 1.0).is_ok());
    b.reload(&s);
    b.push(rec(2, 2.0));
    assert!(b.persist(&s, 2.0).is_ok());
    a.push(rec(3, 3.0));
    assert!(a.persist(&s, 3.0).is_ok());
    // Tab A is the sender: it sees everything.
    a.reload(&s);
    assert_eq!(ids(&a), ["m1", "m2", "m3"]);
    let sent = KeySet::of(["m1", "m2"]);
    assert!(a.mark_done(&s, "c", &sent, &all).is_ok());
    // Tab B learns that m1 and m2 left and keeps what is still there.
    b.push(rec(4, 4.0));
    assert!(b.persist(&s, 4.0).is_ok());
    b.reload(&s);
    assert_eq!(ids(&b), ["m3", "m4"]);
}

#[test]
fn corrupt_chunks_are_removed_and_reported() {
    let s = MemoryStorage::new();
    let _ = s.set("attune:ob:zz.1", "{broken");
    let _ = s.set("attune:obm:dropped", "{}");
    let _ = s.set("other", "x");
    let mut o = Outbox::new("attune", "w", LIMITS);
    let errs = o.reload(&s);
    assert_eq!(
        errs.iter()
            .map(|e| (e.code(), e.path()))
            .collect::<Vec<_>>(),
        [("storage_corrupt", "attune:ob:zz.1")]
    );
    assert!(o.is_empty());
    assert_eq!(s.get("attune:ob:zz.1").ok().flatten(), None);
    assert!(
        s.get("other").ok().flatten().is_some(),
        "not ours: untouched"
    );
}

#[test]
fn a_failed_write_keeps_events_unsendable_and_retries() {
    let s = MemoryStorage::new();
    let mut o = Outbox::new("attune", "w", LIMITS);
    o.push(rec(1, 0.0));
    s.set_failing(true);
    assert!(o.persist(&s, 0.0).is_err());
    assert_eq!((o.len(), o.records().count()), (1, 0));
    s.set_failing(false);
    assert!(o.persist(&s, 0.0).is_ok());
    assert_eq!(ids(&o), ["m1"]);
}
