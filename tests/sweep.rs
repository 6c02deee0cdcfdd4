//! Sweeps through the real binary: the same bytes whatever the thread count, the shard layout
//! or an interruption; clear errors for shards that do not belong together.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{run_in, scenario, scratch, stderr};

/// A short horizon (the baseline's last event is in month 48) and a few replications keep each
/// point to milliseconds.
fn base_args(extra: &[&str]) -> Vec<String> {
    let baseline = scenario("baseline.toml");
    let mut args: Vec<String> = vec![
        "sweep".into(),
        baseline.display().to_string(),
        "--set".into(),
        "simulation.months=50".into(),
        "--no-plots".into(),
        "--quiet".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn sweep(dir: &Path, extra: &[&str]) {
    let args = base_args(extra);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_in(dir, &refs);
    assert!(
        out.status.success(),
        "sweep {extra:?} failed: {}",
        stderr(&out)
    );
}

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Asserts two output folders hold the same `sweep.csv` and `sweep.json`, showing the first
/// differing line if not.
fn assert_same_outputs(a: &Path, b: &Path) {
    for name in ["sweep.csv", "sweep.json"] {
        let (x, y) = (read(a.join(name)), read(b.join(name)));
        if x != y {
            let (x, y) = (String::from_utf8_lossy(&x), String::from_utf8_lossy(&y));
            let diff = x
                .lines()
                .zip(y.lines())
                .enumerate()
                .find(|(_, (l, r))| l != r)
                .map(|(i, (l, r))| format!("line {}:\n  {l}\n  {r}", i + 1))
                .unwrap_or_else(|| format!("lengths {} and {}", x.len(), y.len()));
            panic!(
                "{name} differs between {} and {}: {diff}",
                a.display(),
                b.display()
            );
        }
    }
}

const GRID: [&str; 6] = [
    "--param",
    "arenas.practice.grassroots_adoption=0:1:4",
    "--param",
    "leadership.clinical=false:true",
    "-n",
    "6",
];

#[test]
fn sharded_and_merged_equals_a_single_run() {
    let tmp = scratch();
    let dir = tmp.path();
    sweep(dir, &[&GRID[..], &["-o", "single"]].concat());
    // Three shards of eight points: uneven on purpose.
    for k in 0..3 {
        let shard = format!("{k}/3");
        let out = format!("shard{k}");
        sweep(dir, &[&GRID[..], &["--shard", &shard, "-o", &out]].concat());
    }
    // In a scrambled order: merge sorts the shards itself.
    let out = run_in(
        dir,
        &[
            "merge",
            "shard2",
            "shard0",
            "shard1",
            "-o",
            "merged",
            "--no-plots",
        ],
    );
    assert!(out.status.success(), "merge failed: {}", stderr(&out));
    assert_same_outputs(&dir.join("single"), &dir.join("merged"));
    let csv = String::from_utf8(read(dir.join("single/sweep.csv"))).unwrap();
    assert_eq!(csv.lines().count(), 9, "a header and eight rows:\n{csv}");
    assert!(csv.starts_with(
        "point,arenas.practice.grassroots_adoption,leadership.clinical,success_rate,ci_lo,ci_hi,\
         replications,"
    ));
    assert!(
        csv.contains("\n7,1,true,"),
        "last point at the top corner:\n{csv}"
    );
}

#[test]
fn a_merged_folder_equals_a_single_run_with_charts_and_verdicts() {
    let tmp = scratch();
    let dir = tmp.path();
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = base_args(&[])
            .into_iter()
            .filter(|a| a != "--no-plots")
            .collect();
        a.extend(
            [
                "--param",
                "arenas.practice.grassroots_adoption=0:1:3",
                "--param",
                "arenas.strategic.directive_strength=0:1:2",
                "-n",
                "4",
                "--experiment",
                "arenas",
            ]
            .iter()
            .chain(extra)
            .map(|s| s.to_string()),
        );
        a
    };
    for extra in [
        &["-o", "single"][..],
        &["--shard", "0/2", "-o", "s0"],
        &["--shard", "1/2", "-o", "s1"],
    ] {
        let a = args(extra);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let out = run_in(dir, &refs);
        assert!(out.status.success(), "{extra:?}: {}", stderr(&out));
    }
    let out = run_in(dir, &["merge", "s0", "s1", "-o", "merged"]);
    assert!(out.status.success(), "merge failed: {}", stderr(&out));
    let names = |d: &str| {
        let mut v: Vec<String> = fs::read_dir(dir.join(d))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("single"), names("merged"));
    assert!(names("single").contains(&"sweep.svg".to_string()));
    for name in names("single") {
        assert!(
            read(dir.join("single").join(&name)) == read(dir.join("merged").join(&name)),
            "{name} differs"
        );
    }
}

#[test]
fn merge_refuses_shards_that_do_not_belong_together() {
    let tmp = scratch();
    let dir = tmp.path();
    for k in 0..2 {
        let (shard, out) = (format!("{k}/2"), format!("a{k}"));
        sweep(dir, &[&GRID[..], &["--shard", &shard, "-o", &out]].concat());
    }
    // The same shard layout with another seed.
    sweep(
        dir,
        &[&GRID[..], &["--seed", "9", "--shard", "1/2", "-o", "b1"]].concat(),
    );
    let check = |args: &[&str], needle: &str| {
        let out = run_in(dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(needle),
            "{args:?}: expected `{needle}` in: {}",
            stderr(&out)
        );
    };
    check(&["merge", "a0"], "missing");
    check(&["merge", "a0", "a0", "a1"], "given twice");
    check(&["merge", "a0", "b1"], "`seed`");
    sweep(
        dir,
        &[
            &GRID[..],
            &["--set", "population.gps=90", "--shard", "1/2", "-o", "c1"],
        ]
        .concat(),
    );
    check(&["merge", "a0", "c1"], "`population.gps`");
    check(&["merge", "a0", "nowhere"], "nowhere");
    assert!(!dir.join("out").exists(), "nothing written on error");
}

#[test]
fn one_thread_equals_two_threads_for_a_latin_hypercube() {
    let tmp = scratch();
    let dir = tmp.path();
    let lhs = [
        "--design",
        "lhs",
        "--points",
        "10",
        "--param",
        "arenas.practice.reversion_rate=0.1:0.9",
        "--param",
        "population.localities=2:6",
        "-n",
        "6",
    ];
    sweep(dir, &[&lhs[..], &["--threads", "1", "-o", "t1"]].concat());
    sweep(dir, &[&lhs[..], &["--threads", "2", "-o", "t2"]].concat());
    assert_same_outputs(&dir.join("t1"), &dir.join("t2"));
    let csv = String::from_utf8(read(dir.join("t1/sweep.csv"))).unwrap();
    let localities: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert!(
        localities
            .iter()
            .all(|v| ["2", "3", "4", "5", "6"].contains(v)),
        "whole numbers: {localities:?}"
    );
}

/// The sweep a killed or interrupted child runs: long enough (about a second on one thread)
/// that it is caught in the middle.
const LONG: [&str; 8] = [
    "--param",
    "arenas.practice.grassroots_adoption=0:1:30",
    "--param",
    "arenas.strategic.directive_strength=0:1:4",
    "-n",
    "12",
    "-o",
    "res",
];

fn spawn_sweep(dir: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_redesign-sim"))
        .args(base_args(&[&LONG[..], extra].concat()))
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

fn journal_rows(dir: &Path) -> PathBuf {
    dir.join(".res.sweep-journal/rows.csv")
}

/// Waits until the child's journal holds at least `n` complete rows.
fn wait_for_rows(dir: &Path, child: &mut Child, n: usize) {
    let start = Instant::now();
    loop {
        let rows = fs::read(journal_rows(dir))
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0);
        if rows >= n {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the sweep ended ({status}) before it could be interrupted");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no journal rows after a minute"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Runs the long sweep uninterrupted in `whole/`, and makes an empty `cut/` for the run that
/// will be interrupted.
fn uninterrupted_and_empty(root: &Path) -> (PathBuf, PathBuf) {
    let whole = root.join("whole");
    let cut = root.join("cut");
    fs::create_dir_all(&whole).unwrap();
    fs::create_dir_all(&cut).unwrap();
    sweep(&whole, &LONG);
    (whole, cut)
}

#[test]
fn killed_and_resumed_equals_an_uninterrupted_run() {
    let tmp = scratch();
    let (whole, cut) = uninterrupted_and_empty(tmp.path());

    let mut child = spawn_sweep(&cut, &["--threads", "1"]);
    wait_for_rows(&cut, &mut child, 5);
    child.kill().expect("SIGKILL the sweep");
    child.wait().unwrap();
    assert!(!cut.join("res").exists(), "killed before it finished");
    // A kill in the middle of a write leaves a torn row; resuming must cut it off.
    let mut rows = read(journal_rows(&cut));
    rows.extend_from_slice(b"999,0.5,0.3");
    fs::write(journal_rows(&cut), rows).unwrap();

    // Without --resume the journal is not thrown away.
    let args = base_args(&LONG);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_in(&cut, &refs);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--resume"), "{}", stderr(&out));

    sweep(&cut, &[&LONG[..], &["--resume"]].concat());
    assert_same_outputs(&whole.join("res"), &cut.join("res"));
    assert!(
        !cut.join(".res.sweep-journal").exists(),
        "the journal goes once the sweep is complete"
    );

    // Resuming a finished sweep does nothing.
    sweep(&cut, &[&LONG[..], &["--resume"]].concat());
    assert_same_outputs(&whole.join("res"), &cut.join("res"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_and_resume_finishes() {
    let tmp = scratch();
    let (whole, cut) = uninterrupted_and_empty(tmp.path());

    let mut child = spawn_sweep(&cut, &["--threads", "1"]);
    wait_for_rows(&cut, &mut child, 3);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("--resume"), "{}", stderr(&out));
    let rows = read(journal_rows(&cut));
    assert!(rows.ends_with(b"\n"), "no torn row after Ctrl-C");

    sweep(&cut, &[&LONG[..], &["--resume"]].concat());
    assert_same_outputs(&whole.join("res"), &cut.join("res"));
}

#[test]
fn the_arena_experiment_adds_its_verdict_to_every_point() {
    let tmp = scratch();
    let dir = tmp.path();
    sweep(
        dir,
        &[
            "--param",
            "arenas.practice.grassroots_adoption=0:1:2",
            "-n",
            "4",
            "--experiment",
            "arenas",
            "-o",
            "exp",
        ],
    );
    let csv = String::from_utf8(read(dir.join("exp/sweep.csv"))).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(header.contains(",verdict,all_three_rate,"), "{header}");
    let col = header.split(',').position(|c| c == "verdict").unwrap();
    for line in lines {
        let verdict = line.split(',').nth(col).unwrap();
        assert!(
            ["supported", "refuted", "inconclusive"].contains(&verdict),
            "{line}"
        );
    }
}

#[test]
fn bad_sweep_arguments_are_clear_errors() {
    let tmp = scratch();
    let dir = tmp.path();
    let check = |extra: &[&str], needle: &str| {
        let args = base_args(extra);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_in(dir, &refs);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(needle),
            "{extra:?}: expected `{needle}` in: {}",
            stderr(&out)
        );
    };
    check(
        &["--param", "arenas.practice.reversion_rat=0:1:3"],
        "did you mean",
    );
    check(
        &["--param", "arenas.practice.reversion_rate=0:3:3"],
        "reversion_rate",
    );
    check(&["--param", "simulation.name=0:1:3"], "can be swept");
    check(&["--param", "population.localities=1:3:5"], "whole numbers");
    check(
        &["--param", "leadership.clinical=0:1:2", "--shard", "3/3"],
        "--shard",
    );
    check(
        &["--param", "leadership.clinical=0:1:2", "--points", "5"],
        "--points",
    );
    check(&[], "nothing to sweep");
    assert!(!dir.join("out").exists(), "nothing written on error");
}

/// `--design table FILE.csv`: the rows of a CSV (e.g. a SALib sample) as design points, sharded,
/// merged and resumed to the same bytes as one run; bad files named by line and column.
#[test]
fn a_table_design_runs_its_rows_and_shards_merge_to_the_same_bytes() {
    let tmp = scratch();
    let dir = tmp.path();
    common::write(
        dir,
        "points.csv",
        "arenas.practice.reversion_rate,population.area_spread,simulation.months\n\
         0.3,0.1,60\n0.5,0.2,60\n0.7,0.3,72\n0.4,0.15,60\n",
    );
    let base = scenario("baseline.toml");
    let sweep = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            base.to_str().unwrap(),
            "--design",
            "table",
            "points.csv",
            "-n",
            "4",
            "-q",
            "--no-plots",
        ];
        args.extend(extra);
        run_in(dir, &args)
    };
    let one = sweep(&["-o", "whole"]);
    assert!(one.status.success(), "{}", stderr(&one));
    let csv = std::fs::read_to_string(dir.join("whole/sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5);
    assert!(csv.starts_with(
        "point,arenas.practice.reversion_rate,population.area_spread,simulation.months,"
    ));
    assert!(csv.lines().nth(3).unwrap().starts_with("2,0.7,0.3,72,"));
    for (k, out) in [("0/2", "s0"), ("1/2", "s1")] {
        let o = sweep(&["--shard", k, "-o", out]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let m = run_in(dir, &["merge", "s0", "s1", "-o", "merged", "--no-plots"]);
    assert!(m.status.success(), "{}", stderr(&m));
    assert_eq!(
        std::fs::read(dir.join("whole/sweep.csv")).unwrap(),
        std::fs::read(dir.join("merged/sweep.csv")).unwrap()
    );
    // Resuming a finished sweep changes nothing.
    let again = sweep(&["-o", "whole", "--resume"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        std::fs::read_to_string(dir.join("whole/sweep.csv")).unwrap(),
        csv
    );
    for (text, want) in [
        ("arenas.practice.reversion_rate\n0.2\nx\n", "points.csv:3:1"),
        (
            "arenas.practice.reversion_rate,no.such\n0.2,1\n",
            "points.csv:1:2",
        ),
        (
            "arenas.practice.reversion_rate,population.area_spread\n0.2\n",
            "points.csv:2:",
        ),
        (
            "arenas.practice.reversion_rate\n1.5\n",
            "expected a number in [0, 1], found `1.5`",
        ),
        ("arenas.practice.reversion_rate\n", "found none"),
    ] {
        common::write(dir, "points.csv", text);
        let o = sweep(&["-o", "bad"]);
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{text}: {}", stderr(&o));
        assert!(!dir.join("bad").exists());
    }
}

#[test]
fn sweep_json_and_sweep_json_flag_hold_the_results_of_every_point() {
    let tmp = scratch();
    let dir = tmp.path();
    let args = base_args(&[
        "--param",
        "arenas.practice.reversion_rate=0.3:0.7:3",
        "-n",
        "5",
        "--out",
        "out",
        "--json",
    ]);
    let args: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--quiet")
        .collect();
    let out = run_in(dir, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let results = printed["results"].as_array().expect("a results array");
    let csv = fs::read_to_string(dir.join("out/sweep.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(results.len(), 3);
    assert_eq!(rows.len(), 3);
    for (k, (row, line)) in results.iter().zip(&rows).enumerate() {
        assert_eq!(row["point"], k as u64);
        let success: f64 = line.split(',').nth(2).unwrap().parse().unwrap();
        assert_eq!(row["success_rate"].as_f64(), Some(success));
        assert_eq!(
            row["arenas.practice.reversion_rate"].as_f64(),
            Some(0.3 + 0.2 * k as f64)
        );
    }
    // The design keys stay, and what is printed is sweep.json, results included.
    assert_eq!(printed["points"], 3);
    assert_eq!(fs::read(dir.join("out/sweep.json")).unwrap(), out.stdout);
    // Asked again, a finished sweep prints the same results.
    let again = run_in(dir, &args);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(again.stdout, out.stdout);
}
