//! Bad input through the real binary: the corpus in `tests/bad_scenarios/`, and output folders
//! that cannot be written or whose run is interrupted.
//!
//! A corpus case is a name `NAME` with up to three files beside each other:
//! - `NAME.toml`, the scenario (absent for a case about a missing file);
//! - `NAME.args`, extra command-line arguments, split at whitespace (optional);
//! - `NAME.expected`, the golden standard error, with the scratch folder written `<scratch>` and
//!   the corpus folder `<corpus>` so that it holds on any machine.
//!
//! Each case runs through `run` (with `--out` in a scratch folder) and, when it has no flags,
//! through `check` as well. `BLESS=1 cargo test --test bad_input` rewrites the golden files from
//! what the binary says.
//! Files in `tests/bad_scenarios/parts/` are only extended by cases, never run on their own.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn corpus() -> PathBuf {
    root().join("tests").join("bad_scenarios")
}

/// Every case name in the corpus, from whichever of its files exist.
fn cases() -> Vec<String> {
    let mut names = BTreeSet::new();
    for entry in fs::read_dir(corpus()).expect("the corpus folder") {
        let path = entry.expect("a corpus entry").path();
        let ext = path.extension().and_then(|e| e.to_str());
        if path.is_file()
            && matches!(ext, Some("toml" | "args" | "expected"))
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            names.insert(stem.to_string());
        }
    }
    names.into_iter().collect()
}

/// Hidden staging folders (`.out.partial-*`) and anything else in `dir` besides `keep`.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !keep.contains(&n.as_str()))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs one case; returns its normalised standard error, or a description of what went wrong
/// besides the message itself.
fn run_case(name: &str) -> Result<String, String> {
    let scratch = scratch();
    let out = scratch.path().join("out");
    let mut args: Vec<String> = vec![
        "run".into(),
        format!("{name}.toml"),
        "--out".into(),
        out.display().to_string(),
        "--no-plots".into(),
        "--quiet".into(),
    ];
    if let Ok(extra) = fs::read_to_string(corpus().join(format!("{name}.args"))) {
        args.extend(extra.split_whitespace().map(str::to_string));
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run_in(&corpus(), &argv);
    let err = stderr(&o)
        .replace(&scratch.path().display().to_string(), "<scratch>")
        .replace(&corpus().display().to_string(), "<corpus>");
    let mut problems = Vec::new();
    if o.status.code() != Some(2) {
        problems.push(format!("exit code {:?}, expected 2", o.status.code()));
    }
    if err.contains("panicked") {
        problems.push("the binary panicked".into());
    }
    if !err.starts_with("error: ") {
        problems.push("standard error does not start with `error: `".into());
    }
    if out.exists() {
        problems.push("an output folder was created".into());
    }
    let left = leftovers(scratch.path(), &[]);
    if !left.is_empty() {
        problems.push(format!("left in the scratch folder: {left:?}"));
    }
    if problems.is_empty() {
        Ok(err)
    } else {
        Err(format!("{}\n    stderr: {err}", problems.join("; ")))
    }
}

#[test]
fn every_bad_scenario_is_refused_with_its_message() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let cases = cases();
    assert!(
        cases.len() >= 30,
        "the corpus has only {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for name in &cases {
        let golden = corpus().join(format!("{name}.expected"));
        let err = match run_case(name) {
            Ok(err) => err,
            Err(problem) => {
                failures.push(format!("{name}: {problem}"));
                continue;
            }
        };
        // `check` is the researcher's way to validate before a long run: it must refuse the same
        // files with the same words. (Cases with flags are about `run`'s own options.)
        if !corpus().join(format!("{name}.args")).exists() {
            let o = run_in(&corpus(), &["check", &format!("{name}.toml")]);
            let check_err = stderr(&o).replace(&corpus().display().to_string(), "<corpus>");
            if o.status.code() != Some(2) || check_err != err {
                failures.push(format!(
                    "{name}: `check` answers differently (exit {:?}): {}",
                    o.status.code(),
                    check_err.trim_end()
                ));
            }
        }
        if bless {
            fs::write(&golden, &err).expect("write a golden file");
            continue;
        }
        match fs::read_to_string(&golden) {
            Ok(expected) if expected == err => {}
            Ok(expected) => failures.push(format!(
                "{name}: message differs\n    expected: {}\n    found:    {}",
                expected.trim_end(),
                err.trim_end()
            )),
            Err(_) => failures.push(format!(
                "{name}: no golden file {name}.expected (run with BLESS=1 to write it)\n    found: {}",
                err.trim_end()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad scenarios failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn baseline() -> String {
    scenario("baseline.toml").display().to_string()
}

#[test]
fn an_output_folder_under_a_file_is_refused_before_any_work() {
    let dir = scratch();
    write(dir.path(), "results", "a file where a folder should be\n");
    let start = Instant::now();
    // Far more replications than could run in the time allowed: the refusal must come first.
    let o = run_in(
        dir.path(),
        &[
            "run",
            &baseline(),
            "-n",
            "50000000",
            "--out",
            "results/baseline",
            "--quiet",
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        err.trim_end(),
        "error: cannot write results/baseline: results is a file, not a folder"
    );
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "it did work first"
    );
    assert_eq!(leftovers(dir.path(), &["results"]), Vec::<String>::new());
}

#[test]
fn an_output_path_that_is_a_file_is_refused_and_kept() {
    let dir = scratch();
    write(dir.path(), "out", "precious\n");
    let o = run_in(
        dir.path(),
        &["run", &baseline(), "-n", "5", "--out", "out", "--quiet"],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot write out: it exists and is not a folder"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("out")).unwrap(),
        "precious\n"
    );
}

#[test]
fn a_read_only_output_folder_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch();
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    // As root, permissions do not stop writes, so there is nothing to test.
    if fs::write(locked.join("probe"), b"").is_ok() {
        eprintln!("skipped: permissions do not stop this user writing");
        return;
    }
    let o = run_in(
        dir.path(),
        &[
            "run",
            &baseline(),
            "-n",
            "5",
            "--out",
            "locked/out",
            "--quiet",
        ],
    );
    let err = stderr(&o);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.starts_with("error: cannot write locked/out: "), "{err}");
    assert!(leftovers(&locked, &[]).is_empty());
}

/// The files of a folder, by name.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .expect("an output folder")
        .map(|e| {
            let e = e.expect("an entry");
            let bytes = fs::read(e.path()).expect("a readable file");
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

/// Kills the child when a test fails before it does.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a long run into `dir/out` and waits until its staging folder holds results.
fn start_long_run(dir: &Path) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_redesign-sim"))
        .args([
            "run",
            &baseline(),
            "-n",
            "50000000",
            "--out",
            "out",
            "--quiet",
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let staging = dir.join(format!(".out.partial-{}", child.id()));
    let run = Running(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let written = fs::metadata(staging.join("replications.csv")).map_or(0, |m| m.len());
        if written > 0 {
            return run;
        }
        assert!(
            Instant::now() < deadline,
            "the second run never started writing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Outputs of a first complete run, for the interrupted run to leave alone.
fn first_run(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let o = run_in(
        dir,
        &["run", &baseline(), "-n", "30", "--out", "out", "--quiet"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let first = snapshot(&dir.join("out"));
    assert!(first.contains_key("summary.json") && first.contains_key("replications.csv"));
    first
}

#[test]
fn a_killed_run_leaves_the_previous_outputs_whole() {
    let dir = scratch();
    let first = first_run(dir.path());
    let mut run = start_long_run(dir.path());
    run.0.kill().expect("kill the run");
    let _ = run.0.wait();
    assert_eq!(
        snapshot(&dir.path().join("out")),
        first,
        "outputs were mixed"
    );
    // A killed process cannot tidy up; the next run into the same place does.
    let o = run_in(
        dir.path(),
        &["run", &baseline(), "-n", "7", "--out", "out", "--quiet"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(leftovers(dir.path(), &["out"]), Vec::<String>::new());
    assert_ne!(snapshot(&dir.path().join("out")), first);
}

#[test]
fn an_interrupted_run_leaves_the_previous_outputs_whole() {
    let dir = scratch();
    let first = first_run(dir.path());
    let mut run = start_long_run(dir.path());
    let pid = run.0.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = run.0.try_wait().expect("wait for the run") {
            break status;
        }
        assert!(Instant::now() < deadline, "the run ignored Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success(), "an interrupted run reported success");
    assert_eq!(
        status.code(),
        Some(130),
        "Ctrl-C ends a run with exit code 130"
    );
    assert_eq!(
        snapshot(&dir.path().join("out")),
        first,
        "outputs were mixed"
    );
    // Ctrl-C is caught: the run removes its own staging folder on the way out.
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

/// Runs `redesign-sim check FILE` in `dir` and returns its exit code and standard error, failing
/// the test if it takes longer than `limit` (the output goes to files, so a large scenario
/// printed back cannot fill a pipe and stall the child while we wait).
fn check_within(dir: &Path, file: &str, limit: Duration) -> (Option<i32>, String) {
    let err_path = dir.join("check.stderr");
    let child = Command::new(env!("CARGO_BIN_EXE_redesign-sim"))
        .args(["check", file])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(fs::File::create(&err_path).expect("a file for standard error"))
        .spawn()
        .expect("the binary starts");
    let mut run = Running(child);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = run.0.try_wait().expect("wait for check") {
            break status;
        }
        assert!(
            start.elapsed() < limit,
            "`check {file}` took more than {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let err = fs::read_to_string(&err_path).expect("standard error as UTF-8");
    (status.code(), err)
}

/// A scenario of `n` initiatives, each with its own name and a scope. It runs 12 months (so that
/// the memory guard lets 60,000 initiatives through), without the default events and survey that
/// fall later.
fn many_initiatives(n: usize) -> String {
    let mut text = String::with_capacity(n * 80);
    text.push_str("event = []\n\n[simulation]\nmonths = 12\n\n[survey]\nmonths = [6]\n\n");
    for i in 0..n {
        text.push_str(&format!(
            "[[initiative]]\nname = \"initiative_{i}\"\ncomplexity = 0.5\nscope = [\"acute\"]\n\n"
        ));
    }
    text
}

#[test]
fn sixty_thousand_initiatives_check_in_linear_time() {
    // This guards complexity, not speed: the bound is generous. Linear validation takes about a
    // second in a release build; quadratic validation (every key located by scanning the file
    // from its start) took 53 s for 20,000 initiatives and did not finish 60,000 in 2 minutes.
    let dir = scratch();
    write(dir.path(), "many.toml", &many_initiatives(60_000));
    let (code, err) = check_within(dir.path(), "many.toml", Duration::from_secs(10));
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_million_character_key_or_value_is_cut_in_the_message() {
    let dir = scratch();
    let long = "k".repeat(1_000_000);
    write(
        dir.path(),
        "long_key.toml",
        &format!("[simulation]\nmonths = 24\n{long} = 1\n"),
    );
    write(
        dir.path(),
        "long_value.toml",
        &format!("[simulation]\nname = \"{long}\"\nmonths = \"{long}\"\n"),
    );
    // Generous, as above: a bound on complexity. Looking for the nearest known key compared the
    // whole key with each of them in time proportional to the product of their lengths.
    let limit = Duration::from_secs(10);
    let (code, err) = check_within(dir.path(), "long_key.toml", limit);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.len() < 500, "a message of {} bytes", err.len());
    assert!(
        err.starts_with("error: long_key.toml:3:1: unknown key `simulation.kkkkk"),
        "{err}"
    );
    assert!(err.contains("…` (1000011 characters)"), "{err}");
    let (code, err) = check_within(dir.path(), "long_value.toml", limit);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.len() < 500, "a message of {} bytes", err.len());
    assert!(
        err.starts_with(
            "error: long_value.toml:3:1: `simulation.months` expects a whole number in [1, 1200], found the string \"kkkkk"
        ),
        "{err}"
    );
    assert!(err.contains("…\" (1000000 characters)"), "{err}");
}

#[test]
fn invalid_utf8_is_located_by_line() {
    let dir = scratch();
    // A Latin-1 "é" on the third line, as an editor set to the wrong encoding would save it.
    let path = dir.path().join("latin1.toml");
    fs::write(&path, b"[simulation]\nmonths = 24\nname = \"caf\xe9\"\n").unwrap();
    let (code, err) = check_within(dir.path(), "latin1.toml", Duration::from_secs(60));
    assert_eq!(code, Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.starts_with("error: latin1.toml:3:12: "),
        "names the file, line and column: {err}"
    );
    assert!(
        err.contains("invalid UTF-8 at byte 12 of line 3: found the byte 0xE9"),
        "{err}"
    );
}
