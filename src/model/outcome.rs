//! What one replication produces: per-initiative outcomes with failure modes, leadership
//! figures, the virtual survey, and monthly trajectories.

use serde::Serialize;

/// How an initiative ended, success or one failure mode (docs/ODD.md §7.7, §7.8). Exclusive: every
/// initiative in every replication gets exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Routinised share held at the threshold for the sustain period.
    Success,
    /// No lead ever took it up.
    NeverStarted,
    /// Local adoption rose, then reverted.
    PilotFizzled,
    /// Mandate withdrawn after a central priority or policy event.
    Displaced,
    /// A plan with the board's mandate, designed or not, that never reached the front line.
    PlanWithoutImplementation,
    /// Design mature without a plan behind it, adoption stayed low.
    DesignedNotAdopted,
    /// Adoption stable but under the threshold.
    Partial,
    /// A lead and some work, but adoption never took off.
    Stalled,
}

impl Mode {
    /// Every mode, in the order in which they are classified and reported.
    pub const ALL: [Mode; 8] = [
        Mode::Success,
        Mode::NeverStarted,
        Mode::PilotFizzled,
        Mode::Displaced,
        Mode::PlanWithoutImplementation,
        Mode::DesignedNotAdopted,
        Mode::Partial,
        Mode::Stalled,
    ];

    /// The failure modes (every mode but success).
    pub fn failures() -> &'static [Mode] {
        &Self::ALL[1..]
    }

    /// The mode's name as written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Success => "success",
            Mode::NeverStarted => "never_started",
            Mode::PilotFizzled => "pilot_fizzled",
            Mode::Displaced => "displaced",
            Mode::PlanWithoutImplementation => "plan_without_implementation",
            Mode::DesignedNotAdopted => "designed_not_adopted",
            Mode::Partial => "partial",
            Mode::Stalled => "stalled",
        }
    }

    /// Position in [`Mode::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Thresholds that read a failure mode off a trajectory. They are modelling choices, documented
/// in docs/ODD.md (§ Observation).
pub mod thresholds {
    /// Peak adoption that counts as a pilot having taken off.
    pub const PILOT_PEAK: f64 = 0.25;
    /// Final adoption below this share of the peak counts as fizzled.
    pub const FIZZLED_SHARE: f64 = 0.6;
    /// Peak mandate that counts as a plan.
    pub const PLAN_MANDATE: f64 = 0.3;
    /// Final mandate under which a plan counts as withdrawn.
    pub const WITHDRAWN_MANDATE: f64 = 0.1;
    /// Months after a policy event in which losing the board's attention counts as displacement.
    pub const DISPLACEMENT_WINDOW: u32 = 6;
    /// Peak design that counts as mature.
    pub const DESIGN_MATURE: f64 = 0.6;
    /// Peak adoption under which adoption stayed low.
    pub const ADOPTION_LOW: f64 = 0.2;
}

/// The facts about one initiative's trajectory that decide its mode.
#[derive(Debug, Clone, Copy, Default)]
pub struct Trajectory {
    /// Whether the success rule was met.
    pub succeeded: bool,
    /// Whether a lead ever took it up.
    pub ever_led: bool,
    /// Peak mandate.
    pub peak_mandate: f64,
    /// Final mandate.
    pub final_mandate: f64,
    /// Peak design.
    pub peak_design: f64,
    /// Peak adoption.
    pub peak_adoption: f64,
    /// Final adoption.
    pub final_adoption: f64,
    /// Whether it lost the board's attention soon after a policy event.
    pub displaced_by_event: bool,
}

/// Classifies a trajectory by the first mode that applies, in [`Mode::ALL`] order.
pub fn classify(t: &Trajectory) -> Mode {
    use thresholds::*;
    if t.succeeded {
        Mode::Success
    } else if !t.ever_led {
        Mode::NeverStarted
    } else if t.peak_adoption >= PILOT_PEAK && t.final_adoption < FIZZLED_SHARE * t.peak_adoption {
        Mode::PilotFizzled
    } else if t.peak_mandate >= PLAN_MANDATE
        && t.final_mandate < WITHDRAWN_MANDATE
        && t.displaced_by_event
    {
        Mode::Displaced
    } else if t.peak_mandate >= PLAN_MANDATE && t.peak_adoption < ADOPTION_LOW {
        // A strategic plan that never reached the front line, whatever its design: the study's
        // "plans ... constructed at the strategic level which failed to make a difference"
        // (Storey et al., HS&DR report).
        Mode::PlanWithoutImplementation
    } else if t.peak_design >= DESIGN_MATURE && t.peak_adoption < ADOPTION_LOW {
        Mode::DesignedNotAdopted
    } else if t.peak_adoption >= ADOPTION_LOW {
        Mode::Partial
    } else {
        Mode::Stalled
    }
}

/// One initiative's result in one replication.
#[derive(Debug, Clone)]
pub struct InitiativeOutcome {
    /// Success or failure mode.
    pub mode: Mode,
    /// Month in which success was reached (the end of the sustain period), if it was.
    pub months_to_success: Option<u32>,
    /// Peak mandate.
    pub peak_mandate: f64,
    /// Peak design.
    pub peak_design: f64,
    /// Peak adoption share.
    pub peak_adoption: f64,
    /// Routinised share in the last month.
    pub final_routinised: f64,
    /// Months its programme board worked in each logic's mode `[market, hierarchy, network]`.
    pub episodes: [u32; 3],
    /// Design rounds reopened because adoption stalled.
    pub design_rounds: u32,
    /// Month in which design first reached maturity (counted from 1), if it did.
    pub months_to_mature_design: Option<u32>,
}

/// What the virtual survey found in one replication at one survey month (docs/ODD.md §7.7, §7.8).
#[derive(Debug, Clone, Copy, Default)]
pub struct SurveyWave {
    /// The month asked.
    pub month: u32,
    /// Governing-body members answering.
    pub members: u32,
    /// Members judging the centre's influence "quite a lot" or "very extensive".
    pub centre_high: u32,
    /// Members saying GPs hold the main influence.
    pub gps_main: u32,
    /// Members saying managers hold the main influence.
    pub managers_main: u32,
    /// Members saying the vision is set by clinicians and managers equally.
    pub vision_equal: u32,
    /// GPs with a formal role.
    pub gp_formal: u32,
    /// Of them, those who feel able to influence the CCG.
    pub gp_formal_can: u32,
    /// Of them, those highly engaged.
    pub gp_formal_engaged: u32,
    /// GPs with no role.
    pub gp_no_role: u32,
    /// Of them, those who feel able to influence the CCG.
    pub gp_no_role_can: u32,
}

/// Everything one replication produces.
#[derive(Debug, Clone)]
pub struct ReplicationOutcome {
    /// Per initiative, in scenario order.
    pub initiatives: Vec<InitiativeOutcome>,
    /// Providers whose viability fell under the floor at some point.
    pub providers_destabilised: u32,
    /// Mean share of GP seats filled over the months (0 when there are no GP seats).
    pub gp_seats_filled_share: f64,
    /// Mean GP share of GP-plus-manager influence on the governing body, over months when it sat
    /// with members of either kind.
    pub gp_influence_share: Option<f64>,
    /// Per month, the share of GP seats filled.
    pub seats_filled: Vec<f32>,
    /// Per month, the mean logic mix over GPs, managers and providers.
    pub logic_mix: Vec<[f32; 3]>,
    /// Per month and initiative (month-major), mandate, design, adoption and routinised share.
    pub trajectories: Vec<[f32; 4]>,
    /// The survey waves, in month order.
    pub survey: Vec<SurveyWave>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_follow_the_precedence() {
        let base = Trajectory {
            ever_led: true,
            ..Default::default()
        };
        assert_eq!(classify(&base), Mode::Stalled);
        assert_eq!(
            classify(&Trajectory {
                ever_led: false,
                ..base
            }),
            Mode::NeverStarted
        );
        let fizzled = Trajectory {
            peak_adoption: 0.5,
            final_adoption: 0.1,
            ..base
        };
        assert_eq!(classify(&fizzled), Mode::PilotFizzled);
        assert_eq!(
            classify(&Trajectory {
                succeeded: true,
                ..fizzled
            }),
            Mode::Success
        );
        let plan = Trajectory {
            peak_mandate: 0.5,
            final_mandate: 0.4,
            ..base
        };
        assert_eq!(classify(&plan), Mode::PlanWithoutImplementation);
        let displaced = Trajectory {
            final_mandate: 0.05,
            displaced_by_event: true,
            ..plan
        };
        assert_eq!(classify(&displaced), Mode::Displaced);
        let designed = Trajectory {
            peak_design: 0.8,
            ..base
        };
        assert_eq!(classify(&designed), Mode::DesignedNotAdopted);
        // A designed plan that never reached the front line is a plan without implementation.
        let designed_plan = Trajectory {
            peak_design: 0.8,
            ..plan
        };
        assert_eq!(classify(&designed_plan), Mode::PlanWithoutImplementation);
        let partial = Trajectory {
            peak_adoption: 0.3,
            final_adoption: 0.3,
            ..base
        };
        assert_eq!(classify(&partial), Mode::Partial);
    }
}
