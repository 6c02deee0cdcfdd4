//! `sensitivity morris|sobol`: global sensitivity analysis over the `[sensitivity]` table.

use std::time::Instant;

use crate::cli::{SensitivityCommand, Terminal, stop_on_signals};
use crate::error::Result;
use crate::{runner, sensitivity};

/// Runs `sensitivity morris` or `sensitivity sobol`.
pub fn sensitivity(command: &SensitivityCommand) -> Result<()> {
    let (args, sobol, extra) = command.parts();
    let common = &args.common;
    let (source, s) = super::load(common, &args.scenario, 1, &extra)?;
    let mut overrides = common.overrides()?;
    overrides.extend(extra);
    if args.all_params {
        let all = crate::scenario::all_model_params(&source, &overrides)?;
        overrides.push(crate::scenario::Override::new(
            "sensitivity.param",
            all,
            crate::scenario::Origin::Flag("--all-params".into()),
        ));
    }
    let s = if args.all_params {
        source.resolve(&overrides)?
    } else {
        s
    };
    // Check the table, the method and the output before claiming the folder, so bad input
    // costs nothing.
    sensitivity::factors(&source, &s, &overrides)?;
    let method = sensitivity::method(&s, sobol)?;
    sensitivity::quantity(&args.output, &s)?;
    let cancel = stop_on_signals();
    let dir = super::claim(
        &common.out_dir(&s, "-sensitivity"),
        common.force,
        &source.path,
    )?;
    let pool = runner::pool(common.threads);
    let terminal = Terminal::new("design points", common.quiet || common.json);
    let started = Instant::now();
    let t = &s.sensitivity;
    let result = pool.install(|| {
        sensitivity::analyse(
            &source,
            &overrides,
            method,
            &args.output,
            t.replications,
            t.bootstrap,
            &terminal,
            &cancel,
        )
    })?;
    terminal.finish();
    let elapsed = started.elapsed().as_secs_f64();
    sensitivity::write_files(&dir, &result)?;
    if !common.no_plots && s.output.plots {
        sensitivity::write_report(&dir, &s, &result)?;
    }
    cancel.check()?;
    let target = super::commit(dir)?;
    if common.json {
        super::print_json(&result.summary);
    } else {
        print!("{}", sensitivity::table(&result.summary));
        println!(
            "\n{} design points × {} replications in {elapsed:.1} s",
            result.summary.points, result.summary.replications
        );
        println!("Results in {}", target.display());
    }
    Ok(())
}
