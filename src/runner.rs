//! Replications: seeding, parallelism and ordered streaming of results.
//!
//! A replication's random streams depend only on the scenario seed, the design point (when
//! `simulation.independent_points` asks for it) and the replication index, so results are the
//! same for any thread count, chunking or shard layout.

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
    replicate_while(s, point, || true, sink);
}

/// As [`replicate`], asking `keep_going` before each chunk; returns whether every replication
/// ran (false when it was told to stop).
pub fn replicate_while(
    s: &Scenario,
    point: u64,
    keep_going: impl Fn() -> bool,
    mut sink: impl FnMut(u32, ReplicationOutcome),
) -> bool {
    let total = s.simulation.replications;
    let mut start = 0;
    while start < total {
        if !keep_going() {
            return false;
        }
        let end = (start + CHUNK).min(total);
        let outcomes: Vec<ReplicationOutcome> = (start..end)
            .into_par_iter()
            .map(|i| replication(s, point, i))
            .collect();
        for (i, o) in (start..end).zip(outcomes) {
            sink(i, o);
        }
        start = end;
    }
    true
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

/// Memory this machine may use for one run; scenarios estimated above it are refused up front.
pub const MEMORY_LIMIT: u64 = 20 * (1 << 30);

/// A rough upper estimate, in bytes, of the memory a run of `s` needs: the aggregate, one chunk
/// of finished outcomes, and one world per thread.
pub fn memory_estimate(s: &Scenario, threads: Option<usize>) -> u64 {
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
    aggregate + u64::from(CHUNK) * outcome + threads * world
}

/// Refuses a scenario whose estimated memory exceeds [`MEMORY_LIMIT`], saying how much it needs.
pub fn check_memory(
    s: &Scenario,
    threads: Option<usize>,
    file: &std::path::Path,
) -> crate::error::Result<()> {
    let need = memory_estimate(s, threads);
    if need > MEMORY_LIMIT {
        return Err(crate::error::Error::Invalid {
            at: crate::scenario::Origin::Flag(file.display().to_string()),
            key: "scenario size".into(),
            message: format!(
                "would need about {:.1} GiB of memory (population, initiatives and months together); the limit is {} GiB",
                need as f64 / (1u64 << 30) as f64,
                MEMORY_LIMIT >> 30
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
