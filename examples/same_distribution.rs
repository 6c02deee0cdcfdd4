//! Do two runs draw their outputs from one distribution? The check issue 14 asks of a speed-up
//! that changes how the random streams are consumed: run the same scenario with the build before
//! and the build after (or with two seeds, to see the check hold its level), then
//!
//! ```text
//! cargo run --release --example same_distribution -- BEFORE AFTER [--alpha 0.01]
//! ```
//!
//! where BEFORE and AFTER are `run` output folders (or their `replications.csv`). Per initiative
//! it tests success and the failure mode (chi-square of homogeneity), and the peak mandate,
//! design and adoption, the final routinised share and the design rounds (two-sample
//! Kolmogorov–Smirnov); per replication the share of GP seats filled. Holm's procedure keeps the
//! family-wise error rate at `--alpha` (default 0.01). Exit 0 when no test rejects, 1 when one
//! does, 2 on bad input.

use std::path::PathBuf;
use std::process::ExitCode;

use redesign_sim::two_sample::compare_runs;

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
        } else {
            paths.push(a.into());
        }
    }
    let [before, after] = paths.as_slice() else {
        eprintln!("usage: same_distribution BEFORE AFTER [--alpha 0.01]");
        return ExitCode::from(2);
    };
    let comparison = match compare_runs(before, after, alpha) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let [n_before, n_after] = comparison.replications;
    println!(
        "{} tests, {n_before} and {n_after} replications, Holm at family-wise alpha {alpha}",
        comparison.outputs.len()
    );
    println!(
        "{:<42} {:>10} {:>4} {:>9}  verdict",
        "output", "statistic", "df", "p"
    );
    for c in &comparison.outputs {
        let kind = if c.test.df == 0 { "KS D" } else { "X2" };
        println!(
            "{:<42} {:>10.4} {:>4} {:>9.4}  {} ({kind})",
            c.output,
            c.test.statistic,
            c.test.df,
            c.test.p,
            if c.differs { "DIFFERS" } else { "same" }
        );
    }
    match comparison.differing() {
        0 => {
            println!("no output's distribution differs");
            ExitCode::SUCCESS
        }
        n => {
            println!("{n} output(s) differ");
            ExitCode::from(1)
        }
    }
}
