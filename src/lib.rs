//! irqlab: a deterministic virtual ESP32 that runs unmodified MicroPython programs and shows
//! when each interrupt fired, how long its callback waited and what it preempted.
//!
//! Modules in reading order, lowest layer first (lower layers never import higher ones;
//! ARCHITECTURE.md's layer table, checked by `tests/integration/layers.rs`):
//! base (`time`, `limits`, `rng`, `trace`, `queue`) → `py` → `hw` → `rt` → `sim` → `analysis`
//! → `scenario` → `run` → front ends (`explore`, `tui`, `bench`, `fuzz`) → `cli`.

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
