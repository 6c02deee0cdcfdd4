//! `compare`: scenarios run on the same areas, and the paired difference of every headline
//! output from the first, with its interval, so a researcher can tell what a change does and
//! whether it is real (docs/ODD.md §8).

use serde::Serialize;
use toml::Value;

use crate::calibrate::Output;
use crate::error::{Error, Result};
use crate::model::outcome::{Mode, ReplicationOutcome};
use crate::runner::{self, Cancel, Observer};
use crate::scenario::{Origin, Override, Scenario, ScenarioSource};
use crate::stats::{Moments, Z95};

/// A headline output compared across scenarios.
#[derive(Debug, Clone, PartialEq)]
enum Measure {
    /// Pooled success, or one initiative's success (by name).
    Success(Option<String>),
    /// One of the outputs the calibration reads (failure modes, seats, survey shares).
    Output(Output),
}

impl Measure {
    /// Its name in tables and files.
    fn name(&self) -> String {
        match self {
            Measure::Success(None) => "success".into(),
            Measure::Success(Some(i)) => format!("success.{i}"),
            Measure::Output(o) => match o {
                Output::Mode(m) => format!("mode.{}", m.name()),
                Output::GpSeatsFilled => "gp_seats_filled".into(),
                Output::MarketShare => "market_share".into(),
                Output::CentreHigh(m) => format!("survey.{m}.centre_high"),
                Output::GpsMainOfNamed(m) => format!("survey.{m}.gps_main_of_named"),
                Output::VisionEqual(m) => format!("survey.{m}.vision_equal"),
                Output::GpFormalEngaged(m) => format!("survey.{m}.gp_formal_engaged"),
                Output::GpNoRoleCan(m) => format!("survey.{m}.gp_no_role_can"),
                Output::SuccessRate => "success".into(),
                Output::NoneSucceeded => "none_succeeded".into(),
                Output::AllSucceeded => "all_succeeded".into(),
            },
        }
    }

    /// Its value in one area of one scenario (`None` when it does not exist there).
    fn of(&self, s: &Scenario, o: &ReplicationOutcome) -> Option<f64> {
        match self {
            Measure::Success(None) => Output::SuccessRate.of(o),
            Measure::Success(Some(name)) => {
                let k = s.initiative.iter().position(|i| &i.name == name)?;
                o.initiatives
                    .get(k)
                    .map(|i| f64::from(u8::from(i.mode == Mode::Success)))
            }
            Measure::Output(out) => out.of(o),
        }
    }
}

/// The outputs compared: pooled success, each initiative of the first scenario, every failure
/// mode, the areas where none or all succeeded, GP seats filled, market share, and every survey
/// question at each survey month of the first scenario.
fn measures(first: &Scenario) -> Vec<Measure> {
    let mut m = vec![Measure::Success(None)];
    m.extend(
        first
            .initiative
            .iter()
            .map(|i| Measure::Success(Some(i.name.clone()))),
    );
    m.extend(
        Mode::failures()
            .iter()
            .map(|&x| Measure::Output(Output::Mode(x))),
    );
    m.extend(
        [
            Output::NoneSucceeded,
            Output::AllSucceeded,
            Output::GpSeatsFilled,
            Output::MarketShare,
        ]
        .map(Measure::Output),
    );
    for &month in &first.survey.months {
        m.extend(
            [
                Output::CentreHigh(month),
                Output::GpsMainOfNamed(month),
                Output::VisionEqual(month),
                Output::GpFormalEngaged(month),
                Output::GpNoRoleCan(month),
            ]
            .map(Measure::Output),
        );
    }
    m
}

/// One output of one scenario, and its paired difference from the first scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The output's name, e.g. `success.frail_elderly` or `survey.36.vision_equal`.
    pub output: String,
    /// Its mean in the first scenario (over the areas where both scenarios have it).
    pub reference: f64,
    /// Its mean in this scenario (same areas).
    pub value: f64,
    /// This scenario minus the first, paired over areas.
    pub difference: f64,
    /// The difference's 95% interval.
    pub ci95: [f64; 2],
    /// Areas where both scenarios have the output.
    pub areas: u64,
    /// Whether the interval excludes 0.
    pub clear: bool,
}

/// One scenario compared with the first.
#[derive(Debug, Clone, Serialize)]
pub struct Versus {
    /// The scenario's name.
    pub scenario: String,
    /// Its file.
    pub file: String,
    /// Whether its population has the same shape as the first's (then every area is the same
    /// area in both; otherwise the random streams are shared but the areas drawn differ).
    pub same_areas: bool,
    /// Every output.
    pub rows: Vec<Row>,
}

/// A comparison of scenarios.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The first scenario, the reference.
    pub reference: String,
    /// Its file.
    pub reference_file: String,
    /// The seed every scenario ran with.
    pub seed: u64,
    /// Replications (areas) per scenario.
    pub replications: u64,
    /// Every other scenario against the first.
    pub versus: Vec<Versus>,
}

/// The shape of a population: what decides how its area's random stream is consumed.
fn shape(s: &Scenario) -> (u32, u32, u32, usize, usize, usize) {
    (
        s.population.gps,
        s.population.practices,
        s.population.localities,
        s.manager.count as usize,
        s.provider.len(),
        s.initiative.len(),
    )
}

/// Runs every scenario (each with the `base` overrides, then the first's seed and replications
/// so that they meet the same areas) and compares each with the first.
pub fn compare(
    sources: &[ScenarioSource],
    base: &[Override],
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Comparison> {
    if sources.len() < 2 {
        return Err(Error::Argument {
            flag: "compare",
            arg: format!("{} scenario", sources.len()),
            message: "expected at least two scenarios to compare".into(),
        });
    }
    let first = sources[0].resolve(base)?;
    let same = |what: &str, v: Value| {
        Override::new(
            what,
            v,
            Origin::Flag(format!("compare: the first scenario's {what}")),
        )
    };
    let shared = [
        same(
            "simulation.seed",
            Value::Integer(i64::try_from(first.simulation.seed).unwrap_or(i64::MAX)),
        ),
        same(
            "simulation.replications",
            Value::Integer(first.simulation.replications.into()),
        ),
    ];
    let scenarios: Vec<Scenario> = sources
        .iter()
        .map(|src| {
            let mut o = base.to_vec();
            o.extend(shared.iter().cloned());
            src.resolve(&o)
        })
        .collect::<Result<_>>()?;
    let measures = measures(&first);
    let k = measures.len();
    let n = scenarios.len();
    // Per other scenario and output: the reference's values, this one's, and the differences,
    // over the areas where both have it.
    let mut acc = vec![[Moments::default(); 3]; (n - 1) * k];
    let total = first.simulation.replications;
    observer.start(total.into(), 0);
    // One job per area runs it in every scenario, so scenarios that draw the same area (the
    // same population settings) share one draw.
    runner::pipeline(
        total,
        cancel,
        |i| {
            runner::replications_sharing_area(&scenarios, 0, i)
                .iter()
                .zip(&scenarios)
                .map(|(o, s)| {
                    measures
                        .iter()
                        .map(|m| m.of(s, o))
                        .collect::<Vec<Option<f64>>>()
                })
                .collect::<Vec<_>>()
        },
        |_, values| {
            for per_area in &values {
                for (b, other) in per_area.iter().enumerate().skip(1) {
                    for (j, (x, y)) in per_area[0].iter().zip(other).enumerate() {
                        if let (Some(x), Some(y)) = (x, y) {
                            let a = &mut acc[(b - 1) * k + j];
                            a[0].push(*x);
                            a[1].push(*y);
                            a[2].push(y - x);
                        }
                    }
                }
                observer.advance(1);
            }
            Ok::<(), std::convert::Infallible>(())
        },
    )
    .unwrap_or_else(|never| match never {});
    cancel.check()?;
    let versus = (1..n)
        .map(|b| Versus {
            scenario: scenarios[b].simulation.name.clone(),
            file: sources[b].path.display().to_string(),
            same_areas: shape(&scenarios[b]) == shape(&scenarios[0]),
            rows: measures
                .iter()
                .enumerate()
                .map(|(j, m)| {
                    let [x, y, d] = &acc[(b - 1) * k + j];
                    let half = Z95 * (d.variance() / d.count().max(1) as f64).sqrt();
                    let ci95 = [d.mean() - half, d.mean() + half];
                    Row {
                        output: m.name(),
                        reference: x.mean(),
                        value: y.mean(),
                        difference: d.mean(),
                        ci95,
                        areas: d.count(),
                        clear: d.count() > 1 && (ci95[0] > 0.0 || ci95[1] < 0.0),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(Comparison {
        reference: scenarios[0].simulation.name.clone(),
        reference_file: sources[0].path.display().to_string(),
        seed: scenarios[0].simulation.seed,
        replications: total.into(),
        versus,
    })
}
