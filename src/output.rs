//! Writing results: an output folder that appears whole or not at all, that is the tool's or
//! nobody's, and that one process writes at a time; and the CSV and JSON files of a run.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::experiment::CellResult;
use crate::model::outcome::ReplicationOutcome;
use crate::scenario::Scenario;
use crate::stats::Aggregate;

/// The marker file in every output folder the tool writes. It lists the files the tool wrote
/// there, so a later run replaces the folder only when it holds nothing else.
pub const MARKER: &str = ".redesign-sim";

/// The first line of [`MARKER`]; a file without it is not ours.
const MARKER_HEAD: &str = "# written by redesign-sim; it replaces this folder whole only while \
                           it holds just the files listed below";

/// How an output folder may claim its place.
#[derive(Debug, Clone, Default)]
pub struct Claim {
    /// Replace a folder that holds files the tool did not write; those are moved aside whole to
    /// `NAME.replaced-K`, never removed.
    pub force: bool,
    /// Files the run reads (the scenario and its parents): a folder holding one is never replaced.
    pub keep: Vec<PathBuf>,
}

/// An output folder being written: files go to a hidden staging folder beside the target, which
/// is swapped in place of the target only when [`OutputDir::commit`] is called, so an
/// interrupted run leaves the previous complete outputs, never a mixture. While it exists it
/// holds the folder's lock, so no second process writes the same folder.
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
    /// Leftovers of stopped runs that were cleaned up when the folder was claimed.
    pub cleaned: Vec<PathBuf>,
    _lock: Option<FolderLock>,
}

impl OutputDir {
    /// Prepares to write `target` with no `--force`; see [`OutputDir::claim`].
    pub fn create(target: &Path) -> Result<Self> {
        Self::claim(target, &Claim::default())
    }

    /// Prepares to write `target`: checks, before any work, that the place can be written, that
    /// the folder there (if any) is the tool's or may be moved aside, and takes its lock.
    pub fn claim(target: &Path, claim: &Claim) -> Result<Self> {
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
        if target.exists() && !target.is_dir() {
            return Err(Error::write(
                target,
                std::io::Error::other("it exists and is not a folder"),
            ));
        }
        if target.is_dir() {
            refuse_protected(target, claim)?;
        }
        fs::create_dir_all(&parent).map_err(|e| Error::write(&parent, e))?;
        let lock = FolderLock::take(target, &parent, &name)?;
        let cleaned = clean_leftovers(target, &parent, &name)?;
        if target.is_dir()
            && !claim.force
            && let Some(foreign) = foreign_file(target)
        {
            return Err(Error::Output {
                path: target.to_path_buf(),
                message: format!(
                    "the folder holds files redesign-sim did not write (such as {}); nothing \
                     was changed. Choose a new folder with --out, or add --force to move the \
                     folder aside whole as {}.replaced-N and write the results in its place",
                    foreign.display(),
                    name
                ),
            });
        }
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        // Reported against the target: the staging folder is an implementation detail.
        fs::create_dir(&staging).map_err(|e| Error::write(target, e))?;
        Ok(OutputDir {
            target: target.to_path_buf(),
            staging,
            committed: false,
            cleaned,
            _lock: Some(lock),
        })
    }

    /// As [`OutputDir::claim`], telling `observer` which leftovers of stopped runs it cleaned.
    pub fn claim_observed(
        target: &Path,
        claim: &Claim,
        observer: &dyn crate::runner::Observer,
    ) -> Result<Self> {
        let dir = Self::claim(target, claim)?;
        for p in &dir.cleaned {
            observer.note(&format!(
                "cleaned up {}, left by a stopped run",
                p.display()
            ));
        }
        Ok(dir)
    }

    /// As [`OutputDir::commit`], telling `observer` where the previous folder went when it held
    /// files the tool did not write.
    pub fn commit_observed(self, observer: &dyn crate::runner::Observer) -> Result<PathBuf> {
        let (target, aside) = self.commit_keeping()?;
        if let Some(aside) = aside {
            observer.note(&format!(
                "{} held files redesign-sim did not write; the whole previous folder is now {}",
                target.display(),
                aside.display()
            ));
        }
        Ok(target)
    }

    /// Prepares a folder inside another output folder being written, which already holds the
    /// lock and checks the place.
    pub fn nested(&self, name: &str) -> Result<Self> {
        let target = self.file(name);
        let staging = self.file(&format!(".{name}.partial-{}", std::process::id()));
        fs::create_dir(&staging).map_err(|e| Error::write(&target, e))?;
        Ok(OutputDir {
            target,
            staging,
            committed: false,
            cleaned: Vec::new(),
            _lock: None,
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

    /// Puts the finished folder in place of the target in one step (an atomic exchange where
    /// the platform has one), then removes the previous folder if it holds only the tool's
    /// files, or moves it aside whole otherwise.
    pub fn commit(self) -> Result<PathBuf> {
        self.commit_keeping().map(|(path, _)| path)
    }

    /// As [`OutputDir::commit`], also saying where the previous folder was moved when it held
    /// files the tool did not write.
    pub fn commit_keeping(mut self) -> Result<(PathBuf, Option<PathBuf>)> {
        let mut kept_aside = None;
        write_marker(&self.staging)?;
        sync_dir(&self.staging);
        let (name, parent) = name_and_parent(&self.target);
        if self.target.exists() {
            let old = match exchange(&self.staging, &self.target) {
                // The staging path now holds the previous folder.
                Ok(()) => self.staging.clone(),
                Err(_) => {
                    // No atomic exchange here (an old kernel, a file system without it): two
                    // renames, with the previous folder kept under a name a later run restores.
                    let mut old = self.staging.as_os_str().to_owned();
                    old.push(".old");
                    let old = PathBuf::from(old);
                    fs::rename(&self.target, &old).map_err(|e| Error::write(&self.target, e))?;
                    fs::rename(&self.staging, &self.target)
                        .map_err(|e| Error::write(&self.target, e))?;
                    old
                }
            };
            self.committed = true;
            // Looked at again now: files may have been added while the run went on.
            if foreign_file(&old).is_none() {
                fs::remove_dir_all(&old).map_err(|e| Error::write(&old, e))?;
            } else {
                let aside = (1..)
                    .map(|k| parent.join(format!("{name}.replaced-{k}")))
                    .find(|p| !p.exists())
                    .unwrap_or_else(|| parent.join(format!("{name}.replaced")));
                fs::rename(&old, &aside).map_err(|e| Error::write(&aside, e))?;
                kept_aside = Some(aside);
            }
        } else {
            fs::rename(&self.staging, &self.target).map_err(|e| Error::write(&self.target, e))?;
            self.committed = true;
        }
        sync_dir(&parent);
        Ok((self.target.clone(), kept_aside))
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a staging folder left behind (a kill) is cleaned by the next run.
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Exchanges two paths in one step (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

/// No atomic exchange on this platform: the caller falls back to two renames.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Writes [`MARKER`] listing every file under `dir`, the marker files of nested folders too.
fn write_marker(dir: &Path) -> Result<()> {
    let mut files = Vec::new();
    list_files(dir, Path::new(""), &mut files).map_err(|e| Error::write(dir, e))?;
    files.sort();
    let mut text = format!("{MARKER_HEAD}\n");
    for f in files.iter().filter(|f| f.as_path() != Path::new(MARKER)) {
        text.push_str(&f.to_string_lossy());
        text.push('\n');
    }
    let path = dir.join(MARKER);
    fs::write(&path, text).map_err(|e| Error::write(&path, e))
}

/// Every file under `dir`, as paths relative to it.
fn list_files(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir.join(rel))? {
        let entry = entry?;
        let path = rel.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            list_files(dir, &path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// A file in `dir` that the tool did not write there (or `dir` itself when it cannot be read):
/// anything not listed in its [`MARKER`]. An empty folder holds nothing to lose.
fn foreign_file(dir: &Path) -> Option<PathBuf> {
    let mut files = Vec::new();
    if list_files(dir, Path::new(""), &mut files).is_err() {
        return Some(dir.to_path_buf());
    }
    if files.is_empty() {
        return None;
    }
    let marker = fs::read_to_string(dir.join(MARKER)).unwrap_or_default();
    let mut lines = marker.lines();
    if lines.next() != Some(MARKER_HEAD) {
        files.sort();
        return files.into_iter().next();
    }
    let ours: std::collections::BTreeSet<&str> = lines.collect();
    files.sort();
    files
        .into_iter()
        .find(|f| f.as_path() != Path::new(MARKER) && !ours.contains(f.to_string_lossy().as_ref()))
}

/// Refuses folders that no run may replace, `--force` or not: the root, the home folder, the
/// working folder or one above it, and a folder holding a file the run reads.
fn refuse_protected(target: &Path, claim: &Claim) -> Result<()> {
    let Ok(real) = target.canonicalize() else {
        return Ok(());
    };
    let refuse = |why: String| {
        Err(Error::Output {
            path: target.to_path_buf(),
            message: format!("{why}; nothing was changed. Choose another folder with --out"),
        })
    };
    if real.parent().is_none() {
        return refuse("redesign-sim never replaces the root folder".into());
    }
    if let Some(home) = std::env::var_os("HOME").and_then(|h| PathBuf::from(h).canonicalize().ok())
        && home == real
    {
        return refuse("redesign-sim never replaces the home folder".into());
    }
    if let Ok(cwd) = std::env::current_dir().and_then(|c| c.canonicalize())
        && cwd.starts_with(&real)
    {
        return refuse(
            "this is the working folder or a folder above it, which redesign-sim never replaces"
                .into(),
        );
    }
    for file in &claim.keep {
        if let Ok(f) = file.canonicalize()
            && f.starts_with(&real)
        {
            return refuse(format!(
                "it holds {}, which this run reads, and redesign-sim never replaces such a folder",
                file.display()
            ));
        }
    }
    Ok(())
}

/// Removes what runs stopped by a kill left beside `target` (staging folders, a journal being
/// made or removed), and puts back a previous folder a run killed inside a two-rename commit
/// had moved aside. Called with the folder's lock held, so none of it belongs to a live run.
fn clean_leftovers(target: &Path, parent: &Path, name: &str) -> Result<Vec<PathBuf>> {
    let mut cleaned = Vec::new();
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(cleaned);
    };
    let partial = format!(".{name}.partial-");
    let journal_temp = format!(".{name}.tmp-");
    let journal_removing = format!(".{name}.sweep-journal.removing");
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        if file.starts_with(&partial) && file.ends_with(".old") && !target.exists() {
            // The previous outputs of a run killed between the two renames of its commit.
            fs::rename(&path, target).map_err(|e| Error::write(target, e))?;
            cleaned.push(path);
        } else if file.starts_with(&partial)
            || file.starts_with(&journal_temp)
            || file == journal_removing
        {
            fs::remove_dir_all(&path).map_err(|e| Error::write(&path, e))?;
            cleaned.push(path);
        }
    }
    Ok(cleaned)
}

/// The advisory lock of an output folder: the hidden file `.NAME.lock` beside it, holding the
/// PID of its writer, locked for as long as the writer runs and removed when it is done.
#[derive(Debug)]
struct FolderLock {
    path: PathBuf,
    file: fs::File,
}

impl FolderLock {
    fn take(target: &Path, parent: &Path, name: &str) -> Result<Self> {
        let path = parent.join(format!(".{name}.lock"));
        loop {
            let file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| Error::write(&path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    let holder = fs::read_to_string(&path).unwrap_or_default();
                    let holder = holder.trim();
                    return Err(Error::Output {
                        path: target.to_path_buf(),
                        message: format!(
                            "another redesign-sim process{} is writing this folder; wait for it \
                             to finish, or choose another folder with --out",
                            if holder.is_empty() {
                                String::new()
                            } else {
                                format!(" (PID {holder})")
                            }
                        ),
                    });
                }
                Err(fs::TryLockError::Error(e)) => return Err(Error::write(&path, e)),
            }
            // The holder before us removes the file before it unlocks; if it did so after we
            // opened it, our lock is on a file nobody else will see: open the path again.
            if !same_file(&file, &path) {
                continue;
            }
            let mut f = &file;
            let _ = f.set_len(0);
            let _ = f.write_all(format!("{}\n", std::process::id()).as_bytes());
            return Ok(FolderLock { path, file });
        }
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // Removed while still locked, so the next writer never locks a stale file.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether the open `file` is still the one at `path`.
#[cfg(unix)]
fn same_file(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Elsewhere a lock file is not removed while held, so it stays the same file.
#[cfg(not(unix))]
fn same_file(_: &fs::File, path: &Path) -> bool {
    path.exists()
}

/// Best effort: makes renames inside `dir` durable; not every platform can open a folder.
pub fn sync_dir(dir: &Path) {
    if let Ok(f) = fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// The last part of an output path and the folder it is in (`.` for a bare name), where the
/// hidden staging, lock and journal files beside it go.
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

/// The default output folder of a scenario: `out/<name><suffix>`, the name made safe as a
/// folder name.
pub fn default_out_dir(scenario_name: &str, suffix: &str) -> PathBuf {
    PathBuf::from("out").join(format!("{}{suffix}", sanitise(scenario_name)))
}

/// A scenario name made safe as a folder name.
fn sanitise(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "scenario".into() } else { s }
}

/// Writes one row per replication and initiative of `replications.csv`, as results arrive.
pub struct ReplicationRows<W: Write> {
    out: csv::Writer<W>,
}

/// The columns of `replications.csv`, in their public order. `scenario` (the scenario's name)
/// comes last so that the public columns keep their positions, and so that files of several
/// scenarios can be stacked and still told apart.
pub const REPLICATION_COLUMNS: [&str; 18] = [
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
    "scenario",
];

impl<W: Write> ReplicationRows<W> {
    /// Starts the file with its header.
    pub fn new(w: W) -> Result<Self, csv::Error> {
        Self::with_leading(w, &["point".to_string()])
    }

    /// Writes rows with no header: a part of a file whose header is written elsewhere.
    pub fn headless(w: W) -> Self {
        ReplicationRows {
            out: csv::WriterBuilder::new().has_headers(false).from_writer(w),
        }
    }

    /// Starts a file whose first columns are `leading` instead of `point` (`cell, point` for an
    /// experiment's rows, `point` and the swept parameters for a sweep's), then the columns of
    /// [`REPLICATION_COLUMNS`] after `point`, so that every rows file reads the same way.
    pub fn with_leading(w: W, leading: &[String]) -> Result<Self, csv::Error> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(
            leading
                .iter()
                .map(String::as_str)
                .chain(REPLICATION_COLUMNS[1..].iter().copied()),
        )?;
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
        self.push_with(&[point.to_string()], s, replication, r)
    }

    /// Writes the rows of one replication, each starting with the `leading` values (one per
    /// leading column).
    pub fn push_with(
        &mut self,
        leading: &[String],
        s: &Scenario,
        replication: u32,
        r: &ReplicationOutcome,
    ) -> Result<(), csv::Error> {
        // Field by field, each number formatted into one reused buffer: the same bytes as a
        // record of strings, without a string for every field (some 50 allocations and 10,000
        // instructions a replication).
        let out = &mut self.out;
        let mut buf = String::new();
        for (init, o) in s.initiative.iter().zip(&r.initiatives) {
            for l in leading {
                out.write_field(l)?;
            }
            number(out, &mut buf, replication)?;
            out.write_field(&init.name)?;
            number(out, &mut buf, o.months_to_success.is_some() as u8)?;
            match o.months_to_success {
                Some(m) => number(out, &mut buf, m)?,
                None => out.write_field("")?,
            }
            out.write_field(o.mode.name())?;
            number(out, &mut buf, Rounded(o.peak_mandate))?;
            number(out, &mut buf, Rounded(o.peak_design))?;
            number(out, &mut buf, Rounded(o.peak_adoption))?;
            number(out, &mut buf, Rounded(o.final_routinised))?;
            for e in o.episodes {
                number(out, &mut buf, e)?;
            }
            number(out, &mut buf, r.providers_destabilised)?;
            number(out, &mut buf, Rounded(r.gp_seats_filled_share))?;
            number(out, &mut buf, o.design_rounds)?;
            match o.months_to_mature_design {
                Some(m) => number(out, &mut buf, m)?,
                None => out.write_field("")?,
            }
            out.write_field(&s.simulation.name)?;
            // An empty record ends the row.
            out.write_record(None::<&[u8]>)?;
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
    let r = round6(x);
    // `f64::to_string`, not `Rounded`'s `Display`: measured 140 instructions a number faster.
    if r == 0.0 { "0".into() } else { r.to_string() }
}

/// `x` rounded to six decimals.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A number as `fmt` writes it, for formatting without a string of its own.
struct Rounded(f64);

impl std::fmt::Display for Rounded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = round6(self.0);
        if r == 0.0 {
            f.write_str("0")
        } else {
            std::fmt::Display::fmt(&r, f)
        }
    }
}

/// Writes `value` as the next field of the current CSV row, formatted in `buf`.
fn number<W: Write>(
    out: &mut csv::Writer<W>,
    buf: &mut String,
    value: impl std::fmt::Display,
) -> std::result::Result<(), csv::Error> {
    use std::fmt::Write as _;
    buf.clear();
    // Formatting into a `String` does not fail: its `write_str` always succeeds.
    let _ = write!(buf, "{value}");
    out.write_field(buf.as_bytes())
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

/// The tool's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit the tool was built from, when the build could tell (see `build.rs`).
pub const GIT_COMMIT: Option<&str> = option_env!("REDESIGN_SIM_GIT_COMMIT");

/// Pretty JSON with a final newline. A top-level object starts with a `tool` key recording the
/// build that wrote it: `{"name", "version", "commit"}` (`commit` is `null` when unknown).
pub fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own summary types (strings, numbers, maps with string keys) cannot fail.
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    if bytes.starts_with(b"{\n") {
        bytes.splice(2..2, tool_entry(GIT_COMMIT).into_bytes());
    }
    bytes.push(b'\n');
    bytes
}

/// The `tool` entry [`json`] puts first: the version always, the commit when the build knew it
/// and `null` when it did not (built without git, or from a source archive).
fn tool_entry(commit: Option<&str>) -> String {
    let commit = commit.map_or("null".to_string(), |c| format!("{c:?}"));
    format!(
        "  \"tool\": {{\n    \"name\": \"redesign-sim\",\n    \"version\": {VERSION:?},\n    \
         \"commit\": {commit}\n  }},\n"
    )
}

/// Maps a CSV error while writing `name` to a write error.
pub fn csv_error(dir: &OutputDir, name: &str, e: csv::Error) -> Error {
    Error::write(dir.file(name), std::io::Error::other(e.to_string()))
}

/// Writes `summary.json` (with the resolved parameters) and `timeseries.csv`.
pub fn write_run_files(
    dir: &OutputDir,
    s: &Scenario,
    result: &crate::stats::RunResult,
) -> Result<()> {
    let mut summary = serde_json::to_value(&result.summary).unwrap_or_default();
    if let Some(obj) = summary.as_object_mut() {
        obj.insert(
            "parameters".into(),
            serde_json::to_value(s).unwrap_or_default(),
        );
    }
    dir.write("summary.json", &json(&summary))?;
    if s.output.timeseries {
        let bytes = timeseries_csv(s, &result.aggregate)
            .map_err(|e| csv_error(dir, "timeseries.csv", e))?;
        dir.write("timeseries.csv", &bytes)?;
    }
    Ok(())
}

/// `replications.csv` of a run as it is written: one row per replication and initiative, or
/// nothing when the scenario asks for no such file.
pub struct ReplicationFile<'a> {
    dir: &'a OutputDir,
    rows: Option<ReplicationRows<BufWriter<fs::File>>>,
}

impl<'a> ReplicationFile<'a> {
    /// Opens the file in `dir` when `s.output.replications_csv` asks for it.
    pub fn open(dir: &'a OutputDir, s: &Scenario) -> Result<Self> {
        let rows = if s.output.replications_csv {
            Some(
                ReplicationRows::new(dir.open("replications.csv")?)
                    .map_err(|e| csv_error(dir, "replications.csv", e))?,
            )
        } else {
            None
        };
        Ok(ReplicationFile { dir, rows })
    }

    /// Writes the rows of one replication.
    pub fn push(
        &mut self,
        s: &Scenario,
        point: u64,
        replication: u32,
        r: &ReplicationOutcome,
    ) -> Result<()> {
        match self.rows.as_mut() {
            Some(w) => w
                .push(s, point, replication, r)
                .map_err(|e| csv_error(self.dir, "replications.csv", e)),
            None => Ok(()),
        }
    }

    /// Flushes the file.
    pub fn finish(self) -> Result<()> {
        if let Some(w) = self.rows {
            w.finish()
                .map_err(|e| csv_error(self.dir, "replications.csv", e))?;
        }
        Ok(())
    }
}

/// `replications.csv` of an experiment run with `--rows`: one row per replication, cell and
/// initiative, with `cell` (the cell's label) before `point`, written as the run goes.
pub struct CellRowsFile {
    path: PathBuf,
    rows: ReplicationRows<BufWriter<fs::File>>,
}

impl CellRowsFile {
    /// Starts the file in `dir` with its header.
    pub fn open(dir: &OutputDir) -> Result<Self> {
        let path = dir.file("replications.csv");
        let rows = ReplicationRows::with_leading(
            dir.open("replications.csv")?,
            &["cell".to_string(), "point".to_string()],
        )
        .map_err(|e| csv_error(dir, "replications.csv", e))?;
        Ok(CellRowsFile { path, rows })
    }

    /// Flushes the file.
    pub fn finish(self) -> Result<()> {
        let path = self.path;
        self.rows
            .finish()
            .map(drop)
            .map_err(|e| Error::write(&path, std::io::Error::other(e.to_string())))
    }
}

impl crate::experiment::CellRows for CellRowsFile {
    fn push(
        &mut self,
        cell: &crate::experiment::Cell,
        s: &Scenario,
        point: u64,
        replication: u32,
        o: &ReplicationOutcome,
    ) -> Result<()> {
        self.rows
            .push_with(&[cell.label.clone(), point.to_string()], s, replication, o)
            .map_err(|e| Error::write(&self.path, std::io::Error::other(e.to_string())))
    }
}

/// `arenas.csv`: one row per cell.
pub fn cells_csv(cells: &[CellResult]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "cell".to_string(),
        "strategic".into(),
        "programme".into(),
        "practice".into(),
        "clinical".into(),
        "managerial".into(),
        "clinical_strategic".into(),
        "clinical_programme".into(),
        "clinical_practice".into(),
        "success_rate".into(),
        "ci_lo".into(),
        "ci_hi".into(),
        "replications".into(),
    ];
    if let Some(first) = cells.first() {
        header.extend(
            first
                .initiatives
                .iter()
                .map(|i| format!("{}_success_rate", i.name)),
        );
    }
    out.write_record(&header)?;
    for c in cells {
        let mut row = vec![
            c.label.clone(),
            c.strategic.to_string(),
            c.programme.to_string(),
            c.practice.to_string(),
            c.clinical.to_string(),
            c.managerial.to_string(),
            c.clinical_arenas[0].to_string(),
            c.clinical_arenas[1].to_string(),
            c.clinical_arenas[2].to_string(),
            fmt(c.success_rate),
            fmt(c.ci95[0]),
            fmt(c.ci95[1]),
            c.replications.to_string(),
        ];
        row.extend(c.initiatives.iter().map(|i| fmt(i.success_rate)));
        out.write_record(&row)?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// `cumulative.csv`: one row per cell and month, the share succeeded by then with its interval.
pub fn cumulative_csv(cells: &[CellResult]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["cell", "month", "success_rate", "ci_lo", "ci_hi"])?;
    for c in cells {
        let k = &c.cumulative;
        for (t, ((r, lo), hi)) in k.rate.iter().zip(&k.ci_lo).zip(&k.ci_hi).enumerate() {
            out.write_record([
                c.label.clone(),
                (t + 1).to_string(),
                fmt(*r),
                fmt(*lo),
                fmt(*hi),
            ])?;
        }
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes `arenas.json`, `arenas.csv` and `cumulative.csv`.
pub fn write_arena_files(dir: &OutputDir, exp: &crate::experiment::ArenaExperiment) -> Result<()> {
    write_cell_files(dir, "arenas", exp, &exp.cells)?;
    let csv = cumulative_csv(&exp.cells).map_err(|e| csv_error(dir, "cumulative.csv", e))?;
    dir.write("cumulative.csv", &csv)
}

/// Writes `clinical.json` and `clinical.csv`.
pub fn write_clinical_files(
    dir: &OutputDir,
    exp: &crate::experiment::ClinicalExperiment,
) -> Result<()> {
    write_cell_files(dir, "clinical", exp, &exp.cells)
}

/// `calibration.csv` (one row per parameter set tried, with its values, each target's model
/// mean and implausibility, the deciding implausibility and whether it was kept) and
/// `plausible.csv` (the kept sets, `set`, `wave` and one column per uncertain parameter: what
/// `experiment arenas --ensemble` reads), written a set at a time so that no set stays in
/// memory.
pub struct CalibrationRows<W: Write> {
    all: csv::Writer<W>,
    kept: csv::Writer<W>,
}

impl<W: Write> CalibrationRows<W> {
    /// Starts both files with their headers.
    pub fn new(
        all: W,
        kept: W,
        params: &[crate::calibrate::UncertainParam],
        targets: &[crate::calibrate::Target],
    ) -> Result<Self, csv::Error> {
        let (mut all, mut kept) = (
            csv::Writer::from_writer(all),
            csv::Writer::from_writer(kept),
        );
        let mut header = vec!["set".to_string(), "wave".into()];
        header.extend(params.iter().map(|p| p.path.clone()));
        kept.write_record(&header)?;
        for t in targets {
            header.push(t.id.clone());
            header.push(format!("{}_implausibility", t.id));
        }
        header.extend(["implausibility".into(), "kept".into()]);
        all.write_record(&header)?;
        Ok(CalibrationRows { all, kept })
    }

    /// Writes one set's rows.
    pub fn push(&mut self, r: &crate::calibrate::SetResult) -> Result<(), csv::Error> {
        let mut row = vec![r.set.to_string(), r.wave.to_string()];
        row.extend(r.values.iter().map(|&x| fmt(x)));
        if r.kept {
            self.kept.write_record(&row)?;
        }
        for (m, i) in r.means.iter().zip(&r.implausibility) {
            row.push(m.map(fmt).unwrap_or_default());
            row.push(fmt(*i));
        }
        row.extend([fmt(r.deciding), r.kept.to_string()]);
        self.all.write_record(&row)
    }

    /// Flushes both files; returns their writers (`calibration.csv`'s, then `plausible.csv`'s).
    pub fn finish(self) -> Result<(W, W), csv::Error> {
        let into = |w: csv::Writer<W>| w.into_inner().map_err(|e| csv::Error::from(e.into_error()));
        Ok((into(self.all)?, into(self.kept)?))
    }
}

/// `compare.csv`: one row per scenario compared and output.
pub fn compare_csv(c: &crate::compare::Comparison) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "scenario",
        "output",
        "reference",
        "value",
        "difference",
        "ci_lo",
        "ci_hi",
        "areas",
        "clear",
    ])?;
    for v in &c.versus {
        for r in &v.rows {
            out.write_record([
                v.scenario.clone(),
                r.output.clone(),
                fmt(r.reference),
                fmt(r.value),
                fmt(r.difference),
                fmt(r.ci95[0]),
                fmt(r.ci95[1]),
                r.areas.to_string(),
                r.clear.to_string(),
            ])?;
        }
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes `compare.json` and `compare.csv`.
pub fn write_compare_files(dir: &OutputDir, c: &crate::compare::Comparison) -> Result<()> {
    dir.write("compare.json", &json(c))?;
    let csv = compare_csv(c).map_err(|e| csv_error(dir, "compare.csv", e))?;
    dir.write("compare.csv", &csv)
}

/// Writes `timing.json` and `timing.csv`.
pub fn write_timing_files(
    dir: &OutputDir,
    exp: &crate::experiment::TimingExperiment,
) -> Result<()> {
    write_cell_files(dir, "timing", exp, &exp.cells)
}

/// Writes an experiment as `STEM.json` and its cells as `STEM.csv`.
fn write_cell_files<E: serde::Serialize>(
    dir: &OutputDir,
    stem: &str,
    exp: &E,
    cells: &[CellResult],
) -> Result<()> {
    dir.write(&format!("{stem}.json"), &json(exp))?;
    let name = format!("{stem}.csv");
    let csv = cells_csv(cells).map_err(|e| csv_error(dir, &name, e))?;
    dir.write(&name, &csv)
}

/// `ensemble.csv`: one row per parameter set of `experiment arenas --ensemble`: its
/// identifiers and parameters (switches as 0 and 1), the verdict with its margin, the
/// all-three rate, the best cell with fewer arenas as a share of all three with its interval,
/// and the clinical clause with its ratio and interval.
pub fn ensemble_csv(e: &crate::experiment::EnsembleVerdict) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["set".to_string(), "wave".into()];
    header.extend(e.parameters.iter().cloned());
    header.extend(
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
            "clinical_ratio",
            "clinical_ratio_lo",
            "clinical_ratio_hi",
        ]
        .map(String::from),
    );
    out.write_record(&header)?;
    for s in &e.per_set {
        let mut row = vec![s.set.to_string(), s.wave.to_string()];
        row.extend(e.parameters.iter().map(|p| {
            s.parameters
                .get(p)
                .map_or_else(String::new, |x| x.to_string())
        }));
        row.extend(s.result_fields(fmt, false));
        out.write_record(&row)?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes `ensemble.json` (the object `--json` prints) and `ensemble.csv`.
pub fn write_ensemble_files(
    dir: &OutputDir,
    report: &crate::experiment::EnsembleReport,
) -> Result<()> {
    dir.write("ensemble.json", &json(report))?;
    let csv = ensemble_csv(&report.ensemble).map_err(|e| csv_error(dir, "ensemble.csv", e))?;
    dir.write("ensemble.csv", &csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_without_a_commit_records_its_version_and_a_null_commit() {
        let parse = |entry: String| -> serde_json::Value {
            serde_json::from_str(&format!("{{\n{}\"x\": 1}}", entry)).unwrap()
        };
        let none = parse(tool_entry(None));
        assert_eq!(none["tool"]["version"], VERSION);
        assert!(none["tool"]["commit"].is_null());
        let some = parse(tool_entry(Some("0123abcd")));
        assert_eq!(some["tool"]["commit"], "0123abcd");
        // Whatever this build knew, a file it writes carries it the same way.
        let written: serde_json::Value =
            serde_json::from_slice(&json(&serde_json::json!({"x": 1}))).unwrap();
        assert_eq!(written["tool"], parse(tool_entry(GIT_COMMIT))["tool"]);
    }

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
            .filter(|(n, _)| n != MARKER)
            .collect();
        out.sort();
        out
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
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
        assert_eq!(
            names(tmp.path()),
            Vec::<String>::new(),
            "staging or lock left"
        );
    }

    #[test]
    fn leftovers_of_killed_runs_are_cleaned_and_a_half_commit_restored() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let staging = tmp.path().join(".out.partial-4294967295");
        let journal_temp = tmp.path().join(".out.tmp-77");
        let removing = tmp.path().join(".out.sweep-journal.removing");
        let old = tmp.path().join(".out.partial-12.old");
        for d in [&staging, &journal_temp, &removing, &old] {
            fs::create_dir(d).unwrap();
        }
        fs::write(old.join("a.txt"), b"previous").unwrap();
        write_marker(&old).unwrap();
        let dir = OutputDir::create(&target).unwrap();
        assert_eq!(dir.cleaned.len(), 4, "{:?}", dir.cleaned);
        assert_eq!(fs::read(target.join("a.txt")).unwrap(), b"previous");
        drop(dir);
        assert_eq!(names(tmp.path()), vec!["out".to_string()]);
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
        let dir = dir.commit().unwrap();
        assert_eq!(dir, target);
        assert_eq!(files(&target), vec![("a.txt".into(), b"second".to_vec())]);
        assert_eq!(names(tmp.path()), vec!["out".to_string()]);
    }

    #[test]
    fn a_folder_with_foreign_files_is_refused_then_moved_aside_with_force() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("d");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("notes.txt"), b"mine").unwrap();
        let e = OutputDir::create(&target).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("notes.txt"), "{e}");
        assert!(e.to_string().contains("--force"), "{e}");
        assert_eq!(names(tmp.path()), vec!["d".to_string()], "left something");
        let claim = Claim {
            force: true,
            keep: Vec::new(),
        };
        let dir = OutputDir::claim(&target, &claim).unwrap();
        dir.write("r.csv", b"x").unwrap();
        dir.commit().unwrap();
        assert_eq!(files(&target), vec![("r.csv".into(), b"x".to_vec())]);
        let aside = tmp.path().join("d.replaced-1");
        assert_eq!(fs::read(aside.join("notes.txt")).unwrap(), b"mine");
    }

    #[test]
    fn a_file_added_to_an_output_folder_makes_it_foreign() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let dir = OutputDir::create(&target).unwrap();
        dir.write("a.txt", b"ours").unwrap();
        dir.commit().unwrap();
        assert_eq!(foreign_file(&target), None);
        fs::write(target.join("notes.txt"), b"theirs").unwrap();
        assert_eq!(foreign_file(&target), Some(PathBuf::from("notes.txt")));
        // Added while a run is going: the previous folder is moved aside, not removed.
        fs::remove_file(target.join("notes.txt")).unwrap();
        let dir = OutputDir::create(&target).unwrap();
        fs::write(target.join("notes.txt"), b"theirs").unwrap();
        dir.write("a.txt", b"new").unwrap();
        dir.commit().unwrap();
        assert_eq!(fs::read(target.join("a.txt")).unwrap(), b"new");
        let aside = tmp.path().join("out.replaced-1");
        assert_eq!(fs::read(aside.join("notes.txt")).unwrap(), b"theirs");
    }

    #[test]
    fn protected_folders_are_refused_even_with_force() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("d");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("my.toml"), b"").unwrap();
        let claim = Claim {
            force: true,
            keep: vec![target.join("my.toml")],
        };
        let e = OutputDir::claim(&target, &claim).unwrap_err();
        assert!(e.to_string().contains("my.toml"), "{e}");
        let e = OutputDir::claim(Path::new("/"), &claim).unwrap_err();
        assert!(e.to_string().contains("root"), "{e}");
        let cwd = std::env::current_dir().unwrap();
        let e = OutputDir::claim(&cwd, &claim).unwrap_err();
        assert!(e.to_string().contains("working folder"), "{e}");
    }

    #[test]
    fn a_second_writer_is_refused_and_told_who_holds_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let first = OutputDir::create(&target).unwrap();
        let e = OutputDir::create(&target).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string()
                .contains(&format!("PID {}", std::process::id())),
            "{e}"
        );
        drop(first);
        OutputDir::create(&target).unwrap();
    }
}
