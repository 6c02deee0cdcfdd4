//! The class's interactive page (`demo --interactive`): a grid of results computed in advance over
//! a few key parameters, and one self-contained HTML file that shows any point of it at once.
//!
//! [`compute`] runs the arena experiment (the verdict comes from [`crate::experiment`], never
//! recomputed here) and the all-three cell's monthly fan at every grid point; [`page`] renders the
//! grid it is given into HTML with the data, scripts and styles inlined, so the file opens from a
//! USB stick with no network and no server. Neither touches the file system.

use serde::Serialize;
use toml::Value;

use crate::error::Result;
use crate::experiment::{self, ArenaExperiment};
use crate::model::outcome::Mode;
use crate::runner::{Cancel, Observer, Within};
use crate::scenario::{Origin, Override, ScenarioSource};
use crate::stats;

/// The page's HTML, styles and script; `/*GRID*/null` is replaced by the grid as JSON.
const TEMPLATE: &str = include_str!("../assets/interactive.html");

/// The calendar month of simulated month 0 in the unit tests (April 2013, when CCGs took over
/// commissioning); a page takes it from `simulation.start_year` and `simulation.start_month`.
#[cfg(test)]
const START: (i32, u32) = (2013, 4);

/// One slider: a plain name, the parameters it sets (all to the same value) and its levels.
#[derive(Debug, Clone, Serialize)]
pub struct Slider {
    /// Short key, used in the page's URL fragment (`#reversion=2`).
    pub key: String,
    /// The name a class reads.
    pub name: String,
    /// What the parameter means, in a sentence.
    pub doc: String,
    /// The parameter paths it sets.
    pub paths: Vec<String>,
    /// The levels, lowest first.
    pub values: Vec<f64>,
    /// The level the page opens at (the scenario's own value where it is one of the levels).
    pub start: usize,
}

/// The grid of the page: four sliders of three levels each, 81 points, each around the
/// baseline's calibrated value. The three route strengths move together on one slider, since a
/// grid with each route apart would be 27 times as large for a class that first asks whether
/// routes matter at all.
pub fn sliders() -> Vec<Slider> {
    let slider = |key: &str, name: &str, doc: &str, paths: &[&str], values: &[f64]| Slider {
        key: key.into(),
        name: name.into(),
        doc: doc.into(),
        paths: paths.iter().map(|p| p.to_string()).collect(),
        values: values.to_vec(),
        start: 1,
    };
    vec![
        slider(
            "reversion",
            "Reversion to old ways",
            "How strongly practices and teams slide back to how they worked before (sedimentation).",
            &["arenas.practice.reversion_rate"],
            &[0.3, 0.5, 0.7],
        ),
        slider(
            "willingness",
            "GP willingness to lead",
            "How willing GPs are, on average, to take up leadership at the start.",
            &["gp.willingness.mean"],
            &[0.28, 0.38, 0.48],
        ),
        slider(
            "pressure",
            "Central pressure",
            "How hard the centre (hierarchy) pulls attention to national priorities at the start.",
            &["environment.central_pressure"],
            &[0.2, 0.4, 0.6],
        ),
        slider(
            "routes",
            "Strength of the three routes",
            "The directive route (strategic board), the contract route (programme boards) and the \
             grassroots route (point of delivery), all set to this strength.",
            &[
                "arenas.strategic.directive_strength",
                "arenas.programme.contract_strength",
                "arenas.practice.grassroots_adoption",
            ],
            &[0.15, 0.3, 0.45],
        ),
    ]
}

/// One cell of the arena experiment at a grid point: success rate and its 95% interval.
#[derive(Debug, Clone, Serialize)]
pub struct CellRate {
    /// Share of initiatives that succeeded.
    pub success: f64,
    /// 95% interval, low end.
    pub lo: f64,
    /// 95% interval, high end.
    pub hi: f64,
}

/// The verdict at a grid point, as the experiment engine gave it.
#[derive(Debug, Clone, Serialize)]
pub struct PointVerdict {
    /// `supported`, `refuted` or `inconclusive`.
    pub result: String,
    /// The engine's sentence saying why.
    pub reason: String,
    /// How far the deciding interval lies from the threshold (negative: it straddles it).
    pub margin: f64,
    /// The share of the all-three rate a cell must stay under (0.5 by default).
    pub threshold: f64,
    /// The all-three cell's success rate.
    pub all_three: f64,
    /// The cell with fewer arenas whose share of all three is highest.
    pub deciding_label: String,
    /// That cell's share of the all-three rate.
    pub deciding_share: f64,
    /// Its paired 95% interval.
    pub deciding_ci: [f64; 2],
}

/// Everything the page shows at one grid point.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// The level of each slider, in [`Grid::sliders`] order.
    pub at: Vec<usize>,
    /// The ten cells of the arena experiment, in [`experiment::arena_cells`] order.
    pub cells: Vec<CellRate>,
    /// The verdict on whether all three arenas are needed.
    pub verdict: PointVerdict,
    /// The all-three cell by month: share of initiatives succeeded so far, `[mean, lo, hi]`.
    pub success: Vec<[f64; 3]>,
    /// The all-three cell by initiative and month: adoption `[p5, median, p95]` over areas.
    pub adoption: Vec<Vec<[f64; 3]>>,
}

/// A scheduled policy event, for the fan chart's marks.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Month it takes effect (0 = April 2013).
    pub month: u32,
    /// What it was.
    pub name: String,
}

/// A term and its meaning, for the page's glossary.
#[derive(Debug, Clone, Serialize)]
pub struct Term {
    /// The term as the page writes it.
    pub term: String,
    /// What it means.
    pub meaning: String,
}

/// A cell's label and its name spelled out.
#[derive(Debug, Clone, Serialize)]
pub struct CellName {
    /// The experiment's short label (`S P -`).
    pub label: String,
    /// Spelled out (`strategic + programme`).
    pub name: String,
}

/// The whole grid: what it was run on, the sliders and every point.
#[derive(Debug, Clone, Serialize)]
pub struct Grid {
    /// The tool and its version.
    pub tool: String,
    /// Scenario name.
    pub scenario: String,
    /// Scenario seed.
    pub seed: u64,
    /// Replications per cell at each point.
    pub replications: u64,
    /// Months simulated.
    pub months: u32,
    /// Calendar year and month of month 0.
    pub start: (i32, u32),
    /// The scenario's policy events.
    pub events: Vec<Event>,
    /// Initiative names.
    pub initiatives: Vec<String>,
    /// The ten cells' labels and names.
    pub cells: Vec<CellName>,
    /// The sliders.
    pub sliders: Vec<Slider>,
    /// Failure modes and arena labels explained.
    pub glossary: Vec<Term>,
    /// Every point, the last slider varying fastest.
    pub points: Vec<Point>,
}

/// The number of points of a grid over `sliders`.
pub fn grid_size(sliders: &[Slider]) -> usize {
    sliders.iter().map(|s| s.values.len()).product()
}

/// The slider levels of point `index`, the last slider varying fastest.
fn levels(sliders: &[Slider], mut index: usize) -> Vec<usize> {
    let mut at = vec![0; sliders.len()];
    for (a, s) in at.iter_mut().zip(sliders).rev() {
        *a = index % s.values.len();
        index /= s.values.len();
    }
    at
}

/// Four decimals: the page cannot show more, and the file stays small.
fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// An arena label spelled out: `S - D` becomes `strategic + delivery`.
pub fn cell_name(label: &str) -> String {
    let parts: Vec<&str> = label.split(' ').collect();
    if parts.len() != 3 {
        return label.to_string();
    }
    let names: Vec<&str> = parts
        .iter()
        .zip(["strategic", "programme", "delivery"])
        .filter(|(p, _)| **p != "-")
        .map(|(_, n)| n)
        .collect();
    if names.is_empty() {
        "no arena".into()
    } else {
        names.join(" + ")
    }
}

/// What each failure mode and arena label means (the classification of docs/ODD.md §7.7).
fn glossary() -> Vec<Term> {
    let mut terms = vec![
        Term {
            term: "strategic".into(),
            meaning: "the CCG's governing body, where GPs hold seats; its route is directive"
                .into(),
        },
        Term {
            term: "programme".into(),
            meaning: "programme boards that design services with providers; their route is the \
                      contract"
                .into(),
        },
        Term {
            term: "delivery".into(),
            meaning: "the point of delivery: practices and teams that adopt a new way of \
                      working; its route is grassroots"
                .into(),
        },
        Term {
            term: "knockout".into(),
            meaning: "all three arenas on, but clinical (or managerial) leadership taken out of \
                      every one"
                .into(),
        },
    ];
    terms.extend(Mode::ALL.iter().map(|&m| Term {
        term: m.name().replace('_', " "),
        meaning: crate::report::mode_meaning(m).into(),
    }));
    terms
}

/// Runs the arena experiment and the all-three cell's fan at every point of the grid over
/// `sliders`, one point after another (each point's replications run in parallel on the current
/// rayon pool), so the grid is the same for any number of threads. Every point meets the same
/// areas (design point 0), so moving a slider changes only what the slider changes.
pub fn compute(
    source: &ScenarioSource,
    base: &[Override],
    sliders: &[Slider],
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Grid> {
    let s = source.resolve(base)?;
    let n = u64::from(s.simulation.replications);
    let size = grid_size(sliders);
    // The experiment advances once per replication for all its cells; the fan once more.
    observer.start(size as u64 * 2 * n, 0);
    let within = Within(observer);
    let all_three = experiment::arena_cells()
        .into_iter()
        .next()
        .expect("the factorial has an all-three cell");
    let mut points = Vec::with_capacity(size);
    for index in 0..size {
        let at = levels(sliders, index);
        let mut overrides = base.to_vec();
        for (slider, &level) in sliders.iter().zip(&at) {
            for path in &slider.paths {
                overrides.push(Override::new(
                    path,
                    Value::Float(slider.values[level]),
                    Origin::Flag(format!("demo --interactive slider `{}`", slider.key)),
                ));
            }
        }
        let exp = experiment::arenas(source, &overrides, 0, &within, cancel)?;
        // The fan is the all-three cell's: the same settings as the experiment's first cell.
        let mut cell = overrides.clone();
        cell.extend(all_three.settings.iter().map(|(path, value)| {
            Override::new(
                path,
                value.clone(),
                Origin::Flag("demo --interactive, all-three cell".into()),
            )
        }));
        let sc = source.resolve(&cell)?;
        let run = stats::simulate(&sc, 0, &within, cancel, |_, _| Ok(()))?;
        points.push(point(at, &exp, &run.aggregate, sc.initiative.len()));
    }
    cancel.check()?;
    Ok(Grid {
        tool: format!("redesign-sim {}", env!("CARGO_PKG_VERSION")),
        scenario: s.simulation.name.clone(),
        seed: s.simulation.seed,
        replications: n,
        months: s.simulation.months,
        start: (s.simulation.start_year as i32, s.simulation.start_month),
        events: s
            .event
            .iter()
            .filter(|e| e.kind == "policy")
            .map(|e| Event {
                month: e.month,
                name: e.name.clone(),
            })
            .collect(),
        initiatives: s.initiative.iter().map(|i| i.name.clone()).collect(),
        cells: experiment::arena_cells()
            .iter()
            .map(|c| CellName {
                label: c.label.clone(),
                name: cell_name(&c.label),
            })
            .collect(),
        sliders: sliders.to_vec(),
        glossary: glossary(),
        points,
    })
}

/// One point's figures from its experiment and its all-three run.
fn point(
    at: Vec<usize>,
    exp: &ArenaExperiment,
    aggregate: &stats::Aggregate,
    initiatives: usize,
) -> Point {
    let v = &exp.verdict;
    let deciding = v.highest_share();
    let all = &exp.cells[0].cumulative;
    let mut adoption = vec![Vec::new(); initiatives];
    for row in aggregate.series() {
        // Adoption is the third quantity of a series row; its columns are mean, p5, p50, p95.
        let a = row.stats[2];
        adoption[row.initiative].push([round(a[1]), round(a[2]), round(a[3])]);
    }
    Point {
        at,
        cells: exp
            .cells
            .iter()
            .map(|c| CellRate {
                success: round(c.success_rate),
                lo: round(c.ci95[0]),
                hi: round(c.ci95[1]),
            })
            .collect(),
        verdict: PointVerdict {
            result: v.result.clone(),
            reason: v.reason.clone(),
            margin: round(v.margin),
            threshold: v.threshold,
            all_three: round(v.all_three_rate),
            deciding_label: deciding.map(|r| r.label.clone()).unwrap_or_default(),
            deciding_share: deciding.map_or(0.0, |r| round(r.estimate)),
            deciding_ci: deciding.map_or([0.0; 2], |r| [round(r.ci95[0]), round(r.ci95[1])]),
        },
        success: all
            .rate
            .iter()
            .zip(all.ci_lo.iter().zip(&all.ci_hi))
            .map(|(m, (lo, hi))| [round(*m), round(*lo), round(*hi)])
            .collect(),
        adoption,
    }
}

/// The grid as compact JSON, the bytes the page embeds and `interactive.json` holds.
pub fn grid_json(grid: &Grid) -> String {
    // Serialising plain numbers and strings cannot fail.
    serde_json::to_string(grid).unwrap_or_default()
}

/// The self-contained page showing the grid: HTML with the grid, styles and script inlined.
pub fn page(grid: &Grid) -> String {
    // `</` inside a script would end it early; `<\/` is the same string to JavaScript.
    let data = grid_json(grid).replace("</", "<\\/");
    TEMPLATE.replacen("/*GRID*/null", &data, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_count_with_the_last_slider_fastest() {
        let s = sliders();
        assert_eq!(grid_size(&s), 81);
        assert_eq!(levels(&s, 0), vec![0, 0, 0, 0]);
        assert_eq!(levels(&s, 1), vec![0, 0, 0, 1]);
        assert_eq!(levels(&s, 3), vec![0, 0, 1, 0]);
        assert_eq!(levels(&s, 80), vec![2, 2, 2, 2]);
    }

    #[test]
    fn labels_are_spelled_out() {
        assert_eq!(cell_name("S P D"), "strategic + programme + delivery");
        assert_eq!(cell_name("S - D"), "strategic + delivery");
        assert_eq!(cell_name("- - -"), "no arena");
        assert_eq!(cell_name("clinical knockout"), "clinical knockout");
    }

    #[test]
    fn the_page_embeds_the_grid_without_ending_its_script() {
        let grid = Grid {
            tool: "t".into(),
            scenario: "</script>".into(),
            seed: 1,
            replications: 1,
            months: 1,
            start: START,
            events: vec![],
            initiatives: vec![],
            cells: vec![],
            sliders: vec![],
            glossary: glossary(),
            points: vec![],
        };
        let html = page(&grid);
        assert!(!html.contains("/*GRID*/null"));
        assert_eq!(html.matches("</script>").count(), 1);
    }
}
