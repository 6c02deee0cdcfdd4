//! Reading scenario files: TOML with spans, `extends` chains, and `--set` overrides.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::{Table, Value};

use super::validate;
use super::{ParamKind, Scenario};
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
    /// The file it extends, if any, as resolved against its folder.
    pub parent: Option<PathBuf>,
}

/// Reads a scenario file and everything it extends.
pub fn load(path: &Path) -> Result<ScenarioSource> {
    let mut chain = Vec::new();
    let (table, origins, parent) = load_layer(path, &mut chain, &mut Vec::new())?;
    Ok(ScenarioSource {
        table,
        origins,
        path: path.to_path_buf(),
        parent,
    })
}

/// Reads a scenario from text, as if from the file `name` (no `extends`).
pub fn load_str(text: &str, name: &Path) -> Result<ScenarioSource> {
    let (table, origins) = parse_layer(text, name)?;
    no_directives(&table, &origins, "")?;
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
        parent: None,
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

    /// What in the resolved scenario `s` is valid but probably not what was meant, each located
    /// where it was written, for the commands to print as warnings.
    pub fn warnings(&self, s: &Scenario) -> Vec<String> {
        validate::warnings(s, &self.origins)
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

/// A file's merged table, where each key was written, and the file it extends.
type Layer = (Table, BTreeMap<String, Origin>, Option<PathBuf>);

/// `chain` holds the canonical paths of the files being extended, to detect a cycle; `shown`
/// the same files as the user named them, so the message reads in the user's own terms.
fn load_layer(path: &Path, chain: &mut Vec<PathBuf>, shown: &mut Vec<PathBuf>) -> Result<Layer> {
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
        no_directives(&table, &origins, "")?;
        return Ok((table, origins, None));
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
    let (mut base, mut base_origins, _) = load_layer(&parent_path, chain, shown)?;
    chain.pop();
    shown.pop();
    merge(&mut base, &mut base_origins, table, &mut origins, "")?;
    base_origins.append(&mut origins);
    Ok((base, base_origins, Some(parent_path)))
}

/// Where each key of one element of an array of tables was written, keyed by the path below the
/// element (`""` for the element itself, `logic.market` for a key in it), so that an element can
/// move to another index without losing its locations.
type ElementOrigins = BTreeMap<String, Origin>;

/// The keys of an entry of a named list that say how it merges rather than what it holds.
const REMOVE: &str = "remove";
/// See [`REMOVE`].
const REPLACE_ALL: &str = "replace_all";

/// Deep-merges `top` over `base`. A list of named tables (`[[provider]]`, `[[event]]`,
/// `[[initiative]]`: every array of tables whose schema has a `name`) merges element by element
/// by name (see [`merge_named`]); any other array in `top` replaces the base's whole array.
/// `top_origins` loses the locations of the elements it moves into `base_origins`; the caller
/// adds what remains.
fn merge(
    base: &mut Table,
    base_origins: &mut BTreeMap<String, Origin>,
    top: Table,
    top_origins: &mut BTreeMap<String, Origin>,
    prefix: &str,
) -> Result<()> {
    for (key, value) in top {
        let path = join(prefix, &key);
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(t)) => {
                merge(b, base_origins, t, top_origins, &path)?
            }
            (_, Value::Array(items)) if named_list(&path) && items.iter().all(Value::is_table) => {
                let list = match base.remove(&key) {
                    Some(Value::Array(list)) => list,
                    // A parent that does not write the list has the default one, as `--set
                    // provider.acute.teams=3` edits the default list too.
                    None => match default_array(&path) {
                        Some(Value::Array(list)) => list,
                        _ => Vec::new(),
                    },
                    // The parent's own mistake: the child's list replaces it, as before.
                    Some(_) => Vec::new(),
                };
                let tables = items
                    .into_iter()
                    .filter_map(|v| match v {
                        Value::Table(t) => Some(t),
                        _ => None,
                    })
                    .collect();
                let merged = merge_named(&path, list, tables, base_origins, top_origins)?;
                base.insert(key, Value::Array(merged));
            }
            (_, value) => {
                remove_under(base_origins, &format!("{path}["));
                base.insert(key, value);
            }
        }
    }
    Ok(())
}

/// Merges a child's list of named tables over its parent's, at `path` (e.g. `provider`):
///
/// - an entry whose `name` the parent has overrides only the keys it gives (deep merge);
/// - an entry with a new name is appended;
/// - `remove = true` removes the parent's entry of that name (the entry may hold nothing else);
/// - `replace_all = true` on any entry makes the child's list replace the parent's whole list,
///   as every list did before lists merged.
///
/// Mistakes are located in the child's file at the child's own index.
fn merge_named(
    path: &str,
    parent: Vec<Value>,
    child: Vec<Table>,
    base_origins: &mut BTreeMap<String, Origin>,
    top_origins: &mut BTreeMap<String, Origin>,
) -> Result<Vec<Value>> {
    let mut parents = take_elements(base_origins, path, parent.len());
    let mut childs = take_elements(top_origins, path, child.len());
    let at = |childs: &[ElementOrigins], i: usize, key: &str| {
        childs[i].get(key).cloned().unwrap_or(Origin::Default)
    };
    let element_key = |i: usize, key: &str| {
        if key.is_empty() {
            format!("{path}[{i}]")
        } else {
            format!("{path}[{i}].{key}")
        }
    };
    // First read every entry's directives, so that the checks below see the whole list.
    let mut entries = Vec::with_capacity(child.len());
    let mut replace_at = None;
    for (i, mut table) in child.into_iter().enumerate() {
        let mut flag = |key: &str| -> Result<bool> {
            match table.remove(key) {
                None => Ok(false),
                Some(Value::Boolean(b)) => Ok(b),
                Some(other) => Err(Error::Type {
                    at: at(&childs, i, key),
                    key: element_key(i, key),
                    expected: "true or false".into(),
                    found: describe_value(&other),
                }),
            }
        };
        let replace = flag(REPLACE_ALL)?;
        let remove = flag(REMOVE)?;
        if replace && replace_at.is_none() {
            replace_at = Some(i);
        }
        entries.push((table, remove));
    }
    if let Some(r) = replace_at {
        if let Some(i) = entries.iter().position(|(_, remove)| *remove) {
            return Err(Error::Invalid {
                at: at(&childs, i, REMOVE),
                key: element_key(i, REMOVE),
                message: format!(
                    "cannot be used in a list that {} replaces whole (at {}): nothing of the \
                     parent's list is left to remove, so leave the entry out",
                    quote(&element_key(r, REPLACE_ALL), '`'),
                    at(&childs, r, REPLACE_ALL),
                ),
            });
        }
        // The parent's elements go, and with them where they were written.
        for (i, mut origins) in childs.into_iter().enumerate() {
            origins.remove(REMOVE);
            origins.remove(REPLACE_ALL);
            put_element(top_origins, path, i, origins);
        }
        return Ok(entries.into_iter().map(|(t, _)| Value::Table(t)).collect());
    }
    let mut list: Vec<Table> = parent
        .into_iter()
        .map(|v| match v {
            Value::Table(t) => t,
            // Not a table: kept as an empty one so indices stay aligned; validation of the
            // parent already refused such a file when it was loaded alone.
            _ => Table::new(),
        })
        .collect();
    // Each name given so far, with where.
    let mut seen: BTreeMap<String, Origin> = BTreeMap::new();
    for (i, (table, remove)) in entries.into_iter().enumerate() {
        let name = match table.get("name") {
            Some(Value::String(name)) => name.clone(),
            Some(other) => {
                return Err(Error::Type {
                    at: at(&childs, i, "name"),
                    key: element_key(i, "name"),
                    expected: "a string".into(),
                    found: describe_value(other),
                });
            }
            None => {
                return Err(Error::Invalid {
                    at: at(&childs, i, ""),
                    key: element_key(i, ""),
                    message: format!(
                        "has no `name`: under `extends`, each `[[{path}]]` is matched to the \
                         parent's by its name (give `name = \"...\"`), or write \
                         `{REPLACE_ALL} = true` in one entry to replace the parent's whole list"
                    ),
                });
            }
        };
        if let Some(first) = seen.insert(name.clone(), at(&childs, i, "name")) {
            return Err(Error::Invalid {
                at: at(&childs, i, "name"),
                key: element_key(i, "name"),
                message: format!(
                    "names {} again (first at {first}); give each entry once",
                    quote(&name, '"'),
                ),
            });
        }
        let found = list
            .iter()
            .position(|t| t.get("name").and_then(Value::as_str) == Some(name.as_str()));
        let mut origins = std::mem::take(&mut childs[i]);
        let remove_at = origins.remove(REMOVE);
        origins.remove(REPLACE_ALL);
        if remove {
            let Some(k) = found else {
                let names: Vec<&str> = list
                    .iter()
                    .filter_map(|t| t.get("name").and_then(Value::as_str))
                    .collect();
                // The name is what is wrong (most likely a typo), so point at it.
                return Err(Error::Invalid {
                    at: origins
                        .get("name")
                        .or(remove_at.as_ref())
                        .cloned()
                        .unwrap_or(Origin::Default),
                    key: element_key(i, "name"),
                    message: format!(
                        "is {} in an entry with `{REMOVE} = true`, but the parent has no \
                         `{path}` of that name{}",
                        quote(&name, '"'),
                        if names.is_empty() {
                            " (its list is empty)".to_string()
                        } else {
                            format!(" (it has {})", some_of(&names))
                        }
                    ),
                });
            };
            if let Some(extra) = table.keys().find(|k| *k != "name") {
                return Err(Error::Invalid {
                    at: origins
                        .get(extra.as_str())
                        .cloned()
                        .unwrap_or(Origin::Default),
                    key: element_key(i, extra),
                    message: format!(
                        "is given in an entry with `{REMOVE} = true`, which removes {} whole; \
                         leave out the key, or the `{REMOVE}`",
                        quote(&name, '"')
                    ),
                });
            }
            list.remove(k);
            parents.remove(k);
            continue;
        }
        match found {
            Some(k) => {
                let mut child_origins = origins;
                merge(&mut list[k], &mut parents[k], table, &mut child_origins, "")?;
                parents[k].append(&mut child_origins);
            }
            None => {
                list.push(table);
                parents.push(origins);
            }
        }
    }
    for (k, origins) in parents.into_iter().enumerate() {
        put_element(base_origins, path, k, origins);
    }
    Ok(list.into_iter().map(Value::Table).collect())
}

/// Takes out of `origins` the locations of the `n` elements of the array at `path`, each keyed
/// by the path below its element.
fn take_elements(
    origins: &mut BTreeMap<String, Origin>,
    path: &str,
    n: usize,
) -> Vec<ElementOrigins> {
    let prefix = format!("{path}[");
    let keys: Vec<String> = origins
        .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
        .map(|(k, _)| k)
        .take_while(|k| k.starts_with(&prefix))
        .cloned()
        .collect();
    let mut elements = vec![ElementOrigins::new(); n];
    for key in keys {
        let origin = origins.remove(&key).unwrap_or(Origin::Default);
        let rest = &key[prefix.len()..];
        let Some((index, below)) = rest.split_once(']') else {
            continue;
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        if let Some(e) = elements.get_mut(index) {
            e.insert(below.strip_prefix('.').unwrap_or(below).to_string(), origin);
        }
    }
    elements
}

/// Puts the locations of one element back into `origins`, at index `index` of the array at `path`.
fn put_element(
    origins: &mut BTreeMap<String, Origin>,
    path: &str,
    index: usize,
    element: ElementOrigins,
) {
    for (below, origin) in element {
        let key = if below.is_empty() {
            format!("{path}[{index}]")
        } else if below.starts_with('[') {
            format!("{path}[{index}]{below}")
        } else {
            format!("{path}[{index}].{below}")
        };
        origins.insert(key, origin);
    }
}

/// Whether the array of tables at dotted `path` holds named elements, which merge by name under
/// `extends`. Read from the schema, so a list added later merges as soon as it has a `name`.
fn named_list(path: &str) -> bool {
    let mut fields = Scenario::fields();
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let Some(field) = fields.iter().find(|f| f.name == part) else {
            return false;
        };
        match field.kind {
            ParamKind::Table(inner) if parts.peek().is_some() => fields = inner,
            ParamKind::TableList(inner) if parts.peek().is_none() => {
                return inner.iter().any(|f| f.name == "name");
            }
            _ => return false,
        }
    }
    false
}

/// Refuses the merge directives in a file that extends nothing: its lists are already whole, so
/// `remove` and `replace_all` would say nothing, and silently ignoring them would hide a mistake
/// (most likely a forgotten `extends`).
fn no_directives(table: &Table, origins: &BTreeMap<String, Origin>, prefix: &str) -> Result<()> {
    for (key, value) in table {
        let path = join(prefix, key);
        match value {
            Value::Table(inner) => no_directives(inner, origins, &path)?,
            Value::Array(items) if named_list(&path) => {
                for (i, item) in items.iter().enumerate() {
                    for directive in [REMOVE, REPLACE_ALL] {
                        if item.get(directive).is_some() {
                            let key = format!("{path}[{i}].{directive}");
                            return Err(Error::Invalid {
                                at: origins.get(&key).cloned().unwrap_or(Origin::Default),
                                key,
                                message: "has meaning only in a file that `extends` another \
                                          (this file's lists are already whole); add the \
                                          `extends`, or leave the key out"
                                    .into(),
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
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

    /// Writes `parent.toml` (baseline-like lists) and `child.toml` in a scratch folder and
    /// loads the child.
    fn child_of_baseline(child: &str) -> Result<ScenarioSource> {
        let dir = tempfile::tempdir().unwrap();
        let baseline = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"),
        )
        .unwrap();
        std::fs::write(dir.path().join("parent.toml"), baseline).unwrap();
        std::fs::write(
            dir.path().join("child.toml"),
            format!("extends = \"parent.toml\"\n{child}"),
        )
        .unwrap();
        load(&dir.path().join("child.toml"))
    }

    fn baseline() -> Scenario {
        load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"))
            .unwrap()
            .resolve(&[])
            .unwrap()
    }

    #[test]
    fn a_named_entry_overrides_only_the_keys_it_gives() {
        let s = child_of_baseline("[[provider]]\nname = \"acute\"\ndefensiveness = 0.95\n")
            .unwrap()
            .resolve(&[])
            .unwrap();
        let mut expected = baseline();
        expected.provider[0].defensiveness = 0.95;
        assert_eq!(s.provider, expected.provider);
        assert_eq!(s.initiative, expected.initiative);
        assert_eq!(s.event, expected.event);
    }

    #[test]
    fn a_file_says_what_set_says() {
        let by_file = child_of_baseline("[[provider]]\nname = \"acute\"\ndefensiveness = 0.95\n")
            .unwrap()
            .resolve(&[])
            .unwrap();
        let by_flag = child_of_baseline("")
            .unwrap()
            .resolve(&[Override::parse("provider.acute.defensiveness=0.95").unwrap()])
            .unwrap();
        assert_eq!(by_file, by_flag);
    }

    #[test]
    fn a_new_name_is_appended_and_remove_takes_one_out() {
        let s = child_of_baseline(
            "[[event]]\nname = \"squeeze\"\nmonth = 20\nadd = { \"environment.central_pressure\" = 0.1 }\n\n\
             [[initiative]]\nname = \"urgent_care\"\nremove = true\n",
        )
        .unwrap()
        .resolve(&[])
        .unwrap();
        let b = baseline();
        assert_eq!(s.event.len(), b.event.len() + 1);
        assert_eq!(s.event[..b.event.len()], b.event[..]);
        assert_eq!(s.event.last().unwrap().name, "squeeze");
        let names: Vec<&str> = s.initiative.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["frail_elderly", "mental_health"]);
    }

    #[test]
    fn replace_all_replaces_the_whole_list() {
        let s = child_of_baseline(
            "[[initiative]]\nname = \"only\"\nreplace_all = true\nscope = [\"acute\"]\n",
        )
        .unwrap()
        .resolve(&[])
        .unwrap();
        assert_eq!(s.initiative.len(), 1);
        assert_eq!(s.initiative[0].name, "only");
        // Keys it leaves out take the schema's defaults, not the parent's same-named entry.
        assert_eq!(s.provider, baseline().provider);
    }

    #[test]
    fn merge_mistakes_are_located_in_the_child() {
        let msg = |child: &str| {
            child_of_baseline(child)
                .and_then(|s| s.resolve(&[]).map(|_| ()))
                .unwrap_err()
                .to_string()
        };
        let m = msg("[[provider]]\nname = \"nobody\"\nremove = true\n");
        assert!(
            m.contains("child.toml:3:1: `provider[0].name` is \"nobody\" in an entry with"),
            "{m}"
        );
        let m = msg("[[provider]]\ndefensiveness = 0.9\n");
        assert!(
            m.contains("child.toml:2:1: `provider[0]` has no `name`"),
            "{m}"
        );
        let m = msg("[[provider]]\nname = \"acute\"\nreplace_all = true\n\
             [[provider]]\nname = \"community\"\nremove = true\n");
        assert!(
            m.contains("child.toml:7:1: `provider[1].remove` cannot be used"),
            "{m}"
        );
        let m = msg("[[provider]]\nname = \"acute\"\nremove = \"yes\"\n");
        assert!(
            m.contains("child.toml:4:1: `provider[0].remove` expects true or false"),
            "{m}"
        );
        let m = msg("[[provider]]\nname = \"acute\"\ndefensiveness = 7\n");
        assert!(
            m.contains("child.toml:4:1: `provider[0].defensiveness`"),
            "{m}"
        );
        let m = msg("[[provider]]\nname = \"acute\"\n[[provider]]\nname = \"acute\"\n");
        assert!(
            m.contains("child.toml:5:1: `provider[1].name` names \"acute\" again"),
            "{m}"
        );
    }

    #[test]
    fn a_mistake_in_a_merged_entry_names_its_merged_index_in_the_child() {
        // The voluntary sector is the parent's fifth provider; the child writes it first.
        let m = child_of_baseline("[[provider]]\nname = \"voluntary\"\nteams = -1\n")
            .unwrap()
            .resolve(&[])
            .unwrap_err()
            .to_string();
        assert!(m.starts_with("") && m.contains("child.toml:4:1"), "{m}");
    }

    #[test]
    fn directives_need_extends() {
        let m = load_str(
            "[[provider]]\nname = \"a\"\nremove = true\n",
            Path::new("x.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            m.starts_with("x.toml:3:1: `provider[0].remove` has meaning only"),
            "{m}"
        );
    }
}
