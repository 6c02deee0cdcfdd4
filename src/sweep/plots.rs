//! The sweep's chart, drawn from the finished `sweep.csv` so that a merged sweep draws exactly
//! what a single run draws: a line with its interval band over one parameter, or a heat map
//! over a grid of two, with the region where the arena verdict is `supported` outlined.

use crate::error::{Error, Result};
use crate::output::OutputDir;
use crate::plot::{self, Grid, Titles};
use crate::report::{Figure, Page};
use crate::scenario::Scenario;

use super::SweepInfo;

/// The figures of one row that a chart needs.
struct Point {
    params: Vec<f64>,
    rate: f64,
    lo: f64,
    hi: f64,
    supported: Option<bool>,
}

fn number(field: &str) -> Option<f64> {
    match field {
        "true" => Some(1.0),
        "false" => Some(0.0),
        _ => field.parse().ok(),
    }
}

fn read_points(dir: &OutputDir, info: &SweepInfo) -> Result<Vec<Point>> {
    let path = dir.file("sweep.csv");
    let bad = |message: String| Error::write(&path, std::io::Error::other(message));
    let mut reader = csv::Reader::from_path(&path).map_err(|e| bad(e.to_string()))?;
    let col = |name: &str| info.columns.iter().position(|c| c == name);
    let k = info.parameters.len();
    let (Some(rate), Some(lo), Some(hi)) = (col("success_rate"), col("ci_lo"), col("ci_hi")) else {
        return Err(bad("sweep.csv lacks its rate columns".into()));
    };
    let verdict = col("verdict");
    let mut out = Vec::new();
    for record in reader.records() {
        let r = record.map_err(|e| bad(e.to_string()))?;
        let get = |i: usize| r.get(i).and_then(number);
        let params: Option<Vec<f64>> = (1..=k).map(get).collect();
        let (Some(params), Some(rate), Some(lo), Some(hi)) = (params, get(rate), get(lo), get(hi))
        else {
            return Err(bad(format!("row {:?} is not numeric", r.get(0))));
        };
        out.push(Point {
            params,
            rate,
            lo,
            hi,
            supported: verdict.and_then(|v| r.get(v)).map(|v| v == "supported"),
        });
    }
    Ok(out)
}

/// Draws the chart when the design has one and writes the sweep's `index.html`.
pub fn write(dir: &OutputDir, info: &SweepInfo) -> Result<()> {
    let points = read_points(dir, info)?;
    let drawn = chart(dir, info, &points)?;
    // The page shows the scenario recorded in sweep.json, so that a merged sweep writes the
    // same page as a single run.
    let base: Option<Scenario> = serde_json::from_value(info.base_scenario.clone()).ok();
    page(dir, info, base.as_ref(), &points, drawn)
}

/// Draws `sweep.png` and `sweep.svg` when the design has a natural chart: one parameter (grid
/// or hypercube), or a grid over two. Other designs get no chart; says whether it drew.
fn chart(dir: &OutputDir, info: &SweepInfo, points: &[Point]) -> Result<bool> {
    let k = info.parameters.len();
    if !(k == 1 || (k == 2 && info.design == "grid")) {
        return Ok(false);
    }
    let path = |i: usize| info.parameters[i].path.as_str();
    let y = "success rate (share of initiatives, 95% interval)";
    if k == 1 {
        let mut line: Vec<(f64, f64, f64, f64)> = points
            .iter()
            .map(|p| (p.params[0], p.rate, p.lo, p.hi))
            .collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        let title = format!("{}: success across {}", info.scenario, path(0));
        plot::line_band(
            dir,
            "sweep",
            &Titles {
                title: &title,
                x: path(0),
                y,
            },
            &line,
            (0.0, 1.0),
        )?;
        return Ok(true);
    }
    // Distinct values of each parameter, increasing, as the heat map's axes.
    let axis = |i: usize| -> Vec<f64> {
        let mut v: Vec<f64> = points.iter().map(|p| p.params[i]).collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    };
    let (xs, ys) = (axis(0), axis(1));
    let index = |axis: &[f64], x: f64| axis.partition_point(|&a| a < x);
    let mut values = vec![f64::NAN; xs.len() * ys.len()];
    let mut outline = vec![false; values.len()];
    let mut any_verdict = false;
    for p in points {
        let cell = index(&ys, p.params[1]) * xs.len() + index(&xs, p.params[0]);
        values[cell] = p.rate;
        if let Some(s) = p.supported {
            any_verdict = true;
            outline[cell] = s;
        }
    }
    let title = format!(
        "{}: success over {} and {}",
        info.scenario,
        path(0),
        path(1)
    );
    plot::heatmap(
        dir,
        "sweep",
        &Titles {
            title: &title,
            x: path(0),
            y: path(1),
        },
        &Grid {
            xs: &xs,
            ys: &ys,
            values: &values,
            range: (0.0, 1.0),
            value_label: "success rate",
            outline: any_verdict.then_some((&outline[..], "arena verdict: supported")),
        },
    )?;
    Ok(true)
}

/// Rows of the design shown on the page; the full table is `sweep.csv`.
const PAGE_ROWS: usize = 400;

/// The sweep's `index.html`: what was swept, the chart with its caption, and the table of points.
fn page(
    dir: &OutputDir,
    info: &SweepInfo,
    s: Option<&Scenario>,
    points: &[Point],
    drawn: bool,
) -> Result<()> {
    let mut page = Page::new(&format!("Sweep of {}", info.scenario));
    let ranges: Vec<String> = info
        .parameters
        .iter()
        .map(|p| format!("{} from {} to {}", p.path, p.lo, p.hi))
        .collect();
    page.paragraph(&format!(
        "A {} design of {} points over {}; {} replications per point, seed {}{}. Each point's \
         success rate is pooled over the scenario's initiatives, with a 95% interval computed over \
         replications.",
        if info.design == "lhs" {
            "Latin-hypercube"
        } else {
            "grid"
        },
        info.points,
        ranges.join(", "),
        info.replications,
        info.seed,
        if info.independent_points {
            ", independent random numbers at each point"
        } else {
            ", the same simulated areas at every point"
        },
    ));
    if drawn {
        let (what, how) = if info.parameters.len() == 1 {
            (
                "The success rate at each value of the swept parameter, with its 95% interval as a band.",
                "Where the band is narrow the rate is well measured; a rise or fall across the axis is the parameter's effect.",
            )
        } else {
            (
                "The success rate at every combination of the two swept parameters, as colour; outlined cells are where the arena verdict is supported, when the experiment ran.",
                "Read along a row or a column for one parameter's effect with the other held; the outlined region is where redesign needs all three arenas.",
            )
        };
        page.figure(
            "",
            &Figure {
                stem: "sweep".into(),
                title: format!("Success across the sweep of {}", info.scenario),
                what: what.into(),
                how: how.into(),
            },
        );
    }
    let mut header: Vec<&str> = vec!["point"];
    header.extend(info.parameters.iter().map(|p| p.path.as_str()));
    header.extend(["success rate", "95% interval"]);
    let with_verdict = points.iter().any(|p| p.supported.is_some());
    if with_verdict {
        header.push("arena verdict supported");
    }
    let rows: Vec<Vec<String>> = points
        .iter()
        .take(PAGE_ROWS)
        .enumerate()
        .map(|(i, p)| {
            let mut row = vec![i.to_string()];
            row.extend(p.params.iter().map(|x| format!("{x}")));
            row.push(format!("{:.3}", p.rate));
            row.push(format!("[{:.3}, {:.3}]", p.lo, p.hi));
            if with_verdict {
                row.push(
                    p.supported
                        .map(|b| if b { "yes" } else { "no" })
                        .unwrap_or("")
                        .into(),
                );
            }
            row
        })
        .collect();
    page.heading("Design points");
    if points.len() > PAGE_ROWS {
        page.paragraph(&format!(
            "The first {PAGE_ROWS} of {} points; every point is in sweep.csv.",
            points.len()
        ));
    }
    page.table(&header, &rows);
    page.link("sweep.csv", "sweep.csv: every point");
    if let Some(s) = s {
        page.scenario(s);
    }
    page.write(dir)
}
