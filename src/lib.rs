//! `redesign-sim`: a fast, reproducible agent-based simulator of clinical leadership in
//! health-service redesign across three arenas (strategic board, programme boards, point of
//! delivery) under three institutional logics (market, hierarchy, network).
//!
//! The direction of data is one way: [`scenario`] (parse, validate) → [`model`] (one area, month
//! by month) → [`runner`] (replications, seeds, threads) → [`stats`] → [`output`].

pub mod cli;
pub mod error;
pub mod experiment;
pub mod model;
pub mod output;
pub mod plot;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod stats;
pub mod sweep;

pub use error::{Error, Result};
