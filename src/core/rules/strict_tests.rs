//! Strict-mode error paths, and lenient-mode answers to the same odd inputs
//! (what GrowthBook's JavaScript evaluator does with them).

use super::test_json as json;
use crate::core::json::{Map, Value};

use super::{CompileMode, Condition, NoRegex};
use crate::core::error::AttuneError;

const ROOT: &str = "segments.vip.when";

fn strict_err(cond: Value) -> AttuneError {
    match Condition::compile(&cond, ROOT, &NoRegex) {
        Ok(c) => panic!("{} compiled: {c:?}", cond.to_json()),
        Err(e) => e,
    }
}

fn assert_rejected(cond: Value, path: &str, message: &str) {
    let e = strict_err(cond);
    assert_eq!(e.code(), "invalid_config");
    assert_eq!(e.path(), path);
    assert_eq!(e, AttuneError::config(path, message));
}

fn lenient(cond: Value, attrs: Value) -> bool {
    Condition::lenient(&cond, &NoRegex).eval(&attrs, None)
}

#[test]
fn unknown_operator() {
    assert_rejected(
        json!({"$and": [{"plan": "pro"}, {"visits": {"$gtx": 3}}]}),
        "segments.vip.when.$and[1].visits.$gtx",
        "unknown operator",
    );
    // A field-level `$or` is unknown too: it belongs at condition level.
    assert_rejected(
        json!({"plan": {"$or": ["a"]}}),
        "segments.vip.when.plan.$or",
        "unknown operator",
    );
}

#[test]
fn gt_with_an_object() {
    assert_rejected(
        json!({"$and": [{"plan": "pro"}, {"visits": {"$gt": {"n": 1}}}]}),
        "segments.vip.when.$and[1].visits.$gt",
        "expected a number or string",
    );
}

#[test]
fn in_with_a_non_array() {
    assert_rejected(
        json!({"country": {"$in": "US"}}),
        "segments.vip.when.country.$in",
        "expected an array",
    );
    assert_rejected(
        json!({"country": {"$nin": ["US", {"x": 1}]}}),
        "segments.vip.when.country.$nin[1]",
        "expected a string, number, boolean or null",
    );
}

#[test]
fn and_with_a_non_array() {
    assert_rejected(
        json!({"$and": {"plan": "pro"}}),
        "segments.vip.when.$and",
        "expected an array",
    );
    assert_rejected(
        json!({"$or": [{"a": 1}, null]}),
        "segments.vip.when.$or[1]",
        "expected an object",
    );
}

#[test]
fn other_strict_errors() {
    let cases = [
        (json!(null), "segments.vip.when", "expected an object"),
        (
            json!({"$not": 1}),
            "segments.vip.when.$not",
            "expected an object",
        ),
        (
            json!({"$gt": 3}),
            "segments.vip.when.$gt",
            "operator must be applied to an attribute",
        ),
        (
            json!({"a": {"$gt": 1, "b": 2}}),
            "segments.vip.when.a",
            "mixes $operators with plain keys",
        ),
        (
            json!({"a": {"$exists": 1}}),
            "segments.vip.when.a.$exists",
            "expected a boolean",
        ),
        (
            json!({"a": {"$eq": [1]}}),
            "segments.vip.when.a.$eq",
            "expected a string, number, boolean or null",
        ),
        (
            json!({"a": {"$size": "3"}}),
            "segments.vip.when.a.$size",
            "expected a number or an operator object",
        ),
        (
            json!({"a": {"$elemMatch": 3}}),
            "segments.vip.when.a.$elemMatch",
            "expected an object",
        ),
        (
            json!({"a": {"$all": [{"$bad": 1}]}}),
            "segments.vip.when.a.$all[0].$bad",
            "unknown operator",
        ),
        (
            json!({"a": {"$regex": 3}}),
            "segments.vip.when.a.$regex",
            "expected a string",
        ),
        (
            json!({"a": {"$type": "int"}}),
            "segments.vip.when.a.$type",
            "expected one of string, number, boolean, object, array, null",
        ),
        (
            json!({"a": {"$vgt": true}}),
            "segments.vip.when.a.$vgt",
            "expected a version string",
        ),
        (
            json!({"a": {"$inGroup": 3}}),
            "segments.vip.when.a.$inGroup",
            "expected a saved group id",
        ),
    ];
    for (cond, path, message) in cases {
        assert_rejected(cond, path, message);
    }
}

#[cfg(feature = "native-regex")]
#[test]
fn invalid_regex_is_rejected_with_a_real_engine() {
    let cond = json!({"ua": {"$regexi": "(?=x)"}});
    let e = Condition::compile(&cond, ROOT, &super::NativeRegex).err();
    assert_eq!(
        e,
        Some(AttuneError::config(
            "segments.vip.when.ua.$regexi",
            "invalid regular expression"
        ))
    );
    assert!(!Condition::lenient(&cond, &super::NativeRegex).eval(&json!({"ua": "x"}), None));
}

#[test]
fn strict_accepts_attribute_names_starting_with_a_dollar() {
    let cond = json!({"$groups": {"$elemMatch": {"$eq": "a"}}, "$not": {"x": 1}});
    let c = Condition::compile_with_mode(&cond, ROOT, &NoRegex, CompileMode::Strict);
    assert!(c.is_ok_and(|c| c.eval(&json!({"$groups": ["a"]}), None)));
}

#[test]
fn lenient_reproduces_javascript_oddities() {
    // Missing attributes are `null`, and `null + ""` is "null", `null * 1` is 0.
    assert!(lenient(json!({"a": "null"}), json!({})));
    assert!(lenient(json!({"a": 0}), json!({})));
    assert!(lenient(json!({"a": 5}), json!({"a": ["5"]})));
    assert!(lenient(json!({"a": "1,2"}), json!({"a": [1, 2]})));
    // `$eq` is `===`: arrays are never identical.
    assert!(!lenient(json!({"a": {"$eq": [1]}}), json!({"a": [1]})));
    assert!(lenient(json!({"a": {"$ne": [1]}}), json!({"a": [1]})));
    // `$elemMatch` skips only `null` elements (GrowthBook 1.8.0; older SDKs
    // skipped every falsy one).
    assert!(lenient(
        json!({"a": {"$elemMatch": {"$eq": 0}}}),
        json!({"a": [0]})
    ));
    assert!(!lenient(
        json!({"a": {"$elemMatch": {"$exists": false}}}),
        json!({"a": [null]})
    ));
    // Paths step into arrays, and `length` is a property.
    assert!(lenient(
        json!({"a.1": "y", "a.length": 2}),
        json!({"a": ["x", "y"]})
    ));
    // Operands without a `length` act as empty lists; strings as their characters.
    assert!(lenient(json!({"$or": {}}), json!({})));
    assert!(!lenient(json!({"$nor": 5}), json!({})));
    assert!(lenient(json!({"$or": "ab"}), json!({"0": "b"})));
    assert!(!lenient(json!({"$or": "ab"}), json!({"0": "c"})));
    assert!(!lenient(json!({"$and": "ab"}), json!({"0": "a"})));
    // `Object.entries` of a number is empty, so `$not` of it fails.
    assert!(!lenient(json!({"$not": 1}), json!({})));
    // Throwing inputs evaluate to false, even under `$not`.
    assert!(!lenient(json!({"$not": {"$not": null}}), json!({})));
    assert!(!lenient(
        json!({"a": {"$elemMatch": null}}),
        json!({"a": []})
    ));
    assert!(!lenient(
        json!({"a": {"$not": {"$elemMatch": null}}}),
        json!({"a": []})
    ));
    assert!(lenient(
        json!({"a": {"$not": {"$elemMatch": null}}}),
        json!({"a": 1})
    ));
    // `$in` with a non-array is false, and so is `$nin`.
    assert!(!lenient(json!({"a": {"$nin": 1}}), json!({"a": 2})));
    // Comparisons coerce: strings compare as strings unless one side is a number.
    assert!(lenient(json!({"a": {"$lt": "10"}}), json!({"a": "1"})));
    assert!(!lenient(json!({"a": {"$lt": "10"}}), json!({"a": "9"})));
    assert!(lenient(json!({"a": {"$lt": "10"}}), json!({"a": 9})));
    assert!(!lenient(
        json!({"a": {"$lt": 10, "$gte": 10}}),
        json!({"a": "x"})
    ));
    // Version operands that are not strings pad as "0"; numbers are stringified.
    assert!(lenient(json!({"v": {"$veq": 2}}), json!({"v": "2"})));
    assert!(lenient(json!({"v": {"$vlt": "0.0.1"}}), json!({})));
    // `$exists` takes the operand's truthiness.
    assert!(lenient(json!({"a": {"$exists": "no"}}), json!({"a": 1})));
    // `$type` of a missing attribute is "null".
    assert!(lenient(json!({"a": {"$type": "null"}}), json!({})));
}

#[test]
fn in_group_reads_v1_and_v2_groups() {
    let groups = json!({"ids": [1, "2"], "v2": {"type": "list", "attributeKey": "id", "values": ["x"]},
        "text": "abc", "broken": 7, "null": null, "cond": {"type": "condition", "condition": {}}});
    let groups = groups.as_object();
    let eval = |cond: Value, attrs: Value| Condition::lenient(&cond, &NoRegex).eval(&attrs, groups);
    assert!(eval(
        json!({"id": {"$inGroup": "ids"}}),
        json!({"id": [3, "2"]})
    ));
    assert!(!eval(json!({"id": {"$inGroup": "ids"}}), json!({"id": 2})));
    assert!(eval(json!({"id": {"$inGroup": "v2"}}), json!({"id": "x"})));
    assert!(eval(
        json!({"id": {"$notInGroup": "v2"}}),
        json!({"id": "y"})
    ));
    // An unknown id is an empty list; a malformed or condition group matches nobody.
    assert!(eval(
        json!({"id": {"$notInGroup": "unknown"}}),
        json!({"id": 1})
    ));
    for id in ["text", "broken", "null", "cond"] {
        assert!(
            !eval(json!({"id": {"$inGroup": id}}), json!({"id": "a"})),
            "{id}"
        );
        assert!(
            !eval(json!({"id": {"$notInGroup": id}}), json!({"id": "a"})),
            "{id}"
        );
    }
    let no_groups = Condition::lenient(&json!({"id": {"$inGroup": "ids"}}), &NoRegex);
    assert!(!no_groups.eval(&json!({"id": 1}), None));
}

#[test]
fn saved_group_references() {
    let groups = json!({
        "staff": {"type": "list", "attributeKey": "email", "values": ["a@x.io"]},
        "adults": {"type": "condition", "condition": {"age": {"$gte": 18}}},
        "adult_staff": {"type": "condition", "condition": {"$savedGroup": {"id": "staff"}, "age": {"$gte": 18}}},
        "loop": {"type": "condition", "condition": {"$not": {"$savedGroup": {"id": "loop"}}}},
        "bare": ["a@x.io"],
    });
    let groups = groups.as_object();
    let eval = |cond: Value, attrs: Value| Condition::lenient(&cond, &NoRegex).eval(&attrs, groups);
    let user = json!({"email": "a@x.io", "alt": "b@x.io", "age": 30});
    assert!(eval(json!({"$savedGroup": {"id": "staff"}}), user.clone()));
    assert!(!eval(
        json!({"$savedGroup": {"id": "staff", "attributeKey": "alt"}}),
        user.clone()
    ));
    assert!(eval(json!({"$savedGroup": {"id": "adults"}}), user.clone()));
    assert!(!eval(
        json!({"$savedGroup": {"id": "adults"}}),
        json!({"age": 12})
    ));
    assert!(eval(
        json!({"$savedGroup": {"id": "adult_staff"}}),
        user.clone()
    ));
    // A cycle resolves to "not a member": `loop` is `$not` of itself, so true.
    assert!(eval(json!({"$savedGroup": {"id": "loop"}}), user.clone()));
    // Bare arrays, unknown ids and malformed references match nobody.
    for reference in [
        json!({"id": "bare"}),
        json!({"id": "nope"}),
        json!({"id": 1}),
        json!({"id": "staff", "attributeKey": null}),
        json!("staff"),
        json!(null),
    ] {
        assert!(
            !eval(
                Value::Object(Map::from_iter([("$savedGroup", reference.clone())])),
                user.clone()
            ),
            "{}",
            reference.to_json()
        );
    }
    // Strict mode reports malformed references.
    let at = |cond: Value| strict_err(cond).path().to_string();
    assert_eq!(
        at(json!({"$savedGroup": {"id": 1}})),
        "segments.vip.when.$savedGroup.id"
    );
    assert_eq!(
        at(json!({"$savedGroup": {"id": "g", "attributeKey": 2}})),
        "segments.vip.when.$savedGroup.attributeKey"
    );
    assert_eq!(
        at(json!({"$savedGroup": "g"})),
        "segments.vip.when.$savedGroup"
    );
}

#[cfg(feature = "native-regex")]
#[test]
fn condition_groups_use_the_conditions_regex_engine() {
    let groups =
        json!({"mobile": {"type": "condition", "condition": {"ua": {"$regexi": "mobile"}}}});
    let cond = Condition::lenient(
        &json!({"$savedGroup": {"id": "mobile"}}),
        &super::NativeRegex,
    );
    assert!(cond.eval(&json!({"ua": "Android Mobile"}), groups.as_object()));
    assert!(!cond.eval(&json!({"ua": "Desktop"}), groups.as_object()));
}

#[test]
fn regex_coerces_the_attribute_to_a_string() {
    #[cfg(feature = "native-regex")]
    {
        let c = Condition::lenient(&json!({"a": {"$regex": "^nu"}}), &super::NativeRegex);
        assert!(c.eval(&json!({}), None));
        let c = Condition::lenient(&json!({"a": {"$regex": "^1\\.5$"}}), &super::NativeRegex);
        assert!(c.eval(&json!({"a": 1.5}), None));
    }
    let c = Condition::lenient(&json!({"a": {"$regex": "x"}}), &NoRegex);
    assert!(!c.eval(&json!({"a": "x"}), None));
}
