//! Step 7, feedback (ODD §3, step 7): provider viability recovers and destabilisation is
//! recorded; the other feedbacks act inside steps 2, 4 and 5.

use super::world::World;

impl World<'_> {
    /// Provider viability recovers toward its base; a provider below the line is destabilised.
    pub(super) fn feedback(&mut self) {
        let env = &self.dynamics.environment;
        for p in &mut self.providers {
            p.viability += env.viability_recovery * (p.viability_base - p.viability);
            if p.viability < env.destabilised_below {
                p.destabilised = true;
            }
        }
    }
}
