//! The opcode dispatch loop: one flat `match` over [`Op`], as py/vm.c's `mp_execute_bytecode`
//! (its `DISPATCH()` table), plus the pending-exception/scheduler check between ops.

use super::*;

impl Vm {
    /// Runs ops of the top frame (and frames it pushes) until the frame at `base` exits.
    #[expect(
        clippy::too_many_lines,
        reason = "the opcode match is one flat table, as vm.c's"
    )]
    pub(super) fn dispatch(&mut self, host: &mut dyn Host, base: usize) -> Result<Exit, Flow> {
        macro_rules! top {
            () => {
                self.frames.last_mut().expect("dispatch runs with a frame")
            };
        }
        macro_rules! pop {
            () => {
                top!()
                    .stack
                    .pop()
                    .expect("value stack underflow: compiler bug")
            };
        }
        macro_rules! push {
            ($v:expr) => {{
                let v = $v;
                top!().stack.push(v)
            }};
        }
        // A generator throw() or a KeyboardInterrupt injected at resume.
        if let Some(exc) = top!().inject.take() {
            return Err(Flow::Exception(exc));
        }
        loop {
            let frame = top!();
            let op = frame.code.ops[frame.ip];
            frame.ip += 1;
            self.n_ops += 1;
            self.cycles += frame.info.costs[frame.ip - 1] as u64;
            if self.cycles >= self.deadline_cycles {
                host.on_deadline(self)?;
            }
            match op {
                Op::LoadConstFalse => push!(Value::Bool(false)),
                Op::LoadConstNone => push!(Value::None),
                Op::LoadConstTrue => push!(Value::Bool(true)),
                Op::LoadConstSmallInt(n) => push!(Value::Int(n)),
                Op::LoadConstString(i) => {
                    let s = self.const_str(i);
                    push!(s)
                }
                Op::LoadConstObj(i) => {
                    let c = top!().code.consts[i as usize].clone();
                    let v = self.const_value(&c);
                    push!(v)
                }
                Op::LoadNull => push!(Value::Null),
                Op::LoadFast(n) => {
                    let f = top!();
                    let v = f.locals[n as usize].clone();
                    if v.is_null() {
                        return Err(self.new_exc_msg(
                            &self.exc.name_error.clone(),
                            "local variable referenced before assignment",
                        ));
                    }
                    f.stack.push(v);
                }
                Op::LoadDeref(n) => {
                    let v = match &top!().locals[n as usize] {
                        Value::Cell(c) => c.borrow().clone(),
                        _ => panic!("LOAD_DEREF of a non-cell slot: compiler bug"),
                    };
                    if v.is_null() {
                        return Err(self.new_exc_msg(
                            &self.exc.name_error.clone(),
                            "local variable referenced before assignment",
                        ));
                    }
                    push!(v)
                }
                Op::LoadName(i) | Op::LoadGlobal(i) => {
                    // Inline cache: the slot where this op last found its name (re-checked).
                    let f = top!();
                    let found = {
                        let info = &f.info;
                        let name = &info.names[i as usize];
                        let dict = match (op, &f.names) {
                            (Op::LoadName(_), Some(n)) => n,
                            _ => &f.globals,
                        };
                        let hint = &info.hints[f.ip - 1];
                        dict.borrow()
                            .get_hinted(name, str_hash(name), hint)
                            .cloned()
                    };
                    match found {
                        Some(v) => f.stack.push(v),
                        None => {
                            let name = self.name_at(i);
                            let v = match op {
                                Op::LoadName(_) => self.load_name(&name)?,
                                _ => self.load_global(&name)?,
                            };
                            push!(v)
                        }
                    }
                    if self.track_access && !self.track_hit(host, (0, 0), AccessKind::Read) {
                        let name = self.name_at(i);
                        let v = top!().stack.last().cloned().unwrap_or(Value::Null);
                        let at = AccessAt::Global(&name, &v);
                        self.track_miss(host, (0, 0), at, AccessKind::Read);
                    }
                }
                Op::LoadAttr(i) => {
                    let name = self.name_at(i);
                    let obj = pop!();
                    let v = self.load_attr(host, &obj, &name)?;
                    if self.track_access {
                        let site = (obj.heap_addr().unwrap_or(1), 0);
                        if !self.track_hit(host, site, AccessKind::Read) {
                            let at = AccessAt::Attr(&obj, &name, &v);
                            self.track_miss(host, site, at, AccessKind::Read);
                        }
                    }
                    push!(v)
                }
                Op::LoadMethod(i) => {
                    let name = self.name_at(i);
                    let obj = pop!();
                    if self.track_access
                        && let Some(kind) = container_method_access(&obj, &name)
                    {
                        self.track_whole(host, &obj, kind);
                    }
                    let (m, s) = self.load_method(host, &obj, &name)?;
                    push!(m);
                    push!(s);
                }
                Op::LoadSuperMethod(i) => {
                    let name = self.name_at(i);
                    let this = pop!();
                    let cls = pop!();
                    let _super = pop!();
                    let (m, s) = self.load_super_method(&cls, &this, &name)?;
                    push!(m);
                    push!(s);
                }
                Op::LoadBuildClass => push!(Vm::build_class_fn()),
                Op::LoadSubscr => {
                    if self.track_access {
                        let f = top!();
                        let n = f.stack.len();
                        let (obj, index) = (f.stack[n - 2].clone(), f.stack[n - 1].clone());
                        self.track_item(host, &obj, &index, false);
                    }
                    // Fast path: list[small int] in range.
                    let f = top!();
                    let n = f.stack.len();
                    if let (Value::List(l), Value::Int(i)) = (&f.stack[n - 2], &f.stack[n - 1]) {
                        let l = l.borrow();
                        let len = l.len() as i64;
                        let j = if *i < 0 { *i as i64 + len } else { *i as i64 };
                        if (0..len).contains(&j) {
                            let v = l[j as usize].clone();
                            drop(l);
                            f.stack.truncate(n - 1);
                            f.stack[n - 2] = v;
                            continue;
                        }
                    }
                    let index = pop!();
                    let obj = pop!();
                    let v = self.subscr(host, &obj, &index)?;
                    push!(v)
                }
                Op::StoreFast(n) => {
                    let f = top!();
                    let v = f.stack.pop().expect("value stack underflow: compiler bug");
                    f.locals[n as usize] = v;
                }
                Op::StoreDeref(n) => {
                    let v = pop!();
                    match &top!().locals[n as usize] {
                        Value::Cell(c) => *c.borrow_mut() = v,
                        _ => panic!("STORE_DEREF of a non-cell slot: compiler bug"),
                    }
                }
                Op::StoreName(i) | Op::StoreGlobal(i) => {
                    if self.track_access && !self.track_hit(host, (0, 0), AccessKind::Write) {
                        let name = self.name_at(i);
                        let v = top!().stack.last().cloned().unwrap_or(Value::Null);
                        let at = AccessAt::Global(&name, &v);
                        self.track_miss(host, (0, 0), at, AccessKind::Write);
                    }
                    let f = top!();
                    let mut v = f.stack.pop();
                    let dict = match (op, &f.names) {
                        (Op::StoreName(_), Some(n)) => n.clone(),
                        _ => f.globals.clone(),
                    };
                    {
                        // Inline cache for an existing name, as for loads.
                        let name = &f.info.names[i as usize];
                        let hint = &f.info.hints[f.ip - 1];
                        let mut d = dict.borrow_mut();
                        if let Some(slot) = d.get_mut_hinted(name, str_hash(name), hint) {
                            *slot = v.take().expect("STORE_NAME has a value");
                        }
                    }
                    if let Some(v) = v {
                        let name = self.name_at(i);
                        self.dict_store_name(&dict, name, v)?;
                    }
                }
                Op::StoreAttr(i) => {
                    let name = self.name_at(i);
                    let obj = pop!();
                    let v = pop!();
                    if self.track_access {
                        let site = (obj.heap_addr().unwrap_or(1), 0);
                        if !self.track_hit(host, site, AccessKind::Write) {
                            let at = AccessAt::Attr(&obj, &name, &v);
                            self.track_miss(host, site, at, AccessKind::Write);
                        }
                    }
                    self.store_attr(host, &obj, &name, v)?;
                }
                Op::StoreSubscr => {
                    let index = pop!();
                    let obj = pop!();
                    let v = pop!();
                    if self.track_access {
                        self.track_item(host, &obj, &index, true);
                    }
                    self.store_subscr(host, &obj, &index, v)?;
                }
                Op::DeleteFast(n) => {
                    let f = top!();
                    if f.locals[n as usize].is_null() {
                        return Err(self.new_exc_msg(
                            &self.exc.name_error.clone(),
                            "local variable referenced before assignment",
                        ));
                    }
                    f.locals[n as usize] = Value::Null;
                }
                Op::DeleteDeref(n) => {
                    if let Value::Cell(c) = &top!().locals[n as usize] {
                        *c.borrow_mut() = Value::Null;
                    }
                }
                Op::DeleteName(i) | Op::DeleteGlobal(i) => {
                    let name = self.name_at(i);
                    let f = top!();
                    let dict = match op {
                        Op::DeleteName(_) => f.names.clone().unwrap_or_else(|| f.globals.clone()),
                        _ => f.globals.clone(),
                    };
                    let hash = str_hash(&name);
                    if dict.borrow_mut().remove_hashed(&name, hash).is_none() {
                        return Err(self.name_error(&name));
                    }
                }
                Op::DupTop => {
                    let v = top!().stack.last().expect("DUP_TOP on empty stack").clone();
                    push!(v)
                }
                Op::DupTopTwo => {
                    let f = top!();
                    let n = f.stack.len();
                    let (a, b) = (f.stack[n - 2].clone(), f.stack[n - 1].clone());
                    f.stack.push(a);
                    f.stack.push(b);
                }
                Op::PopTop => {
                    pop!();
                }
                Op::RotTwo => {
                    let f = top!();
                    let n = f.stack.len();
                    f.stack.swap(n - 1, n - 2);
                }
                Op::RotThree => {
                    // (a b c -- c a b)
                    let f = top!();
                    let c = f.stack.pop().expect("ROT_THREE underflow");
                    let n = f.stack.len();
                    f.stack.insert(n - 2, c);
                }
                Op::Jump(t) => {
                    top!().ip = t as usize;
                    self.pending_check(host)?;
                }
                Op::PopJumpIfTrue(t) => {
                    let v = pop!();
                    if self.truthy(host, &v)? {
                        top!().ip = t as usize;
                    }
                    self.pending_check(host)?;
                }
                Op::PopJumpIfFalse(t) => {
                    let v = pop!();
                    if !self.truthy(host, &v)? {
                        top!().ip = t as usize;
                    }
                    self.pending_check(host)?;
                }
                Op::JumpIfTrueOrPop(t) => {
                    let v = top!().stack.last().expect("underflow").clone();
                    if self.truthy(host, &v)? {
                        top!().ip = t as usize;
                    } else {
                        pop!();
                    }
                    self.pending_check(host)?;
                }
                Op::JumpIfFalseOrPop(t) => {
                    let v = top!().stack.last().expect("underflow").clone();
                    if !self.truthy(host, &v)? {
                        top!().ip = t as usize;
                    } else {
                        pop!();
                    }
                    self.pending_check(host)?;
                }
                Op::UnwindJump {
                    target,
                    n_unwind,
                    pop_iter,
                } => {
                    push!(Value::Int(target as i32));
                    let unum = n_unwind as u32 | if pop_iter { 0x80 } else { 0 };
                    self.unwind_jump(unum)?;
                    self.pending_check(host)?;
                }
                Op::SetupWith(t) => {
                    let mgr = pop!();
                    let exit = self.load_attr(host, &mgr, &Value::str("__exit__"))?;
                    let enter = self.load_attr(host, &mgr, &Value::str("__enter__"))?;
                    let ret = self.call(host, &enter, &[], &[])?;
                    push!(exit);
                    push!(mgr);
                    let f = top!();
                    let sp = f.stack.len() as u32;
                    f.blocks.push(Block {
                        handler: t,
                        sp,
                        is_finally: true,
                        prev_exc: None,
                    });
                    f.stack.push(ret);
                }
                Op::WithCleanup => self.with_cleanup(host)?,
                Op::SetupExcept(t) | Op::SetupFinally(t) => {
                    let f = top!();
                    let sp = f.stack.len() as u32;
                    f.blocks.push(Block {
                        handler: t,
                        sp,
                        is_finally: matches!(op, Op::SetupFinally(_)),
                        prev_exc: None,
                    });
                }
                Op::EndFinally => {
                    let f = top!();
                    f.blocks.pop();
                    let tos = f.stack.pop().expect("END_FINALLY underflow");
                    match tos {
                        Value::None => {}
                        Value::Int(cause) if cause < 0 => {
                            // Resume an unwinding return: the value is below the marker.
                            let ret = f.stack.pop().expect("return value under the marker");
                            if let Some(exit) = self.unwind_return(ret)?
                                && self.frames.len() == base
                            {
                                return Ok(exit);
                            }
                        }
                        Value::Int(cause) => {
                            self.unwind_jump(cause as u32)?;
                            self.pending_check(host)?;
                        }
                        exc => return Err(Flow::Exception(exc)),
                    }
                }
                Op::GetIter | Op::GetIterStack => {
                    if self.track_access {
                        let obj = top!().stack.last().cloned().unwrap_or(Value::Null);
                        if container_method_access(&obj, &Value::str("__iter__")).is_some() {
                            self.track_whole(host, &obj, AccessKind::ReadAll);
                        }
                    }
                    let obj = pop!();
                    let it = self.get_iter(host, &obj)?;
                    push!(it)
                }
                Op::ForIter(t) => {
                    let it = top!()
                        .stack
                        .last()
                        .expect("FOR_ITER without iterator")
                        .clone();
                    match self.iter_next(host, &it)? {
                        Some(v) => push!(v),
                        None => {
                            let f = top!();
                            f.stack.pop();
                            f.ip = t as usize;
                        }
                    }
                }
                Op::PopExceptJump(t) => {
                    let f = top!();
                    f.blocks.pop();
                    f.ip = t as usize;
                    self.pending_check(host)?;
                }
                Op::BuildTuple(n) => {
                    let f = top!();
                    let items = f.stack.split_off(f.stack.len() - n as usize);
                    if n > 0 {
                        self.heap_alloc(8 + 4 * n as usize)?;
                    }
                    push!(Value::tuple(items))
                }
                Op::BuildList(n) => {
                    let f = top!();
                    let items = f.stack.split_off(f.stack.len() - n as usize);
                    self.heap_alloc(16 + 4 * n as usize)?;
                    push!(Value::list(items))
                }
                Op::BuildMap(n) => {
                    self.heap_alloc(16 + 8 * n as usize)?;
                    push!(Value::Dict(Rc::new(RefCell::new(Dict::with_alloc(
                        n as usize
                    )))))
                }
                Op::StoreMap => {
                    let key = pop!();
                    let v = pop!();
                    let map = top!().stack.last().expect("STORE_MAP without map").clone();
                    self.setitem(host, &map, key, v)?;
                }
                Op::BuildSet(n) => {
                    let f = top!();
                    let items = f.stack.split_off(f.stack.len() - n as usize);
                    self.heap_alloc(16 + 8 * n as usize)?;
                    let set = Value::Set(Rc::new(RefCell::new(Dict::new())));
                    for it in items {
                        self.set_add(&set, it)?;
                    }
                    push!(set)
                }
                Op::BuildSlice(n) => {
                    let step = if n == 3 { pop!() } else { Value::None };
                    let stop = pop!();
                    let start = pop!();
                    self.heap_alloc(16)?;
                    push!(Value::Slice(Rc::new(Slice { start, stop, step })))
                }
                Op::StoreComp { kind, depth } => {
                    use crate::py::bytecode::CompKind;
                    let f = top!();
                    match kind {
                        CompKind::List => {
                            let v = f.stack.pop().expect("underflow");
                            let coll = f.stack[f.stack.len() - depth as usize - 1].clone();
                            self.list_append(&coll, v)?;
                        }
                        CompKind::Set => {
                            let v = f.stack.pop().expect("underflow");
                            let coll = f.stack[f.stack.len() - depth as usize - 1].clone();
                            self.set_add(&coll, v)?;
                        }
                        CompKind::Dict => {
                            let k = f.stack.pop().expect("underflow");
                            let v = f.stack.pop().expect("underflow");
                            let coll = f.stack[f.stack.len() - depth as usize - 1].clone();
                            self.setitem(host, &coll, k, v)?;
                        }
                    }
                }
                Op::UnpackSequence(n) => {
                    let seq = pop!();
                    let items = self.unpack(host, &seq, n as usize)?;
                    let f = top!();
                    f.stack.extend(items.into_iter().rev());
                }
                Op::UnpackEx { n_before, n_after } => {
                    let seq = pop!();
                    let items = self.collect_iter(host, &seq)?;
                    let (nb, na) = (n_before as usize, n_after as usize);
                    if items.len() < nb + na {
                        return Err(self.value_error(&format!(
                            "need more than {} values to unpack",
                            items.len()
                        )));
                    }
                    let mid = Value::list(items[nb..items.len() - na].to_vec());
                    let f = top!();
                    for v in items[items.len() - na..].iter().rev() {
                        f.stack.push(v.clone());
                    }
                    f.stack.push(mid);
                    for v in items[..nb].iter().rev() {
                        f.stack.push(v.clone());
                    }
                }
                Op::MakeFunction(c) => {
                    let v = self.make_function(c, None, None, Vec::new())?;
                    push!(v)
                }
                Op::MakeFunctionDefargs(c) => {
                    let kwd = pop!();
                    let defs = pop!();
                    let v = self.make_function(c, Some(defs), Some(kwd), Vec::new())?;
                    push!(v)
                }
                Op::MakeClosure { child, n_closed }
                | Op::MakeClosureDefargs { child, n_closed } => {
                    let f = top!();
                    let cells = f.stack.split_off(f.stack.len() - n_closed as usize);
                    let (defs, kwd) = if matches!(op, Op::MakeClosureDefargs { .. }) {
                        let kwd = pop!();
                        let defs = pop!();
                        (Some(defs), Some(kwd))
                    } else {
                        (None, None)
                    };
                    let v = self.make_function(child, defs, kwd, cells)?;
                    push!(v)
                }
                Op::CallFunction { n_pos, n_kw } | Op::CallFunctionVarKw { n_pos, n_kw } => {
                    let star = matches!(op, Op::CallFunctionVarKw { .. });
                    let (fun, args, kw) = self.take_call_args(host, n_pos, n_kw, star, false)?;
                    self.do_call(host, fun, args, kw)?;
                }
                Op::CallMethod { n_pos, n_kw } | Op::CallMethodVarKw { n_pos, n_kw } => {
                    let star = matches!(op, Op::CallMethodVarKw { .. });
                    let (fun, args, kw) = self.take_call_args(host, n_pos, n_kw, star, true)?;
                    self.do_call(host, fun, args, kw)?;
                }
                Op::ReturnValue => {
                    let v = pop!();
                    if let Some(exit) = self.unwind_return(v)?
                        && self.frames.len() == base
                    {
                        return Ok(exit);
                    }
                }
                Op::RaiseLast => {
                    let f = top!();
                    let prev = f.blocks.iter().rev().find_map(|b| b.prev_exc.clone());
                    return Err(match prev {
                        Some(e) => Flow::Exception(e),
                        None => self.new_exc_msg(
                            &self.exc.runtime_error.clone(),
                            "no active exception to reraise",
                        ),
                    });
                }
                Op::RaiseObj => {
                    let v = pop!();
                    return Err(Flow::Exception(self.make_raise_obj(host, v)?));
                }
                Op::RaiseFrom => {
                    let _cause = pop!();
                    let v = pop!();
                    return Err(Flow::Exception(self.make_raise_obj(host, v)?));
                }
                Op::YieldValue => {
                    let v = pop!();
                    let frame = self.frames.pop().expect("yield from a frame");
                    assert!(
                        self.frames.len() == base,
                        "a generator frame is always the base of its nested run"
                    );
                    return Ok(Exit::Yield(v, frame));
                }
                Op::YieldFrom => {
                    let send = pop!();
                    let sub = top!()
                        .stack
                        .last()
                        .expect("YIELD_FROM without iterator")
                        .clone();
                    match self.resume_value(host, &sub, send, None)? {
                        Resumed::Yield(v) => {
                            top!().ip -= 1;
                            let frame = self.frames.pop().expect("yield from a frame");
                            assert!(
                                self.frames.len() == base,
                                "a generator frame is always the base of its nested run"
                            );
                            return Ok(Exit::Yield(v, frame));
                        }
                        Resumed::Return(v) => {
                            pop!();
                            push!(v);
                        }
                    }
                }
                Op::ImportName(i) => {
                    let name = self.name_at(i);
                    let _level = pop!();
                    let _fromlist = pop!();
                    let m = self.import(host, &name)?;
                    push!(m)
                }
                Op::ImportFrom(i) => {
                    let name = self.name_at(i);
                    let m = top!()
                        .stack
                        .last()
                        .expect("IMPORT_FROM without module")
                        .clone();
                    let v = match self.load_attr(host, &m, &name) {
                        Ok(v) => v,
                        Err(Flow::Exception(_)) => {
                            return Err(self.new_exc_msg(
                                &self.exc.import_error.clone(),
                                &format!("can't import name {}", str_text(&name)),
                            ));
                        }
                        Err(e) => return Err(e),
                    };
                    push!(v)
                }
                Op::ImportStar => {
                    let m = pop!();
                    if let Value::Module(m) = m {
                        let items: Vec<(Value, Value)> = m
                            .dict
                            .borrow()
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect();
                        let dict = top!()
                            .names
                            .clone()
                            .unwrap_or_else(|| top!().globals.clone());
                        for (k, v) in items {
                            if !str_text(&k).starts_with('_') {
                                self.dict_store_name(&dict, k, v)?;
                            }
                        }
                    }
                }
                Op::UnaryOp(u) => {
                    let a = pop!();
                    let v = self.unary_op(host, u, &a)?;
                    push!(v)
                }
                Op::BinaryOp(b) => {
                    // Fast path: small ints, the common case in loops (no allocation).
                    let f = top!();
                    let n = f.stack.len();
                    if let (Value::Int(x), Value::Int(y)) = (&f.stack[n - 2], &f.stack[n - 1])
                        && let Some(r) = small_int_op(b, *x as i64, *y as i64)
                    {
                        f.stack.truncate(n - 1);
                        f.stack[n - 2] = r;
                        continue;
                    }
                    let rhs = pop!();
                    let lhs = pop!();
                    let v = self.binary_op(host, b, lhs, rhs)?;
                    push!(v)
                }
            }
        }
    }

    /// The pending check of vm.c (`pending_exception_check`): raise a pending
    /// KeyboardInterrupt, else run at most one scheduled callback (facts §1.1, §2.2).
    #[inline]
    pub(super) fn pending_check(&mut self, host: &mut dyn Host) -> Result<(), Flow> {
        if self.pending_exception.is_some() || self.sched.is_pending() {
            self.run_one_pending(host)?;
        }
        Ok(())
    }
}
