//! `experiment arenas`, `experiment clinical` and `experiment timing`.

use serde::Serialize;
use toml::Value;

use crate::cli::{ArenaArgs, ExperimentArgs, ExperimentCommand, Terminal, stop_on_signals};
use crate::error::Result;
use crate::experiment::{self, ArenaExperiment, ClinicalExperiment, TimingExperiment};
use crate::output::{self, OutputDir};
use crate::runner::{self, Cancel};
use crate::scenario::{Origin, Override, Scenario, ScenarioSource};
use crate::sweep::Shard;
use crate::{report, tables};

/// The robustness probe's default replications per cell: the experiment's, at most this many.
const PROBE_REPLICATIONS: u32 = 500;

/// Runs an experiment command.
pub fn experiment(c: &ExperimentCommand) -> Result<()> {
    match c {
        ExperimentCommand::Arenas(args) => arenas(args),
        ExperimentCommand::Clinical(args) => run_experiment(
            args,
            &[],
            Kind {
                suffix: "-clinical",
                what: "replications × 8 cells",
                cells: 8,
            },
            &|source, overrides, terminal, cancel, rows| {
                experiment::clinical_with_rows(source, overrides, 0, terminal, cancel, rows)
            },
            write_clinical,
            tables::clinical_table,
        ),
        ExperimentCommand::Timing(args) => run_experiment(
            args,
            &[],
            Kind {
                suffix: "-timing",
                what: "replications × 3 cells",
                cells: 3,
            },
            &|source, overrides, terminal, cancel, rows| {
                experiment::timing_with_rows(source, overrides, 0, terminal, cancel, rows)
            },
            write_timing,
            tables::timing_table,
        ),
    }
}

/// `experiment arenas`: the factorial judged at each horizon asked, then the robustness probe.
fn arenas(args: &ArenaArgs) -> Result<()> {
    // The run lasts as long as the longest horizon asked; shorter ones are read off it.
    let extra: Vec<Override> = args
        .months
        .iter()
        .max()
        .map(|&m| {
            Override::new(
                "simulation.months",
                Value::Integer(m.into()),
                Origin::Flag(format!(
                    "--months {}",
                    args.months
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                )),
            )
        })
        .into_iter()
        .collect();
    if let Some(file) = &args.ensemble {
        return ensemble(args, file, &extra);
    }
    let quiet = args.experiment.common.quiet || args.experiment.common.json;
    run_experiment(
        &args.experiment,
        &extra,
        Kind {
            suffix: "-arenas",
            what: "replications × 10 cells",
            cells: 10,
        },
        &|source, overrides, terminal, cancel, rows| {
            let mut exp = experiment::arenas_with_rows(
                source,
                overrides,
                0,
                &args.months,
                terminal,
                cancel,
                rows,
            )?;
            terminal.finish();
            let n = args.probe.unwrap_or_else(|| {
                u32::try_from(exp.replications)
                    .unwrap_or(u32::MAX)
                    .min(PROBE_REPLICATIONS)
            });
            if n > 0 {
                let bar = Terminal::new("probe replications × 8 cells", quiet);
                exp.probe = Some(experiment::probe(
                    source,
                    overrides,
                    0,
                    n,
                    &exp.verdict,
                    &bar,
                    cancel,
                )?);
                bar.finish();
            }
            Ok(exp)
        },
        write_arenas,
        tables::arena_table,
    )
}

/// `experiment arenas --ensemble FILE`: the file read and checked before any work, the
/// experiment at every set on the sweep machinery (journal, `--shard`, `--resume`) with one
/// progress bar, the outputs written whole.
fn ensemble(args: &ArenaArgs, file: &std::path::Path, extra: &[Override]) -> Result<()> {
    let common = &args.experiment.common;
    let (source, s) = super::load(common, &args.experiment.scenario, 10, extra)?;
    let mut overrides = common.overrides()?;
    overrides.extend_from_slice(extra);
    let sets = experiment::read_ensemble(file)?;
    sets.check(&source, &overrides)?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    if args.dry_run {
        if !common.quiet {
            let n = sets.sets.len() as u64;
            println!(
                "Ensemble of {n} parameter sets from {} ({} parameters) × 10 cells × {}                  replications on {}{}.",
                file.display(),
                sets.parameters.len(),
                s.simulation.replications,
                s.simulation.name,
                shard.map_or(String::new(), |sh| format!(
                    "; shard {}/{} runs {} of them",
                    sh.index,
                    sh.count,
                    sh.len(n)
                ))
            );
        }
        return Ok(());
    }
    let req = crate::sweep::ensemble::EnsembleRequest {
        scenario: args.experiment.scenario.clone(),
        overrides,
        file: file.to_path_buf(),
        shard,
        resume: args.resume,
        threads: common.threads,
        out: common.out.clone(),
        force: common.force,
        plots: !common.no_plots,
    };
    let cancel = stop_on_signals();
    let terminal = Terminal::new("parameter sets", common.quiet || common.json);
    let outcome = crate::sweep::ensemble::run_ensemble(&req, &terminal, &cancel);
    terminal.finish();
    match outcome? {
        crate::sweep::ensemble::EnsembleOutcome::Finished(path, report) => {
            if common.json {
                super::print_json(&*report);
            } else if !common.quiet {
                print!("{}", tables::ensemble_table(&report.ensemble));
                println!("\nResults in {}", path.display());
            }
        }
        crate::sweep::ensemble::EnsembleOutcome::AlreadyComplete(path) => {
            if common.json {
                super::calibrate::print_file(&path.join("ensemble.json"))?;
            } else if !common.quiet {
                println!("The ensemble in {} is already complete.", path.display());
            }
        }
        crate::sweep::ensemble::EnsembleOutcome::Shard(path, sh) => {
            if !common.quiet {
                println!(
                    "Shard {}/{} of the ensemble: results in {}\nJoin the shards with \
                     `redesign-sim merge`.",
                    sh.index,
                    sh.count,
                    path.display()
                );
            }
        }
    }
    Ok(())
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

/// The library call that runs an experiment, on the pool, with the terminal as observer and,
/// with `--rows`, the file its replications stream to.
type Runner<'a, E> = &'a (
        dyn Fn(
    &ScenarioSource,
    &[Override],
    &Terminal,
    &Cancel,
    Option<&mut dyn experiment::CellRows>,
) -> Result<E>
            + Sync
    );

/// What an experiment command does whatever the experiment: resolve, run on the pool with a
/// progress bar, write the outputs whole, then print the table or the JSON.
fn run_experiment<E: Serialize + Send>(
    args: &ExperimentArgs,
    extra: &[Override],
    kind: Kind,
    run: Runner<'_, E>,
    write: fn(&OutputDir, &Scenario, &E, bool) -> Result<()>,
    table: fn(&E) -> String,
) -> Result<()> {
    let common = &args.common;
    let (source, s) = super::load(common, &args.scenario, kind.cells, extra)?;
    let cancel = stop_on_signals();
    let dir = super::claim(&common.out_dir(&s, kind.suffix), common.force, &source.path)?;
    let pool = runner::pool(common.threads);
    let terminal = Terminal::new(kind.what, common.quiet || common.json);
    let mut overrides = common.overrides()?;
    overrides.extend_from_slice(extra);
    let mut rows = if args.rows {
        Some(output::CellRowsFile::open(&dir)?)
    } else {
        None
    };
    let exp = pool.install(|| {
        let sink = rows.as_mut().map(|r| r as &mut dyn experiment::CellRows);
        run(&source, &overrides, &terminal, &cancel, sink)
    })?;
    terminal.finish();
    if let Some(r) = rows {
        r.finish()?;
    }
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

/// Writes the arena experiment's files and, with `plots`, its charts and page.
fn write_arenas(dir: &OutputDir, s: &Scenario, exp: &ArenaExperiment, plots: bool) -> Result<()> {
    output::write_arena_files(dir, exp)?;
    if plots {
        report::write_arena_report(dir, s, exp)?;
    }
    Ok(())
}

/// Writes the clinical experiment's files and, with `plots`, its chart and page.
fn write_clinical(
    dir: &OutputDir,
    s: &Scenario,
    exp: &ClinicalExperiment,
    plots: bool,
) -> Result<()> {
    output::write_clinical_files(dir, exp)?;
    if plots {
        report::write_clinical_report(dir, s, exp)?;
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
