//! Stylized facts: the patterns of docs/ODD.md §1 (1–9) and the qualitative outcome the study
//! reported for each of its six case studies (Marshall et al., BJGP 2018, Box 1), each as a seeded
//! Monte Carlo test with a stated tolerance.
//!
//! Held out: the arena factorial's verdict ("success only when all three arenas act together") is
//! the question the model is built to answer, never a fact it is tuned or tested to reproduce
//! (docs/ODD.md §1). No test here looks at it.
//!
//! How the tolerances were set. Every test runs `REPS` replications with the scenario's own seed,
//! so it is deterministic; what the tolerance must absorb is (a) sampling error — the results must
//! hold for any seed, not only for the scenario's — and (b) the imprecision of the study's figure
//! itself (survey shares from samples of about 12% of governing-body members; qualitative words
//! such as "rarely" or "about half"). With 400 replications a share near 0.5 has a standard error
//! of 0.025 over replications (less for survey shares pooled over about 3,000 respondents), so a
//! margin of 0.05 to 0.1 is two to four standard errors; the comments at each test give the
//! figure, the margin and why. Comparisons between two variants of one scenario (knockouts, arena
//! switches) use the same replication seeds (common random numbers), which makes the paired
//! difference much sharper than either rate.
//!
//! A failing test is a finding about the model's mechanisms, never a reason to loosen the margin.

use std::path::Path;

use redesign_sim::model::outcome::{Mode, ReplicationOutcome};
use redesign_sim::runner;
use redesign_sim::scenario::{self, Override, Scenario};
use redesign_sim::stats::Summary;
use redesign_sim::stats::simulate;

/// Replications per test: a share near 0.5 has a standard error of 0.025, enough for the margins
/// below, and the whole file stays within about a minute in the test profile on two cores.
const REPS: u32 = 400;

/// Baseline, case and policy scenarios shipped in `scenarios/`.
fn load(name: &str, sets: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let mut overrides: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse(s).expect("a valid override"))
        .collect();
    overrides.push(Override::parse(&format!("simulation.replications={REPS}")).unwrap());
    scenario::load(&path)
        .and_then(|src| src.resolve(&overrides))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every replication's outcome, in replication order.
fn outcomes(s: &Scenario) -> Vec<ReplicationOutcome> {
    let mut all = Vec::with_capacity(s.simulation.replications as usize);
    runner::replicate(s, 0, |_, o| all.push(o));
    all
}

/// The run's summary, as `redesign-sim run --json` prints it.
fn summary(s: &Scenario) -> Summary {
    simulate(
        s,
        0,
        &redesign_sim::runner::Silent,
        &redesign_sim::runner::Cancel::new(),
        |_, _| Ok(()),
    )
    .expect("the run succeeds")
    .summary
}

/// Pooled success rate over initiatives and replications.
fn success_rate(outs: &[ReplicationOutcome]) -> f64 {
    let (mut ok, mut n) = (0usize, 0usize);
    for o in outs {
        for i in &o.initiatives {
            n += 1;
            ok += usize::from(i.mode == Mode::Success);
        }
    }
    ok as f64 / n as f64
}

/// Share of initiative-runs ending in `mode`.
fn mode_share(outs: &[ReplicationOutcome], mode: Mode) -> f64 {
    let n: usize = outs.iter().map(|o| o.initiatives.len()).sum();
    let k: usize = outs
        .iter()
        .flat_map(|o| &o.initiatives)
        .filter(|i| i.mode == mode)
        .count();
    k as f64 / n as f64
}

/// Mean share of GP seats filled over months `from..to` (replication means, then their mean).
fn seats_filled(outs: &[ReplicationOutcome], from: usize, to: usize) -> f64 {
    outs.iter()
        .map(|o| {
            let m = &o.seats_filled[from..to.min(o.seats_filled.len())];
            m.iter().map(|&x| f64::from(x)).sum::<f64>() / m.len() as f64
        })
        .sum::<f64>()
        / outs.len() as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    assert!(!v.is_empty(), "median of nothing");
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

// ---------------------------------------------------------------------------------------------
// docs/ODD.md §1, patterns 1–9, on the calibrated baseline.
// ---------------------------------------------------------------------------------------------

/// §9.1 Outcomes vary strikingly across areas: many do little, some achieve real redesign
/// (docs/calibration.md S6). Areas are binned by how many of the baseline's three initiatives
/// succeeded: none, some, all. Tolerance: no bin holds more than 80% of areas, and both "little"
/// (no success at all) and "real redesign" (two or more of three) hold at least 10% of areas. At
/// 400 replications a share of 0.10 has a standard error of 0.015, so these bounds are several
/// standard errors from the degenerate answers they exclude (everyone alike).
#[test]
fn p1_outcomes_vary_across_areas() {
    let outs = outcomes(&load("baseline.toml", &[]));
    let n = outs.len() as f64;
    let mut bins = [0usize; 4];
    for o in &outs {
        let k = o
            .initiatives
            .iter()
            .filter(|i| i.mode == Mode::Success)
            .count();
        bins[k.min(3)] += 1;
    }
    let none = bins[0] as f64 / n;
    let all = bins[3] as f64 / n;
    let some = 1.0 - none - all;
    let two_plus = (bins[2] + bins[3]) as f64 / n;
    eprintln!("p1: none {none:.3} some {some:.3} all {all:.3}; two or more {two_plus:.3}");
    for (label, share) in [("none", none), ("some", some), ("all", all)] {
        assert!(
            share <= 0.8,
            "{label} holds {share:.3} of areas: outcomes do not vary"
        );
    }
    assert!(none >= 0.1, "areas doing little: {none:.3} < 0.10");
    assert!(
        two_plus >= 0.1,
        "areas with real redesign: {two_plus:.3} < 0.10"
    );
}

/// §9.2 Strategic plans without programme-board and practice work rarely become sustained change
/// (HS&DR 2018 summary: "plans were constructed at the strategic level which failed to make a
/// difference"). The baseline with only the strategic arena enabled. Tolerance: "rarely" read as
/// a pooled success rate of at most 0.10, and at least 0.2 below the baseline with all arenas (same
/// replication seeds).
#[test]
fn p2_strategic_arena_alone_rarely_sustains_change() {
    let base = success_rate(&outcomes(&load("baseline.toml", &[])));
    let alone = success_rate(&outcomes(&load(
        "baseline.toml",
        &[
            "arenas.programme.enabled=false",
            "arenas.practice.enabled=false",
        ],
    )));
    eprintln!("p2: strategic alone {alone:.3}, baseline {base:.3}");
    assert!(
        alone <= 0.10,
        "strategic arena alone succeeds {alone:.3} > 0.10"
    );
    assert!(
        base - alone >= 0.2,
        "strategic alone {alone:.3} not clearly below baseline {base:.3}"
    );
}

/// Dominant design mode of a replication: the logic with most months of programme-board work,
/// summed over initiatives, between market and network (hierarchy-dominant runs are left out).
fn market_or_network(o: &ReplicationOutcome) -> Option<bool> {
    let market: u32 = o.initiatives.iter().map(|i| i.episodes[0]).sum();
    let network: u32 = o.initiatives.iter().map(|i| i.episodes[2]).sum();
    match market.cmp(&network) {
        std::cmp::Ordering::Greater => Some(true),
        std::cmp::Ordering::Less => Some(false),
        std::cmp::Ordering::Equal => None,
    }
}

/// §9.3 GPs' collaborative, loyal style gives modest change: network-dominant runs destabilise few
/// providers, and market-dominant runs reach a mature design sooner. Runs are pooled from the two
/// policy scenarios (`market_2013`, `network_fyfv`) and classified by their dominant design mode
/// (more market than network months on programme boards, or the reverse). Tolerance:
/// network-dominant runs destabilise on average at most 0.25 providers and at least one fewer than
/// market-dominant runs; the median month in which an initiative's design matured is at least one
/// month earlier in market-dominant runs (months are whole; one month is the smallest difference
/// the output can show, and with several hundred matured designs per group the median is stable
/// to about a month).
#[test]
fn p3_network_runs_destabilise_less_market_runs_design_sooner() {
    let mut outs = outcomes(&load("market_2013.toml", &[]));
    outs.extend(outcomes(&load("network_fyfv.toml", &[])));
    let (mut market, mut network) = (Vec::new(), Vec::new());
    for o in &outs {
        match market_or_network(o) {
            Some(true) => market.push(o),
            Some(false) => network.push(o),
            None => {}
        }
    }
    assert!(
        market.len() >= 50 && network.len() >= 50,
        "too few runs of one kind: {} market-dominant, {} network-dominant",
        market.len(),
        network.len()
    );
    let destabilised = |runs: &[&ReplicationOutcome]| {
        runs.iter()
            .map(|o| f64::from(o.providers_destabilised))
            .sum::<f64>()
            / runs.len() as f64
    };
    let mature = |runs: &[&ReplicationOutcome]| {
        median(
            runs.iter()
                .flat_map(|o| &o.initiatives)
                .filter_map(|i| i.months_to_mature_design.map(f64::from))
                .collect(),
        )
    };
    let (dm, dn) = (destabilised(&market), destabilised(&network));
    let (mm, mn) = (mature(&market), mature(&network));
    eprintln!(
        "p3: {} market-dominant runs: destabilised {dm:.2}, design mature at month {mm}; \
         {} network-dominant: destabilised {dn:.2}, mature at {mn}",
        market.len(),
        network.len()
    );
    assert!(
        dn <= 0.25,
        "network-dominant runs destabilise {dn:.2} providers"
    );
    assert!(
        dm - dn >= 1.0,
        "market-dominant {dm:.2} vs network-dominant {dn:.2} providers destabilised"
    );
    assert!(
        mm + 1.0 <= mn,
        "market-dominant designs mature at month {mm}, network-dominant at {mn}: not sooner"
    );
}

/// §9.4 Market levers are rarely used in the calibrated baseline (S5: "more rarely pursued" than
/// collaboration; "used sparingly"): fewer market-mode than network-mode design months, pooled.
/// Tolerance: some market months (rarely, not never), at most a quarter of network months —
/// "rarely" rather than merely "less".
#[test]
fn p4_market_mode_rarer_than_network_mode() {
    let outs = outcomes(&load("baseline.toml", &[]));
    let market: u64 = outs
        .iter()
        .flat_map(|o| &o.initiatives)
        .map(|i| u64::from(i.episodes[0]))
        .sum();
    let network: u64 = outs
        .iter()
        .flat_map(|o| &o.initiatives)
        .map(|i| u64::from(i.episodes[2]))
        .sum();
    eprintln!("p4: market months {market}, network months {network}");
    assert!(network > 0, "no network-mode design at all");
    // Rarely, not never: the study found market levers "used sparingly", not absent.
    assert!(market > 0, "no market-mode design month at all");
    assert!(
        (market as f64) <= 0.25 * network as f64,
        "market months {market} not rare against network months {network}"
    );
}

/// §9.5 About half of governing-body members judge the centre's influence "quite a lot to very
/// extensive" (S1: about 0.50, "possibly growing"; its survey year is uncertain), not falling
/// between months 12 and 36. Tolerance: month 12 within 0.50 ± 0.15 (the figure is "about half",
/// from a 12% sample, year uncertain); month 36 no more than 0.02 below month 12 (pooled over
/// about 2,000 answers, a share's standard error is about 0.01) and at most 0.75 (still "about
/// half" or "possibly growing", not near-unanimous).
#[test]
fn p5_centre_influence_about_half_and_not_falling() {
    let sum = summary(&load("baseline.toml", &[]));
    let w12 = sum.survey.iter().find(|w| w.month == 12).expect("wave 12");
    let w36 = sum.survey.iter().find(|w| w.month == 36).expect("wave 36");
    let (a, b) = (
        w12.centre_influence_high_share,
        w36.centre_influence_high_share,
    );
    eprintln!("p5: centre influence high {a:.3} (month 12) -> {b:.3} (month 36)");
    assert!((a - 0.5).abs() <= 0.15, "month 12: {a:.3} not about half");
    assert!(b >= a - 0.02, "falls from {a:.3} to {b:.3}");
    assert!(
        b <= 0.75,
        "month 36: {b:.3} more than 'about half, possibly growing'"
    );
}

/// §9.6 Members see GPs as about as influential as managers (S2: "as many ... said managers held
/// the main influence as said GPs"), and the share saying the vision is set equally rises from
/// month 12 to 36 (S3: 0.33 → 0.54). Tolerance: at each wave the GP share of "main influence"
/// answers lies in 0.5 ± 0.15 (neither side named by two to one), and averaged over the two
/// waves within 0.5 ± 0.05; 'vision equal' rises by at least 0.10 (half the study's rise of
/// 0.21, so that the direction and a substantial part of the size are both required).
#[test]
fn p6_gps_about_as_influential_as_managers_and_shared_vision_rises() {
    let sum = summary(&load("baseline.toml", &[]));
    let mut gp_shares = Vec::new();
    for w in &sum.survey {
        let total = w.gps_main_influence_share + w.managers_main_influence_share;
        let gp = w.gps_main_influence_share / total;
        eprintln!(
            "p6: month {}: GPs main {:.3}, managers main {:.3}, vision equal {:.3}",
            w.month,
            w.gps_main_influence_share,
            w.managers_main_influence_share,
            w.vision_equal_share
        );
        assert!(
            (gp - 0.5).abs() <= 0.15,
            "month {}: GP share of main-influence answers {gp:.3}",
            w.month
        );
        gp_shares.push(gp);
    }
    let mean = gp_shares.iter().sum::<f64>() / gp_shares.len() as f64;
    assert!(
        (mean - 0.5).abs() <= 0.05,
        "GP share over both waves {mean:.3}"
    );
    let w12 = sum.survey.iter().find(|w| w.month == 12).expect("wave 12");
    let w36 = sum.survey.iter().find(|w| w.month == 36).expect("wave 36");
    assert!(
        w36.vision_equal_share - w12.vision_equal_share >= 0.10,
        "vision equal {:.3} -> {:.3}: does not rise by 0.10",
        w12.vision_equal_share,
        w36.vision_equal_share
    );
}

/// §9.7 GP engagement falls and leadership supply is scarce: formal leaders' engagement declines
/// (E1: 0.83 → 0.64), GPs without a role feel less able to influence (E3: 0.30 → 0.20), GP seats
/// go unfilled, more so after the 2016 policy events. "More so after the events" is tested
/// against a counterfactual: the same scenario with its events from month 30 on removed (the STP
/// and merger events of the baseline; the single month-36 shock of `turbulence_2016`), on the same
/// replication seeds, so that terms of office ending at month 36 cannot pass for an effect of the
/// events. Tolerance: engagement of formal leaders falls by at least 0.10 from month 12 to 36
/// (about half the study's fall of 0.19); the no-role share does not rise; on average under 90% of
/// GP seats are filled; seats filled in months 37–59 are at least 0.02 lower with the 2016 events
/// than without them, in the baseline and in `turbulence_2016` (a share of seats averaged over
/// months and 400 areas has a standard error well under 0.01, and the paired difference less).
#[test]
fn p7_engagement_falls_and_seats_go_unfilled() {
    let base = load("baseline.toml", &[]);
    let sum = summary(&base);
    let w12 = sum.survey.iter().find(|w| w.month == 12).expect("wave 12");
    let w36 = sum.survey.iter().find(|w| w.month == 36).expect("wave 36");
    eprintln!(
        "p7: formal engaged {:.3} -> {:.3}; no role can influence {:.3} -> {:.3}; seats filled {:.3}",
        w12.gp_formal_engaged_share,
        w36.gp_formal_engaged_share,
        w12.gp_no_role_can_influence_share,
        w36.gp_no_role_can_influence_share,
        sum.leadership.gp_seats_filled_share
    );
    assert!(
        w12.gp_formal_engaged_share - w36.gp_formal_engaged_share >= 0.10,
        "formal leaders' engagement does not fall by 0.10"
    );
    assert!(
        w36.gp_no_role_can_influence_share <= w12.gp_no_role_can_influence_share,
        "GPs without a role feel more able to influence at month 36"
    );
    assert!(
        sum.leadership.gp_seats_filled_share < 0.9,
        "GP seats nearly all filled: {:.3}",
        sum.leadership.gp_seats_filled_share
    );
    for name in ["baseline.toml", "turbulence_2016.toml"] {
        let with = load(name, &[]);
        let mut without = with.clone();
        without.event.retain(|e| e.month < 30);
        assert!(
            without.event.len() < with.event.len(),
            "{name} has no events from month 30"
        );
        let outs = outcomes(&with);
        let (before, after) = (seats_filled(&outs, 12, 33), seats_filled(&outs, 37, 60));
        let calm = seats_filled(&outcomes(&without), 37, 60);
        eprintln!(
            "p7: {name}: seats filled months 12-32 {before:.3}, 37-59 {after:.3}; \
             37-59 without the 2016 events {calm:.3}"
        );
        assert!(
            calm - after >= 0.02,
            "{name}: seats filled after month 36 {after:.3} with the 2016 events, {calm:.3} without"
        );
    }
}

/// §9.8 Redesign that stays within practices yields small local change, rarely system redesign.
/// The baseline with only the practice arena enabled (no governing-body mandate or directives, no
/// programme boards). Tolerance: "rarely" is a pooled success rate of at most 0.10; "small local
/// change" is some adoption (mean peak adoption at least 0.05: the grassroots route does move
/// units) but a mean final routinised share under half the success threshold (0.3).
#[test]
fn p8_practice_only_redesign_is_small_and_local() {
    let outs = outcomes(&load(
        "baseline.toml",
        &[
            "arenas.strategic.enabled=false",
            "arenas.programme.enabled=false",
        ],
    ));
    let rate = success_rate(&outs);
    let n: usize = outs.iter().map(|o| o.initiatives.len()).sum();
    let peak = outs
        .iter()
        .flat_map(|o| &o.initiatives)
        .map(|i| i.peak_adoption)
        .sum::<f64>()
        / n as f64;
    let routinised = outs
        .iter()
        .flat_map(|o| &o.initiatives)
        .map(|i| i.final_routinised)
        .sum::<f64>()
        / n as f64;
    eprintln!(
        "p8: practice only: success {rate:.3}, peak adoption {peak:.3}, final routinised {routinised:.3}"
    );
    assert!(rate <= 0.10, "practice-only success {rate:.3} > 0.10");
    assert!(
        peak >= 0.05,
        "practice-only redesign changes nothing: peak adoption {peak:.3}"
    );
    assert!(
        routinised < 0.3,
        "practice-only routinised share {routinised:.3} not small"
    );
}

/// §9.9 Clinical and managerial leaders work best in tandem: the clinical knockout and the
/// managerial knockout both lower success. Same replication seeds as the baseline, so the paired
/// difference is sharp. Tolerance: each knockout lowers the pooled success rate by at least 0.05
/// (an effect a reader would call a difference, about two standard errors of a single rate and
/// many of a paired difference).
#[test]
fn p9_clinical_and_managerial_knockouts_both_lower_success() {
    let base = success_rate(&outcomes(&load("baseline.toml", &[])));
    let clinical = success_rate(&outcomes(&load(
        "baseline.toml",
        &["leadership.clinical=false"],
    )));
    let managerial = success_rate(&outcomes(&load(
        "baseline.toml",
        &["leadership.managerial=false"],
    )));
    eprintln!(
        "p9: baseline {base:.3}, clinical knockout {clinical:.3}, managerial knockout {managerial:.3}"
    );
    assert!(
        base - clinical >= 0.05,
        "clinical knockout {clinical:.3} vs baseline {base:.3}"
    );
    assert!(
        base - managerial >= 0.05,
        "managerial knockout {managerial:.3} vs baseline {base:.3}"
    );
}

// ---------------------------------------------------------------------------------------------
// The six case studies (BJGP 2018, Box 1): each scenario's qualitative outcome.
// ---------------------------------------------------------------------------------------------

/// Pooled success rate and the share of each mode for a case scenario.
struct Case {
    success: f64,
    outs: Vec<ReplicationOutcome>,
}

fn case(name: &str) -> Case {
    let outs = outcomes(&load(name, &[]));
    Case {
        success: success_rate(&outs),
        outs,
    }
}

/// The most common failure mode and its share.
fn top_failure(outs: &[ReplicationOutcome]) -> (Mode, f64) {
    Mode::failures()
        .iter()
        .map(|&m| (m, mode_share(outs, m)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("failure modes")
}

/// Cases A–F together, so that the comparisons between cases the study draws are tested on one set
/// of runs. Tolerances: "success is common" means a pooled success rate of at least 0.5 (most
/// areas like this one get there); "success is low" means at most 0.4 and below every case with
/// clinical leadership in all three arenas (B and E) by at least 0.2; a failure mode "dominates"
/// when it is at least as common as success and the commonest failure mode.
#[test]
fn cases_reproduce_the_reported_outcomes() {
    let a = case("case_a.toml");
    let b = case("case_b.toml");
    let c = case("case_c.toml");
    let d = case("case_d.toml");
    let e = case("case_e.toml");
    let f = case("case_f.toml");
    for (name, k) in [
        ("A", &a),
        ("B", &b),
        ("C", &c),
        ("D", &d),
        ("E", &e),
        ("F", &f),
    ] {
        let (mode, share) = top_failure(&k.outs);
        eprintln!(
            "case {name}: success {:.3}, commonest failure {} {share:.3}, seats filled {:.3}",
            k.success,
            mode.name(),
            seats_filled(&k.outs, 0, 60)
        );
    }

    // A: board GPs challenge providers; out-of-hours GPs implement urgent care. Redesign under
    // way in both services and no failure reported: each initiative succeeds in at least 30% of
    // areas, and success is its commonest ending. (Until implementation work existed this also
    // asked that plans without implementation be at most 10%, which no scenario could then
    // miss; areas like A with little capacity now leave plans as plans, docs/cases.md.)
    for k in 0..a.outs[0].initiatives.len() {
        let share = |m: Mode| {
            a.outs.iter().filter(|o| o.initiatives[k].mode == m).count() as f64
                / a.outs.len() as f64
        };
        let ok = share(Mode::Success);
        assert!(ok >= 0.3, "case A initiative {k}: success {ok:.3} < 0.3");
        for &m in Mode::failures() {
            assert!(
                share(m) < ok,
                "case A initiative {k}: {} {:.3} not below success {ok:.3}",
                m.name(),
                share(m)
            );
        }
    }

    // B: standards formulated on the board, others followed, locality GPs implemented: success
    // is common.
    assert!(b.success >= 0.5, "case B success {:.3} < 0.5", b.success);

    // C: a wellbeing hub funded and run through networks of practices and the voluntary sector:
    // success is common, and the programme board works mostly in the network mode.
    assert!(c.success >= 0.5, "case C success {:.3} < 0.5", c.success);
    let network_runs = c
        .outs
        .iter()
        .filter(|o| market_or_network(o) == Some(false))
        .count() as f64
        / c.outs.len() as f64;
    assert!(
        network_runs >= 0.5,
        "case C: network-dominant runs {network_runs:.3} < 0.5"
    );

    // D: a locality pilot seeking the CCG's support, governing-body seats hard to fill: fewer GP
    // seats filled than in any other case, and less success than the cases with clinical
    // leadership in all three arenas (B, E).
    let d_seats = seats_filled(&d.outs, 0, 60);
    for (name, k) in [("A", &a), ("B", &b), ("C", &c), ("E", &e), ("F", &f)] {
        let s = seats_filled(&k.outs, 0, 60);
        assert!(
            d_seats < s,
            "case D seats filled {d_seats:.3} not below case {name} {s:.3}"
        );
    }
    assert!(
        d.success + 0.05 <= b.success.min(e.success),
        "case D success {:.3}",
        d.success
    );

    // E: integrated care for frail older people shaped on the board, worked through with
    // neighbouring CCGs and the council, communicated to GPs: success is common and well above
    // case F's.
    assert!(e.success >= 0.5, "case E success {:.3} < 0.5", e.success);

    // F: a strategic concept (accountable care) with the council and little wider GP involvement:
    // plans without implementation or partial adoption dominate and success is low.
    let (mode, share) = top_failure(&f.outs);
    assert!(
        matches!(mode, Mode::PlanWithoutImplementation | Mode::Partial),
        "case F: commonest failure is {}",
        mode.name()
    );
    assert!(
        share >= f.success,
        "case F: {} {share:.3} below success {:.3}",
        mode.name(),
        f.success
    );
    assert!(f.success <= 0.4, "case F success {:.3} > 0.4", f.success);
    assert!(
        f.success + 0.2 <= b.success.min(e.success),
        "case F success {:.3} not well below cases B and E",
        f.success
    );
}
