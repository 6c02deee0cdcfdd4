//! The experiments of docs/ODD.md §8: the arena factorial with the clinical and managerial
//! knockouts, and concurrent versus sequential arenas. Every cell meets the same areas (common
//! random numbers): cells differ only by parameter overrides, never by seeds, so paired
//! differences are sharp. The verdict is computed from the cells' results; no code in the model
//! knows which cell it is in.

use serde::Serialize;
use toml::Value;

use crate::error::{Error, Result};
use crate::model::outcome::{Mode, ReplicationOutcome};
use crate::runner::{self, Cancel, Observer};
use crate::scenario::{Origin, Override, Scenario, ScenarioSource};
use crate::stats::{Aggregate, Moments, clustered_interval, wilson};

pub(crate) mod ensemble;
mod probe;
mod verdict;

pub use ensemble::{
    Ensemble, EnsembleBox, EnsembleContext, EnsembleReport, EnsembleSet, EnsembleVerdict,
    PrimParameters, SetVerdict, Share, Shares, ensemble, judge, parse_ensemble, read_ensemble,
    set_verdict,
};
pub use probe::{PROBE, Probe, ProbeParameter, ProbeStep, probe};

pub use verdict::{
    CellMoments, Clause, Difference, Judgement, Ratio, Verdict, clinical_clause, ratio, verdict,
};

/// One cell: a name and the parameter values that make it.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Short label, e.g. `S P -` for strategic and programme on, practice off.
    pub label: String,
    /// Parameter path and value pairs applied on top of the scenario.
    pub settings: Vec<(String, Value)>,
}

impl Cell {
    fn overrides(&self, experiment: &str) -> Vec<Override> {
        self.settings
            .iter()
            .map(|(path, value)| {
                Override::new(
                    path,
                    value.clone(),
                    Origin::Flag(format!("{experiment} cell `{}`", self.label)),
                )
            })
            .collect()
    }
}

/// Where an experiment hands every replication's outcome in every cell as the run goes:
/// replication by replication, the cells in order within one, so that `experiment --rows` can
/// stream them to `replications.csv` without holding them.
pub trait CellRows: Send {
    /// Replication `replication` of design point `point` in cell `cell` (resolved as `s`).
    fn push(
        &mut self,
        cell: &Cell,
        s: &Scenario,
        point: u64,
        replication: u32,
        o: &ReplicationOutcome,
    ) -> Result<()>;
}

/// The ten cells of the arena experiment: the factorial (all arenas on first) and the knockouts.
pub fn arena_cells() -> Vec<Cell> {
    let mut cells = Vec::new();
    for bits in (0..8u8).rev() {
        let on = [bits & 4 != 0, bits & 2 != 0, bits & 1 != 0];
        let label: Vec<&str> = ["S", "P", "D"]
            .iter()
            .zip(on)
            .map(|(l, b)| if b { *l } else { "-" })
            .collect();
        let mut settings: Vec<(String, Value)> = crate::scenario::ARENAS
            .iter()
            .zip(on)
            .map(|(a, b)| (format!("arenas.{a}.enabled"), Value::Boolean(b)))
            .collect();
        settings.push(("leadership.clinical".into(), Value::Boolean(true)));
        settings.push(("leadership.managerial".into(), Value::Boolean(true)));
        cells.push(Cell {
            label: label.join(" "),
            settings,
        });
    }
    let all_on: Vec<(String, Value)> = crate::scenario::ARENAS
        .iter()
        .map(|a| (format!("arenas.{a}.enabled"), Value::Boolean(true)))
        .collect();
    for (label, path, other) in [
        (
            "clinical knockout",
            "leadership.clinical",
            "leadership.managerial",
        ),
        (
            "managerial knockout",
            "leadership.managerial",
            "leadership.clinical",
        ),
    ] {
        let mut settings = all_on.clone();
        settings.push((path.into(), Value::Boolean(false)));
        settings.push((other.into(), Value::Boolean(true)));
        cells.push(Cell {
            label: label.into(),
            settings,
        });
    }
    cells
}

/// The cells of the timing experiment: concurrent, sequential (the strategic board alone, then
/// the programme boards alone, then the point of delivery alone), and staggered (each arena
/// joins in that order and stays). By default the first two hand over after a fifth of the
/// horizon each, so the point of delivery keeps three fifths: enough for routinisation and the
/// sustain period, so a sequence can succeed when its mechanisms allow it.
pub fn timing_cells(s: &Scenario) -> Result<Vec<Cell>> {
    let months = s.simulation.months;
    let t = match s.experiment.sequence_months {
        0 => months / 5,
        t => t,
    };
    if t == 0 || 2 * t >= months {
        return Err(Error::Invalid {
            at: Origin::Default,
            key: "experiment.sequence_months".into(),
            message: format!(
                "gives hand-over months {t} and {} but the run has {months} months; both must fall inside it",
                2 * t
            ),
        });
    }
    let event = |month: u32, name: &str, on: [bool; 3]| {
        let mut set = toml::Table::new();
        for (a, b) in crate::scenario::ARENAS.iter().zip(on) {
            set.insert(format!("arenas.{a}.enabled"), Value::Boolean(b));
        }
        let mut e = toml::Table::new();
        e.insert("month".into(), Value::Integer(month.into()));
        e.insert("name".into(), Value::String(name.into()));
        // A switch of the experiment's, not a policy event: no displacement follows it.
        e.insert("kind".into(), Value::String("experiment".into()));
        e.insert("set".into(), Value::Table(set));
        Value::Table(e)
    };
    // The scenario's own events are kept; the hand-overs are added to them.
    let own: Vec<Value> = s
        .event
        .iter()
        .filter_map(|e| Value::try_from(e).ok())
        .collect();
    let with = |extra: Vec<Value>| {
        let mut all = own.clone();
        all.extend(extra);
        all.sort_by_key(|e| e.get("month").and_then(Value::as_integer).unwrap_or(0));
        Value::Array(all)
    };
    let all_on: Vec<(String, Value)> = crate::scenario::ARENAS
        .iter()
        .map(|a| (format!("arenas.{a}.enabled"), Value::Boolean(true)))
        .collect();
    let mut sequential = all_on.clone();
    sequential.push((
        "event".into(),
        with(vec![
            event(
                0,
                "sequence: strategic board acts alone",
                [true, false, false],
            ),
            event(
                t,
                "sequence: programme boards take over",
                [false, true, false],
            ),
            event(
                2 * t,
                "sequence: the point of delivery takes over",
                [false, false, true],
            ),
        ]),
    ));
    let mut staggered = all_on.clone();
    staggered.push((
        "event".into(),
        with(vec![
            event(0, "staggered: strategic board starts", [true, false, false]),
            event(t, "staggered: programme boards join", [true, true, false]),
            event(
                2 * t,
                "staggered: the point of delivery joins",
                [true, true, true],
            ),
        ]),
    ));
    Ok(vec![
        Cell {
            label: "concurrent".into(),
            settings: all_on,
        },
        Cell {
            label: format!("sequential (hand-over at months {t} and {})", 2 * t),
            settings: sequential,
        },
        Cell {
            label: format!("staggered (joining at months {t} and {})", 2 * t),
            settings: staggered,
        },
    ])
}

/// One initiative's rate in one cell.
#[derive(Debug, Clone, Serialize)]
pub struct CellInitiative {
    /// Initiative name.
    pub name: String,
    /// Share of replications in which it succeeded.
    pub success_rate: f64,
    /// 95% Wilson interval.
    pub ci95: [f64; 2],
}

/// One cell's result.
#[derive(Debug, Clone, Serialize)]
pub struct CellResult {
    /// Label.
    pub label: String,
    /// Strategic arena enabled (at the start).
    pub strategic: bool,
    /// Programme arena enabled (at the start).
    pub programme: bool,
    /// Practice arena enabled (at the start).
    pub practice: bool,
    /// GPs may lead.
    pub clinical: bool,
    /// Managers may lead.
    pub managerial: bool,
    /// Clinical leadership switched on in the strategic, programme and practice arenas.
    pub clinical_arenas: [bool; 3],
    /// Success rate pooled over initiatives.
    pub success_rate: f64,
    /// 95% interval of the pooled rate (Wilson on the effective sample size, allowing for
    /// initiatives in one area being correlated).
    pub ci95: [f64; 2],
    /// Replications.
    pub replications: u64,
    /// Per initiative.
    pub initiatives: Vec<CellInitiative>,
    /// Share of initiative-runs ending in each mode.
    pub modes: std::collections::BTreeMap<String, f64>,
    /// Cumulative success by month, so "only together" and "faster together" can be told apart.
    pub cumulative: Cumulative,
}

/// Cumulative success by month: entry `t - 1` is the share of initiatives (pooled over
/// initiatives and areas) that had succeeded by month `t`, with its 95% interval (Wilson on the
/// effective sample size, as for the cell's rate).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Cumulative {
    /// The share succeeded by each month.
    pub rate: Vec<f64>,
    /// Lower ends of the intervals.
    pub ci_lo: Vec<f64>,
    /// Upper ends of the intervals.
    pub ci_hi: Vec<f64>,
}

/// One cell's success counted by a shorter horizon.
#[derive(Debug, Clone, Serialize)]
pub struct HorizonCell {
    /// The cell's label.
    pub label: String,
    /// Share of initiatives that had succeeded by the horizon.
    pub success_rate: f64,
    /// Its 95% interval.
    pub ci95: [f64; 2],
}

/// The arena experiment judged at one horizon: success counted by that month, on the same
/// areas and the same run.
#[derive(Debug, Clone, Serialize)]
pub struct HorizonVerdict {
    /// The horizon, in months.
    pub months: u32,
    /// Every cell's success by then, in the experiment's order.
    pub cells: Vec<HorizonCell>,
    /// The verdict at this horizon.
    pub verdict: Verdict,
    /// The clinical clause at this horizon.
    pub clinical_clause: Clause,
}

/// The arena experiment's result.
#[derive(Debug, Clone, Serialize)]
pub struct ArenaExperiment {
    /// Scenario name.
    pub scenario: String,
    /// Scenario seed.
    pub seed: u64,
    /// Replications per cell.
    pub replications: u64,
    /// Months simulated: the verdict, cells and per-initiative verdicts are at this horizon.
    pub months: u32,
    /// The cells: the factorial, all arenas on first, then the knockouts.
    pub cells: Vec<CellResult>,
    /// The verdict at the run's own length.
    pub verdict: Verdict,
    /// The study's second clause: is clinical leadership needed in at least one arena?
    pub clinical_clause: Clause,
    /// The same verdict for each initiative alone, in the scenario's order.
    pub per_initiative: Vec<InitiativeVerdict>,
    /// The verdict and the clause at each horizon asked, shortest first; the last is the run's
    /// own length (the same as `verdict` and `clinical_clause`).
    pub horizons: Vec<HorizonVerdict>,
    /// The robustness probe, when it was run (`experiment arenas` runs it unless `--probe 0`).
    pub probe: Option<Probe>,
}

/// The arena verdict for one initiative alone.
#[derive(Debug, Clone, Serialize)]
pub struct InitiativeVerdict {
    /// Initiative name.
    pub initiative: String,
    /// Its verdict, by the same rule as the pooled one.
    pub verdict: Verdict,
}

/// The timing experiment's result.
#[derive(Debug, Clone, Serialize)]
pub struct TimingExperiment {
    /// Scenario name.
    pub scenario: String,
    /// Scenario seed.
    pub seed: u64,
    /// Replications per cell.
    pub replications: u64,
    /// Concurrent, sequential and staggered.
    pub cells: Vec<CellResult>,
    /// Concurrent minus sequential, paired.
    pub concurrent_minus_sequential: Difference,
    /// Concurrent minus staggered, paired.
    pub concurrent_minus_staggered: Difference,
    /// Months simulated in every cell.
    pub months: u32,
    /// When each arena acts in each cell, in the order of `cells`, read from the cells'
    /// resolved scenarios (their arena switches and scheduled events).
    pub schedules: Vec<Vec<ArenaSpans>>,
}

/// The months in which one arena acts in one cell.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArenaSpans {
    /// The arena: `strategic`, `programme` or `practice`.
    pub arena: String,
    /// Half-open month ranges `[from, to)` in which the arena is switched on.
    pub spans: Vec<[u32; 2]>,
}

/// When each arena of `s` acts over its run: switched on or off at the start by
/// `arenas.<arena>.enabled`, then by every scheduled event that sets that switch, in month
/// order (an event at month m acts from month m on).
pub fn arena_schedule(s: &Scenario) -> Vec<ArenaSpans> {
    let months = s.simulation.months;
    let start = [
        s.arenas.strategic.enabled,
        s.arenas.programme.enabled,
        s.arenas.practice.enabled,
    ];
    crate::scenario::ARENAS
        .iter()
        .zip(start)
        .map(|(arena, on)| {
            let key = format!("arenas.{arena}.enabled");
            let mut switches: Vec<(u32, bool)> = s
                .event
                .iter()
                .filter_map(|e| {
                    e.set
                        .get(&key)
                        .and_then(|v| v.as_bool())
                        .map(|b| (e.month, b))
                })
                .collect();
            // Stable: events of one month keep their file order, the last one winning.
            switches.sort_by_key(|w| w.0);
            let mut spans = Vec::new();
            let mut since = on.then_some(0);
            for (month, b) in switches {
                match (since, b) {
                    (None, true) => since = Some(month),
                    (Some(from), false) => {
                        if month > from {
                            spans.push([from, month.min(months)]);
                        }
                        since = None;
                    }
                    _ => {}
                }
            }
            if let Some(from) = since.filter(|&f| f < months) {
                spans.push([from, months]);
            }
            ArenaSpans {
                arena: arena.to_string(),
                spans,
            }
        })
        .collect()
}

/// What the cells give at one horizon (success counted by that month): each cell's
/// per-replication rate, the paired differences asked for, the signed contrast, and the same per
/// initiative.
struct HorizonRun {
    /// The horizon, in months.
    months: u32,
    /// Each cell's per-replication success rate, pooled over initiatives.
    cells: Vec<Moments>,
    /// Per cell and initiative, success (1 or 0) per replication.
    initiative_cells: Vec<Vec<Moments>>,
    /// Per pair of cells and initiative, the paired difference of success.
    initiative_pairs: Vec<Vec<Moments>>,
    /// Per initiative, the signed contrast over cells.
    initiative_contrast: Vec<Moments>,
    /// Per pair of cells, the paired difference of pooled rates.
    pairs: Vec<Moments>,
    /// The signed contrast of pooled rates over cells.
    contrast: Moments,
}

/// Runs every cell over the same replications (in chunks, cells and replications in parallel)
/// and returns each cell's aggregate, each cell's cumulative success by month, and per horizon
/// asked for the moments the verdicts need.
struct CellRun {
    aggregates: Vec<Aggregate>,
    /// Per cell and month `t` (index `t - 1`), the per-replication share of initiatives that
    /// had succeeded by month `t`.
    cumulative: Vec<Vec<Moments>>,
    /// One per horizon, in the order asked; success counted by that month.
    at: Vec<HorizonRun>,
}

impl CellRun {
    /// The run at the last horizon asked (the run's own length).
    fn last(&self) -> &HorizonRun {
        self.at.last().expect("at least one horizon")
    }
}

/// Whether initiative `k` had succeeded by month `by` (months counted from 1).
fn succeeded_by(o: &ReplicationOutcome, k: usize, by: u32) -> bool {
    o.initiatives
        .get(k)
        .and_then(|i| i.months_to_success)
        .is_some_and(|m| m <= by)
}

#[allow(clippy::too_many_arguments)]
fn run_cells(
    scenarios: &[Scenario],
    point: u64,
    horizons: &[u32],
    pairs: &[(usize, usize)],
    contrast: &[f64],
    observer: &dyn Observer,
    cancel: &Cancel,
    mut rows: Option<(&[Cell], &mut dyn CellRows)>,
) -> Result<CellRun> {
    let mut aggregates: Vec<Aggregate> = scenarios.iter().map(Aggregate::new).collect();
    let initiatives = scenarios[0].initiative.len();
    let n_cells = scenarios.len();
    let months = scenarios[0].simulation.months;
    let mut at: Vec<HorizonRun> = horizons
        .iter()
        .map(|&h| HorizonRun {
            months: h,
            cells: vec![Moments::default(); n_cells],
            initiative_cells: vec![vec![Moments::default(); initiatives]; n_cells],
            initiative_pairs: vec![vec![Moments::default(); initiatives]; pairs.len()],
            initiative_contrast: vec![Moments::default(); initiatives],
            pairs: vec![Moments::default(); pairs.len()],
            contrast: Moments::default(),
        })
        .collect();
    let mut cumulative = vec![vec![Moments::default(); months as usize]; n_cells];
    let total = scenarios[0].simulation.replications;
    observer.start(total.into(), 0);
    let per = initiatives.max(1) as f64;
    let mut rates = vec![0.0; n_cells];
    let mut won = vec![0.0; n_cells * initiatives];
    // One job per replication runs it in every cell, so the cells share one drawn area (they
    // draw the same one); each job looks at the token before it starts, so a stop comes within
    // one replication's time in every cell.
    runner::pipeline(
        total,
        cancel,
        |i| runner::replications_sharing_area(scenarios, point, i),
        |range, outcomes| {
            for (i, per_rep) in range.zip(&outcomes) {
                for (agg, o) in aggregates.iter_mut().zip(per_rep) {
                    agg.push(o);
                }
                if let Some((cells, sink)) = rows.as_mut() {
                    for ((cell, s), o) in cells.iter().zip(scenarios).zip(per_rep) {
                        sink.push(cell, s, point, i, o)?;
                    }
                }
                // Cumulative success: month t counts the initiatives that had succeeded by then.
                for (cell, o) in cumulative.iter_mut().zip(per_rep) {
                    for (t, m) in cell.iter_mut().enumerate() {
                        let done = (0..initiatives)
                            .filter(|&k| succeeded_by(o, k, t as u32 + 1))
                            .count();
                        m.push(done as f64 / per);
                    }
                }
                for h in &mut at {
                    for (c, o) in per_rep.iter().enumerate() {
                        let mut n = 0.0;
                        for k in 0..initiatives {
                            let w = f64::from(u8::from(succeeded_by(o, k, h.months)));
                            won[c * initiatives + k] = w;
                            n += w;
                        }
                        rates[c] = n / per;
                    }
                    for (m, &(a, b)) in h.pairs.iter_mut().zip(pairs) {
                        m.push(rates[a] - rates[b]);
                    }
                    for (m, r) in h.cells.iter_mut().zip(&rates) {
                        m.push(*r);
                    }
                    for (c, cell) in h.initiative_cells.iter_mut().enumerate() {
                        for (k, m) in cell.iter_mut().enumerate() {
                            m.push(won[c * initiatives + k]);
                        }
                    }
                    for (pair, &(a, b)) in h.initiative_pairs.iter_mut().zip(pairs) {
                        for (k, m) in pair.iter_mut().enumerate() {
                            m.push(won[a * initiatives + k] - won[b * initiatives + k]);
                        }
                    }
                    if !contrast.is_empty() {
                        for (k, m) in h.initiative_contrast.iter_mut().enumerate() {
                            m.push(
                                contrast
                                    .iter()
                                    .enumerate()
                                    .map(|(c, w)| w * won[c * initiatives + k])
                                    .sum(),
                            );
                        }
                        h.contrast
                            .push(contrast.iter().zip(&rates).map(|(w, x)| w * x).sum());
                    }
                }
                observer.advance(1);
            }
            Ok(())
        },
    )?;
    Ok(CellRun {
        aggregates,
        cumulative,
        at,
    })
}

fn cell_result(cell: &Cell, s: &Scenario, agg: &Aggregate, cumulative: &[Moments]) -> CellResult {
    let n = agg.replications() as f64;
    let (rate, ci95) = agg.overall();
    let summary = agg.summary(s);
    let mut modes = std::collections::BTreeMap::new();
    let k = summary.initiatives.len().max(1) as f64;
    modes.insert(
        Mode::Success.name().to_string(),
        summary
            .initiatives
            .iter()
            .map(|i| i.success_rate)
            .sum::<f64>()
            / k,
    );
    for m in Mode::failures() {
        let share = summary
            .initiatives
            .iter()
            .map(|i| i.failure_modes.get(m.name()).copied().unwrap_or(0.0))
            .sum::<f64>()
            / k;
        modes.insert(m.name().to_string(), share);
    }
    let per = s.initiative.len();
    let bands: Vec<[f64; 2]> = cumulative
        .iter()
        .map(|m| clustered_interval(m, per))
        .collect();
    CellResult {
        label: cell.label.clone(),
        strategic: s.arenas.strategic.enabled,
        programme: s.arenas.programme.enabled,
        practice: s.arenas.practice.enabled,
        clinical: s.leadership.clinical,
        managerial: s.leadership.managerial,
        clinical_arenas: [
            s.arenas.strategic.clinical,
            s.arenas.programme.clinical,
            s.arenas.practice.clinical,
        ],
        success_rate: rate,
        ci95,
        replications: agg.replications(),
        initiatives: s
            .initiative
            .iter()
            .enumerate()
            .map(|(i, init)| CellInitiative {
                name: init.name.clone(),
                success_rate: agg.successes(i) as f64 / n.max(1.0),
                ci95: wilson(agg.successes(i) as f64, n),
            })
            .collect(),
        modes,
        cumulative: Cumulative {
            rate: cumulative.iter().map(Moments::mean).collect(),
            ci_lo: bands.iter().map(|b| b[0]).collect(),
            ci_hi: bands.iter().map(|b| b[1]).collect(),
        },
    }
}

/// Resolves every cell's scenario: the source with `base` overrides, then the cell's own.
fn resolve_cells(
    source: &ScenarioSource,
    base: &[Override],
    cells: &[Cell],
    experiment: &str,
) -> Result<Vec<Scenario>> {
    cells
        .iter()
        .map(|c| {
            let mut o = base.to_vec();
            o.extend(c.overrides(experiment));
            source.resolve(&o)
        })
        .collect()
}

/// The horizons to judge at: those asked, sorted, without repeats, each inside the run, and
/// always the run's own length last.
fn horizons_within(months: u32, asked: &[u32]) -> Result<Vec<u32>> {
    if let Some(&bad) = asked.iter().find(|&&h| h == 0 || h > months) {
        return Err(Error::Invalid {
            at: Origin::Flag("--months".into()),
            key: "--months".into(),
            message: format!(
                "expected horizons between 1 and the run's {months} months, found {bad}"
            ),
        });
    }
    let mut h: Vec<u32> = asked.to_vec();
    h.push(months);
    h.sort_unstable();
    h.dedup();
    Ok(h)
}

/// The sign of each factorial cell (in [`arena_cells`] order) in the three-way interaction: +
/// when an even number of the three factors is off.
fn interaction_signs() -> Vec<f64> {
    (0..8)
        .map(|c| {
            let off = (0..3).filter(|b| c & (1 << b) != 0).count();
            if off % 2 == 0 { 1.0 } else { -1.0 }
        })
        .collect()
}

/// The cells' results seen at one horizon: success counted by that month.
fn results_at(results: &[CellResult], h: &HorizonRun, initiatives: usize) -> Vec<CellResult> {
    results
        .iter()
        .zip(&h.cells)
        .map(|(c, m)| {
            let mut c = c.clone();
            c.success_rate = m.mean();
            c.ci95 = clustered_interval(m, initiatives);
            c
        })
        .collect()
}

/// The factorial's verdict at one horizon, on the pooled rates; `noun` names the factors.
fn factorial_verdict(results: &[CellResult], h: &HorizonRun, s: &Scenario, noun: &str) -> Verdict {
    let moments: Vec<CellMoments<'_>> = (1..8)
        .map(|c| CellMoments {
            all_three: &h.cells[0],
            cell: &h.cells[c],
            difference: &h.pairs[c - 1],
        })
        .collect();
    verdict(
        results,
        &moments,
        Difference::from(&h.contrast),
        &Judgement {
            threshold: s.experiment.necessity_ratio,
            floor: s.experiment.min_all_three_rate,
            replications: h.cells[0].count(),
            noun,
        },
    )
}

/// Runs the arena experiment on a scenario (with `base` overrides) at a design point, judged at
/// the run's own length.
pub fn arenas(
    source: &ScenarioSource,
    base: &[Override],
    point: u64,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<ArenaExperiment> {
    arenas_by_horizon(source, base, point, &[], observer, cancel)
}

/// Runs the arena experiment and judges it at each horizon in `horizons` (months, each within
/// the run) as well as at the run's own length. One run serves every horizon: success is
/// counted by each month on the same areas, and nothing in the model depends on how long the
/// run will last.
pub fn arenas_by_horizon(
    source: &ScenarioSource,
    base: &[Override],
    point: u64,
    horizons: &[u32],
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<ArenaExperiment> {
    arenas_with_rows(source, base, point, horizons, observer, cancel, None)
}

/// As [`arenas_by_horizon`], handing every replication's outcome in every cell to `rows` as the
/// run goes (the robustness probe is not run here and hands on nothing).
pub fn arenas_with_rows(
    source: &ScenarioSource,
    base: &[Override],
    point: u64,
    horizons: &[u32],
    observer: &dyn Observer,
    cancel: &Cancel,
    rows: Option<&mut dyn CellRows>,
) -> Result<ArenaExperiment> {
    let cells = arena_cells();
    let scenarios = resolve_cells(source, base, &cells, "arena experiment")?;
    let s0 = &scenarios[0];
    let horizons = horizons_within(s0.simulation.months, horizons)?;
    // Cells 1 to 7 have fewer than three arenas, cell 8 is the clinical knockout; pair each with
    // cell 0 (all three).
    let pairs: Vec<(usize, usize)> = (1..9).map(|c| (0, c)).collect();
    let run = run_cells(
        &scenarios,
        point,
        &horizons,
        &pairs,
        &interaction_signs(),
        observer,
        cancel,
        rows.map(|r| (cells.as_slice(), r)),
    )?;
    cancel.check()?;
    let results: Vec<CellResult> = cells
        .iter()
        .zip(&scenarios)
        .zip(run.aggregates.iter().zip(&run.cumulative))
        .map(|((c, s), (a, m))| cell_result(c, s, a, m))
        .collect();
    let initiatives = s0.initiative.len();
    let judged: Vec<HorizonVerdict> = run
        .at
        .iter()
        .map(|h| {
            let at = results_at(&results, h, initiatives);
            let clause = clinical_clause(
                &at[0],
                &at[8],
                &CellMoments {
                    all_three: &h.cells[0],
                    cell: &h.cells[8],
                    difference: &h.pairs[7],
                },
                s0.experiment.necessity_ratio,
                s0.experiment.min_all_three_rate,
            );
            HorizonVerdict {
                months: h.months,
                verdict: factorial_verdict(&at, h, s0, "arenas"),
                clinical_clause: clause,
                cells: at
                    .iter()
                    .map(|c| HorizonCell {
                        label: c.label.clone(),
                        success_rate: c.success_rate,
                        ci95: c.ci95,
                    })
                    .collect(),
            }
        })
        .collect();
    let last = run.last();
    let per_initiative = s0
        .initiative
        .iter()
        .enumerate()
        .map(|(k, init)| {
            // Each cell's result seen through this initiative alone.
            let cells: Vec<CellResult> = results
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    if let Some(i) = c.initiatives.get(k) {
                        c.success_rate = i.success_rate;
                        c.ci95 = i.ci95;
                    }
                    c
                })
                .collect();
            let moments: Vec<CellMoments<'_>> = (1..8)
                .map(|c| CellMoments {
                    all_three: &last.initiative_cells[0][k],
                    cell: &last.initiative_cells[c][k],
                    difference: &last.initiative_pairs[c - 1][k],
                })
                .collect();
            InitiativeVerdict {
                initiative: init.name.clone(),
                verdict: verdict(
                    &cells,
                    &moments,
                    Difference::from(&last.initiative_contrast[k]),
                    &Judgement {
                        threshold: s0.experiment.necessity_ratio,
                        floor: s0.experiment.min_all_three_rate,
                        replications: run.aggregates[0].replications(),
                        noun: "arenas",
                    },
                ),
            }
        })
        .collect();
    let main = judged
        .last()
        .expect("the run's own length is always judged");
    Ok(ArenaExperiment {
        scenario: s0.simulation.name.clone(),
        seed: s0.simulation.seed,
        replications: run.aggregates[0].replications(),
        months: s0.simulation.months,
        verdict: main.verdict.clone(),
        clinical_clause: main.clinical_clause.clone(),
        cells: results,
        per_initiative,
        horizons: judged,
        probe: None,
    })
}

/// The eight cells of the clinical experiment: every arena on, clinical leadership present or
/// absent in each (the label names the arenas where it is present), all present first.
pub fn clinical_cells() -> Vec<Cell> {
    (0..8u8)
        .rev()
        .map(|bits| {
            let on = [bits & 4 != 0, bits & 2 != 0, bits & 1 != 0];
            let label: Vec<&str> = ["S", "P", "D"]
                .iter()
                .zip(on)
                .map(|(l, b)| if b { *l } else { "-" })
                .collect();
            let mut settings: Vec<(String, Value)> = Vec::new();
            for (a, b) in crate::scenario::ARENAS.iter().zip(on) {
                settings.push((format!("arenas.{a}.enabled"), Value::Boolean(true)));
                settings.push((format!("arenas.{a}.clinical"), Value::Boolean(b)));
            }
            settings.push(("leadership.clinical".into(), Value::Boolean(true)));
            settings.push(("leadership.managerial".into(), Value::Boolean(true)));
            Cell {
                label: label.join(" "),
                settings,
            }
        })
        .collect()
}

/// The clinical experiment's result: the 2³ of clinical leadership per arena, every arena on.
#[derive(Debug, Clone, Serialize)]
pub struct ClinicalExperiment {
    /// Scenario name.
    pub scenario: String,
    /// Scenario seed.
    pub seed: u64,
    /// Replications per cell.
    pub replications: u64,
    /// Months simulated.
    pub months: u32,
    /// The eight cells, clinical leadership in every arena first and in none last.
    pub cells: Vec<CellResult>,
    /// The study's second clause: success without clinical leadership in any arena as a share
    /// of success with it in all three, by the arena experiment's rule.
    pub clinical_clause: Clause,
    /// The arena rule applied to clinical leadership: is it needed in all three arenas
    /// together, or does a subset give most of the success?
    pub together: Verdict,
}

/// Runs the clinical experiment: every arena on, clinical leadership switched per arena.
pub fn clinical(
    source: &ScenarioSource,
    base: &[Override],
    point: u64,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<ClinicalExperiment> {
    clinical_with_rows(source, base, point, observer, cancel, None)
}

/// As [`clinical`], handing every replication's outcome in every cell to `rows` as the run goes.
pub fn clinical_with_rows(
    source: &ScenarioSource,
    base: &[Override],
    point: u64,
    observer: &dyn Observer,
    cancel: &Cancel,
    rows: Option<&mut dyn CellRows>,
) -> Result<ClinicalExperiment> {
    let cells = clinical_cells();
    let scenarios = resolve_cells(source, base, &cells, "clinical experiment")?;
    let s0 = &scenarios[0];
    let pairs: Vec<(usize, usize)> = (1..8).map(|c| (0, c)).collect();
    let run = run_cells(
        &scenarios,
        point,
        &[s0.simulation.months],
        &pairs,
        &interaction_signs(),
        observer,
        cancel,
        rows.map(|r| (cells.as_slice(), r)),
    )?;
    cancel.check()?;
    let results: Vec<CellResult> = cells
        .iter()
        .zip(&scenarios)
        .zip(run.aggregates.iter().zip(&run.cumulative))
        .map(|((c, s), (a, m))| cell_result(c, s, a, m))
        .collect();
    let h = run.last();
    let clause = clinical_clause(
        &results[0],
        &results[7],
        &CellMoments {
            all_three: &h.cells[0],
            cell: &h.cells[7],
            difference: &h.pairs[6],
        },
        s0.experiment.necessity_ratio,
        s0.experiment.min_all_three_rate,
    );
    Ok(ClinicalExperiment {
        scenario: s0.simulation.name.clone(),
        seed: s0.simulation.seed,
        replications: run.aggregates[0].replications(),
        months: s0.simulation.months,
        together: factorial_verdict(&results, h, s0, "arenas with clinical leadership"),
        clinical_clause: clause,
        cells: results,
    })
}

/// Runs the timing experiment.
pub fn timing(
    source: &ScenarioSource,
    base: &[Override],
    point: u64,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<TimingExperiment> {
    timing_with_rows(source, base, point, observer, cancel, None)
}

/// As [`timing`], handing every replication's outcome in every cell to `rows` as the run goes.
pub fn timing_with_rows(
    source: &ScenarioSource,
    base: &[Override],
    point: u64,
    observer: &dyn Observer,
    cancel: &Cancel,
    rows: Option<&mut dyn CellRows>,
) -> Result<TimingExperiment> {
    let s = source.resolve(base)?;
    let cells = timing_cells(&s)?;
    let scenarios = resolve_cells(source, base, &cells, "timing experiment")?;
    let run = run_cells(
        &scenarios,
        point,
        &[s.simulation.months],
        &[(0, 1), (0, 2)],
        &[],
        observer,
        cancel,
        rows.map(|r| (cells.as_slice(), r)),
    )?;
    cancel.check()?;
    let results = cells
        .iter()
        .zip(&scenarios)
        .zip(run.aggregates.iter().zip(&run.cumulative))
        .map(|((c, s), (a, m))| cell_result(c, s, a, m))
        .collect();
    Ok(TimingExperiment {
        scenario: s.simulation.name.clone(),
        seed: s.simulation.seed,
        replications: run.aggregates[0].replications(),
        cells: results,
        concurrent_minus_sequential: Difference::from(&run.last().pairs[0]),
        concurrent_minus_staggered: Difference::from(&run.last().pairs[1]),
        months: s.simulation.months,
        schedules: scenarios.iter().map(arena_schedule).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_follows_the_arena_switches_and_their_events() {
        let mut s = Scenario::default();
        s.simulation.months = 60;
        s.arenas.practice.enabled = false;
        let switch = |month: u32, arena: &str, on: bool| crate::scenario::Event {
            month,
            name: format!("{arena} {on}"),
            kind: "experiment".into(),
            set: [(format!("arenas.{arena}.enabled"), toml::Value::Boolean(on))]
                .into_iter()
                .collect(),
            add: Default::default(),
        };
        s.event = vec![
            switch(0, "programme", false),
            switch(12, "programme", true),
            switch(24, "strategic", false),
            switch(24, "practice", true),
        ];
        let spans: Vec<Vec<[u32; 2]>> = arena_schedule(&s).into_iter().map(|a| a.spans).collect();
        assert_eq!(spans, vec![vec![[0, 24]], vec![[12, 60]], vec![[24, 60]]]);
    }
}
