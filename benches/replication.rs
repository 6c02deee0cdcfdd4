//! Speed of the model: one baseline replication on one core (population draw plus 60 months),
//! and the drawing of an area alone.
#![allow(missing_docs)] // criterion_group! generates an undocumented public function.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use redesign_sim::model::World;
use redesign_sim::runner;
use redesign_sim::scenario;
use std::hint::black_box;
use std::path::Path;

fn baseline() -> scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    scenario::load(&path)
        .and_then(|s| s.resolve(&[]))
        .expect("the baseline scenario is valid")
}

fn replication(c: &mut Criterion) {
    let s = baseline();
    let mut group = c.benchmark_group("baseline");
    group.throughput(Throughput::Elements(1));
    let mut i = 0u32;
    group.bench_function("replication", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            black_box(runner::replication(&s, 0, i))
        })
    });
    group.bench_function("draw_area", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let mut streams = runner::streams(s.simulation.seed, 0, i, false);
            black_box(World::new(&s, &mut streams.population).step_count())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = replication
}
criterion_main!(benches);
