//! The simulation: the one place that advances simulated time (`Machine`, written later).
//!
//! For now it holds only the [`queue::EventQueue`], the total order of everything that can
//! happen. It must not read the wall clock or the environment.

pub mod queue;
