//! `compare` through the real binary: paired differences on the same areas.

mod common;

use common::*;

fn compare(dir: &std::path::Path, files: &[&str], extra: &[&str]) -> serde_json::Value {
    let paths: Vec<String> = files
        .iter()
        .map(|f| scenario(f).display().to_string())
        .collect();
    let mut args: Vec<&str> = vec!["compare"];
    args.extend(paths.iter().map(String::as_str));
    args.extend(["-n", "120", "--json", "-q"]);
    args.extend(extra);
    let o = run_in(dir, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn row<'a>(v: &'a serde_json::Value, output: &str) -> &'a serde_json::Value {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["output"] == output)
        .unwrap()
}

#[test]
fn a_scenario_compared_with_itself_differs_in_nothing() {
    let dir = scratch();
    let c = compare(
        dir.path(),
        &["baseline.toml", "baseline.toml"],
        &["--out", "same"],
    );
    let v = &c["versus"][0];
    assert_eq!(v["same_areas"], true);
    for r in v["rows"].as_array().unwrap() {
        assert_eq!(r["difference"], 0.0, "{r}");
        assert_eq!(r["clear"], false, "{r}");
    }
    for f in [
        "compare.json",
        "compare.csv",
        "index.html",
        "differences-1.png",
    ] {
        assert!(dir.path().join("same").join(f).is_file(), "{f}");
    }
}

#[test]
fn strong_bypass_routes_raise_success_clearly_on_the_same_areas() {
    let dir = scratch();
    let c = compare(
        dir.path(),
        &["baseline.toml", "bypass_strong.toml", "case_b.toml"],
        &["--no-plots", "--out", "c"],
    );
    // The reference is the baseline as `run` gives it on the same areas.
    let run = run_in(
        dir.path(),
        &[
            "run",
            scenario("baseline.toml").to_str().unwrap(),
            "-n",
            "120",
            "--json",
            "-q",
            "--no-plots",
            "--out",
            "r",
        ],
    );
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let success = row(&c["versus"][0], "success");
    assert!(
        (success["reference"].as_f64().unwrap()
            - summary["overall_success_rate"].as_f64().unwrap())
        .abs()
            < 1e-12
    );
    assert!(success["difference"].as_f64().unwrap() > 0.2, "{success}");
    assert_eq!(success["clear"], true);
    let lo = success["ci95"][0].as_f64().unwrap();
    assert!(lo > 0.0 && lo < success["difference"].as_f64().unwrap());
    // Case B has one initiative, so its areas are drawn differently; it says so, and the
    // baseline's other initiatives are compared only where it has them (nowhere).
    let b = &c["versus"][1];
    assert_eq!(b["same_areas"], false);
    assert_eq!(row(b, "success.urgent_care")["areas"], 0);
}

#[test]
fn one_scenario_is_not_a_comparison() {
    let dir = scratch();
    let o = run_in(
        dir.path(),
        &["compare", scenario("baseline.toml").to_str().unwrap(), "-q"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
