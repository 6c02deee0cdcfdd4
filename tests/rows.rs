//! Per-replication rows of sweeps and experiments (`--rows`) through the real binary: the same
//! bytes whatever the thread count, the shard layout or an interruption; rows that add up to the
//! summary; no file without the flag.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{run_in, scenario, scratch, stderr};

/// A short horizon (the baseline's last event is in month 48) and a few replications keep each
/// point to milliseconds.
fn sweep_args(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "sweep".into(),
        scenario("baseline.toml").display().to_string(),
        "--set".into(),
        "simulation.months=50".into(),
        "--no-plots".into(),
        "--quiet".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn ok(dir: &Path, args: &[String]) {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_in(dir, &refs);
    assert!(out.status.success(), "{refs:?} failed: {}", stderr(&out));
}

fn sweep(dir: &Path, extra: &[&str]) {
    ok(dir, &sweep_args(extra));
}

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Asserts that two files hold the same bytes, showing the first differing line if not.
fn assert_same_file(a: &Path, b: &Path) {
    let (x, y) = (read(a), read(b));
    if x != y {
        let (x, y) = (String::from_utf8_lossy(&x), String::from_utf8_lossy(&y));
        let diff = x
            .lines()
            .zip(y.lines())
            .enumerate()
            .find(|(_, (l, r))| l != r)
            .map(|(i, (l, r))| format!("line {}:\n  {l}\n  {r}", i + 1))
            .unwrap_or_else(|| format!("lengths {} and {}", x.len(), y.len()));
        panic!("{} and {} differ: {diff}", a.display(), b.display());
    }
}

/// A CSV file as its header and records.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// Eight points (a switch varies fastest), six replications each: three initiatives make 144
/// rows.
const GRID: [&str; 6] = [
    "--param",
    "arenas.practice.grassroots_adoption=0:1:4",
    "--param",
    "leadership.clinical=false:true",
    "-n",
    "6",
];

#[test]
fn sweep_rows_are_the_same_bytes_for_any_thread_count_and_shard_layout() {
    let tmp = scratch();
    let dir = tmp.path();
    sweep(
        dir,
        &[&GRID[..], &["--rows", "--threads", "1", "-o", "one"]].concat(),
    );
    sweep(
        dir,
        &[&GRID[..], &["--rows", "--threads", "2", "-o", "two"]].concat(),
    );
    assert_same_file(
        &dir.join("one/replications.csv"),
        &dir.join("two/replications.csv"),
    );
    assert_same_file(&dir.join("one/sweep.json"), &dir.join("two/sweep.json"));
    // Three shards of eight points: uneven on purpose; each writes its own points' rows.
    for k in 0..3 {
        let (shard, out) = (format!("{k}/3"), format!("shard{k}"));
        sweep(
            dir,
            &[&GRID[..], &["--rows", "--shard", &shard, "-o", &out]].concat(),
        );
        let (header, rows) = table(&dir.join(&out).join("replications.csv"));
        let at = column(&header, "point");
        assert!(!rows.is_empty());
        assert!(
            rows.iter().all(|r| r[at].parse::<u64>().unwrap() % 3 == k),
            "shard {k} holds only its own points"
        );
    }
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
    for name in ["replications.csv", "sweep.csv", "sweep.json"] {
        assert_same_file(&dir.join("one").join(name), &dir.join("merged").join(name));
    }

    // A shard whose rows were cut short is refused, not merged into a shorter file.
    let rows = dir.join("shard1/replications.csv");
    let text = String::from_utf8(read(&rows)).unwrap();
    let kept: Vec<&str> = text.lines().collect();
    fs::write(&rows, kept[..kept.len() - 1].join("\n") + "\n").unwrap();
    let out = run_in(
        dir,
        &[
            "merge",
            "shard0",
            "shard1",
            "shard2",
            "-o",
            "short",
            "--no-plots",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("replications.csv"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("short").exists());
}

#[test]
fn sweep_rows_agree_with_the_summary() {
    let tmp = scratch();
    let dir = tmp.path();
    sweep(dir, &[&GRID[..], &["--rows", "-o", "res"]].concat());
    let (rh, rows) = table(&dir.join("res/replications.csv"));
    let (sh, points) = table(&dir.join("res/sweep.csv"));
    assert_eq!(
        rh[..3],
        [
            "point",
            "arenas.practice.grassroots_adoption",
            "leadership.clinical"
        ]
    );
    assert_eq!(rh[3..5], ["replication", "initiative"]);
    assert_eq!(rh.last().map(String::as_str), Some("scenario"));
    let json: serde_json::Value =
        serde_json::from_slice(&read(dir.join("res/sweep.json"))).unwrap();
    assert_eq!(json["rows_columns"], serde_json::json!(rh));
    let results = json["results"].as_array().unwrap();
    assert_eq!(points.len(), 8);
    assert_eq!(
        rows.len(),
        8 * 6 * 3,
        "one row per point, replication and initiative"
    );

    // Per point: the rows' count, parameter values, and mean success overall and per initiative.
    let mut by_point: BTreeMap<String, Vec<&Vec<String>>> = BTreeMap::new();
    for r in &rows {
        by_point.entry(r[0].clone()).or_default().push(r);
    }
    let (success, init) = (column(&rh, "success"), column(&rh, "initiative"));
    for (p, point) in points.iter().enumerate() {
        let mine = &by_point[&p.to_string()];
        assert_eq!(mine.len(), 6 * 3);
        for r in mine {
            assert_eq!(r[1..3], point[1..3], "point {p}'s parameter values");
        }
        let mean = |rs: &[&&Vec<String>]| {
            rs.iter()
                .map(|r| r[success].parse::<f64>().unwrap())
                .sum::<f64>()
                / rs.len() as f64
        };
        let all: Vec<&&Vec<String>> = mine.iter().collect();
        let rate: f64 = point[column(&sh, "success_rate")].parse().unwrap();
        assert!(
            (mean(&all) - rate).abs() < 1e-6,
            "point {p}: rows give {} but sweep.csv {rate}",
            mean(&all)
        );
        let reported = results[p]["success_rate"].as_f64().unwrap();
        assert!(
            (mean(&all) - reported).abs() < 1e-6,
            "point {p} in sweep.json"
        );
        for name in ["frail_elderly", "urgent_care", "mental_health"] {
            let theirs: Vec<&&Vec<String>> = mine.iter().filter(|r| r[init] == name).collect();
            let rate: f64 = point[column(&sh, &format!("{name}_success_rate"))]
                .parse()
                .unwrap();
            assert!((mean(&theirs) - rate).abs() < 1e-6, "point {p}, {name}");
        }
    }
}

#[test]
fn without_rows_no_rows_file_is_written() {
    let tmp = scratch();
    let dir = tmp.path();
    sweep(dir, &[&GRID[..], &["-o", "plain"]].concat());
    assert!(dir.join("plain/sweep.csv").exists());
    assert!(!dir.join("plain/replications.csv").exists());
    let json = String::from_utf8(read(dir.join("plain/sweep.json"))).unwrap();
    assert!(!json.contains("rows_columns"), "{json}");
    let base = scenario("baseline.toml");
    let out = run_in(
        dir,
        &[
            "experiment",
            "timing",
            base.to_str().unwrap(),
            "-n",
            "3",
            "--no-plots",
            "-o",
            "exp",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.join("exp/timing.csv").exists());
    assert!(!dir.join("exp/replications.csv").exists());
}

/// The sweep a killed child runs: long enough (about a second on one thread) that it is caught
/// in the middle.
const LONG: [&str; 9] = [
    "--param",
    "arenas.practice.grassroots_adoption=0:1:30",
    "--param",
    "arenas.strategic.directive_strength=0:1:4",
    "-n",
    "12",
    "--rows",
    "-o",
    "res",
];

#[test]
fn killed_and_resumed_keeps_each_points_rows_once() {
    let tmp = scratch();
    let (whole, cut) = (tmp.path().join("whole"), tmp.path().join("cut"));
    fs::create_dir_all(&whole).unwrap();
    fs::create_dir_all(&cut).unwrap();
    sweep(&whole, &LONG);

    let mut child = Command::new(env!("CARGO_BIN_EXE_redesign-sim"))
        .args(sweep_args(&[&LONG[..], &["--threads", "1"]].concat()))
        .current_dir(&cut)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let journal = cut.join(".res.sweep-journal");
    let start = Instant::now();
    let done = loop {
        let done = fs::read(journal.join("rows.csv"))
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0);
        if done >= 5 {
            break done;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the sweep ended ({status}) before it could be interrupted");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no rows after a minute"
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    child.kill().expect("SIGKILL the sweep");
    child.wait().unwrap();
    assert!(!cut.join("res").exists(), "killed before it finished");

    // The worst a kill can leave: the next point's rows already joined to the journal's
    // replications (its sweep row not yet written), a torn row after them, and a part file.
    let finished = String::from_utf8(read(whole.join("res/replications.csv"))).unwrap();
    let next = format!("{done},");
    let mut rows = read(journal.join("replications.csv"));
    for line in finished.lines().filter(|l| l.starts_with(&next)) {
        rows.extend_from_slice(line.as_bytes());
        rows.push(b'\n');
    }
    rows.extend_from_slice(b"7,0.5,0,0,frail_elder");
    fs::write(journal.join("replications.csv"), rows).unwrap();
    fs::write(
        journal.join("parts").join(format!("{done}.csv")),
        b"garbage\n",
    )
    .unwrap();

    // The journal belongs to a sweep with rows: resuming without them is refused.
    let no_rows: Vec<&str> = LONG.iter().copied().filter(|a| *a != "--rows").collect();
    let args = sweep_args(&[&no_rows[..], &["--resume"]].concat());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_in(&cut, &refs);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    sweep(&cut, &[&LONG[..], &["--resume"]].concat());
    for name in ["replications.csv", "sweep.csv", "sweep.json"] {
        assert_same_file(&whole.join("res").join(name), &cut.join("res").join(name));
    }
    assert!(
        !journal.exists(),
        "the journal goes once the sweep is complete"
    );
    // Resuming a finished sweep does nothing, and keeps the rows.
    sweep(&cut, &[&LONG[..], &["--resume"]].concat());
    assert_same_file(
        &whole.join("res/replications.csv"),
        &cut.join("res/replications.csv"),
    );
}

fn experiment(dir: &Path, extra: &[&str]) {
    let base = scenario("baseline.toml");
    let mut args: Vec<String> = ["experiment", "arenas", base.to_str().unwrap()]
        .map(String::from)
        .to_vec();
    args.extend(
        [
            "--set",
            "simulation.months=50",
            "-n",
            "5",
            "--probe",
            "0",
            "--no-plots",
            "--quiet",
        ]
        .map(String::from),
    );
    args.extend(extra.iter().map(|s| s.to_string()));
    ok(dir, &args);
}

#[test]
fn experiment_rows_have_a_cell_column_and_agree_with_the_cells() {
    let tmp = scratch();
    let dir = tmp.path();
    experiment(dir, &["--rows", "--threads", "1", "-o", "one"]);
    experiment(dir, &["--rows", "--threads", "2", "-o", "two"]);
    assert_same_file(
        &dir.join("one/replications.csv"),
        &dir.join("two/replications.csv"),
    );
    let (rh, rows) = table(&dir.join("one/replications.csv"));
    assert_eq!(rh[..4], ["cell", "point", "replication", "initiative"]);
    assert_eq!(rows.len(), 5 * 10 * 3, "replications × cells × initiatives");
    let (ch, cells) = table(&dir.join("one/arenas.csv"));
    let success = column(&rh, "success");
    for cell in &cells {
        let label = &cell[column(&ch, "cell")];
        let mine: Vec<f64> = rows
            .iter()
            .filter(|r| &r[0] == label)
            .map(|r| r[success].parse().unwrap())
            .collect();
        assert_eq!(mine.len(), 15, "cell {label}");
        let rate: f64 = cell[column(&ch, "success_rate")].parse().unwrap();
        let mean = mine.iter().sum::<f64>() / mine.len() as f64;
        assert!((mean - rate).abs() < 1e-6, "cell {label}: {mean} vs {rate}");
    }

    // With an ensemble there is one run per set and no single table of rows: refused.
    let base = scenario("baseline.toml");
    let out = run_in(
        dir,
        &[
            "experiment",
            "arenas",
            base.to_str().unwrap(),
            "--ensemble",
            "sets.csv",
            "--rows",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
