//! Step 7, feedback (ODD §3, step 7): provider viability recovers and destabilisation is
//! recorded; the other feedbacks act inside steps 2, 4 and 5.

use super::world::World;

impl World<'_> {
    /// Provider viability recovers toward its base; a provider below the line is destabilised.
    // Out of line, at no measurable cost (it runs once a month or once a replication), so that
    // profiles attribute instructions to each step of docs/ODD.md §3.
    #[inline(never)]
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
