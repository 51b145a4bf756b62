//! The Python side: MicroPython's compiler, bytecode and VM, modelled op for op.
//!
//! Nothing here knows about the ESP32: the runtime (`rt`) connects the VM to the board.
//!
//! Laid out along MicroPython's own files, imports running one way (no circles):
//! * `parse`, `scope`, `compiler` (py/parse.c, scope.c, compile.c/emitbc.c), `bytecode`,
//!   `disasm`; `num` (py/parsenum.c, smallint.h, objfloat.c's divmod: one source for both
//!   the constant folder and the runtime); `format` (py/formatfloat.c, mpprint.c); `map`,
//!   `qstr` (py/map.c, qstr.c).
//! * `vm`: the VM state and its object model, one recursive unit (`Value` holds frames and
//!   native functions that take the `Vm`): `vm::value` (py/obj.h, with `dict`), `vm::heap`
//!   (py/gc.c), `vm::sched` (py/scheduler.c), and the interpreter in `vm::dispatch` (py/vm.c),
//!   `vm::call` (py/bc.c), `vm::unwind`, `vm::generator` (py/objgen.c), ... `vm` imports
//!   nothing above it.
//! * `obj` (py/obj*.c, one file per type), `args` (argument helpers), `builtins`
//!   (py/modbuiltins.c), `modules` (py/mod*.c, one registry): each adds inherent `impl Vm`
//!   methods and imports `vm`; the VM reaches them through `self.`, never by import.

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
