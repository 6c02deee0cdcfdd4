//! The model: one local health economy (a CCG area) and its monthly step (docs/ODD.md §2–7).
//!
//! The world is drawn once per replication; the step is infallible, does no I/O and allocates
//! nothing: every buffer it needs is sized when the world is built.
//!
//! One file per concept of the study and of `docs/ODD.md`, in the order of the monthly step:
//! [`World`] and its step in `world.rs`, then `environment.rs`, `engagement.rs`, `ideas.rs`,
//! `strategic.rs`, `programme.rs`, `practice.rs`, `feedback.rs` and `survey.rs`, each adding its
//! part of the step to `World` in an `impl` block of its own.

pub mod agents;
pub mod outcome;
mod population;
pub mod story;

mod engagement;
mod environment;
mod feedback;
mod ideas;
mod practice;
mod programme;
mod share_table;
mod strategic;
mod survey;
mod world;
mod ziggurat;

pub(crate) use population::{Area, draw as draw_area};
pub use practice::UnitsKey;
pub(crate) use world::same_area;
pub use world::{Draws, Streams, World};
