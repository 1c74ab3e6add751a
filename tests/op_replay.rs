//! Replaying calls as ops (`core::op`): engines that apply the same ops of one
//! stream agree on the profile, the segments and every outgoing event, byte
//! for byte — however the ops are split between tasks and whatever reads run
//! in between. Another stream gives the same profile counts and segments with
//! other ids. Over the demo's four journeys (`tests/vectors/journeys`, the
//! browser e2e steps) and the decisions vector.

use attune::core::engine::{Engine, Platform};
use attune::core::op::{Call, Op, Replayer};
use attune::core::platform::{FakeClock, MemoryStorage};
use attune::core::rules::NativeRegex;
use serde_json::{json, Value};
use std::rc::Rc;

const START: f64 = 1_795_000_000_000.0;
const STREAM: (u64, u64) = (0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210);

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The logs to replay with their configs (collector added so events queue).
fn cases() -> Vec<(String, Value, Vec<Op>)> {
    let demo: Value = serde_json::from_str(&read("www/attune.config.json")).unwrap();
    let decisions: Value =
        serde_json::from_str(&read("tests/vectors/decisions-config.json")).unwrap();
    let mut out = Vec::new();
    let mut logs: Vec<(String, Value)> = ["cart", "store", "watch", "bank"]
        .iter()
        .map(|j| {
            (
                format!("tests/vectors/journeys/{j}.events.jsonl"),
                demo.clone(),
            )
        })
        .collect();
    logs.push(("tests/vectors/decisions-events.jsonl".into(), decisions));
    for (path, mut config) in logs {
        config["collector"] = json!({"url": "http://127.0.0.1:9/v1/batch"});
        config["segmentEvents"] = json!(true);
        let ops: Vec<Op> = read(&path)
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("//"))
            .enumerate()
            .map(|(i, l)| {
                let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: {e}"));
                Op {
                    seq: i as u64 + 1,
                    // Uneven gaps (7 s to 31 min) so session and time rules see real spans.
                    at: START + (i as f64) * 7_000.0 + ((i * i) % 13) as f64 * 150_000.0,
                    call: Call::parse(&v, &format!("{path}:{}", i + 1))
                        .unwrap_or_else(|e| panic!("{e}")),
                }
            })
            .collect();
        assert!(ops.len() >= 3, "{path}: a real log");
        out.push((path, config, ops));
    }
    out
}

struct Replica {
    replayer: Replayer,
    engine: Engine,
}

impl Replica {
    /// Applies each op as a task of its own.
    fn apply_all(&mut self, ops: &[Op], path: &str) {
        for op in ops {
            self.replayer
                .apply(&mut self.engine, op)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
        }
    }

    /// Applies the ops as one task.
    fn task(&mut self, ops: &[Op], path: &str) {
        for r in self.replayer.apply_task(&mut self.engine, ops) {
            r.unwrap_or_else(|e| panic!("{path}: {e}"));
        }
    }
}

fn replica(config: &Value, stream: (u64, u64)) -> Replica {
    let replayer = Replayer::new(stream, Rc::new(FakeClock::new(START - 1_000.0)));
    let platform = Platform {
        clock: replayer.clock(),
        random: replayer.random(),
        storage: Rc::new(MemoryStorage::new()),
        regex: Box::new(NativeRegex),
    };
    let engine = Engine::new(config, platform).unwrap_or_else(|e| panic!("init: {e}"));
    Replica { replayer, engine }
}

/// What must agree: profile, segments, and the outgoing events in order.
fn state(r: &mut Replica) -> (Value, Vec<String>, Vec<Value>) {
    r.engine.settle();
    let profile = serde_json::to_value(r.engine.profile()).unwrap();
    let segments = r.engine.segments().to_vec();
    let (delivery, env) = r.engine.delivery();
    assert!(delivery.persist(&env).is_empty(), "persisted");
    let events = delivery
        .outbox()
        .records()
        .map(|rec| serde_json::from_str(&rec.json).unwrap())
        .collect();
    (profile, segments, events)
}

fn ids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["messageId"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn the_same_ops_in_the_same_tasks_give_the_same_state_and_events() {
    for (path, config, ops) in cases() {
        for per_task in [1, 3, 7] {
            let mut a = replica(&config, STREAM);
            let mut b = replica(&config, STREAM);
            for (t, task) in ops.chunks(per_task).enumerate() {
                a.task(task, &path);
                b.task(task, &path);
                // Reads on one replica only (a page's synchronous reads) do
                // not move its state away from the other's.
                if t % 2 == 0 {
                    let _ = b.engine.segments().to_vec();
                    let _ = serde_json::to_value(b.engine.profile());
                    let _ = b.engine.attributes();
                }
                // Deciding is a call: both apply it.
                if t % 3 == 1 {
                    let decide = Op {
                        seq: 10_000 + t as u64,
                        at: task[0].at,
                        call: Call::Decide { slot: None },
                    };
                    a.replayer
                        .apply(&mut a.engine, &decide)
                        .unwrap_or_else(|e| panic!("{e}"));
                    b.replayer
                        .apply(&mut b.engine, &decide)
                        .unwrap_or_else(|e| panic!("{e}"));
                }
            }
            let (pa, sa, ea) = state(&mut a);
            let (pb, sb, eb) = state(&mut b);
            let at = format!("{path}, {per_task} per task");
            assert!(!ea.is_empty(), "{at}: events were queued");
            assert_eq!(pa, pb, "{at}: profile");
            assert_eq!(sa, sb, "{at}: segments");
            assert_eq!(ea.len(), eb.len(), "{at}: event count");
            for (x, y) in ea.iter().zip(&eb) {
                assert_eq!(x, y, "{at}: event");
            }
            let unique: std::collections::HashSet<_> = ids(&ea).into_iter().collect();
            assert_eq!(unique.len(), ea.len(), "{at}: messageIds are distinct");
        }
    }
}

#[test]
fn deciding_on_one_replica_only_is_not_a_read() {
    // Why `decide` travels as a call: the demo config runs an experiment, and
    // a first decision records the visitor's assignment in the profile.
    let (path, config, ops) = cases().remove(0);
    let mut a = replica(&config, STREAM);
    let mut b = replica(&config, STREAM);
    a.apply_all(&ops, &path);
    b.apply_all(&ops, &path);
    let before = state(&mut b).0;
    let _ = b.engine.decisions();
    let after = state(&mut b).0;
    assert_ne!(
        before["experiments"], after["experiments"],
        "{path}: an assignment was recorded"
    );
    assert_ne!(state(&mut a).0, after, "{path}");
}

#[test]
fn a_single_op_task_is_an_eager_call() {
    for (path, config, ops) in cases() {
        let mut a = replica(&config, STREAM);
        let mut b = replica(&config, STREAM);
        a.apply_all(&ops, &path);
        for op in &ops {
            b.task(std::slice::from_ref(op), &path);
        }
        assert_eq!(state(&mut a), state(&mut b), "{path}");
    }
}

#[test]
fn another_stream_gives_the_same_profile_with_other_ids() {
    for (path, config, ops) in cases() {
        let mut a = replica(&config, STREAM);
        let mut c = replica(&config, (STREAM.0, STREAM.1 ^ 1));
        a.apply_all(&ops, &path);
        c.apply_all(&ops, &path);
        let (pa, sa, ea) = state(&mut a);
        let (pc, sc, ec) = state(&mut c);
        assert_eq!(sa, sc, "{path}: segments do not depend on the stream");
        assert_eq!(pa["events"], pc["events"], "{path}: event counts");
        assert_ne!(
            pa["anonymousId"], pc["anonymousId"],
            "{path}: a new visitor id"
        );
        let (ia, ic) = (ids(&ea), ids(&ec));
        assert_eq!(ia.len(), ic.len(), "{path}");
        assert!(
            ia.iter().all(|id| !ic.contains(id)),
            "{path}: no messageId repeats"
        );
        // Apart from the ids, the events are the same.
        let strip = |evs: &[Value]| -> Vec<Value> {
            evs.iter()
                .map(|e| {
                    let mut e = e.clone();
                    for k in ["messageId", "anonymousId"] {
                        e.as_object_mut().map(|o| o.remove(k));
                    }
                    e["context"].as_object_mut().map(|o| o.remove("sessionId"));
                    e
                })
                .collect()
        };
        let (xa, xc) = (strip(&ea), strip(&ec));
        for (x, y) in xa.iter().zip(&xc) {
            assert_eq!(x["type"], y["type"], "{path}");
            assert_eq!(x["event"], y["event"], "{path}");
            assert_eq!(x["timestamp"], y["timestamp"], "{path}");
        }
    }
}

#[test]
fn a_snapshot_plus_the_later_ops_is_the_whole_replay() {
    // The page replica's catch-up: adopt the worker's profile as of some task,
    // replay only the ops after it, and end where the worker ends.
    for (path, config, ops) in cases() {
        let tasks: Vec<&[Op]> = ops.chunks(2).collect();
        for cut in 1..tasks.len() {
            let mut worker = replica(&config, STREAM);
            let mut page = replica(&config, STREAM);
            for (t, task) in tasks.iter().enumerate() {
                worker.task(task, &path);
                if t >= cut {
                    page.task(task, &path);
                    continue;
                }
                // The page did not fold these (the worker did); it only knows
                // its own location.
                for op in task.iter() {
                    if let Call::Page { page: Some(p), .. }
                    | Call::Track { page: Some(p), .. }
                    | Call::Identify { page: Some(p), .. } = &op.call
                    {
                        page.engine.set_page(p.clone());
                    }
                }
                if t + 1 == cut {
                    let snapshot = worker.engine.profile().to_json();
                    page.engine
                        .adopt_profile(&snapshot)
                        .unwrap_or_else(|e| panic!("{e}"));
                }
            }
            let at = format!("{path}, snapshot after task {cut}");
            let (pw, sw, _) = state(&mut worker);
            let (pp, sp, _) = state(&mut page);
            assert_eq!(pw, pp, "{at}: profile");
            assert_eq!(sw, sp, "{at}: segments");
        }
    }
}

#[test]
fn adopting_a_profile_takes_its_state_and_rejects_garbage() {
    let (path, config, ops) = cases().remove(0);
    let mut worker = replica(&config, STREAM);
    worker.apply_all(&ops, &path);
    let mut fresh = replica(&config, (9, 9));
    let before = state(&mut fresh);
    fresh
        .engine
        .adopt_profile(&worker.engine.profile().to_json())
        .unwrap_or_else(|e| panic!("{e}"));
    let (pw, sw, _) = state(&mut worker);
    let (pf, sf, ef) = state(&mut fresh);
    assert_ne!(before.0, pf, "the profile changed");
    assert_eq!((pw, sw), (pf, sf), "{path}");
    assert_eq!(ef.len(), before.2.len(), "adopting records no event");
    let err = fresh.engine.adopt_profile("{not json").unwrap_err();
    assert_eq!(err.code(), "storage_corrupt");
    assert_eq!(
        state(&mut fresh).0,
        state(&mut worker).0,
        "unchanged after a bad record"
    );
}

#[test]
fn an_adopted_record_of_the_visitor_is_kept_even_when_created_after_its_ops() {
    let (path, config, ops) = cases().remove(0);
    let mut worker = replica(&config, STREAM);
    worker.apply_all(&ops, &path);
    // A worker's record: its ops carry the page's (earlier) times, the record
    // was created when the worker started.
    let mut record: Value = serde_json::from_str(&worker.engine.profile().to_json()).unwrap();
    let updated = record["updatedAt"].as_f64().unwrap();
    record["createdAt"] = json!(updated + 1_000.0);
    record["rev"] = json!(1);
    let mut page = replica(&config, (9, 9));
    page.engine
        .adopt_profile(&record.to_string())
        .unwrap_or_else(|e| panic!("{e}"));
    page.engine.keep_adopted_profile();
    assert!(
        page.engine.persist_profile().is_some(),
        "written for the next page"
    );

    // A record never stored nor changed (right after forget()) stays unwritten.
    let blank = replica(&config, (7, 7)).engine.profile().to_json();
    let mut other = replica(&config, (8, 8));
    other
        .engine
        .adopt_profile(&blank)
        .unwrap_or_else(|e| panic!("{e}"));
    other.engine.keep_adopted_profile();
    assert!(other.engine.persist_profile().is_none());
}

#[test]
fn an_ops_first_event_has_the_streams_first_message_id_whatever_the_engines_state() {
    // Every journey's track, identify and page ops, applied on two engines in
    // different states (one fresh, one that replayed the whole log first):
    // the op's own event has `first_message_id(seq)` in both.
    let mut checked = 0;
    for (path, config, ops) in cases() {
        let mut fresh = replica(&config, STREAM);
        let mut busy = replica(&config, STREAM);
        busy.apply_all(&ops, &path);
        for op in ops.iter().filter(|o| {
            matches!(
                o.call,
                Call::Track { .. } | Call::Identify { .. } | Call::Page { .. }
            )
        }) {
            let expected = fresh.replayer.first_message_id(op.seq);
            for r in [&mut fresh, &mut busy] {
                let count = |r: &mut Replica| {
                    let (_, _, events) = state(r);
                    events
                        .iter()
                        .filter(|e| e["messageId"] == expected.as_str())
                        .count()
                };
                let before = count(r);
                r.replayer
                    .apply(&mut r.engine, op)
                    .unwrap_or_else(|e| panic!("{path}: {e}"));
                assert_eq!(count(r), before + 1, "{path} op {}: {expected}", op.seq);
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} track, identify or page ops");
}

#[test]
fn another_pages_ops_applied_on_its_stream_get_that_pages_ids() {
    // A worker's engine (its own stream) applying a closed page's rescued ops.
    let (path, config, ops) = cases().remove(0);
    let other = (0x1111, 0x2222);
    let mut host = replica(&config, STREAM);
    let rescue = host.replayer.on_stream(other);
    let tracks: Vec<Op> = ops
        .iter()
        .filter(|o| matches!(o.call, Call::Track { .. }))
        .cloned()
        .collect();
    assert!(!tracks.is_empty(), "{path}");
    for r in rescue.apply_task(&mut host.engine, &tracks) {
        r.unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let (_, _, events) = state(&mut host);
    let ids: Vec<&str> = events
        .iter()
        .filter_map(|e| e["messageId"].as_str())
        .collect();
    for op in &tracks {
        let id = rescue.first_message_id(op.seq);
        assert!(ids.contains(&id.as_str()), "{path} op {}: {id}", op.seq);
        assert_ne!(
            id,
            host.replayer.first_message_id(op.seq),
            "not the host stream's"
        );
    }
}
