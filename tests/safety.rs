//! Never lose a user's files or a sweep's rows: output folders that are the tool's or nobody's,
//! one writer per folder, signals that stop every command promptly, crash-safe journals and a
//! memory guard that counts what each command holds — all through the real binary.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{run_in, scenario, scratch, stderr, write};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_redesign-sim"))
}

/// Every file under `dir` (hidden ones too) with its bytes, by relative path.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, rel: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in fs::read_dir(root.join(rel)).unwrap() {
            let e = e.unwrap();
            let path = rel.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(path.clone(), fs::read(root.join(&path)).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, Path::new(""), &mut out);
    out
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

fn run(dir: &Path, args: &[&str]) -> Output {
    run_in(dir, args)
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

const BASELINE: &str = "baseline.toml";

#[test]
fn a_folder_with_the_users_files_is_refused_by_every_command_before_any_work() {
    let tmp = scratch();
    let root = tmp.path();
    let d = root.join("d");
    fs::create_dir(&d).unwrap();
    write(&d, "notes.txt", "x\n");
    fs::copy(scenario(BASELINE), d.join("my.toml")).unwrap();
    let before = tree(&d);
    let base = scenario(BASELINE);
    let base = base.to_str().unwrap();
    // A shard to merge, so that `merge` too reaches its output folder.
    let shard = run(
        root,
        &[
            "sweep",
            base,
            "-n",
            "2",
            "--param",
            "arenas.practice.reversion_rate=0.1:0.2:2",
            "--shard",
            "0/1",
            "--no-plots",
            "-q",
            "-o",
            "shard",
        ],
    );
    assert_eq!(code(&shard), 0, "{}", stderr(&shard));
    let commands: [&[&str]; 5] = [
        &["run", "d/my.toml", "-n", "5", "--out", "d"],
        &["experiment", "arenas", base, "-n", "2", "--out", "d"],
        &[
            "sweep",
            base,
            "-n",
            "2",
            "--param",
            "arenas.practice.reversion_rate=0.1:0.2:2",
            "--out",
            "d",
        ],
        &["merge", "shard", "--out", "d"],
        &["demo", "-n", "2", "--out", "d"],
    ];
    for args in commands {
        let o = run(root, args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        let msg = stderr(&o);
        // The folder holds the scenario of the first command, and foreign files for all.
        assert!(
            msg.contains("nothing was changed") && msg.contains("--out"),
            "{msg}"
        );
        if args[1] != "d/my.toml" {
            assert!(
                msg.contains("did not write") && msg.contains("--force"),
                "{msg}"
            );
        }
        assert_eq!(tree(&d), before, "{args:?} changed the user's folder");
        assert_eq!(
            names(root),
            ["d", "shard"],
            "{args:?} left something beside it"
        );
    }
    // --force never replaces the folder that holds the scenario being run.
    let o = run(
        root,
        &["run", "d/my.toml", "-n", "5", "--out", "d", "--force"],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("my.toml"), "{}", stderr(&o));
    assert_eq!(tree(&d), before);
    // With the scenario elsewhere it replaces the folder and moves the old one aside whole.
    let o = run(
        root,
        &[
            "run",
            base,
            "-n",
            "5",
            "--out",
            "d",
            "--force",
            "--no-plots",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("d.replaced-1"), "{}", stderr(&o));
    assert_eq!(
        tree(&root.join("d.replaced-1")),
        before,
        "the user's files are kept whole"
    );
    assert!(d.join("summary.json").is_file());
    // The tool's own folder is replaced without a word, and keeps no file of the earlier run.
    assert!(
        d.join("replications.csv").is_file(),
        "the earlier run wrote it"
    );
    let o = run(
        root,
        &[
            "run",
            base,
            "-n",
            "5",
            "--out",
            "d",
            "--no-plots",
            "--set",
            "output.replications_csv=false",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        !d.join("replications.csv").exists(),
        "a file of the earlier run stayed"
    );
    assert_eq!(names(root), ["d", "d.replaced-1", "shard"]);
}

#[test]
fn home_root_and_working_folders_are_never_replaced_even_with_force() {
    let tmp = scratch();
    let home = tmp.path().join("home");
    fs::create_dir(&home).unwrap();
    write(&home, "thesis.tex", "chapter one\n");
    let base = scenario(BASELINE);
    let base = base.to_str().unwrap();
    for out in [home.to_str().unwrap(), ".", "..", "/"] {
        let o = bin()
            .args(["run", base, "-n", "2", "--force", "--out", out])
            .env("HOME", &home)
            .current_dir(&home)
            .output()
            .unwrap();
        assert_eq!(code(&o), 2, "--out {out}: {}", stderr(&o));
        assert!(stderr(&o).contains("never replaces"), "{}", stderr(&o));
    }
    assert_eq!(names(&home), ["thesis.tex"]);
    assert_eq!(names(tmp.path()), ["home"]);
}

/// Waits until `path` exists, or panics if the child ends first or a minute passes.
fn wait_for(path: impl Fn() -> bool, child: &mut Child) {
    let start = Instant::now();
    while !path() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the command ended ({status}) before it could be interrupted");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "nothing after a minute"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether `dir` holds a hidden staging folder of `name`.
fn staging(dir: &Path, name: &str) -> bool {
    let prefix = format!(".{name}.partial-");
    names(dir).iter().any(|n| n.starts_with(&prefix))
}

#[cfg(unix)]
#[test]
fn a_signal_stops_run_promptly_and_keeps_the_previous_outputs() {
    let tmp = scratch();
    let root = tmp.path();
    let base = scenario(BASELINE);
    let base = base.to_str().unwrap();
    let first = run(root, &["run", base, "-n", "20", "-o", "res", "--no-plots"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let previous = tree(&root.join("res"));
    for signal in ["INT", "TERM", "HUP"] {
        // Far more replications than it could finish before the signal.
        let mut child = bin()
            .args([
                "run",
                base,
                "-n",
                "2000000",
                "-o",
                "res",
                "--no-plots",
                "-q",
            ])
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for(|| staging(root, "res"), &mut child);
        std::thread::sleep(Duration::from_millis(300));
        let sent = Instant::now();
        let kill = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let out = child.wait_with_output().unwrap();
        // "About a second"; the bound is generous for a busy machine, and far below the
        // minutes the run would take if the signal were not heeded.
        let took = sent.elapsed();
        assert!(
            took < Duration::from_secs(5),
            "SIG{signal}: stopped after {took:?}"
        );
        assert_eq!(
            out.status.code(),
            Some(130),
            "SIG{signal}: {}",
            stderr(&out)
        );
        assert_eq!(
            tree(&root.join("res")),
            previous,
            "SIG{signal} changed the outputs"
        );
        assert_eq!(names(root), ["res"], "SIG{signal} left staging behind");
    }
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_nothing_that_the_next_run_does_not_clean_and_name() {
    let tmp = scratch();
    let root = tmp.path();
    let base = scenario(BASELINE);
    let base = base.to_str().unwrap();
    let mut child = bin()
        .args(["run", base, "-n", "2000000", "-o", "res", "-q"])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(|| staging(root, "res"), &mut child);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(staging(root, "res"), "a SIGKILL cannot clean up");
    let o = run(root, &["run", base, "-n", "5", "-o", "res", "--no-plots"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("cleaned up"), "{}", stderr(&o));
    assert_eq!(names(root), ["res"]);
}

/// A sweep slow enough to be caught running: 12 points of 4000 replications.
fn slow_sweep(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "sweep",
        scenario(BASELINE).to_str().unwrap(),
        "--set",
        "simulation.months=50",
        "-n",
        "4000",
        "--param",
        "arenas.practice.reversion_rate=0.1:0.3:12",
        "--no-plots",
        "-q",
        "-o",
        "res",
        "--threads",
        "1",
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Checks that `sweep.csv` holds every one of `points` points once, in order.
fn every_point_once_in_order(csv: &Path, points: u64) {
    let text = fs::read_to_string(csv).unwrap();
    let firsts: Vec<u64> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(firsts, (0..points).collect::<Vec<_>>());
}

#[test]
fn two_resumed_sweeps_into_one_folder_never_interleave() {
    let tmp = scratch();
    let root = tmp.path();
    let mut first = bin()
        .args(slow_sweep(&["--resume"]))
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(
        || root.join(".res.sweep-journal/rows.csv").exists(),
        &mut first,
    );
    let second = bin()
        .args(slow_sweep(&["--resume"]))
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(code(&second), 2, "{}", stderr(&second));
    let msg = stderr(&second);
    assert!(
        msg.contains("another redesign-sim process")
            && msg.contains(&format!("PID {}", first.id())),
        "{msg}"
    );
    let out = first.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    every_point_once_in_order(&root.join("res/sweep.csv"), 12);
    assert_eq!(names(root), ["res"]);
}

/// The shorter sweep used for the journal's crash cases.
fn quick_sweep(extra: &[&str]) -> Vec<String> {
    let mut args = slow_sweep(extra);
    let n = args.iter().position(|a| a == "4000").unwrap();
    args[n] = "20".into();
    args
}

#[test]
fn a_sweep_killed_while_removing_its_journal_resumes() {
    let tmp = scratch();
    let root = tmp.path();
    let o = bin()
        .args(quick_sweep(&[]))
        .current_dir(root)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let whole = tree(&root.join("res"));
    // A kill inside the removal leaves the journal under its `.removing` name, torn.
    let removing = root.join(".res.sweep-journal.removing");
    fs::create_dir(&removing).unwrap();
    write(&removing, "rows.csv", "0,0.1,0.5\n");
    let o = bin()
        .args(quick_sweep(&["--resume"]))
        .current_dir(root)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("cleaned up"), "{}", stderr(&o));
    assert_eq!(tree(&root.join("res")), whole);
    assert_eq!(names(root), ["res"]);
    // An earlier version removed the journal in place; one torn without its identity is
    // started afresh rather than refused for ever.
    let journal = root.join(".res.sweep-journal");
    fs::create_dir(&journal).unwrap();
    write(&journal, "rows.csv", "0,0.1,0.5\n");
    let o = bin()
        .args(quick_sweep(&["--resume"]))
        .current_dir(root)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(tree(&root.join("res")), whole);
    assert_eq!(names(root), ["res"]);
    // A finished sweep.csv with a duplicated row is not taken as finished: it is run again.
    let csv = root.join("res/sweep.csv");
    let mut text = fs::read_to_string(&csv).unwrap();
    let second_row = text.lines().nth(2).unwrap().to_string();
    text.push_str(&second_row);
    text.push('\n');
    fs::write(&csv, text).unwrap();
    let o = bin()
        .args(quick_sweep(&["--resume"]))
        .current_dir(root)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("once, in order"), "{}", stderr(&o));
    assert_eq!(tree(&root.join("res")), whole);
}

/// The peak resident memory the binary reports with `REDESIGN_SIM_REPORT_PEAK`, in bytes.
fn peak(o: &Output) -> u64 {
    let line = stderr(o)
        .lines()
        .find_map(|l| l.strip_prefix("peak memory: ").map(String::from))
        .unwrap_or_else(|| panic!("no peak reported: {}", stderr(o)));
    let kib: u64 = line.trim_end_matches("kB").trim().parse().unwrap();
    kib * 1024
}

#[test]
fn the_memory_estimate_covers_the_measured_peak_of_each_command() {
    use redesign_sim::{memory, scenario as sc};
    let tmp = scratch();
    let root = tmp.path();
    let base = scenario(BASELINE);
    // A long horizon makes the per-run aggregates the larger part of memory.
    let set = ["simulation.months=600", "simulation.replications=300"];
    let source = sc::load(&base).unwrap();
    let overrides: Vec<sc::Override> = set
        .iter()
        .map(|s| sc::Override::parse(s).unwrap())
        .collect();
    let s = source.resolve(&overrides).unwrap();
    let cases: [(&[&str], u64); 3] = [
        (&["run"], 1),
        (&["experiment", "arenas"], 10),
        // Two threads keep four points in flight.
        (
            &[
                "sweep",
                "--param",
                "arenas.practice.reversion_rate=0.1:0.3:6",
            ],
            4,
        ),
    ];
    for (command, runs) in cases {
        let mut args: Vec<&str> = command[..1].to_vec();
        if command[0] == "experiment" {
            args.push(command[1]);
            // The robustness probe runs after the experiment, holding fewer runs at once.
            args.extend(["--probe", "0"]);
        }
        args.push(base.to_str().unwrap());
        if command[0] == "sweep" {
            args.extend(&command[1..]);
        }
        for x in &set {
            args.extend(["--set", x]);
        }
        args.extend(["--threads", "2", "--no-plots", "-q", "-o", "res"]);
        let o = bin()
            .args(&args)
            .current_dir(root)
            .env("REDESIGN_SIM_REPORT_PEAK", "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let measured = peak(&o);
        let estimate = memory::memory_estimate(&s, Some(2), runs);
        println!(
            "{command:?}: estimate {:.1} MiB, measured peak {:.1} MiB",
            estimate as f64 / 1048576.0,
            measured as f64 / 1048576.0
        );
        assert!(
            estimate >= measured,
            "{command:?}: estimate {estimate} below the measured peak {measured}"
        );
        assert!(
            estimate <= 8 * measured,
            "{command:?}: estimate {estimate} far above the measured peak {measured}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_command_too_large_for_the_address_space_is_refused_up_front() {
    let tmp = scratch();
    let root = tmp.path();
    // 100 initiatives over 1,200 months: one run fits in 2 GiB, the ten cells of the arena
    // experiment do not.
    let mut text = String::from("[simulation]\nmonths = 1200\nreplications = 4\n\n");
    for k in 0..100 {
        text.push_str(&format!(
            "[[initiative]]\nname = \"i{k}\"\ncomplexity = 0.5\nscope = [\"acute\"]\n\n"
        ));
    }
    write(root, "big.toml", &text);
    let limited = |command: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v 2097152 && exec \"$0\" {command} big.toml"
            ))
            .arg(env!("CARGO_BIN_EXE_redesign-sim"))
            .current_dir(root)
            .output()
            .unwrap()
    };
    let o = limited("check");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = limited("experiment arenas -q --no-plots -o res");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("10 runs held at once"),
        "{}",
        stderr(&o)
    );
    assert_eq!(names(root), ["big.toml"], "nothing written");
}
