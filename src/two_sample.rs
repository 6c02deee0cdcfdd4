//! Two-sample tests that a change in how the random streams are consumed leaves the distributions
//! of the model's outputs as they were (issue 14's protocol for speed-ups that alter outputs for
//! a fixed seed): Kolmogorov–Smirnov for continuous outputs, the chi-square test of homogeneity
//! for categorical ones (success, failure modes), and Holm's step-down correction over the family
//! of tests; [`compare_runs`] applies them to two runs' `replications.csv`
//! (`examples/same_distribution.rs` from the command line).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A test's statistic and its p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Test {
    /// The statistic: D for Kolmogorov–Smirnov, X² for chi-square.
    pub statistic: f64,
    /// Degrees of freedom (chi-square; 0 for Kolmogorov–Smirnov).
    pub df: u32,
    /// The p-value under the hypothesis that both samples come from one distribution.
    pub p: f64,
}

/// The two-sample Kolmogorov–Smirnov test, with the asymptotic p-value and Stephens' small-sample
/// correction (`λ = (√n + 0.12 + 0.11/√n)·D`, n = n₁n₂/(n₁+n₂)); ties are handled by moving both
/// empirical distribution functions past a shared value together. NaNs are dropped.
pub fn kolmogorov_smirnov(a: &[f64], b: &[f64]) -> Test {
    let sorted = |x: &[f64]| {
        let mut v: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let (a, b) = (sorted(a), sorted(b));
    if a.is_empty() || b.is_empty() {
        return Test {
            statistic: 0.0,
            df: 0,
            p: 1.0,
        };
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    let n = (na * nb / (na + nb)).sqrt();
    let lambda = (n + 0.12 + 0.11 / n) * d;
    Test {
        statistic: d,
        df: 0,
        p: kolmogorov_q(lambda),
    }
}

/// `Q_KS(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}`, the Kolmogorov distribution's upper tail.
fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 1..=100 {
        let k = f64::from(k);
        let term = sign * (-2.0 * k * k * lambda * lambda).exp();
        sum += term;
        if term.abs() < 1e-12 * sum.abs() {
            break;
        }
        sign = -sign;
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// The chi-square test that two samples of a categorical output share one distribution: `a[c]`
/// and `b[c]` count category `c` in each. Categories empty in both are left out; the degrees of
/// freedom are the categories left, less one.
pub fn chi_square(a: &[u64], b: &[u64]) -> Test {
    let (na, nb) = (a.iter().sum::<u64>() as f64, b.iter().sum::<u64>() as f64);
    let mut statistic = 0.0;
    let mut categories = 0u32;
    for (&x, &y) in a.iter().zip(b) {
        let total = (x + y) as f64;
        if total == 0.0 {
            continue;
        }
        categories += 1;
        for (count, n) in [(x as f64, na), (y as f64, nb)] {
            let expected = total * n / (na + nb);
            statistic += (count - expected).powi(2) / expected;
        }
    }
    let df = categories.saturating_sub(1);
    let p = if df == 0 {
        1.0
    } else {
        upper_regularized_gamma(f64::from(df) / 2.0, statistic / 2.0)
    };
    Test { statistic, df, p }
}

/// `Q(s, x) = Γ(s, x)/Γ(s)`: by its series below `x < s + 1` and by Lentz's continued fraction
/// above (Numerical Recipes, §6.2).
fn upper_regularized_gamma(s: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let log_prefix = s * x.ln() - x - ln_gamma(s);
    if x < s + 1.0 {
        let (mut term, mut sum, mut a) = (1.0 / s, 1.0 / s, s);
        for _ in 0..1000 {
            a += 1.0;
            term *= x / a;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (1.0 - sum * log_prefix.exp()).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - s;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -f64::from(i) * (f64::from(i) - s);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let step = d * c;
            h *= step;
            if (step - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (log_prefix.exp() * h).clamp(0.0, 1.0)
    }
}

/// `ln Γ(s)` for `s > 0` (Lanczos, g = 7, nine coefficients; relative error below 1e-13).
fn ln_gamma(s: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if s < 0.5 {
        // Reflection: Γ(s)Γ(1 − s) = π / sin(πs).
        return (std::f64::consts::PI / (std::f64::consts::PI * s).sin()).ln() - ln_gamma(1.0 - s);
    }
    let s = s - 1.0;
    let mut x = G[0];
    for (k, g) in G.iter().enumerate().skip(1) {
        x += g / (s + k as f64);
    }
    let t = s + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (s + 0.5) * t.ln() - t + x.ln()
}

/// Holm's step-down procedure: which of the hypotheses with these p-values are rejected at
/// family-wise error rate `alpha`.
pub fn holm(p: &[f64], alpha: f64) -> Vec<bool> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut rejected = vec![false; p.len()];
    let m = p.len();
    for (rank, &i) in order.iter().enumerate() {
        if p[i] <= alpha / (m - rank) as f64 {
            rejected[i] = true;
        } else {
            break;
        }
    }
    rejected
}

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

/// The continuous outputs compared, per initiative.
const NUMBERS: [&str; 5] = [
    "peak_mandate",
    "peak_design",
    "peak_adoption",
    "final_routinised",
    "design_rounds",
];
/// The categorical outputs compared, per initiative.
const CATEGORIES: [&str; 2] = ["success", "failure_mode"];

/// Reads a run's `replications.csv` (or the folder holding it).
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

/// One output's test in a [`Comparison`].
#[derive(Debug, Clone)]
pub struct Compared {
    /// `<initiative> <column>`, or `gp_seats_filled_share`.
    pub output: String,
    /// The test and its p-value.
    pub test: Test,
    /// Whether Holm's procedure rejects "one distribution" for it.
    pub differs: bool,
}

/// The outcome of [`compare_runs`].
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Replications in each run.
    pub replications: [usize; 2],
    /// Every output's test, categorical ones first.
    pub outputs: Vec<Compared>,
}

impl Comparison {
    /// How many outputs differ.
    pub fn differing(&self) -> usize {
        self.outputs.iter().filter(|c| c.differs).count()
    }
}

/// Compares two runs' `replications.csv` (each given as the file or its folder): per initiative
/// success and failure mode by chi-square, the peak mandate, design and adoption, the final
/// routinised share and the design rounds by Kolmogorov–Smirnov, and per replication the share
/// of GP seats filled; Holm's procedure at family-wise error rate `alpha`.
pub fn compare_runs(before: &Path, after: &Path, alpha: f64) -> Result<Comparison, String> {
    let (a, b) = (read(before)?, read(after)?);
    let mut tests: Vec<(String, Test)> = Vec::new();
    for (key, counts) in &a.categories {
        let other = b.categories.get(key).cloned().unwrap_or_default();
        let names: BTreeSet<&String> = counts.keys().chain(other.keys()).collect();
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
    let outputs = tests
        .into_iter()
        .zip(holm(&p, alpha))
        .map(|((output, test), differs)| Compared {
            output,
            test,
            differs,
        })
        .collect();
    Ok(Comparison {
        replications: [a.seats.len(), b.seats.len()],
        outputs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn ln_gamma_and_the_chi_square_tail_match_known_values() {
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
        // Chi-square upper tails: 3.841 at 1 df and 11.070 at 5 df are the 5% points; 6.635 at
        // 1 df the 1% point; 2 df is exactly exp(-x/2).
        assert!((upper_regularized_gamma(0.5, 3.841_459 / 2.0) - 0.05).abs() < 1e-6);
        assert!((upper_regularized_gamma(2.5, 11.070_498 / 2.0) - 0.05).abs() < 1e-6);
        assert!((upper_regularized_gamma(0.5, 6.634_897 / 2.0) - 0.01).abs() < 1e-6);
        assert!((upper_regularized_gamma(1.0, 3.0) - (-3f64).exp()).abs() < 1e-12);
    }

    #[test]
    fn the_kolmogorov_tail_matches_its_tabulated_points() {
        // λ = 1.358 is the 5% point, 1.628 the 1% point.
        assert!((kolmogorov_q(1.358_1) - 0.05).abs() < 5e-4);
        assert!((kolmogorov_q(1.627_6) - 0.01).abs() < 2e-4);
    }

    /// Share of `trials` two-sample tests rejected at 5%, samples of `n` drawn by `draw_a` and
    /// `draw_b`.
    fn rejection_rate(
        trials: u64,
        n: usize,
        draw_a: impl Fn(&mut ChaCha8Rng) -> f64,
        draw_b: impl Fn(&mut ChaCha8Rng) -> f64,
    ) -> f64 {
        let mut rejected = 0;
        for t in 0..trials {
            let mut rng = ChaCha8Rng::seed_from_u64(t);
            let a: Vec<f64> = (0..n).map(|_| draw_a(&mut rng)).collect();
            let b: Vec<f64> = (0..n).map(|_| draw_b(&mut rng)).collect();
            rejected += u64::from(kolmogorov_smirnov(&a, &b).p < 0.05);
        }
        rejected as f64 / trials as f64
    }

    #[test]
    fn kolmogorov_smirnov_holds_its_level_and_sees_a_shift() {
        let uniform = |r: &mut ChaCha8Rng| r.random::<f64>();
        let level = rejection_rate(400, 500, uniform, uniform);
        assert!((0.02..0.08).contains(&level), "level {level}");
        // Ties, as in shares of 40 practices: the test must not reject more often for them.
        let lumpy = |r: &mut ChaCha8Rng| (r.random::<f64>() * 40.0).floor() / 40.0;
        let tied = rejection_rate(400, 500, lumpy, lumpy);
        assert!(tied < 0.08, "with ties {tied}");
        let shifted = rejection_rate(100, 500, uniform, |r| r.random::<f64>() * 0.85);
        assert!(shifted > 0.9, "power {shifted}");
    }

    #[test]
    fn chi_square_holds_its_level_and_sees_a_changed_share() {
        let draw = |rng: &mut ChaCha8Rng, shares: [f64; 3], n: usize| {
            let mut counts = [0u64; 4];
            for _ in 0..n {
                let u: f64 = rng.random();
                let c = if u < shares[0] {
                    0
                } else if u < shares[0] + shares[1] {
                    1
                } else {
                    2
                };
                counts[c] += 1;
            }
            counts
        };
        let (mut same, mut changed) = (0, 0);
        for t in 0..400 {
            let mut rng = ChaCha8Rng::seed_from_u64(t);
            let a = draw(&mut rng, [0.4, 0.35, 0.25], 1000);
            let b = draw(&mut rng, [0.4, 0.35, 0.25], 1000);
            let c = draw(&mut rng, [0.47, 0.28, 0.25], 1000);
            // The fourth category is empty in both: it adds no degree of freedom.
            assert_eq!(chi_square(&a, &b).df, 2);
            same += u64::from(chi_square(&a, &b).p < 0.05);
            changed += u64::from(chi_square(&a, &c).p < 0.05);
        }
        let (level, power) = (same as f64 / 400.0, changed as f64 / 400.0);
        assert!((0.02..0.08).contains(&level), "level {level}");
        assert!(power > 0.8, "power {power}");
    }

    #[test]
    fn holm_rejects_step_down_from_the_smallest_p() {
        assert_eq!(
            holm(&[0.001, 0.04, 0.012, 0.5], 0.05),
            [true, false, true, false]
        );
        assert_eq!(holm(&[0.03, 0.04], 0.05), [false, false]);
        assert_eq!(holm(&[0.02, 0.025], 0.05), [true, true]);
    }
}
