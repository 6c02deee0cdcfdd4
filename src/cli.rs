//! The command-line interface: arguments become a validated scenario in one place, then each
//! command runs and writes its outputs.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::{Error, Result};
use crate::output::{self, Claim, OutputDir, ReplicationRows};
use crate::runner::{self, Cancel};
use crate::scenario::{self, Override, Scenario, ScenarioSource};
use crate::stats::{Aggregate, Summary};

/// `redesign-sim`: clinical leadership in health-service redesign, simulated.
#[derive(Debug, Parser)]
#[command(name = "redesign-sim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Monte Carlo of one scenario: summary table, results and plots.
    Run {
        /// The scenario file.
        scenario: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Experiments that test the proposition: the arena factorial and timing.
    #[command(subcommand)]
    Experiment(crate::experiment::ExperimentCommand),
    /// Sweep parameters over a grid or Latin hypercube.
    Sweep(crate::sweep::SweepArgs),
    /// Join the shard outputs of a sweep into what a single run would have written.
    Merge(crate::sweep::MergeArgs),
    /// One command for a class: the baseline and the arena experiment, with a report to open.
    Demo(crate::report::DemoArgs),
    /// Validate a scenario and print it resolved, every default filled in, as TOML.
    Check {
        /// The scenario file.
        scenario: PathBuf,
        /// Set a parameter: PATH=VALUE (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
    /// List every parameter: path, default, allowed range, meaning.
    Params {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
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
    /// Output folder (default: `out/<scenario name>/`).
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

    /// Loads and resolves the scenario with these options, for a command that holds one run at
    /// a time.
    pub fn scenario(&self, path: &Path) -> Result<(ScenarioSource, Scenario)> {
        self.scenario_with_cells(path, 1)
    }

    /// Loads and resolves the scenario with these options, for a command that holds `runs`
    /// runs of it at once (the cells of an experiment, the points of a sweep in flight).
    pub fn scenario_with_cells(
        &self,
        path: &Path,
        runs: u64,
    ) -> Result<(ScenarioSource, Scenario)> {
        if let Some(t) = self.threads.filter(|&t| t > MAX_THREADS) {
            return Err(Error::Argument {
                flag: "--threads",
                arg: t.to_string(),
                message: format!("must be at most {MAX_THREADS} (0 or absent: all cores)"),
            });
        }
        let source = scenario::load(path)?;
        let s = source.resolve(&self.overrides()?)?;
        runner::check_memory(&s, self.threads, runs, path)?;
        Ok((source, s))
    }

    /// Claims the output folder (`--out`, or the default name with `suffix`) before any work:
    /// refused unless it is new, empty or the tool's own (or `--force`), and locked.
    pub fn claim(&self, s: &Scenario, suffix: &str, source: &ScenarioSource) -> Result<OutputDir> {
        claim_output(&self.out_dir(s, suffix), self.force, &source.path)
    }

    /// The output folder for a scenario, `suffix` added to the default name.
    pub fn out_dir(&self, s: &Scenario, suffix: &str) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            PathBuf::from("out").join(format!("{}{suffix}", sanitise(&s.simulation.name)))
        })
    }

    /// A progress bar over `len` steps, drawn only on a terminal and without `--quiet`.
    pub fn progress(&self, len: u64, what: &str) -> ProgressBar {
        let visible = !self.quiet && !self.json && std::io::stdout().is_terminal();
        let bar = ProgressBar::with_draw_target(
            Some(len),
            if visible {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        if let Ok(style) = ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {what} {{per_sec}} ETA {{eta}}"
        )) {
            bar.set_style(style);
        }
        bar
    }
}

/// Claims an output folder for a command, printing what was cleaned up of stopped runs.
pub fn claim_output(target: &Path, force: bool, scenario: &Path) -> Result<OutputDir> {
    let dir = OutputDir::claim(
        target,
        &Claim {
            force,
            keep: vec![scenario.to_path_buf()],
        },
    )?;
    for p in &dir.cleaned {
        eprintln!("note: cleaned up {}, left by a stopped run", p.display());
    }
    Ok(dir)
}

/// Puts a finished output folder in place, saying where the previous one went when it held
/// files the tool did not write.
pub fn commit_output(dir: OutputDir) -> Result<PathBuf> {
    let (target, aside) = dir.commit_keeping()?;
    if let Some(aside) = aside {
        eprintln!(
            "note: {} held files redesign-sim did not write; the whole previous folder is now {}",
            target.display(),
            aside.display()
        );
    }
    Ok(target)
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

/// A scenario name made safe as a folder name.
fn sanitise(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "scenario".into() } else { s }
}

/// Parses the command line and runs the command.
pub fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { scenario, common } => run(&scenario, &common),
        Command::Experiment(command) => crate::experiment::command(&command),
        Command::Sweep(args) => crate::sweep::sweep(&args),
        Command::Merge(args) => crate::sweep::merge(&args),
        Command::Demo(args) => crate::report::demo(&args),
        Command::Check { scenario, set } => {
            let source = scenario::load(&scenario)?;
            let overrides = set
                .iter()
                .map(|s| Override::parse(s))
                .collect::<Result<Vec<_>>>()?;
            let resolved = source.resolve(&overrides)?;
            runner::check_memory(&resolved, None, 1, &scenario)?;
            crate::sweep::check_table(&source, &resolved, &overrides)?;
            print!("{}", resolved.to_toml());
            Ok(())
        }
        Command::Params { json } => {
            print!("{}", params(json));
            Ok(())
        }
    }
}

/// The outcome of a Monte Carlo run of one scenario, aggregated.
pub struct RunResult {
    /// The aggregate.
    pub aggregate: Aggregate,
    /// Its summary.
    pub summary: Summary,
}

/// Runs a scenario's replications, streaming rows into `replications.csv` when `dir` is given.
pub fn simulate(
    s: &Scenario,
    point: u64,
    dir: Option<&OutputDir>,
    bar: &ProgressBar,
    cancel: &Cancel,
) -> Result<RunResult> {
    let mut aggregate = Aggregate::new(s);
    let mut rows = match dir.filter(|_| s.output.replications_csv) {
        Some(d) => Some((
            ReplicationRows::new(d.open("replications.csv")?)
                .map_err(|e| output::csv_error(d, "replications.csv", e))?,
            d,
        )),
        None => None,
    };
    let mut failure = None;
    let finished = runner::replicate_while(s, point, cancel, |i, o| {
        aggregate.push(&o);
        if let Some((w, d)) = rows.as_mut()
            && failure.is_none()
            && let Err(e) = w.push(s, point, i, &o)
        {
            failure = Some(output::csv_error(d, "replications.csv", e));
        }
        bar.inc(1);
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if !finished {
        return Err(Error::Interrupted);
    }
    if let Some((w, d)) = rows {
        w.finish()
            .map_err(|e| output::csv_error(d, "replications.csv", e))?;
    }
    let summary = aggregate.summary(s);
    Ok(RunResult { aggregate, summary })
}

fn run(path: &Path, common: &Common) -> Result<()> {
    let (source, s) = common.scenario(path)?;
    let cancel = stop_on_signals();
    let dir = common.claim(&s, "", &source)?;
    let pool = runner::pool(common.threads);
    let bar = common.progress(s.simulation.replications.into(), "replications");
    let result = pool.install(|| simulate(&s, 0, Some(&dir), &bar, &cancel))?;
    bar.finish_and_clear();
    write_run_files(&dir, &s, &result)?;
    if s.output.plots && !common.no_plots {
        crate::report::write_run_report(&dir, &s, &result)?;
    }
    // The last look: a signal during the writing keeps the previous outputs too.
    cancel.check()?;
    let target = commit_output(dir)?;
    if common.json {
        print!(
            "{}",
            String::from_utf8_lossy(&output::json(&result.summary))
        );
    } else {
        print!("{}", summary_table(&result.summary));
        println!("\nResults in {}", target.display());
    }
    Ok(())
}

/// Writes `summary.json` (with the resolved parameters) and `timeseries.csv`.
pub fn write_run_files(dir: &OutputDir, s: &Scenario, result: &RunResult) -> Result<()> {
    let mut json = serde_json::to_value(&result.summary).unwrap_or_default();
    if let Some(obj) = json.as_object_mut() {
        obj.insert(
            "parameters".into(),
            serde_json::to_value(s).unwrap_or_default(),
        );
    }
    dir.write("summary.json", &output::json(&json))?;
    if s.output.timeseries {
        let bytes = output::timeseries_csv(s, &result.aggregate)
            .map_err(|e| output::csv_error(dir, "timeseries.csv", e))?;
        dir.write("timeseries.csv", &bytes)?;
    }
    Ok(())
}

/// The readable table `run` prints.
pub fn summary_table(sum: &Summary) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let pct = |x: f64| format!("{:5.1}%", 100.0 * x);
    let ci = |c: [f64; 2]| format!("[{:.1}–{:.1}]", 100.0 * c[0], 100.0 * c[1]);
    let _ = writeln!(
        t,
        "Scenario {} — {} replications of {} months, seed {}",
        sum.scenario, sum.replications, sum.months, sum.seed
    );
    if !sum.description.is_empty() {
        let _ = writeln!(t, "{}", sum.description.trim());
    }
    let _ = writeln!(t);
    let _ = writeln!(
        t,
        "{:<22} {:>7} {:>13} {:>9}  main failure modes",
        "initiative", "success", "95% CI", "months"
    );
    for i in &sum.initiatives {
        let modes: Vec<String> = i
            .main_failure_modes(3)
            .iter()
            .map(|(m, v)| format!("{} {:.0}%", m.replace('_', " "), 100.0 * v))
            .collect();
        let _ = writeln!(
            t,
            "{:<22} {:>7} {:>13} {:>9}  {}",
            i.name,
            pct(i.success_rate),
            ci(i.ci95),
            i.median_months_to_success
                .map(|m| format!("{m:.0}"))
                .unwrap_or_else(|| "–".into()),
            modes.join(", ")
        );
    }
    let _ = writeln!(
        t,
        "{:<22} {:>7} {:>13}   (pooled over initiatives; interval over replications)",
        "all initiatives",
        pct(sum.overall_success_rate),
        ci(sum.ci95)
    );
    let _ = writeln!(
        t,
        "{:<22} {:>7} {:>13}   (share of areas where every initiative succeeded)",
        "every initiative",
        pct(sum.all_initiatives_succeeded_share),
        ci(sum.all_initiatives_succeeded_ci95)
    );
    let l = &sum.leadership;
    let _ = writeln!(t, "\nLeadership");
    let _ = writeln!(
        t,
        "  GP governing-body seats filled   {}",
        pct(l.gp_seats_filled_share)
    );
    if let Some(g) = l.gp_influence_share {
        let _ = writeln!(t, "  GP share of board influence      {}", pct(g));
    }
    let _ = writeln!(
        t,
        "  providers destabilised per area  {:.2}",
        l.providers_destabilised_mean
    );
    if !sum.survey.is_empty() {
        let _ = writeln!(
            t,
            "\nVirtual survey                       {}",
            sum.survey
                .iter()
                .map(|w| format!("{:>9}", format!("month {}", w.month)))
                .collect::<Vec<_>>()
                .join(" ")
        );
        type Answer = fn(&crate::stats::SurveySummary) -> f64;
        let rows: [(&str, Answer); 7] = [
            ("centre's influence high", |w| w.centre_influence_high_share),
            ("GPs hold main influence", |w| w.gps_main_influence_share),
            ("managers hold main influence", |w| {
                w.managers_main_influence_share
            }),
            ("vision set equally", |w| w.vision_equal_share),
            ("formal GP leaders engaged", |w| w.gp_formal_engaged_share),
            ("GPs in roles can influence", |w| {
                w.gp_formal_can_influence_share
            }),
            ("GPs with no role can influence", |w| {
                w.gp_no_role_can_influence_share
            }),
        ];
        for (name, f) in rows {
            let _ = writeln!(
                t,
                "  {:<34} {}",
                name,
                sum.survey
                    .iter()
                    .map(|w| format!("{:>9}", pct(f(w))))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
    t
}

/// The parameter listing, generated from the schema and the defaults.
pub fn params(json: bool) -> String {
    let mut all = Vec::new();
    scenario::leaves(Scenario::fields(), "", &mut all);
    let defaults = toml::Value::try_from(Scenario::default()).ok();
    let default_of = |path: &str| -> String {
        if path.contains("[]") {
            return "(per element)".into();
        }
        let mut node = defaults.as_ref();
        for part in path.split('.') {
            node = node.and_then(|n| n.get(part));
        }
        node.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
    };
    if json {
        let rows: Vec<serde_json::Value> = all
            .iter()
            .map(|(path, f)| {
                serde_json::json!({
                    "path": path,
                    "default": default_of(path),
                    "allowed": f.kind.describe(),
                    "meaning": f.doc,
                })
            })
            .collect();
        return String::from_utf8_lossy(&output::json(&rows)).into_owned();
    }
    let mut out = String::new();
    for (path, f) in &all {
        out.push_str(&format!(
            "{path}\n    default {}; {}\n    {}\n",
            default_of(path),
            f.kind.describe(),
            f.doc
        ));
    }
    out
}
