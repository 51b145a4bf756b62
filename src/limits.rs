//! Every bound irqlab enforces, in one place (style.md §8.5).
//!
//! Where MicroPython has the same limit, the constant names its source.

/// Maximum Python frame depth; deeper calls raise `RuntimeError: maximum recursion depth
/// exceeded`. MicroPython on esp32 has no frame count: it checks the C stack (16 KiB task stack,
/// 1 KiB margin, facts §4.1). A plain Python call costs roughly 150–250 bytes of C stack there,
/// which this figure approximates; it is a model, not a measurement.
pub const MAX_FRAMES: usize = 64;

/// Traceback entries kept per exception (deeper ones are dropped, as when MicroPython's
/// traceback buffer cannot grow).
pub const MAX_TRACEBACK_ENTRIES: usize = 64;

/// Items a single container may hold before the heap model would be exhausted anyway; guards
/// host memory against `[0] * 10**9`.
pub const MAX_CONTAINER_ITEMS: usize = 1 << 24;

/// VM events buffered between two host deadlines (GC pauses); more are dropped from the trace.
pub const MAX_VM_EVENTS: usize = 1024;

/// Interrupts the controller holds pending (`machine.disable_irq()` in force, or a handler of
/// equal or higher priority running); more are coalesced, as a hardware status bit would be.
pub const MAX_MASKED_IRQS: usize = 64;

/// The most hardware events that may be queued at once (the event queue of `queue.rs`).
///
/// A board has a handful of periodic sources (4 hardware timers, a few virtual timers, one
/// pending edge per stimulus), so this is far above normal use; reaching it means a runaway
/// producer.
pub const EVENT_QUEUE_CAPACITY: usize = 65_536;

/// The deepest `disable_irq()` nesting accepted before calling the program runaway. FreeRTOS
/// keeps the count in a 32-bit field; a program nesting this deep has a leak, not a design.
pub const MAX_CRITICAL_NESTING: u32 = 1_000_000;

/// The most virtual timers (`Timer(-1)`) alive at once; each one is a heap object on the chip,
/// so the real limit is memory. A generous bound keeps runaway programs finite.
pub const MAX_VIRTUAL_TIMERS: usize = 64;

/// Trace events kept per run; beyond this they are counted as dropped.
pub const MAX_TRACE_EVENTS: usize = 10_000_000;

/// Deepest bracket nesting accepted before parsing.
///
/// The parser and the compiler recurse over the tree; this bound keeps that recursion far from
/// the Rust stack limit. MicroPython itself has no such limit, but no real program comes close.
pub const MAX_BRACKET_DEPTH: usize = 200;

/// Most tokens accepted in one run without a comma, bracket or line end between them.
///
/// ruff's parser recurses once per operator of a chain such as `1+1+…+1` or `not not … x`
/// and the tree it builds is that deep, so a run this long needs several megabytes of stack
/// (compiling runs on a grown stack, [`COMPILE_STACK_BYTES`]). No real
/// program writes an expression of this many tokens.
pub const MAX_SEGMENT_TOKENS: usize = 10_000;

/// Deepest statement/expression nesting the compiler recurses into.
pub const MAX_COMPILE_NESTING: u32 = 150;

/// Deepest expression nesting the folder looks into; deeper nodes count as non-constant and
/// the compiler's own nesting limit then reports them.
pub const MAX_FOLD_DEPTH: u32 = 200;

/// Folding refuses int results wider than this many bits. MicroPython would try and most
/// likely fail with `MemoryError` on the board (which also means "not folded").
pub const MAX_FOLD_BITS: u64 = 1 << 20;

/// Largest table we agree to build (slots). The ESP32's heap (at most a few hundred KiB,
/// 8 bytes per slot) runs out far below this; beyond it operations return
/// `MapError::TooLarge` (`py::map`), which the VM should raise as `MemoryError`.
pub const MAX_MAP_ALLOC: usize = 1 << 22;

/// Stack given to parsing and compiling one module, whatever thread asks (explore's workers
/// and the TUI's simulation thread have small stacks).
///
/// ruff's parser and the tree's destructor recurse once per level of nesting, about 1 KiB per
/// level; the pre-scan of `py::parse::parse_module` bounds the depth
/// ([`MAX_BRACKET_DEPTH`] brackets, [`MAX_SEGMENT_TOKENS`] tokens per run), so
/// this leaves a wide margin.
pub const COMPILE_STACK_BYTES: usize = 64 << 20;
