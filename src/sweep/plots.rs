//! The sweep's chart, drawn from the finished `sweep.csv` so that a merged sweep draws exactly
//! what a single run draws: a line with its interval band over one parameter, or a heat map
//! over a grid of two, with the region where the arena verdict is `supported` outlined.

use crate::error::{Error, Result};
use crate::output::OutputDir;
use crate::plot::{self, Grid, Titles};

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

/// Draws `sweep.png` and `sweep.svg` when the design has a natural chart: one parameter (grid
/// or hypercube), or a grid over two. Other designs get no chart.
pub fn write(dir: &OutputDir, info: &SweepInfo) -> Result<()> {
    let k = info.parameters.len();
    if !(k == 1 || (k == 2 && info.design == "grid")) {
        return Ok(());
    }
    let points = read_points(dir, info)?;
    let path = |i: usize| info.parameters[i].path.as_str();
    let y = "success rate (share of initiatives, 95% interval)";
    if k == 1 {
        let mut line: Vec<(f64, f64, f64, f64)> = points
            .iter()
            .map(|p| (p.params[0], p.rate, p.lo, p.hi))
            .collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        let title = format!("{}: success across {}", info.scenario, path(0));
        return plot::line_band(
            dir,
            "sweep",
            &Titles {
                title: &title,
                x: path(0),
                y,
            },
            &line,
            (0.0, 1.0),
        );
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
    for p in &points {
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
    )
}
