//! Step 5, programme boards (ODD §7.4): each led initiative's board, its skill mix, conflict and
//! logic mode, design and design rounds, contracts, and the board's effect on providers.

use super::agents::{Leader, LogicMix, MARKET, NETWORK};
use super::world::{PROGRAMME, World};

/// One member of a board, as the board's arithmetic sees it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Member {
    pub(super) logic: LogicMix,
    pub(super) influence: f64,
    pub(super) effort: f64,
    /// Euclidean norm of `logic`, worked out once per member rather than once per pair in
    /// [`divergence`].
    pub(super) norm: f64,
}

impl Member {
    /// A member with its logic's norm worked out.
    pub(super) fn new(logic: LogicMix, influence: f64, effort: f64) -> Self {
        let norm = (logic[0] * logic[0] + logic[1] * logic[1] + logic[2] * logic[2]).sqrt();
        Member {
            logic,
            influence,
            effort,
            norm,
        }
    }
}

/// Influence of a provider's representative on a programme board.
const PROVIDER_BOARD_INFLUENCE: f64 = 0.6;
/// Influence of the council's representative on a programme board.
const COUNCIL_BOARD_INFLUENCE: f64 = 0.5;
/// Design level above which stalled adoption reopens the design.
const REOPEN_DESIGN: f64 = 0.6;
/// Months over which adoption is judged to have stalled.
const STALL_MONTHS: usize = 6;
/// Rise of adoption under which it has stalled.
const STALL_RISE: f64 = 0.02;

impl World<'_> {
    /// One month of every led initiative's programme board (ODD §7.4).
    // Out of line, at no measurable cost (it runs once a month or once a replication), so that
    // profiles attribute instructions to each step of docs/ODD.md §3.
    #[inline(never)]
    pub(super) fn programme_arena(&mut self) {
        let pr = &self.dynamics.arenas.programme;
        let managerial = self.dynamics.leadership.managerial;
        // A GP lead sits on the board only where clinical leadership is on in this arena; a GP
        // who leads from the governing body or the front line then champions the initiative
        // there, and the board meets with its managers (ODD §7.6).
        let clinical = self.dynamics.clinical()[PROGRAMME];
        let env = &self.dynamics.environment;
        let months_done = self.seats_filled.len();
        let n_init = self.initiatives.len();
        for k in 0..n_init {
            self.initiatives[k].contract_hazard = 0.0;
            self.initiatives[k].gp_on_board = false;
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
            let mut hybrid = false;
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
                members.push(Member::new(
                    logic,
                    if is_lead { 1.5 } else { 1.0 } * (0.5 + skills[0]),
                    effort,
                ));
            };
            // A management team shared with merged neighbours gives each board fewer hours.
            let manager_effort =
                self.s.manager.effort * self.dynamics.arenas.programme.manager_time;
            match lead {
                Leader::Gp(_) if !clinical => {}
                Leader::Gp(i) => {
                    let gp = &self.gps[i as usize];
                    add_human(
                        &mut self.members,
                        self.drift.apply(&gp.logic),
                        [gp.strategic, gp.mediation, gp.practical],
                        self.willingness.now[i as usize],
                        true,
                    );
                    has_gp = true;
                    loyalty += gp.loyalty;
                    gps_on_board += 1.0;
                }
                Leader::Manager(i) => {
                    let m = &self.managers[i as usize];
                    hybrid |= m.hybrid;
                    add_human(
                        &mut self.members,
                        self.drift.apply(&m.logic),
                        [m.strategic, m.mediation, m.practical],
                        manager_effort,
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
                    hybrid |= m.hybrid;
                    add_human(
                        &mut self.members,
                        self.drift.apply(&m.logic),
                        [m.strategic, m.mediation, m.practical],
                        manager_effort,
                        false,
                    );
                    has_manager = true;
                }
            }
            // A board without a GP or manager has no one to do its work: it does not meet.
            if !has_gp && !has_manager {
                continue;
            }
            let mut threat = 0.0;
            for &p in &init.scope {
                let p = &self.providers[p as usize];
                self.members.push(Member::new(
                    self.drift.apply(&p.logic),
                    PROVIDER_BOARD_INFLUENCE,
                    0.5 * (1.0 - p.defensiveness),
                ));
                threat += p.defensiveness * (1.0 - p.trust);
            }
            if init.council {
                // The council works harder with a CCG it trusts (docs/ODD.md §7.4).
                self.members.push(Member::new(
                    self.drift.apply(&self.council.logic),
                    COUNCIL_BOARD_INFLUENCE,
                    self.council.appetite * (0.5 + 0.5 * self.council.trust),
                ));
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
            // GPs' loyalty to local providers damps the use of market levers (docs/ODD.md §1, pattern 3).
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
            // A hybrid clinician-manager on the board bridges clinical and managerial
            // perspectives: part of the conflict from competing logics goes (docs/ODD.md §7.4;
            // "hybrid manager-clinicians exercised influence", Storey et al., HS&DR report).
            let bridged = if hybrid {
                1.0 - self.s.manager.hybrid_bridging
            } else {
                1.0
            };
            let conflict = conflict(
                bridged * divergence(&self.members),
                threat,
                best[1],
                pr.mediation_effect,
            );
            // Skill mix: complementary skills are worth most together (geometric mean). The
            // members' skills are fixed, so a board keeps its product from month to month, and
            // its cube root (about 150 instructions) is read back.
            let product = best[0] * best[1] * best[2];
            let [memo_product, memo_skill] = &mut self.initiatives[k].skill_memo;
            if product.to_bits() != memo_product.to_bits() {
                *memo_product = product;
                *memo_skill = product.cbrt();
            }
            let skill = *memo_skill;
            let speed = 1.0 + pr.market_speed * mix[MARKET] - pr.network_slowness * mix[NETWORK];
            let init = &mut self.initiatives[k];
            let floor = pr.mandate_floor;
            init.design += pr.design_rate
                * effort
                * (0.5 + skill)
                * (floor + (1.0 - floor) * init.mandate.max(init.backing))
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
                    if let Leader::Gp(i) = lead
                        && has_gp
                    {
                        self.willingness.disillusion[i as usize] += self.s.gp.disillusion;
                    }
                }
            }
            let design = init.design;
            init.contract_hazard =
                pr.contract_strength * pr.contract_rate * design * (0.3 + mix[MARKET]);
            // The council in scope meets the board's mode as providers do: its trust moves.
            if init.council {
                let t = &mut self.council.trust;
                match mode {
                    MARKET => *t = (*t - env.market_trust_loss).max(0.0),
                    NETWORK => *t = (*t + env.network_trust_gain).min(1.0),
                    _ => {}
                }
            }
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
            init.gp_on_board = has_gp;
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
}

/// Divergence of a board's logics: one minus the mean pairwise cosine similarity of its members'
/// logic mixes (0 when everyone thinks alike).
fn divergence(members: &[Member]) -> f64 {
    let n = members.len();
    if n < 2 {
        return 0.0;
    }
    // `similarity(&a.logic, &b.logic)`, the same value with the norms read, not redone; a
    // board with no zero norm (every board in practice) needs no test per pair.
    let cosine = |a: &Member, b: &Member| {
        let dot = a.logic[0] * b.logic[0] + a.logic[1] * b.logic[1] + a.logic[2] * b.logic[2];
        dot / (a.norm * b.norm)
    };
    let sum = if members.iter().all(|m| m.norm != 0.0) {
        pair_sum(members, cosine)
    } else {
        pair_sum(members, |a, b| {
            if a.norm == 0.0 || b.norm == 0.0 {
                1.0
            } else {
                cosine(a, b)
            }
        })
    };
    1.0 - sum / (n * (n - 1) / 2) as f64
}

/// The sum of `f` over every pair of members, in the order (0, 1), (0, 2), …, (1, 2), ….
fn pair_sum(members: &[Member], f: impl Fn(&Member, &Member) -> f64) -> f64 {
    let mut sum = 0.0;
    for (k, a) in members.iter().enumerate() {
        for b in &members[k + 1..] {
            sum += f(a, b);
        }
    }
    sum
}

/// Conflict on a programme board: competing logics plus the threat the design poses to
/// providers, of which the board's best mediator pays down a share (docs/ODD.md §7.4).
fn conflict(divergence: f64, threat: f64, best_mediation: f64, mediation_effect: f64) -> f64 {
    (divergence + threat) * (1.0 - mediation_effect * best_mediation)
}

/// Adds `weight · logic` to an influence-weighted sum of logic mixes; callers divide by the total.
pub(super) fn add_mix(mix: &mut LogicMix, logic: &LogicMix, weight: f64) {
    for k in 0..3 {
        mix[k] += weight * logic[k];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::world::test_support::scenario;
    use crate::runner;

    fn member(logic: LogicMix) -> Member {
        Member::new(logic, 1.0, 0.5)
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
    fn hybrid_clinician_managers_bridge_logics_and_speed_design() {
        // Every manager a hybrid: with bridging, boards design faster than without it, and
        // than boards of managers who are not hybrids.
        let design = |share: &str, bridging: &str| {
            let s = scenario(&[
                &format!("manager.hybrid_share={share}"),
                &format!("manager.hybrid_bridging={bridging}"),
            ]);
            (0..40)
                .map(|rep| {
                    let o = runner::replication(&s, 0, rep);
                    o.initiatives.iter().map(|i| i.peak_design).sum::<f64>()
                })
                .sum::<f64>()
        };
        let bridging = design("1", "0.8");
        assert!(bridging > design("1", "0"), "bridging does nothing");
        assert!(bridging > design("0", "0.8"), "hybrids do nothing");
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
}
