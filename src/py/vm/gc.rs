//! The heap model's entry points in the VM: charging allocations, collecting, and the GC roots.
//! MicroPython: py/gc.c and py/malloc.c (`m_malloc` failing into a collection, then
//! `MemoryError`).

use super::*;

impl Vm {
    /// Charges an allocation of `bytes` to the heap model: `MemoryError` when the heap is
    /// locked or full after a collection (facts §3).
    pub fn heap_alloc(&mut self, bytes: usize) -> Result<(), Flow> {
        self.heap_alloc_for(bytes, AllocWhat::Object)
    }

    /// [`Vm::heap_alloc`] for an object of kind `what` (recorded when the heap is locked).
    pub fn heap_alloc_for(&mut self, bytes: usize, what: AllocWhat) -> Result<(), Flow> {
        use super::heap::AllocError;
        match self.heap.try_alloc(bytes) {
            Ok(()) => Ok(()),
            Err(AllocError::Locked) => {
                if self.events.len() < crate::limits::MAX_VM_EVENTS {
                    self.events.push(VmEvent::HeapLocked {
                        at_cycles: self.cycles,
                        bytes,
                        what,
                        line: self.program_line().unwrap_or(0),
                    });
                }
                Err(self.memory_error("memory allocation failed, heap is locked"))
            }
            Err(AllocError::Full) => {
                self.collect_garbage();
                match self.heap.alloc_after_collect(bytes) {
                    Ok(()) => Ok(()),
                    Err(_) => Err(self.memory_error(&format!(
                        "memory allocation failed, allocating {bytes} bytes"
                    ))),
                }
            }
        }
    }

    /// Runs a collection now (`gc.collect()`, or an allocation that did not fit): measures the
    /// live heap from the roots, charges the pause and records it for the trace.
    pub fn collect_garbage(&mut self) {
        let roots = self.gc_roots();
        let live = super::heap::mark_live_bytes(&roots);
        let start_cycles = self.cycles;
        let pause = self.heap.collected(live);
        self.cycles += pause;
        if self.events.len() < crate::limits::MAX_VM_EVENTS {
            self.events.push(VmEvent::Gc {
                start_cycles,
                pause_cycles: pause,
                live_bytes: live,
                line: self.program_line().unwrap_or(0),
            });
        }
    }

    /// Everything the GC treats as reachable: frames, globals, modules, the schedule queue
    /// and the host's registered handlers.
    pub(super) fn gc_roots(&self) -> Vec<Value> {
        let mut roots: Vec<Value> = vec![Value::Dict(self.main_globals.clone())];
        for f in &self.frames {
            roots.extend(f.stack.iter().cloned());
            roots.extend(f.locals.iter().cloned());
            roots.push(Value::Dict(f.globals.clone()));
            if let Some(n) = &f.names {
                roots.push(Value::Dict(n.clone()));
            }
        }
        for (k, v) in self.modules.iter() {
            roots.push(k.clone());
            roots.push(v.clone());
        }
        for (f, a) in self.sched.entries() {
            roots.push(f.clone());
            roots.push(a.clone());
        }
        roots.extend(self.extra_roots.iter().cloned());
        roots
    }
}
