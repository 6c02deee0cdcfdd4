//! Quick look at a scenario's aggregate (development aid).
use redesign_sim::{runner, scenario, stats::Aggregate};
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let src = scenario::load(std::path::Path::new(&args[0])).unwrap();
    let overrides: Vec<_> = args[1..]
        .iter()
        .map(|a| scenario::Override::parse(a).unwrap())
        .collect();
    let s = src.resolve(&overrides).unwrap();
    let mut agg = Aggregate::new(&s);
    let t = std::time::Instant::now();
    runner::replicate(&s, 0, |_, o| agg.push(&o));
    eprintln!(
        "{:.1} ms/rep",
        t.elapsed().as_secs_f64() * 1e3 / s.simulation.replications as f64
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&agg.summary(&s)).unwrap()
    );
}
