//! The journal of a sweep in progress, so that a sweep killed at any moment can be resumed.
//!
//! It is a hidden folder beside the output folder, `.<name>.sweep-journal/`, holding
//! `identity` (the bytes of the design part of `sweep.json`, as a shard writes it, then the shard)
//! and `rows.csv`, the finished rows in point order, each appended in one write and synced to
//! disk before the sweep goes on. The folder is made under a temporary name and renamed into
//! place, so it exists whole or not at all. A kill tears at most the last row; resuming cuts the
//! file back to its last complete, valid row.
//!
//! A sweep with `--rows` also keeps `replications.csv`, the per-replication rows of the finished
//! points in point order, and `parts/`, where each point in flight writes its rows as they come
//! (one file per point, so memory stays flat in the replications). When a point's sweep row is
//! journalled, its part is first appended to `replications.csv` and synced, so the rows of every
//! journalled point are on disk; resuming cuts `replications.csv` back to the rows of the
//! journalled points and throws the parts away (those points run again).

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A journal opened for appending rows.
#[derive(Debug)]
pub struct Journal {
    folder: PathBuf,
    rows: File,
    /// The per-replication rows of the journalled points, with `--rows`.
    replications: Option<File>,
    /// Rows already in the journal.
    pub done: u64,
}

/// What a journal row must look like at each position.
pub struct Expect<'a> {
    /// Fields in a row.
    pub columns: usize,
    /// Rows in the finished journal.
    pub total: u64,
    /// The design point of the row at each position.
    pub point: &'a dyn Fn(u64) -> u64,
    /// Fields in a per-replication row, when the sweep writes them (`--rows`).
    pub replication_columns: Option<usize>,
}

/// The journal folder of the output folder `target`.
pub fn folder(target: &Path) -> PathBuf {
    let (name, parent) = crate::output::name_and_parent(target);
    parent.join(format!(".{name}.sweep-journal"))
}

impl Journal {
    /// Starts a journal for `target`, or with `resume` continues the one there. A journal left
    /// by an interrupted sweep is never thrown away without `--resume`; one of another design
    /// is never continued.
    pub fn open(target: &Path, identity: &[u8], resume: bool, expect: &Expect<'_>) -> Result<Self> {
        let folder = folder(target);
        if folder.exists() {
            if !resume {
                return Err(Error::Argument {
                    flag: "--resume",
                    arg: String::new(),
                    message: format!(
                        "an interrupted sweep left its journal in {}; add --resume to finish it, \
                         or remove that folder to start again",
                        folder.display()
                    ),
                });
            }
            let Ok(on_disk) = fs::read(folder.join("identity")) else {
                // Only a journal torn while it was removed by an earlier version lacks its
                // identity; its rows cannot be trusted, so the sweep starts afresh.
                fs::remove_dir_all(&folder).map_err(|e| Error::write(&folder, e))?;
                return Self::open(target, identity, resume, expect);
            };
            if on_disk != identity {
                return Err(Error::Argument {
                    flag: "--resume",
                    arg: String::new(),
                    message: format!(
                        "the interrupted sweep in {} has another design (parameters, scenario, \
                         seed, replications, shard or --rows) or was written by another build; run it with the options it was started \
                         with, or remove that folder to start again",
                        folder.display()
                    ),
                });
            }
            let rows_path = folder.join("rows.csv");
            let done = recover(&rows_path, expect)?;
            let rows = OpenOptions::new()
                .append(true)
                .open(&rows_path)
                .map_err(|e| Error::write(&rows_path, e))?;
            let replications = match expect.replication_columns {
                Some(columns) => {
                    let path = folder.join("replications.csv");
                    recover_replications(&path, done, columns, expect)?;
                    // Parts are the rows of points that had not finished: they run again.
                    let parts = folder.join("parts");
                    if parts.exists() {
                        fs::remove_dir_all(&parts).map_err(|e| Error::write(&parts, e))?;
                    }
                    fs::create_dir(&parts).map_err(|e| Error::write(&parts, e))?;
                    Some(open_append(&path)?)
                }
                None => None,
            };
            return Ok(Journal {
                folder,
                rows,
                replications,
                done,
            });
        }
        let temp = folder.with_extension(format!("tmp-{}", std::process::id()));
        if temp.exists() {
            fs::remove_dir_all(&temp).map_err(|e| Error::write(&temp, e))?;
        }
        fs::create_dir_all(&temp).map_err(|e| Error::write(&temp, e))?;
        write_synced(&temp.join("identity"), identity)?;
        write_synced(&temp.join("rows.csv"), b"")?;
        if expect.replication_columns.is_some() {
            write_synced(&temp.join("replications.csv"), b"")?;
            let parts = temp.join("parts");
            fs::create_dir(&parts).map_err(|e| Error::write(&parts, e))?;
        }
        fs::rename(&temp, &folder).map_err(|e| Error::write(&folder, e))?;
        sync_dir(folder.parent());
        let rows = open_append(&folder.join("rows.csv"))?;
        let replications = match expect.replication_columns {
            Some(_) => Some(open_append(&folder.join("replications.csv"))?),
            None => None,
        };
        Ok(Journal {
            folder,
            rows,
            replications,
            done: 0,
        })
    }

    /// Appends one finished row (a whole CSV line, newline included) in a single write.
    pub fn append(&mut self, line: &[u8]) -> Result<()> {
        self.rows
            .write_all(line)
            .map_err(|e| Error::write(self.rows_path(), e))?;
        self.done += 1;
        Ok(())
    }

    /// Makes the rows appended so far durable.
    pub fn sync(&mut self) -> Result<()> {
        self.rows
            .sync_data()
            .map_err(|e| Error::write(self.rows_path(), e))
    }

    /// The rows file.
    pub fn rows_path(&self) -> PathBuf {
        self.folder.join("rows.csv")
    }

    /// The folder where points in flight write their per-replication rows, with `--rows`.
    pub fn parts(&self) -> Option<PathBuf> {
        self.replications
            .as_ref()
            .map(|_| self.folder.join("parts"))
    }

    /// The per-replication rows of the journalled points, with `--rows`.
    pub fn replications_path(&self) -> PathBuf {
        self.folder.join("replications.csv")
    }

    /// Moves the finished point's part (its per-replication rows) to the end of
    /// `replications.csv`; nothing without `--rows`.
    pub fn append_part(&mut self, point: u64) -> Result<()> {
        let Some(out) = self.replications.as_mut() else {
            return Ok(());
        };
        let part = part_path(&self.folder.join("parts"), point);
        let mut f = File::open(&part).map_err(|e| Error::write(&part, e))?;
        let path = self.folder.join("replications.csv");
        std::io::copy(&mut f, out).map_err(|e| Error::write(&path, e))?;
        drop(f);
        fs::remove_file(&part).map_err(|e| Error::write(&part, e))
    }

    /// Makes the per-replication rows appended so far durable, before the points they belong to
    /// are journalled.
    pub fn sync_replications(&mut self) -> Result<()> {
        let path = self.replications_path();
        match self.replications.as_mut() {
            Some(f) => f.sync_data().map_err(|e| Error::write(&path, e)),
            None => Ok(()),
        }
    }

    /// The journal folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Removes the journal once the sweep's outputs are in place: renamed first, in one step, so
    /// a kill at any moment leaves either the whole journal (resumable) or none under its name;
    /// a half-removed one keeps the `.removing` name, which the next run of the folder cleans.
    pub fn remove(self) -> Result<()> {
        drop(self.rows);
        drop(self.replications);
        let mut gone = self.folder.as_os_str().to_owned();
        gone.push(".removing");
        let gone = PathBuf::from(gone);
        fs::rename(&self.folder, &gone).map_err(|e| Error::write(&self.folder, e))?;
        sync_dir(self.folder.parent());
        fs::remove_dir_all(&gone).map_err(|e| Error::write(&gone, e))
    }
}

/// Checks the rows of a journal and cuts it back to the complete rows before the first torn or
/// unexpected one (a kill tears at most the last row; after a power cut, unsynced rows may be
/// garbage). Returns how many rows remain; anything cut off is simply run again.
fn recover(path: &Path, expect: &Expect<'_>) -> Result<u64> {
    let mut rows = 0u64;
    keep_valid_lines(path, |line| {
        let valid =
            rows < expect.total && row_point(line, expect.columns) == Some((expect.point)(rows));
        rows += u64::from(valid);
        valid
    })?;
    Ok(rows)
}

/// Cuts the per-replication rows back to those of the first `done` points of the journal (a
/// kill between a point's rows and its sweep row leaves rows of a point that runs again) and to
/// their last complete, valid row.
fn recover_replications(path: &Path, done: u64, columns: usize, expect: &Expect<'_>) -> Result<()> {
    let mut k = 0u64;
    keep_valid_lines(path, |line| {
        let Some(p) = row_point(line, columns) else {
            return false;
        };
        // Rows come in point order; a point may follow the previous one's rows directly.
        while k < done && (expect.point)(k) < p {
            k += 1;
        }
        k < done && (expect.point)(k) == p
    })
}

/// Keeps the leading complete lines of `path` that `valid` accepts (called once per line, in
/// order, until it refuses one) and cuts the file after them, synced.
fn keep_valid_lines(path: &Path, mut valid: impl FnMut(&[u8]) -> bool) -> Result<()> {
    let unreadable = |e: std::io::Error| Error::Argument {
        flag: "--resume",
        arg: String::new(),
        message: format!("{}: cannot read the journal: {e}", path.display()),
    };
    let file = File::open(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    let mut good = 0u64;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(unreadable)?;
        if n == 0 || !line.ends_with(b"\n") || !valid(&line) {
            break;
        }
        good += n as u64;
    }
    if good < len {
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| Error::write(path, e))?;
        file.set_len(good).map_err(|e| Error::write(path, e))?;
        file.sync_all().map_err(|e| Error::write(path, e))?;
    }
    Ok(())
}

/// The part file where design point `point` writes its per-replication rows while it runs.
pub fn part_path(parts: &Path, point: u64) -> PathBuf {
    parts.join(format!("{point}.csv"))
}

fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| Error::write(path, e))
}

/// The point index of a CSV row with exactly `columns` fields.
pub fn row_point(line: &[u8], columns: usize) -> Option<u64> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line);
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).ok()? || record.len() != columns {
        return None;
    }
    std::str::from_utf8(record.get(0)?).ok()?.parse().ok()
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = File::create(path).map_err(|e| Error::write(path, e))?;
    f.write_all(bytes).map_err(|e| Error::write(path, e))?;
    f.sync_all().map_err(|e| Error::write(path, e))
}

/// Best effort: makes a rename inside `dir` durable; not every platform can open a folder.
fn sync_dir(dir: Option<&Path>) {
    if let Some(d) = dir.filter(|d| !d.as_os_str().is_empty())
        && let Ok(f) = File::open(d)
    {
        let _ = f.sync_all();
    }
}
