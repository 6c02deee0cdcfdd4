//! `sweep --dry-run`: the design a sweep would run, printed without running or writing anything,
//! so that a batch script can find a mistake on the login node rather than on every compute node.

use std::path::Path;

use super::{Design, DesignKind, Level, Scale, Shard};

/// Prints the design: its points, each parameter with its levels (or range, for a Latin
/// hypercube), the replications, the shard's part if any and where results would go.
pub(super) fn describe(
    scenario: &str,
    design: &Design,
    replications: u32,
    shard: Option<Shard>,
    target: &Path,
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Sweep of {scenario}: {} design, {} points × {replications} replications",
        design.kind.name(),
        design.points
    );
    for (k, p) in design.params.iter().enumerate() {
        let kind = match p.kind {
            Scale::Float => "real",
            Scale::Int => "whole",
            Scale::Bool => "switch",
        };
        match design.kind {
            DesignKind::Grid => {
                let levels = grid_levels(design, k);
                let _ = writeln!(
                    out,
                    "  {} ({kind}), {} levels: {}",
                    p.path,
                    levels.len(),
                    levels.join(", ")
                );
            }
            DesignKind::Lhs | DesignKind::Table => {
                let _ = writeln!(
                    out,
                    "  {} ({kind}), from {} to {}",
                    p.path,
                    Level::Float(p.lo).to_csv(),
                    Level::Float(p.hi).to_csv()
                );
            }
        }
    }
    if let Some(sh) = shard {
        // Shards differ by at most one point; with more shards than points some are empty.
        let (fewest, most) = (design.points / sh.count, design.points.div_ceil(sh.count));
        let _ = writeln!(
            out,
            "Shard {}/{} runs {} of the {} points (each of the {} shards runs {})",
            sh.index,
            sh.count,
            sh.len(design.points),
            design.points,
            sh.count,
            if fewest == most {
                format!("{most}")
            } else {
                format!("{fewest} or {most}")
            }
        );
    }
    let _ = writeln!(
        out,
        "Results would go to {} (dry run: nothing was run or written)",
        target.display()
    );
    out
}

/// The distinct values of grid parameter `k`, in order: the first parameter varies slowest, so
/// parameter `k` steps once every `stride` points, the product of the later parameters' steps.
fn grid_levels(design: &Design, k: usize) -> Vec<String> {
    let steps = |p: &super::Param| u64::from(p.steps.unwrap_or(1)).max(1);
    let stride: u64 = design.params[k + 1..].iter().map(steps).product();
    (0..steps(&design.params[k]))
        .map(|j| design.levels(j * stride)[k].to_csv())
        .collect()
}
