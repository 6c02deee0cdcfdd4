//! `params`: every parameter, generated from the schema and the defaults; typed as JSON, or as
//! a SALib problem definition for chosen paths.

use crate::error::{Error, Result};
use crate::output;
use crate::scenario::{self, ParamKind, Scenario, kind_at, meaning};

/// The default of a parameter at `path` as a TOML value (`None` for per-element paths).
fn default_value(path: &str) -> Option<toml::Value> {
    if path.contains("[]") {
        return None;
    }
    let defaults = toml::Value::try_from(Scenario::default()).ok()?;
    let mut node = &defaults;
    for part in path.split('.') {
        node = node.get(part)?;
    }
    Some(node.clone())
}

/// A bound as JSON: `null` when the schema leaves that side open.
fn bound(x: f64, open: bool) -> serde_json::Value {
    if open {
        serde_json::Value::Null
    } else {
        serde_json::json!(x)
    }
}

/// The kind's name, minimum and maximum as JSON.
fn typed(kind: &ParamKind) -> (&'static str, serde_json::Value, serde_json::Value) {
    let none = serde_json::Value::Null;
    match *kind {
        ParamKind::Float { lo, hi } => (
            "float",
            bound(lo, lo == f64::MIN),
            bound(hi, hi == f64::MAX),
        ),
        ParamKind::Int { lo, hi } => (
            "int",
            serde_json::json!(lo),
            if hi == i64::MAX {
                none
            } else {
                serde_json::json!(hi)
            },
        ),
        ParamKind::IntList { lo, hi } => ("int_list", serde_json::json!(lo), serde_json::json!(hi)),
        ParamKind::Bool => ("bool", none.clone(), none),
        ParamKind::Text => ("text", none.clone(), none),
        ParamKind::Choice(_) => ("choice", none.clone(), none),
        ParamKind::TextList => ("text_list", none.clone(), none),
        ParamKind::PathMap => ("path_map", none.clone(), none),
        ParamKind::Table(_) => ("table", none.clone(), none),
        ParamKind::TableList(_) => ("table_list", none.clone(), none),
    }
}

/// The entry for `extends`, which is not a parameter (no `--set` can give it) but is a key of
/// every scenario file; listed first in the text so a reader of `params` learns of it.
const EXTENDS: &str = "extends
    default none; a file name, relative to the file that names it
    Start from another scenario file and change only what this file gives: tables merge key \
by key; [[provider]], [[event]] and [[initiative]] entries merge by name (`remove = true` drops \
the parent's entry of that name, `replace_all = true` in any one entry replaces the parent's \
whole list). A file, not a parameter: --set cannot give it. `check --diff FILE` shows what a \
file changes.
";

/// The parameter listing, generated from the schema and the defaults: as text, or as JSON with
/// one object per parameter (`path`, `kind`, `minimum`, `maximum`, `default` as a JSON value,
/// `choices` for a choice, `allowed` in words, `doc`, and `meaning` as before).
pub fn params(json: bool) -> String {
    let mut all = Vec::new();
    scenario::leaves(Scenario::fields(), "", &mut all);
    if json {
        let rows: Vec<serde_json::Value> = all
            .iter()
            .map(|(path, f)| {
                let (kind, minimum, maximum) = typed(&f.kind);
                let default = if path.contains("[]") {
                    serde_json::Value::Null
                } else {
                    default_value(path)
                        .and_then(|v| serde_json::to_value(v).ok())
                        .unwrap_or(serde_json::Value::Null)
                };
                let mut row = serde_json::json!({
                    "path": path,
                    "kind": kind,
                    "minimum": minimum,
                    "maximum": maximum,
                    "default": default,
                    "per_element": path.contains("[]"),
                    "allowed": f.kind.describe(),
                    "doc": meaning(path, f),
                    "meaning": meaning(path, f),
                });
                if let ParamKind::Choice(words) = f.kind {
                    row["choices"] = serde_json::json!(words);
                }
                row
            })
            .collect();
        return String::from_utf8_lossy(&output::json(&rows)).into_owned();
    }
    let mut out = EXTENDS.to_string();
    for (path, f) in &all {
        let default = if path.contains("[]") {
            "(per element)".into()
        } else {
            default_value(path)
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into())
        };
        out.push_str(&format!(
            "{path}\n    default {default}; {}\n    {}\n",
            f.kind.describe(),
            meaning(path, f)
        ));
    }
    out
}

/// A SALib problem definition (`num_vars`, `names`, `bounds`) for the given paths, each a
/// number or whole number of the schema, with the schema's range as bounds (a path written
/// `PATH=LO:HI` takes that range instead, which must lie inside the schema's).
pub fn salib(paths: &[String]) -> Result<String> {
    let mut names = Vec::new();
    let mut bounds = Vec::new();
    for arg in paths {
        let bad = |message: String| Error::Argument {
            flag: "--salib",
            arg: arg.clone(),
            message,
        };
        let (path, range) = match arg.split_once('=') {
            Some((p, r)) => {
                let (lo, hi) = r
                    .split_once(':')
                    .ok_or_else(|| bad(format!("expected PATH or PATH=LO:HI, found `{arg}`")))?;
                let num = |s: &str| {
                    s.trim()
                        .parse::<f64>()
                        .map_err(|_| bad(format!("expected a number, found `{s}`")))
                };
                (p, Some((num(lo)?, num(hi)?)))
            }
            None => (arg.as_str(), None),
        };
        let (lo, hi) = match kind_at(path) {
            Some(ParamKind::Float { lo, hi }) => (lo, hi),
            Some(ParamKind::Int { lo, hi }) => (lo as f64, hi as f64),
            Some(other) => {
                return Err(bad(format!(
                    "expected the path of a number or a whole number, found one that takes {}",
                    other.describe()
                )));
            }
            None => return Err(bad("expected a parameter path, as for --set".into())),
        };
        let (a, b) = match range {
            Some((a, b)) if a < b && a >= lo && b <= hi => (a, b),
            Some((a, b)) => {
                return Err(bad(format!(
                    "expected LO < HI inside [{lo}, {hi}], found {a}:{b}"
                )));
            }
            None if lo == f64::MIN
                || hi == f64::MAX
                || lo <= i64::MIN as f64
                || hi >= i64::MAX as f64 =>
            {
                return Err(bad(format!(
                    "the schema leaves this range open ({}): give one as PATH=LO:HI",
                    kind_at(path).map(|k| k.describe()).unwrap_or_default()
                )));
            }
            None => (lo, hi),
        };
        names.push(path.to_string());
        bounds.push([a, b]);
    }
    let problem = serde_json::json!({
        "num_vars": names.len(),
        "names": names,
        "bounds": bounds,
    });
    // Exactly SALib's keys: no `tool` record here, so the file is a problem definition as is.
    Ok(format!(
        "{}\n",
        serde_json::to_string_pretty(&problem).unwrap_or_default()
    ))
}
