//! Which AST nodes are constants in MicroPython's parse tree, and their values.
//!
//! MicroPython's parser (py/parse.c) replaces some subtrees with constants before the compiler
//! sees them, and the compiler then treats a constant differently from an expression (it may
//! skip an `if 0:` block, leave out a lonely constant statement, or load a folded value with one
//! op). This module answers "is this node a constant after parsing, and what is it?" for ruff's
//! AST, reproducing:
//!
//! * arithmetic folding (`fold_constants`) per grammar rule: a chain of same-precedence
//!   operators (`1 + 2 - x`) is one rule and folds all or nothing; parenthesised sub-chains are
//!   rules of their own;
//! * `and`/`or`/`not` folding with constant operands (`fold_logical_constants`);
//! * constant tuples (`build_tuple`);
//! * `X = const(...)` names, substituted in every later atom in the file (`MICROPY_COMP_CONST`);
//! * module constants `math.pi`, `errno.EIO` (`MICROPY_COMP_MODULE_CONST`).
//!
//! It must not emit anything; the compiler asks and emits.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use num_bigint::BigInt;
use ruff_python_ast::{self as ast, BoolOp, Expr, Number, Operator, Stmt, UnaryOp};
use ruff_text_size::{Ranged, TextSize};

use crate::py::bytecode::BinaryOp;
use crate::py::parse::{Diagnostic, DiagnosticKind, SourceInfo};

use super::fold::{self, ConstVal, UnaryFold};

/// Strings up to this many bytes are interned by MicroPython's parser and loaded with
/// `LOAD_CONST_STRING` (`MICROPY_ALLOC_PARSE_INTERN_STRING_LEN`); longer ones are objects.
pub const INTERN_STRING_LEN: usize = 10;

/// How a constant node is loaded and whether it carries a source line.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstNode {
    /// The value.
    pub val: ConstVal,
    /// MicroPython's node is a `const_object` struct (as opposed to a small-int, string or
    /// token leaf) and is loaded with `LOAD_CONST_OBJ`.
    pub as_object: bool,
    /// Offset whose line the node raises the current line to (struct nodes made from a
    /// token or a tuple rule); `None` for leaves and for folded results (line 0).
    pub line_at: Option<TextSize>,
}

/// One `name = const(value)` definition.
#[derive(Clone, Debug)]
pub struct ConstDef {
    /// The defined name.
    pub name: Rc<str>,
    /// The value.
    pub val: ConstVal,
    /// End of the defining statement: names after it are replaced.
    pub end: TextSize,
    /// The name starts with `_`: the statement compiles to nothing.
    pub private: bool,
}

/// All `const()` definitions of a file, in source order, and the interned identifiers.
#[derive(Clone, Debug, Default)]
pub struct ConstNames {
    defs: Vec<ConstDef>,
    /// Statement start offset to index in `defs`.
    by_stmt: BTreeMap<TextSize, usize>,
    /// First offset of each identifier in the file (interned by MicroPython's parser there).
    names_at: BTreeMap<Rc<str>, TextSize>,
}

impl ConstNames {
    /// The value of `name` for an atom at `at`, if a `const()` defined it before.
    pub fn lookup(&self, name: &str, at: TextSize) -> Option<&ConstVal> {
        self.defs
            .iter()
            .rev()
            .find(|d| &*d.name == name && d.end <= at)
            .map(|d| &d.val)
    }

    /// Whether MicroPython would find `text` already interned when its parser reaches a
    /// string literal at `at`: a built-in qstr, or an identifier that occurs earlier.
    pub fn is_interned(&self, text: &str, at: TextSize) -> bool {
        super::qstrs::is_rom_qstr(text) || self.names_at.get(text).is_some_and(|&first| first < at)
    }

    /// The definition made by the statement starting at `stmt_start`, if it is one.
    pub fn def_at(&self, stmt_start: TextSize) -> Option<&ConstDef> {
        self.by_stmt.get(&stmt_start).map(|&i| &self.defs[i])
    }
}

/// Collects the `const()` definitions of the module body, in source order; `names_at` gives
/// where each identifier first occurs.
pub fn collect(
    src: &SourceInfo,
    body: &[Stmt],
    names_at: &BTreeMap<Rc<str>, TextSize>,
) -> Result<ConstNames, Diagnostic> {
    let mut names = ConstNames {
        names_at: names_at.clone(),
        ..ConstNames::default()
    };
    collect_in(src, body, &mut names, 0)?;
    Ok(names)
}

fn collect_in(
    src: &SourceInfo,
    body: &[Stmt],
    names: &mut ConstNames,
    depth: u32,
) -> Result<(), Diagnostic> {
    for stmt in body {
        if depth > crate::limits::MAX_COMPILE_NESTING {
            let diag = src.diagnostic(
                DiagnosticKind::SyntaxError,
                "too deeply nested",
                stmt.start(),
            );
            return Err(diag);
        }
        if let Some((target, call)) = const_definition(stmt) {
            let folder = Folder::new(src, names);
            let Some(name) = folder.plain_name(target) else {
                continue;
            };
            let arg = match (&*call.arguments.args, call.arguments.keywords.is_empty()) {
                ([arg], true) if !arg.is_starred_expr() => Some(arg),
                _ => None,
            };
            let Some(val) = arg.and_then(|a| folder.is_const(a)) else {
                let diag =
                    src.diagnostic(DiagnosticKind::SyntaxError, "not a constant", call.start());
                return Err(diag);
            };
            let def = ConstDef {
                name: Rc::from(name),
                val,
                end: stmt.end(),
                private: name.starts_with('_'),
            };
            names.by_stmt.insert(stmt.start(), names.defs.len());
            names.defs.push(def);
        }
        for inner in child_bodies(stmt) {
            collect_in(src, inner, names, depth + 1)?;
        }
    }
    Ok(())
}

/// `target = const(...)` or `target: T = const(...)`: the target and the call.
fn const_definition(stmt: &Stmt) -> Option<(&Expr, &ast::ExprCall)> {
    let (target, value) = match stmt {
        Stmt::Assign(a) if a.targets.len() == 1 => (&a.targets[0], &*a.value),
        Stmt::AnnAssign(a) => (&*a.target, a.value.as_deref()?),
        _ => return None,
    };
    let Expr::Call(call) = value else {
        return None;
    };
    match &*call.func {
        Expr::Name(n) if n.id.as_str() == "const" => Some((target, call)),
        _ => None,
    }
}

/// The statement bodies nested in `stmt`, in source order.
fn child_bodies(stmt: &Stmt) -> Vec<&[Stmt]> {
    match stmt {
        Stmt::FunctionDef(f) => vec![&f.body[..]],
        Stmt::ClassDef(c) => vec![&c.body[..]],
        Stmt::For(f) => vec![&f.body[..], &f.orelse[..]],
        Stmt::While(w) => vec![&w.body[..], &w.orelse[..]],
        Stmt::If(i) => {
            let mut v = vec![&i.body[..]];
            v.extend(i.elif_else_clauses.iter().map(|c| &c.body[..]));
            v
        }
        Stmt::With(w) => vec![&w.body[..]],
        Stmt::Try(t) => {
            let mut v = vec![&t.body[..]];
            for h in &t.handlers {
                let ast::ExceptHandler::ExceptHandler(h) = h;
                v.push(&h.body[..]);
            }
            v.push(&t.orelse[..]);
            v.push(&t.finalbody[..]);
            v
        }
        _ => Vec::new(),
    }
}

/// The grammar rule level of a binary operator: operators of one level chain into one rule.
fn level(op: Operator) -> u8 {
    match op {
        Operator::BitOr => 0,
        Operator::BitXor => 1,
        Operator::BitAnd => 2,
        Operator::LShift | Operator::RShift => 3,
        Operator::Add | Operator::Sub => 4,
        Operator::Mult | Operator::MatMult | Operator::Div | Operator::Mod | Operator::FloorDiv => {
            5
        }
        Operator::Pow => 6,
    }
}

/// The bytecode operator for a Python binary operator.
pub fn binary_op(op: Operator) -> BinaryOp {
    match op {
        Operator::Add => BinaryOp::Add,
        Operator::Sub => BinaryOp::Subtract,
        Operator::Mult => BinaryOp::Multiply,
        Operator::MatMult => BinaryOp::MatMultiply,
        Operator::Div => BinaryOp::TrueDivide,
        Operator::Mod => BinaryOp::Modulo,
        Operator::Pow => BinaryOp::Power,
        Operator::LShift => BinaryOp::Lshift,
        Operator::RShift => BinaryOp::Rshift,
        Operator::BitOr => BinaryOp::Or,
        Operator::BitXor => BinaryOp::Xor,
        Operator::BitAnd => BinaryOp::And,
        Operator::FloorDiv => BinaryOp::FloorDivide,
    }
}

/// A chain of same-level binary operators: `operands[0] ops[0] operands[1] ...`.
pub struct Chain<'e> {
    /// The operands, left to right.
    pub operands: Vec<&'e Expr>,
    /// The operators between them.
    pub ops: Vec<Operator>,
}

/// Answers constant questions about AST nodes of one file.
pub struct Folder<'a> {
    src: &'a SourceInfo,
    names: &'a ConstNames,
    depth: Cell<u32>,
}

impl<'a> Folder<'a> {
    /// A folder for `src` with the file's `const()` names.
    pub fn new(src: &'a SourceInfo, names: &'a ConstNames) -> Folder<'a> {
        Folder {
            src,
            names,
            depth: Cell::new(0),
        }
    }

    /// The `const()` definitions of the file.
    pub fn names(&self) -> &'a ConstNames {
        self.names
    }

    /// The node as MicroPython's parse tree has it, if that is a constant.
    ///
    /// `in_chain` says the node is the start of a longer trailer chain (`math.pi[0]`), where
    /// module constants do not fold.
    pub fn node(&self, e: &Expr, in_chain: bool) -> Option<ConstNode> {
        let depth = self.depth.get();
        if depth >= crate::limits::MAX_FOLD_DEPTH {
            return None;
        }
        self.depth.set(depth + 1);
        let res = self.node_inner(e, in_chain);
        self.depth.set(depth);
        res
    }

    fn node_inner(&self, e: &Expr, in_chain: bool) -> Option<ConstNode> {
        match e {
            Expr::NumberLiteral(n) => self.number_literal(n),
            Expr::StringLiteral(s) => {
                let text: Rc<str> = Rc::from(s.value.to_str());
                let long =
                    text.len() > INTERN_STRING_LEN && !self.names.is_interned(&text, s.start());
                Some(ConstNode {
                    val: ConstVal::Str(text),
                    as_object: long,
                    line_at: long.then(|| s.start()),
                })
            }
            Expr::BytesLiteral(b) => Some(ConstNode {
                val: ConstVal::Bytes(b.value.bytes().collect()),
                as_object: true,
                line_at: Some(b.start()),
            }),
            Expr::BooleanLiteral(b) => Some(leaf(ConstVal::Bool(b.value))),
            Expr::NoneLiteral(_) => Some(leaf(ConstVal::None)),
            Expr::EllipsisLiteral(_) => Some(leaf(ConstVal::Ellipsis)),
            Expr::Name(n) if n.id.as_str() == "__debug__" => Some(leaf(ConstVal::Bool(true))),
            Expr::Name(n) => {
                let val = self.names.lookup(n.id.as_str(), n.start())?.clone();
                let small = val.small_int().is_some();
                Some(ConstNode {
                    val,
                    as_object: !small,
                    line_at: (!small).then(|| n.start()),
                })
            }
            Expr::UnaryOp(u) => self.unary(u),
            Expr::BinOp(b) => self.binop(b).map(folded),
            Expr::BoolOp(b) => match self.bool_operands(b)[..] {
                [only] => self.node(only, in_chain),
                _ => None,
            },
            Expr::Tuple(t) if !t.elts.is_empty() => {
                let items: Option<Vec<ConstVal>> =
                    t.elts.iter().map(|x| self.is_const(x)).collect();
                // The tuple node carries the line of the rule that built it: for `(a, b, ...)`
                // the list after the first comma (starting at `b`), for `(a,)` the element, and
                // for an unparenthesised tuple its first element.
                let line_at = match (t.parenthesized, &t.elts[..]) {
                    (true, [_, second, ..]) => second.start(),
                    (true, [only]) => only.start(),
                    _ => t.start(),
                };
                Some(ConstNode {
                    val: ConstVal::Tuple(items?.into()),
                    as_object: true,
                    line_at: Some(line_at),
                })
            }
            Expr::Attribute(a) if !in_chain => module_const(a).map(folded),
            _ => None,
        }
    }

    /// `mp_parse_node_is_const`: a constant node, or the empty tuple `()`.
    pub fn is_const(&self, e: &Expr) -> Option<ConstVal> {
        if let Expr::Tuple(t) = e
            && t.elts.is_empty()
        {
            return Some(ConstVal::Tuple(Rc::from([])));
        }
        self.node(e, false).map(|n| n.val)
    }

    /// `mp_parse_node_is_const_false`/`_true`: the truth value of a constant node.
    pub fn truth(&self, e: &Expr) -> Option<bool> {
        self.is_const(e).map(|v| v.is_true())
    }

    /// The node folds to a small int (what `MP_PARSE_NODE_IS_SMALL_INT` tests).
    pub fn small_int(&self, e: &Expr) -> Option<i32> {
        self.node(e, false)?.val.small_int()
    }

    /// A name atom that is a real identifier (not replaced by a `const()` value).
    pub fn plain_name<'e>(&self, e: &'e Expr) -> Option<&'e str> {
        match e {
            Expr::Name(n)
                if n.id.as_str() != "__debug__"
                    && self.names.lookup(n.id.as_str(), n.start()).is_none() =>
            {
                Some(n.id.as_str())
            }
            _ => None,
        }
    }

    fn number_literal(&self, n: &ast::ExprNumberLiteral) -> Option<ConstNode> {
        let text = &self.src.text()[n.range()];
        let val = match &n.value {
            Number::Int(_) => ConstVal::Int(crate::py::num::parse_int_literal(text)?),
            Number::Float(_) => ConstVal::Float(crate::py::num::parse_float_literal(text)),
            Number::Complex { .. } => return None,
        };
        let small = val.small_int().is_some();
        Some(ConstNode {
            val,
            as_object: !small,
            line_at: (!small).then(|| n.start()),
        })
    }

    /// A number for folding (`mp_parse_node_get_number_maybe`).
    fn number(&self, e: &Expr) -> Option<ConstVal> {
        self.node(e, false)
            .map(|n| n.val)
            .filter(ConstVal::is_number)
    }

    fn unary(&self, u: &ast::ExprUnaryOp) -> Option<ConstNode> {
        let op = match u.op {
            UnaryOp::Not => {
                let v = self.is_const(&u.operand)?;
                return Some(leaf(ConstVal::Bool(!v.is_true())));
            }
            UnaryOp::UAdd => UnaryFold::Positive,
            UnaryOp::USub => UnaryFold::Negative,
            UnaryOp::Invert => UnaryFold::Invert,
        };
        let v = self.number(&u.operand)?;
        fold::unary(op, &v).map(folded)
    }

    fn binop(&self, b: &ast::ExprBinOp) -> Option<ConstVal> {
        if b.op == Operator::Pow {
            let x = self.number(&b.left)?;
            let y = self.number(&b.right)?;
            return fold::binary(BinaryOp::Power, &x, &y);
        }
        let chain = self.chain(b);
        let mut acc = self.number(chain.operands[0])?;
        for (operand, op) in chain.operands[1..].iter().zip(&chain.ops) {
            let v = self.number(operand)?;
            acc = fold::binary(binary_op(*op), &acc, &v)?;
        }
        Some(acc)
    }

    /// The rule a binary operator node belongs to: the left-nested operators of the same
    /// precedence that are not parenthesised.
    pub fn chain<'e>(&self, b: &'e ast::ExprBinOp) -> Chain<'e> {
        let mut operands = vec![&*b.right];
        let mut ops = vec![b.op];
        let mut left = &*b.left;
        if b.op != Operator::Pow {
            while let Expr::BinOp(inner) = left {
                if level(inner.op) != level(b.op) || self.is_parenthesized(left) {
                    break;
                }
                operands.push(&inner.right);
                ops.push(inner.op);
                left = &inner.left;
            }
        }
        operands.push(left);
        operands.reverse();
        ops.reverse();
        Chain { operands, ops }
    }

    /// The operands an `and`/`or` keeps after folding constant ones
    /// (parse.c `fold_logical_constants`).
    pub fn bool_operands<'e>(&self, b: &'e ast::ExprBoolOp) -> Vec<&'e Expr> {
        let is_or = b.op == BoolOp::Or;
        let n = b.values.len();
        let mut kept = Vec::with_capacity(n);
        for (i, v) in b.values.iter().enumerate() {
            if i + 1 == n {
                kept.push(v);
                break;
            }
            match self.truth(v) {
                // `True or ...` / `False and ...`: this operand decides; drop the rest.
                Some(t) if t == is_or => {
                    kept.push(v);
                    break;
                }
                // `False or x` / `True and x`: the operand is dropped.
                Some(_) => {}
                None => kept.push(v),
            }
        }
        kept
    }

    /// Whether the expression is wrapped in parentheses (the next significant character after
    /// it is a closing parenthesis).
    pub fn is_parenthesized(&self, e: &Expr) -> bool {
        next_significant(self.src.text(), e.end()) == Some(b')')
    }
}

/// Offset of the trailer token (`.`, `[` or `(`) that follows the expression ending at
/// `offset`, skipping whitespace, comments and the closing parentheses of a parenthesised
/// value.
pub fn trailer_start(text: &str, offset: TextSize) -> TextSize {
    let mut at = offset;
    while let Some((b, pos)) = next_significant_at(text, at) {
        if b != b')' {
            return pos;
        }
        at = pos + TextSize::from(1);
    }
    offset
}

/// The next byte after `offset` that is not whitespace, a line continuation or a comment.
pub fn next_significant(text: &str, offset: TextSize) -> Option<u8> {
    next_significant_at(text, offset).map(|(b, _)| b)
}

/// Like [`next_significant`], with the byte's offset.
fn next_significant_at(text: &str, offset: TextSize) -> Option<(u8, TextSize)> {
    let bytes = text.as_bytes();
    let mut i = usize::from(offset);
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\\' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b => {
                let pos = TextSize::try_from(i).expect("source offsets fit in 32 bits");
                return Some((b, pos));
            }
        }
    }
    None
}

/// A leaf constant (small int, short string, token): no line, natural load op.
fn leaf(val: ConstVal) -> ConstNode {
    ConstNode {
        val,
        as_object: false,
        line_at: None,
    }
}

/// A folded constant: a const object with line 0 (or a small-int leaf).
fn folded(val: ConstVal) -> ConstNode {
    let small = val.small_int().is_some();
    ConstNode {
        val,
        as_object: !small,
        line_at: None,
    }
}

/// `module.NAME` constants MicroPython's parser folds on the esp32 (`mp_constants_table`):
/// `math` floats and `errno` codes.
fn module_const(a: &ast::ExprAttribute) -> Option<ConstVal> {
    let Expr::Name(module) = &*a.value else {
        return None;
    };
    let attr = a.attr.id.as_str();
    match module.id.as_str() {
        "math" => math_const(attr).map(ConstVal::Float),
        "errno" => errno_value(attr).map(|v| ConstVal::Int(BigInt::from(v))),
        _ => None,
    }
}

/// The float constants of the `math` module (single precision).
fn math_const(attr: &str) -> Option<f32> {
    match attr {
        "e" => Some(std::f32::consts::E),
        "pi" => Some(std::f32::consts::PI),
        "tau" => Some(std::f32::consts::TAU),
        "inf" => Some(f32::INFINITY),
        "nan" => Some(f32::NAN),
        _ => None,
    }
}

/// The codes of MicroPython's default `errno` list, with the esp32 values: the port uses the
/// toolchain's newlib `errno.h` (`MICROPY_USE_INTERNAL_ERRNO` is 0), whose network codes
/// differ from Linux. The runtime's `errno` module must use the same numbers.
pub fn errno_value(name: &str) -> Option<i32> {
    const TABLE: [(&str, i32); 22] = [
        ("EPERM", 1),
        ("ENOENT", 2),
        ("EIO", 5),
        ("EBADF", 9),
        ("EAGAIN", 11),
        ("ENOMEM", 12),
        ("EACCES", 13),
        ("EEXIST", 17),
        ("ENODEV", 19),
        ("EISDIR", 21),
        ("EINVAL", 22),
        ("EOPNOTSUPP", 95),
        ("EADDRINUSE", 112),
        ("ECONNABORTED", 113),
        ("ECONNRESET", 104),
        ("ENOBUFS", 105),
        ("ENOTCONN", 128),
        ("ETIMEDOUT", 116),
        ("ECONNREFUSED", 111),
        ("EHOSTUNREACH", 118),
        ("EALREADY", 120),
        ("EINPROGRESS", 119),
    ];
    TABLE.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}
