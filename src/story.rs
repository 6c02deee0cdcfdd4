//! One area's story (`redesign-sim story`): replication K of a scenario followed month by month —
//! who sits on the governing body, when each initiative gets a lead and who, its mandate, design
//! and design rounds, adoption and reversions across practices and teams, the policy events, the
//! logic its programme board works in, and how it ends and why — as facts (`story.json`), an
//! annotated timeline chart per initiative and a narrative a teacher can read aloud.
//!
//! The replication is run by [`runner::replication_story`], which seeds the very streams
//! `runner::replication` seeds, so the story ends as replication K of `redesign-sim run` does.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::error::Result;
use crate::model::outcome::{InitiativeOutcome, Mode, ReplicationOutcome, thresholds};
use crate::model::story::{AreaFacts, InitiativeMonth, Lead, MonthFacts, PracticeState};
use crate::output::OutputDir;
use crate::plot::{
    self, Colour, Network, NetworkPanel, Note, Reference, Series, Strip, Timeline, Titles,
};
use crate::report::{
    self, Figure, Page, calendar_axis, capitalised, event_marks, month_in_words, slug, words,
    year_of,
};
use crate::runner;
use crate::scenario::Scenario;

/// The arenas' names, by the index the model gives them.
const ARENAS: [&str; 3] = ["strategic", "programme", "practice"];
/// The logics' names, by index.
const LOGICS: [&str; 3] = ["market", "hierarchy", "network"];

/// One area's story: the facts of `story.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Story {
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's seed.
    pub seed: u64,
    /// The replication followed (as numbered in `replications.csv`).
    pub replication: u32,
    /// The design point (always 0, as for `run`).
    pub point: u64,
    /// Months simulated.
    pub months: u32,
    /// Month 0 as a calendar month, `YYYY-MM`.
    pub start: String,
    /// The size of the area and of its governing body.
    pub area: Area,
    /// The scheduled policy events.
    pub events: Vec<Event>,
    /// The governing body, month by month.
    pub board: Vec<BoardMonth>,
    /// Each initiative's story, in scenario order.
    pub initiatives: Vec<InitiativeStory>,
    /// Providers whose viability fell under the floor at some point.
    pub providers_destabilised: u32,
    /// Mean share of GP seats filled over the months.
    pub gp_seats_filled_share: f64,
    /// The story in words, one paragraph per entry.
    pub narrative: Vec<String>,
}

/// The size of the area and of its governing body.
#[derive(Debug, Clone, Serialize)]
pub struct Area {
    /// GPs.
    pub gps: u32,
    /// GP practices.
    pub practices: u32,
    /// CCG managers.
    pub managers: u32,
    /// Of them, hybrid clinician-managers.
    pub hybrid_managers: u32,
    /// Provider organisations.
    pub providers: u32,
    /// Frontline teams of providers and the council.
    pub teams: u32,
    /// Its capacity for implementation work, drawn once (1 when none is needed; ODD §5 item 7).
    pub implementation_capacity: f64,
    /// GP seats on the governing body at the start.
    pub gp_seats: u32,
    /// Manager seats on the governing body.
    pub manager_seats: u32,
    /// Lay members.
    pub lay_seats: u32,
    /// Council members.
    pub council_seats: u32,
    /// The practices' peer network: each tie once, `[p, q]` with `p < q`, by practice index.
    pub peer_ties: Vec<[u32; 2]>,
}

/// A scheduled policy event.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// The month it takes effect.
    pub month: u32,
    /// Its calendar month, `YYYY-MM`.
    pub date: String,
    /// Its name.
    pub name: String,
}

/// The governing body at the end of one month.
#[derive(Debug, Clone, Serialize)]
pub struct BoardMonth {
    /// The month.
    pub month: u32,
    /// Its calendar month, `YYYY-MM`.
    pub date: String,
    /// GP seats the area holds (fewer after a merger).
    pub gp_seats: u32,
    /// Of them, seats a GP holds.
    pub gp_seats_filled: u32,
    /// The GPs holding them, by index.
    pub gps: Vec<u32>,
    /// Managers on the board.
    pub managers: u32,
    /// GPs' share of the GP-plus-manager influence on the board, when it met with either.
    pub gp_influence_share: Option<f64>,
    /// Central pressure.
    pub central_pressure: f64,
    /// Policy uncertainty.
    pub policy_uncertainty: f64,
}

/// One spell of one lead.
#[derive(Debug, Clone, Serialize)]
pub struct LeadSpell {
    /// The month the lead took the initiative up.
    pub from_month: u32,
    /// The last month the lead held it; `null` when it still did at the end.
    pub until_month: Option<u32>,
    /// `gp` or `manager`.
    pub who: &'static str,
    /// The GP's or manager's index in the area.
    pub index: u32,
    /// For a GP, its practice's index.
    pub practice: Option<u32>,
    /// For a manager, whether a hybrid clinician-manager.
    pub hybrid: bool,
    /// The arena the lead came from: `strategic`, `programme` or `practice`.
    pub arena: &'static str,
}

/// One initiative at the end of one month.
#[derive(Debug, Clone, Serialize)]
pub struct InitiativeMonthEntry {
    /// The month.
    pub month: u32,
    /// `gp`, `manager` or `null`.
    pub lead: Option<&'static str>,
    /// Whether the governing body attended to it.
    pub attention: bool,
    /// Mandate (0–1).
    pub mandate: f64,
    /// Health and wellbeing board backing (0–1).
    pub backing: f64,
    /// Design (0–1).
    pub design: f64,
    /// Share of practices and teams that adopted it.
    pub adoption: f64,
    /// Share of practices and teams with it routinised.
    pub routinised: f64,
    /// Practices that adopted it.
    pub practices_adopted: u32,
    /// Teams that adopted it.
    pub teams_adopted: u32,
    /// Practices and teams trialling it.
    pub trialling: u32,
    /// Practices that went back to the old ways this month.
    pub practices_reverted: u32,
    /// Teams that went back to the old ways this month.
    pub teams_reverted: u32,
    /// The logic its programme board worked in: `market`, `hierarchy`, `network`, or `null`
    /// when it did not meet.
    pub board_mode: Option<&'static str>,
    /// Whether its design was reopened for another round this month.
    pub design_reopened: bool,
}

/// How an initiative ended: the columns of its row in `replications.csv`, and in words.
#[derive(Debug, Clone, Serialize)]
pub struct Ending {
    /// Whether it succeeded.
    pub success: bool,
    /// The month success was reached, counted from 1.
    pub months_to_success: Option<u32>,
    /// Success or its failure mode, as in `replications.csv`.
    pub failure_mode: &'static str,
    /// What that mode means, in plain words.
    pub meaning: &'static str,
    /// Why this initiative got it, from its own figures.
    pub why: String,
    /// Peak mandate.
    pub peak_mandate: f64,
    /// Peak design.
    pub peak_design: f64,
    /// Peak adoption.
    pub peak_adoption: f64,
    /// Routinised share in the last month.
    pub final_routinised: f64,
    /// Months its programme board worked in market mode.
    pub market_episodes: u32,
    /// In hierarchy mode.
    pub hierarchy_episodes: u32,
    /// In network mode.
    pub network_episodes: u32,
    /// Design rounds reopened.
    pub design_rounds: u32,
    /// Month design first matured, counted from 1.
    pub months_to_mature_design: Option<u32>,
}

/// One initiative's story.
#[derive(Debug, Clone, Serialize)]
pub struct InitiativeStory {
    /// Its name.
    pub name: String,
    /// Whether it is a national priority.
    pub national: bool,
    /// Whether its scope includes the council's social care.
    pub council: bool,
    /// Practices (every one is a unit).
    pub practices: u32,
    /// Frontline teams in its scope.
    pub teams: u32,
    /// Its leads, in order.
    pub leads: Vec<LeadSpell>,
    /// Months in which its design was reopened.
    pub design_reopened: Vec<u32>,
    /// The month its implementation work was done and practices and teams could start it
    /// (going live); none if it never was.
    pub live_month: Option<u32>,
    /// Practices and teams that went back to the old ways, over the run.
    pub reversions: Reversions,
    /// How it ended.
    pub outcome: Ending,
    /// Month by month.
    pub monthly: Vec<InitiativeMonthEntry>,
    /// Where each practice stood at the end of each year (and of the last month), for the
    /// diffusion chart.
    pub diffusion: Vec<YearEnd>,
}

/// Where the practices stood with one initiative at the end of one year.
#[derive(Debug, Clone, Serialize)]
pub struct YearEnd {
    /// The month (11 for the end of the first year).
    pub month: u32,
    /// Its calendar month, `YYYY-MM`.
    pub date: String,
    /// Practices in each state.
    pub counts: StateCounts,
    /// Each practice's state, by practice index: `not_yet`, `trialling`, `adopted`,
    /// `routinised` or `reverted`.
    pub practices: Vec<&'static str>,
}

/// Practices in each state at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StateCounts {
    /// Never started.
    pub not_yet: u32,
    /// Trialling.
    pub trialling: u32,
    /// Adopted, not yet routine.
    pub adopted: u32,
    /// Routine.
    pub routinised: u32,
    /// Went back to the old ways and have not started again.
    pub reverted: u32,
}

impl StateCounts {
    /// The counts of `states`.
    fn of(states: &[PracticeState]) -> Self {
        let mut c = StateCounts::default();
        for st in states {
            *match st {
                PracticeState::NotYet => &mut c.not_yet,
                PracticeState::Trialling => &mut c.trialling,
                PracticeState::Adopted => &mut c.adopted,
                PracticeState::Routinised => &mut c.routinised,
                PracticeState::Reverted => &mut c.reverted,
            } += 1;
        }
        c
    }
}

/// The months whose end closes a year of the run (11, 23, …), and the last month when the run
/// does not end on a year's close.
fn year_ends(months: u32) -> Vec<u32> {
    let mut ends: Vec<u32> = (1..=months / 12).map(|y| 12 * y - 1).collect();
    if months > 0 && !months.is_multiple_of(12) {
        ends.push(months - 1);
    }
    ends
}

/// Reversions over the run.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Reversions {
    /// Practices.
    pub practices: u32,
    /// Teams.
    pub teams: u32,
}

/// A figure rounded to six decimals, the precision of every CSV figure.
fn r6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Month `month` as `YYYY-MM`.
fn date(s: &Scenario, month: u32) -> String {
    let (y, m) = report::calendar_month(s, month);
    format!("{y}-{m:02}")
}

/// Follows replication `replication` of `s` (design point 0, as `run` does) month by month.
pub fn tell(s: &Scenario, replication: u32) -> Story {
    let (area, facts, outcome) = runner::replication_story(s, 0, replication);
    build(s, replication, &area, &facts, &outcome)
}

/// The story of a replication from its facts and outcome.
fn build(
    s: &Scenario,
    replication: u32,
    area: &AreaFacts,
    facts: &[MonthFacts],
    outcome: &ReplicationOutcome,
) -> Story {
    let st = &s.arenas.strategic;
    let board = facts
        .iter()
        .map(|f| BoardMonth {
            month: f.month,
            date: date(s, f.month),
            gp_seats: f.gp_seats,
            gp_seats_filled: f.gp_members.len() as u32,
            gps: f.gp_members.clone(),
            managers: f.managers,
            gp_influence_share: f.gp_influence.map(r6),
            central_pressure: r6(f.central_pressure),
            policy_uncertainty: r6(f.policy_uncertainty),
        })
        .collect();
    let initiatives = s
        .initiative
        .iter()
        .zip(&outcome.initiatives)
        .enumerate()
        .map(|(k, (init, o))| {
            let months: Vec<&InitiativeMonth> = facts.iter().map(|f| &f.initiatives[k]).collect();
            initiative_story(s, &init.name, init.national, init.council, area, &months, o)
        })
        .collect();
    let mut story = Story {
        scenario: s.simulation.name.clone(),
        seed: s.simulation.seed,
        replication,
        point: 0,
        months: s.simulation.months,
        start: date(s, 0),
        area: Area {
            gps: area.gps,
            practices: area.practices,
            managers: area.managers,
            hybrid_managers: area.hybrid_managers,
            providers: area.providers,
            teams: area.teams,
            implementation_capacity: r6(area.implementation_capacity),
            gp_seats: st.gp_seats,
            manager_seats: st.manager_seats.min(area.managers),
            lay_seats: st.lay_seats,
            council_seats: st.council_seats,
            peer_ties: area.peer_ties.iter().map(|&(p, q)| [p, q]).collect(),
        },
        events: s
            .event
            .iter()
            .filter(|e| e.kind != "experiment")
            .map(|e| Event {
                month: e.month,
                date: date(s, e.month),
                name: e.name.clone(),
            })
            .collect(),
        board,
        initiatives,
        providers_destabilised: outcome.providers_destabilised,
        gp_seats_filled_share: r6(outcome.gp_seats_filled_share),
        narrative: Vec::new(),
    };
    story.narrative = narrative(s, &story);
    story
}

/// One initiative's story from its months and its outcome.
fn initiative_story(
    s: &Scenario,
    name: &str,
    national: bool,
    council: bool,
    area: &AreaFacts,
    months: &[&InitiativeMonth],
    o: &InitiativeOutcome,
) -> InitiativeStory {
    let mut leads: Vec<LeadSpell> = Vec::new();
    let mut held: Option<Lead> = None;
    for (m, now) in months.iter().enumerate() {
        let m = m as u32;
        if now.lead != held {
            if let (Some(_), Some(last)) = (held, leads.last_mut()) {
                last.until_month = Some(m.saturating_sub(1));
            }
            if let Some(l) = now.lead {
                leads.push(LeadSpell {
                    from_month: m,
                    until_month: None,
                    who: if l.gp { "gp" } else { "manager" },
                    index: l.index,
                    practice: l.practice,
                    hybrid: l.hybrid,
                    arena: ARENAS[l.arena.min(2)],
                });
            }
            held = now.lead;
        }
    }
    let design_reopened = months
        .iter()
        .enumerate()
        .filter(|(_, i)| i.design_reopened)
        .map(|(m, _)| m as u32)
        .collect();
    let reversions = Reversions {
        practices: months.iter().map(|i| i.practices_reverted).sum(),
        teams: months.iter().map(|i| i.teams_reverted).sum(),
    };
    let monthly = months
        .iter()
        .enumerate()
        .map(|(m, i)| InitiativeMonthEntry {
            month: m as u32,
            lead: i.lead.map(|l| if l.gp { "gp" } else { "manager" }),
            attention: i.attention,
            mandate: r6(i.mandate),
            backing: r6(i.backing),
            design: r6(i.design),
            adoption: r6(i.adoption),
            routinised: r6(i.routinised),
            practices_adopted: i.practices_adopted,
            teams_adopted: i.teams_adopted,
            trialling: i.trialling,
            practices_reverted: i.practices_reverted,
            teams_reverted: i.teams_reverted,
            board_mode: i.board_mode.map(|b| LOGICS[b.min(2)]),
            design_reopened: i.design_reopened,
        })
        .collect();
    let diffusion = year_ends(months.len() as u32)
        .into_iter()
        .filter_map(|m| {
            let states = &months.get(m as usize)?.practice_states;
            Some(YearEnd {
                month: m,
                date: date(s, m),
                counts: StateCounts::of(states),
                practices: states.iter().map(|st| st.name()).collect(),
            })
        })
        .collect();
    let teams = months.first().map_or(0, |i| i.teams);
    let mut story = InitiativeStory {
        name: name.to_string(),
        national,
        council,
        practices: area.practices,
        teams,
        leads,
        design_reopened,
        live_month: months.iter().position(|i| i.live).map(|m| m as u32),
        reversions,
        outcome: Ending {
            success: o.mode == Mode::Success,
            months_to_success: o.months_to_success,
            failure_mode: o.mode.name(),
            meaning: report::mode_meaning(o.mode),
            why: String::new(),
            peak_mandate: r6(o.peak_mandate),
            peak_design: r6(o.peak_design),
            peak_adoption: r6(o.peak_adoption),
            final_routinised: r6(o.final_routinised),
            market_episodes: o.episodes[0],
            hierarchy_episodes: o.episodes[1],
            network_episodes: o.episodes[2],
            design_rounds: o.design_rounds,
            months_to_mature_design: o.months_to_mature_design,
        },
        monthly,
        diffusion,
    };
    story.outcome.why = why(s, &story, o.mode);
    story
}

/// A share in words: "34%".
fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// The month of the largest value of `f`, and the value (the first month at a tie).
fn peak(monthly: &[InitiativeMonthEntry], f: impl Fn(&InitiativeMonthEntry) -> f64) -> (u32, f64) {
    monthly.iter().fold((0, f64::NEG_INFINITY), |(bm, bv), e| {
        let v = f(e);
        if v > bv { (e.month, v) } else { (bm, bv) }
    })
}

/// Why an initiative ended as it did, from its own figures and the thresholds of docs/ODD.md
/// §7.7.
fn why(s: &Scenario, i: &InitiativeStory, mode: Mode) -> String {
    use thresholds::*;
    let o = &i.outcome;
    let last = i.monthly.last();
    let final_adoption = last.map_or(0.0, |e| e.adoption);
    let final_mandate = last.map_or(0.0, |e| e.mandate);
    let (peak_month, _) = peak(&i.monthly, |e| e.adoption);
    let when = |m: u32| month_in_words(s, m);
    let sustain = s.success.sustain_months;
    match mode {
        Mode::Success => {
            let end = o.months_to_success.unwrap_or(1).saturating_sub(1);
            format!(
                "its routinised share was at or above {} in every month from {} to {} ({sustain} \
                 months in a row)",
                s.success.threshold,
                when(end.saturating_sub(sustain.saturating_sub(1))),
                when(end)
            )
        }
        Mode::NeverStarted => format!(
            "in {} months no GP or manager took it up as lead, so nothing was ever done",
            s.simulation.months
        ),
        Mode::PilotFizzled => format!(
            "adoption peaked at {} of practices and teams in {}, but only {} still had it at \
             the end — under {:.0}% of the peak — after {} practices and {} teams went back to \
             the old ways",
            pct(o.peak_adoption),
            when(peak_month),
            pct(final_adoption),
            100.0 * FIZZLED_SHARE,
            i.reversions.practices,
            i.reversions.teams
        ),
        Mode::Displaced => {
            let lost = i
                .monthly
                .iter()
                .zip(i.monthly.iter().skip(1))
                .find(|(a, b)| a.attention && !b.attention)
                .map(|(_, b)| b.month);
            let event = s
                .event
                .iter()
                .filter(|e| e.kind != "experiment" && lost.is_some_and(|m| e.month <= m))
                .max_by_key(|e| e.month);
            format!(
                "its mandate reached {:.2}, but the governing body dropped it{}{} and the mandate \
                 fell to {:.2} by the end (under {WITHDRAWN_MANDATE})",
                o.peak_mandate,
                lost.map_or(String::new(), |m| format!(" in {}", when(m))),
                event.map_or(String::new(), |e| format!(
                    ", within {DISPLACEMENT_WINDOW} months of the policy event \"{}\" ({})",
                    e.name,
                    when(e.month)
                )),
                final_mandate
            )
        }
        Mode::PlanWithoutImplementation => format!(
            "the governing body gave it a mandate of up to {:.2} (at least {PLAN_MANDATE}), its \
             design reached {:.2}, but at most {} of practices and teams adopted it (under {}){}",
            o.peak_mandate,
            o.peak_design,
            pct(o.peak_adoption),
            pct(ADOPTION_LOW),
            if i.live_month.is_none() {
                ": its implementation work was never done"
            } else {
                ""
            }
        ),
        Mode::DesignedNotAdopted => format!(
            "its design reached {:.2} (mature from {DESIGN_MATURE}) without a mandate from the \
             governing body behind it, and at most {} of practices and teams adopted it (under {})",
            o.peak_design,
            pct(o.peak_adoption),
            pct(ADOPTION_LOW)
        ),
        Mode::Partial => format!(
            "adoption reached {} of practices and teams in {} (at least {}), but its routinised \
             share never stayed at {} or above for {sustain} months in a row (at the end it was \
             {})",
            pct(o.peak_adoption),
            when(peak_month),
            pct(ADOPTION_LOW),
            s.success.threshold,
            pct(o.final_routinised)
        ),
        Mode::Stalled => format!(
            "it had a lead, but its mandate peaked at {:.2}, its design at {:.2}, and at most {} \
             of practices and teams adopted it (under {})",
            o.peak_mandate,
            o.peak_design,
            pct(o.peak_adoption),
            pct(ADOPTION_LOW)
        ),
    }
}

/// "1 practice", "3 practices".
fn count(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Who a lead is and where it came from, in words.
fn lead_words(l: &LeadSpell) -> String {
    let who = match (l.who, l.hybrid) {
        ("gp", _) => match l.practice {
            Some(p) => format!("a GP from practice {}", p + 1),
            None => "a GP".into(),
        },
        (_, true) => "a manager who is also a clinician (a hybrid)".into(),
        _ => "a CCG manager".into(),
    };
    let from = match l.arena {
        "strategic" => "from a seat on the governing body",
        "programme" => "as the lead of a programme board",
        _ => "as an informal leader among the practices",
    };
    format!("{who} took up the lead {from}")
}

/// The story in plain words, one paragraph per entry: the area, its governing body, the policy
/// events, then each initiative in turn.
fn narrative(s: &Scenario, story: &Story) -> Vec<String> {
    let when = |m: u32| month_in_words(s, m);
    let last = story.months.saturating_sub(1);
    let a = &story.area;
    let mut out = vec![format!(
        "This is the story of one simulated area: replication {} of the scenario \"{}\" (seed {}), \
         followed month by month from {} to {}. The area has {} GPs in {} practices, {} CCG \
         managers ({} of them clinicians as well), {} provider organisations and {} frontline \
         teams. Its {} initiatives: {}.",
        story.replication,
        story.scenario,
        story.seed,
        when(0),
        when(last),
        a.gps,
        a.practices,
        a.managers,
        a.hybrid_managers,
        a.providers,
        a.teams,
        story.initiatives.len(),
        story
            .initiatives
            .iter()
            .map(|i| words(&i.name))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    out.push(board_paragraph(s, story));
    if !story.events.is_empty() {
        let mut text = String::from("Then policy changed around the area.");
        for e in &story.events {
            let m = e.month as usize;
            let (before, after) = match (story.board.get(m.saturating_sub(1)), story.board.get(m)) {
                (Some(b), Some(a)) if m > 0 => (b, a),
                _ => {
                    text.push_str(&format!(" In {}: {}.", when(e.month), e.name));
                    continue;
                }
            };
            let mut changes = Vec::new();
            for (what, x, y) in [
                (
                    "central pressure",
                    before.central_pressure,
                    after.central_pressure,
                ),
                (
                    "policy uncertainty",
                    before.policy_uncertainty,
                    after.policy_uncertainty,
                ),
            ] {
                if (y - x).abs() >= 0.005 {
                    let dir = if y > x { "rose" } else { "fell" };
                    changes.push(format!("{what} {dir} from {x:.2} to {y:.2}"));
                }
            }
            text.push_str(&format!(" In {}: {}", when(e.month), e.name));
            if changes.is_empty() {
                text.push('.');
            } else {
                text.push_str(&format!("; {}.", changes.join(" and ")));
            }
        }
        out.push(text);
    }
    for i in &story.initiatives {
        out.push(initiative_paragraph(s, i));
    }
    let succeeded = story
        .initiatives
        .iter()
        .filter(|i| i.outcome.success)
        .count();
    out.push(format!(
        "In the end {} of the {} initiatives succeeded in this area. Another area — another \
         replication — draws other GPs, managers and providers and may end quite differently: \
         `redesign-sim run` gives how often each ending happens over many areas.",
        succeeded,
        story.initiatives.len()
    ));
    out
}

/// The governing body in words: seats at the start, each year, after a merger, and how many
/// GPs sat on it over the run.
fn board_paragraph(s: &Scenario, story: &Story) -> String {
    let when = |m: u32| month_in_words(s, m);
    let a = &story.area;
    let Some(first) = story.board.first() else {
        return "Nothing was simulated.".into();
    };
    if !s.arenas.strategic.enabled {
        return "The governing body is switched off in this scenario: no mandate, no directive."
            .into();
    }
    let mut text = format!(
        "The CCG's governing body has {} for GPs, {} for managers, {} and {}. In {}, {}.",
        count(a.gp_seats, "seat", "seats"),
        a.manager_seats,
        count(a.lay_seats, "lay member", "lay members"),
        count(a.council_seats, "council member", "council members"),
        when(0),
        match first.gp_seats_filled {
            0 => "no GP was willing to take a seat".to_string(),
            n => format!("GPs took {n} of the {} GP seats", first.gp_seats),
        }
    );
    let yearly: Vec<String> = story
        .board
        .iter()
        .filter(|b| b.month > 0 && b.month % 12 == 0)
        .map(|b| {
            format!(
                "{} {} of {}",
                report::calendar_month(s, b.month).0,
                b.gp_seats_filled,
                b.gp_seats
            )
        })
        .collect();
    if !yearly.is_empty() {
        text.push_str(&format!(
            " Seats held by GPs a year later and every year after: {}.",
            yearly.join("; ")
        ));
    }
    for pair in story.board.windows(2) {
        if pair[1].gp_seats < pair[0].gp_seats {
            text.push_str(&format!(
                " From {} the area kept only {} of its GP seats: the governing body merged with \
                 its neighbours'.",
                when(pair[1].month),
                pair[1].gp_seats
            ));
        }
    }
    let distinct: BTreeSet<u32> = story.board.iter().flat_map(|b| b.gps.clone()).collect();
    let seat_months: u32 = story.board.iter().map(|b| b.gp_seats).sum();
    let filled: u32 = story.board.iter().map(|b| b.gp_seats_filled).sum();
    let influence: Vec<f64> = story
        .board
        .iter()
        .filter_map(|b| b.gp_influence_share)
        .collect();
    if distinct.is_empty() {
        text.push_str(
            " No GP sat on it in the whole run: the managers and lay members governed alone.",
        );
        return text;
    }
    text.push_str(&format!(
        " In all, {} sat on it, and GP seats stood empty {} of the time",
        count(distinct.len() as u32, "GP", "different GPs"),
        pct(if seat_months > 0 {
            1.0 - f64::from(filled) / f64::from(seat_months)
        } else {
            0.0
        })
    ));
    if influence.is_empty() {
        text.push('.');
    } else {
        text.push_str(&format!(
            "; GPs held on average {} of the influence of GPs and managers together on the board.",
            pct(influence.iter().sum::<f64>() / influence.len() as f64)
        ));
    }
    text
}

/// One initiative's story in words, in the order things happened.
fn initiative_paragraph(s: &Scenario, i: &InitiativeStory) -> String {
    let when = |m: u32| month_in_words(s, m);
    let mut kind = Vec::new();
    if i.national {
        kind.push("a national priority");
    }
    if i.council {
        kind.push("with the council's social care in its scope");
    }
    let mut text = format!(
        "{}{}.",
        capitalised(&words(&i.name)),
        if kind.is_empty() {
            String::new()
        } else {
            format!(" ({})", kind.join(", "))
        }
    );
    // Moments, ordered by month.
    let mut moments: Vec<(u32, String)> = Vec::new();
    for (n, l) in i.leads.iter().enumerate() {
        let verb = lead_words(l);
        let verb = if n == 0 {
            verb
        } else {
            verb.replacen("took up the lead", "took over the lead", 1)
        };
        moments.push((l.from_month, format!("In {}, {verb}.", when(l.from_month))));
        if let Some(u) = l.until_month {
            let next = i.leads.get(n + 1).map(|x| x.from_month);
            if next != Some(u + 1) {
                moments.push((
                    u + 1,
                    format!(
                        "In {}, the lead gave it up (stepping down, or leaving for a federation) \
                         and no one held it for a while.",
                        when(u + 1)
                    ),
                ));
            }
        }
    }
    // Going live: the implementation work done (ODD §7.5). Said only when it came after the first
    // lead, since without implementation work every initiative goes live when first led.
    let first_led = i.leads.first().map(|l| l.from_month);
    match (first_led, i.live_month) {
        (Some(led), Some(live)) if live > led => moments.push((
            live,
            format!(
                "In {}, its implementation work (business case, funding, workforce, pathways) was done, and practices and teams could start it.",
                when(live)
            ),
        )),
        (Some(led), None) => moments.push((
            led,
            "Its implementation work was never finished in this area, which had little capacity for it, so no practice or team could start it."
                .to_string(),
        )),
        _ => {}
    }
    if let Some(e) = i
        .monthly
        .iter()
        .find(|e| e.mandate >= thresholds::PLAN_MANDATE)
    {
        moments.push((
            e.month,
            format!(
                "By {} the governing body had given it a clear mandate ({:.2}).",
                when(e.month),
                e.mandate
            ),
        ));
    }
    if let Some(e) = i
        .monthly
        .iter()
        .find(|e| e.design >= thresholds::DESIGN_MATURE)
    {
        moments.push((
            e.month,
            format!(
                "In {} its programme board's design matured ({:.2}).",
                when(e.month),
                e.design
            ),
        ));
    }
    if let Some(e) = i
        .monthly
        .iter()
        .find(|e| e.practices_adopted + e.teams_adopted > 0)
    {
        moments.push((
            e.month,
            format!(
                "The first {} adopted it in {}.",
                if e.practices_adopted > 0 {
                    "practice"
                } else {
                    "team"
                },
                when(e.month)
            ),
        ));
    }
    let (pm, pv) = peak(&i.monthly, |e| e.adoption);
    if pv > 0.0 {
        let e = &i.monthly[pm as usize];
        moments.push((
            pm,
            format!(
                "Adoption peaked in {}: {} of {} and {} of {} had adopted it.",
                when(pm),
                e.practices_adopted,
                count(i.practices, "practice", "practices"),
                e.teams_adopted,
                count(i.teams, "team", "teams"),
            ),
        ));
    }
    if let Some(m) = i.outcome.months_to_success {
        moments.push((
            m - 1,
            format!(
                "In {} it met the success rule: routinised in at least {} of practices and teams \
                 for {} months in a row.",
                when(m - 1),
                pct(s.success.threshold),
                s.success.sustain_months
            ),
        ));
    }
    moments.sort_by_key(|(m, _)| *m);
    for (_, sentence) in &moments {
        text.push(' ');
        text.push_str(sentence);
    }
    let o = &i.outcome;
    let met = o.market_episodes + o.hierarchy_episodes + o.network_episodes;
    if met > 0 {
        let modes = [
            ("market", o.market_episodes),
            ("hierarchy", o.hierarchy_episodes),
            ("network", o.network_episodes),
        ];
        let (top, _) = modes
            .iter()
            .max_by_key(|(_, n)| *n)
            .copied()
            .unwrap_or(("", 0));
        text.push_str(&format!(
            " Its programme board met in {} months, mostly in {top} mode (market {}, hierarchy {}, \
             network {} months).",
            met, o.market_episodes, o.hierarchy_episodes, o.network_episodes
        ));
    }
    match i.design_reopened.as_slice() {
        [] => {}
        [m] => text.push_str(&format!(
            " Adoption stalled, so the board reopened the design once, in {}.",
            when(*m)
        )),
        [m, .., n] => text.push_str(&format!(
            " Adoption stalled, so the board reopened the design {} times, first in {} and last in \
             {}.",
            i.design_reopened.len(),
            when(*m),
            when(*n)
        )),
    }
    if i.diffusion
        .iter()
        .any(|y| y.counts.adopted + y.counts.routinised > 0)
    {
        let years: Vec<String> = i
            .diffusion
            .iter()
            .map(|y| {
                format!(
                    "{} {}",
                    month_in_words(s, y.month),
                    y.counts.adopted + y.counts.routinised
                )
            })
            .collect();
        text.push_str(&format!(
            " Practices that had adopted it, at the end of each year: {} (of {}; the diffusion \
             chart shows which ones, across the peer network).",
            years.join(", "),
            i.practices
        ));
    }
    let r = i.reversions;
    if r.practices + r.teams > 0 {
        text.push_str(&format!(
            " Over the years {} and {} that had started went back to the old ways.",
            count(r.practices, "practice", "practices"),
            count(r.teams, "team", "teams")
        ));
    }
    let end = i.monthly.last();
    text.push_str(&format!(
        " At the end, {} of {} and {} of {} had adopted it. It ended as {}: {}.",
        end.map_or(0, |e| e.practices_adopted),
        count(i.practices, "practice", "practices"),
        end.map_or(0, |e| e.teams_adopted),
        count(i.teams, "team", "teams"),
        words(o.failure_mode).to_uppercase(),
        o.why
    ));
    text
}

// ------------------------------------------------------------------------------ outputs

/// Writes `story.json` and, with `plots`, the charts and `index.html`.
pub fn write(dir: &OutputDir, s: &Scenario, story: &Story, plots: bool) -> Result<()> {
    dir.write("story.json", &crate::output::json(story))?;
    if plots {
        let figures = charts(dir, s, story)?;
        page(s, story, &figures).write(dir)?;
    }
    Ok(())
}

/// The board chart and one annotated timeline per initiative.
fn charts(dir: &OutputDir, s: &Scenario, story: &Story) -> Result<Vec<Figure>> {
    let x = |m: u32| year_of(s, f64::from(m));
    let marks = event_marks(s);
    let axis = calendar_axis(s, true);
    let mut figures = Vec::new();
    let line = |label: &str, colour, f: &dyn Fn(&BoardMonth) -> f64| Series {
        label: label.into(),
        colour,
        points: story
            .board
            .iter()
            .map(|b| {
                let v = f(b);
                (x(b.month), v, v, v)
            })
            .collect(),
    };
    let board = [
        line("GP seats the area holds", Colour::Grey, &|b| {
            f64::from(b.gp_seats)
        }),
        line("GP seats filled", Colour::Blue, &|b| {
            f64::from(b.gp_seats_filled)
        }),
        line("managers on the board", Colour::Orange, &|b| {
            f64::from(b.managers)
        }),
    ];
    let top = story
        .board
        .iter()
        .map(|b| b.gp_seats.max(b.managers))
        .max()
        .unwrap_or(1);
    let title = format!(
        "Who sits on the governing body, month by month (replication {})",
        story.replication
    );
    plot::timeline(
        dir,
        "board",
        &Timeline {
            titles: &Titles {
                title: &title,
                x: &axis,
                y: "members",
            },
            series: &board,
            y_range: (0.0, f64::from(top) + 1.0),
            reference: None,
            marks: &marks,
            notes: &[],
            strip: None,
            notes_label: "",
        },
    )?;
    figures.push(Figure {
        stem: "board".into(),
        title,
        what: "How many of the GP seats on the governing body a GP held each month in this one \
               area (blue), of the seats the area holds (grey; fewer after a merger), and the \
               managers beside them (orange)."
            .into(),
        how: "A dip in the blue line is a seat left empty: a term ending without a willing GP to \
              take it, or a GP stepping down. Dotted lines are the policy events."
            .into(),
    });
    let mut stems = BTreeSet::new();
    for (k, i) in story.initiatives.iter().enumerate() {
        let quantity = |label: &str, colour, f: fn(&InitiativeMonthEntry) -> f64| Series {
            label: label.into(),
            colour,
            points: i
                .monthly
                .iter()
                .map(|e| {
                    let v = f(e);
                    (x(e.month), v, v, v)
                })
                .collect(),
        };
        let series = [
            quantity("mandate (0–1)", Colour::Orange, |e| e.mandate),
            quantity("design (0–1)", Colour::Blue, |e| e.design),
            quantity("adoption (share of units)", Colour::SkyBlue, |e| e.adoption),
            quantity("routinised (share of units)", Colour::BluishGreen, |e| {
                e.routinised
            }),
        ];
        let value = |m: u32| {
            i.monthly
                .get(m as usize)
                .map_or(0.0, |e| e.mandate.max(e.design).max(e.adoption))
        };
        let mut notes = Vec::new();
        for l in &i.leads {
            notes.push(Note {
                x: x(l.from_month),
                y: value(l.from_month),
                label: format!(
                    "{} lead ({})",
                    if l.who == "gp" { "GP" } else { "manager" },
                    l.arena
                ),
                colour: Colour::Black,
            });
            if let Some(u) = l.until_month {
                notes.push(Note {
                    x: x(u + 1),
                    y: value(u + 1),
                    label: "lead gone".into(),
                    colour: Colour::Grey,
                });
            }
        }
        for &m in &i.design_reopened {
            notes.push(Note {
                x: x(m),
                y: i.monthly.get(m as usize).map_or(0.0, |e| e.design),
                label: String::new(),
                colour: Colour::Blue,
            });
        }
        if let Some(m) = i.outcome.months_to_success {
            notes.push(Note {
                x: x(m - 1),
                y: i.monthly.get(m as usize - 1).map_or(0.0, |e| e.routinised),
                label: "success".into(),
                colour: Colour::BluishGreen,
            });
        }
        let strip = Strip {
            label: "programme board".into(),
            spans: i
                .monthly
                .iter()
                .map(|e| {
                    let colour = match e.board_mode {
                        Some("market") => Some(Colour::Vermillion),
                        Some("hierarchy") => Some(Colour::ReddishPurple),
                        Some("network") => Some(Colour::Yellow),
                        _ => None,
                    };
                    (x(e.month), x(e.month + 1), colour)
                })
                .collect(),
            key: vec![
                ("market mode".into(), Colour::Vermillion),
                ("hierarchy mode".into(), Colour::ReddishPurple),
                ("network mode".into(), Colour::Yellow),
            ],
        };
        let threshold = Reference {
            value: s.success.threshold,
            label: format!(
                "success: routinised at or above {} for {} months",
                s.success.threshold, s.success.sustain_months
            ),
            judges: None,
        };
        let mut stem = format!("story_{}", slug(&i.name));
        if !stems.insert(stem.clone()) {
            stem = format!("story_{}_{}", k + 1, slug(&i.name));
            stems.insert(stem.clone());
        }
        let title = format!(
            "{} in one area (replication {}): {}",
            capitalised(&words(&i.name)),
            story.replication,
            words(i.outcome.failure_mode)
        );
        plot::timeline(
            dir,
            &stem,
            &Timeline {
                titles: &Titles {
                    title: &title,
                    x: &axis,
                    y: "level, or share of practices and teams (0–1)",
                },
                series: &series,
                y_range: (0.0, 1.0),
                reference: Some(&threshold),
                marks: &marks,
                notes: &notes,
                strip: Some(&strip),
                notes_label: "a lead taken or gone, success; unlabelled, on the design line: design reopened",
            },
        )?;
        let diffusion =
            diffusion_chart(dir, s, story, i, &stem.replacen("story_", "diffusion_", 1))?;
        figures.push(Figure {
            stem,
            title,
            what: format!(
                "{} in this one area, month by month: its mandate from the governing body, its \
                 design by the programme board, and the share of practices and teams that \
                 adopted it and made it routine. The coloured strip at the bottom is the logic \
                 its programme board worked in each month (blank: no board met). It ended as {}.",
                capitalised(&words(&i.name)),
                words(i.outcome.failure_mode)
            ),
            how: format!(
                "Read left to right. Triangles mark when a lead took it up (and from which arena) \
                 or gave it up, and each time the design was reopened; it succeeds where the \
                 green line stays above the dashed threshold for {} months. This is one area, \
                 not an average.",
                s.success.sustain_months
            ),
        });
        figures.extend(diffusion);
    }
    Ok(figures)
}

/// The diffusion chart of one initiative, `stem`: the practices round a circle in the order of
/// their peer network, one panel per year, coloured by where each stood at the year's end.
/// `None` when the run is shorter than a month or the area has no practices.
fn diffusion_chart(
    dir: &OutputDir,
    s: &Scenario,
    story: &Story,
    i: &InitiativeStory,
    stem: &str,
) -> Result<Option<Figure>> {
    if i.diffusion.is_empty() || i.practices == 0 {
        return Ok(None);
    }
    let states: Vec<(String, Colour)> = PracticeState::ALL
        .iter()
        .map(|st| {
            let (label, colour) = match st {
                PracticeState::NotYet => ("not started", Colour::Grey),
                PracticeState::Trialling => ("trialling", Colour::SkyBlue),
                PracticeState::Adopted => ("adopted", Colour::Blue),
                PracticeState::Routinised => ("routinised", Colour::BluishGreen),
                PracticeState::Reverted => ("went back to the old ways", Colour::Vermillion),
            };
            (label.to_string(), colour)
        })
        .collect();
    let panels: Vec<NetworkPanel> = i
        .diffusion
        .iter()
        .map(|y| NetworkPanel {
            title: month_in_words(s, y.month),
            note: format!(
                "{} adopted, {} of them routinised",
                y.counts.adopted + y.counts.routinised,
                y.counts.routinised
            ),
            states: y
                .practices
                .iter()
                .map(|name| {
                    PracticeState::ALL
                        .iter()
                        .position(|st| st.name() == *name)
                        .unwrap_or(0)
                })
                .collect(),
        })
        .collect();
    let ties: Vec<(u32, u32)> = story.area.peer_ties.iter().map(|t| (t[0], t[1])).collect();
    let title = format!(
        "{}: practices adopting across the peer network, year by year (replication {})",
        capitalised(&words(&i.name)),
        story.replication
    );
    let caption = "Each dot is a practice, in the same place in every panel; grey lines are peer \
                   ties.";
    plot::network_panels(
        dir,
        stem,
        &Network {
            title: &title,
            nodes: i.practices as usize,
            ties: &ties,
            panels: &panels,
            states: &states,
            caption,
        },
    )?;
    let (first, last) = match (i.diffusion.first(), i.diffusion.last()) {
        (Some(a), Some(b)) => (a, b),
        _ => return Ok(None),
    };
    let adopted = |y: &YearEnd| y.counts.adopted + y.counts.routinised;
    Ok(Some(Figure {
        stem: stem.to_string(),
        title,
        what: format!(
            "The area's {} practices as dots round a circle in the order of their peer network: \
             each sits beside its neighbours in its locality's ring of peers, and the grey chords \
             are ties to practices further away. One panel per year, at its end ({} first), each \
             dot coloured by where that practice stood with {}: not started (grey), trialling, \
             adopted, routinised (green), or gone back to the old ways (red).",
            i.practices,
            month_in_words(s, first.month),
            words(&i.name)
        ),
        how: format!(
            "Follow one dot from panel to panel. Colour spreading round the circle to neighbours \
             is diffusion through the peer network; colour appearing at scattered places at once \
             is adoption pushed from above (a directive or a contract) or pulled by practices on \
             their own. Here {} of {} practices had adopted it by {} and {} by {}{}.",
            adopted(first),
            i.practices,
            month_in_words(s, first.month),
            adopted(last),
            month_in_words(s, last.month),
            if last.counts.reverted > 0 {
                format!(
                    "; {} had gone back to the old ways at the end",
                    last.counts.reverted
                )
            } else {
                String::new()
            }
        ),
    }))
}

/// The story's page: the narrative, the charts, a table of moments per initiative.
fn page(s: &Scenario, story: &Story, figures: &[Figure]) -> Page {
    let mut page = Page::new(&format!(
        "One area's story: {}, replication {}",
        story.scenario, story.replication
    ));
    let endings: Vec<String> = story
        .initiatives
        .iter()
        .map(|i| format!("{}: {}", words(&i.name), words(i.outcome.failure_mode)))
        .collect();
    page.callout("How it ended.", &format!("{}.", endings.join("; ")));
    page.heading("The story, to read aloud");
    for p in &story.narrative {
        page.paragraph(p);
    }
    let find = |stem: &str| figures.iter().find(|f| f.stem == stem);
    page.heading("Who sits on the governing body");
    if let Some(f) = find("board") {
        page.figure("", f);
    }
    let diffusion: Vec<&Figure> = figures
        .iter()
        .filter(|f| f.stem.starts_with("diffusion_"))
        .collect();
    for (k, (i, f)) in story
        .initiatives
        .iter()
        .zip(figures.iter().filter(|f| f.stem.starts_with("story_")))
        .enumerate()
    {
        page.heading(&capitalised(&words(&i.name)));
        page.figure("", f);
        // Every initiative has its diffusion chart when any has (the same months, practices).
        if let Some(d) = diffusion.get(k) {
            page.figure("", d);
        }
        page.callout(
            &format!("{}:", capitalised(&words(i.outcome.failure_mode))),
            &format!(
                "{}. Here: {}.",
                capitalised(i.outcome.meaning),
                i.outcome.why
            ),
        );
        let mut rows: Vec<Vec<String>> = Vec::new();
        for l in &i.leads {
            rows.push(vec![
                month_in_words(s, l.from_month),
                l.from_month.to_string(),
                capitalised(&lead_words(l)),
            ]);
        }
        for &m in &i.design_reopened {
            rows.push(vec![
                month_in_words(s, m),
                m.to_string(),
                "Design reopened for another round".into(),
            ]);
        }
        if let Some(m) = i.outcome.months_to_success {
            rows.push(vec![
                month_in_words(s, m - 1),
                (m - 1).to_string(),
                "Success rule met".into(),
            ]);
        }
        rows.sort_by_key(|r| r[1].parse::<u32>().unwrap_or(0));
        if !rows.is_empty() {
            page.table(&["date", "month", "what happened"], &rows);
        }
    }
    if !story.events.is_empty() {
        page.heading("Policy events");
        let rows: Vec<Vec<String>> = story
            .events
            .iter()
            .map(|e| {
                vec![
                    month_in_words(s, e.month),
                    e.month.to_string(),
                    e.name.clone(),
                ]
            })
            .collect();
        page.table(&["date", "month", "event"], &rows);
    }
    page.link(
        "story.json",
        "The same facts, month by month, as JSON (story.json)",
    );
    page.scenario(s);
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diffusion_chart_takes_each_year_s_end_and_a_short_run_s_last_month() {
        assert_eq!(year_ends(60), [11, 23, 35, 47, 59]);
        assert_eq!(year_ends(30), [11, 23, 29]);
        assert_eq!(year_ends(1), [0]);
        assert!(year_ends(0).is_empty());
    }

    #[test]
    fn the_story_ends_as_the_run_s_replication_does() {
        let s = Scenario::default();
        for rep in [0, 3] {
            let story = tell(&s, rep);
            let run = runner::replication(&s, 0, rep);
            for (i, o) in story.initiatives.iter().zip(&run.initiatives) {
                assert_eq!(i.outcome.failure_mode, o.mode.name());
                assert_eq!(i.outcome.months_to_success, o.months_to_success);
                assert_eq!(i.outcome.design_rounds, o.design_rounds);
                assert_eq!(i.design_reopened.len() as u32, o.design_rounds);
                assert!(!i.outcome.why.is_empty());
            }
            assert_eq!(story.board.len(), s.simulation.months as usize);
            assert!(story.narrative.len() >= 3 + story.initiatives.len());
        }
    }
}
