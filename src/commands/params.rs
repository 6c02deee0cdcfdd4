//! `params`: every parameter, generated from the schema and the defaults.

use crate::output;
use crate::scenario::{self, Scenario};

/// The parameter listing, generated from the schema and the defaults.
pub fn params(json: bool) -> String {
    let mut all = Vec::new();
    scenario::leaves(Scenario::fields(), "", &mut all);
    let defaults = toml::Value::try_from(Scenario::default()).ok();
    let default_of = |path: &str| -> String {
        if path.contains("[]") {
            return "(per element)".into();
        }
        let mut node = defaults.as_ref();
        for part in path.split('.') {
            node = node.and_then(|n| n.get(part));
        }
        node.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
    };
    if json {
        let rows: Vec<serde_json::Value> = all
            .iter()
            .map(|(path, f)| {
                serde_json::json!({
                    "path": path,
                    "default": default_of(path),
                    "allowed": f.kind.describe(),
                    "meaning": f.doc,
                })
            })
            .collect();
        return String::from_utf8_lossy(&output::json(&rows)).into_owned();
    }
    let mut out = String::new();
    for (path, f) in &all {
        out.push_str(&format!(
            "{path}\n    default {}; {}\n    {}\n",
            default_of(path),
            f.kind.describe(),
            f.doc
        ));
    }
    out
}
