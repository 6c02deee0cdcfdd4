//! `calibrate`: history matching over the scenario's `[calibration]` table.

use crate::calibrate::{self, targets};
use crate::cli::{CalibrateArgs, Terminal, stop_on_signals};
use crate::error::{Error, Result};
use crate::{output, report, runner, tables};

/// Runs `calibrate`.
pub fn calibrate(args: &CalibrateArgs) -> Result<()> {
    let common = &args.common;
    let extra = args.budget_overrides();
    let (source, s) = super::load(common, &args.scenario, 1, &extra)?;
    let targets = match &args.targets {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::Argument {
                flag: "--targets",
                arg: path.display().to_string(),
                message: format!("cannot be read: {e}"),
            })?;
            targets::parse(&text, &path.display().to_string())?
        }
        None => targets::parse(targets::BUILT_IN, "built-in docs/calibration_targets.toml")?,
    };
    let mut overrides = common.overrides()?;
    overrides.extend(extra);
    // Check the table before claiming the folder, so bad input costs nothing.
    calibrate::uncertain_params(&source, &s, &overrides)?;
    let cancel = stop_on_signals();
    let dir = super::claim(
        &common.out_dir(&s, "-calibration"),
        common.force,
        &source.path,
    )?;
    let pool = runner::pool(common.threads);
    let terminal = Terminal::new("parameter sets", common.quiet || common.json);
    let result =
        pool.install(|| calibrate::calibrate(&source, &overrides, &targets, &terminal, &cancel))?;
    terminal.finish();
    output::write_calibration_files(&dir, &result)?;
    if !common.no_plots && s.output.plots {
        report::write_calibration_report(&dir, &s, &result)?;
    }
    cancel.check()?;
    let target = super::commit(dir)?;
    if common.json {
        super::print_json(&result.summary);
    } else {
        print!("{}", tables::calibration_table(&result.summary));
        println!("\nResults in {}", target.display());
    }
    Ok(())
}
