//! The command line: clap's definitions, raw arguments turned into plain values in one place,
//! the terminal's progress bar and notes, and the signals bound to the library's stop token.
//! Nothing here runs a simulation; `commands` does, through the library.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::{Error, Result};
use crate::output;
use crate::runner::{Cancel, Observer};
use crate::scenario::{self, Override, Scenario};
use crate::sweep::{DesignKind, SweepExperiment};

/// `redesign-sim`: clinical leadership in health-service redesign, simulated.
#[derive(Debug, Parser)]
#[command(name = "redesign-sim", version, about, long_about = None)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Monte Carlo of one scenario: summary table, results and plots.
    Run {
        /// The scenario file.
        scenario: PathBuf,
        #[command(flatten)]
        /// Options shared with the other commands.
        common: Common,
    },
    /// Experiments that test the proposition: the arena factorial and timing.
    #[command(subcommand)]
    Experiment(ExperimentCommand),
    /// Sweep parameters over a grid or Latin hypercube.
    Sweep(SweepArgs),
    /// Calibrate by history matching: which parameter sets reproduce what the study observed.
    Calibrate(CalibrateArgs),
    /// Compare scenarios on the same areas: the paired difference of every headline output.
    Compare(CompareArgs),
    /// Global sensitivity analysis (Morris, Sobol') over the scenario's `[sensitivity]` table.
    #[command(subcommand)]
    Sensitivity(SensitivityCommand),
    /// Join the shard outputs of a sweep, a calibration wave or an ensemble into what a single
    /// run would have written.
    Merge(MergeArgs),
    /// One command for a class: the baseline and the arena experiment, with a report to open.
    Demo(DemoArgs),
    /// One area's story: replication K of a scenario followed month by month, with a page to
    /// read aloud and the same facts as JSON.
    Story(StoryArgs),
    /// Validate a scenario and print it resolved, every default filled in, as TOML.
    Check {
        /// The scenario file.
        scenario: PathBuf,
        /// Set a parameter: PATH=VALUE (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Print only what the scenario (with any --set) changes from the file it extends, or
        /// from the built-in defaults if it extends none: one line per value, as a --set path.
        #[arg(long)]
        diff: bool,
    },
    /// Print a shell completion script (e.g. `redesign-sim completions bash > ~/.local/share/bash-completion/completions/redesign-sim`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page in roff (e.g. `redesign-sim man | man -l -`).
    Man,
    /// List every parameter: path, default, allowed range, meaning.
    Params {
        /// Print as JSON: path, kind, minimum, maximum, default (a JSON value), doc.
        #[arg(long)]
        json: bool,
        /// Print a SALib problem definition (num_vars, names, bounds) for these paths, each a
        /// number or whole number, with its schema range or PATH=LO:HI.
        #[arg(long, num_args = 1.., value_name = "PATH", conflicts_with = "json")]
        salib: Vec<String>,
    },
}

/// Options shared by the commands that run replications.
#[derive(Debug, Args, Clone, Default)]
pub struct Common {
    /// Replications per scenario or design point (overrides simulation.replications).
    #[arg(long, short = 'n')]
    pub replications: Option<u32>,
    /// Scenario seed (overrides simulation.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
    /// Set a parameter: PATH=VALUE (repeatable), e.g. arenas.practice.enabled=false.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Output folder (default: `out/<scenario name>/`, with `-arenas`, `-clinical`, `-timing`,
    /// `-calibration` or `-compare` added for those commands).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Replace an output folder that holds files redesign-sim did not write: they are moved
    /// aside whole to OUT.replaced-N, never removed. Never the working, home or root folder, nor
    /// one holding the scenario.
    #[arg(long)]
    pub force: bool,
    /// Print the machine-readable summary on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Write no plots.
    #[arg(long)]
    pub no_plots: bool,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl Common {
    /// The overrides these options make, in order: `--set`, then `--replications` and `--seed`.
    pub fn overrides(&self) -> Result<Vec<Override>> {
        let mut out = self
            .set
            .iter()
            .map(|s| Override::parse(s))
            .collect::<Result<Vec<_>>>()?;
        if let Some(n) = self.replications {
            out.push(Override::new(
                "simulation.replications",
                toml::Value::Integer(n.into()),
                scenario::Origin::Flag(format!("--replications {n}")),
            ));
        }
        if let Some(seed) = self.seed {
            let value = i64::try_from(seed).map_err(|_| Error::Argument {
                flag: "--seed",
                arg: seed.to_string(),
                message: format!("must be at most {}", i64::MAX),
            })?;
            out.push(Override::new(
                "simulation.seed",
                toml::Value::Integer(value),
                scenario::Origin::Flag(format!("--seed {seed}")),
            ));
        }
        Ok(out)
    }

    /// The output folder for a scenario, `suffix` added to the default name.
    pub fn out_dir(&self, s: &Scenario, suffix: &str) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| output::default_out_dir(&s.simulation.name, suffix))
    }
}

/// Arguments of `story`.
#[derive(Debug, Args)]
pub struct StoryArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// The replication to follow, numbered as in `run`'s replications.csv (from 0).
    #[arg(long, short = 'k', default_value_t = 0, value_name = "K")]
    pub replication: u32,
    /// Scenario seed (overrides simulation.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Set a parameter: PATH=VALUE (repeatable), e.g. arenas.practice.enabled=false.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Output folder (default: `out/<scenario name>-story-K/`).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Replace an output folder that holds files redesign-sim did not write (moved aside whole
    /// to OUT.replaced-N, never removed).
    #[arg(long)]
    pub force: bool,
    /// Print story.json on stdout instead of the narrative.
    #[arg(long)]
    pub json: bool,
    /// Write no charts and no page (story.json only).
    #[arg(long)]
    pub no_plots: bool,
    /// No progress bar: a story shows none; taken, as every command takes it, so that a script
    /// can pass it to all of them.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl StoryArgs {
    /// The options a command shares with the others, as `run` would take them.
    pub fn common(&self) -> Common {
        Common {
            seed: self.seed,
            set: self.set.clone(),
            out: self.out.clone(),
            force: self.force,
            json: self.json,
            no_plots: self.no_plots,
            quiet: true,
            ..Common::default()
        }
    }
}

/// The experiment subcommands.
#[derive(Debug, Subcommand)]
pub enum ExperimentCommand {
    /// The 2×2×2 arena factorial plus the clinical and managerial knockouts, with a verdict,
    /// cumulative success by month, and a robustness probe.
    Arenas(ArenaArgs),
    /// The 2×2×2 of clinical leadership per arena (every arena on), judged by the same rule.
    Clinical(ExperimentArgs),
    /// Arenas acting at the same time versus one after another.
    Timing(ExperimentArgs),
}

/// Arguments of `experiment arenas`.
#[derive(Debug, Args)]
pub struct ArenaArgs {
    #[command(flatten)]
    /// The scenario and the options shared with `run`.
    pub experiment: ExperimentArgs,
    /// Judge the verdict at each of these horizons, in months (e.g. `60,96,120`): one run as
    /// long as the longest, success counted by each month on the same areas.
    #[arg(long, value_delimiter = ',', value_name = "MONTHS")]
    pub months: Vec<u32>,
    /// Replications per cell for each step of the robustness probe (default: the experiment's,
    /// at most 500; 0 skips the probe).
    #[arg(long, value_name = "N")]
    pub probe: Option<u32>,
    /// Run the experiment at every parameter set of FILE (`set,wave,<parameter path>,...`, as
    /// `calibrate` writes `plausible.csv`) and report the verdict over the ensemble with PRIM
    /// boxes; no robustness probe.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["probe", "rows"])]
    pub ensemble: Option<PathBuf>,
    /// With --ensemble: run only the sets with index % N == K, into their own output folder,
    /// for `merge`.
    #[arg(long, value_name = "K/N", requires = "ensemble")]
    pub shard: Option<String>,
    /// With --ensemble: continue an interrupted run in the same output folder (starts afresh
    /// if there is none).
    #[arg(long, requires = "ensemble")]
    pub resume: bool,
    /// With --ensemble: check the scenario and the file, say what would run and exit without
    /// running or writing anything.
    #[arg(long, requires = "ensemble")]
    pub dry_run: bool,
}

/// Arguments of an experiment.
#[derive(Debug, Args)]
pub struct ExperimentArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Also write `replications.csv`: one row per replication, cell and initiative (`cell`
    /// first, then the columns of `run`'s file), streamed as the run goes.
    #[arg(long)]
    pub rows: bool,
    #[command(flatten)]
    /// Options shared with `run`.
    pub common: Common,
}

/// Arguments of `compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The scenario files: the first is the reference, each other is compared with it.
    #[arg(num_args = 2.., required = true)]
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    /// Options shared with `run` (`--set` applies to every scenario).
    pub common: Common,
}

/// Arguments of `calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The scenario file, with its `[calibration]` table.
    pub scenario: PathBuf,
    /// Parameter sets per wave (overrides calibration.sets).
    #[arg(long, value_name = "N")]
    pub sets: Option<u32>,
    /// Waves (overrides calibration.waves).
    #[arg(long, value_name = "W")]
    pub waves: Option<u32>,
    /// Targets file (default: the built-in copy of docs/calibration_targets.toml).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// Run only the sets with index % N == K of the one wave left to run, into their own
    /// output folder, for `merge` (wave 1: `--waves 1`; wave w: `--waves w --from` the merged
    /// folder of wave w-1).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Continue an interrupted calibration in the same output folder (starts afresh if there
    /// is none).
    #[arg(long)]
    pub resume: bool,
    /// Continue the finished calibration (a whole run or a merge) in DIR with the waves after
    /// its last, up to --waves.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// Check the scenario, the table and the targets, say what would run and exit without
    /// running or writing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    /// Options shared with `run`; `--replications` is per parameter set here (overrides
    /// calibration.replications).
    pub common: Common,
}

impl CalibrateArgs {
    /// The overrides `--sets`, `--waves` and `--replications` make on the `[calibration]` table.
    pub fn budget_overrides(&self) -> Vec<Override> {
        [
            ("calibration.sets", "--sets", self.sets),
            ("calibration.waves", "--waves", self.waves),
            (
                "calibration.replications",
                "--replications",
                self.common.replications,
            ),
        ]
        .into_iter()
        .filter_map(count_override)
        .collect()
    }
}

/// A whole-number flag given on the command line (`--sets 200`) as the override of its table
/// key (`calibration.sets = 200`), located at the flag; `None` when the flag was not given.
fn count_override((path, flag, value): (&str, &str, Option<u32>)) -> Option<Override> {
    value.map(|n| {
        Override::new(
            path,
            toml::Value::Integer(n.into()),
            scenario::Origin::Flag(format!("{flag} {n}")),
        )
    })
}

/// The sensitivity methods.
#[derive(Debug, Subcommand)]
pub enum SensitivityCommand {
    /// Morris screening: elementary effects on r trajectories; μ*, μ and σ per parameter.
    Morris(MorrisArgs),
    /// Sobol' indices: first order and total, with bootstrap 95% intervals.
    Sobol(SobolArgs),
}

/// Arguments shared by the sensitivity methods.
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// The scenario file, with its `[sensitivity]` table.
    pub scenario: PathBuf,
    /// The quantity of interest: `success`, `success.<initiative>`, `seats`, `market_share`,
    /// `mode.<failure mode>`, `survey.<question>[@MONTH]`, `verdict.necessity` or
    /// `verdict.margin`.
    #[arg(long, default_value = "success", value_name = "NAME")]
    pub output: String,
    /// Bootstrap resamples for the intervals (overrides sensitivity.bootstrap).
    #[arg(long, value_name = "B")]
    pub bootstrap: Option<u32>,
    /// Vary every real-valued model parameter over the whole range it accepts, instead of the
    /// `[sensitivity]` table (a screening of what can matter at all; `params` lists them).
    #[arg(long)]
    pub all_params: bool,
    #[command(flatten)]
    /// Options shared with `run`; `--replications` is per design point here (overrides
    /// sensitivity.replications).
    pub common: Common,
}

/// Arguments of `sensitivity morris`.
#[derive(Debug, Args)]
pub struct MorrisArgs {
    #[command(flatten)]
    /// The scenario, the output and the common options.
    pub analysis: SensitivityArgs,
    /// Trajectories (overrides sensitivity.trajectories).
    #[arg(long, short = 'r', value_name = "R")]
    pub trajectories: Option<u32>,
    /// Levels of the grid, even (overrides sensitivity.levels).
    #[arg(long, short = 'p', value_name = "P")]
    pub levels: Option<u32>,
}

/// Arguments of `sensitivity sobol`.
#[derive(Debug, Args)]
pub struct SobolArgs {
    #[command(flatten)]
    /// The scenario, the output and the common options.
    pub analysis: SensitivityArgs,
    /// Base samples N; the design has N (k + 2) points (overrides sensitivity.samples).
    #[arg(long, value_name = "N")]
    pub samples: Option<u32>,
}

impl SensitivityCommand {
    /// The shared arguments, whether Sobol' was asked for, and the overrides the flags make on
    /// the `[sensitivity]` table.
    pub fn parts(&self) -> (&SensitivityArgs, bool, Vec<Override>) {
        let (args, sobol, flags) = match self {
            SensitivityCommand::Morris(m) => (
                &m.analysis,
                false,
                vec![
                    ("sensitivity.trajectories", "--trajectories", m.trajectories),
                    ("sensitivity.levels", "--levels", m.levels),
                ],
            ),
            SensitivityCommand::Sobol(s) => (
                &s.analysis,
                true,
                vec![("sensitivity.samples", "--samples", s.samples)],
            ),
        };
        let mut all = flags;
        all.push(("sensitivity.bootstrap", "--bootstrap", args.bootstrap));
        all.push((
            "sensitivity.replications",
            "--replications",
            args.common.replications,
        ));
        let overrides: Vec<Override> = all.into_iter().filter_map(count_override).collect();
        (args, sobol, overrides)
    }
}

/// Arguments of `sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// The design file of `--design table`: a CSV whose header names parameter paths and whose
    /// rows are the points (e.g. a SALib or EMA Workbench sample).
    #[arg(value_name = "FILE.csv")]
    pub table: Option<PathBuf>,
    /// Sweep a parameter from LO to HI in STEPS grid values (repeatable; replaces the
    /// scenario's [[sweep.param]] tables). Whole numbers and switches (false:true) too. A grid
    /// needs STEPS (except for a switch); a Latin hypercube takes none.
    #[arg(long = "param", value_name = "PATH=LO:HI:STEPS")]
    pub param: Vec<String>,
    /// The design (default: the scenario's sweep.design).
    #[arg(long, value_enum)]
    pub design: Option<DesignArg>,
    /// Points of a Latin hypercube (default: the scenario's sweep.points).
    #[arg(long)]
    pub points: Option<u64>,
    /// Run only the points with index % N == K, into their own output folder, for `merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Continue an interrupted sweep in the same output folder (starts afresh if there is none).
    #[arg(long)]
    pub resume: bool,
    /// Also run an experiment at every point and add its verdict to each row.
    #[arg(long, value_enum)]
    pub experiment: Option<ExperimentArg>,
    /// Also write `replications.csv`: one row per point, replication and initiative (`point`,
    /// the swept parameters, then the columns of `run`'s file), streamed in point order.
    #[arg(long)]
    pub rows: bool,
    /// Check the scenario, the design and every --param, print the design and exit without
    /// running or writing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    /// Options shared with `run`.
    pub common: Common,
}

/// The sweep designs, as `--design` spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DesignArg {
    /// Every combination of the parameters' levels.
    Grid,
    /// A Latin hypercube of `--points` points.
    Lhs,
    /// The rows of a CSV file given after the scenario (`--design table FILE.csv`).
    Table,
}

impl From<DesignArg> for DesignKind {
    fn from(d: DesignArg) -> Self {
        match d {
            DesignArg::Grid => DesignKind::Grid,
            DesignArg::Lhs => DesignKind::Lhs,
            DesignArg::Table => DesignKind::Table,
        }
    }
}

/// The experiments a sweep can run at every point, as `--experiment` spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExperimentArg {
    /// The arena factorial and knockouts, with the verdict on the proposition.
    Arenas,
}

impl From<ExperimentArg> for SweepExperiment {
    fn from(e: ExperimentArg) -> Self {
        match e {
            ExperimentArg::Arenas => SweepExperiment::Arenas,
        }
    }
}

/// Arguments of `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard output folders: every shard of one sweep, one calibration wave or one ensemble,
    /// in any order.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output folder (default: `out/<scenario name>-sweep/`, `-calibration/` or `-ensemble/`).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Write no plots.
    #[arg(long)]
    pub no_plots: bool,
    /// Replace an output folder that holds files redesign-sim did not write (moved aside whole
    /// to OUT.replaced-N, never removed).
    #[arg(long)]
    pub force: bool,
    /// No progress bar: a merge shows none; taken, as every command takes it, so that a script
    /// can pass it to all of them.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Scenario file (default: scenarios/baseline.toml if present, else the built-in baseline).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Output folder (default: out/demo/).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Replications of the baseline run (default 2000); the arena experiment runs half as many
    /// per cell. With --interactive: replications per cell at each grid point (default 100).
    #[arg(long, short = 'n')]
    pub replications: Option<u32>,
    /// Write one self-contained page with sliders over a grid of results computed in advance
    /// (81 settings of four parameters), for a class to open from a USB stick.
    #[arg(long)]
    pub interactive: bool,
    /// Scenario seed (overrides simulation.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 't')]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Replace an output folder that holds files redesign-sim did not write (moved aside whole
    /// to OUT.replaced-N, never removed).
    #[arg(long)]
    pub force: bool,
}

/// Replications of the baseline run in the demo: enough for smooth bands.
pub const DEMO_RUN_REPLICATIONS: u32 = 2000;

/// Replications per cell at each point of `demo --interactive`'s grid: enough to tell the
/// all-three cell from half of it at the baseline, in well under a minute on two cores.
pub const DEMO_INTERACTIVE_REPLICATIONS: u32 = 100;

/// The terminal's view of a long computation: a progress bar on stderr when stdout is a terminal
/// (and neither `--quiet` nor `--json` was given), and notes as lines on stderr.
pub struct Terminal {
    bar: ProgressBar,
    /// Steps already done when the work started (a resumed sweep), which took no time now.
    resumed: Arc<AtomicU64>,
}

impl Terminal {
    /// A progress display counting `what` (e.g. "replications"), visible unless `quiet`.
    pub fn new(what: &str, quiet: bool) -> Self {
        let visible = !quiet && std::io::stdout().is_terminal();
        let bar = ProgressBar::with_draw_target(
            None,
            if visible {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        let resumed = Arc::new(AtomicU64::new(0));
        if let Ok(style) = ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {what} {{rate}} ETA {{eta}}"
        )) {
            let from = Arc::clone(&resumed);
            // Whole steps per second: four decimals of a rate say nothing.
            let style = style
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0}/s", state.per_sec());
                    },
                )
                .with_key(
                    "eta",
                    move |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let done = state.pos().saturating_sub(from.load(Ordering::Relaxed));
                        let left = state.len().unwrap_or(0).saturating_sub(state.pos());
                        let _ = write!(w, "{}", eta(done, left, state.elapsed()));
                    },
                );
            bar.set_style(style);
        }
        Terminal { bar, resumed }
    }

    /// Clears the bar once the work is done.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Terminal {
    fn start(&self, total: u64, done: u64) {
        self.resumed.store(done, Ordering::Relaxed);
        self.bar.set_length(total);
        self.bar.set_position(done);
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }

    fn note(&self, text: &str) {
        self.bar.suspend(|| eprintln!("note: {text}"));
    }
}

/// Least time and share of the work seen before an ETA is shown: the first steps carry the
/// start-up (building the pool, the first areas) and a first tick can come after one large batch,
/// so an estimate from them was hours for a run of seconds.
const ETA_AFTER: Duration = Duration::from_secs(2);
/// See [`ETA_AFTER`]: at least this share of the work (one part in so many) must be done.
const ETA_AFTER_PARTS: u64 = 50;

/// The time left, from the mean rate since the start over the `done` steps of this run, with
/// `left` to go; "…" until [`ETA_AFTER`] and a fiftieth of the work have passed.
fn eta(done: u64, left: u64, elapsed: Duration) -> String {
    if left == 0 {
        return "0s".into();
    }
    if done == 0 || elapsed < ETA_AFTER || done * ETA_AFTER_PARTS < done + left {
        return "…".into();
    }
    let secs = (elapsed.as_secs_f64() * left as f64 / done as f64).ceil() as u64;
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// The process's stop token, bound to the signals that ask a command to stop.
static STOP: OnceLock<Cancel> = OnceLock::new();

/// Returns the token that Ctrl-C (SIGINT), SIGTERM and SIGHUP cancel: the first signal stops
/// the command cleanly within about a replication's time (previous outputs and finished sweep
/// points kept, staging removed, exit 130); a second ends the process at once.
pub fn stop_on_signals() -> Cancel {
    STOP.get_or_init(|| {
        let token = Cancel::new();
        let handler = token.clone();
        static SEEN: AtomicUsize = AtomicUsize::new(0);
        // Fails only if a handler is already set, which cannot happen inside this once-cell.
        let _ = ctrlc::set_handler(move || {
            if SEEN.fetch_add(1, Ordering::SeqCst) > 0 {
                std::process::exit(130);
            }
            handler.cancel();
            // The handler runs on its own thread, so printing here is safe.
            eprintln!("\nstopping: finished outputs are kept (Ctrl-C again to quit at once)");
        });
        token
    })
    .clone()
}

/// The most worker threads `--threads` accepts: more would only cost memory and start-up time.
pub const MAX_THREADS: usize = 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_eta_waits_for_a_fair_sample() {
        // One batch of 8 out of 2000 after 3 s: too little to say.
        assert_eq!(eta(8, 1992, Duration::from_secs(3)), "…");
        // Half done after 0.5 s: too soon.
        assert_eq!(eta(1000, 1000, Duration::from_millis(500)), "…");
        assert_eq!(eta(500, 1500, Duration::from_secs(10)), "30s");
        assert_eq!(eta(100, 1900, Duration::from_secs(10)), "3m10s");
        assert_eq!(eta(2100, 100_000, Duration::from_secs(210)), "2h46m");
        assert_eq!(eta(0, 0, Duration::ZERO), "0s");
    }
}
