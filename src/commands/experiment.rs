//! `experiment arenas` and `experiment timing`.

use serde::Serialize;

use crate::cli::{ExperimentArgs, ExperimentCommand, Terminal, stop_on_signals};
use crate::error::Result;
use crate::experiment::{self, ArenaExperiment, TimingExperiment};
use crate::output::{self, OutputDir};
use crate::runner::{self, Cancel, Observer};
use crate::scenario::{Override, Scenario, ScenarioSource};
use crate::{report, tables};

/// Runs an experiment command.
pub fn experiment(c: &ExperimentCommand) -> Result<()> {
    match c {
        ExperimentCommand::Arenas(args) => run_experiment(
            args,
            Kind {
                suffix: "-arenas",
                what: "replications × 10 cells",
                cells: 10,
            },
            experiment::arenas,
            write_arenas,
            tables::arena_table,
        ),
        ExperimentCommand::Timing(args) => run_experiment(
            args,
            Kind {
                suffix: "-timing",
                what: "replications × 3 cells",
                cells: 3,
            },
            experiment::timing,
            write_timing,
            tables::timing_table,
        ),
    }
}

/// What tells one experiment command from another.
struct Kind {
    /// Added to the default output folder's name.
    suffix: &'static str,
    /// What the progress bar counts.
    what: &'static str,
    /// Runs held at once, for the memory guard.
    cells: u64,
}

/// The library's function that runs an experiment.
type Runner<E> = fn(&ScenarioSource, &[Override], u64, &dyn Observer, &Cancel) -> Result<E>;

/// What an experiment command does whatever the experiment: resolve, run on the pool with a
/// progress bar, write the outputs whole, then print the table or the JSON.
fn run_experiment<E: Serialize + Send>(
    args: &ExperimentArgs,
    kind: Kind,
    run: Runner<E>,
    write: fn(&OutputDir, &Scenario, &E, bool) -> Result<()>,
    table: fn(&E) -> String,
) -> Result<()> {
    let common = &args.common;
    let (source, s) = super::load(common, &args.scenario, kind.cells)?;
    let cancel = stop_on_signals();
    let dir = super::claim(&common.out_dir(&s, kind.suffix), common.force, &source.path)?;
    let pool = runner::pool(common.threads);
    let terminal = Terminal::new(kind.what, common.quiet || common.json);
    let overrides = common.overrides()?;
    let exp = pool.install(|| run(&source, &overrides, 0, &terminal, &cancel))?;
    terminal.finish();
    write(&dir, &s, &exp, !common.no_plots && s.output.plots)?;
    cancel.check()?;
    let target = super::commit(dir)?;
    if common.json {
        super::print_json(&exp);
    } else {
        print!("{}", table(&exp));
        println!("\nResults in {}", target.display());
    }
    Ok(())
}

/// Writes the arena experiment's files and, with `plots`, its chart and page.
fn write_arenas(dir: &OutputDir, s: &Scenario, exp: &ArenaExperiment, plots: bool) -> Result<()> {
    output::write_arena_files(dir, exp)?;
    if plots {
        report::write_arena_report(dir, s, exp)?;
    }
    Ok(())
}

/// Writes the timing experiment's files and, with `plots`, its chart and page.
fn write_timing(dir: &OutputDir, s: &Scenario, exp: &TimingExperiment, plots: bool) -> Result<()> {
    output::write_timing_files(dir, exp)?;
    if plots {
        report::write_timing_report(dir, s, exp)?;
    }
    Ok(())
}
