//! The proposition is an output: the arena verdict must be able to come out either way from
//! mechanisms alone, and each bypass route at full strength must be able to carry an initiative
//! on its own when nothing resists it (docs/ODD.md §7.5).

mod common;

use common::*;
use proptest::prelude::*;
use redesign_sim::experiment;
use redesign_sim::runner::Cancel;
use redesign_sim::scenario::{self, Override};

fn overrides(list: &[String]) -> Vec<Override> {
    list.iter().map(|s| Override::parse(s).unwrap()).collect()
}

fn verdict(file: &str, seed: u64, replications: u32) -> experiment::ArenaExperiment {
    let source = scenario::load(&scenario(file)).unwrap();
    let base = overrides(&[
        format!("simulation.seed={seed}"),
        format!("simulation.replications={replications}"),
    ]);
    experiment::arenas(
        &source,
        &base,
        0,
        &redesign_sim::runner::Silent,
        &Cancel::new(),
    )
    .unwrap()
}

#[test]
fn strong_bypass_routes_refute_the_proposition_on_every_seed() {
    for seed in [1, 2, 3] {
        let e = verdict("bypass_strong.toml", seed, 300);
        assert_eq!(
            e.verdict.result, "refuted",
            "seed {seed}: {}",
            e.verdict.reason
        );
    }
}

#[test]
fn entrenched_interests_support_the_proposition_on_every_seed() {
    for seed in [1, 2, 3] {
        let e = verdict("entrenched.toml", seed, 400);
        assert_eq!(
            e.verdict.result, "supported",
            "seed {seed}: {}",
            e.verdict.reason
        );
    }
}

#[test]
fn the_experiment_has_ten_cells_all_three_first() {
    let e = verdict("baseline.toml", 5, 30);
    assert_eq!(e.cells.len(), 10);
    let first = &e.cells[0];
    assert!(first.strategic && first.programme && first.practice && first.clinical);
    assert!(!e.cells[7].strategic && !e.cells[7].programme && !e.cells[7].practice);
    assert!(!e.cells[8].clinical && e.cells[8].managerial);
    assert!(e.cells[9].clinical && !e.cells[9].managerial);
    // With nothing enabled no area changes.
    assert_eq!(e.cells[7].success_rate, 0.0);
}

/// Success rate of a cell with one arena and its route at full strength.
fn single_route(arena: &str, route: &str, reversion: f64) -> f64 {
    let source = scenario::load(&scenario("baseline.toml")).unwrap();
    let mut set: Vec<String> = ["strategic", "programme", "practice"]
        .iter()
        .map(|a| format!("arenas.{a}.enabled={}", *a == arena))
        .collect();
    set.push(format!("{route}=1"));
    set.push(format!("arenas.practice.reversion_rate={reversion}"));
    set.push("simulation.replications=150".into());
    let s = source.resolve(&overrides(&set)).unwrap();
    let r = redesign_sim::stats::simulate(
        &s,
        0,
        &redesign_sim::runner::Silent,
        &redesign_sim::runner::Cancel::new(),
        |_, _| Ok(()),
    )
    .unwrap();
    r.summary.overall_success_rate
}

#[test]
fn one_route_at_full_strength_succeeds_without_resistance_and_fails_against_it() {
    for (arena, route) in [
        ("strategic", "arenas.strategic.directive_strength"),
        ("programme", "arenas.programme.contract_strength"),
        ("practice", "arenas.practice.grassroots_adoption"),
    ] {
        let free = single_route(arena, route, 0.0);
        let resisted = single_route(arena, route, 0.5);
        assert!(
            free >= 0.4,
            "{arena} alone at strength 1 without resistance: {free}"
        );
        assert!(
            resisted <= 0.1,
            "{arena} alone at strength 1 against default resistance: {resisted}"
        );
    }
}

#[test]
fn timing_compares_concurrent_with_sequential_arenas() {
    let source = scenario::load(&scenario("baseline.toml")).unwrap();
    let e = experiment::timing(
        &source,
        &overrides(&["simulation.replications=120".into()]),
        0,
        &redesign_sim::runner::Silent,
        &Cancel::new(),
    )
    .unwrap();
    assert_eq!(e.cells.len(), 3);
    let d = &e.concurrent_minus_sequential;
    assert!(d.ci95[0] <= d.estimate && d.estimate <= d.ci95[1]);
    // Arenas acting one after another lose the support they give each other against reversion.
    assert!(e.cells[0].success_rate > e.cells[1].success_rate);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// For random parameter draws the experiment never fails, and every interval contains its
    /// rate and lies in [0, 1].
    #[test]
    fn intervals_contain_their_rates(
        grassroots in 0.0..=1.0f64,
        directive in 0.0..=1.0f64,
        contract in 0.0..=1.0f64,
        reversion in 0.0..=1.0f64,
        uncertainty in 0.0..=1.0f64,
        seed in 0u64..1000,
    ) {
        let source = scenario::load(&scenario("baseline.toml")).unwrap();
        let base = overrides(&[
            format!("arenas.practice.grassroots_adoption={grassroots}"),
            format!("arenas.strategic.directive_strength={directive}"),
            format!("arenas.programme.contract_strength={contract}"),
            format!("arenas.practice.reversion_rate={reversion}"),
            format!("environment.policy_uncertainty={uncertainty}"),
            format!("simulation.seed={seed}"),
            "simulation.replications=12".into(),
        ]);
        let e = experiment::arenas(&source, &base, 0, &redesign_sim::runner::Silent, &Cancel::new()).unwrap();
        prop_assert!(["supported", "refuted", "inconclusive"].contains(&e.verdict.result.as_str()));
        for c in &e.cells {
            prop_assert!(0.0 <= c.ci95[0] && c.ci95[0] <= c.success_rate + 1e-12);
            prop_assert!(c.success_rate <= c.ci95[1] + 1e-12 && c.ci95[1] <= 1.0);
            for i in &c.initiatives {
                prop_assert!(0.0 <= i.ci95[0] && i.ci95[0] <= i.success_rate + 1e-12);
                prop_assert!(i.success_rate <= i.ci95[1] + 1e-12 && i.ci95[1] <= 1.0);
            }
        }
        let d = &e.verdict.difference;
        prop_assert!(d.ci95[0] <= d.estimate + 1e-12 && d.estimate <= d.ci95[1] + 1e-12);
    }
}

#[test]
fn each_initiative_gets_a_verdict_and_one_initiative_alone_gives_the_pooled_one() {
    let e = verdict("baseline.toml", 3, 200);
    let names: Vec<&str> = e
        .per_initiative
        .iter()
        .map(|i| i.initiative.as_str())
        .collect();
    assert_eq!(names, ["frail_elderly", "urgent_care", "mental_health"]);
    // Case B has a single initiative: pooled over it, the statistic is the same.
    let b = verdict("case_b.toml", 3, 200);
    assert_eq!(b.per_initiative.len(), 1);
    let one = &b.per_initiative[0].verdict;
    assert_eq!(one.result, b.verdict.result);
    for (x, y) in one.ratios.iter().zip(&b.verdict.ratios) {
        assert!((x.estimate - y.estimate).abs() < 1e-9, "{x:?} {y:?}");
        assert!((x.ci95[1] - y.ci95[1]).abs() < 1e-9, "{x:?} {y:?}");
    }
}
