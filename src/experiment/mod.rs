//! The experiments of docs/ODD.md §8: the arena factorial with the clinical and managerial
//! knockouts, and concurrent versus sequential arenas. Every cell meets the same areas (common
//! random numbers): cells differ only by parameter overrides, never by seeds, so paired
//! differences are sharp. The verdict is computed from the cells' results; no code in the model
//! knows which cell it is in.

use rayon::prelude::*;
use serde::Serialize;
use toml::Value;

use crate::error::{Error, Result};
use crate::model::outcome::{Mode, ReplicationOutcome};
use crate::runner::{self, CHUNK, Cancel, Observer};
use crate::scenario::{Origin, Override, Scenario, ScenarioSource};
use crate::stats::{Aggregate, Moments, wilson};

mod verdict;

pub use verdict::{
    CellMoments, Clause, Difference, Ratio, Verdict, clinical_clause, ratio, verdict,
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
    /// The cells: the factorial, all arenas on first, then the knockouts.
    pub cells: Vec<CellResult>,
    /// The verdict.
    pub verdict: Verdict,
    /// The study's second clause: is clinical leadership needed in at least one arena?
    pub clinical_clause: Clause,
    /// The same verdict for each initiative alone, in the scenario's order.
    pub per_initiative: Vec<InitiativeVerdict>,
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
}

/// Runs every cell over the same replications (in chunks, cells and replications in parallel)
/// and returns each cell's aggregate and, per pair of cells `(a, b)` asked for, the moments of
/// the per-replication difference, plus the moments of a signed contrast over cells.
struct CellRun {
    aggregates: Vec<Aggregate>,
    /// Each cell's per-replication success rate, pooled over initiatives.
    cells: Vec<Moments>,
    /// Per cell and initiative, success (1 or 0) per replication.
    initiative_cells: Vec<Vec<Moments>>,
    /// Per pair of cells and initiative, the paired difference of success.
    initiative_pairs: Vec<Vec<Moments>>,
    /// Per initiative, the signed contrast over cells.
    initiative_contrast: Vec<Moments>,
    pairs: Vec<Moments>,
    contrast: Moments,
}

fn run_cells(
    scenarios: &[Scenario],
    point: u64,
    pairs: &[(usize, usize)],
    contrast: &[f64],
    observer: &dyn Observer,
    cancel: &Cancel,
) -> CellRun {
    let mut aggregates: Vec<Aggregate> = scenarios.iter().map(Aggregate::new).collect();
    let mut pair_moments = vec![Moments::default(); pairs.len()];
    let mut contrast_moments = Moments::default();
    let mut cell_moments = vec![Moments::default(); scenarios.len()];
    let initiatives = scenarios[0].initiative.len();
    let mut initiative_cells = vec![vec![Moments::default(); initiatives]; scenarios.len()];
    let mut initiative_pairs = vec![vec![Moments::default(); initiatives]; pairs.len()];
    let mut initiative_contrast = vec![Moments::default(); initiatives];
    let total = scenarios[0].simulation.replications;
    let n_cells = scenarios.len();
    observer.start(total.into(), 0);
    let mut start = 0;
    while start < total {
        let end = (start + CHUNK).min(total);
        let jobs: Vec<(usize, u32)> = (start..end)
            .flat_map(|i| (0..n_cells).map(move |c| (c, i)))
            .collect();
        // Each replication looks at the token before it starts, so a stop comes within one
        // replication's time.
        let Some(outcomes) = jobs
            .par_iter()
            .map(|&(c, i)| {
                (!cancel.is_cancelled()).then(|| runner::replication(&scenarios[c], point, i))
            })
            .collect::<Option<Vec<ReplicationOutcome>>>()
        else {
            break;
        };
        for per_rep in outcomes.chunks(n_cells) {
            let rates: Vec<f64> = per_rep
                .iter()
                .map(|o| {
                    let n = o.initiatives.len().max(1) as f64;
                    o.initiatives
                        .iter()
                        .filter(|i| i.mode == Mode::Success)
                        .count() as f64
                        / n
                })
                .collect();
            for (agg, o) in aggregates.iter_mut().zip(per_rep) {
                agg.push(o);
            }
            for (m, &(a, b)) in pair_moments.iter_mut().zip(pairs) {
                m.push(rates[a] - rates[b]);
            }
            for (m, r) in cell_moments.iter_mut().zip(&rates) {
                m.push(*r);
            }
            // Per initiative: success (1) or not (0) in each cell, and its paired differences.
            let won = |o: &ReplicationOutcome, k: usize| {
                o.initiatives
                    .get(k)
                    .map_or(0.0, |i| f64::from(u8::from(i.mode == Mode::Success)))
            };
            for (cell, o) in initiative_cells.iter_mut().zip(per_rep) {
                for (k, m) in cell.iter_mut().enumerate() {
                    m.push(won(o, k));
                }
            }
            for (pair, &(a, b)) in initiative_pairs.iter_mut().zip(pairs) {
                for (k, m) in pair.iter_mut().enumerate() {
                    m.push(won(&per_rep[a], k) - won(&per_rep[b], k));
                }
            }
            if !contrast.is_empty() {
                for (k, m) in initiative_contrast.iter_mut().enumerate() {
                    m.push(
                        contrast
                            .iter()
                            .zip(per_rep)
                            .map(|(w, o)| w * won(o, k))
                            .sum(),
                    );
                }
            }
            if !contrast.is_empty() {
                contrast_moments.push(contrast.iter().zip(&rates).map(|(w, x)| w * x).sum());
            }
            observer.advance(1);
        }
        start = end;
    }
    CellRun {
        aggregates,
        cells: cell_moments,
        initiative_cells,
        initiative_pairs,
        initiative_contrast,
        pairs: pair_moments,
        contrast: contrast_moments,
    }
}

fn cell_result(cell: &Cell, s: &Scenario, agg: &Aggregate) -> CellResult {
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
    CellResult {
        label: cell.label.clone(),
        strategic: s.arenas.strategic.enabled,
        programme: s.arenas.programme.enabled,
        practice: s.arenas.practice.enabled,
        clinical: s.leadership.clinical,
        managerial: s.leadership.managerial,
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

/// Runs the arena experiment on a scenario (with `base` overrides) at a design point.
pub fn arenas(
    source: &ScenarioSource,
    base: &[Override],
    point: u64,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<ArenaExperiment> {
    let cells = arena_cells();
    let scenarios = resolve_cells(source, base, &cells, "arena experiment")?;
    // Cells 1 to 7 have fewer than three arenas, cell 8 is the clinical knockout; pair each with
    // cell 0 (all three).
    let pairs: Vec<(usize, usize)> = (1..9).map(|c| (0, c)).collect();
    // Sign of each factorial cell in the three-way interaction: + when an even number of
    // arenas is off.
    let contrast: Vec<f64> = (0..8)
        .map(|c| {
            let off = (0..3).filter(|b| c & (1 << b) != 0).count();
            if off % 2 == 0 { 1.0 } else { -1.0 }
        })
        .collect();
    let run = run_cells(&scenarios, point, &pairs, &contrast, observer, cancel);
    cancel.check()?;
    let results: Vec<CellResult> = cells
        .iter()
        .zip(&scenarios)
        .zip(&run.aggregates)
        .map(|((c, s), a)| cell_result(c, s, a))
        .collect();
    let s0 = &scenarios[0];
    let moments: Vec<CellMoments<'_>> = (1..8)
        .map(|c| CellMoments {
            all_three: &run.cells[0],
            cell: &run.cells[c],
            difference: &run.pairs[c - 1],
        })
        .collect();
    let verdict = verdict(
        &results,
        &moments,
        Difference::from(&run.contrast),
        s0.experiment.necessity_ratio,
        s0.experiment.min_all_three_rate,
        run.aggregates[0].replications(),
    );
    let clinical = clinical_clause(
        &results[0],
        &results[8],
        &CellMoments {
            all_three: &run.cells[0],
            cell: &run.cells[8],
            difference: &run.pairs[7],
        },
        s0.experiment.necessity_ratio,
        s0.experiment.min_all_three_rate,
    );
    let judge = verdict::verdict;
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
                    all_three: &run.initiative_cells[0][k],
                    cell: &run.initiative_cells[c][k],
                    difference: &run.initiative_pairs[c - 1][k],
                })
                .collect();
            InitiativeVerdict {
                initiative: init.name.clone(),
                verdict: judge(
                    &cells,
                    &moments,
                    Difference::from(&run.initiative_contrast[k]),
                    s0.experiment.necessity_ratio,
                    s0.experiment.min_all_three_rate,
                    run.aggregates[0].replications(),
                ),
            }
        })
        .collect();
    Ok(ArenaExperiment {
        scenario: s0.simulation.name.clone(),
        seed: s0.simulation.seed,
        replications: run.aggregates[0].replications(),
        cells: results,
        verdict,
        clinical_clause: clinical,
        per_initiative,
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
    let s = source.resolve(base)?;
    let cells = timing_cells(&s)?;
    let scenarios = resolve_cells(source, base, &cells, "timing experiment")?;
    let run = run_cells(&scenarios, point, &[(0, 1), (0, 2)], &[], observer, cancel);
    cancel.check()?;
    let results = cells
        .iter()
        .zip(&scenarios)
        .zip(&run.aggregates)
        .map(|((c, s), a)| cell_result(c, s, a))
        .collect();
    Ok(TimingExperiment {
        scenario: s.simulation.name.clone(),
        seed: s.simulation.seed,
        replications: run.aggregates[0].replications(),
        cells: results,
        concurrent_minus_sequential: Difference::from(&run.pairs[0]),
        concurrent_minus_staggered: Difference::from(&run.pairs[1]),
    })
}
