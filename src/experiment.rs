//! The experiments of MODEL.md §8: the arena factorial with the knockouts, and timing.

use clap::Subcommand;

use crate::error::{Error, Result};

/// The experiment subcommands.
#[derive(Debug, Subcommand)]
pub enum ExperimentCommand {}

/// Runs an experiment.
pub fn command(_c: &ExperimentCommand) -> Result<()> {
    Err(Error::Merge("experiments are being built".into()))
}
