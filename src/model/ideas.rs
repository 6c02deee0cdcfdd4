//! Step 3, ideas (ODD §7.2): initiatives without a lead are taken up by a candidate from the
//! origin arena or another enabled one.

use rand::RngExt;

use super::agents::{Leader, Role};
use super::world::{Draws, PROGRAMME, STRATEGIC, World};

impl World<'_> {
    /// An initiative with no lead is taken up with one monthly hazard, whatever the number of
    /// enabled arenas (a hazard per arena would favour cells with more arenas). The lead comes
    /// from the origin arena when it is enabled and has a candidate, otherwise from another
    /// enabled arena (docs/ODD.md §7.2).
    // Out of line, at no measurable cost (it runs once a month or once a replication), so that
    // profiles attribute instructions to each step of docs/ODD.md §3.
    #[inline(never)]
    pub(super) fn ideas(&mut self, rng: &mut Draws) {
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
                        init.lead_arena = Some(arena);
                        init.ever_led = true;
                        match lead {
                            Leader::Gp(i) => {
                                if self.gps[i as usize].role == Role::None {
                                    self.set_gp_role(i as usize, Role::Lead);
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

    /// The n-th possible lead of an arena, in the order `candidates` counts them.
    fn candidates_nth(&self, arena: usize, n: usize) -> Option<Leader> {
        let mut found = None;
        self.candidates(arena, Some((n, &mut found)));
        found
    }

    /// Counts the possible leads an arena offers (and, with `nth`, finds the n-th) without
    /// collecting them: board members for the strategic arena, willing GPs and free managers
    /// for programme boards, credible willing GPs for the practice arena.
    fn candidates(&self, arena: usize, mut nth: Option<(usize, &mut Option<Leader>)>) -> usize {
        // GPs are candidates only in arenas where clinical leadership is on.
        let clinical = self.dynamics.clinical()[arena];
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
            STRATEGIC => {
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
            PROGRAMME => {
                if clinical {
                    // Roles read from the willingness arrays (one byte a GP), not from the
                    // GPs (88 bytes each): the scan then touches a few cache lines, not 200.
                    let w = &self.willingness;
                    for (i, (&role, &willingness)) in w.role.iter().zip(&w.now).enumerate() {
                        if role == Role::None && willingness >= accept {
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
                    // A GP's credibility is read only for the GPs free and willing enough.
                    let w = &self.willingness;
                    for (i, (&role, &willingness)) in w.role.iter().zip(&w.now).enumerate() {
                        if role == Role::None
                            && willingness >= threshold
                            && self.gps[i].credibility >= informal
                        {
                            take(Leader::Gp(i as u32), &mut count);
                        }
                    }
                }
            }
        }
        count
    }
}
