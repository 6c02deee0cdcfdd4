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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use redesign_sim::two_sample::{Test, chi_square, holm, kolmogorov_smirnov};

/// One run's rows: per initiative, per column, the values; and per replication the seats share.
#[derive(Default)]
struct Rows {
    /// (initiative, column) → values in file order.
    numbers: BTreeMap<(String, String), Vec<f64>>,
    /// (initiative, column) → category → count.
    categories: BTreeMap<(String, String), BTreeMap<String, u64>>,
    /// Per replication (its first row), the share of GP seats filled.
    seats: Vec<f64>,
}

const NUMBERS: [&str; 5] = [
    "peak_mandate",
    "peak_design",
    "peak_adoption",
    "final_routinised",
    "design_rounds",
];
const CATEGORIES: [&str; 2] = ["success", "failure_mode"];

fn read(path: &Path) -> Result<Rows, String> {
    let file = if path.is_dir() {
        path.join("replications.csv")
    } else {
        path.to_path_buf()
    };
    let mut reader =
        csv::Reader::from_path(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let header = reader
        .headers()
        .map_err(|e| format!("{}: {e}", file.display()))?
        .clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("{}: no column `{name}`", file.display()))
    };
    let initiative = column("initiative")?;
    let replication = column("replication")?;
    let seats = column("gp_seats_filled_share")?;
    let mut rows = Rows::default();
    let mut last_replication = None;
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("{}: {e}", file.display()))?;
        let at = |c: usize| record.get(c).unwrap_or_default();
        let number = |c: usize| -> Result<f64, String> {
            let text = at(c);
            if text.is_empty() {
                return Ok(f64::NAN);
            }
            text.parse().map_err(|_| {
                format!(
                    "{}, line {}: `{}` must be a number, found `{text}`",
                    file.display(),
                    line + 2,
                    header.get(c).unwrap_or_default()
                )
            })
        };
        let init = at(initiative).to_string();
        for name in NUMBERS {
            let value = number(column(name)?)?;
            rows.numbers
                .entry((init.clone(), name.to_string()))
                .or_default()
                .push(value);
        }
        for name in CATEGORIES {
            *rows
                .categories
                .entry((init.clone(), name.to_string()))
                .or_default()
                .entry(at(column(name)?).to_string())
                .or_default() += 1;
        }
        let rep = at(replication).to_string();
        if last_replication.as_ref() != Some(&rep) {
            rows.seats.push(number(seats)?);
            last_replication = Some(rep);
        }
    }
    Ok(rows)
}

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
    let (a, b) = match (read(before), read(after)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut tests: Vec<(String, Test)> = Vec::new();
    for (key, counts) in &a.categories {
        let other = b.categories.get(key).cloned().unwrap_or_default();
        let names: std::collections::BTreeSet<&String> =
            counts.keys().chain(other.keys()).collect();
        let x: Vec<u64> = names
            .iter()
            .map(|n| counts.get(*n).copied().unwrap_or(0))
            .collect();
        let y: Vec<u64> = names
            .iter()
            .map(|n| other.get(*n).copied().unwrap_or(0))
            .collect();
        tests.push((format!("{} {}", key.0, key.1), chi_square(&x, &y)));
    }
    for (key, values) in &a.numbers {
        let other = b.numbers.get(key).map(Vec::as_slice).unwrap_or_default();
        tests.push((
            format!("{} {}", key.0, key.1),
            kolmogorov_smirnov(values, other),
        ));
    }
    tests.push((
        "gp_seats_filled_share".into(),
        kolmogorov_smirnov(&a.seats, &b.seats),
    ));
    let p: Vec<f64> = tests.iter().map(|(_, t)| t.p).collect();
    let rejected = holm(&p, alpha);
    println!(
        "{} tests, {} and {} replications, Holm at family-wise alpha {alpha}",
        tests.len(),
        a.seats.len(),
        b.seats.len()
    );
    println!(
        "{:<42} {:>10} {:>4} {:>9}  verdict",
        "output", "statistic", "df", "p"
    );
    for ((name, t), &r) in tests.iter().zip(&rejected) {
        let kind = if t.df == 0 { "KS D" } else { "X2" };
        println!(
            "{name:<42} {:>10.4} {:>4} {:>9.4}  {} ({kind})",
            t.statistic,
            t.df,
            t.p,
            if r { "DIFFERS" } else { "same" }
        );
    }
    let n = rejected.iter().filter(|&&r| r).count();
    println!(
        "{}",
        if n == 0 {
            "no output's distribution differs".to_string()
        } else {
            format!("{n} output(s) differ")
        }
    );
    if n == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
