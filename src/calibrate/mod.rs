//! Calibration by history matching (Vernon, Goldstein & Bower 2010; Andrianakis et al. 2015 for
//! agent-based models): parameter sets drawn over the plausible ranges of the uncertain
//! parameters, each simulated and compared with every target by its implausibility, sets ruled
//! out when the deciding implausibility reaches the cutoff, and further waves drawn only inside
//! the region not yet ruled out (docs/ODD.md §8, docs/calibration.md). The simulator is fast
//! enough to be run at every set: no emulator stands in for it.

pub mod targets;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toml::Value;

use crate::error::{Error, Result};
use crate::runner::{self, Cancel, Observer};
use crate::scenario::{
    Origin, Override, Ranged, Scenario, ScenarioSource, calibration_params, check_ranges,
};
use crate::stats::{Moments, latin_hypercube};

pub use targets::{Observed, Output, Target};

/// An uncertain parameter and its plausible range, checked against the schema (the same
/// ranged parameter as a sensitivity factor).
pub type UncertainParam = Ranged;

/// Which implausibility is held against the cutoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The largest over targets.
    Max,
    /// The second largest: one target the model misses does not rule a set out alone.
    Second,
}

/// The budget and the rule of a calibration.
#[derive(Debug, Clone, Serialize)]
pub struct Budget {
    /// Sets per wave.
    pub sets: u32,
    /// Replications per set.
    pub replications: u32,
    /// Waves.
    pub waves: u32,
    /// The cutoff on the deciding implausibility.
    pub cutoff: f64,
    /// Which implausibility decides.
    pub rule: Rule,
}

/// One parameter set's result.
#[derive(Debug, Clone, Serialize)]
pub struct SetResult {
    /// Its number, counted over all waves from 0 (also its design point).
    pub set: u64,
    /// The wave that drew it, from 1.
    pub wave: u32,
    /// The parameters' values, in the order of the uncertain parameters.
    pub values: Vec<f64>,
    /// Per target, the model's mean over replications (`None` when no replication had it).
    pub means: Vec<Option<f64>>,
    /// Per target, the implausibility.
    pub implausibility: Vec<f64>,
    /// The deciding implausibility (largest or second largest).
    pub deciding: f64,
    /// Not ruled out.
    pub kept: bool,
}

/// One wave's design region and what it kept.
#[derive(Debug, Clone, Serialize)]
pub struct Wave {
    /// The wave, from 1.
    pub wave: u32,
    /// The region sampled: per parameter, its lowest and highest value.
    pub region: Vec<[f64; 2]>,
    /// Sets tried.
    pub sets: u64,
    /// Sets kept.
    pub kept: u64,
    /// Per target, the share of this wave's sets whose implausibility on it is under the
    /// cutoff.
    pub pass_share: Vec<f64>,
}

/// What a calibration found (without the per-set rows, which go to `calibration.csv`).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Scenario seed.
    pub seed: u64,
    /// The targets compared with.
    pub targets: Vec<Target>,
    /// The uncertain parameters.
    pub parameters: Vec<UncertainParam>,
    /// The budget and the rule.
    pub budget: Budget,
    /// Sets tried over all waves.
    pub sets_tried: u64,
    /// Sets kept over all waves.
    pub sets_kept: u64,
    /// Per target id, the share of all sets passing it.
    pub pass_share: Vec<(String, f64)>,
    /// Each wave.
    pub waves: Vec<Wave>,
    /// Per parameter, the lowest and highest kept value (absent when nothing was kept).
    pub kept_ranges: Vec<Option<[f64; 2]>>,
}

/// A calibration's summary and every set.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// The summary.
    pub summary: Summary,
    /// Every set tried, in order.
    pub sets: Vec<SetResult>,
}

/// Checks the scenario's `[calibration]` table: every path a number or whole number of the
/// schema and given once, ranges ordered and inside what the key accepts, log scales positive.
/// Errors name the key and where it was written.
pub fn uncertain_params(
    source: &ScenarioSource,
    s: &Scenario,
    base: &[Override],
) -> Result<Vec<UncertainParam>> {
    check_ranges(source, base, "calibration.param", &calibration_params(s))
}

/// The budget of the scenario's `[calibration]` table.
pub fn budget(s: &Scenario) -> Budget {
    let c = &s.calibration;
    Budget {
        sets: c.sets,
        replications: c.replications,
        waves: c.waves,
        cutoff: c.cutoff,
        rule: if c.rule == "max" {
            Rule::Max
        } else {
            Rule::Second
        },
    }
}

/// The deciding implausibility of a set under `rule`.
pub fn deciding(implausibility: &[f64], rule: Rule) -> f64 {
    let mut v: Vec<f64> = implausibility.to_vec();
    v.sort_by(|a, b| b.total_cmp(a));
    match rule {
        Rule::Max => v.first().copied().unwrap_or(0.0),
        Rule::Second => v.get(1).or(v.first()).copied().unwrap_or(0.0),
    }
}

/// The ChaCha seed of a wave's Latin hypercube: the scenario seed mixed with the wave.
fn wave_seed(seed: u64, wave: u32) -> u64 {
    seed ^ u64::from(wave).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The sets of wave `wave`: `n` points of a Latin hypercube (seeded by the scenario seed and
/// the wave) inside `region`, given in the design space (logarithms for log-scale parameters),
/// as parameter values.
pub fn wave_design(
    params: &[UncertainParam],
    region: &[[f64; 2]],
    n: u64,
    seed: u64,
    wave: u32,
) -> Vec<Vec<f64>> {
    let k = params.len();
    let unit = latin_hypercube(n, k, wave_seed(seed, wave));
    (0..n as usize)
        .map(|j| {
            params
                .iter()
                .enumerate()
                .map(|(d, p)| {
                    let [a, b] = region[d];
                    p.from_design(a + unit[j * k + d] * (b - a))
                })
                .collect()
        })
        .collect()
}

/// The declared ranges, in the design space: wave 1's region.
fn declared_region(params: &[UncertainParam]) -> Vec<[f64; 2]> {
    params
        .iter()
        .map(|p| [p.design_at(p.lo), p.design_at(p.hi)])
        .collect()
}

/// The region after a wave drawn in `region`: the box of its kept sets, widened by a twentieth
/// of its width on each side (a twentieth of `region` when one set alone was kept), inside the
/// declared ranges; `None` when the wave kept nothing.
fn next_region(
    params: &[UncertainParam],
    region: &[[f64; 2]],
    results: &[SetResult],
) -> Option<Vec<[f64; 2]>> {
    let kept: Vec<&SetResult> = results.iter().filter(|r| r.kept).collect();
    (!kept.is_empty()).then(|| {
        params
            .iter()
            .enumerate()
            .map(|(d, p)| {
                let xs = kept.iter().map(|r| p.design_at(r.values[d]));
                let lo = xs.clone().fold(f64::INFINITY, f64::min);
                let hi = xs.fold(f64::NEG_INFINITY, f64::max);
                let width = if hi > lo {
                    hi - lo
                } else {
                    region[d][1] - region[d][0]
                };
                let pad = width / 20.0;
                [
                    (lo - pad).max(p.design_at(p.lo)),
                    (hi + pad).min(p.design_at(p.hi)),
                ]
            })
            .collect()
    })
}

/// A set's result from the moments over replications of each target's output.
pub fn evaluate(
    targets: &[Target],
    budget: &Budget,
    set: u64,
    wave: u32,
    values: Vec<f64>,
    moments: &[Moments],
) -> SetResult {
    let means: Vec<Option<f64>> = moments
        .iter()
        .map(|m| (m.count() > 0).then(|| m.mean()))
        .collect();
    let implausibility: Vec<f64> = targets
        .iter()
        .zip(moments)
        .map(|(t, m)| {
            if m.count() == 0 {
                f64::INFINITY
            } else {
                t.implausibility(m.mean(), m.variance() / m.count() as f64)
            }
        })
        .collect();
    judged(budget, set, wave, values, means, implausibility)
}

/// A set's result with its deciding implausibility and whether it is kept.
pub(crate) fn judged(
    budget: &Budget,
    set: u64,
    wave: u32,
    values: Vec<f64>,
    means: Vec<Option<f64>>,
    implausibility: Vec<f64>,
) -> SetResult {
    let d = deciding(&implausibility, budget.rule);
    SetResult {
        set,
        wave,
        values,
        means,
        implausibility,
        deciding: d,
        kept: d < budget.cutoff,
    }
}

/// The waves of a calibration read off its sets (in set order, grouped by wave): each wave's
/// region replayed from the kept sets of the wave before, its counts and pass shares.
pub fn wave_summaries(
    params: &[UncertainParam],
    targets: &[Target],
    budget: &Budget,
    sets: &[SetResult],
) -> Vec<Wave> {
    let mut region = declared_region(params);
    let mut waves = Vec::new();
    let mut rest = sets;
    while let Some(first) = rest.first() {
        let wave = first.wave;
        let n = rest.iter().take_while(|r| r.wave == wave).count();
        let (results, tail) = rest.split_at(n);
        rest = tail;
        let pass_share = (0..targets.len())
            .map(|t| {
                results
                    .iter()
                    .filter(|r| r.implausibility[t] < budget.cutoff)
                    .count() as f64
                    / results.len().max(1) as f64
            })
            .collect();
        waves.push(Wave {
            wave,
            region: params
                .iter()
                .zip(&region)
                .map(|(p, r)| [p.from_design(r[0]), p.from_design(r[1])])
                .collect(),
            sets: results.len() as u64,
            kept: results.iter().filter(|r| r.kept).count() as u64,
            pass_share,
        });
        match next_region(params, &region, results) {
            Some(r) => region = r,
            None => break,
        }
    }
    waves
}

/// The wave loop of history matching: wave 1 draws `budget.sets` sets by Latin hypercube over
/// the declared ranges; each later wave draws as many inside the box of the previous wave's
/// kept sets (widened by a twentieth, inside the declared ranges). `run_wave(wave, first set,
/// designs)` returns the wave's results in set order, however it gets them (simulated here,
/// read back from a journal or an earlier run). It stops early when a wave keeps nothing.
/// Returns every set, in order.
pub fn drive<F>(
    params: &[UncertainParam],
    budget: &Budget,
    seed: u64,
    mut run_wave: F,
) -> Result<Vec<SetResult>>
where
    F: FnMut(u32, u64, Vec<Vec<f64>>) -> Result<Vec<SetResult>>,
{
    let mut region = declared_region(params);
    let mut all: Vec<SetResult> = Vec::new();
    for wave in 1..=budget.waves {
        let designs = wave_design(params, &region, u64::from(budget.sets), seed, wave);
        let results = run_wave(wave, all.len() as u64, designs)?;
        let next = next_region(params, &region, &results);
        all.extend(results);
        match next {
            Some(r) => region = r,
            None => break,
        }
    }
    Ok(all)
}

/// History matching with a simulator given as a function: `simulate(set, values)` returns, per
/// target, the moments over replications of the target's output, or `None` when cancelled.
/// The waves are drawn as [`drive`] says, the sets of a wave simulated in parallel.
pub fn history_match<F>(
    params: &[UncertainParam],
    targets: &[Target],
    budget: &Budget,
    seed: u64,
    simulate: F,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<(Vec<SetResult>, Vec<Wave>)>
where
    F: Fn(u64, &[f64]) -> Option<Vec<Moments>> + Sync,
{
    observer.start(u64::from(budget.sets) * u64::from(budget.waves), 0);
    let sets = drive(params, budget, seed, |wave, first, designs| {
        let results: Option<Vec<SetResult>> = designs
            .into_par_iter()
            .enumerate()
            .map(|(j, values)| {
                let set = first + j as u64;
                let moments = simulate(set, &values)?;
                observer.advance(1);
                Some(evaluate(targets, budget, set, wave, values, &moments))
            })
            .collect();
        let results = results.ok_or(Error::Interrupted)?;
        cancel.check()?;
        Ok(results)
    })?;
    let waves = wave_summaries(params, targets, budget, &sets);
    Ok((sets, waves))
}

/// Checks that the scenario runs the survey at every month a target reads.
pub fn check_targets(s: &Scenario, targets: &[Target]) -> Result<()> {
    for t in targets {
        if let Some(m) = t.output.month()
            && !s.survey.months.contains(&m)
        {
            return Err(Error::Invalid {
                at: Origin::Default,
                key: "survey.months".into(),
                message: format!(
                    "target {} needs the survey at month {m}, which the scenario does not run",
                    t.id
                ),
            });
        }
    }
    Ok(())
}

/// Runs one parameter set: the scenario with `base` overrides, `budget.replications`
/// replications and the set's values, every replication in this thread (sets are the parallel
/// unit, so every core stays busy to the end of a wave); per target, the moments of its output.
/// `None` when cancelled.
#[allow(clippy::too_many_arguments)]
pub fn simulate_set(
    source: &ScenarioSource,
    base: &[Override],
    params: &[UncertainParam],
    targets: &[Target],
    budget: &Budget,
    set: u64,
    values: &[f64],
    cancel: &Cancel,
) -> Option<Vec<Moments>> {
    let mut o = base.to_vec();
    o.push(Override::new(
        "simulation.replications",
        Value::Integer(budget.replications.into()),
        Origin::Flag("calibration.replications".into()),
    ));
    for (p, &x) in params.iter().zip(values) {
        o.push(Override::new(
            &p.path,
            p.value(x),
            Origin::Flag("calibration set".into()),
        ));
    }
    // Every value was checked against its range when the table was read.
    let sc = source.resolve(&o).ok()?;
    let mut m = vec![Moments::default(); targets.len()];
    for i in 0..budget.replications {
        if cancel.is_cancelled() {
            return None;
        }
        let outcome = runner::replication(&sc, set, i);
        for (acc, t) in m.iter_mut().zip(targets) {
            if let Some(x) = t.output.of(&outcome) {
                acc.push(x);
            }
        }
    }
    Some(m)
}

/// A calibration's summary from its sets (every wave's, in order).
pub fn summarize(
    scenario: &str,
    seed: u64,
    targets: &[Target],
    params: Vec<UncertainParam>,
    budget: Budget,
    sets: Vec<SetResult>,
) -> Calibration {
    let waves = wave_summaries(&params, targets, &budget, &sets);
    let kept: Vec<&SetResult> = sets.iter().filter(|r| r.kept).collect();
    let pass_share = targets
        .iter()
        .enumerate()
        .map(|(t, x)| {
            (
                x.id.clone(),
                sets.iter()
                    .filter(|r| r.implausibility[t] < budget.cutoff)
                    .count() as f64
                    / sets.len().max(1) as f64,
            )
        })
        .collect();
    let kept_ranges = (0..params.len())
        .map(|d| {
            (!kept.is_empty()).then(|| {
                let xs = kept.iter().map(|r| r.values[d]);
                [
                    xs.clone().fold(f64::INFINITY, f64::min),
                    xs.fold(f64::NEG_INFINITY, f64::max),
                ]
            })
        })
        .collect();
    let sets_kept = kept.len() as u64;
    Calibration {
        summary: Summary {
            scenario: scenario.to_string(),
            seed,
            targets: targets.to_vec(),
            parameters: params,
            budget,
            sets_tried: sets.len() as u64,
            sets_kept,
            pass_share,
            waves,
            kept_ranges,
        },
        sets,
    }
}

/// Runs the calibration of a scenario in memory: the uncertain parameters of its
/// `[calibration]` table, the budget there (after `base` overrides), every set run with
/// `budget.replications` replications on the same areas (common random numbers), in parallel
/// over sets. `calibrate` on the command line runs the same sets through `sweep::calibration::run`, with a journal,
/// shards and `--resume`.
pub fn calibrate(
    source: &ScenarioSource,
    base: &[Override],
    targets: &[Target],
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Calibration> {
    let s = source.resolve(base)?;
    let params = uncertain_params(source, &s, base)?;
    let budget = budget(&s);
    check_targets(&s, targets)?;
    let simulate = |set: u64, values: &[f64]| {
        simulate_set(source, base, &params, targets, &budget, set, values, cancel)
    };
    let (sets, _) = history_match(
        &params,
        targets,
        &budget,
        s.simulation.seed,
        simulate,
        observer,
        cancel,
    )?;
    Ok(summarize(
        &s.simulation.name,
        s.simulation.seed,
        targets,
        params,
        budget,
        sets,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Silent;

    fn param(path: &str) -> UncertainParam {
        UncertainParam {
            path: path.into(),
            lo: 0.0,
            hi: 1.0,
            log: false,
            whole: false,
        }
    }

    /// A synthetic simulator with a known answer: output x + y with no Monte Carlo noise,
    /// observed 1.0 with standard error 0.1, so the region not ruled out at cutoff 3 is
    /// |x + y − 1| < 0.3, a band of area 0.51 in the unit square.
    #[test]
    fn history_matching_finds_the_band_a_synthetic_simulator_allows() {
        let target = Target {
            id: "sum".into(),
            description: String::new(),
            observed: Observed::Value {
                value: 1.0,
                sd: 0.1,
            },
            discrepancy: 0.0,
            output: Output::SuccessRate,
            source: String::new(),
        };
        let budget = Budget {
            sets: 4000,
            replications: 1,
            waves: 2,
            cutoff: 3.0,
            rule: Rule::Max,
        };
        let simulate = |_: u64, v: &[f64]| {
            let mut m = Moments::default();
            m.push(v[0] + v[1]);
            Some(vec![m])
        };
        let (sets, waves) = history_match(
            &[param("x"), param("y")],
            std::slice::from_ref(&target),
            &budget,
            7,
            simulate,
            &Silent,
            &Cancel::new(),
        )
        .unwrap();
        // Every set is kept exactly when it lies in the band.
        for r in &sets {
            let inside = (r.values[0] + r.values[1] - 1.0).abs() < 0.3;
            assert_eq!(r.kept, inside, "{:?}", r.values);
        }
        // Wave 1 samples the square evenly: its kept share is the band's area.
        let share = waves[0].kept as f64 / waves[0].sets as f64;
        assert!((share - 0.51).abs() < 0.02, "{share}");
        // The band touches every edge, so wave 2 samples the whole square again.
        assert_eq!(waves[1].region[0], [0.0, 1.0]);
        // A narrower target leaves a smaller box: |x + y − 0.2| < 0.15 needs x, y < 0.35.
        let narrow = Target {
            observed: Observed::Value {
                value: 0.2,
                sd: 0.05,
            },
            ..target
        };
        let (_, waves) = history_match(
            &[param("x"), param("y")],
            std::slice::from_ref(&narrow),
            &budget,
            7,
            simulate,
            &Silent,
            &Cancel::new(),
        )
        .unwrap();
        let [lo, hi] = waves[1].region[0];
        assert!(lo == 0.0 && hi > 0.3 && hi < 0.4, "{lo} {hi}");
        // Wave 1 keeps about 0.06 of the square; wave 2, drawn inside the box, about 0.45.
        let first = waves[0].kept as f64 / waves[0].sets as f64;
        let second = waves[1].kept as f64 / waves[1].sets as f64;
        assert!((first - 0.06).abs() < 0.015, "{first}");
        assert!(second > 0.35, "wave 2 samples inside the region: {second}");
    }

    #[test]
    fn the_second_largest_forgives_one_missed_target() {
        assert_eq!(deciding(&[5.0, 1.0, 2.0], Rule::Max), 5.0);
        assert_eq!(deciding(&[5.0, 1.0, 2.0], Rule::Second), 2.0);
        assert_eq!(deciding(&[4.0], Rule::Second), 4.0);
    }
}
