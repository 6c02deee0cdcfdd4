//! `calibrate` on the sweep machinery: the sets of each wave run on a pool through a journal
//! (so `--resume` continues an interrupted run without redoing a finished set), a shard running
//! its share of one wave (`--shard K/N`), `merge` joining the shards, and `--from` continuing a
//! finished calibration with more waves.
//!
//! Wave k+1 is drawn inside the region wave k did not rule out, so the shards of a calibration
//! split one wave at a time: the shards of wave 1 run `--waves 1`, are merged, and the shards of
//! wave 2 run `--waves 2 --from` the merged folder, and so on (`scripts/slurm/sweep.sbatch
//! --calibrate W` submits the whole chain). Every result is a function of `design.json` and the
//! rows of `sets.csv`, kept at full precision: a whole run, a merge and a resumed run all write
//! their files from those bytes, so they are the same bytes for any thread count and shard
//! layout. Those rows are streamed from the files, never held: memory does not grow with the
//! sets but for the running wave's design table (see [`WaveDesign`]).

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::calibrate::{
    Budget, KeptBox, Rule, SetResult, Summary, Tally, Target, UncertainParam, WaveDesign, budget,
    chart_inputs, check_targets, drive, evaluate, judged, simulate_set, targets, uncertain_params,
};
use crate::error::{Error, Result};
use crate::output::{self, OutputDir};
use crate::runner::{self, Cancel, Observer};
use crate::scenario::{self, Override, Scenario};
use crate::sweep::batch::{self, ShardFile, exact, parse_exact};
use crate::sweep::{
    FNV1A64_START, Shard, csv_line, fnv1a64_extend, journal, points_in_flight, run_points,
};

/// What a calibration is asked to do, as plain values (the command line, a script or a test
/// builds one).
#[derive(Debug, Clone, Default)]
pub struct CalibrateRequest {
    /// The scenario file, with its `[calibration]` table (kept safe from `force`).
    pub scenario: PathBuf,
    /// Overrides (`--set`, `--seed`, and the budget flags as `calibration.*` keys).
    pub overrides: Vec<Override>,
    /// The targets file's name as shown, and its text.
    pub targets: (String, String),
    /// Run only this shard of the one wave left to run.
    pub shard: Option<Shard>,
    /// Continue an interrupted run from its journal.
    pub resume: bool,
    /// A finished calibration (a whole run or a merge) whose waves this one continues.
    pub from: Option<PathBuf>,
    /// Worker threads (none or 0: all cores).
    pub threads: Option<usize>,
    /// The output folder; none means `out/<scenario>-calibration` (with the shard's suffix).
    pub out: Option<PathBuf>,
    /// Replace an output folder holding files the tool did not write (moved aside whole).
    pub force: bool,
    /// Whether to draw charts (also subject to the scenario's `output.plots`).
    pub plots: bool,
}

/// How a calibration ended, when it did not fail (a finished run gives its summary).
pub type CalibrateOutcome = super::BatchOutcome<Summary>;

/// `design.json`: everything the rows depend on but the number of waves, so that the folder of
/// wave 1 can seed wave 2. Shards of one wave write the same bytes; `merge`, `--from` and
/// `--resume` compare them (the tool's version and commit included: another build is refused).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Design {
    /// Always `calibration`.
    kind: String,
    /// Scenario name.
    scenario: String,
    /// Scenario seed (also seeds each wave's Latin hypercube).
    seed: u64,
    /// The targets file as named on the command line.
    targets_file: String,
    /// Its text.
    targets: String,
    /// The uncertain parameters.
    parameters: Vec<UncertainParam>,
    /// Sets per wave.
    sets: u32,
    /// Replications per set.
    replications: u32,
    /// The cutoff on the deciding implausibility.
    cutoff: f64,
    /// Which implausibility decides.
    rule: Rule,
    /// The scenario resolved with the overrides, `calibration.waves` set aside.
    base_scenario: serde_json::Value,
}

/// The calibration as read back from a `design.json`: the scenario (with `waves`), targets,
/// parameters and budget every output is written from.
struct Decoded {
    scenario: Scenario,
    targets: Vec<Target>,
    params: Vec<UncertainParam>,
    budget: Budget,
}

impl Design {
    fn decode(bytes: &[u8], waves: u32, at: &Path) -> Result<Decoded> {
        let bad =
            |m: String| Error::Merge(format!("{}: design.json is not valid: {m}", at.display()));
        let d: Design = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        if d.kind != "calibration" {
            return Err(bad(format!("expected a calibration, found `{}`", d.kind)));
        }
        let mut scenario: Scenario =
            serde_json::from_value(d.base_scenario).map_err(|e| bad(e.to_string()))?;
        scenario.calibration.waves = waves;
        let targets = targets::parse(&d.targets, &d.targets_file)?;
        let mut budget = budget(&scenario);
        // The budget as recorded, so that the outputs come from design.json alone.
        (budget.sets, budget.replications, budget.cutoff, budget.rule) =
            (d.sets, d.replications, d.cutoff, d.rule);
        Ok(Decoded {
            scenario,
            targets,
            params: d.parameters,
            budget,
        })
    }
}

/// The header of `sets.csv`: `set`, `wave`, the parameters, then per target its mean and its
/// implausibility.
fn header(params: &[UncertainParam], targets: &[Target]) -> Vec<u8> {
    let mut h = vec!["set".to_string(), "wave".into()];
    h.extend(params.iter().map(|p| p.path.clone()));
    for t in targets {
        h.push(t.id.clone());
        h.push(format!("{}_implausibility", t.id));
    }
    csv_line(&h)
}

/// One set's row of `sets.csv` and of the journal, at full precision.
fn row(r: &SetResult) -> Vec<u8> {
    let mut f = vec![r.set.to_string(), r.wave.to_string()];
    f.extend(r.values.iter().map(|&x| exact(x)));
    for (m, i) in r.means.iter().zip(&r.implausibility) {
        f.push(m.map(exact).unwrap_or_default());
        f.push(exact(*i));
    }
    csv_line(&f)
}

/// A row read back, or `None` when it is not one of `k` parameters and `t` targets.
fn parse_row(line: &[u8], k: usize, t: usize, budget: &Budget) -> Option<SetResult> {
    let f = batch::fields(line)?;
    if f.len() != 2 + k + 2 * t {
        return None;
    }
    let set = f[0].parse().ok()?;
    let wave = f[1].parse().ok()?;
    let values = f[2..2 + k]
        .iter()
        .map(|x| parse_exact(x))
        .collect::<Option<Vec<f64>>>()?;
    let mut means = Vec::with_capacity(t);
    let mut imp = Vec::with_capacity(t);
    for pair in f[2 + k..].chunks(2) {
        means.push(if pair[0].is_empty() {
            None
        } else {
            Some(parse_exact(&pair[0])?)
        });
        imp.push(parse_exact(&pair[1])?);
    }
    Some(judged(budget, set, wave, values, means, imp))
}

/// Calls `f(line number from 1, line)` for each complete line of `reader` (a last line without
/// its newline is torn and left out), one at a time: rows files are streamed, never read whole.
fn each_line(
    reader: impl BufRead,
    path: &Path,
    mut f: impl FnMut(usize, &[u8]) -> Result<()>,
) -> Result<()> {
    let mut reader = reader;
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        reader
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::Output {
                path: path.to_path_buf(),
                message: format!("cannot be read: {e}"),
            })?;
        if !line.ends_with(b"\n") {
            break;
        }
        f(number, &line)?;
    }
    Ok(())
}

/// Opens a rows file for streaming.
fn open_rows(path: &Path) -> Result<BufReader<File>> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| Error::Output {
            path: path.to_path_buf(),
            message: format!("cannot be read: {e}"),
        })
}

/// A finished calibration's `sets.csv` (a `--from` folder, a shard, or the folder being
/// written), read a row at a time: the header is checked against `head` and each row must
/// read back.
struct SetsFile<'a> {
    path: PathBuf,
    head: &'a [u8],
    k: usize,
    t: usize,
    budget: &'a Budget,
}

impl<'a> SetsFile<'a> {
    /// Opens the file for reading its rows in order, its header checked.
    fn rows(&'a self) -> Result<RowReader<'a>> {
        let file = File::open(&self.path).map_err(|e| {
            Error::Merge(format!(
                "{}: cannot read sets.csv ({e}); is it a calibration's output folder?",
                self.path.parent().unwrap_or(Path::new("")).display()
            ))
        })?;
        let mut rows = RowReader {
            file: self,
            reader: BufReader::new(file),
            line: Vec::new(),
            number: 0,
        };
        if !rows.read_line()? || rows.line != self.head {
            return Err(self.bad_header());
        }
        Ok(rows)
    }

    /// Calls `f(row bytes, set)` for every row in order.
    fn each(&self, mut f: impl FnMut(&[u8], SetResult) -> Result<()>) -> Result<()> {
        let mut rows = self.rows()?;
        while let Some(r) = rows.next_row()? {
            f(&rows.line, r)?;
        }
        Ok(())
    }

    fn bad_header(&self) -> Error {
        Error::Merge(format!(
            "{}: sets.csv's header does not match its design.json",
            self.path.display()
        ))
    }

    /// Appends its rows (without the header) to `out`.
    fn copy_rows(&self, out: &mut dyn Write) -> Result<()> {
        self.each(|line, _| {
            out.write_all(line)
                .map_err(|e| Error::Merge(format!("cannot write sets.csv: {e}")))
        })
    }
}

/// The rows of a [`SetsFile`], one at a time.
struct RowReader<'a> {
    file: &'a SetsFile<'a>,
    reader: BufReader<File>,
    /// The bytes of the row last read.
    line: Vec<u8>,
    /// Its line number, from 1.
    number: usize,
}

impl RowReader<'_> {
    /// Reads the next complete line into `line`; false at the end (or at a torn last line).
    fn read_line(&mut self) -> Result<bool> {
        self.line.clear();
        self.reader.read_until(b'\n', &mut self.line).map_err(|e| {
            Error::Merge(format!("{}: cannot be read: {e}", self.file.path.display()))
        })?;
        self.number += 1;
        Ok(self.line.ends_with(b"\n"))
    }

    /// The next row, its bytes left in `line`.
    fn next_row(&mut self) -> Result<Option<SetResult>> {
        if !self.read_line()? {
            return Ok(None);
        }
        let f = self.file;
        parse_row(&self.line, f.k, f.t, f.budget)
            .map(Some)
            .ok_or_else(|| {
                Error::Merge(format!(
                    "{}:{}: not a row of this calibration (it was edited or torn)",
                    f.path.display(),
                    self.number
                ))
            })
    }

    /// The next row of a wave `keep` accepts, skipping the others.
    fn next_where(&mut self, keep: impl Fn(u32) -> bool) -> Result<Option<SetResult>> {
        while let Some(r) = self.next_row()? {
            if keep(r.wave) {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }
}

/// Takes the sets of wave `wave` from the earlier waves' `sets.csv`, checking that they are
/// the sets this build draws for it; returns the box of those it kept. The rows are read from
/// the file again for each earlier wave rather than kept.
fn earlier_wave(
    earlier: &SetsFile<'_>,
    params: &[UncertainParam],
    wave: u32,
    first: u64,
    design: &WaveDesign,
    from: &Path,
) -> Result<KeptBox> {
    let mut kept = KeptBox::new(params.len());
    let mut j = 0u64;
    let mut same = true;
    earlier.each(|_, r| {
        if r.wave != wave {
            return Ok(());
        }
        same &= j < design.len()
            && r.set == first + j
            && r.values
                .iter()
                .map(|x| x.to_bits())
                .eq(design.set(j).iter().map(|x| x.to_bits()));
        kept.push(params, &r);
        j += 1;
        Ok(())
    })?;
    if !same || j != design.len() {
        return Err(Error::Argument {
            flag: "--from",
            arg: from.display().to_string(),
            message: format!(
                "its wave {wave} is not the wave this calibration draws (it was edited, or \
                 written with other settings)"
            ),
        });
    }
    Ok(kept)
}

/// Runs a calibration on the current machine: claims and locks its output folder before any
/// work, continues its journal when asked, runs the sets of each wave left to run in parallel,
/// and puts the results in place whole. On `cancel` it keeps every finished set in the journal
/// and returns [`Error::Interrupted`].
pub fn run(
    req: &CalibrateRequest,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<CalibrateOutcome> {
    let source = scenario::load(&req.scenario)?;
    let s = source.resolve(&req.overrides)?;
    let params = uncertain_params(&source, &s, &req.overrides)?;
    let budget = budget(&s);
    let targets = targets::parse(&req.targets.1, &req.targets.0)?;
    check_targets(&s, &targets)?;
    let mut base = serde_json::to_value(&s).unwrap_or_default();
    if let Some(c) = base.get_mut("calibration").and_then(|c| c.as_object_mut()) {
        c.remove("waves");
    }
    let design = output::json(&Design {
        kind: "calibration".into(),
        scenario: s.simulation.name.clone(),
        seed: s.simulation.seed,
        targets_file: req.targets.0.clone(),
        targets: req.targets.1.clone(),
        parameters: params.clone(),
        sets: budget.sets,
        replications: budget.replications,
        cutoff: budget.cutoff,
        rule: budget.rule,
        base_scenario: base,
    });
    let head = header(&params, &targets);
    let (k, t) = (params.len(), targets.len());
    let waves = budget.waves;
    let n = u64::from(budget.sets);

    // The waves this run continues, read back from a finished calibration.
    // The rows are streamed (here to count them, take the last wave and digest them; later to
    // check each earlier wave and to copy them), never held in memory.
    let earlier = req.from.as_ref().map(|dir| SetsFile {
        path: dir.join("sets.csv"),
        head: &head,
        k,
        t,
        budget: &budget,
    });
    let (first_run, done_waves, digest) = match &req.from {
        None => (0, 0, FNV1A64_START),
        Some(dir) => {
            let refuse = |message: String| Error::Argument {
                flag: "--from",
                arg: dir.display().to_string(),
                message,
            };
            let found = fs::read(dir.join("design.json")).map_err(|e| {
                refuse(format!(
                    "cannot read design.json ({e}); give the folder of a finished calibration \
                     or merge"
                ))
            })?;
            if found != design {
                return Err(refuse(
                    "is a calibration with another design (scenario, parameters, targets, seed, \
                     sets, replications, cutoff) or was written by another build"
                        .into(),
                ));
            }
            if dir.join("shard.json").exists() {
                return Err(refuse(
                    "is one shard of a wave; merge the wave's shards and give the merged folder"
                        .into(),
                ));
            }
            let (mut rows, mut last, mut digest) = (0u64, 0u32, FNV1A64_START);
            if let Some(e) = &earlier {
                e.each(|line, r| {
                    rows += 1;
                    last = r.wave;
                    digest = fnv1a64_extend(digest, line);
                    Ok(())
                })?;
            }
            (rows, last, digest)
        }
    };
    if req.from.is_some() && done_waves >= waves {
        return Err(Error::Argument {
            flag: "--waves",
            arg: waves.to_string(),
            message: format!(
                "the calibration given with --from already has {done_waves} wave(s); ask for \
                 more (e.g. --waves {})",
                done_waves + 1
            ),
        });
    }
    if let Some(sh) = req.shard
        && waves != done_waves + 1
    {
        return Err(Error::Argument {
            flag: "--shard",
            arg: format!("{}/{}", sh.index, sh.count),
            message: format!(
                "a shard runs one wave, since each wave is drawn from the one before: use \
                 --waves {} here (with --from the merged folder of the earlier waves, if any)",
                done_waves + 1
            ),
        });
    }
    let from_digest = format!("fnv1a64:{digest:016x}");
    let shard_file = req.shard.map(|sh| ShardFile {
        index: sh.index,
        count: sh.count,
        waves: Some(waves),
        from: Some(from_digest.clone()),
    });
    let target = req.out.clone().unwrap_or_else(|| match req.shard {
        Some(sh) => output::default_out_dir(
            &s.simulation.name,
            &format!("-calibration-shard-{}-of-{}", sh.index, sh.count),
        ),
        None => output::default_out_dir(&s.simulation.name, "-calibration"),
    });

    let part = req.shard.unwrap_or(Shard { index: 0, count: 1 });
    let total = match req.shard {
        Some(sh) => sh.len(n),
        None => n * u64::from(waves - done_waves),
    };
    let point_of = |j: u64| match req.shard {
        Some(sh) => first_run + sh.point(j),
        None => first_run + j,
    };
    let expect = journal::Expect {
        columns: 2 + k + 2 * t,
        total,
        point: &point_of,
        // Calibration sets write no per-replication rows.
        replication_columns: None,
    };
    let mut keep = vec![req.scenario.clone()];
    keep.extend(req.from.iter().map(|d| d.join("sets.csv")));
    let dir = OutputDir::claim_observed(
        &target,
        &output::Claim {
            force: req.force,
            keep,
        },
        observer,
    )?;
    if req.resume && already_done(&target, &design, shard_file.as_ref(), waves) {
        return Ok(CalibrateOutcome::AlreadyComplete(target));
    }
    let mut identity = design.clone();
    identity.extend(output::json(&(waves, &shard_file, &from_digest)));
    let mut journal = journal::Journal::open(&target, &identity, req.resume, &expect)?;
    let pool = runner::pool(req.threads);
    let window = points_in_flight(req.threads);
    observer.start(total, journal.done);
    let stopped = |journal: &journal::Journal| {
        observer.note(&format!(
            "calibration interrupted: {} of {} sets are kept in {}; run the same command with \
             --resume to finish",
            journal.done,
            total,
            journal.folder().display()
        ));
        Error::Interrupted
    };
    // The box of the kept sets among the journal's rows `range`, streamed from the file.
    let kept_of = |journal: &journal::Journal, range: std::ops::Range<u64>| -> Result<KeptBox> {
        let path = journal.rows_path();
        let mut kept = KeptBox::new(k);
        each_line(open_rows(&path)?, &path, |number, line| {
            if !range.contains(&(number as u64 - 1)) {
                return Ok(());
            }
            let r = parse_row(line, k, t, &budget).ok_or_else(|| Error::Output {
                path: path.clone(),
                message: "a journal row does not read back".into(),
            })?;
            kept.push(&params, &r);
            Ok(())
        })?;
        Ok(kept)
    };
    let from_dir = req.from.clone().unwrap_or_default();
    drive(
        &params,
        &budget,
        s.simulation.seed,
        |wave, first, design| {
            if let Some(e) = &earlier
                && wave <= done_waves
            {
                return earlier_wave(e, &params, wave, first, design, &from_dir);
            }
            // This wave's rows in the journal: all of them, or the shard's share.
            let (start, end) = match req.shard {
                Some(_) => (0, total),
                None => {
                    let w = u64::from(wave - done_waves - 1);
                    (w * n, (w + 1) * n)
                }
            };
            let run_set = |set: u64| -> Result<Option<Vec<u8>>> {
                let values = design.set(set - first);
                let moments = simulate_set(
                    &source,
                    &req.overrides,
                    &params,
                    &targets,
                    &budget,
                    set,
                    values,
                    cancel,
                );
                Ok(moments
                    .map(|m| row(&evaluate(&targets, &budget, set, wave, values.to_vec(), &m))))
            };
            run_points(
                &pool,
                cancel,
                &run_set,
                &mut journal,
                end,
                window,
                &point_of,
                observer,
            )?;
            if journal.done < end {
                return Err(stopped(&journal));
            }
            kept_of(&journal, start..end)
        },
    )?;
    cancel.check()?;
    // sets.csv: the earlier waves' rows, then the journal's, streamed.
    let rows_path = journal.rows_path();
    let write_rows = |out: &mut dyn Write| -> Result<()> {
        if let Some(e) = &earlier {
            e.copy_rows(out)?;
        }
        each_line(open_rows(&rows_path)?, &rows_path, |_, line| {
            out.write_all(line)
                .map_err(|e| Error::Merge(format!("cannot write sets.csv: {e}")))
        })
    };
    let out = match shard_file {
        Some(sh) => {
            dir.write("design.json", &design)?;
            dir.write("shard.json", &output::json(&sh))?;
            write_sets(&dir, &head, &write_rows)?;
            let out = dir.commit_observed(observer)?;
            CalibrateOutcome::Shard(out, part)
        }
        None => {
            let c = write_whole(&dir, &design, &head, &write_rows, waves, req.plots)?;
            cancel.check()?;
            let out = dir.commit_observed(observer)?;
            CalibrateOutcome::Finished(out, Box::new(c))
        }
    };
    journal.remove()?;
    Ok(out)
}

/// Writes `sets.csv` into the folder being written: the header, then the rows `write_rows`
/// streams.
fn write_sets(
    dir: &OutputDir,
    head: &[u8],
    write_rows: &dyn Fn(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let path = dir.file("sets.csv");
    let mut out = dir.open("sets.csv")?;
    out.write_all(head).map_err(|e| Error::write(&path, e))?;
    write_rows(&mut out)?;
    out.flush().map_err(|e| Error::write(&path, e))
}

/// Writes a whole calibration's folder from `design.json` and every set's row: `design.json`,
/// `sets.csv`, `calibration.json`, `calibration.csv`, `plausible.csv` and, with `plots`, the
/// charts and page. A whole run and a merge both write through here. The rows are streamed:
/// `sets.csv` is written first, then read back a set at a time into fixed-size tallies and the
/// rows of the other files (once, and eight more times for the charts' medians), so memory
/// does not grow with the sets.
fn write_whole(
    dir: &OutputDir,
    design: &[u8],
    head: &[u8],
    write_rows: &dyn Fn(&mut dyn Write) -> Result<()>,
    waves: u32,
    plots: bool,
) -> Result<Summary> {
    let d = Design::decode(design, waves, dir.target())?;
    let (k, t) = (d.params.len(), d.targets.len());
    dir.write("design.json", design)?;
    write_sets(dir, head, write_rows)?;
    let sets = SetsFile {
        path: dir.file("sets.csv"),
        head,
        k,
        t,
        budget: &d.budget,
    };
    let mut tally = Tally::new(&d.params, t, &d.budget);
    let open = |name: &str| dir.open(name);
    let mut rows = output::CalibrationRows::new(
        open("calibration.csv")?,
        open("plausible.csv")?,
        &d.params,
        &d.targets,
    )
    .map_err(|e| output::csv_error(dir, "calibration.csv", e))?;
    sets.each(|_, r| {
        tally.push(&r);
        rows.push(&r)
            .map_err(|e| output::csv_error(dir, "calibration.csv", e))
    })?;
    let (mut all, mut kept) = rows
        .finish()
        .map_err(|e| output::csv_error(dir, "calibration.csv", e))?;
    all.flush()
        .map_err(|e| Error::write(dir.file("calibration.csv"), e))?;
    kept.flush()
        .map_err(|e| Error::write(dir.file("plausible.csv"), e))?;
    let summary = tally.finish(
        &d.scenario.simulation.name,
        d.scenario.simulation.seed,
        &d.targets,
        d.budget.clone(),
    );
    dir.write("calibration.json", &output::json(&summary))?;
    if plots && d.scenario.output.plots {
        let charts = chart_inputs(&summary, &mut |f: &mut dyn FnMut(&SetResult)| {
            sets.each(|_, r| {
                f(&r);
                Ok(())
            })
        })?;
        crate::report::write_calibration_report(dir, &d.scenario, &summary, &charts)?;
    }
    Ok(summary)
}

/// Whether `target` already holds this very run, finished: the same `design.json`, the same
/// shard (or none) and, for a whole run, the same number of waves.
fn already_done(target: &Path, design: &[u8], shard: Option<&ShardFile>, waves: u32) -> bool {
    if journal::folder(target).exists()
        || fs::read(target.join("design.json")).ok().as_deref() != Some(design)
        || !target.join("sets.csv").is_file()
    {
        return false;
    }
    match shard {
        Some(sh) => fs::read(target.join("shard.json")).ok() == Some(output::json(sh)),
        None => {
            !target.join("shard.json").exists()
                && fs::read(target.join("calibration.json"))
                    .ok()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                    .and_then(|v| {
                        v.pointer("/budget/waves")
                            .and_then(serde_json::Value::as_u64)
                    })
                    == Some(u64::from(waves))
        }
    }
}

/// Joins the shards of one calibration wave into exactly the folder a whole run of the same
/// waves writes. `dirs` hold every shard once, in any order. The shards' rows are streamed
/// (checked in one pass, then interleaved into `sets.csv`), never held in memory.
pub fn merge_calibration(
    dirs: &[PathBuf],
    out: Option<PathBuf>,
    force: bool,
    plots: bool,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<(PathBuf, u64, u64)> {
    let (design, shard, ordered) = batch::every_shard(dirs, "a finished `calibrate --shard`")?;
    let waves = shard.waves.unwrap_or(1);
    let d = Design::decode(&design, waves, &ordered[0])?;
    let head = header(&d.params, &d.targets);
    let (k, t) = (d.params.len(), d.targets.len());
    let n = u64::from(d.budget.sets);
    let count = shard.count;
    let files: Vec<SetsFile<'_>> = ordered
        .iter()
        .map(|dir| SetsFile {
            path: dir.join("sets.csv"),
            head: &head,
            k,
            t,
            budget: &d.budget,
        })
        .collect();
    let earlier_wave = |w: u32| w < waves;
    // The earlier waves, as the first shard holds them: how many sets, and whether the last
    // of them kept nothing (then this wave did not run).
    let (mut first, mut last_kept, mut last_seen) = (0u64, false, false);
    files[0].each(|_, r| {
        if r.wave < waves {
            first += 1;
        }
        if waves > 1 && r.wave == waves - 1 {
            last_seen = true;
            last_kept |= r.kept;
        }
        Ok(())
    })?;
    let stopped = waves > 1 && first > 0 && (!last_seen || !last_kept);
    let wave_sets = if stopped { 0 } else { n };
    for (kk, file) in files.iter().enumerate() {
        // Every shard continued from the same earlier waves, row for row.
        if kk > 0 {
            let (mut mine, mut theirs) = (file.rows()?, files[0].rows()?);
            loop {
                let (a, b) = (
                    mine.next_where(earlier_wave)?,
                    theirs.next_where(earlier_wave)?,
                );
                if a.is_none() != b.is_none() || mine.line != theirs.line {
                    return Err(Error::Merge(format!(
                        "{}: its earlier waves differ from the other shards'",
                        ordered[kk].display()
                    )));
                }
                if a.is_none() {
                    break;
                }
            }
        }
        let sh = Shard {
            index: kk as u64,
            count,
        };
        let mut j = 0u64;
        let mut ok = true;
        file.each(|_, r| {
            if r.wave < waves {
                return Ok(());
            }
            ok &= r.set == first + sh.point(j) && r.wave == waves;
            j += 1;
            Ok(())
        })?;
        if !ok || j != sh.len(wave_sets) {
            return Err(Error::Merge(format!(
                "{}: sets.csv does not hold shard {kk}/{count}'s sets of wave {waves} exactly \
                 once, in order; the shard is incomplete or was edited",
                ordered[kk].display()
            )));
        }
    }
    let write_rows = |out: &mut dyn Write| -> Result<()> {
        let put = |out: &mut dyn Write, line: &[u8]| {
            out.write_all(line)
                .map_err(|e| Error::Merge(format!("cannot write sets.csv: {e}")))
        };
        let mut rows = files[0].rows()?;
        while rows.next_where(earlier_wave)?.is_some() {
            put(out, &rows.line)?;
        }
        let mut parts = files
            .iter()
            .map(SetsFile::rows)
            .collect::<Result<Vec<_>>>()?;
        for j in 0..wave_sets {
            let part = &mut parts[(j % count) as usize];
            if part.next_where(|w| w >= waves)?.is_none() {
                return Err(Error::Merge(format!(
                    "{}: changed while it was merged",
                    part.file.path.display()
                )));
            }
            put(out, &part.line)?;
        }
        Ok(())
    };
    let target =
        out.unwrap_or_else(|| output::default_out_dir(&d.scenario.simulation.name, "-calibration"));
    let keep = ordered.iter().map(|p| p.join("sets.csv")).collect();
    let dir = OutputDir::claim_observed(&target, &output::Claim { force, keep }, observer)?;
    write_whole(&dir, &design, &head, &write_rows, waves, plots)?;
    cancel.check()?;
    let path = dir.commit_observed(observer)?;
    Ok((path, count, first + wave_sets))
}
