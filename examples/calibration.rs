//! The model against the study's figures: reads `docs/calibration_targets.toml`, runs the
//! baseline and prints each target next to the model's figure (the virtual survey at months 12
//! and 36, board composition, GP engagement over time).
//!
//! ```text
//! cargo run --release --example calibration               # 500 replications of the baseline
//! cargo run --release --example calibration -- -n 2000    # more replications
//! cargo run --release --example calibration -- -n 500 scenarios/turbulence_2016.toml
//! ```
//!
//! The table is Markdown, pasted as is into `docs/calibration.md`. The arena factorial's verdict
//! is never a calibration target (docs/ODD.md §1, held out) and is not computed here.

use std::path::{Path, PathBuf};

use redesign_sim::runner;
use redesign_sim::scenario::{self, Override, Scenario};
use redesign_sim::stats::simulate;
use redesign_sim::stats::{Summary, SurveySummary};
use serde::Deserialize;

/// One row of the targets file.
#[derive(Debug, Deserialize)]
struct Target {
    id: String,
    description: String,
    value: Option<f64>,
    values: Option<Vec<f64>>,
    months: Option<Vec<i64>>,
    note: Option<String>,
    status: String,
    source: String,
    compare: String,
    kind: String,
}

#[derive(Debug, Deserialize)]
struct Targets {
    target: Vec<Target>,
}

fn main() {
    let mut reps: u32 = 500;
    let mut path = PathBuf::from("scenarios/baseline.toml");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-n" | "--replications" => {
                reps = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage("-n takes a whole number"));
            }
            "-h" | "--help" => usage(""),
            other if !other.starts_with('-') => path = PathBuf::from(other),
            other => usage(&format!("unknown option {other}")),
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("docs/calibration_targets.toml"))
        .expect("docs/calibration_targets.toml is readable");
    let targets: Targets = toml::from_str(&text).expect("docs/calibration_targets.toml parses");

    let overrides = [Override::parse(&format!("simulation.replications={reps}")).unwrap()];
    let s = scenario::load(&path)
        .and_then(|src| src.resolve(&overrides))
        .unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
    let sum = simulate(
        &s,
        0,
        &redesign_sim::runner::Silent,
        &redesign_sim::runner::Cancel::new(),
        |_, _| Ok(()),
    )
    .expect("the run succeeds")
    .summary;
    let (yearly, bins) = per_area(&s);

    println!(
        "Scenario `{}` ({}), seed {}, {} replications, {} months.\n",
        sum.scenario,
        path.display(),
        sum.seed,
        sum.replications,
        sum.months
    );
    println!("| id | figure | study | model | status | compared with | source |");
    println!("|---|---|---|---|---|---|---|");
    for t in &targets.target {
        let study = match (&t.value, &t.values) {
            // A series over time (with months) reads "a → b"; categories of one question "a / b".
            (_, Some(v)) => v
                .iter()
                .map(|x| format!("{x:.2}"))
                .collect::<Vec<_>>()
                .join(if t.months.is_some() { " → " } else { " / " }),
            (Some(v), None) => format!("{v:.2}"),
            (None, None) => t.note.clone().unwrap_or_default(),
        };
        let model = model_figure(&t.id, &s, &sum);
        println!(
            "| {} | {} | {} | {} | {} | {} ({}) | {} |",
            t.id, t.description, study, model, t.status, t.compare, t.kind, t.source
        );
    }

    println!("\nAreas by number of initiatives that succeeded (S6, pattern 1):\n");
    println!("| initiatives succeeded | share of areas |");
    println!("|---|---|");
    for (k, share) in bins.iter().enumerate() {
        println!("| {k} of {} | {share:.3} |", bins.len() - 1);
    }
    println!("\nGP engagement over time (means over replications):\n");
    println!("| year (months) | GP seats filled |");
    println!("|---|---|");
    for (k, share) in yearly.iter().enumerate() {
        println!("| {} ({}–{}) | {share:.3} |", 2013 + k, 12 * k, 12 * k + 11);
    }
    println!(
        "\n| survey month | formal leaders highly engaged | formal leaders can influence | no-role GPs can influence | members asked |"
    );
    println!("|---|---|---|---|---|");
    for w in &sum.survey {
        println!(
            "| {} | {:.3} | {:.3} | {:.3} | {} |",
            w.month,
            w.gp_formal_engaged_share,
            w.gp_formal_can_influence_share,
            w.gp_no_role_can_influence_share,
            w.members_asked
        );
    }
    println!(
        "\nGP seats filled over the run {:.3}; GP share of board influence {:.3}; \
         overall success rate {:.3}.",
        sum.leadership.gp_seats_filled_share,
        sum.leadership.gp_influence_share.unwrap_or(f64::NAN),
        sum.overall_success_rate
    );
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("{problem}");
    }
    eprintln!("usage: cargo run --release --example calibration [-- -n REPLICATIONS] [SCENARIO]");
    std::process::exit(if problem.is_empty() { 0 } else { 2 })
}

/// The survey wave at `month`, if the scenario asks at that month.
fn wave(sum: &Summary, month: u32) -> Option<&SurveySummary> {
    sum.survey.iter().find(|w| w.month == month)
}

/// "a → b" of a survey share at months 12 and 36.
fn waves(sum: &Summary, f: impl Fn(&SurveySummary) -> f64) -> String {
    match (wave(sum, 12), wave(sum, 36)) {
        (Some(a), Some(b)) => format!("{:.2} → {:.2}", f(a), f(b)),
        _ => "survey months 12 and 36 not asked".into(),
    }
}

/// The model's figure for a target, as text.
fn model_figure(id: &str, s: &Scenario, sum: &Summary) -> String {
    let st = &s.arenas.strategic;
    let seats = f64::from(st.gp_seats + st.manager_seats + st.lay_seats + st.council_seats);
    match id {
        "S1" => waves(sum, |w| w.centre_influence_high_share),
        "S2" => waves(sum, |w| {
            w.gps_main_influence_share
                / (w.gps_main_influence_share + w.managers_main_influence_share)
        }),
        "S3" => waves(sum, |w| w.vision_equal_share),
        "S5" => {
            let market: f64 = sum.initiatives.iter().map(|i| i.episodes.market).sum();
            let network: f64 = sum.initiatives.iter().map(|i| i.episodes.network).sum();
            format!("market {market:.1} vs network {network:.1} design months per area")
        }
        "S6" => format!(
            "pooled success {:.2}; every initiative succeeded in {:.2} of areas",
            sum.overall_success_rate, sum.all_initiatives_succeeded_share
        ),
        "B1" => format!("{:.2} (input)", f64::from(st.gp_seats) / seats),
        "B2" => format!(
            "{} (input)",
            if 2 * st.gp_seats > st.gp_seats + st.manager_seats + st.lay_seats + st.council_seats {
                "GP majority"
            } else {
                "no GP majority"
            }
        ),
        "B3" => format!("{:.2} (input)", f64::from(st.manager_seats) / seats),
        "B4" => format!(
            "input: gp.willingness mean {:.2}, accept threshold {:.2}",
            s.gp.willingness.mean, s.gp.accept_threshold
        ),
        "E1" => waves(sum, |w| w.gp_formal_engaged_share),
        "E3" => waves(sum, |w| w.gp_no_role_can_influence_share),
        "E4" => format!(
            "{:.3} (proxy: all initiatives succeeded)",
            sum.all_initiatives_succeeded_share
        ),
        "P1" => format!("pooled success {:.2}", sum.overall_success_rate),
        "P2" => {
            // Pooled over initiatives, as `calibrate` reads `mode.plan_without_implementation`.
            let n = sum.initiatives.len().max(1) as f64;
            let share: f64 = sum
                .initiatives
                .iter()
                .filter_map(|i| i.failure_modes.get("plan_without_implementation"))
                .sum::<f64>()
                / n;
            format!("{share:.3} of initiative-runs")
        }
        _ => "not measured".into(),
    }
}

/// Mean share of GP seats filled in each year of the run (12-month blocks), over replications,
/// and the share of areas in which 0, 1, 2, ... initiatives succeeded.
fn per_area(s: &Scenario) -> (Vec<f64>, Vec<f64>) {
    let months = s.simulation.months as usize;
    let years = months.div_ceil(12);
    let mut sums = vec![0.0; years];
    let mut bins = vec![0.0; s.initiative.len() + 1];
    let mut n = 0u32;
    runner::replicate(s, 0, |_, o| {
        n += 1;
        let k = o
            .initiatives
            .iter()
            .filter(|i| i.mode == redesign_sim::model::outcome::Mode::Success)
            .count();
        bins[k] += 1.0;
        for (y, sum) in sums.iter_mut().enumerate() {
            let m = &o.seats_filled[12 * y..(12 * y + 12).min(o.seats_filled.len())];
            *sum += m.iter().map(|&x| f64::from(x)).sum::<f64>() / m.len().max(1) as f64;
        }
    });
    let n = f64::from(n.max(1));
    (
        sums.iter().map(|x| x / n).collect(),
        bins.iter().map(|x| x / n).collect(),
    )
}
