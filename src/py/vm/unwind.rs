//! Exception and `return`/`break` unwinding through the frames' block stacks: handler search,
//! pending `finally` blocks and `with` cleanup. MicroPython: the `exception_handler` /
//! `unwind_return` / `unwind_jump` parts of py/vm.c.

use super::*;

impl Vm {
    /// Finds a handler for `exc` in the frames above `base`, popping frames without one.
    /// Returns false (with the frames above `base` gone) when none handles it.
    pub(super) fn unwind(&mut self, exc: Value, base: usize) -> bool {
        loop {
            let frame = self.frames.last_mut().expect("unwinding needs a frame");
            let fault_ip = frame.ip.saturating_sub(1);
            let fault_op = frame.code.ops.get(fault_ip).copied();
            // Re-raises do not add a traceback line (vm.c: END_FINALLY, RAISE_LAST).
            if !matches!(fault_op, Some(Op::EndFinally) | Some(Op::RaiseLast))
                && !frame.is_generator_exit(&exc)
            {
                add_traceback(
                    &exc,
                    &frame.code,
                    frame.code.lines.get(fault_ip).copied().unwrap_or(0),
                );
            }
            while let Some(b) = frame.blocks.last() {
                if b.handler as usize <= fault_ip {
                    frame.blocks.pop();
                } else {
                    break;
                }
            }
            if let Some(b) = frame.blocks.last_mut() {
                b.prev_exc = Some(exc.clone());
                let (sp, handler) = (b.sp as usize, b.handler as usize);
                frame.stack.truncate(sp);
                frame.stack.push(exc);
                frame.ip = handler;
                return true;
            }
            self.frames.pop();
            if self.frames.len() <= base {
                return false;
            }
        }
    }

    /// Handles `return v` in the top frame: runs pending finally blocks first
    /// (vm.c `unwind_return`). Returns `Some(exit)` when the frame actually exited.
    pub(super) fn unwind_return(&mut self, mut v: Value) -> Result<Option<Exit>, Flow> {
        let f = self.frames.last_mut().expect("return needs a frame");
        while let Some(b) = f.blocks.last() {
            if b.is_finally {
                if b.handler as usize >= f.ip {
                    // An inactive finally: run it, then come back here (marker -1).
                    let sp = b.sp as usize;
                    f.stack.truncate(sp);
                    f.stack.push(v);
                    f.stack.push(Value::Int(-1));
                    f.ip = b.handler as usize;
                    return Ok(None);
                }
                // vm.c keeps the return value on top while it cancels (`sp[0]`).
                f.stack.push(v);
                cancel_active_finally(&mut f.stack);
                v = f.stack.pop().expect("the return value is back on top");
            }
            f.blocks.pop();
        }
        let frame = self.frames.pop().expect("frame to return from");
        match frame.mode {
            FrameMode::Boundary => {
                if frame.is_generator {
                    return Ok(Some(Exit::Return(v)));
                }
                Ok(Some(Exit::Return(v)))
            }
            FrameMode::Normal => {
                self.frames
                    .last_mut()
                    .expect("caller of a normal frame")
                    .stack
                    .push(v);
                Ok(None)
            }
            FrameMode::Init(inst) => {
                if !matches!(v, Value::None) {
                    return Err(self.type_error("__init__() should return None"));
                }
                self.frames
                    .last_mut()
                    .expect("caller of __init__")
                    .stack
                    .push(inst);
                Ok(None)
            }
        }
    }

    /// `break`/`continue` through `finally` blocks (vm.c `unwind_jump`). The destination op
    /// index sits on the stack under nothing; `unum` counts blocks, 0x80 pops the iterator.
    pub(super) fn unwind_jump(&mut self, mut unum: u32) -> Result<(), Flow> {
        let f = self.frames.last_mut().expect("unwind needs a frame");
        while unum & 0x7f > 0 {
            unum -= 1;
            let b = f
                .blocks
                .last()
                .expect("UNWIND_JUMP past the block stack: compiler bug");
            if b.is_finally {
                if b.handler as usize >= f.ip {
                    f.stack.push(Value::Int(unum as i32));
                    f.ip = b.handler as usize;
                    return Ok(());
                }
                cancel_active_finally(&mut f.stack);
            }
            f.blocks.pop();
        }
        let dest = match f.stack.pop() {
            Some(Value::Int(d)) => d as usize,
            _ => panic!("UNWIND_JUMP destination missing: compiler bug"),
        };
        if unum != 0 {
            f.stack.pop();
        }
        f.ip = dest;
        Ok(())
    }

    pub(super) fn with_cleanup(&mut self, host: &mut dyn Host) -> Result<(), Flow> {
        let f = self.frames.last_mut().expect("with needs a frame");
        let tos = f.stack.last().expect("WITH_CLEANUP underflow").clone();
        match tos {
            Value::None => {
                // (exit mgr None -- None)
                f.stack.pop();
                let _mgr = f.stack.pop();
                let exit = f.stack.pop().expect("__exit__");
                self.call(host, &exit, &[Value::None, Value::None, Value::None], &[])?;
                self.frames
                    .last_mut()
                    .expect("frame")
                    .stack
                    .push(Value::None);
            }
            Value::Int(_) => {
                // (exit mgr data cause -- data cause)
                let cause = f.stack.pop().expect("cause");
                let data = f.stack.pop().expect("data");
                let _mgr = f.stack.pop();
                let exit = f.stack.pop().expect("__exit__");
                self.call(host, &exit, &[Value::None, Value::None, Value::None], &[])?;
                let f = self.frames.last_mut().expect("frame");
                f.stack.push(data);
                f.stack.push(cause);
            }
            exc => {
                f.stack.pop();
                let _mgr = f.stack.pop();
                let exit = f.stack.pop().expect("__exit__");
                let ty = self.type_of(&exc);
                let r = self.call(host, &exit, &[ty, exc.clone(), Value::None], &[])?;
                let swallow = self.truthy(host, &r)?;
                let f = self.frames.last_mut().expect("frame");
                f.stack.push(if swallow { Value::None } else { exc });
            }
        }
        Ok(())
    }
}
