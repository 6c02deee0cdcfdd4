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
//! layout.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::calibrate::{
    Budget, Calibration, Rule, SetResult, Target, UncertainParam, budget, check_targets, drive,
    evaluate, judged, simulate_set, summarize, targets, uncertain_params,
};
use crate::error::{Error, Result};
use crate::output::{self, OutputDir};
use crate::runner::{self, Cancel, Observer};
use crate::scenario::{self, Override, Scenario};
use crate::sweep::batch::{self, ShardFile, exact, parse_exact};
use crate::sweep::{Shard, csv_line, fnv1a64, journal, points_in_flight, run_points};

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

/// How a calibration ended, when it did not fail.
pub type CalibrateOutcome = super::BatchOutcome<Calibration>;

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

/// Reads the rows of `sets.csv` in `dir` (checked against `header`), with each row's bytes.
fn read_sets(
    dir: &Path,
    head: &[u8],
    k: usize,
    t: usize,
    budget: &Budget,
) -> Result<Vec<(SetResult, Vec<u8>)>> {
    let path = dir.join("sets.csv");
    let lines = batch::lines(&path).map_err(|e| {
        Error::Merge(format!(
            "{}: cannot read sets.csv ({e}); is it a calibration's output folder?",
            dir.display()
        ))
    })?;
    if lines.first().map(Vec::as_slice) != Some(head) {
        return Err(Error::Merge(format!(
            "{}: sets.csv's header does not match its design.json",
            path.display()
        )));
    }
    lines[1..]
        .iter()
        .enumerate()
        .map(|(i, l)| {
            parse_row(l, k, t, budget)
                .map(|r| (r, l.clone()))
                .ok_or_else(|| {
                    Error::Merge(format!(
                        "{}:{}: not a row of this calibration (it was edited or torn)",
                        path.display(),
                        i + 2
                    ))
                })
        })
        .collect()
}

/// Takes the sets of wave `wave` from `earlier` (rows read back), checking that they are the
/// sets this build draws for it.
fn earlier_wave(
    earlier: &[SetResult],
    wave: u32,
    first: u64,
    designs: &[Vec<f64>],
    from: &Path,
) -> Result<Vec<SetResult>> {
    let rows: Vec<SetResult> = earlier.iter().filter(|r| r.wave == wave).cloned().collect();
    let same = rows.len() == designs.len()
        && rows.iter().zip(designs).enumerate().all(|(j, (r, d))| {
            r.set == first + j as u64
                && r.values
                    .iter()
                    .map(|x| x.to_bits())
                    .eq(d.iter().map(|x| x.to_bits()))
        });
    if !same {
        return Err(Error::Argument {
            flag: "--from",
            arg: from.display().to_string(),
            message: format!(
                "its wave {wave} is not the wave this calibration draws (it was edited, or \
                 written with other settings)"
            ),
        });
    }
    Ok(rows)
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
    let (earlier, earlier_lines): (Vec<SetResult>, Vec<Vec<u8>>) = match &req.from {
        None => (Vec::new(), Vec::new()),
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
            let rows = read_sets(dir, &head, k, t, &budget)?;
            rows.into_iter().unzip()
        }
    };
    let done_waves = earlier.last().map_or(0, |r| r.wave);
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
    let from_digest = format!("fnv1a64:{:016x}", fnv1a64(&earlier_lines.concat()));
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

    let first_run = earlier.len() as u64;
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
    let rows_of =
        |journal: &journal::Journal, range: std::ops::Range<u64>| -> Result<Vec<SetResult>> {
            let lines = batch::lines(&journal.rows_path())
                .map_err(|e| Error::write(journal.rows_path(), e))?;
            lines[range.start as usize..range.end as usize]
                .iter()
                .map(|l| {
                    parse_row(l, k, t, &budget).ok_or_else(|| Error::Output {
                        path: journal.rows_path(),
                        message: "a journal row does not read back".into(),
                    })
                })
                .collect()
        };
    let from_dir = req.from.clone().unwrap_or_default();
    drive(
        &params,
        &budget,
        s.simulation.seed,
        |wave, first, designs| {
            if wave <= done_waves {
                return earlier_wave(&earlier, wave, first, &designs, &from_dir);
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
                let values = &designs[(set - first) as usize];
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
                    .map(|m| row(&evaluate(&targets, &budget, set, wave, values.clone(), &m))))
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
            rows_of(&journal, start..end)
        },
    )?;
    cancel.check()?;
    let mut lines = earlier_lines;
    lines.extend(
        batch::lines(&journal.rows_path()).map_err(|e| Error::write(journal.rows_path(), e))?,
    );
    let out = match shard_file {
        Some(sh) => {
            dir.write("design.json", &design)?;
            dir.write("shard.json", &output::json(&sh))?;
            dir.write("sets.csv", &[head, lines.concat()].concat())?;
            let out = dir.commit_observed(observer)?;
            CalibrateOutcome::Shard(out, part)
        }
        None => {
            let c = write_whole(&dir, &design, &head, &lines, waves, req.plots)?;
            cancel.check()?;
            let out = dir.commit_observed(observer)?;
            CalibrateOutcome::Finished(out, Box::new(c))
        }
    };
    journal.remove()?;
    Ok(out)
}

/// Writes a whole calibration's folder from `design.json` and every set's row: `design.json`,
/// `sets.csv`, `calibration.json`, `calibration.csv`, `plausible.csv` and, with `plots`, the
/// charts and page. A whole run and a merge both write through here.
fn write_whole(
    dir: &OutputDir,
    design: &[u8],
    head: &[u8],
    lines: &[Vec<u8>],
    waves: u32,
    plots: bool,
) -> Result<Calibration> {
    let d = Design::decode(design, waves, dir.target())?;
    let (k, t) = (d.params.len(), d.targets.len());
    let sets = lines
        .iter()
        .map(|l| {
            parse_row(l, k, t, &d.budget)
                .ok_or_else(|| Error::Merge("a row does not read back".into()))
        })
        .collect::<Result<Vec<_>>>()?;
    let c = summarize(
        &d.scenario.simulation.name,
        d.scenario.simulation.seed,
        &d.targets,
        d.params,
        d.budget,
        sets,
    );
    dir.write("design.json", design)?;
    dir.write("sets.csv", &[head.to_vec(), lines.concat()].concat())?;
    output::write_calibration_files(dir, &c)?;
    if plots && d.scenario.output.plots {
        crate::report::write_calibration_report(dir, &d.scenario, &c)?;
    }
    Ok(c)
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
/// waves writes. `dirs` hold every shard once, in any order.
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
    let mut earlier: Option<Vec<Vec<u8>>> = None;
    let mut parts = Vec::with_capacity(ordered.len());
    for dir in &ordered {
        let rows = read_sets(dir, &head, k, t, &d.budget)?;
        let (before, this): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(r, _)| r.wave < waves);
        let before: Vec<Vec<u8>> = before.into_iter().map(|(_, l)| l).collect();
        match &earlier {
            Some(e) if *e != before => {
                return Err(Error::Merge(format!(
                    "{}: its earlier waves differ from the other shards'",
                    dir.display()
                )));
            }
            _ => earlier = Some(before),
        }
        parts.push(this);
    }
    let earlier = earlier.unwrap_or_default();
    let first = earlier.len() as u64;
    // The wave ran unless the one before kept nothing.
    let stopped = waves > 1
        && !earlier.is_empty()
        && earlier
            .iter()
            .filter_map(|l| parse_row(l, k, t, &d.budget))
            .filter(|r| r.wave == waves - 1)
            .all(|r| !r.kept);
    let wave_sets = if stopped { 0 } else { n };
    let mut lines = earlier;
    for (kk, rows) in parts.iter().enumerate() {
        let sh = Shard {
            index: kk as u64,
            count,
        };
        let ok = rows.len() as u64 == sh.len(wave_sets)
            && rows
                .iter()
                .enumerate()
                .all(|(j, (r, _))| r.set == first + sh.point(j as u64) && r.wave == waves);
        if !ok {
            return Err(Error::Merge(format!(
                "{}: sets.csv does not hold shard {kk}/{count}'s sets of wave {waves} exactly \
                 once, in order; the shard is incomplete or was edited",
                ordered[kk].display()
            )));
        }
    }
    for j in 0..wave_sets {
        let sh = (j % count) as usize;
        lines.push(parts[sh][(j / count) as usize].1.clone());
    }
    let target =
        out.unwrap_or_else(|| output::default_out_dir(&d.scenario.simulation.name, "-calibration"));
    let keep = ordered.iter().map(|p| p.join("sets.csv")).collect();
    let dir = OutputDir::claim_observed(&target, &output::Claim { force, keep }, observer)?;
    write_whole(&dir, &design, &head, &lines, waves, plots)?;
    cancel.check()?;
    let path = dir.commit_observed(observer)?;
    Ok((path, count, lines.len() as u64))
}
