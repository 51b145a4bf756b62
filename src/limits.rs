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
