//! Parameter sweeps: grid and Latin-hypercube designs, shards, merge and resume.

use std::path::PathBuf;

use clap::Args;

use crate::cli::Common;
use crate::error::{Error, Result};

/// Arguments of `sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    #[command(flatten)]
    pub common: Common,
}

/// Arguments of `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard output folders.
    pub dirs: Vec<PathBuf>,
}

/// Runs a sweep.
pub fn sweep(_args: &SweepArgs) -> Result<()> {
    Err(Error::Merge("sweep is being built".into()))
}

/// Joins shard outputs.
pub fn merge(_args: &MergeArgs) -> Result<()> {
    Err(Error::Merge("merge is being built".into()))
}
