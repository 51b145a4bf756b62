//! Unit tests of the compiler: exact op sequences for the facts-§1.2 cases and diagnostics.

use crate::py::bytecode::{BinaryOp, CodeObject, Op};
use crate::py::parse::DiagnosticKind;

use super::compile_module;

/// Compiles `src` and returns the module's code object.
#[track_caller]
fn compile(src: &str) -> std::rc::Rc<CodeObject> {
    match compile_module(src, "main.py") {
        Ok(code) => code,
        Err(diag) => panic!("compile failed: {}", diag.render_cli()),
    }
}

/// The ops of `code` without the trailing `LOAD_CONST_NONE; RETURN_VALUE` epilogue.
fn body_ops(code: &CodeObject) -> Vec<Op> {
    let n = code.ops.len();
    assert!(
        n >= 2 && code.ops[n - 1] == Op::ReturnValue,
        "missing epilogue"
    );
    code.ops[..n - 2].to_vec()
}

// `count += 1` at module level uses LOAD_NAME/STORE_NAME (facts §1.2).
#[test]
fn module_count_increment_uses_names() {
    let code = compile("count = 0\ncount += 1\n");
    let ops = body_ops(&code);
    assert_eq!(
        ops[2..],
        [
            Op::LoadName(0),
            Op::LoadConstSmallInt(1),
            Op::BinaryOp(BinaryOp::InplaceAdd),
            Op::StoreName(0),
        ]
    );
}

/// The ops of the first child code object (e.g. the function defined by `src`).
fn child_ops(code: &CodeObject, i: usize) -> Vec<Op> {
    body_ops(&code.children[i])
}

/// Compiles `src`, expecting a diagnostic.
#[track_caller]
fn compile_err(src: &str) -> crate::py::parse::Diagnostic {
    match compile_module(src, "main.py") {
        Ok(_) => panic!("expected a diagnostic for {src:?}"),
        Err(diag) => diag,
    }
}

// `global count; count += 1` in a function uses LOAD_GLOBAL/STORE_GLOBAL (facts §1.2).
#[test]
fn global_count_increment_in_function() {
    let code = compile("def f():\n    global count\n    count += 1\n");
    assert_eq!(
        child_ops(&code, 0),
        [
            Op::LoadGlobal(0),
            Op::LoadConstSmallInt(1),
            Op::BinaryOp(BinaryOp::InplaceAdd),
            Op::StoreGlobal(0),
        ]
    );
}

// Module code switches to LOAD_GLOBAL/STORE_GLOBAL when some function declares the name
// global, even before the function in the source (facts §1.2).
#[test]
fn module_uses_global_ops_when_a_function_declares_global() {
    let code = compile("count = 0\ncount += 1\ndef f():\n    global count\n    count = 5\n");
    let ops = body_ops(&code);
    assert_eq!(ops[0..2], [Op::LoadConstSmallInt(0), Op::StoreGlobal(0)]);
    assert_eq!(
        ops[2..6],
        [
            Op::LoadGlobal(0),
            Op::LoadConstSmallInt(1),
            Op::BinaryOp(BinaryOp::InplaceAdd),
            Op::StoreGlobal(0),
        ]
    );
}

// `o.x += 1` and `a[0] += 1` follow facts §1.2.
#[test]
fn augmented_attribute_and_subscript() {
    let code = compile("def f():\n    o.x += 1\n    a[0] += 1\n");
    assert_eq!(
        child_ops(&code, 0),
        [
            Op::LoadGlobal(0),
            Op::DupTop,
            Op::LoadAttr(1),
            Op::LoadConstSmallInt(1),
            Op::BinaryOp(BinaryOp::InplaceAdd),
            Op::RotTwo,
            Op::StoreAttr(1),
            Op::LoadGlobal(2),
            Op::LoadConstSmallInt(0),
            Op::DupTopTwo,
            Op::LoadSubscr,
            Op::LoadConstSmallInt(1),
            Op::BinaryOp(BinaryOp::InplaceAdd),
            Op::RotThree,
            Op::StoreSubscr,
        ]
    );
}

// `while True: pass` is a single back-edge JUMP (facts §1.1).
#[test]
fn while_true_pass_is_one_jump() {
    let code = compile("while True:\n    pass\n");
    assert_eq!(body_ops(&code), [Op::Jump(0)]);
}

// `for i in range(n)` is a counter loop ending in POP_JUMP_IF_TRUE (facts §1.1).
#[test]
fn for_range_is_counter_loop() {
    let code = compile("def f(n):\n    for i in range(n):\n        pass\n");
    let ops = child_ops(&code, 0);
    assert!(ops.contains(&Op::PopJumpIfTrue(3)), "{ops:?}");
    assert!(!ops.contains(&Op::GetIterStack), "{ops:?}");
    let code = compile("for i in range(0, 10, x):\n    pass\n");
    assert!(body_ops(&code).contains(&Op::GetIterStack));
}

// Constant folding follows MicroPython: floats, big ints, and all-or-nothing chains.
#[test]
fn constant_folding() {
    use crate::py::bytecode::Const;
    let code = compile("x = 1.5 * 2\ny = 2**40\nz = 1 + 2 + n\n");
    let ops = body_ops(&code);
    assert_eq!(ops[0], Op::LoadConstObj(0));
    assert_eq!(code.consts[0], Const::Float(3.0));
    assert_eq!(code.consts[1], Const::BigInt("1099511627776".into()));
    assert_eq!(
        ops[4..9],
        [
            Op::LoadConstSmallInt(1),
            Op::LoadConstSmallInt(2),
            Op::BinaryOp(BinaryOp::Add),
            Op::LoadName(2),
            Op::BinaryOp(BinaryOp::Add),
        ]
    );
    // A parenthesised sub-chain is its own rule and folds.
    let code = compile("z = (1 + 2) + n\n");
    assert_eq!(
        body_ops(&code)[0..3],
        [
            Op::LoadConstSmallInt(3),
            Op::LoadName(0),
            Op::BinaryOp(BinaryOp::Add)
        ]
    );
}

// Op lines never decrease: a while condition carries the body's last line.
#[test]
fn while_condition_carries_last_body_line() {
    let code = compile("while n:\n    a = 1\n    b = 2\n");
    let cond = code
        .ops
        .iter()
        .position(|op| matches!(op, Op::PopJumpIfTrue(_)))
        .expect("loop");
    assert_eq!(code.lines[cond], 3);
}

// A syntax error reports MicroPython's message with line and column.
#[test]
fn syntax_error_position() {
    let d = compile_err("x = 1\nif x\n    pass\n");
    assert_eq!(d.kind, DiagnosticKind::SyntaxError);
    assert_eq!(d.message, "invalid syntax");
    assert_eq!(d.line, 2);
}

// Errors MicroPython's compiler raises are SyntaxErrors in the right block.
#[test]
fn compiler_syntax_errors() {
    let d = compile_err("x = 1\nbreak\n");
    assert_eq!(
        (d.kind, d.message.as_str(), d.line, d.col),
        (
            DiagnosticKind::SyntaxError,
            "'break'/'continue' outside loop",
            2,
            1
        )
    );
    assert_eq!(
        d.render_micropython(),
        "Traceback (most recent call last):\n  File \"main.py\", line 2, in <module>\nSyntaxError: 'break'/'continue' outside loop\n"
    );
    assert_eq!(
        compile_err("return 1\n").message,
        "'return' outside function"
    );
    assert_eq!(compile_err("yield 1\n").message, "'yield' outside function");
    assert_eq!(compile_err("await x\n").message, "'await' outside function");
    assert_eq!(
        compile_err("nonlocal x\n").message,
        "can't declare nonlocal in outer code"
    );
    assert_eq!(
        compile_err("def f(a, a):\n    pass\n").message,
        "argument name reused"
    );
    assert_eq!(
        compile_err("def f():\n    nonlocal q\n").message,
        "no binding for nonlocal found"
    );
    assert_eq!(
        compile_err("def f():\n    x = 1\n    global x\n").message,
        "identifier redefined as global"
    );
    assert_eq!(compile_err("f(a=1, *b)\n").message, "* arg after kwarg");
    assert_eq!(
        compile_err("x = [*a]\n").message,
        "*x must be assignment target"
    );
    let d = compile_err("def f():\n    continue\n");
    assert_eq!(d.block.as_deref(), Some("f"));
}

// Constructs MicroPython does not accept are SyntaxErrors; ones we cannot compile yet are
// NotSupported diagnostics naming the construct.
#[test]
fn unsupported_constructs() {
    let d = compile_err("match x:\n    case 1:\n        pass\n");
    assert_eq!(
        (d.kind, d.message.as_str()),
        (DiagnosticKind::SyntaxError, "invalid syntax")
    );
    let d = compile_err("x = 1j\n");
    assert_eq!(d.kind, DiagnosticKind::NotSupported);
    assert!(d.message.contains("complex"), "{}", d.message);
    let d = compile_err("@micropython.native\ndef f():\n    pass\n");
    assert_eq!(d.kind, DiagnosticKind::NotSupported);
    assert_eq!((d.line, d.col), (1, 2));
    let d = compile_err("def f(a, /, b):\n    pass\n");
    assert_eq!(d.kind, DiagnosticKind::SyntaxError);
}

// Deep nesting gives a diagnostic, not a stack overflow.
#[test]
fn deep_nesting_is_a_diagnostic() {
    let src = format!("x = {}1{}\n", "f(".repeat(180), ")".repeat(180));
    let d = compile_err(&src);
    assert_eq!(d.message, "too deeply nested");
    let src = format!("x = {}1\n", "-".repeat(5000));
    let d = compile_err(&src);
    assert_eq!(d.message, "too deeply nested");
}

// Long chains of prefix operators and deeply nested blocks are refused, not overflowed.
#[test]
fn deep_prefix_chains_are_diagnostics() {
    for src in [
        format!("x = {}y\n", "not ".repeat(3000)),
        format!("if {}y:\n    pass\n", "not ".repeat(3000)),
        format!("x = {}1\n", "~".repeat(3000)),
    ] {
        assert_eq!(compile_err(&src).message, "too deeply nested");
    }
    let mut src = String::new();
    for i in 0..200 {
        src.push_str(&" ".repeat(i));
        src.push_str("if x:\n");
    }
    src.push_str(&" ".repeat(200));
    src.push_str("pass\n");
    assert_eq!(compile_err(&src).message, "too deeply nested");
}

// REPL input prints module-level expression values through `__repl_print__`, also inside
// compound statements, as MicroPython's REPL compiles them.
#[test]
fn repl_prints_expression_statements() {
    let code = super::compile_repl_input("x\n").expect("compiles");
    assert_eq!(
        body_ops(&code),
        [
            Op::LoadName(0),
            Op::LoadName(1),
            Op::CallFunction { n_pos: 1, n_kw: 0 },
            Op::PopTop,
        ]
    );
    assert_eq!(&*code.names[0], "__repl_print__");
    assert_eq!(&*code.filename, "<stdin>");
    let code = super::compile_repl_input("for i in range(2):\n    i\n").expect("compiles");
    assert!(body_ops(&code).contains(&Op::CallFunction { n_pos: 1, n_kw: 0 }));
    // Inside a function nothing is printed.
    let code = super::compile_repl_input("def f():\n    1\n").expect("compiles");
    assert_eq!(child_ops(&code, 0), []);
}
