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

    fn half_width(&self) -> f64 {
        0.5 * (self.ci95[1] - self.ci95[0])
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
    /// Bound on the success rate of every cell with fewer arenas for `supported`.
    pub other_cell_bound: f64,
    /// Largest half-width of a difference interval that can refute.
    pub max_half_width: f64,
    /// Success rate of the all-three cell.
    pub all_three_rate: f64,
    /// The best cell with fewer than three arenas.
    pub best_fewer_label: String,
    /// Its success rate.
    pub best_fewer_rate: f64,
    /// All-three minus the best cell with fewer arenas, paired over replications.
    pub difference: Difference,
    /// Three-way interaction contrast of the factorial (x111 − x110 − x101 − x011 + x100 +
    /// x010 + x001 − x000), paired over replications.
    pub interaction: Difference,
    /// Replications that would likely settle an inconclusive verdict (absent otherwise).
    pub replications_to_settle: Option<u64>,
}

/// The verdict rule. `results[0]` is the all-three cell, `results[1..8]` the cells with fewer
/// arenas, `differences[c - 1]` the paired all-three-minus-cell-c difference.
///
/// - `supported`: every cell with fewer arenas is clearly below the all-three cell (the
///   difference's interval lies above zero) and its success rate is at most the bound;
/// - `refuted`: some cell with fewer arenas clearly succeeds above the bound (its interval lies
///   above it), or is not clearly below the all-three cell with an interval narrow enough to
///   tell (half-width at most `max_half_width`);
/// - `inconclusive`: neither, and the replications that would likely settle it are estimated.
pub fn verdict(
    results: &[CellResult],
    differences: &[Difference],
    interaction: Difference,
    bound: f64,
    max_half_width: f64,
    replications: u64,
) -> Verdict {
    let fewer = &results[1..8];
    let best = (0..fewer.len())
        .max_by(|&a, &b| {
            fewer[a]
                .success_rate
                .total_cmp(&fewer[b].success_rate)
                .then(b.cmp(&a))
        })
        .unwrap_or(0);
    // Support needs redesign to succeed with all three arenas at all: if nothing succeeds
    // anywhere, the factorial says nothing about what the arenas need.
    let all_three_succeeds = results[0].ci95[0] > bound;
    let supported = all_three_succeeds
        && fewer
            .iter()
            .zip(differences)
            .all(|(c, d)| d.ci95[0] > 0.0 && c.success_rate <= bound);
    let refuting: Vec<String> = fewer
        .iter()
        .zip(differences)
        .filter_map(|(c, d)| {
            if c.ci95[0] > bound {
                Some(format!(
                    "cell {} succeeds at {:.3} [{:.3}, {:.3}], clearly above the bound {bound}",
                    c.label, c.success_rate, c.ci95[0], c.ci95[1]
                ))
            } else if d.ci95[0] <= 0.0 && d.half_width() <= max_half_width {
                Some(format!(
                    "cell {} is not clearly below all three (difference {:.3} [{:.3}, {:.3}])",
                    c.label, d.estimate, d.ci95[0], d.ci95[1]
                ))
            } else {
                None
            }
        })
        .collect();
    let all = results[0].success_rate;
    let d = &differences[best];
    let (result, reason, settle) = if supported {
        (
            "supported",
            format!(
                "every cell with fewer arenas is clearly below all three ({all:.3}) and at most {bound}; the best, {}, has {:.3} (difference {:.3} [{:.3}, {:.3}])",
                fewer[best].label, fewer[best].success_rate, d.estimate, d.ci95[0], d.ci95[1]
            ),
            None,
        )
    } else if !refuting.is_empty() {
        ("refuted", refuting.join("; "), None)
    } else if results[0].ci95[1] <= bound {
        (
            "inconclusive",
            format!(
                "redesign rarely succeeds even with all three arenas ({all:.3}, interval [{:.3}, {:.3}] not above {bound}): nothing here tells what the arenas need, and more replications will not change that",
                results[0].ci95[0], results[0].ci95[1]
            ),
            None,
        )
    } else {
        // The replications at which the widest undecided interval would shrink enough to
        // separate its estimate from the threshold it is compared with.
        let r = replications.max(1) as f64;
        let mut need: f64 = 0.0;
        for (c, d) in fewer.iter().zip(differences) {
            if d.ci95[0] <= 0.0 {
                let gap = d.estimate.abs().max(0.01);
                need = need.max(r * (d.half_width() / gap).powi(2));
            }
            if c.success_rate > bound && c.ci95[0] <= bound {
                let half = 0.5 * (c.ci95[1] - c.ci95[0]);
                let gap = (c.success_rate - bound).abs().max(0.005);
                need = need.max(r * (half / gap).powi(2));
            }
        }
        let need = (need.ceil() as u64).clamp(replications + 1, 100_000_000);
        (
            "inconclusive",
            format!(
                "no cell with fewer arenas clearly refutes, but not all are clearly below all three and under {bound}; about {need} replications would likely settle it"
            ),
            Some(need),
        )
    };
    Verdict {
        result: result.into(),
        rule: format!(
            "supported: all three arenas succeed clearly above {bound}, and every cell with fewer arenas is clearly below all three (paired 95% interval above 0) and at most {bound}; refuted: some cell with fewer arenas clearly exceeds {bound}, or is not clearly below all three with an interval of half-width at most {max_half_width}; otherwise inconclusive"
        ),
        reason,
        other_cell_bound: bound,
        max_half_width,
        all_three_rate: all,
        best_fewer_label: fewer[best].label.clone(),
        best_fewer_rate: fewer[best].success_rate,
        difference: d.clone(),
        interaction,
        replications_to_settle: settle,
    }
}
