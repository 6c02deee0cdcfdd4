//! `redesign-sim story` through the real binary: the story of replication K ends as replication K
//! of `run` does, `story.json` holds its documented keys, and `--json` prints the same facts.

mod common;

use std::path::Path;

use common::{run_baseline, run_in, scenario, scratch, stderr, stdout};
use serde_json::Value;

/// Runs `story` on the baseline with `extra` arguments in `dir` and insists it succeeded.
fn story(dir: &Path, extra: &[&str]) -> String {
    let base = scenario("baseline.toml");
    let mut args = vec!["story", base.to_str().unwrap_or_default()];
    args.extend_from_slice(extra);
    let out = run_in(dir, &args);
    assert!(
        out.status.success(),
        "redesign-sim {} failed:\n{}",
        args.join(" "),
        stderr(&out)
    );
    stdout(&out)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of a JSON value as `replications.csv` writes it: whole numbers bare, `null` empty,
/// booleans as 1 or 0.
fn csv_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => u8::from(*b).to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_u64() {
            Some(u) => u.to_string(),
            None => n.as_f64().map(|x| x.to_string()).unwrap_or_default(),
        },
        other => other.to_string(),
    }
}

#[test]
fn the_story_of_replication_k_ends_as_replication_k_of_run() {
    let tmp = scratch();
    for (k, seed) in [("2", None), ("5", Some("7"))] {
        let mut run_args = vec!["-n", "6", "-q", "--no-plots", "--out"];
        let run_dir = format!("run-{k}");
        run_args.push(&run_dir);
        let mut story_args = vec!["--replication", k, "--out"];
        let story_dir = format!("story-{k}");
        story_args.push(&story_dir);
        if let Some(seed) = seed {
            run_args.extend(["--seed", seed]);
            story_args.extend(["--seed", seed]);
        }
        let out = run_baseline(tmp.path(), &run_args);
        assert!(out.status.success(), "{}", stderr(&out));
        story(tmp.path(), &story_args);
        let csv = std::fs::read_to_string(tmp.path().join(&run_dir).join("replications.csv"))
            .expect("replications.csv");
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        let rows: Vec<Vec<&str>> = lines
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|r| r[1] == k)
            .collect();
        let json = read_json(&tmp.path().join(&story_dir).join("story.json"));
        let initiatives = json["initiatives"].as_array().expect("initiatives");
        assert_eq!(rows.len(), initiatives.len(), "one row per initiative");
        assert_eq!(
            json["replication"].as_u64().map(|r| r.to_string()),
            Some(k.to_string())
        );
        let mut compared = 0;
        for (row, init) in rows.iter().zip(initiatives) {
            let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
            assert_eq!(col("initiative"), init["name"].as_str().unwrap_or_default());
            for key in [
                "success",
                "months_to_success",
                "failure_mode",
                "peak_mandate",
                "peak_design",
                "peak_adoption",
                "final_routinised",
                "market_episodes",
                "hierarchy_episodes",
                "network_episodes",
                "design_rounds",
                "months_to_mature_design",
            ] {
                let ours = &init["outcome"][key];
                let theirs = col(key);
                match (ours.as_f64(), theirs.parse::<f64>()) {
                    (Some(a), Ok(b)) => assert!((a - b).abs() < 1e-9, "{key}: {a} vs {b}"),
                    _ => assert_eq!(csv_text(ours), theirs, "{key} of {}", col("initiative")),
                }
                compared += 1;
            }
            let share = json["gp_seats_filled_share"].as_f64().unwrap_or(-1.0);
            let theirs: f64 = col("gp_seats_filled_share").parse().unwrap_or(-2.0);
            assert!((share - theirs).abs() < 1e-9);
        }
        assert!(compared >= 12);
    }
    let a = read_json(&tmp.path().join("story-2/story.json"));
    let b = read_json(&tmp.path().join("story-5/story.json"));
    assert_ne!(a["board"], b["board"], "two areas, two stories");
}

#[test]
fn story_json_holds_its_documented_keys_and_json_prints_it() {
    let tmp = scratch();
    let printed = story(tmp.path(), &["-k", "1", "--json", "--out", "s"]);
    let json = read_json(&tmp.path().join("s/story.json"));
    let on_stdout: Value = serde_json::from_str(&printed).expect("--json prints JSON");
    assert_eq!(on_stdout, json);
    let keys = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    for key in [
        "tool",
        "scenario",
        "seed",
        "replication",
        "point",
        "months",
        "start",
        "area",
        "events",
        "board",
        "initiatives",
        "providers_destabilised",
        "gp_seats_filled_share",
        "narrative",
    ] {
        assert!(keys(&json).contains(&key.to_string()), "no `{key}`");
    }
    assert_eq!(json["start"], "2013-04");
    let events = json["events"].as_array().unwrap();
    assert_eq!(events.len(), 3, "the baseline's three policy events");
    assert_eq!(events[0]["month"], 18);
    assert_eq!(events[0]["date"], "2014-10");
    let months = json["months"].as_u64().unwrap() as usize;
    let board = json["board"].as_array().unwrap();
    assert_eq!(board.len(), months);
    for key in [
        "month",
        "date",
        "gp_seats",
        "gp_seats_filled",
        "gps",
        "managers",
        "gp_influence_share",
        "central_pressure",
        "policy_uncertainty",
    ] {
        assert!(
            keys(&board[0]).contains(&key.to_string()),
            "board: no `{key}`"
        );
    }
    for init in json["initiatives"].as_array().unwrap() {
        for key in [
            "name",
            "national",
            "council",
            "practices",
            "teams",
            "leads",
            "design_reopened",
            "reversions",
            "outcome",
            "monthly",
        ] {
            assert!(
                keys(init).contains(&key.to_string()),
                "initiative: no `{key}`"
            );
        }
        let outcome = &init["outcome"];
        for key in [
            "failure_mode",
            "meaning",
            "why",
            "success",
            "months_to_success",
        ] {
            assert!(
                keys(outcome).contains(&key.to_string()),
                "outcome: no `{key}`"
            );
        }
        assert!(!outcome["why"].as_str().unwrap_or_default().is_empty());
        let monthly = init["monthly"].as_array().unwrap();
        assert_eq!(monthly.len(), months);
        for key in [
            "month",
            "lead",
            "attention",
            "mandate",
            "design",
            "adoption",
            "routinised",
            "practices_adopted",
            "teams_adopted",
            "practices_reverted",
            "teams_reverted",
            "board_mode",
            "design_reopened",
        ] {
            assert!(
                keys(&monthly[0]).contains(&key.to_string()),
                "monthly: no `{key}`"
            );
        }
        // The board worked in one logic in each month it met: the modes add up to the episodes.
        let met = monthly
            .iter()
            .filter(|m| !m["board_mode"].is_null())
            .count() as u64;
        let episodes: u64 = ["market_episodes", "hierarchy_episodes", "network_episodes"]
            .iter()
            .map(|k| outcome[*k].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(met, episodes);
        for lead in init["leads"].as_array().unwrap() {
            assert!(["gp", "manager"].contains(&lead["who"].as_str().unwrap_or_default()));
            assert!(
                ["strategic", "programme", "practice"]
                    .contains(&lead["arena"].as_str().unwrap_or_default())
            );
        }
    }
    let narrative = json["narrative"].as_array().unwrap();
    assert!(narrative.len() >= 5);
    let text: String = narrative
        .iter()
        .filter_map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("October 2014"), "events by calendar date");
    assert!(text.contains("It ended as"));
    // The page holds the narrative and the charts beside it.
    let html = std::fs::read_to_string(tmp.path().join("s/index.html")).unwrap();
    assert!(html.contains("The story, to read aloud"));
    assert!(tmp.path().join("s/board.png").is_file());
    assert!(tmp.path().join("s/story_frail_elderly.png").is_file());
}

#[test]
fn a_story_with_no_plots_writes_only_its_json() {
    let tmp = scratch();
    story(tmp.path(), &["--no-plots", "--out", "s"]);
    assert!(tmp.path().join("s/story.json").is_file());
    assert!(!tmp.path().join("s/index.html").exists());
}

#[test]
fn diffusion_by_year_agrees_with_the_monthly_counts_and_the_narrative_and_is_drawn() {
    let tmp = scratch();
    story(tmp.path(), &["-k", "3", "--out", "s"]);
    let json = read_json(&tmp.path().join("s/story.json"));
    let practices = json["area"]["practices"].as_u64().unwrap();
    let ties = json["area"]["peer_ties"].as_array().expect("peer_ties");
    assert!(!ties.is_empty());
    for t in ties {
        let (p, q) = (t[0].as_u64().unwrap(), t[1].as_u64().unwrap());
        assert!(p < q && q < practices, "tie {t}");
    }
    let months = json["months"].as_u64().unwrap();
    let narrative: String = json["narrative"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let names = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let html = std::fs::read_to_string(tmp.path().join("s/index.html")).unwrap();
    let mut adopted_somewhere = false;
    for init in json["initiatives"].as_array().unwrap() {
        let monthly = init["monthly"].as_array().unwrap();
        let diffusion = init["diffusion"].as_array().expect("diffusion");
        // One entry per year, at the end of each (the baseline runs five whole years).
        let ends: Vec<u64> = diffusion
            .iter()
            .map(|y| y["month"].as_u64().unwrap())
            .collect();
        assert_eq!(
            ends,
            (1..=months / 12).map(|y| 12 * y - 1).collect::<Vec<_>>()
        );
        let mut said = Vec::new();
        for y in diffusion {
            let m = y["month"].as_u64().unwrap() as usize;
            let states: Vec<&str> = y["practices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(states.len() as u64, practices);
            let counts = &y["counts"];
            let mut total = 0;
            for state in ["not_yet", "trialling", "adopted", "routinised", "reverted"] {
                let n = states.iter().filter(|s| **s == state).count() as u64;
                assert_eq!(counts[state].as_u64(), Some(n), "{state} at month {m}");
                total += n;
            }
            assert_eq!(total, practices, "every practice in one state");
            let adopted =
                counts["adopted"].as_u64().unwrap() + counts["routinised"].as_u64().unwrap();
            assert_eq!(
                monthly[m]["practices_adopted"].as_u64(),
                Some(adopted),
                "month {m}: the year-end states agree with the month's count"
            );
            let date = y["date"].as_str().unwrap();
            let (year, month) = date.split_once('-').unwrap();
            let month: usize = month.parse().unwrap();
            said.push(format!("{} {year} {adopted}", names[month - 1]));
            adopted_somewhere |= adopted > 0;
        }
        if said.iter().any(|s| !s.ends_with(" 0")) {
            let list = said.join(", ");
            assert!(
                narrative.contains(&format!("at the end of each year: {list} (of {practices}")),
                "the narrative gives the year-end counts {list}"
            );
        }
        let stem = format!("diffusion_{}", init["name"].as_str().unwrap());
        assert!(
            tmp.path().join(format!("s/{stem}.png")).is_file(),
            "{stem}.png"
        );
        assert!(
            tmp.path().join(format!("s/{stem}.svg")).is_file(),
            "{stem}.svg"
        );
        assert!(
            html.contains(&format!("{stem}.png")),
            "the page shows {stem}"
        );
    }
    assert!(
        adopted_somewhere,
        "some practice adopted something in this area"
    );
}
