//! Frequency caps: at most N impressions per session, rolling day (24 h),
//! rolling week (7 days) or lifetime, for one variant or for a whole placement.

use crate::core::config::opt_num;
use crate::core::error::{join_path, AttuneError, Result};
use crate::core::exposures::{ExposureStats, DAY_MS, MAX_RECENT, WEEK_MS};
use crate::core::json::{Map, Value};

/// Limits; `None` = no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Caps {
    /// Per session.
    pub session: Option<u64>,
    /// Per rolling 24 hours.
    pub day: Option<u64>,
    /// Per rolling 7 days.
    pub week: Option<u64>,
    /// Ever.
    pub lifetime: Option<u64>,
}

/// Impression counts against the limits, for `explain`.
#[derive(Debug, Clone, PartialEq)]
pub struct CapState {
    /// The limits.
    pub limits: Caps,
    /// Impressions this session, last 24 h, last 7 days, ever.
    pub counts: [u64; 4],
    /// The first limit reached (`session`, `day`, `week`, `lifetime`), if any.
    pub capped: Option<&'static str>,
}

impl CapState {
    /// `{limits, counts: [session, day, week, lifetime], capped}` (`capped`
    /// is `null` when no limit is reached), as `explain` shows it.
    pub fn to_value(&self) -> Value {
        let mut counts = Vec::with_capacity(4);
        for n in self.counts {
            counts.push(Value::from(n));
        }
        let mut m = Map::with_capacity(3);
        m.insert("limits", self.limits.to_value());
        m.insert("counts", Value::Array(counts));
        m.insert("capped", Value::from(self.capped));
        Value::Object(m)
    }
}

impl Caps {
    /// The limits that are set: `{session?, day?, week?, lifetime?}`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(4);
        for (key, limit) in [
            ("session", self.session),
            ("day", self.day),
            ("week", self.week),
            ("lifetime", self.lifetime),
        ] {
            if let Some(n) = limit {
                m.insert(key, Value::from(n));
            }
        }
        Value::Object(m)
    }

    /// Reads `caps` of `obj` (absent = no limits); `parent` is the object's path.
    pub fn parse(obj: &Map, parent: &str) -> Result<Caps> {
        let path = join_path(parent, "caps");
        let m = match obj.get("caps") {
            None | Some(Value::Null) => return Ok(Caps::default()),
            Some(Value::Object(m)) => m,
            Some(_) => return Err(AttuneError::config(path, "expected an object")),
        };
        let get = |k: &str, max: Option<usize>| -> Result<Option<u64>> {
            match opt_num(m, k, &path)? {
                None => Ok(None),
                Some(n) if n >= 0.0 && n.fract() == 0.0 && max.is_none_or(|x| n <= x as f64) => {
                    Ok(Some(n as u64))
                }
                Some(_) => Err(AttuneError::config_at(
                    &path,
                    k,
                    match max {
                        Some(x) => crate::cat!("expected a whole number from 0 to ", x),
                        None => "expected a whole number >= 0".into(),
                    },
                )),
            }
        };
        // Placement and variant caps share one line of the key table.
        crate::core::config_keys::check(m, "placements[].caps", &path)?;
        Ok(Caps {
            session: get("session", None)?,
            day: get("day", Some(MAX_RECENT))?,
            week: get("week", Some(MAX_RECENT))?,
            lifetime: get("lifetime", None)?,
        })
    }

    /// Whether any limit is set.
    pub fn any(&self) -> bool {
        self.session.is_some()
            || self.day.is_some()
            || self.week.is_some()
            || self.lifetime.is_some()
    }

    /// The counters of `stats` against these limits at `now` in `session`.
    pub fn check(
        &self,
        stats: Option<&ExposureStats>,
        session: Option<&str>,
        now: f64,
    ) -> CapState {
        let counts = stats.map_or([0; 4], |s| {
            [
                s.in_session(session),
                s.within(DAY_MS, now),
                s.within(WEEK_MS, now),
                s.views,
            ]
        });
        let limits = [self.session, self.day, self.week, self.lifetime];
        let names = ["session", "day", "week", "lifetime"];
        let capped = (0..4)
            .find(|&i| limits[i].is_some_and(|l| counts[i] >= l))
            .map(|i| names[i]);
        CapState {
            limits: *self,
            counts,
            capped,
        }
    }
}
