//! Replications: seeding, parallelism and ordered streaming of results.
//!
//! A replication's random streams depend only on the scenario seed, the design point (when
//! `simulation.independent_points` asks for it) and the replication index, so results are the
//! same for any thread count, chunking or shard layout.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::model::outcome::ReplicationOutcome;
use crate::model::{Area, Draws, Streams, UnitsKey, World, draw_area, same_area};
use crate::scenario::Scenario;

/// Replications whose outcomes are held at once, waiting to be handed on in order; bounds memory
/// whatever the number of replications. [`pipeline`] holds two halves: one handed on while the
/// other runs.
pub const CHUNK: u32 = 256;

/// Replications [`pipeline`] runs together: half a [`CHUNK`], since it holds two at once.
const HALF_CHUNK: u32 = CHUNK / 2;

/// Streams of one replication: a `ChaCha8Rng` seeded from the scenario seed (mixed with the
/// design point when points are independent), one stream per purpose per replication; the
/// decisions and the survey draw from a xoshiro256++ seeded with that stream's first 32 bytes.
pub fn streams(seed: u64, point: u64, replication: u32, independent_points: bool) -> Streams {
    let base = if independent_points {
        // SplitMix64 finaliser: distinct points get unrelated seeds.
        let mut z = seed ^ point.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    } else {
        seed
    };
    let stream = |purpose: u64| {
        let mut rng = ChaCha8Rng::seed_from_u64(base);
        rng.set_stream(u64::from(replication) * 4 + purpose);
        rng
    };
    Streams {
        population: stream(0),
        decisions: Draws::from_rng(&mut stream(1)),
        units: UnitsKey::new(&stream(2)),
        survey: Draws::from_rng(&mut stream(3)),
    }
}

/// A cancellation token: whoever holds a clone can ask the work to stop; replications look at
/// it before each one starts, so a run stops within one replication's time.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A token nobody has cancelled yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every holder's work to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the work was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(Error::Interrupted)` once cancelled: the last look before outputs are put in place.
    pub fn check(&self) -> crate::error::Result<()> {
        if self.is_cancelled() {
            Err(crate::error::Error::Interrupted)
        } else {
            Ok(())
        }
    }
}

/// What a long computation tells whoever runs it: a terminal's progress bar, a notebook's
/// widget, or nobody. The library never prints; it tells its observer.
pub trait Observer: Sync {
    /// The work has `total` steps (replications or points), `done` of them already finished.
    fn start(&self, _total: u64, _done: u64) {}
    /// `n` more steps are finished.
    fn advance(&self, _n: u64) {}
    /// A note worth a line to the person running the work (a leftover cleaned up, a rerun).
    fn note(&self, _text: &str) {}
}

/// An observer that passes progress and notes on to another but does not restart its count, so
/// that several runs (the probe's steps, an ensemble's sets) add up on one progress display.
pub struct Within<'a>(pub &'a dyn Observer);

impl Observer for Within<'_> {
    fn advance(&self, n: u64) {
        self.0.advance(n);
    }

    fn note(&self, text: &str) {
        self.0.note(text);
    }
}

/// The observer that ignores everything: for embedding and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observer for Silent {}

/// Runs one replication of a scenario at a design point.
pub fn replication(s: &Scenario, point: u64, index: u32) -> ReplicationOutcome {
    let mut streams = streams(
        s.simulation.seed,
        point,
        index,
        s.simulation.independent_points,
    );
    let world = World::new(s, &mut streams.population);
    world.run(&mut streams)
}

/// Replication `index` of a scenario at a design point followed month by month (the story of
/// one area): the size of the area, the facts of each month, and the outcome, which is the one
/// [`replication`] gives for the same arguments, since both seed the same streams.
pub fn replication_story(
    s: &Scenario,
    point: u64,
    index: u32,
) -> (
    crate::model::story::AreaFacts,
    Vec<crate::model::story::MonthFacts>,
    ReplicationOutcome,
) {
    let mut streams = streams(
        s.simulation.seed,
        point,
        index,
        s.simulation.independent_points,
    );
    let world = World::new(s, &mut streams.population);
    crate::model::story::run_recorded(world, &mut streams)
}

/// Runs replication `index` of every scenario in `cells` at a design point and returns their
/// outcomes in cell order: each the outcome [`replication`] gives, but the area is drawn once and
/// handed to every later cell that would draw the same one (same seed, same population, GP,
/// manager, provider and council settings), as an experiment's cells do. Drawing the area is
/// about a fifth of a baseline replication.
pub fn replications_sharing_area(
    cells: &[Scenario],
    point: u64,
    index: u32,
) -> Vec<ReplicationOutcome> {
    let mut drawn: Vec<(usize, Area)> = Vec::new();
    cells
        .iter()
        .enumerate()
        .map(|(c, s)| {
            let mut streams = streams(
                s.simulation.seed,
                point,
                index,
                s.simulation.independent_points,
            );
            let area = match drawn.iter().find(|(d, _)| same_area(&cells[*d], s)) {
                Some((_, area)) => area.clone(),
                None => {
                    let area = draw_area(s, &mut streams.population);
                    drawn.push((c, area.clone()));
                    area
                }
            };
            World::from_area(s, area).run(&mut streams)
        })
        .collect()
}

/// Runs `s.simulation.replications` replications in parallel on the current rayon pool and hands
/// each outcome to `sink` in replication order.
pub fn replicate(s: &Scenario, point: u64, sink: impl FnMut(u32, ReplicationOutcome) + Send) {
    replicate_while(s, point, &Cancel::new(), sink);
}

/// As [`replicate`], looking at `cancel` before each replication; returns whether every
/// replication ran (false when it was told to stop; the outcomes handed on are then a prefix).
pub fn replicate_while(
    s: &Scenario,
    point: u64,
    cancel: &Cancel,
    mut sink: impl FnMut(u32, ReplicationOutcome) + Send,
) -> bool {
    pipeline(
        s.simulation.replications,
        cancel,
        |i| replication(s, point, i),
        |range, outcomes| {
            for (i, o) in range.zip(outcomes) {
                sink(i, o);
            }
            Ok::<(), std::convert::Infallible>(())
        },
    )
    .unwrap_or_else(|never| match never {})
}

/// Runs `job` for every index of `0..total` on the current rayon pool, half a [`CHUNK`] at a
/// time, and hands each chunk's results to `consume` in index order. Consuming one chunk (the
/// aggregates, the rows written: work done one thread at a time) overlaps running the next, so
/// no core waits for it; the results and the order they are consumed in do not depend on the
/// thread count. Returns `Ok(true)` when every chunk was consumed, `Ok(false)` when `cancel`
/// stopped the run (the chunks consumed are then a prefix), and the first error of `consume`,
/// after which no chunk is started.
pub fn pipeline<T: Send, E: Send>(
    total: u32,
    cancel: &Cancel,
    job: impl Fn(u32) -> T + Sync,
    mut consume: impl FnMut(std::ops::Range<u32>, Vec<T>) -> Result<(), E> + Send,
) -> Result<bool, E> {
    let chunk = |start: u32| start..(start.saturating_add(HALF_CHUNK)).min(total);
    let mut ready: Option<(std::ops::Range<u32>, Vec<T>)> = None;
    let mut start = 0;
    loop {
        let next = (start < total).then(|| chunk(start));
        let (computed, consumed) = rayon::join(
            || {
                next.clone()
                    .map(|range| replicate_range(range, cancel, &job))
            },
            || match ready.take() {
                Some((range, results)) => consume(range, results),
                None => Ok(()),
            },
        );
        consumed?;
        match (next, computed) {
            (None, _) => return Ok(true),
            (Some(range), Some(Some(results))) => {
                start = range.end;
                ready = Some((range, results));
            }
            // Told to stop: the chunks before this one are consumed.
            _ => return Ok(false),
        }
    }
}

/// Runs `job` for every index of `range` in parallel, in order; `None` when `cancel` was set
/// before every job had started.
pub fn replicate_range<T: Send>(
    range: std::ops::Range<u32>,
    cancel: &Cancel,
    job: impl Fn(u32) -> T + Sync,
) -> Option<Vec<T>> {
    // One job a task. Left to itself, rayon splits the range into a few long runs of jobs; the
    // thread that also consumed the last chunk starts its run late and the other then waits for
    // it at the chunk's end (about the consumer's millisecond a chunk, 4% of a two-thread run).
    // A job (a replication, about 0.18 ms, or a whole design point) far outweighs a task's cost.
    range
        .into_par_iter()
        .with_max_len(1)
        .map(|i| (!cancel.is_cancelled()).then(|| job(i)))
        .collect()
}

/// A rayon pool with `threads` threads (all cores when `None` or 0).
pub fn pool(threads: Option<usize>) -> rayon::ThreadPool {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads.filter(|&t| t > 0) {
        b = b.num_threads(t);
    }
    // Building a pool fails only if the OS refuses threads; fall back to one thread then.
    b.build().unwrap_or_else(|_| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool can always be built")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    /// Runs [`pipeline`] over `total` indices on a pool of `threads`, returning what it gave and
    /// the indices consumed, in the order consumed.
    fn pipelined(
        total: u32,
        threads: usize,
        cancel_at: Option<u32>,
        fail_at: Option<u32>,
    ) -> (Result<bool, u32>, Vec<u64>) {
        let cancel = Cancel::new();
        let mut seen = Vec::new();
        let done = pool(Some(threads)).install(|| {
            pipeline(
                total,
                &cancel,
                |i| {
                    if Some(i) == cancel_at {
                        cancel.cancel();
                    }
                    u64::from(i) * 3
                },
                |range, values| {
                    assert_eq!(range.len(), values.len());
                    for (i, v) in range.zip(values) {
                        assert_eq!(v, u64::from(i) * 3);
                        if Some(i) == fail_at {
                            return Err(i);
                        }
                        seen.push(v);
                    }
                    Ok(())
                },
            )
        });
        (done, seen)
    }

    #[test]
    fn the_pipeline_consumes_every_chunk_in_order_for_any_thread_count() {
        for total in [0, 1, HALF_CHUNK - 1, HALF_CHUNK, CHUNK, 3 * CHUNK + 17] {
            let want: Vec<u64> = (0..u64::from(total)).map(|i| i * 3).collect();
            for threads in [1, 2, 3] {
                assert_eq!(
                    pipelined(total, threads, None, None),
                    (Ok(true), want.clone())
                );
            }
        }
    }

    #[test]
    fn a_stopped_pipeline_has_consumed_whole_chunks_before_the_stop_and_nothing_after() {
        let (done, seen) = pipelined(4 * CHUNK, 2, Some(2 * HALF_CHUNK + 5), None);
        assert_eq!(done, Ok(false));
        // Chunks 0 and 1 finished before the stop; the stop came inside chunk 2, so neither it
        // nor any later chunk is consumed.
        let want: Vec<u64> = (0..u64::from(2 * HALF_CHUNK)).map(|i| i * 3).collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn a_consumer_s_error_ends_the_pipeline_with_that_error() {
        let (done, seen) = pipelined(4 * CHUNK, 2, None, Some(CHUNK + 1));
        assert_eq!(done, Err(CHUNK + 1));
        assert_eq!(seen.len() as u32, CHUNK + 1);
    }

    #[test]
    fn streams_depend_on_seed_and_replication_only() {
        let a = streams(7, 0, 3, false).population.random::<u64>();
        assert_eq!(a, streams(7, 5, 3, false).population.random::<u64>());
        assert_ne!(a, streams(7, 0, 4, false).population.random::<u64>());
        assert_ne!(a, streams(8, 0, 3, false).population.random::<u64>());
        assert_ne!(a, streams(7, 5, 3, true).population.random::<u64>());
        assert_ne!(a, streams(7, 0, 3, false).decisions.random::<u64>());
        let units = streams(7, 0, 3, false).units;
        assert_eq!(units, streams(7, 5, 3, false).units);
        assert_ne!(units, streams(7, 0, 4, false).units);
        assert_ne!(units, streams(8, 0, 3, false).units);
        assert_ne!(units, streams(7, 5, 3, true).units);
    }

    #[test]
    fn cells_sharing_an_area_give_what_each_gives_alone() {
        let base = Scenario::default();
        let mut no_practice = base.clone();
        no_practice.arenas.practice.enabled = false;
        let mut smaller = base.clone();
        smaller.population.gps = 120;
        let mut reseeded = no_practice.clone();
        reseeded.simulation.seed += 1;
        let cells = [base, no_practice, smaller, reseeded];
        assert!(crate::model::same_area(&cells[0], &cells[1]));
        assert!(!crate::model::same_area(&cells[0], &cells[2]));
        assert!(!crate::model::same_area(&cells[1], &cells[3]));
        for index in [0, 7] {
            let shared = replications_sharing_area(&cells, 3, index);
            for (s, o) in cells.iter().zip(&shared) {
                let alone = replication(s, 3, index);
                assert_eq!(format!("{o:?}"), format!("{alone:?}"));
            }
        }
    }

    #[test]
    fn a_replication_is_reproducible() {
        let s = Scenario::default();
        let a = replication(&s, 0, 11);
        let b = replication(&s, 0, 11);
        assert_eq!(a.trajectories, b.trajectories);
        assert_eq!(a.seats_filled, b.seats_filled);
    }
}
