//! The Python side: MicroPython's compiler, bytecode and VM, modelled op for op.
//!
//! Nothing here knows about the ESP32: the runtime (`rt`) connects the VM to the board.

pub mod args;
pub mod builtins;
pub mod bytecode;
pub mod compiler;
pub mod dict;
pub mod disasm;
pub mod format;
pub mod heap;
pub mod map;
pub mod modules;
pub mod num;
pub mod obj;
pub mod parse;
pub mod qstr;
pub mod sched;
pub mod scope;
pub mod value;
pub mod vm;
