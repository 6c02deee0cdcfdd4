//! Reports: the charts and the self-contained `index.html` of each output folder, and `demo`,
//! the one command a teacher runs in front of a class.
//!
//! A page is built with [`Page`]: headings, paragraphs, tables and figures whose captions say
//! what the chart shows and how to read it. Pages need no server and load nothing from the
//! network: inline CSS, no scripts, images referenced by relative file name (the demo's page
//! embeds its images, so that it is one file).

use std::fmt::Write as _;

use crate::error::Result;
use crate::experiment::{self, ArenaExperiment, CellResult, ClinicalExperiment, TimingExperiment};
use crate::output::OutputDir;
use crate::plot::{
    self, Bar, CellMarks, Colour, InTime, Mark, Reference, Series, Stack, Symbol, Titles,
};
use crate::scenario::Scenario;
use crate::stats::RunResult;

// ------------------------------------------------------------------------------ pages

/// A chart in an output folder and its two-line caption.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File name without extension; `<stem>.png` and `<stem>.svg` exist.
    pub stem: String,
    /// The chart's title, also the image's alternative text.
    pub title: String,
    /// What it shows.
    pub what: String,
    /// How to read it.
    pub how: String,
}

/// An HTML page being built; [`Page::write`] puts it in an output folder as `index.html`.
#[derive(Debug, Clone)]
pub struct Page {
    title: String,
    body: String,
}

/// `text` with the characters that mean something in HTML escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;\
color:#1a1a1a;background:#fff;margin:0;line-height:1.5}\
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px}\
h1{font-size:2rem;margin:0.4em 0}h2{font-size:1.45rem;margin-top:2em;border-bottom:2px solid #0072B2;padding-bottom:4px}\
table{border-collapse:collapse;margin:1em 0;font-size:0.95rem}\
th,td{border:1px solid #ccc;padding:5px 10px;text-align:left;vertical-align:top}\
th{background:#eef4f9}td.num{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:1.6em 0}figure img{width:100%;height:auto;border:1px solid #ddd}\
figcaption{font-size:0.95rem;color:#333;margin-top:6px}\
pre{background:#f6f6f6;border:1px solid #ddd;padding:12px;overflow:auto;font-size:0.85rem}\
.verdict{font-size:1.15rem;padding:10px 14px;border-left:6px solid #0072B2;background:#eef4f9}\
dl.glossary dt{font-weight:600;margin-top:0.5em}dl.glossary dd{margin-left:1.5em}\
footer{margin-top:3em;color:#666;font-size:0.85rem}";

impl Page {
    /// A page with this title (also its first heading).
    pub fn new(title: &str) -> Self {
        Page {
            title: title.to_string(),
            body: String::new(),
        }
    }

    /// A section heading.
    pub fn heading(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.body, "<h2>{}</h2>", escape(text));
        self
    }

    /// A paragraph of plain text.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.body, "<p>{}</p>", escape(text));
        self
    }

    /// A highlighted paragraph (e.g. a verdict): a bold lead followed by plain text.
    pub fn callout(&mut self, lead: &str, text: &str) -> &mut Self {
        let _ = writeln!(
            self.body,
            "<p class=\"verdict\"><strong>{}</strong> {}</p>",
            escape(lead),
            escape(text)
        );
        self
    }

    /// A paragraph holding a link to a relative `href`.
    pub fn link(&mut self, href: &str, text: &str) -> &mut Self {
        let _ = writeln!(
            self.body,
            "<p><a href=\"{}\">{}</a></p>",
            escape(href),
            escape(text)
        );
        self
    }

    /// A table; cells that are numbers, percentages or intervals are right-aligned.
    pub fn table(&mut self, header: &[&str], rows: &[Vec<String>]) -> &mut Self {
        self.body.push_str("<table>\n<thead><tr>");
        for h in header {
            let _ = write!(self.body, "<th>{}</th>", escape(h));
        }
        self.body.push_str("</tr></thead>\n<tbody>\n");
        for row in rows {
            self.body.push_str("<tr>");
            for cell in row {
                let numeric = cell
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit() || matches!(c, '[' | '–' | '-' | '+'));
                let class = if numeric { " class=\"num\"" } else { "" };
                let _ = write!(self.body, "<td{class}>{}</td>", escape(cell));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</tbody>\n</table>\n");
        self
    }

    /// A figure: the PNG (linking to the SVG) under `prefix` (a relative folder such as
    /// `"baseline/"`, or `""`), with its two-line caption.
    pub fn figure(&mut self, prefix: &str, f: &Figure) -> &mut Self {
        let png = escape(&format!("{prefix}{}.png", f.stem));
        let svg = escape(&format!("{prefix}{}.svg", f.stem));
        let (w, h) = plot::SIZE;
        let _ = writeln!(
            self.body,
            "<figure><a href=\"{svg}\"><img src=\"{png}\" alt=\"{}\" width=\"{w}\" height=\"{h}\"></a>\
             <figcaption><strong>What it shows:</strong> {}<br><strong>How to read it:</strong> {}\
             </figcaption></figure>",
            escape(&f.title),
            escape(&f.what),
            escape(&f.how)
        );
        self
    }

    /// A figure whose PNG is embedded in the page as a data URI, so that the page is one file
    /// that shows its charts wherever it is copied (the classroom demo's page).
    pub fn figure_embedded(&mut self, f: &Figure, png: &[u8]) -> &mut Self {
        let (w, h) = plot::SIZE;
        let _ = writeln!(
            self.body,
            "<figure><img src=\"data:image/png;base64,{}\" alt=\"{}\" width=\"{w}\" height=\"{h}\">\
             <figcaption><strong>What it shows:</strong> {}<br><strong>How to read it:</strong> {}\
             </figcaption></figure>",
            base64(png),
            escape(&f.title),
            escape(&f.what),
            escape(&f.how)
        );
        self
    }

    /// Preformatted text, optionally folded away under a summary line.
    pub fn pre(&mut self, summary: Option<&str>, text: &str) -> &mut Self {
        match summary {
            Some(s) => {
                let _ = writeln!(
                    self.body,
                    "<details><summary>{}</summary><pre>{}</pre></details>",
                    escape(s),
                    escape(text)
                );
            }
            None => {
                let _ = writeln!(self.body, "<pre>{}</pre>", escape(text));
            }
        }
        self
    }

    /// The scenario section: its description and its resolved parameters.
    pub fn scenario(&mut self, s: &Scenario) -> &mut Self {
        self.heading(&format!("Scenario: {}", s.simulation.name));
        if !s.simulation.description.trim().is_empty() {
            self.paragraph(s.simulation.description.trim());
        }
        self.paragraph(&format!(
            "{} months, {} replications, seed {}.",
            s.simulation.months, s.simulation.replications, s.simulation.seed
        ));
        self.pre(
            Some("Resolved parameters, every default filled in (as `redesign-sim check` prints them)"),
            &s.to_toml(),
        )
    }

    /// The whole page as HTML.
    pub fn render(&self) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n\
             <h1>{title}</h1>\n{body}{glossary}<footer>Written by redesign-sim {version}. Click a chart \
             for its SVG.</footer>\n</main>\n</body>\n</html>\n",
            title = escape(&self.title),
            body = self.body,
            glossary = glossary_html(),
            version = env!("CARGO_PKG_VERSION"),
        )
    }

    /// Writes the page as `index.html` in `dir`.
    pub fn write(&self, dir: &OutputDir) -> Result<()> {
        dir.write("index.html", self.render().as_bytes())
    }
}

// ------------------------------------------------------------------------------ glossary

/// What each way an initiative can end means, in plain words (docs/ODD.md §7.7), in the order in
/// which they are tested: an initiative gets the first that applies.
pub fn mode_meaning(mode: crate::model::outcome::Mode) -> &'static str {
    use crate::model::outcome::Mode;
    match mode {
        Mode::Success => {
            "the share of practices and teams that had made the new way of working routine stayed at or above the success threshold for the whole sustain period (by default half of them, for 12 months in a row)"
        }
        Mode::NeverStarted => "no GP or manager ever took the initiative up as its lead",
        Mode::PilotFizzled => {
            "at least a quarter of practices and teams adopted it, but at the end fewer than 60% of that peak still did: units went back to the old ways"
        }
        Mode::Displaced => {
            "the governing body gave it a mandate (0.3 or more), then dropped it within six months of a policy event, and the mandate withered away (under 0.1 at the end)"
        }
        Mode::PlanWithoutImplementation => {
            "the governing body gave it a mandate (0.3 or more), designed or not, but fewer than \
             20% of practices and teams ever adopted it: a plan that never reached the front line"
        }
        Mode::DesignedNotAdopted => {
            "its programme board produced a mature design (0.6 or more) without the governing \
             body's mandate behind it, and fewer than 20% of practices and teams ever adopted it"
        }
        Mode::Partial => {
            "at least 20% of practices and teams adopted it, but not enough made it routine for long enough to count as success: real but incomplete change"
        }
        Mode::Stalled => {
            "it had a lead and some work was done, but none of the above was reached: fewer than 20% of practices and teams ever adopted it"
        }
    }
}

/// The glossary every page ends with: the arena labels and the ways an initiative ends, each
/// term with its meaning in plain words.
pub fn glossary() -> Vec<(String, String)> {
    let mut terms: Vec<(String, String)> = [
        (
            "S, P, D",
            "the three arenas of redesign: S the strategic arena (the CCG's governing body, where GPs hold seats; it gives initiatives a mandate and can direct practices), P the programme boards (they design the new service with providers and can contract for it), D the point of delivery (GP practices and frontline teams, which adopt the new way of working or not)",
        ),
        (
            "S P -",
            "a combination of arenas: each letter is an arena acting, a dash one switched off; \"S P -\" is the governing body and the programme boards without the point of delivery, \"S P D\" all three, \"- - -\" none",
        ),
        (
            "clinical knockout, managerial knockout",
            "all three arenas acting, but with no GP (clinical) or no manager (managerial) leadership in any of them",
        ),
    ]
    .map(|(t, m)| (t.to_string(), m.to_string()))
    .to_vec();
    terms.extend(
        crate::model::outcome::Mode::ALL
            .iter()
            .map(|&m| (words(m.name()), mode_meaning(m).to_string())),
    );
    terms
}

/// The glossary section of every page: the arena labels and the failure modes in plain words.
fn glossary_html() -> String {
    let mut out = String::from(
        "<h2 id=\"glossary\">Glossary</h2>\n<p>How an initiative ends: it gets the first of \
         these that applies, in the order listed after success.</p>\n<dl class=\"glossary\">\n",
    );
    for (term, meaning) in glossary() {
        let _ = writeln!(
            out,
            "<dt>{}</dt><dd>{}.</dd>",
            escape(&term),
            escape(&meaning)
        );
    }
    out.push_str("</dl>\n");
    out
}

// ------------------------------------------------------------------------------ formatting

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn interval(c: [f64; 2]) -> String {
    format!("[{:.1}–{:.1}]%", 100.0 * c[0], 100.0 * c[1])
}

/// A snake_case name as words.
pub fn words(name: &str) -> String {
    name.replace('_', " ")
}

/// `text` with its first letter in upper case.
pub fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A name made safe and short as a file stem.
pub fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    if s.is_empty() { "initiative".into() } else { s }
}

/// Failure modes in the order of how far the initiative got, each with its colour.
const MODES: [(&str, Colour); 8] = [
    ("success", Colour::BluishGreen),
    ("partial", Colour::SkyBlue),
    ("designed_not_adopted", Colour::Yellow),
    ("plan_without_implementation", Colour::ReddishPurple),
    ("pilot_fizzled", Colour::Vermillion),
    ("stalled", Colour::Orange),
    ("displaced", Colour::Blue),
    ("never_started", Colour::Grey),
];

// ------------------------------------------------------------------------------ run

/// Writes the plots and `index.html` of a `run`.
pub fn write_run_report(dir: &OutputDir, s: &Scenario, result: &RunResult) -> Result<()> {
    run_report(dir, s, result).map(|_| ())
}

/// Writes the run's charts and page; returns the figures so that other pages can show them.
pub fn run_report(dir: &OutputDir, s: &Scenario, result: &RunResult) -> Result<Vec<Figure>> {
    let figures = run_charts(dir, s, result)?;
    let sum = &result.summary;
    let mut page = Page::new(&format!(
        "Scenario {}: how often redesign succeeds",
        sum.scenario
    ));
    page.paragraph(&format!(
        "{} replications of {} months (seed {}). Each replication is one area, simulated month by \
         month; the figures below pool them.",
        sum.replications, sum.months, sum.seed
    ));
    page.heading("Summary");
    summary_section(&mut page, result);
    page.heading("Pictures");
    for f in &figures {
        page.figure("", f);
    }
    page.scenario(s);
    page.write(dir)?;
    Ok(figures)
}

/// The summary tables of a run: success per initiative, leadership and the virtual survey.
fn summary_section(page: &mut Page, result: &RunResult) {
    let sum = &result.summary;
    let mut rows: Vec<Vec<String>> = sum
        .initiatives
        .iter()
        .map(|i| {
            let modes: Vec<String> = i
                .main_failure_modes(3)
                .iter()
                .map(|(m, v)| {
                    if *v < 0.005 {
                        format!("{} <1%", words(m))
                    } else {
                        format!("{} {:.0}%", words(m), 100.0 * v)
                    }
                })
                .collect();
            vec![
                words(&i.name),
                pct(i.success_rate),
                interval(i.ci95),
                i.median_months_to_success
                    .map(|m| format!("{m:.0}"))
                    .unwrap_or_else(|| "–".into()),
                modes.join(", "),
            ]
        })
        .collect();
    rows.push(vec![
        "all initiatives (pooled)".into(),
        pct(sum.overall_success_rate),
        interval(sum.ci95),
        String::new(),
        "share of initiative-runs that succeeded".into(),
    ]);
    rows.push(vec![
        "every initiative in an area".into(),
        pct(sum.all_initiatives_succeeded_share),
        interval(sum.all_initiatives_succeeded_ci95),
        String::new(),
        "share of areas where all succeeded".into(),
    ]);
    page.table(
        &[
            "initiative",
            "success",
            "95% interval",
            "median months to success",
            "main failure modes",
        ],
        &rows,
    );
    let l = &sum.leadership;
    let mut lead = vec![vec![
        "GP governing-body seats filled".to_string(),
        pct(l.gp_seats_filled_share),
    ]];
    if let Some(g) = l.gp_influence_share {
        lead.push(vec!["GP share of board influence".into(), pct(g)]);
    }
    lead.push(vec![
        "providers destabilised per area".into(),
        format!("{:.2}", l.providers_destabilised_mean),
    ]);
    page.table(&["leadership", "mean"], &lead);
    if !sum.survey.is_empty() {
        let mut header = vec!["virtual survey".to_string()];
        header.extend(sum.survey.iter().map(|w| format!("month {}", w.month)));
        let header: Vec<&str> = header.iter().map(|h| h.as_str()).collect();
        let rows: Vec<Vec<String>> = [
            (
                "centre's influence high",
                (|w| w.centre_influence_high_share) as fn(&crate::stats::SurveySummary) -> f64,
            ),
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
        ]
        .iter()
        .map(|(name, f)| {
            let mut row = vec![name.to_string()];
            row.extend(sum.survey.iter().map(|w| pct(f(w))));
            row
        })
        .collect();
        page.table(&header, &rows);
    }
}

/// The run's charts: a fan chart per initiative, failure modes, GP seats and the logic mix.
fn run_charts(dir: &OutputDir, s: &Scenario, result: &RunResult) -> Result<Vec<Figure>> {
    let agg = &result.aggregate;
    let sum = &result.summary;
    let reps = sum.replications;
    let mut figures = Vec::new();
    let rows: Vec<crate::stats::SeriesRow> = agg.series().collect();
    let threshold = Reference {
        value: s.success.threshold,
        label: format!(
            "success: routinised share at or above {} for {} month{}",
            s.success.threshold,
            s.success.sustain_months,
            if s.success.sustain_months == 1 {
                ""
            } else {
                "s"
            }
        ),
        judges: None,
    };
    const QUANTITIES: [(&str, Colour); 4] = [
        ("mandate (level, 0–1)", Colour::Orange),
        ("design (level, 0–1)", Colour::Blue),
        ("adoption (share of units)", Colour::SkyBlue),
        ("routinised (share of units)", Colour::BluishGreen),
    ];
    let mut stems = std::collections::BTreeSet::new();
    for (k, init) in s.initiative.iter().enumerate() {
        let series: Vec<Series> = QUANTITIES
            .iter()
            .enumerate()
            .map(|(q, (label, colour))| Series {
                label: label.to_string(),
                colour: *colour,
                points: rows
                    .iter()
                    .filter(|r| r.initiative == k)
                    .map(|r| {
                        let st = r.stats[q];
                        (year_of(s, r.month as f64), st[2], st[1], st[3])
                    })
                    .collect(),
            })
            .collect();
        let mut stem = format!("fan_{}", slug(&init.name));
        if !stems.insert(stem.clone()) {
            stem = format!("fan_{}_{}", k + 1, slug(&init.name));
            stems.insert(stem.clone());
        }
        // One replication has no median nor band: the title says what was drawn.
        let drawn = if reps == 1 {
            "one replication"
        } else {
            "median, 5–95% band"
        };
        let title = format!(
            "{}: mandate, design, adoption, routinised by month ({drawn})",
            capitalised(&words(&init.name))
        );
        // One panel per quantity: four bands overlaid in one plot blend into a muddy mix.
        let (line, band) = if reps == 1 {
            ("one replication", "")
        } else {
            ("median area", "middle 90% of areas (5–95%)")
        };
        plot::panels_in_time(
            dir,
            &stem,
            &InTime {
                titles: &Titles {
                    title: &title,
                    x: &calendar_axis(s, false),
                    y: "level, or share of practices and teams (0–1)",
                },
                series: &series,
                y_range: (0.0, 1.0),
                reference: Some(&threshold),
                // The success rule judges the routinised share alone.
                reference_in: &[3],
                marks: &event_marks(s),
                line,
                band,
            },
        )?;
        let rate = sum
            .initiatives
            .get(k)
            .map(|i| pct(i.success_rate))
            .unwrap_or_default();
        figures.push(Figure {
            stem,
            title,
            what: if reps == 1 {
                format!(
                    "How {} unfolds over {} months in one simulated area (success rate {rate}), \
                     one panel per quantity (mandate, design, adoption, routinised) on the same \
                     0–1 scale; `redesign-sim story` tells that area's story month by month.",
                    words(&init.name),
                    s.simulation.months
                )
            } else {
                format!(
                    "How {} unfolds over {} months in {reps} simulated areas, one panel per \
                     quantity (mandate, design, adoption, routinised) on the same 0–1 scale: in \
                     each panel the line is the median area and the shaded band holds the middle \
                     90% of areas (success rate {rate}).",
                    words(&init.name),
                    s.simulation.months
                )
            },
            how: fan_reading(s, &series, reps),
        });
    }

    let categories: Vec<String> = sum.initiatives.iter().map(|i| words(&i.name)).collect();
    let mut stacks: Vec<Stack> = MODES
        .iter()
        .map(|(mode, colour)| Stack {
            label: words(mode),
            colour: *colour,
            values: sum
                .initiatives
                .iter()
                .map(|i| {
                    if *mode == "success" {
                        i.success_rate
                    } else {
                        i.failure_modes.get(*mode).copied().unwrap_or(0.0)
                    }
                })
                .collect(),
        })
        .collect();
    // Modes added to the model later still show, in a neutral colour.
    let known: Vec<&str> = MODES.iter().map(|(m, _)| *m).collect();
    let extra: std::collections::BTreeSet<&String> = sum
        .initiatives
        .iter()
        .flat_map(|i| i.failure_modes.keys())
        .filter(|m| !known.contains(&m.as_str()))
        .collect();
    for mode in extra {
        stacks.push(Stack {
            label: words(mode),
            colour: Colour::Black,
            values: sum
                .initiatives
                .iter()
                .map(|i| i.failure_modes.get(mode).copied().unwrap_or(0.0))
                .collect(),
        });
    }
    let title = "How each initiative ended: success or its failure mode (share of replications)";
    plot::stacked_bars(
        dir,
        "failure_modes",
        &Titles {
            title,
            x: "share of replications (%)",
            y: "initiative",
        },
        &categories,
        &stacks,
    )?;
    figures.push(Figure {
        stem: "failure_modes".into(),
        title: title.into(),
        what: format!(
            "For each initiative, how its {reps} replications ended: success (green) or the first \
             failure mode that applies."
        ),
        how: "Each bar adds up to 100%. The longer the green part, the more often the initiative \
              succeeded; the other colours say why it failed where it did."
            .into(),
    });

    let months: Vec<f64> = (0..agg.seats_by_month().len())
        .map(|m| year_of(s, m as f64))
        .collect();
    let filled = agg.seats_by_month();
    let title = "GP seats on the governing body: filled and vacant, by month (mean over areas)";
    plot::stacked_area(
        dir,
        "gp_seats",
        &Titles {
            title,
            x: &calendar_axis(s, false),
            y: "share of GP seats (%)",
        },
        &months,
        &[
            Stack {
                label: "filled".into(),
                colour: Colour::Blue,
                values: filled.iter().map(|f| f.clamp(0.0, 1.0)).collect(),
            },
            Stack {
                label: "vacant".into(),
                colour: Colour::Grey,
                values: filled.iter().map(|f| 1.0 - f.clamp(0.0, 1.0)).collect(),
            },
        ],
        true,
    )?;
    figures.push(Figure {
        stem: "gp_seats".into(),
        title: title.into(),
        what: "The share of the GP seats the area holds on its governing body that a GP held each \
               month, averaged over areas; the rest stood vacant. After a merger the area holds \
               fewer seats (the merged board shares them with its neighbours), and the share is of \
               those."
            .into(),
        how: "A falling blue area means seats left vacant: terms of office ending (staggered: \
              a third of the first terms falls due each year; a holder still willing stands \
              again), GPs stepping down as their willingness wears down under policy \
              uncertainty and a CCG sidelined by its STP, GPs leaving for federations, and too \
              few willing GPs to take a seat offered; vacant seats weaken clinical leadership \
              in the strategic arena."
            .into(),
    });

    let mix = agg.logic_by_month();
    let share = |m: &[f64; 3], k: usize| {
        let total: f64 = m.iter().filter(|v| v.is_finite()).sum();
        if total > 0.0 { m[k] / total } else { 0.0 }
    };
    let title = "Institutional logics by month: market, hierarchy and network (mean over areas)";
    plot::stacked_area(
        dir,
        "logic_mix",
        &Titles {
            title,
            x: &calendar_axis(s, false),
            y: "share of the logic mix (%)",
        },
        &months,
        &[
            ("market", Colour::Orange, 0),
            ("hierarchy", Colour::Blue, 1),
            ("network", Colour::BluishGreen, 2),
        ]
        .map(|(label, colour, k)| Stack {
            label: label.into(),
            colour,
            values: mix.iter().map(|m| share(m, k)).collect(),
        }),
        true,
    )?;
    figures.push(Figure {
        stem: "logic_mix".into(),
        title: title.into(),
        what:
            "The mix of market, hierarchy and network logics held by GPs, managers and providers, \
               month by month, averaged over areas."
                .into(),
        how: "A growing band means that logic gaining ground; policy events (such as the turn to \
              collaboration) show as bends."
            .into(),
    });
    Ok(figures)
}

// ------------------------------------------------------------------------------ experiments

fn cell_bars(cells: &[CellResult], highlight: usize) -> Vec<Bar> {
    cells
        .iter()
        .enumerate()
        .map(|(k, c)| Bar {
            label: c.label.clone(),
            value: 100.0 * c.success_rate,
            lo: 100.0 * c.ci95[0],
            hi: 100.0 * c.ci95[1],
            highlight: k == highlight,
        })
        .collect()
}

fn cell_rows(cells: &[CellResult]) -> (Vec<String>, Vec<Vec<String>>) {
    let yes = |b: bool| if b { "on" } else { "off" }.to_string();
    let mut header: Vec<String> = [
        "cell",
        "strategic",
        "programme",
        "practice",
        "clinical",
        "managerial",
        "success",
        "95% interval",
    ]
    .map(String::from)
    .to_vec();
    if let Some(first) = cells.first() {
        header.extend(first.initiatives.iter().map(|i| words(&i.name)));
    }
    let rows = cells
        .iter()
        .map(|c| {
            let mut row = vec![
                c.label.clone(),
                yes(c.strategic),
                yes(c.programme),
                yes(c.practice),
                yes(c.clinical),
                yes(c.managerial),
                pct(c.success_rate),
                interval(c.ci95),
            ];
            row.extend(c.initiatives.iter().map(|i| pct(i.success_rate)));
            row
        })
        .collect();
    (header, rows)
}

/// Writes the arena experiment's chart (success by cell with interval bars, verdict in the
/// caption) and its `index.html`.
pub fn write_arena_report(dir: &OutputDir, s: &Scenario, exp: &ArenaExperiment) -> Result<()> {
    arena_report(dir, s, exp).map(|_| ())
}

/// Writes the arena experiment's chart and page; returns the chart so the demo page can show it.
pub fn arena_report(dir: &OutputDir, s: &Scenario, exp: &ArenaExperiment) -> Result<Figure> {
    let v = &exp.verdict;
    let title = "Success by arena cell: which arenas must act for redesign to succeed?";
    let caption = format!(
        "Verdict: {}. {} (S = strategic board, P = programme boards, D = point of delivery; \
         {} replications per cell, same areas in every cell.)",
        v.result.to_uppercase(),
        capitalised(&v.reason),
        exp.replications
    );
    let bound = Reference {
        value: 100.0 * v.threshold * v.all_three_rate,
        label: format!(
            "necessity threshold: {:.0}% of all three ({})",
            100.0 * v.threshold,
            pct(v.threshold * v.all_three_rate)
        ),
        // The bound judges the eight cells of the factorial, not the knockouts below them.
        judges: Some(8),
    };
    let mut bars = cell_bars(&exp.cells, 0);
    if let Some(all) = bars.first_mut() {
        all.label = format!("{} (all three)", all.label);
    }
    plot::interval_bars(
        dir,
        "arenas",
        &Titles {
            title,
            x: "success rate, pooled over initiatives (%)",
            y: "cell",
        },
        &bars,
        (0.0, 100.0),
        Some(&bound),
        &caption,
    )?;
    let figure = Figure {
        stem: "arenas".into(),
        title: title.into(),
        what: format!(
            "The success rate in each of the eight combinations of arenas (S strategic board, P \
             programme boards, D point of delivery; - means switched off) and with clinical or \
             managerial leadership knocked out, with 95% intervals, over the same {} areas.",
            exp.replications
        ),
        how: format!(
            "The dark bar is all three arenas together. The proposition holds (supported) when every \
             cell with fewer arenas is clearly lower and stays left of the dashed bound. The grey \
             knockouts below are context: the bound does not judge them. Verdict here: {}.",
            v.result
        ),
    };
    let mut page = Page::new(&format!("Arena experiment on {}", exp.scenario));
    page.paragraph(
        "Does redesign succeed only when all three arenas act together? The experiment runs the same \
         simulated areas with every combination of the strategic board, the programme boards and \
         the point of delivery switched on or off, and with clinical or managerial leadership \
         knocked out.",
    );
    page.callout(
        &format!("Verdict: {}.", v.result.to_uppercase()),
        &format!(
            "{}. All three arenas: {}; best with fewer: {} at {}; difference {:.1} points [{:.1}, \
             {:.1}] (paired).",
            capitalised(&v.reason),
            pct(v.all_three_rate),
            v.best_fewer_label,
            pct(v.best_fewer_rate),
            100.0 * v.difference.estimate,
            100.0 * v.difference.ci95[0],
            100.0 * v.difference.ci95[1]
        ),
    );
    page.paragraph(&format!("Rule: {}", v.rule));
    if let Some(n) = v.replications_to_settle {
        page.paragraph(&format!(
            "About {n} replications per cell would likely settle this."
        ));
    }
    page.figure("", &figure);
    page.heading("Cells");
    let (header, rows) = cell_rows(&exp.cells);
    let header: Vec<&str> = header.iter().map(|h| h.as_str()).collect();
    page.table(&header, &rows);
    page.paragraph(&format!(
        "Three-way interaction contrast: {:.3} [{:.3}, {:.3}].",
        v.interaction.estimate, v.interaction.ci95[0], v.interaction.ci95[1]
    ));
    if let Some(p) = &exp.probe {
        page.heading("Robustness");
        page.paragraph(&format!(
            "{}. Each step moves one route, resistance or success parameter down or up by a \
             fixed step from the scenario's value and runs the eight arena cells again on the \
             same areas.",
            capitalised(&p.summary)
        ));
        let rows: Vec<Vec<String>> = p
            .steps
            .iter()
            .map(|st| {
                vec![
                    st.parameter.clone(),
                    format!("{} → {}", st.from, st.value),
                    pct(st.all_three_rate),
                    st.highest_share.clone(),
                    st.result.clone(),
                    format!("{:+.3}", st.margin),
                ]
            })
            .collect();
        page.table(
            &[
                "parameter",
                "value",
                "all three",
                "highest share of all three",
                "verdict",
                "margin",
            ],
            &rows,
        );
    }
    let timing = cumulative_chart(dir, s, exp)?;
    page.heading("Only together, or faster together?");
    page.figure("", &timing);
    if exp.horizons.len() > 1 {
        let rows: Vec<Vec<String>> = exp
            .horizons
            .iter()
            .map(|h| {
                let v = &h.verdict;
                let top = v.highest_share();
                vec![
                    h.months.to_string(),
                    pct(v.all_three_rate),
                    top.map_or(String::new(), experiment::Ratio::brief),
                    format!(
                        "{:+.3} [{:+.3}, {:+.3}]",
                        v.interaction.estimate, v.interaction.ci95[0], v.interaction.ci95[1]
                    ),
                    v.result.clone(),
                    format!("{:+.3}", v.margin),
                    h.clinical_clause.result.clone(),
                ]
            })
            .collect();
        page.table(
            &[
                "months",
                "all three",
                "highest share of all three",
                "three-way interaction",
                "verdict",
                "margin",
                "clinical clause",
            ],
            &rows,
        );
    }
    page.scenario(s);
    page.write(dir)?;
    Ok(figure)
}

/// The chart of cumulative success by month in the eight arena cells, with 95% bands.
fn cumulative_chart(dir: &OutputDir, s: &Scenario, exp: &ArenaExperiment) -> Result<Figure> {
    let series: Vec<Series> = exp
        .cells
        .iter()
        .take(8)
        .zip(Colour::CYCLE)
        .map(|(c, colour)| Series {
            label: c.label.clone(),
            colour,
            points: c
                .cumulative
                .rate
                .iter()
                .zip(&c.cumulative.ci_lo)
                .zip(&c.cumulative.ci_hi)
                .enumerate()
                .map(|(t, ((r, lo), hi))| {
                    // Success counted by the end of month t, so at the start of month t + 1.
                    (
                        year_of(s, (t + 1) as f64),
                        100.0 * r,
                        100.0 * lo,
                        100.0 * hi,
                    )
                })
                .collect(),
        })
        .collect();
    let top = exp
        .cells
        .iter()
        .filter_map(|c| c.cumulative.ci_hi.last())
        .fold(0.0f64, |a, &b| a.max(b));
    let title = "Cumulative success by month in each arena cell";
    plot::panels_in_time(
        dir,
        "cumulative",
        &InTime {
            titles: &Titles {
                title,
                x: &calendar_axis(s, false),
                y: "initiatives succeeded by then (%)",
            },
            series: &series,
            y_range: (0.0, (100.0 * top * 1.1).clamp(5.0, 100.0)),
            reference: None,
            reference_in: &[],
            marks: &event_marks(s),
            line: "share succeeded by then",
            band: "95% interval",
        },
    )?;
    Ok(Figure {
        stem: "cumulative".into(),
        title: title.into(),
        what: format!(
            "One panel per combination of arenas (titled with its label: S strategic board, P \
             programme boards, D point of delivery, - switched off), all on the same scale: the \
             share of initiatives that had succeeded by each month (pooled over initiatives, {} \
             areas), with its 95% band.",
            exp.replications
        ),
        how: "Compare each panel with the first (all three arenas). If the cells with fewer \
              arenas catch up with all three later, acting together mostly makes success faster; \
              if they stay far below, it is needed. The numbered dotted lines are the policy \
              events named above the panels. Read the verdict at other horizons with `--months`."
            .into(),
    })
}

/// Writes the clinical experiment's chart (success by cell, the clause in the caption) and its
/// `index.html`.
pub fn write_clinical_report(
    dir: &OutputDir,
    s: &Scenario,
    exp: &ClinicalExperiment,
) -> Result<()> {
    let c = &exp.clinical_clause;
    let v = &exp.together;
    let title = "Success by where clinical leadership is present (every arena on)";
    let mut bars = cell_bars(&exp.cells, 0);
    if let Some(all) = bars.first_mut() {
        all.label = format!("{} (all three)", all.label);
    }
    let bound = Reference {
        value: 100.0 * v.threshold * v.all_three_rate,
        label: format!(
            "necessity threshold: {:.0}% of all three ({})",
            100.0 * v.threshold,
            pct(v.threshold * v.all_three_rate)
        ),
        // The bound judges the eight cells of the factorial, not the knockouts below them.
        judges: Some(8),
    };
    plot::interval_bars(
        dir,
        "clinical",
        &Titles {
            title,
            x: "success rate, pooled over initiatives (%)",
            y: "clinical leadership in",
        },
        &bars,
        (0.0, 100.0),
        Some(&bound),
        &format!(
            "Clinical leadership in at least one arena: {}. {} ({} replications per cell, same \
             areas in every cell.)",
            c.result.to_uppercase(),
            capitalised(&c.reason),
            exp.replications
        ),
    )?;
    let figure = Figure {
        stem: "clinical".into(),
        title: title.into(),
        what: "The success rate with clinical leadership present in each combination of the \
               strategic board (S), programme boards (P) and point of delivery (D), every arena \
               acting, with 95% intervals."
            .into(),
        how:
            "The bottom bar has no clinical leadership anywhere: the study's clause holds when it \
              lies clearly left of the dashed bound. Cells with clinical leadership in one arena \
              show whether one is enough."
                .into(),
    };
    let mut page = Page::new(&format!("Clinical experiment on {}", exp.scenario));
    page.paragraph(
        "Is clinical leadership required in at least one arena? The experiment runs the same \
         simulated areas with all three arenas acting and GPs able to lead in every combination \
         of the arenas, from all three to none.",
    );
    page.callout(
        &format!(
            "Clinical leadership in at least one arena: {}.",
            c.result.to_uppercase()
        ),
        &format!("{}.", capitalised(&c.reason)),
    );
    page.paragraph(&format!(
        "Clinical leadership in all three arenas together: {}. {}.",
        v.result.to_uppercase(),
        capitalised(&v.reason)
    ));
    page.paragraph(&format!("Rule: {}", v.rule));
    page.figure("", &figure);
    page.heading("Cells");
    let (header, rows) = cell_rows(&exp.cells);
    let header: Vec<&str> = header.iter().map(|h| h.as_str()).collect();
    page.table(&header, &rows);
    page.scenario(s);
    page.write(dir)
}

/// Writes the timing experiment's charts (success per cell, and the schedule strip of when each
/// arena acts in each cell) and its `index.html`.
pub fn write_timing_report(dir: &OutputDir, s: &Scenario, exp: &TimingExperiment) -> Result<()> {
    let diff = |name: &str, d: &experiment::Difference| {
        format!(
            "{name}: {:+.1} points, 95% interval [{:+.1}, {:+.1}]",
            100.0 * d.estimate,
            100.0 * d.ci95[0],
            100.0 * d.ci95[1]
        )
    };
    let differences = format!(
        "Paired over the same {} replications: {}; {}.",
        exp.replications,
        diff("concurrent − sequential", &exp.concurrent_minus_sequential),
        diff("concurrent − staggered", &exp.concurrent_minus_staggered)
    );
    // What each paired interval says, in words: it excludes zero or it does not.
    let reading = |name: &str, d: &experiment::Difference| {
        if d.ci95[0] > 0.0 {
            format!("concurrent arenas do better than {name}")
        } else if d.ci95[1] < 0.0 {
            format!("concurrent arenas do worse than {name}")
        } else {
            format!("the replications cannot tell concurrent from {name}")
        }
    };
    let verdicts = format!(
        "{}; {}.",
        capitalised(&reading("sequential", &exp.concurrent_minus_sequential)),
        reading("staggered", &exp.concurrent_minus_staggered)
    );
    let title = "Success when arenas act at the same time, one after another, or join in turn";
    plot::interval_bars(
        dir,
        "timing",
        &Titles {
            title,
            x: "success rate, pooled over initiatives (%)",
            y: "timing",
        },
        &cell_bars(&exp.cells, 0),
        (0.0, 100.0),
        None,
        &format!("{differences} {verdicts}"),
    )?;
    let figure = Figure {
        stem: "timing".into(),
        title: title.into(),
        what: "The success rate with all three arenas acting together (concurrent), each alone in \
               turn (sequential), or joining one by one and staying (staggered), with 95% intervals."
            .into(),
        how: format!(
            "Every cell runs the same simulated areas (common random numbers), so the cells are \
             compared pair by pair, replication by replication: the paired difference and its 95% \
             interval decide, not whether the bars' own intervals overlap (they can overlap while \
             the paired difference is clear). {differences} {verdicts}"
        ),
    };
    let arena_names = [
        ("strategic", "strategic board", Colour::Blue),
        ("programme", "programme boards", Colour::Orange),
        ("practice", "point of delivery", Colour::BluishGreen),
    ];
    let lanes: Vec<(String, Colour)> = arena_names
        .iter()
        .map(|(_, name, c)| (name.to_string(), *c))
        .collect();
    let rows: Vec<plot::ScheduleRow> = exp
        .cells
        .iter()
        .zip(&exp.schedules)
        .map(|(cell, schedule)| plot::ScheduleRow {
            label: cell.label.clone(),
            spans: arena_names
                .iter()
                .map(|(arena, ..)| {
                    schedule
                        .iter()
                        .filter(|a| a.arena == *arena)
                        .flat_map(|a| a.spans.iter())
                        .map(|[a, b]| (f64::from(*a), f64::from(*b)))
                        .collect()
                })
                .collect(),
        })
        .collect();
    let schedule_title = "Which arena acts when, in each cell";
    plot::schedule(
        dir,
        "timing_schedule",
        &Titles {
            title: schedule_title,
            x: "month of the simulation",
            y: "cell and arena",
        },
        &lanes,
        &rows,
        (0.0, f64::from(exp.months)),
    )?;
    let schedule_figure = Figure {
        stem: "timing_schedule".into(),
        title: schedule_title.into(),
        what: "For each cell, a bar for each arena over the months in which it acts, read from \
               the cell's own switches and scheduled events."
            .into(),
        how: "A gap is a month in which nobody does that arena's leadership work; the cells \
              differ only in these bars, so any difference of success above is the timing's."
            .into(),
    };
    let mut page = Page::new(&format!("Timing experiment on {}", exp.scenario));
    page.paragraph(
        "Do the arenas need to act at the same time? The same simulated areas are run with the \
         strategic board, programme boards and point of delivery acting together, in sequence, \
         or joining in turn.",
    );
    page.callout("Differences.", &format!("{differences} {verdicts}"));
    page.figure("", &figure);
    page.figure("", &schedule_figure);
    page.heading("Cells");
    let (header, rows) = cell_rows(&exp.cells);
    let header: Vec<&str> = header.iter().map(|h| h.as_str()).collect();
    page.table(&header, &rows);
    page.scenario(s);
    page.write(dir)
}

// ------------------------------------------------------------------------------ calibration

/// Writes the calibration's charts (pass share per target, the minimum-implausibility map over
/// the two most constrained parameters, the kept sets' ranges) and its `index.html`, from its
/// summary and the chart inputs gathered from its sets.
pub fn write_calibration_report(
    dir: &OutputDir,
    s: &Scenario,
    sum: &crate::calibrate::Summary,
    charts: &crate::calibrate::ChartInputs,
) -> Result<()> {
    use crate::calibrate::{MAP_BINS as BINS, Observed};
    let b = &sum.budget;
    let mut figures = Vec::new();
    // Pass share per target.
    let bars: Vec<Bar> = sum
        .pass_share
        .iter()
        .map(|(id, share)| Bar {
            label: id.clone(),
            value: 100.0 * share,
            lo: 100.0 * share,
            hi: 100.0 * share,
            highlight: false,
        })
        .collect();
    let title = "Share of parameter sets each target does not rule out";
    plot::interval_bars(
        dir,
        "targets",
        &Titles {
            title,
            x: "sets with implausibility under the cutoff (%)",
            y: "target",
        },
        &bars,
        (0.0, 100.0),
        None,
        &format!(
            "{} sets over {} wave(s), {} replications each; cutoff {}.",
            sum.sets_tried,
            sum.waves.len(),
            b.replications,
            b.cutoff
        ),
    )?;
    figures.push(Figure {
        stem: "targets".into(),
        title: title.into(),
        what: "For each target, the share of all parameter sets tried whose implausibility on it \
               lies under the cutoff."
            .into(),
        how: "A short bar is a target that rules out most of the parameter space: the figures \
              it compares are the ones that constrain the model."
            .into(),
    });
    // The kept sets' ranges, as a share of each declared range.
    if let Some(kept) = &charts.kept {
        let bars: Vec<Bar> = sum
            .parameters
            .iter()
            .zip(kept)
            .map(|(p, &[lo, median, hi])| {
                let norm = |x: f64| 100.0 * (x - p.lo) / (p.hi - p.lo);
                Bar {
                    label: format!("{} [{}, {}]", p.path, p.lo, p.hi),
                    value: norm(median),
                    lo: norm(lo),
                    hi: norm(hi),
                    highlight: false,
                }
            })
            .collect();
        let title = "Where the kept parameter sets lie in each plausible range";
        plot::interval_bars(
            dir,
            "kept",
            &Titles {
                title,
                x: "position in the declared range (%)",
                y: "parameter [range]",
            },
            &bars,
            (0.0, 100.0),
            None,
            &format!("{} kept sets: median, lowest and highest.", sum.sets_kept),
        )?;
        figures.push(Figure {
            stem: "kept".into(),
            title: title.into(),
            what: "For each uncertain parameter, the median, lowest and highest value among the \
                   kept sets, as a position in the range the scenario declared."
                .into(),
            how: "A whisker spanning the whole range means the targets do not pin that \
                  parameter down; a short one means they do."
                .into(),
        });
    }
    // Minimum implausibility over the two parameters whose kept span is narrowest.
    if let Some(map) = &charts.map {
        let (px, py) = (&sum.parameters[map.x], &sum.parameters[map.y]);
        let (cap, values) = (map.cap, &map.values);
        let centre = |lo: f64, hi: f64| -> Vec<f64> {
            (0..BINS)
                .map(|i| lo + (i as f64 + 0.5) * (hi - lo) / BINS as f64)
                .collect()
        };
        let (xs, ys) = (centre(px.lo, px.hi), centre(py.lo, py.hi));
        let marked: Vec<Option<usize>> = values
            .iter()
            .map(|&v| (v < b.cutoff).then_some(0))
            .collect();
        let kinds = [("some set not ruled out".to_string(), Symbol::Disc)];
        let title = format!("Lowest implausibility over {} and {}", px.path, py.path);
        plot::heatmap(
            dir,
            "implausibility",
            &Titles {
                title: &title,
                x: &px.path,
                y: &py.path,
            },
            &crate::plot::Grid {
                xs: &xs,
                ys: &ys,
                x_labels: None,
                y_labels: None,
                values,
                range: (0.0, cap),
                value_label: "lowest deciding implausibility in the cell",
                marks: Some(CellMarks {
                    cells: &marked,
                    kinds: &kinds,
                }),
            },
        )?;
        figures.push(Figure {
            stem: "implausibility".into(),
            title,
            what: format!(
                "The two parameters the kept sets pin down most narrowly; each cell shows the \
                 lowest deciding implausibility of any set tried in it (capped at {cap})."
            ),
            how: format!(
                "Cells marked with a disc hold a set under the cutoff {}: the region of \
                 parameter space not ruled out, seen from these two parameters.",
                b.cutoff
            ),
        });
    }
    let mut page = Page::new(&format!("Calibration of {}", sum.scenario));
    page.paragraph(&format!(
        "History matching: parameter sets drawn over the plausible ranges of the uncertain \
         parameters, each run for {} replications and compared with every target by its \
         implausibility; a set is ruled out when its {} implausibility reaches {}. Each wave \
         after the first samples only inside the region the previous wave did not rule out.",
        b.replications,
        match b.rule {
            crate::calibrate::Rule::Max => "largest",
            crate::calibrate::Rule::Second => "second largest",
        },
        b.cutoff
    ));
    page.callout(
        "Result.",
        &format!(
            "{} of {} sets kept ({}); the kept sets are in plausible.csv.",
            sum.sets_kept,
            sum.sets_tried,
            pct(sum.sets_kept as f64 / sum.sets_tried.max(1) as f64)
        ),
    );
    for f in &figures {
        page.figure("", f);
    }
    page.heading("Targets");
    let rows: Vec<Vec<String>> = sum
        .targets
        .iter()
        .zip(&sum.pass_share)
        .map(|(t, (_, share))| {
            vec![
                t.id.clone(),
                t.description.clone(),
                match t.observed {
                    Observed::Value { value, sd } => format!("{value} ± {sd}"),
                    Observed::Range { lo, hi } => format!("[{lo}, {hi}]"),
                },
                t.discrepancy.to_string(),
                pct(*share),
                t.source.clone(),
            ]
        })
        .collect();
    page.table(
        &[
            "target",
            "observed",
            "figure",
            "discrepancy sd",
            "sets passing",
            "source",
        ],
        &rows,
    );
    page.heading("Waves");
    let rows: Vec<Vec<String>> = sum
        .waves
        .iter()
        .map(|w| {
            vec![
                w.wave.to_string(),
                w.sets.to_string(),
                w.kept.to_string(),
                w.region
                    .iter()
                    .zip(&sum.parameters)
                    .map(|(r, p)| format!("{} [{:.3}, {:.3}]", p.path, r[0], r[1]))
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        })
        .collect();
    page.table(&["wave", "sets", "kept", "region sampled"], &rows);
    page.scenario(s);
    page.write(dir)
}

// ------------------------------------------------------------------------------ compare

/// Writes the comparison's charts (one per scenario compared: the paired differences of its
/// success rates and failure modes, with intervals) and its `index.html`.
pub fn write_compare_report(dir: &OutputDir, c: &crate::compare::Comparison) -> Result<()> {
    let mut page = Page::new(&format!("Scenarios compared with {}", c.reference));
    page.paragraph(&format!(
        "Every scenario ran on the same {} areas (seed {}), so each difference is paired over \
         areas: its interval shows whether the replications can tell it from no difference.",
        c.replications, c.seed
    ));
    for (k, v) in c.versus.iter().enumerate() {
        let stem = format!("differences-{}", k + 1);
        let shown: Vec<&crate::compare::Row> = v
            .rows
            .iter()
            .filter(|r| r.output.starts_with("success") || r.output.starts_with("mode."))
            .collect();
        let bars: Vec<Bar> = shown
            .iter()
            .map(|r| Bar {
                label: r.output.clone(),
                value: 100.0 * r.difference,
                lo: 100.0 * r.ci95[0],
                hi: 100.0 * r.ci95[1],
                highlight: r.clear,
            })
            .collect();
        let lo = bars.iter().map(|b| b.lo).fold(-1.0f64, f64::min);
        let hi = bars.iter().map(|b| b.hi).fold(1.0f64, f64::max);
        let pad = 0.1 * (hi - lo);
        let title = format!(
            "{} minus {}: success and failure modes",
            v.scenario, c.reference
        );
        plot::interval_bars(
            dir,
            &stem,
            &Titles {
                title: &title,
                x: "paired difference (percentage points)",
                y: "output",
            },
            &bars,
            (lo - pad, hi + pad),
            Some(&Reference {
                value: 0.0,
                label: "no difference".into(),
                judges: None,
            }),
            &format!(
                "{} areas; dark bars have intervals that exclude 0.",
                c.replications
            ),
        )?;
        let figure = Figure {
            stem,
            title,
            what: format!(
                "For each initiative's success, pooled success and each failure mode, {} minus \
                 {} on the same areas, with 95% intervals.",
                v.scenario, c.reference
            ),
            how: "A bar whose interval does not cross the zero line is a difference the \
                  replications can tell from none; an interval across it is not."
                .into(),
        };
        page.heading(&format!("{} ({})", v.scenario, v.file));
        if !v.same_areas {
            page.paragraph(
                "This scenario's population has another shape, so its areas share the random \
                 streams but are drawn differently: the pairing is weaker, the intervals remain \
                 valid.",
            );
        }
        page.figure("", &figure);
        let rows: Vec<Vec<String>> = v
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.output.clone(),
                    format!("{:.3}", r.reference),
                    format!("{:.3}", r.value),
                    format!("{:+.3}", r.difference),
                    format!("[{:+.3}, {:+.3}]", r.ci95[0], r.ci95[1]),
                    if r.clear { "yes" } else { "no" }.into(),
                ]
            })
            .collect();
        page.table(
            &[
                "output",
                &c.reference,
                &v.scenario,
                "difference",
                "95% interval",
                "clear",
            ],
            &rows,
        );
    }
    page.write(dir)
}

// ------------------------------------------------------------------------------ demo

/// Standard base64 (RFC 4648, with padding), for images embedded in a page.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The page of the classroom demo: the baseline run and the arena experiment together. Its
/// charts are embedded (`png` gives a chart's PNG by folder and figure), so the page is one
/// self-contained file; a chart whose PNG cannot be had is linked from its folder instead.
pub fn demo_page(
    s: &Scenario,
    result: &RunResult,
    run_figures: &[Figure],
    exp: &ArenaExperiment,
    arena_figure: &Figure,
    png: &dyn Fn(&str, &Figure) -> Option<Vec<u8>>,
) -> Page {
    let figure = |page: &mut Page, folder: &str, f: &Figure| match png(folder, f) {
        Some(bytes) => {
            page.figure_embedded(f, &bytes);
        }
        None => {
            page.figure(&format!("{folder}/"), f);
        }
    };
    let sum = &result.summary;
    let mut page = Page::new("redesign-sim: clinical leadership in health-service redesign");
    page.paragraph(&format!(
        "Each simulated area is a Clinical Commissioning Group: GPs, managers, providers and a \
         council redesigning services through three arenas — the strategic board, programme \
         boards and the point of delivery — under market, hierarchy and network logics. This demo \
         ran the {} scenario {} times, then the arena experiment with {} replications per cell.",
        sum.scenario, sum.replications, exp.replications
    ));
    page.link("baseline/index.html", "Full report of the baseline run");
    page.link("arenas/index.html", "Full report of the arena experiment");
    page.heading("1. How often does redesign succeed, and why does it fail?");
    summary_section(&mut page, result);
    let find = |stem: &str| run_figures.iter().find(|f| f.stem == stem);
    if let Some(f) = find("failure_modes") {
        figure(&mut page, "baseline", f);
    }
    page.heading("2. How an initiative unfolds");
    for f in run_figures.iter().filter(|f| f.stem.starts_with("fan_")) {
        figure(&mut page, "baseline", f);
    }
    page.heading("3. Leadership and logics over time");
    for stem in ["gp_seats", "logic_mix"] {
        if let Some(f) = find(stem) {
            figure(&mut page, "baseline", f);
        }
    }
    page.heading("4. Must all three arenas act together?");
    page.callout(
        &format!("Verdict: {}.", exp.verdict.result.to_uppercase()),
        &exp.verdict.reason,
    );
    figure(&mut page, "arenas", arena_figure);
    page.scenario(s);
    page
}

// ------------------------------------------------------------------------------ ensemble

/// The two parameters a PRIM box restricts most (narrowest bounds as a share of the sets'
/// range), or the first parameters of the ensemble when it restricts fewer than two.
fn most_restricted(e: &experiment::EnsembleVerdict, b: &crate::discovery::PrimBox) -> Vec<usize> {
    let range = |j: usize| {
        let p = &e.parameters[j];
        let xs = e
            .per_set
            .iter()
            .filter_map(|s| s.parameters.get(p).copied());
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        hi - lo
    };
    let mut order: Vec<(f64, usize)> = (0..e.parameters.len())
        .filter_map(|j| {
            b.bounds.get(&e.parameters[j]).map(|[lo, hi]| {
                let r = range(j);
                (if r > 0.0 { (hi - lo) / r } else { 1.0 }, j)
            })
        })
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut picked: Vec<usize> = order.into_iter().map(|(_, j)| j).take(2).collect();
    for j in 0..e.parameters.len() {
        if picked.len() >= 2 {
            break;
        }
        if !picked.contains(&j) {
            picked.push(j);
        }
    }
    picked
}

/// Writes the ensemble verdict's charts (shares with intervals, PRIM peeling trajectories, the
/// first box over its two most restricted parameters) and its `index.html`.
pub fn write_ensemble_report(
    dir: &OutputDir,
    s: &Scenario,
    e: &experiment::EnsembleVerdict,
) -> Result<()> {
    let mut figures = Vec::new();
    // Shares with their intervals over sets.
    let bar = |label: &str, sh: &experiment::Share, highlight: bool| Bar {
        label: label.into(),
        value: 100.0 * sh.share,
        lo: 100.0 * sh.ci95[0],
        hi: 100.0 * sh.ci95[1],
        highlight,
    };
    let c = &e.clinical_clause;
    let bars = [
        bar("proposition supported", &e.supported_share, true),
        bar("proposition refuted", &e.refuted_share, true),
        bar("proposition inconclusive", &e.inconclusive_share, true),
        bar("clinical clause supported", &c.supported_share, false),
        bar("clinical clause refuted", &c.refuted_share, false),
        bar("clinical clause inconclusive", &c.inconclusive_share, false),
    ];
    let title = format!("The verdict over {} parameter sets", e.sets);
    plot::interval_bars(
        dir,
        "ensemble_shares",
        &Titles {
            title: &title,
            x: "share of parameter sets (%)",
            y: "",
        },
        &bars,
        (0.0, 100.0),
        None,
        &format!(
            "{} replications per cell at every set, {} months; 95% Wilson intervals over sets.",
            e.replications, e.months
        ),
    )?;
    figures.push(Figure {
        stem: "ensemble_shares".into(),
        title,
        what: "The share of parameter sets in which the arena experiment supports, refutes or \
               cannot decide the proposition (top three bars), and the same for the clinical \
               clause (bottom three), each with its 95% interval over sets."
            .into(),
        how: "Each set is one world judged by the rule of ODD §8; the interval says how far the \
              share could move with another draw of as many sets from the same region, not how \
              sure each set's verdict is."
            .into(),
    });
    // PRIM peeling trajectories.
    let colour = |o: &str| {
        if o == "supported" {
            Colour::BluishGreen
        } else {
            Colour::Vermillion
        }
    };
    let series: Vec<Series> = e
        .prim
        .iter()
        .enumerate()
        .map(|(k, b)| {
            let mut points: Vec<(f64, f64, f64, f64)> = b
                .found
                .trajectory
                .iter()
                .map(|t| (t.coverage, t.density, t.density, t.density))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let chosen = b.found.trajectory[b.found.chosen];
            Series {
                label: format!(
                    "{} box {}: chosen at coverage {:.2}, density {:.2} (after pasting {:.2}, {:.2})",
                    b.outcome,
                    e.prim[..=k].iter().filter(|x| x.outcome == b.outcome).count(),
                    chosen.coverage,
                    chosen.density,
                    b.found.coverage,
                    b.found.density
                ),
                colour: match (
                    e.prim.iter().position(|x| x.outcome == b.outcome) == Some(k),
                    b.outcome == "supported",
                ) {
                    (true, _) => colour(&b.outcome),
                    (false, true) => Colour::SkyBlue,
                    (false, false) => Colour::Orange,
                },
                points,
            }
        })
        .collect();
    let title = "PRIM peeling trajectories: coverage against density".to_string();
    plot::bands(
        dir,
        "prim_trajectory",
        &Titles {
            title: &title,
            x: "coverage (share of the sets of interest inside the box)",
            y: "density (share of the box's sets that are of interest)",
        },
        &series,
        (0.0, 1.0),
        None,
    )?;
    figures.push(Figure {
        stem: "prim_trajectory".into(),
        title,
        what: "Each point is one box on PRIM's peeling trajectory: at the right the whole \
               parameter space (every set of interest covered, density the overall share), then \
               each peel shrinks the box, trading coverage for density."
            .into(),
        how: "A box worth reading sits up and to the right: it holds most of the sets of \
              interest and few others. The reported box balances the two (the highest harmonic \
              mean of coverage and density with coverage at least 0.5); no line means PRIM \
              found nothing to separate."
            .into(),
    });
    // The first box over its two most restricted parameters.
    if let Some(b) = e.prim.first()
        && !e.parameters.is_empty()
    {
        let axes = most_restricted(e, &b.found);
        let value = |s: &experiment::SetVerdict, j: Option<&usize>| match j {
            Some(&j) => s
                .parameters
                .get(&e.parameters[j])
                .copied()
                .unwrap_or(f64::NAN),
            None => s.margin,
        };
        let groups: Vec<plot::PointGroup> = [
            ("supported", Colour::BluishGreen),
            ("refuted", Colour::Vermillion),
            ("inconclusive", Colour::Grey),
        ]
        .iter()
        .map(|(what, colour)| plot::PointGroup {
            label: format!("{what} sets"),
            colour: *colour,
            points: e
                .per_set
                .iter()
                .filter(|s| s.verdict == *what)
                .map(|s| (value(s, axes.first()), value(s, axes.get(1))))
                .collect(),
        })
        .collect();
        let extent = |j: Option<&usize>| -> [f64; 2] {
            match j.and_then(|&j| b.found.bounds.get(&e.parameters[j])) {
                Some(&r) => r,
                None => [f64::NEG_INFINITY, f64::INFINITY],
            }
        };
        let region = plot::Region {
            x: extent(axes.first()),
            y: extent(axes.get(1)),
            label: format!(
                "PRIM box for {} sets: coverage {:.2}, density {:.2}",
                b.outcome, b.found.coverage, b.found.density
            ),
        };
        let name = |j: Option<&usize>| {
            j.map_or("verdict margin".to_string(), |&j| e.parameters[j].clone())
        };
        let (xn, yn) = (name(axes.first()), name(axes.get(1)));
        let title = format!("Where the {} worlds lie: {xn} against {yn}", b.outcome);
        plot::scatter(
            dir,
            "prim_box",
            &Titles {
                title: &title,
                x: &xn,
                y: &yn,
            },
            &groups,
            Some(&region),
            &format!("The box: {}.", crate::tables::box_bounds(&b.found)),
        )?;
        figures.push(Figure {
            stem: "prim_box".into(),
            title,
            what: "Every parameter set as a point over the two parameters the first PRIM box \
                   restricts most, coloured by its verdict, with the box outlined (over the \
                   other parameters it restricts, the box may leave out points drawn inside the \
                   outline)."
                .into(),
            how: "Points of one colour gathered inside the outline and the others outside it \
                  mean these parameters decide the verdict; a mix inside means they do not \
                  decide it alone."
                .into(),
        });
    }
    let mut page = Page::new(&format!(
        "The verdict over the parameter sets of {}",
        e.file
    ));
    page.paragraph(&format!(
        "The arena experiment of ODD §8 was run at each of the {} parameter sets of {} on the \
         scenario {} ({} replications per cell, same areas in every cell of a set), and each set \
         was judged by the verdict rule. The shares below are over sets; PRIM (Friedman & \
         Fisher 1999) looks for boxes in parameter space that hold the supported (or refuted) \
         sets and few others.",
        e.sets, e.file, e.scenario, e.replications
    ));
    let sh = |x: &experiment::Share| format!("{} {}", pct(x.share), interval(x.ci95));
    page.callout(
        "The proposition over these worlds:",
        &format!(
            "supported in {}, refuted in {}, inconclusive in {} of the sets.",
            sh(&e.supported_share),
            sh(&e.refuted_share),
            sh(&e.inconclusive_share)
        ),
    );
    page.paragraph(&format!(
        "Clinical leadership in at least one arena: supported in {}, refuted in {}, \
         inconclusive in {} of the sets.",
        sh(&c.supported_share),
        sh(&c.refuted_share),
        sh(&c.inconclusive_share)
    ));
    page.heading("PRIM boxes");
    if e.prim.is_empty() {
        page.paragraph(
            "PRIM found no box separating the supported or refuted sets from the others.",
        );
    } else {
        let rows: Vec<Vec<String>> = e
            .prim
            .iter()
            .map(|b| {
                vec![
                    b.outcome.clone(),
                    format!("{:.2}", b.found.coverage),
                    format!("{:.2}", b.found.density),
                    format!("{}", b.found.points),
                    crate::tables::box_bounds(&b.found),
                ]
            })
            .collect();
        page.table(
            &[
                "sets of interest",
                "coverage",
                "density",
                "sets in box",
                "bounds",
            ],
            &rows,
        );
    }
    page.paragraph(&format!(
        "PRIM: peel fraction {}, minimum mass {}, reported box chosen with coverage at least {}, \
         at most {} boxes per outcome (each next box sought among the sets the earlier ones \
         left out).",
        e.prim_config.peel_alpha,
        e.prim_config.min_mass,
        e.prim_config.min_coverage,
        e.prim_config.max_boxes
    ));
    for f in &figures {
        page.figure("", f);
    }
    page.link(
        "ensemble.csv",
        "Every set: its parameters, verdict, margin and clinical clause (ensemble.csv)",
    );
    page.scenario(s);
    page.write(dir)
}

/// The months of the year, for calendar dates in words.
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Month `month` of the run as a calendar month and year in words ("October 2014"), month 0
/// being `simulation.start_month` of `simulation.start_year`.
pub fn month_in_words(s: &Scenario, month: u32) -> String {
    let (year, m) = calendar_month(s, month);
    format!("{} {year}", MONTHS[(m - 1) as usize])
}

/// Month `month` of the run as `(year, month of the year from 1)`.
pub fn calendar_month(s: &Scenario, month: u32) -> (u32, u32) {
    let from_zero = s.simulation.start_month.clamp(1, 12) - 1 + month;
    (s.simulation.start_year + from_zero / 12, from_zero % 12 + 1)
}

/// Month `month` of the run as a calendar year: 2013.25 is April 2013, the baseline's month 0
/// (`simulation.start_year`, `simulation.start_month`).
pub fn year_of(s: &Scenario, month: f64) -> f64 {
    f64::from(s.simulation.start_year) + (f64::from(s.simulation.start_month) - 1.0 + month) / 12.0
}

/// The label of a calendar time axis: what month 0 is, and what the dotted lines are where the
/// chart draws the events.
pub fn calendar_axis(s: &Scenario, events: bool) -> String {
    let m = MONTHS[(s.simulation.start_month.clamp(1, 12) - 1) as usize];
    let marks = if events {
        "; dotted lines: scheduled policy events"
    } else {
        ""
    };
    format!("year (month 0 = {m} {}{marks})", s.simulation.start_year)
}

/// The scenario's policy events as marks on a calendar axis, each named by the part of its
/// name before a colon or a bracket ("Five Year Forward View"); an experimenter's switches
/// (`kind = "experiment"`) are not policy and are left out.
pub fn event_marks(s: &Scenario) -> Vec<Mark> {
    s.event
        .iter()
        .filter(|e| e.kind != "experiment")
        .map(|e| Mark {
            x: year_of(s, f64::from(e.month)),
            label: e
                .name
                .split([':', '('])
                .next()
                .unwrap_or_default()
                .trim()
                .to_string(),
        })
        .collect()
}

/// "How to read it" for one initiative's fan chart, written from what its median lines do:
/// whether the mandate rises to the end or falls from a peak, when adoption and the routinised
/// share peak, and what the success rule means for each area (not for the median line).
fn fan_reading(s: &Scenario, series: &[Series], reps: u64) -> String {
    // The line of each quantity, in the order mandate, design, adoption, routinised.
    let line = |q: usize| -> Vec<(f64, f64)> {
        series
            .get(q)
            .map(|x| x.points.iter().map(|p| (p.0, p.1)).collect())
            .unwrap_or_default()
    };
    let peak = |v: &[(f64, f64)]| {
        v.iter()
            .copied()
            .fold(None, |best: Option<(f64, f64)>, p| match best {
                Some(b) if b.1 >= p.1 => Some(b),
                _ => Some(p),
            })
    };
    let year = |x: f64| format!("{:.0}", x.floor());
    let one = reps == 1;
    let mut text = String::from(
        "Read the panels left to right, top to bottom: mandate (strategic board) and design \
         (programme board) come first, then practices and teams adopt and routinise.",
    );
    if !event_marks(s).is_empty() {
        text.push_str(
            " The numbered dotted lines in every panel are the policy events named above the \
             panels.",
        );
    }
    let mandate = line(0);
    if let (Some((px, pv)), Some(&(_, end))) = (peak(&mandate), mandate.last()) {
        if pv > 0.0 && end < pv - 0.1 {
            text.push_str(&format!(
                " Here the mandate peaks at {pv:.2} around {} and then falls to {end:.2}: the \
                 governing body's attention moves on.",
                year(px)
            ));
        } else if pv > 0.0 {
            text.push_str(&format!(
                " Here the mandate rises to {pv:.2} and holds ({end:.2} at the end)."
            ));
        } else {
            text.push_str(" Here the mandate stays at 0: the governing body never backs it.");
        }
    }
    let routinised = line(3);
    match routinised
        .iter()
        .find(|p| p.1 >= s.success.threshold)
        .map(|p| p.0)
    {
        Some(x) if !one => text.push_str(&format!(
            " In the routinised panel, the median reaches the dashed threshold around {}: by \
             then about half the areas are at or above it.",
            year(x)
        )),
        Some(x) => text.push_str(&format!(
            " In the routinised panel, the line reaches the dashed threshold around {}.",
            year(x)
        )),
        None if !one => text.push_str(
            " In the routinised panel, the median never reaches the dashed threshold: fewer than \
             half the areas ever do.",
        ),
        None => {
            text.push_str(" In the routinised panel, the line never reaches the dashed threshold.")
        }
    }
    if one {
        text.push_str(&format!(
            " The area succeeds when its routinised share stays at or above the threshold for {} \
             months in a row.",
            s.success.sustain_months
        ));
    } else {
        text.push_str(&format!(
            " An area succeeds when its own routinised share stays at or above the threshold for \
             {} months in a row; the median lines follow that rule for no single area. A wide \
             band means areas differ a lot.",
            s.success.sustain_months
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_baseline_s_events_are_marked_at_their_calendar_dates_with_short_names() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let s = crate::scenario::load(&path).unwrap().resolve(&[]).unwrap();
        assert_eq!(super::year_of(&s, 0.0), 2013.25);
        assert_eq!(super::month_in_words(&s, 18), "October 2014");
        assert_eq!(super::calendar_month(&s, 9), (2014, 1));
        let marks: Vec<(f64, String)> = super::event_marks(&s)
            .into_iter()
            .map(|m| (m.x, m.label))
            .collect();
        assert_eq!(
            marks,
            [
                (2014.75, "Five Year Forward View".to_string()),
                (
                    2016.0,
                    "Sustainability and transformation plans".to_string()
                ),
                (2017.25, "CCG mergers and joint commissioning".to_string()),
            ]
        );
        assert_eq!(
            super::calendar_axis(&s, false),
            "year (month 0 = April 2013)"
        );
    }

    #[test]
    fn base64_matches_rfc_4648() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(plain.as_bytes()), coded);
        }
    }

    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        let mut p = Page::new("R&D <test>");
        p.paragraph("1 < 2").table(&["a&b"], &[vec!["<i>".into()]]);
        let html = p.render();
        assert!(html.contains("<title>R&amp;D &lt;test&gt;</title>"));
        assert!(html.contains("<p>1 &lt; 2</p>"));
        assert!(html.contains("<th>a&amp;b</th>"));
        assert!(html.contains("<td>&lt;i&gt;</td>"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn stems_are_safe() {
        assert_eq!(slug("frail_elderly"), "frail_elderly");
        assert_eq!(slug("A&E / urgent"), "a_e___urgent");
        assert_eq!(slug(""), "initiative");
    }

    #[test]
    fn a_fan_chart_is_read_from_its_own_lines() {
        let s = Scenario::default();
        let line = |values: &[f64]| Series {
            label: String::new(),
            colour: Colour::Blue,
            points: values
                .iter()
                .enumerate()
                .map(|(i, &v)| (2013.0 + i as f64, v, v, v))
                .collect(),
        };
        let falling = [
            line(&[0.1, 0.7, 0.5, 0.2]),
            line(&[0.0; 4]),
            line(&[0.0; 4]),
            line(&[0.0, 0.1, 0.2, 0.3]),
        ];
        let text = fan_reading(&s, &falling, 500);
        assert!(
            text.contains("peaks at 0.70 around 2014 and then falls to 0.20"),
            "{text}"
        );
        assert!(
            text.contains("never reaches the dashed threshold"),
            "{text}"
        );
        assert!(text.contains("for no single area"), "{text}");
        let rising = [
            line(&[0.1, 0.5, 0.8, 0.8]),
            line(&[0.0; 4]),
            line(&[0.0; 4]),
            line(&[0.0, 0.3, 0.7, 0.8]),
        ];
        let text = fan_reading(&s, &rising, 1);
        assert!(text.contains("rises to 0.80 and holds"), "{text}");
        assert!(
            text.contains("reaches the dashed threshold around 2015"),
            "{text}"
        );
        assert!(!text.contains("median"), "{text}");
    }
}
