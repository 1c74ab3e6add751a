//! The engine's delivery gate (where consent plugs in): events refused by
//! `store` are neither stored nor sent; `send` holds stored events back.

use attune::core::delivery::Mode;
use attune::core::delivery_policy::Gate;
use attune::core::engine::{Engine, Platform};
use attune::core::platform::{FakeClock, MemoryStorage, SeededRandom, Storage};
use attune::core::rules::NoRegex;
use serde_json::json;
use std::rc::Rc;

fn platform(storage: Rc<MemoryStorage>) -> Platform {
    Platform {
        clock: Rc::new(FakeClock::new(1_795_000_000_000.0)),
        random: Rc::new(SeededRandom::new(3)),
        storage,
        regex: Box::new(NoRegex),
    }
}

fn engine(storage: Rc<MemoryStorage>) -> Engine {
    Engine::new(
        &json!({"collector": {"url": "/v1/batch"}}),
        platform(storage),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn outbox_keys(s: &MemoryStorage) -> usize {
    s.keys()
        .unwrap_or_default()
        .iter()
        .filter(|k| k.starts_with("attune:ob:"))
        .count()
}

#[test]
fn store_gate_keeps_events_out_of_the_outbox() {
    let storage = Rc::new(MemoryStorage::new());
    let mut e = engine(storage.clone());
    e.set_delivery_gate(Gate {
        store: false,
        send: false,
    });
    assert!(e.track("Denied", None).is_ok());
    assert!(
        e.profile().events.contains_key("Denied"),
        "the profile still counts it"
    );
    let (d, env) = e.delivery();
    assert!(d.persist(&env).is_empty());
    assert_eq!((e.queued(), outbox_keys(&storage)), (0, 0));
}

#[test]
fn send_gate_holds_stored_events_until_opened() {
    let storage = Rc::new(MemoryStorage::new());
    let mut e = engine(storage.clone());
    e.set_delivery_gate(Gate {
        store: true,
        send: false,
    });
    assert!(e.track("Held", None).is_ok());
    let (d, env) = e.delivery();
    assert!(d.persist(&env).is_empty());
    assert!(d.next_job(&env, Mode::Forced).is_none());
    assert_eq!(outbox_keys(&storage), 1);
    e.set_delivery_gate(Gate::OPEN);
    assert_eq!(e.delivery_gate(), Gate::OPEN);
    let (d, env) = e.delivery();
    let job = d
        .next_job(&env, Mode::Forced)
        .unwrap_or_else(|| panic!("sent once open"));
    assert_eq!(job.ids.len(), 1);
}

#[test]
fn a_consent_grant_does_not_widen_the_hosts_gate() {
    // Worker mode's page replica: its events are stored by the worker, never
    // by the page, even once an opt-in visitor grants analytics.
    let storage = Rc::new(MemoryStorage::new());
    let cfg =
        json!({"collector": {"url": "https://c.example/v1/batch"}, "consent": {"mode": "opt-in"}});
    let mut e = Engine::new(&cfg, platform(storage.clone())).unwrap_or_else(|e| panic!("{e}"));
    e.set_delivery_gate(Gate {
        store: false,
        send: true,
    });
    assert!(e.track("Before Grant", None).is_ok());
    let mut grant = serde_json::Map::new();
    grant.insert("analytics".into(), json!(true));
    assert!(e.consent(&grant).is_ok());
    assert_eq!(
        e.delivery_gate(),
        Gate {
            store: false,
            send: true
        }
    );
    assert!(e.track("After Grant", None).is_ok());
    let (d, env) = e.delivery();
    assert!(d.persist(&env).is_empty());
    assert_eq!((e.queued(), outbox_keys(&storage)), (0, 0));
    e.set_delivery_gate(Gate::OPEN);
    assert_eq!(e.delivery_gate(), Gate::OPEN, "consent granted, host open");
}
