//! The Python compiler: source text to [`CodeObject`]s, op for op as MicroPython compiles it.
//!
//! The structure mirrors MicroPython's py/compile.c so that every construct yields the same
//! opcode sequence (and so the same pending-check points) as on the board:
//!
//! 1. Parse with ruff ([`crate::py::parse`]), then collect `const()` definitions in source order
//!    ([`consts`]): MicroPython substitutes them while parsing.
//! 2. **Scope pass**: walk each scope in creation order (the module first, then every scope in
//!    the order its definition was met) exactly as the emit pass will, recording names in the
//!    [`ScopeTable`] and creating child scopes. After each scope, implicit globals bound by an
//!    enclosing function are closed over.
//! 3. Number the local slots of every scope ([`ScopeTable::compute_locals`]).
//! 4. **Emit pass**: walk each scope again, now emitting ops ([`emit`]).
//!
//! Constant folding (py/parse.c) happens on the fly: [`consts::Folder`] decides which AST
//! nodes MicroPython's parser would have turned into constants, with MicroPython's grouping
//! of operator chains and its number semantics ([`fold`]).
//!
//! Submodules: `stmt` (simple statements, assignments, imports), `flow` (if/loops/try/with,
//! the source of the pending-check jumps), `expr` (expressions, calls, f-strings), `func`
//! (def, lambda, class, comprehensions and their scopes), `emit` (ops, labels, lines, stack),
//! `consts`/`fold` (constants), `qstrs` (built-in strings that decide `LOAD_CONST_STRING`).
//!
//! Fidelity was checked by compiling MicroPython's own `tests/` directories with a 32-bit,
//! single-precision unix build of MicroPython (`-v -v`) and with this compiler: the op
//! sequences, operands, line numbers and stack sizes agree apart from the representation
//! differences below and constant printing.
//!
//! User errors come back as [`Diagnostic`]s (`SyntaxError` where MicroPython raises one,
//! `NotSupported` for valid code we cannot compile yet); inconsistencies of our own are
//! assertions. The compiler never panics on user input and never silently emits code that
//! differs from MicroPython's for a construct it accepts, except for the representation
//! differences listed in bytecode.rs and at [`compile_module`].

mod consts;
mod emit;
mod expr;
mod flow;
mod fold;
mod func;
mod qstrs;
mod stmt;

use std::rc::Rc;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use crate::py::bytecode::{CodeFlags, CodeObject, Op, ScopeKind as CodeKind};
use crate::py::parse::{self, Diagnostic, DiagnosticKind, SourceInfo};
use crate::py::scope::{NameAccess, ScopeId, ScopeKind, ScopeTable};

use consts::{ConstNames, Folder};
use emit::{EmitError, Emitted, Emitter, Label};

/// Compiles a module (file input, e.g. `main.py`) into its code object.
///
/// Known representation differences from MicroPython's bytecode (all documented in
/// bytecode.rs): jump targets are op indices; a `for` iterator is one stack slot, so a
/// `break` out of a `for` pops one value instead of four and a generator expression loads its
/// iterator with one `LOAD_FAST 0` instead of `LOAD_NULL, LOAD_FAST 0, LOAD_NULL, LOAD_NULL`;
/// free variables take the last local slots instead of the first.
pub fn compile_module(source: &str, filename: &str) -> Result<Rc<CodeObject>, Diagnostic> {
    compile_source(source, filename, false)
}

/// Compiles one REPL input: like [`compile_module`], but a module-level expression statement
/// prints its value through `__repl_print__` (compile.c `is_repl`), as the friendly REPL does.
pub fn compile_repl_input(source: &str) -> Result<Rc<CodeObject>, Diagnostic> {
    compile_source(source, "<stdin>", true)
}

fn compile_source(
    source: &str,
    filename: &str,
    is_repl: bool,
) -> Result<Rc<CodeObject>, Diagnostic> {
    // The parsed tree is dropped inside the closure too: its destructor recurses as deep.
    stacker::grow(crate::limits::COMPILE_STACK_BYTES, || {
        compile_on_this_stack(source, filename, is_repl)
    })
}

fn compile_on_this_stack(
    source: &str,
    filename: &str,
    is_repl: bool,
) -> Result<Rc<CodeObject>, Diagnostic> {
    let parsed = parse::parse_module(source, filename)?;
    let src = parsed.source();
    let body: &[Stmt] = &parsed.module().body;
    let interned = parsed.first_name_offsets();
    let const_names = consts::collect(src, body, &interned)?;
    let mut c = Compiler::new(src, &const_names, is_repl);
    c.scope_of(ScopeNode::Module(body), None, Rc::from("<module>"), 1);
    c.run_scope_passes()?;
    c.compute_all_locals()?;
    let emitted = c.run_emit_passes()?;
    Ok(c.build(emitted))
}

/// The AST node a scope was made from.
#[derive(Clone, Copy)]
enum ScopeNode<'a> {
    Module(&'a [Stmt]),
    Function(&'a ast::StmtFunctionDef),
    Class(&'a ast::StmtClassDef),
    Lambda(&'a ast::ExprLambda),
    Comp(func::Comp<'a>),
}

/// Which of MicroPython's passes is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    /// Record names and create scopes; nothing is emitted.
    Scope,
    /// Emit ops.
    Emit,
}

/// `Result` of the compile functions: the first user error ends compilation.
type CResult<T = ()> = Result<T, Diagnostic>;

/// State of one compilation (compile.c `compiler_t`).
struct Compiler<'a> {
    src: &'a SourceInfo,
    folder: Folder<'a>,
    is_repl: bool,
    table: ScopeTable,
    nodes: Vec<ScopeNode<'a>>,
    /// Child scopes of each scope, in the order their definitions are met.
    created: Vec<Vec<ScopeId>>,
    /// Each scope's position in its parent's `created` list (0 for the module).
    index_in_parent: Vec<usize>,
    pass: Pass,
    cur: ScopeId,
    /// How many child definitions of the current scope were met in this pass.
    child_cursor: usize,
    em: Emitter,
    loops: LoopState,
    /// Exception blocks (try, with) open at this point of the current scope.
    except_level: u16,
    depth: u32,
}

/// Where `break` and `continue` go (compile.c `break_label`, `continue_label`).
#[derive(Clone, Copy, Default)]
struct LoopState {
    /// `(break, continue)` labels of the innermost loop, if any.
    labels: Option<(Label, Label)>,
    /// The innermost loop is a `for` over an iterator, which `break` must pop.
    break_from_for: bool,
    /// Exception level at the start of the innermost loop.
    except_level: u16,
}

impl<'a> Compiler<'a> {
    fn new(src: &'a SourceInfo, names: &'a ConstNames, is_repl: bool) -> Compiler<'a> {
        Compiler {
            src,
            folder: Folder::new(src, names),
            is_repl,
            table: ScopeTable::default(),
            nodes: Vec::new(),
            created: Vec::new(),
            index_in_parent: Vec::new(),
            pass: Pass::Scope,
            cur: 0,
            child_cursor: 0,
            em: Emitter::new(),
            loops: LoopState::default(),
            except_level: 0,
            depth: 0,
        }
    }

    /// Creates a scope for `node` (scope pass only).
    fn scope_of(
        &mut self,
        node: ScopeNode<'a>,
        parent: Option<ScopeId>,
        name: Rc<str>,
        line: u32,
    ) -> ScopeId {
        let kind = match node {
            ScopeNode::Module(_) => ScopeKind::Module,
            ScopeNode::Function(_) => ScopeKind::Function,
            ScopeNode::Class(_) => ScopeKind::Class,
            ScopeNode::Lambda(_) => ScopeKind::Lambda,
            ScopeNode::Comp(c) => c.kind,
        };
        let id = self.table.add(kind, parent, name, line);
        self.nodes.push(node);
        self.created.push(Vec::new());
        self.index_in_parent.push(0);
        id
    }

    /// The child scope for the next definition met in the current scope: created in the
    /// scope pass, looked up in the emit pass (which meets definitions in the same order).
    fn child_scope(&mut self, node: ScopeNode<'a>, name: Rc<str>, line: u32) -> ScopeId {
        let id = match self.pass {
            Pass::Scope => {
                let id = self.scope_of(node, Some(self.cur), name, line);
                self.created[self.cur].push(id);
                self.index_in_parent[id] = self.created[self.cur].len() - 1;
                id
            }
            Pass::Emit => self.created[self.cur][self.child_cursor],
        };
        self.child_cursor += 1;
        id
    }

    /// Index of the child scope `id` among the current scope's children.
    fn child_index(&self, id: ScopeId) -> CResult<u16> {
        let i = self.index_in_parent[id];
        assert_eq!(
            self.created[self.cur].get(i),
            Some(&id),
            "child scope belongs to the current scope"
        );
        u16::try_from(i).map_err(|_| self.error_at("too many functions in one scope", 0.into()))
    }

    fn run_scope_passes(&mut self) -> CResult {
        let mut s = 0;
        while s < self.nodes.len() {
            self.compile_scope(s, Pass::Scope)?;
            self.table.close_over_implicit_globals(s);
            s += 1;
        }
        Ok(())
    }

    fn compute_all_locals(&mut self) -> CResult {
        for s in 0..self.nodes.len() {
            if self.table.compute_locals(s).is_err() {
                let diag = self.src.diagnostic(
                    DiagnosticKind::SyntaxError,
                    "too many local variables",
                    TextSize::from(0),
                );
                return Err(diag);
            }
        }
        Ok(())
    }

    fn run_emit_passes(&mut self) -> CResult<Vec<Emitted>> {
        let mut out = Vec::with_capacity(self.nodes.len());
        for s in 0..self.nodes.len() {
            out.push(self.compile_scope(s, Pass::Emit)?);
        }
        Ok(out)
    }

    /// Runs one pass over scope `s` (compile.c `compile_scope`).
    fn compile_scope(&mut self, s: ScopeId, pass: Pass) -> CResult<Emitted> {
        self.pass = pass;
        self.cur = s;
        self.child_cursor = 0;
        self.em = Emitter::new();
        self.loops = LoopState::default();
        self.except_level = 0;
        self.depth = 0;
        match self.nodes[s] {
            ScopeNode::Module(body) => {
                self.compile_body(body)?;
                self.op(Op::LoadConstNone);
                self.op(Op::ReturnValue);
            }
            ScopeNode::Function(def) => self.compile_function_body(def)?,
            ScopeNode::Class(class) => self.compile_class_body(class)?,
            ScopeNode::Lambda(lambda) => self.compile_lambda_body(lambda)?,
            ScopeNode::Comp(comp) => self.compile_comp_body(comp)?,
        }
        assert_eq!(self.except_level, 0, "exception levels unbalanced");
        Ok(std::mem::take(&mut self.em).finish())
    }

    /// Builds the code objects, children before parents.
    fn build(&self, emitted: Vec<Emitted>) -> Rc<CodeObject> {
        let mut built: Vec<Option<Rc<CodeObject>>> = vec![None; emitted.len()];
        for (s, e) in emitted.into_iter().enumerate().rev() {
            let children = self.created[s]
                .iter()
                .map(|&c| built[c].clone().expect("children are built first"))
                .collect();
            built[s] = Some(Rc::new(self.code_object(s, e, children)));
        }
        built[0].take().expect("module code object")
    }

    fn code_object(&self, s: ScopeId, e: Emitted, children: Vec<Rc<CodeObject>>) -> CodeObject {
        let scope = &self.table.scopes[s];
        let kind = match scope.kind {
            ScopeKind::Module => CodeKind::Module,
            ScopeKind::Class => CodeKind::Class,
            ScopeKind::Lambda => CodeKind::Lambda,
            ScopeKind::Function => CodeKind::Function,
            _ => CodeKind::Comprehension,
        };
        CodeObject {
            name: scope.name.clone(),
            filename: self.src.filename().clone(),
            kind,
            flags: CodeFlags {
                varargs: scope.flags.varargs,
                varkeywords: scope.flags.varkeywords,
                generator: scope.flags.generator,
                coroutine: scope.flags.coroutine,
            },
            n_pos_args: scope.num_pos_args,
            n_kwonly_args: scope.num_kwonly_args,
            arg_names: self.table.arg_names(s),
            n_locals: scope.num_locals,
            n_free: scope.num_free,
            cell_slots: self.table.cell_slots(s),
            max_stack: e.max_stack,
            ops: e.ops,
            lines: e.lines,
            names: e.names,
            consts: e.consts,
            children,
            first_line: scope.first_line,
        }
    }

    // ---- Emitting -------------------------------------------------------------------------

    /// Emits `op` (nothing in the scope pass).
    fn op(&mut self, op: Op) {
        if self.pass == Pass::Emit {
            self.em.op(op);
        } else if matches!(op, Op::YieldValue | Op::YieldFrom) {
            // emitbc.c sets the generator flag while emitting, in every pass.
            self.table.scopes[self.cur].flags.generator = true;
        }
    }

    /// Emits an op carrying a name operand.
    fn name_op(&mut self, name: &str, make: impl FnOnce(u16) -> Op) -> CResult {
        if self.pass == Pass::Emit {
            let i = self.em.name(name).map_err(|e| self.emit_error(e))?;
            self.em.op(make(i));
        }
        Ok(())
    }

    /// Emits a jump-like op to `label`.
    fn jump(&mut self, label: Label, make: impl FnOnce(u32) -> Op) {
        if self.pass == Pass::Emit {
            self.em.jump(label, make);
        }
    }

    fn new_label(&mut self) -> Label {
        self.em.new_label()
    }

    fn place(&mut self, label: Label) {
        self.em.place(label);
    }

    fn adjust_stack(&mut self, delta: i32) {
        if self.pass == Pass::Emit {
            self.em.adjust(delta);
        }
    }

    /// Raises the current line to the line of `offset`.
    fn set_line_at(&mut self, offset: TextSize) {
        if self.pass == Pass::Emit {
            let line = self.src.line(offset);
            self.em.set_line(line);
        }
    }

    /// Loads the constant object `value` (`LOAD_CONST_OBJ`).
    fn load_const_obj(&mut self, value: crate::py::bytecode::Const) -> CResult {
        if self.pass == Pass::Emit {
            let i = self.em.constant(value).map_err(|e| self.emit_error(e))?;
            self.em.op(Op::LoadConstObj(i));
        }
        Ok(())
    }

    // ---- Names ----------------------------------------------------------------------------

    /// Loads a variable (compile.c `compile_load_id`).
    fn load_id(&mut self, name: &str) -> CResult {
        match self.pass {
            Pass::Scope => {
                self.table.note_load(self.cur, name);
                Ok(())
            }
            Pass::Emit => match self.table.access(self.cur, name) {
                NameAccess::Name => self.name_op(name, Op::LoadName),
                NameAccess::Global => self.name_op(name, Op::LoadGlobal),
                NameAccess::Fast(n) => {
                    self.op(Op::LoadFast(n));
                    Ok(())
                }
                NameAccess::Deref(n) => {
                    self.op(Op::LoadDeref(n));
                    Ok(())
                }
            },
        }
    }

    /// Stores into a variable (compile.c `compile_store_id`).
    fn store_id(&mut self, name: &str) -> CResult {
        match self.pass {
            Pass::Scope => {
                self.table.note_store(self.cur, name);
                Ok(())
            }
            Pass::Emit => match self.table.access(self.cur, name) {
                NameAccess::Name => self.name_op(name, Op::StoreName),
                NameAccess::Global => self.name_op(name, Op::StoreGlobal),
                NameAccess::Fast(n) => {
                    self.op(Op::StoreFast(n));
                    Ok(())
                }
                NameAccess::Deref(n) => {
                    self.op(Op::StoreDeref(n));
                    Ok(())
                }
            },
        }
    }

    /// Deletes a variable (compile.c `compile_delete_id`).
    fn delete_id(&mut self, name: &str) -> CResult {
        match self.pass {
            Pass::Scope => {
                self.table.note_store(self.cur, name);
                Ok(())
            }
            Pass::Emit => match self.table.access(self.cur, name) {
                NameAccess::Name => self.name_op(name, Op::DeleteName),
                NameAccess::Global => self.name_op(name, Op::DeleteGlobal),
                NameAccess::Fast(n) => {
                    self.op(Op::DeleteFast(n));
                    Ok(())
                }
                NameAccess::Deref(n) => {
                    self.op(Op::DeleteDeref(n));
                    Ok(())
                }
            },
        }
    }

    // ---- Errors and source helpers ----------------------------------------------------------

    /// A `SyntaxError` at `offset`, reported in the current scope's block as MicroPython does.
    fn error_at(&self, message: &str, offset: TextSize) -> Diagnostic {
        let mut diag = self
            .src
            .diagnostic(DiagnosticKind::SyntaxError, message, offset);
        diag.block = Some(self.table.scopes[self.cur].name.clone());
        diag
    }

    /// A `SyntaxError` located at `node`.
    fn error(&self, message: &str, node: &impl Ranged) -> Diagnostic {
        self.error_at(message, node.start())
    }

    /// A `SyntaxError` for a construct MicroPython's grammar does not accept at all.
    fn invalid_syntax(&self, node: &impl Ranged, detail: &str) -> Diagnostic {
        let mut diag =
            self.src
                .diagnostic(DiagnosticKind::SyntaxError, "invalid syntax", node.start());
        diag.detail = Some(detail.to_owned());
        diag
    }

    /// A `NotSupported` diagnostic naming the construct.
    fn unsupported(&self, what: &str, node: &impl Ranged) -> Diagnostic {
        let message = format!("irqlab does not support {what} yet");
        self.src
            .diagnostic(DiagnosticKind::NotSupported, message, node.start())
    }

    fn emit_error(&self, e: EmitError) -> Diagnostic {
        let message = match e {
            EmitError::TooManyNames => "too many names in one scope",
            EmitError::TooManyConsts => "too many constants in one scope",
        };
        self.src
            .diagnostic(DiagnosticKind::SyntaxError, message, TextSize::from(0))
    }

    /// Enters one level of AST recursion, failing past [`crate::limits::MAX_COMPILE_NESTING`].
    fn enter(&mut self, node: &impl Ranged) -> CResult {
        self.depth += 1;
        if self.depth > crate::limits::MAX_COMPILE_NESTING {
            return Err(self.error("too deeply nested", node));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The current scope's kind.
    fn scope_kind(&self) -> ScopeKind {
        self.table.scopes[self.cur].kind
    }
}

/// Whether `e` is a name (MicroPython's `MP_PARSE_NODE_IS_ID`).
fn as_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n) => Some(n.id.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
