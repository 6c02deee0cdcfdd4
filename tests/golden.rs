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
        "0 frail_elderly success Some(59) 0.843137 0.346667",
        "0 urgent_care partial None 0.152174 0.346667",
        "0 mental_health success Some(48) 0.844444 0.346667",
        "1 frail_elderly partial None 0.647059 0.610000",
        "1 urgent_care partial None 0.739130 0.610000",
        "1 mental_health partial None 0.355556 0.610000",
        "2 frail_elderly success Some(50) 0.725490 0.000000",
        "2 urgent_care success Some(49) 0.891304 0.000000",
        "2 mental_health partial None 0.688889 0.000000",
        "3 frail_elderly partial None 0.588235 0.000000",
        "3 urgent_care success Some(51) 0.760870 0.000000",
        "3 mental_health partial None 0.644444 0.000000",
        "4 frail_elderly success Some(58) 0.843137 0.680000",
        "4 urgent_care partial None 0.217391 0.680000",
        "4 mental_health success Some(48) 0.822222 0.680000",
        "5 frail_elderly plan_without_implementation None 0.000000 0.380000",
        "5 urgent_care plan_without_implementation None 0.000000 0.380000",
        "5 mental_health plan_without_implementation None 0.000000 0.380000",
    ];
    let found = fingerprint();
    assert_eq!(
        found,
        expected,
        "outputs for a fixed seed changed:\n{}",
        found.join("\n")
    );
}
