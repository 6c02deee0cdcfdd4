//! A parameter varied over a declared range: calibration's uncertain parameters and sensitivity's
//! factors are the same thing (a path, a range, an optional log scale) read from two tables, so
//! they are checked once, here, against the schema and by resolving the scenario at both ends.

use serde::{Deserialize, Serialize};
use toml::Value;

use super::{Origin, Override, ParamKind, Scenario, ScenarioSource, kind_at};
use crate::error::{Error, Result};

/// A parameter and the range it is varied over, checked against the schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranged {
    /// Its path, as for `--set`.
    pub path: String,
    /// Lowest value.
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
    /// Varied on a log scale (both ends above 0).
    pub log: bool,
    /// A whole number (values are rounded).
    pub whole: bool,
}

/// One `[[<table>]]` entry as written: path, lo, hi, log scale.
#[derive(Debug, Clone, Copy)]
pub struct Declared<'a> {
    /// The parameter path.
    pub path: &'a str,
    /// Lowest value.
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
    /// On a log scale.
    pub log: bool,
}

impl Ranged {
    /// Into the space a design is drawn in (the logarithm for a log-scale parameter).
    pub fn design_at(&self, x: f64) -> f64 {
        if self.log { x.ln() } else { x }
    }

    /// Back from the design space, rounded for a whole number and kept inside the range.
    pub fn from_design(&self, u: f64) -> f64 {
        let x = if self.log { u.exp() } else { u };
        self.fit(x)
    }

    /// The value at unit coordinate `u` in [0, 1] of the range (of its logarithm on a log scale).
    pub fn at_unit(&self, u: f64) -> f64 {
        let x = if self.log {
            let (a, b) = (self.lo.ln(), self.hi.ln());
            (a + u * (b - a)).exp()
        } else {
            self.lo + u * (self.hi - self.lo)
        };
        self.fit(x)
    }

    /// Rounded for a whole number, and kept inside the range.
    fn fit(&self, x: f64) -> f64 {
        let x = if self.whole { x.round() } else { x };
        x.clamp(self.lo, self.hi)
    }

    /// The value as a scenario value.
    pub fn value(&self, x: f64) -> Value {
        if self.whole {
            Value::Integer(x as i64)
        } else {
            Value::Float(x)
        }
    }
}

/// Checks the entries of the table `table` (e.g. `sensitivity.param`): at least one, every path
/// a number or whole number of the schema and given once, `lo < hi`, `lo > 0` on a log scale, and
/// the scenario (with the `base` overrides) valid at both ends. Errors name the key and where it
/// was written.
pub fn check_ranges(
    source: &ScenarioSource,
    base: &[Override],
    table: &str,
    declared: &[Declared<'_>],
) -> Result<Vec<Ranged>> {
    if declared.is_empty() {
        return Err(Error::Invalid {
            at: Origin::File {
                path: source.path.clone(),
                line: 1,
                column: 1,
            },
            key: table.into(),
            message: format!("expected [[{table}]] tables with path, lo and hi, found none"),
        });
    }
    let mut out: Vec<Ranged> = Vec::new();
    for (i, p) in declared.iter().enumerate() {
        let key = |k: &str| format!("{table}[{i}].{k}");
        let bad = |k: &str, message: String| Error::Invalid {
            at: source.origin(&key(k)),
            key: key(k),
            message,
        };
        let whole = match kind_at(p.path) {
            Some(ParamKind::Float { .. }) => false,
            Some(ParamKind::Int { .. }) => true,
            Some(other) => {
                return Err(bad(
                    "path",
                    format!(
                        "expected the path of a number or a whole number, found `{}`, which takes {}",
                        p.path,
                        other.describe()
                    ),
                ));
            }
            None => {
                return Err(bad(
                    "path",
                    format!(
                        "expected a parameter path, as for --set, found `{}`",
                        p.path
                    ),
                ));
            }
        };
        if p.lo.is_nan() || p.hi.is_nan() || p.lo >= p.hi {
            return Err(bad(
                "hi",
                format!("expected lo < hi, found lo = {} and hi = {}", p.lo, p.hi),
            ));
        }
        if p.log && p.lo <= 0.0 {
            return Err(bad(
                "lo",
                format!("a log scale needs lo > 0, found lo = {}", p.lo),
            ));
        }
        let ranged = Ranged {
            path: p.path.to_string(),
            lo: p.lo,
            hi: p.hi,
            log: p.log,
            whole,
        };
        for (end, x) in [("lo", p.lo), ("hi", p.hi)] {
            let mut o = base.to_vec();
            o.push(Override::new(
                p.path,
                ranged.value(x),
                source.origin(&key(end)),
            ));
            source.resolve(&o)?;
        }
        if out.iter().any(|f| f.path == p.path) {
            return Err(bad(
                "path",
                format!("expected each path once, found `{}` again", p.path),
            ));
        }
        out.push(ranged);
    }
    Ok(out)
}

/// The declared entries of `[[calibration.param]]`.
pub fn calibration_params(s: &Scenario) -> Vec<Declared<'_>> {
    s.calibration
        .param
        .iter()
        .map(|p| Declared {
            path: &p.path,
            lo: p.lo,
            hi: p.hi,
            log: p.log,
        })
        .collect()
}

/// The declared entries of `[[sensitivity.param]]`.
pub fn sensitivity_params(s: &Scenario) -> Vec<Declared<'_>> {
    s.sensitivity
        .param
        .iter()
        .map(|p| Declared {
            path: &p.path,
            lo: p.lo,
            hi: p.hi,
            log: p.log,
        })
        .collect()
}

/// Sections that drive commands rather than the model, and `simulation`, whose numbers size the
/// run: none of them is a model parameter to vary.
const NOT_MODEL: [&str; 6] = [
    "simulation",
    "experiment",
    "sweep",
    "calibration",
    "sensitivity",
    "output",
];

/// The lowest a logic weight goes under `--all-params`.
const LOGIC_WEIGHT_FLOOR: f64 = 0.01;

/// Every real-valued model parameter with a bounded declared range, as a `[[sensitivity.param]]`
/// list for `sensitivity --all-params`: each over the widest part of its declared range at which
/// the scenario (with `base`) is still valid with everything else as it is — a share's mean
/// cannot reach 0 while its spread is 0.12 — found by bisection from each end toward the
/// scenario's own value; a logic weight's range starts at 0.01. Whole numbers (counts, months), the spreads of distributions and the
/// entries of lists (providers, initiatives, events) are left out: a count's range is its cap, not a plausible spread, and
/// list entries are named by the scenario, not the schema.
pub fn all_model_params(source: &ScenarioSource, base: &[Override]) -> Result<Value> {
    let s = source.resolve(base)?;
    let current = Value::try_from(&s).map_err(|e| Error::Merge(e.to_string()))?;
    let mut leaves = Vec::new();
    super::schema::leaves(Scenario::fields(), "", &mut leaves);
    let valid = |path: &str, x: f64| {
        let mut with = base.to_vec();
        with.push(Override::new(
            path,
            Value::Float(x),
            Origin::Flag("--all-params".into()),
        ));
        source.resolve(&with).is_ok()
    };
    let mut params = Vec::new();
    for (path, field) in leaves {
        let head = path.split('.').next().unwrap_or("");
        // A spread is varied with its mean fixed only: together they may leave the shares'
        // Beta without a valid shape, so the spreads stay as the scenario gives them.
        if path.contains("[]") || NOT_MODEL.contains(&head) || path.ends_with(".sd") {
            continue;
        }
        let ParamKind::Float { lo, hi } = field.kind else {
            continue;
        };
        if lo == f64::MIN || hi == f64::MAX {
            continue;
        }
        let Some(now) = path
            .split('.')
            .try_fold(&current, |node, part| node.get(part))
            .and_then(Value::as_float)
        else {
            continue;
        };
        // The valid end nearest the declared one: bisect between it and the current value.
        let end = |bound: f64| {
            if valid(&path, bound) {
                return bound;
            }
            let (mut bad, mut good) = (bound, now);
            for _ in 0..30 {
                let mid = 0.5 * (bad + good);
                if valid(&path, mid) {
                    good = mid;
                } else {
                    bad = mid;
                }
            }
            good
        };
        // A logic weight keeps a floor: with all three of a mix at 0 together it has no shape.
        let is_weight = ["market", "hierarchy", "network"].iter().any(|w| {
            path.ends_with(&format!(".logic.{w}")) || path.ends_with(&format!(".regime.{w}"))
        });
        let lo = if is_weight {
            lo.max(LOGIC_WEIGHT_FLOOR)
        } else {
            lo
        };
        let (a, b) = (end(lo), end(hi));
        if a < b {
            let mut t = toml::map::Map::new();
            t.insert("path".into(), Value::String(path));
            t.insert("lo".into(), Value::Float(a));
            t.insert("hi".into(), Value::Float(b));
            params.push(Value::Table(t));
        }
    }
    Ok(Value::Array(params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranged(lo: f64, hi: f64, log: bool, whole: bool) -> Ranged {
        Ranged {
            path: "p".into(),
            lo,
            hi,
            log,
            whole,
        }
    }

    #[test]
    fn a_linear_range_maps_the_unit_interval_onto_itself() {
        let r = ranged(0.2, 0.6, false, false);
        assert_eq!(r.at_unit(0.0), 0.2);
        assert_eq!(r.at_unit(1.0), 0.6);
        assert_eq!(r.at_unit(0.5), 0.2 + 0.5 * (0.6 - 0.2));
        assert_eq!(r.from_design(r.design_at(0.3)), 0.3);
    }

    #[test]
    fn a_log_range_puts_the_geometric_mean_at_the_middle() {
        let r = ranged(0.01, 1.0, true, false);
        assert!((r.at_unit(0.5) - 0.1).abs() < 1e-12);
        let mid = r.from_design(0.5 * (r.design_at(0.01) + r.design_at(1.0)));
        assert!((mid - 0.1).abs() < 1e-12);
        assert_eq!(r.at_unit(1.0), 1.0);
    }

    #[test]
    fn a_whole_number_is_rounded_and_kept_in_range() {
        let r = ranged(1.0, 3.0, false, true);
        assert_eq!(r.from_design(2.4), 2.0);
        assert_eq!(r.from_design(9.0), 3.0);
        assert_eq!(r.value(2.0), Value::Integer(2));
    }
}
