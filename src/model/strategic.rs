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
    // Out of line, at no measurable cost (it runs once a month or once a replication), so that
    // profiles attribute instructions to each step of docs/ODD.md §3.
    #[inline(never)]
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
            // What a larger footprint now decides draws less of the board's attention.
            if init.national {
                score *= 1.0 - st.footprint;
            }
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
                // The footprint takes national priorities over and leaves the board less
                // autonomy over local ones (docs/ODD.md §7.3).
                let autonomy = if init.national {
                    1.0 - st.footprint
                } else {
                    1.0 - st.autonomy_loss * st.footprint
                };
                init.mandate += st.mandate_rate
                    * autonomy
                    * share
                    * (0.5 + mix[HIERARCHY])
                    * (0.5 + capacity)
                    * (1.0 - init.mandate);
                init.mandate = init.mandate.min(1.0);
            }
        }
        self.footprint_mandate();
        self.decay_mandate();
    }

    /// A larger footprint (an STP) backs every national-priority initiative taken up, whatever
    /// the CCG board attends to: `M ← M + mandate_rate·F·(0.5 + R_H)·(0.5 + footprint_capacity)
    /// ·(1 − M)`, with F the footprint's share and R_H the regime's hierarchy weight, since the
    /// footprint answers to the centre rather than to the board's members (docs/ODD.md §7.3).
    fn footprint_mandate(&mut self) {
        let st = &self.dynamics.arenas.strategic;
        if st.footprint <= 0.0 {
            return;
        }
        let regime = self.dynamics.environment.regime.weights();
        let growth = st.mandate_rate
            * st.footprint
            * (0.5 + regime[HIERARCHY])
            * (0.5 + st.footprint_capacity);
        for init in self
            .initiatives
            .iter_mut()
            .filter(|i| i.national && i.ever_led)
        {
            init.mandate = (init.mandate + growth * (1.0 - init.mandate)).min(1.0);
        }
    }

    /// The health and wellbeing board, a council-led forum, backs every initiative taken up
    /// whose scope names the council: `B ← B + backing_rate·appetite·trust·(1 − B)`, then
    /// `B ← B·(1 − mandate_decay)`. Backing stands in for mandate where the point of delivery and
    /// the programme board read it (`max(M, B)`), never in the CCG's directive (docs/ODD.md §7.3).
    // Out of line, at no measurable cost (it runs once a month or once a replication), so that
    // profiles attribute instructions to each step of docs/ODD.md §3.
    #[inline(never)]
    pub(super) fn wellbeing_board(&mut self) {
        let c = &self.s.council;
        if !c.wellbeing_board {
            return;
        }
        let growth = c.backing_rate * self.council.appetite * self.council.trust;
        let decay = self.dynamics.arenas.strategic.mandate_decay;
        for init in self
            .initiatives
            .iter_mut()
            .filter(|i| i.council && i.ever_led)
        {
            init.backing += growth * (1.0 - init.backing);
            init.backing *= 1.0 - decay;
        }
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
    use crate::model::World;
    use crate::model::world::test_support::scenario;
    use crate::runner;

    /// Mandate of a national and a local initiative after 36 months, summed over areas in which
    /// each was taken up, with the footprint's share and the board's lost autonomy given.
    fn mandates(footprint: f64, autonomy_loss: f64) -> (f64, f64) {
        let s = scenario(&[
            r#"initiative=[{name="n", scope=["acute"], national=true}, {name="l", scope=["acute"]}]"#,
            &format!("arenas.strategic.footprint={footprint}"),
            &format!("arenas.strategic.autonomy_loss={autonomy_loss}"),
            "arenas.strategic.attention=2",
            "event=[]",
        ]);
        let (mut national, mut local) = (0.0, 0.0);
        for rep in 0..20 {
            let mut streams = runner::streams(s.simulation.seed, 0, rep, false);
            let mut world = World::new(&s, &mut streams.population);
            for month in 0..36 {
                world.step(month, &mut streams);
                if footprint >= 1.0 {
                    // The board no longer attends to what the footprint decides.
                    assert!(!world.initiatives[0].attention, "month {month}");
                }
            }
            let [n, l] = [0, 1].map(|k| &world.initiatives[k]);
            national += if n.ever_led { n.mandate } else { 0.0 };
            local += if l.ever_led { l.mandate } else { 0.0 };
        }
        (national, local)
    }

    #[test]
    fn a_footprint_backs_national_priorities_and_takes_the_board_s_autonomy() {
        let (n0, l0) = mandates(0.0, 0.5);
        let (n1, l1) = mandates(1.0, 1.0);
        let (_, l_kept) = mandates(1.0, 0.0);
        eprintln!(
            "national {n0:.2} -> {n1:.2}; local {l0:.2} -> {l1:.2} ({l_kept:.2} with autonomy kept)"
        );
        // The footprint alone still gives national priorities mandate.
        assert!(n1 > 0.0);
        // With all autonomy lost the board gives local initiatives none.
        assert_eq!(l1, 0.0);
        assert!(l0 > 0.0 && l_kept > 0.0);
    }

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

#[cfg(test)]
mod council_tests {
    use crate::model::World;
    use crate::model::world::test_support::scenario;
    use crate::runner;

    /// Mean over replications of each initiative's final routinised share.
    fn routinised(overrides: &[&str], reps: u32) -> Vec<f64> {
        let s = scenario(overrides);
        let mut sums = vec![0.0; s.initiative.len()];
        for rep in 0..reps {
            let o = runner::replication(&s, 0, rep);
            for (sum, init) in sums.iter_mut().zip(&o.initiatives) {
                *sum += init.final_routinised / reps as f64;
            }
        }
        sums
    }

    #[test]
    fn naming_the_council_in_scope_changes_results_measurably() {
        // Frail elderly care with and without the council in its scope, on the same areas: the
        // paired difference of the final routinised share is far from zero.
        let one = |council: bool| {
            scenario(&[&format!(
                r#"initiative=[{{name="a", complexity=0.6, scope=["acute", "community"], national=true, council={council}}}]"#
            )])
        };
        let (with, without) = (one(true), one(false));
        // 1,200 areas: areas that never take the initiative live (ODD §7.5, implementation
        // work) add pairs with no difference, so 200 no longer separate a 0.013 effect from
        // noise, and 600 gave t = 2.7 with one set of streams (4,000 areas a side: −0.016 before
        // the streams changed, −0.012 after).
        let reps = 1200;
        let d: Vec<f64> = (0..reps)
            .map(|rep| {
                runner::replication(&with, 0, rep).initiatives[0].final_routinised
                    - runner::replication(&without, 0, rep).initiatives[0].final_routinised
            })
            .collect();
        let mean = d.iter().sum::<f64>() / reps as f64;
        let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (reps - 1) as f64;
        let t = mean / (var / reps as f64).sqrt();
        assert!(t.abs() > 3.0, "mean difference {mean:.4}, t = {t:.1}");
    }

    #[test]
    fn council_trust_lowers_its_teams_resistance_and_helps_council_initiatives() {
        let s = scenario(&[]);
        let mut streams = runner::streams(1, 0, 0, false);
        let mut world = World::new(&s, &mut streams.population);
        world.council.trust = 0.2;
        let low = world.council.resistance();
        world.council.trust = 0.8;
        assert!(world.council.resistance() < low);
        let frail = |trust: &str| routinised(&[&format!("council.trust={trust}")], 120)[0];
        let (distrust, trust) = (frail("0.1"), frail("0.9"));
        assert!(trust > distrust, "{trust} !> {distrust}");
    }

    #[test]
    fn the_wellbeing_board_backs_only_initiatives_naming_the_council() {
        let backing = |board: bool| {
            let s = scenario(&[&format!("council.wellbeing_board={board}")]);
            let mut streams = runner::streams(1, 0, 0, false);
            let mut world = World::new(&s, &mut streams.population);
            for month in 0..s.simulation.months {
                world.step(month, &mut streams);
            }
            world
                .initiatives
                .iter()
                .map(|i| (i.council, i.ever_led, i.backing))
                .collect::<Vec<_>>()
        };
        for (_, _, b) in backing(false) {
            assert_eq!(b, 0.0);
        }
        let on = backing(true);
        assert!(
            on.iter()
                .any(|&(council, led, b)| council && led && b > 0.0),
            "{on:?}"
        );
        assert!(on.iter().all(|&(council, _, b)| council || b == 0.0));
        // Backing stands in for mandate: council initiatives routinise more with the board.
        let board = |on: bool| routinised(&[&format!("council.wellbeing_board={on}")], 120)[0];
        let (without, with) = (board(false), board(true));
        assert!(with > without, "{with} !> {without}");
    }
}
