//! `redesign-sim`: a fast, reproducible agent-based simulator of clinical leadership in
//! health-service redesign across three arenas (strategic board, programme boards, point of
//! delivery) under three institutional logics (market, hierarchy, network).
//!
//! The direction of data is one way: [`scenario`] (parse, validate) → [`model`] (one area, month
//! by month) → [`runner`] (replications, seeds, threads) → [`stats`] → [`output`].
//!
//! Run a scenario's replications and read the summary:
//!
//! ```
//! use std::path::Path;
//! use redesign_sim::{runner, scenario, stats::Aggregate};
//!
//! let text = "[simulation]\nreplications = 8\n";
//! let s = scenario::load_str(text, Path::new("example.toml"))?.resolve(&[])?;
//! let mut aggregate = Aggregate::new(&s);
//! runner::replicate(&s, 0, |_, outcome| aggregate.push(&outcome));
//! let summary = aggregate.summary(&s);
//! assert_eq!(summary.replications, 8);
//! assert!((0.0..=1.0).contains(&summary.overall_success_rate));
//! # Ok::<(), redesign_sim::Error>(())
//! ```
//!
//! Change any parameter as `--set` does, and run the arena experiment:
//!
//! ```
//! use std::path::Path;
//! use redesign_sim::{experiment, scenario::{self, Override}};
//!
//! let source = scenario::load_str("", Path::new("example.toml"))?;
//! let set = [
//!     Override::parse("simulation.replications=4")?,
//!     Override::parse("arenas.practice.reversion_rate=0.2")?,
//! ];
//! let cancel = redesign_sim::runner::Cancel::new();
//! let result = experiment::arenas(&source, &set, 0, &redesign_sim::runner::Silent, &cancel)?;
//! assert_eq!(result.cells.len(), 10);
//! assert!(["supported", "refuted", "inconclusive"].contains(&result.verdict.result.as_str()));
//! # Ok::<(), redesign_sim::Error>(())
//! ```

pub mod calibrate;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod discovery;
pub mod error;
pub mod experiment;
pub mod interactive;
pub mod memory;
pub mod model;
pub mod output;
pub mod plot;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sensitivity;
pub mod stats;
pub mod story;
pub mod sweep;
pub mod tables;
pub mod two_sample;

pub use error::{Error, Result};
