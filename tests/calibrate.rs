//! `calibrate` through the real binary: the files it writes, the same bytes for any thread
//! count, and bad `[calibration]` tables refused before any work.

mod common;

use common::*;

fn calibrate(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let base = scenario("baseline.toml");
    let mut args = vec![
        "calibrate",
        base.to_str().unwrap(),
        "--sets",
        "24",
        "--waves",
        "2",
        "-n",
        "6",
        "-q",
    ];
    args.extend(extra);
    run_in(dir, &args)
}

#[test]
fn calibrate_writes_every_set_and_the_kept_ones_the_same_for_any_thread_count() {
    let dir = scratch();
    let one = calibrate(
        dir.path(),
        &["--threads", "1", "--out", "one", "--no-plots"],
    );
    assert!(one.status.success(), "{}", stderr(&one));
    let two = calibrate(dir.path(), &["--threads", "2", "--out", "two", "--json"]);
    assert!(two.status.success(), "{}", stderr(&two));
    for f in ["calibration.csv", "plausible.csv", "calibration.json"] {
        let a = std::fs::read(dir.path().join("one").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("two").join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
    let all = std::fs::read_to_string(dir.path().join("one/calibration.csv")).unwrap();
    let header: Vec<&str> = all.lines().next().unwrap().split(',').collect();
    assert_eq!(
        &header[..3],
        ["set", "wave", "arenas.practice.reversion_rate"]
    );
    assert_eq!(&header[header.len() - 2..], ["implausibility", "kept"]);
    let rows: Vec<&str> = all.lines().skip(1).collect();
    let kept = rows.iter().filter(|r| r.ends_with(",true")).count();
    let plausible = std::fs::read_to_string(dir.path().join("one/plausible.csv")).unwrap();
    assert_eq!(plausible.lines().count(), 1 + kept);
    assert!(
        plausible.starts_with("set,wave,arenas.practice.reversion_rate,population.area_spread,")
    );
    let json: serde_json::Value = serde_json::from_slice(&two.stdout).unwrap();
    assert_eq!(json["sets_tried"].as_u64().unwrap() as usize, rows.len());
    assert_eq!(json["sets_kept"].as_u64().unwrap() as usize, kept);
    assert!(json["pass_share"].as_array().unwrap().len() >= 10);
    // A wave keeping nothing stops the calibration; otherwise both waves ran.
    let waves = json["waves"].as_array().unwrap().len();
    assert!(rows.len() == 24 * waves && (1..=2).contains(&waves));
    // The page and its charts.
    assert!(dir.path().join("two/index.html").is_file());
    assert!(dir.path().join("two/targets.png").is_file());
}

#[test]
fn bad_calibration_tables_are_refused_before_any_work() {
    let dir = scratch();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let none = write("none.toml", "[simulation]\nname = \"none\"\n");
    let o = run_in(dir.path(), &["calibrate", none.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("[[calibration.param]]"),
        "{}",
        stderr(&o)
    );
    let bad = write(
        "bad.toml",
        "[[calibration.param]]\npath = \"arenas.practice.enabled\"\nlo = 0\nhi = 1\n",
    );
    let o = run_in(dir.path(), &["calibrate", bad.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("calibration.param[0]") && stderr(&o).contains("true or false"),
        "{}",
        stderr(&o)
    );
    // `check` finds the same mistake.
    let o = run_in(dir.path(), &["check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("calibration.param[0]"),
        "{}",
        stderr(&o)
    );
    let reversed = write(
        "reversed.toml",
        "[[calibration.param]]\npath = \"population.area_spread\"\nlo = 0.4\nhi = 0.2\n",
    );
    let o = run_in(dir.path(), &["calibrate", reversed.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("expected lo < hi"), "{}", stderr(&o));
    let targets = write("targets.toml", "[[target]]\nid = \"Q\"\n");
    let o = run_in(
        dir.path(),
        &[
            "calibrate",
            scenario("baseline.toml").to_str().unwrap(),
            "--targets",
            targets.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("targets.toml"), "{}", stderr(&o));
    // Nothing was written.
    assert!(!dir.path().join("out").exists());
}
