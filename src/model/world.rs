//! The world: one local health economy (a CCG area) in the middle of a run, how it is drawn
//! (ODD §5 Initialisation), the fixed order of its monthly step (ODD §3 Process overview and
//! scheduling) and the outcome it hands back when the run ends (ODD §7.7).

use rand_chacha::ChaCha8Rng;

use super::agents::{
    Council, Drift, Gp, Leader, LogicMix, Manager, NETWORK, Practice, Provider, Team,
};
use super::engagement::Willingness;
use super::outcome::{InitiativeOutcome, ReplicationOutcome, SurveyWave, Trajectory, classify};
use super::population::{self, Area};
use super::practice::{Chance, Places, Unit, UnitsKey};
use super::programme::{Member, add_mix};
use crate::scenario::{Access, Arenas, Environment, Leadership, Scenario, Slot};

/// A generator for draws taken in sequence: xoshiro256++ (Blackman and Vigna), a few
/// instructions a number where a `ChaCha8Rng` takes about twenty, for the streams that need no
/// seeking. Each is seeded from a `ChaCha8Rng` stream of its own (docs/ODD.md §9).
pub type Draws = rand::rngs::Xoshiro256PlusPlus;

/// The random streams of one replication, one per process, so that the draws of one process
/// never shift those of another between the cells of an experiment.
pub struct Streams {
    /// Drawing the area and its population: a `ChaCha8Rng` stream that seeds the area's own
    /// generators (`population::draw`).
    pub population: ChaCha8Rng,
    /// Individual decisions each month: federations, seat offers, ideas.
    pub decisions: Draws,
    /// Adoption, confirmation and reversion at every unit: the keys of draws that are each a
    /// fixed function of the initiative, the unit and the month, so that units meet the same
    /// numbers in every cell (common random numbers), derived from a `ChaCha8Rng` stream of
    /// their own.
    pub units: UnitsKey,
    /// The virtual survey's perception noise.
    pub survey: Draws,
}

// The arenas' indices, in the order of `scenario::ARENAS` (initiatives' origin uses them too).
pub(super) const STRATEGIC: usize = 0;
pub(super) const PROGRAMME: usize = 1;
pub(super) const PRACTICE: usize = 2;

/// The parameters that scheduled events may change during a run.
#[derive(Debug, Clone)]
pub(super) struct Dynamics {
    pub(super) environment: Environment,
    pub(super) arenas: Arenas,
    pub(super) leadership: Leadership,
}

impl Dynamics {
    /// Whether GPs do leadership work in each arena, in `[strategic, programme, practice]` order:
    /// `leadership.clinical` switches GPs off everywhere, `arenas.<name>.clinical` in one arena
    /// only, so that the study's "clinical leadership is required in at least one of these" can
    /// be asked arena by arena (the arena experiment, ODD §8).
    pub(super) fn clinical(&self) -> [bool; 3] {
        let all = self.leadership.clinical;
        [
            all && self.arenas.strategic.clinical,
            all && self.arenas.programme.clinical,
            all && self.arenas.practice.clinical,
        ]
    }
}

impl Access for Dynamics {
    fn slot(&mut self, path: &str) -> Option<Slot<'_>> {
        let (head, rest) = path.split_once('.')?;
        match head {
            "environment" => self.environment.slot(rest),
            "arenas" => self.arenas.slot(rest),
            "leadership" => self.leadership.slot(rest),
            _ => None,
        }
    }
}

/// One initiative's state.
#[derive(Debug, Clone)]
pub(super) struct Initiative {
    pub(super) complexity: f64,
    pub(super) national: bool,
    pub(super) council: bool,
    pub(super) origin: usize,
    pub(super) scope: Vec<u32>,
    pub(super) managers: [Option<u32>; 2],
    pub(super) lead: Option<Leader>,
    /// The arena the current lead was found in (`STRATEGIC`, `PROGRAMME` or `PRACTICE`).
    pub(super) lead_arena: Option<usize>,
    /// Whether a GP sat on this initiative's programme board this month.
    pub(super) gp_on_board: bool,
    pub(super) ever_led: bool,
    pub(super) mandate: f64,
    /// Backing from the health and wellbeing board (mandate-like, council-led).
    pub(super) backing: f64,
    pub(super) design: f64,
    pub(super) attention: bool,
    pub(super) displaced_by_event: bool,
    /// Units: every practice (by practice index), then the frontline teams in scope.
    pub(super) units: Vec<Unit>,
    pub(super) unit_teams: Vec<u32>,
    pub(super) adoption: f64,
    pub(super) routinised: f64,
    pub(super) run: u32,
    pub(super) success_month: Option<u32>,
    pub(super) episodes: [u32; 3],
    pub(super) rounds: u32,
    pub(super) contract_hazard: f64,
    pub(super) peak: [f64; 3],
    pub(super) mature_design_month: Option<u32>,
    /// Implementation work done, as a share of the work needed (ODD §7.5): units can start once
    /// it reaches 1.
    pub(super) implementation: f64,
    /// The month the implementation work was done and the front line could start.
    pub(super) live_month: Option<u32>,
    /// The programme board's last skill product and its cube root, the board's skill mix
    /// (NaN before the board first meets).
    pub(super) skill_memo: [f64; 2],
    /// The confirmation chance its trials' waits were drawn with (ODD §7.5).
    pub(super) confirm: Chance,
}

/// One local health economy in the middle of a run.
pub struct World<'s> {
    pub(super) s: &'s Scenario,
    pub(super) dynamics: Dynamics,
    pub(super) uncertainty_base: f64,
    pub(super) gps: Vec<Gp>,
    /// GPs' willingness and disillusionment now, by GP index.
    pub(super) willingness: Willingness,
    pub(super) practices: Vec<Practice>,
    pub(super) managers: Vec<Manager>,
    pub(super) providers: Vec<Provider>,
    pub(super) teams: Vec<Team>,
    pub(super) council: Council,
    /// The area's capacity for implementation work (ODD §5 item 7).
    pub(super) implementation_capacity: f64,
    pub(super) adjacency: Vec<u32>,
    /// Peer weight of each practice: the credibility of its most credible GP.
    pub(super) practice_credibility: Vec<f64>,
    pub(super) seats: Vec<Option<u32>>,
    /// The month in which each GP seat's holder took it.
    pub(super) seat_since: Vec<u32>,
    /// The length of each GP seat's current term of office: shortened for a seat's first term
    /// when terms are staggered, `term_months` after (ODD §7.1).
    pub(super) seat_term: Vec<u32>,
    pub(super) board_managers: Vec<u32>,
    pub(super) initiatives: Vec<Initiative>,
    pub(super) last_event: Option<u32>,
    pub(super) board_mix: LogicMix,
    pub(super) gp_influence_now: Option<f64>,
    /// How far every logic has drifted toward the regime since month 0.
    pub(super) drift: Drift,
    /// Mean starting network weight of each practice's GPs.
    pub(super) practice_network_start: Vec<f64>,
    /// Mean starting logic of GPs, managers and providers together.
    pub(super) mean_logic_start: LogicMix,
    // Scratch buffers, sized once.
    pub(super) visible: Vec<f64>,
    /// Initiatives adopted at each practice, counted by the practice arena for next month's
    /// engagement (only the practice arena moves units).
    pub(super) adopters: Vec<u32>,
    /// `visible_steps[c]`: `1/n_initiatives` added `c` times from 0, a practice's visible
    /// adoption with `c` adopted initiatives.
    pub(super) visible_steps: Vec<f64>,
    /// The `adopters` counts `visible` and `seen` were last worked out from: engagement works
    /// them out again only when the counts change.
    pub(super) seen_adopters: Vec<u32>,
    /// What each practice's GPs see of adoption, as last worked out.
    pub(super) seen: Vec<f64>,
    /// Scratch: the practices whose sight is to be worked out again this month.
    pub(super) resee: Vec<bool>,
    pub(super) seat_weights: Vec<f64>,
    /// The units' draws of one initiative's month, one 32-bit word a unit (the practice arena's
    /// scratch), filled together by `UnitsKey::month_draws` before the units are visited.
    pub(super) unit_draws: Vec<u32>,
    pub(super) places: Places,
    pub(super) members: Vec<Member>,
    pub(super) scores: Vec<f64>,
    pub(super) ranking: Vec<usize>,
    // Records.
    pub(super) seats_filled: Vec<f32>,
    pub(super) logic_mix: Vec<[f32; 3]>,
    pub(super) trajectories: Vec<[f32; 4]>,
    pub(super) influence_sum: f64,
    pub(super) influence_months: u32,
    pub(super) survey: Vec<SurveyWave>,
}

impl<'s> World<'s> {
    /// Draws a new area from the scenario with the population stream.
    pub fn new(s: &'s Scenario, rng: &mut ChaCha8Rng) -> Self {
        Self::from_area(s, population::draw(s, rng))
    }

    /// The world of an area already drawn by `population::draw` for a scenario with the same
    /// seed and the same population, GP, manager, provider and council settings as `s` (see
    /// [`same_area`]): the world `new` would build, without drawing the area again.
    pub(crate) fn from_area(s: &'s Scenario, area: Area) -> Self {
        let months = s.simulation.months as usize;
        let n_practices = area.practices.len();
        let n_managers = area.managers.len();
        let board_size = s.arenas.strategic.manager_seats as usize;
        let board_managers: Vec<u32> = (0..board_size.min(n_managers) as u32).collect();
        let initiatives: Vec<Initiative> = s
            .initiative
            .iter()
            .enumerate()
            .map(|(k, init)| {
                let scope: Vec<u32> = init
                    .scope
                    .iter()
                    .filter_map(|name| s.provider.iter().position(|p| &p.name == name))
                    .map(|i| i as u32)
                    .collect();
                // Providers' teams in scope order, then the council's social-care teams when the
                // scope names the council.
                let council_teams = if init.council {
                    area.council.teams.clone()
                } else {
                    0..0
                };
                let unit_teams: Vec<u32> = scope
                    .iter()
                    .flat_map(|&p| area.providers[p as usize].teams.clone())
                    .chain(council_teams)
                    .collect();
                // Programme boards draw on managers outside the governing body first.
                let pick = |j: usize| {
                    (n_managers > 0).then(|| {
                        let spare = n_managers - board_managers.len();
                        if spare > 0 {
                            (board_managers.len() + (2 * k + j) % spare) as u32
                        } else {
                            ((2 * k + j) % n_managers) as u32
                        }
                    })
                };
                let mut managers = [pick(0), pick(1)];
                if managers[0] == managers[1] {
                    managers[1] = None;
                }
                Initiative {
                    complexity: init.complexity,
                    national: init.national,
                    council: init.council,
                    origin: crate::scenario::ARENAS
                        .iter()
                        .position(|a| *a == init.origin)
                        .unwrap_or(1),
                    scope,
                    managers,
                    lead: None,
                    lead_arena: None,
                    gp_on_board: false,
                    ever_led: false,
                    mandate: 0.0,
                    backing: 0.0,
                    design: 0.0,
                    attention: false,
                    displaced_by_event: false,
                    units: vec![Unit::default(); n_practices + unit_teams.len()],
                    unit_teams,
                    adoption: 0.0,
                    routinised: 0.0,
                    run: 0,
                    success_month: None,
                    episodes: [0; 3],
                    rounds: 0,
                    contract_hazard: 0.0,
                    peak: [0.0; 3],
                    mature_design_month: None,
                    implementation: 0.0,
                    live_month: None,
                    skill_memo: [f64::NAN; 2],
                    confirm: Chance::default(),
                }
            })
            .collect();
        // The monthly step walks GPs practice by practice: the practices' GP ranges tile the
        // GPs in order, every GP in the practice it names.
        debug_assert!(area.practices.iter().enumerate().all(|(p, practice)| {
            area.gps[practice.gps.start as usize..practice.gps.end as usize]
                .iter()
                .all(|g| g.practice as usize == p)
        }));
        debug_assert_eq!(
            area.practices.iter().map(|p| p.gps.len()).sum::<usize>(),
            area.gps.len()
        );
        let practice_credibility = area
            .practices
            .iter()
            .map(|p| {
                area.gps[p.gps.start as usize..p.gps.end as usize]
                    .iter()
                    .map(|g| g.credibility)
                    .fold(0.0, f64::max)
            })
            .collect();
        let practice_network_start = area
            .practices
            .iter()
            .map(|p| {
                let gps = &area.gps[p.gps.start as usize..p.gps.end as usize];
                gps.iter().map(|g| g.logic[NETWORK]).sum::<f64>() / gps.len().max(1) as f64
            })
            .collect();
        let mut mean_logic_start = [0.0; 3];
        for l in area
            .gps
            .iter()
            .map(|g| &g.logic)
            .chain(area.managers.iter().map(|m| &m.logic))
            .chain(area.providers.iter().map(|p| &p.logic))
        {
            add_mix(&mut mean_logic_start, l, 1.0);
        }
        let agents = (area.gps.len() + area.managers.len() + area.providers.len()).max(1) as f64;
        mean_logic_start.iter_mut().for_each(|x| *x /= agents);
        let n_gps = area.gps.len();
        let n_teams = area.teams.len();
        let n_initiatives = initiatives.len();
        let max_members = 3 + s.provider.len() + 1;
        let max_units = initiatives.iter().map(|i| i.units.len()).max().unwrap_or(0);
        let gp_seats = s.arenas.strategic.gp_seats as usize;
        let places = Places::new(
            &area.practices,
            &area.gps,
            n_teams,
            n_initiatives,
            s.gp.informal_credibility,
        );
        World {
            s,
            dynamics: Dynamics {
                environment: s.environment.clone(),
                arenas: s.arenas.clone(),
                leadership: s.leadership.clone(),
            },
            uncertainty_base: s.environment.policy_uncertainty,
            willingness: Willingness::new(&area.gps),
            gps: area.gps,
            practices: area.practices,
            managers: area.managers,
            providers: area.providers,
            teams: area.teams,
            council: area.council,
            implementation_capacity: area.implementation_capacity,
            adjacency: area.adjacency,
            practice_credibility,
            seats: vec![None; gp_seats],
            seat_since: vec![0; gp_seats],
            seat_term: first_terms(gp_seats, &s.arenas.strategic),
            board_managers,
            initiatives,
            last_event: None,
            board_mix: [0.0; 3],
            gp_influence_now: None,
            drift: Drift::default(),
            practice_network_start,
            mean_logic_start,
            visible: vec![0.0; n_practices],
            adopters: vec![0; n_practices],
            visible_steps: visible_steps(n_initiatives),
            // No count is `u32::MAX` and no sight is NaN: the first month works out every
            // practice's sight and every GP's push.
            seen_adopters: vec![u32::MAX; n_practices],
            seen: vec![f64::NAN; n_practices],
            resee: vec![false; n_practices],
            seat_weights: vec![0.0; n_gps],
            unit_draws: vec![0; max_units],
            places,
            members: Vec::with_capacity(max_members),
            scores: vec![0.0; n_initiatives],
            ranking: (0..n_initiatives).collect(),
            seats_filled: Vec::with_capacity(months),
            logic_mix: Vec::with_capacity(months),
            trajectories: Vec::with_capacity(months * n_initiatives),
            influence_sum: 0.0,
            influence_months: 0,
            survey: Vec::with_capacity(s.survey.months.len()),
        }
    }

    /// Months recorded so far.
    pub fn step_count(&self) -> usize {
        self.seats_filled.len()
    }

    /// Runs every month and returns the replication's outcome.
    pub fn run(mut self, streams: &mut Streams) -> ReplicationOutcome {
        for month in 0..self.s.simulation.months {
            self.step(month, streams);
        }
        self.finish()
    }

    /// One month, in the fixed order of docs/ODD.md §3.
    pub fn step(&mut self, month: u32, streams: &mut Streams) {
        self.environment(month);
        self.engagement(month, &mut streams.decisions);
        self.ideas(&mut streams.decisions);
        self.strategic_arena(month);
        self.wellbeing_board();
        self.programme_arena();
        self.practice_arena(month, streams.units);
        self.feedback();
        self.record(month, &mut streams.survey);
    }

    /// The replication's outcome, from the records.
    pub(super) fn finish(self) -> ReplicationOutcome {
        let n_init = self.initiatives.len();
        let months = self.seats_filled.len();
        let initiatives = self
            .initiatives
            .iter()
            .enumerate()
            .map(|(k, init)| {
                let last = if months > 0 {
                    self.trajectories[(months - 1) * n_init + k]
                } else {
                    [0.0; 4]
                };
                let trajectory = Trajectory {
                    succeeded: init.success_month.is_some(),
                    ever_led: init.ever_led,
                    peak_mandate: init.peak[0],
                    final_mandate: init.mandate,
                    peak_design: init.peak[1],
                    peak_adoption: init.peak[2],
                    final_adoption: init.adoption,
                    displaced_by_event: init.displaced_by_event,
                };
                InitiativeOutcome {
                    mode: classify(&trajectory),
                    months_to_success: init.success_month.map(|m| m + 1),
                    peak_mandate: init.peak[0],
                    peak_design: init.peak[1],
                    peak_adoption: init.peak[2],
                    final_routinised: last[3] as f64,
                    episodes: init.episodes,
                    design_rounds: init.rounds,
                    months_to_mature_design: init.mature_design_month,
                }
            })
            .collect();
        let gp_seats_filled_share = if months > 0 {
            self.seats_filled.iter().map(|&x| x as f64).sum::<f64>() / months as f64
        } else {
            0.0
        };
        ReplicationOutcome {
            initiatives,
            providers_destabilised: self.providers.iter().filter(|p| p.destabilised).count() as u32,
            gp_seats_filled_share,
            gp_influence_share: (self.influence_months > 0)
                .then(|| self.influence_sum / self.influence_months as f64),
            seats_filled: self.seats_filled,
            logic_mix: self.logic_mix,
            trajectories: self.trajectories,
            survey: self.survey,
        }
    }
}

/// Whether two scenarios draw the same area for every replication and design point: the same
/// seed and seeding, and the same settings of everything the population draw reads
/// (`population`, `gp`, `manager`, `provider`, `council`). The cells of an experiment differ in
/// arenas and leadership only, so they share their areas (common random numbers).
pub(crate) fn same_area(a: &Scenario, b: &Scenario) -> bool {
    a.simulation.seed == b.simulation.seed
        && a.simulation.independent_points == b.simulation.independent_points
        && a.population == b.population
        && a.gp == b.gp
        && a.manager == b.manager
        && a.provider == b.provider
        && a.council == b.council
        && a.implementation == b.implementation
}

/// A practice's visible adoption by the number of initiatives adopted there: `1/n` added once
/// per initiative, in turn, from 0 (with at least one initiative counted in `n`).
fn visible_steps(n_initiatives: usize) -> Vec<f64> {
    let n = n_initiatives.max(1) as f64;
    let mut sum = 0.0;
    let mut steps = vec![sum];
    for _ in 0..n_initiatives {
        sum += 1.0 / n;
        steps.push(sum);
    }
    steps
}

/// The length of each GP seat's first term of office: seats are dealt into `term_cohorts`
/// cohorts in turn, and cohort c's first term lasts `term·(c + 1)/cohorts` months, so that with
/// three cohorts and a three-year term a third of the seats filled at the start fall due in each
/// year instead of all at month 36 (docs/ODD.md §7.1). One cohort: every first term is whole.
pub(super) fn first_terms(seats: usize, st: &crate::scenario::Strategic) -> Vec<u32> {
    let term = st.term_months.max(1);
    let cohorts = st.term_cohorts.clamp(1, term);
    (0..seats as u32)
        .map(|k| (term * (k % cohorts + 1) / cohorts).max(1))
        .collect()
}

/// Test helpers shared by the concept files' unit tests.
#[cfg(test)]
pub(super) mod test_support {
    use crate::scenario::{Override, Scenario, load_str};
    use std::path::Path;

    /// The default scenario with `overrides` applied.
    pub(in crate::model) fn scenario(overrides: &[&str]) -> Scenario {
        let o: Vec<Override> = overrides
            .iter()
            .map(|s| Override::parse(s).unwrap())
            .collect();
        load_str("", Path::new("t.toml"))
            .unwrap()
            .resolve(&o)
            .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::scenario;
    use super::{PRACTICE, PROGRAMME, STRATEGIC, World};
    use crate::model::agents::Leader;
    use crate::runner;
    use crate::scenario::Scenario;

    /// Sums over replications and initiatives of peak mandate, design and adoption.
    fn peaks(s: &Scenario, reps: u32) -> [f64; 3] {
        let mut peaks = [0.0; 3];
        for i in 0..reps {
            let o = runner::replication(s, 0, i);
            for init in &o.initiatives {
                peaks[0] += init.peak_mandate;
                peaks[1] += init.peak_design;
                peaks[2] += init.peak_adoption;
            }
        }
        peaks
    }

    /// What GPs did over `reps` replications, counted in months: [a GP on a governing-body
    /// seat, a GP on a programme board, a GP lead found in each arena (3), a practice with GP
    /// practical or informal leadership]; and the summed peak adoption.
    fn clinical_work(s: &Scenario, reps: u32) -> ([u32; 6], f64) {
        let mut seen = [0u32; 6];
        let mut adoption = 0.0;
        for rep in 0..reps {
            let mut streams = runner::streams(s.simulation.seed, 0, rep, false);
            let mut world = World::new(s, &mut streams.population);
            for month in 0..s.simulation.months {
                world.step(month, &mut streams);
                // The arena works out leadership only in months it is needed: ask for it.
                world.place_practices();
                let w = &world;
                seen[0] += w.seats.iter().any(Option::is_some) as u32;
                seen[1] += w.initiatives.iter().any(|i| i.gp_on_board) as u32;
                for arena in [STRATEGIC, PROGRAMME, PRACTICE] {
                    seen[2 + arena] += w.initiatives.iter().any(|i| {
                        matches!(i.lead, Some(Leader::Gp(_))) && i.lead_arena == Some(arena)
                    }) as u32;
                }
                seen[5] +=
                    w.places
                        .practices
                        .iter()
                        .any(|p| p.leadership > 0.0 || p.informal > 0.0) as u32;
            }
            adoption += world.initiatives.iter().map(|i| i.peak[2]).sum::<f64>();
        }
        (seen, adoption)
    }

    #[test]
    fn a_shared_management_team_designs_less() {
        let design = |time: f64| {
            let s = scenario(&[&format!("arenas.programme.manager_time={time}"), "event=[]"]);
            peaks(&s, 40)[1]
        };
        let (own, shared) = (design(1.0), design(0.3));
        eprintln!("peak design summed: own team {own:.2}, shared team {shared:.2}");
        assert!(shared < own, "{shared} !< {own}");
    }

    #[test]
    fn each_arena_clinical_switch_removes_only_that_arena_clinical_work() {
        let (all, _) = clinical_work(&scenario(&[]), 10);
        assert!(all.iter().all(|&x| x > 0), "all on: {all:?}");
        // No GP on the governing body nor leading from it; GPs still lead boards and practices.
        let (st, _) = clinical_work(&scenario(&["arenas.strategic.clinical=false"]), 10);
        assert_eq!([st[0], st[2 + STRATEGIC]], [0, 0], "{st:?}");
        assert!(st[1] > 0 && st[2 + PROGRAMME] > 0 && st[5] > 0, "{st:?}");
        // No GP leads or sits on a programme board; GP seats and grassroots adoption remain.
        let (pr, adoption) = clinical_work(&scenario(&["arenas.programme.clinical=false"]), 10);
        assert_eq!([pr[1], pr[2 + PROGRAMME]], [0, 0], "{pr:?}");
        assert!(pr[0] > 0 && pr[2 + STRATEGIC] > 0 && pr[5] > 0, "{pr:?}");
        assert!(adoption > 0.0);
        // No GP practical or informal leadership at the point of delivery; the boards keep GPs.
        let (pa, _) = clinical_work(&scenario(&["arenas.practice.clinical=false"]), 10);
        assert_eq!([pa[5], pa[2 + PRACTICE]], [0, 0], "{pa:?}");
        assert!(pa[0] > 0 && pa[1] > 0 && pa[2 + PROGRAMME] > 0, "{pa:?}");
    }

    #[test]
    fn the_clinical_knockout_equals_all_three_arena_switches_off() {
        let global = scenario(&["leadership.clinical=false"]);
        let each = scenario(&[
            "arenas.strategic.clinical=false",
            "arenas.programme.clinical=false",
            "arenas.practice.clinical=false",
        ]);
        for rep in 0..6 {
            let a = format!("{:?}", runner::replication(&global, 0, rep));
            let b = format!("{:?}", runner::replication(&each, 0, rep));
            assert_eq!(a, b, "replication {rep}");
        }
    }

    #[test]
    fn disabling_an_arena_removes_its_work() {
        let all = peaks(&scenario(&[]), 20);
        assert!(all.iter().all(|&x| x > 0.0));
        let no_board = peaks(&scenario(&["arenas.strategic.enabled=false"]), 20);
        assert_eq!(no_board[0], 0.0, "no mandate without the strategic arena");
        let no_programme = peaks(&scenario(&["arenas.programme.enabled=false"]), 20);
        assert_eq!(no_programme[1], 0.0, "no design without programme boards");
        // With the practice arena off and the directive and contract routes off too, nothing
        // at the point of delivery moves.
        let none = peaks(
            &scenario(&[
                "arenas.practice.enabled=false",
                "arenas.strategic.directive_strength=0",
                "arenas.programme.contract_strength=0",
            ]),
            20,
        );
        assert_eq!(none[2], 0.0);
        let nothing = peaks(
            &scenario(&[
                "arenas.strategic.enabled=false",
                "arenas.programme.enabled=false",
                "arenas.practice.enabled=false",
            ]),
            20,
        );
        assert_eq!(nothing, [0.0; 3]);
    }
}
