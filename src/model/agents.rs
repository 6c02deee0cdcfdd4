//! The agents and organisations of one local health economy, stored in contiguous vectors and
//! referred to by index.

use std::ops::Range;

/// A logic mix `[market, hierarchy, network]` on the simplex.
pub type LogicMix = [f64; 3];

/// Index of the market logic in a [`LogicMix`].
pub const MARKET: usize = 0;
/// Index of the hierarchy logic in a [`LogicMix`].
pub const HIERARCHY: usize = 1;
/// Index of the network logic in a [`LogicMix`].
pub const NETWORK: usize = 2;

/// The leadership role an individual holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// No formal role.
    None,
    /// A seat on the governing body.
    Board,
    /// Lead of an initiative.
    Lead,
    /// A role in a GP federation or provider organisation, taken instead of commissioning roles.
    Federation,
}

impl Role {
    /// Whether this is a commissioning role of the CCG: a governing-body seat or a lead.
    pub fn commissioning(self) -> bool {
        matches!(self, Role::Board | Role::Lead)
    }
}

/// A general practitioner.
#[derive(Debug, Clone)]
pub struct Gp {
    /// The practice the GP works in.
    pub practice: u32,
    /// Standing among peers.
    pub credibility: f64,
    /// Strategic skill.
    pub strategic: f64,
    /// Mediation skill.
    pub mediation: f64,
    /// Practical skill.
    pub practical: f64,
    /// Reluctance to destabilise providers.
    pub loyalty: f64,
    /// Willingness the GP returns to when nothing pushes it, and its willingness at month 0.
    /// The world keeps the current willingness and disillusionment apart, in arrays.
    pub willingness_base: f64,
    /// Logic mix at month 0; the current one is `World`'s drift applied to it.
    pub logic: LogicMix,
    /// Alliance with managers, grown by joint work.
    pub alliance: f64,
    /// Formal role.
    pub role: Role,
    /// Whether it is a possible deviant innovator: very credible and less hierarchy-minded than
    /// GPs on average (fixed at month 0, docs/ODD.md §7.5).
    pub deviant: bool,
}

/// A CCG manager, possibly a hybrid clinician-manager.
#[derive(Debug, Clone)]
pub struct Manager {
    /// Strategic skill.
    pub strategic: f64,
    /// Mediation skill.
    pub mediation: f64,
    /// Practical skill.
    pub practical: f64,
    /// Logic mix at month 0; the current one is `World`'s drift applied to it.
    pub logic: LogicMix,
    /// Alliance with GP leaders, grown by joint work.
    pub alliance: f64,
    /// Formal role.
    pub role: Role,
    /// Whether it is a hybrid clinician-manager.
    pub hybrid: bool,
}

/// A provider organisation.
#[derive(Debug, Clone)]
pub struct Provider {
    /// Protection of its jurisdiction.
    pub defensiveness: f64,
    /// Financial margin now.
    pub viability: f64,
    /// Financial margin it recovers toward.
    pub viability_base: f64,
    /// Trust in the commissioner.
    pub trust: f64,
    /// Logic mix at month 0; the current one is `World`'s drift applied to it.
    pub logic: LogicMix,
    /// Whether its viability has fallen under the floor at some point.
    pub destabilised: bool,
    /// Its frontline teams, as a range of team indices.
    pub teams: Range<u32>,
}

/// The local authority.
#[derive(Debug, Clone)]
pub struct Council {
    /// Appetite for integration.
    pub appetite: f64,
    /// Trust in the CCG (moves with programme boards' modes, like a provider's).
    pub trust: f64,
    /// Its social-care frontline teams, as a range of team indices.
    pub teams: Range<u32>,
    /// Logic mix at month 0; the current one is `World`'s drift applied to it.
    pub logic: LogicMix,
}

/// A GP surgery: a unit at the point of delivery.
#[derive(Debug, Clone)]
pub struct Practice {
    /// Its GPs, as a range of GP indices.
    pub gps: Range<u32>,
    /// Its peer practices, as a range into the world's adjacency list.
    pub peers: Range<u32>,
}

/// A frontline team of a provider or of the council's social care: a unit at the point of
/// delivery.
#[derive(Debug, Clone)]
pub struct Team {
    /// The provider it belongs to; `None` for a social-care team of the council.
    pub provider: Option<u32>,
    /// Practical leadership of its frontline clinicians.
    pub practical: f64,
    /// Strength of its informal clinical leader (0 when it has none).
    pub informal: f64,
    /// Practices it works with, as a range into the world's adjacency list.
    pub peers: Range<u32>,
}

/// Who leads an initiative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leader {
    /// A GP, by index.
    Gp(u32),
    /// A manager, by index.
    Manager(u32),
}

impl Council {
    /// The established interests a social-care team feels: the council's reluctance to
    /// integrate, lowered by its trust in the CCG, `(2 − appetite − trust)/2` (docs/ODD.md §7.5).
    pub fn resistance(&self) -> f64 {
        (2.0 - self.appetite - self.trust) / 2.0
    }
}

/// Cosine similarity of two logic mixes.
pub fn similarity(a: &LogicMix, b: &LogicMix) -> f64 {
    let dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let na = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
    let nb = (b[0] * b[0] + b[1] * b[1] + b[2] * b[2]).sqrt();
    if na == 0.0 || nb == 0.0 {
        1.0
    } else {
        dot / (na * nb)
    }
}

/// How far every logic has drifted toward the field's regime since month 0.
///
/// Every agent's logic moves the same share `r` of the way toward the same regime `R_t` each
/// month, `x_{t+1} = (1 − r)·x_t + r·R_t`, so `x_t = scale·x_0 + shift` with `scale` and `shift`
/// common to all agents: one update a month instead of one per agent, and an agent's current
/// logic is read from its starting one.
#[derive(Debug, Clone, Copy)]
pub struct Drift {
    /// Weight left on the starting logic.
    pub scale: f64,
    /// What the regimes have contributed so far.
    pub shift: LogicMix,
}

impl Default for Drift {
    fn default() -> Self {
        Drift {
            scale: 1.0,
            shift: [0.0; 3],
        }
    }
}

impl Drift {
    /// One month of drift at `rate` toward `regime`.
    pub fn toward(&mut self, regime: &LogicMix, rate: f64) {
        self.scale *= 1.0 - rate;
        for (s, r) in self.shift.iter_mut().zip(regime) {
            *s = (1.0 - rate) * *s + rate * r;
        }
    }

    /// The current logic of an agent that started with `start`.
    pub fn apply(&self, start: &LogicMix) -> LogicMix {
        [
            self.scale * start[0] + self.shift[0],
            self.scale * start[1] + self.shift[1],
            self.scale * start[2] + self.shift[2],
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_in_closed_form_equals_drift_step_by_step() {
        let mut x = [0.7, 0.2, 0.1];
        let start = x;
        let mut d = Drift::default();
        for month in 0..50 {
            let regime = if month < 20 {
                [0.1, 0.4, 0.5]
            } else {
                [0.3, 0.3, 0.4]
            };
            for k in 0..3 {
                x[k] += 0.05 * (regime[k] - x[k]);
            }
            d.toward(&regime, 0.05);
        }
        let y = d.apply(&start);
        for k in 0..3 {
            assert!((x[k] - y[k]).abs() < 1e-12);
        }
        assert!((y.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
