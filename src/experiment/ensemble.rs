//! The verdict over an ensemble of parameter sets (e.g. the plausible worlds that history
//! matching keeps): the arena experiment at every set, the shares of sets where the proposition
//! is supported, refuted and inconclusive with intervals over sets, the same for the clinical
//! clause, and PRIM boxes that say what separates the supported worlds (and the refuted ones)
//! from the others. docs/ODD.md §8.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use toml::Value;

use super::{Ratio, arenas};
use crate::discovery::{self, PrimBox, PrimConfig};
use crate::error::{Error, Result};
use crate::runner::{Cancel, Observer, Within};
use crate::scenario::{Origin, Override, ScenarioSource};
use crate::stats::wilson;

/// One parameter set of an ensemble file: its identifiers and one value per parameter column.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleSet {
    /// The `set` column.
    pub set: u64,
    /// The `wave` column.
    pub wave: u64,
    /// The 1-based line of the file it was read from.
    pub line: usize,
    /// One value per parameter, in the file's column order: a number or a switch.
    pub values: Vec<Value>,
    /// The 1-based column (in characters) where each value starts.
    columns: Vec<usize>,
}

/// An ensemble file as read: `set,wave,<parameter path>,...`, one row per parameter set.
#[derive(Debug, Clone, PartialEq)]
pub struct Ensemble {
    /// The file.
    pub path: PathBuf,
    /// The parameter paths, in column order (as `--set` accepts them).
    pub parameters: Vec<String>,
    /// The sets, in the file's order.
    pub sets: Vec<EnsembleSet>,
    /// The 1-based column (in characters) where each parameter's header starts.
    header_columns: Vec<usize>,
    /// The header's 1-based line.
    header_line: usize,
}

/// One line split at commas: each field trimmed (surrounding double quotes removed) with the
/// 1-based character column where it starts.
fn fields(line: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut column = 1;
    for raw in line.split(',') {
        let lead = raw.chars().take_while(|c| c.is_whitespace()).count();
        let text = raw.trim();
        let text = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(text);
        out.push((text.to_string(), column + lead));
        column += raw.chars().count() + 1;
    }
    out
}

/// Reads an ensemble file (see [`parse_ensemble`]).
pub fn read_ensemble(path: &Path) -> Result<Ensemble> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Invalid {
        at: Origin::Flag(format!("--ensemble {}", path.display())),
        key: "--ensemble".into(),
        message: format!("cannot read the ensemble file {}: {e}", path.display()),
    })?;
    parse_ensemble(&text, path)
}

/// Parses an ensemble file's text, as if read from `path`: a header `set,wave,<parameter
/// path>,...` then one row per parameter set, `set` and `wave` whole numbers and every other
/// field a number or `true`/`false`. Blank lines are skipped. Bad input names the file, line
/// and column, the key, what was expected and what was found.
pub fn parse_ensemble(text: &str, path: &Path) -> Result<Ensemble> {
    let at = |line: usize, column: usize| Origin::File {
        path: path.to_path_buf(),
        line,
        column,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err(Error::Invalid {
            at: at(1, 1),
            key: "set".into(),
            message: "expected a header `set,wave,<parameter path>,...`, found an empty file"
                .into(),
        });
    };
    let head = fields(header);
    for (k, name) in ["set", "wave"].iter().enumerate() {
        if head.get(k).is_none_or(|(h, _)| h != name) {
            let (found, column) = head
                .get(k)
                .map_or(("nothing".to_string(), 1), |(h, c)| (format!("`{h}`"), *c));
            return Err(Error::Invalid {
                at: at(header_line, column),
                key: (*name).into(),
                message: format!(
                    "missing column: expected column {} of the header to be `{name}` (the \
                     header is `set,wave,<parameter path>,...`), found {found}",
                    k + 1
                ),
            });
        }
    }
    let parameters: Vec<String> = head[2..].iter().map(|(h, _)| h.clone()).collect();
    let header_columns: Vec<usize> = head[2..].iter().map(|(_, c)| *c).collect();
    if parameters.is_empty() {
        return Err(Error::Invalid {
            at: at(header_line, header.chars().count() + 1),
            key: "<parameter path>".into(),
            message: "expected at least one parameter column after `set,wave`, found none".into(),
        });
    }
    for (k, p) in parameters.iter().enumerate() {
        if p.is_empty() {
            return Err(Error::Invalid {
                at: at(header_line, header_columns[k]),
                key: "<parameter path>".into(),
                message: format!(
                    "expected a parameter path in column {}, found nothing",
                    k + 3
                ),
            });
        }
        if let Some(first) = parameters[..k].iter().position(|q| q == p) {
            return Err(Error::Invalid {
                at: at(header_line, header_columns[k]),
                key: p.clone(),
                message: format!(
                    "appears twice in the header (columns {} and {})",
                    first + 3,
                    k + 3
                ),
            });
        }
    }
    let mut sets = Vec::new();
    for (line, text) in lines {
        let row = fields(text);
        if row.len() != head.len() {
            return Err(Error::Invalid {
                at: at(line, 1),
                key: "row".into(),
                message: format!(
                    "expected {} fields as in the header, found {}",
                    head.len(),
                    row.len()
                ),
            });
        }
        let whole = |k: usize, key: &str| {
            let (v, c) = &row[k];
            v.parse::<u64>().map_err(|_| Error::Type {
                at: at(line, *c),
                key: key.into(),
                expected: "a whole number".into(),
                found: format!("`{}`", crate::error::cut(v)),
            })
        };
        let set = whole(0, "set")?;
        let wave = whole(1, "wave")?;
        let mut values = Vec::with_capacity(parameters.len());
        for (k, (v, c)) in row[2..].iter().enumerate() {
            let value = match v.as_str() {
                "true" => Value::Boolean(true),
                "false" => Value::Boolean(false),
                _ => match (v.parse::<i64>(), v.parse::<f64>()) {
                    (Ok(i), _) => Value::Integer(i),
                    (_, Ok(x)) if x.is_finite() => Value::Float(x),
                    _ => {
                        return Err(Error::Type {
                            at: at(line, *c),
                            key: parameters[k].clone(),
                            expected: "a number or true/false".into(),
                            found: format!("`{}`", crate::error::cut(v)),
                        });
                    }
                },
            };
            values.push(value);
        }
        sets.push(EnsembleSet {
            set,
            wave,
            line,
            values,
            columns: row[2..].iter().map(|(_, c)| *c).collect(),
        });
    }
    if sets.is_empty() {
        return Err(Error::Invalid {
            at: at(header_line + 1, 1),
            key: "set".into(),
            message: "expected at least one parameter set after the header, found none".into(),
        });
    }
    Ok(Ensemble {
        path: path.to_path_buf(),
        parameters,
        sets,
        header_columns,
        header_line,
    })
}

impl Ensemble {
    /// The overrides set `i` makes, each located at its place in the file.
    pub fn overrides(&self, i: usize) -> Vec<Override> {
        let s = &self.sets[i];
        self.parameters
            .iter()
            .zip(&s.values)
            .zip(&s.columns)
            .map(|((p, v), &column)| {
                Override::new(
                    p,
                    v.clone(),
                    Origin::File {
                        path: self.path.clone(),
                        line: s.line,
                        column,
                    },
                )
            })
            .collect()
    }

    /// The sets as points for PRIM: one value per parameter, switches as 0 and 1.
    pub fn points(&self) -> Vec<Vec<f64>> {
        self.sets
            .iter()
            .map(|s| {
                s.values
                    .iter()
                    .map(|v| match v {
                        Value::Boolean(b) => f64::from(u8::from(*b)),
                        Value::Integer(i) => *i as f64,
                        Value::Float(x) => *x,
                        _ => f64::NAN,
                    })
                    .collect()
            })
            .collect()
    }

    /// Checks every set against the scenario (with `base` overrides) before any work: an
    /// unknown parameter path names the header's line and column, a value the scenario does not
    /// accept names its own.
    pub fn check(&self, source: &ScenarioSource, base: &[Override]) -> Result<()> {
        for i in 0..self.sets.len() {
            let own = self.overrides(i);
            let mut o = base.to_vec();
            o.extend(own.iter().cloned());
            if source.resolve(&o).is_ok() {
                continue;
            }
            // Find the column at fault: the first that fails on its own.
            for (k, one) in own.iter().enumerate() {
                let mut o = base.to_vec();
                o.push(one.clone());
                if let Err(e) = source.resolve(&o) {
                    return Err(self.located(i, k, e));
                }
            }
            // Only together: the row is at fault.
            if let Err(e) = source.resolve(&{
                let mut o = base.to_vec();
                o.extend(own);
                o
            }) {
                return Err(Error::Invalid {
                    at: Origin::File {
                        path: self.path.clone(),
                        line: self.sets[i].line,
                        column: 1,
                    },
                    key: "row".into(),
                    message: format!("is not a valid parameter set: {e}"),
                });
            }
        }
        Ok(())
    }

    /// `e`, the error of set `i`'s column `k`, told at the header for an unknown path and at
    /// the value otherwise (when the scenario's own message does not already name the file).
    fn located(&self, i: usize, k: usize, e: Error) -> Error {
        let key = self.parameters[k].clone();
        match e {
            Error::UnknownKey {
                key: found, hint, ..
            } => Error::UnknownKey {
                at: Origin::File {
                    path: self.path.clone(),
                    line: self.header_line,
                    column: self.header_columns[k],
                },
                key: found,
                hint,
            },
            e if e.to_string().contains(&self.path.display().to_string()) => e,
            e => Error::Invalid {
                at: Origin::File {
                    path: self.path.clone(),
                    line: self.sets[i].line,
                    column: self.sets[i].columns[k],
                },
                key,
                message: format!("is not accepted: {e}"),
            },
        }
    }
}

/// A share of the sets with its 95% Wilson interval over sets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    /// The share of sets.
    pub share: f64,
    /// How many sets.
    pub count: u64,
    /// Its 95% Wilson interval over sets.
    pub ci95: [f64; 2],
}

impl Share {
    /// The share of `results` equal to `what`.
    fn of(results: &[&str], what: &str) -> Self {
        let n = results.len() as f64;
        let k = results.iter().filter(|r| **r == what).count();
        Share {
            share: if n > 0.0 { k as f64 / n } else { 0.0 },
            count: k as u64,
            ci95: wilson(k as f64, n),
        }
    }
}

/// The shares of sets by result of one judgement (the verdict or the clinical clause).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Shares {
    /// Sets where it is supported.
    pub supported_share: Share,
    /// Sets where it is refuted.
    pub refuted_share: Share,
    /// Sets where it is inconclusive.
    pub inconclusive_share: Share,
}

impl Shares {
    fn of(results: &[&str]) -> Self {
        Shares {
            supported_share: Share::of(results, "supported"),
            refuted_share: Share::of(results, "refuted"),
            inconclusive_share: Share::of(results, "inconclusive"),
        }
    }
}

/// The arena experiment's result at one set, as the ensemble keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct SetVerdict {
    /// The set's identifier.
    pub set: u64,
    /// Its wave.
    pub wave: u64,
    /// Its parameters by path (switches as 0 and 1).
    pub parameters: BTreeMap<String, f64>,
    /// The verdict: `supported`, `refuted` or `inconclusive`.
    pub verdict: String,
    /// The verdict's margin.
    pub margin: f64,
    /// Success rate with all three arenas.
    pub all_three_rate: f64,
    /// The best cell with fewer arenas as a share of all three, with its interval.
    pub best_fewer: Ratio,
    /// The clinical clause: `supported`, `refuted` or `inconclusive`.
    pub clinical_clause: String,
    /// The clinical clause's margin.
    pub clinical_margin: f64,
    /// The clinical knockout as a share of all three, with its interval.
    pub clinical_ratio: Ratio,
}

impl SetVerdict {
    /// The result's fields as `ensemble.csv` and the ensemble's journal write them, from the
    /// verdict to the clinical ratio's interval, numbers through `number`; the clinical ratio's
    /// cell label only when `ratio_label` (the journal reads it back, the table does not show
    /// it).
    pub fn result_fields(&self, number: impl Fn(f64) -> String, ratio_label: bool) -> Vec<String> {
        let mut f = vec![
            self.verdict.clone(),
            number(self.margin),
            number(self.all_three_rate),
            self.best_fewer.label.clone(),
            number(self.best_fewer.estimate),
            number(self.best_fewer.ci95[0]),
            number(self.best_fewer.ci95[1]),
            self.clinical_clause.clone(),
            number(self.clinical_margin),
        ];
        if ratio_label {
            f.push(self.clinical_ratio.label.clone());
        }
        f.extend([
            number(self.clinical_ratio.estimate),
            number(self.clinical_ratio.ci95[0]),
            number(self.clinical_ratio.ci95[1]),
        ]);
        f
    }
}

/// A PRIM box of the ensemble: which result it picks out, and the box.
#[derive(Debug, Clone, Serialize)]
pub struct EnsembleBox {
    /// The sets of interest: those where the verdict is `supported`, or `refuted`.
    pub outcome: String,
    /// The box (bounds by parameter path, coverage, density, trajectory).
    #[serde(flatten)]
    pub found: PrimBox,
}

/// The verdict over an ensemble of parameter sets.
#[derive(Debug, Clone, Serialize)]
pub struct EnsembleVerdict {
    /// Scenario name.
    pub scenario: String,
    /// The ensemble file.
    pub file: String,
    /// Scenario seed.
    pub seed: u64,
    /// Replications per cell at every set.
    pub replications: u64,
    /// Months simulated.
    pub months: u32,
    /// Parameter sets judged.
    pub sets: u64,
    /// The parameter paths of the ensemble.
    pub parameters: Vec<String>,
    /// Share of sets where the proposition is supported.
    pub supported_share: Share,
    /// Share of sets where it is refuted.
    pub refuted_share: Share,
    /// Share of sets where it is inconclusive.
    pub inconclusive_share: Share,
    /// The same shares for the clinical clause.
    pub clinical_clause: Shares,
    /// PRIM's parameters.
    pub prim_config: PrimParameters,
    /// PRIM boxes: sets where the verdict is supported against the others, then refuted
    /// against the others.
    pub prim: Vec<EnsembleBox>,
    /// Every set's result, in the file's order.
    pub per_set: Vec<SetVerdict>,
}

/// PRIM's parameters as reported.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize)]
pub struct PrimParameters {
    /// Peel fraction.
    pub peel_alpha: f64,
    /// Minimum mass of a box.
    pub min_mass: f64,
    /// Minimum coverage of the reported box.
    pub min_coverage: f64,
    /// Boxes at most per outcome.
    pub max_boxes: usize,
}

/// What `--json` prints: the ensemble verdict under the key `ensemble`.
#[derive(Debug, Clone, Serialize)]
pub struct EnsembleReport {
    /// The verdict over the ensemble.
    pub ensemble: EnsembleVerdict,
}

/// Runs the arena experiment at set `i` of `ensemble` (its overrides added to `base`; design
/// point `i`, common random numbers across the cells of the set).
pub fn set_verdict(
    source: &ScenarioSource,
    base: &[Override],
    ensemble: &Ensemble,
    points: &[Vec<f64>],
    i: usize,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<SetVerdict> {
    let mut o = base.to_vec();
    o.extend(ensemble.overrides(i));
    let exp = arenas(source, &o, i as u64, observer, cancel)?;
    let v = &exp.verdict;
    let c = &exp.clinical_clause;
    let best = v
        .ratios
        .iter()
        .find(|r| r.label == v.best_fewer_label)
        .cloned()
        .unwrap_or(Ratio {
            label: v.best_fewer_label.clone(),
            estimate: f64::NAN,
            ci95: [f64::NAN, f64::NAN],
        });
    Ok(SetVerdict {
        set: ensemble.sets[i].set,
        wave: ensemble.sets[i].wave,
        parameters: ensemble
            .parameters
            .iter()
            .cloned()
            .zip(points[i].iter().copied())
            .collect(),
        verdict: v.result.clone(),
        margin: v.margin,
        all_three_rate: v.all_three_rate,
        best_fewer: best,
        clinical_clause: c.result.clone(),
        clinical_margin: c.margin,
        clinical_ratio: c.ratio.clone(),
    })
}

/// What an ensemble's verdict is about, besides its sets: the scenario, the file and PRIM's
/// settings.
#[derive(Debug, Clone)]
pub struct EnsembleContext {
    /// Scenario name.
    pub scenario: String,
    /// The ensemble file, as named.
    pub file: String,
    /// Scenario seed.
    pub seed: u64,
    /// Replications per cell.
    pub replications: u64,
    /// Months simulated.
    pub months: u32,
    /// The parameter paths, in column order.
    pub parameters: Vec<String>,
    /// PRIM's settings.
    pub config: PrimConfig,
}

/// Judges an ensemble from every set's result (in the file's order) and the sets as points:
/// the shares with their intervals over sets and the PRIM boxes.
pub fn judge(
    ctx: &EnsembleContext,
    points: &[Vec<f64>],
    per_set: Vec<SetVerdict>,
) -> EnsembleVerdict {
    let verdicts: Vec<&str> = per_set.iter().map(|s| s.verdict.as_str()).collect();
    let clauses: Vec<&str> = per_set.iter().map(|s| s.clinical_clause.as_str()).collect();
    let mut prim = Vec::new();
    for what in ["supported", "refuted"] {
        let outcome: Vec<bool> = verdicts.iter().map(|v| *v == what).collect();
        prim.extend(
            discovery::prim(points, &ctx.parameters, &outcome, &ctx.config)
                .into_iter()
                .map(|found| EnsembleBox {
                    outcome: what.into(),
                    found,
                }),
        );
    }
    let shares = Shares::of(&verdicts);
    let clinical_clause = Shares::of(&clauses);
    let config = &ctx.config;
    EnsembleVerdict {
        scenario: ctx.scenario.clone(),
        file: ctx.file.clone(),
        seed: ctx.seed,
        replications: ctx.replications,
        months: ctx.months,
        sets: per_set.len() as u64,
        parameters: ctx.parameters.clone(),
        supported_share: shares.supported_share,
        refuted_share: shares.refuted_share,
        inconclusive_share: shares.inconclusive_share,
        clinical_clause,
        prim_config: PrimParameters {
            peel_alpha: config.peel_alpha,
            min_mass: config.min_mass,
            min_coverage: config.min_coverage,
            max_boxes: config.max_boxes,
        },
        prim,
        per_set,
    }
}

/// Runs the arena experiment at every set of `ensemble` in memory, in parallel over sets on
/// the current rayon pool, and judges the ensemble. Results do not depend on the number of
/// threads. `experiment arenas --ensemble` runs the same sets through
/// `sweep::ensemble::run_ensemble`, with a journal, shards and `--resume`.
pub fn ensemble(
    source: &ScenarioSource,
    base: &[Override],
    ensemble: &Ensemble,
    config: &PrimConfig,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<EnsembleVerdict> {
    ensemble.check(source, base)?;
    let s0 = source.resolve(base)?;
    let per = u64::from(s0.simulation.replications);
    observer.start(per * ensemble.sets.len() as u64, 0);
    let within = Within(observer);
    let points = ensemble.points();
    let per_set: Vec<SetVerdict> = (0..ensemble.sets.len())
        .into_par_iter()
        .map(|i| set_verdict(source, base, ensemble, &points, i, &within, cancel))
        .collect::<Result<Vec<_>>>()?;
    cancel.check()?;
    let ctx = EnsembleContext {
        scenario: s0.simulation.name.clone(),
        file: ensemble.path.display().to_string(),
        seed: s0.simulation.seed,
        replications: per,
        months: s0.simulation.months,
        parameters: ensemble.parameters.clone(),
        config: *config,
    };
    Ok(judge(&ctx, &points, per_set))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Ensemble> {
        parse_ensemble(text, Path::new("plausible.csv"))
    }

    #[test]
    fn a_file_is_read_with_its_values_and_places() {
        let e = parse(
            "set,wave,arenas.practice.reversion_rate,arenas.practice.enabled\n\n3,1,0.4,true\r\n7,2, 1,false\n",
        )
        .unwrap();
        assert_eq!(e.parameters.len(), 2);
        assert_eq!(e.sets.len(), 2);
        assert_eq!((e.sets[0].set, e.sets[0].wave, e.sets[0].line), (3, 1, 3));
        assert_eq!(e.sets[1].values[0], Value::Integer(1));
        assert_eq!(e.points()[1], vec![1.0, 0.0]);
        let o = e.overrides(1);
        assert_eq!(o[1].origin.to_string(), "plausible.csv:4:8");
    }

    #[test]
    fn bad_files_are_told_with_file_line_column_and_key() {
        let msg = |text: &str| parse(text).unwrap_err().to_string();
        assert!(msg("").contains("plausible.csv:1:1"));
        assert!(msg("").contains("empty file"));
        let m = msg("wave,set,a.b\n1,1,1\n");
        assert!(m.contains("`set`") && m.contains("missing column"), "{m}");
        let m = msg("set,wave,a.b\n1,1,abc\n");
        assert!(m.starts_with("plausible.csv:2:5:"), "{m}");
        assert!(
            m.contains("`a.b` expects a number or true/false, found `abc`"),
            "{m}"
        );
        let m = msg("set,wave,a.b\n1,x,1\n");
        assert!(m.contains("`wave` expects a whole number"), "{m}");
        let m = msg("set,wave,a.b\n1,1\n");
        assert!(
            m.contains("plausible.csv:2:1") && m.contains("expected 3 fields"),
            "{m}"
        );
        assert!(msg("set,wave,a.b\n").contains("at least one parameter set"));
        assert!(msg("set,wave\n1,1\n").contains("at least one parameter column"));
        assert!(msg("set,wave,a.b,a.b\n1,1,1,1\n").contains("appears twice"));
    }

    #[test]
    fn shares_have_wilson_intervals_over_sets() {
        let s = Shares::of(&["supported", "refuted", "supported", "inconclusive"]);
        assert_eq!(s.supported_share.share, 0.5);
        assert_eq!(s.supported_share.count, 2);
        assert_eq!(s.supported_share.ci95, wilson(2.0, 4.0));
        assert_eq!(s.refuted_share.share, 0.25);
    }
}
