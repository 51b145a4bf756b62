//! MicroPython-style bytecode: the contract between the compiler and the VM.
//!
//! Every opcode mirrors one `MP_BC_*` opcode of MicroPython's `py/bc0.h`, with the same name
//! (in CamelCase), the same operands and the same stack effect as `py/vm.c` gives it. The only
//! deliberate differences are in representation, never in behaviour:
//!
//! * Operands are decoded Rust values instead of variable-length bytes, and jump targets are
//!   absolute op indices (`u32`) instead of relative byte offsets.
//! * A `for` loop's iterator (`GET_ITER_STACK`) takes **one** value-stack slot here, not
//!   MicroPython's four (`MP_OBJ_ITER_BUF_NSLOTS`); `UnwindJump`'s `pop_iter` flag pops that one
//!   slot.
//! * `LOAD_FAST_MULTI`/`LOAD_FAST_N` (and the `STORE_`/`SMALL_INT`/`UNARY`/`BINARY` `_MULTI`
//!   forms) are one variant each; `disasm` prints them as MicroPython's `showbc.c` does.
//!
//! Pending-check points: exactly the seven opcodes for which [`Op::is_pending_check`] is true
//! dispatch through `pending_exception_check` in vm.c (facts §1.1). The VM runs scheduled soft
//! callbacks there and nowhere else in bytecode.
//!
//! This module must not know about values, the heap or the machine: it is plain data.

use std::rc::Rc;

/// Index into [`CodeObject::names`] (MicroPython's qstr operand).
pub type NameIdx = u16;
/// Index into [`CodeObject::consts`].
pub type ConstIdx = u16;
/// Absolute index of an op in [`CodeObject::ops`].
pub type Target = u32;

/// One bytecode instruction.
///
/// Stack effects are written `(before -- after)` with the top of stack on the right, as in
/// vm.c's comments. `NULL` is MicroPython's `MP_OBJ_NULL` sentinel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `( -- False)`.
    LoadConstFalse,
    /// `( -- None)`.
    LoadConstNone,
    /// `( -- True)`.
    LoadConstTrue,
    /// `( -- int)`: a small int that fits MicroPython's 31-bit range (−2³⁰ … 2³⁰−1).
    LoadConstSmallInt(i32),
    /// `( -- str)`: the interned string `names[idx]` (MicroPython passes a qstr).
    LoadConstString(NameIdx),
    /// `( -- obj)`: a constant object `consts[idx]` (float, big int, bytes, tuple of constants).
    LoadConstObj(ConstIdx),
    /// `( -- NULL)`: used before `STORE_ATTR`/`STORE_SUBSCR` to delete, and as the `**` marker.
    LoadNull,
    /// `( -- value)`: local slot `n`; raises `NameError: local variable referenced before
    /// assignment` when unbound.
    LoadFast(u16),
    /// `( -- value)`: the cell in local slot `n`.
    LoadDeref(u16),
    /// `( -- value)`: locals dict, then globals, then builtins (module and class level).
    LoadName(NameIdx),
    /// `( -- value)`: globals, then builtins.
    LoadGlobal(NameIdx),
    /// `(obj -- obj.attr)`.
    LoadAttr(NameIdx),
    /// `(obj -- method self)` or `(obj -- attr NULL)` when the attribute is not a method
    /// (vm.c `mp_load_method`).
    LoadMethod(NameIdx),
    /// `(super class self -- method self)`: `super().name(...)` inside a method, after
    /// `LOAD_GLOBAL super`, `LOAD_DEREF __class__` and `LOAD_FAST self` (compile.c
    /// `compile_trailer_paren_helper`, vm.c `MP_BC_LOAD_SUPER_METHOD`).
    LoadSuperMethod(NameIdx),
    /// `( -- __build_class__)`.
    LoadBuildClass,
    /// `(obj index -- obj[index])`.
    LoadSubscr,
    /// `(value -- )`: store local slot `n`.
    StoreFast(u16),
    /// `(value -- )`: store into the cell in local slot `n`.
    StoreDeref(u16),
    /// `(value -- )`: store into the locals dict (module or class level).
    StoreName(NameIdx),
    /// `(value -- )`: store into globals.
    StoreGlobal(NameIdx),
    /// `(value obj -- )`: `obj.attr = value`; `value` NULL deletes the attribute.
    StoreAttr(NameIdx),
    /// `(value obj index -- )`: `obj[index] = value`; `value` NULL deletes the item.
    StoreSubscr,
    /// `( -- )`: unbind local slot `n`.
    DeleteFast(u16),
    /// `( -- )`: unbind the cell in slot `n`.
    DeleteDeref(u16),
    /// `( -- )`: delete from the locals dict.
    DeleteName(NameIdx),
    /// `( -- )`: delete from globals.
    DeleteGlobal(NameIdx),
    /// `(a -- a a)`.
    DupTop,
    /// `(a b -- a b a b)`.
    DupTopTwo,
    /// `(a -- )`.
    PopTop,
    /// `(a b -- b a)`.
    RotTwo,
    /// `(a b c -- c a b)`.
    RotThree,
    /// Leave `n_unwind` exception blocks (running any `finally` on the way, vm.c
    /// `unwind_jump`), pop the loop iterator if `pop_iter`, then jump. Used by `break`/`continue`
    /// out of `try`/`with`. **Pending-check point.**
    UnwindJump {
        target: Target,
        n_unwind: u8,
        pop_iter: bool,
    },
    /// Unconditional jump. **Pending-check point.**
    Jump(Target),
    /// `(cond -- )`: jump if true. **Pending-check point** (taken or not).
    PopJumpIfTrue(Target),
    /// `(cond -- )`: jump if false. **Pending-check point** (taken or not).
    PopJumpIfFalse(Target),
    /// `(cond -- cond)` and jump if true, else `(cond -- )`. **Pending-check point.**
    JumpIfTrueOrPop(Target),
    /// `(cond -- cond)` and jump if false, else `(cond -- )`. **Pending-check point.**
    JumpIfFalseOrPop(Target),
    /// `(mgr -- __exit__ mgr as_value)` and push a finally block whose handler is `target`
    /// (vm.c `MP_BC_SETUP_WITH`).
    SetupWith(Target),
    /// Call `__exit__` as vm.c `MP_BC_WITH_CLEANUP` does for the three cases on top of stack
    /// (None, an unwind marker, an exception).
    WithCleanup,
    /// Push an except block whose handler is `target`.
    SetupExcept(Target),
    /// Push a finally block whose handler is `target`.
    SetupFinally(Target),
    /// Pop the block; TOS None: pop and go on; TOS an unwind marker: resume the return/jump;
    /// TOS an exception: re-raise it (vm.c `MP_BC_END_FINALLY`).
    EndFinally,
    /// `(obj -- iter(obj))`.
    GetIter,
    /// `(obj -- iter)`: the iterator of a `for` loop (one slot here).
    GetIterStack,
    /// `(iter -- iter next)`, or pop the iterator and jump to `target` when exhausted.
    ForIter(Target),
    /// Pop the except block and jump (end of an `except` clause). **Pending-check point.**
    PopExceptJump(Target),
    /// `(a1 .. an -- (a1, .., an))`.
    BuildTuple(u16),
    /// `(a1 .. an -- [a1, .., an])`.
    BuildList(u16),
    /// `( -- {})` with room for `n` entries; entries follow as `StoreMap`.
    BuildMap(u16),
    /// `(map value key -- map)`.
    StoreMap,
    /// `(a1 .. an -- {a1, .., an})`.
    BuildSet(u16),
    /// `(start stop -- slice)` for 2, `(start stop step -- slice)` for 3.
    BuildSlice(u8),
    /// Comprehension store (vm.c `MP_BC_STORE_COMP`): `(... coll X1..Xn value -- ... coll X1..Xn)`
    /// where `n` is the operand's stack distance; for a dict the value is `(value key)`.
    /// `kind` says which collection: list append, set add or dict store.
    StoreComp { kind: CompKind, depth: u16 },
    /// `(seq -- xn .. x1)`: unpack exactly `n` items (x1 on top).
    UnpackSequence(u16),
    /// `(seq -- ...)`: `a, *b, c` unpacking; `n_before` items, a list, `n_after` items.
    UnpackEx { n_before: u8, n_after: u8 },
    /// `( -- function)`: make a function from `children[idx]`.
    MakeFunction(u16),
    /// `(defaults_tuple kw_defaults_dict -- function)`; either may be NULL.
    MakeFunctionDefargs(u16),
    /// `(c1 .. cn -- function)`: a closure over `n_closed` cells.
    MakeClosure { child: u16, n_closed: u8 },
    /// `(defaults kwdefaults c1 .. cn -- function)`.
    MakeClosureDefargs { child: u16, n_closed: u8 },
    /// `(fun a1 .. an k1 v1 .. km vm -- result)`; keyword names are `LoadConstString`.
    CallFunction { n_pos: u8, n_kw: u8 },
    /// As `CallFunction` with a star bitmap small int on top: bit `i` set means positional
    /// argument `i` is a `*iterable`; a keyword entry whose name is NULL is a `**mapping`.
    CallFunctionVarKw { n_pos: u8, n_kw: u8 },
    /// `(method self a1 .. an k1 v1 .. -- result)`, where `self` may be NULL (after `LoadMethod`
    /// found a plain attribute).
    CallMethod { n_pos: u8, n_kw: u8 },
    /// As `CallMethod` with the star bitmap on top.
    CallMethodVarKw { n_pos: u8, n_kw: u8 },
    /// `(value -- )`: return from the frame, running active `finally` blocks first.
    ReturnValue,
    /// Re-raise the exception being handled (`raise` with no argument).
    RaiseLast,
    /// `(exc -- )`: raise `exc` (a class is instantiated).
    RaiseObj,
    /// `(exc cause -- )`: `raise exc from cause` (MicroPython ignores the cause).
    RaiseFrom,
    /// `(value -- sent)`: suspend the generator frame, yielding `value`.
    YieldValue,
    /// `(iter sent -- result)`: delegate to a sub-iterator (vm.c `MP_BC_YIELD_FROM`).
    YieldFrom,
    /// `(fromlist level -- module)`.
    ImportName(NameIdx),
    /// `(module -- module attr)`.
    ImportFrom(NameIdx),
    /// `(module -- )`: `from m import *`.
    ImportStar,
    /// `(a -- op a)`.
    UnaryOp(UnaryOp),
    /// `(a b -- a op b)`.
    BinaryOp(BinaryOp),
}

/// Which collection a [`Op::StoreComp`] appends to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompKind {
    /// `list.append`.
    List,
    /// `dict[key] = value`.
    Dict,
    /// `set.add`.
    Set,
}

/// Unary operators that appear in bytecode, numbered as `mp_unary_op_t` (py/runtime0.h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum UnaryOp {
    /// `+a` (`__pos__`).
    Positive = 0,
    /// `-a` (`__neg__`).
    Negative = 1,
    /// `~a` (`__invert__`).
    Invert = 2,
    /// `not a`.
    Not = 3,
}

/// Binary operators that appear in bytecode, numbered as `mp_binary_op_t` (py/runtime0.h).
///
/// `not in` and `is not` do not exist: the compiler emits `In`/`Is` followed by
/// `UNARY_OP 3 (not)`, as MicroPython does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
#[allow(missing_docs)] // The names are the operators; `dunder()` gives the method.
pub enum BinaryOp {
    Less = 0,
    More = 1,
    Equal = 2,
    LessEqual = 3,
    MoreEqual = 4,
    NotEqual = 5,
    In = 6,
    Is = 7,
    ExceptionMatch = 8,
    InplaceOr = 9,
    InplaceXor = 10,
    InplaceAnd = 11,
    InplaceLshift = 12,
    InplaceRshift = 13,
    InplaceAdd = 14,
    InplaceSubtract = 15,
    InplaceMultiply = 16,
    InplaceMatMultiply = 17,
    InplaceFloorDivide = 18,
    InplaceTrueDivide = 19,
    InplaceModulo = 20,
    InplacePower = 21,
    Or = 22,
    Xor = 23,
    And = 24,
    Lshift = 25,
    Rshift = 26,
    Add = 27,
    Subtract = 28,
    Multiply = 29,
    MatMultiply = 30,
    FloorDivide = 31,
    TrueDivide = 32,
    Modulo = 33,
    Power = 34,
}

impl BinaryOp {
    /// The special method name MicroPython prints after the number in `showbc` output.
    pub fn dunder(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Less => "__lt__",
            More => "__gt__",
            Equal => "__eq__",
            LessEqual => "__le__",
            MoreEqual => "__ge__",
            NotEqual => "__ne__",
            In => "__contains__",
            Is => "is",
            ExceptionMatch => "exception_match",
            InplaceOr => "__ior__",
            InplaceXor => "__ixor__",
            InplaceAnd => "__iand__",
            InplaceLshift => "__ilshift__",
            InplaceRshift => "__irshift__",
            InplaceAdd => "__iadd__",
            InplaceSubtract => "__isub__",
            InplaceMultiply => "__imul__",
            InplaceMatMultiply => "__imatmul__",
            InplaceFloorDivide => "__ifloordiv__",
            InplaceTrueDivide => "__itruediv__",
            InplaceModulo => "__imod__",
            InplacePower => "__ipow__",
            Or => "__or__",
            Xor => "__xor__",
            And => "__and__",
            Lshift => "__lshift__",
            Rshift => "__rshift__",
            Add => "__add__",
            Subtract => "__sub__",
            Multiply => "__mul__",
            MatMultiply => "__matmul__",
            FloorDivide => "__floordiv__",
            TrueDivide => "__truediv__",
            Modulo => "__mod__",
            Power => "__pow__",
        }
    }

    /// For an in-place operator, the plain operator it falls back to (`+=` → `+`).
    pub fn non_inplace(self) -> BinaryOp {
        let n = self as u8;
        if (BinaryOp::InplaceOr as u8..=BinaryOp::InplacePower as u8).contains(&n) {
            Self::from_u8(n + 13).expect("in-place ops map onto the plain range")
        } else {
            self
        }
    }

    /// The operator with MicroPython number `n`, if it appears in bytecode.
    pub fn from_u8(n: u8) -> Option<BinaryOp> {
        use BinaryOp::*;
        const ALL: [BinaryOp; 35] = [
            Less,
            More,
            Equal,
            LessEqual,
            MoreEqual,
            NotEqual,
            In,
            Is,
            ExceptionMatch,
            InplaceOr,
            InplaceXor,
            InplaceAnd,
            InplaceLshift,
            InplaceRshift,
            InplaceAdd,
            InplaceSubtract,
            InplaceMultiply,
            InplaceMatMultiply,
            InplaceFloorDivide,
            InplaceTrueDivide,
            InplaceModulo,
            InplacePower,
            Or,
            Xor,
            And,
            Lshift,
            Rshift,
            Add,
            Subtract,
            Multiply,
            MatMultiply,
            FloorDivide,
            TrueDivide,
            Modulo,
            Power,
        ];
        ALL.get(n as usize).copied()
    }
}

impl Op {
    /// True for the seven opcodes that dispatch through vm.c's `pending_exception_check`
    /// (facts §1.1): the only bytecode places where soft callbacks run.
    pub fn is_pending_check(self) -> bool {
        matches!(
            self,
            Op::Jump(_)
                | Op::PopJumpIfTrue(_)
                | Op::PopJumpIfFalse(_)
                | Op::JumpIfTrueOrPop(_)
                | Op::JumpIfFalseOrPop(_)
                | Op::UnwindJump { .. }
                | Op::PopExceptJump(_)
        )
    }
}

/// A compile-time constant referenced by [`Op::LoadConstObj`].
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    /// An int outside the small-int range (decimal digits, so the compiler needs no big-int type).
    ///
    /// Compiler note: it can also hold an in-range value when MicroPython's folding keeps a
    /// big-int object, e.g. `-1073741824` written as a negated literal (`mp_unary_op` on a big
    /// int does not normalise); the VM should then build a big int, not a small one.
    BigInt(Rc<str>),
    /// A single-precision float (esp32: `MICROPY_FLOAT_IMPL_FLOAT`).
    Float(f32),
    /// A string that is not an identifier-like qstr (MicroPython still interns most; we keep
    /// them here when they are long).
    Str(Rc<str>),
    /// A bytes literal.
    Bytes(Rc<[u8]>),
    /// A tuple of constants (e.g. folded default arguments).
    Tuple(Rc<[Const]>),
    /// A small int (31-bit range). Added for the compiler: it appears inside constant tuples
    /// (`(1, 2)`) and when a `const()` name holding a small int is folded into one.
    SmallInt(i32),
    /// `None`. Added for the compiler: inside constant tuples, and as MicroPython's
    /// `LOAD_CONST_OBJ None` for a `const(None)` name.
    None,
    /// `True` or `False`. Added for the compiler, for the same reasons as [`Const::None`].
    Bool(bool),
    /// `...`: MicroPython loads the Ellipsis singleton with `LOAD_CONST_OBJ` (emitbc.c
    /// `mp_emit_bc_load_const_tok`). Added for the compiler.
    Ellipsis,
}

/// Flags of a code object, as MicroPython's `MP_SCOPE_FLAG_*` (py/runtime0.h).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeFlags {
    /// Takes `*args`.
    pub varargs: bool,
    /// Takes `**kwargs`.
    pub varkeywords: bool,
    /// Contains `yield`: calling it makes a generator.
    pub generator: bool,
    /// Defined with `async def`.
    pub coroutine: bool,
}

/// What kind of scope a code object was compiled from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    /// The module body (`<module>`).
    Module,
    /// A `def` or `async def`.
    Function,
    /// A `lambda` (`<lambda>`).
    Lambda,
    /// A class body.
    Class,
    /// A list/dict/set comprehension or generator expression (`<listcomp>`, `<genexpr>`, ...).
    Comprehension,
}

/// A compiled scope: MicroPython's `mp_raw_code_t` with its bytecode prelude decoded.
///
/// Local slots are numbered as MicroPython numbers them: positional parameters first, then
/// keyword-only ones, then `*args`, then `**kwargs`, then other locals. Slots listed in
/// `cell_slots` hold cells (captured by an inner scope); the VM wraps them at frame entry, as
/// vm.c does with the prelude's cell list. Free variables (cells received from the enclosing
/// scope) come last: a closure's `n_closed` cells are copied into the slots starting at
/// `n_locals - n_free`.
#[derive(Clone, Debug)]
pub struct CodeObject {
    /// The scope's name as tracebacks print it (`<module>`, `f`, `<lambda>`, `<listcomp>`).
    pub name: Rc<str>,
    /// The file name tracebacks print (`main.py`, `<stdin>`).
    pub filename: Rc<str>,
    /// What the scope was compiled from.
    pub kind: ScopeKind,
    /// Generator, varargs and similar flags.
    pub flags: CodeFlags,
    /// Number of positional parameters (including those with defaults).
    pub n_pos_args: u16,
    /// Number of keyword-only parameters.
    pub n_kwonly_args: u16,
    /// Names of the parameters in slot order (positional, keyword-only, then `*args`,
    /// `**kwargs` if present), for keyword matching and error messages.
    pub arg_names: Vec<Rc<str>>,
    /// Total number of local slots (parameters, other locals, cells, free variables).
    pub n_locals: u16,
    /// Number of free variables: the last `n_free` slots are filled from the closure.
    pub n_free: u16,
    /// Local slots that must be turned into cells at frame entry (parameters keep their value).
    pub cell_slots: Vec<u16>,
    /// Upper bound of the value stack depth this code needs (iterators count one slot).
    pub max_stack: u16,
    /// The instructions.
    pub ops: Vec<Op>,
    /// Source line (1-based) of each op; same length as `ops`.
    pub lines: Vec<u32>,
    /// Interned names and strings (`LOAD_NAME`, `LOAD_ATTR`, `LOAD_CONST_STRING`, ...).
    pub names: Vec<Rc<str>>,
    /// Constant objects.
    pub consts: Vec<Const>,
    /// Code objects of nested functions, lambdas, classes and comprehensions.
    pub children: Vec<Rc<CodeObject>>,
    /// First line of the scope's definition (the `def` line; 1 for a module).
    pub first_line: u32,
}
