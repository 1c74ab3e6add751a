//! The exposure ledger: how often each slot's variants were seen and clicked.
//! It lives in the profile, caps and suppression read it, and rules see it in
//! the attribute document as `exposures.<slot>.<variant>` (plus `_all` for
//! every variant of the slot together), e.g. "step 2 only after step 1 was
//! seen": `{"exposures.insight.step1.views": {"$gte": 1}}`.

use crate::cat;
use crate::core::json::{Map, Value};
use crate::core::keymap::KeyMap;
use crate::core::profile::{field_array, field_f64, field_u64, need_f64, need_u64, record};

/// Ledger key of the counters over all variants of a slot.
pub const ALL: &str = "_all";
/// One day, ms.
pub const DAY_MS: f64 = 86_400_000.0;
/// One week, ms.
pub const WEEK_MS: f64 = 7.0 * DAY_MS;
/// Most recent view times kept per entry (the day and week caps count them,
/// so those caps are limited to this number).
pub const MAX_RECENT: usize = 100;
/// Most slots kept in the ledger; the least recently seen is evicted beyond it.
pub const MAX_SLOTS: usize = 50;

/// Counters of one variant (or `_all`) of one slot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExposureStats {
    /// Impressions, ever.
    pub views: u64,
    /// Clicks, ever.
    pub clicks: u64,
    /// Id of the session of the last impression.
    pub session: String,
    /// Impressions in that session.
    pub session_views: u64,
    /// First impression, epoch ms.
    pub first_seen: f64,
    /// Last impression, epoch ms.
    pub last_seen: f64,
    /// Last click, epoch ms.
    pub last_clicked: Option<f64>,
    /// Times of the impressions of the last week (at most [`MAX_RECENT`]).
    pub recent: Vec<f64>,
}

impl ExposureStats {
    /// The stored form: `{views, clicks, session?, sessionViews, firstSeen,
    /// lastSeen, lastClicked, recent?}` (`lastClicked` is `null` before the
    /// first click; `session` and `recent` are left out when empty).
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(8);
        m.insert("views", Value::from(self.views));
        m.insert("clicks", Value::from(self.clicks));
        if !self.session.is_empty() {
            m.insert("session", Value::from(self.session.as_str()));
        }
        m.insert("sessionViews", Value::from(self.session_views));
        m.insert("firstSeen", Value::from(self.first_seen));
        m.insert("lastSeen", Value::from(self.last_seen));
        m.insert("lastClicked", Value::from(self.last_clicked));
        if !self.recent.is_empty() {
            let mut recent = Vec::with_capacity(self.recent.len());
            for &t in &self.recent {
                recent.push(Value::from(t));
            }
            m.insert("recent", Value::Array(recent));
        }
        Value::Object(m)
    }

    /// Reads the stored form (`views`, `clicks`, `firstSeen` and `lastSeen`
    /// are required).
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let m = record(v)?;
        let session = match m.get("session") {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err("session: expected a string".into()),
        };
        let last_clicked = match m.get("lastClicked") {
            None | Some(Value::Null) => None,
            _ => field_f64(m, "lastClicked")?,
        };
        let mut recent = Vec::new();
        for t in field_array(m, "recent")?.unwrap_or_default() {
            recent.push(
                t.as_f64()
                    .ok_or_else(|| "recent: expected numbers".to_string())?,
            );
        }
        Ok(ExposureStats {
            views: need_u64(m, "views")?,
            clicks: need_u64(m, "clicks")?,
            session,
            session_views: field_u64(m, "sessionViews")?.unwrap_or(0),
            first_seen: need_f64(m, "firstSeen")?,
            last_seen: need_f64(m, "lastSeen")?,
            last_clicked,
            recent,
        })
    }

    /// Impressions in the session `session` (0 if the last one was in another).
    pub fn in_session(&self, session: Option<&str>) -> u64 {
        match session {
            Some(s) if s == self.session => self.session_views,
            _ => 0,
        }
    }

    /// Impressions in the `window_ms` before `now`.
    pub fn within(&self, window_ms: f64, now: f64) -> u64 {
        self.recent.iter().filter(|&&t| now - t < window_ms).count() as u64
    }

    fn view(&mut self, session: Option<&str>, now: f64) {
        if self.views == 0 {
            self.first_seen = now;
        }
        self.views += 1;
        self.last_seen = now;
        let session = session.unwrap_or_default();
        if self.session != session {
            self.session = session.to_string();
            self.session_views = 0;
        }
        self.session_views += 1;
        self.recent.retain(|&t| now - t < WEEK_MS);
        self.recent.push(now);
        if self.recent.len() > MAX_RECENT {
            self.recent.remove(0);
        }
    }
}

/// slot → variant id (or [`ALL`]) → counters.
pub type Ledger = KeyMap<KeyMap<ExposureStats>>;

/// The ledger as stored in the profile: `{slot: {variant: stats}}`.
pub fn to_value(ledger: &Ledger) -> Value {
    let mut out = Map::with_capacity(ledger.len());
    for (slot, entries) in ledger {
        let mut m = Map::with_capacity(entries.len());
        for (variant, e) in entries {
            m.insert(variant.as_str(), e.to_value());
        }
        out.insert(slot.as_str(), Value::Object(m));
    }
    Value::Object(out)
}

/// Reads the stored ledger; `Err` is `"<slot>.<variant>.<key>: <what>"`.
pub fn from_value(v: &Value) -> Result<Ledger, String> {
    let mut ledger = Ledger::new();
    for (slot, entries) in record(v)? {
        let entries = entries
            .as_object()
            .ok_or_else(|| cat!(slot, ": expected an object"))?;
        let mut m = KeyMap::new();
        for (variant, e) in entries {
            let stats =
                ExposureStats::from_value(e).map_err(|err| cat!(slot, ".", variant, ".", err))?;
            m.insert(variant.clone(), stats);
        }
        ledger.insert(slot.clone(), m);
    }
    Ok(ledger)
}

/// Records one impression of `variant` in `slot`.
pub fn record_view(
    ledger: &mut Ledger,
    slot: &str,
    variant: &str,
    session: Option<&str>,
    now: f64,
) {
    let entries = slot_entries(ledger, slot);
    for key in [variant, ALL] {
        entries
            .entry(key.to_string())
            .or_default()
            .view(session, now);
    }
}

/// Records one click on `variant` in `slot`.
pub fn record_click(ledger: &mut Ledger, slot: &str, variant: &str, now: f64) {
    let entries = slot_entries(ledger, slot);
    for key in [variant, ALL] {
        let e = entries.entry(key.to_string()).or_default();
        e.clicks += 1;
        e.last_clicked = Some(now);
    }
}

fn slot_entries<'a>(ledger: &'a mut Ledger, slot: &str) -> &'a mut KeyMap<ExposureStats> {
    if !ledger.contains_key(slot) && ledger.len() >= MAX_SLOTS {
        let oldest = ledger
            .iter()
            .min_by(|a, b| last_seen(a.1).total_cmp(&last_seen(b.1)))
            .map(|(k, _)| k.clone());
        if let Some(k) = oldest {
            ledger.remove(&k);
        }
    }
    ledger.entry(slot.to_string()).or_default()
}

fn last_seen(entries: &KeyMap<ExposureStats>) -> f64 {
    entries
        .get(ALL)
        .map_or(0.0, |e| e.last_seen.max(e.last_clicked.unwrap_or(0.0)))
}

/// The ledger as the attribute document shows it:
/// `{slot: {variant: {views, clicks, sessionViews, dayViews, weekViews, firstSeen, lastSeen, lastClicked}}}`.
pub fn to_doc(ledger: &Ledger, session: Option<&str>, now: f64) -> Value {
    let mut out = Map::new();
    for (slot, entries) in ledger {
        let mut m = Map::new();
        for (variant, e) in entries {
            let mut doc = Map::with_capacity(8);
            doc.insert("views", Value::from(e.views));
            doc.insert("clicks", Value::from(e.clicks));
            doc.insert("sessionViews", Value::from(e.in_session(session)));
            doc.insert("dayViews", Value::from(e.within(DAY_MS, now)));
            doc.insert("weekViews", Value::from(e.within(WEEK_MS, now)));
            doc.insert("firstSeen", Value::from(e.first_seen));
            doc.insert("lastSeen", Value::from(e.last_seen));
            doc.insert("lastClicked", Value::from(e.last_clicked));
            m.insert(variant.as_str(), Value::Object(doc));
        }
        out.insert(slot.as_str(), Value::Object(m));
    }
    Value::Object(out)
}

/// Folds two tabs' ledgers: per entry, `stored` plus what `ours` added since `base`.
pub fn merge(ours: &Ledger, base: &Ledger, stored: &Ledger) -> Ledger {
    let mut out = stored.clone();
    for (slot, entries) in ours {
        for (variant, o) in entries {
            let b = base.get(slot).and_then(|m| m.get(variant));
            if b == Some(o) {
                continue;
            }
            let target = out.entry(slot.clone()).or_default().entry(variant.clone());
            let s = target.or_insert_with(|| b.cloned().unwrap_or_default());
            let (bv, bc) = b.map_or((0, 0), |b| (b.views, b.clicks));
            s.views += o.views.saturating_sub(bv);
            s.clicks += o.clicks.saturating_sub(bc);
            if s.first_seen == 0.0 || (o.first_seen > 0.0 && o.first_seen < s.first_seen) {
                s.first_seen = o.first_seen;
            }
            s.last_seen = s.last_seen.max(o.last_seen);
            s.last_clicked = match (s.last_clicked, o.last_clicked) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            if o.session == s.session {
                s.session_views = s.session_views.max(o.session_views);
            } else if o.last_seen >= s.last_seen {
                s.session = o.session.clone();
                s.session_views = o.session_views;
            }
            s.recent = merge_sorted(&s.recent, &o.recent);
            let extra = s.recent.len().saturating_sub(MAX_RECENT);
            s.recent.drain(..extra);
        }
    }
    out
}

/// The union of two ascending lists of times, ascending, without duplicates
/// (a hand-written merge: a generic sort would cost the wasm several KB).
fn merge_sorted(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x <= y => {
                i += 1;
                if x == y {
                    j += 1;
                }
                x
            }
            (_, Some(&y)) => {
                j += 1;
                y
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, None) => break,
        };
        out.push(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_views_per_session_day_and_week_and_clicks() {
        let mut l = Ledger::new();
        record_view(&mut l, "hero", "a", Some("s1"), 0.0);
        record_view(&mut l, "hero", "a", Some("s1"), 1000.0);
        record_view(&mut l, "hero", "b", Some("s2"), DAY_MS + 1.0);
        record_click(&mut l, "hero", "b", DAY_MS + 2.0);
        let a = &l.at("hero").at("a");
        assert_eq!(
            (a.views, a.in_session(Some("s1")), a.in_session(Some("s2"))),
            (2, 2, 0)
        );
        let all = &l.at("hero").at(ALL);
        assert_eq!(
            (all.views, all.clicks, all.in_session(Some("s2"))),
            (3, 1, 1)
        );
        assert_eq!(all.within(DAY_MS, DAY_MS + 2.0), 2); // the view at 0 is 24 h old
        assert_eq!(all.within(WEEK_MS, DAY_MS + 2.0), 3);
        let doc = to_doc(&l, Some("s2"), DAY_MS + 2.0);
        assert_eq!(doc["hero"]["b"]["clicks"], 1.0);
        assert_eq!(doc["hero"]["b"]["lastClicked"], DAY_MS + 2.0);
        assert_eq!(doc["hero"]["a"]["sessionViews"], 0.0);
    }

    #[test]
    fn recent_views_and_slots_are_bounded() {
        let mut l = Ledger::new();
        for i in 0..(MAX_RECENT + 20) {
            record_view(&mut l, "hero", "a", None, i as f64);
        }
        assert_eq!(l.at("hero").at("a").recent.len(), MAX_RECENT);
        for i in 0..(MAX_SLOTS + 5) {
            record_view(&mut l, &format!("s{i}"), "a", None, 1e6 + i as f64);
        }
        assert_eq!(l.len(), MAX_SLOTS);
        assert!(!l.contains_key("hero"));
    }

    #[test]
    fn two_tabs_views_add_up() {
        let mut base = Ledger::new();
        record_view(&mut base, "hero", "a", Some("s"), 1.0);
        let (mut t1, mut t2) = (base.clone(), base.clone());
        record_view(&mut t1, "hero", "a", Some("s"), 2.0);
        record_view(&mut t2, "hero", "a", Some("s"), 3.0);
        record_click(&mut t2, "hero", "a", 4.0);
        let m = merge(&t1, &base, &t2);
        assert_eq!(
            (m.at("hero").at("a").views, m.at("hero").at("a").clicks),
            (3, 1)
        );
        assert_eq!(m.at("hero").at("a").recent, vec![1.0, 2.0, 3.0]);
        assert_eq!(
            merge_sorted(&[1.0, 4.0], &[0.5, 4.0, 9.0]),
            vec![0.5, 1.0, 4.0, 9.0]
        );
    }
}
