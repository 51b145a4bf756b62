//! The cost figures of a board: how many CPU cycles each piece of work costs.
//!
//! irqlab charges cycles for every executed bytecode op, every allocation, garbage collection,
//! interrupt entry, C interrupt handler, scheduler dispatch and task switch; the runtime turns
//! cycles into simulated time with [`crate::time::Clock`] at the current CPU frequency. The
//! numbers live in a board profile (`boards/*.toml`, read by `profile_file.rs`), where
//! each one carries its source, reasoning and uncertainty; `docs/cost-model.md` explains them.
//!
//! * [`OpClass`]: the classes of bytecode ops that cost the same, each with its TOML key. Which
//!   op belongs to which class is decided where ops meet costs, in `rt::op_cost` (this layer
//!   knows nothing of Python); [`CostModel::op_cycles`] prices a class and an item count.
//! * Named costs for everything that is not an op ([`CostModel::alloc_cycles`],
//!   [`CostModel::gc_pause_cycles`], [`CostModel::isr_entry_cycles`], ...) and
//!   [`DynamicCost`] for surcharges the VM only learns at run time (a float result, a call
//!   into C, an exception caught).
//!
//! Deciding *when* to charge a cost is the VM's and the runtime's job.

use serde::{Deserialize, Serialize};

use crate::time::Cycles;

/// Bytes in one MicroPython GC block on a 32-bit port (`MICROPY_BYTES_PER_GC_BLOCK`, 4 words).
pub const GC_BLOCK_BYTES: usize = 16;

// ------------------------------------------------------------------------------------------
// Cost tables keyed by enums
// ------------------------------------------------------------------------------------------

/// Declares a cost enum, its TOML key per variant and the DTO table that holds one `u32` per
/// variant (plus `extra` scalar fields), so the three can never drift apart.
macro_rules! cost_table {
    (
        $(#[$enum_meta:meta])*
        enum $Enum:ident, count $N:ident, file $File:ident, extra { $($extra:ident),* $(,)? }
        { $( $(#[doc = $doc:literal])* $Variant:ident => $key:ident, )* }
    ) => {
        $(#[$enum_meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $Enum {
            $( $(#[doc = $doc])* $Variant, )*
        }

        /// Number of variants, the length of the cost table.
        pub const $N: usize = [$(stringify!($Variant),)*].len();

        impl $Enum {
            /// Every variant, in table order.
            pub const ALL: [$Enum; $N] = [$($Enum::$Variant,)*];

            /// The TOML key that holds this cost (always ends in `_cycles`).
            pub fn key(self) -> &'static str {
                match self {
                    $($Enum::$Variant => stringify!($key),)*
                }
            }
        }

        /// The TOML table of these costs (the profile file's DTO).
        #[derive(Clone, Debug, Deserialize, Serialize)]
        #[serde(deny_unknown_fields)]
        pub(super) struct $File {
            $( $key: u32, )*
            $( pub(super) $extra: u32, )*
        }

        impl $File {
            pub(super) fn table(&self) -> [u32; $N] {
                [$(self.$key,)*]
            }

            pub(super) fn from_table(table: &[u32; $N], $($extra: u32),*) -> $File {
                let mut it = table.iter().copied();
                $File {
                    $( $key: it.next().expect(concat!("table has ", stringify!($key))), )*
                    $( $extra, )*
                }
            }
        }
    };
}

cost_table! {
    /// A class of bytecode ops that cost the same (see `[cost.ops]` in the board profile).
    ///
    /// Every bytecode op belongs to exactly one class; `rt::op_cost::op_class` says which.
    enum OpClass, count N_OP_CLASSES, file OpsFile,
    extra { build_per_item_cycles, unpack_per_item_cycles, call_per_arg_cycles }
    {
        /// `LOAD_CONST_*`, `LOAD_NULL`, `LOAD_BUILD_CLASS`.
        ConstLoad => const_load_cycles,
        /// `LOAD_FAST`, `LOAD_DEREF`.
        FastLoad => fast_load_cycles,
        /// `STORE_FAST`, `STORE_DEREF`, `DELETE_FAST`, `DELETE_DEREF`.
        FastStore => fast_store_cycles,
        /// `LOAD_NAME`, `LOAD_GLOBAL`: a dict lookup.
        NameLoad => name_load_cycles,
        /// `STORE_NAME`, `STORE_GLOBAL`, `DELETE_NAME`, `DELETE_GLOBAL`.
        NameStore => name_store_cycles,
        /// `LOAD_ATTR`, `LOAD_METHOD`, `LOAD_SUPER_METHOD`.
        AttrLoad => attr_load_cycles,
        /// `STORE_ATTR`.
        AttrStore => attr_store_cycles,
        /// `LOAD_SUBSCR`.
        SubscrLoad => subscr_load_cycles,
        /// `STORE_SUBSCR`.
        SubscrStore => subscr_store_cycles,
        /// `DUP_TOP`, `DUP_TOP_TWO`, `POP_TOP`, `ROT_TWO`, `ROT_THREE`.
        Stack => stack_cycles,
        /// Jumps that run the pending check: `JUMP`, `POP_JUMP_IF_*`, `JUMP_IF_*_OR_POP`,
        /// `POP_EXCEPT_JUMP`.
        Branch => branch_cycles,
        /// `UNWIND_JUMP`.
        UnwindJump => unwind_jump_cycles,
        /// `SETUP_EXCEPT`, `SETUP_FINALLY`, `SETUP_WITH`, `END_FINALLY`, `WITH_CLEANUP`.
        Block => block_cycles,
        /// `GET_ITER`, `GET_ITER_STACK`.
        GetIter => get_iter_cycles,
        /// `FOR_ITER`: one iteration step.
        ForIter => for_iter_cycles,
        /// `BUILD_*`, `STORE_MAP`, `STORE_COMP` (plus a per-item cost).
        Build => build_cycles,
        /// `UNPACK_SEQUENCE`, `UNPACK_EX` (plus a per-item cost).
        Unpack => unpack_cycles,
        /// `MAKE_FUNCTION*`, `MAKE_CLOSURE*`.
        MakeFunction => make_function_cycles,
        /// `CALL_FUNCTION`, `CALL_FUNCTION_VAR_KW` (plus a per-argument cost).
        Call => call_cycles,
        /// `CALL_METHOD`, `CALL_METHOD_VAR_KW` (plus a per-argument cost).
        CallMethod => call_method_cycles,
        /// `RETURN_VALUE`.
        Return => return_cycles,
        /// `RAISE_LAST`, `RAISE_OBJ`, `RAISE_FROM`.
        Raise => raise_cycles,
        /// `YIELD_VALUE`, `YIELD_FROM`.
        Yield => yield_cycles,
        /// `IMPORT_NAME`, `IMPORT_FROM`, `IMPORT_STAR` of an already loaded module.
        Import => import_cycles,
        /// `UNARY_OP` on a small int.
        UnaryOp => unary_op_cycles,
        /// `BINARY_OP` arithmetic, bitwise and in-place operators on small ints.
        IntArith => int_arith_cycles,
        /// `BINARY_OP` comparisons, `is`, `in` and exception matching.
        Compare => compare_cycles,
    }
}

cost_table! {
    /// A surcharge the VM adds on top of [`CostModel::op_cycles`] once it knows what an op
    /// actually did (see `[cost.dynamic]` in the board profile).
    enum DynamicCost, count N_DYNAMIC_COSTS, file DynamicFile,
    extra { py_frame_cycles, py_frame_per_slot_cycles, stdout_per_byte_cycles }
    {
        /// An arithmetic op produced a (boxed) float; the allocation is charged separately.
        FloatArith => float_arith_cycles,
        /// An arithmetic op used or produced an int outside the small-int range.
        BigIntArith => bigint_arith_cycles,
        /// One 16-bit digit step of big-int work (an add, shift or multiply-accumulate of
        /// py/mpz.c's inner loops), charged per step on top of `BigIntArith`.
        BigIntDigit => bigint_digit_cycles,
        /// A name lookup missed the globals and was found in builtins.
        BuiltinLookup => builtin_lookup_cycles,
        /// A subscript load or store on a dict.
        DictSubscr => dict_subscr_cycles,
        /// A call reached a short built-in (C) function or method.
        NativeCall => native_call_cycles,
        /// A call instantiated a user class (allocation and `__init__` frame not included).
        ClassInstantiate => class_instantiate_cycles,
        /// A raised exception landed in an `except` handler.
        ExceptionCatch => exception_catch_cycles,
        /// A raised exception left one Python frame on its way out.
        ExceptionUnwindFrame => exception_unwind_frame_cycles,
    }
}

// ------------------------------------------------------------------------------------------
// The validated model
// ------------------------------------------------------------------------------------------

/// Cycle costs of one board: every number the simulator charges for CPU work.
///
/// All costs are in CPU cycles of the core that runs MicroPython; convert them to time with
/// [`crate::time::Clock`] at the current frequency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostModel {
    pub(super) op_base_cycles: [u32; N_OP_CLASSES],
    /// Per-item cycles by class; zero except for `Build`, `Unpack`, `Call`, `CallMethod`.
    pub(super) op_item_cycles: [u32; N_OP_CLASSES],
    pub(super) dynamic_cycles: [u32; N_DYNAMIC_COSTS],
    pub(super) py_frame_cycles: u32,
    pub(super) py_frame_per_slot_cycles: u32,
    pub(super) stdout_per_byte_cycles: u32,
    pub(super) heap: HeapFile,
    pub(super) irq: IrqFile,
    pub(super) sleep: SleepFile,
}

impl CostModel {
    /// Cycles to execute one op of `class` that builds, unpacks or passes `n_items` elements
    /// or arguments: the class's base cost plus, for builds, unpacks and calls, a cost per
    /// item. Run-time surcharges ([`DynamicCost`], [`CostModel::py_frame_cycles`],
    /// allocations) are added by the VM.
    #[inline]
    pub fn op_cycles(&self, class: OpClass, n_items: u32) -> Cycles {
        let idx = class as usize;
        Cycles(
            u64::from(self.op_base_cycles[idx])
                + u64::from(n_items) * u64::from(self.op_item_cycles[idx]),
        )
    }

    /// The base cost of every op in `class`.
    pub fn class_cycles(&self, class: OpClass) -> Cycles {
        Cycles(u64::from(self.op_base_cycles[class as usize]))
    }

    /// The surcharge `cost`.
    #[inline]
    pub fn dynamic_cycles(&self, cost: DynamicCost) -> Cycles {
        Cycles(u64::from(self.dynamic_cycles[cost as usize]))
    }

    /// Setting up and tearing down a Python function frame with `n_slots` locals plus stack
    /// slots (charged when a call reaches bytecode, on top of the call op).
    pub fn py_frame_cycles(&self, n_slots: u32) -> Cycles {
        Cycles(
            u64::from(self.py_frame_cycles)
                + u64::from(n_slots) * u64::from(self.py_frame_per_slot_cycles),
        )
    }

    /// CPU work of printing `n_bytes` to stdout (formatting, `\n` → `\r\n`, FIFO writes).
    /// The time the bytes take on the wire is `UartProfile::bytes_duration`.
    pub fn stdout_cycles(&self, n_bytes: usize) -> Cycles {
        Cycles(n_bytes as u64 * u64::from(self.stdout_per_byte_cycles))
    }

    /// One heap allocation of `n_bytes` (rounded up to whole 16-byte GC blocks, at least one).
    pub fn alloc_cycles(&self, n_bytes: usize) -> Cycles {
        let n_blocks = n_bytes.div_ceil(GC_BLOCK_BYTES).max(1) as u64;
        Cycles(
            u64::from(self.heap.alloc_cycles)
                + n_blocks * u64::from(self.heap.alloc_per_block_cycles),
        )
    }

    /// One full garbage collection with `heap_used_bytes` of the heap in use when it starts.
    pub fn gc_pause_cycles(&self, heap_used_bytes: usize) -> Cycles {
        Cycles(
            u64::from(self.heap.gc_base_cycles)
                + heap_used_bytes as u64 * u64::from(self.heap.gc_per_kib_cycles) / 1024,
        )
    }

    /// From an interrupt line going active to the first instruction of the C handler.
    pub fn isr_entry_cycles(&self) -> Cycles {
        Cycles(u64::from(self.irq.isr_entry_cycles))
    }

    /// From the end of the C handler back to the interrupted code (or to the task switch).
    pub fn isr_exit_cycles(&self) -> Cycles {
        Cycles(u64::from(self.irq.isr_exit_cycles))
    }

    /// The port's GPIO C handler: schedule the Python callback and wake the main task.
    pub fn pin_isr_body_cycles(&self) -> Cycles {
        Cycles(u64::from(self.irq.pin_isr_body_cycles))
    }

    /// The port's hardware-timer C handler: clear the alarm, schedule the callback, wake.
    pub fn timer_isr_body_cycles(&self) -> Cycles {
        Cycles(u64::from(self.irq.timer_isr_body_cycles))
    }

    /// Switching to the main task after an ISR notified it while it was blocked.
    pub fn task_wake_cycles(&self) -> Cycles {
        Cycles(u64::from(self.irq.task_wake_cycles))
    }

    /// Running one scheduled callback at a pending check: `mp_handle_pending` up to the call
    /// (the callback's frame is [`CostModel::py_frame_cycles`], its body is its ops).
    pub fn sched_dispatch_cycles(&self) -> Cycles {
        Cycles(u64::from(self.irq.sched_dispatch_cycles))
    }

    /// Releasing and re-taking the GIL at every `BoardProfile::gil_vm_divisor`-th pending
    /// check (zero on boards without threads).
    pub fn gil_bounce_cycles(&self) -> Cycles {
        Cycles(u64::from(self.irq.gil_bounce_cycles))
    }

    /// `time.sleep`/`sleep_ms` from the call to the first wait.
    pub fn sleep_call_cycles(&self) -> Cycles {
        Cycles(u64::from(self.sleep.sleep_call_cycles))
    }

    /// Each return from the RTOS wait inside a sleep (tick or notification), before the loop
    /// tests the time again; the task switch itself is [`CostModel::task_wake_cycles`].
    pub fn sleep_wake_cycles(&self) -> Cycles {
        Cycles(u64::from(self.sleep.sleep_wake_cycles))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
/// `[cost.heap]`.
pub(super) struct HeapFile {
    pub(super) alloc_cycles: u32,
    pub(super) alloc_per_block_cycles: u32,
    pub(super) gc_base_cycles: u32,
    pub(super) gc_per_kib_cycles: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
/// `[cost.irq]`.
pub(super) struct IrqFile {
    pub(super) isr_entry_cycles: u32,
    pub(super) isr_exit_cycles: u32,
    pub(super) pin_isr_body_cycles: u32,
    pub(super) timer_isr_body_cycles: u32,
    pub(super) task_wake_cycles: u32,
    pub(super) sched_dispatch_cycles: u32,
    pub(super) gil_bounce_cycles: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
/// `[cost.sleep]`.
pub(super) struct SleepFile {
    pub(super) sleep_call_cycles: u32,
    pub(super) sleep_wake_cycles: u32,
}
