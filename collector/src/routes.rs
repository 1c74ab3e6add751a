//! Request routing: the `/v1/*` API (batches, events, stats, chaos, profiles,
//! forget) with CORS, and static files for everything else.

use std::io;
use std::sync::{Mutex, MutexGuard};
use std::thread;

use serde_json::{json, Value};

use crate::chaos::{Chaos, ChaosConfig, Verdict};
use crate::config::Config;
use crate::http::{HttpError, Request, Response};
use crate::profiles::{ProfileUpdate, Profiles};
use crate::static_files::{Lookup, StaticFiles};
use crate::store::{filter_events, message_id, EventStore};
use crate::util::{basic_auth_user, now_rfc3339};

/// Methods allowed by CORS preflight answers.
pub const CORS_ALLOW_METHODS: &str = "GET, POST, DELETE, OPTIONS";
/// Headers allowed by CORS preflight answers (requested ones are appended).
pub const CORS_ALLOW_HEADERS: &str = "Content-Type, Authorization, *";

/// What to do after handling a request.
#[derive(Debug)]
pub enum Reply {
    /// Write this response.
    Respond(Response),
    /// Close the connection without answering (chaos drop).
    Drop,
}

/// Shared application state behind every connection.
#[derive(Debug)]
pub struct App {
    store: Mutex<EventStore>,
    chaos: Chaos,
    profiles: Mutex<Profiles>,
    forgets: Mutex<Vec<Value>>,
    files: StaticFiles,
    csp: Option<String>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl App {
    /// Opens the event store and seeds profiles as `config` says.
    pub fn new(config: &Config) -> io::Result<Self> {
        let store = EventStore::open(&config.data, config.fresh).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("data file {}: {e}", config.data.display()),
            )
        })?;
        let profiles = match &config.profiles {
            Some(path) => Profiles::load(path).map_err(io::Error::other)?,
            None => Profiles::default(),
        };
        config.chaos.validate().map_err(io::Error::other)?;
        Ok(Self {
            store: Mutex::new(store),
            chaos: Chaos::new(config.chaos.clone()),
            profiles: Mutex::new(profiles),
            forgets: Mutex::new(Vec::new()),
            files: StaticFiles::new(&config.www, &config.pkg),
            csp: config.csp.clone(),
        })
    }

    /// Number of events loaded from the data file on start.
    pub fn loaded_events(&self) -> usize {
        lock(&self.store).loaded()
    }

    /// Handles one request, adding CORS (for `/v1`), CSP (for HTML) and
    /// `Cache-Control: no-store` to the answer.
    pub fn handle(&self, request: &Request) -> Reply {
        let api = is_api(&request.path);
        let reply = if api {
            self.api(request)
        } else {
            Reply::Respond(self.static_file(request))
        };
        match reply {
            Reply::Respond(response) => {
                Reply::Respond(self.finish(response, request.header("origin"), api))
            }
            Reply::Drop => Reply::Drop,
        }
    }

    /// The answer for a request that could not be read, if any. Rejected
    /// `/v1/batch` requests (too large, malformed) count in `rejected`.
    pub fn error_response(&self, error: &HttpError) -> Option<Response> {
        let status = error.status?;
        let path = error.path.as_deref().unwrap_or("");
        if route_of(path) == "/v1/batch" && error.method.as_deref() == Some("POST") {
            lock(&self.store).stats_mut().rejected += 1;
        }
        let response = Response::error(status, error.code, &error.message);
        Some(self.finish(response, error.origin.as_deref(), is_api(path)))
    }

    fn finish(&self, mut response: Response, origin: Option<&str>, api: bool) -> Response {
        if api {
            match origin.filter(|o| !o.is_empty()) {
                Some(origin) => {
                    response = response
                        .header("Access-Control-Allow-Origin", origin)
                        .header("Access-Control-Allow-Credentials", "true")
                        .header("Vary", "Origin");
                }
                None => response = response.header("Access-Control-Allow-Origin", "*"),
            }
            response = response.header("Access-Control-Expose-Headers", "Retry-After");
        }
        if let Some(csp) = &self.csp {
            let html = response
                .get_header("content-type")
                .is_some_and(|t| t.starts_with("text/html"));
            if html {
                response = response.header("Content-Security-Policy", csp);
            }
        }
        response.header("Cache-Control", "no-store")
    }

    fn api(&self, req: &Request) -> Reply {
        if req.method == "OPTIONS" {
            return Reply::Respond(preflight(req));
        }
        let method = req.method.as_str();
        let response = match (route_of(&req.path), method) {
            ("/v1/batch", "POST") => return self.batch(req),
            ("/v1/batch", _) => not_allowed("POST, OPTIONS"),
            ("/v1/events", "GET") => self.events(req),
            ("/v1/events", "DELETE") | ("/v1/reset", "POST" | "DELETE") => self.reset(),
            ("/v1/events", _) => not_allowed("GET, DELETE, OPTIONS"),
            ("/v1/reset", _) => not_allowed("POST, DELETE, OPTIONS"),
            ("/v1/stats", "GET") => self.stats(),
            ("/v1/stats", _) => not_allowed("GET, OPTIONS"),
            ("/v1/chaos", "GET") => Response::json(200, &chaos_json(&self.chaos.config())),
            ("/v1/chaos", "POST") => self.set_chaos(req),
            ("/v1/chaos", "DELETE") => {
                self.chaos.set_config(ChaosConfig::default());
                Response::json(200, &chaos_json(&self.chaos.config()))
            }
            ("/v1/chaos", _) => not_allowed("GET, POST, DELETE, OPTIONS"),
            ("/v1/profile", "GET") => self.get_profile(req),
            ("/v1/profile", "POST") => self.post_profile(req),
            ("/v1/profile", _) => not_allowed("GET, POST, OPTIONS"),
            ("/v1/forget", "GET") => {
                Response::json(200, &Value::Array(lock(&self.forgets).clone()))
            }
            ("/v1/forget", "POST") => self.forget(req),
            ("/v1/forget", _) => not_allowed("GET, POST, OPTIONS"),
            ("/v1/health", "GET") => Response::json(200, &json!({ "ok": true })),
            ("/v1/health", _) => not_allowed("GET, OPTIONS"),
            _ => Response::error(404, "not_found", &format!("no route for {}", req.path)),
        };
        Reply::Respond(response)
    }

    fn batch(&self, req: &Request) -> Reply {
        let decision = self.chaos.decide();
        if decision.verdict == Verdict::Drop {
            return Reply::Drop;
        }
        if !decision.delay.is_zero() {
            thread::sleep(decision.delay);
        }
        match decision.verdict {
            Verdict::Fail(status) if status < 400 => {
                return Reply::Respond(Response::json(
                    status,
                    &json!({ "ok": true, "accepted": 0, "duplicates": 0, "injected": true }),
                ))
            }
            Verdict::Fail(status) => {
                return Reply::Respond(Response::error(
                    status,
                    "chaos_failure",
                    "failure injected by the collector's chaos settings",
                ))
            }
            Verdict::Throttle(seconds) => {
                return Reply::Respond(
                    Response::error(
                        429,
                        "rate_limited",
                        "throttled by the collector's chaos settings",
                    )
                    .header("Retry-After", &seconds.to_string()),
                )
            }
            Verdict::Pass | Verdict::Drop => {}
        }
        let (events, body_write_key) = match parse_batch(&req.body) {
            Ok(parsed) => parsed,
            Err((code, message)) => {
                lock(&self.store).stats_mut().rejected += 1;
                return Reply::Respond(Response::error(400, code, &message));
            }
        };
        let mut store = lock(&self.store);
        let content_type = req.header("content-type").map(str::to_string);
        let authorization = req.header("authorization").map(str::to_string);
        match store.ingest(events, &now_rfc3339()) {
            Ok(result) => {
                let stats = store.stats_mut();
                let plain = content_type
                    .as_deref()
                    .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("text/plain"));
                if plain {
                    stats.plain_text_batches += 1;
                }
                stats.last_write_key = authorization
                    .as_deref()
                    .and_then(basic_auth_user)
                    .or(body_write_key);
                if authorization.is_some() {
                    stats.authorized_batches += 1;
                }
                stats.last_authorization = authorization;
                stats.last_content_type = content_type;
                Reply::Respond(Response::json(
                    200,
                    &json!({ "ok": true, "accepted": result.accepted, "duplicates": result.duplicates }),
                ))
            }
            Err(e) => Reply::Respond(Response::error(
                500,
                "storage_error",
                &format!("could not write the event store: {e}"),
            )),
        }
    }

    fn events(&self, req: &Request) -> Response {
        let mut filters = Vec::new();
        for (key, value) in req.query_params() {
            let field = match key.as_str() {
                "type" => "type",
                "anonymousId" => "anonymousId",
                "userId" => "userId",
                "event" => "event",
                "messageId" => "messageId",
                _ => continue,
            };
            filters.push((field, value));
        }
        let store = lock(&self.store);
        let matching: Vec<Value> = filter_events(store.events(), &filters)
            .into_iter()
            .cloned()
            .collect();
        Response::json(200, &Value::Array(matching))
    }

    fn stats(&self) -> Response {
        let mut stats = lock(&self.store).stats_json();
        if let Value::Object(map) = &mut stats {
            map.insert("chaos".into(), self.chaos.counts().to_json());
            map.insert("profiles".into(), json!(lock(&self.profiles).len()));
            map.insert("forgets".into(), json!(lock(&self.forgets).len()));
        }
        Response::json(200, &stats)
    }

    fn reset(&self) -> Response {
        if let Err(e) = lock(&self.store).reset() {
            return Response::error(
                500,
                "storage_error",
                &format!("could not truncate the event store: {e}"),
            );
        }
        self.chaos.reset_counts();
        lock(&self.forgets).clear();
        Response::json(200, &json!({ "ok": true }))
    }

    fn set_chaos(&self, req: &Request) -> Response {
        let config: ChaosConfig = if req.body.iter().all(u8::is_ascii_whitespace) {
            ChaosConfig::default()
        } else {
            // Parse as a value first: serde would also accept a JSON array
            // (fields by position), which is never what a caller means.
            let parsed = match serde_json::from_slice::<Value>(&req.body) {
                Ok(v @ Value::Object(_)) => serde_json::from_value(v),
                Ok(_) => return Response::error(400, "invalid_chaos", "expected a JSON object"),
                Err(e) => return Response::error(400, "invalid_chaos", &e.to_string()),
            };
            match parsed {
                Ok(c) => c,
                Err(e) => return Response::error(400, "invalid_chaos", &e.to_string()),
            }
        };
        if let Err(message) = config.validate() {
            return Response::error(400, "invalid_chaos", &message);
        }
        self.chaos.set_config(config);
        Response::json(200, &chaos_json(&self.chaos.config()))
    }

    fn get_profile(&self, req: &Request) -> Response {
        let anonymous_id = req.query_param("anonymousId").filter(|s| !s.is_empty());
        let user_id = req.query_param("userId").filter(|s| !s.is_empty());
        let found = lock(&self.profiles).get(anonymous_id.as_deref(), user_id.as_deref());
        let (profile, matched) = match found {
            Some((profile, matched)) => (profile, Value::from(matched.as_str())),
            None => (Default::default(), Value::Null),
        };
        let mut body = json!(profile);
        if let Value::Object(map) = &mut body {
            map.insert("matched".into(), matched);
        }
        Response::json(200, &body)
    }

    fn post_profile(&self, req: &Request) -> Response {
        let update: ProfileUpdate = match serde_json::from_slice::<Value>(&req.body) {
            Ok(v @ Value::Object(_)) => match serde_json::from_value(v) {
                Ok(u) => u,
                Err(e) => return Response::error(400, "invalid_profile", &e.to_string()),
            },
            Ok(_) => return Response::error(400, "invalid_profile", "expected a JSON object"),
            Err(e) => return Response::error(400, "invalid_profile", &e.to_string()),
        };
        match lock(&self.profiles).apply(update) {
            Ok(profile) => Response::json(200, &json!(profile)),
            Err(message) => Response::error(400, "invalid_profile", &message),
        }
    }

    fn forget(&self, req: &Request) -> Response {
        let body: Value = match serde_json::from_slice(&req.body) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => return Response::error(400, "invalid_forget", "expected a JSON object"),
            Err(e) => return Response::error(400, "invalid_json", &e.to_string()),
        };
        let id = |name: &str| -> Result<Option<String>, String> {
            match body.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
                Some(_) => Err(format!("{name} must be a non-empty string")),
            }
        };
        let (anonymous_id, user_id) = match (id("anonymousId"), id("userId")) {
            (Ok(a), Ok(u)) => (a, u),
            (Err(m), _) | (_, Err(m)) => return Response::error(400, "invalid_forget", &m),
        };
        if anonymous_id.is_none() && user_id.is_none() {
            return Response::error(400, "invalid_forget", "anonymousId or userId is required");
        }
        let removed_events =
            match lock(&self.store).forget(anonymous_id.as_deref(), user_id.as_deref()) {
                Ok(n) => n,
                Err(e) => {
                    return Response::error(
                        500,
                        "storage_error",
                        &format!("could not rewrite the event store: {e}"),
                    )
                }
            };
        let removed_profiles =
            lock(&self.profiles).forget(anonymous_id.as_deref(), user_id.as_deref());
        let record = json!({
            "anonymousId": anonymous_id,
            "userId": user_id,
            "requestedAt": now_rfc3339(),
            "removedEvents": removed_events,
            "removedProfiles": removed_profiles,
        });
        lock(&self.forgets).push(record.clone());
        let mut body = record;
        if let Value::Object(map) = &mut body {
            map.insert("ok".into(), Value::Bool(true));
        }
        Response::json(200, &body)
    }

    fn static_file(&self, req: &Request) -> Response {
        if req.method != "GET" && req.method != "HEAD" {
            return Response::text(405, "method not allowed\n").header("Allow", "GET, HEAD");
        }
        let response = match self.files.lookup(&req.path) {
            Lookup::Found { body, mime, .. } => Response::new(200)
                .header("Content-Type", mime)
                .header("X-Content-Type-Options", "nosniff")
                .body(body),
            Lookup::NotFound => Response::text(404, "not found\n"),
            Lookup::Forbidden(reason) => Response::text(403, &format!("forbidden: {reason}\n")),
        };
        // The package is served as a CDN would: readable from any origin
        // (attune_bg.wasm is fetched by pages of other origins), its errors too,
        // so that such a page sees a missing file as a 404, not a CORS failure.
        if req.path.starts_with("/pkg/") {
            response.header("Access-Control-Allow-Origin", "*")
        } else {
            response
        }
    }
}

fn is_api(path: &str) -> bool {
    path == "/v1" || path.starts_with("/v1/")
}

/// The API route for a raw path, ignoring a trailing slash.
fn route_of(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/"
    } else {
        trimmed
    }
}

fn not_allowed(allow: &str) -> Response {
    Response::error(
        405,
        "method_not_allowed",
        &format!("allowed methods: {allow}"),
    )
    .header("Allow", allow)
}

fn preflight(req: &Request) -> Response {
    let mut allow_headers = CORS_ALLOW_HEADERS.to_string();
    if let Some(requested) = req.header("access-control-request-headers") {
        for name in requested
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            let known = allow_headers
                .split(',')
                .any(|h| h.trim().eq_ignore_ascii_case(name));
            if !known {
                allow_headers.push_str(", ");
                allow_headers.push_str(name);
            }
        }
    }
    let mut response = Response::new(204)
        .header("Access-Control-Allow-Methods", CORS_ALLOW_METHODS)
        .header("Access-Control-Allow-Headers", &allow_headers)
        .header("Access-Control-Max-Age", "600");
    if req
        .header("access-control-request-private-network")
        .is_some()
    {
        response = response.header("Access-Control-Allow-Private-Network", "true");
    }
    response
}

fn chaos_json(config: &ChaosConfig) -> Value {
    serde_json::to_value(config).unwrap_or(Value::Null)
}

type BatchError = (&'static str, String);

/// Validates a batch body: `{"batch":[...]}` (Segment) or a bare array, every
/// event an object with string `messageId` and `type`. Also returns a
/// body-level `writeKey` if present (clients that cannot set headers use it).
pub fn parse_batch(body: &[u8]) -> Result<(Vec<Value>, Option<String>), BatchError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(("invalid_json", "empty body: expected a JSON batch".into()));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ("invalid_json", format!("body is not valid JSON: {e}")))?;
    let (events, write_key) = match value {
        Value::Array(events) => (events, None),
        Value::Object(mut map) => {
            let write_key = map
                .get("writeKey")
                .and_then(Value::as_str)
                .map(str::to_string);
            match map.remove("batch") {
                Some(Value::Array(events)) => (events, write_key),
                Some(_) => return Err(("invalid_batch", "\"batch\" must be an array".into())),
                None => {
                    return Err((
                        "invalid_batch",
                        "expected {\"batch\": [...]} or a JSON array of events".into(),
                    ))
                }
            }
        }
        _ => {
            return Err((
                "invalid_batch",
                "expected {\"batch\": [...]} or a JSON array of events".into(),
            ))
        }
    };
    for (i, event) in events.iter().enumerate() {
        if !event.is_object() {
            return Err(("invalid_event", format!("batch[{i}] must be an object")));
        }
        if message_id(event).is_none() {
            return Err((
                "missing_message_id",
                format!("batch[{i}].messageId must be a string"),
            ));
        }
        if event.get("type").and_then(Value::as_str).is_none() {
            return Err(("missing_type", format!("batch[{i}].type must be a string")));
        }
    }
    Ok((events, write_key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_shapes() {
        let ok = parse_batch(
            br#"{"batch":[{"messageId":"a","type":"track"}],"sentAt":"x","writeKey":"wk"}"#,
        )
        .unwrap();
        assert_eq!((ok.0.len(), ok.1.as_deref()), (1, Some("wk")));
        assert_eq!(parse_batch(b"[]").unwrap().0.len(), 0);
        for (body, code) in [
            (&b""[..], "invalid_json"),
            (b"{", "invalid_json"),
            (b"\xff\xfe", "invalid_json"),
            (b"42", "invalid_batch"),
            (br#"{"events":[]}"#, "invalid_batch"),
            (br#"{"batch":{}}"#, "invalid_batch"),
            (b"[1]", "invalid_event"),
            (br#"[{"type":"track"}]"#, "missing_message_id"),
            (br#"[{"messageId":7,"type":"track"}]"#, "missing_message_id"),
            (br#"[{"messageId":"m"}]"#, "missing_type"),
        ] {
            assert_eq!(parse_batch(body).unwrap_err().0, code, "{body:?}");
        }
    }

    #[test]
    fn routes_ignore_trailing_slash() {
        assert_eq!(route_of("/v1/batch/"), "/v1/batch");
        assert_eq!(route_of("/"), "/");
        assert!(is_api("/v1/x") && is_api("/v1") && !is_api("/v10"));
    }
}
