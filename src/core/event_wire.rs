//! The wire form of an event, built without re-serializing its context.
//!
//! Every event of a page view carries the same `context` (page, library,
//! campaign, locale, user agent, screen, …). [`SharedContext`] holds it once,
//! behind an `Rc` that events share, together with its JSON; an event whose
//! context is that very `Rc` is written by splicing the ready JSON in
//! ([`SharedContext::event_json`]) — the same bytes [`Event::to_json`] of the
//! whole event gives, at a fraction of the cost in a burst.

use crate::core::event::{Context, Event};
use std::rc::Rc;

/// The context every event of the current page view shares, and its JSON.
#[derive(Debug, Clone)]
pub struct SharedContext {
    context: Rc<Context>,
    /// [`Context::to_json`] of `context`.
    json: String,
}

impl Default for SharedContext {
    fn default() -> Self {
        SharedContext::new(Context::default())
    }
}

impl SharedContext {
    /// Wraps `context` and serializes it once.
    pub fn new(context: Context) -> Self {
        let json = context.to_json();
        SharedContext {
            context: Rc::new(context),
            json,
        }
    }

    /// The shared context, for a new event (a reference count, not a copy).
    pub fn handle(&self) -> Rc<Context> {
        self.context.clone()
    }

    /// [`Event::to_json`], with the context's JSON spliced in when the event
    /// carries this shared context (else serialized as usual).
    pub fn event_json(&self, event: &Event) -> String {
        if !Rc::ptr_eq(&event.context, &self.context) {
            return event.to_json();
        }
        let mut out = String::with_capacity(self.json.len() + 256);
        event.write_json_head(&mut out);
        out.push_str(&self.json);
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cat;
    use crate::core::event::{EventType, PageContext, LIBRARY_VERSION};
    use crate::core::json::{Map, Value};

    /// `serde_json::json!` as a core [`Value`].
    macro_rules! json {
        ($($t:tt)+) => {
            Value::parse(&serde_json::json!($($t)+).to_string()).expect("json")
        };
    }

    fn context() -> Context {
        let mut extra = Map::new();
        extra.insert("consent", json!({"analytics": true}));
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

    /// What `serde_json::to_string` / `to_value` of these events gave before
    /// the port (the collectors' wire format), for Track, Page, Identify,
    /// Group, Alias; then a Track with a default context.
    const WIRE: [&str; 6] = [
        r#"{"type":"track","messageId":"m-1","anonymousId":"a-1","timestamp":"2026-12-01T10:00:00.000Z","event":"Order \"Completed\"","properties":{"price":10.5,"sku":"A1","tags":["a",null]},"context":{"page":{"path":"/p","referrer":"https://r.example/\"q\"","search":"?utm_source=x","title":"Tïtle 😀","url":"https://s.example/p?utm_source=x"},"library":{"name":"attune","version":"0.1.0"},"campaign":{"source":"x"},"locale":"fr-FR","userAgent":"UA/1.0","screen":{"density":3,"height":844,"width":390},"consent":{"analytics":true}}}"#,
        r#"{"type":"page","messageId":"m-1","anonymousId":"a-1","userId":"u\n1","timestamp":"2026-12-01T10:00:00.000Z","name":"Home","properties":{"price":10.5,"sku":"A1","tags":["a",null]},"context":{"page":{"path":"/p","referrer":"https://r.example/\"q\"","search":"?utm_source=x","title":"Tïtle 😀","url":"https://s.example/p?utm_source=x"},"library":{"name":"attune","version":"0.1.0"},"campaign":{"source":"x"},"locale":"fr-FR","userAgent":"UA/1.0","screen":{"density":3,"height":844,"width":390},"consent":{"analytics":true}}}"#,
        r#"{"type":"identify","messageId":"m-1","anonymousId":"a-1","userId":"u\n1","timestamp":"2026-12-01T10:00:00.000Z","properties":{"price":10.5,"sku":"A1","tags":["a",null]},"traits":{"plan":"pro"},"context":{"page":{"path":"/p","referrer":"https://r.example/\"q\"","search":"?utm_source=x","title":"Tïtle 😀","url":"https://s.example/p?utm_source=x"},"library":{"name":"attune","version":"0.1.0"},"campaign":{"source":"x"},"locale":"fr-FR","userAgent":"UA/1.0","screen":{"density":3,"height":844,"width":390},"consent":{"analytics":true}}}"#,
        r#"{"type":"group","messageId":"m-1","anonymousId":"a-1","userId":"u\n1","timestamp":"2026-12-01T10:00:00.000Z","properties":{"price":10.5,"sku":"A1","tags":["a",null]},"groupId":"g","context":{"page":{"path":"/p","referrer":"https://r.example/\"q\"","search":"?utm_source=x","title":"Tïtle 😀","url":"https://s.example/p?utm_source=x"},"library":{"name":"attune","version":"0.1.0"},"campaign":{"source":"x"},"locale":"fr-FR","userAgent":"UA/1.0","screen":{"density":3,"height":844,"width":390},"consent":{"analytics":true}}}"#,
        r#"{"type":"alias","messageId":"m-1","anonymousId":"a-1","userId":"u\n1","timestamp":"2026-12-01T10:00:00.000Z","properties":{"price":10.5,"sku":"A1","tags":["a",null]},"previousId":"p","context":{"page":{"path":"/p","referrer":"https://r.example/\"q\"","search":"?utm_source=x","title":"Tïtle 😀","url":"https://s.example/p?utm_source=x"},"library":{"name":"attune","version":"0.1.0"},"campaign":{"source":"x"},"locale":"fr-FR","userAgent":"UA/1.0","screen":{"density":3,"height":844,"width":390},"consent":{"analytics":true}}}"#,
        r#"{"type":"track","messageId":"m-1","anonymousId":"a-1","timestamp":"2026-12-01T10:00:00.000Z","event":"Order \"Completed\"","properties":{"price":10.5,"sku":"A1","tags":["a",null]},"context":{"library":{"name":"attune","version":"0.1.0"}}}"#,
    ];
    const VALUES: [&str; 5] = [
        r#"{"anonymousId":"a-1","context":{"campaign":{"source":"x"},"consent":{"analytics":true},"library":{"name":"attune","version":"0.1.0"},"locale":"fr-FR","page":{"path":"/p","referrer":"https://r.example/\"q\"","search":"?utm_source=x","title":"Tïtle 😀","url":"https://s.example/p?utm_source=x"},"screen":{"density":3,"height":844,"width":390},"userAgent":"UA/1.0"},"event":"Order \"Completed\"","messageId":"m-1","properties":{"price":10.5,"sku":"A1","tags":["a",null]},"timestamp":"2026-12-01T10:00:00.000Z","type":"track"}"#,
        r#"{"anonymousId":"a-1","context":{"campaign":{"source":"x"},"consent":{"analytics":true},"library":{"name":"attune","version":"0.1.0"},"locale":"fr-FR","page":{"path":"/p","referrer":"https://r.example/\"q\"","search":"?utm_source=x","title":"Tïtle 😀","url":"https://s.example/p?utm_source=x"},"screen":{"density":3,"height":844,"width":390},"userAgent":"UA/1.0"},"messageId":"m-1","name":"Home","properties":{"price":10.5,"sku":"A1","tags":["a",null]},"timestamp":"2026-12-01T10:00:00.000Z","type":"page","userId":"u\n1"}"#,
        r#"{"anonymousId":"a-1","context":{"campaign":{"source":"x"},"consent":{"analytics":true},"library":{"name":"attune","version":"0.1.0"},"locale":"fr-FR","page":{"path":"/p","referrer":"https://r.example/\"q\"","search":"?utm_source=x","title":"Tïtle 😀","url":"https://s.example/p?utm_source=x"},"screen":{"density":3,"height":844,"width":390},"userAgent":"UA/1.0"},"messageId":"m-1","properties":{"price":10.5,"sku":"A1","tags":["a",null]},"timestamp":"2026-12-01T10:00:00.000Z","traits":{"plan":"pro"},"type":"identify","userId":"u\n1"}"#,
        r#"{"anonymousId":"a-1","context":{"campaign":{"source":"x"},"consent":{"analytics":true},"library":{"name":"attune","version":"0.1.0"},"locale":"fr-FR","page":{"path":"/p","referrer":"https://r.example/\"q\"","search":"?utm_source=x","title":"Tïtle 😀","url":"https://s.example/p?utm_source=x"},"screen":{"density":3,"height":844,"width":390},"userAgent":"UA/1.0"},"groupId":"g","messageId":"m-1","properties":{"price":10.5,"sku":"A1","tags":["a",null]},"timestamp":"2026-12-01T10:00:00.000Z","type":"group","userId":"u\n1"}"#,
        r#"{"anonymousId":"a-1","context":{"campaign":{"source":"x"},"consent":{"analytics":true},"library":{"name":"attune","version":"0.1.0"},"locale":"fr-FR","page":{"path":"/p","referrer":"https://r.example/\"q\"","search":"?utm_source=x","title":"Tïtle 😀","url":"https://s.example/p?utm_source=x"},"screen":{"density":3,"height":844,"width":390},"userAgent":"UA/1.0"},"messageId":"m-1","previousId":"p","properties":{"price":10.5,"sku":"A1","tags":["a",null]},"timestamp":"2026-12-01T10:00:00.000Z","type":"alias","userId":"u\n1"}"#,
    ];

    #[test]
    fn the_wire_format_is_unchanged() {
        let now = |s: &str| s.replace("\"0.1.0\"", &cat!("\"", LIBRARY_VERSION, "\""));
        let shared = SharedContext::new(context());
        for (i, kind) in KINDS.into_iter().enumerate() {
            let e = event(shared.handle(), kind);
            assert_eq!(shared.event_json(&e), now(WIRE[i]), "{kind:?}");
            assert_eq!(e.to_value().to_json(), now(VALUES[i]), "{kind:?}");
        }
        let e = event(Rc::new(Context::default()), EventType::Track);
        assert_eq!(e.to_json(), now(WIRE[5]));
    }

    const KINDS: [EventType; 5] = [
        EventType::Track,
        EventType::Page,
        EventType::Identify,
        EventType::Group,
        EventType::Alias,
    ];

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
            let fast = shared.event_json(&e);
            assert_eq!(fast, e.to_json(), "{kind:?}");
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&fast).ok(),
                serde_json::from_str::<serde_json::Value>(&e.to_value().to_json()).ok(),
                "{kind:?}: the same document as the value"
            );
        }
    }

    #[test]
    fn a_foreign_context_is_serialized_normally() {
        let shared = SharedContext::new(context());
        let mut other = context();
        other.locale = Some("de-DE".into());
        let e = event(Rc::new(other), EventType::Track);
        let json = shared.event_json(&e);
        assert_eq!(json, e.to_json());
        assert!(json.contains("de-DE"));
    }

    #[test]
    fn default_context_serializes_the_library() {
        let shared = SharedContext::default();
        let e = event(shared.handle(), EventType::Track);
        let v = Value::parse(&shared.event_json(&e)).expect("json");
        assert_eq!(v["context"]["library"]["name"], "attune");
    }
}
