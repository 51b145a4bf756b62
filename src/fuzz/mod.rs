//! `irqlab fuzz`: generated and mutated programs and scenarios run in-process, each case's
//! panic caught and reported with its input (issue 14).
//!
//! The generators are pure functions of a seed ([`program`], [`scenario`]); the driver runs
//! every case through the one run entry point with a short simulated-time limit.

pub mod program;
pub mod scenario;
