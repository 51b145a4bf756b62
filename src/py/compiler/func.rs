//! Definitions that create scopes: `def`, `lambda`, `class`, comprehensions and generator
//! expressions, with their decorators, default arguments and closures, and the bodies of
//! those scopes (compile.c `compile_funcdef_lambdef`, `close_over_variables_etc`,
//! `compile_classdef_helper`, `compile_comprehension`, `compile_scope`).
//!
//! It must not compile ordinary statements or expressions itself; it calls the statement and
//! expression compilers for bodies and default values.

use std::rc::Rc;

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::py::bytecode::{CompKind, Op};
use crate::py::scope::{IdKind, ScopeId, ScopeKind};

use super::{CResult, Compiler, Pass, ScopeNode};

/// A comprehension or generator expression, seen as the scope it creates.
#[derive(Clone, Copy)]
pub struct Comp<'a> {
    /// List, dict or set comprehension, or generator expression.
    pub kind: ScopeKind,
    /// The element (the key for a dict comprehension).
    pub elt: &'a Expr,
    /// The value of a dict comprehension.
    pub value: Option<&'a Expr>,
    /// The `for` clauses, outermost first.
    pub generators: &'a [ast::Comprehension],
    /// The whole expression, for error positions.
    pub node: &'a Expr,
}

/// What a parameter is, for registering it in the function's scope.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ParamKind {
    Plain,
    Star,
    DoubleStar,
}

impl<'a> Compiler<'a> {
    // ---- def ------------------------------------------------------------------------------

    /// A `def` or `async def` statement, decorated or not.
    pub(super) fn funcdef_stmt(&mut self, def: &'a ast::StmtFunctionDef) -> CResult {
        if let Some(tp) = &def.type_params {
            return Err(self.invalid_syntax(&**tp, "MicroPython does not support type parameters"));
        }
        let n_decorators = self.decorators(&def.decorator_list)?;
        let line = self.src.line(def.name.start());
        let scope = self.child_scope(
            ScopeNode::Function(def),
            Rc::from(def.name.id.as_str()),
            line,
        );
        if def.is_async {
            let flags = &mut self.table.scopes[scope].flags;
            flags.generator = true;
            flags.coroutine = true;
        }
        self.defaults_and_make(scope, &def.parameters, def)?;
        for _ in 0..n_decorators {
            self.op(Op::CallFunction { n_pos: 1, n_kw: 0 });
        }
        self.store_id(def.name.id.as_str())
    }

    /// Compiles the decorators and returns how many must be called on the result
    /// (`compile_decorated`; `@micropython.*` decorators are built in and not called).
    fn decorators(&mut self, decorators: &'a [ast::Decorator]) -> CResult<usize> {
        let mut n_called = 0;
        for d in decorators {
            let (names, call) = self.decorator_parts(&d.expression)?;
            if names[0].0 == "micropython" {
                self.builtin_decorator(&names)?;
                continue;
            }
            self.load_id(names[0].0)?;
            for (name, _) in &names[1..] {
                self.name_op(name, Op::LoadAttr)?;
            }
            if let Some(args) = call {
                self.set_line_at(args.start());
                self.call_args(args, false, 0)?;
            }
            n_called += 1;
        }
        Ok(n_called)
    }

    /// Splits a decorator into its dotted name and optional call arguments; MicroPython's
    /// grammar allows nothing else (`decorator: '@' dotted_name [ '(' [arglist] ')' ]`).
    #[expect(clippy::type_complexity, reason = "a local pair of parts")]
    fn decorator_parts(
        &self,
        e: &'a Expr,
    ) -> CResult<(Vec<(&'a str, &'a Expr)>, Option<&'a ast::Arguments>)> {
        let (dotted, call) = match e {
            Expr::Call(c) if !self.folder.is_parenthesized(&c.func) => {
                (&*c.func, Some(&c.arguments))
            }
            _ => (e, None),
        };
        let mut names = Vec::new();
        let mut cur = dotted;
        loop {
            match cur {
                Expr::Name(n) => {
                    names.push((n.id.as_str(), cur));
                    break;
                }
                Expr::Attribute(a) if !self.folder.is_parenthesized(&a.value) => {
                    names.push((a.attr.id.as_str(), cur));
                    cur = &a.value;
                }
                _ => {
                    return Err(self.invalid_syntax(
                        e,
                        "MicroPython decorators must be a dotted name, optionally called",
                    ));
                }
            }
        }
        names.reverse();
        Ok((names, call))
    }

    /// `@micropython.bytecode` and friends (`compile_built_in_decorator`).
    fn builtin_decorator(&self, names: &[(&str, &'a Expr)]) -> CResult {
        let [_, (attr, node)] = names else {
            return Err(self.error("invalid micropython decorator", names[0].1));
        };
        match *attr {
            "bytecode" => Ok(()),
            "native" | "viper" | "asm_xtensa" => {
                Err(self.unsupported(&format!("@micropython.{attr} (native code)"), *node))
            }
            _ => Err(self.error("invalid micropython decorator", *node)),
        }
    }

    /// Default arguments, then the function or closure (`compile_funcdef_lambdef`).
    fn defaults_and_make(
        &mut self,
        scope: ScopeId,
        params: &'a ast::Parameters,
        node: &impl Ranged,
    ) -> CResult {
        if let Some(p) = params.posonlyargs.first() {
            return Err(
                self.invalid_syntax(p, "MicroPython does not support positional-only parameters")
            );
        }
        let mut n_default = 0usize;
        for p in &params.args {
            match &p.default {
                None if n_default != 0 => {
                    return Err(self.error("non-default argument follows default argument", p));
                }
                None => {}
                Some(d) => {
                    n_default += 1;
                    self.compile_expr(d)?;
                }
            }
        }
        let mut n_dict = 0usize;
        for p in &params.kwonlyargs {
            let Some(d) = &p.default else { continue };
            n_dict += 1;
            if n_dict == 1 {
                if n_default > 0 {
                    let n = self.count_u16(n_default, p)?;
                    self.op(Op::BuildTuple(n));
                } else {
                    self.op(Op::LoadNull);
                }
                self.op(Op::BuildMap(0));
            }
            self.compile_expr(d)?;
            self.name_op(p.name().id.as_str(), Op::LoadConstString)?;
            self.op(Op::StoreMap);
        }
        if n_default > 0 && n_dict == 0 {
            let n = self.count_u16(n_default, node)?;
            self.op(Op::BuildTuple(n));
            self.op(Op::LoadNull);
        }
        self.make_function(scope, n_default > 0 || n_dict > 0, node)
    }

    /// Loads the closed-over cells and makes the function (`close_over_variables_etc`).
    fn make_function(&mut self, scope: ScopeId, has_defaults: bool, node: &impl Ranged) -> CResult {
        let child = self.child_index(scope)?;
        let slots = if self.pass == Pass::Emit {
            self.table.closure_slots(self.cur, scope)
        } else {
            Vec::new()
        };
        for &s in &slots {
            self.op(Op::LoadFast(s));
        }
        let op = if slots.is_empty() {
            if has_defaults {
                Op::MakeFunctionDefargs(child)
            } else {
                Op::MakeFunction(child)
            }
        } else {
            let n_closed = self.count_u8(slots.len(), node)?;
            if has_defaults {
                Op::MakeClosureDefargs { child, n_closed }
            } else {
                Op::MakeClosure { child, n_closed }
            }
        };
        self.op(op);
        Ok(())
    }

    /// The body of a `def` (compile.c `compile_scope`, function case).
    pub(super) fn compile_function_body(&mut self, def: &'a ast::StmtFunctionDef) -> CResult {
        if self.pass == Pass::Scope {
            self.register_params(&def.parameters)?;
        }
        self.compile_body(&def.body)?;
        self.op(Op::LoadConstNone);
        self.op(Op::ReturnValue);
        Ok(())
    }

    /// Adds the parameters to the current scope in source order
    /// (`compile_scope_func_lambda_param`).
    fn register_params(&mut self, params: &'a ast::Parameters) -> CResult {
        for p in &params.args {
            self.table.scopes[self.cur].num_pos_args += 1;
            self.register_param(p.name(), ParamKind::Plain)?;
        }
        if let Some(v) = &params.vararg {
            self.table.scopes[self.cur].flags.varargs = true;
            self.register_param(&v.name, ParamKind::Star)?;
        }
        for p in &params.kwonlyargs {
            self.table.scopes[self.cur].num_kwonly_args += 1;
            self.register_param(p.name(), ParamKind::Plain)?;
        }
        if let Some(k) = &params.kwarg {
            self.table.scopes[self.cur].flags.varkeywords = true;
            self.register_param(&k.name, ParamKind::DoubleStar)?;
        }
        Ok(())
    }

    fn register_param(&mut self, name: &ast::Identifier, kind: ParamKind) -> CResult {
        let i = self
            .table
            .find_or_add(self.cur, name.id.as_str(), IdKind::Undecided);
        if self.table.id(self.cur, i).kind != IdKind::Undecided {
            return Err(self.error("argument name reused", name));
        }
        let id = self.table.id_mut(self.cur, i);
        id.kind = IdKind::Local;
        id.is_param = true;
        id.is_star_param = kind == ParamKind::Star;
        id.is_dbl_star_param = kind == ParamKind::DoubleStar;
        Ok(())
    }

    // ---- lambda ---------------------------------------------------------------------------

    /// A `lambda` expression.
    pub(super) fn lambda(&mut self, l: &'a ast::ExprLambda) -> CResult {
        let line = self.src.line(l.start());
        let scope = self.child_scope(ScopeNode::Lambda(l), Rc::from("<lambda>"), line);
        match &l.parameters {
            Some(params) => self.defaults_and_make(scope, params, l),
            None => self.make_function(scope, false, l),
        }
    }

    /// The body of a lambda: its expression is the return value (unless it is a generator).
    pub(super) fn compile_lambda_body(&mut self, l: &'a ast::ExprLambda) -> CResult {
        self.set_line_at(l.start());
        if self.pass == Pass::Scope
            && let Some(params) = &l.parameters
        {
            self.register_params(params)?;
        }
        self.compile_expr(&l.body)?;
        if self.table.scopes[self.cur].flags.generator {
            self.op(Op::PopTop);
            self.op(Op::LoadConstNone);
        }
        self.op(Op::ReturnValue);
        Ok(())
    }

    // ---- class ----------------------------------------------------------------------------

    /// A `class` statement, decorated or not.
    pub(super) fn classdef_stmt(&mut self, c: &'a ast::StmtClassDef) -> CResult {
        if let Some(tp) = &c.type_params {
            return Err(self.invalid_syntax(&**tp, "MicroPython does not support type parameters"));
        }
        let n_decorators = self.decorators(&c.decorator_list)?;
        let name = c.name.id.as_str();
        let line = self.src.line(c.name.start());
        let scope = self.child_scope(ScopeNode::Class(c), Rc::from(name), line);
        self.op(Op::LoadBuildClass);
        self.make_function(scope, false, c)?;
        self.name_op(name, Op::LoadConstString)?;
        match &c.arguments {
            Some(args) => self.call_args(args, false, 2)?,
            None => self.op(Op::CallFunction { n_pos: 2, n_kw: 0 }),
        }
        for _ in 0..n_decorators {
            self.op(Op::CallFunction { n_pos: 1, n_kw: 0 });
        }
        self.store_id(name)
    }

    /// A class body: `__module__`, `__qualname__`, the statements, and the `__class__` cell
    /// (or `None`) as return value.
    pub(super) fn compile_class_body(&mut self, c: &'a ast::StmtClassDef) -> CResult {
        if self.pass == Pass::Scope {
            self.table.find_or_add(self.cur, "__class__", IdKind::Local);
        }
        // The prelude's ops are on the `class` line, as compile.c sets it under
        // MICROPY_PY_SYS_SETTRACE (without it they would keep the emitter's initial line 1,
        // which may be a comment, and trace events of the body's name stores would show it).
        self.set_line_at(c.name.start());
        self.load_id("__name__")?;
        self.store_id("__module__")?;
        self.name_op(c.name.id.as_str(), Op::LoadConstString)?;
        self.store_id("__qualname__")?;
        self.compile_body(&c.body)?;
        if self.pass == Pass::Emit {
            let i = self
                .table
                .find(self.cur, "__class__")
                .expect("class scope has __class__");
            let id = self.table.id(self.cur, i);
            if id.kind == IdKind::Local {
                self.op(Op::LoadConstNone);
            } else {
                let slot = id.local_num;
                self.op(Op::LoadFast(slot));
            }
        }
        self.op(Op::ReturnValue);
        Ok(())
    }

    // ---- comprehensions -------------------------------------------------------------------

    /// A list comprehension as a [`Comp`].
    pub(super) fn comp_list(&self, c: &'a ast::ExprListComp) -> Comp<'a> {
        Comp {
            kind: ScopeKind::ListComp,
            elt: &c.elt,
            value: None,
            generators: &c.generators,
            node: &c.elt,
        }
    }

    /// A set comprehension as a [`Comp`].
    pub(super) fn comp_set(&self, c: &'a ast::ExprSetComp) -> Comp<'a> {
        Comp {
            kind: ScopeKind::SetComp,
            elt: &c.elt,
            value: None,
            generators: &c.generators,
            node: &c.elt,
        }
    }

    /// A dict comprehension as a [`Comp`]; `**` in it is MicroPython syntax error.
    pub(super) fn comp_dict(&self, c: &'a ast::ExprDictComp) -> CResult<Comp<'a>> {
        let Some(key) = &c.key else {
            return Err(self.invalid_syntax(
                &*c.value,
                "MicroPython does not support ** in a dict comprehension",
            ));
        };
        Ok(Comp {
            kind: ScopeKind::DictComp,
            elt: key,
            value: Some(&c.value),
            generators: &c.generators,
            node: key,
        })
    }

    /// A generator expression as a [`Comp`].
    pub(super) fn comp_gen(&self, g: &'a ast::ExprGenerator) -> Comp<'a> {
        Comp {
            kind: ScopeKind::GenExpr,
            elt: &g.elt,
            value: None,
            generators: &g.generators,
            node: &g.elt,
        }
    }

    /// Makes the comprehension's function and calls it with the outermost iterable
    /// (`compile_comprehension`).
    pub(super) fn comprehension(&mut self, comp: Comp<'a>) -> CResult {
        if let Some(g) = comp.generators.iter().find(|g| g.is_async) {
            return Err(self.invalid_syntax(g, "MicroPython does not support async comprehensions"));
        }
        let name = match comp.kind {
            ScopeKind::ListComp => "<listcomp>",
            ScopeKind::DictComp => "<dictcomp>",
            ScopeKind::SetComp => "<setcomp>",
            _ => "<genexpr>",
        };
        let line = self.src.line(comp.elt.start());
        let scope = self.child_scope(ScopeNode::Comp(comp), Rc::from(name), line);
        self.make_function(scope, false, comp.node)?;
        self.compile_expr(&comp.generators[0].iter)?;
        if comp.kind == ScopeKind::GenExpr {
            self.op(Op::GetIter);
        }
        self.op(Op::CallFunction { n_pos: 1, n_kw: 0 });
        Ok(())
    }

    /// The body of a comprehension scope; its one argument is the outermost iterable (an
    /// iterator already for a generator expression).
    pub(super) fn compile_comp_body(&mut self, comp: Comp<'a>) -> CResult {
        if self.pass == Pass::Scope {
            self.table.find_or_add(self.cur, "", IdKind::Local);
            self.table.scopes[self.cur].num_pos_args = 1;
        }
        self.set_line_at(comp.elt.start());
        match comp.kind {
            ScopeKind::ListComp => self.op(Op::BuildList(0)),
            ScopeKind::DictComp => self.op(Op::BuildMap(0)),
            ScopeKind::SetComp => self.op(Op::BuildSet(0)),
            _ => {}
        }
        self.load_id("")?;
        if comp.kind != ScopeKind::GenExpr {
            self.op(Op::GetIterStack);
        }
        self.comp_for(comp, 0)?;
        if comp.kind == ScopeKind::GenExpr {
            self.op(Op::LoadConstNone);
        }
        self.op(Op::ReturnValue);
        Ok(())
    }

    /// One `for` clause of a comprehension and everything inside it
    /// (`compile_scope_comp_iter`); the iterator is on the stack.
    fn comp_for(&mut self, comp: Comp<'a>, depth: usize) -> CResult {
        let generator = &comp.generators[depth];
        self.enter(&generator.target)?;
        let top = self.new_label();
        let end = self.new_label();
        self.place(top);
        self.jump(end, Op::ForIter);
        self.assign(&generator.target)?;
        for cond in &generator.ifs {
            self.c_if_cond(cond, false, top)?;
        }
        if let Some(next) = comp.generators.get(depth + 1) {
            self.compile_expr(&next.iter)?;
            self.op(Op::GetIterStack);
            self.comp_for(comp, depth + 1)?;
        } else {
            self.comp_element(comp, depth)?;
        }
        self.jump(top, Op::Jump);
        self.place(end);
        self.adjust_stack(-1);
        self.leave();
        Ok(())
    }

    /// The innermost part: yield the element, or store it into the collection.
    fn comp_element(&mut self, comp: Comp<'a>, depth: usize) -> CResult {
        if let Some(value) = comp.value {
            self.compile_expr(value)?;
        }
        self.compile_expr(comp.elt)?;
        let kind = match comp.kind {
            ScopeKind::GenExpr => {
                self.op(Op::YieldValue);
                self.op(Op::PopTop);
                return Ok(());
            }
            ScopeKind::ListComp => CompKind::List,
            ScopeKind::DictComp => CompKind::Dict,
            _ => CompKind::Set,
        };
        let depth = self.count_u16(depth + 1, comp.elt)?;
        self.op(Op::StoreComp { kind, depth });
        Ok(())
    }
}
