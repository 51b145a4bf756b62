//! Statements other than control flow: expression statements, assignments (plain, chained,
//! unpacking, augmented, annotated, `const()`), `del`, `return`, `raise`, `assert`,
//! `global`/`nonlocal` and imports, each as the corresponding compile.c function emits it
//! (`compile_expr_stmt`, `c_assign`, `c_del_stmt`, `compile_return_stmt`, ...). Control flow
//! lives in `flow`.
//!
//! It must not compile expressions or scopes itself beyond calling into `expr` and `func`.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::py::bytecode::{BinaryOp, Op};
use crate::py::scope::ScopeKind;

use super::consts::binary_op;
use super::{CResult, Compiler, Pass};

/// What `c_assign` does with the top of the stack (compile.c `assign_kind_t`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum AugPart {
    /// Load the current value of an augmented-assignment target.
    Load,
    /// Store the new value of an augmented-assignment target.
    Store,
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

    // ---- returns, raises and declarations -------------------------------------------------

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
