//! What calibration waves and ensembles share with sweeps beyond the point runner: rows kept at
//! full precision (so that a row read back from a journal, a shard or an earlier run is the very
//! result that was computed), the shard file of their folders, and reading both back.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A number as a row keeps it: Rust's shortest text that reads back to the same bits (`inf` and
/// `NaN` included).
pub fn exact(x: f64) -> String {
    format!("{x}")
}

/// A number written by [`exact`].
pub fn parse_exact(text: &str) -> Option<f64> {
    text.parse().ok()
}

/// `shard.json` of a calibration or ensemble shard: which part it ran and, for a calibration,
/// the wave it ran and the earlier waves it continued from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardFile {
    /// This shard, from 0.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
    /// A calibration shard: the wave it ran (`--waves`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waves: Option<u32>,
    /// A calibration shard: the digest of the earlier waves' rows it continued from (`--from`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub from: Option<String>,
}

/// The lines of a rows file (a journal's `rows.csv`, a folder's `sets.csv`), each with its
/// newline; a last line without one is torn and left out.
pub fn lines(path: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    let bytes = fs::read(path)?;
    Ok(bytes
        .split_inclusive(|&b| b == b'\n')
        .filter(|l| l.ends_with(b"\n"))
        .map(<[u8]>::to_vec)
        .collect())
}

/// The fields of one CSV line.
pub fn fields(line: &[u8]) -> Option<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line);
    let mut record = csv::StringRecord::new();
    if !reader.read_record(&mut record).ok()? {
        return None;
    }
    Some(record.iter().map(String::from).collect())
}

/// Reads a file of a shard or finished folder for `merge` or `--from`, saying which folder and
/// what it should have been when it cannot.
pub fn read_part(dir: &Path, name: &str, what: &str) -> Result<Vec<u8>> {
    fs::read(dir.join(name)).map_err(|e| {
        Error::Merge(format!(
            "{}: cannot read {name} ({e}); is it the output folder of {what}?",
            dir.display()
        ))
    })
}

/// The shards given to `merge`, checked to be every shard of one run exactly once: same
/// `design.json` bytes, same split, same wave and earlier waves; returned in shard order.
pub fn every_shard(dirs: &[PathBuf], what: &str) -> Result<(Vec<u8>, ShardFile, Vec<PathBuf>)> {
    let mut parts: Vec<(PathBuf, Vec<u8>, ShardFile)> = Vec::new();
    for dir in dirs {
        let design = read_part(dir, "design.json", what)?;
        let shard: ShardFile = serde_json::from_slice(&read_part(dir, "shard.json", what)?)
            .map_err(|e| {
                Error::Merge(format!("{}: shard.json is not valid: {e}", dir.display()))
            })?;
        parts.push((dir.clone(), design, shard));
    }
    let (first_dir, design, first) = parts[0].clone();
    for (dir, d, sh) in &parts[1..] {
        if *d != design {
            return Err(Error::Merge(format!(
                "{} and {} are shards of different runs: their design.json differ (scenario, \
                 parameters, seed, replications, file or build)",
                first_dir.display(),
                dir.display()
            )));
        }
        if (sh.count, &sh.waves, &sh.from) != (first.count, &first.waves, &first.from) {
            return Err(Error::Merge(format!(
                "{} and {} were split differently or ran different waves (shard.json differs)",
                first_dir.display(),
                dir.display()
            )));
        }
    }
    let count = first.count;
    let mut ordered: Vec<Option<PathBuf>> = vec![None; count.min(1 << 20) as usize];
    for (dir, _, sh) in &parts {
        let slot = ordered
            .get_mut(sh.index as usize)
            .ok_or_else(|| Error::Merge(format!("{}: shard.json is not valid", dir.display())))?;
        if let Some(other) = slot {
            return Err(Error::Merge(format!(
                "shard {}/{count} is given twice: {} and {}",
                sh.index,
                other.display(),
                dir.display()
            )));
        }
        *slot = Some(dir.clone());
    }
    let missing: Vec<String> = ordered
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(k, _)| format!("--shard {k}/{count}"))
        .collect();
    if !missing.is_empty() || ordered.len() as u64 != count {
        return Err(Error::Merge(format!(
            "the run was split into {count} shards but {} {} given; the output of {} {} \
             missing: give every shard's folder",
            parts.len(),
            if parts.len() == 1 { "was" } else { "were" },
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
        )));
    }
    Ok((design, first, ordered.into_iter().flatten().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_numbers_read_back_to_the_same_bits() {
        for x in [
            0.1,
            1.0 / 3.0,
            f64::INFINITY,
            -2.5e-300,
            1e300,
            0.0,
            f64::MIN_POSITIVE,
        ] {
            assert_eq!(parse_exact(&exact(x)).unwrap().to_bits(), x.to_bits());
        }
        assert!(parse_exact(&exact(f64::NAN)).unwrap().is_nan());
    }
}
