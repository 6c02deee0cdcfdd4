//! `sensitivity` through the real binary: the files it writes, the same bytes for any thread
//! count, and bad `[sensitivity]` tables and outputs refused before any work (exit 2).

mod common;

use common::*;

#[test]
fn morris_and_sobol_write_the_same_bytes_for_any_thread_count() {
    let dir = scratch();
    let base = scenario("baseline.toml");
    let base = base.to_str().unwrap();
    let morris = |threads: &str, out: &str| {
        run_in(
            dir.path(),
            &[
                "sensitivity",
                "morris",
                base,
                "-r",
                "3",
                "-n",
                "3",
                "-q",
                "--threads",
                threads,
                "--out",
                out,
            ],
        )
    };
    let one = morris("1", "m1");
    assert!(one.status.success(), "{}", stderr(&one));
    let two = morris("2", "m2");
    assert!(two.status.success(), "{}", stderr(&two));
    for f in ["sensitivity.csv", "sensitivity.json", "points.csv"] {
        let a = std::fs::read(dir.path().join("m1").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("m2").join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
    for f in ["index.html", "morris.png", "morris.svg"] {
        assert!(dir.path().join("m1").join(f).exists(), "{f}");
    }
    let csv = std::fs::read_to_string(dir.path().join("m1/sensitivity.csv")).unwrap();
    assert!(csv.starts_with("parameter,index,estimate,ci_lo,ci_hi\n"));
    // Ten parameters in the shipped table, three statistics each.
    assert_eq!(csv.lines().count(), 1 + 30);
    let sobol = run_in(
        dir.path(),
        &[
            "sensitivity",
            "sobol",
            base,
            "--samples",
            "8",
            "-n",
            "2",
            "-q",
            "--json",
            "--out",
            "s",
            "--output",
            "seats",
        ],
    );
    assert!(sobol.status.success(), "{}", stderr(&sobol));
    let json: serde_json::Value = serde_json::from_slice(&sobol.stdout).unwrap();
    assert_eq!(json["method"], "sobol");
    assert_eq!(json["points"], 8 * 12);
    assert_eq!(json["sobol"].as_array().unwrap().len(), 10);
    assert_eq!(json["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(json["noise_share"].is_number());
    assert!(dir.path().join("s/sobol.png").exists());
}

#[test]
fn bad_tables_and_outputs_are_refused_with_exit_2_before_any_work() {
    let dir = scratch();
    let cases = [
        (
            "[[sensitivity.param]]\npath = \"arenas.practice.enabled\"\n",
            "success",
            "sensitivity.param[0].path",
        ),
        (
            "[[sensitivity.param]]\npath = \"population.area_spread\"\nlo = 0.4\nhi = 0.1\n",
            "success",
            "expected lo < hi",
        ),
        (
            "[[sensitivity.param]]\npath = \"population.area_spread\"\nlo = 0.1\nhi = 0.4\n",
            "success.nowhere",
            "--output success.nowhere",
        ),
        ("", "success", "found none"),
    ];
    for (i, (text, output, want)) in cases.iter().enumerate() {
        let path = write(dir.path(), &format!("bad{i}.toml"), text);
        let out = format!("out{i}");
        let o = run_in(
            dir.path(),
            &[
                "sensitivity",
                "morris",
                path.to_str().unwrap(),
                "--output",
                output,
                "-q",
                "--out",
                &out,
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{text}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
        assert!(!dir.path().join(&out).exists(), "nothing written");
    }
    // `check` validates the table too.
    let path = write(
        dir.path(),
        "bad.toml",
        "[[sensitivity.param]]\npath = \"population.area_spread\"\nlo = 0.1\nhi = 2.0\n",
    );
    let o = run_in(dir.path(), &["check", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.toml:"), "{}", stderr(&o));
}

#[test]
fn all_params_screens_every_real_valued_model_parameter() {
    let dir = scratch();
    let base = scenario("baseline.toml");
    let out = run_in(
        dir.path(),
        &[
            "sensitivity",
            "morris",
            base.to_str().unwrap(),
            "--all-params",
            "-r",
            "2",
            "-n",
            "2",
            "--set",
            "simulation.months=50",
            "-q",
            "--no-plots",
            "--out",
            "all",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("all/sensitivity.json")).unwrap())
            .unwrap();
    let params = json["parameters"].as_array().expect("parameters");
    let paths: Vec<&str> = params.iter().map(|p| p["path"].as_str().unwrap()).collect();
    // Far more than the baseline's table of ten, and each over its declared range.
    assert!(paths.len() > 50, "{} parameters", paths.len());
    assert!(paths.contains(&"arenas.practice.reversion_rate"));
    assert!(paths.contains(&"gp.sidelining_effect"));
    let reversion = params
        .iter()
        .find(|p| p["path"] == "arenas.practice.reversion_rate")
        .unwrap();
    assert_eq!(
        (reversion["lo"].as_f64(), reversion["hi"].as_f64()),
        (Some(0.0), Some(1.0))
    );
    // No counts, no command sections, no list entries.
    for p in &paths {
        assert!(
            !p.starts_with("simulation.") && !p.starts_with("sensitivity."),
            "{p}"
        );
        assert!(!p.contains("[]") && *p != "population.gps", "{p}");
    }
}
