//! `demo`: the baseline and the arena experiment for a class, with one page to open.

use std::path::{Path, PathBuf};

use crate::cli::{
    Common, DEMO_INTERACTIVE_REPLICATIONS, DEMO_RUN_REPLICATIONS, DemoArgs, Terminal,
    stop_on_signals,
};
use crate::error::Result;
use crate::output::{self, ReplicationFile};
use crate::scenario::{self, Origin, Override, ScenarioSource};
use crate::{experiment, interactive, report, runner, stats, tables};

/// The baseline scenario, built in, so `demo` works from any folder.
const BASELINE: &str = include_str!("../../scenarios/baseline.toml");

/// The classroom demo: the baseline run and the arena experiment, with one page to open.
pub fn demo(args: &DemoArgs) -> Result<()> {
    if args.interactive {
        return demo_interactive(args);
    }
    let replications = args.replications.unwrap_or(DEMO_RUN_REPLICATIONS);
    let source = demo_source(args.scenario.as_deref())?;
    let common = Common {
        seed: args.seed,
        threads: args.threads,
        quiet: args.quiet,
        ..Common::default()
    };
    let with_replications = |n: u32| -> Result<Vec<Override>> {
        let mut o = common.overrides()?;
        o.push(Override::new(
            "simulation.replications",
            toml::Value::Integer(n.into()),
            Origin::Flag(format!("demo --replications {replications}")),
        ));
        Ok(o)
    };
    let arena_replications = (replications / 2).max(1);
    let run_overrides = with_replications(replications.max(1))?;
    let arena_overrides = with_replications(arena_replications)?;
    let s = source.resolve(&run_overrides)?;
    let sa = source.resolve(&arena_overrides)?;
    // The arena experiment holds its ten cells at once.
    crate::memory::check_memory(&s, args.threads, 10, &source.path)?;
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out/demo"));
    super::check_threads(args.threads)?;
    let cancel = stop_on_signals();
    let top = super::claim(&target, args.force, &source.path)?;
    let pool = runner::pool(args.threads);

    // Each part is a complete output folder of its own inside the demo folder.
    let run_dir = top.nested("baseline")?;
    let terminal = Terminal::new("replications (baseline)", args.quiet);
    let mut rows = ReplicationFile::open(&run_dir, &s)?;
    let result =
        pool.install(|| stats::simulate(&s, 0, &terminal, &cancel, |i, o| rows.push(&s, 0, i, o)))?;
    terminal.finish();
    rows.finish()?;
    output::write_run_files(&run_dir, &s, &result)?;
    let run_figures = report::run_report(&run_dir, &s, &result)?;
    run_dir.commit()?;

    let arena_dir = top.nested("arenas")?;
    let terminal = Terminal::new("replications × 10 cells (arena experiment)", args.quiet);
    let exp =
        pool.install(|| experiment::arenas(&source, &arena_overrides, 0, &terminal, &cancel))?;
    terminal.finish();
    output::write_arena_files(&arena_dir, &exp)?;
    let arena_figure = report::arena_report(&arena_dir, &sa, &exp)?;
    arena_dir.commit()?;

    // The page embeds its charts, read back from the finished parts, so it is one file.
    let png = |folder: &str, f: &report::Figure| {
        std::fs::read(top.file(folder).join(format!("{}.png", f.stem))).ok()
    };
    report::demo_page(&s, &result, &run_figures, &exp, &arena_figure, &png).write(&top)?;
    cancel.check()?;
    let target = super::commit(top)?;
    print!("{}", tables::summary_table(&result.summary));
    println!(
        "\nArena experiment: {} ({} replications per cell).",
        exp.verdict.result.to_uppercase(),
        exp.replications
    );
    println!("\nOpen the report: {}", target.join("index.html").display());
    Ok(())
}

/// `demo --interactive`: the grid of results behind the sliders, computed in advance, and the
/// one page that shows it (`index.html`), with the grid beside it as `interactive.json`.
fn demo_interactive(args: &DemoArgs) -> Result<()> {
    let source = demo_source(args.scenario.as_deref())?;
    let replications = args
        .replications
        .unwrap_or(DEMO_INTERACTIVE_REPLICATIONS)
        .max(1);
    let common = Common {
        seed: args.seed,
        replications: Some(replications),
        threads: args.threads,
        quiet: args.quiet,
        ..Common::default()
    };
    let overrides = common.overrides()?;
    let s = source.resolve(&overrides)?;
    // Each point holds the experiment's ten cells at once.
    crate::memory::check_memory(&s, args.threads, 10, &source.path)?;
    super::warn(&source, &s);
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out/interactive"));
    super::check_threads(args.threads)?;
    let cancel = stop_on_signals();
    let top = super::claim(&target, args.force, &source.path)?;
    let pool = runner::pool(args.threads);
    let sliders = interactive::sliders();
    let terminal = Terminal::new(
        &format!(
            "replications × 11 cells at {} settings",
            interactive::grid_size(&sliders)
        ),
        args.quiet,
    );
    let grid =
        pool.install(|| interactive::compute(&source, &overrides, &sliders, &terminal, &cancel))?;
    terminal.finish();
    top.write("interactive.json", interactive::grid_json(&grid).as_bytes())?;
    top.write("index.html", interactive::page(&grid).as_bytes())?;
    cancel.check()?;
    let target = super::commit(top)?;
    println!(
        "{} settings of {} sliders, {} replications per cell at each.",
        grid.points.len(),
        grid.sliders.len(),
        grid.replications
    );
    println!("\nOpen the page: {}", target.join("index.html").display());
    Ok(())
}

/// The scenario of the demo: the file given, else `scenarios/baseline.toml` when run from the
/// project, else the built-in copy.
fn demo_source(path: Option<&Path>) -> Result<ScenarioSource> {
    match path {
        Some(p) => scenario::load(p),
        None => {
            let local = Path::new("scenarios/baseline.toml");
            if local.is_file() {
                scenario::load(local)
            } else {
                scenario::load_str(BASELINE, Path::new("baseline.toml (built in)"))
            }
        }
    }
}
