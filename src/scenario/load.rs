//! Reading scenario files: TOML with spans, `extends` chains, and `--set` overrides.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::{Table, Value};

use super::Scenario;
use super::validate;
use crate::error::{Error, Result, cut, quote, some_of};

pub use crate::error::Origin;

/// A `PATH=VALUE` override of one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Dotted parameter path; array elements by index or name (`provider.acute.teams`).
    pub path: String,
    /// The value, as TOML.
    pub value: Value,
    /// How it was written, for messages.
    pub origin: Origin,
}

impl Override {
    /// Parses `PATH=VALUE` as given to `--set`; a value that is not TOML is taken as a string,
    /// so that its type is checked against the schema with the others.
    pub fn parse(arg: &str) -> Result<Self> {
        let bad = |message: &str| Error::Argument {
            flag: "--set",
            arg: arg.to_string(),
            message: message.to_string(),
        };
        let (path, raw) = arg
            .split_once('=')
            .ok_or_else(|| bad("expected PATH=VALUE, e.g. arenas.practice.enabled=false"))?;
        let path = path.trim();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(bad("the parameter path is empty or has an empty part"));
        }
        let raw = raw.trim();
        let value = format!("v = {raw}")
            .parse::<Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| Value::String(raw.to_string()));
        Ok(Override {
            path: path.to_string(),
            value,
            origin: Origin::Flag(format!("--set {arg}")),
        })
    }

    /// An override with a given value, as sweeps make them.
    pub fn new(path: &str, value: Value, origin: Origin) -> Self {
        Override {
            path: path.to_string(),
            value,
            origin,
        }
    }
}

/// A scenario as read: the merged TOML table of the file and everything it extends, with where
/// each value was written. Resolving it (with further overrides) gives a validated [`Scenario`].
#[derive(Debug, Clone)]
pub struct ScenarioSource {
    /// The merged table.
    table: Table,
    /// Where each key path was written.
    origins: BTreeMap<String, Origin>,
    /// The file that was loaded.
    pub path: PathBuf,
}

/// Reads a scenario file and everything it extends.
pub fn load(path: &Path) -> Result<ScenarioSource> {
    let mut chain = Vec::new();
    let (table, origins) = load_layer(path, &mut chain, &mut Vec::new())?;
    Ok(ScenarioSource {
        table,
        origins,
        path: path.to_path_buf(),
    })
}

/// Reads a scenario from text, as if from the file `name` (no `extends`).
pub fn load_str(text: &str, name: &Path) -> Result<ScenarioSource> {
    let (table, origins) = parse_layer(text, name)?;
    if table.contains_key("extends") {
        return Err(Error::Invalid {
            at: origins.get("extends").cloned().unwrap_or(Origin::Default),
            key: "extends".into(),
            message: "cannot be used in a scenario given as text".into(),
        });
    }
    Ok(ScenarioSource {
        table,
        origins,
        path: name.to_path_buf(),
    })
}

impl ScenarioSource {
    /// Applies the overrides in order and validates the result.
    pub fn resolve(&self, overrides: &[Override]) -> Result<Scenario> {
        let mut table = self.table.clone();
        let mut origins = self.origins.clone();
        for o in overrides {
            apply_override(&mut table, &mut origins, o)?;
        }
        validate::validate(&table, &origins)
    }

    /// Where a key path (e.g. `sensitivity.param[0].lo`) was written, for messages.
    pub fn origin(&self, key: &str) -> Origin {
        self.origins.get(key).cloned().unwrap_or(Origin::Default)
    }

    /// The scenario's own name, or the file stem if it has none.
    pub fn stem(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into())
    }
}

/// `chain` holds the canonical paths of the files being extended, to detect a cycle; `shown`
/// the same files as the user named them, so the message reads in the user's own terms.
fn load_layer(
    path: &Path,
    chain: &mut Vec<PathBuf>,
    shown: &mut Vec<PathBuf>,
) -> Result<(Table, BTreeMap<String, Origin>)> {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if chain.contains(&canonical) {
        let names: Vec<String> = shown
            .iter()
            .map(|p| p.as_path())
            .chain(std::iter::once(path))
            .map(|p| p.display().to_string())
            .collect();
        return Err(Error::ExtendsCycle {
            path: path.to_path_buf(),
            chain: names.join(" -> "),
        });
    }
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text =
        String::from_utf8(bytes).map_err(|e| not_utf8(path, e.as_bytes(), e.utf8_error()))?;
    let (mut table, mut origins) = parse_layer(&text, path)?;
    let Some(parent) = table.remove("extends") else {
        return Ok((table, origins));
    };
    let at = origins.remove("extends").unwrap_or(Origin::Default);
    let Value::String(parent) = parent else {
        return Err(Error::Type {
            at,
            key: "extends".into(),
            expected: "a file name".into(),
            found: describe_value(&parent),
        });
    };
    let parent_path = path.parent().unwrap_or(Path::new(".")).join(&parent);
    if !parent_path.is_file() {
        return Err(Error::Invalid {
            at,
            key: "extends".into(),
            message: format!(
                "names `{}`, which is not a readable file",
                parent_path.display()
            ),
        });
    }
    chain.push(canonical);
    shown.push(path.to_path_buf());
    let (mut base, mut base_origins) = load_layer(&parent_path, chain, shown)?;
    chain.pop();
    shown.pop();
    merge(&mut base, &mut base_origins, table, "");
    base_origins.append(&mut origins);
    Ok((base, base_origins))
}

/// Deep-merges `top` over `base`; an array (of tables) in `top` replaces the base's whole array.
fn merge(base: &mut Table, base_origins: &mut BTreeMap<String, Origin>, top: Table, prefix: &str) {
    for (key, value) in top {
        let path = join(prefix, &key);
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(t)) => merge(b, base_origins, t, &path),
            (_, value) => {
                remove_under(base_origins, &format!("{path}["));
                base.insert(key, value);
            }
        }
    }
}

/// The error for a file that is not UTF-8 text, located at the first bad byte: its line and
/// column, its byte within the line (the column counts characters, and an editor may show the
/// bad byte as one or several) and the bytes found, so the user can tell a Latin-1 `é` from a
/// stray binary file.
fn not_utf8(file: &Path, bytes: &[u8], e: std::str::Utf8Error) -> Error {
    let bad = e.valid_up_to();
    // Everything before `bad` is valid, so lines and columns there are well defined.
    let good = std::str::from_utf8(&bytes[..bad]).unwrap_or_default();
    let line_start = good.rfind('\n').map_or(0, |i| i + 1);
    let line = good[..line_start].bytes().filter(|&b| b == b'\n').count() + 1;
    let column = good[line_start..].chars().count() + 1;
    // A sequence cut short by the end of the file has no error length: show what is left.
    let len = e.error_len().unwrap_or(bytes.len() - bad).clamp(1, 4);
    let found: Vec<String> = bytes[bad..(bad + len).min(bytes.len())]
        .iter()
        .map(|b| format!("0x{b:02X}"))
        .collect();
    Error::Syntax {
        file: file.to_path_buf(),
        line,
        column,
        message: format!(
            "invalid UTF-8 at byte {} of line {line}: found {} {}; save the file as UTF-8",
            bad - line_start + 1,
            if found.len() == 1 {
                "the byte"
            } else {
                "the bytes"
            },
            found.join(" ")
        ),
    }
}

/// Line and column of byte offsets in one text. The line starts are found once, so that locating
/// every key of a large file costs a binary search each rather than a scan from the start (which
/// made loading quadratic in the number of keys).
struct Lines<'a> {
    /// The text.
    text: &'a str,
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
    /// Whether each line is ASCII, so that a column is a subtraction even when many keys share
    /// one long line.
    ascii: Vec<bool>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        let mut ascii = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            ascii.push(line.is_ascii());
            start += line.len();
            if line.ends_with('\n') {
                starts.push(start);
            }
        }
        Lines {
            text,
            starts,
            ascii,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn at(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        // The last line starting at or before `offset`; the first start is 0, so there is one.
        let index = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[index];
        // After a final newline comes an empty line, which has a start but no entry here.
        let column = if self.ascii.get(index).copied().unwrap_or(true) {
            offset - start
        } else {
            // Spans fall on character boundaries; `get` keeps a stray one from panicking.
            self.text
                .get(start..offset)
                .map_or(offset - start, |l| l.chars().count())
        };
        (index + 1, column + 1)
    }
}

/// Forgets where the keys starting with `prefix` were written. They sort together, so this visits
/// only them rather than every origin (once per merged key, that was quadratic).
fn remove_under(origins: &mut BTreeMap<String, Origin>, prefix: &str) {
    let doomed: Vec<String> = origins
        .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
        .map(|(k, _)| k)
        .take_while(|k| k.starts_with(prefix))
        .cloned()
        .collect();
    for k in doomed {
        origins.remove(&k);
    }
}

fn parse_layer(text: &str, file: &Path) -> Result<(Table, BTreeMap<String, Origin>)> {
    let lines = Lines::new(text);
    let at = |offset: usize| lines.at(offset);
    let spanned = DeTable::parse(text).map_err(|e| {
        let (line, column) = e.span().map(|s| at(s.start)).unwrap_or((1, 1));
        Error::Syntax {
            file: file.to_path_buf(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    // The spanned parse accepts a few values (an integer beyond i64) that the typed parse then
    // refuses; its error carries a span too, so the message still points at the value.
    let table: Table = text.parse().map_err(|e: toml::de::Error| {
        let (line, column) = e.span().map(|s| at(s.start)).unwrap_or((1, 1));
        let written = e.span().and_then(|s| text.get(s)).unwrap_or("").trim();
        let digits = written.trim_start_matches(['+', '-']);
        // The parser's own words here ("integer ... as i128") are about its internals.
        let message =
            if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '_') {
                format!(
                    "the integer {} is too large (TOML integers lie between {} and {})",
                    cut(written),
                    i64::MIN,
                    i64::MAX
                )
            } else {
                e.message().trim().to_string()
            };
        Error::Syntax {
            file: file.to_path_buf(),
            line,
            column,
            message,
        }
    })?;
    let mut origins = BTreeMap::new();
    record_origins(spanned.get_ref(), "", &mut origins, &|offset| {
        let (line, column) = at(offset);
        Origin::File {
            path: file.to_path_buf(),
            line,
            column,
        }
    });
    Ok((table, origins))
}

fn record_origins(
    table: &DeTable<'_>,
    prefix: &str,
    out: &mut BTreeMap<String, Origin>,
    at: &dyn Fn(usize) -> Origin,
) {
    for (key, value) in table.iter() {
        let path = join(prefix, key.get_ref());
        out.insert(path.clone(), at(key.span().start));
        match value.get_ref() {
            DeValue::Table(inner) => record_origins(inner, &path, out, at),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let element = format!("{path}[{i}]");
                    out.insert(element.clone(), at(item.span().start));
                    if let DeValue::Table(inner) = item.get_ref() {
                        record_origins(inner, &element, out, at);
                    }
                }
            }
            _ => {}
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Sets one parameter in the merged table. Arrays of tables are addressed by index or by the
/// element's `name`, so `--set initiative.urgent_care.complexity=0.7` works. The canonical path
/// recorded for messages uses indices, as validation does.
fn apply_override(
    table: &mut Table,
    origins: &mut BTreeMap<String, Origin>,
    o: &Override,
) -> Result<()> {
    let bad = |message: String| Error::Argument {
        flag: "--set",
        arg: format!("{}={}", o.path, o.value),
        message,
    };
    let parts: Vec<&str> = o.path.split('.').collect();
    let mut canonical = String::new();
    let mut node = table;
    let mut i = 0;
    while i + 1 < parts.len() {
        let part = parts[i];
        canonical = join(&canonical, part);
        let default_list = default_array(&canonical);
        if !node.contains_key(part) {
            // A table the override brings into being: a mistake found in it later (an unknown
            // section, a value where a table cannot be) is the flag's, not the file's.
            origins
                .entry(canonical.clone())
                .or_insert_with(|| o.origin.clone());
        }
        let entry = node.entry(part.to_string());
        let value =
            entry.or_insert_with(|| default_list.unwrap_or_else(|| Value::Table(Table::new())));
        match value {
            Value::Table(t) => {
                node = t;
                i += 1;
            }
            Value::Array(items) => {
                let selector = parts[i + 1];
                let index = selector.parse::<usize>().ok().or_else(|| {
                    items
                        .iter()
                        .position(|item| item.get("name").and_then(Value::as_str) == Some(selector))
                });
                let Some(index) = index.filter(|&k| k < items.len()) else {
                    let names: Vec<&str> = items
                        .iter()
                        .filter_map(|item| item.get("name").and_then(Value::as_str))
                        .collect();
                    return Err(bad(format!(
                        "{} has no element {} (it has {} elements{})",
                        quote(&canonical, '`'),
                        quote(selector, '`'),
                        items.len(),
                        if names.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", some_of(&names))
                        }
                    )));
                };
                canonical = format!("{canonical}[{index}]");
                match &mut items[index] {
                    Value::Table(t) => node = t,
                    _ => {
                        return Err(bad(format!("{} is not a table", quote(&canonical, '`'))));
                    }
                }
                i += 2;
                if i >= parts.len() {
                    return Err(bad(format!(
                        "{} names a whole element; name one of its keys",
                        quote(&o.path, '`')
                    )));
                }
            }
            other => {
                return Err(bad(format!(
                    "{} is {}, not a table",
                    quote(&canonical, '`'),
                    describe_value(other)
                )));
            }
        }
    }
    let last = parts[parts.len() - 1];
    let key = join(&canonical, last);
    if o.value.is_array() || o.value.is_table() {
        remove_under(origins, &format!("{key}["));
        remove_under(origins, &format!("{key}."));
    }
    node.insert(last.to_string(), o.value.clone());
    origins.insert(key, o.origin.clone());
    Ok(())
}

/// The default value of an array of tables at `path`, so that an override of one element of a
/// list the file did not write (e.g. `initiative.0.complexity`) edits the default list.
fn default_array(path: &str) -> Option<Value> {
    let defaults = Value::try_from(Scenario::default()).ok()?;
    let mut node = &defaults;
    for part in path.split('.') {
        node = node.get(part)?;
    }
    node.is_array().then(|| node.clone())
}

/// A short description of a TOML value's type and content, for messages.
pub(crate) fn describe_value(value: &Value) -> String {
    match value {
        Value::String(s) => format!("the string {}", quote(s, '"')),
        Value::Integer(i) => format!("the integer {i}"),
        Value::Float(f) => format!("the number {f}"),
        Value::Boolean(b) => format!("the boolean {b}"),
        Value::Datetime(d) => format!("the date {d}"),
        Value::Array(_) => "an array".into(),
        Value::Table(_) => "a table".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_parses_types_and_falls_back_to_text() {
        let o = Override::parse("arenas.practice.enabled=false").unwrap();
        assert_eq!(o.value, Value::Boolean(false));
        let o = Override::parse("simulation.months=24").unwrap();
        assert_eq!(o.value, Value::Integer(24));
        let o = Override::parse("simulation.name=abc def").unwrap();
        assert_eq!(o.value, Value::String("abc def".into()));
        assert!(Override::parse("no_equals_sign").is_err());
        assert!(Override::parse("a..b=1").is_err());
    }

    #[test]
    fn lines_agree_with_counting_from_the_start() {
        let text = "a = 1\nnamé = \"ü\"\n\n  b = 2\nlast";
        let lines = Lines::new(text);
        for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let before = &text[..offset];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
            assert_eq!(lines.at(offset), (line, column), "offset {offset}");
        }
        assert_eq!(Lines::new("a\n").at(2), (2, 1));
        assert_eq!(Lines::new("").at(0), (1, 1));
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let err = load_str("[simulation]\nmonths = = 3\n", Path::new("x.toml")).unwrap_err();
        match err {
            Error::Syntax { line, .. } => assert_eq!(line, 2),
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn an_integer_too_large_is_located_at_its_value() {
        let err = load_str(
            "[simulation]\nseed = 18446744073709551616\n",
            Path::new("x.toml"),
        );
        let msg = err.unwrap_err().to_string();
        assert!(msg.starts_with("x.toml:2:8: "), "{msg}");
        assert!(
            msg.contains("the integer 18446744073709551616 is too large"),
            "{msg}"
        );
    }

    #[test]
    fn a_section_made_by_set_is_blamed_on_the_flag() {
        let src = load_str("", Path::new("x.toml")).unwrap();
        let o = Override::parse("arena.practice.enabled=false").unwrap();
        let msg = src.resolve(&[o]).unwrap_err().to_string();
        assert!(
            msg.starts_with("--set arena.practice.enabled=false: unknown key `arena`"),
            "{msg}"
        );
        let o = Override::parse("simulation.months.start=1").unwrap();
        let msg = src.resolve(&[o]).unwrap_err().to_string();
        assert!(
            msg.starts_with("--set simulation.months.start=1: "),
            "{msg}"
        );
    }

    #[test]
    fn an_extends_cycle_is_told_in_the_paths_as_written() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), "extends = \"b.toml\"\n").unwrap();
        std::fs::write(dir.path().join("b.toml"), "extends = \"a.toml\"\n").unwrap();
        let msg = load(&dir.path().join("a.toml")).unwrap_err().to_string();
        let shown = |name: &str| dir.path().join(name).display().to_string();
        let chain = format!(
            "{} -> {} -> {}",
            shown("a.toml"),
            shown("b.toml"),
            shown("a.toml")
        );
        assert!(msg.ends_with(&chain), "{msg}");
    }

    #[test]
    fn override_by_element_name_edits_the_default_list() {
        let src = load_str("", Path::new("x.toml")).unwrap();
        let o = Override::parse("initiative.urgent_care.complexity=0.9").unwrap();
        let s = src.resolve(&[o]).unwrap();
        assert_eq!(s.initiative[1].complexity, 0.9);
        assert_eq!(s.initiative.len(), 3);
    }
}
