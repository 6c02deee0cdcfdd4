//! The verdict over an ensemble of parameter sets, on ensembles whose answer is known: sets
//! with the bypass routes of `scenarios/bypass_strong.toml` (refuted there) and sets with the
//! entrenched interests of `scenarios/entrenched.toml` (supported there), each moved a little
//! so that the sets differ. PRIM must then separate the two groups on the parameters that
//! differ between them.

mod common;

use std::path::Path;

use common::*;
use redesign_sim::discovery::PrimConfig;
use redesign_sim::experiment;
use redesign_sim::runner::{Cancel, Silent};
use redesign_sim::scenario::{self, Override};

/// The parameters in which `entrenched.toml` and `bypass_strong.toml` differ from each other.
const COLUMNS: [&str; 9] = [
    "arenas.strategic.directive_strength",
    "arenas.programme.contract_strength",
    "arenas.practice.grassroots_adoption",
    "arenas.practice.reversion_rate",
    "provider.acute.defensiveness",
    "provider.community.defensiveness",
    "provider.mental_health.defensiveness",
    "provider.ambulance.defensiveness",
    "provider.voluntary.defensiveness",
];

/// `entrenched.toml`'s values for [`COLUMNS`].
const ENTRENCHED: [f64; 9] = [0.1, 0.1, 0.1, 0.5, 0.7, 0.5, 0.5, 0.4, 0.3];
/// `bypass_strong.toml`'s values (the baseline's defensiveness), the routes just under 1 so
/// that they can be moved both ways.
const BYPASS: [f64; 9] = [0.97, 0.97, 0.97, 0.1, 0.6, 0.4, 0.4, 0.3, 0.2];

/// An ensemble file: `kinds[i]` true for an entrenched set, each value moved by a small fixed
/// amount that differs between sets and columns.
fn ensemble_csv(kinds: &[bool]) -> String {
    let mut out = format!("set,wave,{}\n", COLUMNS.join(","));
    for (i, &entrenched) in kinds.iter().enumerate() {
        let base = if entrenched { ENTRENCHED } else { BYPASS };
        let values: Vec<String> = base
            .iter()
            .enumerate()
            .map(|(j, v)| {
                let nudge = 0.02 * ((((i * 7 + j * 3) % 5) as f64) / 2.0 - 1.0);
                format!("{:.4}", v + nudge)
            })
            .collect();
        out.push_str(&format!("{},1,{}\n", 10 + i, values.join(",")));
    }
    out
}

fn run(kinds: &[bool], replications: u32) -> experiment::EnsembleVerdict {
    let dir = scratch();
    let file = write(dir.path(), "plausible.csv", &ensemble_csv(kinds));
    let sets = experiment::read_ensemble(&file).unwrap();
    let source = scenario::load(&scenario("baseline.toml")).unwrap();
    let base = [Override::parse(&format!("simulation.replications={replications}")).unwrap()];
    experiment::ensemble(
        &source,
        &base,
        &sets,
        &PrimConfig::default(),
        &Silent,
        &Cancel::new(),
    )
    .unwrap()
}

#[test]
fn an_ensemble_of_strong_bypass_routes_is_refuted_in_every_set() {
    let e = run(&[false; 4], 300);
    assert_eq!(e.sets, 4);
    assert_eq!(e.refuted_share.share, 1.0);
    assert_eq!(e.refuted_share.count, 4);
    assert_eq!(e.supported_share.count, 0);
    // Wilson over 4 sets: all four refuted still leaves room below.
    assert!(e.refuted_share.ci95[0] > 0.4 && e.refuted_share.ci95[0] < 0.6);
    assert_eq!(e.refuted_share.ci95[1], 1.0);
    // Nothing to separate: every set is refuted, none supported.
    assert!(e.prim.is_empty(), "{:?}", e.prim);
    assert_eq!(e.per_set[0].set, 10);
}

#[test]
fn an_ensemble_of_entrenched_and_bypass_worlds_is_split_and_prim_separates_them() {
    let kinds = [true, false, true, false, true, false];
    let e = run(&kinds, 300);
    for (s, &entrenched) in e.per_set.iter().zip(&kinds) {
        let expected = if entrenched { "supported" } else { "refuted" };
        assert_eq!(s.verdict, expected, "set {}", s.set);
    }
    assert_eq!(e.supported_share.share, 0.5);
    assert_eq!(e.refuted_share.share, 0.5);
    assert_eq!(e.inconclusive_share.count, 0);
    for what in ["supported", "refuted"] {
        let b = e
            .prim
            .iter()
            .find(|b| b.outcome == what)
            .unwrap_or_else(|| panic!("a box for {what}: {:?}", e.prim));
        assert_eq!((b.found.coverage, b.found.density), (1.0, 1.0), "{b:?}");
        assert!(!b.found.bounds.is_empty());
        // Every bound it draws is on a parameter that differs between the groups and lies
        // within the group's own values.
        let group = if what == "supported" {
            ENTRENCHED
        } else {
            BYPASS
        };
        for (path, [lo, hi]) in &b.found.bounds {
            let j = COLUMNS.iter().position(|c| c == path).expect("a column");
            assert!(
                *lo >= group[j] - 0.021 && *hi <= group[j] + 0.021,
                "{what}: {path} in [{lo}, {hi}]"
            );
        }
    }
}

fn run_cli(dir: &Path, extra: &[&str]) -> std::process::Output {
    let base = scenario("baseline.toml");
    let mut args = vec![
        "experiment",
        "arenas",
        base.to_str().unwrap(),
        "--ensemble",
        "plausible.csv",
        "-n",
        "20",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

#[test]
fn the_command_prints_the_ensemble_and_writes_its_files() {
    let dir = scratch();
    write(
        dir.path(),
        "plausible.csv",
        &ensemble_csv(&[true, false, false]),
    );
    let o = run_cli(dir.path(), &["--json", "-o", "ens"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let e = &v["ensemble"];
    assert_eq!(e["sets"], 3);
    for key in ["supported_share", "refuted_share", "inconclusive_share"] {
        assert!(e[key]["share"].is_number(), "{key}");
        assert_eq!(e[key]["ci95"].as_array().unwrap().len(), 2, "{key}");
        assert!(e["clinical_clause"][key]["share"].is_number(), "{key}");
    }
    let total: f64 = ["supported_share", "refuted_share", "inconclusive_share"]
        .iter()
        .map(|k| e[k]["share"].as_f64().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-12);
    for b in e["prim"].as_array().unwrap() {
        assert!(b["coverage"].is_number() && b["density"].is_number());
        for (path, range) in b["bounds"].as_object().unwrap() {
            assert!(COLUMNS.contains(&path.as_str()));
            assert_eq!(range.as_array().unwrap().len(), 2);
        }
    }
    let out = dir.path().join("ens");
    for f in [
        "ensemble.csv",
        "ensemble.json",
        "index.html",
        "ensemble_shares.png",
        "prim_trajectory.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let csv = std::fs::read_to_string(out.join("ensemble.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4);
    assert!(csv.starts_with("set,wave,arenas.strategic.directive_strength,"));
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .contains(",verdict,margin,all_three_rate,")
    );
    let printed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("ensemble.json")).unwrap()).unwrap();
    assert_eq!(printed, v);
}

#[test]
fn an_unknown_parameter_in_the_header_is_bad_input_named_with_file_line_and_key() {
    let dir = scratch();
    write(
        dir.path(),
        "plausible.csv",
        "set,wave,arenas.practice.reversion_rat\n1,1,0.3\n",
    );
    let o = run_cli(dir.path(), &["-o", "ens"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("plausible.csv:1:10"), "{err}");
    assert!(err.contains("`arenas.practice.reversion_rat`"), "{err}");
    assert!(err.contains("reversion_rate"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.path().join("ens").exists());
    // A value the scenario does not accept is named at its own line and column.
    write(
        dir.path(),
        "plausible.csv",
        "set,wave,arenas.practice.reversion_rate\n1,1,0.3\n2,1,7\n",
    );
    let o = run_cli(dir.path(), &["-o", "ens"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("plausible.csv:3:5"), "{}", stderr(&o));
    // An empty file, and a value that is not a number.
    write(dir.path(), "plausible.csv", "");
    let o = run_cli(dir.path(), &["-o", "ens"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("empty file"), "{}", stderr(&o));
    write(
        dir.path(),
        "plausible.csv",
        "set,wave,arenas.practice.reversion_rate\n1,1,high\n",
    );
    let o = run_cli(dir.path(), &["-o", "ens"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("expects a number or true/false, found `high`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_ensemble_is_byte_identical_for_any_thread_count() {
    let dir = scratch();
    write(
        dir.path(),
        "plausible.csv",
        &ensemble_csv(&[true, false, true, false]),
    );
    let one = run_cli(dir.path(), &["-o", "one", "--threads", "1", "--no-plots"]);
    let two = run_cli(dir.path(), &["-o", "two", "--threads", "2", "--no-plots"]);
    assert!(one.status.success() && two.status.success());
    for f in ["ensemble.json", "ensemble.csv"] {
        let a = std::fs::read(dir.path().join("one").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("two").join(f)).unwrap();
        assert_eq!(a, b, "{f}");
    }
}
