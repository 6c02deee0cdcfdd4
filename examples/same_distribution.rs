//! Do two runs draw their outputs from one distribution? The check issue 14 asks of a speed-up
//! that changes how the random streams are consumed: run the same scenario with the build before
//! and the build after (or with two sets of seeds, to see the check hold its level), then
//!
//! ```text
//! cargo run --release --example same_distribution -- BEFORE AFTER [--alpha 0.01]
//! ```
//!
//! where BEFORE and AFTER are each a `run` output folder (or its `replications.csv`), or a folder
//! of run folders: batches, the same scenario under different seeds (`before/s1` … `before/s20`;
//! `scripts/same-distribution.sh` makes them). Replications are pooled over the batches. Per
//! initiative it tests success and the failure mode (chi-square of homogeneity), and the peak
//! mandate, design and adoption, the final routinised share and the design rounds (two-sample
//! Kolmogorov–Smirnov); per replication the share of GP seats filled. With at least two batches a
//! side it also tests each survey share at each survey month (from the batches' `summary.json`):
//! one value per batch, compared by Welch's t-test, since the survey is not in
//! `replications.csv`. Holm's procedure keeps the family-wise error rate at `--alpha` (default
//! 0.01) over all the tests. Exit 0 when no test rejects, 1 when one does, 2 on bad input
//! (missing files, batches of different scenarios or survey months, values that are not numbers).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use redesign_sim::two_sample::{Comparison, Kind, MIN_BATCHES, compare_runs};

/// The usage line.
const USAGE: &str = "usage: same_distribution BEFORE AFTER [--alpha 0.01]\n  \
    BEFORE, AFTER: a `run` output folder, its replications.csv, or a folder of run folders \
    (batches: one scenario under different seeds; survey shares are compared with at least 2 \
    batches a side)";

fn main() -> ExitCode {
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut alpha = 0.01;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--alpha" {
            match args.next().and_then(|v| v.parse::<f64>().ok()) {
                Some(v) if v > 0.0 && v < 1.0 => alpha = v,
                _ => {
                    eprintln!("error: --alpha needs a number in (0, 1)");
                    return ExitCode::from(2);
                }
            }
        } else if a == "-h" || a == "--help" {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        } else if a.starts_with('-') {
            eprintln!("error: unknown option `{a}`\n{USAGE}");
            return ExitCode::from(2);
        } else {
            paths.push(a.into());
        }
    }
    let [before, after] = paths.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let comparison = match compare_runs(before, after, alpha) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let code = match comparison.differing() {
        0 => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    };
    // Written whole at the end, so a closed pipe (`| head`) ends the report quietly.
    let text = report(&comparison, alpha).expect("formatting into a String cannot fail");
    let _closed_pipe = std::io::stdout().lock().write_all(text.as_bytes());
    code
}

/// The report: one line per test, then the verdict.
fn report(comparison: &Comparison, alpha: f64) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    let [n_before, n_after] = comparison.replications;
    let [b_before, b_after] = comparison.batches;
    let batches = |b: usize| match b {
        0 => "one run".to_string(),
        1 => "1 batch".to_string(),
        b => format!("{b} batches"),
    };
    writeln!(
        out,
        "{} tests, {n_before} and {n_after} replications ({} and {}), Holm at family-wise alpha \
         {alpha}",
        comparison.outputs.len(),
        batches(b_before),
        batches(b_after)
    )?;
    if !comparison.survey_compared {
        writeln!(
            out,
            "survey shares not compared: they need at least {MIN_BATCHES} batches a side \
             (BEFORE and AFTER as folders of run folders under different seeds)"
        )?;
    }
    writeln!(
        out,
        "{:<48} {:>10} {:>7} {:>9}  verdict",
        "output", "statistic", "df", "p"
    )?;
    for c in &comparison.outputs {
        let (kind, df) = match c.test.kind {
            Kind::ChiSquare => ("X2", format!("{:.0}", c.test.df)),
            Kind::KolmogorovSmirnov => ("KS D", "-".to_string()),
            Kind::Welch => ("Welch t", format!("{:.1}", c.test.df)),
        };
        writeln!(
            out,
            "{:<48} {:>10.4} {df:>7} {:>9.4}  {} ({kind})",
            c.output,
            c.test.statistic,
            c.test.p,
            if c.differs { "DIFFERS" } else { "same" }
        )?;
    }
    match comparison.differing() {
        0 => writeln!(out, "no output's distribution differs")?,
        n => writeln!(out, "{n} output(s) differ")?,
    }
    Ok(out)
}
