//! Speed of calibration: one parameter set of the baseline's `[calibration]` table (its
//! scenario resolved, 20 replications, every target's output gathered and its implausibility
//! computed), as a wave runs it on each core. A first wave of 2,000 sets × 200 replications is
//! 2,000 × 10 of these.
#![allow(missing_docs)] // criterion_group! generates an undocumented public function.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use redesign_sim::calibrate::{self, targets};
use redesign_sim::runner::Cancel;
use redesign_sim::scenario::{self, Override};
use std::hint::black_box;
use std::path::Path;

fn one_set(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let source = scenario::load(&path).expect("the baseline scenario loads");
    let base = [Override::parse("calibration.replications=20").expect("a valid override")];
    let s = source
        .resolve(&base)
        .expect("the baseline scenario is valid");
    let params = calibrate::uncertain_params(&source, &s, &base).expect("a valid table");
    let targets = targets::parse(targets::BUILT_IN, "built-in").expect("valid targets");
    let budget = calibrate::budget(&s);
    let values: Vec<f64> = params.iter().map(|p| (p.lo + p.hi) / 2.0).collect();
    let cancel = Cancel::new();
    let mut group = c.benchmark_group("calibrate");
    group.throughput(Throughput::Elements(u64::from(budget.replications)));
    group.sample_size(20);
    let mut set = 0u64;
    group.bench_function("set_of_20_replications", |b| {
        b.iter(|| {
            set += 1;
            let m = calibrate::simulate_set(
                &source, &base, &params, &targets, &budget, set, &values, &cancel,
            )
            .expect("not cancelled");
            black_box(calibrate::evaluate(
                &targets,
                &budget,
                set,
                1,
                values.clone(),
                &m,
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, one_set);
criterion_main!(benches);
