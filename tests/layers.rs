//! The layers hold: the library's top-level modules import each other without a cycle, and no
//! library module uses a command-line or terminal crate (clap, indicatif, ctrlc); those belong to
//! `src/cli.rs`, `src/commands/` and `src/main.rs`. Read from the source, so a change that
//! breaks either fails here, not in review.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The application layer: the only places that may know the command line or the terminal.
const APPLICATION: [&str; 3] = ["cli", "commands", "main"];

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/sweep/journal.rs` → `sweep`).
fn module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The file's code without its unit tests, which may reach anywhere.
fn code(file: &Path) -> String {
    let text = fs::read_to_string(file).unwrap();
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The `crate::NAME` paths a piece of code uses, grouped imports included.
fn uses(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

/// The import graph of the top-level modules.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = common::root().join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| module(&src, f))
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for f in &files {
        let from = module(&src, f);
        let Some(to) = edges.get_mut(&from) else {
            continue;
        };
        for used in uses(&code(f)) {
            if used != from && modules.contains(&used) {
                to.insert(used);
            }
        }
    }
    edges
}

/// A cycle through `start`, if the graph has one.
fn cycle_from(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    node: &str,
    path: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    for next in &graph[node] {
        if next == start {
            let mut c = path.clone();
            c.push(start.to_string());
            return Some(c);
        }
        if seen.insert(next.clone()) {
            path.push(next.clone());
            if let Some(c) = cycle_from(graph, start, next, path, seen) {
                return Some(c);
            }
            path.pop();
        }
    }
    None
}

#[test]
fn the_top_level_modules_import_each_other_without_a_cycle() {
    let g = graph();
    assert!(
        g.contains_key("model") && g.contains_key("commands"),
        "{g:?}"
    );
    for start in g.keys() {
        let mut path = vec![start.clone()];
        let cycle = cycle_from(&g, start, start, &mut path, &mut BTreeSet::new());
        assert!(
            cycle.is_none(),
            "import cycle: {}",
            cycle.unwrap().join(" → ")
        );
    }
    // The model knows nothing above it.
    for above in [
        "runner",
        "stats",
        "experiment",
        "sweep",
        "output",
        "report",
        "cli",
    ] {
        assert!(!g["model"].contains(above), "the model imports {above}");
    }
}

#[test]
fn no_library_module_knows_the_command_line_or_the_terminal() {
    let src = common::root().join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut offenders = Vec::new();
    for f in &files {
        if APPLICATION.contains(&module(&src, f).as_str()) {
            continue;
        }
        let code = code(f);
        for krate in ["clap", "indicatif", "ctrlc"] {
            if code.contains(&format!("{krate}::")) || code.contains(&format!("use {krate}")) {
                offenders.push(format!("{} uses {krate}", f.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

#[test]
fn the_checks_see_a_planted_cycle_and_a_planted_clap() {
    // The parsing above must find what it is looking for, or the tests prove nothing.
    let planted = "use crate::{cli, sweep::Shard};\nfn f() { crate::report::x(); }";
    let found = uses(planted);
    assert!(
        ["cli", "sweep", "report"]
            .iter()
            .all(|m| found.contains(*m)),
        "{found:?}"
    );
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    let mut path = vec!["a".to_string()];
    assert!(cycle_from(&g, "a", "a", &mut path, &mut BTreeSet::new()).is_some());
}
