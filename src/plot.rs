//! Charts with plotters, each written twice, as PNG (for slides) and SVG (for papers), at slide
//! size, with an embedded font so that nothing on the machine is needed. The functions here know
//! nothing of the model: the report turns results into labelled numbers and these draw them.
//!
//! Every chart tolerates empty or degenerate data (no rows, one month, all zeros): it draws its
//! frame and says "no data" rather than failing.

use std::error::Error as StdError;
use std::sync::OnceLock;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};
use crate::output::OutputDir;

/// Width and height of every chart in pixels (16:9, readable on a slide).
pub const SIZE: (u32, u32) = (1280, 720);

/// DejaVu Sans (licence in `assets/fonts/DejaVuSans-LICENSE.txt`), embedded so that text renders
/// without fontconfig or any system font.
static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

const TITLE_PX: u32 = 32;
const AXIS_PX: u32 = 24;
const TICK_PX: u32 = 20;
const LEGEND_PX: u32 = 20;
const CAPTION_PX: u32 = 20;
/// Width of the legend column to the right of a chart.
const LEGEND_W: u32 = 300;

const TEXT: RGBColor = RGBColor(20, 20, 20);
const GRID_LIGHT: RGBColor = RGBColor(238, 238, 238);
const GRID_BOLD: RGBColor = RGBColor(205, 205, 205);
const MISSING: RGBColor = RGBColor(215, 215, 215);
/// The dark rim of a dot, so that light colours stand out on white.
const RIM: RGBColor = RGBColor(60, 60, 60);

/// The Okabe–Ito palette (safe for the common forms of colour blindness), plus a neutral grey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// #E69F00.
    Orange,
    /// #56B4E9.
    SkyBlue,
    /// #009E73.
    BluishGreen,
    /// #F0E442.
    Yellow,
    /// #0072B2.
    Blue,
    /// #D55E00.
    Vermillion,
    /// #CC79A7.
    ReddishPurple,
    /// #999999, for "other" and "none".
    Grey,
    /// #000000.
    Black,
}

impl Colour {
    /// The colours in the order a chart gives them to its series.
    pub const CYCLE: [Colour; 8] = [
        Colour::Blue,
        Colour::Orange,
        Colour::BluishGreen,
        Colour::Vermillion,
        Colour::SkyBlue,
        Colour::ReddishPurple,
        Colour::Yellow,
        Colour::Black,
    ];

    fn rgb(self) -> RGBColor {
        match self {
            Colour::Orange => RGBColor(230, 159, 0),
            Colour::SkyBlue => RGBColor(86, 180, 233),
            Colour::BluishGreen => RGBColor(0, 158, 115),
            Colour::Yellow => RGBColor(240, 228, 66),
            Colour::Blue => RGBColor(0, 114, 178),
            Colour::Vermillion => RGBColor(213, 94, 0),
            Colour::ReddishPurple => RGBColor(204, 121, 167),
            Colour::Grey => RGBColor(153, 153, 153),
            Colour::Black => RGBColor(0, 0, 0),
        }
    }
}

/// The title of a chart and the labels of its axes (with units).
#[derive(Debug, Clone, Copy)]
pub struct Titles<'a> {
    /// What the chart shows.
    pub title: &'a str,
    /// The horizontal axis, with its unit.
    pub x: &'a str,
    /// The vertical axis, with its unit.
    pub y: &'a str,
}

/// A horizontal line across a chart (or vertical, on a bar chart), e.g. a success threshold.
#[derive(Debug, Clone)]
pub struct Reference {
    /// Where it is, in the units of the value axis.
    pub value: f64,
    /// What it is, for the legend.
    pub label: String,
    /// On a bar chart, the number of bars, from the top, that the line judges: it is drawn
    /// across those only, and the bars below are drawn grey as context (e.g. the knockouts
    /// beside the arena factorial). `None`: every bar.
    pub judges: Option<usize>,
}

/// One line with its band: points `(x, middle, lo, hi)`.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Its colour.
    pub colour: Colour,
    /// Points `(x, middle, lo, hi)`, in increasing `x`.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// One bar of an interval chart: a value with its interval.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Category label.
    pub label: String,
    /// The estimate.
    pub value: f64,
    /// Lower end of its interval.
    pub lo: f64,
    /// Upper end of its interval.
    pub hi: f64,
    /// Drawn in a stronger colour (e.g. the all-three-arenas cell).
    pub highlight: bool,
}

/// One layer of a stacked chart: a share of the whole per category or per `x`.
#[derive(Debug, Clone)]
pub struct Stack {
    /// Legend label.
    pub label: String,
    /// Its colour.
    pub colour: Colour,
    /// Shares in [0, 1], one per category or per `x`.
    pub values: Vec<f64>,
}

/// A mark drawn in a heat map's cells to show a category, e.g. the arena verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbol {
    /// A filled disc.
    Disc,
    /// A diagonal cross.
    Cross,
    /// An open ring.
    Ring,
}

/// Categories marked on a heat map's cells, one symbol each, explained in the legend.
#[derive(Debug, Clone, Copy)]
pub struct CellMarks<'a> {
    /// Per cell, row-major like [`Grid::values`]: the index of its category in `kinds`, or
    /// `None` for no mark.
    pub cells: &'a [Option<usize>],
    /// Each category's name and symbol, listed in the legend in this order.
    pub kinds: &'a [(String, Symbol)],
}

/// The cells of a heat map over two parameters.
#[derive(Debug, Clone, Copy)]
pub struct Grid<'a> {
    /// Values of the horizontal parameter, increasing.
    pub xs: &'a [f64],
    /// Values of the vertical parameter, increasing.
    pub ys: &'a [f64],
    /// Tick labels for `xs`, one each (e.g. "off" and "on" for a switch); `None`: the numbers.
    pub x_labels: Option<&'a [String]>,
    /// Tick labels for `ys`, likewise.
    pub y_labels: Option<&'a [String]>,
    /// One value per cell, row-major: `values[j * xs.len() + i]` is at `(xs[i], ys[j])`.
    pub values: &'a [f64],
    /// Values mapped from the first to the last colour of the scale, e.g. `(0.0, 1.0)`; a
    /// range that is not finite and increasing fits the scale to the values' own lowest and
    /// highest, so that small differences still show as different colours.
    pub range: (f64, f64),
    /// What the colour means, with its unit.
    pub value_label: &'a str,
    /// Categories marked on the cells with symbols, e.g. the verdict at each point.
    pub marks: Option<CellMarks<'a>>,
}

/// A named moment on a time axis, drawn as a dotted vertical line with its name (a scheduled
/// policy event).
#[derive(Debug, Clone)]
pub struct Mark {
    /// Where it is, in the units of the horizontal axis.
    pub x: f64,
    /// Its short name.
    pub label: String,
}

/// A chart over `x` of one or more lines, each the middle of a shaded band (e.g. a median with
/// its 5–95% band), on the value range `y_range`, with an optional reference line. Writes
/// `<stem>.png` and `<stem>.svg`.
pub fn bands(
    dir: &OutputDir,
    stem: &str,
    titles: &Titles,
    series: &[Series],
    y_range: (f64, f64),
    reference: Option<&Reference>,
) -> Result<()> {
    let chart = Bands {
        titles,
        series,
        y_range,
        reference,
    };
    save(dir, stem, &chart)
}

/// Small multiples over calendar time, one per series, so that bands never blend into each
/// other: what [`panels_in_time`] draws.
#[derive(Debug, Clone, Copy)]
pub struct InTime<'a> {
    /// The chart's title; `x` and `y` are shared by every panel and printed once.
    pub titles: &'a Titles<'a>,
    /// One panel each, titled with its label, drawn in its colour: points `(year, middle, lo,
    /// hi)`, `year` in years (2013.25 is April 2013).
    pub series: &'a [Series],
    /// The value axis, the same in every panel so that panels compare at a glance.
    pub y_range: (f64, f64),
    /// A horizontal reference line (e.g. the success threshold).
    pub reference: Option<&'a Reference>,
    /// The panels (indices into `series`) the reference applies to; the others go without.
    pub reference_in: &'a [usize],
    /// Scheduled events: a dotted line in every panel, numbered, and named once in the key.
    pub marks: &'a [Mark],
    /// What the line in each panel is, for the key (e.g. "median area").
    pub line: &'a str,
    /// What the shaded band is, for the key (e.g. "middle 90% of areas"); empty: no band
    /// (e.g. one replication, whose band is its line).
    pub band: &'a str,
}

/// Small multiples over calendar time: one panel per series on a shared value axis and a
/// shared calendar axis (ticks at each year's start, labelled with the year alone), each
/// titled with its series' label, with its line and band in its colour, the reference line
/// where it applies and the scheduled events numbered and named in a key above the panels.
/// Panels are arranged in a grid of at most four columns. Writes `<stem>.png` and
/// `<stem>.svg`.
pub fn panels_in_time(dir: &OutputDir, stem: &str, spec: &InTime) -> Result<()> {
    save(dir, stem, &PanelsInTime(*spec))
}

/// One line with its band, e.g. the success rate and its 95% interval over one swept parameter:
/// points `(x, y, lo, hi)`. Writes `<stem>.png` and `<stem>.svg`.
pub fn line_band(
    dir: &OutputDir,
    stem: &str,
    titles: &Titles,
    points: &[(f64, f64, f64, f64)],
    y_range: (f64, f64),
) -> Result<()> {
    let series = [Series {
        label: String::new(),
        colour: Colour::Blue,
        points: points.to_vec(),
    }];
    save(
        dir,
        stem,
        &Bands {
            titles,
            series: &series,
            y_range,
            reference: None,
        },
    )
}

/// Horizontal bars with 95% interval whiskers, first bar at the top, on the value range `range`
/// (the horizontal axis), with an optional reference line and a caption under the chart (e.g.
/// the verdict). Writes `<stem>.png` and `<stem>.svg`.
pub fn interval_bars(
    dir: &OutputDir,
    stem: &str,
    titles: &Titles,
    bars: &[Bar],
    range: (f64, f64),
    reference: Option<&Reference>,
    caption: &str,
) -> Result<()> {
    save(
        dir,
        stem,
        &IntervalBars {
            titles,
            bars,
            range,
            reference,
            caption,
        },
    )
}

/// Horizontal bars, one per category (first at the top), each split into the shares of
/// `stacks` (which should add up to one), drawn in percent. Writes `<stem>.png` and `<stem>.svg`.
pub fn stacked_bars(
    dir: &OutputDir,
    stem: &str,
    titles: &Titles,
    categories: &[String],
    stacks: &[Stack],
) -> Result<()> {
    save(
        dir,
        stem,
        &StackedBars {
            titles,
            categories,
            stacks,
        },
    )
}

/// Shares over `x`, stacked as areas (which should add up to one), drawn in percent; with
/// `years`, `x` is calendar time in years (2013.25 is April 2013) and ticks fall at each year's
/// start, labelled with the year alone. Writes `<stem>.png` and `<stem>.svg`.
pub fn stacked_area(
    dir: &OutputDir,
    stem: &str,
    titles: &Titles,
    xs: &[f64],
    stacks: &[Stack],
    years: bool,
) -> Result<()> {
    let chart = StackedArea {
        titles,
        xs,
        stacks,
        years,
    };
    save(dir, stem, &chart)
}

/// A heat map over two parameters (viridis scale with its colour bar, value printed in each
/// cell when they fit), with optional categories marked by symbols, e.g. the verdict at each
/// point. Writes `<stem>.png` and `<stem>.svg`.
pub fn heatmap(dir: &OutputDir, stem: &str, titles: &Titles, grid: &Grid) -> Result<()> {
    save(dir, stem, &Heatmap { titles, grid })
}

/// A group of points of a scatter chart, drawn in one colour.
#[derive(Debug, Clone)]
pub struct PointGroup {
    /// Legend label.
    pub label: String,
    /// Its colour.
    pub colour: Colour,
    /// Points `(x, y)`.
    pub points: Vec<(f64, f64)>,
}

/// A rectangle drawn over a scatter chart, e.g. a PRIM box: `[x_lo, x_hi]` × `[y_lo, y_hi]`.
#[derive(Debug, Clone)]
pub struct Region {
    /// Horizontal extent.
    pub x: [f64; 2],
    /// Vertical extent.
    pub y: [f64; 2],
    /// What it is, for the legend.
    pub label: String,
}

/// Points in groups over two quantities, with an optional outlined region (e.g. a PRIM box)
/// and a caption under the chart. Writes `<stem>.png` and `<stem>.svg`.
pub fn scatter(
    dir: &OutputDir,
    stem: &str,
    titles: &Titles,
    groups: &[PointGroup],
    region: Option<&Region>,
    caption: &str,
) -> Result<()> {
    save(
        dir,
        stem,
        &Scatter {
            titles,
            groups,
            region,
            caption,
        },
    )
}

/// One row of a [`schedule`]: a unit (e.g. a cell of an experiment) and, per lane, the spans
/// in which that lane is active.
#[derive(Debug, Clone)]
pub struct ScheduleRow {
    /// The unit's name, printed above its lanes.
    pub label: String,
    /// Per lane, in the order of the chart's lanes: spans `(from, to)` on the horizontal axis.
    pub spans: Vec<Vec<(f64, f64)>>,
}

/// A schedule strip: for each row (printed with its name above it) one thin bar per lane where
/// that lane is active, over `x_range`; `lanes` give each lane's name and colour, for the
/// legend. Writes `<stem>.png` and `<stem>.svg`.
pub fn schedule(
    dir: &OutputDir,
    stem: &str,
    titles: &Titles,
    lanes: &[(String, Colour)],
    rows: &[ScheduleRow],
    x_range: (f64, f64),
) -> Result<()> {
    save(
        dir,
        stem,
        &Schedule {
            titles,
            lanes,
            rows,
            x_range,
        },
    )
}

/// One panel of [`panels`]: one quantity across the values of one parameter.
#[derive(Debug, Clone)]
pub struct Panel {
    /// The horizontal axis: the parameter's name.
    pub x: String,
    /// Tick labels for a switch, at 0 and 1 (e.g. "off" and "on"); `None`: numbers. A
    /// switch's points are spread a little sideways around 0 and 1 (by a hash of each point's
    /// index, so the same in every drawing) rather than piled on two vertical lines.
    pub switch: Option<[String; 2]>,
    /// Points `(x, y, group)`, the group an index into the chart's groups.
    pub points: Vec<(f64, f64, usize)>,
}

/// Small multiples: one scatter panel per parameter, all on the same value axis `y` (fitted
/// to the data), points coloured by group (`groups`: legend label and colour; one group needs
/// no legend), with a caption under them. Writes `<stem>.png` and `<stem>.svg`.
pub fn panels(
    dir: &OutputDir,
    stem: &str,
    title: &str,
    y: &str,
    panels: &[Panel],
    groups: &[(String, Colour)],
    caption: &str,
) -> Result<()> {
    save(
        dir,
        stem,
        &Panels {
            title,
            y,
            panels,
            groups,
            caption,
        },
    )
}

/// A moment picked out on a [`timeline`]: a marker at `(x, y)` with a short label beside it (no
/// label: the marker alone, e.g. each reopened design round).
#[derive(Debug, Clone)]
pub struct Note {
    /// Where it is on the horizontal axis.
    pub x: f64,
    /// Where it is on the value axis.
    pub y: f64,
    /// Its short label; empty for a marker alone.
    pub label: String,
    /// The marker's colour.
    pub colour: Colour,
}

/// A strip of coloured spans along the bottom of a [`timeline`], e.g. the logic a programme
/// board worked in each month; a span without a colour is left blank.
#[derive(Debug, Clone)]
pub struct Strip {
    /// What the strip shows, for the legend.
    pub label: String,
    /// Spans `(from, to, colour)` on the horizontal axis.
    pub spans: Vec<(f64, f64, Option<Colour>)>,
    /// What each colour means, for the legend.
    pub key: Vec<(String, Colour)>,
}

/// What a [`timeline`] draws: lines over calendar years (each series' middle value; bands are
/// not drawn), an optional reference line, the scheduled events, notes and a strip.
#[derive(Debug, Clone, Copy)]
pub struct Timeline<'a> {
    /// Title and axis labels.
    pub titles: &'a Titles<'a>,
    /// The lines.
    pub series: &'a [Series],
    /// The value axis.
    pub y_range: (f64, f64),
    /// A horizontal reference line (e.g. the success threshold).
    pub reference: Option<&'a Reference>,
    /// Scheduled events, drawn as dotted vertical lines with their names.
    pub marks: &'a [Mark],
    /// Moments picked out with a marker and a label.
    pub notes: &'a [Note],
    /// A strip of coloured spans under the lines.
    pub strip: Option<&'a Strip>,
    /// What the notes' markers are, for the legend (empty: no entry).
    pub notes_label: &'a str,
}

/// One unit's story over calendar years: lines, events, labelled moments and a strip of
/// states. Writes `<stem>.png` and `<stem>.svg`.
pub fn timeline(dir: &OutputDir, stem: &str, spec: &Timeline) -> Result<()> {
    save(dir, stem, &TimelineChart(*spec))
}

/// One panel of [`network_panels`]: the state of every node at one moment.
#[derive(Debug, Clone)]
pub struct NetworkPanel {
    /// The moment, e.g. "March 2014".
    pub title: String,
    /// A second line under the title, e.g. the counts; empty for none.
    pub note: String,
    /// Per node, the index of its state in the chart's `states`.
    pub states: Vec<usize>,
}

/// Small multiples of one network at several moments: what [`network_panels`] draws.
#[derive(Debug, Clone, Copy)]
pub struct Network<'a> {
    /// What the chart shows.
    pub title: &'a str,
    /// The number of nodes, placed in index order clockwise round a circle from the top.
    pub nodes: usize,
    /// Ties between nodes, by index, drawn as light lines under the dots.
    pub ties: &'a [(u32, u32)],
    /// The moments, in order.
    pub panels: &'a [NetworkPanel],
    /// Each state's name and colour, for the key.
    pub states: &'a [(String, Colour)],
    /// A caption under the panels.
    pub caption: &'a str,
}

/// Small multiples of a network: one panel per moment, the same nodes at the same places round
/// a circle in every panel (so that a class follows one node from panel to panel), ties as light
/// lines, each node a dot coloured by its state at that moment, the states in a key above.
/// Writes `<stem>.png` and `<stem>.svg`.
pub fn network_panels(dir: &OutputDir, stem: &str, spec: &Network) -> Result<()> {
    save(dir, stem, &NetworkChart(*spec))
}

// ------------------------------------------------------------------------------ machinery

type Drawn = std::result::Result<(), Box<dyn StdError>>;

/// A chart that can draw itself on any backend, so one description gives the PNG and the SVG.
trait Chart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static;
}

fn font_registered() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok())
}

fn save(dir: &OutputDir, stem: &str, chart: &impl Chart) -> Result<()> {
    let png = dir.file(&format!("{stem}.png"));
    let svg = dir.file(&format!("{stem}.svg"));
    let fail = |path: &std::path::Path, msg: String| Error::write(path, std::io::Error::other(msg));
    if !font_registered() {
        return Err(fail(&png, "the embedded font could not be loaded".into()));
    }
    render(&BitMapBackend::new(&png, SIZE).into_drawing_area(), chart)
        .map_err(|e| fail(&png, e.to_string()))?;
    render(&SVGBackend::new(&svg, SIZE).into_drawing_area(), chart)
        .map_err(|e| fail(&svg, e.to_string()))?;
    Ok(())
}

fn render<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &impl Chart) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    chart.draw(root)?;
    root.present()?;
    Ok(())
}

fn style(px: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, px).into_font()).color(&TEXT)
}

/// `text` broken into lines no wider than `width` pixels.
fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    st: &TextStyle,
    width: u32,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        let fits = area
            .estimate_text_size(&candidate, st)
            .map_or(true, |(w, _)| w <= width);
        if fits || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` as is when it fits in `width` pixels, else cut at a word with an ellipsis.
fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    st: &TextStyle,
    width: u32,
) -> String {
    let fits = |t: &str| {
        area.estimate_text_size(t, st)
            .map_or(true, |(w, _)| w <= width)
    };
    if fits(text) {
        return text.to_string();
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    for n in (1..words.len()).rev() {
        let candidate = format!(
            "{}…",
            words[..n].join(" ").trim_end_matches([',', ':', ';'])
        );
        if fits(&candidate) {
            return candidate;
        }
    }
    words.first().map_or_else(String::new, |w| format!("{w}…"))
}

/// Draws the title (wrapped, centred) and returns the area under it.
/// The plot area and the legend column to its right.
fn split_legend<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let (w, _) = body.dim_in_pixel();
    body.split_horizontally(w.saturating_sub(LEGEND_W))
}

/// Every chart's axes in the house style: axis titles, readable fonts, light grid lines. The
/// caller adds its own label formatters and draws.
fn house_mesh<'a, 'b, X, Y, XT, YT, DB>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    titles: &Titles<'_>,
) -> MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged<ValueType = XT> + ValueFormatter<XT>,
    Y: Ranged<ValueType = YT> + ValueFormatter<YT>,
    DB: DrawingBackend,
{
    // An axis title longer than its axis is cut with an ellipsis rather than run off the chart.
    let (w, h) = chart.plotting_area().dim_in_pixel();
    let (x, y) = {
        let area = chart.plotting_area().strip_coord_spec();
        let st = style(AXIS_PX);
        (
            fit(&area, titles.x, &st, w),
            fit(&area, titles.y, &st, h + 60),
        )
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x)
        .y_desc(y)
        .axis_desc_style(style(AXIS_PX))
        .label_style(style(TICK_PX))
        .max_light_lines(2)
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD);
    mesh
}

fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> std::result::Result<DrawingArea<DB, Shift>, Box<dyn StdError>>
where
    DB::ErrorType: 'static,
{
    let (w, _) = root.dim_in_pixel();
    let st = style(TITLE_PX).pos(Pos::new(HPos::Center, VPos::Top));
    let lines = wrap(root, title, &st, w.saturating_sub(60));
    let line_h = TITLE_PX + 8;
    for (i, line) in lines.iter().enumerate() {
        root.draw_text(line, &st, ((w / 2) as i32, (14 + i as u32 * line_h) as i32))?;
    }
    let used = 14 + lines.len() as u32 * line_h + 6;
    Ok(root.split_vertically(used).1)
}

/// Draws `caption` (wrapped, at most four lines) at the bottom and returns the area above it.
fn footer<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
) -> std::result::Result<DrawingArea<DB, Shift>, Box<dyn StdError>>
where
    DB::ErrorType: 'static,
{
    if caption.trim().is_empty() {
        return Ok(area.clone());
    }
    let (w, h) = area.dim_in_pixel();
    let st = style(CAPTION_PX);
    let mut lines = wrap(area, caption, &st, w.saturating_sub(60));
    lines.truncate(4);
    let line_h = CAPTION_PX + 6;
    let used = lines.len() as u32 * line_h + 16;
    let (upper, lower) = area.split_vertically(h.saturating_sub(used));
    for (i, line) in lines.iter().enumerate() {
        lower.draw_text(line, &st, (30, (6 + i as u32 * line_h) as i32))?;
    }
    Ok(upper)
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
enum Swatch {
    /// A line over a light band of its colour.
    Line(RGBColor),
    /// A line alone.
    Stroke(RGBColor),
    /// A light band alone.
    Band(RGBColor),
    Block(RGBColor),
    Dashed(RGBColor),
    Outline,
    Marker,
    Symbol(Symbol),
    /// A scheduled event's dotted line with its number, as small panels draw it.
    Event(usize),
    /// A dot of this colour with a dark rim, as a network draws a node.
    Dot(RGBColor),
}

/// Draws `swatch` between `x0` and `x1` (40 pixels apart) centred on height `y`.
fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x0, x1): (i32, i32),
    y: i32,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    match swatch {
        Swatch::Line(c) => {
            area.draw(&Rectangle::new(
                [(x0, y - 10), (x1, y + 10)],
                c.mix(0.2).filled(),
            ))?;
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(4)))?;
        }
        Swatch::Stroke(c) => {
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(4)))?;
        }
        Swatch::Band(c) => {
            area.draw(&Rectangle::new(
                [(x0, y - 10), (x1, y + 10)],
                c.mix(0.2).filled(),
            ))?;
        }
        Swatch::Block(c) => {
            area.draw(&Rectangle::new([(x0, y - 11), (x1, y + 11)], c.filled()))?;
            area.draw(&Rectangle::new(
                [(x0, y - 11), (x1, y + 11)],
                BLACK.mix(0.3),
            ))?;
        }
        Swatch::Dashed(c) => {
            area.draw(&DashedPathElement::new(
                vec![(x0, y), (x1, y)],
                8,
                5,
                c.stroke_width(3),
            ))?;
        }
        Swatch::Marker => {
            area.draw(&TriangleMarker::new((x0 + 20, y), 9, TEXT.filled()))?;
        }
        Swatch::Symbol(sym) => {
            let (cx, r) = (x0 + 20, 9);
            match sym {
                Symbol::Disc => area.draw(&Circle::new((cx, y), r as u32, TEXT.filled()))?,
                Symbol::Ring => area.draw(&Circle::new((cx, y), r as u32, TEXT.stroke_width(3)))?,
                Symbol::Cross => {
                    let w = TEXT.stroke_width(3);
                    area.draw(&PathElement::new(vec![(cx - r, y - r), (cx + r, y + r)], w))?;
                    area.draw(&PathElement::new(vec![(cx - r, y + r), (cx + r, y - r)], w))?;
                }
            }
        }
        Swatch::Outline => {
            area.draw(&Rectangle::new(
                [(x0, y - 11), (x1, y + 11)],
                BLACK.stroke_width(5),
            ))?;
            area.draw(&Rectangle::new(
                [(x0, y - 11), (x1, y + 11)],
                WHITE.stroke_width(2),
            ))?;
        }
        Swatch::Event(n) => {
            area.draw(&DashedPathElement::new(
                vec![(x1 - 22, y - 12), (x1 - 22, y + 12)],
                4,
                4,
                RGBColor(90, 90, 90).stroke_width(2),
            ))?;
            area.draw_text(
                &n.to_string(),
                &style(TICK_PX - 2).pos(Pos::new(HPos::Left, VPos::Center)),
                (x1 - 16, y),
            )?;
        }
        Swatch::Dot(c) => {
            area.draw(&Circle::new((x0 + 20, y), 9, c.filled()))?;
            area.draw(&Circle::new((x0 + 20, y), 9, RIM.stroke_width(1)))?;
        }
    }
    Ok(())
}

/// Draws a legend down the left of `area`.
fn legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[(String, Swatch)]) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (w, _) = area.dim_in_pixel();
    let st = style(LEGEND_PX).pos(Pos::new(HPos::Left, VPos::Center));
    let line_h = LEGEND_PX as i32 + 6;
    let mut y = 40;
    for (label, swatch) in entries {
        let lines = wrap(area, label, &st, w.saturating_sub(70));
        let (x0, x1) = (10, 50);
        draw_swatch(area, *swatch, (x0, x1), y)?;
        for (i, line) in lines.iter().enumerate() {
            area.draw_text(line, &st, (x1 + 12, y + i as i32 * line_h))?;
        }
        y += line_h * lines.len().max(1) as i32 + 16;
    }
    Ok(())
}

/// Draws a key across the top of `area`, entries side by side and running on to further rows
/// as needed, and returns the area under it: a legend that leaves small panels the full width.
fn key_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, Swatch)],
) -> std::result::Result<DrawingArea<DB, Shift>, Box<dyn StdError>>
where
    DB::ErrorType: 'static,
{
    if entries.is_empty() {
        return Ok(area.clone());
    }
    let (w, h) = area.dim_in_pixel();
    let st = style(LEGEND_PX).pos(Pos::new(HPos::Left, VPos::Center));
    let line_h = LEGEND_PX as i32 + 14;
    let (left, right) = (30, w as i32 - 20);
    let (mut x, mut y) = (left, line_h / 2 + 2);
    for (label, swatch) in entries {
        let text = fit(area, label, &st, (right - left - 60).max(40) as u32);
        let tw = area
            .estimate_text_size(&text, &st)
            .map_or(0, |(tw, _)| tw as i32);
        let needed = 40 + 10 + tw;
        if x > left && x + needed > right {
            x = left;
            y += line_h;
        }
        draw_swatch(area, *swatch, (x, x + 40), y)?;
        area.draw_text(&text, &st, (x + 50, y))?;
        x += needed + 34;
    }
    let used = ((y + line_h / 2 + 8).max(0) as u32).min(h);
    Ok(area.split_vertically(used).1)
}

/// A "no data" notice in the middle of `area`.
fn no_data<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    area.draw_text(
        "no data to show",
        &style(AXIS_PX).pos(Pos::new(HPos::Center, VPos::Center)),
        ((w / 2) as i32, (h / 2) as i32),
    )?;
    Ok(())
}

/// A finite number, or `fallback`.
fn finite(x: f64, fallback: f64) -> f64 {
    if x.is_finite() { x } else { fallback }
}

/// A usable axis range: `(lo, hi)` when finite and increasing, else one around the data.
fn axis(range: (f64, f64), data: impl Iterator<Item = f64>) -> (f64, f64) {
    if range.0.is_finite() && range.1.is_finite() && range.0 < range.1 {
        return range;
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in data.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = 0.05 * (hi - lo);
    (lo - pad, hi + pad)
}

/// The exact range of `xs` (no padding, so a time axis starts at its first month), or one
/// around a single value.
fn span(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in xs.filter(|x| x.is_finite()) {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi - lo < 1e-9 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

/// A tick label: whole numbers as such, others with at most three decimals.
/// A tick on a calendar axis: the year at a year's start, nothing between.
fn year_tick(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-6 {
        format!("{:.0}", x)
    } else {
        String::new()
    }
}

fn num(x: &f64) -> String {
    let x = if x.abs() < 1e-12 { 0.0 } else { *x };
    if (x - x.round()).abs() < 1e-9 && x.abs() < 1e9 {
        return format!("{:.0}", x);
    }
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A bar's value as printed beside it: one decimal on a wide axis (percentages), three on a
/// narrow one (shares).
fn value_text(v: f64, span: f64) -> String {
    let digits = if span > 10.0 { 1 } else { 3 };
    format!("{v:.digits$}")
}

/// Black or white, whichever reads on `c`.
fn ink_on(c: RGBColor) -> RGBColor {
    let l = 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
    if l > 140.0 { TEXT } else { WHITE }
}

/// The viridis scale (perceptually uniform, readable in grey and by colour-blind readers).
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = finite(t, 0.0).clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + f * (y as f64 - x as f64)).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

// ------------------------------------------------------------------------------ the charts

struct Bands<'a> {
    titles: &'a Titles<'a>,
    series: &'a [Series],
    y_range: (f64, f64),
    reference: Option<&'a Reference>,
}

impl Chart for Bands<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let body = header(root, self.titles.title)?;
        let labelled = self.series.iter().any(|s| !s.label.is_empty()) || self.reference.is_some();
        let (plot, side) = if labelled {
            let (p, s) = split_legend(&body);
            (p, Some(s))
        } else {
            (body, None)
        };
        let points = || self.series.iter().flat_map(|s| s.points.iter());
        let (x0, x1) = span(points().map(|p| p.0));
        let (y0, y1) = axis(
            self.y_range,
            points()
                .flat_map(|p| [p.1, p.2, p.3])
                .chain(self.reference.map(|r| r.value)),
        );
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(100)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        house_mesh(&mut chart, self.titles)
            .x_label_formatter(&num)
            .y_label_formatter(&num)
            .draw()?;
        let clamp = |v: f64| finite(v, y0).clamp(y0, y1);
        for s in self.series {
            draw_band(&mut chart, s, (y0, y1))?;
        }
        reference_and_lines(
            &mut chart,
            self.reference,
            self.series,
            (x0, x1),
            (y0, y1),
            4,
        )?;
        for s in self.series {
            let c = s.colour.rgb();
            if s.points.len() <= 30 {
                chart.draw_series(
                    s.points
                        .iter()
                        .map(|p| Circle::new((p.0, clamp(p.1)), 6, c.filled())),
                )?;
            }
            if s.points.len() == 1 {
                // A single point has no band to shade: show its interval as a whisker.
                let p = s.points[0];
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(p.0, clamp(p.2)), (p.0, clamp(p.3))],
                    c.stroke_width(3),
                )))?;
            }
        }
        if self.series.iter().all(|s| s.points.is_empty()) {
            no_data(&plot)?;
        }
        if let Some(side) = side {
            let mut entries: Vec<(String, Swatch)> = self
                .series
                .iter()
                .filter(|s| !s.label.is_empty())
                .map(|s| (s.label.clone(), Swatch::Line(s.colour.rgb())))
                .collect();
            if let Some(r) = self.reference {
                entries.push((r.label.clone(), Swatch::Dashed(BLACK)));
            }
            legend(&side, &entries)?;
        }
        Ok(())
    }
}

/// Draws scheduled events as dotted vertical lines across `y`. Named: with their names,
/// staggered over three rows so that events a year apart do not print over each other, a name
/// near the right edge running leftward from its line so it stays in the plot. Numbered (for
/// small panels, with the names in a key): with their number, 1 for the first, at the top.
fn draw_marks<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<DB, Cartesian2d<X, Y>>,
    marks: &[Mark],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    numbered: bool,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    for (k, m) in marks.iter().enumerate() {
        if !(x0..=x1).contains(&m.x) {
            continue;
        }
        chart.draw_series(DashedLineSeries::new(
            [(m.x, y0), (m.x, y1)],
            4,
            6,
            RGBColor(90, 90, 90).stroke_width(2),
        ))?;
        if numbered {
            chart.draw_series(std::iter::once(
                EmptyElement::at((m.x, y1))
                    + Text::new(
                        (k + 1).to_string(),
                        (4, 2),
                        style(TICK_PX - 2).pos(Pos::new(HPos::Left, VPos::Top)),
                    ),
            ))?;
            continue;
        }
        let row = (k % 3) as f64;
        let y = y1 - (0.04 + 0.06 * row) * (y1 - y0);
        let (text, anchor) = if m.x - x0 > 0.6 * (x1 - x0) {
            (format!("{} ", m.label), HPos::Right)
        } else {
            (format!(" {}", m.label), HPos::Left)
        };
        chart.draw_series(std::iter::once(Text::new(
            text,
            (m.x, y),
            style(TICK_PX - 4).pos(Pos::new(anchor, VPos::Top)),
        )))?;
    }
    Ok(())
}

/// Shades a series' band (between its `lo` and `hi`) in a light tint of its colour, clamped to
/// `y`; a series of one point has no band to shade.
fn draw_band<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<DB, Cartesian2d<X, Y>>,
    s: &Series,
    (y0, y1): (f64, f64),
) -> Drawn
where
    DB::ErrorType: 'static,
{
    if s.points.len() < 2 {
        return Ok(());
    }
    let clamp = |v: f64| finite(v, y0).clamp(y0, y1);
    let mut outline: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, clamp(p.3))).collect();
    outline.extend(s.points.iter().rev().map(|p| (p.0, clamp(p.2))));
    chart.draw_series(std::iter::once(Polygon::new(
        outline,
        s.colour.rgb().mix(0.2).filled(),
    )))?;
    Ok(())
}

/// Draws the dashed reference line across `x`, then each series' middle line over it in its
/// colour, `width` pixels wide, clamped to `y`: how every chart of lines shows a threshold.
fn reference_and_lines<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<DB, Cartesian2d<X, Y>>,
    reference: Option<&Reference>,
    series: &[Series],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    width: u32,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let clamp = |v: f64| finite(v, y0).clamp(y0, y1);
    if let Some(r) = reference {
        chart.draw_series(DashedLineSeries::new(
            [(x0, clamp(r.value)), (x1, clamp(r.value))],
            10,
            6,
            BLACK.mix(0.7).stroke_width(2),
        ))?;
    }
    for s in series {
        chart.draw_series(LineSeries::new(
            s.points.iter().map(|p| (p.0, clamp(p.1))),
            s.colour.rgb().stroke_width(width),
        ))?;
    }
    Ok(())
}

/// The pixel width a label column needs for `labels`, within bounds.
fn label_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, labels: &[&str]) -> u32 {
    let st = style(TICK_PX);
    let widest = labels
        .iter()
        .filter_map(|l| area.estimate_text_size(l, &st).ok())
        .map(|(w, _)| w)
        .max()
        .unwrap_or(0);
    // Room for the labels, a gap, and the rotated axis description beside them.
    (widest + 24 + AXIS_PX + 24).clamp(100, 480)
}

/// The row of category `k` of `n` on an axis from -0.5 to n - 0.5, the first at the top.
fn row(k: usize, n: usize) -> f64 {
    n.saturating_sub(k + 1) as f64
}

/// Labels category rows at the left edge (`x0`) of a chart built by [`row`].
fn category_labels<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<DB, Cartesian2d<X, Y>>,
    x0: f64,
    labels: &[&str],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let st = style(TICK_PX).pos(Pos::new(HPos::Right, VPos::Center));
    let n = labels.len();
    chart.draw_series(labels.iter().enumerate().map(|(k, l)| {
        EmptyElement::at((x0, row(k, n))) + Text::new(l.to_string(), (-12, 0), st.clone())
    }))?;
    Ok(())
}

struct IntervalBars<'a> {
    titles: &'a Titles<'a>,
    bars: &'a [Bar],
    range: (f64, f64),
    reference: Option<&'a Reference>,
    caption: &'a str,
}

impl Chart for IntervalBars<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let body = header(root, self.titles.title)?;
        let body = footer(&body, self.caption)?;
        let (x0, x1) = axis(
            self.range,
            self.bars
                .iter()
                .flat_map(|b| [b.value, b.lo, b.hi, 0.0])
                .chain(self.reference.map(|r| r.value)),
        );
        let labels: Vec<&str> = self.bars.iter().map(|b| b.label.as_str()).collect();
        let n = self.bars.len().max(1);
        let (plot, side) = split_legend(&body);
        // Labels wider than a quarter of the plot go on rows of their own above their bars, so
        // that the bars keep the width.
        let (pw, _) = plot.dim_in_pixel();
        let wanted = label_width(&plot, &labels);
        let above = wanted > pw / 4;
        let label_area = if above { AXIS_PX + 36 } else { wanted };
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(label_area)
            .build_cartesian_2d(x0..x1, -0.5..(n as f64 - 0.5))?;
        house_mesh(&mut chart, self.titles)
            .x_label_formatter(&num)
            .y_labels(0)
            .disable_y_mesh()
            .draw()?;
        let clamp = |v: f64| finite(v, x0).clamp(x0, x1);
        let base = clamp(0.0);
        let span = x1 - x0;
        let judged = self
            .reference
            .and_then(|r| r.judges)
            .unwrap_or(self.bars.len())
            .min(self.bars.len());
        for (k, b) in self.bars.iter().enumerate() {
            let y = row(k, self.bars.len());
            let fill = if b.highlight {
                Colour::Blue.rgb()
            } else if k >= judged {
                Colour::Grey.rgb()
            } else {
                Colour::SkyBlue.rgb()
            };
            // With labels above, the bar takes the lower part of its row.
            let (bottom, top) = if above {
                (y - 0.47, y + 0.05)
            } else {
                (y - 0.5, y + 0.5)
            };
            let mut bar = Rectangle::new([(base, bottom), (clamp(b.value), top)], fill.filled());
            bar.set_margin(if above { 0 } else { 6 }, 6, 0, 0);
            chart.draw_series(std::iter::once(bar))?;
            let mid = || (bottom + top) / 2.0;
            let whisker = BLACK.stroke_width(3);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(clamp(b.lo), mid()), (clamp(b.hi), mid())],
                whisker,
            )))?;
            for end in [b.lo, b.hi] {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((clamp(end), mid()))
                        + PathElement::new(vec![(0, -9), (0, 9)], whisker),
                ))?;
            }
            // The value beside the whisker, on the side with room.
            let right = clamp(b.hi) < x1 - 0.2 * span;
            let (at, dx, h) = if right {
                (clamp(b.hi), 12, HPos::Left)
            } else {
                (clamp(b.lo), -12, HPos::Right)
            };
            let text_style = style(TICK_PX).pos(Pos::new(h, VPos::Center));
            let ink = if right || !b.highlight {
                TEXT
            } else {
                ink_on(fill)
            };
            chart.draw_series(std::iter::once(
                EmptyElement::at((at, mid()))
                    + Text::new(value_text(b.value, span), (dx, 0), text_style.color(&ink)),
            ))?;
        }
        if let Some(r) = self.reference.filter(|_| judged > 0) {
            // Rows count down from the top: the judged bars are the top `judged` rows.
            let bottom = row(judged - 1, self.bars.len()) - 0.5;
            chart.draw_series(std::iter::once(DashedPathElement::new(
                vec![(clamp(r.value), bottom), (clamp(r.value), n as f64 - 0.5)],
                10,
                6,
                BLACK.mix(0.7).stroke_width(2),
            )))?;
        }
        if above {
            let st = style(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center));
            chart.draw_series(labels.iter().enumerate().map(|(k, l)| {
                EmptyElement::at((x0, row(k, n) + 0.27))
                    + Text::new(l.to_string(), (6, 0), st.clone())
            }))?;
        } else {
            category_labels(&mut chart, x0, &labels)?;
        }
        if self.bars.is_empty() {
            no_data(&plot)?;
        }
        let mut entries = Vec::new();
        if let Some(b) = self.bars.iter().find(|b| b.highlight) {
            entries.push((b.label.clone(), Swatch::Block(Colour::Blue.rgb())));
            entries.push((
                "the others".to_string(),
                Swatch::Block(Colour::SkyBlue.rgb()),
            ));
        } else {
            entries.push(("estimate".to_string(), Swatch::Block(Colour::SkyBlue.rgb())));
        }
        if judged < self.bars.len() {
            entries.push((
                "not judged by the line".to_string(),
                Swatch::Block(Colour::Grey.rgb()),
            ));
        }
        entries.push(("95% interval".to_string(), Swatch::Line(BLACK)));
        if let Some(r) = self.reference {
            entries.push((r.label.clone(), Swatch::Dashed(BLACK)));
        }
        legend(&side, &entries)?;
        Ok(())
    }
}

struct StackedBars<'a> {
    titles: &'a Titles<'a>,
    categories: &'a [String],
    stacks: &'a [Stack],
}

impl Chart for StackedBars<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let body = header(root, self.titles.title)?;
        let (plot, side) = split_legend(&body);
        let labels: Vec<&str> = self.categories.iter().map(|c| c.as_str()).collect();
        let n = self.categories.len().max(1);
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(label_width(&plot, &labels))
            .build_cartesian_2d(0.0..100.0, -0.5..(n as f64 - 0.5))?;
        house_mesh(&mut chart, self.titles)
            .x_label_formatter(&num)
            .y_labels(0)
            .disable_y_mesh()
            .draw()?;
        for (k, _) in self.categories.iter().enumerate() {
            let y = row(k, self.categories.len());
            let mut left = 0.0;
            for s in self.stacks {
                let share = finite(s.values.get(k).copied().unwrap_or(0.0), 0.0).max(0.0);
                let right = (left + 100.0 * share).min(100.0);
                if right > left {
                    let c = s.colour.rgb();
                    let mut r = Rectangle::new([(left, y - 0.5), (right, y + 0.5)], c.filled());
                    r.set_margin(10, 10, 0, 0);
                    chart.draw_series(std::iter::once(r))?;
                    // Label a segment only when its percentage fits inside it.
                    if right - left >= 6.0 {
                        chart.draw_series(std::iter::once(Text::new(
                            format!("{:.0}%", right - left),
                            ((left + right) / 2.0, y),
                            style(TICK_PX)
                                .pos(Pos::new(HPos::Center, VPos::Center))
                                .color(&ink_on(c)),
                        )))?;
                    }
                }
                left = right;
            }
        }
        category_labels(&mut chart, 0.0, &labels)?;
        if self.categories.is_empty() {
            no_data(&plot)?;
        }
        let entries: Vec<(String, Swatch)> = self
            .stacks
            .iter()
            .filter(|s| s.values.iter().any(|v| *v > 0.0))
            .map(|s| (s.label.clone(), Swatch::Block(s.colour.rgb())))
            .collect();
        legend(&side, &entries)?;
        Ok(())
    }
}

struct StackedArea<'a> {
    titles: &'a Titles<'a>,
    xs: &'a [f64],
    stacks: &'a [Stack],
    /// `xs` are calendar years: ticks at each year's start, labelled with the year.
    years: bool,
}

impl Chart for StackedArea<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let body = header(root, self.titles.title)?;
        let (plot, side) = split_legend(&body);
        // One x still gets a visible strip: widen it by half a unit each way.
        let xs: Vec<f64> = match self.xs {
            [x] => vec![x - 0.5, x + 0.5],
            xs => xs.to_vec(),
        };
        let at = |s: &Stack, i: usize| {
            let k = if self.xs.len() == 1 { 0 } else { i };
            finite(s.values.get(k).copied().unwrap_or(0.0), 0.0).max(0.0)
        };
        let (x0, x1) = span(xs.iter().copied());
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(100)
            .build_cartesian_2d(x0..x1, 0.0..100.0)?;
        house_mesh(&mut chart, self.titles)
            .x_label_formatter(if self.years { &year_tick } else { &num })
            .y_label_formatter(&num)
            .draw()?;
        let mut lower = vec![0.0; xs.len()];
        for s in self.stacks {
            let upper: Vec<f64> = (0..xs.len())
                .map(|i| (lower[i] + 100.0 * at(s, i)).min(100.0))
                .collect();
            let mut outline: Vec<(f64, f64)> =
                xs.iter().copied().zip(upper.iter().copied()).collect();
            outline.extend(xs.iter().copied().zip(lower.iter().copied()).rev());
            if outline.len() > 2 {
                chart.draw_series(std::iter::once(Polygon::new(
                    outline,
                    s.colour.rgb().filled(),
                )))?;
                chart.draw_series(LineSeries::new(
                    xs.iter().copied().zip(upper.iter().copied()),
                    WHITE.stroke_width(1),
                ))?;
            }
            lower = upper;
        }
        if self.xs.is_empty() {
            no_data(&plot)?;
        }
        // Listed top-down, as the layers are stacked.
        let entries: Vec<(String, Swatch)> = self
            .stacks
            .iter()
            .rev()
            .map(|s| (s.label.clone(), Swatch::Block(s.colour.rgb())))
            .collect();
        legend(&side, &entries)?;
        Ok(())
    }
}

struct Heatmap<'a> {
    titles: &'a Titles<'a>,
    grid: &'a Grid<'a>,
}

/// Draws `symbol` centred `(dx, dy)` pixels from `at`, `r` pixels in radius, in black over a
/// white halo, so that it reads on every colour of the scale.
fn draw_symbol<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<DB, Cartesian2d<X, Y>>,
    at: (f64, f64),
    (dx, dy): (i32, i32),
    r: i32,
    symbol: Symbol,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    for (ink, extra) in [(WHITE, 3), (TEXT, 0)] {
        let mark = EmptyElement::at(at);
        match symbol {
            Symbol::Disc => {
                chart.draw_series(std::iter::once(
                    mark + Circle::new((dx, dy), (r + extra) as u32, ink.filled()),
                ))?;
            }
            Symbol::Ring => {
                chart.draw_series(std::iter::once(
                    mark + Circle::new((dx, dy), r as u32, ink.stroke_width(3 + 2 * extra as u32)),
                ))?;
            }
            Symbol::Cross => {
                let w = ink.stroke_width(3 + 2 * extra as u32);
                chart.draw_series(std::iter::once(
                    mark + PathElement::new(vec![(dx - r, dy - r), (dx + r, dy + r)], w),
                ))?;
                chart.draw_series(std::iter::once(
                    EmptyElement::at(at)
                        + PathElement::new(vec![(dx - r, dy + r), (dx + r, dy - r)], w),
                ))?;
            }
        }
    }
    Ok(())
}

impl Chart for Heatmap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let g = self.grid;
        let body = header(root, self.titles.title)?;
        let (plot, side) = split_legend(&body);
        let (nx, ny) = (g.xs.len(), g.ys.len());
        let (cols, rows) = (nx.max(1) as f64, ny.max(1) as f64);
        let fitted = !(g.range.0.is_finite() && g.range.1.is_finite() && g.range.0 < g.range.1);
        let (lo, hi) = if fitted {
            span(g.values.iter().copied())
        } else {
            g.range
        };
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..cols, 0.0..rows)?;
        house_mesh(&mut chart, self.titles)
            .x_labels(0)
            .y_labels(0)
            .disable_mesh()
            .draw()?;
        // Tick labels at cell centres, thinned to about a dozen per axis.
        let below = style(TICK_PX).pos(Pos::new(HPos::Center, VPos::Top));
        let left = style(TICK_PX).pos(Pos::new(HPos::Right, VPos::Center));
        let step = |n: usize| n.div_ceil(12).max(1);
        let tick = |names: Option<&[String]>, k: usize, v: &f64| {
            names
                .and_then(|n| n.get(k))
                .cloned()
                .unwrap_or_else(|| num(v))
        };
        chart.draw_series(g.xs.iter().enumerate().step_by(step(nx)).map(|(i, x)| {
            EmptyElement::at((i as f64 + 0.5, 0.0))
                + Text::new(tick(g.x_labels, i, x), (0, 10), below.clone())
        }))?;
        chart.draw_series(g.ys.iter().enumerate().step_by(step(ny)).map(|(j, y)| {
            EmptyElement::at((0.0, j as f64 + 0.5))
                + Text::new(tick(g.y_labels, j, y), (-10, 0), left.clone())
        }))?;
        let value =
            |i: usize, j: usize| g.values.get(j * nx + i).copied().filter(|v| v.is_finite());
        let mark = |i: usize, j: usize| {
            g.marks.and_then(|m| {
                m.cells
                    .get(j * nx + i)
                    .copied()
                    .flatten()
                    .and_then(|k| m.kinds.get(k))
            })
        };
        let (pw, ph) = chart.plotting_area().dim_in_pixel();
        let cell_w = pw / nx.max(1) as u32;
        let cell_h = ph / ny.max(1) as u32;
        // With symbols, a value needs room beside its symbol.
        let show_values = cell_h >= 28 && cell_w >= if g.marks.is_some() { 110 } else { 56 };
        let radius = ((cell_w.min(cell_h) / 5) as i32).clamp(4, 11);
        let cell = |i: usize, j: usize| [(i as f64, j as f64), (i as f64 + 1.0, j as f64 + 1.0)];
        for j in 0..ny {
            for i in 0..nx {
                let c = value(i, j).map_or(MISSING, |v| viridis((v - lo) / (hi - lo)));
                chart.draw_series(std::iter::once(Rectangle::new(cell(i, j), c.filled())))?;
                let centre = (i as f64 + 0.5, j as f64 + 0.5);
                let symbol = mark(i, j);
                if let Some((_, sym)) = symbol {
                    let dx = if show_values { -(radius + 24) } else { 0 };
                    draw_symbol(&mut chart, centre, (dx, 0), radius, *sym)?;
                }
                if show_values && let Some(v) = value(i, j) {
                    let (dx, h) = if symbol.is_some() {
                        (-6, HPos::Left)
                    } else {
                        (0, HPos::Center)
                    };
                    chart.draw_series(std::iter::once(
                        EmptyElement::at(centre)
                            + Text::new(
                                num(&((v * 100.0).round() / 100.0)),
                                (dx, 0),
                                style(TICK_PX.min(cell_h.saturating_sub(6)).max(10))
                                    .pos(Pos::new(h, VPos::Center))
                                    .color(&ink_on(c)),
                            ),
                    ))?;
                }
            }
        }
        let entries: Vec<(String, Swatch)> = g
            .marks
            .iter()
            .flat_map(|m| m.kinds.iter())
            .map(|(label, sym)| (label.clone(), Swatch::Symbol(*sym)))
            .collect();
        if nx == 0 || ny == 0 {
            no_data(&plot)?;
        }
        let label = if fitted && hi > lo {
            format!(
                "{}; scale fitted to the data, {} to {}",
                g.value_label,
                num(&lo),
                num(&hi)
            )
        } else {
            g.value_label.to_string()
        };
        colour_bar(&side, &label, (lo, hi), &entries)?;
        Ok(())
    }
}

/// The heat map's colour scale with its label, then any legend entries under it.
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    (lo, hi): (f64, f64),
    entries: &[(String, Swatch)],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (w, _) = area.dim_in_pixel();
    let st = style(LEGEND_PX);
    let lines = wrap(area, label, &st, w.saturating_sub(30));
    let line_h = LEGEND_PX as i32 + 6;
    for (i, line) in lines.iter().enumerate() {
        area.draw_text(line, &st, (10, 30 + i as i32 * line_h))?;
    }
    let top = 30 + lines.len() as i32 * line_h + 14;
    // A shorter bar when symbols need the room below it.
    let height = if entries.is_empty() { 320 } else { 220 };
    let steps = 64;
    for s in 0..steps {
        // The top of the bar is the high end of the scale.
        let t = 1.0 - (s as f64 + 0.5) / steps as f64;
        let y0 = top + s * height / steps;
        let y1 = top + (s + 1) * height / steps;
        area.draw(&Rectangle::new([(10, y0), (50, y1)], viridis(t).filled()))?;
    }
    area.draw(&Rectangle::new(
        [(10, top), (50, top + height)],
        BLACK.mix(0.4),
    ))?;
    let tick_style = style(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center));
    for k in 0..=4 {
        let f = k as f64 / 4.0;
        let y = top + height - (f * height as f64).round() as i32;
        area.draw(&PathElement::new(vec![(50, y), (58, y)], BLACK))?;
        area.draw_text(&num(&(lo + f * (hi - lo))), &tick_style, (64, y))?;
    }
    if !entries.is_empty() {
        let (_, h) = area.dim_in_pixel();
        let below = area
            .split_vertically(((top + height + 10).max(0) as u32).min(h))
            .1;
        legend(&below, entries)?;
    }
    Ok(())
}

struct Scatter<'a> {
    titles: &'a Titles<'a>,
    groups: &'a [PointGroup],
    region: Option<&'a Region>,
    caption: &'a str,
}

impl Chart for Scatter<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let body = header(root, self.titles.title)?;
        let body = footer(&body, self.caption)?;
        let (plot, side) = split_legend(&body);
        let points = || self.groups.iter().flat_map(|g| g.points.iter());
        let region_x = self.region.iter().flat_map(|r| r.x);
        let region_y = self.region.iter().flat_map(|r| r.y);
        let (x0, x1) = axis((f64::NAN, f64::NAN), points().map(|p| p.0).chain(region_x));
        let (y0, y1) = axis((f64::NAN, f64::NAN), points().map(|p| p.1).chain(region_y));
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(100)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        house_mesh(&mut chart, self.titles)
            .x_label_formatter(&num)
            .y_label_formatter(&num)
            .draw()?;
        if let Some(r) = self.region {
            let corners = [
                (finite(r.x[0], x0), finite(r.y[0], y0)),
                (finite(r.x[1], x1), finite(r.y[1], y1)),
            ];
            chart.draw_series(std::iter::once(Rectangle::new(
                corners,
                BLACK.mix(0.06).filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                corners,
                BLACK.stroke_width(3),
            )))?;
        }
        for g in self.groups {
            let c = g.colour.rgb();
            chart.draw_series(
                g.points
                    .iter()
                    .filter(|p| p.0.is_finite() && p.1.is_finite())
                    .map(|p| Circle::new(*p, 7, c.mix(0.85).filled())),
            )?;
        }
        if self.groups.iter().all(|g| g.points.is_empty()) {
            no_data(&plot)?;
        }
        let mut entries: Vec<(String, Swatch)> = self
            .groups
            .iter()
            .map(|g| (g.label.clone(), Swatch::Block(g.colour.rgb())))
            .collect();
        if let Some(r) = self.region {
            entries.push((r.label.clone(), Swatch::Outline));
        }
        legend(&side, &entries)?;
        Ok(())
    }
}

struct Schedule<'a> {
    titles: &'a Titles<'a>,
    lanes: &'a [(String, Colour)],
    rows: &'a [ScheduleRow],
    x_range: (f64, f64),
}

impl Chart for Schedule<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let body = header(root, self.titles.title)?;
        let (plot, side) = split_legend(&body);
        let (x0, x1) = axis(
            self.x_range,
            self.rows
                .iter()
                .flat_map(|r| r.spans.iter().flatten().flat_map(|s| [s.0, s.1])),
        );
        let lanes = self.lanes.len().max(1);
        // Each row: a line for its name, then one unit per lane.
        let per_row = lanes as f64 + 1.2;
        let height = per_row * self.rows.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(AXIS_PX + 36)
            .build_cartesian_2d(x0..x1, 0.0..height)?;
        house_mesh(&mut chart, self.titles)
            .x_label_formatter(&num)
            .y_labels(0)
            .disable_y_mesh()
            .draw()?;
        let name_style = style(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center));
        for (k, r) in self.rows.iter().enumerate() {
            // The first row at the top.
            let top = height - k as f64 * per_row;
            chart.draw_series(std::iter::once(
                EmptyElement::at((x0, top - 0.55))
                    + Text::new(r.label.clone(), (6, 0), name_style.clone()),
            ))?;
            for (lane, (_, colour)) in self.lanes.iter().enumerate() {
                let y = top - 1.2 - lane as f64;
                for &(a, b) in r.spans.get(lane).into_iter().flatten() {
                    let (a, b) = (finite(a, x0).clamp(x0, x1), finite(b, x1).clamp(x0, x1));
                    if b > a {
                        chart.draw_series(std::iter::once(Rectangle::new(
                            [(a, y - 0.85), (b, y - 0.15)],
                            colour.rgb().filled(),
                        )))?;
                    }
                }
            }
        }
        if self.rows.is_empty() {
            no_data(&plot)?;
        }
        let entries: Vec<(String, Swatch)> = self
            .lanes
            .iter()
            .map(|(label, c)| (label.clone(), Swatch::Block(c.rgb())))
            .collect();
        legend(&side, &entries)
    }
}

/// The width of the band over which a switch's points are spread, in units of its axis (off
/// at 0, on at 1): wide enough to separate points, narrow enough to read as off or on.
const SWITCH_SPREAD: f64 = 0.36;

/// A fixed offset in [-0.5, 0.5) for point `k`: a hash of its index (SplitMix64's finaliser),
/// not a random stream, so that the same point lands in the same place in every drawing.
fn jitter(k: usize) -> f64 {
    let mut z = (k as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

struct Panels<'a> {
    title: &'a str,
    y: &'a str,
    panels: &'a [Panel],
    groups: &'a [(String, Colour)],
    caption: &'a str,
}

impl Chart for Panels<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let body = header(root, self.title)?;
        let body = footer(&body, self.caption)?;
        let (grid, side) = if self.groups.len() > 1 {
            let (w, _) = body.dim_in_pixel();
            let (g, s) = body.split_horizontally(w.saturating_sub(230));
            (g, Some(s))
        } else {
            (body, None)
        };
        let n = self.panels.len();
        if n == 0 {
            return no_data(&grid);
        }
        // About as many columns as rows, at most four.
        let cols = ((n as f64).sqrt().ceil() as usize).clamp(1, 4);
        let rows = n.div_ceil(cols);
        let cells = grid.split_evenly((rows, cols));
        let (y0, y1) = axis(
            (f64::NAN, f64::NAN),
            self.panels
                .iter()
                .flat_map(|p| p.points.iter().map(|q| q.1)),
        );
        let small = |px: u32| style(px);
        for (panel, area) in self.panels.iter().zip(&cells) {
            let (x0, x1) = match panel.switch {
                Some(_) => (-0.5, 1.5),
                None => axis((f64::NAN, f64::NAN), panel.points.iter().map(|q| q.0)),
            };
            let (w, _) = area.dim_in_pixel();
            let x_title = fit(area, &panel.x, &small(TICK_PX), w.saturating_sub(80));
            let mut chart = ChartBuilder::on(area)
                .margin(12)
                .x_label_area_size(56)
                .y_label_area_size(70)
                .build_cartesian_2d(x0..x1, y0..y1)?;
            let switch_tick = |v: &f64| match &panel.switch {
                Some(names) if v.abs() < 1e-9 => names[0].clone(),
                Some(names) if (v - 1.0).abs() < 1e-9 => names[1].clone(),
                Some(_) => String::new(),
                None => num(v),
            };
            let mut mesh = chart.configure_mesh();
            mesh.x_desc(x_title)
                .y_desc(self.y)
                .axis_desc_style(small(TICK_PX))
                .label_style(small(TICK_PX - 4))
                .max_light_lines(1)
                .light_line_style(GRID_LIGHT)
                .bold_line_style(GRID_BOLD)
                .y_labels(5)
                .x_label_formatter(&switch_tick)
                .y_label_formatter(&num);
            if panel.switch.is_some() {
                mesh.x_labels(5);
            } else {
                mesh.x_labels(6);
            }
            mesh.draw()?;
            // A switch's points spread over a narrow band around off and on.
            let spread = if panel.switch.is_some() {
                SWITCH_SPREAD
            } else {
                0.0
            };
            for (g, (_, colour)) in self.groups.iter().enumerate() {
                let c = colour.rgb();
                chart.draw_series(
                    panel
                        .points
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| p.2 == g && p.0.is_finite() && p.1.is_finite())
                        .map(|(k, p)| {
                            Circle::new((p.0 + spread * jitter(k), p.1), 5, c.mix(0.8).filled())
                        }),
                )?;
            }
        }
        if let Some(side) = side {
            let entries: Vec<(String, Swatch)> = self
                .groups
                .iter()
                .map(|(label, c)| (label.clone(), Swatch::Block(c.rgb())))
                .collect();
            legend(&side, &entries)?;
        }
        Ok(())
    }
}

struct TimelineChart<'a>(Timeline<'a>);

impl Chart for TimelineChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let spec = &self.0;
        let body = header(root, spec.titles.title)?;
        let (plot, side) = split_legend(&body);
        let points = || spec.series.iter().flat_map(|s| s.points.iter());
        let (x0, x1) = span(points().map(|p| p.0));
        let (lo, y1) = axis(
            spec.y_range,
            points().map(|p| p.1).chain(spec.reference.map(|r| r.value)),
        );
        // The strip lies under the value axis, in room of its own: a tenth of the axis.
        let room = if spec.strip.is_some() {
            0.1 * (y1 - lo)
        } else {
            0.0
        };
        let y0 = lo - room;
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(100)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let value_tick = |v: &f64| {
            if *v < lo - 1e-9 {
                String::new()
            } else {
                num(v)
            }
        };
        house_mesh(&mut chart, spec.titles)
            .x_label_formatter(&year_tick)
            .y_label_formatter(&value_tick)
            .draw()?;
        let clamp = |v: f64| finite(v, lo).clamp(lo, y1);
        draw_marks(&mut chart, spec.marks, (x0, x1), (lo, y1), false)?;
        if let Some(strip) = spec.strip {
            let (a, b) = (y0 + 0.15 * room, lo - 0.15 * room);
            for &(from, to, colour) in &strip.spans {
                if let Some(c) = colour {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(from.max(x0), a), (to.min(x1), b)],
                        c.rgb().filled(),
                    )))?;
                }
            }
        }
        reference_and_lines(
            &mut chart,
            spec.reference,
            spec.series,
            (x0, x1),
            (lo, y1),
            4,
        )?;
        // Labels alternate over three heights above their markers, so that moments close in
        // time do not print over each other.
        let mut labelled = 0;
        for n in spec.notes {
            let at = (n.x, clamp(n.y));
            chart.draw_series(std::iter::once(TriangleMarker::new(
                at,
                9,
                n.colour.rgb().filled(),
            )))?;
            chart.draw_series(std::iter::once(TriangleMarker::new(
                at,
                9,
                BLACK.stroke_width(1),
            )))?;
            if n.label.is_empty() {
                continue;
            }
            let lift = (0.05 + 0.05 * (labelled % 3) as f64) * (y1 - lo);
            labelled += 1;
            let y = (at.1 + lift).min(y1);
            let anchor = if n.x - x0 > 0.75 * (x1 - x0) {
                HPos::Right
            } else {
                HPos::Left
            };
            chart.draw_series(std::iter::once(PathElement::new(
                vec![at, (n.x, y)],
                n.colour.rgb().stroke_width(1),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                n.label.clone(),
                (n.x, y),
                style(TICK_PX - 2).pos(Pos::new(anchor, VPos::Bottom)),
            )))?;
        }
        if spec.series.iter().all(|s| s.points.is_empty()) {
            no_data(&plot)?;
        }
        let mut entries: Vec<(String, Swatch)> = spec
            .series
            .iter()
            .map(|s| (s.label.clone(), Swatch::Line(s.colour.rgb())))
            .collect();
        if let Some(r) = spec.reference {
            entries.push((r.label.clone(), Swatch::Dashed(BLACK)));
        }
        if !spec.notes_label.is_empty() {
            entries.push((spec.notes_label.to_string(), Swatch::Marker));
        }
        if let Some(strip) = spec.strip {
            for (label, colour) in &strip.key {
                entries.push((
                    format!("{}: {label}", strip.label),
                    Swatch::Block(colour.rgb()),
                ));
            }
        }
        legend(&side, &entries)
    }
}

/// A calendar date from a year with its fraction (2014.75 is "Oct 2014").
fn month_year(x: f64) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let months = (finite(x, 0.0) * 12.0).round() as i64;
    format!(
        "{} {}",
        NAMES[months.rem_euclid(12) as usize],
        months.div_euclid(12)
    )
}

/// Columns of a grid of `n` small time panels: wide panels, at most four a row.
fn time_columns(n: usize) -> usize {
    match n {
        0 | 1 => 1,
        2..=4 => 2,
        5 | 6 => 3,
        _ => 4,
    }
}

/// Rows and columns of a grid of `n` square panels in `w` by `h` pixels: the shape that gives
/// each panel the largest square.
fn square_grid(n: usize, (w, h): (u32, u32)) -> (usize, usize) {
    let n = n.max(1);
    (1..=n)
        .map(|cols| (n.div_ceil(cols), cols))
        .max_by(|a, b| {
            let side = |(r, c): (usize, usize)| (w as f64 / c as f64).min(h as f64 / r as f64);
            // On a tie, fewer empty cells.
            side(*a)
                .total_cmp(&side(*b))
                .then((b.0 * b.1).cmp(&(a.0 * a.1)))
        })
        .unwrap_or((1, 1))
}

/// Prints a shared axis description: `x` centred in `bottom`, `y` turned upright in `left`.
fn shared_axes<DB: DrawingBackend>(
    left: &DrawingArea<DB, Shift>,
    bottom: &DrawingArea<DB, Shift>,
    titles: &Titles,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (bw, bh) = bottom.dim_in_pixel();
    let st = style(AXIS_PX).pos(Pos::new(HPos::Center, VPos::Center));
    let x = fit(bottom, titles.x, &st, bw.saturating_sub(40));
    bottom.draw_text(&x, &st, ((bw / 2) as i32, (bh / 2) as i32))?;
    let (lw, lh) = left.dim_in_pixel();
    let y = fit(left, titles.y, &st, lh.saturating_sub(20));
    let upright = st.transform(FontTransform::Rotate270);
    left.draw_text(&y, &upright, ((lw / 2) as i32, (lh / 2) as i32))?;
    Ok(())
}

struct PanelsInTime<'a>(InTime<'a>);

impl Chart for PanelsInTime<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let spec = &self.0;
        let body = header(root, spec.titles.title)?;
        // One key for every panel, across the top: the panels keep the full width.
        let ink = RGBColor(90, 90, 90);
        let mut entries: Vec<(String, Swatch)> = Vec::new();
        if !spec.line.is_empty() {
            entries.push((spec.line.to_string(), Swatch::Stroke(ink)));
        }
        if !spec.band.is_empty() {
            entries.push((spec.band.to_string(), Swatch::Band(ink)));
        }
        if let Some(r) = spec.reference.filter(|_| !spec.reference_in.is_empty()) {
            entries.push((r.label.clone(), Swatch::Dashed(BLACK)));
        }
        let points = || spec.series.iter().flat_map(|s| s.points.iter());
        let (x0, x1) = span(points().map(|p| p.0));
        for (k, m) in spec.marks.iter().enumerate() {
            if (x0..=x1).contains(&m.x) {
                entries.push((
                    format!("{} ({})", m.label, month_year(m.x)),
                    Swatch::Event(k + 1),
                ));
            }
        }
        let body = key_row(&body, &entries)?;
        let (w, h) = body.dim_in_pixel();
        let (upper, bottom) = body.split_vertically(h.saturating_sub(AXIS_PX + 20));
        let (left, grid) = upper.split_horizontally(AXIS_PX + 20);
        shared_axes(&left, &bottom, spec.titles)?;
        let n = spec.series.len();
        if n == 0 || points().next().is_none() {
            return no_data(&grid);
        }
        let (y0, y1) = axis(
            spec.y_range,
            points()
                .flat_map(|p| [p.1, p.2, p.3])
                .chain(spec.reference.map(|r| r.value)),
        );
        let cols = time_columns(n);
        let rows = n.div_ceil(cols);
        let cells = grid.split_evenly((rows, cols));
        let title_style = style(TICK_PX + 2);
        let panel_w = w.saturating_sub(AXIS_PX + 20) / cols as u32;
        for (k, (s, area)) in spec.series.iter().zip(&cells).enumerate() {
            let title = fit(area, &s.label, &title_style, panel_w.saturating_sub(30));
            let mut chart = ChartBuilder::on(area)
                .margin(10)
                .margin_right(22)
                .caption(title, title_style.clone())
                .x_label_area_size(36)
                .y_label_area_size(58)
                .build_cartesian_2d(x0..x1, y0..y1)?;
            let (pw, _) = chart.plotting_area().dim_in_pixel();
            chart
                .configure_mesh()
                .label_style(style(TICK_PX - 2))
                .max_light_lines(1)
                .light_line_style(GRID_LIGHT)
                .bold_line_style(GRID_BOLD)
                .x_labels(((pw / 70) as usize).clamp(2, 12))
                .y_labels(5)
                .x_label_formatter(&year_tick)
                .y_label_formatter(&num)
                .draw()?;
            draw_marks(&mut chart, spec.marks, (x0, x1), (y0, y1), true)?;
            if !spec.band.is_empty() {
                draw_band(&mut chart, s, (y0, y1))?;
            }
            let reference = spec.reference.filter(|_| spec.reference_in.contains(&k));
            reference_and_lines(
                &mut chart,
                reference,
                std::slice::from_ref(s),
                (x0, x1),
                (y0, y1),
                3,
            )?;
            if let [p] = s.points.as_slice() {
                // One month draws no line: a dot, with its band as a whisker.
                let c = s.colour.rgb();
                let clamp = |v: f64| finite(v, y0).clamp(y0, y1);
                chart.draw_series(std::iter::once(Circle::new(
                    (p.0, clamp(p.1)),
                    6,
                    c.filled(),
                )))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(p.0, clamp(p.2)), (p.0, clamp(p.3))],
                    c.stroke_width(3),
                )))?;
            }
        }
        Ok(())
    }
}

struct NetworkChart<'a>(Network<'a>);

impl Chart for NetworkChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let spec = &self.0;
        let body = header(root, spec.title)?;
        let entries: Vec<(String, Swatch)> = spec
            .states
            .iter()
            .map(|(label, c)| (label.clone(), Swatch::Dot(c.rgb())))
            .collect();
        let body = key_row(&body, &entries)?;
        let grid = footer(&body, spec.caption)?;
        if spec.panels.is_empty() || spec.nodes == 0 {
            return no_data(&grid);
        }
        let (rows, cols) = square_grid(spec.panels.len(), grid.dim_in_pixel());
        let cells = grid.split_evenly((rows, cols));
        let title_style = style(TICK_PX + 2).pos(Pos::new(HPos::Center, VPos::Top));
        let note_style = style(TICK_PX - 2).pos(Pos::new(HPos::Center, VPos::Top));
        let n = spec.nodes;
        for (panel, area) in spec.panels.iter().zip(&cells) {
            let (w, h) = area.dim_in_pixel();
            let title = fit(area, &panel.title, &title_style, w.saturating_sub(16));
            area.draw_text(&title, &title_style, ((w / 2) as i32, 4))?;
            let mut top = TICK_PX as i32 + 10;
            if !panel.note.is_empty() {
                let note = fit(area, &panel.note, &note_style, w.saturating_sub(16));
                area.draw_text(&note, &note_style, ((w / 2) as i32, top))?;
                top += TICK_PX as i32 + 2;
            }
            // The circle in the room left under the titles.
            let room_h = (h as i32 - top).max(1);
            let side = (w as i32).min(room_h);
            let (cx, cy) = (w as i32 / 2, top + room_h / 2);
            // Dots close to touching on a full circle, within bounds.
            let outer = (side / 2 - 8).max(4) as f64;
            let dot = (outer * std::f64::consts::PI / n as f64 * 0.8).clamp(3.0, 11.0);
            let radius = (outer - dot).max(1.0);
            let at = |k: usize| {
                let a =
                    -std::f64::consts::FRAC_PI_2 + 2.0 * std::f64::consts::PI * k as f64 / n as f64;
                (
                    cx + (radius * a.cos()).round() as i32,
                    cy + (radius * a.sin()).round() as i32,
                )
            };
            for &(a, b) in spec.ties {
                let (a, b) = (a as usize, b as usize);
                if a < n && b < n {
                    area.draw(&PathElement::new(
                        vec![at(a), at(b)],
                        RGBColor(200, 200, 200).stroke_width(1),
                    ))?;
                }
            }
            for k in 0..n {
                let c = panel
                    .states
                    .get(k)
                    .and_then(|&i| spec.states.get(i))
                    .map_or(MISSING, |(_, c)| c.rgb());
                let r = dot.round() as u32;
                area.draw(&Circle::new(at(k), r, c.filled()))?;
                area.draw(&Circle::new(at(k), r, RIM.stroke_width(1)))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(num(&3.0), "3");
        assert_eq!(num(&0.25), "0.25");
        assert_eq!(num(&(1.0 / 3.0)), "0.333");
        assert_eq!(num(&-0.0), "0");
    }

    #[test]
    fn axes_survive_degenerate_data() {
        assert_eq!(axis((f64::NAN, 1.0), std::iter::empty()), (0.0, 1.0));
        assert_eq!(axis((f64::NAN, 1.0), [2.0, 2.0].into_iter()), (1.5, 2.5));
        assert_eq!(axis((0.0, 100.0), [2.0].into_iter()), (0.0, 100.0));
        assert_eq!(axis((1.0, 1.0), [0.0, 10.0].into_iter()), (-0.5, 10.5));
    }

    /// Writes every kind of chart, ordinary and degenerate, into a scratch folder (moved to the
    /// path in `DEMO_PLOTS` when that is set, so the charts can be looked at).
    #[test]
    fn every_chart_draws_ordinary_and_degenerate_data() {
        let tmp = tempfile::tempdir().expect("a scratch folder");
        let dir = OutputDir::create(&tmp.path().join("charts")).expect("an output folder");
        let t = Titles {
            title: "A title that says what is shown",
            x: "x (unit)",
            y: "y (unit)",
        };
        let points: Vec<(f64, f64, f64, f64)> = (0..11)
            .map(|i| {
                let x = i as f64 / 10.0;
                (x, 60.0 * x, 50.0 * x, 70.0 * x)
            })
            .collect();
        line_band(&dir, "line", &t, &points, (0.0, 100.0)).unwrap();
        line_band(&dir, "line_one", &t, &points[..1], (0.0, 100.0)).unwrap();
        line_band(&dir, "line_none", &t, &[], (f64::NAN, f64::NAN)).unwrap();
        let xs: Vec<f64> = (0..6).map(|i| i as f64 * 0.2).collect();
        let ys: Vec<f64> = (0..5).map(|i| i as f64 * 0.25).collect();
        let values: Vec<f64> = (0..30)
            .map(|k| (k % 6) as f64 * (k / 6) as f64 / 20.0)
            .collect();
        let marked: Vec<Option<usize>> = values
            .iter()
            .map(|v| Some((v * 6.0) as usize % 3))
            .collect();
        let kinds = [
            ("verdict supported".to_string(), Symbol::Disc),
            ("verdict refuted".to_string(), Symbol::Cross),
            ("verdict inconclusive".to_string(), Symbol::Ring),
        ];
        let grid = Grid {
            xs: &xs,
            ys: &ys,
            x_labels: None,
            y_labels: None,
            values: &values,
            range: (0.0, 1.0),
            value_label: "success rate (share)",
            marks: Some(CellMarks {
                cells: &marked,
                kinds: &kinds,
            }),
        };
        heatmap(&dir, "heat", &t, &grid).unwrap();
        let empty = Grid {
            xs: &[],
            ys: &[],
            x_labels: None,
            y_labels: None,
            values: &[],
            range: (0.0, 0.0),
            value_label: "",
            marks: Some(CellMarks {
                cells: &[],
                kinds: &kinds,
            }),
        };
        heatmap(&dir, "heat_none", &t, &empty).unwrap();
        let bars = vec![
            Bar {
                label: "first".into(),
                value: 60.0,
                lo: 55.0,
                hi: 65.0,
                highlight: true,
            },
            Bar {
                label: "second, with a longer label".into(),
                value: 0.0,
                lo: 0.0,
                hi: 2.0,
                highlight: false,
            },
        ];
        let r = Reference {
            value: 10.0,
            label: "bound".into(),
            judges: Some(1),
        };
        interval_bars(
            &dir,
            "bars",
            &t,
            &bars,
            (0.0, 100.0),
            Some(&r),
            "A caption.",
        )
        .unwrap();
        interval_bars(&dir, "bars_none", &t, &[], (0.0, 0.0), None, "").unwrap();
        let stacks = vec![
            Stack {
                label: "a".into(),
                colour: Colour::BluishGreen,
                values: vec![0.5, 1.0],
            },
            Stack {
                label: "b".into(),
                colour: Colour::SkyBlue,
                values: vec![0.5],
            },
        ];
        let cats = vec!["one".to_string(), "two".to_string()];
        stacked_bars(&dir, "stacked", &t, &cats, &stacks).unwrap();
        stacked_bars(&dir, "stacked_none", &t, &[], &[]).unwrap();
        stacked_area(&dir, "area", &t, &[0.0, 1.0], &stacks, false).unwrap();
        stacked_area(&dir, "area_one", &t, &[0.0], &stacks, true).unwrap();
        stacked_area(&dir, "area_none", &t, &[], &[], false).unwrap();
        let zeros = vec![(0.0, 0.0, 0.0, 0.0); 3];
        bands(
            &dir,
            "bands_zero",
            &t,
            &[Series {
                label: "zero".into(),
                colour: Colour::Orange,
                points: zeros,
            }],
            (0.0, 1.0),
            Some(&r),
        )
        .unwrap();
        let panel = |switch: bool| Panel {
            x: "a parameter with a long name that has to be cut to fit its panel".into(),
            switch: switch.then(|| ["off".to_string(), "on".to_string()]),
            points: (0..20)
                .map(|i| ((i % 2) as f64, 0.3 + 0.01 * i as f64, i % 3))
                .collect(),
        };
        let groups = [
            ("a".to_string(), Colour::BluishGreen),
            ("b".to_string(), Colour::Vermillion),
            ("c".to_string(), Colour::Grey),
        ];
        let many = [panel(false), panel(true), panel(false)];
        panels(&dir, "panels", "Panels", "y", &many, &groups, "A caption.").unwrap();
        panels(&dir, "panels_none", "Panels", "y", &[], &groups, "").unwrap();
        let rows = vec![ScheduleRow {
            label: "a cell with a long name".into(),
            spans: vec![vec![(0.0, 12.0)], vec![], vec![(12.0, 60.0)]],
        }];
        schedule(&dir, "schedule", &t, &groups, &rows, (0.0, 60.0)).unwrap();
        schedule(
            &dir,
            "schedule_none",
            &t,
            &groups,
            &[],
            (f64::NAN, f64::NAN),
        )
        .unwrap();
        let net = |states: Vec<usize>| NetworkPanel {
            title: "March 2014".into(),
            note: "3 adopted".into(),
            states,
        };
        let moments = [net(vec![0; 12]), net((0..12).map(|k| k % 3).collect())];
        let network = Network {
            title: "A network at two moments",
            nodes: 12,
            ties: &[(0, 1), (1, 2), (0, 6), (11, 99)],
            panels: &moments,
            states: &groups,
            caption: "A caption.",
        };
        network_panels(&dir, "network", &network).unwrap();
        let no_network = Network {
            nodes: 0,
            panels: &[],
            ..network
        };
        network_panels(&dir, "network_none", &no_network).unwrap();
        let marks = [Mark {
            x: 0.5,
            label: "an event".into(),
        }];
        let in_time = InTime {
            titles: &t,
            series: &[],
            y_range: (0.0, 1.0),
            reference: Some(&r),
            reference_in: &[0],
            marks: &marks,
            line: "median",
            band: "band",
        };
        panels_in_time(&dir, "in_time_none", &in_time).unwrap();
        let one = [Series {
            label: "one month".into(),
            colour: Colour::Blue,
            points: vec![(2013.25, 0.5, 0.4, 0.6)],
        }];
        panels_in_time(
            &dir,
            "in_time_one",
            &InTime {
                series: &one,
                ..in_time
            },
        )
        .unwrap();
        for stem in [
            "network",
            "in_time_one",
            "panels",
            "schedule",
            "line",
            "heat",
            "bars",
            "stacked",
            "area",
            "area_one",
            "heat_none",
        ] {
            for ext in ["png", "svg"] {
                let path = dir.file(&format!("{stem}.{ext}"));
                let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                assert!(len > 1000, "{} is {len} bytes", path.display());
            }
        }
        if let Some(keep) = std::env::var_os("DEMO_PLOTS") {
            dir.commit().unwrap();
            let _ = std::fs::remove_dir_all(&keep);
            let _ = std::fs::rename(tmp.path().join("charts"), &keep);
        }
    }

    /// The text elements of an SVG chart.
    fn svg_texts(path: &std::path::Path) -> Vec<String> {
        let svg = std::fs::read_to_string(path).expect("the SVG");
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                let body = &t[t.find('>')? + 1..];
                Some(body[..body.find("</text>")?].trim().to_string())
            })
            .collect()
    }

    #[test]
    fn a_heat_map_names_each_marked_category_labels_switches_and_fits_its_scale() {
        let tmp = tempfile::tempdir().expect("a scratch folder");
        let dir = OutputDir::create(&tmp.path().join("charts")).expect("an output folder");
        let t = Titles {
            title: "t",
            x: "x",
            y: "y",
        };
        let names = ["off".to_string(), "on".to_string()];
        let values = [0.35, 0.41, 0.44, 0.48];
        let cells = [Some(0), Some(1), Some(2), None];
        let kinds = [
            ("verdict supported".to_string(), Symbol::Disc),
            ("verdict refuted".to_string(), Symbol::Cross),
            ("verdict inconclusive".to_string(), Symbol::Ring),
        ];
        let grid = Grid {
            xs: &[0.0, 1.0],
            ys: &[0.0, 0.5],
            x_labels: Some(&names),
            y_labels: None,
            values: &values,
            range: (f64::NAN, f64::NAN),
            value_label: "success rate",
            marks: Some(CellMarks {
                cells: &cells,
                kinds: &kinds,
            }),
        };
        heatmap(&dir, "heat", &t, &grid).unwrap();
        let texts = svg_texts(&dir.file("heat.svg"));
        for want in [
            "verdict supported",
            "verdict refuted",
            "verdict inconclusive",
            "off",
            "on",
            "0.35",
            "0.48",
        ] {
            assert!(texts.iter().any(|t| t == want), "no {want:?} in {texts:?}");
        }
        // The scale runs over the data, not over 0 to 1.
        assert!(!texts.iter().any(|t| t == "1"), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains("scale fitted to the")));
    }

    /// Four series over five years with three events, as a fan chart has them.
    fn four_series() -> (Vec<Series>, Vec<Mark>) {
        let series = ["mandate", "design", "adoption", "routinised"]
            .iter()
            .zip(Colour::CYCLE)
            .map(|(label, colour)| Series {
                label: label.to_string(),
                colour,
                points: (0..60)
                    .map(|m| {
                        let v = m as f64 / 60.0;
                        (2013.25 + m as f64 / 12.0, v, 0.5 * v, v.sqrt())
                    })
                    .collect(),
            })
            .collect();
        let marks = [(2014.75, "Five Year Forward View"), (2016.0, "STPs")]
            .iter()
            .map(|&(x, label)| Mark {
                x,
                label: label.into(),
            })
            .collect();
        (series, marks)
    }

    #[test]
    fn small_multiples_title_each_panel_name_the_events_once_and_keep_the_threshold_to_its_panels()
    {
        let tmp = tempfile::tempdir().expect("a scratch folder");
        let dir = OutputDir::create(&tmp.path().join("charts")).expect("an output folder");
        let t = Titles {
            title: "t",
            x: "year",
            y: "share",
        };
        let (series, marks) = four_series();
        let threshold = Reference {
            value: 0.6,
            label: "success threshold".into(),
            judges: None,
        };
        let draw = |stem: &str, reference_in: &[usize]| {
            let spec = InTime {
                titles: &t,
                series: &series,
                y_range: (0.0, 1.0),
                reference: Some(&threshold),
                reference_in,
                marks: &marks,
                line: "median area",
                band: "middle 90% of areas",
            };
            panels_in_time(&dir, stem, &spec).unwrap();
            std::fs::read_to_string(dir.file(&format!("{stem}.svg"))).unwrap()
        };
        let (none, one, all) = (
            draw("none", &[]),
            draw("one", &[3]),
            draw("all", &[0, 1, 2, 3]),
        );
        let texts = svg_texts(&dir.file("one.svg"));
        for want in [
            "mandate",
            "design",
            "adoption",
            "routinised",
            "median area",
            "middle 90% of areas",
            "success threshold",
            "Five Year Forward View (Oct 2014)",
            "STPs (Jan 2016)",
            "2015",
        ] {
            assert!(texts.iter().any(|t| t == want), "no {want:?} in {texts:?}");
        }
        // Each event is numbered in every panel and in the key, and named once, in the key
        // ("1" is also a tick of the value axis).
        assert_eq!(
            texts.iter().filter(|t| *t == "2").count(),
            4 + 1,
            "{texts:?}"
        );
        assert_eq!(texts.iter().filter(|t| t.starts_with("STPs")).count(), 1);
        // No panel judged by the line: no line and no key entry.
        assert!(!svg_texts(&dir.file("none.svg")).contains(&"success threshold".to_string()));
        // The dashed threshold is drawn as many short segments: more panels, more segments.
        let segments = |svg: &str| svg.matches("<polyline").count();
        assert!(
            segments(&none) < segments(&one) && segments(&one) < segments(&all),
            "{} {} {}",
            segments(&none),
            segments(&one),
            segments(&all)
        );
    }

    #[test]
    fn a_switch_s_points_spread_around_off_and_on_the_same_way_every_time() {
        let tmp = tempfile::tempdir().expect("a scratch folder");
        let dir = OutputDir::create(&tmp.path().join("charts")).expect("an output folder");
        let panel = Panel {
            x: "a switch".into(),
            switch: Some(["off".to_string(), "on".to_string()]),
            points: (0..40).map(|i| ((i % 2) as f64, 0.5, 0)).collect(),
        };
        let groups = [("point".to_string(), Colour::Blue)];
        let centres = |stem: &str| -> Vec<f64> {
            panels(
                &dir,
                stem,
                "t",
                "y",
                std::slice::from_ref(&panel),
                &groups,
                "",
            )
            .unwrap();
            let svg = std::fs::read_to_string(dir.file(&format!("{stem}.svg"))).unwrap();
            svg.split("<circle")
                .skip(1)
                .filter_map(|c| {
                    let at = c.find("cx=\"")? + 4;
                    c[at..at + c[at..].find('"')?].parse().ok()
                })
                .collect()
        };
        let xs = centres("a");
        assert_eq!(xs, centres("b"), "the spread is not random");
        assert_eq!(xs.len(), 40);
        let mut distinct = xs.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert!(distinct.len() >= 30, "points still pile up: {distinct:?}");
        // Two narrow bands, far apart: off (even points) and on (odd points).
        let band = |odd: usize| {
            let v: Vec<f64> = xs.iter().skip(odd).step_by(2).copied().collect();
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo, hi)
        };
        let (off, on) = (band(0), band(1));
        assert!(off.1 < on.0, "{off:?} {on:?}");
        assert!(
            on.0 - off.1 > 1.5 * (off.1 - off.0).max(on.1 - on.0),
            "{off:?} {on:?}"
        );
        assert!((0..1000).all(|k| (-0.5..0.5).contains(&jitter(k))));
        let texts = svg_texts(&dir.file("a.svg"));
        assert!(texts.iter().any(|t| t == "off") && texts.iter().any(|t| t == "on"));
    }

    #[test]
    fn long_bar_labels_get_rows_of_their_own() {
        let tmp = tempfile::tempdir().expect("a scratch folder");
        let dir = OutputDir::create(&tmp.path().join("charts")).expect("an output folder");
        let t = Titles {
            title: "t",
            x: "x",
            y: "y",
        };
        let bar = |label: &str| Bar {
            label: label.into(),
            value: 50.0,
            lo: 40.0,
            hi: 60.0,
            highlight: false,
        };
        let bars = [
            bar("a label long enough to take a third of the plot's width"),
            bar("short"),
        ];
        interval_bars(&dir, "bars", &t, &bars, (0.0, 100.0), None, "").unwrap();
        let svg = std::fs::read_to_string(dir.file("bars.svg")).unwrap();
        // A label on its own row starts at the plot's left edge and runs right (anchor start);
        // a label beside its bar ends at the axis (anchor end).
        let long = svg
            .split("<text")
            .find(|t| t.contains("a label long enough"))
            .expect("the long label");
        assert!(!long.contains("text-anchor=\"end\""), "{long}");
    }

    #[test]
    fn viridis_ends_are_purple_and_yellow() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(f64::NAN), RGBColor(68, 1, 84));
    }
}
