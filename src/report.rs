//! Reports: the plots and the self-contained `index.html` of each output folder, and `demo`.

use clap::Args;

use crate::cli::RunResult;
use crate::error::{Error, Result};
use crate::output::OutputDir;
use crate::scenario::Scenario;

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {}

/// Writes the plots and `index.html` of a `run`.
pub fn write_run_report(_dir: &OutputDir, _s: &Scenario, _result: &RunResult) -> Result<()> {
    Ok(())
}

/// The classroom demo.
pub fn demo(_args: &DemoArgs) -> Result<()> {
    Err(Error::Merge("demo is being built".into()))
}

/// Writes the arena experiment's chart (success by cell with interval bars, verdict in the
/// caption) and its `index.html`.
pub fn write_arena_report(
    _dir: &OutputDir,
    _s: &Scenario,
    _exp: &crate::experiment::ArenaExperiment,
) -> Result<()> {
    Ok(())
}

/// Writes the timing experiment's chart and its `index.html`.
pub fn write_timing_report(
    _dir: &OutputDir,
    _s: &Scenario,
    _exp: &crate::experiment::TimingExperiment,
) -> Result<()> {
    Ok(())
}
