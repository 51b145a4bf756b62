//! Resuming generators and coroutines (`send`, `throw`, `yield from`). MicroPython:
//! py/objgen.c (`mp_obj_gen_resume`).

use super::*;

impl Vm {
    /// Resumes a generator (or any iterator, for `yield from`) with `send` or a thrown exception.
    pub fn resume_value(
        &mut self,
        host: &mut dyn Host,
        it: &Value,
        send: Value,
        throw: Option<Value>,
    ) -> Result<Resumed, Flow> {
        match it {
            Value::Generator(g) => self.resume(host, g, send, throw),
            other => {
                if let Some(exc) = throw {
                    return Err(Flow::Exception(exc));
                }
                if !matches!(send, Value::None) {
                    let m = self.load_attr(host, other, &Value::str("send"))?;
                    return match self.call(host, &m, &[send], &[]) {
                        Ok(v) => Ok(Resumed::Yield(v)),
                        Err(Flow::Exception(e))
                            if self.is_instance_of(&e, &self.exc.stop_iteration.clone()) =>
                        {
                            Ok(Resumed::Return(self.stop_iteration_value(&e)))
                        }
                        Err(e) => Err(e),
                    };
                }
                // An instance's `__next__` may end with `StopIteration(value)`: that value is
                // the result of `yield from` / `await` (mp_resume; how a Task hands back its
                // result, facts §5.1).
                if let Value::Instance(i) = other
                    && let Some(f) = self.lookup_class_attr(&i.class, "__next__")
                {
                    return match self.call(host, &f, std::slice::from_ref(other), &[]) {
                        Ok(v) => Ok(Resumed::Yield(v)),
                        Err(Flow::Exception(e))
                            if self.is_instance_of(&e, &self.exc.stop_iteration.clone()) =>
                        {
                            Ok(Resumed::Return(self.stop_iteration_value(&e)))
                        }
                        Err(e) => Err(e),
                    };
                }
                match self.iter_next(host, other)? {
                    Some(v) => Ok(Resumed::Yield(v)),
                    None => Ok(Resumed::Return(Value::None)),
                }
            }
        }
    }

    /// Resumes generator `g`.
    #[expect(
        clippy::too_many_lines,
        reason = "resumes a generator in objgen.c's order (send, throw, close), kept whole to read beside mp_obj_gen_resume"
    )]
    pub fn resume(
        &mut self,
        host: &mut dyn Host,
        g: &Rc<RefCell<Generator>>,
        send: Value,
        throw: Option<Value>,
    ) -> Result<Resumed, Flow> {
        let mut frame = {
            let mut gstate = g.borrow_mut();
            match gstate.state {
                GenState::Running => {
                    drop(gstate);
                    return Err(self.value_error("generator already executing"));
                }
                GenState::Finished => {
                    drop(gstate);
                    if let Some(exc) = throw {
                        return Err(Flow::Exception(exc));
                    }
                    return Ok(Resumed::Return(Value::None));
                }
                GenState::Created if !matches!(send, Value::None) && throw.is_none() => {
                    drop(gstate);
                    return Err(
                        self.type_error("can't send non-None value to a just-started generator")
                    );
                }
                _ => {}
            }
            gstate.state = GenState::Running;
            gstate
                .frame
                .take()
                .expect("a suspended generator keeps its frame")
        };
        let started = frame.ip > 0;
        if let Some(exc) = throw {
            // Throw into a delegating `yield from`: pass it down first.
            if started && matches!(frame.code.ops[frame.ip], Op::YieldFrom) {
                frame.stack.push(Value::Null);
                frame.inject = None;
                frame.mode = FrameMode::Boundary;
                let sub = frame.stack[frame.stack.len() - 2].clone();
                frame.stack.pop();
                // Run the sub-iterator's throw in a nested resume, then continue here.
                let r = self.resume_value(host, &sub, Value::None, Some(exc));
                match r {
                    Ok(Resumed::Yield(v)) => {
                        let mut gstate = g.borrow_mut();
                        gstate.frame = Some(frame);
                        gstate.state = GenState::Suspended;
                        return Ok(Resumed::Yield(v));
                    }
                    Ok(Resumed::Return(v)) => {
                        frame.stack.pop();
                        frame.stack.push(v);
                        frame.ip += 1;
                    }
                    Err(Flow::Exception(e)) => {
                        frame.stack.pop();
                        frame.ip += 1;
                        frame.inject = Some(e);
                    }
                    Err(abort) => {
                        g.borrow_mut().state = GenState::Finished;
                        return Err(abort);
                    }
                }
            } else {
                frame.inject = Some(exc);
            }
        } else if started {
            frame.stack.push(send);
        }
        frame.mode = FrameMode::Boundary;
        let r = self.run_frame(host, frame);
        let mut gstate = g.borrow_mut();
        match r {
            Ok(Exit::Yield(v, frame)) => {
                gstate.frame = Some(frame);
                gstate.state = GenState::Suspended;
                Ok(Resumed::Yield(v))
            }
            Ok(Exit::Return(v)) => {
                gstate.state = GenState::Finished;
                Ok(Resumed::Return(v))
            }
            Err(e) => {
                gstate.state = GenState::Finished;
                Err(e)
            }
        }
    }
}
