//! Step 2, engagement (ODD §7.1): GP willingness moves, leaders step down, terms of office end
//! and vacant governing-body seats are offered.

use rand::RngExt;

use super::agents::{Gp, Leader, Role};
use super::world::{Draws, STRATEGIC, World};

/// Monthly decay of disillusionment.
const DISILLUSION_DECAY: f64 = 0.9;

impl World<'_> {
    /// Moves willingness, steps down unwilling leaders, ends terms and offers vacant seats.
    // Out of line, at no measurable cost (it runs once a month or once a replication), so that
    // profiles attribute instructions to each step of docs/ODD.md §3.
    #[inline(never)]
    pub(super) fn engagement(&mut self, month: u32, rng: &mut Draws) {
        let g = &self.s.gp;
        // What GPs see moves only with the practices' adoption counts: in a month after which
        // the practice arena changed none (a third of baseline months), `visible`, `seen` and
        // the GPs' visible push would be the same sums of the same numbers, so they stay.
        if self.adopters != self.seen_adopters {
            self.see_adoption();
        }
        // The same push for every GP this month: uncertainty lowers willingness.
        let push = -g.uncertainty_effect * self.dynamics.environment.policy_uncertainty;
        let (recovery, burden) = (g.willingness_recovery, g.role_burden);
        let stepdown = g.stepdown_threshold;
        // GPs in the CCG's own roles feel it sidelined by a larger footprint (docs/ODD.md §7.1).
        let sidelined = g.sidelining_effect * self.dynamics.arenas.strategic.footprint;
        // Before a larger footprint (most of the baseline's months) the sidelining is +0, and
        // subtracting +0 leaves every bit as it was, so the update runs without that term.
        let moves = Moves {
            recovery,
            push,
            burden,
            sidelined,
        };
        if sidelined.to_bits() == 0 {
            self.willingness.update::<false>(&moves);
        } else {
            self.willingness.update::<true>(&moves);
        }
        // Leaders who no longer want the role step down, in index order. Only GPs in the CCG's
        // own roles can: each holds a seat or leads an initiative (`commissioners_hold_a_seat_
        // or_a_lead`), a few where the GPs are 150, so they are looked for there.
        if self.commissioner_below(stepdown) {
            for i in 0..self.gps.len() {
                let w = &self.willingness;
                if w.role[i].commissioning() && w.now[i] < stepdown {
                    self.step_down(Leader::Gp(i as u32));
                }
            }
        }
        self.federations(month, rng);
        // Terms of office end; the seat is offered again, possibly to the same GP. A seat's
        // first term may be shortened so that first terms end by cohort (staggered terms); every
        // later term is `term_months` from when it was taken. A GP who still leads an initiative
        // keeps the lead and, with it, the role of a lead: the role burden and the step-down
        // test go on applying to it (docs/ODD.md §2 Roles, §7.1).
        let term = self.s.arenas.strategic.term_months;
        for k in 0..self.seats.len() {
            let Some(i) = self.seats[k] else {
                continue;
            };
            if month.saturating_sub(self.seat_since[k]) < self.seat_term[k] {
                continue;
            }
            self.seat_term[k] = term;
            // A holder still willing to serve stands again and, posts being rarely contested,
            // keeps the seat for a new term (docs/ODD.md §7.1).
            if self.dynamics.arenas.strategic.incumbents_stand
                && self.willingness.now[i as usize] >= self.s.gp.accept_threshold
            {
                self.seat_since[k] = month;
                continue;
            }
            self.leave_seat(k, i);
        }
        // After a merger the merged governing body's GP seats are shared with the neighbours'
        // GPs: the area keeps the first `round(gp_seats·seat_share)` and their holders serve
        // on; the holders of the others leave the board (docs/ODD.md §7.1).
        let active = self.active_seats();
        for k in active..self.seats.len() {
            if let Some(i) = self.seats[k] {
                self.leave_seat(k, i);
            }
        }
        if self.dynamics.arenas.strategic.enabled
            && self.dynamics.clinical()[STRATEGIC]
            && self.seats[..active].iter().any(Option::is_none)
        {
            self.offer_seats(month, rng);
        }
    }

    /// Whether a GP in one of the CCG's own roles (a seat or a lead) is below `stepdown`, found
    /// among the seats' holders and the initiatives' GP leads.
    fn commissioner_below(&self, stepdown: f64) -> bool {
        let below = |i: u32| self.willingness.now[i as usize] < stepdown;
        self.seats.iter().flatten().any(|&i| below(i))
            || self
                .initiatives
                .iter()
                .any(|init| matches!(init.lead, Some(Leader::Gp(i)) if below(i)))
    }

    /// What each GP sees of adoption: in its own practice and, on average, in its peers', from
    /// last month's adoption counts (`adopters`), times the visibility effect. Only the
    /// practices whose count changed, and those that count them among their peers, see anew
    /// (about half of them in a month with a change): the others' sums are of the same numbers.
    fn see_adoption(&mut self) {
        // A practice's visible adoption is `1/n_init` added once per initiative it has adopted,
        // read from `visible_steps` (the same sums).
        for (p, ((v, seen), &c)) in self
            .visible
            .iter_mut()
            .zip(&mut self.seen_adopters)
            .zip(&self.adopters)
            .enumerate()
        {
            if *seen != c {
                *v = self.visible_steps[c as usize];
                *seen = c;
                self.resee[p] = true;
                // Peer ties go both ways (`population::draw`), so the practices that count p
                // among their peers are p's own peers.
                let peers = &self.practices[p].peers;
                for &q in &self.adjacency[peers.start as usize..peers.end as usize] {
                    self.resee[q as usize] = true;
                }
            }
        }
        let visibility = self.s.gp.visibility_effect;
        let visible = &self.visible[..];
        let gp_visible = &mut self.willingness.visible;
        for (((practice, seen), &own), resee) in self
            .practices
            .iter()
            .zip(&mut self.seen)
            .zip(visible)
            .zip(&mut self.resee)
        {
            if !*resee {
                continue;
            }
            *resee = false;
            let peers = &self.adjacency[practice.peers.start as usize..practice.peers.end as usize];
            let near = if peers.is_empty() {
                0.0
            } else {
                peers.iter().map(|&q| visible[q as usize]).sum::<f64>() / peers.len() as f64
            };
            let now = 0.5 * (own + near);
            // The practice's GPs are pushed as last month when they see the same bits.
            if now.to_bits() != seen.to_bits() {
                *seen = now;
                gp_visible[practice.gps.start as usize..practice.gps.end as usize]
                    .fill(visibility * now);
            }
        }
    }

    /// The GP seats this area holds on its governing body now: `round(gp_seats·seat_share)`.
    pub(super) fn active_seats(&self) -> usize {
        let share = self.dynamics.arenas.strategic.seat_share;
        ((self.seats.len() as f64 * share).round() as usize).min(self.seats.len())
    }

    /// GP `i` leaves seat `k` at the end of a term or when the seat goes to a merged board: a
    /// GP who still leads an initiative keeps the role of a lead.
    fn leave_seat(&mut self, k: usize, i: u32) {
        self.seats[k] = None;
        let leads = self
            .initiatives
            .iter()
            .any(|init| init.lead == Some(Leader::Gp(i)));
        self.set_gp_role(i as usize, if leads { Role::Lead } else { Role::None });
    }

    /// Federations and other provider roles pull willing GPs out of commissioning: each month
    /// every GP not yet in one takes such a role with probability `federation.pull` times the
    /// ramp, when its willingness is at or above the acceptance threshold; it leaves every seat
    /// and lead it holds and is no candidate for them again (docs/ODD.md §7.1). In a month with
    /// a positive pull one uniform is drawn for each GP who could take such a role, in index
    /// order, from the decisions stream; with no pull nothing is drawn.
    fn federations(&mut self, month: u32, rng: &mut Draws) {
        let pull = self.s.federation.pull * federation_ramp(&self.s.federation, month);
        if pull <= 0.0 {
            return;
        }
        let accept = self.s.gp.accept_threshold;
        // The next GP who could take such a role, found over the contiguous role and
        // willingness arrays; a draw changes only the role of the GP drawn for, behind the scan.
        // The generator's state kept in a local while drawing, so that it is not written back
        // to memory after every draw.
        let mut local = rng.clone();
        let mut from = 0;
        loop {
            let w = &self.willingness;
            let Some(k) = w.role[from..]
                .iter()
                .zip(&w.now[from..])
                .position(|(&role, &now)| !(role == Role::Federation || now < accept))
            else {
                break;
            };
            let i = from + k;
            from = i + 1;
            if local.random::<f64>() < pull {
                self.step_down(Leader::Gp(i as u32));
                self.set_gp_role(i, Role::Federation);
            }
        }
        *rng = local;
    }

    /// Offers each vacant seat to one GP without a seat, drawn with weight willingness ×
    /// strategic skill; the GP declines when its willingness is under the acceptance threshold
    /// (docs/ODD.md §7.1).
    fn offer_seats(&mut self, month: u32, rng: &mut Draws) {
        // Whoever is drawn declines when no GP who can be drawn (a positive weight) is willing
        // enough to accept, as in more than half the baseline's months with a vacant seat. Then
        // each vacant seat's offer only spends its uniform (and, with no weight at all, the
        // first one stops the offers, as a total of 0 does), and the chain of additions that
        // cumulates every GP's weight need not be run: the same draws and the same outcome.
        let accept = self.s.gp.accept_threshold;
        let w = &self.willingness;
        let mut drawable = false;
        let mut willing = false;
        for (&now, &skill) in w.now.iter().zip(&w.offer_skill) {
            let positive = now * skill > 0.0;
            drawable |= positive;
            willing |= positive & (now >= accept);
        }
        let mut total = if willing {
            self.cumulate_seat_weights(0)
        } else {
            0.0
        };
        for seat in 0..self.active_seats() {
            if self.seats[seat].is_some() {
                continue;
            }
            let u = rng.random::<f64>();
            if !willing {
                if !drawable {
                    return;
                }
                continue;
            }
            let draw = u * total;
            if total <= 0.0 {
                return;
            }
            // The first GP whose cumulative weight passes the draw; it has a positive weight.
            let i = self.seat_weights.partition_point(|&c| c <= draw);
            if i >= self.gps.len() {
                continue;
            }
            if self.willingness.now[i] >= accept {
                let weight = self.willingness.now[i] * self.gps[i].strategic;
                self.seats[seat] = Some(i as u32);
                self.seat_since[seat] = month;
                self.set_gp_role(i, Role::Board);
                total -= weight;
                // The weights before GP i are unchanged: cumulate again from it on.
                self.cumulate_seat_weights(i);
            }
        }
    }

    /// Fills `seat_weights` from GP `from` on with the cumulative offer weights (willingness ×
    /// strategic skill of GPs without a seat or a federation role: no role, or a lead), the
    /// ones before `from` being current, and returns their sum.
    fn cumulate_seat_weights(&mut self, from: usize) -> f64 {
        let mut total = if from == 0 {
            0.0
        } else {
            self.seat_weights[from - 1]
        };
        // A GP who is offered no seat has an offer skill of 0: adding its willingness times 0
        // (+0 or −0) leaves the sum's bits as skipping it would, as the sum is never −0.
        let w = &self.willingness;
        for ((c, &willingness), &skill) in self.seat_weights[from..]
            .iter_mut()
            .zip(&w.now[from..])
            .zip(&w.offer_skill[from..])
        {
            total += willingness * skill;
            *c = total;
        }
        total
    }

    /// Gives GP `i` a role. Every change of a GP's role goes through here, so that the masks the
    /// willingness update reads stay in step with it.
    pub(super) fn set_gp_role(&mut self, i: usize, role: Role) {
        self.gps[i].role = role;
        self.willingness.set_role(i, role);
    }

    /// Releases every seat and lead `who` holds.
    fn step_down(&mut self, who: Leader) {
        if let Leader::Gp(i) = who {
            let term = self.s.arenas.strategic.term_months;
            for (seat, length) in self.seats.iter_mut().zip(&mut self.seat_term) {
                if *seat == Some(i) {
                    *seat = None;
                    // A successor serves a full term.
                    *length = term;
                }
            }
            self.set_gp_role(i as usize, Role::None);
        }
        for init in &mut self.initiatives {
            if init.lead == Some(who) {
                init.lead = None;
            }
        }
    }
}

/// GPs' willingness and disillusionment now, and the month's scratch for moving them: one
/// entry a GP, by index, in arrays apart from [`Gp`] so that the monthly update runs over
/// contiguous memory without a branch (structure of arrays; 54 K fewer instructions a baseline
/// replication with the two changes made with it, callgrind).
#[derive(Debug, Clone, Default)]
pub(super) struct Willingness {
    /// Willingness to take up leadership now.
    pub(super) now: Vec<f64>,
    /// The willingness each GP returns to when nothing pushes it (`Gp::willingness_base`).
    pub(super) base: Vec<f64>,
    /// Disillusionment from effort that produced nothing visible; decays monthly.
    pub(super) disillusion: Vec<f64>,
    /// This month: what the GP sees, times the visibility effect.
    visible: Vec<f64>,
    /// 1 when the GP holds any role (it bears the role burden), else 0.
    any_role: Vec<f64>,
    /// 1 when the GP holds one of the CCG's own roles (a larger footprint sidelines it), else 0.
    commissioning: Vec<f64>,
    /// The GP's role, as `Gp::role`, for the scans over every GP.
    pub(super) role: Vec<Role>,
    /// Strategic skill, where the GP may be offered a seat (no role, or a lead), else 0.
    offer_skill: Vec<f64>,
    /// Strategic skill (`Gp::strategic`).
    strategic: Vec<f64>,
}

/// What moves every GP's willingness alike this month (`Willingness::update`).
struct Moves {
    recovery: f64,
    push: f64,
    burden: f64,
    sidelined: f64,
}

impl Willingness {
    /// One month of every GP's willingness and disillusionment (docs/ODD.md §7.1), with the
    /// sidelining term only where `SIDELINED` (it is +0 otherwise, which changes no bit).
    // Each GP's role as two masks kept with its willingness (`set_role`): 1 where it takes the
    // role burden (any role) and the sidelining (the CCG's own roles), else 0. Subtracting a
    // burden times 0 leaves every bit as it was, so the update gives the formula's bits without
    // a branch, over contiguous arrays.
    fn update<const SIDELINED: bool>(&mut self, m: &Moves) {
        let n = self.now.len();
        let (now, base, visible) = (&mut self.now[..n], &self.base[..n], &self.visible[..n]);
        let disillusion = &mut self.disillusion[..n];
        let (any_role, commissioning) = (&self.any_role[..n], &self.commissioning[..n]);
        for i in 0..n {
            let was = now[i];
            let mut change = m.recovery * (base[i] - was) + m.push + visible[i]
                - disillusion[i]
                - m.burden * any_role[i];
            if SIDELINED {
                change -= m.sidelined * commissioning[i];
            }
            now[i] = (was + change).clamp(0.0, 1.0);
            disillusion[i] *= DISILLUSION_DECAY;
        }
    }

    /// Every GP at its base willingness, not disillusioned: the state at month 0.
    pub(super) fn new(gps: &[Gp]) -> Self {
        let n = gps.len();
        let base: Vec<f64> = gps.iter().map(|g| g.willingness_base).collect();
        Willingness {
            now: base.clone(),
            base,
            disillusion: vec![0.0; n],
            visible: vec![0.0; n],
            any_role: gps.iter().map(|g| mask(g.role != Role::None)).collect(),
            commissioning: gps.iter().map(|g| mask(g.role.commissioning())).collect(),
            role: gps.iter().map(|g| g.role).collect(),
            offer_skill: gps
                .iter()
                .map(|g| offer_skill(g.role, g.strategic))
                .collect(),
            strategic: gps.iter().map(|g| g.strategic).collect(),
        }
    }

    /// Keeps GP `i`'s role masks in step with its role.
    fn set_role(&mut self, i: usize, role: Role) {
        self.any_role[i] = mask(role != Role::None);
        self.commissioning[i] = mask(role.commissioning());
        self.role[i] = role;
        self.offer_skill[i] = offer_skill(role, self.strategic[i]);
    }
}

/// A GP's strategic skill where a GP in `role` may be offered a seat, else 0.
fn offer_skill(role: Role, strategic: f64) -> f64 {
    if matches!(role, Role::None | Role::Lead) {
        strategic
    } else {
        0.0
    }
}

/// 1 when `yes`, else 0.
fn mask(yes: bool) -> f64 {
    if yes { 1.0 } else { 0.0 }
}

/// How far the federations' pull has grown by `month`: 0 before `federation.start_month`, then
/// rising in equal monthly steps to 1 in the horizon's last month (the growth of federations and
/// large-scale general practice over the period, docs/ODD.md §7.1).
pub(super) fn federation_ramp(f: &crate::scenario::Federation, month: u32) -> f64 {
    if month < f.start_month {
        return 0.0;
    }
    let span = f.full_month.saturating_sub(f.start_month).max(1);
    ((month - f.start_month + 1) as f64 / span as f64).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::mask;
    use crate::model::World;
    use crate::model::agents::{Leader, Role};
    use crate::model::world::test_support::scenario;
    use crate::runner;

    #[test]
    fn offers_nobody_would_accept_spend_one_uniform_a_vacant_seat_and_fill_none() {
        use rand::RngExt;
        // Every GP unwilling to accept: each vacant seat's offer spends its uniform and fills
        // nothing; with no GP to draw at all, the first offer stops them. Both as the full
        // cumulative draw would do.
        let s = scenario(&[]);
        let mut streams = runner::streams(s.simulation.seed, 0, 0, false);
        let mut world = World::new(&s, &mut streams.population);
        let accept = s.gp.accept_threshold;
        for now in &mut world.willingness.now {
            *now = 0.5 * accept;
        }
        world.seats.fill(None);
        let vacant = world.active_seats();
        assert!(vacant > 1);
        for (drawable, spent) in [(true, vacant), (false, 1)] {
            if !drawable {
                world.willingness.now.fill(0.0);
            }
            let mut rng = streams.decisions.clone();
            world.offer_seats(0, &mut rng);
            assert!(world.seats.iter().all(Option::is_none));
            let mut expected = streams.decisions.clone();
            for _ in 0..spent {
                expected.random::<f64>();
            }
            assert_eq!(rng.random::<u64>(), expected.random::<u64>());
        }
    }

    #[test]
    fn commissioners_hold_a_seat_or_a_lead() {
        // `engagement` looks for GPs who step down only among the seats' holders and the
        // initiatives' GP leads: every GP in a commissioning role must be one of them, every
        // month, also with federations pulling GPs out and a merger taking seats away.
        for overrides in [
            &[][..],
            &["federation.pull=0.05", "arenas.strategic.term_months=12"][..],
        ] {
            let s = scenario(overrides);
            for replication in 0..6 {
                let mut streams = runner::streams(s.simulation.seed, 0, replication, false);
                let mut world = World::new(&s, &mut streams.population);
                let mut commissioners = 0;
                for month in 0..s.simulation.months {
                    world.step(month, &mut streams);
                    for (i, gp) in world.gps.iter().enumerate() {
                        if !gp.role.commissioning() {
                            continue;
                        }
                        commissioners += 1;
                        let i = i as u32;
                        let seat = world.seats.contains(&Some(i));
                        let lead = world
                            .initiatives
                            .iter()
                            .any(|init| init.lead == Some(Leader::Gp(i)));
                        assert!(seat || lead, "GP {i} in month {month}: {:?}", gp.role);
                    }
                }
                assert!(commissioners > 0);
            }
        }
    }

    #[test]
    fn staggered_terms_keep_seats_from_emptying_together_when_the_first_term_ends() {
        // Mean fall of the seats filled from month 35 to month 36, with no policy event.
        let fall = |cohorts: u32| {
            let s = scenario(&[
                &format!("arenas.strategic.term_cohorts={cohorts}"),
                "event=[]",
            ]);
            let reps = 40;
            let mut fall = 0.0;
            for i in 0..reps {
                let o = runner::replication(&s, 0, i);
                fall += (o.seats_filled[35] - o.seats_filled[36]) as f64;
            }
            fall / reps as f64
        };
        let together = fall(1);
        let staggered = fall(3);
        eprintln!(
            "seats filled, fall from month 35 to 36: {together:.3} (one cohort), {staggered:.3} (three)"
        );
        assert!(together > 0.1, "{together}");
        assert!(
            staggered < 0.5 * together,
            "{staggered} !< half of {together}"
        );
    }

    #[test]
    fn a_merger_leaves_the_area_fewer_seats_and_counts_them_as_its_seats() {
        let s = scenario(&[r#"event=[{month=12, set={"arenas.strategic.seat_share"=0.6}}]"#]);
        let mut some_filled_above = false;
        for rep in 0..10 {
            let mut streams = runner::streams(s.simulation.seed, 0, rep, false);
            let mut world = World::new(&s, &mut streams.population);
            for month in 0..24 {
                world.step(month, &mut streams);
                if month < 12 {
                    some_filled_above |= world.seats[3..].iter().any(Option::is_some);
                    continue;
                }
                // Five seats at 0.6: the area keeps three, and their holders serve on.
                assert_eq!(world.active_seats(), 3);
                assert!(
                    world.seats[3..].iter().all(Option::is_none),
                    "month {month}"
                );
                let filled = world.seats[..3].iter().flatten().count() as f32 / 3.0;
                assert_eq!(*world.seats_filled.last().unwrap(), filled);
            }
        }
        assert!(
            some_filled_above,
            "the seats given up were held before the merger"
        );
    }

    #[test]
    fn a_footprint_sidelines_the_ccg_s_own_leaders_only() {
        let run = |effect: f64, rep: u32| {
            let s = scenario(&[
                "arenas.strategic.footprint=1",
                &format!("gp.sidelining_effect={effect}"),
                "federation.pull=0",
                "event=[]",
            ]);
            let mut streams = runner::streams(1, 0, rep, false);
            let mut world = World::new(&s, &mut streams.population);
            world.step(0, &mut streams);
            let roles: Vec<bool> = world.gps.iter().map(|g| g.role.commissioning()).collect();
            world.engagement(1, &mut streams.decisions);
            let w = world.willingness.now.clone();
            (roles, w)
        };
        // The first replication in which some GP takes a role in month 0 (nobody holds one
        // during month 0's willingness update, so both runs enter month 1 alike).
        let rep = (0..50)
            .find(|&rep| run(0.0, rep).0.iter().any(|&r| r))
            .expect("some replication fills a role in month 0");
        let (roles, calm) = run(0.0, rep);
        let (_, sidelined) = run(0.1, rep);
        assert!(
            roles.iter().any(|&r| r),
            "some GP holds a role after month 0"
        );
        for ((&leader, a), b) in roles.iter().zip(&calm).zip(&sidelined) {
            if leader {
                assert!((a - b - 0.1).abs() < 1e-12 || *b == 0.0, "{a} -> {b}");
            } else {
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn a_willing_holder_stands_again_when_incumbents_stand() {
        let run = |stand: bool| {
            let s = scenario(&[
                &format!("arenas.strategic.incumbents_stand={stand}"),
                "event=[]",
            ]);
            let mut streams = runner::streams(1, 0, 0, false);
            let mut world = World::new(&s, &mut streams.population);
            world.step(0, &mut streams);
            world.seats.iter_mut().for_each(|seat| *seat = None);
            world.seats[0] = Some(0);
            world.seat_since[0] = 0;
            world.set_gp_role(0, Role::Board);
            world.willingness.now[0] = 1.0;
            world.willingness.base[0] = 1.0;
            world.dynamics.arenas.strategic.enabled = false;
            world.engagement(s.arenas.strategic.term_months, &mut streams.decisions);
            (world.seats[0], world.seat_since[0])
        };
        assert_eq!(run(true), (Some(0), 36));
        assert_eq!(run(false).0, None);
    }

    #[test]
    fn the_willingness_update_s_role_masks_follow_every_role_change() {
        // Federations, terms, step-downs and leads all change roles during a run; the masks the
        // branch-free update reads must agree with every GP's role after every month.
        let s = scenario(&["federation.pull=0.05", "arenas.strategic.term_months=12"]);
        let mut changed = 0;
        for rep in 0..10 {
            let mut streams = runner::streams(s.simulation.seed, 0, rep, false);
            let mut world = World::new(&s, &mut streams.population);
            let mut before: Vec<Role> = world.gps.iter().map(|g| g.role).collect();
            for month in 0..s.simulation.months {
                world.step(month, &mut streams);
                for (i, gp) in world.gps.iter().enumerate() {
                    changed += usize::from(gp.role != before[i]);
                    before[i] = gp.role;
                    assert_eq!(
                        world.willingness.any_role[i],
                        mask(gp.role != Role::None),
                        "GP {i} in month {month}"
                    );
                    assert_eq!(
                        world.willingness.commissioning[i],
                        mask(gp.role.commissioning()),
                        "GP {i} in month {month}"
                    );
                    assert_eq!(
                        world.willingness.role[i], gp.role,
                        "GP {i} in month {month}"
                    );
                    let offered = matches!(gp.role, Role::None | Role::Lead);
                    assert_eq!(
                        world.willingness.offer_skill[i],
                        if offered { gp.strategic } else { 0.0 },
                        "GP {i} in month {month}"
                    );
                }
            }
        }
        assert!(
            changed > 100,
            "only {changed} role changes: the test tests little"
        );
    }

    #[test]
    fn what_gps_see_equals_a_full_recount_every_month() {
        // Engagement works out only the practices whose sight may have changed; after every
        // month each GP's push must have the bits a full recount of last month's counts gives.
        let s = scenario(&[]);
        let mut changed = 0;
        for rep in 0..5 {
            let mut streams = runner::streams(s.simulation.seed, 0, rep, false);
            let mut world = World::new(&s, &mut streams.population);
            for month in 0..s.simulation.months {
                let counts = world.adopters.clone();
                world.step(month, &mut streams);
                changed += usize::from(world.adopters != counts);
                let visible: Vec<f64> = counts
                    .iter()
                    .map(|&c| world.visible_steps[c as usize])
                    .collect();
                for (practice, &own) in world.practices.iter().zip(&visible) {
                    let peers = &world.adjacency
                        [practice.peers.start as usize..practice.peers.end as usize];
                    let near = if peers.is_empty() {
                        0.0
                    } else {
                        peers.iter().map(|&q| visible[q as usize]).sum::<f64>() / peers.len() as f64
                    };
                    let push = s.gp.visibility_effect * (0.5 * (own + near));
                    for i in practice.gps.start as usize..practice.gps.end as usize {
                        assert_eq!(
                            world.willingness.visible[i].to_bits(),
                            push.to_bits(),
                            "GP {i} in month {month} of replication {rep}"
                        );
                    }
                }
            }
        }
        assert!(changed > 50, "counts changed in {changed} months only");
    }

    #[test]
    fn federations_take_willing_gps_out_of_commissioning_roles() {
        // Mean share of GP seats filled over months 36-59, and whether any GP in a federation
        // role ever held a seat or a lead.
        let run = |pull: &str| {
            let s = scenario(&[&format!("federation.pull={pull}"), "event=[]"]);
            let mut filled = 0.0;
            let mut crossed = false;
            for rep in 0..20 {
                let mut streams = runner::streams(s.simulation.seed, 0, rep, false);
                let mut world = World::new(&s, &mut streams.population);
                for month in 0..s.simulation.months {
                    world.step(month, &mut streams);
                    crossed |= world
                        .seats
                        .iter()
                        .flatten()
                        .any(|&i| world.gps[i as usize].role == Role::Federation);
                    crossed |= world.initiatives.iter().any(|init| match init.lead {
                        Some(Leader::Gp(i)) => world.gps[i as usize].role == Role::Federation,
                        _ => false,
                    });
                }
                filled += world.seats_filled[36..]
                    .iter()
                    .map(|&x| x as f64)
                    .sum::<f64>();
            }
            (filled, crossed)
        };
        let (none, _) = run("0");
        let (strong, crossed) = run("0.2");
        assert!(strong < none, "{strong} !< {none}");
        assert!(
            !crossed,
            "a GP in a federation role held a commissioning role"
        );
    }

    #[test]
    fn the_federations_pull_grows_from_its_start_to_full_strength() {
        let mut f = crate::scenario::Scenario::default().federation;
        f.start_month = 24;
        f.full_month = 60;
        let ramp = |m| super::federation_ramp(&f, m);
        assert_eq!(ramp(0), 0.0);
        assert_eq!(ramp(23), 0.0);
        assert!(ramp(24) > 0.0 && ramp(24) < ramp(40) && ramp(40) < 1.0);
        assert_eq!(ramp(59), 1.0);
        assert_eq!(ramp(100), 1.0);
    }

    #[test]
    fn first_terms_fall_due_by_cohort() {
        let mut st = crate::scenario::Scenario::default().arenas.strategic;
        st.term_months = 36;
        st.term_cohorts = 3;
        assert_eq!(
            super::super::world::first_terms(5, &st),
            [12, 24, 36, 12, 24]
        );
        st.term_cohorts = 1;
        assert_eq!(super::super::world::first_terms(3, &st), [36, 36, 36]);
    }

    #[test]
    fn a_gp_whose_term_ends_keeps_the_role_of_a_lead_it_still_holds() {
        // Holders do not stand again, so that the term alone decides.
        let s = scenario(&["event=[]", "arenas.strategic.incumbents_stand=false"]);
        let mut streams = runner::streams(1, 0, 0, false);
        let mut world = World::new(&s, &mut streams.population);
        world.step(0, &mut streams);
        let (leader, other) = (0u32, 1u32);
        world.seats.iter_mut().for_each(|seat| *seat = None);
        (0..world.gps.len()).for_each(|i| world.set_gp_role(i, Role::None));
        for (k, i) in [leader, other].into_iter().enumerate() {
            world.seats[k] = Some(i);
            world.seat_since[k] = 0;
            world.set_gp_role(i as usize, Role::Board);
        }
        for init in &mut world.initiatives {
            init.lead = None;
        }
        world.initiatives[0].lead = Some(Leader::Gp(leader));
        // Keep both willing, so that only the term decides; no offers, so no one is re-seated.
        for i in [leader, other] {
            world.willingness.now[i as usize] = 1.0;
            world.gps[i as usize].willingness_base = 1.0;
        }
        world.dynamics.arenas.strategic.enabled = false;
        let term = s.arenas.strategic.term_months;
        world.engagement(term, &mut streams.decisions);
        assert!(!world.seats.contains(&Some(leader)) && !world.seats.contains(&Some(other)));
        assert_eq!(world.gps[leader as usize].role, Role::Lead);
        assert_eq!(world.gps[other as usize].role, Role::None);
        assert_eq!(world.initiatives[0].lead, Some(Leader::Gp(leader)));
    }

    #[test]
    fn policy_uncertainty_lowers_willingness_and_raises_vacancies() {
        let run = |u: &str| {
            let s = scenario(&[&format!("environment.policy_uncertainty={u}"), "event=[]"]);
            let mut seats = 0.0;
            let mut can = 0.0;
            for i in 0..30 {
                let o = runner::replication(&s, 0, i);
                seats += o.gp_seats_filled_share;
                let last = o.survey.last().unwrap();
                can += last.gp_no_role_can as f64 / last.gp_no_role.max(1) as f64;
            }
            (seats, can)
        };
        let (calm_seats, calm_can) = run("0.1");
        let (turbulent_seats, turbulent_can) = run("0.8");
        assert!(
            turbulent_seats < calm_seats,
            "{turbulent_seats} !< {calm_seats}"
        );
        assert!(turbulent_can < calm_can, "{turbulent_can} !< {calm_can}");
    }
}
