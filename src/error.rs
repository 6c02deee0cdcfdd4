//! One error type for the whole tool; every variant says where the problem is.

use std::path::PathBuf;

use crate::scenario::Origin;

/// Everything that can go wrong before or around a simulation. The model itself cannot fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario file is not valid TOML.
    #[error("{file}:{line}:{column}: invalid TOML: {message}")]
    Syntax {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A key the schema does not know.
    #[error("{at}: unknown key `{key}`{}", hint.as_ref().map(|h| format!(" (did you mean `{h}`?)")).unwrap_or_default())]
    UnknownKey {
        /// Where it was written.
        at: Origin,
        /// The full path of the key.
        key: String,
        /// The nearest known key, if any is close.
        hint: Option<String>,
    },
    /// A value of the wrong type.
    #[error("{at}: `{key}` expects {expected}, found {found}")]
    Type {
        /// Where it was written.
        at: Origin,
        /// The full path of the key.
        key: String,
        /// What the schema accepts.
        expected: String,
        /// What was written.
        found: String,
    },
    /// A value outside its allowed range, or otherwise unusable.
    #[error("{at}: `{key}` {message}")]
    Invalid {
        /// Where it was written.
        at: Origin,
        /// The full path of the key.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A scenario file that cannot be read.
    #[error("{path}: cannot read scenario file: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Files that extend each other in a circle.
    #[error("{path}: `extends` makes a cycle: {chain}")]
    ExtendsCycle {
        /// The file that closes the cycle.
        path: PathBuf,
        /// The files in the cycle.
        chain: String,
    },
    /// A `--set`, `--param` or similar command-line argument that cannot be understood.
    #[error("{flag} {arg}: {message}")]
    Argument {
        /// The flag.
        flag: &'static str,
        /// The argument as given.
        arg: String,
        /// What is wrong.
        message: String,
    },
    /// An output folder or file that cannot be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Shard outputs that do not belong together.
    #[error("{0}")]
    Merge(String),
    /// An output folder the tool may not write now: it holds files the tool did not write, it is
    /// a folder that must never be replaced, or another process is writing it.
    #[error("{path}: {message}")]
    Output {
        /// The output folder.
        path: PathBuf,
        /// Why it is refused and what to do.
        message: String,
    },
    /// The run was interrupted (Ctrl-C); finished outputs were kept.
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    /// The process exit code for this error: 2 for bad input, 1 for failures while working,
    /// 130 for an interruption.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Write { .. } => 1,
            Error::Interrupted => 130,
            _ => 2,
        }
    }

    /// Wraps an I/O error on `path` as a write error.
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Write {
            path: path.into(),
            source,
        }
    }
}

/// Results of the tool.
pub type Result<T, E = Error> = std::result::Result<T, E>;
