//! Name resolution: which names are locals, cells, free variables or globals in each scope.
//!
//! This follows MicroPython's `py/scope.c` and the scope parts of `py/compile.c` rule for rule,
//! because the choice between `LOAD_NAME`, `LOAD_GLOBAL`, `LOAD_FAST` and `LOAD_DEREF` (and the
//! slot numbers) is part of the bytecode we must reproduce:
//!
//! * Every scope keeps its identifiers in first-mention order (`id_info` in MicroPython). A load
//!   adds a name as an implicit global; a store turns it into a local in function-like scopes
//!   and marks it "assigned" at module and class level.
//! * After a scope's first (scope) pass, implicit globals that an enclosing function binds are
//!   closed over: free here, cell (or free) in the parents.
//! * `global x` anywhere makes `x` an explicit global in that scope *and* at module level, which
//!   is why module code then uses `LOAD_GLOBAL`/`STORE_GLOBAL` (facts §1.2).
//! * [`ScopeTable::compute_locals`] numbers the slots: parameters first (with MicroPython's
//!   swap that puts `*args` after the keyword-only parameters), other locals, cells, and — unlike
//!   MicroPython, which puts them first — free variables last, as `CodeObject` documents.
//!
//! The compiler drives this module while it walks the AST; this module knows nothing of the AST
//! or of bytecode and must not emit anything.

use std::collections::BTreeMap;
use std::rc::Rc;

/// Index of a scope in a [`ScopeTable`].
pub type ScopeId = usize;

/// The kind of a scope, ordered as MicroPython's `scope_kind_t` (function-like kinds last).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ScopeKind {
    /// The module body.
    Module,
    /// A class body.
    Class,
    /// A `lambda`.
    Lambda,
    /// A list comprehension.
    ListComp,
    /// A dict comprehension.
    DictComp,
    /// A set comprehension.
    SetComp,
    /// A generator expression.
    GenExpr,
    /// A `def` or `async def`.
    Function,
}

impl ScopeKind {
    /// Lambdas, comprehensions and functions: scopes with fast locals.
    pub fn is_func_like(self) -> bool {
        self >= ScopeKind::Lambda
    }

    /// Comprehensions and generator expressions.
    pub fn is_comp_like(self) -> bool {
        (ScopeKind::ListComp..=ScopeKind::GenExpr).contains(&self)
    }
}

/// How a name is bound in one scope (MicroPython's `id_info_kind_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    /// Mentioned by `global`/`nonlocal` handling before a decision was made.
    Undecided,
    /// Only loaded so far: a global or builtin looked up by name.
    GlobalImplicit,
    /// Stored at module or class level: lives in the locals dict.
    GlobalImplicitAssigned,
    /// Declared `global` (or loaded in a function): `LOAD_GLOBAL`/`STORE_GLOBAL`.
    GlobalExplicit,
    /// A fast local of a function-like scope.
    Local,
    /// A local that an inner scope closes over.
    Cell,
    /// A variable of an enclosing scope, received through the closure.
    Free,
}

/// One identifier of a scope.
#[derive(Clone, Debug)]
pub struct IdInfo {
    /// The identifier.
    pub name: Rc<str>,
    /// How it is bound.
    pub kind: IdKind,
    /// It is a parameter of the function.
    pub is_param: bool,
    /// It is the `*args` parameter.
    pub is_star_param: bool,
    /// It is the `**kwargs` parameter.
    pub is_dbl_star_param: bool,
    /// Its slot number once [`ScopeTable::compute_locals`] ran (locals, cells and frees).
    pub local_num: u16,
}

impl IdInfo {
    /// A plain positional or keyword-only parameter (MicroPython tests `flags == IS_PARAM`).
    fn is_plain_param(&self) -> bool {
        self.is_param && !self.is_star_param && !self.is_dbl_star_param
    }
}

/// Scope flags (MicroPython's `MP_SCOPE_FLAG_*` plus ours).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScopeFlags {
    /// Contains `yield`, or is `async def`.
    pub generator: bool,
    /// Defined with `async def`.
    pub coroutine: bool,
    /// Takes `*args`.
    pub varargs: bool,
    /// Takes `**kwargs`.
    pub varkeywords: bool,
    /// Has keyword-only parameters with defaults.
    pub defkwargs: bool,
}

/// One scope: module, class, function, lambda or comprehension.
#[derive(Clone, Debug)]
pub struct Scope {
    /// What the scope was made from.
    pub kind: ScopeKind,
    /// The enclosing scope (`None` for the module).
    pub parent: Option<ScopeId>,
    /// Name as tracebacks print it.
    pub name: Rc<str>,
    /// Line of the definition (1 for the module).
    pub first_line: u32,
    /// Identifiers in first-mention order.
    pub ids: Vec<IdInfo>,
    /// Where each name sits in `ids` (MicroPython's `scope_find` searches the list; a map keeps
    /// a scope of 100 000 names linear to compile).
    index: BTreeMap<Rc<str>, usize>,
    /// Generator, varargs, ... flags.
    pub flags: ScopeFlags,
    /// Positional parameters (1 for a comprehension: its iterator).
    pub num_pos_args: u16,
    /// Keyword-only parameters.
    pub num_kwonly_args: u16,
    /// All slots: locals, cells and free variables.
    pub num_locals: u16,
    /// Free variables (the last `num_free` slots).
    pub num_free: u16,
}

/// Resolved access to a name, i.e. which opcode family loads or stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameAccess {
    /// `LOAD_NAME`/`STORE_NAME`/`DELETE_NAME`.
    Name,
    /// `LOAD_GLOBAL`/`STORE_GLOBAL`/`DELETE_GLOBAL`.
    Global,
    /// `LOAD_FAST`/`STORE_FAST`/`DELETE_FAST` of a slot.
    Fast(u16),
    /// `LOAD_DEREF`/`STORE_DEREF`/`DELETE_DEREF` of a cell slot.
    Deref(u16),
}

/// Why a `global` or `nonlocal` declaration is refused; the text is MicroPython's message.
pub type DeclareError = &'static str;

/// A scope has more slots than a `u16` operand can number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyLocals;

/// All scopes of a module, in creation order (MicroPython links them in a list in that order
/// and runs each pass over the list).
#[derive(Clone, Debug, Default)]
pub struct ScopeTable {
    /// The scopes; index 0 is the module.
    pub scopes: Vec<Scope>,
}

impl ScopeTable {
    /// Appends a new, empty scope and returns its id.
    pub fn add(
        &mut self,
        kind: ScopeKind,
        parent: Option<ScopeId>,
        name: Rc<str>,
        first_line: u32,
    ) -> ScopeId {
        self.scopes.push(Scope {
            kind,
            parent,
            name,
            first_line,
            ids: Vec::new(),
            index: BTreeMap::new(),
            flags: ScopeFlags::default(),
            num_pos_args: 0,
            num_kwonly_args: 0,
            num_locals: 0,
            num_free: 0,
        });
        self.scopes.len() - 1
    }

    /// Index of `name` in the scope's identifiers.
    pub fn find(&self, s: ScopeId, name: &str) -> Option<usize> {
        self.scopes[s].index.get(name).copied()
    }

    /// Index of `name`, adding it with `kind` if the scope does not mention it yet.
    pub fn find_or_add(&mut self, s: ScopeId, name: &str, kind: IdKind) -> usize {
        if let Some(i) = self.find(s, name) {
            return i;
        }
        let name: Rc<str> = Rc::from(name);
        let scope = &mut self.scopes[s];
        scope.index.insert(name.clone(), scope.ids.len());
        scope.ids.push(IdInfo {
            name,
            kind,
            is_param: false,
            is_star_param: false,
            is_dbl_star_param: false,
            local_num: 0,
        });
        scope.ids.len() - 1
    }

    /// The identifier at index `i` of scope `s`.
    pub fn id(&self, s: ScopeId, i: usize) -> &IdInfo {
        &self.scopes[s].ids[i]
    }

    /// Mutable access to the identifier at index `i` of scope `s`.
    pub fn id_mut(&mut self, s: ScopeId, i: usize) -> &mut IdInfo {
        &mut self.scopes[s].ids[i]
    }

    /// Records a load of `name` (MicroPython `mp_emit_common_get_id_for_load`).
    pub fn note_load(&mut self, s: ScopeId, name: &str) {
        self.find_or_add(s, name, IdKind::GlobalImplicit);
    }

    /// Records a store or delete of `name` (`mp_emit_common_get_id_for_modification`).
    pub fn note_store(&mut self, s: ScopeId, name: &str) -> usize {
        let i = self.find_or_add(s, name, IdKind::GlobalImplicit);
        let func_like = self.scopes[s].kind.is_func_like();
        let id = &mut self.scopes[s].ids[i];
        if id.kind == IdKind::GlobalImplicit {
            id.kind = if func_like {
                IdKind::Local
            } else {
                IdKind::GlobalImplicitAssigned
            };
        }
        i
    }

    /// The module scope reached through the parents of `s`.
    fn root(&self, mut s: ScopeId) -> ScopeId {
        while let Some(p) = self.scopes[s].parent {
            s = p;
        }
        s
    }

    /// Handles `global name` in scope `s` (compile.c `compile_declare_global`).
    pub fn declare_global(&mut self, s: ScopeId, name: &str) -> Result<(), DeclareError> {
        let i = self.find_or_add(s, name, IdKind::Undecided);
        let kind = self.scopes[s].ids[i].kind;
        if kind != IdKind::Undecided && kind != IdKind::GlobalExplicit {
            return Err("identifier redefined as global");
        }
        self.scopes[s].ids[i].kind = IdKind::GlobalExplicit;
        let root = self.root(s);
        if let Some(j) = self.find(root, name) {
            self.scopes[root].ids[j].kind = IdKind::GlobalExplicit;
        }
        Ok(())
    }

    /// Handles `nonlocal name` in scope `s` (compile.c `compile_declare_nonlocal`).
    pub fn declare_nonlocal(&mut self, s: ScopeId, name: &str) -> Result<(), DeclareError> {
        let i = self.find_or_add(s, name, IdKind::Undecided);
        match self.scopes[s].ids[i].kind {
            IdKind::Undecided => {
                self.scopes[s].ids[i].kind = IdKind::GlobalImplicit;
                self.check_to_close_over(s, i);
                if self.scopes[s].ids[i].kind == IdKind::GlobalImplicit {
                    return Err("no binding for nonlocal found");
                }
                Ok(())
            }
            IdKind::Free => Ok(()),
            _ => Err("identifier redefined as nonlocal"),
        }
    }

    /// After the scope pass of `s`: closes over every implicit global that an enclosing
    /// function binds (compile.c, loop after `compile_scope(.., MP_PASS_SCOPE)`).
    pub fn close_over_implicit_globals(&mut self, s: ScopeId) {
        for i in 0..self.scopes[s].ids.len() {
            if self.scopes[s].ids[i].kind == IdKind::GlobalImplicit {
                self.check_to_close_over(s, i);
            }
        }
    }

    /// If an enclosing (non-module) scope binds the name of `ids[i]`, make it free here
    /// (scope.c `scope_check_to_close_over`). The search stops at the first enclosing scope
    /// that mentions the name at all, even a class body.
    pub fn check_to_close_over(&mut self, s: ScopeId, i: usize) {
        let name = self.scopes[s].ids[i].name.clone();
        let mut cur = self.scopes[s].parent;
        while let Some(p) = cur {
            if self.scopes[p].parent.is_none() {
                break;
            }
            if let Some(j) = self.find(p, &name) {
                let kind = self.scopes[p].ids[j].kind;
                if matches!(kind, IdKind::Local | IdKind::Cell | IdKind::Free) {
                    self.scopes[s].ids[i].kind = IdKind::Free;
                    self.close_over_in_parents(s, &name);
                }
                break;
            }
            cur = self.scopes[p].parent;
        }
    }

    /// Marks `name` free in each parent until the one that binds it, which gets a cell.
    fn close_over_in_parents(&mut self, s: ScopeId, name: &str) {
        let mut cur = self.scopes[s].parent;
        while let Some(p) = cur {
            assert!(
                self.scopes[p].parent.is_some(),
                "closing over {name}: reached the module scope"
            );
            let j = self.find_or_add(p, name, IdKind::Undecided);
            let id = &mut self.scopes[p].ids[j];
            match id.kind {
                IdKind::Undecided => id.kind = IdKind::Free,
                IdKind::Local => {
                    id.kind = IdKind::Cell;
                    return;
                }
                IdKind::Free | IdKind::Cell => return,
                other => panic!("closing over {name}: unexpected kind {other:?} in a parent"),
            }
            cur = self.scopes[p].parent;
        }
    }

    /// Numbers the slots of scope `s` (compile.c `scope_compute_things`, with free variables
    /// last as `CodeObject` documents). Fails if there are more than `u16::MAX` slots.
    pub fn compute_locals(&mut self, s: ScopeId) -> Result<(), TooManyLocals> {
        self.move_star_param(s);
        let parent = self.scopes[s].parent;
        let is_class = self.scopes[s].kind == ScopeKind::Class;
        let func_like = self.scopes[s].kind.is_func_like();
        let mut n: u32 = 0;
        for id in &mut self.scopes[s].ids {
            if is_class && &*id.name == "__class__" {
                continue;
            }
            if func_like && id.kind == IdKind::GlobalImplicit {
                id.kind = IdKind::GlobalExplicit;
            }
            if id.kind == IdKind::Local || id.is_param {
                id.local_num = slot(n)?;
                n += 1;
            }
        }
        for id in &mut self.scopes[s].ids {
            if id.kind == IdKind::Cell && !id.is_param {
                id.local_num = slot(n)?;
                n += 1;
            }
        }
        let mut n_free: u32 = 0;
        let has_free = self.scopes[s].ids.iter().any(|id| id.kind == IdKind::Free);
        if let Some(p) = parent.filter(|_| has_free) {
            // Free variables take the parent's cell/free order (scope.c
            // `scope_compute_things`); the parent is scanned only when there are any, so a
            // module of many plain functions stays linear to compile.
            let outer: Vec<Rc<str>> = self.scopes[p]
                .ids
                .iter()
                .filter(|id| matches!(id.kind, IdKind::Cell | IdKind::Free))
                .map(|id| id.name.clone())
                .collect();
            for name in outer {
                for id in &mut self.scopes[s].ids {
                    if id.kind == IdKind::Free && id.name == name {
                        assert!(!id.is_param, "free variable {name} is a parameter");
                        id.local_num = slot(n + n_free)?;
                        n_free += 1;
                    }
                }
            }
        }
        let scope = &mut self.scopes[s];
        scope.num_locals = slot(n + n_free)?;
        scope.num_free = slot(n_free)?;
        Ok(())
    }

    /// MicroPython puts `*args` after all other parameters except `**kwargs` by swapping it
    /// with the last plain parameter.
    fn move_star_param(&mut self, s: ScopeId) {
        if !self.scopes[s].flags.varargs {
            return;
        }
        let scope = &mut self.scopes[s];
        let mut last_plain: Option<usize> = None;
        for i in (0..scope.ids.len()).rev() {
            if scope.ids[i].is_star_param {
                if let Some(j) = last_plain {
                    scope.ids.swap(i, j);
                    scope.index.insert(scope.ids[i].name.clone(), i);
                    scope.index.insert(scope.ids[j].name.clone(), j);
                }
                return;
            }
            if last_plain.is_none() && scope.ids[i].is_plain_param() {
                last_plain = Some(i);
            }
        }
    }

    /// How `name` is accessed from scope `s` (after [`ScopeTable::compute_locals`]).
    ///
    /// Panics if the scope pass did not record the name: that would be our bug.
    pub fn access(&self, s: ScopeId, name: &str) -> NameAccess {
        let i = self
            .find(s, name)
            .unwrap_or_else(|| panic!("name {name} was not recorded in scope {s}"));
        let id = &self.scopes[s].ids[i];
        match id.kind {
            IdKind::GlobalImplicit | IdKind::GlobalImplicitAssigned => NameAccess::Name,
            IdKind::GlobalExplicit => NameAccess::Global,
            IdKind::Local => NameAccess::Fast(id.local_num),
            IdKind::Cell | IdKind::Free => NameAccess::Deref(id.local_num),
            IdKind::Undecided => panic!("name {name} is still undecided in scope {s}"),
        }
    }

    /// Slots of the enclosing scope `outer` to pass as the closure of `inner`, in the order
    /// `outer` lists them (compile.c `close_over_variables_etc`). Empty at module level.
    pub fn closure_slots(&self, outer: ScopeId, inner: ScopeId) -> Vec<u16> {
        if self.scopes[outer].kind == ScopeKind::Module {
            return Vec::new();
        }
        let mut slots = Vec::new();
        for id in &self.scopes[outer].ids {
            if !matches!(id.kind, IdKind::Cell | IdKind::Free) {
                continue;
            }
            for id2 in &self.scopes[inner].ids {
                if id2.kind == IdKind::Free && id2.name == id.name {
                    slots.push(id.local_num);
                }
            }
        }
        slots
    }

    /// The first parameter of `s` in identifier order (what `super()` passes as `self`).
    pub fn first_param(&self, s: ScopeId) -> Option<Rc<str>> {
        self.scopes[s]
            .ids
            .iter()
            .find(|id| id.is_param)
            .map(|id| id.name.clone())
    }

    /// Parameter names in slot order (positional, keyword-only, `*args`, `**kwargs`).
    pub fn arg_names(&self, s: ScopeId) -> Vec<Rc<str>> {
        let scope = &self.scopes[s];
        let mut n = usize::from(scope.num_pos_args) + usize::from(scope.num_kwonly_args);
        n += usize::from(scope.flags.varargs) + usize::from(scope.flags.varkeywords);
        (0..n)
            .map(|slot| {
                scope
                    .ids
                    .iter()
                    .find(|id| id.is_param && usize::from(id.local_num) == slot)
                    .map_or_else(|| Rc::from("*"), |id| id.name.clone())
            })
            .collect()
    }

    /// Slots holding cells created by this scope (closed-over locals and parameters).
    pub fn cell_slots(&self, s: ScopeId) -> Vec<u16> {
        self.scopes[s]
            .ids
            .iter()
            .filter(|id| id.kind == IdKind::Cell)
            .map(|id| id.local_num)
            .collect()
    }
}

/// A slot number, or an error past the `u16` operand range.
fn slot(n: u32) -> Result<u16, TooManyLocals> {
    u16::try_from(n).map_err(|_| TooManyLocals)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_with_function() -> (ScopeTable, ScopeId, ScopeId) {
        let mut t = ScopeTable::default();
        let m = t.add(ScopeKind::Module, None, Rc::from("<module>"), 1);
        let f = t.add(ScopeKind::Function, Some(m), Rc::from("f"), 1);
        (t, m, f)
    }

    // A module-level store is a name; a later `global` in a function makes it explicit there too.
    #[test]
    fn global_in_function_changes_module_access() {
        let (mut t, m, f) = table_with_function();
        t.note_store(m, "count");
        t.declare_global(f, "count").expect("valid global");
        t.note_store(f, "count");
        t.compute_locals(m).expect("fits");
        t.compute_locals(f).expect("fits");
        assert_eq!(t.access(m, "count"), NameAccess::Global);
        assert_eq!(t.access(f, "count"), NameAccess::Global);
    }

    // A store in a function is a fast local; a load only is a global.
    #[test]
    fn function_locals_and_globals() {
        let (mut t, _m, f) = table_with_function();
        t.note_load(f, "print");
        t.note_store(f, "x");
        t.compute_locals(f).expect("fits");
        assert_eq!(t.access(f, "print"), NameAccess::Global);
        assert_eq!(t.access(f, "x"), NameAccess::Fast(0));
    }

    // A name bound in f and loaded in an inner g becomes a cell in f and free in g (last slot).
    #[test]
    fn closure_cells_and_frees() {
        let (mut t, _m, f) = table_with_function();
        let g = t.add(ScopeKind::Function, Some(f), Rc::from("g"), 2);
        t.note_store(f, "a");
        t.note_store(f, "x");
        t.note_store(g, "y");
        t.note_load(g, "x");
        t.close_over_implicit_globals(g);
        t.compute_locals(f).expect("fits");
        t.compute_locals(g).expect("fits");
        assert_eq!(t.access(f, "x"), NameAccess::Deref(1));
        assert_eq!(t.access(g, "x"), NameAccess::Deref(1));
        assert_eq!(t.access(g, "y"), NameAccess::Fast(0));
        assert_eq!(t.scopes[g].num_free, 1);
        assert_eq!(t.closure_slots(f, g), vec![1]);
        assert_eq!(t.cell_slots(f), vec![1]);
    }

    // `*args` moves after the keyword-only parameters, as in MicroPython.
    #[test]
    fn star_param_goes_after_kwonly() {
        let (mut t, _m, f) = table_with_function();
        for (name, star) in [("a", false), ("args", true), ("b", false)] {
            let i = t.find_or_add(f, name, IdKind::Undecided);
            let id = t.id_mut(f, i);
            id.kind = IdKind::Local;
            id.is_param = true;
            id.is_star_param = star;
        }
        t.scopes[f].flags.varargs = true;
        t.scopes[f].num_pos_args = 1;
        t.scopes[f].num_kwonly_args = 1;
        t.compute_locals(f).expect("fits");
        let names: Vec<String> = t.arg_names(f).iter().map(|n| n.to_string()).collect();
        assert_eq!(names, ["a", "b", "args"]);
    }

    // `nonlocal` without a binding in an enclosing function is refused.
    #[test]
    fn nonlocal_needs_binding() {
        let (mut t, _m, f) = table_with_function();
        assert_eq!(
            t.declare_nonlocal(f, "x"),
            Err("no binding for nonlocal found")
        );
    }
}
