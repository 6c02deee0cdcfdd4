//! The experiments of docs/ODD.md §8: the arena factorial with the clinical and managerial
//! knockouts, and concurrent versus sequential arenas. Every cell meets the same areas (common
//! random numbers): cells differ only by parameter overrides, never by seeds, so paired
//! differences are sharp. The verdict is computed from the cells' results; no code in the model
//! knows which cell it is in.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::Serialize;
use toml::Value;

use crate::cli::Common;
use crate::error::{Error, Result};
use crate::model::outcome::{Mode, ReplicationOutcome};
use crate::output::{self, OutputDir};
use crate::runner::{self, CHUNK, Cancel};
use crate::scenario::{Origin, Override, Scenario, ScenarioSource};
use crate::stats::{Aggregate, Moments, Z95, wilson};

/// The experiment subcommands.
#[derive(Debug, Subcommand)]
pub enum ExperimentCommand {
    /// The 2×2×2 arena factorial plus the clinical and managerial knockouts, with a verdict.
    Arenas(ExperimentArgs),
    /// Arenas acting at the same time versus one after another.
    Timing(ExperimentArgs),
}

/// Arguments of an experiment.
#[derive(Debug, Args)]
pub struct ExperimentArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    #[command(flatten)]
    /// Options shared with `run`.
    pub common: Common,
}

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

/// A paired comparison between two cells over the same replications.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// Mean over replications of the first cell's rate minus the second's.
    pub estimate: f64,
    /// Its 95% interval.
    pub ci95: [f64; 2],
}

impl Difference {
    fn from(m: &Moments) -> Self {
        let half = Z95 * (m.variance() / m.count().max(1) as f64).sqrt();
        Difference {
            estimate: m.mean(),
            ci95: [m.mean() - half, m.mean() + half],
        }
    }

    fn half_width(&self) -> f64 {
        0.5 * (self.ci95[1] - self.ci95[0])
    }
}

/// The verdict of the arena experiment on the proposition that redesign succeeds only when all
/// three arenas act together.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// `supported`, `refuted` or `inconclusive`.
    pub result: String,
    /// The rule, in words, with its parameters.
    pub rule: String,
    /// Why this result, with the numbers.
    pub reason: String,
    /// Bound on the success rate of every cell with fewer arenas for `supported`.
    pub other_cell_bound: f64,
    /// Largest half-width of a difference interval that can refute.
    pub max_half_width: f64,
    /// Success rate of the all-three cell.
    pub all_three_rate: f64,
    /// The best cell with fewer than three arenas.
    pub best_fewer_label: String,
    /// Its success rate.
    pub best_fewer_rate: f64,
    /// All-three minus the best cell with fewer arenas, paired over replications.
    pub difference: Difference,
    /// Three-way interaction contrast of the factorial (x111 − x110 − x101 − x011 + x100 +
    /// x010 + x001 − x000), paired over replications.
    pub interaction: Difference,
    /// Replications that would likely settle an inconclusive verdict (absent otherwise).
    pub replications_to_settle: Option<u64>,
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
    pairs: Vec<Moments>,
    contrast: Moments,
}

fn run_cells(
    scenarios: &[Scenario],
    point: u64,
    pairs: &[(usize, usize)],
    contrast: &[f64],
    bar: &ProgressBar,
    cancel: &Cancel,
) -> CellRun {
    let mut aggregates: Vec<Aggregate> = scenarios.iter().map(Aggregate::new).collect();
    let mut pair_moments = vec![Moments::default(); pairs.len()];
    let mut contrast_moments = Moments::default();
    let total = scenarios[0].simulation.replications;
    let n_cells = scenarios.len();
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
            if !contrast.is_empty() {
                contrast_moments.push(contrast.iter().zip(&rates).map(|(w, x)| w * x).sum());
            }
            bar.inc(1);
        }
        start = end;
    }
    CellRun {
        aggregates,
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
    bar: &ProgressBar,
    cancel: &Cancel,
) -> Result<ArenaExperiment> {
    let cells = arena_cells();
    let scenarios = resolve_cells(source, base, &cells, "arena experiment")?;
    // Cells 1..8 have fewer than three arenas; pair each with cell 0 (all three).
    let pairs: Vec<(usize, usize)> = (1..8).map(|c| (0, c)).collect();
    // Sign of each factorial cell in the three-way interaction: + when an even number of
    // arenas is off.
    let contrast: Vec<f64> = (0..8)
        .map(|c| {
            let off = (0..3).filter(|b| c & (1 << b) != 0).count();
            if off % 2 == 0 { 1.0 } else { -1.0 }
        })
        .collect();
    let run = run_cells(&scenarios, point, &pairs, &contrast, bar, cancel);
    cancel.check()?;
    let results: Vec<CellResult> = cells
        .iter()
        .zip(&scenarios)
        .zip(&run.aggregates)
        .map(|((c, s), a)| cell_result(c, s, a))
        .collect();
    let s0 = &scenarios[0];
    let differences: Vec<Difference> = run.pairs.iter().map(Difference::from).collect();
    let verdict = verdict(
        &results,
        &differences,
        Difference::from(&run.contrast),
        s0.experiment.other_cell_bound,
        s0.experiment.max_half_width,
        run.aggregates[0].replications(),
    );
    Ok(ArenaExperiment {
        scenario: s0.simulation.name.clone(),
        seed: s0.simulation.seed,
        replications: run.aggregates[0].replications(),
        cells: results,
        verdict,
    })
}

/// The verdict rule. `results[0]` is the all-three cell, `results[1..8]` the cells with fewer
/// arenas, `differences[c - 1]` the paired all-three-minus-cell-c difference.
///
/// - `supported`: every cell with fewer arenas is clearly below the all-three cell (the
///   difference's interval lies above zero) and its success rate is at most the bound;
/// - `refuted`: some cell with fewer arenas clearly succeeds above the bound (its interval lies
///   above it), or is not clearly below the all-three cell with an interval narrow enough to
///   tell (half-width at most `max_half_width`);
/// - `inconclusive`: neither, and the replications that would likely settle it are estimated.
pub fn verdict(
    results: &[CellResult],
    differences: &[Difference],
    interaction: Difference,
    bound: f64,
    max_half_width: f64,
    replications: u64,
) -> Verdict {
    let fewer = &results[1..8];
    let best = (0..fewer.len())
        .max_by(|&a, &b| {
            fewer[a]
                .success_rate
                .total_cmp(&fewer[b].success_rate)
                .then(b.cmp(&a))
        })
        .unwrap_or(0);
    // Support needs redesign to succeed with all three arenas at all: if nothing succeeds
    // anywhere, the factorial says nothing about what the arenas need.
    let all_three_succeeds = results[0].ci95[0] > bound;
    let supported = all_three_succeeds
        && fewer
            .iter()
            .zip(differences)
            .all(|(c, d)| d.ci95[0] > 0.0 && c.success_rate <= bound);
    let refuting: Vec<String> = fewer
        .iter()
        .zip(differences)
        .filter_map(|(c, d)| {
            if c.ci95[0] > bound {
                Some(format!(
                    "cell {} succeeds at {:.3} [{:.3}, {:.3}], clearly above the bound {bound}",
                    c.label, c.success_rate, c.ci95[0], c.ci95[1]
                ))
            } else if d.ci95[0] <= 0.0 && d.half_width() <= max_half_width {
                Some(format!(
                    "cell {} is not clearly below all three (difference {:.3} [{:.3}, {:.3}])",
                    c.label, d.estimate, d.ci95[0], d.ci95[1]
                ))
            } else {
                None
            }
        })
        .collect();
    let all = results[0].success_rate;
    let d = &differences[best];
    let (result, reason, settle) = if supported {
        (
            "supported",
            format!(
                "every cell with fewer arenas is clearly below all three ({all:.3}) and at most {bound}; the best, {}, has {:.3} (difference {:.3} [{:.3}, {:.3}])",
                fewer[best].label, fewer[best].success_rate, d.estimate, d.ci95[0], d.ci95[1]
            ),
            None,
        )
    } else if !refuting.is_empty() {
        ("refuted", refuting.join("; "), None)
    } else if results[0].ci95[1] <= bound {
        (
            "inconclusive",
            format!(
                "redesign rarely succeeds even with all three arenas ({all:.3}, interval [{:.3}, {:.3}] not above {bound}): nothing here tells what the arenas need, and more replications will not change that",
                results[0].ci95[0], results[0].ci95[1]
            ),
            None,
        )
    } else {
        // The replications at which the widest undecided interval would shrink enough to
        // separate its estimate from the threshold it is compared with.
        let r = replications.max(1) as f64;
        let mut need: f64 = 0.0;
        for (c, d) in fewer.iter().zip(differences) {
            if d.ci95[0] <= 0.0 {
                let gap = d.estimate.abs().max(0.01);
                need = need.max(r * (d.half_width() / gap).powi(2));
            }
            if c.success_rate > bound && c.ci95[0] <= bound {
                let half = 0.5 * (c.ci95[1] - c.ci95[0]);
                let gap = (c.success_rate - bound).abs().max(0.005);
                need = need.max(r * (half / gap).powi(2));
            }
        }
        let need = (need.ceil() as u64).clamp(replications + 1, 100_000_000);
        (
            "inconclusive",
            format!(
                "no cell with fewer arenas clearly refutes, but not all are clearly below all three and under {bound}; about {need} replications would likely settle it"
            ),
            Some(need),
        )
    };
    Verdict {
        result: result.into(),
        rule: format!(
            "supported: all three arenas succeed clearly above {bound}, and every cell with fewer arenas is clearly below all three (paired 95% interval above 0) and at most {bound}; refuted: some cell with fewer arenas clearly exceeds {bound}, or is not clearly below all three with an interval of half-width at most {max_half_width}; otherwise inconclusive"
        ),
        reason,
        other_cell_bound: bound,
        max_half_width,
        all_three_rate: all,
        best_fewer_label: fewer[best].label.clone(),
        best_fewer_rate: fewer[best].success_rate,
        difference: d.clone(),
        interaction,
        replications_to_settle: settle,
    }
}

/// Runs the timing experiment.
pub fn timing(
    source: &ScenarioSource,
    base: &[Override],
    point: u64,
    bar: &ProgressBar,
    cancel: &Cancel,
) -> Result<TimingExperiment> {
    let s = source.resolve(base)?;
    let cells = timing_cells(&s)?;
    let scenarios = resolve_cells(source, base, &cells, "timing experiment")?;
    let run = run_cells(&scenarios, point, &[(0, 1), (0, 2)], &[], bar, cancel);
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

/// Runs an experiment command.
pub fn command(c: &ExperimentCommand) -> Result<()> {
    match c {
        ExperimentCommand::Arenas(args) => run_experiment(
            args,
            "-arenas",
            "replications × 10 cells",
            10,
            arenas,
            write_arena_outputs,
            arena_table,
        ),
        ExperimentCommand::Timing(args) => run_experiment(
            args,
            "-timing",
            "replications × 3 cells",
            3,
            timing,
            write_timing_outputs,
            timing_table,
        ),
    }
}

/// What an experiment command does whatever the experiment: resolve, run on the pool with a
/// progress bar, write the outputs whole, then print the table or the JSON.
fn run_experiment<E: Serialize + Send>(
    args: &ExperimentArgs,
    suffix: &str,
    what: &str,
    cells: u64,
    run: impl FnOnce(&ScenarioSource, &[Override], u64, &ProgressBar, &Cancel) -> Result<E> + Send,
    write: fn(&OutputDir, &Scenario, &E, bool) -> Result<()>,
    table: fn(&E) -> String,
) -> Result<()> {
    let (source, s) = args.common.scenario_with_cells(&args.scenario, cells)?;
    let cancel = crate::cli::stop_on_signals();
    let dir = args.common.claim(&s, suffix, &source)?;
    let pool = runner::pool(args.common.threads);
    let bar = args.common.progress(s.simulation.replications.into(), what);
    let overrides = args.common.overrides()?;
    let exp = pool.install(|| run(&source, &overrides, 0, &bar, &cancel))?;
    bar.finish_and_clear();
    write(&dir, &s, &exp, !args.common.no_plots && s.output.plots)?;
    cancel.check()?;
    let target = crate::cli::commit_output(dir)?;
    if args.common.json {
        print!("{}", String::from_utf8_lossy(&output::json(&exp)));
    } else {
        print!("{}", table(&exp));
        println!("\nResults in {}", target.display());
    }
    Ok(())
}

/// `arenas.csv`: one row per cell.
fn cells_csv(cells: &[CellResult]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "cell".to_string(),
        "strategic".into(),
        "programme".into(),
        "practice".into(),
        "clinical".into(),
        "managerial".into(),
        "success_rate".into(),
        "ci_lo".into(),
        "ci_hi".into(),
        "replications".into(),
    ];
    if let Some(first) = cells.first() {
        header.extend(
            first
                .initiatives
                .iter()
                .map(|i| format!("{}_success_rate", i.name)),
        );
    }
    out.write_record(&header)?;
    for c in cells {
        let mut row = vec![
            c.label.clone(),
            c.strategic.to_string(),
            c.programme.to_string(),
            c.practice.to_string(),
            c.clinical.to_string(),
            c.managerial.to_string(),
            output::fmt(c.success_rate),
            output::fmt(c.ci95[0]),
            output::fmt(c.ci95[1]),
            c.replications.to_string(),
        ];
        row.extend(c.initiatives.iter().map(|i| output::fmt(i.success_rate)));
        out.write_record(&row)?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes `arenas.json`, `arenas.csv` and, with `plots`, the chart and report.
pub fn write_arena_outputs(
    dir: &OutputDir,
    s: &Scenario,
    exp: &ArenaExperiment,
    plots: bool,
) -> Result<()> {
    dir.write("arenas.json", &output::json(exp))?;
    let csv = cells_csv(&exp.cells).map_err(|e| output::csv_error(dir, "arenas.csv", e))?;
    dir.write("arenas.csv", &csv)?;
    if plots {
        crate::report::write_arena_report(dir, s, exp)?;
    }
    Ok(())
}

/// Writes `timing.json`, `timing.csv` and, with `plots`, the chart and report.
pub fn write_timing_outputs(
    dir: &OutputDir,
    s: &Scenario,
    exp: &TimingExperiment,
    plots: bool,
) -> Result<()> {
    dir.write("timing.json", &output::json(exp))?;
    let csv = cells_csv(&exp.cells).map_err(|e| output::csv_error(dir, "timing.csv", e))?;
    dir.write("timing.csv", &csv)?;
    if plots {
        crate::report::write_timing_report(dir, s, exp)?;
    }
    Ok(())
}

/// The table `experiment arenas` prints.
pub fn arena_table(exp: &ArenaExperiment) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Arena experiment on {} — {} replications per cell, seed {}, same areas in every cell",
        exp.scenario, exp.replications, exp.seed
    );
    let _ = writeln!(
        t,
        "S = strategic board, P = programme boards, D = point of delivery\n"
    );
    let names: Vec<&str> = exp
        .cells
        .first()
        .map(|c| c.initiatives.iter().map(|i| i.name.as_str()).collect())
        .unwrap_or_default();
    let _ = write!(t, "{:<22} {:>8} {:>15}", "cell", "success", "95% CI");
    for n in &names {
        let _ = write!(t, " {:>14}", truncate(n, 14));
    }
    let _ = writeln!(t);
    for c in &exp.cells {
        let _ = write!(
            t,
            "{:<22} {:>7.1}% {:>15}",
            c.label,
            100.0 * c.success_rate,
            format!("[{:.1}–{:.1}]", 100.0 * c.ci95[0], 100.0 * c.ci95[1])
        );
        for i in &c.initiatives {
            let _ = write!(t, " {:>13.1}%", 100.0 * i.success_rate);
        }
        let _ = writeln!(t);
    }
    let v = &exp.verdict;
    let _ = writeln!(
        t,
        "\nAll three arenas: {:.1}%. Best with fewer: {} at {:.1}%; difference {:.1} points [{:.1}, {:.1}] (paired).",
        100.0 * v.all_three_rate,
        v.best_fewer_label,
        100.0 * v.best_fewer_rate,
        100.0 * v.difference.estimate,
        100.0 * v.difference.ci95[0],
        100.0 * v.difference.ci95[1]
    );
    let _ = writeln!(
        t,
        "Three-way interaction contrast: {:.3} [{:.3}, {:.3}].",
        v.interaction.estimate, v.interaction.ci95[0], v.interaction.ci95[1]
    );
    let _ = writeln!(t, "\nVerdict: {}", v.result.to_uppercase());
    let _ = writeln!(t, "  {}", v.reason);
    let _ = writeln!(t, "  Rule: {}", v.rule);
    t
}

/// The table `experiment timing` prints.
pub fn timing_table(exp: &TimingExperiment) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Timing experiment on {} — {} replications per cell, seed {}\n",
        exp.scenario, exp.replications, exp.seed
    );
    for c in &exp.cells {
        let _ = writeln!(
            t,
            "{:<48} {:>6.1}% [{:.1}–{:.1}]",
            c.label,
            100.0 * c.success_rate,
            100.0 * c.ci95[0],
            100.0 * c.ci95[1]
        );
    }
    for (name, d) in [
        ("concurrent − sequential", &exp.concurrent_minus_sequential),
        ("concurrent − staggered", &exp.concurrent_minus_staggered),
    ] {
        let _ = writeln!(
            t,
            "{name}: {:.1} points [{:.1}, {:.1}] (paired)",
            100.0 * d.estimate,
            100.0 * d.ci95[0],
            100.0 * d.ci95[1]
        );
    }
    t
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
