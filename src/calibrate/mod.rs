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

/// The sets of one wave, a flat table of `k` values per set. This is the one per-set record a
/// run keeps in memory: 8 bytes per parameter per set of the wave being run, because a Latin
/// hypercube draws each parameter's permutation of all its strata at once (the sets of a wave
/// are run, and asked for, in any order within the pool's window). It is dropped when the wave
/// ends; nothing else about a set stays in memory.
#[derive(Debug, Clone)]
pub struct WaveDesign {
    /// Sets in the wave.
    n: u64,
    /// Parameters per set.
    k: usize,
    /// Set `j`'s values at `j * k .. (j + 1) * k`.
    values: Vec<f64>,
}

impl WaveDesign {
    /// Sets in the wave.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether the wave has no set.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The values of the wave's `j`-th set, in the order of the uncertain parameters.
    pub fn set(&self, j: u64) -> &[f64] {
        let j = j as usize;
        &self.values[j * self.k..(j + 1) * self.k]
    }
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
) -> WaveDesign {
    let k = params.len();
    // Mapped in place, so the wave's table exists once.
    let mut values = latin_hypercube(n, k, wave_seed(seed, wave));
    for row in values.chunks_mut(k.max(1)) {
        for ((x, p), [a, b]) in row.iter_mut().zip(params).zip(region) {
            *x = p.from_design(a + *x * (b - a));
        }
    }
    WaveDesign { n, k, values }
}

/// The declared ranges, in the design space: wave 1's region.
fn declared_region(params: &[UncertainParam]) -> Vec<[f64; 2]> {
    params
        .iter()
        .map(|p| [p.design_at(p.lo), p.design_at(p.hi)])
        .collect()
}

/// The box, in the design space, of the sets a wave kept: all that the next wave's region
/// needs from a wave, gathered a set at a time.
#[derive(Debug, Clone)]
pub struct KeptBox {
    /// Per parameter, the lowest kept value in the design space.
    lo: Vec<f64>,
    /// Per parameter, the highest.
    hi: Vec<f64>,
    /// Sets kept.
    kept: u64,
}

impl KeptBox {
    /// The box of no set, for `k` parameters.
    pub fn new(k: usize) -> Self {
        KeptBox {
            lo: vec![f64::INFINITY; k],
            hi: vec![f64::NEG_INFINITY; k],
            kept: 0,
        }
    }

    /// Widens the box to a set, if it was kept.
    pub fn push(&mut self, params: &[UncertainParam], r: &SetResult) {
        if !r.kept {
            return;
        }
        self.kept += 1;
        for (d, p) in params.iter().enumerate() {
            let x = p.design_at(r.values[d]);
            self.lo[d] = self.lo[d].min(x);
            self.hi[d] = self.hi[d].max(x);
        }
    }
}

/// The region after a wave drawn in `region`: the box of its kept sets, widened by a twentieth
/// of its width on each side (a twentieth of `region` when one set alone was kept), inside the
/// declared ranges; `None` when the wave kept nothing.
fn next_region(
    params: &[UncertainParam],
    region: &[[f64; 2]],
    kept: &KeptBox,
) -> Option<Vec<[f64; 2]>> {
    (kept.kept > 0).then(|| {
        params
            .iter()
            .enumerate()
            .map(|(d, p)| {
                let (lo, hi) = (kept.lo[d], kept.hi[d]);
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

/// A wave's counts while its sets stream past.
#[derive(Debug, Clone)]
struct WaveCount {
    wave: u32,
    /// Its region, in the design space.
    region: Vec<[f64; 2]>,
    sets: u64,
    /// Per target, sets whose implausibility on it is under the cutoff.
    pass: Vec<u64>,
    kept: KeptBox,
}

/// A calibration's summary gathered a set at a time, in set order: every figure of
/// `calibration.json` is a count, a lowest or a highest value, so memory does not grow with the
/// sets (only with the waves, parameters and targets).
#[derive(Debug, Clone)]
pub struct Tally {
    params: Vec<UncertainParam>,
    cutoff: f64,
    sets: u64,
    kept: u64,
    /// Per target, sets of all waves under the cutoff on it.
    pass: Vec<u64>,
    /// Per parameter, the lowest and highest kept value.
    kept_lo: Vec<f64>,
    kept_hi: Vec<f64>,
    /// The waves closed so far.
    waves: Vec<Wave>,
    /// The wave whose sets are streaming past.
    current: Option<WaveCount>,
    /// A wave kept nothing: no later wave was drawn, so none is summarized.
    stopped: bool,
}

impl Tally {
    /// An empty tally over `targets` targets.
    pub fn new(params: &[UncertainParam], targets: usize, budget: &Budget) -> Self {
        let k = params.len();
        Tally {
            params: params.to_vec(),
            cutoff: budget.cutoff,
            sets: 0,
            kept: 0,
            pass: vec![0; targets],
            kept_lo: vec![f64::INFINITY; k],
            kept_hi: vec![f64::NEG_INFINITY; k],
            waves: Vec::new(),
            current: None,
            stopped: false,
        }
    }

    /// Counts the next set (sets come in order, grouped by wave).
    pub fn push(&mut self, r: &SetResult) {
        self.sets += 1;
        for (n, &i) in self.pass.iter_mut().zip(&r.implausibility) {
            *n += u64::from(i < self.cutoff);
        }
        if r.kept {
            self.kept += 1;
            for (d, &x) in r.values.iter().enumerate() {
                self.kept_lo[d] = self.kept_lo[d].min(x);
                self.kept_hi[d] = self.kept_hi[d].max(x);
            }
        }
        if self.stopped {
            return;
        }
        if self.current.as_ref().is_none_or(|w| w.wave != r.wave) {
            // A new wave: its region is replayed from the kept sets of the wave before.
            let region = match self.current.take() {
                None => declared_region(&self.params),
                Some(w) => {
                    let next = next_region(&self.params, &w.region, &w.kept);
                    self.close(w);
                    match next {
                        Some(region) => region,
                        None => {
                            self.stopped = true;
                            return;
                        }
                    }
                }
            };
            self.current = Some(WaveCount {
                wave: r.wave,
                region,
                sets: 0,
                pass: vec![0; self.pass.len()],
                kept: KeptBox::new(self.params.len()),
            });
        }
        if let Some(w) = self.current.as_mut() {
            w.sets += 1;
            for (n, &i) in w.pass.iter_mut().zip(&r.implausibility) {
                *n += u64::from(i < self.cutoff);
            }
            w.kept.push(&self.params, r);
        }
    }

    fn close(&mut self, w: WaveCount) {
        self.waves.push(Wave {
            wave: w.wave,
            region: self
                .params
                .iter()
                .zip(&w.region)
                .map(|(p, r)| [p.from_design(r[0]), p.from_design(r[1])])
                .collect(),
            sets: w.sets,
            kept: w.kept.kept,
            pass_share: w
                .pass
                .iter()
                .map(|&n| n as f64 / w.sets.max(1) as f64)
                .collect(),
        });
    }

    /// The waves counted, the last one closed.
    pub fn waves(mut self) -> Vec<Wave> {
        if let Some(w) = self.current.take() {
            self.close(w);
        }
        self.waves
    }

    /// The summary of the sets counted.
    pub fn finish(self, scenario: &str, seed: u64, targets: &[Target], budget: Budget) -> Summary {
        let (sets, kept, params) = (self.sets, self.kept, self.params.clone());
        let pass_share = targets
            .iter()
            .zip(&self.pass)
            .map(|(x, &n)| (x.id.clone(), n as f64 / sets.max(1) as f64))
            .collect();
        let kept_ranges = (0..params.len())
            .map(|d| (kept > 0).then(|| [self.kept_lo[d], self.kept_hi[d]]))
            .collect();
        Summary {
            scenario: scenario.to_string(),
            seed,
            targets: targets.to_vec(),
            parameters: params,
            budget,
            sets_tried: sets,
            sets_kept: kept,
            pass_share,
            waves: self.waves(),
            kept_ranges,
        }
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
    let mut tally = Tally::new(params, targets.len(), budget);
    for r in sets {
        tally.push(r);
    }
    tally.waves()
}

/// The wave loop of history matching: wave 1 draws `budget.sets` sets by Latin hypercube over
/// the declared ranges; each later wave draws as many inside the box of the previous wave's
/// kept sets (widened by a twentieth, inside the declared ranges). `run_wave(wave, first set,
/// design)` runs or reads the wave's sets, however it gets them (simulated here, read back from
/// a journal or an earlier run), and returns the box of those it kept: the only thing the next
/// wave needs, so no set's result has to stay in memory. It stops early when a wave keeps
/// nothing. Returns the number of sets of all the waves run.
pub fn drive<F>(
    params: &[UncertainParam],
    budget: &Budget,
    seed: u64,
    mut run_wave: F,
) -> Result<u64>
where
    F: FnMut(u32, u64, &WaveDesign) -> Result<KeptBox>,
{
    let mut region = declared_region(params);
    let mut first = 0u64;
    for wave in 1..=budget.waves {
        let design = wave_design(params, &region, u64::from(budget.sets), seed, wave);
        let kept = run_wave(wave, first, &design)?;
        first += design.len();
        match next_region(params, &region, &kept) {
            Some(r) => region = r,
            None => break,
        }
    }
    Ok(first)
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
    let mut sets: Vec<SetResult> = Vec::new();
    drive(params, budget, seed, |wave, first, design| {
        let results: Option<Vec<SetResult>> = (0..design.len())
            .into_par_iter()
            .map(|j| {
                let set = first + j;
                let values = design.set(j).to_vec();
                let moments = simulate(set, &values)?;
                observer.advance(1);
                Some(evaluate(targets, budget, set, wave, values, &moments))
            })
            .collect();
        let results = results.ok_or(Error::Interrupted)?;
        cancel.check()?;
        let mut kept = KeptBox::new(params.len());
        for r in &results {
            kept.push(params, r);
        }
        sets.extend(results);
        Ok(kept)
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
    let mut tally = Tally::new(&params, targets.len(), &budget);
    for r in &sets {
        tally.push(r);
    }
    Calibration {
        summary: tally.finish(scenario, seed, targets, budget),
        sets,
    }
}

/// Cells per side of the minimum-implausibility map.
pub const MAP_BINS: usize = 12;

/// The minimum-implausibility map over a pair of parameters: per cell, the lowest deciding
/// implausibility of any set tried in it, capped.
#[derive(Debug, Clone)]
pub struct ImplausibilityMap {
    /// The parameter along x (an index into the uncertain parameters).
    pub x: usize,
    /// The parameter along y.
    pub y: usize,
    /// The cap on the implausibility shown.
    pub cap: f64,
    /// Row by row from the lowest y: `MAP_BINS` × `MAP_BINS` values.
    pub values: Vec<f64>,
}

/// What the calibration's charts need beyond the summary, gathered from the sets in passes
/// (each a stream over every set) into tables of a fixed size.
#[derive(Debug, Clone)]
pub struct ChartInputs {
    /// Per parameter, the lowest, median (the value at rank n/2 of the n kept values, in
    /// ascending order) and highest kept value; `None` when nothing was kept.
    pub kept: Option<Vec<[f64; 3]>>,
    /// The map over the two parameters whose kept span is narrowest, with two or more
    /// parameters.
    pub map: Option<ImplausibilityMap>,
}

/// A replay of every set of a calibration, in order: each call streams them to the function
/// given, once.
pub type Replay<'a> = dyn FnMut(&mut dyn FnMut(&SetResult)) -> Result<()> + 'a;

/// `x` as an unsigned key whose order is [`f64::total_cmp`]'s.
fn order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// The number whose [`order_key`] is `key`.
fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// The chart inputs of a calibration summarized as `sum`, from `replay`. The kept sets'
/// medians are found exactly without holding the kept values: a radix selection on the bits of
/// each value, one byte per pass (eight passes, 256 counters per parameter), which costs a
/// few microseconds per set and pass against milliseconds to simulate a set.
pub fn chart_inputs(sum: &Summary, replay: &mut Replay<'_>) -> Result<ChartInputs> {
    let params = &sum.parameters;
    let k = params.len();
    let cutoff = sum.budget.cutoff;
    // The pair of parameters whose kept span is narrowest.
    let pair = (k >= 2).then(|| {
        let span = |d: usize| {
            sum.kept_ranges[d].map_or(0.0, |[a, b]| (b - a) / (params[d].hi - params[d].lo))
        };
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| span(a).total_cmp(&span(b)).then(a.cmp(&b)));
        (order[0].min(order[1]), order[0].max(order[1]))
    });
    let cap = 2.0 * cutoff.max(1.0);
    let mut map = pair.map(|(x, y)| ImplausibilityMap {
        x,
        y,
        cap,
        values: vec![cap; MAP_BINS * MAP_BINS],
    });
    let bin = |x: f64, lo: f64, hi: f64| {
        (((x - lo) / (hi - lo) * MAP_BINS as f64) as usize).min(MAP_BINS - 1)
    };
    let kept = sum.sets_kept;
    // Per parameter: the lowest and highest kept keys, the key bits found so far, and the rank
    // still sought among the kept values sharing them.
    let mut lowest = vec![u64::MAX; k];
    let mut highest = vec![0u64; k];
    let mut prefix = vec![0u64; k];
    let mut rank = vec![kept / 2; k];
    let mut counts = vec![[0u64; 256]; k];
    let passes = if kept > 0 { 8 } else { 1 };
    for pass in 0..passes {
        let shift = 56 - 8 * pass;
        for c in counts.iter_mut() {
            *c = [0; 256];
        }
        replay(&mut |r: &SetResult| {
            if pass == 0
                && let Some(m) = map.as_mut()
            {
                let (px, py) = (&params[m.x], &params[m.y]);
                let cell =
                    bin(r.values[m.y], py.lo, py.hi) * MAP_BINS + bin(r.values[m.x], px.lo, px.hi);
                m.values[cell] = m.values[cell].min(r.deciding.min(m.cap));
            }
            if kept == 0 || !r.kept {
                return;
            }
            for (d, &x) in r.values.iter().enumerate() {
                let key = order_key(x);
                if pass == 0 {
                    lowest[d] = lowest[d].min(key);
                    highest[d] = highest[d].max(key);
                } else if key >> (shift + 8) != prefix[d] {
                    continue;
                }
                counts[d][((key >> shift) & 0xff) as usize] += 1;
            }
        })?;
        if kept == 0 {
            break;
        }
        for d in 0..k {
            let mut byte = 0;
            while byte < 255 && rank[d] >= counts[d][byte] {
                rank[d] -= counts[d][byte];
                byte += 1;
            }
            prefix[d] = (prefix[d] << 8) | byte as u64;
        }
    }
    let kept = (kept > 0).then(|| {
        (0..k)
            .map(|d| {
                [
                    from_order_key(lowest[d]),
                    from_order_key(prefix[d]),
                    from_order_key(highest[d]),
                ]
            })
            .collect()
    });
    Ok(ChartInputs { kept, map })
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

    /// The chart inputs gathered in passes are what sorting every set gives: the kept sets'
    /// lowest, median and highest values (negative numbers, zeros of both signs and ties
    /// included) and the minimum-implausibility map.
    #[test]
    fn chart_inputs_in_passes_match_sorting_every_set() {
        use rand::{RngExt, SeedableRng};
        let params: Vec<UncertainParam> = ["a", "b", "c"]
            .iter()
            .map(|p| UncertainParam {
                lo: -2.0,
                hi: 2.0,
                ..param(p)
            })
            .collect();
        let budget = Budget {
            sets: 0,
            replications: 1,
            waves: 1,
            cutoff: 3.0,
            rule: Rule::Max,
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for n in [1usize, 2, 7, 500] {
            let sets: Vec<SetResult> = (0..n as u64)
                .map(|set| {
                    let values = vec![
                        rng.random_range(-2.0..2.0),
                        // Few distinct values: ties, and both zeros.
                        [-1.5, -0.0, 0.0, 0.25][rng.random_range(0..4)],
                        rng.random_range(0.0..0.001),
                    ];
                    let imp = rng.random_range(0.0..6.0);
                    judged(&budget, set, 1, values, vec![Some(0.0)], vec![imp])
                })
                .collect();
            let c = summarize("s", 1, &[], params.clone(), budget.clone(), sets);
            let mut replay = |f: &mut dyn FnMut(&SetResult)| -> Result<()> {
                c.sets.iter().for_each(&mut *f);
                Ok(())
            };
            let got = chart_inputs(&c.summary, &mut replay).unwrap();
            let kept: Vec<&SetResult> = c.sets.iter().filter(|r| r.kept).collect();
            match &got.kept {
                None => assert!(kept.is_empty()),
                Some(marginals) => {
                    for (d, m) in marginals.iter().enumerate() {
                        let mut xs: Vec<f64> = kept.iter().map(|r| r.values[d]).collect();
                        xs.sort_by(f64::total_cmp);
                        let want = [xs[0], xs[xs.len() / 2], xs[xs.len() - 1]];
                        assert!(
                            m.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()),
                            "n={n} d={d}: {m:?} vs {want:?}"
                        );
                    }
                }
            }
            let map = got.map.unwrap();
            let bin = |x: f64| (((x + 2.0) / 4.0 * MAP_BINS as f64) as usize).min(MAP_BINS - 1);
            let mut want = vec![map.cap; MAP_BINS * MAP_BINS];
            for r in &c.sets {
                let cell = bin(r.values[map.y]) * MAP_BINS + bin(r.values[map.x]);
                want[cell] = want[cell].min(r.deciding.min(map.cap));
            }
            assert_eq!(map.values, want, "n={n}");
        }
    }

    #[test]
    fn the_second_largest_forgives_one_missed_target() {
        assert_eq!(deciding(&[5.0, 1.0, 2.0], Rule::Max), 5.0);
        assert_eq!(deciding(&[5.0, 1.0, 2.0], Rule::Second), 2.0);
        assert_eq!(deciding(&[4.0], Rule::Second), 4.0);
    }
}
