//! `check`: validate a scenario and print it resolved, or what it changes from its parent.

use std::path::Path;

use crate::error::Result;
use crate::scenario::{self, Difference, Override, Scenario};

/// Validates the scenario with its `--set` overrides (its `[sweep]`, `[calibration]` and
/// `[sensitivity]` tables too) and prints it resolved, every default filled in, as TOML; with
/// `diff`, prints only what it changes from the file it extends (resolved alone, without the
/// overrides) or, if it extends none, from the built-in defaults.
pub fn check(path: &Path, set: &[String], diff: bool) -> Result<()> {
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
    super::warn(&source, &resolved);
    if !diff {
        print!("{}", resolved.to_toml());
        return Ok(());
    }
    let (parent, against) = match &source.parent {
        Some(p) => (scenario::load(p)?.resolve(&[])?, p.display().to_string()),
        None => (Scenario::default(), "the built-in defaults".to_string()),
    };
    print!(
        "{}",
        render_diff(&path.display().to_string(), &against, &parent, &resolved)
    );
    Ok(())
}

/// The differences as text: a heading line, then one line per difference, each a `--set` path;
/// a changed value shows the parent's after `#`, an added element its whole table.
fn render_diff(child: &str, against: &str, parent: &Scenario, resolved: &Scenario) -> String {
    let differences = scenario::differences(parent, resolved);
    let mut out = format!(
        "# {child} against {against}: {} difference{}\n",
        differences.len(),
        if differences.len() == 1 { "" } else { "s" }
    );
    for d in differences {
        let line = match d {
            Difference::Changed {
                path,
                parent,
                child,
            } => format!("{path} = {child}  # was {parent}"),
            Difference::Added { path, value } => format!("{path} = {value}  # added"),
            Difference::Removed { path } => format!("{path}  # removed"),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}
