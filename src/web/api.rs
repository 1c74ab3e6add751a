//! `Core`: one engine, driven by the JavaScript platform layer (`pkg/src/`).
//!
//! The boundary is coarse and textual: arguments and answers are JSON text,
//! and the page's state-changing calls arrive as a batch of JSON lines applied
//! in one crossing per task ([`Core::apply`]). Every answer that follows a
//! change is a report ([`crate::web::report`]): per-call results, errors,
//! segment changes, the slots to repaint and the delivery state the driver
//! plans from. Nothing here panics or throws, except the constructor, which
//! throws the error record of a bad config as a string.

use crate::core::engine::{Engine, Platform};
use crate::core::event::{Context, PageContext};
use crate::core::json::{Map, Value};
use crate::core::op::Call;
use crate::core::AttuneError;
use crate::web::host::{self, CallClock, HostRandom, HostRegex, HostStorage};
use crate::web::report::{decisions_value, error_value, Paint, Report};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// A running engine and the page-side state of its slots and sends.
#[wasm_bindgen]
pub struct Core {
    pub(crate) engine: Engine,
    pub(crate) paint: Paint,
    pub(crate) jobs: Vec<(u32, crate::core::delivery::Job)>,
    pub(crate) next_job: u32,
    /// Which collectors have a `transform` function (their jobs carry the events).
    pub(crate) transforms: Vec<bool>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn opt_text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// `context.page` from `{path, referrer, search, title, url}`.
pub(crate) fn page_of(v: &Value) -> PageContext {
    PageContext {
        path: text(v, "path"),
        referrer: text(v, "referrer"),
        search: text(v, "search"),
        title: text(v, "title"),
        url: text(v, "url"),
    }
}

fn environment_of(v: &Value) -> Context {
    Context {
        timezone: opt_text(v, "timezone"),
        locale: opt_text(v, "locale"),
        user_agent: opt_text(v, "userAgent"),
        screen: v.get("screen").filter(|s| s.is_object()).cloned(),
        ..Default::default()
    }
}

/// The error record `{"error": {code, path, message}}` as text.
pub(crate) fn error_text(e: &AttuneError) -> String {
    let mut m = Map::new();
    m.insert("error", error_value(e));
    Value::Object(m).to_json()
}

fn parse(text: &str, path: &str) -> Result<Value, AttuneError> {
    Value::parse(text).map_err(|e| AttuneError::input(path, e.text()))
}

/// Whether a call only records an event (its segment pass may wait for the
/// end of the batch) rather than needing an up-to-date engine first.
fn is_event(kind: &str) -> bool {
    matches!(kind, "track" | "identify" | "group" | "alias")
}

#[wasm_bindgen]
impl Core {
    /// Builds the engine from the config, the page's environment
    /// (`{page, context, offset, gpc, dnt}`) and which collectors have a
    /// `transform` function (`[bool]`, in config order). Throws the error
    /// record (text) of a bad config.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, env: &str, transforms: &str) -> Result<Core, String> {
        let build = || -> Result<Core, AttuneError> {
            let config = parse(config, "config")?;
            let env = parse(env, "environment")?;
            let platform = Platform {
                clock: Rc::new(CallClock),
                random: Rc::new(HostRandom::new()),
                storage: Rc::new(HostStorage::open()),
                regex: Box::new(HostRegex),
            };
            let mut engine = Engine::new(&config, platform)?;
            let flag = |k: &str| env.get(k).and_then(Value::as_bool).unwrap_or(false);
            engine.set_privacy_signals(flag("gpc"), flag("dnt"));
            engine.set_environment(environment_of(&env["context"]));
            engine.set_local_offset(env.get("offset").and_then(Value::as_f64).unwrap_or(0.0));
            engine.set_page(page_of(&env["page"]));
            Ok(Core {
                engine,
                paint: Paint::default(),
                jobs: Vec::new(),
                next_job: 1,
                transforms: match Value::parse(transforms) {
                    Ok(Value::Array(list)) => {
                        let mut on = Vec::with_capacity(list.len());
                        for t in &list {
                            on.push(t.as_bool() == Some(true));
                        }
                        on
                    }
                    _ => Vec::new(),
                },
            })
        };
        build().map_err(|e| error_text(&e))
    }

    /// What the JavaScript side needs to know once: `{prefix, flushInterval,
    /// worker, threshold, minMs, hideTimeout, pages, clicks, seed}`.
    pub fn info(&self) -> String {
        let c = self.engine.config();
        let d = self.engine.display();
        let mut m = Map::new();
        m.insert("prefix", Value::from(c.storage_prefix.as_str()));
        m.insert("flushInterval", Value::from(c.delivery.flush_interval_ms));
        m.insert("worker", Value::from(c.delivery.worker));
        m.insert("threshold", Value::from(d.threshold));
        m.insert("minMs", Value::from(d.min_ms));
        m.insert("hideTimeout", Value::from(d.hide_timeout_ms));
        m.insert("pages", Value::from(c.autocapture_pages));
        m.insert("clicks", Value::from(c.autocapture_clicks));
        let seed = match self.engine.seed_request() {
            Ok(Some((url, timeout))) => {
                let mut s = Map::new();
                s.insert("url", Value::from(url));
                s.insert("timeoutMs", Value::from(timeout));
                Value::Object(s)
            }
            _ => Value::Null,
        };
        m.insert("seed", seed);
        Value::Object(m).to_json()
    }

    /// The first report: errors and notes of the start, the first paint.
    pub fn report(&mut self) -> String {
        let mut r = Report::new(&self.engine);
        r.finish(self)
    }

    /// Applies queued calls, one JSON object per line (`{"type", "at", …}`,
    /// see [`Call::parse`]), in order, each at the time it was made. Without
    /// `force`, stops before an event call while the outbox has no room left
    /// (a burst waits in the page's memory for sends to free room instead of
    /// overflowing the caps); `n` in the report says how many lines were taken.
    pub fn apply(&mut self, batch: &str, force: bool) -> String {
        let mut r = Report::new(&self.engine);
        let mut taken = 0;
        for line in batch.split('\n') {
            if line.is_empty() {
                taken += 1;
                continue;
            }
            let value = match Value::parse(line) {
                Ok(v) => v,
                Err(e) => {
                    r.result(Err(AttuneError::input("call", e.text())));
                    taken += 1;
                    continue;
                }
            };
            let kind = text(&value, "type");
            if !force && is_event(&kind) && self.engine.delivery().0.room() == 0 {
                break;
            }
            taken += 1;
            let at = value.get("at").and_then(Value::as_f64);
            let out = host::at(at, || self.call(&kind, &value, &mut r));
            r.result(out);
        }
        r.taken = Some(taken);
        r.finish(self)
    }

    fn call(&mut self, kind: &str, value: &Value, r: &mut Report) -> Result<Value, AttuneError> {
        if is_event(kind) {
            self.engine.defer_refresh();
        } else {
            self.engine.settle();
        }
        let call = Call::parse(value, kind)?;
        match kind {
            "page" => self.paint.new_page_view(),
            "viewed" | "clicked" => r.exposed.push(text(value, "slot")),
            _ => {}
        }
        let shown = call.apply(&mut self.engine)?;
        Ok(match kind {
            "viewed" | "clicked" => Value::Bool(shown),
            _ => Value::Null,
        })
    }

    /// A read: `segments`, `profile`, `attributes`, `consent`, `inspect`,
    /// `decide` / `explain` (of slot `arg`), `decisions` (every slot, no state
    /// change) or `paint` (every slot, for `render()`: pins and the painted
    /// set start over). JSON, or an error record.
    pub fn read(&mut self, what: &str, arg: &str) -> String {
        self.engine.settle();
        let e = &mut self.engine;
        let v = match what {
            "segments" => Value::strings(e.segments()),
            "profile" => e.profile().to_value(),
            "attributes" => e.attributes().clone(),
            "consent" => e.consent_state(),
            "inspect" => e.inspect(),
            "decide" => e.decide(arg).map_or(Value::Null, |d| d.to_value()),
            "explain" => e.explain(arg).map_or(Value::Null, |x| x.to_value()),
            "decisions" => decisions_value(&e.decisions()),
            "paint" => {
                let decisions = e.decisions();
                e.cache_decisions(&decisions);
                self.paint.all(&decisions)
            }
            _ => return error_text(&AttuneError::input("read", "unknown read")),
        };
        v.to_json()
    }

    /// `forget()`: everything of the visitor erased here; the report carries
    /// `request` (`{url, body}`, when `collector.forgetUrl` is set) and
    /// `cookie` (the assignment deleting the shared cookie, when one is configured).
    pub fn forget(&mut self) -> String {
        let mut r = Report::new(&self.engine);
        self.engine.settle();
        let cookie = self.engine.cookie_settings().map(|c| c.delete_string());
        let req = self.engine.forget();
        if let Some(url) = &req.url {
            let mut body = Map::new();
            body.insert("anonymousId", Value::from(req.anonymous_id.as_str()));
            if let Some(u) = &req.user_id {
                body.insert("userId", Value::from(u.as_str()));
            }
            body.insert("previousIds", Value::strings(&req.previous_ids));
            body.insert("timestamp", Value::from(req.timestamp.as_str()));
            let mut m = Map::new();
            m.insert("url", Value::from(url.as_str()));
            m.insert("body", Value::from(Value::Object(body).to_json()));
            r.extra("request", Value::Object(m));
        }
        if let Some(c) = cookie {
            r.extra("cookie", Value::from(c));
        }
        self.paint.new_page_view();
        r.finish(self)
    }

    /// The shared identity cookie: adopts the id `document.cookie` holds
    /// (another subdomain set it) and returns the assignment to write back,
    /// the one deleting it when consent no longer allows it, or "".
    pub fn cookie(&mut self, document_cookie: &str) -> String {
        match self.engine.cookie() {
            Ok(Some(c)) => {
                if let Some(id) = crate::core::cookie::read(document_cookie) {
                    self.engine.adopt_anonymous_id(&id);
                }
                c.set_string(&self.engine.profile().anonymous_id)
            }
            Ok(None) => match self.engine.cookie_settings() {
                Some(c) if crate::core::cookie::read(document_cookie).is_some() => {
                    c.delete_string()
                }
                _ => String::new(),
            },
            Err(_) => String::new(),
        }
    }
}
