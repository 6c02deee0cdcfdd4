//! `sweep` and `merge`.

use crate::cli::{MergeArgs, SweepArgs, Terminal, stop_on_signals};
use crate::error::Result;
use crate::sweep::{self, MergeRequest, Shard, SweepOutcome, SweepRequest};

/// Runs a sweep, or with `--dry-run` only describes it.
pub fn sweep(args: &SweepArgs) -> Result<()> {
    let common = &args.common;
    super::check_threads(common.threads)?;
    let req = SweepRequest {
        scenario: args.scenario.clone(),
        overrides: common.overrides()?,
        params: args.param.clone(),
        design: args.design.map(Into::into),
        points: args.points,
        table: args.table.clone(),
        shard: args.shard.as_deref().map(Shard::parse).transpose()?,
        resume: args.resume,
        experiment: args.experiment.map(Into::into),
        rows: args.rows,
        threads: common.threads,
        out: common.out.clone(),
        force: common.force,
        plots: !common.no_plots,
    };
    let plan = sweep::plan(&req)?;
    if args.dry_run {
        if common.json {
            print!("{}", String::from_utf8_lossy(plan.info_json()));
        } else if !common.quiet {
            print!("{}", plan.describe());
        }
        return Ok(());
    }
    let cancel = stop_on_signals();
    let terminal = Terminal::new("points", common.quiet || common.json);
    let outcome = sweep::run(&plan, &req, &terminal, &cancel);
    terminal.finish();
    match outcome? {
        SweepOutcome::AlreadyComplete(path) => {
            if common.json {
                print_sweep_json(&path)?;
            } else if !common.quiet {
                println!("The sweep in {} is already complete.", path.display());
            }
        }
        SweepOutcome::Finished(path) => {
            if common.json {
                print_sweep_json(&path)?;
            } else if !common.quiet {
                println!("{}", plan.summary_line(&path));
            }
        }
    }
    Ok(())
}

/// Joins the shards of a sweep, a calibration wave or an ensemble, told apart by the files of
/// the first folder given.
pub fn merge(args: &MergeArgs) -> Result<()> {
    let cancel = stop_on_signals();
    let terminal = Terminal::new("shards", true);
    let kind = args.dirs.first().and_then(|d| {
        let bytes = std::fs::read(d.join("design.json")).ok()?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        v.get("kind")?.as_str().map(String::from)
    });
    let plots = !args.no_plots;
    let other = match kind.as_deref() {
        Some("calibration") => Some(("parameter sets of the calibration", {
            crate::sweep::calibration::merge_calibration(
                &args.dirs,
                args.out.clone(),
                args.force,
                plots,
                &terminal,
                &cancel,
            )?
        })),
        Some("ensemble") => Some(("parameter sets of the ensemble", {
            crate::sweep::ensemble::merge_ensemble(
                &args.dirs,
                args.out.clone(),
                args.force,
                plots,
                &terminal,
                &cancel,
            )?
        })),
        _ => None,
    };
    if let Some((what, (path, shards, sets))) = other {
        println!(
            "Merged {shards} shard{} ({sets} {what}) into {}",
            if shards == 1 { "" } else { "s" },
            path.display()
        );
        return Ok(());
    }
    let merged = sweep::merge(
        &MergeRequest {
            dirs: args.dirs.clone(),
            out: args.out.clone(),
            plots: !args.no_plots,
            force: args.force,
        },
        &terminal,
        &cancel,
    )?;
    println!(
        "Merged {} shard{} of {} points into {}",
        merged.shards,
        if merged.shards == 1 { "" } else { "s" },
        merged.points,
        merged.path.display()
    );
    Ok(())
}

/// Prints a finished sweep's `sweep.json`: the design and the results.
fn print_sweep_json(folder: &std::path::Path) -> Result<()> {
    let path = folder.join("sweep.json");
    let bytes = std::fs::read(&path).map_err(|e| crate::error::Error::Output {
        path: path.clone(),
        message: format!("cannot read the finished sweep: {e}"),
    })?;
    print!("{}", String::from_utf8_lossy(&bytes));
    Ok(())
}
