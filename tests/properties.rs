//! Property tests: any text is answered without a panic, and any valid draw of the public
//! parameters runs and keeps the invariants of a replication and of its summary.

mod common;

use std::path::Path;

use proptest::prelude::*;
use proptest::sample::Index;
use redesign_sim::model::outcome::{Mode, ReplicationOutcome};
use redesign_sim::runner;
use redesign_sim::scenario::{Origin, Override, Scenario, load_str};
use toml::Value;

fn baseline_text() -> String {
    std::fs::read_to_string(common::scenario("baseline.toml")).expect("the baseline scenario")
}

/// One edit of a scenario's text.
#[derive(Debug, Clone)]
enum Edit {
    DeleteChar(Index),
    InsertChar(Index, char),
    ReplaceChar(Index, char),
    DeleteLine(Index),
    DuplicateLine(Index),
    ReplaceLine(Index, String),
    SwapLines(Index, Index),
}

/// Characters that change TOML's structure or a value's type more often than random ones do.
const TELLING: &[char] = &[
    '=', '[', ']', '{', '}', '"', '\'', '#', '.', ',', '-', '+', '0', '9', '\n', 'e', '_', ' ',
    'é', '—', '\\',
];

/// Whole lines a careless edit might leave: new sections, stray keys, values of the wrong kind.
const LINES: &[&str] = &[
    "[simulation]",
    "[[provider]]",
    "[[initiative]]",
    "[[event]]",
    "[arenas.practice]",
    "months = 0",
    "months = 1",
    "gps = 1",
    "practices = 100",
    "teams = 0",
    "gp_seats = 1000",
    "reversion_rate = nan",
    "sd = 0.5",
    "mean = 1",
    "scope = [\"nowhere\"]",
    "scope = []",
    "name = \"acute\"",
    "month = 59",
    "month = 1200",
    "add = { \"environment.central_pressure\" = inf }",
    "set = { \"arenas.practice.enabled\" = 0.5 }",
    "extends = \"baseline.toml\"",
    "remove = true",
    "replace_all = true",
    "remove = 3",
    "provider = []",
    "initiative = []",
    "willingness = { mean = 0.0, sd = 0.0 }",
    "logic = { market = 0, hierarchy = 0, network = 0 }",
    "seed = -1",
    "= 3",
    "x.y.z = 1",
    "\"quoted key\" = true",
    "",
];

fn edit() -> impl Strategy<Value = Edit> {
    let ch = prop_oneof![
        3 => prop::sample::select(TELLING),
        1 => any::<char>(),
    ];
    let line = prop_oneof![
        3 => prop::sample::select(LINES).prop_map(str::to_string),
        1 => "[ -~]{0,30}",
    ];
    prop_oneof![
        any::<Index>().prop_map(Edit::DeleteChar),
        (any::<Index>(), ch.clone()).prop_map(|(i, c)| Edit::InsertChar(i, c)),
        (any::<Index>(), ch).prop_map(|(i, c)| Edit::ReplaceChar(i, c)),
        any::<Index>().prop_map(Edit::DeleteLine),
        any::<Index>().prop_map(Edit::DuplicateLine),
        (any::<Index>(), line).prop_map(|(i, l)| Edit::ReplaceLine(i, l)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
    ]
}

/// Applies the edits; characters, not bytes, so the text stays UTF-8 as any file read is.
fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        match e {
            Edit::DeleteChar(i) if !chars.is_empty() => {
                chars.remove(i.index(chars.len()));
            }
            Edit::InsertChar(i, c) => chars.insert(i.index(chars.len() + 1), *c),
            Edit::ReplaceChar(i, c) if !chars.is_empty() => {
                let k = i.index(chars.len());
                chars[k] = *c;
            }
            Edit::DeleteLine(_)
            | Edit::DuplicateLine(_)
            | Edit::ReplaceLine(..)
            | Edit::SwapLines(..) => {
                let joined: String = chars.iter().collect();
                let mut lines: Vec<String> = joined.split('\n').map(str::to_string).collect();
                let n = lines.len();
                match e {
                    Edit::DeleteLine(i) => {
                        lines.remove(i.index(n));
                    }
                    Edit::DuplicateLine(i) => {
                        let k = i.index(n);
                        lines.insert(k, lines[k].clone());
                    }
                    Edit::ReplaceLine(i, l) => lines[i.index(n)] = l.clone(),
                    Edit::SwapLines(a, b) => lines.swap(a.index(n), b.index(n)),
                    _ => {}
                }
                chars = lines.join("\n").chars().collect();
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// A panic fails the case by itself; an accepted text must also survive `check`'s round trip,
    /// since researchers start new scenarios from what `check` prints.
    #[test]
    fn edited_scenario_text_never_panics(edits in prop::collection::vec(edit(), 1..6)) {
        let text = apply(&baseline_text(), &edits);
        let resolved = load_str(&text, Path::new("x.toml")).and_then(|src| src.resolve(&[]));
        if let Ok(s) = resolved {
            let again = load_str(&s.to_toml(), Path::new("check.toml"))
                .and_then(|src| src.resolve(&[]));
            prop_assert_eq!(again.ok(), Some(s), "the resolved scenario does not read back");
        } else if let Err(e) = resolved {
            prop_assert_eq!(e.exit_code(), 2, "{}", e);
            prop_assert!(!e.to_string().is_empty());
        }
    }

    /// Overrides are the other way in: any path and any value, however odd, is an answer.
    #[test]
    fn any_override_is_answered(path in "[a-z_.0-9]{1,40}", value in "[ -~]{0,12}") {
        let src = load_str(&baseline_text(), Path::new("x.toml")).expect("the baseline");
        if let Ok(o) = Override::parse(&format!("{path}={value}")) {
            let _ = src.resolve(&[o]);
        }
    }
}

/// A draw of the main public parameters, as overrides of the baseline.
#[derive(Debug, Clone)]
struct Draw {
    strengths: [f64; 4],
    enabled: [bool; 3],
    clinical: bool,
    managerial: bool,
    uncertainty: f64,
    pressure: f64,
    area_spread: f64,
    gps: u32,
    practices: u32,
    localities: u32,
    months: u32,
    replications: u32,
    seed: u64,
}

fn draw() -> impl Strategy<Value = Draw> {
    (
        prop::array::uniform4(0.0..=1.0f64),
        prop::array::uniform3(any::<bool>()),
        (any::<bool>(), any::<bool>()),
        (0.0..=1.0f64, 0.0..=1.0f64, 0.0..=1.0f64),
        (5u32..80).prop_flat_map(|gps| {
            (Just(gps), 1..=gps.min(25))
                .prop_flat_map(|(gps, practices)| (Just(gps), Just(practices), 1..=practices))
        }),
        12u32..=60,
        2u32..=4,
        0u64..1_000_000,
    )
        .prop_map(
            |(strengths, enabled, (clinical, managerial), (u, p, a), (g, pr, l), m, n, seed)| {
                Draw {
                    strengths,
                    enabled,
                    clinical,
                    managerial,
                    uncertainty: u,
                    pressure: p,
                    area_spread: a,
                    gps: g,
                    practices: pr,
                    localities: l,
                    months: m,
                    replications: n,
                    seed,
                }
            },
        )
}

fn set(path: &str, value: Value) -> Override {
    Override::new(path, value, Origin::Flag(format!("draw {path}")))
}

fn scenario(d: &Draw) -> Scenario {
    let f = |x: f64| Value::Float(x);
    let i = |x: u32| Value::Integer(x.into());
    let mut o = vec![
        set("arenas.practice.grassroots_adoption", f(d.strengths[0])),
        set("arenas.strategic.directive_strength", f(d.strengths[1])),
        set("arenas.programme.contract_strength", f(d.strengths[2])),
        set("arenas.practice.reversion_rate", f(d.strengths[3])),
        set("arenas.strategic.enabled", Value::Boolean(d.enabled[0])),
        set("arenas.programme.enabled", Value::Boolean(d.enabled[1])),
        set("arenas.practice.enabled", Value::Boolean(d.enabled[2])),
        set("leadership.clinical", Value::Boolean(d.clinical)),
        set("leadership.managerial", Value::Boolean(d.managerial)),
        set("environment.policy_uncertainty", f(d.uncertainty)),
        set("environment.central_pressure", f(d.pressure)),
        set("population.area_spread", f(d.area_spread)),
        set("population.gps", i(d.gps)),
        set("population.practices", i(d.practices)),
        set("population.localities", i(d.localities)),
        set("simulation.months", i(d.months)),
        set("simulation.replications", i(d.replications)),
        set("simulation.seed", Value::Integer(d.seed as i64)),
        set("success.sustain_months", i(d.months.min(12))),
    ];
    // The baseline's events (months 18, 33, 48) and survey (12, 36) must fall inside the run.
    if d.months <= 48 {
        o.push(set("event", Value::Array(Vec::new())));
    }
    let survey: Vec<Value> = [12, 36]
        .into_iter()
        .filter(|&m| m < d.months)
        .map(i)
        .collect();
    o.push(set("survey.months", Value::Array(survey)));
    let src = load_str(&baseline_text(), Path::new("baseline.toml")).expect("the baseline");
    src.resolve(&o).expect("a valid draw resolves")
}

fn unit(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

/// The invariants of one replication's outcome.
fn check_replication(s: &Scenario, r: &ReplicationOutcome) -> Result<(), TestCaseError> {
    let months = s.simulation.months as usize;
    let inits = s.initiative.len();
    prop_assert_eq!(r.initiatives.len(), inits, "an initiative has no outcome");
    prop_assert_eq!(r.trajectories.len(), months * inits);
    prop_assert_eq!(r.seats_filled.len(), months);
    prop_assert_eq!(r.logic_mix.len(), months);
    for o in &r.initiatives {
        // Exactly one of success or a failure mode, and a month only with success.
        prop_assert_eq!(o.mode == Mode::Success, o.months_to_success.is_some());
        if let Some(m) = o.months_to_success {
            // Months elapsed, counting the month of success: 1 to the horizon.
            prop_assert!(
                m >= 1 && m as usize <= months,
                "success after {} of {} months",
                m,
                months
            );
        }
        for x in [
            o.peak_mandate,
            o.peak_design,
            o.peak_adoption,
            o.final_routinised,
        ] {
            prop_assert!(unit(x), "a share is {}", x);
        }
        prop_assert!(o.episodes.iter().sum::<u32>() as usize <= months);
    }
    for row in &r.trajectories {
        prop_assert!(row.iter().all(|&x| unit(f64::from(x))), "{:?}", row);
    }
    prop_assert!(r.seats_filled.iter().all(|&x| unit(f64::from(x))));
    prop_assert!(unit(r.gp_seats_filled_share));
    if let Some(g) = r.gp_influence_share {
        prop_assert!(unit(g), "GP influence share {}", g);
    }
    for mix in &r.logic_mix {
        prop_assert!(mix.iter().all(|&x| unit(f64::from(x))), "{:?}", mix);
        let sum: f32 = mix.iter().sum();
        prop_assert!((sum - 1.0).abs() < 1e-4, "logic mix sums to {}", sum);
    }
    prop_assert!(r.providers_destabilised as usize <= s.provider.len());
    let board = s.arenas.strategic.gp_seats + s.arenas.strategic.manager_seats;
    prop_assert_eq!(r.survey.len(), s.survey.months.len());
    for w in &r.survey {
        prop_assert!(s.survey.months.contains(&w.month));
        prop_assert_eq!(w.gp_formal + w.gp_no_role, s.population.gps, "GPs lost");
        prop_assert_eq!(w.gps_main + w.managers_main, w.members, "answers lost");
        prop_assert!(w.members <= board);
        prop_assert!(w.centre_high <= w.members && w.vision_equal <= w.members);
        prop_assert!(w.gp_formal_can <= w.gp_formal && w.gp_formal_engaged <= w.gp_formal);
        prop_assert!(w.gp_no_role_can <= w.gp_no_role);
    }
    Ok(())
}

/// Every number in the summary. JSON writes NaN and infinity as `null`, the same as "none", so
/// a `null` in the JSON must be a field the summary leaves out when written as TOML, which keeps
/// NaN and infinity as numbers and leaves out what is `None`.
fn check_numbers(
    json: &serde_json::Value,
    toml: Option<&Value>,
    path: &str,
) -> Result<(), TestCaseError> {
    match (json, toml) {
        (serde_json::Value::Null, t) => {
            prop_assert!(t.is_none(), "{} is {:?}, written as null", path, t)
        }
        (_, None) => prop_assert!(false, "{} is missing from the TOML summary", path),
        (serde_json::Value::Number(n), Some(t)) => {
            let x = t.as_float().or_else(|| t.as_integer().map(|i| i as f64));
            prop_assert!(x.is_some_and(f64::is_finite), "{} at {} ({})", n, path, t)
        }
        (serde_json::Value::Array(items), Some(t)) => {
            let ts = t.as_array();
            for (k, item) in items.iter().enumerate() {
                check_numbers(item, ts.and_then(|ts| ts.get(k)), &format!("{path}[{k}]"))?;
            }
        }
        (serde_json::Value::Object(map), Some(t)) => {
            for (k, item) in map {
                check_numbers(item, t.get(k), &format!("{path}.{k}"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_interval(rate: f64, ci: [f64; 2]) -> Result<(), TestCaseError> {
    prop_assert!(
        unit(rate) && unit(ci[0]) && unit(ci[1]),
        "{} {:?}",
        rate,
        ci
    );
    prop_assert!(
        ci[0] <= rate + 1e-12 && rate <= ci[1] + 1e-12,
        "{} {:?}",
        rate,
        ci
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    #[test]
    fn valid_draws_run_and_keep_every_invariant(d in draw()) {
        let s = scenario(&d);
        let n = s.simulation.replications;
        for i in 0..n {
            check_replication(&s, &runner::replication(&s, 0, i))?;
        }
        let result = redesign_sim::stats::simulate(&s, 0, &redesign_sim::runner::Silent, &redesign_sim::runner::Cancel::new(), |_, _| Ok(())).expect("a run without output cannot fail");
        let sum = &result.summary;
        prop_assert_eq!(sum.replications, u64::from(n));
        prop_assert_eq!(sum.initiatives.len(), s.initiative.len());
        check_interval(sum.overall_success_rate, sum.ci95)?;
        check_interval(sum.all_initiatives_succeeded_share, sum.all_initiatives_succeeded_ci95)?;
        for init in &sum.initiatives {
            // Every initiative succeeded in at least the areas where all of them did.
            prop_assert!(sum.all_initiatives_succeeded_share <= init.success_rate + 1e-12);
        }
        for init in &sum.initiatives {
            check_interval(init.success_rate, init.ci95)?;
            prop_assert!(init.failure_modes.values().all(|&x| unit(x)));
            let accounted = init.success_rate + init.failure_modes.values().sum::<f64>();
            prop_assert!((accounted - 1.0).abs() < 1e-9,
                "{}: success and failure modes account for {}", init.name, accounted);
        }
        prop_assert!(unit(sum.leadership.gp_seats_filled_share));
        for w in &sum.survey {
            for x in [w.centre_influence_high_share, w.gps_main_influence_share,
                      w.managers_main_influence_share, w.vision_equal_share,
                      w.gp_formal_can_influence_share, w.gp_no_role_can_influence_share,
                      w.gp_formal_engaged_share] {
                prop_assert!(unit(x), "a survey share is {}", x);
            }
        }
        let json = serde_json::to_value(sum).expect("the summary serialises as JSON");
        let toml = Value::try_from(sum).expect("the summary serialises as TOML");
        check_numbers(&json, Some(&toml), "summary")?;
    }
}

/// The scan above is what finds NaN in a summary, so it must itself tell NaN from "none".
#[test]
fn the_number_scan_tells_nan_from_none() {
    #[derive(serde::Serialize)]
    struct S {
        a: f64,
        b: Option<f64>,
        c: Vec<f64>,
    }
    let passes = |s: &S| {
        let json = serde_json::to_value(s).unwrap();
        let toml = Value::try_from(s).unwrap();
        check_numbers(&json, Some(&toml), "s").is_ok()
    };
    let ok = |a, b, c: &[f64]| S {
        a,
        b,
        c: c.to_vec(),
    };
    assert!(passes(&ok(1.0, None, &[0.5])));
    assert!(passes(&ok(1.0, Some(2.0), &[])));
    assert!(!passes(&ok(f64::NAN, None, &[])));
    assert!(!passes(&ok(1.0, Some(f64::INFINITY), &[])));
    assert!(!passes(&ok(1.0, None, &[f64::NAN])));
}
