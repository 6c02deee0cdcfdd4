//! The check that a change to how the random streams are consumed leaves the outputs'
//! distributions as they were (`two_sample::compare_runs`, issue 14), on real runs of the binary:
//! it finds nothing between two seeds of one scenario and finds a changed parameter.

mod common;

use std::path::{Path, PathBuf};

use common::{run_in, scenario, scratch, stderr};
use redesign_sim::two_sample::compare_runs;

/// Runs the baseline with `extra` settings into `dir/name` and returns the folder.
fn baseline(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let base = scenario("baseline.toml").display().to_string();
    let mut args = vec![
        "run",
        &base,
        "-n",
        "1500",
        "--no-plots",
        "--quiet",
        "--out",
        name,
    ];
    args.extend(extra);
    let out = run_in(dir, &args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    dir.join(name)
}

#[test]
fn two_seeds_agree_and_a_changed_peer_rate_does_not() {
    let tmp = scratch();
    let a = baseline(tmp.path(), "a", &[]);
    let b = baseline(tmp.path(), "b", &["--seed", "99"]);
    let c = baseline(
        tmp.path(),
        "c",
        &["--seed", "98", "--set", "arenas.practice.peer_rate=0.9"],
    );
    let same = compare_runs(&a, &b, 0.01).unwrap();
    assert_eq!(same.replications, [1500, 1500]);
    // Three initiatives × (2 categorical + 5 continuous outputs) + the seats share.
    assert_eq!(same.outputs.len(), 22);
    assert_eq!(same.differing(), 0, "{:#?}", same.outputs);
    let changed = compare_runs(&a, &c, 0.01).unwrap();
    assert!(changed.differing() >= 15, "{:#?}", changed.outputs);
    assert!(
        changed
            .outputs
            .iter()
            .filter(|o| o.output.ends_with(" success"))
            .all(|o| o.differs)
    );
}

#[test]
fn a_missing_or_malformed_file_is_an_error_not_a_verdict() {
    let tmp = scratch();
    assert!(compare_runs(&tmp.path().join("none"), &tmp.path().join("none"), 0.01).is_err());
    let bad = common::write(
        tmp.path(),
        "bad.csv",
        "point,replication,initiative,success,failure_mode,peak_mandate,peak_design,\
         peak_adoption,final_routinised,design_rounds,gp_seats_filled_share\n\
         0,0,x,1,success,high,0,0,0,0,0.5\n",
    );
    let e = compare_runs(&bad, &bad, 0.01).unwrap_err();
    assert!(e.contains("line 2") && e.contains("peak_mandate"), "{e}");
}
