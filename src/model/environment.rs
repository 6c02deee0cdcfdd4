//! Step 1, environment (ODD §3, step 1): scheduled events set or add to parameters, policy
//! uncertainty relaxes toward its starting value, and every logic drifts toward the regime.

use super::world::World;
use crate::scenario::{Access, Scenario, Slot, float_range};

impl World<'_> {
    /// Applies this month's events, relaxes policy uncertainty and drifts logics (ODD §3, step 1).
    // Out of line, at no measurable cost (it runs once a month or once a replication), so that
    // profiles attribute instructions to each step of docs/ODD.md §3.
    #[inline(never)]
    pub(super) fn environment(&mut self, month: u32) {
        let s = self.s;
        for event in s.event.iter().filter(|e| e.month == month) {
            // An experimenter's switch (the timing experiment's hand-overs) is not a policy
            // event: losing attention after it is not displacement (docs/ODD.md §3, §7.3).
            if event.kind != "experiment" {
                self.last_event = Some(month);
            }
            for (path, value) in &event.set {
                match (self.dynamics.slot(path), value) {
                    (Some(Slot::Float(x)), toml::Value::Float(v)) => *x = *v,
                    (Some(Slot::Bool(x)), toml::Value::Boolean(v)) => *x = *v,
                    // Validation admits only these pairs.
                    _ => {}
                }
            }
            // What an event adds is clipped to the parameter's own declared range.
            for (path, value) in &event.add {
                let (lo, hi) = float_range(Scenario::fields(), path).unwrap_or((0.0, 1.0));
                if let (Some(Slot::Float(x)), toml::Value::Float(v)) =
                    (self.dynamics.slot(path), value)
                {
                    *x = (*x + v).clamp(lo, hi);
                }
            }
        }
        let env = &mut self.dynamics.environment;
        env.policy_uncertainty -=
            env.uncertainty_recovery * (env.policy_uncertainty - self.uncertainty_base);
        self.drift.toward(&env.regime.weights(), env.logic_drift);
    }
}

#[cfg(test)]
mod tests {
    use crate::model::World;
    use crate::model::world::test_support::scenario;
    use crate::runner;

    fn world_after_month_0(events: &str) -> (f64, f64, Option<u32>) {
        let s = scenario(&[&format!("event={events}")]);
        let mut streams = runner::streams(1, 0, 0, false);
        let mut world = World::new(&s, &mut streams.population);
        world.step(0, &mut streams);
        (
            world.dynamics.arenas.strategic.national_pull,
            world.dynamics.environment.central_pressure,
            world.last_event,
        )
    }

    #[test]
    fn an_event_add_is_clipped_to_the_parameter_s_own_range() {
        // national_pull is declared in [0, 100]: 2 + 5 stays 7, not 1.
        let (pull, pressure, _) = world_after_month_0(
            r#"[{month=0, add={"arenas.strategic.national_pull"=5.0, "environment.central_pressure"=5.0}}]"#,
        );
        assert_eq!(pull, 7.0);
        assert_eq!(pressure, 1.0);
        let (pull, _, _) =
            world_after_month_0(r#"[{month=0, add={"arenas.strategic.national_pull"=500.0}}]"#);
        assert_eq!(pull, 100.0);
    }

    #[test]
    fn an_experiment_switch_is_not_a_policy_event() {
        let switch = r#"[{month=0, kind="experiment", set={"arenas.practice.enabled"=true}}]"#;
        assert_eq!(world_after_month_0(switch).2, None);
        let policy = r#"[{month=0, set={"arenas.practice.enabled"=true}}]"#;
        assert_eq!(world_after_month_0(policy).2, Some(0));
    }

    #[test]
    fn an_event_can_change_the_contract_reach_of_practices() {
        let fixed = scenario(&["arenas.programme.contract_practice_reach=0", "event=[]"]);
        let by_event = scenario(&[
            "arenas.programme.contract_practice_reach=0.8",
            r#"event=[{month=0, kind="experiment", set={"arenas.programme.contract_practice_reach"=0.0}}]"#,
        ]);
        let untouched = scenario(&["arenas.programme.contract_practice_reach=0.8", "event=[]"]);
        let mut differs = false;
        for rep in 0..6 {
            let a = format!("{:?}", runner::replication(&fixed, 0, rep));
            let b = format!("{:?}", runner::replication(&by_event, 0, rep));
            let c = format!("{:?}", runner::replication(&untouched, 0, rep));
            assert_eq!(a, b, "replication {rep}");
            differs |= a != c;
        }
        assert!(differs, "the reach matters at all");
    }
}
