//! Step 1, environment (ODD §3, step 1): scheduled events set or add to parameters, policy
//! uncertainty relaxes toward its starting value, and every logic drifts toward the regime.

use super::world::World;
use crate::scenario::{Access, Slot};

impl World<'_> {
    /// Applies this month's events, relaxes policy uncertainty and drifts logics (ODD §3, step 1).
    pub(super) fn environment(&mut self, month: u32) {
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
}
