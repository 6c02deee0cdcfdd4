//! The journal of a sweep in progress, so that a sweep killed at any moment can be resumed.
//!
//! It is a hidden folder beside the output folder, `.<name>.sweep-journal/`, holding
//! `identity` (the bytes of the design part of `sweep.json`, as a shard writes it, then the shard)
//! and `rows.csv`, the finished rows in point order, each appended in one write and synced to
//! disk before the sweep goes on. The folder is made under a temporary name and renamed into
//! place, so it exists whole or not at all. A kill tears at most the last row; resuming cuts the
//! file back to its last complete, valid row.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A journal opened for appending rows.
#[derive(Debug)]
pub struct Journal {
    folder: PathBuf,
    rows: File,
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
                         seed, replications or shard) or was written by another build; run it with the options it was started \
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
            return Ok(Journal { folder, rows, done });
        }
        let temp = folder.with_extension(format!("tmp-{}", std::process::id()));
        if temp.exists() {
            fs::remove_dir_all(&temp).map_err(|e| Error::write(&temp, e))?;
        }
        fs::create_dir_all(&temp).map_err(|e| Error::write(&temp, e))?;
        write_synced(&temp.join("identity"), identity)?;
        write_synced(&temp.join("rows.csv"), b"")?;
        fs::rename(&temp, &folder).map_err(|e| Error::write(&folder, e))?;
        sync_dir(folder.parent());
        let rows_path = folder.join("rows.csv");
        let rows = OpenOptions::new()
            .append(true)
            .open(&rows_path)
            .map_err(|e| Error::write(&rows_path, e))?;
        Ok(Journal {
            folder,
            rows,
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

    /// The journal folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Removes the journal once the sweep's outputs are in place: renamed first, in one step, so
    /// a kill at any moment leaves either the whole journal (resumable) or none under its name;
    /// a half-removed one keeps the `.removing` name, which the next run of the folder cleans.
    pub fn remove(self) -> Result<()> {
        drop(self.rows);
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
    let unreadable = |e: std::io::Error| Error::Argument {
        flag: "--resume",
        arg: String::new(),
        message: format!("{}: cannot read the journal: {e}", path.display()),
    };
    let file = File::open(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    let (mut good, mut rows) = (0u64, 0u64);
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(unreadable)?;
        let valid = n > 0
            && line.ends_with(b"\n")
            && rows < expect.total
            && row_point(&line, expect.columns) == Some((expect.point)(rows));
        if !valid {
            break;
        }
        good += n as u64;
        rows += 1;
    }
    if good < len {
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| Error::write(path, e))?;
        file.set_len(good).map_err(|e| Error::write(path, e))?;
        file.sync_all().map_err(|e| Error::write(path, e))?;
    }
    Ok(rows)
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
