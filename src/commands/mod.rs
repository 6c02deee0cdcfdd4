//! The commands: each loads its scenario, calls the library, writes outputs and pages, and
//! prints. They parse nothing (`cli` has done that) and decide little.

mod calibrate;
mod check;
mod compare;
mod demo;
mod experiment;
mod params;
mod run;
mod sensitivity;
mod story;
mod sweep;

use std::path::{Path, PathBuf};

use clap::Parser;

use crate::cli::{Cli, Command, Common, MAX_THREADS, Terminal};
use crate::error::{Error, Result};
use crate::output::{Claim, OutputDir};
use crate::scenario::{self, Scenario, ScenarioSource};

pub use params::params;

/// Parses the command line and runs the command.
pub fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Run { scenario, common } => run::run(&scenario, &common),
        Command::Experiment(command) => experiment::experiment(&command),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Calibrate(args) => calibrate::calibrate(&args),
        Command::Compare(args) => compare::compare(&args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut cmd, "redesign-sim", &mut text);
            print_bytes(&text)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            // Rendering into memory cannot fail.
            let _ = clap_mangen::Man::new(cmd).render(&mut text);
            print_bytes(&text)
        }
        Command::Sensitivity(command) => sensitivity::sensitivity(&command),
        Command::Merge(args) => sweep::merge(&args),
        Command::Demo(args) => demo::demo(&args),
        Command::Story(args) => story::story(&args),
        Command::Check {
            scenario,
            set,
            diff,
        } => check::check(&scenario, &set, diff),
        Command::Params { json, salib } if !salib.is_empty() => {
            print!("{}", params::salib(&salib)?);
            let _ = json;
            Ok(())
        }
        Command::Params { json, .. } => {
            print!("{}", params(json));
            Ok(())
        }
    }
}

/// Loads and resolves the scenario with the common options, for a command that holds `runs`
/// runs of it at once (the cells of an experiment), and checks the memory that needs.
fn load(
    common: &Common,
    path: &Path,
    runs: u64,
    extra: &[crate::scenario::Override],
) -> Result<(ScenarioSource, Scenario)> {
    check_threads(common.threads)?;
    let source = scenario::load(path)?;
    let mut overrides = common.overrides()?;
    overrides.extend_from_slice(extra);
    let s = source.resolve(&overrides)?;
    crate::memory::check_memory(&s, common.threads, runs, path)?;
    warn(&source, &s);
    Ok((source, s))
}

/// Prints on standard error what in the scenario is valid but probably not what was meant.
fn warn(source: &ScenarioSource, s: &Scenario) {
    for w in source.warnings(s) {
        eprintln!("warning: {w}");
    }
}

/// Refuses a `--threads` above [`MAX_THREADS`].
fn check_threads(threads: Option<usize>) -> Result<()> {
    match threads.filter(|&t| t > MAX_THREADS) {
        Some(t) => Err(Error::Argument {
            flag: "--threads",
            arg: t.to_string(),
            message: format!("must be at most {MAX_THREADS} (0 or absent: all cores)"),
        }),
        None => Ok(()),
    }
}

/// Claims an output folder before any work, saying what was cleaned up of stopped runs.
fn claim(target: &Path, force: bool, scenario: &Path) -> Result<OutputDir> {
    let claim = Claim {
        force,
        keep: vec![scenario.to_path_buf()],
    };
    OutputDir::claim_observed(target, &claim, &Terminal::new("", true))
}

/// Puts a finished output folder in place, saying where the previous one went when it held
/// files the tool did not write.
fn commit(dir: OutputDir) -> Result<PathBuf> {
    dir.commit_observed(&Terminal::new("", true))
}

/// Writes generated text to standard output; a reader that stops early (`| head`) is not an
/// error.
fn print_bytes(text: &[u8]) -> Result<()> {
    use std::io::Write;
    match std::io::stdout().write_all(text) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output {
            path: PathBuf::from("-"),
            message: format!("cannot write to standard output: {e}"),
        }),
        _ => Ok(()),
    }
}

/// Prints a value as pretty JSON on stdout.
fn print_json<T: serde::Serialize>(value: &T) {
    print!("{}", String::from_utf8_lossy(&crate::output::json(value)));
}
