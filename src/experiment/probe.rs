//! The robustness probe shown with the arena verdict: the factorial re-run with one parameter at
//! a time moved down and up by a fixed step from the scenario's own value, each judged by the
//! same rule, so a researcher sees at once whether the verdict is robust or on an edge
//! (docs/ODD.md §8).

use serde::Serialize;
use toml::Value;

use super::{CellResult, HorizonRun, resolve_cells, results_at, run_cells};
use super::{Ratio, Verdict, arena_cells, factorial_verdict, interaction_signs};
use crate::error::Result;
use crate::runner::{Cancel, Observer, Within};
use crate::scenario::schema::{Kind, leaves};
use crate::scenario::{Origin, Override, Scenario, ScenarioSource};

/// One parameter of the probe and the step it is moved by, down and up. The steps are set by
/// the parameter's meaning, before and without running the experiment (docs/ODD.md §8).
#[derive(Debug, Clone, Copy)]
pub struct ProbeParameter {
    /// Its path.
    pub path: &'static str,
    /// How far it is moved each way from the scenario's value (clipped to its allowed range).
    pub step: f64,
}

/// The route, resistance and success parameters the probe moves, with their steps.
pub const PROBE: [ProbeParameter; 8] = [
    ProbeParameter {
        path: "arenas.strategic.directive_strength",
        step: 0.15,
    },
    ProbeParameter {
        path: "arenas.programme.contract_strength",
        step: 0.15,
    },
    ProbeParameter {
        path: "arenas.practice.grassroots_adoption",
        step: 0.15,
    },
    ProbeParameter {
        path: "arenas.practice.reversion_rate",
        step: 0.15,
    },
    ProbeParameter {
        path: "population.area_spread",
        step: 0.1,
    },
    ProbeParameter {
        path: "arenas.strategic.attention",
        step: 1.0,
    },
    ProbeParameter {
        path: "success.threshold",
        step: 0.1,
    },
    ProbeParameter {
        path: "success.sustain_months",
        step: 6.0,
    },
];

/// One step of the probe: a parameter at one value, the verdict there.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeStep {
    /// The parameter's path.
    pub parameter: String,
    /// The scenario's own value.
    pub from: f64,
    /// The value tried.
    pub value: f64,
    /// The verdict at that value (`supported`, `refuted` or `inconclusive`).
    pub result: String,
    /// Its margin from the threshold (negative when undecided).
    pub margin: f64,
    /// The all-three success rate there.
    pub all_three_rate: f64,
    /// The deciding share: the cell with fewer arenas whose share of all three is highest.
    pub highest_share: String,
}

/// What the probe found.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    /// Replications per cell in every step.
    pub replications: u64,
    /// The verdict the steps are compared with.
    pub reference: String,
    /// Every step, parameter by parameter, down then up; a parameter already at the end of its
    /// range in one direction has no step that way.
    pub steps: Vec<ProbeStep>,
    /// The finding in one line.
    pub summary: String,
}

/// The scenario's value at `path` as a number, and the range the key accepts.
fn value_and_range(s: &Scenario, path: &str) -> Option<(f64, Kind)> {
    let mut fields = Vec::new();
    leaves(Scenario::fields(), "", &mut fields);
    let kind = fields.iter().find(|(p, _)| p == path)?.1.kind;
    let table = Value::try_from(s).ok()?;
    let mut v = &table;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    let x = v.as_float().or_else(|| v.as_integer().map(|i| i as f64))?;
    Some((x, kind))
}

/// The values a step tries: down and up from `x`, inside the key's range, never `x` itself.
fn steps_from(x: f64, step: f64, kind: Kind) -> Vec<Value> {
    let mut out = Vec::new();
    for sign in [-1.0, 1.0] {
        let v = match kind {
            Kind::Float { lo, hi } => {
                let v = (x + sign * step).clamp(lo, hi);
                ((v - x).abs() > 1e-12).then_some(Value::Float((v * 1e6).round() / 1e6))
            }
            Kind::Int { lo, hi } => {
                let v = ((x + sign * step).round() as i64).clamp(lo, hi);
                (v as f64 != x).then_some(Value::Integer(v))
            }
            _ => None,
        };
        out.extend(v);
    }
    out
}

/// Runs the probe on the arena factorial (the eight arena cells, no knockouts) with
/// `replications` per cell, every step on the same areas as the experiment, and compares each
/// step's verdict with `reference`.
pub fn probe(
    source: &ScenarioSource,
    base: &[Override],
    point: u64,
    replications: u32,
    reference: &Verdict,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Probe> {
    let s = source.resolve(base)?;
    let mut plan: Vec<(&'static str, f64, Value)> = Vec::new();
    for p in PROBE {
        if let Some((x, kind)) = value_and_range(&s, p.path) {
            for v in steps_from(x, p.step, kind) {
                plan.push((p.path, x, v));
            }
        }
    }
    let cells: Vec<_> = arena_cells().into_iter().take(8).collect();
    observer.start(plan.len() as u64 * u64::from(replications), 0);
    let quiet = Within(observer);
    let mut steps = Vec::new();
    for (path, from, value) in plan {
        let mut o = base.to_vec();
        o.push(Override::new(
            "simulation.replications",
            Value::Integer(replications.into()),
            Origin::Flag("robustness probe".into()),
        ));
        o.push(Override::new(
            path,
            value.clone(),
            Origin::Flag("robustness probe".into()),
        ));
        let scenarios = resolve_cells(source, &o, &cells, "robustness probe")?;
        let s0 = &scenarios[0];
        let run = run_cells(
            &scenarios,
            point,
            &[s0.simulation.months],
            &(1..8).map(|c| (0, c)).collect::<Vec<_>>(),
            &interaction_signs(),
            &quiet,
            cancel,
            None,
        )?;
        cancel.check()?;
        let h: &HorizonRun = run.last();
        let results: Vec<CellResult> = cells
            .iter()
            .zip(&scenarios)
            .zip(run.aggregates.iter().zip(&run.cumulative))
            .map(|((c, s), (a, m))| super::cell_result(c, s, a, m))
            .collect();
        let at = results_at(&results, h, s0.initiative.len());
        let v = factorial_verdict(&at, h, s0, "arenas");
        let highest = v.highest_share().map(Ratio::brief).unwrap_or_default();
        steps.push(ProbeStep {
            parameter: path.into(),
            from,
            value: value
                .as_float()
                .or_else(|| value.as_integer().map(|i| i as f64))
                .unwrap_or(f64::NAN),
            result: v.result,
            margin: v.margin,
            all_three_rate: v.all_three_rate,
            highest_share: highest,
        });
    }
    let summary = summarise(&reference.result, &steps, replications);
    Ok(Probe {
        replications: replications.into(),
        reference: reference.result.clone(),
        steps,
        summary,
    })
}

/// The probe's finding in one line: how many steps keep the verdict, and which change it.
pub fn summarise(reference: &str, steps: &[ProbeStep], replications: u32) -> String {
    let changed: Vec<String> = steps
        .iter()
        .filter(|s| s.result != reference)
        .map(|s| format!("{} {} → {}", s.parameter, trim(s.value), s.result))
        .collect();
    let kept = steps.len() - changed.len();
    let head = format!(
        "{kept} of {} one-at-a-time steps keep the verdict {} ({replications} replications per cell)",
        steps.len(),
        reference.to_uppercase()
    );
    if changed.is_empty() {
        format!("{head}: robust to every step")
    } else {
        format!("{head}; it changes at {}", changed.join(", "))
    }
}

/// A number as short as it reads: `0.15`, `3`.
fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_stay_in_range_and_skip_the_value_itself() {
        let unit = Kind::Float { lo: 0.0, hi: 1.0 };
        assert_eq!(
            steps_from(0.3, 0.15, unit),
            vec![Value::Float(0.15), Value::Float(0.45)]
        );
        // At the top of its range a parameter is only moved down.
        assert_eq!(steps_from(1.0, 0.15, unit), vec![Value::Float(0.85)]);
        let whole = Kind::Int { lo: 1, hi: 1000 };
        assert_eq!(steps_from(1.0, 1.0, whole), vec![Value::Integer(2)]);
        assert_eq!(
            steps_from(12.0, 6.0, whole),
            vec![Value::Integer(6), Value::Integer(18)]
        );
    }

    #[test]
    fn every_probe_parameter_is_a_number_in_the_schema() {
        let s = Scenario::default();
        for p in PROBE {
            let (_, kind) = value_and_range(&s, p.path).unwrap_or_else(|| panic!("{}", p.path));
            assert!(
                matches!(kind, Kind::Float { .. } | Kind::Int { .. }),
                "{}",
                p.path
            );
        }
    }

    #[test]
    fn the_summary_names_the_steps_that_change_the_verdict() {
        let step = |p: &str, v: f64, r: &str| ProbeStep {
            parameter: p.into(),
            from: 0.5,
            value: v,
            result: r.into(),
            margin: 0.1,
            all_three_rate: 0.4,
            highest_share: String::new(),
        };
        let steps = [
            step("a", 0.35, "supported"),
            step("a", 0.65, "refuted"),
            step("b", 0.4, "supported"),
        ];
        let line = summarise("supported", &steps, 300);
        assert!(
            line.starts_with("2 of 3 one-at-a-time steps keep the verdict SUPPORTED"),
            "{line}"
        );
        assert!(line.contains("a 0.65 → refuted"), "{line}");
        assert!(summarise("supported", &steps[..1], 300).ends_with("robust to every step"));
    }
}
