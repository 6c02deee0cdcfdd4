//! Sweeps, calibrations and ensembles through `scripts/slurm/sweep.sbatch` on a real SLURM
//! cluster. A sweep: a shard cancelled mid-way must not leave the merge pending for ever, and
//! submitting the same command again must finish the sweep into exactly the files a single run
//! writes. A calibration, wave by wave, and an ensemble: the same files as single runs.
//!
//! It needs a cluster (`scripts/slurm/local-cluster.sh start` makes a one-node one). Without
//! one it says it was skipped, except under CI (`CI` set), where it fails: CI must never skip
//! silently.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{root, run_in, scenario, stderr, stdout};

/// The whole test's bound on waiting for the cluster, per wait.
const TIMEOUT: Duration = Duration::from_secs(300);

/// Twelve points in two shards; enough replications that a shard runs for several seconds on
/// one core, so that it can be cancelled mid-way.
const DESIGN: [&str; 6] = [
    "--param",
    "arenas.practice.grassroots_adoption=0:1:6",
    "--param",
    "leadership.clinical=false:true",
    "-n",
    "4000",
];

fn cmd(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} {args:?}: {e}"))
}

/// Whether a SLURM controller answers with at least one node.
fn cluster_answers() -> bool {
    Command::new("sinfo")
        .args(["-h", "-o", "%T"])
        .output()
        .is_ok_and(|o| o.status.success() && !o.stdout.trim_ascii().is_empty())
}

/// The states of a job's records (one per array task), or none once SLURM has forgotten it.
fn states(id: &str) -> Vec<String> {
    let o = cmd("scontrol", &["show", "job", "-o", id]);
    if !o.status.success() {
        return Vec::new();
    }
    stdout(&o)
        .split_whitespace()
        .filter_map(|f| f.strip_prefix("JobState="))
        .map(String::from)
        .collect()
}

fn finished(state: &str) -> bool {
    !matches!(
        state,
        "PENDING" | "RUNNING" | "CONFIGURING" | "COMPLETING" | "REQUEUED" | "RESIZING"
    ) && !state.starts_with("SUSPEND")
}

/// Polls `done` every half second until it holds, failing after [`TIMEOUT`].
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < TIMEOUT,
            "timed out after {TIMEOUT:?} waiting until {what}"
        );
        sleep(Duration::from_millis(500));
    }
}

/// Submits the sweep through the batch script; returns the array's and the merge's job ids.
fn submit(dir: &Path, out: &Path) -> (String, String) {
    let script = root().join("scripts/slurm/sweep.sbatch");
    let baseline = scenario("baseline.toml");
    let o = Command::new("bash")
        .arg(&script)
        .args(["--cpus", "1", "2"])
        .arg(&baseline)
        .arg(out)
        .args(DESIGN)
        .env("REDESIGN_SIM", env!("CARGO_BIN_EXE_redesign-sim"))
        .current_dir(dir)
        .output()
        .expect("bash runs the batch script");
    let text = stdout(&o);
    assert!(
        o.status.success(),
        "submission failed: {text}{}",
        stderr(&o)
    );
    // "submitted 2 shards (...) as job array A and the merge as job M"
    let id_after = |key: &str| {
        text.split(key)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no `{key}` in:\n{text}"))
            .to_string()
    };
    (id_after("job array "), id_after("the merge as job "))
}

/// Every file under `dir`, hidden ones too, by path relative to `dir`, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for e in entries {
            let path = e.expect("a folder entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let rel = path.strip_prefix(base).expect("under base").to_path_buf();
                out.insert(rel, bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn a_cancelled_shard_cancels_the_merge_and_a_resubmission_equals_a_single_run() {
    if !cluster_answers() {
        assert!(
            std::env::var_os("CI").is_none(),
            "no SLURM cluster answers (sinfo) and CI is set: start one with \
             scripts/slurm/local-cluster.sh start"
        );
        println!("skipped: no SLURM cluster (start one with scripts/slurm/local-cluster.sh start)");
        return;
    }
    let t0 = Instant::now();
    // Under the target folder rather than /tmp: on a real cluster the compute nodes must see it.
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a temporary folder");
    let dir = tmp.path();
    let out = dir.join("grid");

    let (array, merge) = submit(dir, &out);
    let first = format!("{array}_0");
    wait_until("shard 0 runs", || {
        let s = states(&first);
        assert!(
            s.iter().all(|s| !finished(s)),
            "shard 0 ended before it could be cancelled mid-way: {s:?}"
        );
        s.iter().any(|s| s == "RUNNING")
    });
    sleep(Duration::from_secs(1));
    let o = cmd("scancel", &[&first]);
    assert!(o.status.success(), "scancel {first}: {}", stderr(&o));

    // The merge is cancelled once the array is over, rather than pending for ever.
    wait_until("the merge is no longer pending", || {
        states(&merge).iter().all(|s| finished(s))
    });
    let shard0 = states(&first);
    assert!(
        shard0.iter().all(|s| s == "CANCELLED"),
        "shard 0 was not cancelled mid-way: {shard0:?}"
    );
    let m = states(&merge);
    assert!(
        m.iter().all(|s| s == "CANCELLED"),
        "merge after a cancelled shard: {m:?}"
    );
    assert!(!out.join("merged").exists(), "a merge ran without shard 0");
    wait_until("the first submission's jobs are over", || {
        states(&array).iter().all(|s| finished(s))
    });
    let t_cancelled = t0.elapsed();

    // The same command again: shard 1 returns at once, shard 0 resumes from its journal.
    let (array2, merge2) = submit(dir, &out);
    wait_until("the resubmitted merge is over", || {
        states(&merge2).iter().all(|s| finished(s))
    });
    let ends: Vec<String> = states(&array2).into_iter().chain(states(&merge2)).collect();
    assert!(
        ends.iter().all(|s| s == "COMPLETED"),
        "resubmitted jobs {array2} and {merge2} ended {ends:?}"
    );
    let t_merged = t0.elapsed();

    // The same design as one plain, unsharded sweep.
    let baseline = scenario("baseline.toml");
    let mut args = vec!["sweep", baseline.to_str().unwrap(), "--quiet"];
    args.extend(DESIGN);
    args.extend(["--out", "single"]);
    let o = run_in(dir, &args);
    assert!(o.status.success(), "single sweep: {}", stderr(&o));

    let (merged, single) = (files(&out.join("merged")), files(&dir.join("single")));
    assert_eq!(
        merged.keys().collect::<Vec<_>>(),
        single.keys().collect::<Vec<_>>(),
        "the merged folder and the single run hold different files"
    );
    for (name, bytes) in &merged {
        assert!(
            *bytes == single[name],
            "{} differs between the merged folder and the single run",
            name.display()
        );
    }
    println!(
        "cancelled and merge killed after {:.1} s; resubmission merged after {:.1} s; {} \
         files identical to a single run; {:.1} s in all",
        t_cancelled.as_secs_f64(),
        t_merged.as_secs_f64(),
        merged.len(),
        t0.elapsed().as_secs_f64()
    );
}

/// Submits `sweep.sbatch` with `script_args` (before SHARDS SCENARIO OUT) and `options`; waits
/// until its last merge is over and returns every job's end state.
fn submit_and_wait(dir: &Path, out: &Path, script_args: &[&str], options: &[&str]) -> Vec<String> {
    let o = Command::new("bash")
        .arg(root().join("scripts/slurm/sweep.sbatch"))
        .args(["--cpus", "1"])
        .args(script_args)
        .arg("2")
        .arg(scenario("baseline.toml"))
        .arg(out)
        .args(options)
        .env("REDESIGN_SIM", env!("CARGO_BIN_EXE_redesign-sim"))
        .current_dir(dir)
        .output()
        .expect("bash runs the batch script");
    let text = stdout(&o);
    assert!(
        o.status.success(),
        "submission failed: {text}{}",
        stderr(&o)
    );
    // One "... as job array A and the merge as job M" line per wave.
    let ids: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let a = l.split("job array ").nth(1)?.split_whitespace().next()?;
            let m = l
                .split("the merge as job ")
                .nth(1)?
                .split_whitespace()
                .next()?;
            Some([a.to_string(), m.to_string()])
        })
        .flatten()
        .collect();
    let last = ids
        .last()
        .unwrap_or_else(|| panic!("no job ids in:\n{text}"))
        .clone();
    wait_until("the last merge is over", || {
        states(&last).iter().all(|s| finished(s))
    });
    ids.iter().flat_map(|id| states(id)).collect()
}

#[test]
fn a_calibration_wave_by_wave_and_an_ensemble_through_the_script_equal_single_runs() {
    if !cluster_answers() {
        assert!(
            std::env::var_os("CI").is_none(),
            "no SLURM cluster answers (sinfo) and CI is set: start one with \
             scripts/slurm/local-cluster.sh start"
        );
        println!("skipped: no SLURM cluster (start one with scripts/slurm/local-cluster.sh start)");
        return;
    }
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a temporary folder");
    let dir = tmp.path();
    let budget = ["--sets", "12", "-n", "4"];
    let ends = submit_and_wait(dir, &dir.join("cal"), &["--calibrate", "2"], &budget);
    assert!(
        ends.iter().all(|s| s == "COMPLETED"),
        "calibration jobs ended {ends:?}"
    );
    let base = scenario("baseline.toml");
    let mut args = vec!["calibrate", base.to_str().unwrap(), "--waves", "2", "-q"];
    args.extend(budget);
    args.extend(["--out", "cal-single"]);
    let o = run_in(dir, &args);
    assert!(o.status.success(), "single calibration: {}", stderr(&o));
    let (merged, single) = (
        files(&dir.join("cal/wave-2/merged")),
        files(&dir.join("cal-single")),
    );
    assert_eq!(
        merged, single,
        "the calibration through SLURM differs from a single run"
    );

    let plausible = dir.join("cal-single/plausible.csv");
    let ensemble = ["--ensemble", plausible.to_str().unwrap()];
    let ends = submit_and_wait(dir, &dir.join("ens"), &ensemble, &["-n", "4"]);
    assert!(
        ends.iter().all(|s| s == "COMPLETED"),
        "ensemble jobs ended {ends:?}"
    );
    let mut args = vec!["experiment", "arenas", base.to_str().unwrap()];
    args.extend(ensemble);
    args.extend(["-n", "4", "-q", "--out", "ens-single"]);
    let o = run_in(dir, &args);
    assert!(o.status.success(), "single ensemble: {}", stderr(&o));
    assert_eq!(
        files(&dir.join("ens/merged")),
        files(&dir.join("ens-single")),
        "the ensemble through SLURM differs from a single run"
    );
}
