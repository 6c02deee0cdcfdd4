//! Every file in `scenarios/` validates and runs.

mod common;

use common::*;

#[test]
fn every_shipped_scenario_checks_and_runs() {
    let dir = scratch();
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        seen += 1;
        let p = path.to_str().unwrap();
        let check = run_in(dir.path(), &["check", p]);
        assert!(check.status.success(), "{p}: {}", stderr(&check));
        let run = run_in(
            dir.path(),
            &["run", p, "-n", "8", "--no-plots", "--quiet", "--out", "o"],
        );
        assert!(run.status.success(), "{p}: {}", stderr(&run));
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("o/summary.json")).unwrap())
                .unwrap();
        assert_eq!(summary["replications"], 8, "{p}");
    }
    assert!(seen >= 3, "expected the shipped scenarios, found {seen}");
}
