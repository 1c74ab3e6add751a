//! A/B/n tests over some variants of a placement, bucketed exactly as
//! GrowthBook does: `hash(seed, value, hashVersion)` (version 2 by default)
//! placed in `getBucketRanges(n, coverage, weights)` by `chooseVariation`.
//! An optional holdout share (its own hash, seed `"<seed>:holdout"`) always
//! sees the default markup. Assignments are sticky: stored in the profile
//! under the experiment key with the hash attribute and value they were made
//! for, and reused while the participating variant still exists, so a later
//! change of weights does not move a visitor already assigned.

use crate::core::config::{opt_num, opt_str};
use crate::core::error::{join_path, AttuneError, Result};
use crate::core::json::{num, Map, Value};
use crate::core::rules::{choose_variation, get_bucket_ranges, hash, Condition, RegexEngine};
use crate::core::text::cat;

/// A stored assignment (profile `experiments.<key>`), stored as
/// `{"variant": id | null, "hashAttribute", "hashValue", "at"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sticky {
    /// Assigned variant id; `None` for the holdout.
    pub variant: Option<String>,
    /// The hash attribute the assignment was made with.
    pub hash_attribute: String,
    /// Its value then.
    pub hash_value: String,
    /// When, epoch ms.
    pub at: f64,
}

impl Sticky {
    /// The stored form: `{"variant", "hashAttribute", "hashValue", "at"}`
    /// (`variant` is `null` for the holdout).
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(4);
        m.insert("variant", Value::from(self.variant.clone()));
        m.insert("hashAttribute", Value::from(self.hash_attribute.as_str()));
        m.insert("hashValue", Value::from(self.hash_value.as_str()));
        m.insert("at", finite(self.at));
        Value::Object(m)
    }

    /// Reads the stored form: `variant` may be missing or `null`; the other
    /// three are required; other keys are ignored.
    pub fn from_value(v: &Value) -> Result<Sticky, String> {
        let Value::Object(m) = v else {
            return Err("expected an object".to_string());
        };
        let text = |key: &str| match m.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(cat!(key, ": expected a string")),
            None => Err(cat!("missing field ", key)),
        };
        let variant = match m.get("variant") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err("variant: expected a string or null".to_string()),
        };
        let at = match m.get("at") {
            Some(Value::Number(n)) => *n,
            Some(_) => return Err("at: expected a number".to_string()),
            None => return Err("missing field at".to_string()),
        };
        Ok(Sticky {
            variant,
            hash_attribute: text("hashAttribute")?,
            hash_value: text("hashValue")?,
            at,
        })
    }
}

/// A number as JSON holds it: non-finite ones as `null`.
fn finite(x: f64) -> Value {
    if x.is_finite() {
        Value::Number(x)
    } else {
        Value::Null
    }
}

/// A compiled experiment.
#[derive(Debug)]
pub struct Experiment {
    /// Experiment key.
    pub key: String,
    /// Indices (into the placement's variants) of the participating variants.
    pub arms: Vec<usize>,
    weights: Vec<f64>,
    coverage: f64,
    seed: String,
    /// Path of the hashed attribute in the attribute document.
    pub hash_attribute: String,
    hash_version: i64,
    holdout: f64,
    when: Option<Condition>,
}

/// The experiment's part of a decision (`decide().experiment`).
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentInfo {
    /// Experiment key.
    pub key: String,
    /// Assigned variant id (`null` in the holdout or outside the experiment).
    pub variant: Option<String>,
    /// Whether the visitor is bucketed into an arm.
    pub in_experiment: bool,
    /// Whether the visitor is in the holdout.
    pub holdout: bool,
    /// The hashed attribute.
    pub hash_attribute: String,
    /// Its value.
    pub hash_value: String,
    /// The hash in `[0, 1)` the bucket was chosen with (`null` when reused or skipped).
    pub bucket: Option<f64>,
    /// Whether a stored assignment was reused.
    pub sticky: bool,
}

impl ExperimentInfo {
    /// `{key, variant, inExperiment, holdout, hashAttribute, hashValue,
    /// bucket, sticky}` (`variant` and `bucket` may be `null`).
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(8);
        m.insert("key", Value::from(self.key.as_str()));
        m.insert("variant", Value::from(self.variant.clone()));
        m.insert("inExperiment", Value::Bool(self.in_experiment));
        m.insert("holdout", Value::Bool(self.holdout));
        m.insert("hashAttribute", Value::from(self.hash_attribute.as_str()));
        m.insert("hashValue", Value::from(self.hash_value.as_str()));
        m.insert("bucket", self.bucket.map_or(Value::Null, finite));
        m.insert("sticky", Value::Bool(self.sticky));
        Value::Object(m)
    }
}

/// What the experiment did for one visitor.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Not run: `condition`, `no hash value`, `coverage` or `fewer than 2 variants`.
    Skipped(&'static str, Option<ExperimentInfo>),
    /// In the holdout: the default markup.
    Holdout(ExperimentInfo),
    /// Assigned the variant at this placement index.
    Assigned(usize, ExperimentInfo),
}

impl Experiment {
    /// Reads `experiment` of a placement at `path`; `ids` are the placement's variant ids.
    pub fn parse(
        obj: &Map,
        path: &str,
        slot: &str,
        ids: &[String],
        regex: &dyn RegexEngine,
    ) -> Result<Option<Experiment>> {
        let path = join_path(path, "experiment");
        let m = match obj.get("experiment") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(m)) => m,
            Some(_) => return Err(AttuneError::config(path, "expected an object")),
        };
        let key = opt_str(m, "key", &path)?.unwrap_or(slot).to_string();
        let arms = match m.get("variants") {
            None | Some(Value::Null) => {
                let mut all = Vec::with_capacity(ids.len());
                for i in 0..ids.len() {
                    all.push(i);
                }
                all
            }
            Some(Value::Array(a)) => arm_indices(a, ids).ok_or_else(|| {
                AttuneError::config_at(
                    &path,
                    "variants",
                    "expected ids of this placement's variants",
                )
            })?,
            Some(_) => {
                return Err(AttuneError::config_at(
                    &path,
                    "variants",
                    "expected an array of variant ids",
                ))
            }
        };
        let n = arms.len();
        let weights = match m.get("weights") {
            None | Some(Value::Null) => vec![1.0 / n.max(1) as f64; n],
            Some(Value::Array(a)) => {
                let w = numbers(a);
                match w {
                    Some(w)
                        if w.len() == n
                            && w.iter().all(|x| *x >= 0.0)
                            && (w.iter().sum::<f64>() - 1.0).abs() <= 0.01 =>
                    {
                        w
                    }
                    _ => {
                        return Err(AttuneError::config_at(
                            &path,
                            "weights",
                            cat!("expected ", n, " numbers summing to 1"),
                        ))
                    }
                }
            }
            Some(_) => {
                return Err(AttuneError::config_at(
                    &path,
                    "weights",
                    cat!("expected ", n, " numbers summing to 1"),
                ))
            }
        };
        let share = |k: &str, default: f64, max_incl: bool| -> Result<f64> {
            let v = opt_num(m, k, &path)?.unwrap_or(default);
            if v >= 0.0 && (v < 1.0 || (max_incl && v <= 1.0)) {
                Ok(v)
            } else {
                Err(AttuneError::config_at(
                    &path,
                    k,
                    if max_incl {
                        "expected a number from 0 to 1"
                    } else {
                        "expected a number from 0 to below 1"
                    },
                ))
            }
        };
        let coverage = share("coverage", 1.0, true)?;
        let holdout = share("holdout", 0.0, false)?;
        let hash_version = match opt_num(m, "hashVersion", &path)? {
            None => 2,
            Some(v) if v == 1.0 || v == 2.0 => v as i64,
            Some(_) => {
                return Err(AttuneError::config_at(
                    &path,
                    "hashVersion",
                    "expected 1 or 2",
                ))
            }
        };
        let when = match m.get("when").filter(|w| !w.is_null()) {
            None => None,
            Some(w) => Some(Condition::compile(w, &join_path(&path, "when"), regex)?),
        };
        Ok(Some(Experiment {
            seed: opt_str(m, "seed", &path)?.unwrap_or(&key).to_string(),
            key,
            arms,
            weights,
            coverage,
            hash_attribute: opt_str(m, "hashAttribute", &path)?
                .unwrap_or("anonymousId")
                .to_string(),
            hash_version,
            holdout,
            when,
        }))
    }

    /// Runs the experiment for the attribute document `doc`, reusing `stored`
    /// when it was made for the same hash attribute and value; `ids` are the
    /// placement's variant ids.
    pub fn assign(&self, doc: &Value, ids: &[String], stored: Option<&Sticky>) -> Outcome {
        if self.when.as_ref().is_some_and(|c| !c.eval(doc, None)) {
            return Outcome::Skipped("condition", None);
        }
        let value = hash_value(doc, &self.hash_attribute);
        if value.is_empty() {
            return Outcome::Skipped("no hash value", None);
        }
        let mut info = ExperimentInfo {
            key: self.key.clone(),
            variant: None,
            in_experiment: false,
            holdout: false,
            hash_attribute: self.hash_attribute.clone(),
            hash_value: value.clone(),
            bucket: None,
            sticky: false,
        };
        if self.arms.len() < 2 {
            return Outcome::Skipped("fewer than 2 variants", Some(info));
        }
        if let Some(s) =
            stored.filter(|s| s.hash_attribute == self.hash_attribute && s.hash_value == value)
        {
            info.sticky = true;
            match &s.variant {
                None if self.holdout > 0.0 => {
                    info.holdout = true;
                    return Outcome::Holdout(info);
                }
                Some(v) => {
                    if let Some(&i) = self.arms.iter().find(|&&i| ids.get(i) == Some(v)) {
                        info.variant = Some(v.clone());
                        info.in_experiment = true;
                        return Outcome::Assigned(i, info);
                    }
                }
                None => {}
            }
            info.sticky = false;
        }
        let holdout_seed = cat!(self.seed, ":holdout");
        if self.holdout > 0.0
            && hash(&holdout_seed, &value, self.hash_version).is_some_and(|h| h < self.holdout)
        {
            info.holdout = true;
            return Outcome::Holdout(info);
        }
        let Some(n) = hash(&self.seed, &value, self.hash_version) else {
            return Outcome::Skipped("coverage", Some(info));
        };
        info.bucket = Some(n);
        match self.choose(n).and_then(|c| self.arms.get(c)) {
            Some(&i) => {
                info.variant = ids.get(i).cloned();
                info.in_experiment = true;
                Outcome::Assigned(i, info)
            }
            None => Outcome::Skipped("coverage", Some(info)),
        }
    }
}

impl Experiment {
    /// The `[start, end)` hash range of each arm (GrowthBook's `getBucketRanges`).
    pub fn ranges(&self) -> Vec<(f64, f64)> {
        let count = i32::try_from(self.arms.len()).unwrap_or(i32::MAX);
        get_bucket_ranges(count, self.coverage, Some(&self.weights))
    }

    /// The arm (position in [`Experiment::arms`]) whose range holds the hash
    /// `n` (GrowthBook's `chooseVariation`); `None` outside coverage.
    pub fn choose(&self, n: f64) -> Option<usize> {
        usize::try_from(choose_variation(n, &self.ranges())).ok()
    }
}

/// The hash attribute's value as GrowthBook reads it: a string, or a number in
/// its JavaScript form (`String(n)`); anything else (missing, null, objects)
/// is empty.
pub fn hash_value(doc: &Value, path: &str) -> String {
    let v = path.split('.').try_fold(doc, |cur, k| cur.get(k));
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => num::f64_text(*n),
        Some(Value::Bool(b)) => if *b { "true" } else { "false" }.to_string(),
        _ => String::new(),
    }
}
/// The index in `ids` of each variant id of `a`; `None` when one is not there.
fn arm_indices(a: &[Value], ids: &[String]) -> Option<Vec<usize>> {
    let mut out = Vec::with_capacity(a.len());
    for v in a {
        let s = v.as_str()?;
        out.push(ids.iter().position(|i| i == s)?);
    }
    Some(out)
}

/// Every item as a number, or `None` when one is not a number.
fn numbers(a: &[Value]) -> Option<Vec<f64>> {
    let mut out = Vec::with_capacity(a.len());
    for v in a {
        out.push(v.as_f64()?);
    }
    Some(out)
}
