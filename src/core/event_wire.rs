//! The wire form of an event, built without re-serializing its context.
//!
//! Every event of a page view carries the same `context` (page, library,
//! campaign, locale, user agent, screen, …). [`SharedContext`] holds it once,
//! behind an `Rc` that events share, together with its JSON; an event whose
//! context is that very `Rc` is written by splicing the ready JSON in
//! ([`SharedContext::event_json`]) — the same bytes `serde_json::to_string`
//! of the whole [`Event`] gives, at a fraction of the cost in a burst.

use crate::core::event::{Context, Event, EventType};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::rc::Rc;

/// The context every event of the current page view shares, and its JSON.
#[derive(Debug, Clone)]
pub struct SharedContext {
    context: Rc<Context>,
    /// `None` only if the context could not be serialized (then events are
    /// serialized whole, which reports the error).
    json: Option<Box<RawValue>>,
}

impl Default for SharedContext {
    fn default() -> Self {
        SharedContext::new(Context::default())
    }
}

impl SharedContext {
    /// Wraps `context` and serializes it once.
    pub fn new(context: Context) -> Self {
        let json = serde_json::value::to_raw_value(&context).ok();
        SharedContext {
            context: Rc::new(context),
            json,
        }
    }

    /// The shared context, for a new event (a reference count, not a copy).
    pub fn handle(&self) -> Rc<Context> {
        self.context.clone()
    }

    /// `serde_json::to_string(event)`, with the context's JSON spliced in when
    /// the event carries this shared context (else serialized as usual).
    pub fn event_json(&self, event: &Event) -> serde_json::Result<String> {
        let json = match &self.json {
            Some(json) if Rc::ptr_eq(&event.context, &self.context) => json,
            _ => return serde_json::to_string(event),
        };
        let wire = Wire {
            kind: event.kind,
            message_id: &event.message_id,
            anonymous_id: &event.anonymous_id,
            user_id: event.user_id.as_deref(),
            timestamp: &event.timestamp,
            event: event.event.as_deref(),
            name: event.name.as_deref(),
            properties: event.properties.as_ref(),
            traits: event.traits.as_ref(),
            group_id: event.group_id.as_deref(),
            previous_id: event.previous_id.as_deref(),
            context: json,
        };
        serde_json::to_string(&wire)
    }
}

/// [`Event`]'s fields, borrowed, in the same order and with the same names, so
/// the output is byte-for-byte what the derived `Serialize` of `Event` writes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    #[serde(rename = "type")]
    kind: EventType,
    message_id: &'a str,
    anonymous_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
    timestamp: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<&'a Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    traits: Option<&'a Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_id: Option<&'a str>,
    context: &'a RawValue,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event::PageContext;
    use serde_json::json;

    fn context() -> Context {
        let mut extra = Map::new();
        extra.insert("consent".into(), json!({"analytics": true}));
        Context {
            page: Some(PageContext {
                path: "/p".into(),
                referrer: "https://r.example/\"q\"".into(),
                search: "?utm_source=x".into(),
                title: "Tïtle \u{1F600}".into(),
                url: "https://s.example/p?utm_source=x".into(),
            }),
            campaign: json!({"source": "x"}).as_object().cloned(),
            locale: Some("fr-FR".into()),
            timezone: None,
            user_agent: Some("UA/1.0".into()),
            screen: Some(json!({"width": 390, "height": 844, "density": 3})),
            extra,
            ..Context::default()
        }
    }

    fn event(ctx: Rc<Context>, kind: EventType) -> Event {
        Event {
            kind,
            message_id: "m-1".into(),
            anonymous_id: "a-1".into(),
            user_id: (kind != EventType::Track).then(|| "u\n1".into()),
            timestamp: "2026-12-01T10:00:00.000Z".into(),
            event: (kind == EventType::Track).then(|| "Order \"Completed\"".into()),
            name: (kind == EventType::Page).then(|| "Home".into()),
            properties: json!({"sku": "A1", "price": 10.5, "tags": ["a", null]})
                .as_object()
                .cloned(),
            traits: (kind == EventType::Identify)
                .then(|| json!({"plan": "pro"}).as_object().cloned())
                .flatten(),
            group_id: (kind == EventType::Group).then(|| "g".into()),
            previous_id: (kind == EventType::Alias).then(|| "p".into()),
            context: ctx,
        }
    }

    #[test]
    fn spliced_json_is_byte_for_byte_the_derived_one() {
        let shared = SharedContext::new(context());
        for kind in [
            EventType::Track,
            EventType::Page,
            EventType::Identify,
            EventType::Group,
            EventType::Alias,
        ] {
            let e = event(shared.handle(), kind);
            let fast = shared.event_json(&e).unwrap();
            assert_eq!(fast, serde_json::to_string(&e).unwrap(), "{kind:?}");
        }
    }

    #[test]
    fn a_foreign_context_is_serialized_normally() {
        let shared = SharedContext::new(context());
        let mut other = context();
        other.locale = Some("de-DE".into());
        let e = event(Rc::new(other), EventType::Track);
        let json = shared.event_json(&e).unwrap();
        assert_eq!(json, serde_json::to_string(&e).unwrap());
        assert!(json.contains("de-DE"));
    }

    #[test]
    fn default_context_serializes_the_library() {
        let shared = SharedContext::default();
        let e = event(shared.handle(), EventType::Track);
        let v: Value = serde_json::from_str(&shared.event_json(&e).unwrap()).unwrap();
        assert_eq!(v["context"]["library"]["name"], "attune");
    }
}
