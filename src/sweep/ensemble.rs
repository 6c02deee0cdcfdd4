//! `experiment arenas --ensemble` on the sweep machinery: the sets run on a pool through a
//! journal (`--resume` continues an interrupted run without redoing a finished set), a shard
//! runs the sets with index % N == K (`--shard K/N`) and `merge` joins the shards. Every result
//! is a function of `design.json` and the rows of `sets.csv`, kept at full precision, so a
//! whole run, a merge and a resumed run write the same bytes for any thread count and shard
//! layout.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::discovery::PrimConfig;
use crate::error::{Error, Result};
use crate::experiment::ensemble::{Ensemble, EnsembleContext, PrimParameters, SetVerdict};
use crate::experiment::{EnsembleReport, Ratio, judge, set_verdict};
use crate::output::{self, OutputDir};
use crate::runner::{self, Cancel, Observer, Silent};
use crate::scenario::{self, Override, Scenario};
use crate::sweep::batch::{self, ShardFile, exact, parse_exact};
use crate::sweep::{Shard, csv_line, fnv1a64, journal, points_in_flight, run_points};

/// What an ensemble run is asked to do, as plain values.
#[derive(Debug, Clone, Default)]
pub struct EnsembleRequest {
    /// The scenario file (kept safe from `force`).
    pub scenario: PathBuf,
    /// Overrides (`--set`, `--replications`, `--seed`, `--months`).
    pub overrides: Vec<Override>,
    /// The ensemble file.
    pub file: PathBuf,
    /// Run only this shard of the sets.
    pub shard: Option<Shard>,
    /// Continue an interrupted run from its journal.
    pub resume: bool,
    /// Worker threads (none or 0: all cores).
    pub threads: Option<usize>,
    /// The output folder; none means `out/<scenario>-ensemble` (with the shard's suffix).
    pub out: Option<PathBuf>,
    /// Replace an output folder holding files the tool did not write (moved aside whole).
    pub force: bool,
    /// Whether to draw charts (also subject to the scenario's `output.plots`).
    pub plots: bool,
}

/// How an ensemble run ended, when it did not fail.
pub type EnsembleOutcome = super::BatchOutcome<EnsembleReport>;

/// `design.json`: everything the rows depend on. Shards write the same bytes; `merge` and
/// `--resume` compare them (the tool's version and commit included).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Design {
    /// Always `ensemble`.
    kind: String,
    /// Scenario name.
    scenario: String,
    /// Scenario seed.
    seed: u64,
    /// Replications per cell.
    replications: u64,
    /// Months simulated.
    months: u32,
    /// The ensemble file as named, and a digest of its bytes.
    file: String,
    /// `fnv1a64:` digest of the file's bytes.
    file_digest: String,
    /// The parameter paths, in column order.
    parameters: Vec<String>,
    /// Parameter sets in the file.
    sets: u64,
    /// PRIM's settings.
    prim_config: PrimParameters,
    /// The scenario resolved with the overrides.
    base_scenario: serde_json::Value,
}

/// Fields of a row after the parameters.
const RESULT_FIELDS: usize = 14;

/// The header of `sets.csv`.
fn header(parameters: &[String]) -> Vec<u8> {
    let mut h = vec!["index".to_string(), "set".into(), "wave".into()];
    h.extend(parameters.iter().cloned());
    h.extend(
        [
            "verdict",
            "margin",
            "all_three_rate",
            "best_fewer_cell",
            "best_fewer_ratio",
            "best_fewer_ratio_lo",
            "best_fewer_ratio_hi",
            "clinical_clause",
            "clinical_margin",
            "clinical_cell",
            "clinical_ratio",
            "clinical_ratio_lo",
            "clinical_ratio_hi",
            "end",
        ]
        .map(String::from),
    );
    csv_line(&h)
}

/// One set's row, at full precision: its index in the file, identifiers, point and results.
fn row(i: u64, v: &SetVerdict, point: &[f64]) -> Vec<u8> {
    let mut f = vec![i.to_string(), v.set.to_string(), v.wave.to_string()];
    f.extend(point.iter().map(|&x| exact(x)));
    f.extend(v.result_fields(exact, true));
    // A last field, so that a row torn after a number is never read as whole.
    f.push("end".into());
    csv_line(&f)
}

/// A row read back: the index, the set's point and result.
fn parse_row(line: &[u8], parameters: &[String]) -> Option<(u64, Vec<f64>, SetVerdict)> {
    let f = batch::fields(line)?;
    let k = parameters.len();
    if f.len() != 3 + k + RESULT_FIELDS || f[3 + k + RESULT_FIELDS - 1] != "end" {
        return None;
    }
    let point = f[3..3 + k]
        .iter()
        .map(|x| parse_exact(x))
        .collect::<Option<Vec<f64>>>()?;
    let r = &f[3 + k..];
    let num = |j: usize| parse_exact(&r[j]);
    let v = SetVerdict {
        set: f[1].parse().ok()?,
        wave: f[2].parse().ok()?,
        parameters: parameters
            .iter()
            .cloned()
            .zip(point.iter().copied())
            .collect(),
        verdict: r[0].clone(),
        margin: num(1)?,
        all_three_rate: num(2)?,
        best_fewer: Ratio {
            label: r[3].clone(),
            estimate: num(4)?,
            ci95: [num(5)?, num(6)?],
        },
        clinical_clause: r[7].clone(),
        clinical_margin: num(8)?,
        clinical_ratio: Ratio {
            label: r[9].clone(),
            estimate: num(10)?,
            ci95: [num(11)?, num(12)?],
        },
    };
    Some((f[0].parse().ok()?, point, v))
}

/// The files of a whole ensemble's folder, from `design.json` and every set's row in the
/// file's order: `design.json`, `sets.csv`, `ensemble.json`, `ensemble.csv` and, with `plots`,
/// the charts and page. A whole run and a merge both write through here.
fn write_whole(
    dir: &OutputDir,
    design: &[u8],
    lines: &[Vec<u8>],
    plots: bool,
) -> Result<EnsembleReport> {
    let bad = |m: String| Error::Merge(format!("design.json is not valid: {m}"));
    let d: Design = serde_json::from_slice(design).map_err(|e| bad(e.to_string()))?;
    let s: Scenario =
        serde_json::from_value(d.base_scenario.clone()).map_err(|e| bad(e.to_string()))?;
    let mut points = Vec::with_capacity(lines.len());
    let mut per_set = Vec::with_capacity(lines.len());
    for l in lines {
        let (_, p, v) = parse_row(l, &d.parameters)
            .ok_or_else(|| Error::Merge("a row of sets.csv does not read back".into()))?;
        points.push(p);
        per_set.push(v);
    }
    let c = d.prim_config;
    let ctx = EnsembleContext {
        scenario: d.scenario.clone(),
        file: d.file.clone(),
        seed: d.seed,
        replications: d.replications,
        months: d.months,
        parameters: d.parameters.clone(),
        config: PrimConfig {
            peel_alpha: c.peel_alpha,
            min_mass: c.min_mass,
            min_coverage: c.min_coverage,
            max_boxes: c.max_boxes,
        },
    };
    let report = EnsembleReport {
        ensemble: judge(&ctx, &points, per_set),
    };
    dir.write("design.json", design)?;
    dir.write(
        "sets.csv",
        &[header(&d.parameters), lines.concat()].concat(),
    )?;
    output::write_ensemble_files(dir, &report)?;
    if plots && s.output.plots {
        crate::report::write_ensemble_report(dir, &s, &report.ensemble)?;
    }
    Ok(report)
}

/// Runs an ensemble on the current machine: the file read and checked before any work, the
/// output folder claimed and locked, the journal continued when asked, the missing sets run in
/// parallel, the results put in place whole. On `cancel` it keeps every finished set in the
/// journal and returns [`Error::Interrupted`].
pub fn run_ensemble(
    req: &EnsembleRequest,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<EnsembleOutcome> {
    let source = scenario::load(&req.scenario)?;
    let s = source.resolve(&req.overrides)?;
    let ensemble: Ensemble = crate::experiment::read_ensemble(&req.file)?;
    ensemble.check(&source, &req.overrides)?;
    let bytes = fs::read(&req.file).map_err(|e| Error::write(&req.file, e))?;
    let config = PrimConfig::default();
    let design = output::json(&Design {
        kind: "ensemble".into(),
        scenario: s.simulation.name.clone(),
        seed: s.simulation.seed,
        replications: u64::from(s.simulation.replications),
        months: s.simulation.months,
        file: ensemble.path.display().to_string(),
        file_digest: format!("fnv1a64:{:016x}", fnv1a64(&bytes)),
        parameters: ensemble.parameters.clone(),
        sets: ensemble.sets.len() as u64,
        prim_config: PrimParameters {
            peel_alpha: config.peel_alpha,
            min_mass: config.min_mass,
            min_coverage: config.min_coverage,
            max_boxes: config.max_boxes,
        },
        base_scenario: serde_json::to_value(&s).unwrap_or_default(),
    });
    let n = ensemble.sets.len() as u64;
    let part = req.shard.unwrap_or(Shard { index: 0, count: 1 });
    let shard_file = req.shard.map(|sh| ShardFile {
        index: sh.index,
        count: sh.count,
        waves: None,
        from: None,
    });
    let target = req.out.clone().unwrap_or_else(|| match req.shard {
        Some(sh) => output::default_out_dir(
            &s.simulation.name,
            &format!("-ensemble-shard-{}-of-{}", sh.index, sh.count),
        ),
        None => output::default_out_dir(&s.simulation.name, "-ensemble"),
    });
    let total = part.len(n);
    let point_of = |j: u64| part.point(j);
    let expect = journal::Expect {
        columns: 3 + ensemble.parameters.len() + RESULT_FIELDS,
        total,
        point: &point_of,
        // Calibration sets and ensemble cells write no per-replication rows.
        replication_columns: None,
    };
    let dir = OutputDir::claim_observed(
        &target,
        &output::Claim {
            force: req.force,
            keep: vec![req.scenario.clone(), req.file.clone()],
        },
        observer,
    )?;
    if req.resume && already_done(&target, &design, shard_file.as_ref()) {
        return Ok(EnsembleOutcome::AlreadyComplete(target));
    }
    let mut identity = design.clone();
    identity.extend(output::json(&part));
    let mut journal = journal::Journal::open(&target, &identity, req.resume, &expect)?;
    let pool = runner::pool(req.threads);
    let points = ensemble.points();
    let run_set = |i: u64| -> Result<Option<Vec<u8>>> {
        match set_verdict(
            &source,
            &req.overrides,
            &ensemble,
            &points,
            i as usize,
            &Silent,
            cancel,
        ) {
            Ok(v) => Ok(Some(row(i, &v, &points[i as usize]))),
            Err(Error::Interrupted) => Ok(None),
            Err(e) => Err(e),
        }
    };
    observer.start(total, journal.done);
    run_points(
        &pool,
        cancel,
        &run_set,
        &mut journal,
        total,
        points_in_flight(req.threads),
        &point_of,
        observer,
    )?;
    if journal.done < total {
        observer.note(&format!(
            "ensemble interrupted: {} of {} sets are kept in {}; run the same command with \
             --resume to finish",
            journal.done,
            total,
            journal.folder().display()
        ));
        return Err(Error::Interrupted);
    }
    let lines =
        batch::lines(&journal.rows_path()).map_err(|e| Error::write(journal.rows_path(), e))?;
    let out = match shard_file {
        Some(sh) => {
            dir.write("design.json", &design)?;
            dir.write("shard.json", &output::json(&sh))?;
            dir.write(
                "sets.csv",
                &[header(&ensemble.parameters), lines.concat()].concat(),
            )?;
            cancel.check()?;
            EnsembleOutcome::Shard(dir.commit_observed(observer)?, part)
        }
        None => {
            let report = write_whole(&dir, &design, &lines, req.plots)?;
            cancel.check()?;
            EnsembleOutcome::Finished(dir.commit_observed(observer)?, Box::new(report))
        }
    };
    journal.remove()?;
    Ok(out)
}

/// Whether `target` already holds this very run, finished: the same `design.json` and the same
/// shard (or none).
fn already_done(target: &Path, design: &[u8], shard: Option<&ShardFile>) -> bool {
    if journal::folder(target).exists()
        || fs::read(target.join("design.json")).ok().as_deref() != Some(design)
        || !target.join("sets.csv").is_file()
    {
        return false;
    }
    match shard {
        Some(sh) => fs::read(target.join("shard.json")).ok() == Some(output::json(sh)),
        None => !target.join("shard.json").exists() && target.join("ensemble.json").is_file(),
    }
}

/// Joins the shards of an ensemble into exactly the folder a whole run writes. `dirs` hold
/// every shard once, in any order. Returns the folder, the shards and the sets.
pub fn merge_ensemble(
    dirs: &[PathBuf],
    out: Option<PathBuf>,
    force: bool,
    plots: bool,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<(PathBuf, u64, u64)> {
    let (design, shard, ordered) =
        batch::every_shard(dirs, "a finished `experiment arenas --ensemble --shard`")?;
    let d: Design = serde_json::from_slice(&design).map_err(|e| {
        Error::Merge(format!(
            "{}: design.json is not valid: {e}",
            ordered[0].display()
        ))
    })?;
    let head = header(&d.parameters);
    let count = shard.count;
    let mut parts = Vec::with_capacity(ordered.len());
    for (k, dir) in ordered.iter().enumerate() {
        let path = dir.join("sets.csv");
        let lines = batch::lines(&path)
            .map_err(|e| Error::Merge(format!("{}: cannot read sets.csv: {e}", dir.display())))?;
        let sh = Shard {
            index: k as u64,
            count,
        };
        let ok = lines.first() == Some(&head)
            && lines.len() as u64 == 1 + sh.len(d.sets)
            && lines[1..].iter().enumerate().all(|(j, l)| {
                parse_row(l, &d.parameters).is_some_and(|(i, _, _)| i == sh.point(j as u64))
            });
        if !ok {
            return Err(Error::Merge(format!(
                "{}: sets.csv does not hold shard {k}/{count}'s sets exactly once, in order; \
                 the shard is incomplete or was edited",
                dir.display()
            )));
        }
        parts.push(lines);
    }
    let lines: Vec<Vec<u8>> = (0..d.sets)
        .map(|i| parts[(i % count) as usize][1 + (i / count) as usize].clone())
        .collect();
    let target = out.unwrap_or_else(|| output::default_out_dir(&d.scenario, "-ensemble"));
    let keep = ordered.iter().map(|p| p.join("sets.csv")).collect();
    let dir = OutputDir::claim_observed(&target, &output::Claim { force, keep }, observer)?;
    write_whole(&dir, &design, &lines, plots)?;
    cancel.check()?;
    let path = dir.commit_observed(observer)?;
    Ok((path, count, d.sets))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_reads_back_to_the_same_result() {
        let v = SetVerdict {
            set: 7,
            wave: 2,
            parameters: [("a.b".to_string(), 0.1 + 0.2)].into_iter().collect(),
            verdict: "supported".into(),
            margin: 1.0 / 3.0,
            all_three_rate: 0.25,
            best_fewer: Ratio {
                label: "S P -".into(),
                estimate: 0.7,
                ci95: [0.6, f64::INFINITY],
            },
            clinical_clause: "refuted".into(),
            clinical_margin: -0.01,
            clinical_ratio: Ratio {
                label: "no clinical".into(),
                estimate: 0.5,
                ci95: [0.4, 0.6],
            },
        };
        let params = vec!["a.b".to_string()];
        let line = row(3, &v, &[0.1 + 0.2]);
        let (i, p, back) = parse_row(&line, &params).unwrap();
        assert_eq!((i, p[0]), (3, 0.1 + 0.2));
        assert_eq!(row(i, &back, &p), line);
        // A row torn anywhere before its end is not read as whole.
        assert!(parse_row(&line[..line.len() - 3], &params).is_none());
    }
}
