//! One error type for the whole tool; every variant says where the problem is.

use std::fmt;
use std::path::PathBuf;

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
    #[error("{at}: unknown key {}{}", quote(key, '`'), hint.as_ref().map(|h| format!(" (did you mean {}?)", quote(h, '`'))).unwrap_or_default())]
    UnknownKey {
        /// Where it was written.
        at: Origin,
        /// The full path of the key.
        key: String,
        /// The nearest known key, if any is close.
        hint: Option<String>,
    },
    /// A value of the wrong type.
    #[error("{at}: {} expects {expected}, found {found}", quote(key, '`'))]
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
    #[error("{at}: {} {message}", quote(key, '`'))]
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
    #[error("{flag} {}: {message}", cut(arg))]
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

/// Characters of a key or value that a message shows when the whole would be too long.
const SHOWN_CHARS: usize = 60;
/// Length in characters above which a key or value is cut in messages; a little above
/// [`SHOWN_CHARS`] so that cutting always saves more than the note it adds.
const CUT_ABOVE: usize = 80;

/// `text` as it goes into a message: whole when short, otherwise its first characters and its
/// length, so that a million-character key names itself without filling the terminal.
pub(crate) fn cut(text: &str) -> String {
    match text.char_indices().nth(CUT_ABOVE) {
        None => text.to_string(),
        Some(_) => format!("{}… ({} characters)", head(text), text.chars().count()),
    }
}

/// `text` between two `mark`s (a backtick for keys, a double quote for strings), cut as by
/// [`cut`] with the length outside the marks.
pub(crate) fn quote(text: &str, mark: char) -> String {
    match text.char_indices().nth(CUT_ABOVE) {
        None => format!("{mark}{text}{mark}"),
        Some(_) => format!(
            "{mark}{}…{mark} ({} characters)",
            head(text),
            text.chars().count()
        ),
    }
}

/// Names a message lists before it only counts the rest.
const LISTED_NAMES: usize = 20;

/// `names` joined with commas, each cut as by [`cut`], and after the first few only a count of
/// the rest: a scenario may have tens of thousands of them.
pub(crate) fn some_of(names: &[&str]) -> String {
    let mut out: Vec<String> = names.iter().take(LISTED_NAMES).map(|n| cut(n)).collect();
    if names.len() > LISTED_NAMES {
        out.push(format!("… and {} more", names.len() - LISTED_NAMES));
    }
    out.join(", ")
}

/// The first [`SHOWN_CHARS`] characters of `text`.
fn head(text: &str) -> &str {
    text.char_indices()
        .nth(SHOWN_CHARS)
        .map_or(text, |(end, _)| &text[..end])
}

/// Results of the tool.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_with_its_length_and_short_text_is_whole() {
        let short = "é".repeat(CUT_ABOVE);
        assert_eq!(cut(&short), short);
        assert_eq!(quote(&short, '`'), format!("`{short}`"));
        let long = "é".repeat(CUT_ABOVE + 1);
        let head = "é".repeat(SHOWN_CHARS);
        assert_eq!(cut(&long), format!("{head}… (81 characters)"));
        assert_eq!(quote(&long, '"'), format!("\"{head}…\" (81 characters)"));
    }

    #[test]
    fn a_long_list_of_names_ends_with_a_count() {
        assert_eq!(some_of(&["a", "b"]), "a, b");
        let many: Vec<String> = (0..25).map(|i| i.to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(some_of(&many).ends_with("18, 19, … and 5 more"));
    }
}

/// Where a value came from, for error messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A place in a scenario file.
    File {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A command-line override.
    Flag(String),
    /// A built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Origin::Flag(arg) => write!(f, "{}", cut(arg)),
            Origin::Default => write!(f, "default scenario"),
        }
    }
}
