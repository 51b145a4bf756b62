//! Expressions: compile.c's expression rules (`compile_atom_expr_normal`, `compile_comparison`,
//! `compile_trailer_paren_helper`, `c_if_cond`, ...) over ruff's AST.
//!
//! Every function here emits exactly what the corresponding compile.c function emits for the
//! parse node MicroPython would have built from the same source; comments name the compile.c
//! function when the correspondence is not obvious. It must not handle statements.

use ruff_python_ast::{
    self as ast, ArgOrKeyword, BoolOp, CmpOp, ConversionFlag, Expr, InterpolatedStringElement,
    Number, UnaryOp as PyUnaryOp,
};
use ruff_text_size::Ranged;

use crate::py::bytecode::{BinaryOp, Const, Op, UnaryOp};
use crate::py::scope::ScopeKind;

use super::consts::{ConstNode, INTERN_STRING_LEN, binary_op};
use super::fold::ConstVal;
use super::{CResult, Compiler, Pass, as_name};

/// Star-argument flags of a call (emit.h `MP_EMIT_STAR_FLAG_*`).
#[derive(Clone, Copy, Default)]
struct StarFlags {
    single: bool,
    double: bool,
}

/// What the arguments of one call compiled so far add up to.
#[derive(Clone, Copy, Default)]
struct CallState {
    n_pos: usize,
    n_kw: usize,
    flags: StarFlags,
    /// Bit `i` set: argument `i` is a `*iterable`.
    star_bits: i32,
}

impl<'a> Compiler<'a> {
    /// Compiles an expression, leaving its value on the stack.
    pub(super) fn compile_expr(&mut self, e: &'a Expr) -> CResult {
        self.expr(e, false)
    }

    /// Compiles `e`; `in_chain` says `e` is the start of a longer trailer chain.
    fn expr(&mut self, e: &'a Expr, in_chain: bool) -> CResult {
        self.enter(e)?;
        let res = self.expr_inner(e, in_chain);
        self.leave();
        res
    }

    fn expr_inner(&mut self, e: &'a Expr, in_chain: bool) -> CResult {
        if let Some(node) = self.folder.node(e, in_chain) {
            return self.load_const_node(&node);
        }
        match e {
            Expr::Name(n) => return self.load_id(n.id.as_str()),
            Expr::BoolOp(b) => {
                let kept = self.folder.bool_operands(b);
                if let [only] = kept[..] {
                    return self.compile_expr(only);
                }
                self.set_line_at(e.start());
                return self.bool_op(b.op, &kept);
            }
            // A bare generator argument `f(x for x in y)` is not a parse node of its own.
            Expr::Generator(g) if !g.parenthesized => return self.comprehension(self.comp_gen(g)),
            _ => {}
        }
        self.set_line_at(e.start());
        match e {
            Expr::Named(n) => self.named_expr(&n.target, &n.value),
            Expr::BinOp(b) => self.binop(b),
            Expr::UnaryOp(u) => self.unary(u),
            Expr::Lambda(l) => self.lambda(l),
            Expr::If(i) => self.if_expr(i),
            Expr::Dict(d) => self.dict(d),
            Expr::Set(s) => self.sequence(e, &s.elts, Op::BuildSet),
            Expr::List(l) => self.sequence(e, &l.elts, Op::BuildList),
            Expr::Tuple(t) => self.sequence(e, &t.elts, Op::BuildTuple),
            Expr::ListComp(c) => self.comprehension(self.comp_list(c)),
            Expr::SetComp(c) => self.comprehension(self.comp_set(c)),
            Expr::DictComp(c) => self.comprehension(self.comp_dict(c)?),
            Expr::Generator(g) => self.comprehension(self.comp_gen(g)),
            Expr::Await(a) => self.await_expr(a),
            Expr::Yield(y) => self.yield_expr(y),
            Expr::YieldFrom(y) => self.yield_from_expr(y),
            Expr::Compare(c) => self.compare(c),
            Expr::Call(c) => self.call(c),
            Expr::FString(f) => self.fstring(f),
            Expr::Attribute(a) => self.attribute(a),
            Expr::Subscript(s) => self.subscript(s),
            Expr::Slice(s) => self.slice(s),
            Expr::Starred(s) => Err(self.error("*x must be assignment target", s)),
            Expr::NumberLiteral(n) => match n.value {
                Number::Complex { .. } => Err(self.unsupported("complex numbers", n)),
                // Every int and float literal ruff accepts is a constant node; this arm only
                // guards against a literal form our number parser would not know.
                _ => Err(self.unsupported("this number literal", n)),
            },
            Expr::TString(t) => Err(self.invalid_syntax(t, "t-strings are not available")),
            Expr::IpyEscapeCommand(c) => Err(self.invalid_syntax(c, "not Python syntax")),
            Expr::Name(_)
            | Expr::BoolOp(_)
            | Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_) => {
                unreachable!("handled above: literals are constant nodes")
            }
        }
    }

    /// Loads a constant node the way MicroPython loads that kind of parse node.
    pub(super) fn load_const_node(&mut self, node: &ConstNode) -> CResult {
        if let Some(at) = node.line_at {
            self.set_line_at(at);
        }
        if let Some(v) = node.val.small_int() {
            self.op(Op::LoadConstSmallInt(v));
            return Ok(());
        }
        if node.as_object {
            return self.load_const_obj(node.val.to_const());
        }
        match &node.val {
            ConstVal::Str(s) => self.name_op(s, Op::LoadConstString),
            ConstVal::None => {
                self.op(Op::LoadConstNone);
                Ok(())
            }
            ConstVal::Bool(true) => {
                self.op(Op::LoadConstTrue);
                Ok(())
            }
            ConstVal::Bool(false) => {
                self.op(Op::LoadConstFalse);
                Ok(())
            }
            other => self.load_const_obj(other.to_const()),
        }
    }

    /// `a or b`, `a and b` with the operands left after folding (`compile_or_and_test`).
    fn bool_op(&mut self, op: BoolOp, values: &[&'a Expr]) -> CResult {
        let end = self.new_label();
        for (i, v) in values.iter().enumerate() {
            self.compile_expr(v)?;
            if i + 1 < values.len() {
                match op {
                    BoolOp::Or => self.jump(end, Op::JumpIfTrueOrPop),
                    BoolOp::And => self.jump(end, Op::JumpIfFalseOrPop),
                }
            }
        }
        self.place(end);
        Ok(())
    }

    /// `target := value` (`compile_namedexpr_helper`), including the PEP 572 rule that a
    /// comprehension binds the target in its enclosing scope.
    pub(super) fn named_expr(&mut self, target: &'a Expr, value: &'a Expr) -> CResult {
        let Some(name) = self.folder.plain_name(target) else {
            return Err(self.error("can't assign to expression", target));
        };
        self.compile_expr(value)?;
        self.op(Op::DupTop);
        if self.pass == Pass::Scope && self.scope_kind().is_comp_like() {
            self.bind_in_enclosing_scope(name, target)?;
        }
        self.store_id(name)
    }

    fn bind_in_enclosing_scope(&mut self, name: &str, node: &Expr) -> CResult {
        let parent = self.table.scopes[self.cur]
            .parent
            .expect("a comprehension has an enclosing scope");
        let i = self.table.note_store(parent, name);
        let res = if self.table.id(parent, i).kind == crate::py::scope::IdKind::GlobalExplicit {
            self.table
                .find_or_add(self.cur, name, crate::py::scope::IdKind::GlobalExplicit);
            Ok(())
        } else {
            use crate::py::scope::IdKind;
            let j = self.table.find_or_add(self.cur, name, IdKind::Undecided);
            let is_global = self.table.scopes[parent].parent.is_none();
            if !is_global && self.table.id(self.cur, j).kind == IdKind::GlobalImplicit {
                self.table.id_mut(self.cur, j).kind = IdKind::Undecided;
            }
            if is_global {
                self.table.declare_global(self.cur, name)
            } else {
                self.table.declare_nonlocal(self.cur, name)
            }
        };
        res.map_err(|msg| self.error(msg, node))
    }

    /// A binary operator rule: the whole same-precedence chain (`compile_term`).
    fn binop(&mut self, b: &'a ast::ExprBinOp) -> CResult {
        let chain = self.folder.chain(b);
        self.compile_expr(chain.operands[0])?;
        for (operand, op) in chain.operands[1..].iter().zip(&chain.ops) {
            self.compile_expr(operand)?;
            self.op(Op::BinaryOp(binary_op(*op)));
        }
        Ok(())
    }

    fn unary(&mut self, u: &'a ast::ExprUnaryOp) -> CResult {
        self.compile_expr(&u.operand)?;
        let op = match u.op {
            PyUnaryOp::Not => UnaryOp::Not,
            PyUnaryOp::UAdd => UnaryOp::Positive,
            PyUnaryOp::USub => UnaryOp::Negative,
            PyUnaryOp::Invert => UnaryOp::Invert,
        };
        self.op(Op::UnaryOp(op));
        Ok(())
    }

    /// `a if cond else b` (`compile_test_if_expr`).
    fn if_expr(&mut self, i: &'a ast::ExprIf) -> CResult {
        let fail = self.new_label();
        let end = self.new_label();
        self.c_if_cond(&i.test, false, fail)?;
        self.compile_expr(&i.body)?;
        self.jump(end, Op::Jump);
        self.place(fail);
        self.adjust_stack(-1);
        self.compile_expr(&i.orelse)?;
        self.place(end);
        Ok(())
    }

    fn dict(&mut self, d: &'a ast::ExprDict) -> CResult {
        let n = self.count_u16(d.items.len(), d)?;
        self.op(Op::BuildMap(n));
        self.dict_items(d)
    }

    /// A list, set or (non-constant) tuple display.
    fn sequence(&mut self, node: &Expr, elts: &'a [Expr], build: fn(u16) -> Op) -> CResult {
        for e in elts {
            self.compile_expr(e)?;
        }
        let n = self.count_u16(elts.len(), node)?;
        self.op(build(n));
        Ok(())
    }

    fn await_expr(&mut self, a: &'a ast::ExprAwait) -> CResult {
        if !matches!(self.scope_kind(), ScopeKind::Function | ScopeKind::Lambda) {
            return Err(self.error("'await' outside function", a));
        }
        self.compile_expr(&a.value)?;
        self.yield_from_tail();
        Ok(())
    }

    /// compile.c `compile_yield_from`: the iterator is on the stack.
    pub(super) fn yield_from_tail(&mut self) {
        self.op(Op::GetIter);
        self.op(Op::LoadConstNone);
        self.op(Op::YieldFrom);
    }

    fn check_yield_scope(&self, node: &impl Ranged) -> CResult {
        if matches!(self.scope_kind(), ScopeKind::Function | ScopeKind::Lambda) {
            Ok(())
        } else {
            Err(self.error("'yield' outside function", node))
        }
    }

    fn yield_expr(&mut self, y: &'a ast::ExprYield) -> CResult {
        self.check_yield_scope(y)?;
        match &y.value {
            Some(v) => self.compile_expr(v)?,
            None => self.op(Op::LoadConstNone),
        }
        self.op(Op::YieldValue);
        Ok(())
    }

    fn yield_from_expr(&mut self, y: &'a ast::ExprYieldFrom) -> CResult {
        self.check_yield_scope(y)?;
        self.compile_expr(&y.value)?;
        self.yield_from_tail();
        Ok(())
    }

    /// Comparisons, chained ones with `DUP_TOP`/`ROT_THREE` (`compile_comparison`).
    fn compare(&mut self, c: &'a ast::ExprCompare) -> CResult {
        self.compile_expr(&c.left)?;
        let multi = c.ops.len() > 1;
        let fail = self.new_label();
        let n = c.ops.len();
        for (i, (op, right)) in c.ops.iter().zip(c.comparators.iter()).enumerate() {
            self.compile_expr(right)?;
            let last = i + 1 == n;
            if !last {
                self.op(Op::DupTop);
                self.op(Op::RotThree);
            }
            let (bin, invert) = match op {
                CmpOp::Eq => (BinaryOp::Equal, false),
                CmpOp::NotEq => (BinaryOp::NotEqual, false),
                CmpOp::Lt => (BinaryOp::Less, false),
                CmpOp::LtE => (BinaryOp::LessEqual, false),
                CmpOp::Gt => (BinaryOp::More, false),
                CmpOp::GtE => (BinaryOp::MoreEqual, false),
                CmpOp::Is => (BinaryOp::Is, false),
                CmpOp::IsNot => (BinaryOp::Is, true),
                CmpOp::In => (BinaryOp::In, false),
                CmpOp::NotIn => (BinaryOp::In, true),
            };
            self.op(Op::BinaryOp(bin));
            if invert {
                self.op(Op::UnaryOp(UnaryOp::Not));
            }
            if !last {
                self.jump(fail, Op::JumpIfFalseOrPop);
            }
        }
        if multi {
            let end = self.new_label();
            self.jump(end, Op::Jump);
            self.place(fail);
            self.adjust_stack(1);
            self.op(Op::RotTwo);
            self.op(Op::PopTop);
            self.place(end);
        }
        Ok(())
    }

    /// Conditional jump on `e` (`c_if_cond`): constants jump or fall through statically,
    /// `and`/`or`/`not` become jump chains, anything else is evaluated and popped.
    pub(super) fn c_if_cond(&mut self, e: &'a Expr, jump_if: bool, label: super::Label) -> CResult {
        self.enter(e)?;
        let res = self.c_if_cond_inner(e, jump_if, label);
        self.leave();
        res
    }

    fn c_if_cond_inner(&mut self, e: &'a Expr, jump_if: bool, label: super::Label) -> CResult {
        if let Some(truth) = self.folder.truth(e) {
            if truth == jump_if {
                self.jump(label, Op::Jump);
            }
            return Ok(());
        }
        match e {
            Expr::BoolOp(b) => {
                let kept = self.folder.bool_operands(b);
                if let [only] = kept[..] {
                    return self.c_if_cond(only, jump_if, label);
                }
                let is_or = b.op == BoolOp::Or;
                if is_or != jump_if {
                    let skip = self.new_label();
                    let (last, rest) = kept.split_last().expect("at least two operands");
                    for v in rest {
                        self.c_if_cond(v, !jump_if, skip)?;
                    }
                    self.c_if_cond(last, jump_if, label)?;
                    self.place(skip);
                } else {
                    for v in kept {
                        self.c_if_cond(v, jump_if, label)?;
                    }
                }
                Ok(())
            }
            Expr::UnaryOp(u) if u.op == PyUnaryOp::Not => {
                self.c_if_cond(&u.operand, !jump_if, label)
            }
            _ => {
                self.compile_expr(e)?;
                if jump_if {
                    self.jump(label, Op::PopJumpIfTrue);
                } else {
                    self.jump(label, Op::PopJumpIfFalse);
                }
                Ok(())
            }
        }
    }

    /// The value part of an attribute, subscript or call: part of the same trailer chain
    /// unless parenthesised.
    fn chain_value(&mut self, v: &'a Expr) -> CResult {
        let in_chain = !self.folder.is_parenthesized(v);
        self.expr(v, in_chain)
    }

    fn attribute(&mut self, a: &'a ast::ExprAttribute) -> CResult {
        if as_name(&a.value) == Some("uctypes") {
            return Err(self.unsupported("the uctypes module", a));
        }
        self.chain_value(&a.value)?;
        self.set_line_after(&a.value);
        self.name_op(a.attr.id.as_str(), Op::LoadAttr)
    }

    fn subscript(&mut self, s: &'a ast::ExprSubscript) -> CResult {
        self.chain_value(&s.value)?;
        self.set_line_after(&s.value);
        self.compile_expr(&s.slice)?;
        self.op(Op::LoadSubscr);
        Ok(())
    }

    /// A slice inside a subscript (`compile_subscript`).
    fn slice(&mut self, s: &'a ast::ExprSlice) -> CResult {
        match &s.lower {
            Some(l) => self.compile_expr(l)?,
            None => self.op(Op::LoadConstNone),
        }
        match &s.upper {
            Some(u) => self.compile_expr(u)?,
            None => self.op(Op::LoadConstNone),
        }
        match &s.step {
            Some(st) => {
                self.compile_expr(st)?;
                self.op(Op::BuildSlice(3));
            }
            None => self.op(Op::BuildSlice(2)),
        }
        Ok(())
    }

    /// Compiles the prefix of an assignment or `del` target: MicroPython compiles each
    /// trailer of such a chain on its own (`c_assign_atom_expr`), so `a.b().c = 1` calls
    /// `a.b` with `CALL_FUNCTION`, not as a method call.
    pub(super) fn plain_prefix(&mut self, v: &'a Expr) -> CResult {
        self.enter(v)?;
        let res = self.plain_prefix_inner(v);
        self.leave();
        res
    }

    fn plain_prefix_inner(&mut self, v: &'a Expr) -> CResult {
        if self.folder.is_parenthesized(v) {
            return self.compile_expr(v);
        }
        match v {
            Expr::Attribute(a) => {
                self.plain_prefix(&a.value)?;
                self.set_line_after(&a.value);
                self.name_op(a.attr.id.as_str(), Op::LoadAttr)
            }
            Expr::Subscript(s) => {
                self.plain_prefix(&s.value)?;
                self.set_line_after(&s.value);
                self.compile_expr(&s.slice)?;
                self.op(Op::LoadSubscr);
                Ok(())
            }
            Expr::Call(c) => {
                self.plain_prefix(&c.func)?;
                self.set_line_at(c.arguments.start());
                self.call_args(&c.arguments, false, 0)
            }
            _ => self.compile_expr(v),
        }
    }

    /// A call; method calls, `super()` and `OrderedDict({...})` are special
    /// (`compile_atom_expr_normal`).
    fn call(&mut self, c: &'a ast::ExprCall) -> CResult {
        if self.is_bare_super_call(c) {
            return self.super_call(c);
        }
        if let Expr::Attribute(a) = &*c.func
            && !self.folder.is_parenthesized(&c.func)
        {
            return self.method_call(a, c);
        }
        if let Some(dict) = self.ordered_dict_literal(c) {
            self.load_id("OrderedDict")?;
            self.set_line_at(c.arguments.start());
            self.op(Op::CallFunction { n_pos: 0, n_kw: 0 });
            return self.dict_items(dict);
        }
        self.chain_value(&c.func)?;
        self.set_line_at(c.arguments.start());
        self.call_args(&c.arguments, false, 0)
    }

    /// `super()` with no arguments inside a `def`.
    fn is_bare_super_call(&self, c: &ast::ExprCall) -> bool {
        self.scope_kind() == ScopeKind::Function
            && self.folder.plain_name(&c.func) == Some("super")
            && c.arguments.is_empty()
    }

    /// `super()` alone: `super(__class__, self)` (compile.c special case).
    fn super_call(&mut self, c: &'a ast::ExprCall) -> CResult {
        self.super_prelude(c)?;
        self.op(Op::CallFunction { n_pos: 2, n_kw: 0 });
        Ok(())
    }

    /// Loads `super`, `__class__` and the first parameter.
    fn super_prelude(&mut self, c: &'a ast::ExprCall) -> CResult {
        self.load_id("super")?;
        self.load_id("__class__")?;
        let Some(first) = self.table.first_param(self.cur) else {
            return Err(self.error("super() can't find self", &c.arguments));
        };
        self.load_id(&first)
    }

    /// `obj.name(args)`: `LOAD_METHOD` + `CALL_METHOD`, or `LOAD_SUPER_METHOD` for
    /// `super().name(args)`.
    fn method_call(&mut self, a: &'a ast::ExprAttribute, c: &'a ast::ExprCall) -> CResult {
        let name = a.attr.id.as_str();
        match &*a.value {
            Expr::Call(inner)
                if self.is_bare_super_call(inner) && !self.folder.is_parenthesized(&a.value) =>
            {
                self.super_prelude(inner)?;
                self.name_op(name, Op::LoadSuperMethod)?;
            }
            _ => {
                if as_name(&a.value) == Some("uctypes") {
                    return Err(self.unsupported("the uctypes module", a));
                }
                self.chain_value(&a.value)?;
                self.name_op(name, Op::LoadMethod)?;
            }
        }
        self.call_args(&c.arguments, true, 0)
    }

    /// `OrderedDict({...})` with one dict display argument (compile.c special case under
    /// `MICROPY_COMP_CONST_LITERAL`): the items are stored into the new `OrderedDict`.
    fn ordered_dict_literal(&self, c: &'a ast::ExprCall) -> Option<&'a ast::ExprDict> {
        if self.folder.plain_name(&c.func) != Some("OrderedDict")
            || !c.arguments.keywords.is_empty()
        {
            return None;
        }
        match &*c.arguments.args {
            [Expr::Dict(d)] => Some(d),
            _ => None,
        }
    }

    /// Compiles `value key STORE_MAP` for each item; each item is a parse node with the line
    /// of its key.
    fn dict_items(&mut self, d: &'a ast::ExprDict) -> CResult {
        for item in &d.items {
            let Some(key) = &item.key else {
                return Err(self.invalid_syntax(
                    &item.value,
                    "MicroPython does not support ** in a dict display",
                ));
            };
            self.set_line_at(key.start());
            self.compile_expr(&item.value)?;
            self.compile_expr(key)?;
            self.op(Op::StoreMap);
        }
        Ok(())
    }

    /// Compiles call arguments and the call op (`compile_trailer_paren_helper`).
    /// `n_extra` positional arguments are already on the stack.
    pub(super) fn call_args(
        &mut self,
        args: &'a ast::Arguments,
        is_method: bool,
        n_extra: usize,
    ) -> CResult {
        let mut state = CallState {
            n_pos: n_extra,
            ..CallState::default()
        };
        for (i, arg) in args.iter_source_order().enumerate() {
            self.call_arg(i, arg, &mut state)?;
        }
        let n_pos = self.count_u8(state.n_pos, args)?;
        let n_kw = self.count_u8(state.n_kw, args)?;
        let star = state.flags.single || state.flags.double;
        if star {
            self.op(Op::LoadConstSmallInt(state.star_bits));
        }
        self.op(match (is_method, star) {
            (false, false) => Op::CallFunction { n_pos, n_kw },
            (false, true) => Op::CallFunctionVarKw { n_pos, n_kw },
            (true, false) => Op::CallMethod { n_pos, n_kw },
            (true, true) => Op::CallMethodVarKw { n_pos, n_kw },
        });
        Ok(())
    }

    /// One argument of a call, the `i`-th in source order, with MicroPython's ordering checks.
    fn call_arg(&mut self, i: usize, arg: ArgOrKeyword<'a>, st: &mut CallState) -> CResult {
        match arg {
            ArgOrKeyword::Arg(Expr::Starred(s)) => {
                if st.flags.double {
                    return Err(self.error("* arg after **", s));
                }
                if st.n_kw > 0 {
                    return Err(self.error("* arg after kwarg", s));
                }
                // The star bitmap is a small int: bit 30 would not fit.
                if i >= 30 {
                    return Err(self.error("too many args", s));
                }
                st.flags.single = true;
                st.star_bits |= 1 << i;
                self.compile_expr(&s.value)?;
                st.n_pos += 1;
            }
            ArgOrKeyword::Keyword(kw) => {
                match &kw.arg {
                    None => {
                        st.flags.double = true;
                        self.op(Op::LoadNull);
                    }
                    Some(name) => {
                        let names = self.folder.names();
                        if names.lookup(name.id.as_str(), kw.start()).is_some() {
                            return Err(self.error("LHS of keyword arg must be an id", kw));
                        }
                        self.name_op(name.id.as_str(), Op::LoadConstString)?;
                    }
                }
                self.compile_expr(&kw.value)?;
                st.n_kw += 1;
            }
            ArgOrKeyword::Arg(e) => {
                if st.flags.double {
                    return Err(self.error("positional arg after **", e));
                }
                if st.n_kw > 0 {
                    return Err(self.error("positional arg after keyword arg", e));
                }
                self.compile_expr(e)?;
                st.n_pos += 1;
            }
        }
        Ok(())
    }

    /// An f-string: MicroPython's lexer turns it into `'format'.format(args)`.
    fn fstring(&mut self, f: &'a ast::ExprFString) -> CResult {
        let mut format = String::new();
        let mut args: Vec<&'a Expr> = Vec::new();
        for part in f.value.iter() {
            match part {
                ast::FStringPart::Literal(lit) => format.push_str(&lit.value),
                ast::FStringPart::FString(fs) => {
                    self.fstring_elements(&fs.elements, &mut format, &mut args)?;
                }
            }
        }
        if format.len() <= INTERN_STRING_LEN || self.folder.names().is_interned(&format, f.start())
        {
            self.name_op(&format, Op::LoadConstString)?;
        } else {
            self.load_const_obj(Const::Str(format.as_str().into()))?;
        }
        self.name_op("format", Op::LoadMethod)?;
        for a in &args {
            self.compile_expr(a)?;
        }
        let n_pos = self.count_u8(args.len(), f)?;
        self.op(Op::CallMethod { n_pos, n_kw: 0 });
        Ok(())
    }

    /// Appends the `str.format` text of f-string elements and collects the argument
    /// expressions in the order MicroPython's lexer extracts them.
    fn fstring_elements(
        &self,
        elements: &'a [InterpolatedStringElement],
        format: &mut String,
        args: &mut Vec<&'a Expr>,
    ) -> CResult {
        for el in elements {
            match el {
                InterpolatedStringElement::Literal(lit) => {
                    for ch in lit.value.chars() {
                        match ch {
                            '{' => format.push_str("{{"),
                            '}' => format.push_str("}}"),
                            c => format.push(c),
                        }
                    }
                }
                InterpolatedStringElement::Interpolation(it) => {
                    if !self.lexer_can_extract(it) {
                        return Err(self.invalid_syntax(
                            it,
                            "MicroPython's f-string lexer cannot extract this field",
                        ));
                    }
                    if let Some(debug) = &it.debug_text {
                        if !debug.as_str().ends_with('=') {
                            return Err(self.invalid_syntax(it, "MicroPython needs '=' right before the end of a self-documenting f-string field"));
                        }
                        format.push_str(debug.as_str());
                    }
                    format.push('{');
                    args.push(&it.expression);
                    match it.conversion {
                        ConversionFlag::None => {}
                        ConversionFlag::Str => format.push_str("!s"),
                        ConversionFlag::Repr => format.push_str("!r"),
                        ConversionFlag::Ascii => {
                            return Err(
                                self.invalid_syntax(it, "MicroPython f-strings do not support !a")
                            );
                        }
                    }
                    if let Some(spec) = &it.format_spec {
                        format.push(':');
                        self.fstring_elements(&spec.elements, format, args)?;
                    }
                    format.push('}');
                }
            }
        }
        Ok(())
    }

    /// Whether MicroPython's lexer extracts this f-string field as one expression: it copies
    /// the text after `{` up to the first `:`, `}` or `!r`/`!s` conversion outside `[]`/`{}`
    /// (parentheses do not count), without knowing about strings, so a field with such a
    /// character at that level (`f"{(lambda: 1)()}"`, `f"{'}'}"`) is a syntax error there.
    fn lexer_can_extract(&self, it: &ast::InterpolatedElement) -> bool {
        let text = self.src.text();
        let start = usize::from(it.start()) + 1;
        let end = usize::from(it.expression.end()).max(start);
        let field = text.get(start..end).unwrap_or("");
        let bytes = field.as_bytes();
        let mut depth = 0i32;
        for (i, ch) in field.char_indices() {
            match ch {
                '[' | '{' => depth += 1,
                ']' | '}' if depth > 0 => depth -= 1,
                ':' | '}' if depth == 0 => return false,
                '!' if depth == 0
                    && matches!(bytes.get(i + 1), Some(b'r' | b's'))
                    && matches!(bytes.get(i + 2), Some(b':' | b'}')) =>
                {
                    return false;
                }
                _ => {}
            }
        }
        true
    }

    /// Raises the line to that of the trailer token (`.`, `[`) after `value`, as compiling a
    /// trailer parse node does.
    fn set_line_after(&mut self, value: &Expr) {
        let at = super::consts::trailer_start(self.src.text(), value.end());
        self.set_line_at(at);
    }

    /// A count for a `u16` operand, or a diagnostic.
    pub(super) fn count_u16(&self, n: usize, node: &impl Ranged) -> CResult<u16> {
        u16::try_from(n).map_err(|_| self.error("too many items", node))
    }

    /// A count for a `u8` operand, or a diagnostic.
    pub(super) fn count_u8(&self, n: usize, node: &impl Ranged) -> CResult<u8> {
        u8::try_from(n).map_err(|_| self.error("too many arguments", node))
    }
}
