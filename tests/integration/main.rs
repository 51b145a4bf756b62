//! The one integration-test binary: runs irqlab's public API and its executable end to end.

mod asyncio;
mod cli;
mod conformance;
mod explore;
mod findings;
mod fuzz;
mod hard_irq;
mod layers;
mod lines;
mod scenarios;
mod tidy;
mod tui;
