//! `irqlab disasm FILE`: the bytecode of a program, with source lines and each op's cost on
//! the esp32.

use std::path::PathBuf;

use crate::hw::profile::BoardProfile;
use crate::py::compiler::compile_module;
use crate::run::RunError;

/// Arguments of `irqlab disasm`.
#[derive(clap::Args, Debug)]
pub struct DisasmArgs {
    /// The `.py` file.
    pub file: PathBuf,
}

/// Prints the disassembly; returns the exit code.
pub fn run(args: &DisasmArgs) -> Result<i32, RunError> {
    let file = &args.file;
    let source = crate::run::read_program(file)?;
    let code = compile_module(&source, &file.to_string_lossy()).map_err(|d| RunError::from(&d))?;
    let profile = BoardProfile::esp32();
    let cost = profile.cost().clone();
    let f = move |op: &crate::py::bytecode::Op| crate::rt::op_cost::op_cycles(&cost, op).0 as u32;
    print!("{}", crate::py::disasm::disassemble(&code, Some(&f)));
    Ok(0)
}
