//! Step 2, engagement (ODD §7.1): GP willingness moves, leaders step down, terms of office end
//! and vacant governing-body seats are offered.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::agents::{Leader, Role};
use super::practice::ADOPTED;
use super::world::{STRATEGIC, World};

/// Monthly decay of disillusionment.
const DISILLUSION_DECAY: f64 = 0.9;

impl World<'_> {
    /// Moves willingness, steps down unwilling leaders, ends terms and offers vacant seats.
    pub(super) fn engagement(&mut self, month: u32, rng: &mut ChaCha8Rng) {
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
        // Terms of office end; the seat is offered again, possibly to the same GP. A GP who
        // still leads an initiative keeps the lead and, with it, the role of a lead: the role
        // burden and the step-down test go on applying to it (docs/ODD.md §2 Roles).
        let term = self.s.arenas.strategic.term_months;
        for k in 0..self.seats.len() {
            if let Some(i) = self.seats[k]
                && month.saturating_sub(self.seat_since[k]) >= term
            {
                self.seats[k] = None;
                let leads = self
                    .initiatives
                    .iter()
                    .any(|init| init.lead == Some(Leader::Gp(i)));
                self.gps[i as usize].role = if leads { Role::Lead } else { Role::None };
            }
        }
        if self.dynamics.arenas.strategic.enabled
            && self.dynamics.clinical()[STRATEGIC]
            && self.seats.iter().any(Option::is_none)
        {
            self.offer_seats(month, rng);
        }
    }

    /// Offers each vacant seat to one GP without a seat, drawn with weight willingness ×
    /// strategic skill; the GP declines when its willingness is under the acceptance threshold (docs/ODD.md §7.1).
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
    /// GPs without a seat: no role, or a lead) and returns their sum.
    fn cumulate_seat_weights(&mut self) -> f64 {
        let mut total = 0.0;
        for (c, gp) in self.seat_weights.iter_mut().zip(&self.gps) {
            if gp.role != Role::Board {
                total += gp.willingness * gp.strategic;
            }
            *c = total;
        }
        total
    }

    /// Releases every seat and lead `who` holds.
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
}

#[cfg(test)]
mod tests {
    use crate::model::World;
    use crate::model::agents::{Leader, Role};
    use crate::model::world::test_support::scenario;
    use crate::runner;

    #[test]
    fn a_gp_whose_term_ends_keeps_the_role_of_a_lead_it_still_holds() {
        let s = scenario(&["event=[]"]);
        let mut streams = runner::streams(1, 0, 0, false);
        let mut world = World::new(&s, &mut streams.population);
        world.step(0, &mut streams);
        let (leader, other) = (0u32, 1u32);
        world.seats.iter_mut().for_each(|seat| *seat = None);
        world.gps.iter_mut().for_each(|gp| gp.role = Role::None);
        for (k, i) in [leader, other].into_iter().enumerate() {
            world.seats[k] = Some(i);
            world.seat_since[k] = 0;
            world.gps[i as usize].role = Role::Board;
        }
        for init in &mut world.initiatives {
            init.lead = None;
        }
        world.initiatives[0].lead = Some(Leader::Gp(leader));
        // Keep both willing, so that only the term decides; no offers, so no one is re-seated.
        for i in [leader, other] {
            world.gps[i as usize].willingness = 1.0;
            world.gps[i as usize].willingness_base = 1.0;
        }
        world.dynamics.arenas.strategic.enabled = false;
        let term = s.arenas.strategic.term_months;
        world.engagement(term, &mut streams.decisions);
        assert!(!world.seats.contains(&Some(leader)) && !world.seats.contains(&Some(other)));
        assert_eq!(world.gps[leader as usize].role, Role::Lead);
        assert_eq!(world.gps[other as usize].role, Role::None);
        assert_eq!(world.initiatives[0].lead, Some(Leader::Gp(leader)));
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
}
