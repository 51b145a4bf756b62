//! Statements: assignments, control flow, exceptions, `with`, imports and `async` statements,
//! each as the corresponding compile.c function emits it (`compile_expr_stmt`, `c_assign`,
//! `compile_if_stmt`, `compile_while_stmt`, `compile_for_stmt(_optimised_range)`,
//! `compile_try_except`, `compile_try_finally`, `compile_with_stmt_helper`, ...).
//!
//! It must not compile expressions or scopes itself beyond calling into `expr` and `func`.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::py::bytecode::{BinaryOp, Op};
use crate::py::scope::ScopeKind;

use super::consts::binary_op;
use super::emit::Label;
use super::{CResult, Compiler, LoopState, Pass};

/// What `c_assign` does with the top of the stack (compile.c `assign_kind_t`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum AugPart {
    /// Load the current value of an augmented-assignment target.
    Load,
    /// Store the new value of an augmented-assignment target.
    Store,
}

/// The arguments of an optimisable `for x in range(...)` loop.
struct RangeArgs<'a> {
    start: Option<&'a Expr>,
    end: &'a Expr,
    step: i32,
    step_expr: Option<&'a Expr>,
}

impl<'a> Compiler<'a> {
    /// Compiles a block of statements.
    pub(super) fn compile_body(&mut self, body: &'a [Stmt]) -> CResult {
        for stmt in body {
            self.compile_stmt(stmt)?;
        }
        Ok(())
    }

    fn compile_stmt(&mut self, stmt: &'a Stmt) -> CResult {
        self.enter(stmt)?;
        self.set_line_at(stmt.start());
        let res = self.stmt_inner(stmt);
        self.leave();
        res
    }

    fn stmt_inner(&mut self, stmt: &'a Stmt) -> CResult {
        match stmt {
            Stmt::FunctionDef(def) => self.funcdef_stmt(def),
            Stmt::ClassDef(c) => self.classdef_stmt(c),
            Stmt::Return(r) => self.return_stmt(r),
            Stmt::Delete(d) => {
                for t in &d.targets {
                    self.delete_target(t)?;
                }
                Ok(())
            }
            Stmt::Assign(a) => self.assign_stmt(stmt, a),
            Stmt::AugAssign(a) => self.aug_assign(a),
            Stmt::AnnAssign(a) => self.ann_assign(stmt, a),
            Stmt::For(f) if f.is_async => self.async_for(f),
            Stmt::For(f) => self.for_stmt(f),
            Stmt::While(w) => self.while_stmt(w),
            Stmt::If(i) => self.if_stmt(i),
            Stmt::With(w) if w.is_async => self.async_with(w),
            Stmt::With(w) => self.with_items(&w.items, &w.body),
            Stmt::Raise(r) => self.raise_stmt(r),
            Stmt::Try(t) => self.try_stmt(t),
            Stmt::Assert(a) => self.assert_stmt(a),
            Stmt::Import(i) => self.import_stmt(i),
            Stmt::ImportFrom(i) => self.import_from(i),
            Stmt::Global(g) => self.global_stmt(&g.names, true, stmt),
            Stmt::Nonlocal(n) => self.global_stmt(&n.names, false, stmt),
            Stmt::Expr(e) => self.expr_stmt(&e.value),
            Stmt::Pass(_) => Ok(()),
            Stmt::Break(b) => self.break_continue(true, b),
            Stmt::Continue(c) => self.break_continue(false, c),
            Stmt::Match(m) => {
                Err(self.invalid_syntax(m, "MicroPython does not support 'match' statements"))
            }
            Stmt::TypeAlias(t) => {
                Err(self.invalid_syntax(t, "MicroPython does not support 'type' statements"))
            }
            Stmt::IpyEscapeCommand(c) => Err(self.invalid_syntax(c, "not Python syntax")),
        }
    }

    // ---- expression statements and assignments ---------------------------------------------

    fn expr_stmt(&mut self, value: &'a Expr) -> CResult {
        if self.is_repl && self.scope_kind() == ScopeKind::Module {
            self.load_id("__repl_print__")?;
            self.compile_expr(value)?;
            self.op(Op::CallFunction { n_pos: 1, n_kw: 0 });
            self.op(Op::PopTop);
            return Ok(());
        }
        // A lonely constant compiles to nothing.
        if self.folder.node(value, false).is_some() {
            return Ok(());
        }
        self.compile_expr(value)?;
        self.op(Op::PopTop);
        Ok(())
    }

    fn assign_stmt(&mut self, stmt: &'a Stmt, a: &'a ast::StmtAssign) -> CResult {
        if self.const_definition(stmt, &a.value, &a.targets[0])? {
            return Ok(());
        }
        let (first, rest) = a.targets.split_first().expect("an assignment has a target");
        if rest.is_empty() {
            return self.plain_assign(first, &a.value);
        }
        // `a = b = v`: store left-most first, as CPython does.
        self.compile_expr(&a.value)?;
        self.op(Op::DupTop);
        self.assign(first)?;
        for (i, t) in rest.iter().enumerate() {
            if i + 1 < rest.len() {
                self.op(Op::DupTop);
            }
            self.assign(t)?;
        }
        Ok(())
    }

    /// `X = const(v)`: compiles as `X = v`, or to nothing when `X` starts with `_`
    /// (parse.c). Returns whether the statement was such a definition.
    fn const_definition(
        &mut self,
        stmt: &'a Stmt,
        value: &'a Expr,
        target: &'a Expr,
    ) -> CResult<bool> {
        let Some(def) = self.folder.names().def_at(stmt.start()) else {
            return Ok(false);
        };
        if !def.private {
            let Expr::Call(call) = value else {
                unreachable!("a const() definition is a call");
            };
            self.compile_expr(&call.arguments.args[0])?;
            self.assign(target)?;
        }
        Ok(true)
    }

    /// `target = value` with MicroPython's `a, b = c, d` optimisation (no tuple is built for
    /// two or three unstarred names on both sides).
    fn plain_assign(&mut self, target: &'a Expr, value: &'a Expr) -> CResult {
        if let (Expr::Tuple(lhs), Expr::Tuple(rhs)) = (target, value) {
            let n = lhs.elts.len();
            let swappable = !lhs.parenthesized
                && !rhs.parenthesized
                && n == rhs.elts.len()
                && (n == 2 || n == 3)
                && !lhs.elts.iter().any(Expr::is_starred_expr)
                && self.folder.node(value, false).is_none();
            if swappable {
                for e in &rhs.elts {
                    self.compile_expr(e)?;
                }
                if n == 3 {
                    self.op(Op::RotThree);
                }
                self.op(Op::RotTwo);
                for t in &lhs.elts {
                    self.assign(t)?;
                }
                return Ok(());
            }
        }
        self.compile_expr(value)?;
        self.assign(target)
    }

    fn ann_assign(&mut self, stmt: &'a Stmt, a: &'a ast::StmtAnnAssign) -> CResult {
        match &a.value {
            None => {
                // `x: T` declares a local in a function; the annotation is not compiled.
                if self.scope_kind() == ScopeKind::Function
                    && let Expr::Name(n) = &*a.target
                {
                    let local = crate::py::scope::IdKind::Local;
                    self.table.find_or_add(self.cur, n.id.as_str(), local);
                }
                Ok(())
            }
            Some(value) => {
                if self.const_definition(stmt, value, &a.target)? {
                    return Ok(());
                }
                self.plain_assign(&a.target, value)
            }
        }
    }

    fn aug_assign(&mut self, a: &'a ast::StmtAugAssign) -> CResult {
        self.aug_target(&a.target, AugPart::Load)?;
        self.compile_expr(&a.value)?;
        self.op(Op::BinaryOp(inplace(binary_op(a.op))));
        self.aug_target(&a.target, AugPart::Store)
    }

    /// Stores the top of the stack into `target` (compile.c `c_assign`, `ASSIGN_STORE`).
    pub(super) fn assign(&mut self, target: &'a Expr) -> CResult {
        self.enter(target)?;
        let res = self.assign_inner(target);
        self.leave();
        res
    }

    fn assign_inner(&mut self, target: &'a Expr) -> CResult {
        match target {
            Expr::Name(_) => match self.folder.plain_name(target) {
                Some(name) => self.store_id(name),
                None => Err(self.error("can't assign to expression", target)),
            },
            Expr::Attribute(a) => {
                self.plain_prefix(&a.value)?;
                self.name_op(a.attr.id.as_str(), Op::StoreAttr)
            }
            Expr::Subscript(s) => {
                self.plain_prefix(&s.value)?;
                self.compile_expr(&s.slice)?;
                self.op(Op::StoreSubscr);
                Ok(())
            }
            Expr::Tuple(t) if !t.elts.is_empty() || !t.parenthesized => {
                self.assign_tuple(&t.elts, target)
            }
            Expr::List(l) => self.assign_tuple(&l.elts, target),
            _ => Err(self.error("can't assign to expression", target)),
        }
    }

    /// Unpacks into several targets (`c_assign_tuple`).
    fn assign_tuple(&mut self, elts: &'a [Expr], node: &'a Expr) -> CResult {
        let mut star = None;
        for (i, e) in elts.iter().enumerate() {
            if e.is_starred_expr() {
                if star.is_some() {
                    return Err(self.error("multiple *x in assignment", e));
                }
                star = Some(i);
            }
        }
        match star {
            Some(i) => {
                let n_before = self.count_u8(i, node)?;
                let n_after = self.count_u8(elts.len() - i - 1, node)?;
                self.op(Op::UnpackEx { n_before, n_after });
            }
            None => {
                let n = self.count_u16(elts.len(), node)?;
                self.op(Op::UnpackSequence(n));
            }
        }
        for e in elts {
            match e {
                Expr::Starred(s) => self.assign(&s.value)?,
                _ => self.assign(e)?,
            }
        }
        Ok(())
    }

    /// The load or store half of an augmented assignment.
    fn aug_target(&mut self, target: &'a Expr, part: AugPart) -> CResult {
        match target {
            Expr::Name(_) => {
                let Some(name) = self.folder.plain_name(target) else {
                    return Err(self.error("can't assign to expression", target));
                };
                match part {
                    AugPart::Load => self.load_id(name),
                    AugPart::Store => self.store_id(name),
                }
            }
            Expr::Attribute(a) => {
                let attr = a.attr.id.as_str();
                match part {
                    AugPart::Load => {
                        self.plain_prefix(&a.value)?;
                        self.op(Op::DupTop);
                        self.name_op(attr, Op::LoadAttr)
                    }
                    AugPart::Store => {
                        self.op(Op::RotTwo);
                        self.name_op(attr, Op::StoreAttr)
                    }
                }
            }
            Expr::Subscript(s) => {
                match part {
                    AugPart::Load => {
                        self.plain_prefix(&s.value)?;
                        self.compile_expr(&s.slice)?;
                        self.op(Op::DupTopTwo);
                        self.op(Op::LoadSubscr);
                    }
                    AugPart::Store => {
                        self.op(Op::RotThree);
                        self.op(Op::StoreSubscr);
                    }
                }
                Ok(())
            }
            _ => Err(self.error("can't assign to expression", target)),
        }
    }

    /// One target of `del` (compile.c `c_del_stmt`).
    fn delete_target(&mut self, t: &'a Expr) -> CResult {
        match t {
            Expr::Name(_) => match self.folder.plain_name(t) {
                Some(name) => self.delete_id(name),
                None => Err(self.error("can't delete expression", t)),
            },
            Expr::Attribute(a) => {
                self.plain_prefix(&a.value)?;
                self.op(Op::LoadNull);
                self.op(Op::RotTwo);
                self.name_op(a.attr.id.as_str(), Op::StoreAttr)
            }
            Expr::Subscript(s) => {
                self.plain_prefix(&s.value)?;
                self.compile_expr(&s.slice)?;
                self.op(Op::LoadNull);
                self.op(Op::RotThree);
                self.op(Op::StoreSubscr);
                Ok(())
            }
            Expr::Tuple(tuple) if tuple.parenthesized && !tuple.elts.is_empty() => {
                for e in &tuple.elts {
                    self.delete_target(e)?;
                }
                Ok(())
            }
            _ => Err(self.error("can't delete expression", t)),
        }
    }

    // ---- control flow -----------------------------------------------------------------------

    fn return_stmt(&mut self, r: &'a ast::StmtReturn) -> CResult {
        if self.scope_kind() != ScopeKind::Function {
            return Err(self.error("'return' outside function", r));
        }
        match r.value.as_deref() {
            None => self.op(Op::LoadConstNone),
            Some(Expr::If(i)) => {
                // `return a if c else b` returns from each branch (MICROPY_COMP_RETURN_IF_EXPR).
                let fail = self.new_label();
                self.c_if_cond(&i.test, false, fail)?;
                self.compile_expr(&i.body)?;
                self.op(Op::ReturnValue);
                self.place(fail);
                self.compile_expr(&i.orelse)?;
            }
            Some(v) => self.compile_expr(v)?,
        }
        self.op(Op::ReturnValue);
        Ok(())
    }

    fn raise_stmt(&mut self, r: &'a ast::StmtRaise) -> CResult {
        match (&r.exc, &r.cause) {
            (None, _) => self.op(Op::RaiseLast),
            (Some(exc), Some(cause)) => {
                self.compile_expr(exc)?;
                self.compile_expr(cause)?;
                self.op(Op::RaiseFrom);
            }
            (Some(exc), None) => {
                self.compile_expr(exc)?;
                self.op(Op::RaiseObj);
            }
        }
        Ok(())
    }

    fn assert_stmt(&mut self, a: &'a ast::StmtAssert) -> CResult {
        let end = self.new_label();
        self.c_if_cond(&a.test, true, end)?;
        self.name_op("AssertionError", Op::LoadGlobal)?;
        if let Some(msg) = &a.msg {
            self.compile_expr(msg)?;
            self.op(Op::CallFunction { n_pos: 1, n_kw: 0 });
        }
        self.op(Op::RaiseObj);
        self.place(end);
        Ok(())
    }

    fn if_stmt(&mut self, i: &'a ast::StmtIf) -> CResult {
        let end = self.new_label();
        let has_more = !i.elif_else_clauses.is_empty();
        if self.folder.truth(&i.test) != Some(false) {
            let fail = self.new_label();
            self.c_if_cond(&i.test, false, fail)?;
            self.compile_body(&i.body)?;
            if self.folder.truth(&i.test) == Some(true) {
                self.place(end);
                return Ok(());
            }
            if has_more {
                self.jump(end, Op::Jump);
            }
            self.place(fail);
        }
        for clause in &i.elif_else_clauses {
            let Some(test) = &clause.test else {
                self.compile_body(&clause.body)?;
                break;
            };
            if self.folder.truth(test) == Some(false) {
                continue;
            }
            let fail = self.new_label();
            self.c_if_cond(test, false, fail)?;
            self.compile_body(&clause.body)?;
            if self.folder.truth(test) == Some(true) {
                self.place(end);
                return Ok(());
            }
            self.jump(end, Op::Jump);
            self.place(fail);
        }
        self.place(end);
        Ok(())
    }

    /// Starts a loop's break/continue block (`START_BREAK_CONTINUE_BLOCK`).
    fn start_loop(&mut self, from_for: bool) -> (LoopState, Label, Label) {
        let saved = self.loops;
        let brk = self.new_label();
        let cont = self.new_label();
        self.loops = LoopState {
            labels: Some((brk, cont)),
            break_from_for: from_for,
            except_level: self.except_level,
        };
        (saved, brk, cont)
    }

    fn while_stmt(&mut self, w: &'a ast::StmtWhile) -> CResult {
        let (saved, brk, cont) = self.start_loop(false);
        let truth = self.folder.truth(&w.test);
        if truth != Some(false) {
            let top = self.new_label();
            if truth != Some(true) {
                self.jump(cont, Op::Jump);
            }
            self.place(top);
            self.compile_body(&w.body)?;
            self.place(cont);
            self.c_if_cond(&w.test, true, top)?;
        }
        self.loops = saved;
        self.compile_body(&w.orelse)?;
        self.place(brk);
        Ok(())
    }

    fn for_stmt(&mut self, f: &'a ast::StmtFor) -> CResult {
        if let Some(args) = self.range_args(f) {
            return self.for_range(f, args);
        }
        let (saved, brk, cont) = self.start_loop(true);
        let pop = self.new_label();
        self.compile_expr(&f.iter)?;
        self.op(Op::GetIterStack);
        self.place(cont);
        self.jump(pop, Op::ForIter);
        self.assign(&f.target)?;
        self.compile_body(&f.body)?;
        self.jump(cont, Op::Jump);
        self.place(pop);
        self.adjust_stack(-1);
        self.loops = saved;
        self.compile_body(&f.orelse)?;
        self.place(brk);
        Ok(())
    }

    /// Recognises `for name in range(a[, b[, step]])` with a non-zero small-int constant
    /// step and plain arguments (compile.c `compile_for_stmt`).
    fn range_args(&self, f: &'a ast::StmtFor) -> Option<RangeArgs<'a>> {
        self.folder.plain_name(&f.target)?;
        let Expr::Call(call) = &*f.iter else {
            return None;
        };
        if self.folder.plain_name(&call.func) != Some("range")
            || !call.arguments.keywords.is_empty()
        {
            return None;
        }
        let args = &call.arguments.args;
        // Star arguments and bare generator or `:=` arguments are `argument` parse nodes,
        // which MicroPython does not optimise.
        let special = |a: &Expr| match a {
            Expr::Starred(_) => true,
            Expr::Generator(g) => !g.parenthesized,
            Expr::Named(_) => !self.is_wrapped_argument(a, &call.arguments),
            _ => false,
        };
        if args.iter().any(special) {
            return None;
        }
        match &args[..] {
            [end] => Some(RangeArgs {
                start: None,
                end,
                step: 1,
                step_expr: None,
            }),
            [start, end] => Some(RangeArgs {
                start: Some(start),
                end,
                step: 1,
                step_expr: None,
            }),
            [start, end, step] => {
                let s = self.folder.small_int(step).filter(|&s| s != 0)?;
                Some(RangeArgs {
                    start: Some(start),
                    end,
                    step: s,
                    step_expr: Some(step),
                })
            }
            _ => None,
        }
    }

    /// Whether a call argument has its own parentheses (`f((x := 1))` rather than
    /// `f(x := 1)`): the character before it is an opening parenthesis other than the call's.
    fn is_wrapped_argument(&self, arg: &Expr, args: &ast::Arguments) -> bool {
        let text = self.src.text().as_bytes();
        let mut i = usize::from(arg.start());
        while i > 0 && text[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        i > 0 && text[i - 1] == b'(' && i - 1 != usize::from(args.start())
    }

    /// The counter loop MicroPython compiles `for i in range(...)` into
    /// (`compile_for_stmt_optimised_range`); it ends in `POP_JUMP_IF_TRUE`.
    fn for_range(&mut self, f: &'a ast::StmtFor, r: RangeArgs<'a>) -> CResult {
        let (saved, brk, cont) = self.start_loop(false);
        let top = self.new_label();
        let entry = self.new_label();
        let end_on_stack = self.folder.small_int(r.end).is_none();
        if end_on_stack {
            self.compile_expr(r.end)?;
        }
        match r.start {
            Some(s) => self.compile_expr(s)?,
            None => self.op(Op::LoadConstSmallInt(0)),
        }
        self.jump(entry, Op::Jump);
        self.place(top);
        self.op(Op::DupTop);
        self.assign(&f.target)?;
        self.compile_body(&f.body)?;
        self.place(cont);
        match r.step_expr {
            Some(e) => self.compile_expr(e)?,
            None => self.op(Op::LoadConstSmallInt(r.step)),
        }
        self.op(Op::BinaryOp(BinaryOp::InplaceAdd));
        self.place(entry);
        if end_on_stack {
            self.op(Op::DupTopTwo);
            self.op(Op::RotTwo);
        } else {
            self.op(Op::DupTop);
            self.compile_expr(r.end)?;
        }
        let cmp = if r.step >= 0 {
            BinaryOp::Less
        } else {
            BinaryOp::More
        };
        self.op(Op::BinaryOp(cmp));
        self.jump(top, Op::PopJumpIfTrue);
        self.loops = saved;
        let mut else_end = None;
        if !f.orelse.is_empty() {
            self.op(Op::PopTop);
            if end_on_stack {
                self.op(Op::PopTop);
            }
            self.compile_body(&f.orelse)?;
            let l = self.new_label();
            self.jump(l, Op::Jump);
            self.adjust_stack(1 + i32::from(end_on_stack));
            else_end = Some(l);
        }
        self.place(brk);
        self.op(Op::PopTop);
        if end_on_stack {
            self.op(Op::PopTop);
        }
        if let Some(l) = else_end {
            self.place(l);
        }
        Ok(())
    }

    /// `break`/`continue` (`compile_break_cont_stmt`): a plain jump, or `UNWIND_JUMP` when
    /// leaving `try`/`with` blocks.
    fn break_continue(&mut self, is_break: bool, node: &impl Ranged) -> CResult {
        let Some((brk, cont)) = self.loops.labels else {
            return Err(self.error("'break'/'continue' outside loop", node));
        };
        let label = if is_break { brk } else { cont };
        let pop_iter = is_break && self.loops.break_from_for;
        let depth = self.except_level - self.loops.except_level;
        if depth == 0 {
            if pop_iter {
                self.raw_op(Op::PopTop);
            }
            self.jump(label, Op::Jump);
        } else {
            let n_unwind =
                u8::try_from(depth).map_err(|_| self.error("too deeply nested", node))?;
            self.jump(label, |target| Op::UnwindJump {
                target,
                n_unwind,
                pop_iter,
            });
        }
        Ok(())
    }

    /// Emits an op without stack accounting.
    fn raw_op(&mut self, op: Op) {
        if self.pass == Pass::Emit {
            self.em.raw(op);
        }
    }

    fn global_stmt(
        &mut self,
        names: &'a [ast::Identifier],
        is_global: bool,
        stmt: &Stmt,
    ) -> CResult {
        if self.pass != Pass::Scope {
            return Ok(());
        }
        if !is_global && self.scope_kind() == ScopeKind::Module {
            return Err(self.error("can't declare nonlocal in outer code", stmt));
        }
        for n in names {
            let res = if is_global {
                self.table.declare_global(self.cur, n.id.as_str())
            } else {
                self.table.declare_nonlocal(self.cur, n.id.as_str())
            };
            res.map_err(|msg| self.error(msg, stmt))?;
        }
        Ok(())
    }

    // ---- exceptions -------------------------------------------------------------------------

    /// Opens an exception block (`compile_increase_except_level`).
    fn push_block(&mut self, label: Label, make: impl FnOnce(u32) -> Op) {
        self.jump(label, make);
        self.except_level += 1;
    }

    /// Closes an exception block with `END_FINALLY` (`compile_decrease_except_level`).
    fn pop_block(&mut self) {
        assert!(self.except_level > 0, "exception level underflow");
        self.except_level -= 1;
        self.op(Op::EndFinally);
    }

    fn try_stmt(&mut self, t: &'a ast::StmtTry) -> CResult {
        if t.is_star {
            return Err(self.invalid_syntax(t, "MicroPython does not support except*"));
        }
        if t.finalbody.is_empty() {
            self.try_except(&t.body, &t.handlers, &t.orelse)
        } else {
            self.try_finally(t)
        }
    }

    /// `try`/`except`/`else` (`compile_try_except`).
    fn try_except(
        &mut self,
        body: &'a [Stmt],
        handlers: &'a [ast::ExceptHandler],
        orelse: &'a [Stmt],
    ) -> CResult {
        let handler = self.new_label();
        let success = self.new_label();
        self.push_block(handler, Op::SetupExcept);
        self.compile_body(body)?;
        self.jump(success, Op::PopExceptJump);
        self.place(handler);
        self.adjust_stack(4);
        let done = self.new_label();
        for (i, h) in handlers.iter().enumerate() {
            let ast::ExceptHandler::ExceptHandler(h) = h;
            self.except_clause(h, i + 1 == handlers.len(), done)?;
        }
        self.pop_block();
        self.adjust_stack(-3);
        self.place(success);
        self.compile_body(orelse)?;
        self.place(done);
        Ok(())
    }

    /// One `except` clause; the exception is on the stack.
    fn except_clause(
        &mut self,
        h: &'a ast::ExceptHandlerExceptHandler,
        is_last: bool,
        done: Label,
    ) -> CResult {
        let next = self.new_label();
        match &h.type_ {
            None if !is_last => return Err(self.error("default 'except' must be last", h)),
            None => {}
            Some(ty) => {
                self.op(Op::DupTop);
                self.compile_expr(ty)?;
                self.op(Op::BinaryOp(BinaryOp::ExceptionMatch));
                self.jump(next, Op::PopJumpIfFalse);
            }
        }
        let name = h.name.as_ref().map(|n| n.id.as_str());
        match name {
            None => self.op(Op::PopTop),
            Some(n) => self.store_id(n)?,
        }
        // `except E as e:` wraps the body in a try/finally that unbinds `e`.
        let cleanup = name.map(|_| self.new_label());
        if let Some(l) = cleanup {
            self.push_block(l, Op::SetupFinally);
        }
        self.compile_body(&h.body)?;
        if let (Some(l), Some(n)) = (cleanup, name) {
            self.op(Op::LoadConstNone);
            self.place(l);
            self.adjust_stack(1);
            self.op(Op::LoadConstNone);
            self.store_id(n)?;
            self.delete_id(n)?;
            self.adjust_stack(-1);
            self.pop_block();
        }
        self.jump(done, Op::PopExceptJump);
        self.place(next);
        self.adjust_stack(1);
        Ok(())
    }

    /// `try` with a `finally` clause (`compile_try_finally`).
    fn try_finally(&mut self, t: &'a ast::StmtTry) -> CResult {
        let finally = self.new_label();
        self.push_block(finally, Op::SetupFinally);
        if t.handlers.is_empty() {
            self.adjust_stack(3);
            self.compile_body(&t.body)?;
            self.adjust_stack(-3);
        } else {
            self.try_except(&t.body, &t.handlers, &t.orelse)?;
        }
        self.op(Op::LoadConstNone);
        self.place(finally);
        self.adjust_stack(1);
        self.compile_body(&t.finalbody)?;
        self.adjust_stack(-1);
        self.pop_block();
        Ok(())
    }

    /// `with a as x, b:` as nested blocks (`compile_with_stmt_helper`).
    fn with_items(&mut self, items: &'a [ast::WithItem], body: &'a [Stmt]) -> CResult {
        let Some((item, rest)) = items.split_first() else {
            return self.compile_body(body);
        };
        let end = self.new_label();
        self.compile_expr(&item.context_expr)?;
        self.push_block(end, Op::SetupWith);
        match &item.optional_vars {
            Some(v) => self.assign(v)?,
            None => self.op(Op::PopTop),
        }
        self.with_items(rest, body)?;
        self.op(Op::LoadConstNone);
        self.place(end);
        self.op(Op::WithCleanup);
        self.pop_block();
        Ok(())
    }

    // ---- async ------------------------------------------------------------------------------

    fn check_async_scope(&self, node: &impl Ranged) -> CResult {
        if self.table.scopes[self.cur].flags.generator {
            Ok(())
        } else {
            Err(self.error("async for/with outside async function", node))
        }
    }

    /// `await obj.method()` (`compile_await_object_method`).
    fn await_method(&mut self, method: &str) -> CResult {
        self.name_op(method, Op::LoadMethod)?;
        self.op(Op::CallMethod { n_pos: 0, n_kw: 0 });
        self.yield_from_tail();
        Ok(())
    }

    /// `async for` (`compile_async_for_stmt`): `__anext__` until `StopAsyncIteration`.
    fn async_for(&mut self, f: &'a ast::StmtFor) -> CResult {
        self.check_async_scope(f)?;
        let while_else = self.new_label();
        let try_exception = self.new_label();
        let try_else = self.new_label();
        let try_finally = self.new_label();
        self.compile_expr(&f.iter)?;
        self.await_method_no_yield("__aiter__")?;
        let (saved, brk, cont) = self.start_loop(false);
        self.place(cont);
        self.push_block(try_exception, Op::SetupExcept);
        self.op(Op::DupTop);
        self.await_method("__anext__")?;
        self.assign(&f.target)?;
        self.jump(try_else, Op::PopExceptJump);
        self.place(try_exception);
        self.adjust_stack(4);
        self.op(Op::DupTop);
        self.name_op("StopAsyncIteration", Op::LoadGlobal)?;
        self.op(Op::BinaryOp(BinaryOp::ExceptionMatch));
        self.jump(try_finally, Op::PopJumpIfFalse);
        self.op(Op::PopTop);
        self.jump(while_else, Op::PopExceptJump);
        self.place(try_finally);
        self.adjust_stack(1);
        self.pop_block();
        self.adjust_stack(-3);
        self.place(try_else);
        self.compile_body(&f.body)?;
        self.jump(cont, Op::Jump);
        self.loops = saved;
        self.place(while_else);
        self.compile_body(&f.orelse)?;
        self.place(brk);
        self.op(Op::PopTop);
        Ok(())
    }

    /// `obj.method()` without awaiting (for `__aiter__`).
    fn await_method_no_yield(&mut self, method: &str) -> CResult {
        self.name_op(method, Op::LoadMethod)?;
        self.op(Op::CallMethod { n_pos: 0, n_kw: 0 });
        Ok(())
    }

    fn async_with(&mut self, w: &'a ast::StmtWith) -> CResult {
        self.check_async_scope(w)?;
        self.async_with_items(&w.items, &w.body)
    }

    /// `async with` as nested try/finally blocks calling `__aenter__`/`__aexit__`
    /// (`compile_async_with_stmt_helper`).
    fn async_with_items(&mut self, items: &'a [ast::WithItem], body: &'a [Stmt]) -> CResult {
        let Some((item, rest)) = items.split_first() else {
            return self.compile_body(body);
        };
        let finally = self.new_label();
        let aexit_no_exc = self.new_label();
        let ret_unwind = self.new_label();
        let end = self.new_label();
        self.compile_expr(&item.context_expr)?;
        self.op(Op::DupTop);
        self.await_method("__aenter__")?;
        match &item.optional_vars {
            Some(v) => self.assign(v)?,
            None => self.op(Op::PopTop),
        }
        self.push_block(finally, Op::SetupFinally);
        self.adjust_stack(3);
        self.async_with_items(rest, body)?;
        self.adjust_stack(-3);
        // Case 1, no exception: call `__aexit__(None, None, None)`.
        self.op(Op::LoadConstNone);
        self.op(Op::RotTwo);
        self.jump(aexit_no_exc, Op::Jump);
        self.place(finally);
        self.op(Op::DupTop);
        self.name_op("BaseException", Op::LoadGlobal)?;
        self.op(Op::BinaryOp(BinaryOp::ExceptionMatch));
        self.jump(ret_unwind, Op::PopJumpIfFalse);
        self.async_with_exception_case(end)?;
        // Case 3, return or unwind jump.
        self.place(ret_unwind);
        self.op(Op::RotThree);
        self.op(Op::RotThree);
        self.place(aexit_no_exc);
        self.name_op("__aexit__", Op::LoadMethod)?;
        self.op(Op::LoadConstNone);
        self.op(Op::DupTop);
        self.op(Op::DupTop);
        self.op(Op::CallMethod { n_pos: 3, n_kw: 0 });
        self.yield_from_tail();
        self.op(Op::PopTop);
        self.adjust_stack(-1);
        self.place(end);
        self.pop_block();
        Ok(())
    }

    /// Case 2 of `async with`: an exception propagates; `__aexit__` may swallow it.
    fn async_with_exception_case(&mut self, end: Label) -> CResult {
        self.op(Op::DupTop);
        self.op(Op::RotThree);
        self.op(Op::RotTwo);
        self.name_op("__aexit__", Op::LoadMethod)?;
        self.op(Op::RotThree);
        self.op(Op::RotThree);
        self.op(Op::DupTop);
        self.name_op("__class__", Op::LoadAttr)?;
        self.op(Op::RotTwo);
        self.op(Op::LoadConstNone);
        self.op(Op::CallMethod { n_pos: 3, n_kw: 0 });
        self.yield_from_tail();
        self.jump(end, Op::PopJumpIfFalse);
        self.op(Op::PopTop);
        self.op(Op::LoadConstNone);
        self.jump(end, Op::Jump);
        self.adjust_stack(2);
        Ok(())
    }

    // ---- imports ----------------------------------------------------------------------------

    fn import_stmt(&mut self, i: &'a ast::StmtImport) -> CResult {
        if i.is_lazy {
            return Err(self.invalid_syntax(i, "MicroPython does not support lazy imports"));
        }
        for alias in &i.names {
            self.op(Op::LoadConstSmallInt(0));
            self.op(Op::LoadConstNone);
            let full = alias.name.id.as_str();
            self.name_op(full, Op::ImportName)?;
            let stored = match &alias.asname {
                Some(asname) => {
                    for part in full.split('.').skip(1) {
                        self.name_op(part, Op::LoadAttr)?;
                    }
                    asname.id.as_str()
                }
                None => full.split('.').next().unwrap_or(full),
            };
            self.store_id(stored)?;
        }
        Ok(())
    }

    fn import_from(&mut self, i: &'a ast::StmtImportFrom) -> CResult {
        if i.is_lazy {
            return Err(self.invalid_syntax(i, "MicroPython does not support lazy imports"));
        }
        let level = i32::try_from(i.level).map_err(|_| self.error("invalid syntax", i))?;
        let module = i.module.as_ref().map_or("", |m| m.id.as_str());
        if let [alias] = &i.names[..]
            && alias.name.id.as_str() == "*"
        {
            if self.scope_kind() != ScopeKind::Module {
                return Err(self.error("import * not at module level", i));
            }
            self.op(Op::LoadConstSmallInt(level));
            self.name_op("*", Op::LoadConstString)?;
            self.op(Op::BuildTuple(1));
            self.name_op(module, Op::ImportName)?;
            self.op(Op::ImportStar);
            return Ok(());
        }
        self.op(Op::LoadConstSmallInt(level));
        for alias in &i.names {
            self.name_op(alias.name.id.as_str(), Op::LoadConstString)?;
        }
        let n = self.count_u16(i.names.len(), i)?;
        self.op(Op::BuildTuple(n));
        self.name_op(module, Op::ImportName)?;
        for alias in &i.names {
            let name = alias.name.id.as_str();
            self.name_op(name, Op::ImportFrom)?;
            let stored = alias.asname.as_ref().map_or(name, |a| a.id.as_str());
            self.store_id(stored)?;
        }
        self.op(Op::PopTop);
        Ok(())
    }
}

/// The in-place operator for an augmented assignment (`+` → `+=`).
fn inplace(op: BinaryOp) -> BinaryOp {
    let n = op as u8;
    assert!(
        (BinaryOp::Or as u8..=BinaryOp::Power as u8).contains(&n),
        "{op:?} has no in-place form"
    );
    BinaryOp::from_u8(n - 13).expect("in-place ops are 13 below the plain ones")
}
