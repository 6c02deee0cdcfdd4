//! `calibrate`: history matching over the scenario's `[calibration]` table, on the sweep
//! machinery (`--threads`, `--shard`, `--resume`, `merge`).

use crate::calibrate::{self, targets};
use crate::cli::{CalibrateArgs, Terminal, stop_on_signals};
use crate::error::{Error, Result};
use crate::sweep::Shard;
use crate::sweep::calibration::{CalibrateOutcome, CalibrateRequest};
use crate::tables;

/// Runs `calibrate`.
pub fn calibrate(args: &CalibrateArgs) -> Result<()> {
    let common = &args.common;
    let extra = args.budget_overrides();
    let (source, s) = super::load(common, &args.scenario, 1, &extra)?;
    let (name, text) = match &args.targets {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::Argument {
                flag: "--targets",
                arg: path.display().to_string(),
                message: format!("cannot be read: {e}"),
            })?;
            (path.display().to_string(), text)
        }
        None => (
            "built-in docs/calibration_targets.toml".to_string(),
            targets::BUILT_IN.to_string(),
        ),
    };
    let parsed = targets::parse(&text, &name)?;
    let mut overrides = common.overrides()?;
    overrides.extend(extra);
    // Check the table before claiming the folder, so bad input costs nothing.
    let params = calibrate::uncertain_params(&source, &s, &overrides)?;
    calibrate::check_targets(&s, &parsed)?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    if args.dry_run {
        if !common.quiet {
            let b = calibrate::budget(&s);
            println!(
                "Calibration of {}: {} uncertain parameters, {} targets, {} sets × {} \
                 replications per wave, up to {} waves{}.",
                s.simulation.name,
                params.len(),
                parsed.len(),
                b.sets,
                b.replications,
                b.waves,
                shard.map_or(String::new(), |sh| format!(
                    "; shard {}/{} of the last wave",
                    sh.index, sh.count
                ))
            );
        }
        return Ok(());
    }
    let req = CalibrateRequest {
        scenario: args.scenario.clone(),
        overrides,
        targets: (name, text),
        shard,
        resume: args.resume,
        from: args.from.clone(),
        threads: common.threads,
        out: common.out.clone(),
        force: common.force,
        plots: !common.no_plots,
    };
    let cancel = stop_on_signals();
    let terminal = Terminal::new("parameter sets", common.quiet || common.json);
    let outcome = crate::sweep::calibration::run(&req, &terminal, &cancel);
    terminal.finish();
    match outcome? {
        CalibrateOutcome::Finished(path, c) => {
            if common.json {
                super::print_json(&*c);
            } else if !common.quiet {
                print!("{}", tables::calibration_table(&c));
                println!("\nResults in {}", path.display());
            }
        }
        CalibrateOutcome::AlreadyComplete(path) => {
            if common.json {
                print_file(&path.join("calibration.json"))?;
            } else if !common.quiet {
                println!("The calibration in {} is already complete.", path.display());
            }
        }
        CalibrateOutcome::Shard(path, sh) => {
            if !common.quiet {
                println!(
                    "Shard {}/{} of the calibration's last wave: results in {}\nJoin the \
                     shards with `redesign-sim merge`.",
                    sh.index,
                    sh.count,
                    path.display()
                );
            }
        }
    }
    Ok(())
}

/// Prints a finished folder's JSON file as it is.
pub(super) fn print_file(path: &std::path::Path) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| Error::Output {
        path: path.to_path_buf(),
        message: format!("cannot read the finished run: {e}"),
    })?;
    print!("{}", String::from_utf8_lossy(&bytes));
    Ok(())
}
