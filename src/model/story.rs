//! One area followed month by month, for `redesign-sim story`: a read-only look at the world
//! after each monthly step. Nothing here changes the world or draws a random number, so the run
//! it follows is the very run `runner::replication` makes of the same replication; and nothing
//! here runs unless a story is asked for, so the monthly step itself stays allocation-free.

use super::agents::Leader;
use super::outcome::ReplicationOutcome;
use super::practice::{ADOPTED, NONE, ROUTINISED};
use super::world::{PROGRAMME, STRATEGIC, Streams, World};

/// The size of the area and its peer network, fixed when it is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaFacts {
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
    /// Its capacity for implementation work (1 when none is needed; ODD §5 item 7).
    pub implementation_capacity: f64,
    /// Ties of the practices' peer network, each once, as `(p, q)` with `p < q`.
    pub peer_ties: Vec<(u32, u32)>,
}

/// Where one practice stands with one initiative at the end of a month, for the diffusion
/// chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PracticeState {
    /// Never started it.
    NotYet,
    /// Trialling it.
    Trialling,
    /// Adopted it, not yet routine.
    Adopted,
    /// Made it routine.
    Routinised,
    /// Had started it and went back to the old ways (and has not started again).
    Reverted,
}

impl PracticeState {
    /// Every state, in the order a chart's key lists them.
    pub const ALL: [PracticeState; 5] = [
        PracticeState::NotYet,
        PracticeState::Trialling,
        PracticeState::Adopted,
        PracticeState::Routinised,
        PracticeState::Reverted,
    ];

    /// Its name in `story.json`.
    pub fn name(self) -> &'static str {
        match self {
            PracticeState::NotYet => "not_yet",
            PracticeState::Trialling => "trialling",
            PracticeState::Adopted => "adopted",
            PracticeState::Routinised => "routinised",
            PracticeState::Reverted => "reverted",
        }
    }
}

/// Who leads an initiative, and from which arena they took it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lead {
    /// A GP (true) or a manager (false).
    pub gp: bool,
    /// The GP's or manager's index in the area.
    pub index: u32,
    /// For a GP, its practice's index.
    pub practice: Option<u32>,
    /// For a manager, whether it is a hybrid clinician-manager.
    pub hybrid: bool,
    /// The arena the lead was found in: 0 strategic, 1 programme, 2 practice.
    pub arena: usize,
}

/// One initiative at the end of one month.
#[derive(Debug, Clone, PartialEq)]
pub struct InitiativeMonth {
    /// Its lead now, if any.
    pub lead: Option<Lead>,
    /// Whether the governing body attends to it this month.
    pub attention: bool,
    /// Mandate (0–1).
    pub mandate: f64,
    /// Backing from the health and wellbeing board (0–1).
    pub backing: f64,
    /// Design (0–1).
    pub design: f64,
    /// Share of units (practices and teams) that adopted it.
    pub adoption: f64,
    /// Share of units with it routinised.
    pub routinised: f64,
    /// Practices that have adopted it (adopted or routinised).
    pub practices_adopted: u32,
    /// Frontline teams in its scope that have adopted it.
    pub teams_adopted: u32,
    /// Frontline teams in its scope.
    pub teams: u32,
    /// Units trialling it.
    pub trialling: u32,
    /// Practices that went back to the old ways this month (from trial, adoption or routine).
    pub practices_reverted: u32,
    /// Teams that went back to the old ways this month.
    pub teams_reverted: u32,
    /// Each practice's state, by practice index.
    pub practice_states: Vec<PracticeState>,
    /// The logic its programme board worked in this month (0 market, 1 hierarchy, 2 network);
    /// `None` when the board did not meet.
    pub board_mode: Option<usize>,
    /// Whether its design was reopened for another round this month.
    pub design_reopened: bool,
    /// Whether its implementation work is done, so that practices and teams can start it.
    pub live: bool,
    /// Whether this month completed the success rule.
    pub succeeded: bool,
    /// Whether it lost the governing body's attention within the displacement window after a
    /// policy event, this month or before.
    pub displaced_by_event: bool,
}

/// The area at the end of one month.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthFacts {
    /// The month, from 0.
    pub month: u32,
    /// GP seats the area holds on its governing body now (fewer after a merger).
    pub gp_seats: u32,
    /// The GPs sitting on those seats, by index, in seat order.
    pub gp_members: Vec<u32>,
    /// Managers on the governing body (0 when managerial leadership is knocked out or the
    /// strategic arena is off).
    pub managers: u32,
    /// GPs' share of the governing body's GP-plus-manager influence, when it met with either.
    pub gp_influence: Option<f64>,
    /// Central pressure now.
    pub central_pressure: f64,
    /// Policy uncertainty now.
    pub policy_uncertainty: f64,
    /// Each initiative, in scenario order.
    pub initiatives: Vec<InitiativeMonth>,
}

/// What the recorder remembers from the month before, to tell what changed.
#[derive(Debug, Clone)]
struct Before {
    stages: Vec<u8>,
    /// Per practice: it went back to the old ways and has not started again since.
    reverted: Vec<bool>,
    episodes: [u32; 3],
    rounds: u32,
}

/// Reads the facts of each month off a world, remembering just enough of the month before to
/// count reversions, reopened designs and the board's mode.
#[derive(Debug, Clone)]
pub struct Recorder {
    before: Vec<Before>,
}

impl Recorder {
    /// A recorder for a world that has not stepped yet.
    pub fn new(world: &World) -> Self {
        Recorder {
            before: world
                .initiatives
                .iter()
                .map(|i| Before {
                    stages: i.units.iter().map(|u| u.stage).collect(),
                    reverted: vec![false; world.practices.len()],
                    episodes: i.episodes,
                    rounds: i.rounds,
                })
                .collect(),
        }
    }

    /// The size of the world's area.
    pub fn area(world: &World) -> AreaFacts {
        AreaFacts {
            gps: world.gps.len() as u32,
            practices: world.practices.len() as u32,
            managers: world.managers.len() as u32,
            hybrid_managers: world.managers.iter().filter(|m| m.hybrid).count() as u32,
            providers: world.providers.len() as u32,
            teams: world.teams.len() as u32,
            implementation_capacity: world.implementation_capacity,
            peer_ties: world
                .practices
                .iter()
                .enumerate()
                .flat_map(|(p, practice)| {
                    world.adjacency[practice.peers.start as usize..practice.peers.end as usize]
                        .iter()
                        .filter(move |&&q| q as usize > p)
                        .map(move |&q| (p as u32, q))
                })
                .collect(),
        }
    }

    /// The facts of `month`, read after the world's step of that month.
    pub fn month(&mut self, world: &World, month: u32) -> MonthFacts {
        let active = world.active_seats();
        let strategic_on = world.dynamics.arenas.strategic.enabled;
        let n_practices = world.practices.len();
        let initiatives = world
            .initiatives
            .iter()
            .zip(&mut self.before)
            .map(|(init, before)| {
                let mut adopted = [0u32; 2];
                let mut reverted = [0u32; 2];
                let mut trialling = 0;
                let mut practice_states = Vec::with_capacity(n_practices);
                for (u, (unit, was)) in init.units.iter().zip(&mut before.stages).enumerate() {
                    let kind = usize::from(u >= n_practices);
                    adopted[kind] += u32::from(unit.stage >= ADOPTED);
                    trialling += u32::from(unit.stage > NONE && unit.stage < ADOPTED);
                    // A unit that reverts goes back to none and cannot start again in the same
                    // month, so "was under way, is not" counts every reversion exactly.
                    let reverts = *was > NONE && unit.stage == NONE;
                    reverted[kind] += u32::from(reverts);
                    *was = unit.stage;
                    if let Some(gone) = before.reverted.get_mut(u) {
                        *gone = (*gone || reverts) && unit.stage == NONE;
                        practice_states.push(match unit.stage {
                            NONE if *gone => PracticeState::Reverted,
                            NONE => PracticeState::NotYet,
                            ROUTINISED => PracticeState::Routinised,
                            s if s >= ADOPTED => PracticeState::Adopted,
                            _ => PracticeState::Trialling,
                        });
                    }
                }
                let board_mode = (0..3).find(|&m| init.episodes[m] > before.episodes[m]);
                let design_reopened = init.rounds > before.rounds;
                before.episodes = init.episodes;
                before.rounds = init.rounds;
                InitiativeMonth {
                    lead: init.lead.map(|l| match l {
                        Leader::Gp(i) => Lead {
                            gp: true,
                            index: i,
                            practice: Some(world.gps[i as usize].practice),
                            hybrid: false,
                            arena: init.lead_arena.unwrap_or(PROGRAMME),
                        },
                        Leader::Manager(i) => Lead {
                            gp: false,
                            index: i,
                            practice: None,
                            hybrid: world.managers[i as usize].hybrid,
                            arena: init.lead_arena.unwrap_or(PROGRAMME),
                        },
                    }),
                    attention: init.attention,
                    mandate: init.mandate,
                    backing: init.backing,
                    design: init.design,
                    adoption: init.adoption,
                    routinised: init.routinised,
                    practices_adopted: adopted[0],
                    teams_adopted: adopted[1],
                    teams: init.unit_teams.len() as u32,
                    trialling,
                    practices_reverted: reverted[0],
                    teams_reverted: reverted[1],
                    practice_states,
                    board_mode,
                    design_reopened,
                    live: init.live_month.is_some(),
                    succeeded: init.success_month == Some(month),
                    displaced_by_event: init.displaced_by_event,
                }
            })
            .collect();
        let clinical = world.dynamics.clinical()[STRATEGIC];
        MonthFacts {
            month,
            gp_seats: active as u32,
            gp_members: if strategic_on && clinical {
                world.seats[..active].iter().flatten().copied().collect()
            } else {
                Vec::new()
            },
            managers: if strategic_on && world.dynamics.leadership.managerial {
                world.board_managers.len() as u32
            } else {
                0
            },
            gp_influence: world.gp_influence_now,
            central_pressure: world.dynamics.environment.central_pressure,
            policy_uncertainty: world.dynamics.environment.policy_uncertainty,
            initiatives,
        }
    }
}

/// Runs every month of `world`, reading its facts after each, and returns them with the
/// replication's outcome: the outcome [`World::run`] would give with the same streams.
pub fn run_recorded(
    mut world: World,
    streams: &mut Streams,
) -> (AreaFacts, Vec<MonthFacts>, ReplicationOutcome) {
    let area = Recorder::area(&world);
    let mut recorder = Recorder::new(&world);
    let months = world.s.simulation.months;
    let mut facts = Vec::with_capacity(months as usize);
    for month in 0..months {
        world.step(month, streams);
        facts.push(recorder.month(&world, month));
    }
    (area, facts, world.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::world::test_support::scenario;
    use crate::runner;

    #[test]
    fn recording_a_run_does_not_change_it_and_counts_what_the_outcome_counts() {
        let s = scenario(&[]);
        for rep in [0, 5] {
            let alone = runner::replication(&s, 0, rep);
            let mut streams = runner::streams(s.simulation.seed, 0, rep, false);
            let world = World::new(&s, &mut streams.population);
            let (area, facts, recorded) = run_recorded(world, &mut streams);
            assert_eq!(format!("{alone:?}"), format!("{recorded:?}"));
            assert_eq!(facts.len(), s.simulation.months as usize);
            assert!(area.gps > 0 && area.practices > 0);
            for (k, o) in recorded.initiatives.iter().enumerate() {
                let months = |f: &dyn Fn(&InitiativeMonth) -> bool| {
                    facts.iter().filter(|m| f(&m.initiatives[k])).count() as u32
                };
                for mode in 0..3 {
                    assert_eq!(months(&|i| i.board_mode == Some(mode)), o.episodes[mode]);
                }
                assert_eq!(months(&|i| i.design_reopened), o.design_rounds);
                let success = facts.iter().position(|m| m.initiatives[k].succeeded);
                assert_eq!(success.map(|m| m as u32 + 1), o.months_to_success);
                let peak = facts
                    .iter()
                    .map(|m| m.initiatives[k].adoption)
                    .fold(0.0, f64::max);
                assert_eq!(peak, o.peak_adoption);
                // The practices' states agree with the counts, month by month.
                for m in &facts {
                    let i = &m.initiatives[k];
                    assert_eq!(i.practice_states.len(), area.practices as usize);
                    let n = |st: PracticeState| {
                        i.practice_states.iter().filter(|&&x| x == st).count() as u32
                    };
                    assert_eq!(
                        n(PracticeState::Adopted) + n(PracticeState::Routinised),
                        i.practices_adopted
                    );
                    assert!(n(PracticeState::Trialling) <= i.trialling);
                }
                // A practice reverts only after it was under way, and shows as reverted until
                // it starts again.
                for pair in facts.windows(2) {
                    let (a, b) = (&pair[0].initiatives[k], &pair[1].initiatives[k]);
                    let newly = a
                        .practice_states
                        .iter()
                        .zip(&b.practice_states)
                        .filter(|(x, y)| {
                            !matches!(x, PracticeState::NotYet | PracticeState::Reverted)
                                && **y == PracticeState::Reverted
                        })
                        .count() as u32;
                    assert_eq!(newly, b.practices_reverted);
                    for (x, y) in a.practice_states.iter().zip(&b.practice_states) {
                        assert!(
                            !(*x == PracticeState::NotYet && *y == PracticeState::Reverted),
                            "a practice that never started cannot revert"
                        );
                    }
                }
            }
            // Each tie once, between two practices.
            assert!(!area.peer_ties.is_empty());
            assert!(
                area.peer_ties
                    .iter()
                    .all(|&(p, q)| p < q && q < area.practices)
            );
            for (m, f) in facts.iter().enumerate() {
                let share = if f.gp_seats == 0 {
                    0.0
                } else {
                    f.gp_members.len() as f32 / f.gp_seats as f32
                };
                assert_eq!(share, recorded.seats_filled[m], "month {m}");
            }
        }
    }
}
