//! Streaming statistics: intervals, quantiles from fixed histograms, and the aggregate of a
//! Monte Carlo run, combined in replication order so that results never depend on threads.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::model::outcome::{Mode, ReplicationOutcome};
use crate::runner::{self, Cancel, Observer};
use crate::scenario::Scenario;

/// The normal quantile for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval for `successes` out of `n` at 95%; `[0, 1]` when `n` is zero.
///
/// ```
/// let [lo, hi] = redesign_sim::stats::wilson(10.0, 100.0);
/// assert!((lo - 0.0552).abs() < 1e-3 && (hi - 0.1744).abs() < 1e-3);
/// ```
pub fn wilson(successes: f64, n: f64) -> [f64; 2] {
    if n <= 0.0 {
        return [0.0, 1.0];
    }
    let p = successes / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    [(centre - half).max(0.0), (centre + half).min(1.0)]
}

/// Mean and variance accumulated one value at a time (Welford), in a fixed order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// How many values were added.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Their mean (0 when empty).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Their sample variance (0 with fewer than two values).
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            self.m2 / (self.n - 1) as f64
        }
    }
}

/// A 95% interval for a rate pooled over `per_cluster` initiatives in each replication, allowing
/// for initiatives in one area being correlated: a Wilson interval on the effective sample size
/// (the pooled count divided by the design effect estimated from the replications).
pub fn clustered_interval(per_replication: &Moments, per_cluster: usize) -> [f64; 2] {
    let r = per_replication.count() as f64;
    let m = per_cluster as f64;
    if r == 0.0 || m == 0.0 {
        return [0.0, 1.0];
    }
    let p = per_replication.mean();
    let binomial = p * (1.0 - p) / (r * m);
    let clustered = per_replication.variance() / r;
    let design_effect = if binomial > 0.0 && r > 1.0 {
        (clustered / binomial).max(1.0)
    } else {
        1.0
    };
    let n_eff = r * m / design_effect;
    wilson(p * n_eff, n_eff)
}

/// Counts of values in [0, 1] on a fixed grid, for quantiles with memory that does not grow with
/// the number of values.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u32>,
    n: u64,
}

/// Steps per unit of the quantile grid: quantiles are exact to 1 / QUANTILE_STEPS.
pub const QUANTILE_STEPS: usize = 200;

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; QUANTILE_STEPS + 1],
            n: 0,
        }
    }
}

impl Histogram {
    /// Adds a value in [0, 1] (rounded to the grid).
    pub fn push(&mut self, x: f64) {
        let bin = round_half_up(x.clamp(0.0, 1.0) * QUANTILE_STEPS as f64);
        self.counts[bin] += 1;
        self.n += 1;
    }

    /// The smallest grid value with at least a share `q` of the values at or below it.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let target = (q * self.n as f64).ceil().max(1.0) as u64;
        let mut acc = 0;
        for (bin, &c) in self.counts.iter().enumerate() {
            acc += c as u64;
            if acc >= target {
                return bin as f64 / QUANTILE_STEPS as f64;
            }
        }
        1.0
    }
}

/// `x.round() as usize` for a finite `x ≥ 0` below 2^32, without the call to the C library's
/// `round` that the plain x86-64 target makes (it has no rounding instruction): the aggregate
/// rounds 720 values a replication. `x − trunc(x)` is exact in this range, so comparing it with
/// one half rounds halves away from zero as `round` does. Through `u32`, whose conversions
/// to and from `f64` are single instructions where `usize`'s take a dozen (the histogram's
/// values are at most `QUANTILE_STEPS`).
fn round_half_up(x: f64) -> usize {
    let whole = x as u32;
    whole as usize + usize::from(x - f64::from(whole) >= 0.5)
}

/// The median of whole months recorded in a histogram of months.
fn median_months(counts: &[u64]) -> Option<f64> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let at = |rank: u64| {
        let mut acc = 0;
        for (m, &c) in counts.iter().enumerate() {
            acc += c;
            if acc > rank {
                return m as f64;
            }
        }
        (counts.len() - 1) as f64
    };
    Some(if n % 2 == 1 {
        at(n / 2)
    } else {
        0.5 * (at(n / 2 - 1) + at(n / 2))
    })
}

#[derive(Debug, Clone)]
struct InitiativeTally {
    modes: [u64; 8],
    success_months: Vec<u64>,
    peaks: [f64; 3],
    final_routinised: f64,
    episodes: [u64; 3],
    rounds: u64,
    mature_design_months: Vec<u64>,
}

#[derive(Debug, Clone, Copy, Default)]
struct SurveyTally {
    month: u32,
    members: u64,
    centre_high: u64,
    gps_main: u64,
    managers_main: u64,
    vision_equal: u64,
    gp_formal: u64,
    gp_formal_can: u64,
    gp_formal_engaged: u64,
    gp_no_role: u64,
    gp_no_role_can: u64,
}

/// The running aggregate of a Monte Carlo run. Its size depends on the scenario (months,
/// initiatives), never on the number of replications.
#[derive(Debug, Clone)]
pub struct Aggregate {
    months: usize,
    replications: u64,
    initiatives: Vec<InitiativeTally>,
    per_replication_rate: Moments,
    all_succeeded: u64,
    seats_filled: Moments,
    influence: Moments,
    destabilised: Moments,
    survey: Vec<SurveyTally>,
    /// Per month, initiative and quantity (M, D, A, R): histogram and sum.
    series: Vec<Histogram>,
    series_sum: Vec<f64>,
    seats_by_month: Vec<f64>,
    logic_by_month: Vec<[f64; 3]>,
}

impl Aggregate {
    /// An empty aggregate for a scenario.
    pub fn new(s: &Scenario) -> Self {
        let months = s.simulation.months as usize;
        let n_init = s.initiative.len();
        Aggregate {
            months,
            replications: 0,
            initiatives: vec![
                InitiativeTally {
                    modes: [0; 8],
                    success_months: vec![0; months + 1],
                    peaks: [0.0; 3],
                    final_routinised: 0.0,
                    episodes: [0; 3],
                    rounds: 0,
                    mature_design_months: vec![0; months + 1],
                };
                n_init
            ],
            per_replication_rate: Moments::default(),
            all_succeeded: 0,
            seats_filled: Moments::default(),
            influence: Moments::default(),
            destabilised: Moments::default(),
            survey: s
                .survey
                .months
                .iter()
                .map(|&month| SurveyTally {
                    month,
                    ..Default::default()
                })
                .collect(),
            series: vec![Histogram::default(); months * n_init * 4],
            series_sum: vec![0.0; months * n_init * 4],
            seats_by_month: vec![0.0; months],
            logic_by_month: vec![[0.0; 3]; months],
        }
    }

    /// Adds one replication; call in replication order.
    pub fn push(&mut self, r: &ReplicationOutcome) {
        self.replications += 1;
        let mut successes = 0;
        for (tally, o) in self.initiatives.iter_mut().zip(&r.initiatives) {
            tally.modes[o.mode.index()] += 1;
            if let Some(m) = o.months_to_success {
                tally.success_months[(m as usize).min(self.months)] += 1;
                successes += 1;
            }
            tally.peaks[0] += o.peak_mandate;
            tally.peaks[1] += o.peak_design;
            tally.peaks[2] += o.peak_adoption;
            tally.final_routinised += o.final_routinised;
            for k in 0..3 {
                tally.episodes[k] += o.episodes[k] as u64;
            }
            tally.rounds += o.design_rounds as u64;
            if let Some(m) = o.months_to_mature_design {
                tally.mature_design_months[(m as usize).min(self.months)] += 1;
            }
        }
        let n_init = r.initiatives.len();
        self.per_replication_rate
            .push(successes as f64 / n_init.max(1) as f64);
        if successes == n_init {
            self.all_succeeded += 1;
        }
        self.seats_filled.push(r.gp_seats_filled_share);
        if let Some(share) = r.gp_influence_share {
            self.influence.push(share);
        }
        self.destabilised.push(r.providers_destabilised as f64);
        for (tally, wave) in self.survey.iter_mut().zip(&r.survey) {
            tally.members += wave.members as u64;
            tally.centre_high += wave.centre_high as u64;
            tally.gps_main += wave.gps_main as u64;
            tally.managers_main += wave.managers_main as u64;
            tally.vision_equal += wave.vision_equal as u64;
            tally.gp_formal += wave.gp_formal as u64;
            tally.gp_formal_can += wave.gp_formal_can as u64;
            tally.gp_formal_engaged += wave.gp_formal_engaged as u64;
            tally.gp_no_role += wave.gp_no_role as u64;
            tally.gp_no_role_can += wave.gp_no_role_can as u64;
        }
        // Zipped rather than indexed: no bounds checks on the 720 values a replication.
        for ((values, series), sums) in r
            .trajectories
            .iter()
            .zip(self.series.chunks_exact_mut(4))
            .zip(self.series_sum.chunks_exact_mut(4))
        {
            for ((&v, h), sum) in values.iter().zip(series).zip(sums) {
                h.push(v as f64);
                *sum += v as f64;
            }
        }
        for (sum, &x) in self.seats_by_month.iter_mut().zip(&r.seats_filled) {
            *sum += x as f64;
        }
        for (sum, l) in self.logic_by_month.iter_mut().zip(&r.logic_mix) {
            for (s, &x) in sum.iter_mut().zip(l) {
                *s += x as f64;
            }
        }
    }

    /// Replications aggregated so far.
    pub fn replications(&self) -> u64 {
        self.replications
    }

    /// The share of initiative-runs that succeeded, pooled over initiatives and replications,
    /// and its interval over replications.
    pub fn overall(&self) -> (f64, [f64; 2]) {
        (
            self.per_replication_rate.mean(),
            clustered_interval(&self.per_replication_rate, self.initiatives.len()),
        )
    }

    /// Per replication, the share of its initiatives that succeeded (for paired comparisons).
    pub fn per_replication(&self) -> &Moments {
        &self.per_replication_rate
    }

    /// Successes of initiative `k`.
    pub fn successes(&self, k: usize) -> u64 {
        self.initiatives[k].modes[Mode::Success.index()]
    }

    /// The summary of the run, with the scenario's names.
    pub fn summary(&self, s: &Scenario) -> Summary {
        let n = self.replications as f64;
        let share = |num: u64, den: u64| {
            if den > 0 {
                num as f64 / den as f64
            } else {
                0.0
            }
        };
        let (overall, ci95) = self.overall();
        let initiatives = self
            .initiatives
            .iter()
            .zip(&s.initiative)
            .map(|(t, init)| {
                let successes = t.modes[Mode::Success.index()] as f64;
                InitiativeSummary {
                    name: init.name.clone(),
                    success_rate: if n > 0.0 { successes / n } else { 0.0 },
                    ci95: wilson(successes, n),
                    median_months_to_success: median_months(&t.success_months),
                    failure_modes: Mode::failures()
                        .iter()
                        .map(|m| {
                            (
                                m.name().to_string(),
                                share(t.modes[m.index()], self.replications),
                            )
                        })
                        .collect(),
                    mean_peak_mandate: t.peaks[0] / n.max(1.0),
                    mean_peak_design: t.peaks[1] / n.max(1.0),
                    mean_peak_adoption: t.peaks[2] / n.max(1.0),
                    mean_final_routinised: t.final_routinised / n.max(1.0),
                    mean_design_rounds: t.rounds as f64 / n.max(1.0),
                    mature_design_share: t.mature_design_months.iter().sum::<u64>() as f64
                        / n.max(1.0),
                    median_months_to_mature_design: median_months(&t.mature_design_months),
                    episodes: Episodes {
                        market: t.episodes[0] as f64 / n.max(1.0),
                        hierarchy: t.episodes[1] as f64 / n.max(1.0),
                        network: t.episodes[2] as f64 / n.max(1.0),
                    },
                }
            })
            .collect();
        let all = self.all_succeeded as f64;
        Summary {
            scenario: s.simulation.name.clone(),
            description: s.simulation.description.clone(),
            seed: s.simulation.seed,
            replications: self.replications,
            months: s.simulation.months,
            overall_success_rate: overall,
            ci95,
            all_initiatives_succeeded_share: if n > 0.0 { all / n } else { 0.0 },
            all_initiatives_succeeded_ci95: wilson(all, n),
            initiatives,
            leadership: Leadership {
                gp_seats_filled_share: self.seats_filled.mean(),
                gp_influence_share: (self.influence.count() > 0).then(|| self.influence.mean()),
                providers_destabilised_mean: self.destabilised.mean(),
            },
            survey: self
                .survey
                .iter()
                .map(|t| SurveySummary {
                    month: t.month,
                    centre_influence_high_share: share(t.centre_high, t.members),
                    gps_main_influence_share: share(t.gps_main, t.members),
                    managers_main_influence_share: share(t.managers_main, t.members),
                    vision_equal_share: share(t.vision_equal, t.members),
                    gp_formal_can_influence_share: share(t.gp_formal_can, t.gp_formal),
                    gp_no_role_can_influence_share: share(t.gp_no_role_can, t.gp_no_role),
                    gp_formal_engaged_share: share(t.gp_formal_engaged, t.gp_formal),
                    members_asked: t.members,
                })
                .collect(),
        }
    }

    /// Per month and initiative, for M, D, A, R: mean, 5th, 50th and 95th percentile.
    pub fn series(&self) -> impl Iterator<Item = SeriesRow> + '_ {
        let n_init = self.initiatives.len();
        let n = self.replications.max(1) as f64;
        (0..self.months).flat_map(move |month| {
            (0..n_init).map(move |k| {
                let base = (month * n_init + k) * 4;
                let mut stats = [[0.0; 4]; 4];
                for (q, s) in stats.iter_mut().enumerate() {
                    let h = &self.series[base + q];
                    *s = [
                        self.series_sum[base + q] / n,
                        h.quantile(0.05),
                        h.quantile(0.5),
                        h.quantile(0.95),
                    ];
                }
                SeriesRow {
                    month: month as u32,
                    initiative: k,
                    stats,
                }
            })
        })
    }

    /// Per month, the mean share of GP seats filled.
    pub fn seats_by_month(&self) -> Vec<f64> {
        let n = self.replications.max(1) as f64;
        self.seats_by_month.iter().map(|x| x / n).collect()
    }

    /// Per month, the mean logic mix `[market, hierarchy, network]` of GPs, managers and providers.
    pub fn logic_by_month(&self) -> Vec<[f64; 3]> {
        let n = self.replications.max(1) as f64;
        self.logic_by_month
            .iter()
            .map(|l| [l[0] / n, l[1] / n, l[2] / n])
            .collect()
    }
}

/// One month and initiative of the time series: for mandate, design, adoption and routinised
/// share, `[mean, p5, p50, p95]`.
#[derive(Debug, Clone, Copy)]
pub struct SeriesRow {
    /// The month.
    pub month: u32,
    /// The initiative's index.
    pub initiative: usize,
    /// `[mandate, design, adoption, routinised]`, each `[mean, p5, p50, p95]`.
    pub stats: [[f64; 4]; 4],
}

/// The machine-readable summary of a run (`summary.json`); its keys are public.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// Scenario seed.
    pub seed: u64,
    /// Replications run.
    pub replications: u64,
    /// Months simulated.
    pub months: u32,
    /// Share of initiative-runs that succeeded, pooled over initiatives and replications.
    pub overall_success_rate: f64,
    /// 95% interval of the pooled rate, computed over replications (initiatives in one area are
    /// correlated).
    pub ci95: [f64; 2],
    /// Share of replications in which every initiative succeeded.
    pub all_initiatives_succeeded_share: f64,
    /// Its 95% Wilson interval.
    pub all_initiatives_succeeded_ci95: [f64; 2],
    /// Per initiative.
    pub initiatives: Vec<InitiativeSummary>,
    /// Leadership figures.
    pub leadership: Leadership,
    /// The virtual survey, per survey month.
    pub survey: Vec<SurveySummary>,
}

/// One initiative in the summary.
#[derive(Debug, Clone, Serialize)]
pub struct InitiativeSummary {
    /// Its name.
    pub name: String,
    /// Share of replications in which it succeeded.
    pub success_rate: f64,
    /// 95% Wilson interval.
    pub ci95: [f64; 2],
    /// Median months to success among successes (null when it never succeeded).
    pub median_months_to_success: Option<f64>,
    /// Share of replications ending in each failure mode; with the success rate they add to one.
    pub failure_modes: std::collections::BTreeMap<String, f64>,
    /// Mean peak mandate.
    pub mean_peak_mandate: f64,
    /// Mean peak design.
    pub mean_peak_design: f64,
    /// Mean peak adoption.
    pub mean_peak_adoption: f64,
    /// Mean routinised share in the last month.
    pub mean_final_routinised: f64,
    /// Mean design rounds reopened.
    pub mean_design_rounds: f64,
    /// Share of replications in which design reached maturity.
    pub mature_design_share: f64,
    /// Median month in which design reached maturity, among those where it did.
    pub median_months_to_mature_design: Option<f64>,
    /// Mean months of programme-board work in each logic's mode.
    pub episodes: Episodes,
}

impl InitiativeSummary {
    /// The `n` commonest failure modes that occurred, commonest first (ties by name).
    pub fn main_failure_modes(&self, n: usize) -> Vec<(&str, f64)> {
        let mut modes: Vec<(&str, f64)> = self
            .failure_modes
            .iter()
            .filter(|(_, v)| **v > 0.0)
            .map(|(m, v)| (m.as_str(), *v))
            .collect();
        modes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        modes.truncate(n);
        modes
    }
}

/// Months of programme-board work in each logic's mode.
#[derive(Debug, Clone, Serialize)]
pub struct Episodes {
    /// Market mode.
    pub market: f64,
    /// Hierarchy mode.
    pub hierarchy: f64,
    /// Network mode.
    pub network: f64,
}

/// Leadership figures of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Leadership {
    /// Mean share of GP governing-body seats filled over months and replications.
    pub gp_seats_filled_share: f64,
    /// Mean GP share of GP-plus-manager influence on the governing body.
    pub gp_influence_share: Option<f64>,
    /// Mean number of providers destabilised per replication.
    pub providers_destabilised_mean: f64,
}

/// One wave of the virtual survey, pooled over replications.
#[derive(Debug, Clone, Serialize)]
pub struct SurveySummary {
    /// Survey month.
    pub month: u32,
    /// Members judging the centre's influence "quite a lot" to "very extensive".
    pub centre_influence_high_share: f64,
    /// Members saying GPs hold the main influence.
    pub gps_main_influence_share: f64,
    /// Members saying managers hold the main influence.
    pub managers_main_influence_share: f64,
    /// Members saying the vision is set equally by clinicians and managers.
    pub vision_equal_share: f64,
    /// GPs with a formal role who feel able to influence the CCG.
    pub gp_formal_can_influence_share: f64,
    /// GPs with no role who feel able to influence the CCG.
    pub gp_no_role_can_influence_share: f64,
    /// GPs with a formal role who are highly engaged.
    pub gp_formal_engaged_share: f64,
    /// Governing-body members asked, over all replications.
    pub members_asked: u64,
}

/// The outcome of a Monte Carlo run of one scenario, aggregated.
pub struct RunResult {
    /// The aggregate.
    pub aggregate: Aggregate,
    /// Its summary.
    pub summary: Summary,
}

/// Runs a scenario's replications on the current rayon pool, aggregating them as they come and
/// handing each to `each` in replication order (to stream `replications.csv`, say); stops with
/// [`crate::Error::Interrupted`] when `cancel` is set, and with the first error `each` returns.
pub fn simulate(
    s: &Scenario,
    point: u64,
    observer: &dyn Observer,
    cancel: &Cancel,
    mut each: impl FnMut(u32, &ReplicationOutcome) -> crate::Result<()> + Send,
) -> crate::Result<RunResult> {
    let mut aggregate = Aggregate::new(s);
    let mut failure = None;
    observer.start(s.simulation.replications.into(), 0);
    let finished = runner::replicate_while(s, point, cancel, |i, o| {
        aggregate.push(&o);
        if failure.is_none()
            && let Err(e) = each(i, &o)
        {
            failure = Some(e);
        }
        observer.advance(1);
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if !finished {
        return Err(crate::Error::Interrupted);
    }
    let summary = aggregate.summary(s);
    Ok(RunResult { aggregate, summary })
}

/// The ChaCha stream of the Latin hypercube, apart from every replication's streams (those use
/// `replication * 4 + purpose`, far below this).
pub const LHS_STREAM: u64 = u64::MAX - 1;

/// Unit coordinates of a Latin hypercube: per parameter, a random permutation of the `n` strata
/// and a uniform position inside each. Drawn parameter by parameter (permutation, then
/// positions) from one ChaCha8 stream of the scenario seed, so the design depends on the seed,
/// the point count and the number of parameters only.
pub fn latin_hypercube(n: u64, k: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(LHS_STREAM);
    let mut out = vec![0.0; n as usize * k];
    let mut perm: Vec<u64> = Vec::with_capacity(n as usize);
    for d in 0..k {
        perm.clear();
        perm.extend(0..n);
        for i in (1..n as usize).rev() {
            let j = rng.random_range(0..=i as u64) as usize;
            perm.swap(i, j);
        }
        for (i, &stratum) in perm.iter().enumerate() {
            let u: f64 = rng.random();
            out[i * k + d] = (stratum as f64 + u) / n as f64;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_half_up_rounds_as_round_does() {
        let grid = (0..=200_000).map(|k| f64::from(k) / 1000.0);
        let edges = [
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            199.5,
            200.0,
            1e-300,
            0.0,
        ];
        for x in grid.chain(edges) {
            assert_eq!(round_half_up(x), x.round() as usize, "{x}");
            let below = f64::from_bits(x.to_bits().saturating_sub(1));
            assert_eq!(round_half_up(below), below.round() as usize, "{below}");
        }
    }

    use super::*;

    #[test]
    fn wilson_matches_a_known_value_and_stays_in_bounds() {
        let [lo, hi] = wilson(10.0, 100.0);
        assert!(
            (lo - 0.0552).abs() < 1e-3 && (hi - 0.1744).abs() < 1e-3,
            "{lo} {hi}"
        );
        let [lo, hi] = wilson(0.0, 20.0);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.1 && hi < 0.2);
        assert_eq!(wilson(0.0, 0.0), [0.0, 1.0]);
    }

    #[test]
    fn histogram_quantiles_are_exact_on_the_grid() {
        let mut h = Histogram::default();
        for i in 0..=100 {
            h.push(i as f64 / 100.0);
        }
        assert_eq!(h.quantile(0.5), 0.5);
        assert_eq!(h.quantile(0.05), 0.05);
        assert_eq!(h.quantile(1.0), 1.0);
    }

    #[test]
    fn correlation_within_areas_widens_the_interval() {
        let mut independent = Moments::default();
        let mut clustered = Moments::default();
        for i in 0..100 {
            // Same pooled mean 0.5: mixed within areas versus all-or-nothing areas.
            independent.push(if i % 2 == 0 { 1.0 / 3.0 } else { 2.0 / 3.0 });
            clustered.push(if i % 2 == 0 { 0.0 } else { 1.0 });
        }
        let a = clustered_interval(&independent, 3);
        let b = clustered_interval(&clustered, 3);
        assert!(b[1] - b[0] > a[1] - a[0]);
        assert!(a[0] <= 0.5 && 0.5 <= a[1]);
    }

    #[test]
    fn median_of_months() {
        let mut c = vec![0u64; 10];
        c[3] = 1;
        c[5] = 1;
        assert_eq!(median_months(&c), Some(4.0));
        c[5] = 2;
        assert_eq!(median_months(&c), Some(5.0));
        assert_eq!(median_months(&[0, 0]), None);
    }
}
