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
use crate::model::{Streams, World};
use crate::scenario::Scenario;

/// Replications run in parallel at once before their results are handed on in order; bounds
/// memory whatever the number of replications.
pub const CHUNK: u32 = 256;

/// Streams of one replication: a `ChaCha8Rng` seeded from the scenario seed (mixed with the
/// design point when points are independent), one stream per purpose per replication.
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
        decisions: stream(1),
        units: stream(2),
        survey: stream(3),
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

/// Runs `s.simulation.replications` replications in parallel on the current rayon pool and hands
/// each outcome to `sink` in replication order.
pub fn replicate(s: &Scenario, point: u64, sink: impl FnMut(u32, ReplicationOutcome)) {
    replicate_while(s, point, &Cancel::new(), sink);
}

/// As [`replicate`], looking at `cancel` before each replication; returns whether every
/// replication ran (false when it was told to stop; the outcomes handed on are then a prefix).
pub fn replicate_while(
    s: &Scenario,
    point: u64,
    cancel: &Cancel,
    mut sink: impl FnMut(u32, ReplicationOutcome),
) -> bool {
    let total = s.simulation.replications;
    let mut start = 0;
    while start < total {
        let end = (start + CHUNK).min(total);
        let Some(outcomes) = replicate_range(start..end, cancel, |i| replication(s, point, i))
        else {
            return false;
        };
        for (i, o) in (start..end).zip(outcomes) {
            sink(i, o);
        }
        start = end;
    }
    !cancel.is_cancelled()
}

/// Runs `job` for every index of `range` in parallel, in order; `None` when `cancel` was set
/// before every job had started.
pub fn replicate_range<T: Send>(
    range: std::ops::Range<u32>,
    cancel: &Cancel,
    job: impl Fn(u32) -> T + Sync,
) -> Option<Vec<T>> {
    range
        .into_par_iter()
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

/// The most memory a command may plan to use; scenarios estimated above it are refused up front.
pub const MEMORY_LIMIT: u64 = 20 * (1 << 30);

/// The memory a command may use here: [`MEMORY_LIMIT`], or less where the process's address
/// space is limited (`ulimit -v`, a batch system's limit). Free memory is not counted: it
/// changes from one moment to the next, and the page cache gives way.
pub fn memory_limit() -> u64 {
    let mut limit = MEMORY_LIMIT;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        if let Some(cap) = rustix::process::getrlimit(rustix::process::Resource::As).current {
            // Address space, not resident memory: thread stacks and allocator arenas reserve
            // more than they use, so that much is set apart.
            limit = limit.min(cap.saturating_sub(RESERVED_ADDRESS_SPACE));
        }
    }
    limit
}

/// Address space a process reserves beyond what it uses (stacks, allocator arenas).
const RESERVED_ADDRESS_SPACE: u64 = 512 << 20;

/// A rough upper estimate, in bytes, of the memory a command needs that holds `runs` runs of `s`
/// at once (the cells of an experiment, the sweep points in flight): each run's aggregate and
/// one chunk of its finished outcomes, one world per thread, and the process's own base.
pub fn memory_estimate(s: &Scenario, threads: Option<usize>, runs: u64) -> u64 {
    let months = u64::from(s.simulation.months);
    let inits = s.initiative.len() as u64;
    let gps = u64::from(s.population.gps);
    let practices = u64::from(s.population.practices);
    let teams: u64 = s.provider.iter().map(|p| u64::from(p.teams)).sum();
    let units = inits * (practices + teams);
    let world =
        gps * 128 + practices * 96 + teams * 64 + units * 4 + months * inits * 16 + months * 32;
    let outcome = months * inits * 16 + months * 16 + inits * 96 + 256;
    let aggregate = months * inits * 4 * ((crate::stats::QUANTILE_STEPS as u64 + 1) * 4 + 64)
        + inits * (months + 1) * 8;
    let threads = threads
        .filter(|&t| t > 0)
        .unwrap_or_else(rayon::current_num_threads) as u64;
    let runs = runs.max(1);
    BASE_MEMORY + runs * (aggregate + u64::from(CHUNK) * outcome) + threads * world
}

/// What the process holds whatever the scenario: code, the thread pool's stacks, buffers.
const BASE_MEMORY: u64 = 64 << 20;

/// Refuses a scenario whose estimated memory for `runs` runs at once exceeds [`MEMORY_LIMIT`],
/// saying how much it needs.
pub fn check_memory(
    s: &Scenario,
    threads: Option<usize>,
    runs: u64,
    file: &std::path::Path,
) -> crate::error::Result<()> {
    let need = memory_estimate(s, threads, runs);
    let limit = memory_limit();
    if need > limit {
        return Err(crate::error::Error::Invalid {
            at: crate::scenario::Origin::Flag(file.display().to_string()),
            key: "scenario size".into(),
            message: format!(
                "would need about {:.1} GiB of memory (population, initiatives and months, times \
                 {runs} run{} held at once); {:.1} GiB may be used here",
                need as f64 / (1u64 << 30) as f64,
                if runs == 1 { "" } else { "s" },
                limit as f64 / (1u64 << 30) as f64
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_depend_on_seed_and_replication_only() {
        let a = streams(7, 0, 3, false).units.random::<u64>();
        assert_eq!(a, streams(7, 5, 3, false).units.random::<u64>());
        assert_ne!(a, streams(7, 0, 4, false).units.random::<u64>());
        assert_ne!(a, streams(8, 0, 3, false).units.random::<u64>());
        assert_ne!(a, streams(7, 5, 3, true).units.random::<u64>());
        assert_ne!(a, streams(7, 0, 3, false).decisions.random::<u64>());
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
