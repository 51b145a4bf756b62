//! The Python side: MicroPython's compiler, bytecode and VM, modelled op for op.
//!
//! Nothing here knows about the ESP32: the runtime (`rt`) connects the VM to the board.

pub mod bytecode;
pub mod compiler;
pub mod disasm;
pub mod parse;
pub mod scope;
