//! The bytecode emitter of one scope: ops, labels, line numbers and stack depth.
//!
//! It models MicroPython's py/emitbc.c where that changes the result:
//!
//! * **Dead code is dropped.** After an unconditional jump, `return` or `raise`, ops are
//!   suppressed until the next label is placed (emitbc.c `emit->suppress`).
//! * **Line numbers only grow.** [`Emitter::set_line`] ignores a line lower than the current
//!   one, as `mp_emit_bc_set_source_line` does, so an op carries the highest source line set so
//!   far in its scope (a `while` condition compiled after the body carries the body's last
//!   line, exactly as MicroPython's tracebacks report it).
//! * **Stack depth** is tracked with emitbc.c's per-op adjustments, except that a `for` loop's
//!   iterator takes one slot instead of four (see bytecode.rs).
//!
//! Jump targets are labels while emitting and absolute op indices after [`Emitter::finish`].
//! The emitter must not make decisions about Python semantics; the compiler calls it.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::py::bytecode::{Const, Op, Target};

use super::fold::strictly_equal;

/// A jump destination inside one scope; becomes an op index in [`Emitter::finish`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label(pub u32);

/// Why emitting failed: a table outgrew its `u16` operand range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmitError {
    /// More than 65536 distinct names or strings.
    TooManyNames,
    /// More than 65536 constants.
    TooManyConsts,
}

/// The result of emitting one scope.
pub struct Emitted {
    /// The ops, with absolute jump targets.
    pub ops: Vec<Op>,
    /// Source line of each op.
    pub lines: Vec<u32>,
    /// Interned names and strings.
    pub names: Vec<Rc<str>>,
    /// Constant objects.
    pub consts: Vec<Const>,
    /// Deepest value stack seen.
    pub max_stack: u16,
}

/// Emits the ops of one scope in one pass.
pub struct Emitter {
    ops: Vec<Op>,
    lines: Vec<u32>,
    names: Vec<Rc<str>>,
    name_index: BTreeMap<Rc<str>, u16>,
    consts: Vec<Const>,
    labels: Vec<Option<u32>>,
    /// Ops whose jump target is still a label number.
    fixups: Vec<usize>,
    suppress: bool,
    line: u32,
    stack: i32,
    max_stack: i32,
}

impl Default for Emitter {
    fn default() -> Self {
        Self::new()
    }
}

impl Emitter {
    /// An empty emitter; lines start at 1 as in emitbc.c `start_pass`.
    pub fn new() -> Emitter {
        Emitter {
            ops: Vec::new(),
            lines: Vec::new(),
            names: Vec::new(),
            name_index: BTreeMap::new(),
            consts: Vec::new(),
            labels: Vec::new(),
            fixups: Vec::new(),
            suppress: false,
            line: 1,
            stack: 0,
            max_stack: 0,
        }
    }

    /// A fresh label, not yet placed.
    pub fn new_label(&mut self) -> Label {
        self.labels.push(None);
        Label(u32::try_from(self.labels.len() - 1).expect("fewer than 2**32 labels"))
    }

    /// Places `label` at the next op and ends any dead-code region.
    pub fn place(&mut self, label: Label) {
        self.suppress = false;
        let at = u32::try_from(self.ops.len()).expect("fewer than 2**32 ops");
        let slot = &mut self.labels[label.0 as usize];
        assert!(slot.is_none(), "label {} placed twice", label.0);
        *slot = Some(at);
    }

    /// Raises the current source line (lower lines are ignored, as in MicroPython).
    pub fn set_line(&mut self, line: u32) {
        if line > self.line {
            self.line = line;
        }
    }

    /// Adjusts the tracked stack depth without emitting (emitbc.c `adjust_stack_size`).
    pub fn adjust(&mut self, delta: i32) {
        self.stack += delta;
        assert!(self.stack >= 0, "value stack depth went negative");
        self.max_stack = self.max_stack.max(self.stack);
    }

    /// Emits `op`, adjusting the stack by its effect.
    pub fn op(&mut self, op: Op) {
        if op == Op::WithCleanup {
            // +2 to call `__exit__`, then the -4 emitbc.c applies right after.
            self.adjust(2);
            self.push(op);
            self.adjust(-4);
            return;
        }
        self.adjust(stack_effect(op));
        self.push(op);
    }

    /// Emits `op` without touching the stack depth (emitbc.c raw bytes, used for the pops
    /// before a `break` out of a `for` loop).
    pub fn raw(&mut self, op: Op) {
        self.push(op);
    }

    fn push(&mut self, op: Op) {
        if self.suppress {
            return;
        }
        self.ops.push(op);
        self.lines.push(self.line);
        if is_unconditional(op) {
            self.suppress = true;
        }
    }

    /// Emits a jump-like op whose target is `label`; `make` builds the op from a target.
    pub fn jump(&mut self, label: Label, make: impl FnOnce(Target) -> Op) {
        let op = make(label.0);
        self.adjust(stack_effect(op));
        if self.suppress {
            return;
        }
        self.fixups.push(self.ops.len());
        self.push(op);
    }

    /// Index of `name` in the names table, adding it if new.
    pub fn name(&mut self, name: &str) -> Result<u16, EmitError> {
        if let Some(&i) = self.name_index.get(name) {
            return Ok(i);
        }
        let i = u16::try_from(self.names.len()).map_err(|_| EmitError::TooManyNames)?;
        let rc: Rc<str> = Rc::from(name);
        self.names.push(rc.clone());
        self.name_index.insert(rc, i);
        Ok(i)
    }

    /// Index of `value` in the constants table, adding it unless a strictly equal constant
    /// is already there.
    pub fn constant(&mut self, value: Const) -> Result<u16, EmitError> {
        if let Some(i) = self.consts.iter().position(|c| strictly_equal(c, &value)) {
            return Ok(u16::try_from(i).expect("table index fits"));
        }
        let i = u16::try_from(self.consts.len()).map_err(|_| EmitError::TooManyConsts)?;
        self.consts.push(value);
        Ok(i)
    }

    /// Resolves labels and returns the scope's code.
    pub fn finish(mut self) -> Emitted {
        assert_eq!(self.stack, 0, "value stack not balanced at end of scope");
        for &at in &self.fixups {
            let resolve = |label: Target| -> Target {
                self.labels[label as usize]
                    .unwrap_or_else(|| panic!("jump to label {label} that was never placed"))
            };
            self.ops[at] = retarget(self.ops[at], resolve);
        }
        Emitted {
            ops: self.ops,
            lines: self.lines,
            names: self.names,
            consts: self.consts,
            max_stack: u16::try_from(self.max_stack).unwrap_or(u16::MAX),
        }
    }
}

/// Ops after which the next op is unreachable until a label (emitbc.c sets `suppress`).
fn is_unconditional(op: Op) -> bool {
    matches!(
        op,
        Op::Jump(_)
            | Op::UnwindJump { .. }
            | Op::PopExceptJump(_)
            | Op::ReturnValue
            | Op::RaiseLast
            | Op::RaiseObj
            | Op::RaiseFrom
    )
}

/// Replaces the target of a jump-like op.
fn retarget(op: Op, resolve: impl Fn(Target) -> Target) -> Op {
    match op {
        Op::Jump(t) => Op::Jump(resolve(t)),
        Op::PopJumpIfTrue(t) => Op::PopJumpIfTrue(resolve(t)),
        Op::PopJumpIfFalse(t) => Op::PopJumpIfFalse(resolve(t)),
        Op::JumpIfTrueOrPop(t) => Op::JumpIfTrueOrPop(resolve(t)),
        Op::JumpIfFalseOrPop(t) => Op::JumpIfFalseOrPop(resolve(t)),
        Op::UnwindJump {
            target,
            n_unwind,
            pop_iter,
        } => Op::UnwindJump {
            target: resolve(target),
            n_unwind,
            pop_iter,
        },
        Op::SetupWith(t) => Op::SetupWith(resolve(t)),
        Op::SetupExcept(t) => Op::SetupExcept(resolve(t)),
        Op::SetupFinally(t) => Op::SetupFinally(resolve(t)),
        Op::ForIter(t) => Op::ForIter(resolve(t)),
        Op::PopExceptJump(t) => Op::PopExceptJump(resolve(t)),
        other => panic!("{other:?} has no jump target"),
    }
}

/// Stack effect of an op as emitbc.c counts it, with a `for` iterator as one slot.
fn stack_effect(op: Op) -> i32 {
    use Op::*;
    match op {
        LoadConstFalse | LoadConstNone | LoadConstTrue | LoadConstSmallInt(_)
        | LoadConstString(_) | LoadConstObj(_) | LoadNull | LoadFast(_) | LoadDeref(_)
        | LoadName(_) | LoadGlobal(_) | LoadMethod(_) | LoadBuildClass | DupTop | ForIter(_)
        | ImportFrom(_) | MakeFunction(_) => 1,
        LoadAttr(_)
        | DeleteFast(_)
        | DeleteDeref(_)
        | DeleteName(_)
        | DeleteGlobal(_)
        | RotTwo
        | RotThree
        | Jump(_)
        | UnwindJump { .. }
        | SetupExcept(_)
        | SetupFinally(_)
        | GetIter
        | GetIterStack
        | PopExceptJump(_)
        | RaiseLast
        | YieldValue
        | UnaryOp(_) => 0,
        LoadSuperMethod(_)
        | LoadSubscr
        | StoreFast(_)
        | StoreDeref(_)
        | StoreName(_)
        | StoreGlobal(_)
        | PopTop
        | PopJumpIfTrue(_)
        | PopJumpIfFalse(_)
        | JumpIfTrueOrPop(_)
        | JumpIfFalseOrPop(_)
        | EndFinally
        | ReturnValue
        | RaiseObj
        | YieldFrom
        | ImportName(_)
        | ImportStar
        | BinaryOp(_)
        | MakeFunctionDefargs(_) => -1,
        StoreAttr(_) | StoreMap | RaiseFrom => -2,
        StoreSubscr => -3,
        DupTopTwo | SetupWith(_) => 2,
        // +2 to call `__exit__`, then the -4 emitbc.c applies right after.
        WithCleanup => -2,
        BuildTuple(n) | BuildList(n) | BuildSet(n) => 1 - i32::from(n),
        BuildSlice(n) => 1 - i32::from(n),
        BuildMap(_) => 1,
        StoreComp { kind, .. } => {
            if kind == crate::py::bytecode::CompKind::Dict {
                -2
            } else {
                -1
            }
        }
        UnpackSequence(n) => i32::from(n) - 1,
        UnpackEx { n_before, n_after } => i32::from(n_before) + i32::from(n_after),
        MakeClosure { n_closed, .. } => 1 - i32::from(n_closed),
        MakeClosureDefargs { n_closed, .. } => -1 - i32::from(n_closed),
        CallFunction { n_pos, n_kw } => -(i32::from(n_pos) + 2 * i32::from(n_kw)),
        CallFunctionVarKw { n_pos, n_kw } => -(i32::from(n_pos) + 2 * i32::from(n_kw)) - 1,
        CallMethod { n_pos, n_kw } => -1 - (i32::from(n_pos) + 2 * i32::from(n_kw)),
        CallMethodVarKw { n_pos, n_kw } => -2 - (i32::from(n_pos) + 2 * i32::from(n_kw)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Ops after an unconditional jump are dropped until a label is placed.
    #[test]
    fn dead_code_is_suppressed() {
        let mut e = Emitter::new();
        let l = e.new_label();
        e.jump(l, Op::Jump);
        e.op(Op::LoadConstNone);
        e.op(Op::PopTop);
        e.place(l);
        e.op(Op::LoadConstNone);
        e.op(Op::ReturnValue);
        let out = e.finish();
        assert_eq!(
            out.ops,
            vec![Op::Jump(1), Op::LoadConstNone, Op::ReturnValue]
        );
    }

    // Lines never go back down.
    #[test]
    fn lines_only_increase() {
        let mut e = Emitter::new();
        e.set_line(3);
        e.op(Op::LoadConstNone);
        e.set_line(2);
        e.op(Op::ReturnValue);
        assert_eq!(e.finish().lines, vec![3, 3]);
    }
}
