//! The delivery half of [`Core`]: the page's driver (`pkg/src/delivery.js`)
//! does the I/O and the timers; the engine decides what to send, when, and
//! what an answer means. A job handed out stays in flight until `done`.

use crate::core::auth::basic_auth;
use crate::core::delivery::{Job, Mode};
use crate::core::delivery_policy::{parse_retry_after, Outcome};
use crate::core::json::{Map, Value};
use crate::web::api::Core;
use crate::web::report::{delivery_state, error_values};
use wasm_bindgen::prelude::*;

fn mode_of(n: u32) -> Mode {
    match n {
        1 => Mode::Forced,
        2 => Mode::Exit,
        _ => Mode::Scheduled,
    }
}

fn mode_number(m: Mode) -> f64 {
    match m {
        Mode::Scheduled => 0.0,
        Mode::Forced => 1.0,
        Mode::Exit => 2.0,
    }
}

/// `{errors, delivery}` after a delivery step, plus `extra`.
fn step(
    core: &mut Core,
    errors: Vec<crate::core::AttuneError>,
    extra: Option<(&str, Value)>,
) -> String {
    let mut all = error_values(&errors);
    all.append(&mut error_values(&core.engine.take_errors()));
    let mut m = Map::new();
    m.insert("errors", Value::Array(all));
    m.insert("delivery", delivery_state(&mut core.engine));
    if let Some((k, v)) = extra {
        m.insert(k, v);
    }
    Value::Object(m).to_json()
}

impl Core {
    /// A job as the driver sends it: `{id, c, url, headers, body, events?, mode}`
    /// (`headers` without the `Authorization` of a write key when `exit`
    /// and the collector has no headers of its own: a beacon carries none,
    /// the key travels in the body). `body` is left out of a job kept in
    /// flight: [`Core::job`] appends it as it is.
    fn job_value(&mut self, job: Job, id: u32, beacon: bool) -> Value {
        let collectors = self.engine.delivery().0.collectors();
        let mut headers = Vec::new();
        let mut url = String::new();
        if let Some(c) = collectors.get(job.collector) {
            url = c.url.clone();
            if !(beacon && c.headers.is_empty()) {
                for (k, v) in &c.headers {
                    headers.push(Value::Array(vec![
                        Value::from(k.as_str()),
                        Value::from(v.as_str()),
                    ]));
                }
                if let Some(key) = &c.write_key {
                    let auth = vec![Value::from("Authorization"), Value::from(basic_auth(key))];
                    headers.push(Value::Array(auth));
                }
            }
        }
        let mut m = Map::new();
        m.insert("id", Value::from(id as f64));
        m.insert("c", Value::from(job.collector as f64));
        m.insert("url", Value::from(url));
        m.insert("headers", Value::Array(headers));
        if beacon {
            m.insert("body", Value::from(job.body.as_str()));
        }
        if self.transforms.get(job.collector) == Some(&true) {
            m.insert("events", Value::from(job.events.as_str()));
        }
        m.insert("mode", Value::from(mode_number(job.mode)));
        if !beacon {
            self.jobs.push((id, job));
        }
        Value::Object(m)
    }
}

#[wasm_bindgen]
impl Core {
    /// Writes queued events to storage (the oldest beyond the caps dropped).
    pub fn persist(&mut self) -> String {
        let (d, env) = self.engine.delivery();
        let errors = if d.has_unpersisted() {
            d.persist(&env)
        } else {
            Vec::new()
        };
        step(self, errors, None)
    }

    /// Re-reads the shared outbox (other tabs, earlier visits) and persists.
    pub fn reload(&mut self) -> String {
        let (d, env) = self.engine.delivery();
        let mut errors = d.reload(&env);
        errors.append(&mut d.persist(&env));
        step(self, errors, None)
    }

    /// When the next send is due (ms since the epoch), or -1.
    pub fn wake(&mut self) -> f64 {
        let (d, env) = self.engine.delivery();
        d.next_wake(env.now, env.gate).unwrap_or(-1.0)
    }

    /// The next request in `mode` (0 scheduled, 1 forced, 2 exit), leaving
    /// out the collectors in `skip` (comma-separated indices): the job's JSON
    /// without `body`, a newline and the body as it is (not escaped into a
    /// JSON string and parsed again: a body is up to `batchBytes`); or `null`.
    pub fn job(&mut self, mode: u32, skip: &str) -> String {
        let mut indices = Vec::new();
        for s in skip.split(',') {
            if let Some(i) = crate::core::json::num::parse_index(s) {
                indices.push(i);
            }
        }
        let skip = indices;
        let (d, env) = self.engine.delivery();
        let Some(mut job) = d.next_job_skipping(&env, mode_of(mode), &skip) else {
            return "null".to_string();
        };
        let id = self.next_job;
        self.next_job = self.next_job.wrapping_add(1);
        let body = std::mem::take(&mut job.body);
        let mut text = self.job_value(job, id, false).to_json();
        text.push('\n');
        text.push_str(&body);
        text
    }

    /// The outcome of job `id`: an HTTP `status` (with its `Retry-After`
    /// header text) or, with status 0, the network `error`. The report has
    /// `done: [sent, failed]`.
    pub fn done(&mut self, id: u32, status: u32, retry_after: &str, error: &str) -> String {
        let Some(i) = self.jobs.iter().position(|(j, _)| *j == id) else {
            let zero = Value::Array(vec![Value::from(0.0), Value::from(0.0)]);
            return step(self, Vec::new(), Some(("done", zero)));
        };
        let (_, job) = self.jobs.remove(i);
        let outcome = if status == 0 {
            Outcome::Network(if error.is_empty() {
                "network error".to_string()
            } else {
                error.to_string()
            })
        } else {
            Outcome::Status {
                code: u16::try_from(status).unwrap_or(0),
                retry_after_ms: parse_retry_after(retry_after),
            }
        };
        let (d, env) = self.engine.delivery();
        let (errors, counted) = d.complete_counted(&env, &job, &outcome);
        let done = Value::Array(vec![
            Value::from(counted.sent as f64),
            Value::from(counted.failed as f64),
        ]);
        step(self, errors, Some(("done", done)))
    }

    /// Page exit: every waiting event as beacon-sized jobs (nothing marked in
    /// flight: what no later send acknowledges is sent again).
    #[wasm_bindgen(js_name = exitJobs)]
    pub fn exit_jobs(&mut self) -> String {
        let (d, env) = self.engine.delivery();
        let jobs = d.exit_jobs(&env);
        let mut out = Vec::new();
        for job in jobs {
            out.push(self.job_value(job, 0, true));
        }
        Value::Array(out).to_json()
    }

    /// Back online: retry at once.
    pub fn online(&mut self) {
        self.engine.delivery().0.reset_backoff();
    }

    /// Whether the profile has changes not written yet.
    #[wasm_bindgen(js_name = profileDirty)]
    pub fn profile_dirty(&self) -> bool {
        self.engine.profile_dirty()
    }

    /// Writes the profile (merged with what other tabs stored):
    /// `{rev, errors}`, `rev` -1 when nothing was written.
    #[wasm_bindgen(js_name = persistProfile)]
    pub fn persist_profile(&mut self) -> String {
        let rev = self.engine.persist_profile().map_or(-1.0, |r| r as f64);
        let errors = error_values(&self.engine.take_errors());
        let mut m = Map::new();
        m.insert("rev", Value::from(rev));
        m.insert("errors", Value::Array(errors));
        Value::Object(m).to_json()
    }

    /// The write counter of the stored profile as this tab reads it (0: none).
    #[wasm_bindgen(js_name = storedRev)]
    pub fn stored_rev(&self) -> f64 {
        self.engine.stored_profile_rev().map_or(0.0, |r| r as f64)
    }

    /// The write counter of this tab's profile.
    #[wasm_bindgen(js_name = profileRev)]
    pub fn profile_rev(&self) -> f64 {
        self.engine.profile().rev as f64
    }
}
