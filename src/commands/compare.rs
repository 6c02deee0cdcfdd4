//! `compare`: scenarios on the same areas, paired differences from the first.

use crate::cli::{CompareArgs, Terminal, stop_on_signals};
use crate::error::Result;
use crate::output::{self, Claim, OutputDir};
use crate::{compare as library, report, runner, scenario, tables};

/// Runs `compare`.
pub fn compare(args: &CompareArgs) -> Result<()> {
    let common = &args.common;
    let first = &args.scenarios[0];
    // Validates every file and the common options, and checks the memory the first needs.
    let (_, s) = super::load(common, first, args.scenarios.len() as u64, &[])?;
    let sources = args
        .scenarios
        .iter()
        .map(|p| scenario::load(p))
        .collect::<Result<Vec<_>>>()?;
    let overrides = common.overrides()?;
    for src in &sources[1..] {
        let other = src.resolve(&overrides)?;
        super::warn(src, &other);
    }
    let cancel = stop_on_signals();
    let claim = Claim {
        force: common.force,
        keep: args.scenarios.clone(),
    };
    let dir = OutputDir::claim_observed(
        &common.out_dir(&s, "-compare"),
        &claim,
        &Terminal::new("", true),
    )?;
    let pool = runner::pool(common.threads);
    let terminal = Terminal::new("replications", common.quiet || common.json);
    let result = pool.install(|| library::compare(&sources, &overrides, &terminal, &cancel))?;
    terminal.finish();
    output::write_compare_files(&dir, &result)?;
    if !common.no_plots && s.output.plots {
        report::write_compare_report(&dir, &result)?;
    }
    cancel.check()?;
    let target = super::commit(dir)?;
    if common.json {
        super::print_json(&result);
    } else {
        print!("{}", tables::compare_table(&result));
        println!("\nResults in {}", target.display());
    }
    Ok(())
}
