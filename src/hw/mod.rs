//! The virtual board's hardware: what the ESP32 (or another board) is made of and what its
//! work costs. Nothing here knows about Python values; `cpu` only reads bytecode ops to price them.

pub mod cpu;
