//! Engine calls as data.
//!
//! A [`Call`] is one state-changing SDK call in the JSON-object form the CLI's
//! `simulate`, the journey vectors and the web layer's call queue use
//! (`{"type":"track","event":…}`, other keys ignored): [`Call::parse`] reads
//! one, [`Call::apply`] makes it on an engine.

use crate::core::engine::Engine;
use crate::core::error::{AttuneError, Result};
use crate::core::event::PageContext;
use crate::core::json::{Map, Value};
use crate::core::text::cat;

/// One state-changing call. `page`, when present, sets the page context first
/// (as a navigation would) for `page`, `track` and `identify`.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// `page(name?, properties?)`.
    Page {
        /// The page's name.
        name: Option<String>,
        /// Extra properties.
        properties: Option<Map>,
        /// The new page context.
        page: Option<PageContext>,
    },
    /// `track(event, properties?)`.
    Track {
        /// The event name.
        event: String,
        /// Its properties.
        properties: Option<Map>,
        /// A page context to set first.
        page: Option<PageContext>,
    },
    /// `identify(userId?, traits?)`.
    Identify {
        /// The user id.
        user_id: Option<String>,
        /// Traits to merge.
        traits: Option<Map>,
        /// A page context to set first.
        page: Option<PageContext>,
    },
    /// `group(groupId, traits?)`.
    Group {
        /// The group id.
        group_id: String,
        /// Group traits.
        traits: Option<Map>,
    },
    /// `alias(userId, previousId?)`.
    Alias {
        /// The new id.
        user_id: String,
        /// The id it replaces (default: the current one).
        previous_id: Option<String>,
    },
    /// An impression of what `slot` shows: `variant`, or its current decision.
    Viewed {
        /// The slot.
        slot: String,
        /// The variant the page really shows (a slot stays pinned to what the
        /// visitor saw); absent: the current decision's.
        variant: Option<String>,
    },
    /// A click on what `slot` shows: `variant`, or its current decision.
    Clicked {
        /// The slot.
        slot: String,
        /// As for [`Call::Viewed`].
        variant: Option<String>,
    },
    /// Deciding what `slot` shows (every slot without one). Not a pure read:
    /// a first decision records the visitor's experiment assignment (sticky
    /// bucketing).
    Decide {
        /// The slot.
        slot: Option<String>,
    },
    /// `consent(changes)`.
    Consent {
        /// Category → granted.
        changes: Map,
    },
    /// A server profile (the collector's profile endpoint answer) to apply.
    Seed {
        /// The answer (`null` when absent).
        response: Value,
    },
    /// `reset()`: a new anonymous visitor.
    Reset,
}

/// The call types, as `type` names them.
const TYPES: &str =
    "`page`, `track`, `identify`, `group`, `alias`, `viewed`, `clicked`, `decide`, `consent`, `seed`, `reset`";

impl Call {
    /// Parses one call: a JSON object whose `type` names the call, with the
    /// call's fields beside it (camelCase, as the JS API names them):
    ///
    /// | `type`     | fields                                                          |
    /// |------------|-----------------------------------------------------------------|
    /// | `page`     | `name?`: string, `properties?`: object, `page?`: page context   |
    /// | `track`    | `event`: string, `properties?`: object, `page?`: page context   |
    /// | `identify` | `userId?`: string, `traits?`: object, `page?`: page context     |
    /// | `group`    | `groupId`: string, `traits?`: object                            |
    /// | `alias`    | `userId`: string, `previousId?`: string                         |
    /// | `viewed`   | `slot`: string, `variant?`: string (what the page shows)        |
    /// | `clicked`  | `slot`: string, `variant?`: string                              |
    /// | `decide`   | `slot?`: string (absent: every slot)                            |
    /// | `consent`  | `changes`: object of category → boolean                         |
    /// | `seed`     | `response?`: any (the profile endpoint's answer)                |
    /// | `reset`    | —                                                               |
    ///
    /// A page context is `{path?, referrer?, search?, title?, url?}`, each a
    /// string (`""` when absent). An optional field may be `null` (= absent);
    /// a required one may not. Every other key is ignored: the web layer's
    /// queued line `{"type":"track","at":1767225600000,"event":"Added",
    /// "properties":{"sku":"A1"}}` parses as the `track` call, its `at`
    /// (when the call was made, read by the caller) left to the caller, as
    /// the CLI's `at` and the vectors' `step` are.
    ///
    /// Errors are [`ErrorKind::Input`](crate::core::ErrorKind::Input) at `path`; the message names the
    /// field: ``missing field `event` ``, `event: expected a string`,
    /// `page.url: expected a string`, ``unknown variant `fly`, expected one
    /// of `page`, …``.
    pub fn parse(value: &Value, path: &str) -> Result<Call> {
        let bad = |message: String| AttuneError::input(path, message);
        let Value::Object(m) = value else {
            return Err(bad("expected an object".to_string()));
        };
        let kind = match m.get("type") {
            Some(Value::String(s)) => s.as_str(),
            None => return Err(bad("missing field `type`".to_string())),
            Some(_) => return Err(bad("type: expected a string".to_string())),
        };
        let call = match kind {
            "page" => Call::Page {
                name: opt_string(m, "name", path)?,
                properties: opt_object(m, "properties", path)?,
                page: opt_page(m, path)?,
            },
            "track" => Call::Track {
                event: string(m, "event", path)?,
                properties: opt_object(m, "properties", path)?,
                page: opt_page(m, path)?,
            },
            "identify" => Call::Identify {
                user_id: opt_string(m, "userId", path)?,
                traits: opt_object(m, "traits", path)?,
                page: opt_page(m, path)?,
            },
            "group" => Call::Group {
                group_id: string(m, "groupId", path)?,
                traits: opt_object(m, "traits", path)?,
            },
            "alias" => Call::Alias {
                user_id: string(m, "userId", path)?,
                previous_id: opt_string(m, "previousId", path)?,
            },
            "viewed" => Call::Viewed {
                slot: string(m, "slot", path)?,
                variant: opt_string(m, "variant", path)?,
            },
            "clicked" => Call::Clicked {
                slot: string(m, "slot", path)?,
                variant: opt_string(m, "variant", path)?,
            },
            "decide" => Call::Decide {
                slot: opt_string(m, "slot", path)?,
            },
            "consent" => Call::Consent {
                changes: match m.get("changes") {
                    Some(Value::Object(o)) => o.clone(),
                    None => return Err(bad("missing field `changes`".to_string())),
                    Some(_) => return Err(bad("changes: expected an object".to_string())),
                },
            },
            "seed" => Call::Seed {
                response: m.get("response").cloned().unwrap_or(Value::Null),
            },
            "reset" => Call::Reset,
            other => {
                return Err(bad(cat!(
                    "unknown variant `",
                    other,
                    "`, expected one of ",
                    TYPES
                )))
            }
        };
        Ok(call)
    }

    /// Applies the call to `engine`. Returns `false` only for an impression or
    /// click that recorded nothing (the slot showed its default markup).
    pub fn apply(&self, engine: &mut Engine) -> Result<bool> {
        match self {
            Call::Page {
                name,
                properties,
                page,
            } => {
                set_page(engine, page);
                engine.page(name.clone(), properties.clone())?;
            }
            Call::Track {
                event,
                properties,
                page,
            } => {
                set_page(engine, page);
                engine.track(event, properties.clone())?;
            }
            Call::Identify {
                user_id,
                traits,
                page,
            } => {
                set_page(engine, page);
                engine.identify(user_id.clone(), traits.clone())?;
            }
            Call::Group { group_id, traits } => engine.group(group_id, traits.clone())?,
            Call::Alias {
                user_id,
                previous_id,
            } => engine.alias(user_id, previous_id.clone())?,
            Call::Viewed { slot, variant } => {
                return engine.exposure(slot, variant.as_deref(), false)
            }
            Call::Clicked { slot, variant } => {
                return engine.exposure(slot, variant.as_deref(), true)
            }
            Call::Decide { slot: Some(slot) } => {
                engine.decide(slot);
            }
            Call::Decide { slot: None } => {
                engine.decisions();
            }
            Call::Consent { changes } => {
                engine.consent(changes)?;
            }
            Call::Seed { response } => engine.apply_seed(response)?,
            Call::Reset => engine.reset(),
        }
        Ok(true)
    }
}

fn set_page(engine: &mut Engine, page: &Option<PageContext>) {
    if let Some(p) = page {
        engine.set_page(p.clone());
    }
}

/// A required string field.
fn string(m: &Map, key: &str, path: &str) -> Result<String> {
    match m.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        None => Err(AttuneError::input(path, cat!("missing field `", key, "`"))),
        Some(_) => Err(AttuneError::input(path, cat!(key, ": expected a string"))),
    }
}

/// An optional string field (`null` = absent).
fn opt_string(m: &Map, key: &str, path: &str) -> Result<Option<String>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(AttuneError::input(path, cat!(key, ": expected a string"))),
    }
}

/// An optional object field (`null` = absent).
fn opt_object(m: &Map, key: &str, path: &str) -> Result<Option<Map>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o.clone())),
        Some(_) => Err(AttuneError::input(path, cat!(key, ": expected an object"))),
    }
}

/// The optional `page` context ([`PageContext::from_value`]: `{path?,
/// referrer?, search?, title?, url?}`, each a string, `""` when missing).
fn opt_page(m: &Map, path: &str) -> Result<Option<PageContext>> {
    match m.get("page") {
        None | Some(Value::Null) => Ok(None),
        Some(p) => match PageContext::from_value(p) {
            Ok(page) => Ok(Some(page)),
            Err(message) => Err(AttuneError::input(path, message)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Call> {
        Call::parse(&Value::parse(line).expect("json"), "call")
    }

    fn obj(line: &str) -> Map {
        match Value::parse(line).expect("json") {
            Value::Object(m) => m,
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn calls_parse_from_the_simulate_form() {
        let cases = [
            (
                r#"{"type":"track","event":"Added","properties":{"sku":"A1"},"step":"x"}"#,
                Call::Track {
                    event: "Added".into(),
                    properties: Some(obj(r#"{"sku":"A1"}"#)),
                    page: None,
                },
            ),
            (
                r#"{"type":"track","at":1767225600000,"event":"Added","properties":null}"#,
                Call::Track {
                    event: "Added".into(),
                    properties: None,
                    page: None,
                },
            ),
            (
                r#"{"type":"page","name":"Home","page":{"path":"/","url":"https://a.example/"}}"#,
                Call::Page {
                    name: Some("Home".into()),
                    properties: None,
                    page: Some(PageContext {
                        path: "/".into(),
                        url: "https://a.example/".into(),
                        ..PageContext::default()
                    }),
                },
            ),
            (
                r#"{"type":"identify","userId":"u1","traits":{"plan":"gold"}}"#,
                Call::Identify {
                    user_id: Some("u1".into()),
                    traits: Some(obj(r#"{"plan":"gold"}"#)),
                    page: None,
                },
            ),
            (
                r#"{"type":"group","groupId":"g1"}"#,
                Call::Group {
                    group_id: "g1".into(),
                    traits: None,
                },
            ),
            (
                r#"{"type":"alias","userId":"u2","previousId":"u1"}"#,
                Call::Alias {
                    user_id: "u2".into(),
                    previous_id: Some("u1".into()),
                },
            ),
            (
                r#"{"type":"viewed","slot":"hero"}"#,
                Call::Viewed {
                    slot: "hero".into(),
                    variant: None,
                },
            ),
            (
                r#"{"type":"clicked","slot":"hero","variant":"a"}"#,
                Call::Clicked {
                    slot: "hero".into(),
                    variant: Some("a".into()),
                },
            ),
            (
                r#"{"type":"consent","changes":{"marketing":true}}"#,
                Call::Consent {
                    changes: obj(r#"{"marketing":true}"#),
                },
            ),
            (
                r#"{"type":"decide","slot":"hero"}"#,
                Call::Decide {
                    slot: Some("hero".into()),
                },
            ),
            (r#"{"type":"decide"}"#, Call::Decide { slot: None }),
            (
                r#"{"type":"seed","response":{"traits":{"a":1}}}"#,
                Call::Seed {
                    response: Value::parse(r#"{"traits":{"a":1}}"#).expect("json"),
                },
            ),
            (
                r#"{"type":"seed"}"#,
                Call::Seed {
                    response: Value::Null,
                },
            ),
            (r#"{"type":"reset","x":1}"#, Call::Reset),
        ];
        for (line, want) in cases {
            assert_eq!(parse(line), Ok(want), "{line}");
        }
    }

    #[test]
    fn bad_calls_are_input_errors_at_the_path_naming_the_field() {
        let v = Value::parse(r#"{"type":"track"}"#).expect("json");
        let err = Call::parse(&v, "ops[3]").unwrap_err();
        assert_eq!((err.code(), err.path()), ("invalid_input", "ops[3]"));
        assert_eq!(err.to_string(), "ops[3]: missing field `event`");
        let msg = |line: &str| parse(line).map_err(|e| e.to_string()).err();
        assert_eq!(
            msg(r#"{"type":"fly"}"#).as_deref(),
            Some(
                "call: unknown variant `fly`, expected one of `page`, `track`, `identify`, \
                 `group`, `alias`, `viewed`, `clicked`, `decide`, `consent`, `seed`, `reset`"
            )
        );
        assert_eq!(msg(r#"[]"#).as_deref(), Some("call: expected an object"));
        assert_eq!(
            msg(r#"{"event":"x"}"#).as_deref(),
            Some("call: missing field `type`")
        );
        assert_eq!(
            msg(r#"{"type":3}"#).as_deref(),
            Some("call: type: expected a string")
        );
        assert_eq!(
            msg(r#"{"type":"track","event":3}"#).as_deref(),
            Some("call: event: expected a string")
        );
        assert_eq!(
            msg(r#"{"type":"track","event":null}"#).as_deref(),
            Some("call: event: expected a string")
        );
        assert_eq!(
            msg(r#"{"type":"identify","traits":[1]}"#).as_deref(),
            Some("call: traits: expected an object")
        );
        assert_eq!(
            msg(r#"{"type":"consent"}"#).as_deref(),
            Some("call: missing field `changes`")
        );
        assert_eq!(
            msg(r#"{"type":"consent","changes":null}"#).as_deref(),
            Some("call: changes: expected an object")
        );
        assert_eq!(
            msg(r#"{"type":"page","page":{"path":1}}"#).as_deref(),
            Some("call: page.path: expected a string")
        );
        assert_eq!(
            msg(r#"{"type":"page","page":"/"}"#).as_deref(),
            Some("call: page: expected an object")
        );
        assert_eq!(
            msg(r#"{"type":"alias","userId":"u","previousId":false}"#).as_deref(),
            Some("call: previousId: expected a string")
        );
    }
}
