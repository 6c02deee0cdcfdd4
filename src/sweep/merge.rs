//! `merge`: the shards of a sweep joined into exactly the files a single run writes, after
//! checking that they are every shard of one sweep.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::{Shard, SweepInfo, csv_line, journal, plots, write_csv};
use crate::error::{Error, Result};
use crate::output::{self, OutputDir};
use crate::runner::{Cancel, Observer};

pub(super) fn merge_read(dir: &Path, e: std::io::Error) -> Error {
    Error::Merge(format!("{}: cannot read sweep.csv: {e}", dir.display()))
}

/// What a merge is asked to do, as plain values.
#[derive(Debug, Clone, Default)]
pub struct MergeRequest {
    /// Shard output folders (every shard of one sweep, in any order).
    pub dirs: Vec<PathBuf>,
    /// The output folder; none means the sweep's default folder.
    pub out: Option<PathBuf>,
    /// Whether to draw charts (also subject to the sweep's `output.plots`).
    pub plots: bool,
    /// Replace an output folder holding files the tool did not write (moved aside whole).
    pub force: bool,
}

/// A finished merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The merged folder.
    pub path: PathBuf,
    /// Shards joined.
    pub shards: u64,
    /// Design points in the merged sweep.
    pub points: u64,
}

/// Joins shard outputs into exactly what a single run would have written.
pub fn merge(args: &MergeRequest, observer: &dyn Observer, cancel: &Cancel) -> Result<Merged> {
    struct Part {
        dir: PathBuf,
        info: Vec<u8>,
        shard: Shard,
    }
    let mut parts = Vec::with_capacity(args.dirs.len());
    for dir in &args.dirs {
        let read = |name: &str| {
            fs::read(dir.join(name)).map_err(|e| {
                Error::Merge(format!(
                    "{}: cannot read {name} ({e}); is it the output folder of a finished \
                     `sweep --shard`?",
                    dir.display()
                ))
            })
        };
        let info = read("sweep.json")?;
        let shard: Shard = serde_json::from_slice(&read("shard.json")?).map_err(|e| {
            Error::Merge(format!("{}: shard.json is not valid: {e}", dir.display()))
        })?;
        parts.push(Part {
            dir: dir.clone(),
            info,
            shard,
        });
    }
    let first = &parts[0];
    for p in &parts[1..] {
        if p.info != first.info {
            return Err(Error::Merge(format!(
                "{} and {} are shards of different sweeps: {} differs",
                first.dir.display(),
                p.dir.display(),
                differing_key(&first.info, &p.info)
            )));
        }
        if p.shard.count != first.shard.count {
            return Err(Error::Merge(format!(
                "{} is shard {}/{} but {} is shard {}/{}: the sweep was split in two ways",
                first.dir.display(),
                first.shard.index,
                first.shard.count,
                p.dir.display(),
                p.shard.index,
                p.shard.count
            )));
        }
    }
    let count = first.shard.count;
    let mut by_index: Vec<Option<&Part>> = vec![None; count.min(1 << 20) as usize];
    for p in &parts {
        let slot = by_index
            .get_mut(p.shard.index as usize)
            .ok_or_else(|| Error::Merge(format!("{}: shard.json is not valid", p.dir.display())))?;
        if let Some(other) = slot {
            return Err(Error::Merge(format!(
                "shard {}/{count} is given twice: {} and {}",
                p.shard.index,
                other.dir.display(),
                p.dir.display()
            )));
        }
        *slot = Some(p);
    }
    let missing: Vec<String> = by_index
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(k, _)| format!("--shard {k}/{count}"))
        .collect();
    if !missing.is_empty() || by_index.len() as u64 != count {
        return Err(Error::Merge(missing_shards(&missing, count, parts.len())));
    }
    let ordered: Vec<&Part> = by_index.into_iter().flatten().collect();
    let info: SweepInfo = serde_json::from_slice(&first.info).map_err(|e| {
        Error::Merge(format!(
            "{}: sweep.json is not valid: {e}",
            first.dir.display()
        ))
    })?;
    let header = csv_line(&info.columns);
    for p in &ordered {
        let mut line = Vec::new();
        let f = File::open(p.dir.join("sweep.csv")).map_err(|e| merge_read(&p.dir, e))?;
        BufReader::new(f)
            .read_until(b'\n', &mut line)
            .map_err(|e| merge_read(&p.dir, e))?;
        if line != header {
            return Err(Error::Merge(format!(
                "{}: sweep.csv's header does not match its sweep.json",
                p.dir.display()
            )));
        }
    }
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| output::default_out_dir(&info.scenario, "-sweep"));
    // A folder holding a shard being merged is never replaced.
    let keep = ordered.iter().map(|p| p.dir.join("sweep.csv")).collect();
    let dir = OutputDir::claim_observed(
        &target,
        &output::Claim {
            force: args.force,
            keep,
        },
        observer,
    )?;
    let dirs: Vec<PathBuf> = ordered.iter().map(|p| p.dir.clone()).collect();
    write_csv(
        &dir,
        &header,
        &dirs,
        Some((info.points, info.columns.len())),
    )?;
    if !info.rows_columns.is_empty() {
        merge_rows(&dir, &info, &dirs)?;
    }
    dir.write(
        "sweep.json",
        &super::with_results(&first.info, &dir.file("sweep.csv"))?,
    )?;
    let plots_wanted = info
        .base_scenario
        .pointer("/output/plots")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(true);
    if plots_wanted && args.plots {
        plots::write(&dir, &info)?;
    }
    cancel.check()?;
    let path = dir.commit_observed(observer)?;
    Ok(Merged {
        path,
        shards: count,
        points: info.points,
    })
}

/// Writes the whole's `replications.csv` from the shards': point `p`'s rows are the next
/// `replications × initiatives` rows of shard `p % shards` (its replications read from the merged
/// `sweep.csv`), each checked to be of that point, so the file is the one an unsharded sweep
/// writes and a shard cut short or edited is refused.
fn merge_rows(dir: &OutputDir, info: &SweepInfo, sources: &[PathBuf]) -> Result<()> {
    let header = csv_line(&info.rows_columns);
    let columns = info.rows_columns.len();
    let read_err = |d: &Path, e: &dyn std::fmt::Display| {
        Error::Merge(format!(
            "{}: cannot read replications.csv ({e}); the sweep was run with --rows, so every \
             shard writes one",
            d.display()
        ))
    };
    let mut readers = Vec::with_capacity(sources.len());
    for d in sources {
        let f = File::open(d.join("replications.csv")).map_err(|e| read_err(d, &e))?;
        let mut r = BufReader::new(f);
        let mut line = Vec::new();
        r.read_until(b'\n', &mut line)
            .map_err(|e| read_err(d, &e))?;
        if line != header {
            return Err(Error::Merge(format!(
                "{}: replications.csv's header does not match its sweep.json",
                d.display()
            )));
        }
        readers.push(r);
    }
    let initiatives = info
        .base_scenario
        .get("initiative")
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len) as u64;
    let replications_at = info
        .columns
        .iter()
        .position(|c| c == "replications")
        .unwrap_or(usize::MAX);
    let merged = dir.file("sweep.csv");
    let mut points = csv::Reader::from_path(&merged).map_err(|e| read_err(&merged, &e))?;
    let path = dir.file("replications.csv");
    let werr = |e: std::io::Error| Error::write(&path, e);
    let mut w = dir.open("replications.csv")?;
    w.write_all(&header).map_err(werr)?;
    let n = sources.len() as u64;
    let mut line = Vec::new();
    for (p, record) in (0..info.points).zip(points.records()) {
        let record = record.map_err(|e| read_err(&merged, &e))?;
        let replications: u64 = record
            .get(replications_at)
            .and_then(|r| r.parse().ok())
            .unwrap_or(0);
        let k = (p % n) as usize;
        for r in 0..replications * initiatives {
            line.clear();
            readers[k]
                .read_until(b'\n', &mut line)
                .map_err(|e| read_err(&sources[k], &e))?;
            if !line.ends_with(b"\n") || journal::row_point(&line, columns) != Some(p) {
                return Err(Error::Merge(format!(
                    "{}: replications.csv has no valid row {} of point {p} ({replications} \
                     replications × {initiatives} initiatives) where it should be; the shard is \
                     incomplete or was edited",
                    sources[k].display(),
                    r + 1
                )));
            }
            w.write_all(&line).map_err(werr)?;
        }
    }
    for (k, r) in readers.iter_mut().enumerate() {
        line.clear();
        r.read_until(b'\n', &mut line)
            .map_err(|e| read_err(&sources[k], &e))?;
        if !line.is_empty() {
            return Err(Error::Merge(format!(
                "{}: replications.csv has rows beyond its points' replications",
                sources[k].display()
            )));
        }
    }
    let f = w.into_inner().map_err(|e| werr(e.into_error()))?;
    f.sync_all().map_err(werr)
}

/// Where two `sweep.json` files first differ, as a key path, for a merge error: the design's
/// own keys in their written order, then the first differing setting of the base scenario.
fn differing_key(a: &[u8], b: &[u8]) -> String {
    use serde_json::Value;
    let (Ok(a), Ok(b)) = (
        serde_json::from_slice::<Value>(a),
        serde_json::from_slice::<Value>(b),
    ) else {
        return "sweep.json".into();
    };
    fn first_difference(a: &Value, b: &Value, path: String) -> String {
        if let (Value::Object(x), Value::Object(y)) = (a, b)
            && let Some(k) = x.keys().chain(y.keys()).find(|k| x.get(*k) != y.get(*k))
        {
            let sub = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            return match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, sub),
                _ => sub,
            };
        }
        path
    }
    const ORDER: [&str; 12] = [
        "tool",
        "scenario",
        "seed",
        "replications",
        "independent_points",
        "design",
        "points",
        "parameters",
        "experiment",
        "columns",
        "rows_columns",
        "base_scenario",
    ];
    match ORDER.iter().find(|k| a.get(**k) != b.get(**k)) {
        Some(&"base_scenario") => format!(
            "the scenario setting `{}`",
            first_difference(&a["base_scenario"], &b["base_scenario"], String::new())
        ),
        Some(k) => format!("`{k}`"),
        None => "sweep.json".into(),
    }
}

/// The sentence for shards not given to `merge`: how many the sweep was split into, how many were
/// given, and which (as `--shard K/N`) are missing.
fn missing_shards(missing: &[String], count: u64, given: usize) -> String {
    format!(
        "the sweep was split into {count} shards but {given} {} given; the output of {} {} \
         missing: give every shard's folder",
        if given == 1 { "was" } else { "were" },
        missing.join(", "),
        if missing.len() == 1 { "is" } else { "are" },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn missing_shards_read_as_a_sentence() {
        assert_eq!(
            super::missing_shards(&["--shard 1/2".into()], 2, 1),
            "the sweep was split into 2 shards but 1 was given; the output of --shard 1/2 is \
             missing: give every shard's folder"
        );
    }
}
