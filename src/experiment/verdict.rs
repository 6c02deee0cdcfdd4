//! The verdict of the arena experiment on the proposition, computed from the cells' results
//! alone: a pure function of result values, testable on synthetic cells with known answers.

use serde::Serialize;

use super::CellResult;
use crate::stats::{Moments, Z95};

/// A paired comparison between two cells over the same replications.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// Mean over replications of the first cell's rate minus the second's.
    pub estimate: f64,
    /// Its 95% interval.
    pub ci95: [f64; 2],
}

impl Difference {
    /// The mean of paired per-replication differences and its normal 95% interval.
    pub fn from(m: &Moments) -> Self {
        let half = Z95 * (m.variance() / m.count().max(1) as f64).sqrt();
        Difference {
            estimate: m.mean(),
            ci95: [m.mean() - half, m.mean() + half],
        }
    }
}

/// The ratio of a cell with fewer arenas to the all-three cell, paired over replications.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    /// The cell, e.g. `S P -`.
    pub label: String,
    /// Its success rate over the all-three cell's.
    pub estimate: f64,
    /// Its 95% interval (delta method over replications; the cells share their areas).
    pub ci95: [f64; 2],
}

impl Ratio {
    /// The ratio as it is printed: `S P - 0.31 [0.28, 0.33]`.
    pub fn brief(&self) -> String {
        format!(
            "{} {:.2} [{:.2}, {:.2}]",
            self.label, self.estimate, self.ci95[0], self.ci95[1]
        )
    }
}

/// The verdict of the arena experiment on the proposition that redesign succeeds only when all
/// three arenas act together.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// `supported`, `refuted` or `inconclusive`.
    pub result: String,
    /// The rule, in words, with its parameters.
    pub rule: String,
    /// Why this result, with the numbers.
    pub reason: String,
    /// The necessity threshold on each ratio: below it for `supported`, above it for `refuted`.
    pub threshold: f64,
    /// The all-three rate below which nothing is judged.
    pub floor: f64,
    /// How far the deciding interval lies from the threshold (negative when it straddles it).
    pub margin: f64,
    /// Success rate of the all-three cell.
    pub all_three_rate: f64,
    /// The best cell with fewer than three arenas.
    pub best_fewer_label: String,
    /// Its success rate.
    pub best_fewer_rate: f64,
    /// All-three minus the best cell with fewer arenas, paired over replications.
    pub difference: Difference,
    /// Every cell with fewer arenas as a share of the all-three cell, in factorial order.
    pub ratios: Vec<Ratio>,
    /// Three-way interaction contrast of the factorial (x111 − x110 − x101 − x011 + x100 +
    /// x010 + x001 − x000), paired over replications.
    pub interaction: Difference,
    /// Replications that would settle an inconclusive verdict at the current estimates (absent
    /// when decided, or when no practical number would).
    pub replications_to_settle: Option<u64>,
}

impl Verdict {
    /// The cell with fewer arenas whose share of all three is highest.
    pub fn highest_share(&self) -> Option<&Ratio> {
        self.ratios
            .iter()
            .max_by(|a, b| a.estimate.total_cmp(&b.estimate))
    }
}

/// What one cell's per-replication success rate and its pairing with the all-three cell give.
pub struct CellMoments<'a> {
    /// The all-three cell's per-replication rate.
    pub all_three: &'a Moments,
    /// This cell's per-replication rate.
    pub cell: &'a Moments,
    /// The per-replication all-three-minus-cell difference.
    pub difference: &'a Moments,
}

/// The ratio of a cell's mean rate to the all-three cell's, with a delta-method 95% interval
/// that uses the pairing: Var(R) ≈ (V_c − 2R·C + R²·V_0) / (n·m_0²), where C, the covariance,
/// follows from the variance of the paired difference. `None` when the all-three mean is 0.
pub fn ratio(m: &CellMoments<'_>) -> Option<(f64, f64)> {
    let m0 = m.all_three.mean();
    if m0 <= 0.0 {
        return None;
    }
    let n = m.all_three.count().max(1) as f64;
    let (v0, vc) = (m.all_three.variance(), m.cell.variance());
    let cov = 0.5 * (v0 + vc - m.difference.variance());
    let r = m.cell.mean() / m0;
    let var = ((vc - 2.0 * r * cov + r * r * v0) / (n * m0 * m0)).max(0.0);
    Some((r, Z95 * var.sqrt()))
}

/// What a verdict is judged with: the rule's parameters and what the factors are called.
#[derive(Debug, Clone, Copy)]
pub struct Judgement<'a> {
    /// The necessity threshold on each share (`experiment.necessity_ratio`).
    pub threshold: f64,
    /// The all-three rate below which nothing is judged (`experiment.min_all_three_rate`).
    pub floor: f64,
    /// Replications per cell.
    pub replications: u64,
    /// What the three factors are, in the plural: `arenas`, or `arenas with clinical leadership`.
    pub noun: &'a str,
}

/// The verdict rule, symmetric and free of the overall success level. `results[0]` is the
/// all-three cell, `results[1..8]` the cells with fewer arenas; `moments[c - 1]` pairs cell c
/// with the all-three cell. For each cell with fewer arenas the statistic is its success rate as
/// a share of the all-three rate, with a paired 95% interval:
///
/// - `supported`: every share's interval lies below `threshold` (each arena is needed for most of
///   the success);
/// - `refuted`: some share's interval lies above `threshold` (fewer arenas achieve most of it);
/// - `inconclusive`: some interval straddles the threshold, or the all-three rate's interval lies
///   below `floor`, when there is nothing to judge.
///
/// Scaling every cell's success by a common factor leaves it unchanged.
pub fn verdict(
    results: &[CellResult],
    moments: &[CellMoments<'_>],
    interaction: Difference,
    judgement: &Judgement<'_>,
) -> Verdict {
    let Judgement {
        threshold,
        floor,
        replications,
        noun,
    } = *judgement;
    let fewer = &results[1..8];
    let best = (0..fewer.len())
        .max_by(|&a, &b| {
            fewer[a]
                .success_rate
                .total_cmp(&fewer[b].success_rate)
                .then(b.cmp(&a))
        })
        .unwrap_or(0);
    let all = results[0].success_rate;
    let ratios: Vec<Option<(f64, f64)>> = moments.iter().map(ratio).collect();
    let shown: Vec<Ratio> = fewer
        .iter()
        .zip(&ratios)
        .map(|(c, r)| {
            let (e, h) = r.unwrap_or((f64::NAN, f64::NAN));
            Ratio {
                label: c.label.clone(),
                estimate: e,
                ci95: [e - h, e + h],
            }
        })
        .collect();
    let n = replications.max(1) as f64;
    let fmt_ratio = |r: &Ratio| {
        format!(
            "{} at {:.2} [{:.2}, {:.2}] of all three",
            r.label, r.estimate, r.ci95[0], r.ci95[1]
        )
    };
    let (result, reason, margin, settle);
    if results[0].ci95[1] < floor || ratios.iter().any(Option::is_none) {
        result = "inconclusive";
        reason = format!(
            "redesign rarely succeeds even with all three {noun} ({all:.3}, interval [{:.3}, \
             {:.3}] below the floor {floor}): nothing here tells what the {noun} are needed for, and more \
             replications will not change that",
            results[0].ci95[0], results[0].ci95[1]
        );
        margin = results[0].ci95[1] - floor;
        settle = None;
    } else {
        let highest = shown
            .iter()
            .max_by(|a, b| a.ci95[1].total_cmp(&b.ci95[1]))
            .expect("seven cells");
        let lowest_above = shown
            .iter()
            .max_by(|a, b| a.ci95[0].total_cmp(&b.ci95[0]))
            .expect("seven cells");
        if highest.ci95[1] < threshold {
            result = "supported";
            margin = threshold - highest.ci95[1];
            reason = format!(
                "every cell with fewer {noun} reaches clearly less than {threshold} of what all \
                 three reach ({all:.3}); the closest is {}",
                fmt_ratio(highest)
            );
            settle = None;
        } else if lowest_above.ci95[0] > threshold {
            result = "refuted";
            margin = lowest_above.ci95[0] - threshold;
            reason = format!(
                "a cell with fewer {noun} reaches clearly more than {threshold} of what all three \
                 reach ({all:.3}): {}",
                fmt_ratio(lowest_above)
            );
            settle = None;
        } else {
            result = "inconclusive";
            // The undecided cells: their intervals straddle the threshold. Settling takes the
            // replications at which each interval, shrinking as 1/sqrt(n) around the same
            // estimate, no longer reaches the threshold; one above it can refute alone, while
            // support needs every one below.
            let straddling: Vec<&Ratio> = shown
                .iter()
                .filter(|r| r.ci95[0] <= threshold && r.ci95[1] >= threshold)
                .collect();
            let need = |r: &Ratio| replications_to_settle(r, threshold, n);
            let above: Vec<Option<u64>> = straddling
                .iter()
                .filter(|r| r.estimate > threshold)
                .map(|r| need(r))
                .collect();
            let needs = if above.iter().any(Option::is_some) {
                above.into_iter().flatten().min()
            } else {
                straddling
                    .iter()
                    .map(|r| need(r))
                    .collect::<Option<Vec<u64>>>()
                    .and_then(|v| v.into_iter().max())
            };
            let closest = straddling
                .iter()
                .min_by(|a, b| {
                    (a.estimate - threshold)
                        .abs()
                        .total_cmp(&(b.estimate - threshold).abs())
                })
                .expect("an undecided cell straddles the threshold");
            margin = -(closest.estimate - threshold).abs();
            settle = needs.filter(|&k| k <= MAX_PRACTICAL);
            reason = match settle {
                Some(k) => format!(
                    "{} straddles the threshold {threshold}; at these estimates about {k} \
                     replications per cell would settle it",
                    fmt_ratio(closest)
                ),
                None => format!(
                    "{} straddles the threshold {threshold}, and its estimate sits within {:.3} \
                     of it: this cannot be settled at any practical number of replications",
                    fmt_ratio(closest),
                    (closest.estimate - threshold).abs()
                ),
            };
        }
    }
    let d = Difference::from(moments[best].difference);
    Verdict {
        result: result.into(),
        rule: format!(
            "for each cell with fewer {noun}, its success as a share of the all-three cell's, \
             with a paired 95% interval; supported when every interval lies below {threshold}, \
             refuted when some interval lies above {threshold}, otherwise inconclusive; nothing \
             is judged when the all-three rate lies below {floor}"
        ),
        reason,
        threshold,
        floor,
        margin,
        all_three_rate: all,
        best_fewer_label: fewer[best].label.clone(),
        best_fewer_rate: fewer[best].success_rate,
        difference: d,
        ratios: shown,
        interaction,
        replications_to_settle: settle,
    }
}

/// The replications per cell at which `r`'s interval, shrinking as 1/sqrt(n) around the same
/// estimate, no longer reaches `threshold`; `None` when the estimate is too close to chase.
fn replications_to_settle(r: &Ratio, threshold: f64, n: f64) -> Option<u64> {
    let gap = (r.estimate - threshold).abs();
    let half = 0.5 * (r.ci95[1] - r.ci95[0]);
    (gap >= SETTLE_GAP).then(|| (n * (half / gap).powi(2)).ceil() as u64 + 1)
}

/// The study's second clause — clinical leadership is required in at least one arena — judged
/// by the same rule on one ratio: success with clinical leadership absent from every arena (the
/// clinical knockout, all arenas on) as a share of success with it present.
#[derive(Debug, Clone, Serialize)]
pub struct Clause {
    /// `supported`, `refuted` or `inconclusive`.
    pub result: String,
    /// Why, with the numbers.
    pub reason: String,
    /// The knockout's success as a share of the all-three cell's, with its paired interval.
    pub ratio: Ratio,
    /// How far the interval lies from the threshold (negative when it straddles it).
    pub margin: f64,
    /// Replications per cell that would settle an inconclusive judgement (when practical).
    pub replications_to_settle: Option<u64>,
}

/// Judges the clinical clause: `all` is the all-three cell, `knockout` the cell without
/// clinical leadership in any arena, `m` their pairing; `threshold` and `floor` as for
/// [`verdict`].
pub fn clinical_clause(
    all: &CellResult,
    knockout: &CellResult,
    m: &CellMoments<'_>,
    threshold: f64,
    floor: f64,
) -> Clause {
    let n = m.all_three.count().max(1) as f64;
    let (e, h) = ratio(m).unwrap_or((f64::NAN, f64::NAN));
    let r = Ratio {
        label: knockout.label.clone(),
        estimate: e,
        ci95: [e - h, e + h],
    };
    let shown = format!(
        "without clinical leadership in any arena, success is {:.2} [{:.2}, {:.2}] of what it is \
         with it ({:.3})",
        r.estimate, r.ci95[0], r.ci95[1], all.success_rate
    );
    let (result, margin, settle, reason) = if all.ci95[1] < floor || e.is_nan() {
        (
            "inconclusive",
            all.ci95[1] - floor,
            None,
            format!("redesign rarely succeeds even with clinical leadership (below {floor})"),
        )
    } else if r.ci95[1] < threshold {
        (
            "supported",
            threshold - r.ci95[1],
            None,
            format!("{shown}: clearly less than {threshold}"),
        )
    } else if r.ci95[0] > threshold {
        (
            "refuted",
            r.ci95[0] - threshold,
            None,
            format!("{shown}: clearly more than {threshold}"),
        )
    } else {
        let settle = replications_to_settle(&r, threshold, n).filter(|&k| k <= MAX_PRACTICAL);
        let tail = match settle {
            Some(k) => format!("about {k} replications per cell would settle it"),
            None => "no practical number of replications settles it".into(),
        };
        (
            "inconclusive",
            -(r.estimate - threshold).abs(),
            settle,
            format!("{shown}, straddling {threshold}; {tail}"),
        )
    };
    Clause {
        result: result.into(),
        reason,
        ratio: r,
        margin,
        replications_to_settle: settle,
    }
}

/// Closer than this to the threshold, an estimate is not worth chasing with replications.
const SETTLE_GAP: f64 = 0.01;

/// More replications per cell than this are not a practical advice.
const MAX_PRACTICAL: u64 = 10_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A synthetic factorial: per replication, the all-three cell succeeds with probability
    /// `p0` and every other cell with `p0 · ratio[c]`, the cells sharing their areas through a
    /// common uniform draw (so they are positively correlated, as paired cells are).
    struct Synthetic {
        cells: Vec<Moments>,
        differences: Vec<Moments>,
        results: Vec<CellResult>,
    }

    fn synthetic(p0: f64, ratios: [f64; 7], n: u64, seed: u64, scale: f64) -> Synthetic {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut cells = vec![Moments::default(); 8];
        let mut differences = vec![Moments::default(); 7];
        for _ in 0..n {
            // Three initiatives per area, as pooled rates are.
            let mut rate = [0.0; 8];
            for _ in 0..3 {
                let u: f64 = rng.random();
                rate[0] += (u < p0) as u8 as f64 / 3.0;
                for c in 1..8 {
                    rate[c] += (u < p0 * ratios[c - 1]) as u8 as f64 / 3.0;
                }
            }
            for c in 0..8 {
                cells[c].push(scale * rate[c]);
            }
            for c in 1..8 {
                differences[c - 1].push(scale * (rate[0] - rate[c]));
            }
        }
        let results = cells
            .iter()
            .enumerate()
            .map(|(c, m)| {
                let half = Z95 * (m.variance() / n as f64).sqrt();
                CellResult {
                    label: format!("cell{c}"),
                    strategic: true,
                    programme: true,
                    practice: true,
                    clinical: true,
                    managerial: true,
                    success_rate: m.mean(),
                    ci95: [m.mean() - half, m.mean() + half],
                    replications: n,
                    initiatives: Vec::new(),
                    modes: Default::default(),
                    clinical_arenas: [true; 3],
                    cumulative: Default::default(),
                }
            })
            .collect();
        Synthetic {
            cells,
            differences,
            results,
        }
    }

    fn judge(s: &Synthetic, threshold: f64) -> Verdict {
        let moments: Vec<CellMoments<'_>> = (1..8)
            .map(|c| CellMoments {
                all_three: &s.cells[0],
                cell: &s.cells[c],
                difference: &s.differences[c - 1],
            })
            .collect();
        verdict(
            &s.results,
            &moments,
            Difference::from(&s.differences[0]),
            &Judgement {
                threshold,
                floor: 0.05,
                replications: s.cells[0].count(),
                noun: "arenas",
            },
        )
    }

    #[test]
    fn clear_cases_go_both_ways() {
        let low = synthetic(0.4, [0.1, 0.2, 0.0, 0.05, 0.0, 0.1, 0.0], 2000, 1, 1.0);
        assert_eq!(judge(&low, 0.5).result, "supported");
        let high = synthetic(0.4, [0.1, 0.9, 0.0, 0.05, 0.0, 0.1, 0.0], 2000, 2, 1.0);
        let v = judge(&high, 0.5);
        assert_eq!(v.result, "refuted", "{}", v.reason);
        assert!(v.margin > 0.0);
    }

    #[test]
    fn an_interval_that_straddles_the_threshold_never_decides() {
        for seed in 0..40 {
            let s = synthetic(0.4, [0.5, 0.1, 0.0, 0.1, 0.0, 0.0, 0.0], 300, seed, 1.0);
            let v = judge(&s, 0.5);
            let r = &v.ratios[0];
            if r.ci95[0] <= 0.5 && r.ci95[1] >= 0.5 {
                assert_eq!(v.result, "inconclusive", "seed {seed}: {}", v.reason);
                assert!(v.margin <= 0.0);
            }
        }
    }

    #[test]
    fn the_verdict_does_not_move_with_the_overall_level() {
        let s = synthetic(0.4, [0.3, 0.45, 0.0, 0.1, 0.0, 0.05, 0.0], 1500, 7, 1.0);
        let scaled = synthetic(0.4, [0.3, 0.45, 0.0, 0.1, 0.0, 0.05, 0.0], 1500, 7, 0.5);
        let (a, b) = (judge(&s, 0.5), judge(&scaled, 0.5));
        assert_eq!(a.result, b.result);
        for (x, y) in a.ratios.iter().zip(&b.ratios) {
            assert!((x.estimate - y.estimate).abs() < 1e-9);
            assert!((x.ci95[1] - y.ci95[1]).abs() < 1e-9);
        }
    }

    #[test]
    fn the_ratio_interval_covers_the_true_ratio_about_95_percent_of_the_time() {
        // Under the common-uniform coupling the true ratio of means is exactly ratio[c].
        let trials = 400;
        let covered = (0..trials)
            .filter(|&seed| {
                let s = synthetic(0.3, [0.4, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 400, seed, 1.0);
                let m = CellMoments {
                    all_three: &s.cells[0],
                    cell: &s.cells[1],
                    difference: &s.differences[0],
                };
                let (r, h) = ratio(&m).unwrap();
                (r - h..=r + h).contains(&0.4)
            })
            .count();
        let share = covered as f64 / trials as f64;
        assert!((0.92..=0.98).contains(&share), "coverage {share}");
    }

    #[test]
    fn the_sample_size_advice_settles_at_the_estimates_it_was_given() {
        let s = synthetic(0.4, [0.58, 0.1, 0.0, 0.1, 0.0, 0.0, 0.0], 150, 3, 1.0);
        let v = judge(&s, 0.5);
        assert_eq!(v.result, "inconclusive", "{}", v.reason);
        let need = v.replications_to_settle.expect("a practical size") as f64;
        // The interval shrinks as 1/sqrt(n) around the same estimate: at the advised size it no
        // longer reaches the threshold.
        let r = &v.ratios[0];
        let half = 0.5 * (r.ci95[1] - r.ci95[0]) * (150.0 / need).sqrt();
        assert!((r.estimate - 0.5).abs() > half, "{r:?} at {need}");
        // And an estimate on the threshold gets no false promise.
        let on = synthetic(0.4, [0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 100_000, 4, 1.0);
        let v = judge(&on, 0.5);
        if v.result == "inconclusive" && (v.ratios[0].estimate - 0.5).abs() < SETTLE_GAP {
            assert_eq!(v.replications_to_settle, None, "{}", v.reason);
        }
    }

    #[test]
    fn the_clinical_clause_goes_both_ways_by_the_same_rule() {
        for (share, expected) in [(0.2, "supported"), (0.9, "refuted")] {
            let s = synthetic(0.4, [share, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 2000, 9, 1.0);
            let m = CellMoments {
                all_three: &s.cells[0],
                cell: &s.cells[1],
                difference: &s.differences[0],
            };
            let c = clinical_clause(&s.results[0], &s.results[1], &m, 0.5, 0.05);
            assert_eq!(c.result, expected, "{}", c.reason);
            assert!(c.margin > 0.0);
        }
    }

    #[test]
    fn nothing_is_judged_when_nothing_succeeds() {
        let s = synthetic(0.01, [0.0; 7], 1000, 5, 1.0);
        let v = judge(&s, 0.5);
        assert_eq!(v.result, "inconclusive");
        assert!(v.reason.contains("floor"), "{}", v.reason);
    }
}
