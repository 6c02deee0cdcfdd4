//! Scenario discovery with PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999), as
//! Bryant & Lempert (2010) use it: find boxes in parameter space (an interval per parameter)
//! where an outcome of interest is much more common than elsewhere, and say how much of the
//! outcome each box holds (coverage) and how pure it is (density).
//!
//! Pure functions on points (one `Vec<f64>` per point, one value per parameter; switches as 0
//! and 1), parameter names and outcomes. Deterministic: every tie is broken by a fixed order
//! (parameters in the order given, the lower bound before the upper, the earlier box on the
//! trajectory). docs/ODD.md §8 gives the rule in words.

use std::collections::BTreeMap;

use serde::Serialize;

/// PRIM's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrimConfig {
    /// Share of the box's points one peel (or paste) moves across a bound (alpha).
    pub peel_alpha: f64,
    /// Peeling stops before the box would hold fewer than this share of all points.
    pub min_mass: f64,
    /// The reported box is chosen on the trajectory among those with at least this coverage
    /// (see [`choose`]).
    pub min_coverage: f64,
    /// Boxes at most (covering: each next box is sought among the points the earlier ones
    /// left out).
    pub max_boxes: usize,
}

impl Default for PrimConfig {
    fn default() -> Self {
        PrimConfig {
            peel_alpha: 0.05,
            min_mass: 0.05,
            min_coverage: 0.5,
            max_boxes: 2,
        }
    }
}

/// One box on the peeling trajectory.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrajectoryStep {
    /// Share of all points of interest that lie in the box.
    pub coverage: f64,
    /// Share of the box's points that are of interest.
    pub density: f64,
    /// Share of all points that lie in the box (its mass).
    pub support: f64,
}

/// A box PRIM found, with what it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrimBox {
    /// `[lo, hi]` by parameter, for the parameters the box restricts only (bounds are
    /// inclusive and lie on values the points take).
    pub bounds: BTreeMap<String, [f64; 2]>,
    /// Share of all points of interest that lie in the box.
    pub coverage: f64,
    /// Share of the box's points that are of interest.
    pub density: f64,
    /// Share of all points that lie in the box.
    pub support: f64,
    /// Points in the box.
    pub points: usize,
    /// Points of interest among them.
    pub of_interest: usize,
    /// The peeling trajectory this box was chosen on, the whole space first.
    pub trajectory: Vec<TrajectoryStep>,
    /// The index of the chosen box on the trajectory (before pasting).
    pub chosen: usize,
}

/// The box found by peeling and pasting, as bounds on every parameter.
#[derive(Debug, Clone)]
struct Bounds(Vec<[f64; 2]>);

impl Bounds {
    fn contains(&self, x: &[f64]) -> bool {
        self.0.iter().zip(x).all(|(b, &v)| v >= b[0] && v <= b[1])
    }
}

/// What a set of points holds: how many, and how many of interest.
fn count(idx: &[usize], outcome: &[bool]) -> (usize, usize) {
    (idx.len(), idx.iter().filter(|&&i| outcome[i]).count())
}

/// The tightest bounds around the points `idx`.
fn hull(points: &[Vec<f64>], idx: &[usize], d: usize) -> Bounds {
    let mut b = vec![[f64::INFINITY, f64::NEG_INFINITY]; d];
    for &i in idx {
        for (j, bj) in b.iter_mut().enumerate() {
            bj[0] = bj[0].min(points[i][j]);
            bj[1] = bj[1].max(points[i][j]);
        }
    }
    Bounds(b)
}

/// Peels the box once on parameter `j` at the lower (`upper == false`) or upper end: removes
/// the `k` most extreme of its points `idx` there, with every point tied with the last of them,
/// and moves that bound to the most extreme point left. `None` when that would remove every
/// point.
fn peel(
    points: &[Vec<f64>],
    bounds: &Bounds,
    idx: &[usize],
    j: usize,
    upper: bool,
    k: usize,
) -> Option<(Bounds, Vec<usize>)> {
    let mut vals: Vec<f64> = idx.iter().map(|&i| points[i][j]).collect();
    vals.sort_by(f64::total_cmp);
    let n = vals.len();
    if n == 0 {
        return None;
    }
    let k = k.min(n);
    let keep: Vec<usize> = if upper {
        let t = vals[n - k];
        idx.iter().copied().filter(|&i| points[i][j] < t).collect()
    } else {
        let t = vals[k - 1];
        idx.iter().copied().filter(|&i| points[i][j] > t).collect()
    };
    if keep.is_empty() {
        return None;
    }
    let mut b = bounds.clone();
    let kept = keep.iter().map(|&i| points[i][j]);
    b.0[j] = if upper {
        [b.0[j][0], kept.fold(f64::NEG_INFINITY, f64::max)]
    } else {
        [kept.fold(f64::INFINITY, f64::min), b.0[j][1]]
    };
    Some((b, keep))
}

/// Finds PRIM boxes where `outcome` is true: peeling, the choice of box on the trajectory,
/// pasting, then covering (the next box among the points the earlier ones left out) up to
/// `config.max_boxes`. A box is kept only if it restricts some parameter and is denser than the
/// points it was sought among. Empty when there is nothing to find (no point of interest, or
/// every point is).
///
/// `points[i][j]` is parameter `j` of point `i`; `names[j]` names parameter `j`.
pub fn prim(
    points: &[Vec<f64>],
    names: &[String],
    outcome: &[bool],
    config: &PrimConfig,
) -> Vec<PrimBox> {
    let d = names.len();
    assert_eq!(points.len(), outcome.len(), "one outcome per point");
    assert!(
        points.iter().all(|p| p.len() == d),
        "one value per parameter"
    );
    let total = points.len();
    let total_interest = outcome.iter().filter(|&&o| o).count();
    let mut remaining: Vec<usize> = (0..total).collect();
    let mut boxes = Vec::new();
    while boxes.len() < config.max_boxes {
        let (n, p) = count(&remaining, outcome);
        if n == 0 || p == 0 || p == n {
            break;
        }
        let (b, inside) = one_box(
            points,
            names,
            outcome,
            &remaining,
            total,
            total_interest,
            config,
        );
        let base = p as f64 / n as f64;
        if b.bounds.is_empty() || b.density <= base {
            break;
        }
        remaining.retain(|i| !inside.contains(&points[*i]));
        boxes.push(b);
    }
    boxes
}

/// One box sought among the points `idx`; coverage and support relative to `total` points and
/// `total_interest` points of interest.
fn one_box(
    points: &[Vec<f64>],
    names: &[String],
    outcome: &[bool],
    idx: &[usize],
    total: usize,
    total_interest: usize,
    config: &PrimConfig,
) -> (PrimBox, Bounds) {
    let d = names.len();
    let step = |set: &[usize]| {
        let (m, p) = count(set, outcome);
        TrajectoryStep {
            coverage: p as f64 / total_interest.max(1) as f64,
            density: if m == 0 { 0.0 } else { p as f64 / m as f64 },
            support: m as f64 / total.max(1) as f64,
        }
    };
    let min_points = (config.min_mass * total as f64).ceil().max(1.0) as usize;
    // Peeling: the boxes on the trajectory, each as its bounds and the points it holds.
    let outer = hull(points, idx, d);
    let mut trajectory: Vec<(Bounds, Vec<usize>)> = vec![(outer.clone(), idx.to_vec())];
    loop {
        let (bounds, current) = trajectory.last().expect("the whole space");
        let (m, p) = count(current, outcome);
        if p == m {
            break;
        }
        let k = ((config.peel_alpha * m as f64).floor() as usize).max(1);
        let mut best: Option<(f64, (Bounds, Vec<usize>))> = None;
        for j in 0..d {
            for upper in [false, true] {
                let Some(peeled) = peel(points, bounds, current, j, upper, k) else {
                    continue;
                };
                if peeled.1.len() < min_points {
                    continue;
                }
                let (km, kp) = count(&peeled.1, outcome);
                let density = kp as f64 / km as f64;
                if best.as_ref().is_none_or(|(bd, _)| density > *bd) {
                    best = Some((density, peeled));
                }
            }
        }
        match best {
            Some((_, peeled)) => trajectory.push(peeled),
            None => break,
        }
    }
    let steps: Vec<TrajectoryStep> = trajectory.iter().map(|t| step(&t.1)).collect();
    let chosen = choose(&steps, config.min_coverage);
    // Pasting: widen the chosen box one bound at a time while that raises its density.
    let mut bounds = trajectory[chosen].0.clone();
    let inside = |b: &Bounds| -> Vec<usize> {
        idx.iter()
            .copied()
            .filter(|&i| b.contains(&points[i]))
            .collect()
    };
    let mut current = inside(&bounds);
    loop {
        let (m, p) = count(&current, outcome);
        let density = p as f64 / m.max(1) as f64;
        let k = ((config.peel_alpha * m as f64).floor() as usize).max(1);
        let mut best: Option<(f64, Bounds, Vec<usize>)> = None;
        for j in 0..d {
            for side in 0..2 {
                // Points outside the box on this side of parameter j only.
                let mut out: Vec<f64> = idx
                    .iter()
                    .filter(|&&i| {
                        let x = &points[i];
                        let beyond = if side == 0 {
                            x[j] < bounds.0[j][0]
                        } else {
                            x[j] > bounds.0[j][1]
                        };
                        beyond
                            && (0..d).all(|l| {
                                l == j || (x[l] >= bounds.0[l][0] && x[l] <= bounds.0[l][1])
                            })
                    })
                    .map(|&i| points[i][j])
                    .collect();
                if out.is_empty() {
                    continue;
                }
                out.sort_by(f64::total_cmp);
                let mut b = bounds.clone();
                if side == 0 {
                    out.reverse();
                }
                b.0[j][side] = out[k.min(out.len()) - 1];
                let with = inside(&b);
                let (wm, wp) = count(&with, outcome);
                let wd = wp as f64 / wm as f64;
                if wd > density && best.as_ref().is_none_or(|(bd, _, _)| wd > *bd) {
                    best = Some((wd, b, with));
                }
            }
        }
        match best {
            Some((_, b, with)) => {
                bounds = b;
                current = with;
            }
            None => break,
        }
    }
    let s = step(&current);
    let restricted: BTreeMap<String, [f64; 2]> = names
        .iter()
        .enumerate()
        .filter(|&(j, _)| bounds.0[j] != outer.0[j])
        .map(|(j, name)| (name.clone(), bounds.0[j]))
        .collect();
    let (m, p) = count(&current, outcome);
    let found = PrimBox {
        bounds: restricted,
        coverage: s.coverage,
        density: s.density,
        support: s.support,
        points: m,
        of_interest: p,
        trajectory: steps,
        chosen,
    };
    (found, bounds)
}

/// The box to report: among the boxes on the trajectory with coverage at least
/// `min_coverage`, the one with the best balance of coverage and density, scored by their
/// harmonic mean (the F1 score, with density as precision and coverage as recall); the earlier,
/// larger box on a tie. The whole space, first, always qualifies.
///
/// The densest box alone would keep peeling into noise: once the box is the region of interest,
/// each further peel buys a little density by chance and loses coverage steadily.
pub fn choose(steps: &[TrajectoryStep], min_coverage: f64) -> usize {
    let f1 = |s: &TrajectoryStep| {
        let sum = s.coverage + s.density;
        if sum > 0.0 {
            2.0 * s.coverage * s.density / sum
        } else {
            0.0
        }
    };
    let mut best = 0;
    for (i, s) in steps.iter().enumerate() {
        if s.coverage >= min_coverage && f1(s) > f1(&steps[best]) {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn names(d: usize) -> Vec<String> {
        (0..d).map(|j| format!("x{j}")).collect()
    }

    /// Uniform points in [0, 1]^4; of interest inside [0.2, 0.6] × [0.5, 1.0] on the first two,
    /// each outcome flipped with probability `noise`.
    fn planted(n: usize, noise: f64, seed: u64) -> (Vec<Vec<f64>>, Vec<bool>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut points = Vec::new();
        let mut outcome = Vec::new();
        for _ in 0..n {
            let x: Vec<f64> = (0..4).map(|_| rng.random::<f64>()).collect();
            let inside = (0.2..=0.6).contains(&x[0]) && x[1] >= 0.5;
            let flip = rng.random::<f64>() < noise;
            points.push(x);
            outcome.push(inside != flip);
        }
        (points, outcome)
    }

    #[test]
    fn prim_recovers_a_planted_box() {
        for seed in [1, 2, 3] {
            let (points, outcome) = planted(2000, 0.05, seed);
            let boxes = prim(&points, &names(4), &outcome, &PrimConfig::default());
            let b = &boxes[0];
            println!(
                "seed {seed}: bounds {:?}, coverage {:.3}, density {:.3}",
                b.bounds, b.coverage, b.density
            );
            let x0 = b.bounds.get("x0").expect("x0 restricted");
            let x1 = b.bounds.get("x1").expect("x1 restricted");
            // Within 0.05 of the planted bounds (x1's upper end is the space's own).
            assert!((x0[0] - 0.2).abs() < 0.05, "seed {seed}: {b:?}");
            assert!((x0[1] - 0.6).abs() < 0.05, "seed {seed}: {b:?}");
            assert!((x1[0] - 0.5).abs() < 0.05, "seed {seed}: {b:?}");
            assert!(x1[1] > 0.95, "seed {seed}: {b:?}");
            // The unrelated parameters are left alone, or nearly.
            for other in ["x2", "x3"] {
                if let Some(r) = b.bounds.get(other) {
                    assert!(r[1] - r[0] > 0.85, "seed {seed}: {other} {r:?}");
                }
            }
            // Known values: the box holds 0.2 of the space at 95% density, and outside it 5% of
            // 0.8 of the space is of interest: coverage 0.19 / 0.23 ≈ 0.83.
            assert!((b.density - 0.95).abs() < 0.04, "seed {seed}: {b:?}");
            assert!((b.coverage - 0.826).abs() < 0.08, "seed {seed}: {b:?}");
            assert!(b.trajectory[0].coverage == 1.0 && b.trajectory[0].support == 1.0);
        }
    }

    #[test]
    fn a_noiseless_box_is_found_almost_whole_and_almost_pure() {
        let (points, outcome) = planted(1000, 0.0, 9);
        let b = &prim(&points, &names(4), &outcome, &PrimConfig::default())[0];
        assert!(b.density > 0.95 && b.coverage > 0.95, "{b:?}");
        assert!(b.bounds.keys().all(|k| k == "x0" || k == "x1"), "{b:?}");
    }

    #[test]
    fn nothing_to_find_gives_no_box_and_the_same_input_the_same_boxes() {
        let (points, _) = planted(200, 0.0, 4);
        assert!(prim(&points, &names(4), &[true; 200], &PrimConfig::default()).is_empty());
        assert!(prim(&points, &names(4), &[false; 200], &PrimConfig::default()).is_empty());
        let (points, outcome) = planted(500, 0.1, 5);
        let a = prim(&points, &names(4), &outcome, &PrimConfig::default());
        let b = prim(&points, &names(4), &outcome, &PrimConfig::default());
        assert_eq!(a, b);
    }

    #[test]
    fn a_switch_separates_two_groups() {
        // Few points, one switch that decides the outcome, one parameter of noise.
        let points: Vec<Vec<f64>> = (0..10)
            .map(|i| vec![(i % 2) as f64, i as f64 / 10.0])
            .collect();
        let outcome: Vec<bool> = (0..10).map(|i| i % 2 == 0).collect();
        let boxes = prim(&points, &names(2), &outcome, &PrimConfig::default());
        let b = &boxes[0];
        assert_eq!(b.bounds.get("x0"), Some(&[0.0, 0.0]));
        assert_eq!((b.coverage, b.density), (1.0, 1.0));
    }

    #[test]
    fn the_reported_box_balances_coverage_and_density_with_enough_coverage() {
        let s = |coverage, density| TrajectoryStep {
            coverage,
            density,
            support: 0.0,
        };
        // F1: 0.33, 0.62, 0.55, 0.55, 0.60.
        let steps = [
            s(1.0, 0.2),
            s(0.8, 0.5),
            s(0.6, 0.5),
            s(0.4, 0.9),
            s(0.45, 0.95),
        ];
        assert_eq!(choose(&steps, 0.5), 1);
        assert_eq!(choose(&steps, 0.9), 0);
        let late = [s(1.0, 0.2), s(0.8, 0.3), s(0.7, 0.95)];
        assert_eq!(choose(&late, 0.5), 2);
    }
}
