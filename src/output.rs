//! Writing results: an output folder that appears whole or not at all, and the CSV and JSON
//! files of a run.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::outcome::ReplicationOutcome;
use crate::scenario::Scenario;
use crate::stats::Aggregate;

/// An output folder being written: files go to a hidden staging folder beside the target, which
/// replaces the target only when [`OutputDir::commit`] is called, so an interrupted run leaves
/// the previous complete outputs, never a mixture.
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl OutputDir {
    /// Prepares to write `target`; fails before any work if the place cannot be written.
    pub fn create(target: &Path) -> Result<Self> {
        let (name, parent) = name_and_parent(target);
        // A file where a folder of the path should be is the likeliest mistake; name it rather
        // than pass on the bare "File exists" or "Not a directory" of the OS.
        if let Some(file) = parent
            .ancestors()
            .find(|a| a.exists())
            .filter(|a| !a.is_dir())
        {
            return Err(Error::write(
                target,
                std::io::Error::other(format!("{} is a file, not a folder", file.display())),
            ));
        }
        fs::create_dir_all(&parent).map_err(|e| Error::write(&parent, e))?;
        if target.exists() && !target.is_dir() {
            return Err(Error::write(
                target,
                std::io::Error::other("it exists and is not a folder"),
            ));
        }
        remove_stale_staging(&parent, &name);
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| Error::write(&staging, e))?;
        }
        // Reported against the target: the staging folder is an implementation detail.
        fs::create_dir(&staging).map_err(|e| Error::write(target, e))?;
        Ok(OutputDir {
            target: target.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// The path of a file inside the folder being written.
    pub fn file(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// Where the folder will be once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes a whole file.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.file(name);
        fs::write(&path, bytes).map_err(|e| Error::write(&path, e))
    }

    /// Opens a file for streaming writes.
    pub fn open(&self, name: &str) -> Result<BufWriter<fs::File>> {
        let path = self.file(name);
        fs::File::create(&path)
            .map(BufWriter::new)
            .map_err(|e| Error::write(&path, e))
    }

    /// Puts the finished folder in place of the target.
    pub fn commit(mut self) -> Result<PathBuf> {
        // Named after the staging folder, so it is this process's own: `with_extension` would
        // give `.NAME.old` for every process, and one left by a run killed between the two
        // renames below would make this rename fail and lose the finished results.
        let mut old_name = self.staging.as_os_str().to_owned();
        old_name.push(".old");
        let old = PathBuf::from(old_name);
        if old.exists() {
            fs::remove_dir_all(&old).map_err(|e| Error::write(&old, e))?;
        }
        if self.target.exists() {
            fs::rename(&self.target, &old).map_err(|e| Error::write(&self.target, e))?;
        }
        fs::rename(&self.staging, &self.target).map_err(|e| Error::write(&self.target, e))?;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(|e| Error::write(&old, e))?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

/// Removes the staging folders of `name` left by runs that were killed (their process is gone),
/// where `/proc` tells which processes live; elsewhere they stay, hidden and named as partial.
/// A `.old` folder is left alone: a run killed inside its commit leaves the previous outputs
/// only there. (Two machines writing the same target on a shared file system at once would
/// clash anyway, since each commit replaces the other's folder.)
fn remove_stale_staging(parent: &Path, name: &str) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !proc.join(pid).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a staging folder left behind is hidden and named as partial.
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The last part of an output path and the folder it is in (`.` for a bare name), where the
/// hidden staging and journal folders beside it go.
pub fn name_and_parent(target: &Path) -> (String, PathBuf) {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    (name, parent)
}

/// Writes one row per replication and initiative of `replications.csv`, as results arrive.
pub struct ReplicationRows<W: Write> {
    out: csv::Writer<W>,
}

/// The columns of `replications.csv`, in their public order.
pub const REPLICATION_COLUMNS: [&str; 17] = [
    "point",
    "replication",
    "initiative",
    "success",
    "months_to_success",
    "failure_mode",
    "peak_mandate",
    "peak_design",
    "peak_adoption",
    "final_routinised",
    "market_episodes",
    "hierarchy_episodes",
    "network_episodes",
    "providers_destabilised",
    "gp_seats_filled_share",
    "design_rounds",
    "months_to_mature_design",
];

impl<W: Write> ReplicationRows<W> {
    /// Starts the file with its header.
    pub fn new(w: W) -> Result<Self, csv::Error> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(REPLICATION_COLUMNS)?;
        Ok(ReplicationRows { out })
    }

    /// Writes the rows of one replication.
    pub fn push(
        &mut self,
        s: &Scenario,
        point: u64,
        replication: u32,
        r: &ReplicationOutcome,
    ) -> Result<(), csv::Error> {
        for (init, o) in s.initiative.iter().zip(&r.initiatives) {
            self.out.write_record([
                point.to_string(),
                replication.to_string(),
                init.name.clone(),
                (o.months_to_success.is_some() as u8).to_string(),
                o.months_to_success
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                o.mode.name().to_string(),
                fmt(o.peak_mandate),
                fmt(o.peak_design),
                fmt(o.peak_adoption),
                fmt(o.final_routinised),
                o.episodes[0].to_string(),
                o.episodes[1].to_string(),
                o.episodes[2].to_string(),
                r.providers_destabilised.to_string(),
                fmt(r.gp_seats_filled_share),
                o.design_rounds.to_string(),
                o.months_to_mature_design
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
            ])?;
        }
        Ok(())
    }

    /// Flushes and returns the writer.
    pub fn finish(self) -> Result<W, csv::Error> {
        self.out
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// A number rounded to six decimals, the precision of every CSV figure.
pub fn fmt(x: f64) -> String {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 { "0".into() } else { r.to_string() }
}

/// `timeseries.csv`: per month, initiative and quantity, the mean and 5/50/95th percentiles.
pub fn timeseries_csv(s: &Scenario, agg: &Aggregate) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "month",
        "initiative",
        "quantity",
        "mean",
        "p5",
        "p50",
        "p95",
    ])?;
    const QUANTITIES: [&str; 4] = ["mandate", "design", "adoption", "routinised"];
    for row in agg.series() {
        for (q, stats) in QUANTITIES.iter().zip(row.stats) {
            out.write_record([
                row.month.to_string(),
                s.initiative[row.initiative].name.clone(),
                q.to_string(),
                fmt(stats[0]),
                fmt(stats[1]),
                fmt(stats[2]),
                fmt(stats[3]),
            ])?;
        }
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Pretty JSON with a final newline.
pub fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own summary types (strings, numbers, maps with string keys) cannot fail.
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Maps a CSV error while writing `name` to a write error.
pub fn csv_error(dir: &OutputDir, name: &str, e: csv::Error) -> Error {
    Error::write(dir.file(name), std::io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_parent_that_is_a_file_is_named_before_any_work() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("results"), "not a folder").unwrap();
        let e = OutputDir::create(&tmp.path().join("results/run1/out")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("results is a file, not a folder"), "{msg}");
        assert!(msg.contains("run1/out"), "{msg}");
        let e = OutputDir::create(&tmp.path().join("results")).unwrap_err();
        assert!(e.to_string().contains("not a folder"), "{e}");
    }

    #[test]
    fn nothing_appears_until_commit_and_drop_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        {
            let dir = OutputDir::create(&target).unwrap();
            dir.write("a.txt", b"half").unwrap();
            assert!(!target.exists());
        }
        assert!(!target.exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0, "staging left");
    }

    #[test]
    fn staging_left_by_a_dead_run_is_removed_and_a_live_one_kept() {
        let tmp = tempfile::tempdir().unwrap();
        // PIDs are below 2^22 on Linux, so this one cannot be alive.
        let dead = tmp.path().join(".out.partial-4294967295");
        let live = tmp
            .path()
            .join(format!(".out.partial-{}", std::process::id()));
        let old = tmp.path().join(".out.partial-4294967295.old");
        for d in [&dead, &live, &old] {
            fs::create_dir(d).unwrap();
        }
        remove_stale_staging(tmp.path(), "out");
        assert_eq!(dead.exists(), !Path::new("/proc/self").exists());
        assert!(live.exists() && old.exists());
    }

    #[test]
    fn commit_replaces_the_previous_folder_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let dir = OutputDir::create(&target).unwrap();
        dir.write("a.txt", b"first").unwrap();
        dir.write("b.txt", b"first").unwrap();
        dir.commit().unwrap();
        let dir = OutputDir::create(&target).unwrap();
        dir.write("a.txt", b"second").unwrap();
        // A folder left by a run killed between the two renames of its commit.
        let mut stale = dir.staging.as_os_str().to_owned();
        stale.push(".old");
        fs::create_dir(&stale).unwrap();
        fs::write(Path::new(&stale).join("x"), b"stale").unwrap();
        dir.commit().unwrap();
        assert_eq!(files(&target), vec![("a.txt".into(), b"second".to_vec())]);
        let names: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["out".to_string()]);
    }
}
