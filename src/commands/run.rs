//! `run`: a Monte Carlo of one scenario.

use std::path::Path;

use crate::cli::{Common, Terminal, stop_on_signals};
use crate::error::Result;
use crate::output::{self, ReplicationFile};
use crate::{report, runner, stats, tables};

/// Runs a scenario's replications, writes its folder whole and prints the table or the JSON.
pub fn run(path: &Path, common: &Common) -> Result<()> {
    let (source, s) = super::load(common, path, 1, &[])?;
    let cancel = stop_on_signals();
    let dir = super::claim(&common.out_dir(&s, ""), common.force, &source.path)?;
    let pool = runner::pool(common.threads);
    let terminal = Terminal::new("replications", common.quiet || common.json);
    let mut rows = ReplicationFile::open(&dir, &s)?;
    let result =
        pool.install(|| stats::simulate(&s, 0, &terminal, &cancel, |i, o| rows.push(&s, 0, i, o)))?;
    terminal.finish();
    rows.finish()?;
    output::write_run_files(&dir, &s, &result)?;
    if s.output.plots && !common.no_plots {
        report::write_run_report(&dir, &s, &result)?;
    }
    // The last look: a signal during the writing keeps the previous outputs too.
    cancel.check()?;
    let target = super::commit(dir)?;
    if common.json {
        super::print_json(&result.summary);
    } else {
        print!("{}", tables::summary_table(&result.summary));
        println!("\nResults in {}", target.display());
    }
    Ok(())
}
