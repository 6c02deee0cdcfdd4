//! Parameter sweeps: grid and Latin-hypercube designs, run in parallel over points and
//! replications, split into shards and merged, and resumed after an interruption.
//!
//! Every design point's result depends only on the scenario, the design and the point's index
//! (replication seeds are fixed by the runner), so the rows are the same bytes whatever the
//! thread count, the shard layout or where a sweep was interrupted. Rows are written in point
//! order as points finish, through a small reorder buffer, into a journal that a resumed sweep
//! continues; the finished `sweep.csv` is the header followed by the journal's rows. With
//! `--rows`, each point also streams its per-replication rows to a part file while it runs, and
//! a part joins the journal's `replications.csv` when its point's row is journalled, so
//! `replications.csv` is in point order too and memory stays flat in the replications.

pub(crate) mod batch;
pub mod calibration;
mod design;
mod dry_run;
pub mod ensemble;
pub(crate) mod journal;
mod merge;
use merge::merge_read;
mod plots;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::output::{self, OutputDir, fmt};
use crate::runner::{self, Cancel, Observer};
use crate::scenario::{Override, Scenario, ScenarioSource};
use crate::stats::Aggregate;

pub use design::{Design, DesignKind, Level, MAX_POINTS, Param, ParamSpec, Scale};
pub use merge::{MergeRequest, Merged, merge};

/// How a calibration or an ensemble run on the sweep machinery ended, when it did not fail.
#[derive(Debug, Clone)]
pub enum BatchOutcome<T> {
    /// Every set ran; the folder and the result (the calibration, or the ensemble's verdict).
    Finished(std::path::PathBuf, Box<T>),
    /// A shard finished its share; the folder.
    Shard(std::path::PathBuf, Shard),
    /// `--resume` found this very run already complete in this folder; nothing ran.
    AlreadyComplete(std::path::PathBuf),
}

/// Experiments a sweep can run at every design point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepExperiment {
    /// The arena factorial and knockouts, with the verdict on the proposition.
    Arenas,
}

/// Which part of a sweep a shard runs: the points with `index % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// Parses `K/N` with `K < N`.
    pub fn parse(arg: &str) -> Result<Self> {
        let bad = |message: &str| Error::Argument {
            flag: "--shard",
            arg: arg.to_string(),
            message: message.to_string(),
        };
        let (k, n) = arg
            .split_once('/')
            .ok_or_else(|| bad("expected K/N, e.g. 0/8 for the first of eight shards"))?;
        let k: u64 = k
            .trim()
            .parse()
            .map_err(|_| bad("K is not a whole number"))?;
        let n: u64 = n
            .trim()
            .parse()
            .map_err(|_| bad("N is not a whole number"))?;
        if n == 0 || k >= n {
            return Err(bad("needs N >= 1 and K from 0 to N-1"));
        }
        Ok(Shard { index: k, count: n })
    }

    /// How many of `points` design points this shard runs.
    pub fn len(&self, points: u64) -> u64 {
        if self.index >= points {
            0
        } else {
            (points - self.index).div_ceil(self.count)
        }
    }

    /// The design point of this shard's `j`-th row.
    pub fn point(&self, j: u64) -> u64 {
        self.index + j * self.count
    }
}

/// What `sweep.json` records: the design and everything the rows depend on. Shards of one
/// sweep write the same bytes, which is how `merge` knows they belong together.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepInfo {
    /// Scenario name.
    pub scenario: String,
    /// Scenario seed (also seeds the Latin hypercube).
    pub seed: u64,
    /// Replications per design point (unless swept).
    pub replications: u32,
    /// Whether design points draw independent random numbers instead of common ones.
    pub independent_points: bool,
    /// `grid`, `lhs` or `table`.
    pub design: String,
    /// A table design's file name and a digest of its bytes, so that `--resume` and `merge`
    /// refuse a changed file.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub table: Option<String>,
    /// Number of design points.
    pub points: u64,
    /// The swept parameters, in column order.
    pub parameters: Vec<Param>,
    /// The experiment run at every point, if any.
    pub experiment: Option<String>,
    /// The columns of `sweep.csv`.
    pub columns: Vec<String>,
    /// The columns of `replications.csv`, when the sweep writes per-replication rows (`--rows`);
    /// absent otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub rows_columns: Vec<String>,
    /// The scenario every point starts from, resolved, before the swept values are applied.
    pub base_scenario: serde_json::Value,
}

/// Columns the arena experiment adds to each row.
const EXPERIMENT_COLUMNS: [&str; 11] = [
    "verdict",
    "all_three_rate",
    "best_fewer_cell",
    "best_fewer_rate",
    "difference",
    "difference_lo",
    "difference_hi",
    "best_fewer_ratio",
    "best_fewer_ratio_lo",
    "best_fewer_ratio_hi",
    "margin",
];

/// What a sweep needs at every point.
struct Ctx<'a> {
    source: &'a ScenarioSource,
    base: &'a [Override],
    design: &'a Design,
    experiment: Option<SweepExperiment>,
    /// With `--rows`, the folder where each point writes its per-replication rows.
    parts: Option<PathBuf>,
    /// Set by a signal, or when the sweep stops early after an error, so points in flight give
    /// up before their next replication.
    cancel: Cancel,
}

/// A finished point's row, or why there is none.
pub(crate) enum Outcome {
    Row(Vec<u8>),
    Cancelled,
    Failed(Error),
    Panicked(Box<dyn std::any::Any + Send>),
}

/// One CSV line, quoted as needed, with its newline.
pub(crate) fn csv_line<I, T>(fields: I) -> Vec<u8>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(fields);
    w.into_inner().unwrap_or_default()
}

/// Runs one design point: its replications (stopping between chunks if the sweep stops), then
/// the experiment if asked; returns its row.
fn run_point(ctx: &Ctx<'_>, point: u64) -> Result<Option<Vec<u8>>> {
    let mut overrides = ctx.base.to_vec();
    overrides.extend(ctx.design.overrides(point));
    let s = ctx.source.resolve(&overrides)?;
    let mut agg = Aggregate::new(&s);
    let total = s.simulation.replications;
    let levels: Vec<String> = ctx
        .design
        .levels(point)
        .into_iter()
        .map(Level::to_csv)
        .collect();
    let mut part = match &ctx.parts {
        Some(parts) => Some(Part::create(parts, point, &levels)?),
        None => None,
    };
    // The same chunks, in the same order, as `runner::replicate`, so a point's figures are
    // those `run` would report for the same settings.
    let finished = runner::pipeline(
        total,
        &ctx.cancel,
        |i| runner::replication(&s, point, i),
        |range, outcomes| {
            for (i, o) in range.zip(&outcomes) {
                agg.push(o);
                if let Some(part) = part.as_mut() {
                    part.push(&s, i, o)?;
                }
            }
            Ok(())
        },
    )?;
    if !finished {
        return Ok(None);
    }
    if let Some(part) = part {
        part.finish()?;
    }
    let (rate, ci) = agg.overall();
    let n = agg.replications();
    let mut fields = vec![point.to_string()];
    fields.extend(levels);
    fields.extend([fmt(rate), fmt(ci[0]), fmt(ci[1]), n.to_string()]);
    fields.extend((0..s.initiative.len()).map(|k| fmt(agg.successes(k) as f64 / n.max(1) as f64)));
    if ctx.experiment == Some(SweepExperiment::Arenas) {
        let exp = match crate::experiment::arenas(
            ctx.source,
            &overrides,
            point,
            &runner::Silent,
            &ctx.cancel,
        ) {
            Err(Error::Interrupted) => return Ok(None),
            other => other?,
        };
        let v = &exp.verdict;
        fields.extend([
            v.result.clone(),
            fmt(v.all_three_rate),
            v.best_fewer_label.clone(),
            fmt(v.best_fewer_rate),
            fmt(v.difference.estimate),
            fmt(v.difference.ci95[0]),
            fmt(v.difference.ci95[1]),
        ]);
        let best = v.ratios.iter().find(|r| r.label == v.best_fewer_label);
        let (r, lo, hi) = best.map_or((f64::NAN, f64::NAN, f64::NAN), |r| {
            (r.estimate, r.ci95[0], r.ci95[1])
        });
        fields.extend([fmt(r), fmt(lo), fmt(hi), fmt(v.margin)]);
    }
    Ok(Some(csv_line(&fields)))
}

/// A design point's per-replication rows as it runs (`--rows`): a part file in the journal,
/// each row led by the point and its parameter values.
struct Part {
    path: PathBuf,
    leading: Vec<String>,
    rows: output::ReplicationRows<std::io::BufWriter<File>>,
}

impl Part {
    /// Starts point `point`'s part, with no header (the finished file has one).
    fn create(parts: &Path, point: u64, levels: &[String]) -> Result<Self> {
        let path = journal::part_path(parts, point);
        let f = File::create(&path).map_err(|e| Error::write(&path, e))?;
        let mut leading = vec![point.to_string()];
        leading.extend_from_slice(levels);
        Ok(Part {
            path,
            leading,
            rows: output::ReplicationRows::headless(std::io::BufWriter::new(f)),
        })
    }

    fn push(
        &mut self,
        s: &Scenario,
        replication: u32,
        o: &crate::model::outcome::ReplicationOutcome,
    ) -> Result<()> {
        let path = &self.path;
        self.rows
            .push_with(&self.leading, s, replication, o)
            .map_err(|e| Error::write(path, std::io::Error::other(e.to_string())))
    }

    fn finish(self) -> Result<()> {
        let path = self.path;
        self.rows
            .finish()
            .map(drop)
            .map_err(|e| Error::write(&path, std::io::Error::other(e.to_string())))
    }
}

/// `sweep.json` for a whole sweep: the design (`info`, the bytes a shard writes and `--resume`
/// and `merge` compare) followed by `results`, one object per row of `csv` in point order,
/// column name to value in column order (a number where the cell is one, text otherwise, null
/// where empty), so that a script gets the results without reading a second file. The design's
/// bytes are kept as they are and the results spliced in before the closing brace, so that the
/// design part reads the same in every `sweep.json` (see [`same_design`]).
pub fn with_results(info: &[u8], csv: &Path) -> Result<Vec<u8>> {
    let unreadable = |e: csv::Error| Error::Output {
        path: csv.to_path_buf(),
        message: format!("cannot read the finished sweep's rows: {e}"),
    };
    let mut reader = csv::Reader::from_path(csv).map_err(unreadable)?;
    let header = reader.headers().map_err(unreadable)?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(unreadable)?;
        let cells: Vec<String> = header
            .iter()
            .zip(record.iter())
            .map(|(k, v)| {
                // Serialising a string and a JSON value cannot fail.
                let key = serde_json::to_string(k).unwrap_or_default();
                let value = serde_json::to_string(&cell_value(v)).unwrap_or_default();
                format!("{key}: {value}")
            })
            .collect();
        rows.push(format!("    {{{}}}", cells.join(", ")));
    }
    let body = String::from_utf8_lossy(info);
    let design = body
        .trim_end()
        .strip_suffix('}')
        .unwrap_or(&body)
        .trim_end();
    let results = if rows.is_empty() {
        "[]".to_string()
    } else {
        format!("[\n{}\n  ]", rows.join(",\n"))
    };
    Ok(format!("{design},\n  \"results\": {results}\n}}\n").into_bytes())
}

/// Whether two `sweep.json` files describe the same sweep: equal once `results` is set aside.
pub fn same_design(a: &[u8], b: &[u8]) -> bool {
    let design = |bytes: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        v.as_object_mut()?.remove("results");
        Some(v)
    };
    matches!((design(a), design(b)), (Some(x), Some(y)) if x == y)
}

/// A cell of `sweep.csv` as JSON: an integer or a finite number where it parses as one, null
/// where empty, text otherwise (a verdict, a cell name).
fn cell_value(cell: &str) -> serde_json::Value {
    if cell.is_empty() {
        return serde_json::Value::Null;
    }
    if let Ok(n) = cell.parse::<i64>() {
        return serde_json::Value::from(n);
    }
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() => serde_json::Number::from_f64(x).map_or_else(
            || serde_json::Value::String(cell.into()),
            serde_json::Value::Number,
        ),
        _ => serde_json::Value::String(cell.into()),
    }
}

/// The 64-bit FNV-1a digest of `bytes`: names a table design's contents in `sweep.json` (and
/// an ensemble file's, and the earlier waves a calibration continues from).
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    fnv1a64_extend(FNV1A64_START, bytes)
}

/// The FNV-1a digest of no bytes, to extend a piece at a time with [`fnv1a64_extend`].
pub(crate) const FNV1A64_START: u64 = 0xcbf2_9ce4_8422_2325;

/// The digest `h` of some bytes extended by `bytes` that follow them, so that a file can be
/// digested as it streams past.
pub(crate) fn fnv1a64_extend(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Checks a scenario's own `[sweep]` table (parameter paths, kinds, ranges, number of points)
/// as `sweep` would, so that `check` finds its mistakes before a sweep is started.
pub fn check_table(source: &ScenarioSource, s: &Scenario, base: &[Override]) -> Result<()> {
    if s.sweep.param.is_empty() {
        return Ok(());
    }
    let specs: Vec<ParamSpec> = s
        .sweep
        .param
        .iter()
        .enumerate()
        .map(|(i, p)| ParamSpec::from_scenario(p, i))
        .collect();
    let kind = if s.sweep.design == "lhs" {
        DesignKind::Lhs
    } else {
        DesignKind::Grid
    };
    Design::new(
        kind,
        &specs,
        s.sweep.points.into(),
        s.simulation.seed,
        source,
        base,
    )
    .map(|_| ())
}

/// What a sweep is asked to do, as plain values: whatever program asks (the command line, a
/// notebook, a SLURM script) builds one of these.
#[derive(Debug, Clone, Default)]
pub struct SweepRequest {
    /// The scenario file (kept safe from `force`).
    pub scenario: PathBuf,
    /// Overrides applied to the scenario before the design (`--set`, replications, seed).
    pub overrides: Vec<Override>,
    /// Parameters as `PATH=LO:HI[:STEPS]`; none means the scenario's `[[sweep.param]]` tables.
    pub params: Vec<String>,
    /// The design; none means the scenario's `sweep.design`.
    pub design: Option<DesignKind>,
    /// Points of a Latin hypercube; none means the scenario's `sweep.points`.
    pub points: Option<u64>,
    /// The CSV file of a table design (`--design table FILE.csv`).
    pub table: Option<PathBuf>,
    /// Run only this shard of the points.
    pub shard: Option<Shard>,
    /// Continue an interrupted sweep from its journal.
    pub resume: bool,
    /// An experiment to run at every point.
    pub experiment: Option<SweepExperiment>,
    /// Also write `replications.csv`, the per-replication rows of every point.
    pub rows: bool,
    /// Worker threads (none or 0: all cores).
    pub threads: Option<usize>,
    /// The output folder; none means [`crate::output::default_out_dir`] with a sweep suffix.
    pub out: Option<PathBuf>,
    /// Replace an output folder holding files the tool did not write (moved aside whole).
    pub force: bool,
    /// Whether to draw charts (also subject to the scenario's `output.plots`).
    pub plots: bool,
}

/// A sweep resolved and checked, ready to run: the scenario, the design and where it goes.
pub struct Plan {
    source: ScenarioSource,
    scenario: Scenario,
    design: Design,
    shard: Option<Shard>,
    info: SweepInfo,
    info_bytes: Vec<u8>,
    header: Vec<u8>,
    /// The header of `replications.csv`, with `--rows`.
    rows_header: Option<Vec<u8>>,
    target: PathBuf,
    window: u64,
}

impl Plan {
    /// Where the results go.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// `sweep.json` as the finished sweep will write it.
    pub fn info_json(&self) -> &[u8] {
        &self.info_bytes
    }

    /// The design in words, as `sweep --dry-run` prints it.
    pub fn describe(&self) -> String {
        dry_run::describe(
            &self.info.scenario,
            &self.design,
            self.scenario.simulation.replications,
            self.shard,
            &self.target,
        )
    }

    /// The finished sweep in one line, for a terminal.
    pub fn summary_line(&self, out: &Path) -> String {
        match self.shard {
            Some(sh) => format!(
                "Shard {}/{} of the sweep: {} of {} points, results in {}\nJoin the shards \
                 with `redesign-sim merge`.",
                sh.index,
                sh.count,
                sh.len(self.design.points),
                self.design.points,
                out.display()
            ),
            None => format!(
                "Sweep of {} points ({}, {}) × {} replications: results in {}",
                self.design.points,
                self.design.kind.name(),
                self.design
                    .params
                    .iter()
                    .map(|p| p.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                self.scenario.simulation.replications,
                out.display()
            ),
        }
    }
}

/// Resolves the scenario and the design of a sweep and checks them (every parameter, the memory
/// the points in flight need), without running or writing anything.
pub fn plan(req: &SweepRequest) -> Result<Plan> {
    let source = crate::scenario::load(&req.scenario)?;
    let s = source.resolve(&req.overrides)?;
    // Points in flight at once (each with its runs), for the memory guard and the scheduler.
    let window = points_in_flight(req.threads);
    let runs = window * if req.experiment.is_some() { 10 } else { 1 };
    crate::memory::check_memory(&s, req.threads, runs, &req.scenario)?;
    let specs = if req.params.is_empty() {
        s.sweep
            .param
            .iter()
            .enumerate()
            .map(|(i, p)| ParamSpec::from_scenario(p, i))
            .collect()
    } else {
        req.params
            .iter()
            .map(|a| ParamSpec::parse(a))
            .collect::<Result<Vec<_>>>()?
    };
    let kind = req.design.unwrap_or(if s.sweep.design == "lhs" {
        DesignKind::Lhs
    } else {
        DesignKind::Grid
    });
    if kind == DesignKind::Grid && req.points.is_some() {
        return Err(Error::Argument {
            flag: "--points",
            arg: req.points.unwrap_or_default().to_string(),
            message: "applies to a Latin hypercube (--design lhs); a grid has the product of \
                      its parameters' steps"
                .into(),
        });
    }
    let lhs_points = req.points.unwrap_or(s.sweep.points.into());
    let (design, table) = match (kind, &req.table) {
        (DesignKind::Table, Some(file)) => {
            if !req.params.is_empty() {
                return Err(Error::Argument {
                    flag: "--param",
                    arg: req.params[0].clone(),
                    message: "a table design takes its parameters from the file's header".into(),
                });
            }
            let bytes = std::fs::read(file).map_err(|e| Error::Argument {
                flag: "--design table",
                arg: file.display().to_string(),
                message: format!("cannot be read: {e}"),
            })?;
            let text = String::from_utf8(bytes.clone()).map_err(|_| Error::Argument {
                flag: "--design table",
                arg: file.display().to_string(),
                message: "expected UTF-8 CSV text".into(),
            })?;
            let d = Design::from_table(&text, file, &source, &req.overrides)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (d, Some(format!("{name} fnv1a64:{:016x}", fnv1a64(&bytes))))
        }
        (DesignKind::Table, None) => {
            return Err(Error::Argument {
                flag: "--design",
                arg: "table".into(),
                message: "expected the design file after it: sweep SCENARIO --design table \
                          FILE.csv"
                    .into(),
            });
        }
        (_, Some(file)) => {
            return Err(Error::Argument {
                flag: "--design",
                arg: file.display().to_string(),
                message: "a design file goes with --design table".into(),
            });
        }
        (_, None) => (
            Design::new(
                kind,
                &specs,
                lhs_points,
                s.simulation.seed,
                &source,
                &req.overrides,
            )?,
            None,
        ),
    };
    let mut info = sweep_info(&s, &design, req.experiment);
    info.table = table;
    if req.rows {
        info.rows_columns = rows_columns(&design);
    }
    let info_bytes = output::json(&info);
    let header = csv_line(&info.columns);
    let rows_header = req.rows.then(|| csv_line(&info.rows_columns));
    let target = req.out.clone().unwrap_or_else(|| match req.shard {
        Some(sh) => output::default_out_dir(
            &s.simulation.name,
            &format!("-sweep-shard-{}-of-{}", sh.index, sh.count),
        ),
        None => output::default_out_dir(&s.simulation.name, "-sweep"),
    });
    Ok(Plan {
        source,
        scenario: s,
        design,
        shard: req.shard,
        info,
        info_bytes,
        header,
        rows_header,
        target,
        window,
    })
}

/// How a sweep ended, when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepOutcome {
    /// Every point ran and the results are in this folder.
    Finished(PathBuf),
    /// `--resume` found this very sweep already complete in this folder; nothing ran.
    AlreadyComplete(PathBuf),
}

/// Runs a planned sweep on the current machine: claims and locks its output folder before any
/// work, continues its journal when asked, runs the missing points in parallel and puts the
/// results in place whole. On `cancel` it keeps every finished point in the journal and returns
/// [`Error::Interrupted`].
pub fn run(
    plan: &Plan,
    req: &SweepRequest,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<SweepOutcome> {
    let s = &plan.scenario;
    let target = &plan.target;
    let whole = Shard { index: 0, count: 1 };
    let part = plan.shard.unwrap_or(whole);
    let total = part.len(plan.design.points);
    let point_of = |j: u64| part.point(j);
    let expect = journal::Expect {
        columns: plan.info.columns.len(),
        total,
        point: &point_of,
        replication_columns: plan
            .rows_header
            .is_some()
            .then_some(plan.info.rows_columns.len()),
    };
    // Claimed before any work, and locked until the end: a second sweep into the same folder
    // (a SLURM array resubmitted while its tasks still run) is refused, not interleaved.
    let dir = OutputDir::claim_observed(
        target,
        &output::Claim {
            force: req.force,
            keep: vec![req.scenario.clone()],
        },
        observer,
    )?;
    if req.resume
        && already_done(
            target,
            &plan.info_bytes,
            &plan.header,
            plan.rows_header.as_deref(),
            plan.shard,
            &expect,
            observer,
        )?
    {
        return Ok(SweepOutcome::AlreadyComplete(target.clone()));
    }
    // The journal belongs to this design and this shard only.
    let mut identity = plan.info_bytes.clone();
    identity.extend(output::json(&part));
    let mut journal = journal::Journal::open(target, &identity, req.resume, &expect)?;
    let ctx = Ctx {
        source: &plan.source,
        base: &req.overrides,
        design: &plan.design,
        experiment: req.experiment,
        parts: journal.parts(),
        cancel: cancel.clone(),
    };
    let pool = runner::pool(req.threads);
    observer.start(total, journal.done);
    run_points(
        &pool,
        &ctx.cancel,
        &|point| run_point(&ctx, point),
        &mut journal,
        total,
        plan.window,
        &point_of,
        observer,
    )?;
    if journal.done < total {
        observer.note(&format!(
            "sweep interrupted: {} of {} points are kept in {}; run the same command with \
             --resume to finish",
            journal.done,
            total,
            journal.folder().display()
        ));
        return Err(Error::Interrupted);
    }

    write_csv(&dir, &plan.header, &[journal.rows_path()], None)?;
    if let Some(header) = &plan.rows_header {
        write_rows(&dir, header, &journal.replications_path())?;
    }
    match plan.shard {
        Some(sh) => {
            // A shard writes the design alone: `merge` joins the rows and writes the results.
            dir.write("sweep.json", &plan.info_bytes)?;
            dir.write("shard.json", &output::json(&sh))?;
        }
        None => {
            dir.write(
                "sweep.json",
                &with_results(&plan.info_bytes, &dir.file("sweep.csv"))?,
            )?;
            if s.output.plots && req.plots {
                plots::write(&dir, &plan.info)?;
            }
        }
    }
    cancel.check()?;
    let out = dir.commit_observed(observer)?;
    journal.remove()?;
    Ok(SweepOutcome::Finished(out))
}

/// The columns of a sweep's `replications.csv`: `point`, the swept parameters, then the columns
/// of `run`'s `replications.csv` after `point`.
fn rows_columns(design: &Design) -> Vec<String> {
    let mut columns = vec!["point".to_string()];
    columns.extend(design.params.iter().map(|p| p.path.clone()));
    columns.extend(
        output::REPLICATION_COLUMNS[1..]
            .iter()
            .map(|c| (*c).to_string()),
    );
    columns
}

fn sweep_info(s: &Scenario, design: &Design, experiment: Option<SweepExperiment>) -> SweepInfo {
    let mut columns = vec!["point".to_string()];
    columns.extend(design.params.iter().map(|p| p.path.clone()));
    columns.extend(["success_rate", "ci_lo", "ci_hi", "replications"].map(String::from));
    columns.extend(
        s.initiative
            .iter()
            .map(|i| format!("{}_success_rate", i.name)),
    );
    if experiment.is_some() {
        columns.extend(EXPERIMENT_COLUMNS.map(String::from));
    }
    SweepInfo {
        scenario: s.simulation.name.clone(),
        seed: s.simulation.seed,
        replications: s.simulation.replications,
        independent_points: s.simulation.independent_points,
        design: design.kind.name().to_string(),
        table: None,
        points: design.points,
        parameters: design.params.clone(),
        experiment: experiment.map(|_| "arenas".to_string()),
        columns,
        rows_columns: Vec::new(),
        // Serialising a plain struct of numbers, strings and tables cannot fail.
        base_scenario: serde_json::to_value(s).unwrap_or_default(),
    }
}

/// Whether `target` already holds this very sweep, finished (a resumed job that had completed):
/// its `sweep.json` and shard, and a `sweep.csv` holding every point once, in order. A
/// `sweep.csv` that does not is said so and run again.
fn already_done(
    target: &Path,
    info: &[u8],
    header: &[u8],
    rows_header: Option<&[u8]>,
    shard: Option<Shard>,
    expect: &journal::Expect<'_>,
    observer: &dyn Observer,
) -> Result<bool> {
    let shard_ok = match shard {
        Some(sh) => fs::read(target.join("shard.json")).ok() == Some(output::json(&sh)),
        None => !target.join("shard.json").exists(),
    };
    if journal::folder(target).exists()
        || !fs::read(target.join("sweep.json")).is_ok_and(|found| same_design(&found, info))
        || !shard_ok
    {
        return Ok(false);
    }
    let csv = target.join("sweep.csv");
    let Ok(file) = File::open(&csv) else {
        return Ok(false);
    };
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    let mut whole = reader.read_until(b'\n', &mut line).is_ok() && line == header;
    let mut rows = 0u64;
    while whole {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {
                whole = rows < expect.total
                    && line.ends_with(b"\n")
                    && journal::row_point(&line, expect.columns) == Some((expect.point)(rows));
                rows += 1;
            }
            Err(_) => whole = false,
        }
    }
    // The design records `--rows`, so a finished sweep that wrote rows has them: check that
    // the file is there and starts as it should.
    let rows_ok = rows_header.is_none_or(|h| {
        let mut first = Vec::new();
        File::open(target.join("replications.csv"))
            .and_then(|f| BufReader::new(f).read_until(b'\n', &mut first))
            .is_ok_and(|_| first == h)
    });
    if whole && rows == expect.total && rows_ok {
        return Ok(true);
    }
    observer.note(&format!(
        "{} does not hold every point of the sweep once, in order{}; running the sweep again",
        csv.display(),
        if rows_ok {
            ""
        } else {
            ", or its replications.csv is missing"
        }
    ));
    Ok(false)
}

/// Design points run at once by a sweep on `threads` threads: enough to keep every thread busy
/// while a slow point holds up the rows after it, few enough to bound memory.
pub(crate) fn points_in_flight(threads: Option<usize>) -> u64 {
    let threads = threads
        .filter(|&t| t > 0)
        .unwrap_or_else(rayon::current_num_threads) as u64;
    (threads * 2).max(2)
}

/// Runs the journal's missing points on the pool, several at a time, and appends their rows in
/// order as they finish; `row` makes one point's row (`None` when it gave up on `cancel`).
/// Returns when the journal holds `total` rows or the run stops (Ctrl-C, an error); the
/// journal then holds every row finished in order up to that moment. Sweeps, calibration waves
/// and ensembles all run their points through here.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_points(
    pool: &rayon::ThreadPool,
    cancel: &Cancel,
    row: &(dyn Fn(u64) -> Result<Option<Vec<u8>>> + Sync),
    journal: &mut journal::Journal,
    total: u64,
    window: u64,
    point_of: &(dyn Fn(u64) -> u64 + Sync),
    observer: &dyn Observer,
) -> Result<()> {
    let (tx, rx) = mpsc::channel::<(u64, Outcome)>();
    let mut buffer: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    let mut next_spawn = journal.done;
    let mut pending = 0u64;
    let mut failure: Option<Error> = None;
    let mut panic = None;
    // Rows reach the file at once (a killed run keeps them); they are synced to disk at most
    // once a second, so that thousands of quick points do not each wait for the disk.
    let mut synced = std::time::Instant::now();
    let mut unsynced = false;
    pool.in_place_scope(|scope| {
        loop {
            while !cancel.is_cancelled() && next_spawn < total && next_spawn < journal.done + window
            {
                let j = next_spawn;
                let tx = tx.clone();
                scope.spawn(move |_| {
                    let outcome = if cancel.is_cancelled() {
                        Outcome::Cancelled
                    } else {
                        match catch_unwind(AssertUnwindSafe(|| row(point_of(j)))) {
                            Ok(Ok(Some(row))) => Outcome::Row(row),
                            Ok(Ok(None)) => Outcome::Cancelled,
                            Ok(Err(e)) => Outcome::Failed(e),
                            Err(p) => Outcome::Panicked(p),
                        }
                    };
                    // The receiver outlives the scope, so sending cannot fail.
                    let _ = tx.send((j, outcome));
                });
                next_spawn += 1;
                pending += 1;
            }
            if pending == 0 {
                break;
            }
            let Ok((j, outcome)) = rx.recv() else { break };
            pending -= 1;
            match outcome {
                Outcome::Row(row) => {
                    buffer.insert(j, row);
                }
                Outcome::Cancelled => {}
                Outcome::Failed(e) => {
                    cancel.cancel();
                    failure.get_or_insert(e);
                }
                Outcome::Panicked(p) => {
                    cancel.cancel();
                    panic.get_or_insert(p);
                }
            }
            if failure.is_none() {
                match journal_ready(journal, &mut buffer, point_of, observer) {
                    Ok(wrote) => unsynced |= wrote,
                    Err(e) => {
                        cancel.cancel();
                        failure = Some(e);
                    }
                }
            }
            if failure.is_none() && unsynced && synced.elapsed().as_secs_f64() >= 1.0 {
                if let Err(e) = journal.sync() {
                    cancel.cancel();
                    failure = Some(e);
                }
                synced = std::time::Instant::now();
                unsynced = false;
            }
        }
    });
    if unsynced {
        journal.sync()?;
    }
    if let Some(p) = panic {
        std::panic::resume_unwind(p);
    }
    failure.map_or(Ok(()), Err)
}

/// Journals the finished rows that come next in point order: their points' per-replication
/// rows first, synced, then the rows themselves, so that a journalled point's rows are on disk
/// before it is. The caller syncs the journal itself (at most once a second). Returns whether
/// any row was journalled.
fn journal_ready(
    journal: &mut journal::Journal,
    buffer: &mut BTreeMap<u64, Vec<u8>>,
    point_of: &(dyn Fn(u64) -> u64 + Sync),
    observer: &dyn Observer,
) -> Result<bool> {
    let mut ready = Vec::new();
    while let Some(row) = buffer.remove(&(journal.done + ready.len() as u64)) {
        ready.push(row);
    }
    if ready.is_empty() {
        return Ok(false);
    }
    for k in 0..ready.len() as u64 {
        journal.append_part(point_of(journal.done + k))?;
    }
    journal.sync_replications()?;
    for row in &ready {
        journal.append(row)?;
        observer.advance(1);
    }
    Ok(true)
}

/// Writes `replications.csv`: the header, then the journal's per-replication rows.
fn write_rows(dir: &OutputDir, header: &[u8], source: &Path) -> Result<()> {
    let path = dir.file("replications.csv");
    let werr = |e: std::io::Error| Error::write(&path, e);
    let mut w = dir.open("replications.csv")?;
    w.write_all(header).map_err(werr)?;
    let mut f = File::open(source).map_err(|e| Error::write(source, e))?;
    std::io::copy(&mut f, &mut w).map_err(werr)?;
    let f = w.into_inner().map_err(|e| werr(e.into_error()))?;
    f.sync_all().map_err(werr)
}

/// Writes `sweep.csv`: the header, then rows. With one source the rows are copied as they are;
/// with shards (`shard_count`), point `p` is the next row of source `p % shard_count`, and every
/// row is checked to be the point expected there.
fn write_csv(
    dir: &OutputDir,
    header: &[u8],
    sources: &[PathBuf],
    merge: Option<(u64, usize)>,
) -> Result<()> {
    let path = dir.file("sweep.csv");
    let mut w = dir.open("sweep.csv")?;
    let werr = |e: std::io::Error| Error::write(&path, e);
    w.write_all(header).map_err(werr)?;
    match merge {
        None => {
            for src in sources {
                let mut f = File::open(src).map_err(|e| Error::write(src, e))?;
                std::io::copy(&mut f, &mut w).map_err(werr)?;
            }
        }
        Some((points, columns)) => {
            let mut readers = sources
                .iter()
                .map(|p| {
                    let mut r = BufReader::new(
                        File::open(p.join("sweep.csv")).map_err(|e| merge_read(p, e))?,
                    );
                    // Skip the header, already checked to be the same in every shard.
                    let mut line = Vec::new();
                    r.read_until(b'\n', &mut line)
                        .map_err(|e| merge_read(p, e))?;
                    Ok(r)
                })
                .collect::<Result<Vec<_>>>()?;
            let n = sources.len() as u64;
            let mut line = Vec::new();
            for p in 0..points {
                let k = (p % n) as usize;
                line.clear();
                readers[k]
                    .read_until(b'\n', &mut line)
                    .map_err(|e| merge_read(&sources[k], e))?;
                if journal::row_point(&line, columns) != Some(p) || !line.ends_with(b"\n") {
                    return Err(Error::Merge(format!(
                        "{}: sweep.csv has no valid row for point {p} where it should be; the \
                         shard is incomplete or was edited",
                        sources[k].display()
                    )));
                }
                w.write_all(&line).map_err(werr)?;
            }
            for (k, r) in readers.iter_mut().enumerate() {
                line.clear();
                r.read_until(b'\n', &mut line)
                    .map_err(|e| merge_read(&sources[k], e))?;
                if !line.is_empty() {
                    return Err(Error::Merge(format!(
                        "{}: sweep.csv has rows beyond the design's {points} points",
                        sources[k].display()
                    )));
                }
            }
        }
    }
    let f = w.into_inner().map_err(|e| werr(e.into_error()))?;
    f.sync_all().map_err(werr)
}
