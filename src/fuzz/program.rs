//! Grammar-based MicroPython programs for the fuzzer, and mutations of real ones.
//!
//! [`generate`] writes a program from a seed: statements of every kind the compiler knows
//! (assignments, augmented assignments, `if`/`while`/`for`, functions with defaults and
//! `*args`/`**kw`, closures, classes, `try`/`except`/`finally` with `return` and `raise` in every
//! clause, `with`, generators, comprehensions, `async def` under `asyncio.run`, `global`, `del`),
//! expressions over every built-in type, calls of builtins and methods, and the board's
//! modules (`machine.Pin`/`Timer` with IRQ callbacks, `time`, `micropython.schedule`,
//! `disable_irq`, `gc`, `sys`, `math`). Loops are bounded so most programs end; the run's time
//! limit catches the rest. [`mutate`] edits a real program line- and token-wise, so the fuzzer
//! also reaches the odd corners next to working code.
//!
//! Everything is a function of the [`Rng`]: the same seed gives the same text.

use crate::rng::Rng;

/// Deepest expression nesting the generator writes.
const MAX_EXPR_DEPTH: u32 = 4;

/// Deepest statement nesting (blocks inside blocks).
const MAX_BLOCK_DEPTH: u32 = 3;

/// A program of about `n_stmts` top-level statements, from `rng`.
pub fn generate(rng: &mut Rng, n_stmts: usize) -> String {
    let mut g = Gen {
        rng,
        out: String::new(),
        indent: 0,
        in_function: false,
        in_loop: false,
    };
    g.line(PRELUDE_IMPORTS);
    g.line("g0 = 0; g1 = [1, 2, 3]; g2 = {'a': 1}; g3 = 'text'; g4 = 1.5; g5 = b'xy'");
    for _ in 0..n_stmts {
        g.stmt(0);
    }
    g.out
}

const PRELUDE_IMPORTS: &str = "import machine, time, micropython, gc, sys, math";

/// Names the generated code reads and writes (globals set by the prelude, plus locals).
const NAMES: [&str; 9] = ["g0", "g1", "g2", "g3", "g4", "g5", "a", "b", "x"];

/// Literals, including the edges of each type (the small-int limit, big ints, inf, nan, -0.0).
const LITERALS: [&str; 28] = [
    "0",
    "1",
    "-1",
    "7",
    "1073741823",
    "1073741824",
    "-1073741825",
    "2**64",
    "0.0",
    "-0.0",
    "0.1",
    "1e30",
    "float('inf')",
    "float('nan')",
    "''",
    "'abc'",
    "'é'",
    "b''",
    "b'\\x00\\xff'",
    "None",
    "True",
    "False",
    "[]",
    "[1, 'a', None]",
    "()",
    "(1,)",
    "{}",
    "{1: 2}",
];

const BINOPS: [&str; 20] = [
    "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "==", "!=", "<", "<=", "in",
    "is", "and", "or",
];

const BUILTIN_CALLS: [&str; 24] = [
    "len(@)",
    "str(@)",
    "repr(@)",
    "int(@)",
    "float(@)",
    "bool(@)",
    "abs(@)",
    "hash(@)",
    "list(@)",
    "tuple(@)",
    "sorted(@)",
    "min(@, 3)",
    "max(@, 3)",
    "divmod(@, 3)",
    "pow(@, 2, 0)",
    "pow(@, -1)",
    "round(@, 2)",
    "chr(@)",
    "ord(@)",
    "hex(@)",
    "bytes(@)",
    "bytearray(@)",
    "range(@)",
    "'{}'.format(@)",
];

const METHOD_CALLS: [&str; 16] = [
    "@.append(1)",
    "@.pop()",
    "@.sort()",
    "@.split(',')",
    "@.join(['a'])",
    "@.upper()",
    "@.find('a')",
    "@.get(1)",
    "@.keys()",
    "@.items()",
    "@.count(1)",
    "@.index(1)",
    "@.decode()",
    "@.encode()",
    "@.startswith('a')",
    "@.replace('a', 'b')",
];

/// Whole statements about the board and the scheduler, with their callbacks.
const BOARD_SNIPPETS: [&str; 10] = [
    "p = machine.Pin(4, machine.Pin.IN)\np.irq(lambda pin: None, machine.Pin.IRQ_RISING)",
    "t = machine.Timer(0)\nt.init(period=1, callback=lambda t: micropython.schedule(print, 1))",
    "t = machine.Timer(1)\nt.init(mode=machine.Timer.ONE_SHOT, period=2, callback=lambda t: None)\nt.deinit()",
    "s = machine.disable_irq()\ng0 = g0 + 1\nmachine.enable_irq(s)",
    "time.sleep_ms(1)",
    "time.sleep_us(50)",
    "print(time.ticks_diff(time.ticks_ms(), time.ticks_add(time.ticks_ms(), 5)))",
    "micropython.schedule(lambda a: print('sched', a), 3)",
    "gc.collect()\nprint(gc.mem_free() > 0)",
    "o = machine.Pin(2, machine.Pin.OUT)\no.value(1)\no.value(not o.value())",
];

struct Gen<'r> {
    rng: &'r mut Rng,
    out: String,
    indent: usize,
    in_function: bool,
    in_loop: bool,
}

impl Gen<'_> {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.rng.below(items.len() as u64) as usize]
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.rng.below(n) == 0
    }

    fn line(&mut self, text: &str) {
        for l in text.lines() {
            self.out.push_str(&"    ".repeat(self.indent));
            self.out.push_str(l);
            self.out.push('\n');
        }
    }

    fn expr(&mut self, depth: u32) -> String {
        if depth >= MAX_EXPR_DEPTH || self.one_in(3) {
            return if self.one_in(2) {
                self.pick(&LITERALS).to_string()
            } else {
                self.pick(&NAMES).to_string()
            };
        }
        match self.rng.below(9) {
            0 | 1 => {
                let (a, op, b) = (
                    self.expr(depth + 1),
                    self.pick(&BINOPS),
                    self.expr(depth + 1),
                );
                format!("({a} {op} {b})")
            }
            2 => format!("(not {})", self.expr(depth + 1)),
            3 => format!("(-{})", self.expr(depth + 1)),
            4 => self
                .pick(&BUILTIN_CALLS)
                .replace('@', &self.expr(depth + 1)),
            5 => {
                let receiver = format!("({})", self.expr(depth + 1));
                self.pick(&METHOD_CALLS).replace('@', &receiver)
            }
            6 => {
                let (c, i) = (format!("({})", self.expr(depth + 1)), self.expr(depth + 1));
                if self.one_in(2) {
                    format!("{c}[{i}]")
                } else {
                    format!(
                        "{c}[{i}:{}:{}]",
                        self.expr(depth + 1),
                        self.pick(&["1", "-1", "2"])
                    )
                }
            }
            7 => format!(
                "[{} for x in range({})]",
                self.expr(depth + 1),
                self.pick(&["3", "0", "g0"])
            ),
            _ => format!(
                "({} if {} else {})",
                self.expr(depth + 1),
                self.expr(depth + 1),
                self.expr(depth + 1)
            ),
        }
    }

    fn block(&mut self, depth: u32, header: &str, loop_body: bool) {
        self.line(header);
        self.indent += 1;
        let now_loop = self.in_loop || loop_body;
        let was_loop = std::mem::replace(&mut self.in_loop, now_loop);
        let n = 1 + self.rng.below(3);
        for _ in 0..n {
            self.stmt(depth + 1);
        }
        self.in_loop = was_loop;
        self.indent -= 1;
    }

    fn stmt(&mut self, depth: u32) {
        let leaf = depth >= MAX_BLOCK_DEPTH;
        match self.rng.below(if leaf { 6 } else { 16 }) {
            0 | 1 => {
                let (n, e) = (self.pick(&NAMES), self.expr(0));
                self.line(&format!("{n} = {e}"));
            }
            2 => {
                let (n, op, e) = (
                    self.pick(&NAMES),
                    self.pick(&["+=", "-=", "*=", "//=", "|="]),
                    self.expr(0),
                );
                self.line(&format!("{n} {op} {e}"));
            }
            3 => {
                let e = self.expr(0);
                self.line(&format!("print({e})"));
            }
            4 => {
                let s = self.pick(&BOARD_SNIPPETS);
                self.line(s);
            }
            5 => self.simple_flow(),
            6 => {
                let c = self.expr(0);
                self.block(depth, &format!("if {c}:"), false);
                if self.one_in(2) {
                    self.block(depth, "else:", false);
                }
            }
            7 => {
                let r = self.pick(&["range(3)", "g1", "'ab'", "g2", "b'xy'"]);
                self.block(depth, &format!("for x in {r}:"), true);
            }
            8 => {
                self.line("n = 0");
                self.block(depth, "while n < 3:", true);
                self.indent += 1;
                self.line("n += 1");
                self.indent -= 1;
            }
            9 | 10 => self.try_stmt(depth),
            11 => self.def_stmt(depth),
            12 => self.class_stmt(),
            13 => {
                let s = self.pick_gen_or_async();
                self.line(s);
            }
            14 => {
                let e = self.expr(0);
                let target = self.pick(&["a", "g2['a']", "g1[0]", "x"]);
                self.line(&format!("del {target}"));
                self.line(&format!("a = {e}"));
            }
            _ => {
                let e = self.expr(0);
                self.line(&format!("assert {e}, 'message'"));
            }
        }
    }

    fn simple_flow(&mut self) {
        let mut options = vec!["pass", "raise ValueError('v')", "raise KeyError"];
        if self.in_loop {
            options.extend(["break", "continue"]);
        }
        if self.in_function {
            options.extend(["return", "return 1"]);
        }
        let s = self.pick(&options);
        self.line(s);
    }

    fn try_stmt(&mut self, depth: u32) {
        self.block(depth, "try:", false);
        let n_handlers = self.rng.below(3);
        for k in 0..n_handlers {
            let last = k + 1 == n_handlers;
            let h = if last && self.one_in(4) {
                "except:" // a bare `except` must come last
            } else {
                self.pick(&[
                    "except ValueError:",
                    "except (KeyError, IndexError) as e:",
                    "except Exception as e:",
                ])
            };
            self.block(depth, h, false);
        }
        if n_handlers > 0 && self.one_in(3) {
            self.block(depth, "else:", false);
        }
        if n_handlers == 0 || self.one_in(2) {
            self.block(depth, "finally:", false);
        }
    }

    fn def_stmt(&mut self, depth: u32) {
        let params = self.pick(&["", "a", "a, b=2", "*args", "a, *args, b=1, **kw", "a=[]"]);
        let name = self.pick(&["f", "h", "cb"]);
        let was = std::mem::replace(&mut self.in_function, true);
        let was_loop = std::mem::replace(&mut self.in_loop, false);
        let header = if self.one_in(3) {
            format!("def {name}({params}):\n    global g0\n    g0 += 1")
        } else {
            format!("def {name}({params}):")
        };
        self.block(depth, &header, false);
        self.in_function = was;
        self.in_loop = was_loop;
        let args = self.pick(&["()", "(1)", "(1, 2)", "(*g1)", "(a=1)", "(1, **g2)"]);
        self.line(&format!(
            "try:\n    print({name}{args})\nexcept Exception as e:\n    print(repr(e))"
        ));
    }

    fn class_stmt(&mut self) {
        self.line(
            "class C:\n    k = 1\n    def __init__(self, v=0):\n        self.v = v\n    \
             def __repr__(self):\n        return 'C(%r)' % self.v\n    \
             def __eq__(self, o):\n        return self.v == o\nprint(C(3), C(1) == 1, C.k)",
        );
    }

    fn pick_gen_or_async(&mut self) -> &'static str {
        let options: [&'static str; 4] = [
            "def gen(n):\n    for i in range(n):\n        r = yield i\n    return n\nprint(list(gen(3)))",
            "import asyncio\nasync def co(n):\n    await asyncio.sleep_ms(n)\n    return n\n\
             async def main():\n    print(await asyncio.gather(co(1), co(2)))\nasyncio.run(main())",
            "def outer():\n    c = 0\n    def inner():\n        nonlocal c\n        c += 1\n        return c\n    \
             return inner\nfn = outer()\nprint(fn(), fn())",
            "with open_ctx() if False else C() as z:\n    pass",
        ];
        options[self.rng.below(options.len() as u64) as usize]
    }
}

/// Interesting replacements for a number or a name in a mutated program.
const MUTANT_TOKENS: [&str; 12] = [
    "0",
    "-1",
    "2**31",
    "1073741824",
    "1e308",
    "float('nan')",
    "None",
    "''",
    "[]",
    "0.0",
    "(1,)",
    "g",
];

/// `source` with 1–4 random edits: a line deleted, duplicated, swapped with the next,
/// indented or dedented; a number or word replaced by an edge value; a character inserted.
pub fn mutate(rng: &mut Rng, source: &str) -> String {
    let mut lines: Vec<String> = source.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    for _ in 0..1 + rng.below(4) {
        let i = rng.below(lines.len() as u64) as usize;
        match rng.below(7) {
            0 if lines.len() > 1 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 if i + 1 < lines.len() => lines.swap(i, i + 1),
            3 => lines[i].insert_str(0, "    "),
            4 => lines[i] = lines[i].trim_start().to_string(),
            5 => replace_token(rng, &mut lines[i]),
            _ => {
                let pos = char_boundary(&lines[i], rng.below(lines[i].len() as u64 + 1) as usize);
                let c = b"()[]{}:,.'\"\\=+-*#"[rng.below(17) as usize] as char;
                lines[i].insert(pos, c);
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Replaces one word or number of `line` by an edge value.
fn replace_token(rng: &mut Rng, line: &mut String) {
    let spans: Vec<(usize, usize)> = token_spans(line);
    if spans.is_empty() {
        return;
    }
    let (start, end) = spans[rng.below(spans.len() as u64) as usize];
    let with = MUTANT_TOKENS[rng.below(MUTANT_TOKENS.len() as u64) as usize];
    line.replace_range(start..end, with);
}

/// Byte ranges of the words and numbers of `line`.
fn token_spans(line: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in line
        .char_indices()
        .chain(std::iter::once((line.len(), ' ')))
    {
        let word = c.is_alphanumeric() || c == '_' || c == '.';
        match (start, word) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    spans
}

/// The largest char boundary of `s` at or before `at`.
fn char_boundary(s: &str, at: usize) -> usize {
    (0..=at.min(s.len()))
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::py::compiler::compile_module;

    // The generator is a function of the seed, and most of what it writes compiles (the rest
    // are the compile errors it means to reach, such as `break` outside a loop never: those are
    // guarded, so the share of compile errors stays small).
    #[test]
    fn generated_programs_are_deterministic_and_mostly_compile() {
        let mut ok = 0;
        for seed in 0..200 {
            let a = generate(&mut Rng::from_seed(seed), 12);
            assert_eq!(a, generate(&mut Rng::from_seed(seed), 12));
            if compile_module(&a, "fuzz.py").is_ok() {
                ok += 1;
            }
        }
        assert!(ok >= 190, "only {ok} of 200 generated programs compile");
    }

    // Mutation changes the program and keeps it valid UTF-8 text ending in a newline.
    #[test]
    fn mutation_edits_the_program() {
        let src = "x = 1\nfor i in range(3):\n    print(i, x)\n";
        let mut changed = 0;
        for seed in 0..50 {
            let m = mutate(&mut Rng::from_seed(seed), src);
            assert!(m.ends_with('\n'));
            if m != src {
                changed += 1;
            }
        }
        assert!(changed >= 45, "{changed} of 50 mutants differ");
    }
}
