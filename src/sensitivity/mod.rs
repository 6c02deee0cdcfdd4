//! Global sensitivity analysis (docs/ODD.md §8): which of the parameters declared in a
//! scenario's `[sensitivity]` table drive an output. Morris screening (elementary effects on
//! trajectories, Morris 1991; μ* of Campolongo, Cariboni & Saltelli 2007) and Sobol' indices
//! (Saltelli et al. 2010 sampling on a scrambled Sobol' sequence; first order by Saltelli 2010,
//! total by Jansen 1999), with bootstrap intervals. The estimators ([`methods`]) are pure
//! functions of designs and outputs; [`analyse`] runs the model at every design point, in
//! parallel, collected in design order, so the result is the same for any thread count.

pub mod methods;
mod report;

use rayon::prelude::*;
use serde::Serialize;
use toml::Value;

use crate::calibrate::Output as Measure;
use crate::error::{Error, Result};
use crate::model::outcome::{Mode, ReplicationOutcome};
use crate::runner::{self, Cancel, Observer, Silent};
use crate::scenario::{
    Origin, Override, Ranged, Scenario, ScenarioSource, check_ranges, sensitivity_params,
};
use crate::stats::Moments;

pub use methods::{Estimate, MorrisIndex, SobolIndex};
pub use report::{table, write_files, write_report};

/// A parameter of the analysis and its range, checked against the schema (the same ranged
/// parameter as calibration's uncertain parameters); design points take [`Ranged::at_unit`].
pub type Factor = Ranged;

/// Checks the scenario's `[sensitivity]` table: every path a number or whole number of the
/// schema and given once, ranges ordered and inside what the key accepts, log scales positive.
/// Errors name the key and where it was written.
pub fn factors(source: &ScenarioSource, s: &Scenario, base: &[Override]) -> Result<Vec<Factor>> {
    check_ranges(source, base, "sensitivity.param", &sensitivity_params(s))
}

/// The quantity of interest: what is computed at every design point.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// A per-replication output, averaged over replications.
    Replication(Measure),
    /// Whether one initiative (by index) succeeded, averaged over replications.
    Initiative(usize),
    /// The arena verdict's necessity statistic: the highest share of the all-three cell's
    /// success reached by a cell with fewer arenas.
    Necessity,
    /// The arena verdict's margin.
    Margin,
}

impl Quantity {
    /// Whether it runs the arena experiment at every point.
    pub fn needs_arenas(&self) -> bool {
        matches!(self, Quantity::Necessity | Quantity::Margin)
    }
}

/// The outputs `--output` accepts, for messages.
const OUTPUTS: &str = "success, success.<initiative>, seats, market_share, mode.<failure mode>, \
    survey.<centre_high|gps_main_of_named|vision_equal|gp_formal_engaged|gp_no_role_can>[@MONTH], \
    verdict.necessity or verdict.margin";

/// Reads an output name (`--output`) against the scenario.
pub fn quantity(name: &str, s: &Scenario) -> Result<Quantity> {
    let bad = |message: String| Error::Argument {
        flag: "--output",
        arg: name.into(),
        message,
    };
    let q = match name {
        "success" | "success_rate" => Quantity::Replication(Measure::SuccessRate),
        "seats" | "gp_seats_filled" => Quantity::Replication(Measure::GpSeatsFilled),
        "market_share" => Quantity::Replication(Measure::MarketShare),
        "none_succeeded" => Quantity::Replication(Measure::NoneSucceeded),
        "all_succeeded" => Quantity::Replication(Measure::AllSucceeded),
        "verdict.necessity" | "necessity" => Quantity::Necessity,
        "verdict.margin" | "margin" => Quantity::Margin,
        other => {
            if let Some(init) = other.strip_prefix("success.") {
                let k = s
                    .initiative
                    .iter()
                    .position(|i| i.name == init)
                    .ok_or_else(|| {
                        let names: Vec<&str> =
                            s.initiative.iter().map(|i| i.name.as_str()).collect();
                        bad(format!(
                            "expected success.<initiative> with one of {}, found `{init}`",
                            names.join(", ")
                        ))
                    })?;
                Quantity::Initiative(k)
            } else if let Some(m) = other.strip_prefix("mode.") {
                let mode = Mode::ALL
                    .into_iter()
                    .find(|x| x.name() == m)
                    .ok_or_else(|| {
                        let names: Vec<&str> = Mode::ALL.iter().map(|x| x.name()).collect();
                        bad(format!(
                            "expected mode.<mode> with one of {}, found `{m}`",
                            names.join(", ")
                        ))
                    })?;
                Quantity::Replication(Measure::Mode(mode))
            } else if let Some(q) = other.strip_prefix("survey.") {
                let (q, month) = match q.split_once('@') {
                    Some((q, m)) => (
                        q,
                        m.parse::<u32>()
                            .map_err(|_| bad(format!("expected a month after @, found `{m}`")))?,
                    ),
                    None => (
                        q,
                        *s.survey.months.iter().max().ok_or_else(|| {
                            bad("the scenario takes no survey (survey.months is empty)".into())
                        })?,
                    ),
                };
                if !s.survey.months.contains(&month) {
                    return Err(bad(format!(
                        "expected a survey month of the scenario ({:?}), found {month}",
                        s.survey.months
                    )));
                }
                Quantity::Replication(match q {
                    "centre_high" => Measure::CentreHigh(month),
                    "gps_main_of_named" => Measure::GpsMainOfNamed(month),
                    "vision_equal" => Measure::VisionEqual(month),
                    "gp_formal_engaged" => Measure::GpFormalEngaged(month),
                    "gp_no_role_can" => Measure::GpNoRoleCan(month),
                    _ => return Err(bad(format!("expected one of {OUTPUTS}"))),
                })
            } else {
                return Err(bad(format!("expected one of {OUTPUTS}")));
            }
        }
    };
    Ok(q)
}

/// The quantity in one replication; `None` when it does not exist there.
fn of(q: &Quantity, o: &ReplicationOutcome) -> Option<f64> {
    match q {
        Quantity::Replication(m) => m.of(o),
        Quantity::Initiative(k) => o
            .initiatives
            .get(*k)
            .map(|i| f64::from(u8::from(i.mode == Mode::Success))),
        Quantity::Necessity | Quantity::Margin => None,
    }
}

/// The method and its design's size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Method {
    /// Morris screening.
    Morris {
        /// Trajectories (r).
        trajectories: u32,
        /// Grid levels (p).
        levels: u32,
    },
    /// Sobol' indices.
    Sobol {
        /// Base samples (N).
        samples: u32,
    },
}

/// The method asked for, with the budget of the scenario's `[sensitivity]` table.
pub fn method(s: &Scenario, sobol: bool) -> Result<Method> {
    let t = &s.sensitivity;
    if sobol {
        Ok(Method::Sobol { samples: t.samples })
    } else {
        if !t.levels.is_multiple_of(2) {
            return Err(Error::Invalid {
                at: Origin::Default,
                key: "sensitivity.levels".into(),
                message: format!(
                    "expected an even number of levels (Morris's Δ = p / (2 (p − 1)) keeps \
                     every level equally likely only then), found {}",
                    t.levels
                ),
            });
        }
        Ok(Method::Morris {
            trajectories: t.trajectories,
            levels: t.levels,
        })
    }
}

/// One design point's result.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// The point's index in the design (also its random-stream design point).
    pub point: u64,
    /// The parameters' values, in the order of the factors.
    pub values: Vec<f64>,
    /// The quantity's mean over replications (NaN when no replication had it).
    pub mean: f64,
    /// The squared standard error of that mean (the within-point variance over replications).
    pub se2: f64,
}

/// One row of `sensitivity.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct IndexRow {
    /// Parameter path.
    pub parameter: String,
    /// `mu_star`, `mu`, `sigma` (Morris), `first` or `total` (Sobol).
    pub index: &'static str,
    /// The estimate.
    pub estimate: f64,
    /// Lower end of its bootstrap 95% interval (NaN when it has none).
    pub ci_lo: f64,
    /// Upper end.
    pub ci_hi: f64,
}

/// What an analysis found (without the per-point rows).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Scenario seed.
    pub seed: u64,
    /// The method and its budget.
    #[serde(flatten)]
    pub method: Method,
    /// The quantity of interest, as named.
    pub output: String,
    /// Replications per design point.
    pub replications: u32,
    /// Bootstrap resamples.
    pub bootstrap: u32,
    /// The parameters and their ranges.
    pub parameters: Vec<Factor>,
    /// Design points run.
    pub points: u64,
    /// Mean of the point means.
    pub mean_of_point_means: f64,
    /// Variance of the point means.
    pub variance_of_point_means: f64,
    /// Share of that variance that is Monte Carlo noise (mean within-point variance over
    /// replications, over the variance of the point means).
    pub noise_share: f64,
    /// Per parameter (in the table's order), the Morris statistics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub morris: Option<Vec<MorrisIndex>>,
    /// Per parameter (in the table's order), the Sobol' indices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sobol: Option<Vec<SobolIndex>>,
    /// Parameter paths from the most to the least influential (by μ* or by total index).
    pub ranking: Vec<String>,
}

impl Summary {
    /// The rows of `sensitivity.csv`, parameter by parameter in the table's order.
    pub fn rows(&self) -> Vec<IndexRow> {
        let mut out = Vec::new();
        let row = |p: &Factor, index, e: f64, lo: f64, hi: f64| IndexRow {
            parameter: p.path.clone(),
            index,
            estimate: e,
            ci_lo: lo,
            ci_hi: hi,
        };
        if let Some(m) = &self.morris {
            for (p, x) in self.parameters.iter().zip(m) {
                let s = x.mu_star;
                out.push(row(p, "mu_star", s.estimate, s.ci_lo, s.ci_hi));
                out.push(row(p, "mu", x.mu, f64::NAN, f64::NAN));
                out.push(row(p, "sigma", x.sigma, f64::NAN, f64::NAN));
            }
        }
        if let Some(v) = &self.sobol {
            for (p, x) in self.parameters.iter().zip(v) {
                let (f, t) = (x.first, x.total);
                out.push(row(p, "first", f.estimate, f.ci_lo, f.ci_hi));
                out.push(row(p, "total", t.estimate, t.ci_lo, t.ci_hi));
            }
        }
        out
    }
}

/// An analysis's summary and every design point.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The summary.
    pub summary: Summary,
    /// Every design point, in design order.
    pub points: Vec<Point>,
}

/// The seed of the design and the bootstrap: the scenario seed, mixed so that it differs from
/// the Latin hypercube's.
fn design_seed(seed: u64) -> u64 {
    seed ^ 0x5E45_1717_0000_0016
}

/// Runs a sensitivity analysis of the scenario (with `base` overrides): the factors of its
/// `[sensitivity]` table, `method`'s design over their ranges, `replications` replications at
/// every point (on the same areas at every point: common random numbers), in parallel over
/// points, the indices of the point means.
#[allow(clippy::too_many_arguments)]
pub fn analyse(
    source: &ScenarioSource,
    base: &[Override],
    method: Method,
    output: &str,
    replications: u32,
    bootstrap: u32,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Analysis> {
    let s = source.resolve(base)?;
    let factors = factors(source, &s, base)?;
    let q = quantity(output, &s)?;
    let k = factors.len();
    let seed = design_seed(s.simulation.seed);
    let design = match method {
        Method::Morris {
            trajectories,
            levels,
        } => methods::morris_design(k, trajectories as usize, levels, seed),
        Method::Sobol { samples } => {
            if k > methods::MAX_SOBOL_PARAMS {
                return Err(Error::Invalid {
                    at: source.origin("sensitivity.param"),
                    key: "sensitivity.param".into(),
                    message: format!(
                        "expected at most {} parameters for Sobol' indices, found {k}",
                        methods::MAX_SOBOL_PARAMS
                    ),
                });
            }
            methods::sobol_design(k, samples as usize, seed)
        }
    };
    observer.start(design.len() as u64, 0);
    let points: Vec<Option<Result<Point>>> = design
        .par_iter()
        .enumerate()
        .map(|(j, unit)| {
            if cancel.is_cancelled() {
                return None;
            }
            let values: Vec<f64> = factors
                .iter()
                .zip(unit)
                .map(|(f, &u)| f.at_unit(u))
                .collect();
            let point = run_point(
                source,
                base,
                &factors,
                &q,
                j as u64,
                values,
                replications,
                cancel,
            );
            observer.advance(1);
            point
        })
        .collect();
    cancel.check()?;
    let points: Vec<Point> = points
        .into_iter()
        .map(|p| p.ok_or(Error::Interrupted)?)
        .collect::<Result<_>>()?;
    if let Some(p) = points.iter().find(|p| !p.mean.is_finite()) {
        return Err(Error::Argument {
            flag: "--output",
            arg: output.into(),
            message: format!(
                "the output does not exist at design point {} (no replication had it; a share \
                 with nobody to ask, or a verdict with no all-three success): choose another \
                 output or narrow the ranges",
                p.point
            ),
        });
    }
    let y: Vec<f64> = points.iter().map(|p| p.mean).collect();
    let se2: Vec<f64> = points.iter().map(|p| p.se2).collect();
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let var = y.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    let (morris, sobol, ranking) = match method {
        Method::Morris { .. } => {
            let m = methods::morris_analyze(k, &design, &y, bootstrap, seed);
            let ranking = rank(&factors, m.iter().map(|x| x.mu_star.estimate));
            (Some(m), None, ranking)
        }
        Method::Sobol { .. } => {
            let v = methods::sobol_analyze(k, &y, bootstrap, seed);
            let ranking = rank(&factors, v.iter().map(|x| x.total.estimate));
            (None, Some(v), ranking)
        }
    };
    Ok(Analysis {
        summary: Summary {
            scenario: s.simulation.name.clone(),
            seed: s.simulation.seed,
            method,
            output: output.into(),
            replications,
            bootstrap,
            parameters: factors,
            points: points.len() as u64,
            mean_of_point_means: mean,
            variance_of_point_means: var,
            noise_share: methods::noise_share(&y, &se2),
            morris,
            sobol,
            ranking,
        },
        points,
    })
}

/// Paths from the largest to the smallest score (ties in the table's order).
fn rank(factors: &[Factor], score: impl Iterator<Item = f64>) -> Vec<String> {
    let mut v: Vec<(usize, f64)> = score.enumerate().collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.into_iter()
        .map(|(i, _)| factors[i].path.clone())
        .collect()
}

/// Runs one design point: `None` when cancelled.
#[allow(clippy::too_many_arguments)]
fn run_point(
    source: &ScenarioSource,
    base: &[Override],
    factors: &[Factor],
    q: &Quantity,
    point: u64,
    values: Vec<f64>,
    replications: u32,
    cancel: &Cancel,
) -> Option<Result<Point>> {
    let mut o = base.to_vec();
    o.push(Override::new(
        "simulation.replications",
        Value::Integer(replications.into()),
        Origin::Flag("sensitivity.replications".into()),
    ));
    for (f, &x) in factors.iter().zip(&values) {
        o.push(Override::new(
            &f.path,
            f.value(x),
            Origin::Flag("sensitivity design point".into()),
        ));
    }
    if q.needs_arenas() {
        let exp = match crate::experiment::arenas(source, &o, point, &Silent, cancel) {
            Ok(e) => e,
            Err(Error::Interrupted) => return None,
            Err(e) => return Some(Err(e)),
        };
        let v = &exp.verdict;
        // The deciding share: the highest over cells with fewer arenas; its interval gives the
        // Monte Carlo error of the statistic (and of the margin, measured from its ends).
        let top = v
            .ratios
            .iter()
            .filter(|r| r.estimate.is_finite())
            .max_by(|a, b| a.estimate.total_cmp(&b.estimate));
        let (stat, se) = match top {
            Some(r) => (r.estimate, (r.ci95[1] - r.ci95[0]) / (2.0 * 1.959_964)),
            None => (f64::NAN, f64::NAN),
        };
        let mean = if *q == Quantity::Necessity {
            stat
        } else {
            v.margin
        };
        return Some(Ok(Point {
            point,
            values,
            mean,
            se2: se * se,
        }));
    }
    // Every value was checked against its range when the table was read.
    let sc = match source.resolve(&o) {
        Ok(sc) => sc,
        Err(e) => return Some(Err(e)),
    };
    let mut m = Moments::default();
    for i in 0..replications {
        if cancel.is_cancelled() {
            return None;
        }
        let outcome = runner::replication(&sc, point, i);
        if let Some(x) = of(q, &outcome) {
            m.push(x);
        }
    }
    let (mean, se2) = if m.count() == 0 {
        (f64::NAN, f64::NAN)
    } else {
        (m.mean(), m.variance() / m.count() as f64)
    };
    Some(Ok(Point {
        point,
        values,
        mean,
        se2,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn source(text: &str) -> ScenarioSource {
        crate::scenario::load_str(text, Path::new("t.toml")).unwrap()
    }

    #[test]
    fn bad_tables_are_named_by_key_with_what_was_expected() {
        let cases = [
            ("", "found none"),
            (
                "[[sensitivity.param]]\npath = \"arenas.practice.enabled\"\n",
                "expected the path of a number",
            ),
            (
                "[[sensitivity.param]]\npath = \"no.such\"\n",
                "expected a parameter path",
            ),
            (
                "[[sensitivity.param]]\npath = \"population.area_spread\"\nlo = 0.5\nhi = 0.2\n",
                "expected lo < hi",
            ),
            (
                "[[sensitivity.param]]\npath = \"arenas.practice.reversion_rate\"\nlo = 0.5\nhi = 2.0\n",
                "reversion_rate",
            ),
        ];
        for (text, want) in cases {
            let src = source(text);
            let s = src.resolve(&[]).unwrap();
            let e = factors(&src, &s, &[]).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            let msg = e.to_string();
            assert!(msg.contains(want), "{text}: {msg}");
            if !text.is_empty() {
                assert!(msg.contains("t.toml:"), "names the file: {msg}");
            }
        }
    }

    #[test]
    fn outputs_are_read_against_the_scenario() {
        let s = Scenario::default();
        assert_eq!(
            quantity("success", &s).unwrap(),
            Quantity::Replication(Measure::SuccessRate)
        );
        let first = s.initiative[0].name.clone();
        assert_eq!(
            quantity(&format!("success.{first}"), &s).unwrap(),
            Quantity::Initiative(0)
        );
        assert_eq!(
            quantity("survey.centre_high@12", &s).unwrap(),
            Quantity::Replication(Measure::CentreHigh(12))
        );
        assert!(quantity("survey.centre_high@13", &s).is_err());
        assert!(quantity("success.nowhere", &s).is_err());
        assert!(quantity("verdict.margin", &s).unwrap().needs_arenas());
    }

    /// The whole pipeline on a tiny design: the same result for one thread and for two.
    #[test]
    fn results_do_not_depend_on_threads() {
        let text = "[simulation]\nmonths = 60\n[population]\npractices = 10\n\
            [[sensitivity.param]]\npath = \"arenas.practice.reversion_rate\"\nlo = 0.2\nhi = 0.6\n\
            [[sensitivity.param]]\npath = \"population.area_spread\"\nlo = 0.1\nhi = 0.4\n";
        let src = source(text);
        let run = |threads| {
            runner::pool(Some(threads)).install(|| {
                analyse(
                    &src,
                    &[],
                    Method::Morris {
                        trajectories: 3,
                        levels: 4,
                    },
                    "seats",
                    3,
                    50,
                    &Silent,
                    &Cancel::new(),
                )
                .unwrap()
            })
        };
        let (a, b) = (run(1), run(2));
        assert_eq!(
            serde_json::to_string(&a.summary).unwrap(),
            serde_json::to_string(&b.summary).unwrap()
        );
        assert_eq!(a.points.len(), 9);
    }
}
