//! The Python side: MicroPython's compiler, bytecode and VM, modelled op for op.
//!
//! Nothing here knows about the ESP32: the runtime (`rt`) connects the VM to the board.

pub mod args;
pub mod builtins;
pub mod bytecode;
pub mod compiler;
pub mod disasm;
pub mod format;
pub mod map;
pub mod modules;
pub mod num;
pub mod obj;
pub mod parse;
pub mod qstr;
pub mod scope;
pub mod vm;

/// The object model lives with the VM (its types and the VM's are one recursive unit); these
/// paths stay for the port and the tests.
pub use vm::value;
pub use vm::value::dict;
