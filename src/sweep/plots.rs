//! The sweep's chart, drawn from the finished `sweep.csv` so that a merged sweep draws exactly
//! what a single run draws: a line with its interval band over one parameter, a heat map over a
//! grid of two with the arena verdict marked at each point, or, for a Latin hypercube (or any
//! design of more parameters), success against each parameter in small multiples coloured by
//! the verdict. Parameters are named as `params` names them; their paths go in the caption.

use crate::error::{Error, Result};
use crate::output::OutputDir;
use crate::plot::{self, CellMarks, Colour, Grid, Panel, Symbol, Titles};
use crate::report::{Figure, Page};
use crate::scenario::Scenario;
use crate::scenario::display_name;

use super::{Scale, SweepInfo};

/// The figures of one row that a chart needs.
struct Point {
    params: Vec<f64>,
    rate: f64,
    lo: f64,
    hi: f64,
    /// The arena verdict at the point, when the sweep ran the experiment.
    verdict: Option<String>,
}

/// The arena verdict's three results, with the symbol a heat map marks them with and the
/// colour a scatter draws them in.
const VERDICTS: [(&str, Symbol, Colour); 3] = [
    ("supported", Symbol::Disc, Colour::BluishGreen),
    ("refuted", Symbol::Cross, Colour::Vermillion),
    ("inconclusive", Symbol::Ring, Colour::Grey),
];

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
            verdict: verdict
                .and_then(|v| r.get(v))
                .filter(|v| !v.is_empty())
                .map(str::to_string),
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

/// "off" and "on" for a switch's 0 and 1.
fn switch_names() -> [String; 2] {
    ["off".to_string(), "on".to_string()]
}

/// A parameter's value as a reader sees it: "on"/"off" for a switch, else the number.
fn shown(scale: Scale, x: f64) -> String {
    match scale {
        Scale::Bool if x >= 0.5 => "on".into(),
        Scale::Bool => "off".into(),
        _ => format!("{x}"),
    }
}

/// What the chart showed, for the page's caption.
enum Drawn {
    /// No chart.
    None,
    /// A line with its band over one parameter.
    Line,
    /// A heat map over two.
    Heatmap,
    /// Success against each parameter, one panel each; the caption written from the data.
    Panels(String),
}

/// Draws `sweep.png` and `sweep.svg`: a line over one parameter, a heat map over a grid of
/// two, success against each parameter for any other design (a Latin hypercube, a grid of
/// three or more). Says what it drew.
fn chart(dir: &OutputDir, info: &SweepInfo, points: &[Point]) -> Result<Drawn> {
    let k = info.parameters.len();
    if k == 0 || points.is_empty() {
        return Ok(Drawn::None);
    }
    let name = |i: usize| display_name(&info.parameters[i].path);
    let y = "success rate (share of initiatives, 95% interval)";
    if k == 1 {
        let mut line: Vec<(f64, f64, f64, f64)> = points
            .iter()
            .map(|p| (p.params[0], p.rate, p.lo, p.hi))
            .collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        let title = format!(
            "{}: success across {}",
            info.scenario,
            lower_first(&name(0))
        );
        let x = format!("{} ({})", name(0), info.parameters[0].path);
        plot::line_band(
            dir,
            "sweep",
            &Titles {
                title: &title,
                x: &x,
                y,
            },
            &line,
            (0.0, 1.0),
        )?;
        return Ok(Drawn::Line);
    }
    if k == 2 && info.design == "grid" {
        heatmap(dir, info, points)?;
        return Ok(Drawn::Heatmap);
    }
    let caption = panels(dir, info, points)?;
    Ok(Drawn::Panels(caption))
}

/// `text` with its first letter in lower case, to run on in a sentence.
fn lower_first(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(f) if !text.starts_with("GP") => f.to_lowercase().chain(c).collect(),
        _ => text.to_string(),
    }
}

fn heatmap(dir: &OutputDir, info: &SweepInfo, points: &[Point]) -> Result<()> {
    // Distinct values of each parameter, increasing, as the heat map's axes.
    let axis = |i: usize| -> Vec<f64> {
        let mut v: Vec<f64> = points.iter().map(|p| p.params[i]).collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    };
    let (xs, ys) = (axis(0), axis(1));
    let labels = |i: usize, values: &[f64]| -> Option<Vec<String>> {
        (info.parameters[i].kind == Scale::Bool)
            .then(|| values.iter().map(|&x| shown(Scale::Bool, x)).collect())
    };
    let (x_labels, y_labels) = (labels(0, &xs), labels(1, &ys));
    let index = |axis: &[f64], x: f64| axis.partition_point(|&a| a < x);
    let mut values = vec![f64::NAN; xs.len() * ys.len()];
    let mut marked = vec![None; values.len()];
    let mut any_verdict = false;
    for p in points {
        let cell = index(&ys, p.params[1]) * xs.len() + index(&xs, p.params[0]);
        values[cell] = p.rate;
        if let Some(v) = &p.verdict {
            any_verdict = true;
            marked[cell] = VERDICTS.iter().position(|(name, ..)| name == v);
        }
    }
    let kinds: Vec<(String, Symbol)> = VERDICTS
        .iter()
        .map(|(name, symbol, _)| (format!("arena verdict {name}"), *symbol))
        .collect();
    let name = |i: usize| display_name(&info.parameters[i].path);
    let title = format!(
        "{}: success over {} and {}",
        info.scenario,
        lower_first(&name(0)),
        lower_first(&name(1))
    );
    plot::heatmap(
        dir,
        "sweep",
        &Titles {
            title: &title,
            x: &name(0),
            y: &name(1),
        },
        &Grid {
            xs: &xs,
            ys: &ys,
            x_labels: x_labels.as_deref(),
            y_labels: y_labels.as_deref(),
            values: &values,
            range: (f64::NAN, f64::NAN),
            value_label: "success rate",
            marks: any_verdict.then_some(CellMarks {
                cells: &marked,
                kinds: &kinds,
            }),
        },
    )
}

/// Success against each parameter, one panel each, coloured by the verdict when the sweep ran
/// the arena experiment; returns a caption written from the data: the range of success, and
/// the parameter whose rank correlation with success is strongest, with its direction.
fn panels(dir: &OutputDir, info: &SweepInfo, points: &[Point]) -> Result<String> {
    let with_verdict = points.iter().any(|p| p.verdict.is_some());
    let group = |p: &Point| -> usize {
        if !with_verdict {
            return 0;
        }
        p.verdict
            .as_deref()
            .and_then(|v| VERDICTS.iter().position(|(name, ..)| *name == v))
            .unwrap_or(VERDICTS.len())
    };
    let panels: Vec<Panel> = info
        .parameters
        .iter()
        .enumerate()
        .map(|(i, param)| Panel {
            x: display_name(&param.path),
            switch: (param.kind == Scale::Bool).then(switch_names),
            points: points
                .iter()
                .map(|p| (p.params[i], p.rate, group(p)))
                .collect(),
        })
        .collect();
    let groups: Vec<(String, Colour)> = if with_verdict {
        VERDICTS
            .iter()
            .map(|(name, _, colour)| (format!("arena verdict {name}"), *colour))
            .collect()
    } else {
        vec![("design point".to_string(), Colour::Blue)]
    };
    let caption = panels_caption(info, points, with_verdict);
    let title = format!(
        "{}: success against each of the {} swept parameters ({} points)",
        info.scenario,
        info.parameters.len(),
        points.len()
    );
    plot::panels(
        dir,
        "sweep",
        &title,
        "success rate",
        &panels,
        &groups,
        &caption,
    )?;
    Ok(caption)
}

/// Spearman's rank correlation of two equally long lists (ties take their mean rank); `None`
/// when either does not vary.
fn rank_correlation(a: &[f64], b: &[f64]) -> Option<f64> {
    let ranks = |v: &[f64]| -> Vec<f64> {
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        let mut k = 0;
        while k < order.len() {
            let mut end = k;
            while end + 1 < order.len() && v[order[end + 1]] == v[order[k]] {
                end += 1;
            }
            for &i in &order[k..=end] {
                r[i] = (k + end) as f64 / 2.0;
            }
            k = end + 1;
        }
        r
    };
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
    let (ma, mb) = (mean(&ra), mean(&rb));
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    (va > 0.0 && vb > 0.0).then(|| cov / (va * vb).sqrt())
}

/// The small multiples' caption, from the data.
fn panels_caption(info: &SweepInfo, points: &[Point], with_verdict: bool) -> String {
    let rates: Vec<f64> = points.iter().map(|p| p.rate).collect();
    let lo = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut text = format!(
        "Success ranges from {:.2} to {:.2} over the {} points.",
        lo,
        hi,
        points.len()
    );
    let strongest = info
        .parameters
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let xs: Vec<f64> = points.iter().map(|q| q.params[i]).collect();
            rank_correlation(&xs, &rates).map(|r| (p, r))
        })
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
    if let Some((p, r)) = strongest {
        text.push_str(&format!(
            " It follows {} ({}) most closely: rank correlation {:+.2}, {}.",
            lower_first(&display_name(&p.path)),
            p.path,
            r,
            if r.abs() < 0.1 {
                "too weak to call a trend"
            } else if r > 0.0 {
                "success rises with it"
            } else {
                "success falls as it rises"
            }
        ));
    }
    if with_verdict {
        let count = |name: &str| {
            points
                .iter()
                .filter(|p| p.verdict.as_deref() == Some(name))
                .count()
        };
        text.push_str(&format!(
            " Arena verdict: supported at {}, refuted at {}, inconclusive at {} points.",
            count("supported"),
            count("refuted"),
            count("inconclusive")
        ));
    }
    text
}

/// Rows of the design shown on the page; the full table is `sweep.csv`.
const PAGE_ROWS: usize = 400;

/// The sweep's `index.html`: what was swept, the chart with its caption, and the table of points.
fn page(
    dir: &OutputDir,
    info: &SweepInfo,
    s: Option<&Scenario>,
    points: &[Point],
    drawn: Drawn,
) -> Result<()> {
    let mut page = Page::new(&format!("Sweep of {}", info.scenario));
    let ranges: Vec<String> = info
        .parameters
        .iter()
        .map(|p| {
            format!(
                "{} ({}) from {} to {}",
                lower_first(&display_name(&p.path)),
                p.path,
                shown(p.kind, p.lo),
                shown(p.kind, p.hi)
            )
        })
        .collect();
    page.paragraph(&format!(
        "A {} design of {} points over {}; {} replications per point, seed {}{}. Each point's \
         success rate is pooled over the scenario's initiatives, with a 95% interval computed over \
         replications.",
        match info.design.as_str() {
            "lhs" => "Latin-hypercube",
            "table" => "table",
            _ => "grid",
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
    let paths: Vec<&str> = info.parameters.iter().map(|p| p.path.as_str()).collect();
    let verdicts = points.iter().any(|p| p.verdict.is_some());
    let figure = match drawn {
        Drawn::None => None,
        Drawn::Line => Some((
            "The success rate at each value of the swept parameter, with its 95% interval as a \
             band."
                .to_string(),
            "Where the band is narrow the rate is well measured; a rise or fall across the axis \
             is the parameter's effect."
                .to_string(),
        )),
        Drawn::Heatmap => Some((
            format!(
                "The success rate at every combination of the two swept parameters ({}), as \
                 colour; the colour scale runs from the lowest to the highest rate in the sweep, \
                 so read the numbers on the colour bar, not the colour alone.{}",
                paths.join(" across, ").to_string() + " up",
                if verdicts {
                    " A symbol in each cell gives the arena verdict at that point: a disc where \
                     it is supported, a cross where it is refuted, a ring where it is \
                     inconclusive."
                } else {
                    ""
                }
            ),
            format!(
                "Read along a row or a column for one parameter's effect with the other held.{}",
                if verdicts {
                    " The discs mark where redesign needs all three arenas; rings mark points \
                     where the replications could not tell."
                } else {
                    ""
                }
            ),
        )),
        Drawn::Panels(caption) => Some((
            format!(
                "Each design point's success rate against each swept parameter in turn, one \
                 panel per parameter ({}){}. {caption}",
                paths.join(", "),
                if verdicts {
                    ", coloured by the arena verdict at that point"
                } else {
                    ""
                }
            ),
            format!(
                "Every point appears in every panel: all parameters vary at once, so a panel \
                 shows one parameter's effect blurred by the others. A clear slope in a panel is a \
                 strong effect; a flat cloud means the parameter matters little over its range.{}",
                if info.parameters.iter().any(|p| p.kind == Scale::Bool) {
                    " A switch's points are spread a little sideways around off and on so that \
                     they do not hide each other: where a point sits within its band means \
                     nothing."
                } else {
                    ""
                }
            ),
        )),
    };
    if let Some((what, how)) = figure {
        page.figure(
            "",
            &Figure {
                stem: "sweep".into(),
                title: format!("Success across the sweep of {}", info.scenario),
                what,
                how,
            },
        );
    }
    let mut header: Vec<&str> = vec!["point"];
    header.extend(info.parameters.iter().map(|p| p.path.as_str()));
    header.extend(["success rate", "95% interval"]);
    let with_verdict = points.iter().any(|p| p.verdict.is_some());
    if with_verdict {
        header.push("arena verdict");
    }
    let rows: Vec<Vec<String>> = points
        .iter()
        .take(PAGE_ROWS)
        .enumerate()
        .map(|(i, p)| {
            let mut row = vec![i.to_string()];
            row.extend(
                p.params
                    .iter()
                    .zip(&info.parameters)
                    .map(|(x, param)| shown(param.kind, *x)),
            );
            row.push(format!("{:.3}", p.rate));
            row.push(format!("[{:.3}, {:.3}]", p.lo, p.hi));
            if with_verdict {
                row.push(p.verdict.clone().unwrap_or_default());
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
