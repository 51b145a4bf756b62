//! Control flow: `if`, `while`, `for` (with MicroPython's `range` counter loop), `break` and
//! `continue`, `try`/`except`/`finally`, `with`, and `async for`/`async with`, each as
//! compile.c emits it (`compile_if_stmt`, `compile_while_stmt`, `compile_for_stmt`,
//! `compile_for_stmt_optimised_range`, `compile_break_cont_stmt`, `compile_try_except`,
//! `compile_try_finally`, `compile_with_stmt_helper`, `compile_async_for_stmt`,
//! `compile_async_with_stmt_helper`).
//!
//! These are where the pending-check opcodes come from, so the jump structure here must match
//! MicroPython exactly. It must not compile expressions itself beyond calling `expr`.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::py::bytecode::{BinaryOp, Op};

use super::emit::Label;
use super::{CResult, Compiler, LoopState, Pass};

/// The arguments of an optimisable `for x in range(...)` loop.
struct RangeArgs<'a> {
    start: Option<&'a Expr>,
    end: &'a Expr,
    step: i32,
    step_expr: Option<&'a Expr>,
}

impl<'a> Compiler<'a> {
    /// `if`/`elif`/`else`; constant conditions drop branches statically (`compile_if_stmt`).
    pub(super) fn if_stmt(&mut self, i: &'a ast::StmtIf) -> CResult {
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

    /// `while`/`else`: condition at the bottom, `JUMP` to it first unless it is constant true.
    pub(super) fn while_stmt(&mut self, w: &'a ast::StmtWhile) -> CResult {
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

    /// `for`/`else` over an iterator, or the `range` counter loop when it applies.
    pub(super) fn for_stmt(&mut self, f: &'a ast::StmtFor) -> CResult {
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
    pub(super) fn break_continue(&mut self, is_break: bool, node: &impl Ranged) -> CResult {
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

    /// `try` with `except`, `else` and/or `finally` clauses.
    pub(super) fn try_stmt(&mut self, t: &'a ast::StmtTry) -> CResult {
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
    pub(super) fn with_items(&mut self, items: &'a [ast::WithItem], body: &'a [Stmt]) -> CResult {
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
    pub(super) fn async_for(&mut self, f: &'a ast::StmtFor) -> CResult {
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

    /// `async with` (only inside `async def`).
    pub(super) fn async_with(&mut self, w: &'a ast::StmtWith) -> CResult {
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
}
