//! `check`: validate a scenario and print it resolved.

use std::path::Path;

use crate::error::Result;
use crate::scenario::{self, Override};

/// Validates the scenario with its `--set` overrides (its `[sweep]`, `[calibration]` and
/// `[sensitivity]` tables too) and prints it
/// resolved, every default filled in, as TOML.
pub fn check(path: &Path, set: &[String]) -> Result<()> {
    let source = scenario::load(path)?;
    let overrides = set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>>>()?;
    let resolved = source.resolve(&overrides)?;
    crate::memory::check_memory(&resolved, None, 1, path)?;
    crate::sweep::check_table(&source, &resolved, &overrides)?;
    if !resolved.calibration.param.is_empty() {
        crate::calibrate::uncertain_params(&source, &resolved, &overrides)?;
    }
    if !resolved.sensitivity.param.is_empty() {
        crate::sensitivity::factors(&source, &resolved, &overrides)?;
    }
    print!("{}", resolved.to_toml());
    Ok(())
}
