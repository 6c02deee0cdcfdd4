//! Calibration targets: what the study and the surveys observed, with its uncertainty, and the
//! model output each is compared with (docs/calibration_targets.toml, docs/calibration.md).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::outcome::{Mode, ReplicationOutcome, SurveyWave};
use crate::scenario::Origin;

/// The targets shipped with the tool: `docs/calibration_targets.toml`.
pub const BUILT_IN: &str = include_str!("../../docs/calibration_targets.toml");

/// One row of the targets file as written.
#[derive(Debug, Clone, Deserialize)]
struct Row {
    id: String,
    description: String,
    #[serde(default)]
    value: Option<f64>,
    #[serde(default)]
    values: Option<Vec<f64>>,
    #[serde(default)]
    months: Option<Vec<i64>>,
    #[serde(default)]
    range: Option<[f64; 2]>,
    #[serde(default)]
    sd: Option<f64>,
    #[serde(default)]
    discrepancy: Option<f64>,
    #[serde(default)]
    output: Option<String>,
    #[serde(default)]
    source: String,
}

/// The file: a list of `[[target]]` tables.
#[derive(Debug, Deserialize)]
struct File {
    target: Vec<Row>,
}

/// What was observed: one figure with its standard error, or a range for an ordinal pattern.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Observed {
    /// A figure and its standard error.
    Value {
        /// The figure.
        value: f64,
        /// Its standard error.
        sd: f64,
    },
    /// A range the figure is read to lie in.
    Range {
        /// Lowest.
        lo: f64,
        /// Highest.
        hi: f64,
    },
}

/// The model output a target is compared with, computed per replication (an area) and averaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// Share of initiatives that succeeded.
    SuccessRate,
    /// 1 when no initiative succeeded in the area.
    NoneSucceeded,
    /// 1 when every initiative succeeded.
    AllSucceeded,
    /// Share of initiatives ending in a mode.
    Mode(Mode),
    /// Share of programme-board months worked in the market logic's mode.
    MarketShare,
    /// Mean share of GP seats filled.
    GpSeatsFilled,
    /// Survey: members judging the centre's influence high.
    CentreHigh(u32),
    /// Survey: of members naming GPs or managers as the main influence, the share naming GPs.
    GpsMainOfNamed(u32),
    /// Survey: members saying the vision is set by clinicians and managers equally.
    VisionEqual(u32),
    /// Survey: formal GP leaders highly engaged.
    GpFormalEngaged(u32),
    /// Survey: GPs with no role who feel able to influence.
    GpNoRoleCan(u32),
}

impl Output {
    /// Parses an output name of the targets file at a survey month (for survey outputs).
    fn parse(name: &str, month: Option<u32>) -> std::result::Result<Self, String> {
        let at = || month.ok_or_else(|| format!("`{name}` is a survey output and needs `months`"));
        Ok(match name {
            "success_rate" => Output::SuccessRate,
            "none_succeeded" => Output::NoneSucceeded,
            "all_succeeded" => Output::AllSucceeded,
            "market_share" => Output::MarketShare,
            "gp_seats_filled" => Output::GpSeatsFilled,
            "survey.centre_high" => Output::CentreHigh(at()?),
            "survey.gps_main_of_named" => Output::GpsMainOfNamed(at()?),
            "survey.vision_equal" => Output::VisionEqual(at()?),
            "survey.gp_formal_engaged" => Output::GpFormalEngaged(at()?),
            "survey.gp_no_role_can" => Output::GpNoRoleCan(at()?),
            other => match other.strip_prefix("mode.") {
                Some(m) => Output::Mode(
                    Mode::ALL
                        .into_iter()
                        .find(|x| x.name() == m)
                        .ok_or_else(|| format!("`{m}` is not a mode"))?,
                ),
                None => {
                    return Err(format!(
                        "expected an output such as success_rate, none_succeeded, all_succeeded, \
                         mode.<failure mode>, market_share, gp_seats_filled or survey.<question>, \
                         found `{other}`"
                    ));
                }
            },
        })
    }

    /// The output in one replication (an area); `None` when it does not exist there (a survey
    /// question nobody was asked).
    pub fn of(self, o: &ReplicationOutcome) -> Option<f64> {
        let share = |num: u32, den: u32| (den > 0).then(|| f64::from(num) / f64::from(den));
        let wave = |m: u32| o.survey.iter().find(|w| w.month == m);
        let n = o.initiatives.len();
        let won = o
            .initiatives
            .iter()
            .filter(|i| i.mode == Mode::Success)
            .count();
        match self {
            Output::SuccessRate => (n > 0).then(|| won as f64 / n as f64),
            Output::NoneSucceeded => Some(f64::from(u8::from(won == 0))),
            Output::AllSucceeded => Some(f64::from(u8::from(won == n))),
            Output::Mode(m) => (n > 0)
                .then(|| o.initiatives.iter().filter(|i| i.mode == m).count() as f64 / n as f64),
            Output::MarketShare => {
                let (market, all) = o.initiatives.iter().fold((0, 0), |(m, a), i| {
                    (m + i.episodes[0], a + i.episodes.iter().sum::<u32>())
                });
                share(market, all)
            }
            Output::GpSeatsFilled => Some(o.gp_seats_filled_share),
            Output::CentreHigh(m) => wave(m).and_then(|w| share(w.centre_high, w.members)),
            Output::GpsMainOfNamed(m) => {
                wave(m).and_then(|w: &SurveyWave| share(w.gps_main, w.gps_main + w.managers_main))
            }
            Output::VisionEqual(m) => wave(m).and_then(|w| share(w.vision_equal, w.members)),
            Output::GpFormalEngaged(m) => {
                wave(m).and_then(|w| share(w.gp_formal_engaged, w.gp_formal))
            }
            Output::GpNoRoleCan(m) => wave(m).and_then(|w| share(w.gp_no_role_can, w.gp_no_role)),
        }
    }

    /// The survey month it needs, if any.
    pub fn month(self) -> Option<u32> {
        match self {
            Output::CentreHigh(m)
            | Output::GpsMainOfNamed(m)
            | Output::VisionEqual(m)
            | Output::GpFormalEngaged(m)
            | Output::GpNoRoleCan(m) => Some(m),
            _ => None,
        }
    }
}

/// One target, at one month when the figure is a series.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// The row's id, with `@month` for a series, e.g. `E1@12`.
    pub id: String,
    /// What was observed, in words.
    pub description: String,
    /// The figure or range.
    pub observed: Observed,
    /// Standard deviation of the model discrepancy: how far a good model may still be off.
    pub discrepancy: f64,
    /// The model output compared with it.
    pub output: Output,
    /// Where the figure comes from.
    pub source: String,
}

/// Reads a targets file; rows without an `output` (inputs, qualitative checks, questions the
/// model does not ask) are not targets of the calibration and are skipped.
pub fn parse(text: &str, path: &str) -> Result<Vec<Target>> {
    let bad = |message: String| Error::Invalid {
        at: Origin::Flag(format!("--targets {path}")),
        key: "target".into(),
        message,
    };
    let file: File = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::new();
    for row in file.target {
        let Some(name) = &row.output else { continue };
        let at = |m: String| bad(format!("target {}: {m}", row.id));
        let months: Vec<Option<u32>> = match &row.months {
            Some(m) if !m.is_empty() => m
                .iter()
                .map(|&x| {
                    u32::try_from(x)
                        .map(Some)
                        .map_err(|_| at(format!("expected months >= 0, found {x}")))
                })
                .collect::<Result<_>>()?,
            _ => vec![None],
        };
        let values: Vec<Option<f64>> = match (&row.values, row.value, row.range) {
            (Some(v), None, None) if v.len() == months.len() => {
                v.iter().copied().map(Some).collect()
            }
            (Some(v), None, None) => {
                return Err(at(format!(
                    "expected one value per month ({}), found {}",
                    months.len(),
                    v.len()
                )));
            }
            (None, Some(v), None) => vec![Some(v); months.len()],
            (None, None, Some(_)) => vec![None; months.len()],
            _ => {
                return Err(at(
                    "expected exactly one of `value`, `values` or `range`".into()
                ));
            }
        };
        let discrepancy = row.discrepancy.unwrap_or(0.0);
        if !(discrepancy >= 0.0 && discrepancy.is_finite()) {
            return Err(at(format!(
                "expected a discrepancy >= 0, found {discrepancy}"
            )));
        }
        for (month, value) in months.iter().zip(values) {
            let output = Output::parse(name, *month).map_err(&at)?;
            let observed = match (value, row.range) {
                (Some(value), _) => {
                    let sd = row
                        .sd
                        .ok_or_else(|| at("a `value` needs its `sd`".into()))?;
                    if !(sd >= 0.0 && sd.is_finite()) {
                        return Err(at(format!("expected an sd >= 0, found {sd}")));
                    }
                    Observed::Value { value, sd }
                }
                (None, Some([lo, hi])) if lo <= hi => Observed::Range { lo, hi },
                (None, Some([lo, hi])) => {
                    return Err(at(format!(
                        "expected a range with lo <= hi, found [{lo}, {hi}]"
                    )));
                }
                (None, None) => unreachable!("checked above"),
            };
            if observed
                == (Observed::Value {
                    value: 0.0,
                    sd: 0.0,
                })
                && discrepancy == 0.0
            {
                return Err(at(
                    "a target needs some uncertainty (sd or discrepancy)".into()
                ));
            }
            out.push(Target {
                id: match month {
                    Some(m) if months.len() > 1 => format!("{}@{m}", row.id),
                    _ => row.id.clone(),
                },
                description: row.description.clone(),
                observed,
                discrepancy,
                output,
                source: row.source.clone(),
            });
        }
    }
    if out.is_empty() {
        return Err(bad(
            "no row has an `output`: nothing to calibrate against".into()
        ));
    }
    Ok(out)
}

impl Target {
    /// Implausibility of a model mean `mean` whose Monte Carlo variance (of the mean) is
    /// `var_mc`: `|observed − mean| / sqrt(sd² + discrepancy² + var_mc)`, and for a range the
    /// distance to the nearer end (0 inside it) over `sqrt(discrepancy² + var_mc)`.
    pub fn implausibility(&self, mean: f64, var_mc: f64) -> f64 {
        let (gap, var_obs) = match self.observed {
            Observed::Value { value, sd } => ((value - mean).abs(), sd * sd),
            Observed::Range { lo, hi } => ((lo - mean).max(mean - hi).max(0.0), 0.0),
        };
        let var = var_obs + self.discrepancy * self.discrepancy + var_mc;
        if gap == 0.0 {
            0.0
        } else if var > 0.0 {
            gap / var.sqrt()
        } else {
            f64::INFINITY
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_targets_parse_and_every_one_has_uncertainty() {
        let t = parse(BUILT_IN, "built-in").unwrap();
        assert!(t.len() >= 10, "{}", t.len());
        assert!(t.iter().any(|x| x.id == "E1@12"));
        for x in &t {
            let sd = match x.observed {
                Observed::Value { sd, .. } => sd,
                Observed::Range { .. } => 0.0,
            };
            assert!(sd + x.discrepancy > 0.0, "{}", x.id);
        }
    }

    #[test]
    fn implausibility_is_the_standardised_distance() {
        let t = Target {
            id: "x".into(),
            description: String::new(),
            observed: Observed::Value {
                value: 0.5,
                sd: 0.03,
            },
            discrepancy: 0.04,
            output: Output::SuccessRate,
            source: String::new(),
        };
        assert!((t.implausibility(0.75, 0.0) - 5.0).abs() < 1e-12);
        let r = Target {
            observed: Observed::Range { lo: 0.2, hi: 0.6 },
            discrepancy: 0.05,
            ..t
        };
        assert_eq!(r.implausibility(0.4, 0.0), 0.0);
        assert!((r.implausibility(0.7, 0.0) - 2.0).abs() < 1e-12);
        assert!((r.implausibility(0.1, 0.0) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn bad_rows_are_named() {
        let e = parse(
            "[[target]]\nid = \"Z\"\ndescription = \"d\"\nvalue = 0.5\noutput = \"success_rate\"\n",
            "t.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("target Z") && e.contains("sd"), "{e}");
        let e = parse(
            "[[target]]\nid = \"Y\"\ndescription = \"d\"\nvalue = 0.5\nsd = 0.1\noutput = \"succes\"\n",
            "t.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("found `succes`"), "{e}");
    }
}
