//! Scenarios: the TOML schema with a default for every key, loading with `extends` and `--set`,
//! and validation into a [`Scenario`] that the model can run without further checks.

mod diff;
mod load;
mod ranged;
pub(crate) mod schema;
mod validate;

use std::collections::BTreeMap;

use schema::kinds::{BOOL, TEXT, UNIT, float, int};
use schema::{Kind, Section, section};

pub use diff::{Difference, differences};
pub use load::{Origin, Override, ScenarioSource, load, load_str};
pub use ranged::{
    Declared, Ranged, all_model_params, calibration_params, check_ranges, sensitivity_params,
};
pub(crate) use schema::float_range;
pub use schema::{Access, Field, Kind as ParamKind, Slot, display_name, kind_at, leaves, meaning};

/// The names of the three arenas, in the order used everywhere.
pub const ARENAS: [&str; 3] = ["strategic", "programme", "practice"];
/// The kinds of scheduled event: a policy event, or an experimenter's switch.
pub const EVENT_KINDS: [&str; 2] = ["policy", "experiment"];

/// The names of the three institutional logics, in the order used everywhere.
pub const LOGICS: [&str; 3] = ["market", "hierarchy", "network"];

/// The most initiatives a scenario may hold: the units' draws are keyed by an initiative's index
/// in 16 bits (docs/ODD.md §7.5, "Draws"), so a larger index would share another's numbers.
pub const MAX_INITIATIVES: usize = 1 << 16;

section! {
    /// A mean and spread for an attribute in [0, 1], drawn as a Beta with that mean and sd.
    pub struct Dist {
        /// Mean of the attribute across agents.
        mean: f64 = 0.5 => UNIT,
        /// Standard deviation across agents (must be below sqrt(mean * (1 - mean))).
        sd: f64 = 0.1 => float(0.0, 0.5),
    }
}

impl Dist {
    /// A distribution with this mean and spread.
    pub const fn new(mean: f64, sd: f64) -> Self {
        Dist { mean, sd }
    }
}

section! {
    /// Weights over the market, hierarchy and network logics (normalised to sum to one).
    pub struct Logic {
        /// Weight of the market logic: contracts, tenders, competition.
        market: f64 = 1.0 / 3.0 => UNIT,
        /// Weight of the hierarchy logic: plans, rules, directives.
        hierarchy: f64 = 1.0 / 3.0 => UNIT,
        /// Weight of the network logic: collaboration, negotiation, trust.
        network: f64 = 1.0 / 3.0 => UNIT,
    }
}

impl Logic {
    /// A logic mix with these weights.
    pub const fn new(market: f64, hierarchy: f64, network: f64) -> Self {
        Logic {
            market,
            hierarchy,
            network,
        }
    }

    /// The weights as a normalised array `[market, hierarchy, network]`.
    pub fn weights(&self) -> [f64; 3] {
        let sum = self.market + self.hierarchy + self.network;
        if sum > 0.0 {
            [self.market / sum, self.hierarchy / sum, self.network / sum]
        } else {
            [1.0 / 3.0; 3]
        }
    }
}

const DIST: Kind = Kind::Table(Dist::FIELDS);
const LOGIC: Kind = Kind::Table(Logic::FIELDS);

section! {
    /// The run itself: name, horizon, replications and seed.
    pub struct Simulation {
        /// Short name of the scenario; names the output folder.
        name: String = "baseline".into() => TEXT,
        /// What the scenario represents, in a sentence or two.
        description: String = String::new() => TEXT,
        /// Months simulated; month 0 is April 2013.
        months: u32 = 60 => int(1, 1200),
        /// Calendar year of month 0, for the time axes of charts (not read by the model).
        start_year: u32 = 2013 => int(1900, 2200),
        /// Calendar month of month 0 (1 = January, 4 = April), for the time axes of charts (not read by the model).
        start_month: u32 = 4 => int(1, 12),
        /// Monte Carlo replications (areas drawn afresh) per scenario or design point.
        replications: u32 = 200 => int(1, 100_000_000),
        /// Scenario seed; every random stream derives from it.
        seed: u64 = 20_130_401 => int(0, i64::MAX),
        /// Mix the design-point index into the seed (independent points instead of common random numbers).
        independent_points: bool = false => BOOL,
    }
}

section! {
    /// The local health economy's size, peer network and between-area variation.
    pub struct Population {
        /// GPs in the area.
        gps: u32 = 150 => int(1, 1_000_000),
        /// Practices (GP surgeries); GPs are spread over them evenly.
        practices: u32 = 40 => int(1, 200_000),
        /// Localities: practices are peers mostly within their locality.
        localities: u32 = 5 => int(1, 10_000),
        /// Peer ties each practice makes on each side of its locality ring.
        peer_ties: u32 = 2 => int(0, 50),
        /// Chance that a peer tie is rewired to a random practice (small world).
        rewire: f64 = 0.1 => UNIT,
        /// Spread of the area's random effects on GP willingness and provider defensiveness.
        area_spread: f64 = 0.25 => float(0.0, 1.0),
    }
}

section! {
    /// General practitioners: their standing, skills, willingness to lead and logics.
    pub struct Gp {
        /// Willingness to take up leadership at the start.
        willingness: Dist = Dist::new(0.38, 0.12) => DIST,
        /// Credibility (standing among peers).
        credibility: Dist = Dist::new(0.5, 0.2) => DIST,
        /// Strategic skill (planning, board work).
        strategic_skill: Dist = Dist::new(0.40, 0.15) => DIST,
        /// Mediation skill (bringing parties with different logics together).
        mediation_skill: Dist = Dist::new(0.50, 0.15) => DIST,
        /// Practical skill (changing how care is delivered at the front line).
        practical_skill: Dist = Dist::new(0.55, 0.15) => DIST,
        /// Loyalty to local providers (reluctance to destabilise them).
        loyalty: Dist = Dist::new(0.6, 0.15) => DIST,
        /// Mean logic mix of GPs.
        logic: Logic = Logic::new(0.12, 0.23, 0.65) => LOGIC,
        /// Concentration of individual logic mixes around the mean (higher = more alike).
        logic_concentration: f64 = 12.0 => float(0.1, 1000.0),
        /// Willingness at or above which a GP accepts a role.
        accept_threshold: f64 = 0.48 => UNIT,
        /// Willingness below which a leader steps down.
        stepdown_threshold: f64 = 0.30 => UNIT,
        /// Credibility at or above which a GP can lead informally in the practice arena.
        informal_credibility: f64 = 0.6 => UNIT,
        /// Deviant innovation: how far policy uncertainty raises the informal leadership of the few very credible, least conforming GPs (0: off; willingness counted as min(1, w + effect·U)).
        deviance_effect: f64 = 0.0 => float(0.0, 10.0),
        /// Credibility at or above which a GP less hierarchy-minded than the mean GP is a possible deviant innovator.
        deviant_credibility: f64 = 0.8 => UNIT,
        /// Monthly pull of willingness back toward its starting level.
        willingness_recovery: f64 = 0.05 => UNIT,
        /// Monthly fall of willingness per unit of policy uncertainty.
        uncertainty_effect: f64 = 0.035 => UNIT,
        /// Monthly rise of willingness per unit of visible adoption nearby.
        visibility_effect: f64 = 0.01 => UNIT,
        /// Monthly fall of willingness from the burden of holding a role.
        role_burden: f64 = 0.004 => UNIT,
        /// Monthly fall of a commissioning leader's willingness per unit of the larger footprint's share (a CCG sidelined by its STP: 0 off).
        sidelining_effect: f64 = 0.0375 => UNIT,
        /// Disillusionment added when a GP's effort produced nothing visible.
        disillusion: f64 = 0.01 => UNIT,
    }
}

section! {
    /// CCG managers, some of them hybrid clinician-managers.
    pub struct Manager {
        /// Managers in the CCG.
        count: u32 = 12 => int(0, 100_000),
        /// Share of managers who are hybrid clinician-managers (practical skill of a clinician; they bridge clinical and managerial logics on programme boards).
        hybrid_share: f64 = 0.17 => UNIT,
        /// Share of a programme board's conflict from competing logics that a hybrid clinician-manager on it bridges (0: none).
        hybrid_bridging: f64 = 0.5 => UNIT,
        /// Strategic skill.
        strategic_skill: Dist = Dist::new(0.75, 0.1) => DIST,
        /// Mediation skill.
        mediation_skill: Dist = Dist::new(0.5, 0.1) => DIST,
        /// Practical skill of a manager who is not a hybrid.
        practical_skill: Dist = Dist::new(0.3, 0.1) => DIST,
        /// Mean logic mix of managers (hierarchy-leaning: they take the lead from the centre).
        logic: Logic = Logic::new(0.2, 0.6, 0.2) => LOGIC,
        /// Concentration of individual managers' logic mixes around the mean (higher = more alike).
        logic_concentration: f64 = 4.0 => float(0.1, 1000.0),
        /// Effort a manager gives to a programme board.
        effort: f64 = 0.6 => UNIT,
    }
}

section! {
    /// A provider organisation with its frontline teams.
    pub struct Provider {
        /// Name, used in initiative scopes.
        name: String = "provider".into() => TEXT,
        /// Kind of organisation: a label for readers and outputs, read by nothing in the model.
        kind: String = "community".into() => Kind::Choice(&["acute", "community", "mental_health", "ambulance", "voluntary", "other"]),
        /// Protection of its jurisdiction against change.
        defensiveness: f64 = 0.4 => UNIT,
        /// Financial margin; destabilised when it falls below environment.destabilised_below.
        viability: f64 = 0.6 => UNIT,
        /// Trust in the commissioner at the start.
        trust: f64 = 0.5 => UNIT,
        /// The organisation's logic mix.
        logic: Logic = Logic::new(0.15, 0.4, 0.45) => LOGIC,
        /// Frontline teams (units at the point of delivery).
        teams: u32 = 3 => int(0, 100_000),
    }
}

/// The providers of the baseline area: a CCG's main acute, community, mental health, ambulance
/// and voluntary-sector partners (docs/ODD.md §5).
fn baseline_providers() -> Vec<Provider> {
    let p = |name: &str, kind: &str, d, v, logic, teams| Provider {
        name: name.into(),
        kind: kind.into(),
        defensiveness: d,
        viability: v,
        trust: 0.5,
        logic,
        teams,
    };
    vec![
        p("acute", "acute", 0.6, 0.5, Logic::new(0.3, 0.4, 0.3), 4),
        p(
            "community",
            "community",
            0.4,
            0.6,
            Logic::new(0.15, 0.4, 0.45),
            4,
        ),
        p(
            "mental_health",
            "mental_health",
            0.4,
            0.6,
            Logic::new(0.15, 0.4, 0.45),
            3,
        ),
        p(
            "ambulance",
            "ambulance",
            0.3,
            0.6,
            Logic::new(0.1, 0.6, 0.3),
            2,
        ),
        p(
            "voluntary",
            "voluntary",
            0.2,
            0.5,
            Logic::new(0.2, 0.1, 0.7),
            2,
        ),
    ]
}

section! {
    /// The local authority: social care and the health and wellbeing board.
    pub struct Council {
        /// Appetite for integrating health and social care.
        integration_appetite: f64 = 0.5 => UNIT,
        /// Trust in the CCG at the start: lowers the resistance its social-care teams feel and raises its effort on programme boards.
        trust: f64 = 0.5 => UNIT,
        /// The council's logic mix.
        logic: Logic = Logic::new(0.1, 0.5, 0.4) => LOGIC,
        /// Social-care frontline teams: units at the point of delivery of every initiative whose scope names the council.
        teams: u32 = 3 => int(0, 100_000),
        /// Whether a health and wellbeing board (a council-led forum) backs initiatives whose scope names the council.
        wellbeing_board: bool = false => BOOL,
        /// Monthly growth of the health and wellbeing board's backing at full appetite and trust.
        backing_rate: f64 = 0.1 => UNIT,
    }
}

section! {
    /// GP federations and other provider roles: a pull on willing GPs away from commissioning.
    pub struct Federation {
        /// Monthly probability, at full strength, that a GP willing to lead (willingness at or above gp.accept_threshold) takes a federation or provider role instead of commissioning ones (0: no federations).
        pull: f64 = 0.02 => UNIT,
        /// Month in which the pull starts to grow (24: April 2015).
        start_month: u32 = 24 => int(0, 1200),
        /// Month by which the pull has grown to full strength, in equal monthly steps.
        full_month: u32 = 60 => int(0, 1200),
    }
}

section! {
    /// Implementation work: what turns a plan into a service the front line can start (business case, funding, workforce, pathways), done by the area's organisations whatever the arenas.
    pub struct Implementation {
        /// Months of implementation work an initiative of complexity 0.5 needs in an area of capacity 1 with its managers' full time (0: none, every led initiative can reach the front line at once).
        months: f64 = 2.0 => float(0.0, 1200.0),
        /// The area's capacity for implementation work, drawn once per area (a Beta with this mean and sd): "relatively passive" CCGs have little.
        capacity: Dist = Dist::new(0.5, 0.35) => DIST,
    }
}

section! {
    /// The strategic arena: the CCG governing body.
    pub struct Strategic {
        /// Whether anyone does leadership work in this arena (mandate and directives).
        enabled: bool = true => BOOL,
        /// Whether GPs take governing-body seats (false = clinical knockout in this arena only).
        clinical: bool = true => BOOL,
        /// Strength of the directive route (0 off, 1 strongest the model allows).
        directive_strength: f64 = 0.3 => UNIT,
        /// GP seats on the governing body.
        gp_seats: u32 = 5 => int(0, 1000),
        /// Manager seats on the governing body.
        manager_seats: u32 = 4 => int(0, 1000),
        /// Lay-member seats.
        lay_seats: u32 = 2 => int(0, 1000),
        /// Council seats.
        council_seats: u32 = 1 => int(0, 1000),
        /// Months a seat is held before the holder stands again or steps down.
        term_months: u32 = 36 => int(1, 1200),
        /// Cohorts of GP seats whose first terms end in turn, staggered over one term (3: a third of seats falls due each year of a three-year term; 1: every first term ends together).
        term_cohorts: u32 = 3 => int(1, 1200),
        /// Whether a holder whose term ends stands again and keeps the seat when still willing (willingness at or above gp.accept_threshold); false: every seat is offered afresh.
        incumbents_stand: bool = true => BOOL,
        /// How many initiatives can hold the board's mandate at once.
        attention: u32 = 2 => int(1, 1000),
        /// Monthly growth of mandate for an initiative holding the board's attention.
        mandate_rate: f64 = 0.10 => UNIT,
        /// Monthly decay of mandate unless renewed.
        mandate_decay: f64 = 0.06 => UNIT,
        /// How far adoption evidence offsets mandate decay.
        evidence_renewal: f64 = 0.7 => UNIT,
        /// Weight of central pressure on hierarchy-minded members' preference for national priorities.
        national_pull: f64 = 2.0 => float(0.0, 100.0),
        /// Extra influence of a GP member from clinical legitimacy (CCGs were founded as clinically led).
        clinical_legitimacy: f64 = 0.5 => float(0.0, 10.0),
        /// Extra preference of GP members for local initiatives.
        gp_local_preference: f64 = 0.5 => float(0.0, 100.0),
        /// Base monthly hazard of the directive route at strength 1 and full mandate.
        directive_rate: f64 = 0.15 => UNIT,
        /// Monthly growth of the clinician-manager alliance from joint board work.
        alliance_growth: f64 = 0.005 => UNIT,
        /// Share of strategic redesign of national-priority initiatives held by a larger footprint (an STP) rather than the CCG board (0: none; set by a structural event).
        footprint: f64 = 0.0 => UNIT,
        /// Strategic capacity of the larger footprint, in place of the board's capacity in its mandate growth.
        footprint_capacity: f64 = 0.5 => UNIT,
        /// How far the CCG board's mandate growth for local initiatives falls at full footprint (lost local autonomy).
        autonomy_loss: f64 = 0.5 => UNIT,
        /// Share of the governing body's GP seats that remain this area's (1: its own board; a merger sets less, the rest going to the merged neighbours' GPs).
        seat_share: f64 = 1.0 => UNIT,
    }
}

section! {
    /// The programme-board arena: one board per initiative with a lead.
    pub struct Programme {
        /// Whether programme boards meet (design and contracts).
        enabled: bool = true => BOOL,
        /// Whether GPs lead or sit on programme boards (false = clinical knockout in this arena only).
        clinical: bool = true => BOOL,
        /// Strength of the contract route (0 off, 1 strongest the model allows).
        contract_strength: f64 = 0.3 => UNIT,
        /// Base monthly design progress.
        design_rate: f64 = 0.15 => UNIT,
        /// How strongly conflict slows design.
        conflict_weight: f64 = 3.0 => float(0.0, 100.0),
        /// Share of conflict the board's best mediator can remove at full mediation skill.
        mediation_effect: f64 = 0.7 => UNIT,
        /// Design rate with no mandate, as a share of the rate at full mandate (floor).
        mandate_floor: f64 = 0.25 => UNIT,
        /// Extra design speed under the market logic (outcome-based contracts).
        market_speed: f64 = 1.0 => float(0.0, 10.0),
        /// Design slowdown under the network logic (negotiation).
        network_slowness: f64 = 0.5 => UNIT,
        /// How much GP loyalty damps a board's use of market levers.
        loyalty_damping: f64 = 0.5 => UNIT,
        /// Share of design reopened when adoption stalls.
        reopen_share: f64 = 0.3 => UNIT,
        /// Base monthly hazard of the contract route at strength 1 and full design.
        contract_rate: f64 = 0.8 => UNIT,
        /// How far contracts reach practices (local enhanced services) relative to provider teams.
        contract_practice_reach: f64 = 0.8 => UNIT,
        /// Monthly growth of the clinician-manager alliance from joint programme work.
        alliance_growth: f64 = 0.01 => UNIT,
        /// Share of a manager's hours this area's programme boards get (1: its own team; a merger that shares the management team with neighbours sets less).
        manager_time: f64 = 1.0 => UNIT,
    }
}

section! {
    /// The practice arena: the point of delivery.
    pub struct Practice {
        /// Whether anyone exercises practical or informal leadership at the point of delivery.
        enabled: bool = true => BOOL,
        /// Whether GPs lead at the point of delivery (false = clinical knockout in this arena only).
        clinical: bool = true => BOOL,
        /// Strength of the grassroots route (0 off, 1 strongest the model allows).
        grassroots_adoption: f64 = 0.3 => UNIT,
        /// Strength of resistance by sedimentation (0 none, 1 strongest the model allows).
        reversion_rate: f64 = 0.5 => UNIT,
        /// Base monthly hazard of adoption pulled by a workable, funded design.
        pull_rate: f64 = 0.045 => UNIT,
        /// Base monthly hazard of adoption by peer diffusion.
        peer_rate: f64 = 0.10 => UNIT,
        /// Base monthly hazard of the grassroots route at strength 1.
        grassroots_rate: f64 = 0.2 => UNIT,
        /// Pull of design and mandate at a unit with no practical leadership (floor).
        leadership_floor: f64 = 0.3 => UNIT,
        /// Monthly chance that a trial is confirmed as adoption.
        trial_confirm: f64 = 0.3 => UNIT,
        /// Months an adopted unit needs to become routinised.
        routinisation_months: u32 = 12 => int(0, 1200),
        /// Base monthly reversion hazard at strength 1.
        reversion_base: f64 = 0.15 => UNIT,
        /// Extra reversion of units adopted by directive when mandate fades (compliance price).
        compliance_penalty: f64 = 2.0 => float(0.0, 100.0),
        /// Share of the compliance price borne by units adopted by contract (0: directive only).
        contract_compliance: f64 = 0.0 => UNIT,
        /// Support against reversion from mandate (funding).
        support_mandate: f64 = 0.4 => UNIT,
        /// Support against reversion from design (embedded protocols).
        support_design: f64 = 0.4 => UNIT,
        /// Support against reversion from practical leadership.
        support_leadership: f64 = 0.3 => UNIT,
        /// Cap on total support against reversion.
        support_cap: f64 = 0.9 => UNIT,
        /// Reversion of a routinised unit relative to a merely adopted one.
        routinised_reversion: f64 = 0.3 => UNIT,
    }
}

section! {
    /// The three arenas of leadership.
    pub struct Arenas {
        /// The strategic arena (CCG governing body).
        strategic: Strategic = Strategic::default() => Kind::Table(Strategic::FIELDS),
        /// The programme-board arena.
        programme: Programme = Programme::default() => Kind::Table(Programme::FIELDS),
        /// The practice arena (point of delivery).
        practice: Practice = Practice::default() => Kind::Table(Practice::FIELDS),
    }
}

section! {
    /// Who may lead: the clinical and managerial knockouts, and how ideas are taken up.
    pub struct Leadership {
        /// Whether GPs take leadership roles in any arena (false = off in all three arenas).
        clinical: bool = true => BOOL,
        /// Whether managers take leadership roles (false = managerial knockout).
        managerial: bool = true => BOOL,
        /// Monthly hazard that an initiative with no lead is taken up.
        idea_rate: f64 = 0.12 => UNIT,
    }
}

section! {
    /// The centre (NHS England and national policy) as the environment.
    pub struct Environment {
        /// Policy uncertainty at the start; lowers GP willingness.
        policy_uncertainty: f64 = 0.3 => UNIT,
        /// Central pressure (hierarchy) at the start; pulls attention to national priorities.
        central_pressure: f64 = 0.4 => UNIT,
        /// The field's prevailing logic mix, toward which agents drift.
        regime: Logic = Logic::new(0.15, 0.40, 0.45) => LOGIC,
        /// Monthly drift of agents' logics toward the regime.
        logic_drift: f64 = 0.02 => UNIT,
        /// Monthly return of policy uncertainty toward its starting level.
        uncertainty_recovery: f64 = 0.01 => UNIT,
        /// Provider trust lost per month of market-mode work on its board.
        market_trust_loss: f64 = 0.02 => UNIT,
        /// Provider defensiveness gained per month of market-mode work.
        market_defensiveness_gain: f64 = 0.01 => UNIT,
        /// Provider viability lost per month of market-mode work (scaled by 1 + design).
        market_viability_loss: f64 = 0.01 => UNIT,
        /// Provider trust gained per month of network-mode work.
        network_trust_gain: f64 = 0.01 => UNIT,
        /// Provider defensiveness lost per month of network-mode work.
        network_defensiveness_loss: f64 = 0.003 => UNIT,
        /// Monthly recovery of provider viability toward its starting level.
        viability_recovery: f64 = 0.01 => UNIT,
        /// Viability under which a provider counts as destabilised.
        destabilised_below: f64 = 0.3 => UNIT,
    }
}

section! {
    /// A scheduled policy event that changes parameters from its month on.
    pub struct Event {
        /// Month in which the event takes effect.
        month: u32 = 0 => int(0, 1200),
        /// What the event was (e.g. "Five Year Forward View").
        name: String = String::new() => TEXT,
        /// "policy": a policy event (losing the board's attention soon after it counts as displacement); "experiment": an experimenter's switch, such as the timing experiment's arena hand-overs, which is not.
        kind: String = "policy".into() => Kind::Choice(&EVENT_KINDS),
        /// Parameters set to a new value: `{ "environment.policy_uncertainty" = 0.6 }`.
        set: BTreeMap<String, toml::Value> = BTreeMap::new() => Kind::PathMap,
        /// Parameters changed by an amount: `{ "environment.central_pressure" = 0.05 }`.
        add: BTreeMap<String, toml::Value> = BTreeMap::new() => Kind::PathMap,
    }
}

/// The baseline's policy events: the Five Year Forward View (October 2014), the STPs (December
/// 2015 to 2016) and the CCG mergers (2017), as in the study's period.
fn baseline_events() -> Vec<Event> {
    let ev = |month, name: &str, set: &[(&str, f64)], add: &[(&str, f64)]| Event {
        month,
        name: name.into(),
        kind: "policy".into(),
        set: set
            .iter()
            .map(|(k, v)| (k.to_string(), toml::Value::Float(*v)))
            .collect(),
        add: add
            .iter()
            .map(|(k, v)| (k.to_string(), toml::Value::Float(*v)))
            .collect(),
    };
    vec![
        ev(
            18,
            "Five Year Forward View",
            &[
                ("environment.regime.market", 0.12),
                ("environment.regime.hierarchy", 0.33),
                ("environment.regime.network", 0.55),
            ],
            &[("environment.central_pressure", 0.03)],
        ),
        ev(
            33,
            "Sustainability and transformation plans",
            &[],
            &[
                ("environment.central_pressure", 0.05),
                ("environment.policy_uncertainty", 0.25),
            ],
        ),
        ev(
            48,
            "CCG mergers",
            &[],
            &[("environment.policy_uncertainty", 0.15)],
        ),
    ]
}

section! {
    /// A redesign programme.
    pub struct Initiative {
        /// Name of the initiative.
        name: String = "initiative".into() => TEXT,
        /// How hard it is to design (slows design progress).
        complexity: f64 = 0.5 => UNIT,
        /// Providers whose frontline teams must change, by name.
        scope: Vec<String> = Vec::new() => Kind::TextList,
        /// Whether the council is in scope (sits on its programme board).
        council: bool = false => BOOL,
        /// Whether it is a national priority (favoured under central pressure).
        national: bool = false => BOOL,
        /// The arena where the idea usually arises.
        origin: String = "programme".into() => Kind::Choice(&ARENAS),
    }
}

/// The baseline's three initiatives (issue 2): integrated care for frail older people, urgent
/// care, and mental health.
fn baseline_initiatives() -> Vec<Initiative> {
    let i = |name: &str, cx, scope: &[&str], council, national, origin: &str| Initiative {
        name: name.into(),
        complexity: cx,
        scope: scope.iter().map(|s| s.to_string()).collect(),
        council,
        national,
        origin: origin.into(),
    };
    vec![
        i(
            "frail_elderly",
            0.6,
            &["acute", "community"],
            true,
            true,
            "programme",
        ),
        i(
            "urgent_care",
            0.5,
            &["acute", "ambulance"],
            false,
            true,
            "strategic",
        ),
        i(
            "mental_health",
            0.4,
            &["mental_health", "voluntary"],
            false,
            false,
            "practice",
        ),
    ]
}

section! {
    /// What counts as success.
    pub struct Success {
        /// Routinised share of units at the point of delivery that counts as success.
        threshold: f64 = 0.6 => UNIT,
        /// Months the routinised share must stay at or above the threshold.
        sustain_months: u32 = 12 => int(1, 1200),
    }
}

section! {
    /// The virtual survey of governing-body members and GPs.
    pub struct Survey {
        /// Months at which the survey is taken (2014 and 2016 surveys by default).
        months: Vec<u32> = vec![12, 36] => Kind::IntList { lo: 0, hi: 1200 },
        /// Noise in each respondent's perception.
        noise: f64 = 0.15 => float(0.0, 10.0),
        /// Perceived central influence above which a member answers "quite a lot" or "very extensive".
        centre_high_above: f64 = 0.6 => float(0.0, 10.0),
        /// Alliance (plus noise) above which a member says the vision is set by clinicians and managers equally.
        shared_vision_above: f64 = 0.12 => float(0.0, 10.0),
        /// Willingness above which a GP feels able to influence the CCG.
        can_influence_above: f64 = 0.45 => UNIT,
        /// Extra sense of influence from holding a formal role.
        formal_role_bonus: f64 = 0.25 => UNIT,
        /// Willingness above which a formal leader counts as highly engaged.
        engaged_above: f64 = 0.40 => UNIT,
    }
}

section! {
    /// One swept parameter.
    pub struct SweepParam {
        /// Parameter path, as for `--set`.
        path: String = String::new() => TEXT,
        /// Lowest value.
        lo: f64 = 0.0 => float(f64::MIN, f64::MAX),
        /// Highest value.
        hi: f64 = 1.0 => float(f64::MIN, f64::MAX),
        /// Number of values on a grid (ignored by lhs).
        steps: u32 = 5 => int(1, 1_000_000),
    }
}

section! {
    /// A parameter sweep: which parameters, and which design.
    pub struct Sweep {
        /// Design: "grid" (every combination) or "lhs" (Latin hypercube).
        design: String = "grid".into() => Kind::Choice(&["grid", "lhs"]),
        /// Design points of a Latin hypercube.
        points: u32 = 20 => int(1, 10_000_000),
        /// The swept parameters.
        param: Vec<SweepParam> = Vec::new() => Kind::TableList(SweepParam::FIELDS),
    }
}

section! {
    /// One uncertain parameter of a calibration by history matching.
    pub struct CalibrationParam {
        /// Parameter path, as for `--set` (a number or a whole number).
        path: String = String::new() => TEXT,
        /// Lowest plausible value.
        lo: f64 = 0.0 => float(f64::MIN, f64::MAX),
        /// Highest plausible value.
        hi: f64 = 1.0 => float(f64::MIN, f64::MAX),
        /// Sample it on a log scale (both ends must then be above 0).
        log: bool = false => BOOL,
    }
}

section! {
    /// History matching (`calibrate`): the uncertain parameters and the budget.
    pub struct Calibration {
        /// Parameter sets tried in each wave.
        sets: u32 = 1000 => int(1, 10_000_000),
        /// Replications per parameter set.
        replications: u32 = 100 => int(1, 1_000_000),
        /// Waves; each samples only inside the region the previous one did not rule out.
        waves: u32 = 3 => int(1, 100),
        /// Implausibility at or above which a set is ruled out.
        cutoff: f64 = 3.0 => float(0.0, 1e9),
        /// Which implausibility is held against the cutoff: the largest over targets ("max") or the second largest ("second").
        rule: String = "second".into() => Kind::Choice(&["max", "second"]),
        /// The uncertain parameters and their plausible ranges.
        param: Vec<CalibrationParam> = Vec::new() => Kind::TableList(CalibrationParam::FIELDS),
    }
}

section! {
    /// One parameter of a global sensitivity analysis and the range it is varied over.
    pub struct SensitivityParam {
        /// Parameter path, as for `--set` (a number or a whole number).
        path: String = String::new() => TEXT,
        /// Lowest value.
        lo: f64 = 0.0 => float(f64::MIN, f64::MAX),
        /// Highest value.
        hi: f64 = 1.0 => float(f64::MIN, f64::MAX),
        /// Vary it on a log scale (both ends must then be above 0).
        log: bool = false => BOOL,
    }
}

section! {
    /// Global sensitivity analysis (`sensitivity morris|sobol`): the parameters and the budget.
    pub struct Sensitivity {
        /// Morris: trajectories (r), each of k + 1 points.
        trajectories: u32 = 20 => int(2, 100_000),
        /// Morris: levels of the grid (p, even).
        levels: u32 = 4 => int(2, 1000),
        /// Sobol: base samples (N); the design has N (k + 2) points.
        samples: u32 = 256 => int(2, 65_536),
        /// Replications per design point (the indices are of their mean).
        replications: u32 = 20 => int(1, 1_000_000),
        /// Bootstrap resamples for the intervals.
        bootstrap: u32 = 1000 => int(10, 1_000_000),
        /// The parameters and their ranges.
        param: Vec<SensitivityParam> = Vec::new() => Kind::TableList(SensitivityParam::FIELDS),
    }
}

section! {
    /// The verdict rule of the arena experiment.
    pub struct Experiment {
        /// Necessity threshold: each cell with fewer arenas, as a share of the all-three cell's success, must lie clearly below it for `supported`; one clearly above it refutes.
        necessity_ratio: f64 = 0.5 => UNIT,
        /// The all-three success rate below which the experiment judges nothing (nothing succeeds to need arenas for).
        min_all_three_rate: f64 = 0.05 => UNIT,
        /// Months each of the strategic and programme arenas acts alone in the timing experiment's sequential cell (0 = a fifth of the horizon, leaving three fifths to the point of delivery).
        sequence_months: u32 = 0 => int(0, 1200),
    }
}

section! {
    /// What to write.
    pub struct Output {
        /// Write `timeseries.csv`.
        timeseries: bool = true => BOOL,
        /// Write plots.
        plots: bool = true => BOOL,
        /// Write one row per replication and initiative in `replications.csv`.
        replications_csv: bool = true => BOOL,
    }
}

section! {
    /// A whole scenario: every section, each with defaults.
    pub struct Scenario {
        /// The run itself.
        simulation: Simulation = Simulation::default() => Kind::Table(Simulation::FIELDS),
        /// The area's size and variation.
        population: Population = Population::default() => Kind::Table(Population::FIELDS),
        /// GPs.
        gp: Gp = Gp::default() => Kind::Table(Gp::FIELDS),
        /// CCG managers.
        manager: Manager = Manager::default() => Kind::Table(Manager::FIELDS),
        /// Providers.
        provider: Vec<Provider> = baseline_providers() => Kind::TableList(Provider::FIELDS),
        /// The council.
        council: Council = Council::default() => Kind::Table(Council::FIELDS),
        /// GP federations and provider roles.
        federation: Federation = Federation::default() => Kind::Table(Federation::FIELDS),
        /// Implementation work between a plan and the front line.
        implementation: Implementation = Implementation::default() => Kind::Table(Implementation::FIELDS),
        /// The three arenas.
        arenas: Arenas = Arenas::default() => Kind::Table(Arenas::FIELDS),
        /// Who may lead.
        leadership: Leadership = Leadership::default() => Kind::Table(Leadership::FIELDS),
        /// The centre.
        environment: Environment = Environment::default() => Kind::Table(Environment::FIELDS),
        /// Scheduled policy events.
        event: Vec<Event> = baseline_events() => Kind::TableList(Event::FIELDS),
        /// The redesign initiatives.
        initiative: Vec<Initiative> = baseline_initiatives() => Kind::TableList(Initiative::FIELDS),
        /// What counts as success.
        success: Success = Success::default() => Kind::Table(Success::FIELDS),
        /// The virtual survey.
        survey: Survey = Survey::default() => Kind::Table(Survey::FIELDS),
        /// The verdict rule of the arena experiment.
        experiment: Experiment = Experiment::default() => Kind::Table(Experiment::FIELDS),
        /// A parameter sweep.
        sweep: Sweep = Sweep::default() => Kind::Table(Sweep::FIELDS),
        /// History matching.
        calibration: Calibration = Calibration::default() => Kind::Table(Calibration::FIELDS),
        /// Global sensitivity analysis.
        sensitivity: Sensitivity = Sensitivity::default() => Kind::Table(Sensitivity::FIELDS),
        /// What to write.
        output: Output = Output::default() => Kind::Table(Output::FIELDS),
    }
}

impl Scenario {
    /// The scenario as TOML, every default filled in (what `check` prints).
    pub fn to_toml(&self) -> String {
        // Serialising plain structs of numbers, strings and tables cannot fail.
        toml::to_string(self).unwrap_or_default()
    }

    /// The schema fields of the whole scenario.
    pub fn fields() -> &'static [Field] {
        Self::FIELDS
    }
}
