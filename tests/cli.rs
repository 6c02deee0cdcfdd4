//! The command-line interface through the real binary: run, check, params, --set, bad input,
//! and reproducibility across thread counts.

mod common;

use common::*;

#[test]
fn run_writes_results_and_a_readable_table() {
    let dir = scratch();
    let o = run_baseline(dir.path(), &["-n", "40", "--out", "res", "--no-plots"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("frail_elderly") && out.contains("95% CI"),
        "{out}"
    );
    assert!(out.contains("Virtual survey"), "{out}");
    for f in ["summary.json", "replications.csv", "timeseries.csv"] {
        assert!(dir.path().join("res").join(f).is_file(), "{f} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("res/summary.json")).unwrap())
            .unwrap();
    for key in [
        "scenario",
        "seed",
        "replications",
        "overall_success_rate",
        "ci95",
        "initiatives",
        "leadership",
        "survey",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    let rows = std::fs::read_to_string(dir.path().join("res/replications.csv")).unwrap();
    assert_eq!(rows.lines().count(), 1 + 40 * 3);
    assert!(rows.starts_with("point,replication,initiative,success,months_to_success,failure_mode,peak_mandate,peak_design,peak_adoption,final_routinised,market_episodes,hierarchy_episodes,network_episodes,providers_destabilised,gp_seats_filled_share"));
    // The last column names the scenario on every row, so files of several scenarios stack.
    let name = summary["scenario"].as_str().unwrap();
    assert!(rows.lines().next().unwrap().ends_with(",scenario"));
    assert!(
        rows.lines()
            .skip(1)
            .all(|l| l.ends_with(&format!(",{name}")))
    );
    // No staging folder is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn summary_is_identical_across_thread_counts_and_differs_across_seeds() {
    let dir = scratch();
    let base = scenario("baseline.toml");
    let base = base.to_str().unwrap();
    let summary = |threads: &str, seed: &str, out: &str| {
        let o = run_in(
            dir.path(),
            &[
                "run",
                base,
                "-n",
                "60",
                "--threads",
                threads,
                "--seed",
                seed,
                "--out",
                out,
                "--no-plots",
                "--quiet",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        (
            std::fs::read(dir.path().join(out).join("summary.json")).unwrap(),
            std::fs::read(dir.path().join(out).join("replications.csv")).unwrap(),
        )
    };
    let one = summary("1", "7", "t1");
    let two = summary("2", "7", "t2");
    assert_eq!(one, two, "outputs depend on the thread count");
    let other = summary("2", "8", "t3");
    assert_ne!(one.0, other.0, "another seed gave the same summary");
}

#[test]
fn json_flag_prints_the_summary() {
    let dir = scratch();
    let o = run_baseline(
        dir.path(),
        &["-n", "10", "--json", "--no-plots", "--out", "j"],
    );
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("stdout is JSON");
    assert_eq!(v["replications"], 10);
}

#[test]
fn set_overrides_any_parameter() {
    let dir = scratch();
    let s = scenario("baseline.toml");
    let o = run_in(
        dir.path(),
        &[
            "check",
            s.to_str().unwrap(),
            "--set",
            "arenas.practice.enabled=false",
            "--set",
            "initiative.urgent_care.complexity=0.9",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let resolved = stdout(&o);
    let table: toml::Table = resolved.parse().expect("check prints TOML");
    assert_eq!(
        table["arenas"]["practice"]["enabled"].as_bool(),
        Some(false)
    );
    assert_eq!(table["initiative"][1]["complexity"].as_float(), Some(0.9));
    // The resolved scenario is itself a valid scenario.
    let again = write(dir.path(), "resolved.toml", &resolved);
    assert!(
        run_in(dir.path(), &["check", again.to_str().unwrap()])
            .status
            .success()
    );
}

#[test]
fn params_lists_every_public_path() {
    let o = run_in(&root(), &["params"]);
    assert!(o.status.success());
    let out = stdout(&o);
    for path in [
        "simulation.months",
        "simulation.replications",
        "simulation.seed",
        "arenas.strategic.enabled",
        "arenas.programme.enabled",
        "arenas.practice.enabled",
        "leadership.clinical",
        "leadership.managerial",
        "population.area_spread",
        "arenas.practice.grassroots_adoption",
        "arenas.strategic.directive_strength",
        "arenas.programme.contract_strength",
        "arenas.practice.reversion_rate",
        "environment.policy_uncertainty",
        "environment.central_pressure",
        "success.threshold",
        "success.sustain_months",
    ] {
        assert!(out.lines().any(|l| l == path), "params lacks {path}");
    }
    // `extends` is a key of every file though not a parameter; a distribution's mean says whose.
    assert!(out.starts_with("extends\n"), "{out}");
    let after = |path: &str| {
        let lines: Vec<&str> = out.lines().collect();
        let i = lines.iter().position(|l| *l == path).unwrap();
        lines[i + 2].trim().to_string()
    };
    assert!(
        after("gp.willingness.mean").starts_with("Willingness to take up leadership")
            && after("gp.willingness.mean").contains("mean of the attribute"),
        "{}",
        after("gp.willingness.mean")
    );
    assert!(after("gp.logic.market").starts_with("Mean logic mix of GPs: weight of"));
    let json = run_in(&root(), &["params", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&json)).unwrap();
    assert!(rows.len() > 100);
    let row = |path: &str| rows.iter().find(|r| r["path"] == path).unwrap().clone();
    let r = row("arenas.practice.reversion_rate");
    assert_eq!(r["kind"], "float");
    assert_eq!(r["minimum"], 0.0);
    assert_eq!(r["maximum"], 1.0);
    assert!(r["default"].is_f64(), "typed default: {r}");
    assert!(r["doc"].is_string());
    assert_eq!(row("simulation.months")["kind"], "int");
    assert_eq!(row("leadership.clinical")["default"], true);
    assert_eq!(row("simulation.seed")["maximum"], serde_json::Value::Null);
}

#[test]
fn params_salib_prints_a_problem_definition_for_chosen_paths() {
    let o = run_in(
        &root(),
        &[
            "params",
            "--salib",
            "arenas.practice.reversion_rate",
            "population.area_spread=0.1:0.4",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let p: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(p["num_vars"], 2);
    assert_eq!(p["names"][1], "population.area_spread");
    assert_eq!(p["bounds"][0], serde_json::json!([0.0, 1.0]));
    assert_eq!(p["bounds"][1], serde_json::json!([0.1, 0.4]));
    for bad in [
        "arenas.practice.enabled",
        "no.such",
        "simulation.seed",
        "population.area_spread=0.4:0.1",
        "arenas.practice.reversion_rate=0:2",
    ] {
        let o = run_in(&root(), &["params", "--salib", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(stderr(&o).contains("--salib"), "{}", stderr(&o));
    }
}

fn bad(text: &str, extra: &[&str]) -> (i32, String, tempfile::TempDir) {
    let dir = scratch();
    let f = write(dir.path(), "bad.toml", text);
    let mut args = vec!["run", f.to_str().unwrap(), "--out", "out", "-n", "2"];
    args.extend_from_slice(extra);
    let o = run_in(dir.path(), &args);
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert!(
        !dir.path().join("out").exists(),
        "an output folder was written for bad input"
    );
    (o.status.code().unwrap_or(-1), stderr(&o), dir)
}

#[test]
fn a_syntax_error_names_file_line_and_column() {
    let (code, err, _d) = bad("[simulation]\nmonths = 60\nseed = = 3\n", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.toml:3:"), "{err}");
    assert!(err.contains("invalid TOML"), "{err}");
}

#[test]
fn an_unknown_key_names_the_nearest_known_one() {
    let (code, err, _d) = bad("[arenas.practice]\nreversion_rat = 0.2\n", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.toml:2:1: unknown key `arenas.practice.reversion_rat` (did you mean `arenas.practice.reversion_rate`?)"), "{err}");
}

#[test]
fn an_out_of_range_value_names_its_range() {
    let (code, err, _d) = bad("[arenas.strategic]\ndirective_strength = 1.5\n", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.toml:2:1: `arenas.strategic.directive_strength` must be a number in [0, 1], found 1.5"), "{err}");
}

#[test]
fn a_bad_set_is_refused() {
    let (code, err, _d) = bad("", &["--set", "arenas.practice.enabled=maybe"]);
    assert_eq!(code, 2);
    assert!(err.contains("--set arenas.practice.enabled=maybe"), "{err}");
    assert!(
        err.contains("expects true or false, found the string \"maybe\""),
        "{err}"
    );
}

#[test]
fn check_finds_mistakes_in_the_sweep_table() {
    let dir = scratch();
    let base = scenario("baseline.toml");
    let f = write(
        dir.path(),
        "sweep.toml",
        &format!(
            "extends = \"{}\"\n[[sweep.param]]\npath = \"arenas.practice.reversion_rat\"\nlo = 0\nhi = 1\n",
            base.display()
        ),
    );
    let o = run_in(dir.path(), &["check", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `arenas.practice.reversion_rate`?"),
        "{}",
        stderr(&o)
    );
}

/// Every entry of `dir`, recursively, hidden ones too: what a dry run must leave untouched.
fn entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read the folder").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(entries(&p));
        }
        out.push(p);
    }
    out.sort();
    out
}

#[test]
fn sweep_dry_run_prints_the_design_and_writes_nothing() {
    let dir = scratch();
    let base = scenario("baseline.toml");
    let before = entries(dir.path());
    let o = run_in(
        dir.path(),
        &[
            "sweep",
            base.to_str().unwrap(),
            "--param",
            "arenas.practice.grassroots_adoption=0:1:3",
            "--param",
            "leadership.clinical=false:true",
            "--shard",
            "1/4",
            "--resume",
            "--out",
            "res",
            "--dry-run",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for want in [
        "grid design, 6 points",
        "arenas.practice.grassroots_adoption (real), 3 levels: 0, 0.5, 1",
        "leadership.clinical (switch), 2 levels: false, true",
        "Shard 1/4 runs 2 of the 6 points (each of the 4 shards runs 1 or 2)",
        "nothing was run or written",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert_eq!(entries(dir.path()), before, "a dry run wrote files");
}

#[test]
fn sweep_dry_run_refuses_a_bad_param() {
    let dir = scratch();
    let base = scenario("baseline.toml");
    for (param, message) in [
        (
            "arenas.practice.grassroot_adoption=0:1:3",
            "did you mean `arenas.practice.grassroots_adoption`?",
        ),
        (
            "arenas.practice.grassroots_adoption=0:2:3",
            "must be a number in [0, 1], found 2",
        ),
    ] {
        let o = run_in(
            dir.path(),
            &[
                "sweep",
                base.to_str().unwrap(),
                "--param",
                param,
                "--dry-run",
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{param}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{param}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{param}: {}", stdout(&o));
    }
    assert!(
        entries(dir.path()).is_empty(),
        "a refused dry run wrote files"
    );
}

#[test]
fn experiment_arenas_judges_each_horizon_and_writes_cumulative_success() {
    let dir = scratch();
    let base = scenario("baseline.toml");
    let o = run_in(
        dir.path(),
        &[
            "experiment",
            "arenas",
            base.to_str().unwrap(),
            "-n",
            "20",
            "--months",
            "48,60,72",
            "--probe",
            "0",
            "--no-plots",
            "-q",
            "--out",
            "e",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("By horizon"), "{out}");
    assert!(out.contains("success by month"), "{out}");
    assert!(
        !out.contains("Robustness"),
        "--probe 0 skips the probe:\n{out}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("e/arenas.json")).unwrap()).unwrap();
    assert_eq!(json["months"], 72);
    let months: Vec<u64> = json["horizons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["months"].as_u64().unwrap())
        .collect();
    assert_eq!(months, [48, 60, 72]);
    assert!(json["probe"].is_null());
    let rows = std::fs::read_to_string(dir.path().join("e/cumulative.csv")).unwrap();
    assert!(rows.starts_with("cell,month,success_rate,ci_lo,ci_hi\n"));
    assert_eq!(rows.lines().count(), 1 + 10 * 72);
    // A horizon of 0 months is refused as bad input, before any work.
    let o = run_in(
        dir.path(),
        &[
            "experiment",
            "arenas",
            base.to_str().unwrap(),
            "--months",
            "0,60",
            "-q",
            "--out",
            "bad",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--months"), "{}", stderr(&o));
}

#[test]
fn experiment_clinical_prints_the_clause_and_the_eight_cells() {
    let dir = scratch();
    let base = scenario("baseline.toml");
    let o = run_in(
        dir.path(),
        &[
            "experiment",
            "clinical",
            base.to_str().unwrap(),
            "-n",
            "20",
            "--no-plots",
            "-q",
            "--out",
            "c",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Clinical leadership in at least one arena:"),
        "{out}"
    );
    assert!(
        out.contains("Clinical leadership in all three arenas together:"),
        "{out}"
    );
    let rows = std::fs::read_to_string(dir.path().join("c/clinical.csv")).unwrap();
    assert_eq!(rows.lines().count(), 1 + 8);
    assert!(
        rows.lines()
            .last()
            .unwrap()
            .starts_with("- - -,true,true,true,true,true,false,false,false,")
    );
}

#[test]
fn completions_and_the_manual_page_come_from_the_command_definitions() {
    let dir = scratch();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = run_in(dir.path(), &["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let text = stdout(&o);
        for command in ["calibrate", "compare", "sweep", "experiment"] {
            assert!(text.contains(command), "{shell} completions lack {command}");
        }
    }
    let o = run_in(dir.path(), &["man"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(page.contains(".TH redesign-sim 1"), "{page}");
    assert!(page.contains("calibrate"), "{page}");
    let o = run_in(dir.path(), &["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_file_that_extends_says_what_set_says_and_check_diff_shows_it() {
    let dir = scratch();
    let baseline = scenario("baseline.toml");
    let child = write(
        dir.path(),
        "child.toml",
        &format!(
            "extends = {:?}\n\n[[provider]]\nname = \"acute\"\ndefensiveness = 0.95\n\n\
             [[event]]\nname = \"squeeze\"\nmonth = 20\nadd = {{ \"environment.central_pressure\" = 0.1 }}\n\n\
             [[initiative]]\nname = \"urgent_care\"\nremove = true\n",
            baseline.display().to_string()
        ),
    );
    let by_file = run_in(dir.path(), &["check", child.to_str().unwrap()]);
    assert!(by_file.status.success(), "{}", stderr(&by_file));
    let only_acute = write(
        dir.path(),
        "acute.toml",
        &format!(
            "extends = {:?}\n[[provider]]\nname = \"acute\"\ndefensiveness = 0.95\n",
            baseline.display().to_string()
        ),
    );
    let a = run_in(dir.path(), &["check", only_acute.to_str().unwrap()]);
    let b = run_in(
        dir.path(),
        &[
            "check",
            baseline.to_str().unwrap(),
            "--set",
            "provider.acute.defensiveness=0.95",
        ],
    );
    assert!(a.status.success() && b.status.success());
    assert_eq!(stdout(&a), stdout(&b), "a file and --set give one scenario");

    let diff = run_in(dir.path(), &["check", "--diff", child.to_str().unwrap()]);
    assert!(diff.status.success(), "{}", stderr(&diff));
    let out = stdout(&diff);
    assert!(out.starts_with("# "), "{out}");
    assert!(out.contains("3 differences"), "{out}");
    assert!(
        out.contains("provider.acute.defensiveness = 0.95  # was 0.6"),
        "{out}"
    );
    assert!(out.contains("event.squeeze = {"), "{out}");
    assert!(out.contains("initiative.urgent_care  # removed"), "{out}");
}

#[test]
fn logic_weights_not_summing_to_one_run_with_a_located_warning() {
    let dir = scratch();
    let file = write(
        dir.path(),
        "weights.toml",
        "[gp]\nlogic = { market = 0.6, hierarchy = 0.5, network = 0.4 }\n",
    );
    let o = run_in(dir.path(), &["check", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: ")
            && err.contains("weights.toml:2:1: `gp.logic` weights sum to 1.5, not 1")
            && err.contains("market 0.400, hierarchy 0.333, network 0.267"),
        "{err}"
    );
    // The shipped scenarios sum to 1 everywhere: no warning.
    let o = run_in(
        dir.path(),
        &["check", scenario("baseline.toml").to_str().unwrap()],
    );
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn every_command_that_works_on_files_takes_quiet() {
    // A script passes `--quiet` to every command: none may refuse it as unknown.
    let tmp = scratch();
    let base = scenario("baseline.toml").display().to_string();
    let story = run_in(
        tmp.path(),
        &[
            "story",
            &base,
            "-k",
            "2",
            "--quiet",
            "--no-plots",
            "--out",
            "s",
        ],
    );
    assert!(story.status.success(), "{}", stderr(&story));
    assert!(tmp.path().join("s/story.json").exists());
    // A merge of folders that are not shards is refused for that, not for the flag.
    let merge = run_in(tmp.path(), &["merge", "-q", "s", "s"]);
    assert_eq!(merge.status.code(), Some(2));
    assert!(
        !stderr(&merge).contains("unexpected argument"),
        "{}",
        stderr(&merge)
    );
}
