//! The tables the commands print on a terminal, rendered from result values.

use crate::experiment::{
    ArenaExperiment, CellResult, ClinicalExperiment, Ratio, TimingExperiment, Verdict,
};
use crate::stats::Summary;

/// The readable table `run` prints.
pub fn summary_table(sum: &Summary) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let pct = |x: f64| format!("{:5.1}%", 100.0 * x);
    let ci = |c: [f64; 2]| format!("[{:.1}–{:.1}]", 100.0 * c[0], 100.0 * c[1]);
    let _ = writeln!(
        t,
        "Scenario {} — {} replications of {} months, seed {}",
        sum.scenario, sum.replications, sum.months, sum.seed
    );
    if !sum.description.is_empty() {
        let _ = writeln!(t, "{}", sum.description.trim());
    }
    let _ = writeln!(t);
    let _ = writeln!(
        t,
        "{:<22} {:>7} {:>13} {:>9}  main failure modes",
        "initiative", "success", "95% CI", "months"
    );
    for i in &sum.initiatives {
        let modes: Vec<String> = i
            .main_failure_modes(3)
            .iter()
            .map(|(m, v)| format!("{} {:.0}%", m.replace('_', " "), 100.0 * v))
            .collect();
        let _ = writeln!(
            t,
            "{:<22} {:>7} {:>13} {:>9}  {}",
            i.name,
            pct(i.success_rate),
            ci(i.ci95),
            i.median_months_to_success
                .map(|m| format!("{m:.0}"))
                .unwrap_or_else(|| "–".into()),
            modes.join(", ")
        );
    }
    let _ = writeln!(
        t,
        "{:<22} {:>7} {:>13}   (pooled over initiatives; interval over replications)",
        "all initiatives",
        pct(sum.overall_success_rate),
        ci(sum.ci95)
    );
    let _ = writeln!(
        t,
        "{:<22} {:>7} {:>13}   (share of areas where every initiative succeeded)",
        "every initiative",
        pct(sum.all_initiatives_succeeded_share),
        ci(sum.all_initiatives_succeeded_ci95)
    );
    let l = &sum.leadership;
    let _ = writeln!(t, "\nLeadership");
    let _ = writeln!(
        t,
        "  GP governing-body seats filled   {}",
        pct(l.gp_seats_filled_share)
    );
    if let Some(g) = l.gp_influence_share {
        let _ = writeln!(t, "  GP share of board influence      {}", pct(g));
    }
    let _ = writeln!(
        t,
        "  providers destabilised per area  {:.2}",
        l.providers_destabilised_mean
    );
    if !sum.survey.is_empty() {
        let _ = writeln!(
            t,
            "\nVirtual survey                       {}",
            sum.survey
                .iter()
                .map(|w| format!("{:>9}", format!("month {}", w.month)))
                .collect::<Vec<_>>()
                .join(" ")
        );
        type Answer = fn(&crate::stats::SurveySummary) -> f64;
        let rows: [(&str, Answer); 7] = [
            ("centre's influence high", |w| w.centre_influence_high_share),
            ("GPs hold main influence", |w| w.gps_main_influence_share),
            ("managers hold main influence", |w| {
                w.managers_main_influence_share
            }),
            ("vision set equally", |w| w.vision_equal_share),
            ("formal GP leaders engaged", |w| w.gp_formal_engaged_share),
            ("GPs in roles can influence", |w| {
                w.gp_formal_can_influence_share
            }),
            ("GPs with no role can influence", |w| {
                w.gp_no_role_can_influence_share
            }),
        ];
        for (name, f) in rows {
            let _ = writeln!(
                t,
                "  {:<34} {}",
                name,
                sum.survey
                    .iter()
                    .map(|w| format!("{:>9}", pct(f(w))))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
    t
}

/// The cells' rows: success with its interval, and per initiative.
fn cell_rows(t: &mut String, cells: &[CellResult]) {
    use std::fmt::Write;
    let names: Vec<&str> = cells
        .first()
        .map(|c| c.initiatives.iter().map(|i| i.name.as_str()).collect())
        .unwrap_or_default();
    let _ = write!(t, "{:<22} {:>8} {:>15}", "cell", "success", "95% CI");
    for n in &names {
        let _ = write!(t, " {:>14}", truncate(n, 14));
    }
    let _ = writeln!(t);
    for c in cells {
        let _ = write!(
            t,
            "{:<22} {:>7.1}% {:>15}",
            c.label,
            100.0 * c.success_rate,
            format!("[{:.1}–{:.1}]", 100.0 * c.ci95[0], 100.0 * c.ci95[1])
        );
        for i in &c.initiatives {
            let _ = write!(t, " {:>13.1}%", 100.0 * i.success_rate);
        }
        let _ = writeln!(t);
    }
}

/// The months at which the cumulative table shows success: every year (every few years on long
/// runs), and the last month.
pub fn cumulative_months(months: u32) -> Vec<u32> {
    let step = 12 * months.div_ceil(120).max(1);
    let mut at: Vec<u32> = (1..)
        .map(|k| k * step)
        .take_while(|&m| m < months)
        .collect();
    at.push(months);
    at
}

/// Cumulative success by month, one row per cell.
fn cumulative_rows(t: &mut String, cells: &[CellResult], months: u32) {
    use std::fmt::Write;
    let at = cumulative_months(months);
    let _ = write!(t, "{:<22}", "success by month");
    for m in &at {
        let _ = write!(t, " {m:>6}");
    }
    let _ = writeln!(t);
    for c in cells {
        let _ = write!(t, "{:<22}", c.label);
        for &m in &at {
            let r = c
                .cumulative
                .rate
                .get(m as usize - 1)
                .copied()
                .unwrap_or(0.0);
            let _ = write!(t, " {:>5.1}%", 100.0 * r);
        }
        let _ = writeln!(t);
    }
}

/// A verdict's lines: result and margin, reason, rule.
fn verdict_lines(t: &mut String, title: &str, v: &Verdict) {
    use std::fmt::Write;
    let _ = writeln!(
        t,
        "\n{title}: {} (margin {:+.3} from the threshold {})",
        v.result.to_uppercase(),
        v.margin,
        v.threshold
    );
    let _ = writeln!(t, "  {}", v.reason);
    let _ = writeln!(t, "  Rule: {}", v.rule);
}

/// The shares line: every smaller cell as a share of the all-three cell.
fn shares(v: &Verdict) -> String {
    v.ratios
        .iter()
        .map(Ratio::brief)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The table `experiment arenas` prints.
pub fn arena_table(exp: &ArenaExperiment) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Arena experiment on {} — {} replications per cell, {} months, seed {}, same areas in every cell",
        exp.scenario, exp.replications, exp.months, exp.seed
    );
    let _ = writeln!(
        t,
        "S = strategic board, P = programme boards, D = point of delivery\n"
    );
    cell_rows(&mut t, &exp.cells);
    let _ = writeln!(t);
    cumulative_rows(&mut t, &exp.cells, exp.months);
    let v = &exp.verdict;
    let _ = writeln!(
        t,
        "\nAll three arenas: {:.1}%. Best with fewer: {} at {:.1}%; difference {:.1} points [{:.1}, {:.1}] (paired).",
        100.0 * v.all_three_rate,
        v.best_fewer_label,
        100.0 * v.best_fewer_rate,
        100.0 * v.difference.estimate,
        100.0 * v.difference.ci95[0],
        100.0 * v.difference.ci95[1]
    );
    let _ = writeln!(
        t,
        "Three-way interaction contrast: {:.3} [{:.3}, {:.3}].",
        v.interaction.estimate, v.interaction.ci95[0], v.interaction.ci95[1]
    );
    let _ = writeln!(
        t,
        "Each cell with fewer arenas as a share of all three (paired 95% interval): {}.",
        shares(v)
    );
    verdict_lines(&mut t, "Verdict", v);
    for iv in &exp.per_initiative {
        let w = &iv.verdict;
        let closest = w
            .ratios
            .iter()
            .max_by(|a, b| a.ci95[1].total_cmp(&b.ci95[1]));
        let _ = writeln!(
            t,
            "  {:<20} {:<13} margin {:+.3}{}",
            iv.initiative,
            w.result.to_uppercase(),
            w.margin,
            closest.map_or(String::new(), |r| format!("; highest share {}", r.brief()))
        );
    }
    if let Some(p) = &exp.probe {
        let _ = writeln!(t, "  Robustness: {}.", p.summary);
    }
    let c = &exp.clinical_clause;
    let _ = writeln!(
        t,
        "\nClinical leadership in at least one arena: {} (margin {:+.3})\n  {}",
        c.result.to_uppercase(),
        c.margin,
        c.reason
    );
    if exp.horizons.len() > 1 {
        let _ = writeln!(
            t,
            "\nBy horizon (one run; success counted by each month, same areas):"
        );
        let _ = writeln!(
            t,
            "{:>6} {:>9}  {:<24} {:<26} {:<13} {:>7}  clinical clause",
            "months", "all three", "highest share", "interaction", "verdict", "margin",
        );
        for h in &exp.horizons {
            let v = &h.verdict;
            let top = v.highest_share();
            let _ = writeln!(
                t,
                "{:>6} {:>8.1}%  {:<24} {:<26} {:<13} {:>+7.3}  {}",
                h.months,
                100.0 * v.all_three_rate,
                top.map_or(String::new(), Ratio::brief),
                format!(
                    "{:+.3} [{:+.3}, {:+.3}]",
                    v.interaction.estimate, v.interaction.ci95[0], v.interaction.ci95[1]
                ),
                v.result.to_uppercase(),
                v.margin,
                h.clinical_clause.result.to_uppercase()
            );
        }
    }
    t
}

/// The table `experiment clinical` prints.
pub fn clinical_table(exp: &ClinicalExperiment) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Clinical experiment on {} — {} replications per cell, {} months, seed {}, every arena on, same areas in every cell",
        exp.scenario, exp.replications, exp.months, exp.seed
    );
    let _ = writeln!(
        t,
        "Clinical leadership present in: S = strategic board, P = programme boards, D = point of delivery\n"
    );
    cell_rows(&mut t, &exp.cells);
    let v = &exp.together;
    let _ = writeln!(
        t,
        "\nEach cell as a share of clinical leadership in all three arenas (paired 95% interval): {}.",
        shares(v)
    );
    let c = &exp.clinical_clause;
    let _ = writeln!(
        t,
        "\nClinical leadership in at least one arena: {} (margin {:+.3})\n  {}",
        c.result.to_uppercase(),
        c.margin,
        c.reason
    );
    verdict_lines(
        &mut t,
        "Clinical leadership in all three arenas together",
        v,
    );
    let _ = writeln!(
        t,
        "  Three-way interaction contrast: {:.3} [{:.3}, {:.3}].",
        v.interaction.estimate, v.interaction.ci95[0], v.interaction.ci95[1]
    );
    t
}

/// The table `experiment timing` prints.
pub fn timing_table(exp: &TimingExperiment) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Timing experiment on {} — {} replications per cell, seed {}\n",
        exp.scenario, exp.replications, exp.seed
    );
    for c in &exp.cells {
        let _ = writeln!(
            t,
            "{:<48} {:>6.1}% [{:.1}–{:.1}]",
            c.label,
            100.0 * c.success_rate,
            100.0 * c.ci95[0],
            100.0 * c.ci95[1]
        );
    }
    for (name, d) in [
        ("concurrent − sequential", &exp.concurrent_minus_sequential),
        ("concurrent − staggered", &exp.concurrent_minus_staggered),
    ] {
        let _ = writeln!(
            t,
            "{name}: {:.1} points [{:.1}, {:.1}] (paired)",
            100.0 * d.estimate,
            100.0 * d.ci95[0],
            100.0 * d.ci95[1]
        );
    }
    t
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// The table `calibrate` prints.
pub fn calibration_table(sum: &crate::calibrate::Summary) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let b = &sum.budget;
    let _ = writeln!(
        t,
        "History matching on {} — {} sets per wave × {} replications, {} wave(s), seed {}, cutoff {} on the {} implausibility",
        sum.scenario,
        b.sets,
        b.replications,
        b.waves,
        sum.seed,
        b.cutoff,
        match b.rule {
            crate::calibrate::Rule::Max => "largest",
            crate::calibrate::Rule::Second => "second largest",
        }
    );
    let _ = writeln!(
        t,
        "Sets tried {}, kept {} ({:.1}%)\n",
        sum.sets_tried,
        sum.sets_kept,
        100.0 * sum.sets_kept as f64 / sum.sets_tried.max(1) as f64
    );
    let _ = writeln!(t, "{:>5} {:>10} {:>8}", "wave", "sets", "kept");
    for w in &sum.waves {
        let _ = writeln!(t, "{:>5} {:>10} {:>8}", w.wave, w.sets, w.kept);
    }
    let _ = writeln!(t, "\n{:<10} {:>14}  observed", "target", "sets passing");
    for (target, (_, share)) in sum.targets.iter().zip(&sum.pass_share) {
        let observed = match target.observed {
            crate::calibrate::Observed::Value { value, sd } => format!("{value} ± {sd}"),
            crate::calibrate::Observed::Range { lo, hi } => format!("in [{lo}, {hi}]"),
        };
        let _ = writeln!(
            t,
            "{:<10} {:>13.1}%  {observed} ({})",
            target.id,
            100.0 * share,
            truncate(&target.description, 60)
        );
    }
    let _ = writeln!(
        t,
        "\n{:<40} {:>17} {:>17}",
        "parameter", "plausible range", "kept sets span"
    );
    for (p, kept) in sum.parameters.iter().zip(&sum.kept_ranges) {
        let _ = writeln!(
            t,
            "{:<40} {:>17} {:>17}",
            p.path,
            format!("[{}, {}]", p.lo, p.hi),
            kept.map_or("none kept".into(), |[a, b]| format!("[{a:.3}, {b:.3}]"))
        );
    }
    t
}

/// A PRIM box's bounds as text: `path in [lo, hi]`, joined by `and`.
pub fn box_bounds(b: &crate::discovery::PrimBox) -> String {
    b.bounds
        .iter()
        .map(|(p, [lo, hi])| format!("{p} in [{lo:.3}, {hi:.3}]"))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The table `experiment arenas --ensemble` prints.
pub fn ensemble_table(e: &crate::experiment::EnsembleVerdict) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Arena experiment over {} parameter sets of {} — scenario {}, {} replications per cell, {} months, seed {}\n",
        e.sets, e.file, e.scenario, e.replications, e.months, e.seed
    );
    let share = |s: &crate::experiment::Share| {
        format!(
            "{:>5.1}% [{:.1}, {:.1}]  ({} sets)",
            100.0 * s.share,
            100.0 * s.ci95[0],
            100.0 * s.ci95[1],
            s.count
        )
    };
    let _ = writeln!(
        t,
        "{:<14} {:<36} clinical clause (95% interval over sets)",
        "", "the proposition (95% interval over sets)"
    );
    for (name, v, c) in [
        (
            "supported",
            &e.supported_share,
            &e.clinical_clause.supported_share,
        ),
        (
            "refuted",
            &e.refuted_share,
            &e.clinical_clause.refuted_share,
        ),
        (
            "inconclusive",
            &e.inconclusive_share,
            &e.clinical_clause.inconclusive_share,
        ),
    ] {
        let _ = writeln!(t, "{name:<14} {:<36} {}", share(v), share(c));
    }
    if e.prim.is_empty() {
        let _ = writeln!(
            t,
            "\nPRIM: no box separates the supported or refuted sets from the others."
        );
    } else {
        let _ = writeln!(
            t,
            "\nPRIM boxes (coverage: share of those sets in the box; density: share of the box's sets that are):"
        );
        for b in &e.prim {
            let _ = writeln!(
                t,
                "  {:<10} coverage {:.2}, density {:.2}: {}",
                b.outcome,
                b.found.coverage,
                b.found.density,
                box_bounds(&b.found)
            );
        }
    }
    t
}

/// The table `compare` prints: per scenario, every output with its paired difference from the
/// first scenario; `*` marks an interval that excludes 0.
pub fn compare_table(c: &crate::compare::Comparison) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Comparison with {} ({}) — {} replications each, seed {}, the same areas in every scenario",
        c.reference, c.reference_file, c.replications, c.seed
    );
    for v in &c.versus {
        let _ = writeln!(t, "\n{} ({}) minus {}", v.scenario, v.file, c.reference);
        if !v.same_areas {
            let _ = writeln!(
                t,
                "  (its population has another shape: the areas share their random streams but are \
                 drawn differently, so the pairing is weaker; the intervals remain valid)"
            );
        }
        let _ = writeln!(
            t,
            "{:<34} {:>9} {:>9} {:>10} {:>21}",
            "output", "reference", "this", "difference", "95% interval"
        );
        for r in &v.rows {
            let _ = writeln!(
                t,
                "{:<34} {:>9.3} {:>9.3} {:>+10.3} {:>21} {}",
                r.output,
                r.reference,
                r.value,
                r.difference,
                format!("[{:+.3}, {:+.3}]", r.ci95[0], r.ci95[1]),
                if r.clear { "*" } else { "" }
            );
        }
    }
    let _ = writeln!(
        t,
        "\n* the interval excludes 0: a difference the replications can tell from none."
    );
    t
}
