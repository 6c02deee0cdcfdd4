//! Validation: the merged table is checked against the schema (unknown keys, types, ranges),
//! turned into a [`Scenario`], and checked for consistency across sections.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};

use toml::{Table, Value};

use super::load::describe_value;
use super::schema::{Field, Kind, leaves, nearest};
use super::{Dist, Logic, Scenario};
use crate::error::{Error, Result, quote, some_of};
use crate::scenario::Origin;

/// Sections whose parameters a scheduled event may change mid-run; the rest are drawn or fixed
/// at month 0, so changing them later would silently do nothing.
const EVENT_SECTIONS: [&str; 3] = ["environment.", "arenas.", "leadership."];

pub(super) fn validate(table: &Table, origins: &BTreeMap<String, Origin>) -> Result<Scenario> {
    let mut table = table.clone();
    let ctx = Ctx {
        origins,
        leaves: OnceCell::new(),
    };
    ctx.walk_table(&mut table, Scenario::fields(), "")?;
    let scenario: Scenario = Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| Error::Invalid {
            at: Origin::Default,
            key: "scenario".into(),
            message: format!("could not be read: {}", e.message()),
        })?;
    ctx.cross_checks(&scenario)?;
    Ok(scenario)
}

struct Ctx<'a> {
    origins: &'a BTreeMap<String, Origin>,
    /// Every parameter path of the schema, listed once on first use rather than for every
    /// event target (a scenario may have many events).
    leaves: OnceCell<Vec<(String, &'static Field)>>,
}

impl Ctx<'_> {
    fn leaves(&self) -> &[(String, &'static Field)] {
        self.leaves.get_or_init(|| {
            let mut all = Vec::new();
            leaves(Scenario::fields(), "", &mut all);
            all
        })
    }

    fn at(&self, path: &str) -> Origin {
        // An element path like `provider[2].teams` may be recorded only down to `provider[2]` or
        // `provider` when it came from a whole-array override.
        let mut key = path;
        loop {
            if let Some(o) = self.origins.get(key) {
                return o.clone();
            }
            match key.rfind(['.', '[']) {
                Some(cut) => key = &key[..cut],
                None => return Origin::Default,
            }
        }
    }

    fn walk_table(&self, table: &mut Table, fields: &'static [Field], prefix: &str) -> Result<()> {
        for (key, value) in table.iter_mut() {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            let Some(field) = fields.iter().find(|f| f.name == key) else {
                // A section or key written in the wrong place (`[practice]` for
                // `[arenas.practice]`) is named exactly somewhere else: say where first.
                let elsewhere = exact_elsewhere(key, prefix);
                let hint = elsewhere.or_else(|| {
                    nearest(key, fields.iter().map(|f| f.name)).map(|h| {
                        if prefix.is_empty() {
                            h.to_string()
                        } else {
                            format!("{prefix}.{h}")
                        }
                    })
                });
                let hint = hint.or_else(|| self.nearest_anywhere(key));
                return Err(Error::UnknownKey {
                    at: self.at(&path),
                    key: path,
                    hint,
                });
            };
            self.check_value(value, field.kind, &path)?;
        }
        Ok(())
    }

    /// A known full path whose last part is close to `key`, for keys put in the wrong section.
    fn nearest_anywhere(&self, key: &str) -> Option<String> {
        let all = self.leaves();
        let best = nearest(key, all.iter().map(|(_, f)| f.name))?;
        all.iter()
            .find(|(_, f)| f.name == best)
            .map(|(p, _)| p.clone())
    }

    fn check_value(&self, value: &mut Value, kind: Kind, path: &str) -> Result<()> {
        let type_error = |value: &Value| Error::Type {
            at: self.at(path),
            key: path.to_string(),
            expected: kind.describe(),
            found: describe_value(value),
        };
        let range_error = |found: String| Error::Invalid {
            at: self.at(path),
            key: path.to_string(),
            message: format!("must be {}, found {found}", kind.describe()),
        };
        match kind {
            Kind::Float { lo, hi } => {
                let x = match value {
                    Value::Float(x) => *x,
                    Value::Integer(i) => *i as f64,
                    other => return Err(type_error(other)),
                };
                if !(x >= lo && x <= hi) {
                    return Err(range_error(x.to_string()));
                }
                *value = Value::Float(x);
            }
            Kind::Int { lo, hi } => match value {
                Value::Integer(i) if *i >= lo && *i <= hi => {}
                Value::Integer(i) => return Err(range_error(i.to_string())),
                other => return Err(type_error(other)),
            },
            Kind::Bool => {
                if !value.is_bool() {
                    return Err(type_error(value));
                }
            }
            Kind::Text => {
                if !value.is_str() {
                    return Err(type_error(value));
                }
            }
            Kind::Choice(words) => match value {
                Value::String(s) if words.contains(&s.as_str()) => {}
                Value::String(s) => {
                    let hint = nearest(s, words.iter().copied())
                        .map(|h| format!(" (did you mean \"{h}\"?)"))
                        .unwrap_or_default();
                    return Err(range_error(format!("{}{hint}", quote(s, '"'))));
                }
                other => return Err(type_error(other)),
            },
            Kind::IntList { lo, hi } => {
                let Value::Array(items) = value else {
                    return Err(type_error(value));
                };
                for (i, item) in items.iter_mut().enumerate() {
                    self.check_value(item, Kind::Int { lo, hi }, &format!("{path}[{i}]"))?;
                }
            }
            Kind::TextList => {
                let Value::Array(items) = value else {
                    return Err(type_error(value));
                };
                for (i, item) in items.iter_mut().enumerate() {
                    self.check_value(item, Kind::Text, &format!("{path}[{i}]"))?;
                }
            }
            Kind::PathMap => {
                let Value::Table(map) = value else {
                    return Err(type_error(value));
                };
                let add = path.ends_with(".add");
                for (target, v) in map.iter_mut() {
                    self.check_event_target(target, v, add, &format!("{path}.\"{target}\""))?;
                }
            }
            Kind::Table(fields) => {
                let Value::Table(inner) = value else {
                    return Err(type_error(value));
                };
                self.walk_table(inner, fields, path)?;
            }
            Kind::TableList(fields) => {
                let Value::Array(items) = value else {
                    return Err(type_error(value));
                };
                for (i, item) in items.iter_mut().enumerate() {
                    let element = format!("{path}[{i}]");
                    let Value::Table(inner) = item else {
                        return Err(Error::Type {
                            at: self.at(&element),
                            key: element,
                            expected: "a table".into(),
                            found: describe_value(item),
                        });
                    };
                    self.walk_table(inner, fields, &element)?;
                }
            }
        }
        Ok(())
    }

    /// An event may set or add to a numeric or boolean parameter of the sections that act
    /// month by month.
    fn check_event_target(&self, target: &str, v: &mut Value, add: bool, path: &str) -> Result<()> {
        let all = self.leaves();
        let Some((_, field)) = all.iter().find(|(p, _)| p == target) else {
            let hint = nearest(target, all.iter().map(|(p, _)| p.as_str())).map(str::to_string);
            return Err(Error::UnknownKey {
                at: self.at(path),
                key: target.to_string(),
                hint,
            });
        };
        let changeable = EVENT_SECTIONS.iter().any(|s| target.starts_with(s));
        let numeric = matches!(field.kind, Kind::Float { .. });
        if !changeable || !(numeric || (!add && matches!(field.kind, Kind::Bool))) {
            return Err(Error::Invalid {
                at: self.at(path),
                key: target.to_string(),
                message: format!(
                    "cannot be changed by an event: events {} numeric{} parameters of the environment, arenas and leadership sections",
                    if add { "add to" } else { "set" },
                    if add { "" } else { " or boolean" },
                ),
            });
        }
        if add {
            match v {
                Value::Float(x) if x.is_finite() => Ok(()),
                Value::Integer(i) => {
                    *v = Value::Float(*i as f64);
                    Ok(())
                }
                other => Err(Error::Type {
                    at: self.at(path),
                    key: target.to_string(),
                    expected: "a finite number to add".into(),
                    found: describe_value(other),
                }),
            }
        } else {
            self.check_value(v, field.kind, path)
        }
    }

    fn cross_checks(&self, s: &Scenario) -> Result<()> {
        let invalid = |path: &str, message: String| Error::Invalid {
            at: self.at(path),
            key: path.to_string(),
            message,
        };
        // A clash between a built-in default and a value the user wrote is located at what the
        // user wrote: that is the line to look at, and "default scenario" would point nowhere.
        let clash = |path: &str, written: &str, message: String| Error::Invalid {
            at: match self.at(path) {
                Origin::Default => self.at(written),
                at => at,
            },
            key: path.to_string(),
            message,
        };
        let pop = &s.population;
        if pop.practices > pop.gps {
            return Err(clash(
                "population.practices",
                "population.gps",
                format!(
                    "is {} but there are only {} GPs; every practice needs at least one GP",
                    pop.practices, pop.gps
                ),
            ));
        }
        if pop.localities > pop.practices {
            return Err(clash(
                "population.localities",
                "population.practices",
                format!(
                    "is {} but there are only {} practices",
                    pop.localities, pop.practices
                ),
            ));
        }
        let board = &s.arenas.strategic;
        if board.gp_seats > pop.gps {
            return Err(clash(
                "arenas.strategic.gp_seats",
                "population.gps",
                format!(
                    "is {} but the area has only {} GPs",
                    board.gp_seats, pop.gps
                ),
            ));
        }
        if board.manager_seats > s.manager.count {
            return Err(clash(
                "arenas.strategic.manager_seats",
                "manager.count",
                format!(
                    "is {} but the area has only {} managers",
                    board.manager_seats, s.manager.count
                ),
            ));
        }
        for (path, d) in dists(s) {
            let max_sd = (d.mean * (1.0 - d.mean)).sqrt();
            if d.sd > 0.0 && d.sd >= max_sd {
                return Err(invalid(
                    &format!("{path}.sd"),
                    format!(
                        "is {} but a share with mean {} cannot spread more than {:.3} (sqrt(mean * (1 - mean)))",
                        d.sd, d.mean, max_sd
                    ),
                ));
            }
        }
        for (path, l) in logics(s) {
            if l.market + l.hierarchy + l.network <= 0.0 {
                return Err(invalid(
                    &path,
                    "has all three weights at zero; at least one must be positive".into(),
                ));
            }
        }
        let mut names = BTreeSet::new();
        for (i, p) in s.provider.iter().enumerate() {
            if !names.insert(p.name.as_str()) {
                return Err(invalid(
                    &format!("provider[{i}].name"),
                    format!("{} is used by two providers", quote(&p.name, '"')),
                ));
            }
        }
        if s.initiative.is_empty() {
            return Err(invalid(
                "initiative",
                "is empty; a scenario needs at least one [[initiative]]".into(),
            ));
        }
        if s.initiative.len() > super::MAX_INITIATIVES {
            return Err(invalid(
                "initiative",
                format!(
                    "holds {} initiatives; at most {} (the units' draws are keyed by an \
                     initiative's index in 16 bits)",
                    s.initiative.len(),
                    super::MAX_INITIATIVES
                ),
            ));
        }
        let mut initiative_names = BTreeSet::new();
        for (i, init) in s.initiative.iter().enumerate() {
            if !initiative_names.insert(init.name.as_str()) {
                return Err(invalid(
                    &format!("initiative[{i}].name"),
                    format!("{} is used by two initiatives", quote(&init.name, '"')),
                ));
            }
            for (j, name) in init.scope.iter().enumerate() {
                if !names.contains(name.as_str()) {
                    let hint = nearest(name, names.iter().copied())
                        .map(|h| format!(" (did you mean {}?)", quote(h, '"')))
                        .unwrap_or_default();
                    let known = if names.is_empty() {
                        "the scenario has no [[provider]]".to_string()
                    } else {
                        format!(
                            "providers are: {}",
                            some_of(&names.iter().copied().collect::<Vec<_>>())
                        )
                    };
                    return Err(clash(
                        &format!("initiative[{i}].scope[{j}]"),
                        "provider",
                        format!(
                            "names {}, which is not a provider{hint}; {known}",
                            quote(name, '"')
                        ),
                    ));
                }
            }
        }
        let months = s.simulation.months;
        for (i, e) in s.event.iter().enumerate() {
            if e.month >= months {
                return Err(clash(
                    &format!("event[{i}].month"),
                    "simulation.months",
                    format!(
                        "is {} but the simulation runs months 0 to {} (simulation.months = {months})",
                        e.month,
                        months - 1
                    ),
                ));
            }
        }
        for (i, &m) in s.survey.months.iter().enumerate() {
            if m >= months {
                return Err(clash(
                    &format!("survey.months[{i}]"),
                    "simulation.months",
                    format!("is {m} but the simulation runs months 0 to {}", months - 1),
                ));
            }
        }
        if s.success.sustain_months > months {
            return Err(clash(
                "success.sustain_months",
                "simulation.months",
                format!(
                    "is {} but the simulation has only {months} months",
                    s.success.sustain_months
                ),
            ));
        }
        Ok(())
    }
}

fn dists(s: &Scenario) -> Vec<(String, &Dist)> {
    let g = &s.gp;
    let m = &s.manager;
    vec![
        ("gp.willingness".into(), &g.willingness),
        ("gp.credibility".into(), &g.credibility),
        ("gp.strategic_skill".into(), &g.strategic_skill),
        ("gp.mediation_skill".into(), &g.mediation_skill),
        ("gp.practical_skill".into(), &g.practical_skill),
        ("gp.loyalty".into(), &g.loyalty),
        ("manager.strategic_skill".into(), &m.strategic_skill),
        ("manager.mediation_skill".into(), &m.mediation_skill),
        ("manager.practical_skill".into(), &m.practical_skill),
    ]
}

/// How far from 1 the logic weights may sum before [`warnings`] says so: enough for weights
/// rounded to three decimals (0.333 three times).
const LOGIC_SUM_SLACK: f64 = 0.005;

/// What is valid but probably not what was meant, located where it was written. Logic weights
/// are relative: the model divides them by their sum (`Logic::weights`), so 0.6, 0.5, 0.4 runs as
/// 0.4, 0.333, 0.267. That is accepted, because a sweep or sensitivity analysis may vary one
/// weight alone, but a reader who took them for shares summing to 1 is told.
pub(super) fn warnings(s: &Scenario, origins: &BTreeMap<String, Origin>) -> Vec<String> {
    let mut out = Vec::new();
    for (path, l) in logics(s) {
        let sum = l.market + l.hierarchy + l.network;
        if sum > 0.0 && (sum - 1.0).abs() > LOGIC_SUM_SLACK {
            let [m, h, n] = l.weights();
            let at = origins.get(&path).cloned().unwrap_or(Origin::Default);
            out.push(format!(
                "{at}: {} weights sum to {}, not 1; the model uses them as proportions \
                 (market {m:.3}, hierarchy {h:.3}, network {n:.3}); write them to sum to 1 to \
                 say so",
                quote(&path, '`'),
                round(sum),
            ));
        }
    }
    out
}

/// A sum as a reader would write it (no 1.5000000000000002).
fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn logics(s: &Scenario) -> Vec<(String, &Logic)> {
    let mut out = vec![
        ("gp.logic".to_string(), &s.gp.logic),
        ("manager.logic".to_string(), &s.manager.logic),
        ("council.logic".to_string(), &s.council.logic),
        ("environment.regime".to_string(), &s.environment.regime),
    ];
    for (i, p) in s.provider.iter().enumerate() {
        out.push((format!("provider[{i}].logic"), &p.logic));
    }
    out
}

/// The first path, in schema order, of a section or key named exactly `key` outside `prefix`:
/// for a key written in the wrong place.
fn exact_elsewhere(key: &str, prefix: &str) -> Option<String> {
    fn walk(fields: &'static [Field], at: &str, key: &str, out: &mut Option<String>) {
        for f in fields {
            if out.is_some() {
                return;
            }
            let path = if at.is_empty() {
                f.name.to_string()
            } else {
                format!("{at}.{}", f.name)
            };
            if f.name == key {
                *out = Some(path);
                return;
            }
            if let Kind::Table(inner) = f.kind {
                walk(inner, &path, key, out);
            }
        }
    }
    let mut found = None;
    walk(crate::scenario::Scenario::fields(), "", key, &mut found);
    found.filter(|p| p.rsplit_once('.').map_or("", |(head, _)| head) != prefix)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::error::Error;
    use crate::scenario::load_str;

    fn err(text: &str) -> String {
        load_str(text, Path::new("t.toml"))
            .and_then(|s| s.resolve(&[]))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn more_initiatives_than_the_units_draws_can_key_are_refused() {
        let many = |n: usize| {
            (0..n)
                .map(|i| format!("[[initiative]]\nname = \"i{i}\"\n"))
                .collect::<String>()
        };
        let e = err(&many(super::super::MAX_INITIATIVES + 1));
        assert!(
            e.contains("initiative") && e.contains("65537") && e.contains("65536"),
            "{e}"
        );
        let s = load_str(&many(super::super::MAX_INITIATIVES), Path::new("t.toml"))
            .unwrap()
            .resolve(&[])
            .unwrap();
        assert_eq!(s.initiative.len(), super::super::MAX_INITIATIVES);
    }

    #[test]
    fn empty_file_is_the_default_scenario() {
        let s = load_str("", Path::new("t.toml"))
            .unwrap()
            .resolve(&[])
            .unwrap();
        assert_eq!(s, crate::scenario::Scenario::default());
    }

    #[test]
    fn unknown_key_names_the_nearest_and_the_place() {
        let e = err("[arenas.practice]\nreversion_rat = 0.2\n");
        assert!(e.contains("t.toml:2:1"), "{e}");
        assert!(
            e.contains("did you mean `arenas.practice.reversion_rate`"),
            "{e}"
        );
    }

    #[test]
    fn out_of_range_names_the_range() {
        let e = err("[arenas.practice]\nreversion_rate = 1.5\n");
        assert!(e.contains("must be a number in [0, 1], found 1.5"), "{e}");
        let e = err("[arenas.practice]\nreversion_rate = nan\n");
        assert!(e.contains("found NaN"), "{e}");
    }

    #[test]
    fn wrong_type_says_expected_and_found() {
        let e = err("[simulation]\nmonths = \"sixty\"\n");
        assert!(
            e.contains("expects a whole number in [1, 1200], found the string \"sixty\""),
            "{e}"
        );
    }

    #[test]
    fn integers_are_accepted_where_numbers_are() {
        let s = load_str(
            "[arenas.practice]\nreversion_rate = 1\n",
            Path::new("t.toml"),
        )
        .unwrap()
        .resolve(&[])
        .unwrap();
        assert_eq!(s.arenas.practice.reversion_rate, 1.0);
    }

    #[test]
    fn cross_section_mistakes_are_caught() {
        assert!(err("[population]\ngps = 3\npractices = 3\nlocalities = 1\n").contains("gp_seats"));
        assert!(err("[gp.willingness]\nmean = 0.1\nsd = 0.4\n").contains("cannot spread"));
        let e = err("[[initiative]]\nname = \"x\"\nscope = [\"acutee\"]\n");
        assert!(e.contains("did you mean \"acute\""), "{e}");
        let e = err("[[event]]\nmonth = 70\n");
        assert!(e.contains("event[0].month"), "{e}");
    }

    #[test]
    fn a_clash_with_a_default_points_at_what_was_written() {
        let e = err("[simulation]\nmonths = 24\n");
        assert!(e.starts_with("t.toml:2:1: `event[1].month` is 33"), "{e}");
        let e = err("\n[manager]\ncount = 3\n");
        assert!(
            e.starts_with("t.toml:3:1: `arenas.strategic.manager_seats`"),
            "{e}"
        );
    }

    #[test]
    fn a_scope_with_no_providers_says_so() {
        let e = err("provider = []\n");
        assert!(e.contains("the scenario has no [[provider]]"), "{e}");
        assert!(!e.contains("providers are: ;"), "{e}");
    }

    #[test]
    fn events_may_only_touch_dynamic_parameters() {
        let e = err("[[event]]\nmonth = 3\nset = { \"population.gps\" = 10 }\n");
        assert!(e.contains("cannot be changed by an event"), "{e}");
        let e = err("[[event]]\nmonth = 3\nadd = { \"environment.central_presure\" = 0.1 }\n");
        assert!(
            e.contains("did you mean `environment.central_pressure`"),
            "{e}"
        );
    }

    #[test]
    fn errors_are_input_errors() {
        let e = load_str("[x]\n", Path::new("t.toml"))
            .unwrap()
            .resolve(&[])
            .unwrap_err();
        assert!(matches!(e, Error::UnknownKey { .. }));
        assert_eq!(e.exit_code(), 2);
    }
}
