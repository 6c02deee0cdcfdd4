//! The files and the page of a sensitivity analysis: `sensitivity.csv`, `sensitivity.json`,
//! `points.csv`, the charts and `index.html`. Renders results it is given; runs nothing.

use crate::error::Result;
use crate::output::{OutputDir, csv_error, fmt, json};
use crate::plot::{self, Bar, Colour, PointGroup, Titles};
use crate::report::{Figure, Page};
use crate::scenario::Scenario;

use super::{Analysis, Method, Summary};

/// `sensitivity.csv`: parameter, index, estimate, ci_lo, ci_hi (empty where there is none).
fn indices_csv(sum: &Summary) -> std::result::Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["parameter", "index", "estimate", "ci_lo", "ci_hi"])?;
    let num = |x: f64| if x.is_finite() { fmt(x) } else { String::new() };
    for r in sum.rows() {
        out.write_record([
            r.parameter,
            r.index.to_string(),
            num(r.estimate),
            num(r.ci_lo),
            num(r.ci_hi),
        ])?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// `points.csv`: every design point, its parameter values, the mean of the output over its
/// replications and the standard error of that mean.
fn points_csv(a: &Analysis) -> std::result::Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(a.summary.parameters.iter().map(|p| p.path.clone()));
    header.extend(["mean".into(), "se".into()]);
    out.write_record(&header)?;
    for p in &a.points {
        let mut row = vec![p.point.to_string()];
        row.extend(p.values.iter().map(|&x| fmt(x)));
        row.push(fmt(p.mean));
        row.push(fmt(p.se2.sqrt()));
        out.write_record(&row)?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes `sensitivity.json`, `sensitivity.csv` and `points.csv`.
pub fn write_files(dir: &OutputDir, a: &Analysis) -> Result<()> {
    dir.write("sensitivity.json", &json(&a.summary))?;
    let rows = indices_csv(&a.summary).map_err(|e| csv_error(dir, "sensitivity.csv", e))?;
    dir.write("sensitivity.csv", &rows)?;
    let points = points_csv(a).map_err(|e| csv_error(dir, "points.csv", e))?;
    dir.write("points.csv", &points)
}

/// The budget in words, for captions.
fn budget(sum: &Summary) -> String {
    let design = match sum.method {
        Method::Morris {
            trajectories,
            levels,
        } => format!("Morris, {trajectories} trajectories on {levels} levels"),
        Method::Sobol { samples } => format!("Sobol', N = {samples} base samples"),
    };
    format!(
        "{design}: {} points × {} replications; Monte Carlo noise is {:.0}% of the variance of \
         the point means.",
        sum.points,
        sum.replications,
        100.0 * sum.noise_share
    )
}

/// Writes the charts and `index.html`.
pub fn write_report(dir: &OutputDir, s: &Scenario, a: &Analysis) -> Result<()> {
    let sum = &a.summary;
    let mut figures = Vec::new();
    let mut page = Page::new(&format!("What drives {} in {}?", sum.output, sum.scenario));
    page.paragraph(&budget(sum));
    if sum.noise_share > 0.5 {
        page.callout(
            "Mostly noise:",
            "more than half of the variation between design points is Monte Carlo noise; the \
             indices say little until the replications per point (-n) are raised.",
        );
    }
    let mut rows = Vec::new();
    if let Some(m) = &sum.morris {
        let groups: Vec<PointGroup> = sum
            .parameters
            .iter()
            .zip(m)
            .enumerate()
            .map(|(i, (p, x))| PointGroup {
                label: p.path.clone(),
                colour: Colour::CYCLE[i % Colour::CYCLE.len()],
                points: vec![(x.mu_star.estimate, x.sigma)],
            })
            .collect();
        let title = format!("Morris screening of {}", sum.output);
        plot::scatter(
            dir,
            "morris",
            &Titles {
                title: &title,
                x: "μ*: mean absolute elementary effect (per full range)",
                y: "σ: spread of the elementary effects",
            },
            &groups,
            None,
            &budget(sum),
        )?;
        figures.push(Figure {
            stem: "morris".into(),
            title,
            what: "Each parameter as a point: how much changing it moves the output on average \
                   (μ*, right is more) and how much that effect varies with the other \
                   parameters (σ, up is more)."
                .into(),
            how: "Parameters near the origin can be fixed at any value in their range; far \
                  right means influential; high σ relative to μ* means the effect depends on \
                  the other parameters (interaction) or is not linear."
                .into(),
        });
        for p in &sum.ranking {
            let i = sum
                .parameters
                .iter()
                .position(|x| &x.path == p)
                .unwrap_or(0);
            let x = m[i];
            rows.push(vec![
                p.clone(),
                format!("{:.4}", x.mu_star.estimate),
                format!("[{:.4}, {:.4}]", x.mu_star.ci_lo, x.mu_star.ci_hi),
                format!("{:.4}", x.mu),
                format!("{:.4}", x.sigma),
            ]);
        }
        page.heading("Indices, most influential first");
        page.table(&["parameter", "μ*", "95% interval", "μ", "σ"], &rows);
    }
    if let Some(v) = &sum.sobol {
        let mut bars = Vec::new();
        for p in &sum.ranking {
            let i = sum
                .parameters
                .iter()
                .position(|x| &x.path == p)
                .unwrap_or(0);
            let x = v[i];
            bars.push(Bar {
                label: format!("{p} · total"),
                value: x.total.estimate,
                lo: x.total.ci_lo,
                hi: x.total.ci_hi,
                highlight: true,
            });
            bars.push(Bar {
                label: format!("{p} · first"),
                value: x.first.estimate,
                lo: x.first.ci_lo,
                hi: x.first.ci_hi,
                highlight: false,
            });
            rows.push(vec![
                p.clone(),
                format!("{:.3}", x.first.estimate),
                format!("[{:.3}, {:.3}]", x.first.ci_lo, x.first.ci_hi),
                format!("{:.3}", x.total.estimate),
                format!("[{:.3}, {:.3}]", x.total.ci_lo, x.total.ci_hi),
            ]);
        }
        let lo = bars.iter().map(|b| b.lo).fold(0.0, f64::min).max(-0.5);
        let hi = bars
            .iter()
            .map(|b| b.hi)
            .fold(0.0, f64::max)
            .clamp(0.1, 1.5);
        let title = format!("Sobol' indices of {}", sum.output);
        plot::interval_bars(
            dir,
            "sobol",
            &Titles {
                title: &title,
                x: "share of the output's variance",
                y: "parameter · index",
            },
            &bars,
            (lo, hi),
            None,
            &budget(sum),
        )?;
        figures.push(Figure {
            stem: "sobol".into(),
            title,
            what: "For each parameter, sorted by its total index: the share of the output's \
                   variance it explains alone (first order) and with all its interactions \
                   (total), with bootstrap 95% intervals."
                .into(),
            how: "A total index near 0 means the parameter can be fixed anywhere in its range; \
                  a total well above the first-order index means it acts through interactions. \
                  First-order indices add up to at most 1."
                .into(),
        });
        page.heading("Indices, most influential first");
        page.table(
            &[
                "parameter",
                "first order",
                "95% interval",
                "total",
                "95% interval",
            ],
            &rows,
        );
    }
    page.heading("Charts");
    for f in &figures {
        page.figure("", f);
    }
    page.paragraph(
        "Files: sensitivity.csv (parameter, index, estimate, ci_lo, ci_hi), sensitivity.json \
         (the summary), points.csv (every design point with its mean and standard error).",
    );
    page.scenario(s);
    page.write(dir)
}

/// The summary as a plain-text table for the terminal, most influential parameter first.
pub fn table(sum: &Summary) -> String {
    let mut out = format!(
        "Sensitivity of {} in {} ({} parameters)\n",
        sum.output,
        sum.scenario,
        sum.parameters.len()
    );
    let width = sum
        .ranking
        .iter()
        .map(|p| p.len())
        .max()
        .unwrap_or(9)
        .max(9);
    let at = |p: &str| sum.parameters.iter().position(|x| x.path == p).unwrap_or(0);
    if let Some(m) = &sum.morris {
        out.push_str(&format!(
            "{:width$}  {:>9}  {:>21}  {:>9}  {:>9}\n",
            "parameter", "mu*", "95% interval", "mu", "sigma"
        ));
        for p in &sum.ranking {
            let x = m[at(p)];
            out.push_str(&format!(
                "{p:width$}  {:>9.4}  [{:>8.4}, {:>8.4}]  {:>9.4}  {:>9.4}\n",
                x.mu_star.estimate, x.mu_star.ci_lo, x.mu_star.ci_hi, x.mu, x.sigma
            ));
        }
    }
    if let Some(v) = &sum.sobol {
        out.push_str(&format!(
            "{:width$}  {:>7}  {:>17}  {:>7}  {:>17}\n",
            "parameter", "first", "95% interval", "total", "95% interval"
        ));
        for p in &sum.ranking {
            let x = v[at(p)];
            out.push_str(&format!(
                "{p:width$}  {:>7.3}  [{:>6.3}, {:>6.3}]  {:>7.3}  [{:>6.3}, {:>6.3}]\n",
                x.first.estimate,
                x.first.ci_lo,
                x.first.ci_hi,
                x.total.estimate,
                x.total.ci_lo,
                x.total.ci_hi
            ));
        }
    }
    out.push_str(&format!("{}\n", budget(sum)));
    out
}
