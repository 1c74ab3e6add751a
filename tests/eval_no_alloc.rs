//! Evaluating compiled conditions with the ordinary operators must not touch
//! the heap: a counting allocator checks it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use attune::core::json::Value;
use attune::core::rules::{CompileMode, Condition, NoRegex, RuleSet};

/// serde_json's `json!`, read back as the core's `Value` (before counting starts).
macro_rules! json {
    ($($t:tt)+) => {
        Value::parse(&serde_json::json!($($t)+).to_string()).unwrap_or_else(|e| panic!("{}", e.text()))
    };
}

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn ordinary_operators_do_not_allocate() {
    let attrs = json!({"id": "u-123", "country": "US", "visits": 5, "tags": ["vip", "beta"],
        "plan": "pro", "device": "mobile", "url": "/products/shoes", "age": 34, "version": "1.2.3-beta",
        "father": {"age": 70}, "n": "8"});
    let conditions = [
        json!({"$and": [{"country": {"$in": ["US", "CA"]}}, {"visits": {"$gt": 3}},
            {"tags": {"$elemMatch": {"$eq": "beta"}}}]}),
        json!({"$or": [{"plan": "free"}, {"$and": [{"visits": {"$gte": 4}}, {"device": {"$in": ["mobile"]}}]}]}),
        json!({"country": {"$nin": ["DE", "FR"]}, "age": {"$gte": 18, "$lt": 65}, "plan": {"$exists": true}}),
        json!({"tags": {"$all": ["vip", "beta"], "$size": 2}, "visits": {"$lte": 7}, "$nor": [{"plan": "x"}]}),
        json!({"father.age": {"$gt": 65, "$ne": 3}, "tags.length": 2, "tags.0": "vip", "$not": {"age": 3}}),
        json!({"version": {"$vgt": "1.2.3-alpha", "$vlt": "1.2.3"}, "n": {"$gt": 5, "$lt": "9"}}),
        json!({"country": {"$eq": "US", "$type": "string"}, "missing": null, "url": {"$regex": "^/products/"}}),
    ];
    // The same conditions as one rule set: after the first pass (which sizes
    // the reused leaf-result buffer), a pass does not allocate, however many
    // conditions it holds (their 13 distinct paths fit the inline table).
    let mut set = RuleSet::new(CompileMode::Lenient);
    for _ in 0..50 {
        for c in &conditions {
            set.push(c, "", &NoRegex).expect("lenient compiles");
        }
    }
    assert_eq!(
        set.count_matching(&attrs, None),
        50 * (conditions.len() - 1)
    );
    let before = allocations();
    let matched = set.count_matching(&attrs, None);
    let used = allocations() - before;
    assert_eq!(used, 0, "a rule set pass allocated {used} times");
    assert_eq!(matched, 50 * (conditions.len() - 1));
    let compiled: Vec<Condition> = conditions
        .iter()
        .map(|c| Condition::lenient(c, &NoRegex))
        .collect();
    let before = allocations();
    let mut passed = 0;
    for c in &compiled {
        passed += usize::from(c.eval(&attrs, None));
    }
    let used = allocations() - before;
    assert_eq!(used, 0, "evaluation allocated {used} times");
    // Every condition above holds except the regex one (NoRegex never matches).
    assert_eq!(passed, compiled.len() - 1);
}
