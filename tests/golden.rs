//! Value stability: exact outputs for one small seeded scenario. A change to a mechanism, a
//! default or the order of random draws changes these; update them only together with a
//! "changes that alter outputs for a fixed seed" entry in CHANGELOG.md.

mod common;

use redesign_sim::runner;
use redesign_sim::scenario::{self, Override};

fn scenario() -> scenario::Scenario {
    let set = ["simulation.seed=2013", "simulation.replications=6"];
    let overrides: Vec<Override> = set.iter().map(|s| Override::parse(s).unwrap()).collect();
    scenario::load(&common::scenario("baseline.toml"))
        .unwrap()
        .resolve(&overrides)
        .unwrap()
}

/// One line per replication and initiative: mode, month of success, final routinised share.
fn fingerprint() -> Vec<String> {
    let s = scenario();
    let mut lines = Vec::new();
    for i in 0..s.simulation.replications {
        let o = runner::replication(&s, 0, i);
        for (init, out) in s.initiative.iter().zip(&o.initiatives) {
            lines.push(format!(
                "{i} {} {} {:?} {:.6} {:.6}",
                init.name,
                out.mode.name(),
                out.months_to_success,
                out.final_routinised,
                o.gp_seats_filled_share
            ));
        }
    }
    lines
}

#[test]
fn baseline_outputs_for_a_fixed_seed_are_stable() {
    let expected: &[&str] = &[
        "0 frail_elderly success Some(54) 0.862745 0.040000",
        "0 urgent_care partial None 0.826087 0.040000",
        "0 mental_health partial None 0.622222 0.040000",
        "1 frail_elderly partial None 0.686275 0.968333",
        "1 urgent_care partial None 0.695652 0.968333",
        "1 mental_health success Some(59) 0.755556 0.968333",
        "2 frail_elderly success Some(52) 0.882353 0.945000",
        "2 urgent_care partial None 0.565217 0.945000",
        "2 mental_health success Some(44) 0.933333 0.945000",
        "3 frail_elderly partial None 0.666667 0.930833",
        "3 urgent_care success Some(54) 0.847826 0.930833",
        "3 mental_health partial None 0.777778 0.930833",
        "4 frail_elderly success Some(54) 0.803922 0.988333",
        "4 urgent_care success Some(60) 0.717391 0.988333",
        "4 mental_health partial None 0.666667 0.988333",
        "5 frail_elderly plan_without_implementation None 0.000000 1.000000",
        "5 urgent_care plan_without_implementation None 0.000000 1.000000",
        "5 mental_health plan_without_implementation None 0.000000 1.000000",
    ];
    let found = fingerprint();
    assert_eq!(
        found,
        expected,
        "outputs for a fixed seed changed:\n{}",
        found.join("\n")
    );
}
