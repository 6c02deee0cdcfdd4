//! Drawing one area: its agents, organisations, peer network and initiatives (docs/ODD.md §5).

use std::rc::Rc;

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};

use super::agents::{Council, Gp, HIERARCHY, LogicMix, Manager, Practice, Provider, Role, Team};
use super::share_table::ShareTable;
use super::world::Draws;
use super::ziggurat::{open01, out_of_line, standard_normal};
use crate::scenario::{Dist, Logic, Scenario};

/// `Gamma(shape, 1)`, drawn with the same numbers and the same arithmetic as
/// `rand_distr::Gamma::new(shape, 1.0)`, so the same bits: for a shape above 1 Marsaglia and
/// Tsang's method written out here, where the compiler can inline it into the Beta and Dirichlet
/// draws (the area's 2,500 gamma draws were 16% of a baseline replication, much of it calls),
/// with its normal and uniform draws from `ziggurat.rs` (the same bits as `rand_distr`'s, inlined
/// too); for a shape of 1 or less `rand_distr`'s own (writing out the shapes below 1 too was
/// measured: a third variant made every Beta draw longer, 11 K instructions a replication more
/// than the 80 small-shape draws it saved, so they stay with `rand_distr`).
pub(crate) enum UnitGamma {
    /// Marsaglia and Tsang (2000): `d = shape − 1/3`, `c = 1/√(9d)`.
    Large { d: f64, c: f64 },
    /// Any other shape, left to `rand_distr`.
    Other(Gamma<f64>),
}

impl UnitGamma {
    /// `Gamma(shape, 1)`; none when `shape` is not positive (as `Gamma::new` refuses it).
    pub(crate) fn new(shape: f64) -> Option<Self> {
        let other = Gamma::new(shape, 1.0).ok()?;
        // `rand_distr` takes Marsaglia and Tsang's method for every finite shape above 1.
        Some(if shape > 1.0 && shape.is_finite() {
            let d = shape - 1. / 3.;
            UnitGamma::Large {
                d,
                c: 1.0 / (9. * d).sqrt(),
            }
        } else {
            UnitGamma::Other(other)
        })
    }

    /// One draw.
    #[inline(always)]
    pub(crate) fn sample<R: Rng + Clone>(&self, rng: &mut R) -> f64 {
        match *self {
            UnitGamma::Large { d, c } => loop {
                let x = standard_normal(rng);
                let v_cbrt = 1.0 + c * x;
                if v_cbrt <= 0.0 {
                    continue;
                }
                let v = v_cbrt * v_cbrt * v_cbrt;
                let u = open01(rng);
                let x_sqr = x * x;
                if u < 1.0 - 0.0331 * x_sqr * x_sqr || u.ln() < 0.5 * x_sqr + d * (1.0 - v + v.ln())
                {
                    // rand_distr scales by `d·scale`, here `d·1 = d`.
                    return v * d;
                }
            },
            UnitGamma::Other(ref g) => out_of_line(rng, |r| g.sample(r)),
        }
    }
}

/// Draws shares in [0, 1] with a given mean and spread, as a Beta distribution.
pub(crate) struct ShareDraw {
    mean: f64,
    /// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b): the same distribution as
    /// `rand_distr::Beta`, at less than half its cost (measured 24 ns against 62 ns a draw).
    gammas: Option<(UnitGamma, UnitGamma)>,
    /// The same Beta from a table built once per shape ([`ShareTable`]), where it has one.
    table: Option<Rc<ShareTable>>,
}

impl ShareDraw {
    /// A Beta with `mean` and `sd` (the mean clipped into the open interval, the variance capped
    /// below its maximum so the shape parameters stay positive), drawn as a ratio of gammas.
    pub(crate) fn new(mean: f64, sd: f64) -> Self {
        let mean = mean.clamp(1e-3, 1.0 - 1e-3);
        let gammas =
            beta_shapes(mean, sd).and_then(|(a, b)| Some((UnitGamma::new(a)?, UnitGamma::new(b)?)));
        ShareDraw {
            mean,
            gammas,
            table: None,
        }
    }

    /// From a scenario distribution, with its mean shifted by an area effect (the shapes move
    /// with every area, so they are drawn as a ratio of gammas).
    pub(crate) fn shifted(d: &Dist, shift: f64) -> Self {
        Self::new(d.mean + shift, d.sd)
    }

    /// From a scenario distribution whose shapes are the same in every area: from a table where
    /// the Beta has one (both shapes at least 1, not too narrow), else as [`ShareDraw::new`].
    pub(crate) fn fixed(d: &Dist) -> Self {
        let mut draw = Self::new(d.mean, d.sd);
        draw.table = beta_shapes(draw.mean, d.sd).and_then(|(a, b)| ShareTable::cached(a, b));
        draw
    }

    /// One draw.
    // Inlined into each of its dozen callers: the call, its saved registers and its constants
    // cost some 17 K instructions a replication over its 1,000 draws (callgrind).
    #[inline(always)]
    pub(crate) fn sample<R: Rng + Clone>(&self, rng: &mut R) -> f64 {
        if let Some(table) = &self.table {
            return table.sample(rng);
        }
        match &self.gammas {
            Some((a, b)) => {
                // Both gammas draw from a local copy of the generator, written back once: the
                // compiler keeps its state in registers instead of loading and storing it at
                // each of the draw's four or so numbers (see `ziggurat::out_of_line`).
                let mut r = rng.clone();
                let x = a.sample(&mut r);
                let y = b.sample(&mut r);
                *rng = r;
                // No clamp: gamma draws are not negative, so x ≤ x + y and the rounded
                // quotient lies in [0, 1] (and a NaN stays a NaN, as through a clamp).
                if x + y > 0.0 { x / (x + y) } else { self.mean }
            }
            None => self.mean,
        }
    }
}

/// The Beta's shapes `(a, b)` for a mean in the open interval and `sd`, the variance capped at
/// 95% of its maximum; none when `sd` is 0 (every draw is the mean).
fn beta_shapes(mean: f64, sd: f64) -> Option<(f64, f64)> {
    let var = (sd * sd).min(mean * (1.0 - mean) * 0.95);
    (var > 0.0).then(|| {
        let k = mean * (1.0 - mean) / var - 1.0;
        (mean * k, (1.0 - mean) * k)
    })
}

/// Draws individual logic mixes around a mean, as a Dirichlet with a given concentration.
pub(crate) struct LogicDraw {
    gammas: [Option<UnitGamma>; 3],
    mean: LogicMix,
    /// The same Dirichlet by stick-breaking from two Beta tables ([`ShareTable`]), where all
    /// three weights are positive and both Betas have a table: the first weight is
    /// `Beta(α₁, α₂ + α₃)` and the second's share of the rest `Beta(α₂, α₃)`, independent.
    sticks: Option<[Rc<ShareTable>; 2]>,
}

impl LogicDraw {
    pub(crate) fn new(mean: &Logic, concentration: f64) -> Self {
        let mean = mean.weights();
        let gamma = |m: f64| {
            (m > 0.0)
                .then(|| UnitGamma::new(concentration * m))
                .flatten()
        };
        let alpha = mean.map(|m| concentration * m);
        let sticks = if mean.iter().all(|&m| m > 0.0) {
            ShareTable::cached(alpha[0], alpha[1] + alpha[2])
                .zip(ShareTable::cached(alpha[1], alpha[2]))
                .map(|(first, second)| [first, second])
        } else {
            None
        };
        LogicDraw {
            gammas: [gamma(mean[0]), gamma(mean[1]), gamma(mean[2])],
            mean,
            sticks,
        }
    }

    /// One draw.
    // Inlined as `ShareDraw::sample` is, for 3.6 K instructions a replication.
    #[inline(always)]
    pub(crate) fn sample<R: Rng + Clone>(&self, rng: &mut R) -> LogicMix {
        if let Some([first, second]) = &self.sticks {
            let x = first.sample(rng);
            let rest = 1.0 - x;
            let y = rest * second.sample(rng);
            return [x, y, rest - y];
        }
        // A local copy of the generator, as in `ShareDraw::sample`.
        let mut r = rng.clone();
        let mut x = [0.0; 3];
        for (x, g) in x.iter_mut().zip(&self.gammas) {
            if let Some(g) = g {
                *x = g.sample(&mut r);
            }
        }
        *rng = r;
        let sum = x[0] + x[1] + x[2];
        if sum > 0.0 {
            [x[0] / sum, x[1] / sum, x[2] / sum]
        } else {
            self.mean
        }
    }
}

/// The drawn area, before any month has passed.
#[derive(Debug, Clone)]
pub(crate) struct Area {
    pub gps: Vec<Gp>,
    pub practices: Vec<Practice>,
    pub managers: Vec<Manager>,
    pub providers: Vec<Provider>,
    pub teams: Vec<Team>,
    pub council: Council,
    /// The area's capacity for implementation work (docs/ODD.md §5 item 7); 1 when no
    /// implementation work is needed.
    pub implementation_capacity: f64,
    /// Peer lists of practices and teams (indices of practices), concatenated.
    pub adjacency: Vec<u32>,
}

/// Concentration of the logic mixes of provider organisations around their means; GPs' and
/// managers' concentrations are scenario parameters.
const ORGANISATION_LOGIC_CONCENTRATION: f64 = 20.0;

/// Peer practices each frontline team works with.
const TEAM_PEERS: u32 = 4;

/// Draws the area: the random effects first, then every agent, so that the same replication
/// draws the same area in every cell of an experiment (common random numbers).
// Out of line, at no measurable cost (it runs once a month or once a replication), so that
// profiles attribute instructions to each step of docs/ODD.md §3.
#[inline(never)]
pub(crate) fn draw(s: &Scenario, rng: &mut ChaCha8Rng) -> Area {
    // The area's capacity for implementation work comes from a stream of its own (the
    // population stream's key, its stream number with the top bit set), so that it depends only
    // on the seed and the replication: two scenarios whose agents are drawn differently (a
    // Gamma draw takes a variable count of numbers) still meet the same capacity in the same
    // replication (common random numbers, docs/ODD.md §9).
    let mut capacity_rng = rng.clone();
    capacity_rng.set_stream(rng.get_stream() | 1 << 63);
    // Every other draw of the area comes from a xoshiro256++ seeded with the population
    // stream's first 32 bytes: some 5,000 numbers a replication, at a third of the cost of
    // drawing them from the stream itself (docs/ODD.md §9).
    let mut draws = Draws::from_rng(rng);
    let rng = &mut draws;
    let spread = s.population.area_spread;
    // Area random effects: outcomes across real CCGs were "strikingly varied" (docs/ODD.md §5).
    let willingness_effect = spread * standard_normal(rng);
    let defensiveness_effect = spread * standard_normal(rng);
    // Relationships: the history of trust between commissioner, providers and council.
    let relationship_effect = spread * standard_normal(rng);

    let g = &s.gp;
    let n_gps = s.population.gps as usize;
    let n_practices = s.population.practices as usize;
    let willingness = ShareDraw::shifted(&g.willingness, willingness_effect);
    let credibility = ShareDraw::fixed(&g.credibility);
    let strategic = ShareDraw::fixed(&g.strategic_skill);
    let mediation = ShareDraw::fixed(&g.mediation_skill);
    let practical = ShareDraw::fixed(&g.practical_skill);
    let loyalty = ShareDraw::fixed(&g.loyalty);
    let gp_logic = LogicDraw::new(&g.logic, g.logic_concentration);
    let mean_hierarchy = g.logic.weights()[HIERARCHY];
    let gps: Vec<Gp> = (0..n_gps)
        .map(|i| {
            let w = willingness.sample(rng);
            let mut gp = Gp {
                practice: (i * n_practices / n_gps) as u32,
                credibility: credibility.sample(rng),
                strategic: strategic.sample(rng),
                mediation: mediation.sample(rng),
                practical: practical.sample(rng),
                loyalty: loyalty.sample(rng),
                willingness_base: w,
                logic: gp_logic.sample(rng),
                alliance: 0.0,
                role: Role::None,
                deviant: false,
            };
            // Few and least conforming: very credible, and less hierarchy-minded than the mean
            // GP (drift moves every logic alike, so this stays true all run).
            gp.deviant =
                gp.credibility >= g.deviant_credibility && gp.logic[HIERARCHY] < mean_hierarchy;
            gp
        })
        .collect();

    let mut practices: Vec<Practice> = (0..n_practices)
        .map(|_| Practice {
            gps: 0..0,
            peers: 0..0,
        })
        .collect();
    for (i, gp) in gps.iter().enumerate() {
        let r = &mut practices[gp.practice as usize].gps;
        if r.start == r.end {
            *r = i as u32..i as u32 + 1;
        } else {
            r.end = i as u32 + 1;
        }
    }

    // Small world: a ring inside each locality, each tie rewired to any practice with a chance.
    let localities = s.population.localities as usize;
    let locality_of = |p: usize| p * localities / n_practices;
    let locality_range = |l: usize| {
        let start = (l * n_practices).div_ceil(localities);
        let end = ((l + 1) * n_practices).div_ceil(localities);
        start..end
    };
    // Every tie both ways, as drawn; a practice's peers are the other ends of its ties, sorted
    // and without repeats. Gathered in one list and sorted into the adjacency by a counting
    // sort: three allocations, where a list per practice took some 60 allocations and
    // reallocations a replication.
    let peer_ties = s.population.peer_ties as usize;
    let mut ties: Vec<(u32, u32)> = Vec::with_capacity(2 * peer_ties * n_practices);
    for p in 0..n_practices {
        let range = locality_range(locality_of(p));
        let size = range.len();
        for d in 1..=peer_ties {
            let mut q = range.start + (p - range.start + d) % size.max(1);
            if rng.random::<f64>() < s.population.rewire {
                q = rng.random_range(0..n_practices);
            }
            if q != p {
                ties.push((p as u32, q as u32));
                ties.push((q as u32, p as u32));
            }
        }
    }
    // `ends[p]..ends[p + 1]`: the slots of practice p's ties in `adjacency`, repeats included.
    let mut ends = vec![0u32; n_practices + 1];
    for &(p, _) in &ties {
        ends[p as usize + 1] += 1;
    }
    for p in 0..n_practices {
        ends[p + 1] += ends[p];
    }
    let n_teams =
        s.provider.iter().map(|p| p.teams as usize).sum::<usize>() + s.council.teams as usize;
    // Room for the teams' peers too, appended by `draw_team`.
    let mut adjacency = Vec::with_capacity(ties.len() + n_teams * TEAM_PEERS as usize);
    adjacency.resize(ties.len(), 0);
    for &(p, q) in &ties {
        // Each practice's slots fill from its start, so that afterwards `ends[p]` is the end
        // of practice p's slots (and the start of the next one's).
        adjacency[ends[p as usize] as usize] = q;
        ends[p as usize] += 1;
    }
    let mut kept = 0;
    let mut start = 0;
    for (practice, &end) in practices.iter_mut().zip(&ends) {
        let list = &mut adjacency[start..end as usize];
        list.sort_unstable();
        let first = kept;
        for i in start..end as usize {
            let q = adjacency[i];
            if kept == first || adjacency[kept - 1] != q {
                adjacency[kept] = q;
                kept += 1;
            }
        }
        practice.peers = first as u32..kept as u32;
        start = end as usize;
    }
    adjacency.truncate(kept);

    let m = &s.manager;
    let m_strategic = ShareDraw::fixed(&m.strategic_skill);
    let m_mediation = ShareDraw::fixed(&m.mediation_skill);
    let m_practical = ShareDraw::fixed(&m.practical_skill);
    let m_logic = LogicDraw::new(&m.logic, m.logic_concentration);
    let managers: Vec<Manager> = (0..m.count)
        .map(|_| {
            let hybrid = rng.random::<f64>() < m.hybrid_share;
            let own_practical = m_practical.sample(rng);
            // A hybrid clinician-manager brings a clinician's practical skill.
            let clinical_practical = practical.sample(rng);
            Manager {
                strategic: m_strategic.sample(rng),
                mediation: m_mediation.sample(rng),
                practical: if hybrid {
                    clinical_practical
                } else {
                    own_practical
                },
                logic: m_logic.sample(rng),
                alliance: 0.0,
                role: Role::None,
                hybrid,
            }
        })
        .collect();

    let team_draws = TeamDraws {
        credibility: &credibility,
        willingness: &willingness,
        practical: &practical,
        informal_credibility: g.informal_credibility,
        localities,
        n_practices,
    };
    let mut providers = Vec::with_capacity(s.provider.len());
    let mut teams = Vec::with_capacity(n_teams);
    for (pi, p) in s.provider.iter().enumerate() {
        let logic = LogicDraw::new(&p.logic, ORGANISATION_LOGIC_CONCENTRATION).sample(rng);
        let first = teams.len() as u32;
        for _ in 0..p.teams {
            let team = draw_team(Some(pi as u32), &team_draws, &mut adjacency, rng);
            teams.push(team);
        }
        providers.push(Provider {
            defensiveness: (p.defensiveness + defensiveness_effect).clamp(0.0, 1.0),
            viability: p.viability,
            viability_base: p.viability,
            trust: (p.trust + relationship_effect).clamp(0.0, 1.0),
            logic,
            destabilised: false,
            teams: first..teams.len() as u32,
        });
    }

    // The council's social-care teams, drawn after every provider's so that adding them
    // shifts no earlier draw.
    let first = teams.len() as u32;
    for _ in 0..s.council.teams {
        let team = draw_team(None, &team_draws, &mut adjacency, rng);
        teams.push(team);
    }
    let council = Council {
        appetite: (s.council.integration_appetite + relationship_effect).clamp(0.0, 1.0),
        trust: (s.council.trust + relationship_effect).clamp(0.0, 1.0),
        logic: s.council.logic.weights(),
        teams: first..teams.len() as u32,
    };
    // From its own stream, and only when implementation work is needed, so that it shifts no
    // draw of the agents and switching it off reproduces the areas drawn before it existed.
    let implementation_capacity = if s.implementation.months > 0.0 {
        ShareDraw::shifted(&s.implementation.capacity, 0.0).sample(&mut capacity_rng)
    } else {
        1.0
    };
    Area {
        gps,
        practices,
        managers,
        providers,
        teams,
        council,
        implementation_capacity,
        adjacency,
    }
}

/// What drawing a frontline team needs from the area.
struct TeamDraws<'a> {
    credibility: &'a ShareDraw,
    willingness: &'a ShareDraw,
    practical: &'a ShareDraw,
    informal_credibility: f64,
    localities: usize,
    n_practices: usize,
}

/// Draws one frontline team (docs/ODD.md §5 item 5): its clinician's credibility and
/// willingness, a home locality and up to four peer practices in it, then practical skill.
fn draw_team(
    provider: Option<u32>,
    d: &TeamDraws<'_>,
    adjacency: &mut Vec<u32>,
    rng: &mut Draws,
) -> Team {
    let informal_credibility = d.credibility.sample(rng);
    let informal_willingness = d.willingness.sample(rng);
    let has_leader = informal_credibility >= d.informal_credibility;
    let start = adjacency.len() as u32;
    let l = rng.random_range(0..d.localities);
    let home = (l * d.n_practices).div_ceil(d.localities)
        ..((l + 1) * d.n_practices).div_ceil(d.localities);
    for _ in 0..TEAM_PEERS.min(home.len() as u32) {
        let q = rng.random_range(home.clone()) as u32;
        if !adjacency[start as usize..].contains(&q) {
            adjacency.push(q);
        }
    }
    Team {
        provider,
        practical: d.practical.sample(rng) * informal_willingness,
        informal: if has_leader {
            informal_credibility * informal_willingness
        } else {
            0.0
        },
        peers: start..adjacency.len() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn unit_gamma_draws_the_bits_rand_distr_s_gamma_draws() {
        for shape in [
            1e-3,
            0.05,
            0.7,
            1.0 - 1e-12,
            1.0,
            1.0 + 1e-12,
            1.3,
            2.975,
            8.0,
            40.0,
            1e6,
            f64::INFINITY,
        ] {
            let ours = UnitGamma::new(shape).unwrap();
            let theirs = Gamma::new(shape, 1.0).unwrap();
            let mut a = ChaCha8Rng::seed_from_u64(11);
            let mut b = ChaCha8Rng::seed_from_u64(11);
            for _ in 0..5_000 {
                assert_eq!(
                    ours.sample(&mut a).to_bits(),
                    theirs.sample(&mut b).to_bits(),
                    "shape {shape}"
                );
            }
            // And the streams are left at the same place.
            assert_eq!(a.get_word_pos(), b.get_word_pos(), "shape {shape}");
        }
        assert!(UnitGamma::new(0.0).is_none() && UnitGamma::new(-1.0).is_none());
    }

    #[test]
    fn share_draws_have_the_asked_mean_and_stay_in_bounds() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let d = ShareDraw::new(0.3, 0.1);
        let xs: Vec<f64> = (0..20_000).map(|_| d.sample(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64).sqrt();
        assert!((mean - 0.3).abs() < 0.01, "{mean}");
        assert!((sd - 0.1).abs() < 0.01, "{sd}");
        assert!(xs.iter().all(|x| (0.0..=1.0).contains(x)));
        assert_eq!(ShareDraw::new(0.4, 0.0).sample(&mut rng), 0.4);
    }

    #[test]
    fn logic_draws_lie_on_the_simplex() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let d = LogicDraw::new(&Logic::new(0.2, 0.0, 0.8), 12.0);
        for _ in 0..1000 {
            let l = d.sample(&mut rng);
            assert!((l.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert_eq!(l[1], 0.0);
        }
    }

    #[test]
    fn stick_broken_logic_draws_agree_with_the_gamma_dirichlet() {
        // The two Beta tables and the three gammas for the same Dirichlet (the baseline GPs'
        // logic at concentration 12): each weight's two-sample KS at 50,000 a side within the
        // 0.1% critical value 0.0123, and the means of the products of weights (the Dirichlet's
        // covariances) alike.
        let mean = Logic::new(0.2, 0.35, 0.45);
        let sticks = LogicDraw::new(&mean, 12.0);
        assert!(sticks.sticks.is_some());
        let mut gammas = LogicDraw::new(&mean, 12.0);
        gammas.sticks = None;
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 50_000;
        let x: Vec<LogicMix> = (0..n).map(|_| sticks.sample(&mut rng)).collect();
        let y: Vec<LogicMix> = (0..n).map(|_| gammas.sample(&mut rng)).collect();
        assert!(
            x.iter()
                .all(|l| (l.iter().sum::<f64>() - 1.0).abs() < 1e-12)
        );
        for k in 0..3 {
            let mut a: Vec<f64> = x.iter().map(|l| l[k]).collect();
            let mut b: Vec<f64> = y.iter().map(|l| l[k]).collect();
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            let mut d: f64 = 0.0;
            for v in a.iter().chain(&b) {
                let fa = a.partition_point(|&t| t <= *v) as f64 / n as f64;
                let fb = b.partition_point(|&t| t <= *v) as f64 / n as f64;
                d = d.max((fa - fb).abs());
            }
            assert!(d < 0.0123, "weight {k}: two-sample KS {d}");
        }
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            let product = |v: &[LogicMix]| v.iter().map(|l| l[i] * l[j]).sum::<f64>() / n as f64;
            // E[XᵢXⱼ] = αᵢαⱼ/(α₀(α₀ + 1)) is about 0.02 to 0.05; its standard error about 2e-4.
            assert!(
                (product(&x) - product(&y)).abs() < 1.5e-3,
                "weights {i} and {j}"
            );
        }
    }

    #[test]
    fn every_gp_is_in_a_practice_and_peers_are_practices() {
        let s = Scenario::default();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let area = draw(&s, &mut rng);
        let counted: u32 = area.practices.iter().map(|p| p.gps.len() as u32).sum();
        assert_eq!(counted, s.population.gps);
        assert!(area.practices.iter().all(|p| !p.gps.is_empty()));
        assert!(
            area.adjacency
                .iter()
                .all(|&q| (q as usize) < area.practices.len())
        );
        let teams: u32 = s.provider.iter().map(|p| p.teams).sum::<u32>() + s.council.teams;
        assert_eq!(area.teams.len() as u32, teams);
    }
}
