//! The memory guard: what a command will hold at once, estimated before it starts, and the
//! limit it must stay under, so that a scenario too large fails at once with a clear message
//! rather than hours later with an allocation failure.

use crate::runner::CHUNK;
use crate::scenario::Scenario;

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
