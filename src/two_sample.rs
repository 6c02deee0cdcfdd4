//! Two-sample tests that a change in how the random streams are consumed leaves the distributions
//! of the model's outputs as they were (issue 14's protocol for speed-ups that alter outputs for
//! a fixed seed): Kolmogorov–Smirnov for continuous outputs, the chi-square test of homogeneity
//! for categorical ones (success, failure modes), and Holm's step-down correction over the family
//! of tests; [`compare_runs`] applies them to two runs' `replications.csv`
//! (`examples/same_distribution.rs` from the command line). Given two folders of batches (one
//! scenario run under several seeds), it also compares the virtual survey's shares, one value per
//! batch, by Welch's two-sample t-test: `replications.csv` does not carry the survey, and a
//! batch's share pooled over its replications is what `summary.json` reports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Which test produced a [`Test`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The chi-square test of homogeneity.
    ChiSquare,
    /// The two-sample Kolmogorov–Smirnov test.
    KolmogorovSmirnov,
    /// Welch's two-sample t-test.
    Welch,
}

/// A test's statistic and its p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Test {
    /// Which test it is.
    pub kind: Kind,
    /// The statistic: D for Kolmogorov–Smirnov, X² for chi-square, t for Welch.
    pub statistic: f64,
    /// Degrees of freedom (chi-square, and Welch–Satterthwaite's for Welch; 0 for
    /// Kolmogorov–Smirnov).
    pub df: f64,
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
            kind: Kind::KolmogorovSmirnov,
            statistic: 0.0,
            df: 0.0,
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
        kind: Kind::KolmogorovSmirnov,
        statistic: d,
        df: 0.0,
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
    Test {
        kind: Kind::ChiSquare,
        statistic,
        df: f64::from(df),
        p,
    }
}

/// Welch's two-sample t-test that two samples share one mean, not assuming equal variances:
/// `t = (x̄ₐ − x̄ᵦ)/√(sₐ²/nₐ + sᵦ²/nᵦ)` with the Welch–Satterthwaite degrees of freedom and the
/// two-sided p-value from Student's t. NaNs are dropped. With fewer than two values on a side
/// there is no variance to test against: the result is t = 0, p = 1 (callers require two). Two
/// samples without spread are the same (p = 1) when their means agree and differ (p = 0)
/// otherwise.
pub fn welch(a: &[f64], b: &[f64]) -> Test {
    let moments = |x: &[f64]| {
        let v: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (n, mean, var)
    };
    let ((na, ma, va), (nb, mb, vb)) = (moments(a), moments(b));
    if na < 2.0 || nb < 2.0 {
        return Test {
            kind: Kind::Welch,
            statistic: 0.0,
            df: 0.0,
            p: 1.0,
        };
    }
    let (sa, sb) = (va / na, vb / nb);
    let se2 = sa + sb;
    if se2 == 0.0 {
        return Test {
            kind: Kind::Welch,
            statistic: if ma == mb {
                0.0
            } else {
                (ma - mb).signum() * f64::INFINITY
            },
            df: na + nb - 2.0,
            p: if ma == mb { 1.0 } else { 0.0 },
        };
    }
    let t = (ma - mb) / se2.sqrt();
    let df = se2 * se2 / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
    Test {
        kind: Kind::Welch,
        statistic: t,
        df,
        p: student_t_two_sided(t, df),
    }
}

/// `P(|T| ≥ |t|)` for Student's t with `df` degrees of freedom: `I_{df/(df+t²)}(df/2, 1/2)`.
fn student_t_two_sided(t: f64, df: f64) -> f64 {
    if !t.is_finite() {
        return 0.0;
    }
    regularized_beta(df / (df + t * t), df / 2.0, 0.5)
}

/// The regularised incomplete beta function `I_x(a, b)`, by Lentz's continued fraction on the
/// side of `x` where it converges fast and the symmetry `I_x(a, b) = 1 − I_{1−x}(b, a)` on the
/// other (Numerical Recipes, §6.4).
fn regularized_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let log_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        (log_front.exp() * beta_fraction(x, a, b) / a).clamp(0.0, 1.0)
    } else {
        (1.0 - log_front.exp() * beta_fraction(1.0 - x, b, a) / b).clamp(0.0, 1.0)
    }
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..1000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        // The even step, then the odd one.
        for aa in [
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ] {
            d = 1.0 + aa * d;
            if d.abs() < tiny {
                d = tiny;
            }
            c = 1.0 + aa / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
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

/// Appends the rows of one run's `replications.csv` to `rows`.
fn read(file: &Path, rows: &mut Rows) -> Result<(), String> {
    let mut reader =
        csv::Reader::from_path(file).map_err(|e| format!("{}: {e}", file.display()))?;
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
    Ok(())
}

/// The survey's shares compared, as `summary.json` names them.
pub const SURVEY_SHARES: [&str; 7] = [
    "centre_influence_high_share",
    "gps_main_influence_share",
    "managers_main_influence_share",
    "vision_equal_share",
    "gp_formal_engaged_share",
    "gp_formal_can_influence_share",
    "gp_no_role_can_influence_share",
];

/// Batches a side needs for the survey's shares to be compared: Welch's test needs a variance
/// on each side.
pub const MIN_BATCHES: usize = 2;

/// One batch's `summary.json`: what must agree between batches, and its survey's shares.
struct Batch {
    /// The summary file, for messages.
    file: PathBuf,
    /// The scenario's name.
    scenario: String,
    /// Replications in the batch.
    replications: u64,
    /// Per survey wave, its month and the shares in [`SURVEY_SHARES`]'s order.
    survey: Vec<(u64, [f64; SURVEY_SHARES.len()])>,
}

impl Batch {
    /// The survey months, in order.
    fn months(&self) -> Vec<u64> {
        self.survey.iter().map(|(m, _)| *m).collect()
    }
}

/// A JSON value as found, for messages.
fn found(value: Option<&serde_json::Value>) -> String {
    match value {
        None => "nothing".into(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 40 {
                format!("`{}…`", text.chars().take(40).collect::<String>())
            } else {
                format!("`{text}`")
            }
        }
    }
}

/// Reads a batch's `summary.json`.
fn read_summary(file: &Path) -> Result<Batch, String> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        format!(
            "{}: {e} (a batch's folder must hold the summary.json `run` writes)",
            file.display()
        )
    })?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not valid JSON: {e}", file.display()))?;
    let wrong = |key: &str, expected: &str, value: Option<&serde_json::Value>| {
        format!(
            "{}: `{key}` must be {expected}, found {}",
            file.display(),
            found(value)
        )
    };
    let scenario = json
        .get("scenario")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| wrong("scenario", "a string", json.get("scenario")))?
        .to_string();
    let replications = json
        .get("replications")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| wrong("replications", "a whole number", json.get("replications")))?;
    let waves = json
        .get("survey")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| wrong("survey", "a list", json.get("survey")))?;
    let mut survey = Vec::with_capacity(waves.len());
    for (i, wave) in waves.iter().enumerate() {
        let month = wave
            .get("month")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| {
                wrong(
                    &format!("survey[{i}].month"),
                    "a whole number",
                    wave.get("month"),
                )
            })?;
        let mut shares = [0.0; SURVEY_SHARES.len()];
        for (share, name) in shares.iter_mut().zip(SURVEY_SHARES) {
            *share = wave
                .get(name)
                .and_then(serde_json::Value::as_f64)
                .filter(|v| v.is_finite())
                .ok_or_else(|| wrong(&format!("survey[{i}].{name}"), "a number", wave.get(name)))?;
        }
        survey.push((month, shares));
    }
    Ok(Batch {
        file: file.to_path_buf(),
        scenario,
        replications,
        survey,
    })
}

/// One side of a comparison: its replications pooled, and its batches' summaries (none when the
/// side is a single run).
struct Side {
    /// Every batch's rows, pooled.
    rows: Rows,
    /// The batches' summaries, in the order of their folders' names.
    batches: Vec<Batch>,
}

/// Reads one side: a run's `replications.csv`, the run folder holding one, or a folder of run
/// folders (batches; hidden folders and loose files in it are left out).
fn read_side(path: &Path) -> Result<Side, String> {
    let mut rows = Rows::default();
    if path.is_file() {
        read(path, &mut rows)?;
        return Ok(Side {
            rows,
            batches: Vec::new(),
        });
    }
    if !path.is_dir() {
        return Err(format!(
            "{}: no such file or folder (expected a `run` output folder, its replications.csv, \
             or a folder of run folders)",
            path.display()
        ));
    }
    let single = path.join("replications.csv");
    if single.is_file() {
        read(&single, &mut rows)?;
        return Ok(Side {
            rows,
            batches: Vec::new(),
        });
    }
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", path.display()))?;
        if entry.path().is_dir() && !entry.file_name().to_string_lossy().starts_with('.') {
            folders.push(entry.path());
        }
    }
    folders.sort();
    if folders.is_empty() {
        return Err(format!(
            "{}: holds neither replications.csv nor run folders (expected a `run` output \
             folder or a folder of them)",
            path.display()
        ));
    }
    let mut batches = Vec::with_capacity(folders.len());
    for folder in &folders {
        let csv = folder.join("replications.csv");
        if !csv.is_file() {
            return Err(format!(
                "{}: no replications.csv; every folder in {} must be a `run` output folder \
                 (a batch)",
                folder.display(),
                path.display()
            ));
        }
        read(&csv, &mut rows)?;
        batches.push(read_summary(&folder.join("summary.json"))?);
    }
    Ok(Side { rows, batches })
}

/// Every batch, on either side, must run one scenario with one set of survey months, and the
/// batches of one side must have as many replications each (so their shares vary alike, as
/// Welch's test assumes within a sample).
fn check_batches(sides: [&Side; 2]) -> Result<(), String> {
    let mut all = sides.iter().flat_map(|s| &s.batches);
    let Some(first) = all.next() else {
        return Ok(());
    };
    for b in all {
        if b.scenario != first.scenario {
            return Err(format!(
                "{}: scenario `{}`, but {} has `{}`; every batch must run the same scenario",
                b.file.display(),
                b.scenario,
                first.file.display(),
                first.scenario
            ));
        }
        if b.months() != first.months() {
            return Err(format!(
                "{}: survey months {:?}, but {} has {:?}; every batch must run the same \
                 scenario",
                b.file.display(),
                b.months(),
                first.file.display(),
                first.months()
            ));
        }
    }
    for side in sides {
        if let Some(first) = side.batches.first()
            && let Some(b) = side
                .batches
                .iter()
                .find(|b| b.replications != first.replications)
        {
            return Err(format!(
                "{}: {} replications, but {} has {}; the batches of one side must have as many \
                 replications each",
                b.file.display(),
                b.replications,
                first.file.display(),
                first.replications
            ));
        }
    }
    Ok(())
}

/// One output's test in a [`Comparison`].
#[derive(Debug, Clone)]
pub struct Compared {
    /// `<initiative> <column>`, `gp_seats_filled_share`, or `survey month <m> <share>`.
    pub output: String,
    /// The test and its p-value.
    pub test: Test,
    /// Whether Holm's procedure rejects "one distribution" for it.
    pub differs: bool,
}

/// The outcome of [`compare_runs`].
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Replications on each side (pooled over its batches).
    pub replications: [usize; 2],
    /// Batches on each side (0 where the side is a single run).
    pub batches: [usize; 2],
    /// Whether the survey's shares were compared: they need [`MIN_BATCHES`] batches a side.
    pub survey_compared: bool,
    /// Every output's test: categorical ones, continuous ones, the seats share, then the survey's
    /// shares.
    pub outputs: Vec<Compared>,
}

impl Comparison {
    /// How many outputs differ.
    pub fn differing(&self) -> usize {
        self.outputs.iter().filter(|c| c.differs).count()
    }
}

/// Compares two runs' outputs. Each side is a run (its `replications.csv` or its folder) or a
/// folder of batches (run folders of one scenario under different seeds), whose replications are
/// pooled: per initiative success and failure mode by chi-square, the peak mandate, design and
/// adoption, the final routinised share and the design rounds by Kolmogorov–Smirnov, and per
/// replication the share of GP seats filled. With [`MIN_BATCHES`] batches or more a side, each
/// survey share at each survey month is compared too, by Welch's t-test over the batches' shares
/// (one value per batch, so replications stay the unit within a batch). Holm's procedure holds
/// the family-wise error rate at `alpha` over all of them.
pub fn compare_runs(before: &Path, after: &Path, alpha: f64) -> Result<Comparison, String> {
    let (a, b) = (read_side(before)?, read_side(after)?);
    check_batches([&a, &b])?;
    let mut tests: Vec<(String, Test)> = Vec::new();
    for (key, counts) in &a.rows.categories {
        let other = b.rows.categories.get(key).cloned().unwrap_or_default();
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
    for (key, values) in &a.rows.numbers {
        let other = b
            .rows
            .numbers
            .get(key)
            .map(Vec::as_slice)
            .unwrap_or_default();
        tests.push((
            format!("{} {}", key.0, key.1),
            kolmogorov_smirnov(values, other),
        ));
    }
    tests.push((
        "gp_seats_filled_share".into(),
        kolmogorov_smirnov(&a.rows.seats, &b.rows.seats),
    ));
    let survey_compared = a.batches.len() >= MIN_BATCHES && b.batches.len() >= MIN_BATCHES;
    if survey_compared {
        // check_batches has made every batch's survey months the same.
        for (wave, (month, _)) in a.batches[0].survey.iter().enumerate() {
            for (k, name) in SURVEY_SHARES.iter().enumerate() {
                let shares = |s: &Side| -> Vec<f64> {
                    s.batches.iter().map(|b| b.survey[wave].1[k]).collect()
                };
                tests.push((
                    format!("survey month {month} {name}"),
                    welch(&shares(&a), &shares(&b)),
                ));
            }
        }
    }
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
        replications: [a.rows.seats.len(), b.rows.seats.len()],
        batches: [a.batches.len(), b.batches.len()],
        survey_compared,
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
            assert_eq!(chi_square(&a, &b).df, 2.0);
            same += u64::from(chi_square(&a, &b).p < 0.05);
            changed += u64::from(chi_square(&a, &c).p < 0.05);
        }
        let (level, power) = (same as f64 / 400.0, changed as f64 / 400.0);
        assert!((0.02..0.08).contains(&level), "level {level}");
        assert!(power > 0.8, "power {power}");
    }

    #[test]
    fn the_incomplete_beta_and_students_tail_match_known_values() {
        // scipy.stats.beta.cdf(0.3, 2.5, 0.5) = 0.018927124071945658,
        // scipy.stats.beta.cdf(0.9, 10, 3) = 0.889130022255.
        assert!((regularized_beta(0.3, 2.5, 0.5) - 0.018_927_124_071_945_658).abs() < 1e-12);
        assert!((regularized_beta(0.9, 10.0, 3.0) - 0.889_130_022_255).abs() < 1e-11);
        // Two-sided tails, 2·scipy.stats.t.sf(t, df): (2, 3) 0.13932596855884305,
        // (0.5, 40.5) 0.6197810472012212, (5, 7.3) 0.0013827743793134609.
        assert!((student_t_two_sided(2.0, 3.0) - 0.139_325_968_558_843_05).abs() < 1e-12);
        assert!((student_t_two_sided(-0.5, 40.5) - 0.619_781_047_201_221_2).abs() < 1e-12);
        assert!((student_t_two_sided(5.0, 7.3) - 0.001_382_774_379_313_460_9).abs() < 1e-12);
        // One degree of freedom is Cauchy: P(|T| ≥ 1) = 1/2 exactly.
        assert!((student_t_two_sided(1.0, 1.0) - 0.5).abs() < 1e-12);
        // The 5% point at 10 df is 2.228139.
        assert!((student_t_two_sided(2.228_139, 10.0) - 0.05).abs() < 1e-6);
    }

    #[test]
    fn welch_matches_r_and_scipy() {
        // R's sleep data, t.test(extra ~ group): t = -1.8608, df = 17.776, p-value = 0.07939;
        // scipy.stats.ttest_ind(a, b, equal_var=False): t -1.8608134674868526,
        // p 0.0793941401873583, df 17.776473516178488.
        let a = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        let b = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
        let t = welch(&a, &b);
        assert_eq!(t.kind, Kind::Welch);
        assert!(
            (t.statistic + 1.860_813_467_486_852_6).abs() < 1e-12,
            "{t:?}"
        );
        assert!((t.df - 17.776_473_516_178_488).abs() < 1e-9, "{t:?}");
        assert!((t.p - 0.079_394_140_187_358_3).abs() < 1e-10, "{t:?}");
        // Unequal sizes and variances, as batch shares: scipy gives t 4.143414438802714,
        // p 0.003127603269588103, df 8.128920489407005.
        let a = [0.51, 0.53, 0.49, 0.55, 0.50];
        let b = [0.47, 0.45, 0.48, 0.44, 0.46, 0.49, 0.43];
        let t = welch(&a, &b);
        assert!((t.statistic - 4.143_414_438_802_714).abs() < 1e-10, "{t:?}");
        assert!((t.df - 8.128_920_489_407_005).abs() < 1e-9, "{t:?}");
        assert!((t.p - 0.003_127_603_269_588_103).abs() < 1e-10, "{t:?}");
        // No spread: the same means are the same, different ones differ; one value is no test.
        assert_eq!(welch(&[0.5, 0.5], &[0.5, 0.5, 0.5]).p, 1.0);
        assert_eq!(welch(&[0.5, 0.5], &[0.4, 0.4]).p, 0.0);
        assert_eq!(welch(&[0.5], &[0.1, 0.2]).p, 1.0);
    }

    /// Share of 1,000 Welch tests rejected at 5%: `batches` batch shares a side, each the share of
    /// 300 members answering yes with probability `pa` (before) or `pb` (after).
    fn welch_rejection_rate(batches: usize, pa: f64, pb: f64) -> f64 {
        let mut rejected = 0;
        for t in 0..1000 {
            let mut rng = ChaCha8Rng::seed_from_u64(t);
            let mut side = |p: f64| -> Vec<f64> {
                (0..batches)
                    .map(|_| (0..300).filter(|_| rng.random::<f64>() < p).count() as f64 / 300.0)
                    .collect()
            };
            let (a, b) = (side(pa), side(pb));
            rejected += u64::from(welch(&a, &b).p < 0.05);
        }
        rejected as f64 / 1000.0
    }

    #[test]
    fn welch_holds_its_level_and_sees_a_shifted_share() {
        // 20 batches a side, as scripts/same-distribution.sh runs, and 3, where a normal tail in
        // place of Student's would reject about 12% of the time (Welch's test is a little
        // conservative with so few: 2.9% here).
        let level = welch_rejection_rate(20, 0.4, 0.4);
        assert!((0.03..0.07).contains(&level), "level {level}");
        let few = welch_rejection_rate(3, 0.4, 0.4);
        assert!((0.02..0.075).contains(&few), "level with 3 batches {few}");
        // A share moved by 3 points is about 3.4 standard errors with 20 batches a side.
        let power = welch_rejection_rate(20, 0.4, 0.43);
        assert!(power > 0.85, "power {power}");
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
