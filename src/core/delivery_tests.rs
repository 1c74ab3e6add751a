//! Tests of the delivery state machine with a fake clock and a fake transport.

use super::*;
use crate::core::config::{CollectorConfig, CollectorFormat};
use crate::core::platform::{Clock, FakeClock, MemoryStorage, SeededRandom};

struct World {
    storage: MemoryStorage,
    clock: FakeClock,
    random: SeededRandom,
    gate: Gate,
}

impl World {
    fn new() -> Self {
        World {
            storage: MemoryStorage::new(),
            clock: FakeClock::new(1_000_000.0),
            random: SeededRandom::new(9),
            gate: Gate::OPEN,
        }
    }
    fn env(&self) -> Env<'_> {
        Env {
            storage: &self.storage,
            random: &self.random,
            now: self.clock.now_ms(),
            gate: self.gate,
        }
    }
    fn now(&self) -> f64 {
        self.clock.now_ms()
    }
}

fn collector(id: &str, format: CollectorFormat) -> CollectorConfig {
    CollectorConfig {
        id: id.into(),
        url: format!("http://127.0.0.1/{id}"),
        headers: Vec::new(),
        write_key: Some("wk".into()),
        format,
    }
}

fn config(ids: &[&str]) -> DeliveryConfig {
    DeliveryConfig {
        collectors: ids
            .iter()
            .map(|i| collector(i, CollectorFormat::Segment))
            .collect(),
        batch_size: 5,
        max_batch_events: 5,
        ..DeliveryConfig::default()
    }
}

fn push(d: &mut Delivery, w: &World, range: std::ops::Range<usize>) {
    for i in range {
        d.push(Record::new(
            format!("m{i}"),
            w.now(),
            format!("{{\"messageId\":\"m{i}\",\"type\":\"track\",\"context\":{{}}}}"),
        ));
    }
}

fn status(code: u16) -> Outcome {
    Outcome::Status {
        code,
        retry_after_ms: None,
    }
}

fn stored_events(w: &World) -> usize {
    let mut o = Outbox::new(
        "attune",
        "probe",
        Limits {
            max_events: usize::MAX,
            max_bytes: usize::MAX,
            max_age_ms: f64::MAX,
        },
    );
    o.reload(&w.storage);
    o.persisted_len()
}

#[test]
fn nothing_is_sent_before_it_is_persisted() {
    let w = World::new();
    let mut d = Delivery::new(config(&["a"]), "attune", "w");
    push(&mut d, &w, 0..7);
    assert!(
        d.next_job(&w.env(), Mode::Forced).is_none(),
        "unwritten events never leave"
    );
    assert!(d.next_wake(w.now(), Gate::OPEN).is_none());
    assert!(d.persist(&w.env()).is_empty());
    assert_eq!(stored_events(&w), 7);
    let job = d
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("job"));
    assert_eq!(job.ids.len(), 5);
    // Every event of the batch is in storage at the moment it is handed out.
    let mut probe = Outbox::new(
        "attune",
        "p",
        Limits {
            max_events: 99,
            max_bytes: 1 << 20,
            max_age_ms: 1e12,
        },
    );
    probe.reload(&w.storage);
    for id in &job.ids {
        assert!(probe.records().any(|r| &r.id == id), "{id} persisted");
    }
}

#[test]
fn batches_by_count_then_by_interval() {
    let w = World::new();
    let mut d = Delivery::new(config(&["a"]), "attune", "w");
    push(&mut d, &w, 0..4);
    d.persist(&w.env());
    let t0 = w.now();
    assert_eq!(d.next_wake(t0, Gate::OPEN), Some(t0 + 2000.0), "interval");
    assert!(d.next_job(&w.env(), Mode::Scheduled).is_none());
    push(&mut d, &w, 4..6);
    d.persist(&w.env());
    assert_eq!(d.next_wake(t0, Gate::OPEN), Some(t0), "count reached");
    let job = d
        .next_job(&w.env(), Mode::Scheduled)
        .unwrap_or_else(|| panic!("job"));
    assert_eq!(job.ids, ["m0", "m1", "m2", "m3", "m4"]);
    assert!(d.complete(&w.env(), &job, &status(200)).is_empty());
    // One event left: it goes when the interval has passed.
    assert_eq!(d.next_wake(w.now(), Gate::OPEN), Some(t0 + 2000.0));
    w.clock.advance(1999.0);
    assert!(d.next_job(&w.env(), Mode::Scheduled).is_none());
    w.clock.advance(1.0);
    let job = d
        .next_job(&w.env(), Mode::Scheduled)
        .unwrap_or_else(|| panic!("job"));
    assert_eq!(job.ids, ["m5"]);
    assert!(d.complete(&w.env(), &job, &status(204)).is_empty());
    assert_eq!((d.queued(), stored_events(&w)), (0, 0));
    assert_eq!(d.totals().sent, 6);
}

#[test]
fn batches_by_bytes() {
    let w = World::new();
    let mut cfg = config(&["a"]);
    cfg.batch_size = 100;
    cfg.max_batch_events = 100;
    cfg.batch_bytes = 2000;
    let mut d = Delivery::new(cfg, "attune", "w");
    for i in 0..10 {
        d.push(Record::new(
            format!("m{i}"),
            w.now(),
            format!("{{\"messageId\":\"m{i}\",\"p\":\"{}\"}}", "x".repeat(400)),
        ));
    }
    d.persist(&w.env());
    assert_eq!(d.next_wake(w.now(), Gate::OPEN), Some(w.now()));
    let job = d
        .next_job(&w.env(), Mode::Scheduled)
        .unwrap_or_else(|| panic!("job"));
    assert!(job.body.len() <= 2000, "{}", job.body.len());
    assert_eq!(job.ids.len(), 4);
}

#[test]
fn failures_back_off_with_jitter_and_honour_retry_after() {
    let w = World::new();
    let mut d = Delivery::new(config(&["a"]), "attune", "w");
    push(&mut d, &w, 0..5);
    d.persist(&w.env());
    let job = d
        .next_job(&w.env(), Mode::Scheduled)
        .unwrap_or_else(|| panic!("job"));
    assert!(d.complete(&w.env(), &job, &status(503)).is_empty());
    assert_eq!((d.queued(), d.totals().failed), (5, 5));
    let wake = d.next_wake(w.now(), Gate::OPEN).unwrap_or(0.0) - w.now();
    assert!(
        (500.0..=1000.0).contains(&wake),
        "first retry in [base/2, base]: {wake}"
    );
    assert!(
        d.next_job(&w.env(), Mode::Scheduled).is_none(),
        "backing off"
    );
    w.clock.advance(wake);
    let again = d
        .next_job(&w.env(), Mode::Scheduled)
        .unwrap_or_else(|| panic!("retry"));
    assert_eq!(again.ids, job.ids, "same events, same messageIds");
    // Second failure: a network error; the ceiling doubles.
    d.complete(&w.env(), &again, &Outcome::Network("offline".into()));
    let wake = d.next_wake(w.now(), Gate::OPEN).unwrap_or(0.0) - w.now();
    assert!((1000.0..=2000.0).contains(&wake), "{wake}");
    w.clock.advance(wake);
    // 429 with Retry-After 30 s: not before.
    let third = d
        .next_job(&w.env(), Mode::Scheduled)
        .unwrap_or_else(|| panic!("retry"));
    let throttled = Outcome::Status {
        code: 429,
        retry_after_ms: Some(30_000.0),
    };
    d.complete(&w.env(), &third, &throttled);
    let wake = d.next_wake(w.now(), Gate::OPEN).unwrap_or(0.0) - w.now();
    assert!(wake >= 30_000.0, "{wake}");
    // flush() ignores the backoff; success resets it.
    let forced = d
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("forced"));
    d.complete(&w.env(), &forced, &status(200));
    assert_eq!(d.queued(), 0);
    push(&mut d, &w, 10..15);
    d.persist(&w.env());
    assert_eq!(
        d.next_wake(w.now(), Gate::OPEN),
        Some(w.now()),
        "backoff was reset"
    );
}

#[test]
fn a_failed_flush_is_retried_after_the_backoff_not_the_interval() {
    let w = World::new();
    let cfg = DeliveryConfig {
        flush_interval_ms: 60_000.0,
        batch_size: 100,
        ..config(&["a"])
    };
    let mut d = Delivery::new(cfg, "attune", "w");
    push(&mut d, &w, 0..2);
    d.persist(&w.env());
    let wake = d.next_wake(w.now(), Gate::OPEN).unwrap_or(0.0) - w.now();
    assert_eq!(wake, 60_000.0, "two events wait for the interval");
    let forced = d
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("flush"));
    d.complete(&w.env(), &forced, &status(500));
    let wake = d.next_wake(w.now(), Gate::OPEN).unwrap_or(0.0) - w.now();
    assert!(
        (500.0..=1000.0).contains(&wake),
        "retried on the backoff: {wake}"
    );
}

#[test]
fn other_4xx_drop_the_batch_and_report() {
    let w = World::new();
    let mut d = Delivery::new(config(&["a"]), "attune", "w");
    push(&mut d, &w, 0..5);
    d.persist(&w.env());
    let job = d
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("job"));
    let errs = d.complete(&w.env(), &job, &status(400));
    assert_eq!(
        errs.iter().map(|e| e.code()).collect::<Vec<_>>(),
        ["collector_rejected"]
    );
    assert_eq!((d.queued(), d.totals().rejected), (0, 5));
    assert_eq!(stored_events(&w), 0);
}

#[test]
fn each_collector_has_its_own_position_over_one_stored_copy() {
    let w = World::new();
    let mut d = Delivery::new(config(&["a", "b"]), "attune", "w");
    push(&mut d, &w, 0..5);
    d.persist(&w.env());
    assert_eq!(stored_events(&w), 5, "stored once, not per collector");
    let ja = d
        .next_job(&w.env(), Mode::Scheduled)
        .unwrap_or_else(|| panic!("a"));
    let jb = d
        .next_job(&w.env(), Mode::Scheduled)
        .unwrap_or_else(|| panic!("b"));
    assert_eq!((ja.collector, jb.collector), (0, 1));
    assert!(
        d.next_job(&w.env(), Mode::Scheduled).is_none(),
        "one batch in flight per collector"
    );
    d.complete(&w.env(), &ja, &status(200));
    d.complete(&w.env(), &jb, &status(500));
    assert_eq!((d.waiting(0).count, d.waiting(1).count), (0, 5));
    assert_eq!(stored_events(&w), 5, "b still needs them");
    // A reload (next visit) keeps each collector's position once the marks are
    // written (the web layer persists after each send cycle and on page exit).
    d.persist(&w.env());
    let mut next = Delivery::new(config(&["a", "b"]), "attune", "w2");
    next.reload(&w.env());
    assert_eq!((next.waiting(0).count, next.waiting(1).count), (0, 5));
    let jb = next
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("b"));
    assert_eq!((jb.collector, jb.ids.len()), (1, 5));
    assert_eq!(jb.ids, ja.ids, "same messageIds");
    next.complete(&w.env(), &jb, &status(200));
    assert_eq!(stored_events(&w), 0);
}

#[test]
fn drops_are_counted_and_reported_in_the_next_batch_until_acknowledged() {
    let w = World::new();
    let mut cfg = config(&["a", "b"]);
    cfg.max_events = 5;
    let mut d = Delivery::new(cfg, "attune", "w");
    push(&mut d, &w, 0..8);
    d.persist(&w.env());
    assert_eq!(d.totals().dropped, 3);
    let job = d
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("job"));
    assert_eq!(job.ids[0], "m3", "the oldest went");
    assert_eq!(job.dropped, 3);
    let body = Value::parse(&job.body).unwrap_or(Value::Null);
    assert_eq!(
        body["batch"][0]["context"]["attune"]["dropped"].as_f64(),
        Some(3.0)
    );
    d.complete(&w.env(), &job, &status(500));
    let job = d
        .next_job(&w.env(), Mode::Scheduled)
        .unwrap_or_else(|| panic!("b"));
    assert_eq!((job.collector, job.dropped), (1, 3), "b is told too");
    d.complete(&w.env(), &job, &status(200));
    w.clock.advance(60_000.0);
    let job = d
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("retry a"));
    assert_eq!(
        (job.collector, job.dropped),
        (0, 3),
        "still reported after a failure"
    );
    d.complete(&w.env(), &job, &status(200));
    push(&mut d, &w, 20..21);
    d.persist(&w.env());
    let job = d
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("job"));
    assert_eq!(job.dropped, 0, "reported once acknowledged");
    assert!(!job.body.contains("dropped"));
}

#[test]
fn old_events_are_dropped_on_the_next_visit() {
    let w = World::new();
    let mut d = Delivery::new(config(&["a"]), "attune", "w");
    push(&mut d, &w, 0..2);
    d.persist(&w.env());
    w.clock.advance(8.0 * 86_400_000.0);
    let mut next = Delivery::new(config(&["a"]), "attune", "w2");
    next.reload(&w.env());
    assert_eq!((next.queued(), next.totals().dropped), (0, 2));
}

#[test]
fn unacknowledged_events_are_resent_after_a_reload_with_the_same_ids() {
    let w = World::new();
    let mut d = Delivery::new(config(&["a"]), "attune", "w");
    push(&mut d, &w, 0..3);
    d.persist(&w.env());
    let job = d
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("job"));
    // The tab closes mid-request: no outcome ever arrives.
    drop(d);
    w.clock.advance(5000.0);
    let mut next = Delivery::new(config(&["a"]), "attune", "w2");
    next.reload(&w.env());
    let again = next
        .next_job(&w.env(), Mode::Scheduled)
        .unwrap_or_else(|| panic!("due at once"));
    assert_eq!(again.ids, job.ids);
}

#[test]
fn exit_bodies_fit_the_beacon_budget_and_mark_nothing() {
    let w = World::new();
    let mut cfg = config(&["a", "b"]);
    cfg.batch_size = 1000;
    cfg.max_batch_events = 1000;
    cfg.beacon_bytes = 4096;
    let mut d = Delivery::new(cfg, "attune", "w");
    for i in 0..40 {
        d.push(Record::new(
            format!("m{i}"),
            w.now(),
            format!("{{\"messageId\":\"m{i}\",\"p\":\"{}\"}}", "x".repeat(300)),
        ));
    }
    d.persist(&w.env());
    let jobs = d.exit_jobs(&w.env());
    assert!(jobs
        .iter()
        .all(|j| j.body.len() <= 4096 && j.mode == Mode::Exit));
    for c in 0..2 {
        let n: usize = jobs
            .iter()
            .filter(|j| j.collector == c)
            .map(|j| j.ids.len())
            .sum();
        assert_eq!(n, 40, "collector {c} gets every event once");
    }
    assert!(
        jobs[0].body.contains("\"writeKey\":\"wk\""),
        "beacons carry the key in the body"
    );
    assert_eq!(d.queued(), 40, "kept until acknowledged");
    assert_eq!(d.in_flight(), 0);
}

#[test]
fn the_gate_stops_sending() {
    let mut w = World::new();
    let mut d = Delivery::new(config(&["a"]), "attune", "w");
    push(&mut d, &w, 0..5);
    d.persist(&w.env());
    w.gate = Gate {
        store: true,
        send: false,
    };
    assert!(d.next_job(&w.env(), Mode::Forced).is_none());
    assert!(d.exit_jobs(&w.env()).is_empty());
    assert!(d.next_wake(w.now(), w.gate).is_none());
    w.gate = Gate::OPEN;
    assert!(d.next_job(&w.env(), Mode::Forced).is_some());
}

#[test]
fn json_format_is_a_bare_array() {
    let w = World::new();
    let mut cfg = config(&[]);
    cfg.collectors.push(collector("j", CollectorFormat::Json));
    let mut d = Delivery::new(cfg, "attune", "w");
    push(&mut d, &w, 0..2);
    d.persist(&w.env());
    let job = d
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("job"));
    let v = Value::parse(&job.body).unwrap_or(Value::Null);
    assert_eq!(v.as_array().map(Vec::len), Some(2));
    assert_eq!(job.body, job.events);
}

#[test]
fn a_due_batch_takes_what_waits_up_to_the_request_limit() {
    let w = World::new();
    let mut cfg = config(&["a"]);
    cfg.max_batch_events = 8;
    let mut d = Delivery::new(cfg, "attune", "w");
    push(&mut d, &w, 0..12);
    d.persist(&w.env());
    let job = d
        .next_job(&w.env(), Mode::Scheduled)
        .unwrap_or_else(|| panic!("count reached"));
    assert_eq!(
        job.ids.len(),
        8,
        "more than batch_size (5), at most max_batch_events"
    );
    d.complete(&w.env(), &job, &status(200));
    assert!(
        d.next_job(&w.env(), Mode::Scheduled).is_none(),
        "4 left: under 5, not due yet"
    );
    let job = d
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("flush"));
    assert_eq!(job.ids.len(), 4);
}

#[test]
fn tabs_with_different_collectors_send_only_their_own_events() {
    let w = World::new();
    // Two pages of one origin share the outbox but not their collectors.
    let mut a = Delivery::new(config(&["a"]), "attune", "wa");
    let mut b = Delivery::new(config(&["b"]), "attune", "wb");
    push(&mut a, &w, 0..3);
    a.persist(&w.env());
    push(&mut b, &w, 10..12);
    b.persist(&w.env());
    a.reload(&w.env());
    b.reload(&w.env());
    let jb = b
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("b's job"));
    assert_eq!(
        jb.ids,
        vec!["m10".to_string(), "m11".to_string()],
        "b sends only its own"
    );
    assert!(
        b.next_job(&w.env(), Mode::Forced).is_none(),
        "and nothing of a's"
    );
    b.complete(&w.env(), &jb, &status(200));
    b.persist(&w.env());
    assert_eq!(stored_events(&w), 3, "a's events stay for a");
    a.reload(&w.env());
    let ja = a
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("a's job"));
    assert_eq!(ja.ids.len(), 3);
    assert!(ja
        .ids
        .iter()
        .all(|id| ["m0", "m1", "m2"].contains(&id.as_str())));
    a.complete(&w.env(), &ja, &status(200));
    assert_eq!(stored_events(&w), 0);
}

#[test]
fn room_stops_at_nine_tenths_of_either_cap_and_grows_as_acknowledged() {
    let w = World::new();
    let mut cfg = config(&["a"]);
    cfg.max_events = 20;
    let mut d = Delivery::new(cfg.clone(), "attune", "w");
    assert_eq!(d.room(), 18, "nine tenths of 20, nothing kept");
    push(&mut d, &w, 0..10);
    assert_eq!(d.room(), 8, "counted before it is written");
    d.persist(&w.env());
    assert_eq!(d.room(), 8);
    push(&mut d, &w, 10..18);
    assert_eq!(d.room(), 0);
    push(&mut d, &w, 18..19);
    assert_eq!(d.room(), 0, "never negative");
    d.persist(&w.env());
    let job = d
        .next_job(&w.env(), Mode::Forced)
        .unwrap_or_else(|| panic!("job"));
    assert_eq!(job.ids.len(), 5);
    d.complete(&w.env(), &job, &status(200));
    assert_eq!(d.room(), 4, "acknowledged events make room");

    // The bytes cap binds first when events are large.
    cfg.max_events = 1000;
    cfg.max_bytes = 10_000;
    let mut big = Delivery::new(cfg, "attune", "w2");
    assert_eq!(big.room(), 8, "1 KB apiece while nothing is kept");
    let padding = "x".repeat(2000);
    big.push(Record::new(
        "big".into(),
        w.now(),
        format!("{{\"messageId\":\"big\",\"p\":\"{padding}\"}}"),
    ));
    let each = big.outbox().bytes();
    assert!(each > 2000);
    assert_eq!(big.room(), (9000 - each) / each);
}
