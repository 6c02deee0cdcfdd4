//! The estimators, as pure functions on the unit hypercube: each method is a pair, a design
//! (`*_design`) and an analysis of the outputs at its points (`*_analyze`), so any simulator can
//! sit between them (as in SALib); `morris` and `sobol` put a model closure between the two, for
//! tests on functions with known answers.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The ChaCha stream of the Morris design.
const MORRIS_STREAM: u64 = u64::MAX - 2;
/// The ChaCha stream of the bootstrap.
const BOOTSTRAP_STREAM: u64 = u64::MAX - 3;

/// The most base samples the scrambled Sobol' sequence gives (2^16).
pub const MAX_SAMPLES: u32 = 1 << 16;
/// The most parameters a Sobol' analysis takes: the sequence has 256 dimensions, two per
/// parameter.
pub const MAX_SOBOL_PARAMS: usize = 128;

/// A point estimate with its bootstrap 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The estimate on the whole design.
    pub estimate: f64,
    /// 2.5th percentile of the bootstrap.
    pub ci_lo: f64,
    /// 97.5th percentile of the bootstrap.
    pub ci_hi: f64,
}

/// One parameter's elementary-effect statistics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MorrisIndex {
    /// μ*: mean absolute elementary effect (Campolongo, Cariboni & Saltelli 2007), with its
    /// interval over trajectories.
    pub mu_star: Estimate,
    /// μ: mean elementary effect (signed; effects of opposite sign cancel).
    pub mu: f64,
    /// σ: standard deviation of the elementary effects (interaction or non-linearity).
    pub sigma: f64,
}

/// One parameter's variance-based indices.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SobolIndex {
    /// First-order index (Saltelli et al. 2010).
    pub first: Estimate,
    /// Total index (Jansen 1999).
    pub total: Estimate,
}

/// The step of a Morris design with `levels` levels: p / (2 (p − 1)).
pub fn morris_delta(levels: u32) -> f64 {
    let p = f64::from(levels);
    p / (2.0 * (p - 1.0))
}

/// The trajectory design of Morris (1991): `r` trajectories of `k + 1` points each on a grid of
/// `levels` levels in [0, 1]^k, row by row (`r (k + 1)` rows of `k`). Each trajectory starts at a
/// random grid point and moves one parameter at a time, in random order, by ±Δ. Drawn from one
/// ChaCha8 stream of `seed`.
pub fn morris_design(k: usize, r: usize, levels: u32, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(MORRIS_STREAM);
    let delta = morris_delta(levels);
    let step = 1.0 / f64::from(levels - 1);
    // Base levels from which +Δ stays inside [0, 1].
    let bases: Vec<f64> = (0..levels)
        .map(|l| f64::from(l) * step)
        .filter(|&x| x + delta <= 1.0 + 1e-12)
        .collect();
    let mut out = Vec::with_capacity(r * (k + 1));
    for _ in 0..r {
        let mut x: Vec<f64> = Vec::with_capacity(k);
        let mut up: Vec<bool> = Vec::with_capacity(k);
        for _ in 0..k {
            let b = bases[rng.random_range(0..bases.len())];
            let u = rng.random_bool(0.5);
            // Moving down starts Δ higher, so both directions stay on the grid.
            x.push(if u { b } else { b + delta });
            up.push(u);
        }
        let mut order: Vec<usize> = (0..k).collect();
        for i in (1..k).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        out.push(x.clone());
        for &d in &order {
            x[d] = if up[d] { x[d] + delta } else { x[d] - delta };
            x[d] = (x[d] * 1e12).round() / 1e12;
            out.push(x.clone());
        }
    }
    out
}

/// The percentile interval of bootstrap replicates of a statistic.
fn percentile(mut v: Vec<f64>) -> (f64, f64) {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (v.len() - 1) as f64;
        let (i, f) = (pos.floor() as usize, pos - pos.floor());
        let j = (i + 1).min(v.len() - 1);
        v[i] + f * (v[j] - v[i])
    };
    (at(0.025), at(0.975))
}

/// A bootstrap generator for `seed`.
fn bootstrap_rng(seed: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(BOOTSTRAP_STREAM);
    rng
}

/// Elementary effects of a Morris design: `design` as [`morris_design`] made it (`r (k + 1)`
/// rows), `y` the output at each row. Effects are per unit of the parameter's normalised range.
/// The interval of μ* resamples trajectories `bootstrap` times.
pub fn morris_analyze(
    k: usize,
    design: &[Vec<f64>],
    y: &[f64],
    bootstrap: u32,
    seed: u64,
) -> Vec<MorrisIndex> {
    let r = design.len() / (k + 1);
    // effects[t][d]: trajectory t's elementary effect of parameter d.
    let mut effects = vec![vec![f64::NAN; k]; r];
    for (t, row) in effects.iter_mut().enumerate() {
        for s in 0..k {
            let (a, b) = (t * (k + 1) + s, t * (k + 1) + s + 1);
            // The one parameter that moved between the two points.
            if let Some(d) = (0..k).find(|&d| design[a][d] != design[b][d]) {
                row[d] = (y[b] - y[a]) / (design[b][d] - design[a][d]);
            }
        }
    }
    let mean_abs = |rows: &mut dyn Iterator<Item = usize>, d: usize| {
        let (mut sum, mut n) = (0.0, 0.0);
        for t in rows {
            sum += effects[t][d].abs();
            n += 1.0;
        }
        sum / n
    };
    let mut rng = bootstrap_rng(seed);
    let resamples: Vec<Vec<usize>> = (0..bootstrap)
        .map(|_| (0..r).map(|_| rng.random_range(0..r)).collect())
        .collect();
    (0..k)
        .map(|d| {
            let e: Vec<f64> = effects.iter().map(|row| row[d]).collect();
            let n = e.len() as f64;
            let mu = e.iter().sum::<f64>() / n;
            let sigma = if e.len() > 1 {
                (e.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            } else {
                0.0
            };
            let boot: Vec<f64> = resamples
                .iter()
                .map(|idx| mean_abs(&mut idx.iter().copied(), d))
                .collect();
            let (ci_lo, ci_hi) = percentile(boot);
            MorrisIndex {
                mu_star: Estimate {
                    estimate: mean_abs(&mut (0..r), d),
                    ci_lo,
                    ci_hi,
                },
                mu,
                sigma,
            }
        })
        .collect()
}

/// The Saltelli (2010) design on an Owen-scrambled Sobol' sequence (`sobol_burley`, seeded):
/// for each of the `n` base samples j, the rows A_j, then A_j with parameter i taken from B_j
/// for each i (AB⁽ⁱ⁾_j), then B_j; `n (k + 2)` rows of `k`. A and B are the first and last `k`
/// dimensions of one 2k-dimensional sequence.
pub fn sobol_design(k: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let scramble = (seed ^ (seed >> 32)) as u32;
    let at = |j: usize, d: usize| f64::from(sobol_burley::sample(j as u32, d as u32, scramble));
    let mut out = Vec::with_capacity(n * (k + 2));
    for j in 0..n {
        let a: Vec<f64> = (0..k).map(|d| at(j, d)).collect();
        let b: Vec<f64> = (0..k).map(|d| at(j, k + d)).collect();
        out.push(a.clone());
        for i in 0..k {
            let mut ab = a.clone();
            ab[i] = b[i];
            out.push(ab);
        }
        out.push(b);
    }
    out
}

/// Indices from the outputs at a [`sobol_design`]'s rows: first order by the estimator of
/// Saltelli et al. (2010), V⁻¹ · mean(f(B) (f(AB⁽ⁱ⁾) − f(A))), total by Jansen's (1999),
/// V⁻¹ · mean((f(A) − f(AB⁽ⁱ⁾))²) / 2, V the variance of f over A and B together; intervals
/// resample the base samples `bootstrap` times (percentile).
pub fn sobol_analyze(k: usize, y: &[f64], bootstrap: u32, seed: u64) -> Vec<SobolIndex> {
    let n = y.len() / (k + 2);
    let fa = |j: usize| y[j * (k + 2)];
    let fb = |j: usize| y[j * (k + 2) + k + 1];
    let fab = |j: usize, i: usize| y[j * (k + 2) + 1 + i];
    let indices = |rows: &[usize], i: usize| -> (f64, f64) {
        let m = rows.len() as f64;
        let mean = rows.iter().map(|&j| fa(j) + fb(j)).sum::<f64>() / (2.0 * m);
        let var = rows
            .iter()
            .map(|&j| (fa(j) - mean).powi(2) + (fb(j) - mean).powi(2))
            .sum::<f64>()
            / (2.0 * m);
        let first = rows
            .iter()
            .map(|&j| fb(j) * (fab(j, i) - fa(j)))
            .sum::<f64>()
            / m;
        let total = rows
            .iter()
            .map(|&j| (fa(j) - fab(j, i)).powi(2))
            .sum::<f64>()
            / (2.0 * m);
        (first / var, total / var)
    };
    let all: Vec<usize> = (0..n).collect();
    let mut rng = bootstrap_rng(seed);
    let resamples: Vec<Vec<usize>> = (0..bootstrap)
        .map(|_| (0..n).map(|_| rng.random_range(0..n)).collect())
        .collect();
    (0..k)
        .map(|i| {
            let (s1, st) = indices(&all, i);
            let boot: Vec<(f64, f64)> = resamples.iter().map(|r| indices(r, i)).collect();
            let (f_lo, f_hi) = percentile(boot.iter().map(|b| b.0).collect());
            let (t_lo, t_hi) = percentile(boot.iter().map(|b| b.1).collect());
            SobolIndex {
                first: Estimate {
                    estimate: s1,
                    ci_lo: f_lo,
                    ci_hi: f_hi,
                },
                total: Estimate {
                    estimate: st,
                    ci_lo: t_lo,
                    ci_hi: t_hi,
                },
            }
        })
        .collect()
}

/// Morris screening of a model on [0, 1]^k: design, model at every row, analysis.
pub fn morris<F: Fn(&[f64]) -> f64>(
    k: usize,
    r: usize,
    levels: u32,
    bootstrap: u32,
    seed: u64,
    model: F,
) -> Vec<MorrisIndex> {
    let design = morris_design(k, r, levels, seed);
    let y: Vec<f64> = design.iter().map(|x| model(x)).collect();
    morris_analyze(k, &design, &y, bootstrap, seed)
}

/// Sobol' indices of a model on [0, 1]^k: design, model at every row, analysis.
pub fn sobol<F: Fn(&[f64]) -> f64>(
    k: usize,
    n: usize,
    bootstrap: u32,
    seed: u64,
    model: F,
) -> Vec<SobolIndex> {
    let design = sobol_design(k, n, seed);
    let y: Vec<f64> = design.iter().map(|x| model(x)).collect();
    sobol_analyze(k, &y, bootstrap, seed)
}

/// The share of the variance of the point means that is Monte Carlo noise: the mean over points
/// of the squared standard error of a point's mean, over the variance of the point means
/// (1 when the means do not vary at all).
pub fn noise_share(means: &[f64], se2: &[f64]) -> f64 {
    let n = means.len() as f64;
    if means.len() < 2 {
        return f64::NAN;
    }
    let m = means.iter().sum::<f64>() / n;
    let total = means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    let noise = se2.iter().sum::<f64>() / n;
    if total <= 0.0 {
        if noise > 0.0 { 1.0 } else { 0.0 }
    } else {
        noise / total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Ishigami–Homma on [−π, π]^3 with a = 7, b = 0.1.
    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    /// Ishigami's analytic indices (a = 7, b = 0.1).
    fn ishigami_exact() -> ([f64; 3], [f64; 3]) {
        let (a, b) = (7.0f64, 0.1f64);
        let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
    }

    /// Sobol's G-function with coefficients `a`.
    fn g(a: &[f64], x: &[f64]) -> f64 {
        a.iter()
            .zip(x)
            .map(|(a, x)| ((4.0 * x - 2.0).abs() + a) / (1.0 + a))
            .product()
    }

    const G_A: [f64; 8] = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0];

    /// The G-function's analytic first and total indices.
    fn g_exact(a: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let vi: Vec<f64> = a.iter().map(|a| 1.0 / (3.0 * (1.0 + a).powi(2))).collect();
        let v = vi.iter().map(|v| 1.0 + v).product::<f64>() - 1.0;
        let first = vi.iter().map(|x| x / v).collect();
        let total = (0..a.len())
            .map(|i| {
                vi[i]
                    * (0..a.len())
                        .filter(|&j| j != i)
                        .map(|j| 1.0 + vi[j])
                        .product::<f64>()
                    / v
            })
            .collect();
        (first, total)
    }

    fn inside(e: &Estimate, exact: f64, what: &str) {
        assert!(
            e.ci_lo <= exact && exact <= e.ci_hi,
            "{what}: exact {exact:.4} outside [{:.4}, {:.4}] (estimate {:.4})",
            e.ci_lo,
            e.ci_hi,
            e.estimate
        );
    }

    #[test]
    fn the_published_ishigami_indices_are_what_the_formulas_give() {
        let (s, t) = ishigami_exact();
        let want_s = [0.314, 0.442, 0.0];
        let want_t = [0.558, 0.442, 0.244];
        for i in 0..3 {
            assert!((s[i] - want_s[i]).abs() < 1e-3, "S{} = {}", i + 1, s[i]);
            assert!((t[i] - want_t[i]).abs() < 1e-3, "ST{} = {}", i + 1, t[i]);
        }
    }

    #[test]
    fn sobol_reproduces_ishigami_within_its_intervals() {
        let idx = sobol(3, 4096, 1000, 11, ishigami);
        let (s, t) = ishigami_exact();
        for i in 0..3 {
            inside(&idx[i].first, s[i], &format!("S{}", i + 1));
            inside(&idx[i].total, t[i], &format!("ST{}", i + 1));
            // And close: the intervals are not so wide as to say nothing.
            assert!(idx[i].first.ci_hi - idx[i].first.ci_lo < 0.1);
            assert!(idx[i].total.ci_hi - idx[i].total.ci_lo < 0.1);
        }
    }

    #[test]
    fn sobol_reproduces_the_g_function_within_its_intervals() {
        let idx = sobol(8, 4096, 1000, 5, |x| g(&G_A, x));
        let (s, t) = g_exact(&G_A);
        for i in 0..8 {
            inside(&idx[i].first, s[i], &format!("S{}", i + 1));
            inside(&idx[i].total, t[i], &format!("ST{}", i + 1));
        }
        // The analytic values themselves (Saltelli et al. 2010, table 1 style check).
        assert!((s[0] - 0.716).abs() < 1e-3, "{}", s[0]);
    }

    #[test]
    fn morris_ranks_the_g_function_parameters_in_the_known_order() {
        let idx = morris(8, 50, 4, 500, 3, |x| g(&G_A, x));
        let mu: Vec<f64> = idx.iter().map(|m| m.mu_star.estimate).collect();
        // x1 > x2 > x3 > x4 > every one of x5..x8, which barely matter.
        for i in 0..3 {
            assert!(mu[i] > mu[i + 1], "{mu:?}");
        }
        for &m in &mu[4..] {
            assert!(mu[3] > 3.0 * m, "{mu:?}");
        }
        for m in &idx {
            assert!(m.mu_star.ci_lo <= m.mu_star.estimate && m.mu_star.estimate <= m.mu_star.ci_hi);
        }
    }

    #[test]
    fn a_morris_trajectory_moves_one_parameter_at_a_time_on_the_grid() {
        let d = morris_design(5, 7, 4, 9);
        assert_eq!(d.len(), 7 * 6);
        let delta = morris_delta(4);
        for t in 0..7 {
            let mut moved = [false; 5];
            for s in 0..5 {
                let (a, b) = (&d[t * 6 + s], &d[t * 6 + s + 1]);
                let diff: Vec<usize> = (0..5).filter(|&i| a[i] != b[i]).collect();
                assert_eq!(diff.len(), 1);
                assert!(((a[diff[0]] - b[diff[0]]).abs() - delta).abs() < 1e-9);
                moved[diff[0]] = true;
            }
            assert!(moved.iter().all(|&m| m));
            for x in d[t * 6..t * 6 + 6].iter().flatten() {
                assert!((0.0..=1.0).contains(x));
                let level = x * 3.0;
                assert!((level - level.round()).abs() < 1e-9, "{x}");
            }
        }
    }

    #[test]
    fn noise_share_is_the_noise_over_the_spread() {
        assert!((noise_share(&[0.0, 2.0], &[0.5, 1.5]) - 0.5).abs() < 1e-12);
        assert_eq!(noise_share(&[1.0, 1.0], &[0.0, 0.0]), 0.0);
    }
}
