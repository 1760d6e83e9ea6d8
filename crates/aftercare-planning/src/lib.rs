//! Aftercare's spare-parts planning engine.
//!
//! Pure, deterministic computation: no I/O, no async, no clock, no global randomness
//! (bootstrap and simulation take an explicit seed). Callers bring the demand history
//! and the item parameters; the engine returns forecasts, classes, stock levels,
//! proposals and simulation results.

pub mod allocate;
pub mod auto;
pub mod classify;
pub mod forecast;
pub mod metrics;
pub mod seasonal;
pub mod series;

pub mod distribution;
pub mod estimate;
pub mod gamma;
pub mod lifecycle;
pub mod netting;
pub mod plan;
pub mod policy;
pub mod simulate;
