//! irqlab: a deterministic virtual ESP32 that runs unmodified MicroPython programs and shows
//! when each interrupt fired, how long its callback waited and what it preempted.
//!
//! Modules in reading order (lower layers never import higher ones):
//! `time`, `limits` → `hw`, `py` → `rt` → `sim` → `analysis` → `scenario`, `cli`.
//! See ARCHITECTURE.md for the map and the invariants.

pub mod analysis;
pub mod bench;
pub mod cli;
pub mod explore;
pub mod fuzz;
pub mod hw;
pub mod limits;
pub mod py;
pub mod queue;
pub mod rng;
pub mod rt;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod time;
pub mod trace;
pub mod tui;
