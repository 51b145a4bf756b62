//! Human-readable disassembly of [`CodeObject`]s, as `irqlab disasm` shows it.
//!
//! The format is stable (snapshot tests and users depend on it):
//!
//! ```text
//! code <name> (<file>:<first line>) <kind> args=<n> kwonly=<n> locals=<n> free=<n> stack=<n>
//!   flags: generator coroutine varargs varkeywords     (only the flags that are set)
//!   arg names: a b args kw                              (only if there are parameters)
//!   cells: 0 3                                          (only if some slots hold cells)
//!   <index> <line> [<cost>c] <MNEMONIC> <operands>[  ; pending check]
//! ```
//!
//! * One line per op: its index (the jump targets refer to it), its source line, optionally
//!   its cost in cycles, then MicroPython's mnemonic as py/showbc.c prints it (`LOAD_FAST` for
//!   slots 0–15 and `LOAD_FAST_N` above, `BINARY_OP 14 __iadd__`, `CALL_FUNCTION n=1 nkw=0`,
//!   ...), with names and constants shown by value instead of by table index.
//! * Where showbc.c prints a pointer or a packed number we print something readable:
//!   `MAKE_FUNCTION #<child> <name>`, `UNPACK_EX <before> <after>`,
//!   `STORE_COMP <list|dict|set> <iterators between>`, `UNWIND_JUMP <target> <blocks>` with
//!   ` pop_iter` when it also pops a `for` iterator.
//! * The seven ops where MicroPython runs pending soft callbacks end in `  ; pending check`.
//! * Each code object is followed by its children (functions, classes, lambdas,
//!   comprehensions), recursively, separated by a blank line.
//!
//! This module only formats; it must not change or interpret code objects.

use std::fmt::Write;

use crate::py::bytecode::{self, CodeObject, CompKind, Const, Op, ScopeKind};

/// Disassembles `code` and, after it, all its children (depth first).
///
/// `cost_cycles`, when given, prints each op's cost in cycles in an extra column.
pub fn disassemble(code: &CodeObject, cost_cycles: Option<&dyn Fn(&Op) -> u32>) -> String {
    let mut out = String::new();
    write_code(&mut out, code, cost_cycles);
    out
}

fn write_code(out: &mut String, code: &CodeObject, cost: Option<&dyn Fn(&Op) -> u32>) {
    write_header(out, code);
    for (i, op) in code.ops.iter().enumerate() {
        let line = code.lines.get(i).copied().unwrap_or(0);
        let _ = write!(out, "  {i:>4} {line:>4}  ");
        if let Some(cost) = cost {
            let _ = write!(out, "{:>5}c  ", cost(op));
        }
        out.push_str(&mnemonic(code, op));
        if op.is_pending_check() {
            out.push_str("  ; pending check");
        }
        out.push('\n');
    }
    for child in &code.children {
        out.push('\n');
        write_code(out, child, cost);
    }
}

fn write_header(out: &mut String, code: &CodeObject) {
    let kind = match code.kind {
        ScopeKind::Module => "module",
        ScopeKind::Function => "function",
        ScopeKind::Lambda => "lambda",
        ScopeKind::Class => "class",
        ScopeKind::Comprehension => "comprehension",
    };
    let _ = writeln!(
        out,
        "code {} ({}:{}) {} args={} kwonly={} locals={} free={} stack={}",
        code.name,
        code.filename,
        code.first_line,
        kind,
        code.n_pos_args,
        code.n_kwonly_args,
        code.n_locals,
        code.n_free,
        code.max_stack
    );
    let f = code.flags;
    let flags: Vec<&str> = [
        (f.generator, "generator"),
        (f.coroutine, "coroutine"),
        (f.varargs, "varargs"),
        (f.varkeywords, "varkeywords"),
    ]
    .iter()
    .filter(|(set, _)| *set)
    .map(|&(_, name)| name)
    .collect();
    if !flags.is_empty() {
        let _ = writeln!(out, "  flags: {}", flags.join(" "));
    }
    if !code.arg_names.is_empty() {
        let names: Vec<&str> = code.arg_names.iter().map(|n| &**n).collect();
        let _ = writeln!(out, "  arg names: {}", names.join(" "));
    }
    if !code.cell_slots.is_empty() {
        let cells: Vec<String> = code.cell_slots.iter().map(u16::to_string).collect();
        let _ = writeln!(out, "  cells: {}", cells.join(" "));
    }
}

/// The op as MicroPython's showbc.c names it, with operands resolved.
#[expect(
    clippy::too_many_lines,
    reason = "one arm per opcode: a flat table reads best in one place"
)]
fn mnemonic(code: &CodeObject, op: &Op) -> String {
    use Op::*;
    let name = |i: u16| -> String {
        code.names
            .get(usize::from(i))
            .map_or_else(|| format!("<name {i}>"), |n| n.to_string())
    };
    let child = |i: u16| -> String {
        code.children
            .get(usize::from(i))
            .map_or_else(|| format!("#{i} <missing>"), |c| format!("#{i} {}", c.name))
    };
    match *op {
        LoadConstFalse => "LOAD_CONST_FALSE".into(),
        LoadConstNone => "LOAD_CONST_NONE".into(),
        LoadConstTrue => "LOAD_CONST_TRUE".into(),
        LoadConstSmallInt(n) => format!("LOAD_CONST_SMALL_INT {n}"),
        LoadConstString(i) => format!("LOAD_CONST_STRING {}", str_repr(&name(i))),
        LoadConstObj(i) => match code.consts.get(usize::from(i)) {
            Some(c) => format!("LOAD_CONST_OBJ {}", const_repr(c)),
            None => format!("LOAD_CONST_OBJ <const {i}>"),
        },
        LoadNull => "LOAD_NULL".into(),
        LoadFast(n) => fast("LOAD_FAST", n),
        LoadDeref(n) => format!("LOAD_DEREF {n}"),
        LoadName(i) => format!("LOAD_NAME {}", name(i)),
        LoadGlobal(i) => format!("LOAD_GLOBAL {}", name(i)),
        LoadAttr(i) => format!("LOAD_ATTR {}", name(i)),
        LoadMethod(i) => format!("LOAD_METHOD {}", name(i)),
        LoadSuperMethod(i) => format!("LOAD_SUPER_METHOD {}", name(i)),
        LoadBuildClass => "LOAD_BUILD_CLASS".into(),
        LoadSubscr => "LOAD_SUBSCR".into(),
        StoreFast(n) => fast("STORE_FAST", n),
        StoreDeref(n) => format!("STORE_DEREF {n}"),
        StoreName(i) => format!("STORE_NAME {}", name(i)),
        StoreGlobal(i) => format!("STORE_GLOBAL {}", name(i)),
        StoreAttr(i) => format!("STORE_ATTR {}", name(i)),
        StoreSubscr => "STORE_SUBSCR".into(),
        DeleteFast(n) => format!("DELETE_FAST {n}"),
        DeleteDeref(n) => format!("DELETE_DEREF {n}"),
        DeleteName(i) => format!("DELETE_NAME {}", name(i)),
        DeleteGlobal(i) => format!("DELETE_GLOBAL {}", name(i)),
        DupTop => "DUP_TOP".into(),
        DupTopTwo => "DUP_TOP_TWO".into(),
        PopTop => "POP_TOP".into(),
        RotTwo => "ROT_TWO".into(),
        RotThree => "ROT_THREE".into(),
        UnwindJump {
            target,
            n_unwind,
            pop_iter,
        } => {
            let iter = if pop_iter { " pop_iter" } else { "" };
            format!("UNWIND_JUMP {target} {n_unwind}{iter}")
        }
        Jump(t) => format!("JUMP {t}"),
        PopJumpIfTrue(t) => format!("POP_JUMP_IF_TRUE {t}"),
        PopJumpIfFalse(t) => format!("POP_JUMP_IF_FALSE {t}"),
        JumpIfTrueOrPop(t) => format!("JUMP_IF_TRUE_OR_POP {t}"),
        JumpIfFalseOrPop(t) => format!("JUMP_IF_FALSE_OR_POP {t}"),
        SetupWith(t) => format!("SETUP_WITH {t}"),
        WithCleanup => "WITH_CLEANUP".into(),
        SetupExcept(t) => format!("SETUP_EXCEPT {t}"),
        SetupFinally(t) => format!("SETUP_FINALLY {t}"),
        EndFinally => "END_FINALLY".into(),
        GetIter => "GET_ITER".into(),
        GetIterStack => "GET_ITER_STACK".into(),
        ForIter(t) => format!("FOR_ITER {t}"),
        PopExceptJump(t) => format!("POP_EXCEPT_JUMP {t}"),
        BuildTuple(n) => format!("BUILD_TUPLE {n}"),
        BuildList(n) => format!("BUILD_LIST {n}"),
        BuildMap(n) => format!("BUILD_MAP {n}"),
        StoreMap => "STORE_MAP".into(),
        BuildSet(n) => format!("BUILD_SET {n}"),
        BuildSlice(n) => format!("BUILD_SLICE {n}"),
        StoreComp { kind, depth } => {
            let kind = match kind {
                CompKind::List => "list",
                CompKind::Dict => "dict",
                CompKind::Set => "set",
            };
            format!("STORE_COMP {kind} {depth}")
        }
        UnpackSequence(n) => format!("UNPACK_SEQUENCE {n}"),
        UnpackEx { n_before, n_after } => format!("UNPACK_EX {n_before} {n_after}"),
        MakeFunction(i) => format!("MAKE_FUNCTION {}", child(i)),
        MakeFunctionDefargs(i) => format!("MAKE_FUNCTION_DEFARGS {}", child(i)),
        MakeClosure { child: c, n_closed } => format!("MAKE_CLOSURE {} {n_closed}", child(c)),
        MakeClosureDefargs { child: c, n_closed } => {
            format!("MAKE_CLOSURE_DEFARGS {} {n_closed}", child(c))
        }
        CallFunction { n_pos, n_kw } => format!("CALL_FUNCTION n={n_pos} nkw={n_kw}"),
        CallFunctionVarKw { n_pos, n_kw } => format!("CALL_FUNCTION_VAR_KW n={n_pos} nkw={n_kw}"),
        CallMethod { n_pos, n_kw } => format!("CALL_METHOD n={n_pos} nkw={n_kw}"),
        CallMethodVarKw { n_pos, n_kw } => format!("CALL_METHOD_VAR_KW n={n_pos} nkw={n_kw}"),
        ReturnValue => "RETURN_VALUE".into(),
        RaiseLast => "RAISE_LAST".into(),
        RaiseObj => "RAISE_OBJ".into(),
        RaiseFrom => "RAISE_FROM".into(),
        YieldValue => "YIELD_VALUE".into(),
        YieldFrom => "YIELD_FROM".into(),
        ImportName(i) => format!("IMPORT_NAME {}", str_repr(&name(i))),
        ImportFrom(i) => format!("IMPORT_FROM {}", str_repr(&name(i))),
        ImportStar => "IMPORT_STAR".into(),
        UnaryOp(u) => {
            let dunder = match u {
                bytecode::UnaryOp::Positive => "__pos__",
                bytecode::UnaryOp::Negative => "__neg__",
                bytecode::UnaryOp::Invert => "__invert__",
                bytecode::UnaryOp::Not => "not",
            };
            format!("UNARY_OP {} {dunder}", u as u8)
        }
        BinaryOp(b) => format!("BINARY_OP {} {}", b as u8, b.dunder()),
    }
}

/// `LOAD_FAST 3` for slots 0–15 (MicroPython's one-byte forms), `LOAD_FAST_N 16` above.
fn fast(base: &str, n: u16) -> String {
    if n <= 15 {
        format!("{base} {n}")
    } else {
        format!("{base}_N {n}")
    }
}

/// A constant as Python's `repr` would show it.
fn const_repr(c: &Const) -> String {
    match c {
        Const::BigInt(digits) => digits.to_string(),
        Const::SmallInt(n) => n.to_string(),
        Const::Float(f) => float_repr(*f),
        Const::Str(s) => str_repr(s),
        Const::Bytes(b) => bytes_repr(b),
        Const::Tuple(items) => {
            let parts: Vec<String> = items.iter().map(const_repr).collect();
            match parts.len() {
                1 => format!("({},)", parts[0]),
                _ => format!("({})", parts.join(", ")),
            }
        }
        Const::None => "None".into(),
        Const::Bool(true) => "True".into(),
        Const::Bool(false) => "False".into(),
        Const::Ellipsis => "Ellipsis".into(),
    }
}

fn float_repr(f: f32) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{f:?}")
    }
}

/// A str in single quotes with Python's escapes.
fn str_repr(s: &str) -> String {
    let mut out = String::from("'");
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A bytes object as `b'...'`.
fn bytes_repr(b: &[u8]) -> String {
    let mut out = String::from("b'");
    for &byte in b {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::py::compiler::compile_module;

    // The corpus in tests/data/compile: each file's disassembly is a snapshot.
    #[test]
    fn corpus_snapshots() {
        insta::glob!("../../tests/data/compile", "*.py", |path| {
            let source = std::fs::read_to_string(path).expect("corpus file is readable");
            let text = match compile_module(&source, "main.py") {
                Ok(code) => disassemble(&code, None),
                Err(diag) => format!("error: {}\n", diag.render_cli()),
            };
            insta::assert_snapshot!(text);
        });
    }

    // Bad programs in tests/data/compile/errors: both renderings of the diagnostic are snapshots.
    #[test]
    fn error_snapshots() {
        insta::glob!("../../tests/data/compile/errors", "*.py", |path| {
            let source = std::fs::read_to_string(path).expect("corpus file is readable");
            let text = match compile_module(&source, "main.py") {
                Ok(_) => "compiled without error\n".to_owned(),
                Err(diag) => format!("{}\n{}", diag.render_cli(), diag.render_micropython()),
            };
            insta::assert_snapshot!(text);
        });
    }

    // Pending-check ops are marked, and costs appear in their own column.
    #[test]
    fn marks_pending_checks_and_costs() {
        let code = compile_module("while True:\n    pass\n", "main.py").expect("compiles");
        let cost = |_: &Op| 7;
        let text = disassemble(&code, Some(&cost));
        assert!(text.contains("JUMP 0  ; pending check"), "{text}");
        assert!(text.contains("    7c  JUMP 0"), "{text}");
    }

    // Constants print as Python reprs.
    #[test]
    fn const_reprs() {
        assert_eq!(const_repr(&Const::Float(3.0)), "3.0");
        assert_eq!(const_repr(&Const::Str("a'b\n".into())), "'a\\'b\\n'");
        assert_eq!(
            const_repr(&Const::Bytes(b"\x00A".as_slice().into())),
            "b'\\x00A'"
        );
        let t = Const::Tuple(vec![Const::SmallInt(1)].into());
        assert_eq!(const_repr(&t), "(1,)");
    }
}
