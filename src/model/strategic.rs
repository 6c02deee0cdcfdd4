//! Step 4, the strategic arena (ODD §7.3): the governing body's mix and capacity, its attention
//! to initiatives, the mandate they gain, and the decay of mandate everywhere.

use super::agents::{HIERARCHY, Leader, LogicMix};
use super::outcome::thresholds;
use super::programme::add_mix;
use super::world::{STRATEGIC, World};

/// Logic of lay members of the governing body, who are not modelled as agents.
const LAY_LOGIC: LogicMix = [0.15, 0.35, 0.5];
/// Influence of a lay member on the governing body.
const LAY_INFLUENCE: f64 = 0.3;
/// Influence of the council's member on the governing body.
const COUNCIL_INFLUENCE: f64 = 0.4;
/// Strategic capacity of a board with no GP or manager members (lay members only).
const LAY_CAPACITY: f64 = 0.3;

impl World<'_> {
    /// The governing body's mix, capacity and attention, and the mandate it gives (ODD §7.3).
    pub(super) fn strategic_arena(&mut self, month: u32) {
        let st = &self.dynamics.arenas.strategic;
        // GPs sit on the governing body only where clinical leadership is on in this arena.
        let clinical = self.dynamics.clinical()[STRATEGIC];
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
        // A member's influence grows with strategic skill and with the alliance (docs/ODD.md §7.3).
        let influence = |strategic: f64, alliance: f64| 0.3 + strategic * (1.0 + alliance);
        // GPs also carry the clinical legitimacy on which CCGs were founded (docs/ODD.md §7.3).
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
        // The board's attention is shared among the initiatives that actually hold it: the
        // share averages one over them, so an initiative never gets more than one place's worth
        // of mandate because fewer initiatives than places have been taken up (docs/ODD.md §7.3).
        let holding = self.ranking[..attended]
            .iter()
            .filter(|&&k| self.scores[k] > 0.0)
            .count();
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
                let share = holding as f64 * self.scores[k] / top_total;
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

    /// Mandate decays unless renewed; adoption evidence renews it (docs/ODD.md §7.3).
    fn decay_mandate(&mut self) {
        let st = &self.dynamics.arenas.strategic;
        for init in &mut self.initiatives {
            init.mandate *= 1.0 - st.mandate_decay * (1.0 - st.evidence_renewal * init.adoption);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::world::test_support::scenario;
    use crate::runner;

    #[test]
    fn a_lone_initiative_gets_one_place_s_worth_of_mandate_whatever_the_attention() {
        let one = r#"initiative=[{name="a", scope=["acute"]}]"#;
        let narrow = scenario(&[one, "arenas.strategic.attention=1"]);
        let wide = scenario(&[one, "arenas.strategic.attention=3"]);
        for rep in 0..6 {
            let a = format!("{:?}", runner::replication(&narrow, 0, rep));
            let b = format!("{:?}", runner::replication(&wide, 0, rep));
            assert_eq!(a, b, "replication {rep}");
        }
    }
}
