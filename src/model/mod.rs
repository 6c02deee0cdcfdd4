//! The model: one local health economy (a CCG area) and its monthly step (MODEL.md §2–7).
//!
//! The world is drawn once per replication; the step is infallible, does no I/O and allocates
//! nothing: every buffer it needs is sized when the world is built.

pub mod agents;
pub mod outcome;
mod population;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use crate::scenario::{Access, Arenas, Environment, Leadership, Scenario, Slot};
use agents::{
    Council, Drift, Gp, HIERARCHY, Leader, LogicMix, MARKET, Manager, NETWORK, Practice, Provider,
    Role, Team, similarity,
};
use outcome::{
    InitiativeOutcome, ReplicationOutcome, SurveyWave, Trajectory, classify, thresholds,
};

/// The random streams of one replication. Each is a `ChaCha8Rng` stream of its own, so that the
/// draws of one process never shift those of another between the cells of an experiment.
pub struct Streams {
    /// Drawing the area and its population.
    pub population: ChaCha8Rng,
    /// Individual decisions each month: seat offers, ideas.
    pub decisions: ChaCha8Rng,
    /// Adoption, confirmation and reversion at every unit: two draws per unit per month whatever
    /// its state, so that units meet the same numbers in every cell (common random numbers).
    pub units: ChaCha8Rng,
    /// The virtual survey's perception noise.
    pub survey: ChaCha8Rng,
}

/// The parameters that scheduled events may change during a run.
#[derive(Debug, Clone)]
struct Dynamics {
    environment: Environment,
    arenas: Arenas,
    leadership: Leadership,
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

/// Logic of lay members of the governing body, who are not modelled as agents.
const LAY_LOGIC: LogicMix = [0.15, 0.35, 0.5];
/// Influence of a lay member on the governing body.
const LAY_INFLUENCE: f64 = 0.3;
/// Influence of the council's member on the governing body.
const COUNCIL_INFLUENCE: f64 = 0.4;
/// Strategic capacity of a board with no GP or manager members (lay members only).
const LAY_CAPACITY: f64 = 0.3;
/// Influence of a provider's representative on a programme board.
const PROVIDER_BOARD_INFLUENCE: f64 = 0.6;
/// Influence of the council's representative on a programme board.
const COUNCIL_BOARD_INFLUENCE: f64 = 0.5;
/// Monthly decay of disillusionment.
const DISILLUSION_DECAY: f64 = 0.9;
/// Design level above which stalled adoption reopens the design.
const REOPEN_DESIGN: f64 = 0.6;
/// Months over which adoption is judged to have stalled.
const STALL_MONTHS: usize = 6;
/// Rise of adoption under which it has stalled.
const STALL_RISE: f64 = 0.02;
/// Perception noise of a GP asked whether it can influence the CCG.
const GP_SURVEY_NOISE: f64 = 0.1;

/// 2^-32: turns a 32-bit integer into a uniform number in [0, 1).
const UNIT_SCALE: f64 = 1.0 / 4_294_967_296.0;

/// Stage of one unit at the point of delivery for one initiative.
#[derive(Debug, Clone, Copy, Default)]
struct Unit {
    /// 0 none, 1 trialling, 2 adopted, 3 routinised.
    stage: u8,
    /// Months in the current stage.
    months: u16,
    /// Adopted under a directive or contract rather than by choice.
    by_compliance: bool,
}

const NONE: u8 = 0;
const TRIAL: u8 = 1;
const ADOPTED: u8 = 2;
const ROUTINISED: u8 = 3;

/// One initiative's state.
#[derive(Debug, Clone)]
struct Initiative {
    complexity: f64,
    national: bool,
    council: bool,
    origin: usize,
    scope: Vec<u32>,
    managers: [Option<u32>; 2],
    lead: Option<Leader>,
    ever_led: bool,
    mandate: f64,
    design: f64,
    attention: bool,
    displaced_by_event: bool,
    /// Units: every practice (by practice index), then the frontline teams in scope.
    units: Vec<Unit>,
    unit_teams: Vec<u32>,
    adoption: f64,
    routinised: f64,
    run: u32,
    success_month: Option<u32>,
    episodes: [u32; 3],
    rounds: u32,
    contract_hazard: f64,
    peak: [f64; 3],
    mature_design_month: Option<u32>,
}

/// One member of a board, as the board's arithmetic sees it.
#[derive(Debug, Clone, Copy)]
struct Member {
    logic: LogicMix,
    influence: f64,
    effort: f64,
}

/// One local health economy in the middle of a run.
pub struct World<'s> {
    s: &'s Scenario,
    dynamics: Dynamics,
    uncertainty_base: f64,
    gps: Vec<Gp>,
    practices: Vec<Practice>,
    managers: Vec<Manager>,
    providers: Vec<Provider>,
    teams: Vec<Team>,
    council: Council,
    adjacency: Vec<u32>,
    /// Peer weight of each practice: the credibility of its most credible GP.
    practice_credibility: Vec<f64>,
    seats: Vec<Option<u32>>,
    seat_since: Vec<u32>,
    board_managers: Vec<u32>,
    initiatives: Vec<Initiative>,
    last_event: Option<u32>,
    board_mix: LogicMix,
    gp_influence_now: Option<f64>,
    /// How far every logic has drifted toward the regime since month 0.
    drift: Drift,
    /// Mean starting network weight of each practice's GPs.
    practice_network_start: Vec<f64>,
    /// Mean starting logic of GPs, managers and providers together.
    mean_logic_start: LogicMix,
    // Scratch buffers, sized once.
    practical_leadership: Vec<f64>,
    informal_leadership: Vec<f64>,
    practice_network: Vec<f64>,
    visible: Vec<f64>,
    seen: Vec<f64>,
    seat_weights: Vec<f64>,
    peer_signal: Vec<f64>,
    members: Vec<Member>,
    scores: Vec<f64>,
    ranking: Vec<usize>,
    // Records.
    seats_filled: Vec<f32>,
    logic_mix: Vec<[f32; 3]>,
    trajectories: Vec<[f32; 4]>,
    influence_sum: f64,
    influence_months: u32,
    survey: Vec<SurveyWave>,
}

impl<'s> World<'s> {
    /// Draws a new area from the scenario with the population stream.
    pub fn new(s: &'s Scenario, rng: &mut ChaCha8Rng) -> Self {
        let area = population::draw(s, rng);
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
                let unit_teams: Vec<u32> = scope
                    .iter()
                    .flat_map(|&p| area.providers[p as usize].teams.clone())
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
                    ever_led: false,
                    mandate: 0.0,
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
                }
            })
            .collect();
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
        let n_initiatives = initiatives.len();
        let max_members = 3 + s.provider.len() + 1;
        let gp_seats = s.arenas.strategic.gp_seats as usize;
        World {
            s,
            dynamics: Dynamics {
                environment: s.environment.clone(),
                arenas: s.arenas.clone(),
                leadership: s.leadership.clone(),
            },
            uncertainty_base: s.environment.policy_uncertainty,
            gps: area.gps,
            practices: area.practices,
            managers: area.managers,
            providers: area.providers,
            teams: area.teams,
            council: area.council,
            adjacency: area.adjacency,
            practice_credibility,
            seats: vec![None; gp_seats],
            seat_since: vec![0; gp_seats],
            board_managers,
            initiatives,
            last_event: None,
            board_mix: [0.0; 3],
            gp_influence_now: None,
            drift: Drift::default(),
            practice_network_start,
            mean_logic_start,
            practical_leadership: vec![0.0; n_practices],
            informal_leadership: vec![0.0; n_practices],
            practice_network: vec![0.0; n_practices],
            visible: vec![0.0; n_practices],
            seen: vec![0.0; n_practices],
            seat_weights: vec![0.0; n_gps],
            peer_signal: vec![0.0; n_practices],
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

    /// One month, in the fixed order of MODEL.md §6.
    pub fn step(&mut self, month: u32, streams: &mut Streams) {
        self.environment(month);
        self.engagement(month, &mut streams.decisions);
        self.ideas(&mut streams.decisions);
        self.strategic_arena(month);
        self.programme_arena();
        self.practice_arena(month, &mut streams.units);
        self.feedback();
        self.record(month, &mut streams.survey);
    }

    // ---------------------------------------------------------------- 1. environment

    fn environment(&mut self, month: u32) {
        let s = self.s;
        for event in s.event.iter().filter(|e| e.month == month) {
            self.last_event = Some(month);
            for (path, value) in &event.set {
                match (self.dynamics.slot(path), value) {
                    (Some(Slot::Float(x)), toml::Value::Float(v)) => *x = *v,
                    (Some(Slot::Bool(x)), toml::Value::Boolean(v)) => *x = *v,
                    // Validation admits only these pairs.
                    _ => {}
                }
            }
            for (path, value) in &event.add {
                if let (Some(Slot::Float(x)), toml::Value::Float(v)) =
                    (self.dynamics.slot(path), value)
                {
                    *x = (*x + v).clamp(0.0, 1.0);
                }
            }
        }
        let env = &mut self.dynamics.environment;
        env.policy_uncertainty -=
            env.uncertainty_recovery * (env.policy_uncertainty - self.uncertainty_base);
        self.drift.toward(&env.regime.weights(), env.logic_drift);
    }

    // ---------------------------------------------------------------- 2. engagement

    fn engagement(&mut self, month: u32, rng: &mut ChaCha8Rng) {
        let g = &self.s.gp;
        let n_init = self.initiatives.len().max(1) as f64;
        self.visible.iter_mut().for_each(|v| *v = 0.0);
        for init in &self.initiatives {
            for (p, unit) in init.units[..self.practices.len()].iter().enumerate() {
                if unit.stage >= ADOPTED {
                    self.visible[p] += 1.0 / n_init;
                }
            }
        }
        // What a GP sees: adoption in its own practice and, on average, in its peers'.
        for (p, practice) in self.practices.iter().enumerate() {
            let peers = &self.adjacency[practice.peers.start as usize..practice.peers.end as usize];
            let near = if peers.is_empty() {
                0.0
            } else {
                peers.iter().map(|&q| self.visible[q as usize]).sum::<f64>() / peers.len() as f64
            };
            self.seen[p] = 0.5 * (self.visible[p] + near);
        }
        // The same push for every GP this month: uncertainty lowers willingness.
        let push = -g.uncertainty_effect * self.dynamics.environment.policy_uncertainty;
        let (recovery, visibility, burden) =
            (g.willingness_recovery, g.visibility_effect, g.role_burden);
        let stepdown = g.stepdown_threshold;
        let mut leaving = false;
        for gp in &mut self.gps {
            let seen = self.seen[gp.practice as usize];
            let holds_role = gp.role != Role::None;
            let change =
                recovery * (gp.willingness_base - gp.willingness) + push + visibility * seen
                    - gp.disillusion
                    - if holds_role { burden } else { 0.0 };
            gp.willingness = (gp.willingness + change).clamp(0.0, 1.0);
            gp.disillusion *= DISILLUSION_DECAY;
            leaving |= holds_role && gp.willingness < stepdown;
        }
        // Leaders who no longer want the role step down, in index order.
        if leaving {
            for i in 0..self.gps.len() {
                let gp = &self.gps[i];
                if gp.role != Role::None && gp.willingness < stepdown {
                    self.step_down(Leader::Gp(i as u32));
                }
            }
        }
        // Terms of office end; the seat is offered again, possibly to the same GP.
        let term = self.s.arenas.strategic.term_months;
        for k in 0..self.seats.len() {
            if let Some(i) = self.seats[k]
                && month.saturating_sub(self.seat_since[k]) >= term
            {
                self.seats[k] = None;
                self.gps[i as usize].role = Role::None;
            }
        }
        if self.dynamics.arenas.strategic.enabled
            && self.dynamics.leadership.clinical
            && self.seats.iter().any(Option::is_none)
        {
            self.offer_seats(month, rng);
        }
    }

    /// Offers each vacant seat to one GP drawn with weight willingness × strategic skill; the GP
    /// declines when its willingness is under the acceptance threshold (MODEL.md §3).
    fn offer_seats(&mut self, month: u32, rng: &mut ChaCha8Rng) {
        let mut total = self.cumulate_seat_weights();
        for seat in 0..self.seats.len() {
            if self.seats[seat].is_some() {
                continue;
            }
            let draw = rng.random::<f64>() * total;
            if total <= 0.0 {
                return;
            }
            // The first GP whose cumulative weight passes the draw; it has a positive weight.
            let i = self.seat_weights.partition_point(|&c| c <= draw);
            if i >= self.gps.len() {
                continue;
            }
            if self.gps[i].willingness >= self.s.gp.accept_threshold {
                let weight = self.gps[i].willingness * self.gps[i].strategic;
                self.seats[seat] = Some(i as u32);
                self.seat_since[seat] = month;
                self.gps[i].role = Role::Board;
                total -= weight;
                self.cumulate_seat_weights();
            }
        }
    }

    /// Fills `seat_weights` with the cumulative offer weights (willingness × strategic skill of
    /// GPs without a role) and returns their sum.
    fn cumulate_seat_weights(&mut self) -> f64 {
        let mut total = 0.0;
        for (c, gp) in self.seat_weights.iter_mut().zip(&self.gps) {
            if gp.role == Role::None {
                total += gp.willingness * gp.strategic;
            }
            *c = total;
        }
        total
    }

    fn step_down(&mut self, who: Leader) {
        if let Leader::Gp(i) = who {
            for seat in &mut self.seats {
                if *seat == Some(i) {
                    *seat = None;
                }
            }
            self.gps[i as usize].role = Role::None;
        }
        for init in &mut self.initiatives {
            if init.lead == Some(who) {
                init.lead = None;
            }
        }
    }

    // ---------------------------------------------------------------- 3. ideas

    /// An initiative with no lead is taken up with one monthly hazard, whatever the number of
    /// enabled arenas (a hazard per arena would favour cells with more arenas). The lead comes
    /// from the origin arena when it is enabled and has a candidate, otherwise from another
    /// enabled arena (MODEL.md §6.3).
    fn ideas(&mut self, rng: &mut ChaCha8Rng) {
        let enabled = [
            self.dynamics.arenas.strategic.enabled,
            self.dynamics.arenas.programme.enabled,
            self.dynamics.arenas.practice.enabled,
        ];
        let idea_rate = self.dynamics.leadership.idea_rate;
        for k in 0..self.initiatives.len() {
            let u_idea = rng.random::<f64>();
            let u_order = rng.random::<f64>();
            let u_pick = rng.random::<f64>();
            if self.initiatives[k].lead.is_some() || u_idea >= idea_rate {
                continue;
            }
            let origin = self.initiatives[k].origin;
            // Origin first, then the other two in an order drawn by chance.
            let others = [(origin + 1) % 3, (origin + 2) % 3];
            let others = if u_order < 0.5 {
                others
            } else {
                [others[1], others[0]]
            };
            for arena in [origin, others[0], others[1]] {
                if !enabled[arena] {
                    continue;
                }
                let count = self.candidates(arena, None);
                if count > 0 {
                    let pick = ((u_pick * count as f64) as usize).min(count - 1);
                    if let Some(lead) = self.candidates_nth(arena, pick) {
                        let init = &mut self.initiatives[k];
                        init.lead = Some(lead);
                        init.ever_led = true;
                        match lead {
                            Leader::Gp(i) => {
                                let gp = &mut self.gps[i as usize];
                                if gp.role == Role::None {
                                    gp.role = Role::Lead;
                                }
                            }
                            Leader::Manager(i) => {
                                let m = &mut self.managers[i as usize];
                                if m.role == Role::None {
                                    m.role = Role::Lead;
                                }
                            }
                        }
                    }
                    break;
                }
            }
        }
    }

    fn candidates_nth(&self, arena: usize, n: usize) -> Option<Leader> {
        let mut found = None;
        self.candidates(arena, Some((n, &mut found)));
        found
    }

    /// Counts the possible leads an arena offers (and, with `nth`, finds the n-th) without
    /// collecting them: board members for the strategic arena, willing GPs and free managers
    /// for programme boards, credible willing GPs for the practice arena.
    fn candidates(&self, arena: usize, mut nth: Option<(usize, &mut Option<Leader>)>) -> usize {
        let clinical = self.dynamics.leadership.clinical;
        let managerial = self.dynamics.leadership.managerial;
        let accept = self.s.gp.accept_threshold;
        let mut count = 0;
        let mut take = |who: Leader, count: &mut usize| {
            if let Some((n, slot)) = nth.as_mut()
                && *count == *n
            {
                **slot = Some(who);
            }
            *count += 1;
        };
        match arena {
            0 => {
                if clinical {
                    for i in self.seats.iter().flatten() {
                        take(Leader::Gp(*i), &mut count);
                    }
                }
                if managerial {
                    for &i in &self.board_managers {
                        take(Leader::Manager(i), &mut count);
                    }
                }
            }
            1 => {
                if clinical {
                    for (i, gp) in self.gps.iter().enumerate() {
                        if gp.role == Role::None && gp.willingness >= accept {
                            take(Leader::Gp(i as u32), &mut count);
                        }
                    }
                }
                if managerial {
                    for (i, m) in self.managers.iter().enumerate() {
                        if m.role == Role::None {
                            take(Leader::Manager(i as u32), &mut count);
                        }
                    }
                }
            }
            _ => {
                if clinical {
                    let informal = self.s.gp.informal_credibility;
                    // Informal leaders need less willingness than formal ones: no role to accept.
                    let threshold = accept - 0.1;
                    for (i, gp) in self.gps.iter().enumerate() {
                        if gp.role == Role::None
                            && gp.credibility >= informal
                            && gp.willingness >= threshold
                        {
                            take(Leader::Gp(i as u32), &mut count);
                        }
                    }
                }
            }
        }
        count
    }

    // ---------------------------------------------------------------- 4. strategic arena

    fn strategic_arena(&mut self, month: u32) {
        let st = &self.dynamics.arenas.strategic;
        let clinical = self.dynamics.leadership.clinical;
        let managerial = self.dynamics.leadership.managerial;
        let pressure = self.dynamics.environment.central_pressure;
        self.gp_influence_now = None;
        if !st.enabled {
            self.board_mix = [0.0; 3];
            for init in &mut self.initiatives {
                init.attention = false;
            }
            self.decay_mandate();
            return;
        }
        // A member's influence grows with strategic skill and with the alliance (MODEL.md §3).
        let influence = |strategic: f64, alliance: f64| 0.3 + strategic * (1.0 + alliance);
        // GPs also carry the clinical legitimacy on which CCGs were founded (MODEL.md §3).
        let legitimacy = st.clinical_legitimacy;
        let mut mix = [0.0; 3];
        let mut total = 0.0;
        let mut capacity = 0.0;
        let mut agent_influence = 0.0;
        let mut gp_influence = 0.0;
        let mut manager_influence = 0.0;
        let gp_members = if clinical {
            self.seats.iter().flatten().count()
        } else {
            0
        };
        let manager_members = if managerial {
            self.board_managers.len()
        } else {
            0
        };
        for &i in self.seats.iter().flatten().filter(|_| clinical) {
            let gp = &self.gps[i as usize];
            let w = influence(gp.strategic, gp.alliance) + legitimacy;
            add_mix(&mut mix, &self.drift.apply(&gp.logic), w);
            total += w;
            capacity += w * gp.strategic;
            agent_influence += w;
            gp_influence += w;
        }
        for &i in self.board_managers.iter().filter(|_| managerial) {
            let m = &self.managers[i as usize];
            let w = influence(m.strategic, m.alliance);
            add_mix(&mut mix, &self.drift.apply(&m.logic), w);
            total += w;
            capacity += w * m.strategic;
            agent_influence += w;
            manager_influence += w;
        }
        let lay = st.lay_seats as f64 * LAY_INFLUENCE;
        add_mix(&mut mix, &LAY_LOGIC, lay);
        let council = st.council_seats as f64 * COUNCIL_INFLUENCE;
        add_mix(&mut mix, &self.drift.apply(&self.council.logic), council);
        total += lay + council;
        if total > 0.0 {
            mix.iter_mut().for_each(|x| *x /= total);
        }
        self.board_mix = mix;
        let capacity = if agent_influence > 0.0 {
            capacity / agent_influence
        } else {
            LAY_CAPACITY
        };
        if gp_influence + manager_influence > 0.0 {
            let share = gp_influence / (gp_influence + manager_influence);
            self.gp_influence_now = Some(share);
            self.influence_sum += share;
            self.influence_months += 1;
        }
        // Joint board work grows the clinician-manager alliance.
        if gp_members > 0 && manager_members > 0 {
            let g = st.alliance_growth;
            for &i in self.seats.iter().flatten() {
                let a = &mut self.gps[i as usize].alliance;
                *a += g * (1.0 - *a);
            }
            for &i in &self.board_managers {
                let a = &mut self.managers[i as usize].alliance;
                *a += g * (1.0 - *a);
            }
        }

        // Influence-weighted preference of members for each initiative taken up.
        for k in 0..self.initiatives.len() {
            let init = &self.initiatives[k];
            if !init.ever_led {
                self.scores[k] = -1.0;
                continue;
            }
            let base = 1.0 + init.adoption;
            let national = |logic: &LogicMix| {
                if init.national {
                    st.national_pull * pressure * logic[HIERARCHY]
                } else {
                    0.0
                }
            };
            let mut score = 0.0;
            for &i in self.seats.iter().flatten().filter(|_| clinical) {
                let gp = &self.gps[i as usize];
                let mut pref = base + national(&self.drift.apply(&gp.logic));
                if !init.national {
                    pref += st.gp_local_preference;
                }
                if init.lead == Some(Leader::Gp(i)) {
                    pref += 1.0;
                }
                score += (influence(gp.strategic, gp.alliance) + legitimacy) * pref;
            }
            for &i in self.board_managers.iter().filter(|_| managerial) {
                let m = &self.managers[i as usize];
                let mut pref = base + national(&self.drift.apply(&m.logic));
                if init.lead == Some(Leader::Manager(i)) {
                    pref += 1.0;
                }
                score += influence(m.strategic, m.alliance) * pref;
            }
            score += lay * (base + national(&LAY_LOGIC));
            score += council * (base + national(&self.drift.apply(&self.council.logic)));
            self.scores[k] = score;
        }
        // Rank by score, ties by scenario order; the board attends to the top `attention`.
        for (k, r) in self.ranking.iter_mut().enumerate() {
            *r = k;
        }
        let scores = &self.scores;
        self.ranking
            .sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let attended = (st.attention as usize).min(self.ranking.len());
        let top_total: f64 = self.ranking[..attended]
            .iter()
            .map(|&k| self.scores[k].max(0.0))
            .sum();
        let after_event = self
            .last_event
            .is_some_and(|e| month - e <= thresholds::DISPLACEMENT_WINDOW);
        for (rank, &k) in self.ranking.iter().enumerate() {
            let init = &mut self.initiatives[k];
            let was = init.attention;
            init.attention = rank < attended && self.scores[k] > 0.0;
            if was && !init.attention && after_event {
                init.displaced_by_event = true;
            }
            if init.attention && top_total > 0.0 {
                let share = attended as f64 * self.scores[k] / top_total;
                init.mandate += st.mandate_rate
                    * share
                    * (0.5 + mix[HIERARCHY])
                    * (0.5 + capacity)
                    * (1.0 - init.mandate);
                init.mandate = init.mandate.min(1.0);
            }
        }
        self.decay_mandate();
    }

    /// Mandate decays unless renewed; adoption evidence renews it (MODEL.md §3).
    fn decay_mandate(&mut self) {
        let st = &self.dynamics.arenas.strategic;
        for init in &mut self.initiatives {
            init.mandate *= 1.0 - st.mandate_decay * (1.0 - st.evidence_renewal * init.adoption);
        }
    }

    // ---------------------------------------------------------------- 5. programme boards

    fn programme_arena(&mut self) {
        let pr = &self.dynamics.arenas.programme;
        let managerial = self.dynamics.leadership.managerial;
        let env = &self.dynamics.environment;
        let months_done = self.seats_filled.len();
        let n_init = self.initiatives.len();
        for k in 0..n_init {
            self.initiatives[k].contract_hazard = 0.0;
            let Some(lead) = self.initiatives[k].lead else {
                continue;
            };
            if !pr.enabled {
                continue;
            }
            let init = &self.initiatives[k];
            self.members.clear();
            let mut best = [0.0f64; 3];
            let mut has_gp = false;
            let mut has_manager = false;
            let mut loyalty = 0.0;
            let mut gps_on_board = 0.0;
            let mut add_human = |members: &mut Vec<Member>,
                                 logic: LogicMix,
                                 skills: [f64; 3],
                                 effort: f64,
                                 is_lead: bool| {
                for (b, s) in best.iter_mut().zip(skills) {
                    *b = b.max(s);
                }
                members.push(Member {
                    logic,
                    influence: if is_lead { 1.5 } else { 1.0 } * (0.5 + skills[0]),
                    effort,
                });
            };
            match lead {
                Leader::Gp(i) => {
                    let gp = &self.gps[i as usize];
                    add_human(
                        &mut self.members,
                        self.drift.apply(&gp.logic),
                        [gp.strategic, gp.mediation, gp.practical],
                        gp.willingness,
                        true,
                    );
                    has_gp = true;
                    loyalty += gp.loyalty;
                    gps_on_board += 1.0;
                }
                Leader::Manager(i) => {
                    let m = &self.managers[i as usize];
                    add_human(
                        &mut self.members,
                        self.drift.apply(&m.logic),
                        [m.strategic, m.mediation, m.practical],
                        self.s.manager.effort,
                        true,
                    );
                    has_manager = true;
                }
            }
            if managerial {
                for &mi in init.managers.iter().flatten() {
                    if lead == Leader::Manager(mi) {
                        continue;
                    }
                    let m = &self.managers[mi as usize];
                    add_human(
                        &mut self.members,
                        self.drift.apply(&m.logic),
                        [m.strategic, m.mediation, m.practical],
                        self.s.manager.effort,
                        false,
                    );
                    has_manager = true;
                }
            }
            let mut threat = 0.0;
            for &p in &init.scope {
                let p = &self.providers[p as usize];
                self.members.push(Member {
                    logic: self.drift.apply(&p.logic),
                    influence: PROVIDER_BOARD_INFLUENCE,
                    effort: 0.5 * (1.0 - p.defensiveness),
                });
                threat += p.defensiveness * (1.0 - p.trust);
            }
            if init.council {
                self.members.push(Member {
                    logic: self.drift.apply(&self.council.logic),
                    influence: COUNCIL_BOARD_INFLUENCE,
                    effort: self.council.appetite,
                });
            }
            let mut mix = [0.0; 3];
            let mut total = 0.0;
            let mut effort = 0.0;
            for m in &self.members {
                add_mix(&mut mix, &m.logic, m.influence);
                total += m.influence;
                effort += m.effort;
            }
            mix.iter_mut().for_each(|x| *x /= total);
            effort /= self.members.len() as f64;
            // GPs' loyalty to local providers damps the use of market levers (MODEL.md §9.3).
            if gps_on_board > 0.0 {
                mix[MARKET] *= 1.0 - pr.loyalty_damping * loyalty / gps_on_board;
                let sum: f64 = mix.iter().sum();
                mix.iter_mut().for_each(|x| *x /= sum);
            }
            let mode = (0..3)
                .max_by(|&a, &b| mix[a].total_cmp(&mix[b]).then(b.cmp(&a)))
                .unwrap_or(NETWORK);
            let threat = if init.scope.is_empty() {
                0.0
            } else {
                threat / init.scope.len() as f64 * (0.5 + mix[MARKET])
            };
            let conflict = conflict(
                divergence(&self.members),
                threat,
                best[1],
                pr.mediation_effect,
            );
            // Skill mix: complementary skills are worth most together (geometric mean).
            let skill = (best[0] * best[1] * best[2]).cbrt();
            let speed = 1.0 + pr.market_speed * mix[MARKET] - pr.network_slowness * mix[NETWORK];
            let init = &mut self.initiatives[k];
            let floor = pr.mandate_floor;
            init.design += pr.design_rate
                * effort
                * (0.5 + skill)
                * (floor + (1.0 - floor) * init.mandate)
                * speed.max(0.0)
                * (1.0 - init.design)
                / (1.0 + pr.conflict_weight * conflict)
                / (0.5 + init.complexity);
            init.design = init.design.clamp(0.0, 1.0);
            init.episodes[mode] += 1;
            // Stalled adoption reopens part of the design for another round.
            if init.design > REOPEN_DESIGN && months_done >= STALL_MONTHS {
                let then = self.trajectories[(months_done - STALL_MONTHS) * n_init + k][2] as f64;
                if init.adoption - then < STALL_RISE && init.routinised < self.s.success.threshold {
                    init.design *= 1.0 - pr.reopen_share;
                    init.rounds += 1;
                    if let Leader::Gp(i) = lead {
                        self.gps[i as usize].disillusion += self.s.gp.disillusion;
                    }
                }
            }
            let design = init.design;
            init.contract_hazard =
                pr.contract_strength * pr.contract_rate * design * (0.3 + mix[MARKET]);
            for &p in &init.scope {
                let p = &mut self.providers[p as usize];
                match mode {
                    MARKET => {
                        p.trust = (p.trust - env.market_trust_loss).max(0.0);
                        p.defensiveness =
                            (p.defensiveness + env.market_defensiveness_gain).min(1.0);
                        p.viability -= env.market_viability_loss * (1.0 + design);
                    }
                    NETWORK => {
                        p.trust = (p.trust + env.network_trust_gain).min(1.0);
                        p.defensiveness =
                            (p.defensiveness - env.network_defensiveness_loss).max(0.0);
                    }
                    _ => {}
                }
            }
            // Joint work of clinicians and managers grows their alliance.
            if has_gp && has_manager {
                let g = pr.alliance_growth;
                let lead_gp = match lead {
                    Leader::Gp(i) => Some(i),
                    Leader::Manager(_) => None,
                };
                if let Some(i) = lead_gp {
                    let a = &mut self.gps[i as usize].alliance;
                    *a += g * (1.0 - *a);
                }
                for &mi in init.managers.iter().flatten() {
                    let a = &mut self.managers[mi as usize].alliance;
                    *a += g * (1.0 - *a);
                }
            }
        }
    }

    // ---------------------------------------------------------------- 6. practice arena

    fn practice_arena(&mut self, month: u32, rng: &mut ChaCha8Rng) {
        let pa = &self.dynamics.arenas.practice;
        let st = &self.dynamics.arenas.strategic;
        let practice_on = pa.enabled;
        let clinical = self.dynamics.leadership.clinical;
        let informal_min = self.s.gp.informal_credibility;
        // Practical and informal leadership at each practice, from its GPs this month.
        for (p, practice) in self.practices.iter().enumerate() {
            let gps = &self.gps[practice.gps.start as usize..practice.gps.end as usize];
            let mut practical = 0.0f64;
            let mut informal = 0.0f64;
            for gp in gps {
                practical = practical.max(gp.practical * gp.willingness);
                if gp.credibility >= informal_min {
                    informal = informal.max(gp.credibility * gp.willingness);
                }
            }
            let leading = practice_on && clinical;
            self.practical_leadership[p] = if leading { practical } else { 0.0 };
            self.informal_leadership[p] = if leading { informal } else { 0.0 };
            self.practice_network[p] =
                self.drift.scale * self.practice_network_start[p] + self.drift.shift[NETWORK];
        }
        let pressure = self.dynamics.environment.central_pressure;
        let hierarchy = self.board_mix[HIERARCHY];
        let n_practices = self.practices.len();
        let all_defensiveness = if self.providers.is_empty() {
            0.0
        } else {
            self.providers.iter().map(|p| p.defensiveness).sum::<f64>()
                / self.providers.len() as f64
        };
        let threshold = self.s.success.threshold;
        let sustain = self.s.success.sustain_months;
        let routinisation = self.s.arenas.practice.routinisation_months;
        let leadership_credibility = if clinical { 1.0 } else { 0.0 };
        for k in 0..self.initiatives.len() {
            let init = &mut self.initiatives[k];
            let (m, d) = (init.mandate, init.design);
            // Practices feel the established interests of the providers in scope, or of all.
            let scope_defensiveness = if init.scope.is_empty() {
                all_defensiveness
            } else {
                init.scope
                    .iter()
                    .map(|&p| self.providers[p as usize].defensiveness)
                    .sum::<f64>()
                    / init.scope.len() as f64
            };
            let directive = if st.enabled && init.attention {
                st.directive_strength
                    * st.directive_rate
                    * m
                    * (0.5 + hierarchy)
                    * (1.0 + if init.national { pressure } else { 0.0 })
            } else {
                0.0
            };
            let contract = init.contract_hazard;
            // Each adopted practice sends a peer signal weighted by its credibility; units read
            // last month's signals, so the order in which units are visited does not matter.
            for (p, signal) in self.peer_signal.iter_mut().enumerate() {
                *signal = if init.units[p].stage >= ADOPTED {
                    (0.5 + leadership_credibility * self.practice_credibility[p]) / 1.5
                } else {
                    0.0
                };
            }
            let rules = UnitRules {
                practice_on,
                ever_led: init.ever_led,
                mandate: m,
                design: d,
                pull: pa.pull_rate * (d + m),
                floor: pa.leadership_floor,
                peer_rate: pa.peer_rate,
                grassroots: pa.grassroots_adoption * pa.grassroots_rate,
                directive,
                trial_confirm: pa.trial_confirm,
                routinisation,
                practice: pa,
            };
            let mut counts = [0usize; 2];
            let (practice_units, team_units) = init.units.split_at_mut(n_practices);
            let practice_contract = self.s.arenas.programme.contract_practice_reach * contract;
            for (p, unit) in practice_units.iter_mut().enumerate() {
                let peers = &self.practices[p].peers;
                let peers = &self.adjacency[peers.start as usize..peers.end as usize];
                rules.advance(
                    unit,
                    rng.random::<u64>(),
                    UnitPlace {
                        leadership: self.practical_leadership[p],
                        informal: self.informal_leadership[p],
                        network: self.practice_network[p],
                        peers,
                        signal: &self.peer_signal,
                        contract: practice_contract,
                        defensiveness: scope_defensiveness,
                    },
                    &mut counts,
                );
            }
            let on = if practice_on { 1.0 } else { 0.0 };
            for (unit, &t) in team_units.iter_mut().zip(&init.unit_teams) {
                let team = &self.teams[t as usize];
                let provider = &self.providers[team.provider as usize];
                let peers = &self.adjacency[team.peers.start as usize..team.peers.end as usize];
                rules.advance(
                    unit,
                    rng.random::<u64>(),
                    UnitPlace {
                        leadership: on * team.practical,
                        informal: on * team.informal,
                        network: self.drift.apply(&provider.logic)[NETWORK],
                        peers,
                        signal: &self.peer_signal,
                        contract,
                        defensiveness: provider.defensiveness,
                    },
                    &mut counts,
                );
            }
            let [adopted, routinised] = counts;
            let n = init.units.len().max(1) as f64;
            init.adoption = adopted as f64 / n;
            init.routinised = routinised as f64 / n;
            if init.success_month.is_none() {
                init.run = if init.routinised >= threshold {
                    init.run + 1
                } else {
                    0
                };
                if init.run >= sustain {
                    init.success_month = Some(month);
                }
            }
            // A GP lead whose initiative shows nothing for a year grows disillusioned.
            let months_done = self.seats_filled.len();
            if let Some(Leader::Gp(i)) = init.lead
                && months_done >= 12
            {
                let then = self.trajectories[(months_done - 12) * self.scores.len() + k][2] as f64;
                if init.adoption - then < 0.01 {
                    self.gps[i as usize].disillusion += self.s.gp.disillusion * 0.2;
                }
            }
        }
    }

    // ---------------------------------------------------------------- 7. feedback

    fn feedback(&mut self) {
        let env = &self.dynamics.environment;
        for p in &mut self.providers {
            p.viability += env.viability_recovery * (p.viability_base - p.viability);
            if p.viability < env.destabilised_below {
                p.destabilised = true;
            }
        }
    }

    // ---------------------------------------------------------------- 8. record

    fn record(&mut self, month: u32, rng: &mut ChaCha8Rng) {
        let filled = self.seats.iter().flatten().count();
        self.seats_filled.push(if self.seats.is_empty() {
            0.0
        } else {
            filled as f32 / self.seats.len() as f32
        });
        let mix = self.drift.apply(&self.mean_logic_start);
        self.logic_mix
            .push([mix[0] as f32, mix[1] as f32, mix[2] as f32]);
        for init in &mut self.initiatives {
            self.trajectories.push([
                init.mandate as f32,
                init.design as f32,
                init.adoption as f32,
                init.routinised as f32,
            ]);
            init.peak[0] = init.peak[0].max(init.mandate);
            init.peak[1] = init.peak[1].max(init.design);
            if init.mature_design_month.is_none() && init.design >= thresholds::DESIGN_MATURE {
                init.mature_design_month = Some(month + 1);
            }
            init.peak[2] = init.peak[2].max(init.adoption);
        }
        if self.s.survey.months.contains(&month) {
            self.ask_survey(month, rng);
        }
    }

    /// The virtual survey: each governing-body member and each GP answers from its own state
    /// with perception noise (MODEL.md §7).
    fn ask_survey(&mut self, month: u32, rng: &mut ChaCha8Rng) {
        let sv = &self.s.survey;
        let pressure = self.dynamics.environment.central_pressure;
        let total_mandate: f64 = self.initiatives.iter().map(|i| i.mandate).sum();
        let national_share = if total_mandate > 0.0 {
            self.initiatives
                .iter()
                .filter(|i| i.national)
                .map(|i| i.mandate)
                .sum::<f64>()
                / total_mandate
        } else {
            0.0
        };
        let gp_share = self.gp_influence_now.unwrap_or(0.5);
        let mut wave = SurveyWave {
            month,
            ..Default::default()
        };
        let mut ask_member = |logic: &LogicMix, alliance: f64, rng: &mut ChaCha8Rng| {
            let noise = |rng: &mut ChaCha8Rng| sv.noise * rng.sample::<f64, _>(StandardNormal);
            wave.members += 1;
            let centre = pressure * (0.5 + logic[HIERARCHY]) + 0.3 * national_share + noise(rng);
            if centre > sv.centre_high_above {
                wave.centre_high += 1;
            }
            if gp_share + noise(rng) > 0.5 {
                wave.gps_main += 1;
            } else {
                wave.managers_main += 1;
            }
            // Members who have built an alliance with the other profession through joint work
            // see the vision as set by both (MODEL.md §7), whatever the count of seats.
            if alliance + noise(rng) > sv.shared_vision_above {
                wave.vision_equal += 1;
            }
        };
        if self.dynamics.arenas.strategic.enabled {
            if self.dynamics.leadership.clinical {
                for &i in self.seats.iter().flatten() {
                    let gp = &self.gps[i as usize];
                    ask_member(&self.drift.apply(&gp.logic), gp.alliance, rng);
                }
            }
            if self.dynamics.leadership.managerial {
                for &i in &self.board_managers {
                    let m = &self.managers[i as usize];
                    ask_member(&self.drift.apply(&m.logic), m.alliance, rng);
                }
            }
        }
        for gp in &self.gps {
            let noise = GP_SURVEY_NOISE * rng.sample::<f64, _>(StandardNormal);
            if gp.role == Role::None {
                wave.gp_no_role += 1;
                if gp.willingness + noise > sv.can_influence_above {
                    wave.gp_no_role_can += 1;
                }
            } else {
                wave.gp_formal += 1;
                if gp.willingness + sv.formal_role_bonus + noise > sv.can_influence_above {
                    wave.gp_formal_can += 1;
                }
                if gp.willingness > sv.engaged_above {
                    wave.gp_formal_engaged += 1;
                }
            }
        }
        self.survey.push(wave);
    }

    /// The replication's outcome, from the records.
    fn finish(self) -> ReplicationOutcome {
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

/// What every unit of one initiative shares this month.
struct UnitRules<'a> {
    practice_on: bool,
    ever_led: bool,
    mandate: f64,
    design: f64,
    /// `pull_rate · (D + M)`.
    pull: f64,
    floor: f64,
    peer_rate: f64,
    /// `grassroots_adoption · grassroots_rate`.
    grassroots: f64,
    directive: f64,
    trial_confirm: f64,
    routinisation: u32,
    practice: &'a crate::scenario::Practice,
}

/// What is particular to one unit: its leaders, logic, peers, contract reach and the
/// defensiveness it feels.
struct UnitPlace<'a> {
    leadership: f64,
    informal: f64,
    network: f64,
    peers: &'a [u32],
    signal: &'a [f64],
    contract: f64,
    defensiveness: f64,
}

impl UnitRules<'_> {
    /// One month at one unit: adoption when it has not adopted (routes add, MODEL.md §5),
    /// otherwise confirmation, routinisation and reversion. `bits` is the unit's one draw of the
    /// month, split into two uniforms (32 bits each are ample for monthly hazards).
    /// `counts` gathers [adopted or routinised, routinised].
    #[inline(always)]
    fn advance(&self, unit: &mut Unit, bits: u64, at: UnitPlace<'_>, counts: &mut [usize; 2]) {
        let u_move = (bits >> 32) as f64 * UNIT_SCALE;
        let u_other = (bits & 0xFFFF_FFFF) as f64 * UNIT_SCALE;
        if unit.stage == NONE {
            if !self.ever_led {
                return;
            }
            let voluntary = if self.practice_on {
                let peer = if at.peers.is_empty() {
                    0.0
                } else {
                    at.peers.iter().map(|&q| at.signal[q as usize]).sum::<f64>()
                        / at.peers.len() as f64
                };
                self.pull * (self.floor + (1.0 - self.floor) * at.leadership)
                    + self.peer_rate * peer * (0.5 + at.network)
                    + self.grassroots * at.informal
            } else {
                0.0
            };
            let compulsory = self.directive + at.contract;
            let hazard = voluntary + compulsory;
            // 1 - exp(-h) <= h, so a draw at or above h cannot adopt: skip the exp.
            if u_move < hazard && u_move < -(-hazard).exp_m1() {
                unit.stage = TRIAL;
                unit.months = 0;
                unit.by_compliance = u_other * hazard < compulsory;
            }
            return;
        }
        unit.months = unit.months.saturating_add(1);
        if unit.stage == TRIAL && u_move < self.trial_confirm {
            unit.stage = ADOPTED;
            unit.months = 0;
        } else if unit.stage == ADOPTED && unit.months as u32 >= self.routinisation {
            unit.stage = ROUTINISED;
        }
        let reversion = reversion_hazard(
            self.practice,
            self.mandate,
            self.design,
            at.leadership,
            at.defensiveness,
            unit,
        );
        if u_other < reversion {
            *unit = Unit::default();
        }
        counts[0] += (unit.stage >= ADOPTED) as usize;
        counts[1] += (unit.stage == ROUTINISED) as usize;
    }
}

/// Divergence of a board's logics: one minus the mean pairwise cosine similarity of its members'
/// logic mixes (0 when everyone thinks alike).
fn divergence(members: &[Member]) -> f64 {
    let n = members.len();
    if n < 2 {
        return 0.0;
    }
    let mut sum = 0.0;
    for a in 0..n {
        for b in a + 1..n {
            sum += similarity(&members[a].logic, &members[b].logic);
        }
    }
    1.0 - sum / (n * (n - 1) / 2) as f64
}

/// Conflict on a programme board: competing logics plus the threat the design poses to
/// providers, of which the board's best mediator pays down a share (MODEL.md §3).
fn conflict(divergence: f64, threat: f64, best_mediation: f64, mediation_effect: f64) -> f64 {
    (divergence + threat) * (1.0 - mediation_effect * best_mediation)
}

/// Monthly reversion hazard of an adopted or trialling unit under sedimentation: established
/// interests (defensiveness) pull it back unless mandate, design and practical leadership support
/// it; this support is where the arenas reinforce each other (MODEL.md §5).
fn reversion_hazard(
    pa: &crate::scenario::Practice,
    mandate: f64,
    design: f64,
    leadership: f64,
    defensiveness: f64,
    unit: &Unit,
) -> f64 {
    let support = (pa.support_mandate * mandate
        + pa.support_design * design
        + pa.support_leadership * leadership)
        .min(pa.support_cap);
    let mut hazard =
        pa.reversion_rate * pa.reversion_base * (0.3 + defensiveness) * (1.0 - support);
    if unit.stage == ROUTINISED {
        hazard *= pa.routinised_reversion;
    }
    if unit.by_compliance {
        // Compliance without commitment: it reverts as the mandate behind it fades.
        hazard *= 1.0 + pa.compliance_penalty * (1.0 - mandate);
    }
    hazard
}

fn add_mix(mix: &mut LogicMix, logic: &LogicMix, weight: f64) {
    for k in 0..3 {
        mix[k] += weight * logic[k];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner;
    use crate::scenario::{Override, load_str};
    use std::path::Path;

    fn scenario(overrides: &[&str]) -> Scenario {
        let o: Vec<Override> = overrides
            .iter()
            .map(|s| Override::parse(s).unwrap())
            .collect();
        load_str("", Path::new("t.toml"))
            .unwrap()
            .resolve(&o)
            .unwrap()
    }

    fn member(logic: LogicMix) -> Member {
        Member {
            logic,
            influence: 1.0,
            effort: 0.5,
        }
    }

    #[test]
    fn more_divergent_logics_give_more_conflict_and_a_better_mediator_less() {
        let alike = [member([0.1, 0.2, 0.7]), member([0.1, 0.25, 0.65])];
        let apart = [member([0.8, 0.1, 0.1]), member([0.05, 0.15, 0.8])];
        assert!(divergence(&apart) > divergence(&alike));
        let c_alike = conflict(divergence(&alike), 0.1, 0.5, 0.7);
        let c_apart = conflict(divergence(&apart), 0.1, 0.5, 0.7);
        assert!(c_apart > c_alike);
        assert!(conflict(0.4, 0.1, 0.9, 0.7) < conflict(0.4, 0.1, 0.2, 0.7));
        assert_eq!(divergence(&alike[..1]), 0.0);
    }

    #[test]
    fn higher_defensiveness_gives_more_reversion_and_support_less() {
        let pa = Scenario::default().arenas.practice;
        let unit = Unit {
            stage: ADOPTED,
            months: 3,
            by_compliance: false,
        };
        let low = reversion_hazard(&pa, 0.2, 0.2, 0.2, 0.2, &unit);
        let high = reversion_hazard(&pa, 0.2, 0.2, 0.2, 0.8, &unit);
        assert!(high > low);
        assert!(reversion_hazard(&pa, 0.9, 0.9, 0.9, 0.8, &unit) < high);
        let routinised = Unit {
            stage: ROUTINISED,
            ..unit
        };
        assert!(reversion_hazard(&pa, 0.2, 0.2, 0.2, 0.8, &routinised) < high);
        let complied = Unit {
            by_compliance: true,
            ..unit
        };
        assert!(reversion_hazard(&pa, 0.2, 0.2, 0.2, 0.8, &complied) > high);
        let mut off = pa.clone();
        off.reversion_rate = 0.0;
        assert_eq!(reversion_hazard(&off, 0.0, 0.0, 0.0, 1.0, &unit), 0.0);
    }

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

    #[test]
    fn policy_uncertainty_lowers_willingness_and_raises_vacancies() {
        let run = |u: &str| {
            let s = scenario(&[&format!("environment.policy_uncertainty={u}"), "event=[]"]);
            let mut seats = 0.0;
            let mut can = 0.0;
            for i in 0..30 {
                let o = runner::replication(&s, 0, i);
                seats += o.gp_seats_filled_share;
                let last = o.survey.last().unwrap();
                can += last.gp_no_role_can as f64 / last.gp_no_role.max(1) as f64;
            }
            (seats, can)
        };
        let (calm_seats, calm_can) = run("0.1");
        let (turbulent_seats, turbulent_can) = run("0.8");
        assert!(
            turbulent_seats < calm_seats,
            "{turbulent_seats} !< {calm_seats}"
        );
        assert!(turbulent_can < calm_can, "{turbulent_can} !< {calm_can}");
    }

    #[test]
    fn a_market_move_lowers_provider_trust_and_raises_defensiveness() {
        // A board whose every member thinks in market terms works in market mode.
        let s = scenario(&[
            "gp.logic.market=1",
            "gp.logic.hierarchy=0",
            "gp.logic.network=0",
            "gp.loyalty.mean=0.01",
            "gp.loyalty.sd=0",
            "manager.logic.market=1",
            "manager.logic.hierarchy=0",
            "manager.logic.network=0",
            "environment.regime.market=1",
            "environment.regime.hierarchy=0",
            "environment.regime.network=0",
            "event=[]",
        ]);
        let mut streams = runner::streams(1, 0, 0, false);
        let mut world = World::new(&s, &mut streams.population);
        for p in &mut world.providers {
            p.logic = [1.0, 0.0, 0.0];
        }
        world.council.logic = [1.0, 0.0, 0.0];
        let before: Vec<(f64, f64)> = world
            .providers
            .iter()
            .map(|p| (p.trust, p.defensiveness))
            .collect();
        let mut month = 0;
        while world.initiatives.iter().all(|i| i.episodes[MARKET] == 0) && month < 60 {
            world.step(month, &mut streams);
            month += 1;
        }
        let init = world
            .initiatives
            .iter()
            .find(|i| i.episodes[MARKET] > 0)
            .expect("a board worked in market mode");
        for &p in &init.scope {
            let (trust, defensiveness) = before[p as usize];
            assert!(world.providers[p as usize].trust < trust);
            assert!(world.providers[p as usize].defensiveness > defensiveness);
        }
    }

    #[test]
    fn trajectories_are_shares_and_cover_every_month() {
        let s = scenario(&[]);
        for i in 0..10 {
            let o = runner::replication(&s, 0, i);
            assert_eq!(o.initiatives.len(), s.initiative.len());
            assert_eq!(
                o.trajectories.len(),
                s.initiative.len() * s.simulation.months as usize
            );
            for v in o.trajectories.iter().flatten() {
                assert!((0.0..=1.0).contains(v));
            }
        }
    }
}
