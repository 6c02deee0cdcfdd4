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
