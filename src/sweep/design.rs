//! Sweep designs: which parameters, over what ranges, and the value of each parameter at each
//! design point. A design is checked once when it is made; after that every point can be asked
//! for its values without failing.

use serde::{Deserialize, Serialize};
use toml::Value;

use crate::error::{Error, Result};
use crate::output::fmt;
use crate::scenario::{Origin, Override, ParamKind, ScenarioSource, SweepParam, kind_at};
use crate::stats::latin_hypercube;

/// Most design points a sweep may have; far beyond any sweep one would run, it only keeps the
/// point count, and the Latin hypercube's memory, within reason.
pub const MAX_POINTS: u64 = 10_000_000;

/// The kind of design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DesignKind {
    /// Every combination of the parameters' grid values.
    Grid,
    /// A Latin hypercube of `points` points.
    Lhs,
    /// The rows of a CSV file whose header names parameter paths (e.g. a SALib or EMA sample).
    Table,
}

impl DesignKind {
    /// The name used in scenario files and `sweep.json`.
    pub fn name(self) -> &'static str {
        match self {
            DesignKind::Grid => "grid",
            DesignKind::Lhs => "lhs",
            DesignKind::Table => "table",
        }
    }
}

/// How a swept value becomes a scenario value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// A real number.
    Float,
    /// A whole number: grid values are rounded, hypercube strata split the integers evenly.
    Int,
    /// A switch swept as 0 (false) and 1 (true).
    Bool,
}

/// One swept parameter, checked against the schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Parameter path as for `--set`; also the column name in `sweep.csv`.
    pub path: String,
    /// Its kind.
    pub kind: Scale,
    /// Lowest value (0 or 1 for a switch).
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
    /// Grid values (absent for a Latin hypercube).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub steps: Option<u32>,
}

/// A parameter as asked for, before it is checked: from `--param` or `[[sweep.param]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// Parameter path.
    pub path: String,
    /// Lowest value.
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
    /// Grid values, when given.
    pub steps: Option<u32>,
    /// Where it was written, for messages.
    pub origin: String,
}

impl ParamSpec {
    /// Parses `PATH=LO:HI[:STEPS]`; `LO` and `HI` may be `false` and `true` for a switch.
    pub fn parse(arg: &str) -> Result<Self> {
        let bad = |message: String| Error::Argument {
            flag: "--param",
            arg: arg.to_string(),
            message,
        };
        let (path, range) = arg.split_once('=').ok_or_else(|| {
            bad("expected PATH=LO:HI:STEPS, e.g. arenas.practice.grassroots_adoption=0:1:11".into())
        })?;
        let path = path.trim();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(bad(
                "the parameter path is empty or has an empty part".into()
            ));
        }
        let parts: Vec<&str> = range.split(':').map(str::trim).collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(bad(
                "expected LO:HI:STEPS after `=` (STEPS may be left out for a Latin hypercube)"
                    .into(),
            ));
        }
        let number = |s: &str| -> Result<f64> {
            match s {
                "false" => Ok(0.0),
                "true" => Ok(1.0),
                _ => s
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| bad(format!("`{s}` is not a number"))),
            }
        };
        let steps = match parts.get(2) {
            Some(s) => Some(
                s.parse::<u32>()
                    .ok()
                    .filter(|&n| n >= 1)
                    .ok_or_else(|| bad(format!("STEPS `{s}` is not a whole number >= 1")))?,
            ),
            None => None,
        };
        Ok(ParamSpec {
            path: path.to_string(),
            lo: number(parts[0])?,
            hi: number(parts[1])?,
            steps,
            origin: format!("--param {arg}"),
        })
    }

    /// A parameter from the scenario's `[[sweep.param]]` table.
    pub fn from_scenario(p: &SweepParam, index: usize) -> Self {
        ParamSpec {
            path: p.path.clone(),
            lo: p.lo,
            hi: p.hi,
            steps: Some(p.steps),
            origin: format!("sweep.param[{index}]"),
        }
    }
}

/// A checked design: its parameters and how many points it has.
#[derive(Debug, Clone)]
pub struct Design {
    /// Grid or Latin hypercube.
    pub kind: DesignKind,
    /// The swept parameters, in column order.
    pub params: Vec<Param>,
    /// Number of design points.
    pub points: u64,
    /// The hypercube's unit coordinates, `points × params`, point-major; empty for a grid.
    lhs: Vec<f64>,
    /// A table design's values, one row per point; empty otherwise.
    rows: Vec<Vec<Level>>,
}

/// One parameter's value at a design point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Level {
    /// A real number.
    Float(f64),
    /// A whole number.
    Int(i64),
    /// A switch.
    Bool(bool),
}

impl Level {
    /// As a TOML value for an override.
    pub fn to_toml(self) -> Value {
        match self {
            Level::Float(x) => Value::Float(x),
            Level::Int(i) => Value::Integer(i),
            Level::Bool(b) => Value::Boolean(b),
        }
    }

    /// As written in `sweep.csv`.
    pub fn to_csv(self) -> String {
        match self {
            Level::Float(x) => fmt(x),
            Level::Int(i) => i.to_string(),
            Level::Bool(b) => b.to_string(),
        }
    }
}

impl Design {
    /// Checks the parameters against the schema and the scenario, and lays out the design.
    /// `seed` seeds the Latin hypercube.
    pub fn new(
        kind: DesignKind,
        specs: &[ParamSpec],
        lhs_points: u64,
        seed: u64,
        source: &ScenarioSource,
        base: &[Override],
    ) -> Result<Self> {
        if specs.is_empty() {
            return Err(Error::Argument {
                flag: "--param",
                arg: String::new(),
                message: "nothing to sweep: give --param PATH=LO:HI:STEPS or add \
                          [[sweep.param]] tables to the scenario"
                    .into(),
            });
        }
        let mut params = Vec::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            if let Some(j) = specs[..i].iter().position(|s| s.path == spec.path) {
                return Err(spec_error(
                    spec,
                    format!(
                        "`{}` is swept twice (also by {})",
                        spec.path, specs[j].origin
                    ),
                ));
            }
            params.push(check_param(kind, spec, source, base)?);
        }
        if kind == DesignKind::Table {
            return Err(Error::Argument {
                flag: "--design",
                arg: "table".into(),
                message: "a table design is read from its file (sweep SCENARIO --design table \
                          FILE.csv)"
                    .into(),
            });
        }
        let points = match kind {
            DesignKind::Grid => params.iter().try_fold(1u64, |n, p| {
                n.checked_mul(u64::from(p.steps.unwrap_or(1)))
                    .filter(|&n| n <= MAX_POINTS)
            }),
            DesignKind::Lhs | DesignKind::Table => {
                Some(lhs_points).filter(|&n| (1..=MAX_POINTS).contains(&n))
            }
        }
        .ok_or_else(|| Error::Argument {
            flag: "--param",
            arg: String::new(),
            message: format!("the design must have between 1 and {MAX_POINTS} points"),
        })?;
        let lhs = match kind {
            DesignKind::Grid | DesignKind::Table => Vec::new(),
            DesignKind::Lhs => latin_hypercube(points, params.len(), seed),
        };
        Ok(Design {
            kind,
            params,
            points,
            lhs,
            rows: Vec::new(),
        })
    }

    /// A table design from CSV text (`file` names it in messages): a header of parameter paths
    /// (numbers, whole numbers or switches of the schema, each once), then one row per point.
    /// Every value is checked against its key's range and every row resolved with the scenario,
    /// so a bad file is refused before any work, naming the file, line, column and key.
    pub fn from_table(
        text: &str,
        file: &std::path::Path,
        source: &ScenarioSource,
        base: &[Override],
    ) -> Result<Self> {
        let at = |line: u64, column: usize| Origin::File {
            path: file.to_path_buf(),
            line: line as usize,
            column,
        };
        let bad = |line: u64, column: usize, key: &str, message: String| Error::Invalid {
            at: at(line, column),
            key: key.to_string(),
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut records = reader.records();
        let header = match records.next() {
            Some(Ok(h)) => h,
            Some(Err(e)) => return Err(bad(1, 1, "header", format!("unreadable CSV: {e}"))),
            None => {
                return Err(bad(
                    1,
                    1,
                    "header",
                    "expected a header of parameter paths, found an empty file".into(),
                ));
            }
        };
        let mut params = Vec::new();
        for (c, name) in header.iter().enumerate() {
            let scale = match kind_at(name) {
                Some(ParamKind::Float { .. }) => Scale::Float,
                Some(ParamKind::Int { .. }) => Scale::Int,
                Some(ParamKind::Bool) => Scale::Bool,
                Some(other) => {
                    return Err(bad(
                        1,
                        c + 1,
                        name,
                        format!(
                            "expected a number, whole number or switch parameter, found one \
                             that takes {}",
                            other.describe()
                        ),
                    ));
                }
                None => {
                    return Err(bad(
                        1,
                        c + 1,
                        name,
                        "expected a parameter path as for --set in the header".into(),
                    ));
                }
            };
            if params.iter().any(|p: &Param| p.path == name) {
                return Err(bad(1, c + 1, name, "expected each path once".into()));
            }
            params.push(Param {
                path: name.to_string(),
                kind: scale,
                lo: f64::INFINITY,
                hi: f64::NEG_INFINITY,
                steps: None,
            });
        }
        let mut rows: Vec<Vec<Level>> = Vec::new();
        for record in records {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                bad(line, 1, "row", format!("unreadable CSV: {e}"))
            })?;
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(str::is_empty) {
                continue;
            }
            if record.len() != params.len() {
                return Err(bad(
                    line,
                    record.len().min(params.len()) + 1,
                    "row",
                    format!(
                        "expected {} values (one per header column), found {}",
                        params.len(),
                        record.len()
                    ),
                ));
            }
            let mut row = Vec::with_capacity(params.len());
            for (c, (value, p)) in record.iter().zip(params.iter_mut()).enumerate() {
                let kind = kind_at(&p.path);
                let level = match (p.kind, kind) {
                    (Scale::Float, Some(ParamKind::Float { lo, hi })) => value
                        .parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite() && (lo..=hi).contains(x))
                        .map(Level::Float),
                    (Scale::Int, Some(ParamKind::Int { lo, hi })) => value
                        .parse::<i64>()
                        .ok()
                        .or_else(|| {
                            value
                                .parse::<f64>()
                                .ok()
                                .filter(|x| x.fract() == 0.0 && x.abs() < 9e15)
                                .map(|x| x as i64)
                        })
                        .filter(|x| (lo..=hi).contains(x))
                        .map(Level::Int),
                    (Scale::Bool, _) => match value {
                        "true" | "1" => Some(Level::Bool(true)),
                        "false" | "0" => Some(Level::Bool(false)),
                        _ => None,
                    },
                    _ => None,
                };
                let Some(level) = level else {
                    return Err(bad(
                        line,
                        c + 1,
                        &p.path,
                        format!(
                            "expected {}, found `{value}`",
                            kind.map(|k| k.describe()).unwrap_or_default()
                        ),
                    ));
                };
                let x = match level {
                    Level::Float(x) => x,
                    Level::Int(i) => i as f64,
                    Level::Bool(b) => f64::from(u8::from(b)),
                };
                p.lo = p.lo.min(x);
                p.hi = p.hi.max(x);
                row.push(level);
            }
            // The scenario with this row's values must be valid as a whole.
            let mut o = base.to_vec();
            for (p, l) in params.iter().zip(&row) {
                o.push(Override::new(&p.path, l.to_toml(), at(line, 1)));
            }
            source.resolve(&o)?;
            rows.push(row);
            if rows.len() as u64 > MAX_POINTS {
                return Err(bad(
                    line,
                    1,
                    "row",
                    format!("expected at most {MAX_POINTS} points"),
                ));
            }
        }
        if rows.is_empty() {
            return Err(bad(
                2,
                1,
                "row",
                "expected at least one row of values after the header, found none".into(),
            ));
        }
        Ok(Design {
            kind: DesignKind::Table,
            params,
            points: rows.len() as u64,
            lhs: Vec::new(),
            rows,
        })
    }

    /// The parameters' values at `point` (below [`Design::points`]).
    pub fn levels(&self, point: u64) -> Vec<Level> {
        match self.kind {
            DesignKind::Grid => {
                // The first parameter varies slowest, as in nested loops written in order.
                let mut rest = point;
                let mut out = vec![Level::Float(0.0); self.params.len()];
                for (k, p) in self.params.iter().enumerate().rev() {
                    let steps = u64::from(p.steps.unwrap_or(1)).max(1);
                    out[k] = grid_level(p, rest % steps, steps);
                    rest /= steps;
                }
                out
            }
            DesignKind::Table => self.rows[point as usize].clone(),
            DesignKind::Lhs => {
                let k = self.params.len();
                let row = &self.lhs[point as usize * k..(point as usize + 1) * k];
                self.params
                    .iter()
                    .zip(row)
                    .map(|(p, &u)| lhs_level(p, u))
                    .collect()
            }
        }
    }

    /// The overrides that set the parameters to their values at `point`.
    pub fn overrides(&self, point: u64) -> Vec<Override> {
        self.params
            .iter()
            .zip(self.levels(point))
            .map(|(p, level)| {
                Override::new(
                    &p.path,
                    level.to_toml(),
                    Origin::Flag(format!(
                        "sweep point {point}: {}={}",
                        p.path,
                        level.to_csv()
                    )),
                )
            })
            .collect()
    }
}

fn grid_level(p: &Param, j: u64, steps: u64) -> Level {
    let x = if steps <= 1 {
        p.lo
    } else if j + 1 == steps {
        // Exactly `hi`, whatever the rounding of the step.
        p.hi
    } else {
        p.lo + (p.hi - p.lo) * j as f64 / (steps - 1) as f64
    };
    match p.kind {
        Scale::Float => Level::Float(x),
        Scale::Int => Level::Int(x.round() as i64),
        Scale::Bool => Level::Bool(x.round() != 0.0),
    }
}

fn lhs_level(p: &Param, u: f64) -> Level {
    match p.kind {
        Scale::Float => Level::Float(p.lo + (p.hi - p.lo) * u),
        // Whole numbers lo..=hi get equal shares of the unit interval, so the end values are as
        // likely as the middle ones (rounding would halve them).
        Scale::Int | Scale::Bool => {
            let (lo, hi) = (p.lo.min(p.hi), p.lo.max(p.hi));
            let span = hi - lo + 1.0;
            let x = (lo + (span * u).floor()).min(hi);
            if p.kind == Scale::Int {
                Level::Int(x as i64)
            } else {
                Level::Bool(x != 0.0)
            }
        }
    }
}

fn spec_error(spec: &ParamSpec, message: String) -> Error {
    Error::Argument {
        flag: if spec.origin.starts_with("--param") {
            "--param"
        } else {
            "[sweep]"
        },
        arg: spec.origin.trim_start_matches("--param ").to_string(),
        message,
    }
}

fn check_param(
    kind: DesignKind,
    spec: &ParamSpec,
    source: &ScenarioSource,
    base: &[Override],
) -> Result<Param> {
    let try_value = |value: Value| {
        let mut o = base.to_vec();
        o.push(Override::new(
            &spec.path,
            value,
            Origin::Flag(spec.origin.clone()),
        ));
        source.resolve(&o).map(|_| ())
    };
    let scale = match kind_at(&spec.path) {
        Some(ParamKind::Float { .. }) => Scale::Float,
        Some(ParamKind::Int { .. }) => Scale::Int,
        Some(ParamKind::Bool) => Scale::Bool,
        Some(other) => {
            return Err(spec_error(
                spec,
                format!(
                    "`{}` takes {}; only numbers, whole numbers and switches can be swept",
                    spec.path,
                    other.describe()
                ),
            ));
        }
        None => {
            // Resolving names the unknown key and its nearest known neighbour.
            try_value(Value::Float(spec.lo))?;
            return Err(spec_error(
                spec,
                format!("`{}` is not a parameter that can be swept", spec.path),
            ));
        }
    };
    let steps = match kind {
        DesignKind::Lhs | DesignKind::Table => None,
        // A switch has two values; more steps would only repeat them.
        DesignKind::Grid if scale == Scale::Bool => Some(if spec.lo == spec.hi { 1 } else { 2 }),
        // A grid's points are the user's choice, never a silent default.
        DesignKind::Grid => Some(spec.steps.ok_or_else(|| {
            spec_error(
                spec,
                format!(
                    "a grid needs the number of values: write `{}={}:{}:STEPS` (e.g. :11 for \
                     steps of a tenth of the range), or use --design lhs, which takes no STEPS",
                    spec.path,
                    fmt(spec.lo),
                    fmt(spec.hi)
                ),
            )
        })?),
    };
    match scale {
        Scale::Bool if ![0.0, 1.0].contains(&spec.lo) || ![0.0, 1.0].contains(&spec.hi) => {
            return Err(spec_error(
                spec,
                format!(
                    "`{}` is a switch: sweep it from false (0) to true (1)",
                    spec.path
                ),
            ));
        }
        Scale::Int if spec.lo.fract() != 0.0 || spec.hi.fract() != 0.0 => {
            return Err(spec_error(
                spec,
                format!(
                    "`{}` takes whole numbers; LO and HI must be whole",
                    spec.path
                ),
            ));
        }
        Scale::Int if steps.is_some_and(|n| f64::from(n) > (spec.hi - spec.lo).abs() + 1.0) => {
            return Err(spec_error(
                spec,
                format!(
                    "`{}` takes whole numbers: {} to {} has only {} values, fewer than {} steps",
                    spec.path,
                    spec.lo,
                    spec.hi,
                    (spec.hi - spec.lo).abs() + 1.0,
                    steps.unwrap_or(0)
                ),
            ));
        }
        _ => {}
    }
    // Both ends must be valid values; resolving says which range is allowed if not.
    let param = Param {
        path: spec.path.clone(),
        kind: scale,
        lo: spec.lo,
        hi: spec.hi,
        steps,
    };
    for end in [spec.lo, spec.hi] {
        let level = match scale {
            Scale::Float => Level::Float(end),
            Scale::Int => Level::Int(end as i64),
            Scale::Bool => Level::Bool(end != 0.0),
        };
        try_value(level.to_toml())?;
    }
    Ok(param)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn source() -> ScenarioSource {
        crate::scenario::load_str("", Path::new("x.toml")).unwrap()
    }

    fn spec(arg: &str) -> ParamSpec {
        ParamSpec::parse(arg).unwrap()
    }

    #[test]
    fn parse_reads_ranges_switches_and_optional_steps() {
        let p = spec("arenas.practice.reversion_rate=0:1:11");
        assert_eq!((p.lo, p.hi, p.steps), (0.0, 1.0, Some(11)));
        let p = spec("arenas.practice.enabled=false:true");
        assert_eq!((p.lo, p.hi, p.steps), (0.0, 1.0, None));
        assert!(ParamSpec::parse("a.b=0:1:0").is_err());
        assert!(ParamSpec::parse("a.b=0").is_err());
        assert!(ParamSpec::parse("a.b=x:1:2").is_err());
        assert!(ParamSpec::parse("=0:1:2").is_err());
    }

    #[test]
    fn grid_runs_the_first_parameter_slowest_and_ends_exactly() {
        let specs = [
            spec("arenas.practice.reversion_rate=0:1:3"),
            spec("leadership.clinical=0:1:9"),
        ];
        let d = Design::new(DesignKind::Grid, &specs, 0, 1, &source(), &[]).unwrap();
        assert_eq!(d.points, 6);
        assert_eq!(d.levels(0), [Level::Float(0.0), Level::Bool(false)]);
        assert_eq!(d.levels(1), [Level::Float(0.0), Level::Bool(true)]);
        assert_eq!(d.levels(3), [Level::Float(0.5), Level::Bool(true)]);
        assert_eq!(d.levels(5), [Level::Float(1.0), Level::Bool(true)]);
    }

    #[test]
    fn integers_round_and_refuse_more_steps_than_values() {
        let d = Design::new(
            DesignKind::Grid,
            &[spec("population.localities=2:4:3")],
            0,
            1,
            &source(),
            &[],
        )
        .unwrap();
        let all: Vec<_> = (0..3).map(|p| d.levels(p)[0]).collect();
        assert_eq!(all, [Level::Int(2), Level::Int(3), Level::Int(4)]);
        assert!(
            Design::new(
                DesignKind::Grid,
                &[spec("population.localities=2:4:4")],
                0,
                1,
                &source(),
                &[]
            )
            .is_err()
        );
    }

    #[test]
    fn a_grid_without_steps_is_refused_with_a_hint() {
        let e = Design::new(
            DesignKind::Grid,
            &[spec("arenas.practice.reversion_rate=0.1:0.9")],
            0,
            1,
            &source(),
            &[],
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let msg = e.to_string();
        assert!(
            msg.contains("a grid needs the number of values")
                && msg.contains("arenas.practice.reversion_rate=0.1:0.9:STEPS"),
            "{msg}"
        );
        // A switch has its two values without STEPS.
        Design::new(
            DesignKind::Grid,
            &[spec("arenas.practice.enabled=false:true")],
            0,
            1,
            &source(),
            &[],
        )
        .unwrap();
    }

    #[test]
    fn bad_parameters_are_errors() {
        let bad = |arg: &str| {
            Design::new(DesignKind::Grid, &[spec(arg)], 0, 1, &source(), &[]).unwrap_err()
        };
        assert!(
            bad("arenas.practice.reversion_rat=0:1:3")
                .to_string()
                .contains("did you mean")
        );
        assert!(
            bad("simulation.name=0:1:3")
                .to_string()
                .contains("can be swept")
        );
        assert!(
            bad("arenas.practice.reversion_rate=0:2:3")
                .to_string()
                .contains("reversion_rate")
        );
        assert!(
            bad("arenas.practice.enabled=0:2:2")
                .to_string()
                .contains("switch")
        );
    }

    #[test]
    fn latin_hypercube_fills_every_stratum_once_and_is_reproducible() {
        let specs = [
            spec("arenas.practice.reversion_rate=0:1"),
            spec("initiative.urgent_care.complexity=0:1"),
        ];
        let d = Design::new(DesignKind::Lhs, &specs, 50, 7, &source(), &[]).unwrap();
        for k in 0..2 {
            let mut strata: Vec<usize> = (0..50)
                .map(|p| match d.levels(p)[k] {
                    Level::Float(x) => (x * 50.0) as usize,
                    _ => unreachable!(),
                })
                .collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..50).collect::<Vec<_>>());
        }
        let again = Design::new(DesignKind::Lhs, &specs, 50, 7, &source(), &[]).unwrap();
        assert_eq!(d.lhs, again.lhs);
        let other = Design::new(DesignKind::Lhs, &specs, 50, 8, &source(), &[]).unwrap();
        assert_ne!(d.lhs, other.lhs);
    }
}
