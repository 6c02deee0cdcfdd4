//! Beta draws from a table built once per shape (docs/ODD.md §5, "Beta(mean, sd)"): rejection
//! from a step function over equal strips of [0, 1], the strip and the part of it chosen by an
//! alias table. Nearly every draw takes one 64-bit number and no logarithm, where a Beta drawn
//! as a ratio of two gamma draws takes four numbers or more.
//!
//! The method is exact in the sense of any rejection sampler: the accepted points are uniform
//! under the density, so the draws follow Beta(a, b) up to the 2^-32 grid on which a point's
//! position is drawn. Each strip's step is split into a lower part wholly under the density
//! (a point there is accepted at once) and an upper part reaching above it (a point there is
//! accepted when it lies under the density). The alias table picks a part with probability
//! proportional to its area exactly: the areas are whole numbers of 2^-32, rounded down for the
//! lower parts and up for the tops, and the rejection test uses the heights those whole numbers
//! imply.

use std::cell::RefCell;
use std::rc::Rc;

use rand::Rng;

use super::ziggurat::open01;

/// Strips of [0, 1]: the table has two parts per strip.
const STRIPS: usize = 256;
/// Parts: the lower and the upper part of each strip.
const PARTS: usize = 2 * STRIPS;
/// Bits of a draw that pick a part (`PARTS` = 2^9).
const PART_BITS: u32 = 9;
/// The alias threshold's resolution: each part's column holds 2^23 units (the 23 bits of a draw
/// above the part's 9 and below the position's 32).
const COLUMN: u32 = 1 << 23;
/// 2^-32: a draw's top 32 bits as a position inside its strip.
const POSITION_SCALE: f64 = 1.0 / 4_294_967_296.0;
/// Fewer draws than this share accepted at once and the table is not worth it (a very narrow
/// Beta, most of it inside one or two strips): the gamma ratio is used instead.
const LEAST_AT_ONCE: f64 = 0.9;
/// Tables kept per thread (a sweep over a share's mean or sd meets a new shape per point).
const CACHED: usize = 32;

/// Beta(a, b) for a, b ≥ 1 (a bounded density), by rejection from a step function.
#[derive(Debug)]
pub(crate) struct ShareTable {
    /// Per part: the alias threshold (in units of `COLUMN`) and the part drawn above it.
    threshold: [u32; PARTS],
    alias: [u16; PARTS],
    /// Per strip: the height of its lower part, and of its top (the lower part plus the upper).
    lower: [f64; STRIPS],
    top: [f64; STRIPS],
    /// `a − 1`, `b − 1` and the log-density at the mode: the density relative to its peak is
    /// `exp((a − 1)·ln x + (b − 1)·ln(1 − x) − peak)`.
    a1: f64,
    b1: f64,
    peak: f64,
}

impl ShareTable {
    /// The table for Beta(a, b), or none when a or b is below 1 (an unbounded density) or the
    /// Beta is so narrow that fewer than nine draws in ten would be accepted at once.
    pub(crate) fn new(a: f64, b: f64) -> Option<Self> {
        if !(a >= 1.0 && b >= 1.0 && a.is_finite() && b.is_finite()) {
            return None;
        }
        let (a1, b1) = (a - 1.0, b - 1.0);
        let mode = if a1 + b1 > 0.0 { a1 / (a1 + b1) } else { 0.5 };
        let log_density = |x: f64| {
            // 0·ln 0 is taken as 0: at a = 1 the density does not vanish at 0.
            let left = if a1 == 0.0 { 0.0 } else { a1 * x.ln() };
            let right = if b1 == 0.0 { 0.0 } else { b1 * (1.0 - x).ln() };
            left + right
        };
        let peak = log_density(mode);
        let density = |x: f64| (log_density(x) - peak).exp();
        // Each strip's lowest and highest density: the density rises to the mode and falls after
        // it, so they lie at the strip's ends, or at the mode inside it. The margins cover the
        // rounding of `ln` and `exp`, far below 10^-12 of a value.
        let ends: Vec<f64> = (0..=STRIPS)
            .map(|i| density(i as f64 / STRIPS as f64))
            .collect();
        let width = 1.0 / STRIPS as f64;
        let mut low = [0.0; STRIPS];
        let mut high = [0.0; STRIPS];
        for j in 0..STRIPS {
            let (left, right) = (ends[j], ends[j + 1]);
            let inside = mode > j as f64 * width && mode < (j + 1) as f64 * width;
            let most = if inside { 1.0 } else { left.max(right) };
            low[j] = left.min(right) * (1.0 - 1e-12);
            high[j] = most * (1.0 + 1e-12);
        }
        // Areas in whole units of 2^-32 of the total, scaled so the rounded-up tops leave room
        // (at most one unit a strip is added by rounding); what is left over goes to the top of
        // the highest strip, which only raises that step.
        let total: f64 = high.iter().map(|h| h * width).sum();
        let scale = (1u64 << 32) as f64 * (1.0 - 1.0 / 65_536.0) / total;
        let mut weight = [0u64; PARTS];
        for j in 0..STRIPS {
            let lower = (scale * low[j] * width).floor() as u64;
            let whole = (scale * high[j] * width).ceil() as u64;
            weight[2 * j] = lower;
            weight[2 * j + 1] = whole - lower;
        }
        let highest = (0..STRIPS)
            .max_by(|&i, &j| high[i].total_cmp(&high[j]))
            .unwrap_or(0);
        let sum: u64 = weight.iter().sum();
        weight[2 * highest + 1] += (1u64 << 32).checked_sub(sum)?;
        let at_once = (0..STRIPS).map(|j| weight[2 * j]).sum::<u64>() as f64 / (1u64 << 32) as f64;
        if at_once < LEAST_AT_ONCE {
            return None;
        }
        // The heights the whole units imply: a part's area is its weight over `scale`.
        let mut lower = [0.0; STRIPS];
        let mut top = [0.0; STRIPS];
        for j in 0..STRIPS {
            lower[j] = weight[2 * j] as f64 / (scale * width);
            top[j] = (weight[2 * j] + weight[2 * j + 1]) as f64 / (scale * width);
        }
        let (threshold, alias) = alias_table(&weight);
        Some(ShareTable {
            threshold,
            alias,
            lower,
            top,
            a1,
            b1,
            peak,
        })
    }

    /// One draw.
    #[inline(always)]
    pub(crate) fn sample<R: Rng + Clone>(&self, rng: &mut R) -> f64 {
        // The generator's state in a local while drawing, written back once (as
        // `ShareDraw::sample` does for the gamma ratio).
        let mut r = rng.clone();
        let x = self.sample_from(&mut r);
        *rng = r;
        x
    }

    #[inline(always)]
    fn sample_from<R: Rng>(&self, rng: &mut R) -> f64 {
        loop {
            let bits = rng.next_u64();
            // The low 9 bits pick a part's column, the next 23 decide between the part and its
            // alias, the top 32 place the point across the strip.
            let column = (bits as usize) & (PARTS - 1);
            let below = ((bits >> PART_BITS) as u32) & (COLUMN - 1);
            let part = if below < self.threshold[column] {
                column
            } else {
                usize::from(self.alias[column])
            };
            let strip = part >> 1;
            let across = ((bits >> 32) as f64 + 0.5) * POSITION_SCALE;
            let x = (strip as f64 + across) / STRIPS as f64;
            if part & 1 == 0 {
                return x;
            }
            // The upper part: a height uniform over it, accepted under the density.
            let (lower, top) = (self.lower[strip], self.top[strip]);
            let y = lower + open01(rng) * (top - lower);
            let log_density = self.a1 * x.ln() + self.b1 * (1.0 - x).ln() - self.peak;
            if y < log_density.exp() {
                return x;
            }
        }
    }

    /// The share of draws accepted without a second number (for tests and the docs).
    #[cfg(test)]
    fn at_once(&self) -> f64 {
        let mut per_part = [0u64; PARTS];
        for column in 0..PARTS {
            per_part[column] += u64::from(self.threshold[column]);
            per_part[usize::from(self.alias[column])] += u64::from(COLUMN - self.threshold[column]);
        }
        (0..STRIPS).map(|j| per_part[2 * j]).sum::<u64>() as f64 / (1u64 << 32) as f64
    }
}

/// Vose's alias table over whole weights summing to `PARTS · COLUMN`: column i keeps
/// `threshold[i]` units for part i and gives the rest of its `COLUMN` units to `alias[i]`, so
/// that every part gets exactly its weight.
fn alias_table(weight: &[u64; PARTS]) -> ([u32; PARTS], [u16; PARTS]) {
    let mut left = *weight;
    let mut threshold = [COLUMN; PARTS];
    let mut alias: [u16; PARTS] = std::array::from_fn(|i| i as u16);
    let column = u64::from(COLUMN);
    let mut small: Vec<usize> = (0..PARTS).filter(|&i| left[i] < column).collect();
    let mut large: Vec<usize> = (0..PARTS).filter(|&i| left[i] >= column).collect();
    while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
        threshold[s] = left[s] as u32;
        alias[s] = l as u16;
        left[l] -= column - left[s];
        if left[l] < column {
            large.pop();
            small.push(l);
        }
    }
    // Whatever is left holds exactly one column's worth (the weights sum to whole columns).
    (threshold, alias)
}

/// A cached table (or its absence) by the bits of its two shapes.
type Cached = ((u64, u64), Option<Rc<ShareTable>>);

impl ShareTable {
    /// The table for Beta(a, b) from this thread's cache, built on first use; none as
    /// [`ShareTable::new`]. Keyed by the shapes' bits, so the same shapes always give the same
    /// table and the same draws.
    pub(crate) fn cached(a: f64, b: f64) -> Option<Rc<ShareTable>> {
        thread_local! {
            static TABLES: RefCell<Vec<Cached>> =
                const { RefCell::new(Vec::new()) };
        }
        let key = (a.to_bits(), b.to_bits());
        TABLES.with_borrow_mut(|tables| {
            if let Some((_, table)) = tables.iter().find(|(k, _)| *k == key) {
                return table.clone();
            }
            let table = ShareTable::new(a, b).map(Rc::new);
            if tables.len() == CACHED {
                tables.remove(0);
            }
            tables.push((key, table.clone()));
            table
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::population::ShareDraw;
    use rand::SeedableRng;

    type Draws = rand::rngs::Xoshiro256PlusPlus;

    /// Regularised incomplete beta by Simpson's rule on the density (normalised numerically).
    fn beta_cdf(a: f64, b: f64, points: &[f64]) -> Vec<f64> {
        let n = 200_000;
        let h = 1.0 / n as f64;
        // `powf(0, 0)` is 1: the density's limit at an end where its power is 0.
        let f = |x: f64| x.powf(a - 1.0) * (1.0 - x).powf(b - 1.0);
        let mut cumulative = vec![0.0; n + 1];
        for i in 0..n {
            let (x0, x1) = (i as f64 * h, (i + 1) as f64 * h);
            cumulative[i + 1] =
                cumulative[i] + h / 6.0 * (f(x0) + 4.0 * f(0.5 * (x0 + x1)) + f(x1));
        }
        let total = cumulative[n];
        points
            .iter()
            .map(|&x| cumulative[((x * n as f64).round() as usize).min(n)] / total)
            .collect()
    }

    /// Kolmogorov–Smirnov distance of `draws` from Beta(a, b), on a grid of 1,000 points.
    fn ks_distance(mut draws: Vec<f64>, a: f64, b: f64) -> f64 {
        draws.sort_by(f64::total_cmp);
        let grid: Vec<f64> = (1..1000).map(|i| i as f64 / 1000.0).collect();
        let cdf = beta_cdf(a, b, &grid);
        let n = draws.len() as f64;
        grid.iter()
            .zip(&cdf)
            .map(|(&x, &c)| {
                let below = draws.partition_point(|&d| d <= x) as f64 / n;
                (below - c).abs()
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn draws_follow_the_beta_for_shapes_from_flat_to_narrow() {
        // KS at 200,000 draws: the 0.1% critical value is 1.95/√n = 0.0044.
        for (a, b) in [
            (1.0, 1.0),
            (1.0, 3.0),
            (2.5, 1.0),
            (2.0, 3.0),
            (4.2, 11.7),
            (30.0, 20.0),
        ] {
            let table = ShareTable::new(a, b).expect("a bounded, not too narrow Beta");
            let mut rng = Draws::seed_from_u64(7);
            let draws: Vec<f64> = (0..200_000).map(|_| table.sample(&mut rng)).collect();
            assert!(draws.iter().all(|&x| x > 0.0 && x < 1.0));
            let d = ks_distance(draws.clone(), a, b);
            assert!(d < 0.0044, "Beta({a}, {b}): KS distance {d}");
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            assert!(
                (mean - a / (a + b)).abs() < 0.003,
                "Beta({a}, {b}): mean {mean}"
            );
        }
    }

    #[test]
    fn the_test_finds_a_wrong_shape() {
        let table = ShareTable::new(2.0, 3.0).unwrap();
        let mut rng = Draws::seed_from_u64(7);
        let draws: Vec<f64> = (0..200_000).map(|_| table.sample(&mut rng)).collect();
        assert!(ks_distance(draws, 2.2, 3.0) > 0.0044);
    }

    #[test]
    fn draws_agree_with_the_gamma_ratio() {
        // The table and the ratio of two gamma draws (`ShareDraw`'s other way) for the same
        // mean and sd: two-sample KS at 100,000 a side, 0.1% critical value 0.0087.
        let (mean, sd) = (0.35, 0.15);
        let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
        let table = ShareTable::new(mean * k, (1.0 - mean) * k).unwrap();
        let ratio = ShareDraw::new(mean, sd);
        let mut rng = Draws::seed_from_u64(11);
        let mut x: Vec<f64> = (0..100_000).map(|_| table.sample(&mut rng)).collect();
        let mut y: Vec<f64> = (0..100_000).map(|_| ratio.sample(&mut rng)).collect();
        x.sort_by(f64::total_cmp);
        y.sort_by(f64::total_cmp);
        let mut d: f64 = 0.0;
        for v in x.iter().chain(&y) {
            let fx = x.partition_point(|&t| t <= *v) as f64 / x.len() as f64;
            let fy = y.partition_point(|&t| t <= *v) as f64 / y.len() as f64;
            d = d.max((fx - fy).abs());
        }
        assert!(d < 0.0087, "two-sample KS {d}");
    }

    #[test]
    fn nearly_every_draw_is_accepted_at_once() {
        // The baseline's GP shares (sd 0.15 to 0.2) and managers' (sd 0.1).
        for (a, b) in [
            (2.625, 2.625),
            (5.5, 4.5),
            (3.87, 5.8),
            (6.0, 14.0),
            (12.0, 12.0),
        ] {
            let at_once = ShareTable::new(a, b).unwrap().at_once();
            assert!(at_once > 0.95, "Beta({a}, {b}): {at_once}");
        }
        assert!(ShareTable::new(1.0, 1.0).unwrap().at_once() > 0.9999);
    }

    #[test]
    fn unbounded_or_very_narrow_shapes_are_left_to_the_gamma_ratio() {
        assert!(ShareTable::new(0.5, 2.0).is_none());
        assert!(ShareTable::new(2.0, 0.9).is_none());
        assert!(ShareTable::new(f64::NAN, 2.0).is_none());
        assert!(ShareTable::new(2_000.0, 2_000.0).is_none());
    }

    #[test]
    fn every_part_gets_exactly_its_weight() {
        let table = ShareTable::new(2.0, 3.0).unwrap();
        let mut per_part = [0u64; PARTS];
        for column in 0..PARTS {
            per_part[column] += u64::from(table.threshold[column]);
            per_part[usize::from(table.alias[column])] +=
                u64::from(COLUMN - table.threshold[column]);
        }
        // The implied heights: lower = weight/(scale·width), so the weights are proportional to
        // the heights' areas with one factor for all parts.
        let factor = per_part[2 * 80] as f64 / table.lower[80];
        for j in 0..STRIPS {
            let lower = per_part[2 * j] as f64;
            let upper = per_part[2 * j + 1] as f64;
            assert!(
                (lower - factor * table.lower[j]).abs() <= 1e-6 * factor.max(1.0),
                "{j}"
            );
            assert!(
                (upper - factor * (table.top[j] - table.lower[j])).abs() <= 1e-6 * factor.max(1.0),
                "{j}"
            );
        }
        assert_eq!(per_part.iter().sum::<u64>(), 1u64 << 32);
    }

    #[test]
    fn the_cache_gives_the_same_table_for_the_same_shapes() {
        let a = ShareTable::cached(2.0, 3.0).unwrap();
        let b = ShareTable::cached(2.0, 3.0).unwrap();
        assert!(Rc::ptr_eq(&a, &b));
        assert!(ShareTable::cached(0.5, 3.0).is_none());
    }
}
