//! `calibrate` and `experiment arenas --ensemble` on the sweep machinery, through the real
//! binary: the same bytes for one thread and two, for shards merged (a calibration wave by
//! wave, seeded with `--from`), and for a run killed mid-way and resumed.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Every file under `dir` (the marker included), by relative path, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap().to_path_buf();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Asserts two output folders hold the same files with the same bytes.
fn assert_same_folders(a: &Path, b: &Path) {
    let (x, y) = (files(a), files(b));
    assert_eq!(
        x.keys().collect::<Vec<_>>(),
        y.keys().collect::<Vec<_>>(),
        "{} and {} hold different files",
        a.display(),
        b.display()
    );
    for (name, bytes) in &x {
        assert!(
            *bytes == y[name],
            "{} differs between {} and {}",
            name.display(),
            a.display(),
            b.display()
        );
    }
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = run_in(dir, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// `calibrate` on the baseline with a small budget and `extra`.
fn calibrate(replications: &str, extra: &[&str]) -> Vec<String> {
    let base = scenario("baseline.toml");
    let mut args: Vec<String> = [
        "calibrate",
        base.to_str().unwrap(),
        "--sets",
        "16",
        "-n",
        replications,
        "-q",
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run(dir: &Path, args: &[String]) -> String {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(dir, &refs)
}

#[test]
fn a_calibration_is_the_same_bytes_for_any_thread_count_and_wave_by_wave_shards() {
    let tmp = scratch();
    let d = tmp.path();
    run(
        d,
        &calibrate("4", &["--waves", "2", "--threads", "1", "-o", "one"]),
    );
    run(
        d,
        &calibrate("4", &["--waves", "2", "--threads", "2", "-o", "two"]),
    );
    assert_same_folders(&d.join("one"), &d.join("two"));
    let sets = fs::read_to_string(d.join("one/sets.csv")).unwrap();
    assert_eq!(sets.lines().count(), 1 + 32, "two waves of 16 sets");

    // Wave 1 in two shards, merged; wave 2 in two shards seeded from that merge, merged.
    for k in ["0/2", "1/2"] {
        let out = format!("w1-{}", &k[..1]);
        run(
            d,
            &calibrate("4", &["--waves", "1", "--shard", k, "-o", &out]),
        );
    }
    run(d, &["merge", "w1-1", "w1-0", "-o", "w1"].map(String::from));
    for k in ["0/2", "1/2"] {
        let out = format!("w2-{}", &k[..1]);
        run(
            d,
            &calibrate(
                "4",
                &["--waves", "2", "--from", "w1", "--shard", k, "-o", &out],
            ),
        );
    }
    run(d, &["merge", "w2-0", "w2-1", "-o", "w2"].map(String::from));
    assert_same_folders(&d.join("w2"), &d.join("one"));
    // The merged first wave is the whole run of one wave, and continuing it unsharded gives
    // the whole two-wave run too.
    run(d, &calibrate("4", &["--waves", "1", "-o", "first"]));
    assert_same_folders(&d.join("w1"), &d.join("first"));
    run(
        d,
        &calibrate("4", &["--waves", "2", "--from", "first", "-o", "more"]),
    );
    assert_same_folders(&d.join("more"), &d.join("one"));

    // A shard of two waves at once, a --from of another design, and a missing shard are refused.
    let refs = calibrate("4", &["--waves", "2", "--shard", "0/2", "-o", "bad"]);
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let o = run_in(d, &refs);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--waves 1"), "{}", stderr(&o));
    let refs = calibrate("5", &["--waves", "2", "--from", "w1", "-o", "bad"]);
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let o = run_in(d, &refs);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("another design"), "{}", stderr(&o));
    let o = run_in(d, &["merge", "w2-0", "-o", "bad"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--shard 1/2"), "{}", stderr(&o));
    assert!(!d.join("bad").exists());
}

fn spawn(dir: &Path, args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_redesign-sim"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Waits until the journal of output folder `name` holds at least `n` complete rows, then
/// kills the child.
fn kill_after_rows(dir: &Path, name: &str, mut child: Child, n: usize) {
    let rows = dir.join(format!(".{name}.sweep-journal/rows.csv"));
    let start = Instant::now();
    loop {
        let done = fs::read(&rows)
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0);
        if done >= n {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the run ended ({status}) before it could be interrupted");
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no journal rows after two minutes"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL the run");
    child.wait().unwrap();
    assert!(!dir.join(name).exists(), "killed before it finished");
    // A kill in the middle of a write leaves a torn row; resuming must cut it off.
    let mut bytes = fs::read(&rows).unwrap();
    bytes.extend_from_slice(b"999,1,0.5");
    fs::write(&rows, bytes).unwrap();
}

#[test]
fn a_calibration_killed_in_its_second_wave_and_resumed_equals_an_uninterrupted_one() {
    let tmp = scratch();
    let d = tmp.path();
    let args = |out: &str, extra: &[&str]| {
        let mut a = vec!["--waves", "2", "--threads", "1", "-o", out];
        a.extend(extra);
        calibrate("40", &a)
    };
    run(d, &args("whole", &[]));
    kill_after_rows(d, "cut", spawn(d, &args("cut", &[])), 20);
    // Without --resume the journal is not thrown away.
    let refs = args("cut", &[]);
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let o = run_in(d, &refs);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));
    // A resume with another design is refused.
    let refs = calibrate("41", &["--waves", "2", "--resume", "-o", "cut"]);
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let o = run_in(d, &refs);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("another design"), "{}", stderr(&o));
    run(d, &args("cut", &["--resume"]));
    assert_same_folders(&d.join("cut"), &d.join("whole"));
    assert!(!d.join(".cut.sweep-journal").exists());
    // Resuming a finished run does nothing and says so.
    let said = run(
        d,
        &args("cut", &["--resume"])
            .into_iter()
            .filter(|a| a != "-q")
            .collect::<Vec<_>>(),
    );
    assert!(said.contains("already complete"), "{said}");
    assert_same_folders(&d.join("cut"), &d.join("whole"));
}

/// An ensemble file of `n` sets moving two parameters of the baseline.
fn ensemble_file(dir: &Path, n: usize) {
    let mut text = String::from("set,wave,arenas.practice.reversion_rate,population.area_spread\n");
    for i in 0..n {
        let r = 0.3 + 0.4 * (i as f64) / n as f64;
        let a = 0.1 + 0.3 * ((i * 7) % n) as f64 / n as f64;
        text.push_str(&format!("{},1,{r:.4},{a:.4}\n", 100 + i));
    }
    write(dir, "plausible.csv", &text);
}

fn ensemble(replications: &str, extra: &[&str]) -> Vec<String> {
    let base = scenario("baseline.toml");
    let mut a: Vec<String> = [
        "experiment",
        "arenas",
        base.to_str().unwrap(),
        "--ensemble",
        "plausible.csv",
        "-n",
        replications,
        "-q",
    ]
    .map(String::from)
    .to_vec();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[test]
fn an_ensemble_in_shards_merges_to_the_bytes_of_a_whole_run_and_resumes_after_a_kill() {
    let tmp = scratch();
    let d = tmp.path();
    ensemble_file(d, 7);
    run(d, &ensemble("8", &["--threads", "2", "-o", "whole"]));
    for k in ["1/2", "0/2"] {
        let out = format!("s{}", &k[..1]);
        run(
            d,
            &ensemble("8", &["--threads", "1", "--shard", k, "-o", &out]),
        );
    }
    run(d, &["merge", "s0", "s1", "-o", "merged"].map(String::from));
    assert_same_folders(&d.join("merged"), &d.join("whole"));
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("merged/ensemble.json")).unwrap()).unwrap();
    assert_eq!(json["ensemble"]["sets"], 7);

    // Killed mid-way and resumed: the same bytes as uninterrupted.
    ensemble_file(d, 7);
    run(d, &ensemble("60", &["--threads", "1", "-o", "long"]));
    kill_after_rows(
        d,
        "cut",
        spawn(d, &ensemble("60", &["--threads", "1", "-o", "cut"])),
        2,
    );
    run(
        d,
        &ensemble("60", &["--threads", "2", "--resume", "-o", "cut"]),
    );
    assert_same_folders(&d.join("cut"), &d.join("long"));
    // The file changed: a resume refuses the finished folder's design, and merge refuses
    // shards of another file.
    ensemble_file(d, 8);
    let refs = ensemble("8", &["--shard", "0/2", "-o", "t0"]);
    run(d, &refs);
    let o = run_in(d, &["merge", "t0", "s1", "-o", "bad"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("different runs"), "{}", stderr(&o));
}
