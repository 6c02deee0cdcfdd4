//! Step 8, record (ODD §3, step 8): the monthly records of every initiative, seats and logic mix,
//! and the virtual survey at survey months (ODD §7.8).

use super::agents::{HIERARCHY, LogicMix};
use super::outcome::{SurveyWave, thresholds};
use super::world::{Draws, STRATEGIC, World};
use super::ziggurat::standard_normal;

/// Perception noise of a GP asked whether it can influence the CCG.
const GP_SURVEY_NOISE: f64 = 0.1;

impl World<'_> {
    /// Records the month and asks the survey when this is a survey month (ODD §3, step 8).
    // Out of line, at no measurable cost (it runs once a month or once a replication), so that
    // profiles attribute instructions to each step of docs/ODD.md §3.
    #[inline(never)]
    pub(super) fn record(&mut self, month: u32, rng: &mut Draws) {
        // Seats filled among those the area holds now (fewer after a merger).
        let active = self.active_seats();
        let filled = self.seats[..active].iter().flatten().count();
        self.seats_filled.push(if active == 0 {
            0.0
        } else {
            filled as f32 / active as f32
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
    /// with perception noise (docs/ODD.md §7.8).
    fn ask_survey(&mut self, month: u32, rng: &mut Draws) {
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
        let mut ask_member = |logic: &LogicMix, alliance: f64, rng: &mut Draws| {
            let noise = |rng: &mut Draws| sv.noise * standard_normal(rng);
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
            // see the vision as set by both (docs/ODD.md §7.8), whatever the count of seats.
            if alliance + noise(rng) > sv.shared_vision_above {
                wave.vision_equal += 1;
            }
        };
        if self.dynamics.arenas.strategic.enabled {
            if self.dynamics.clinical()[STRATEGIC] {
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
        for (gp, &willingness) in self.gps.iter().zip(&self.willingness.now) {
            let noise = GP_SURVEY_NOISE * standard_normal(rng);
            // A GP in a federation role holds no role in the CCG.
            if !gp.role.commissioning() {
                wave.gp_no_role += 1;
                if willingness + noise > sv.can_influence_above {
                    wave.gp_no_role_can += 1;
                }
            } else {
                wave.gp_formal += 1;
                if willingness + sv.formal_role_bonus + noise > sv.can_influence_above {
                    wave.gp_formal_can += 1;
                }
                if willingness > sv.engaged_above {
                    wave.gp_formal_engaged += 1;
                }
            }
        }
        self.survey.push(wave);
    }
}

#[cfg(test)]
mod tests {
    use crate::model::world::test_support::scenario;
    use crate::runner;

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
