//! Generator methods: `send`, `throw`, `close`, `__next__` (py/objgen.c).

use super::*;

/// Methods of generators.
pub static GEN_METHODS: &[&BuiltinDef] = &[&G_SEND, &G_THROW, &G_CLOSE, &G_NEXT];
fn gen_of(a: &[Value]) -> Rc<RefCell<Generator>> {
    match &a[0] {
        Value::Generator(g) => g.clone(),
        _ => unreachable!("generator method"),
    }
}
fn resumed(vm: &mut Vm, r: Resumed) -> PyResult {
    match r {
        Resumed::Yield(v) => Ok(v),
        Resumed::Return(v) => {
            let c = vm.exc.stop_iteration.clone();
            let args = if matches!(v, Value::None) {
                vec![]
            } else {
                vec![v]
            };
            Err(Flow::Exception(vm.new_exception(&c, args)))
        }
    }
}
method!(G_SEND, "send", |vm, host, a, _| {
    let g = gen_of(a);
    let r = vm.resume(host, &g, arg(vm, a, 1)?, None)?;
    resumed(vm, r)
});
method!(G_NEXT, "__next__", |vm, host, a, _| {
    let g = gen_of(a);
    let r = vm.resume(host, &g, Value::None, None)?;
    resumed(vm, r)
});
method!(G_THROW, "throw", |vm, host, a, _| {
    let g = gen_of(a);
    let e = arg(vm, a, 1)?;
    let exc = match &e {
        Value::Class(_) => vm.call(host, &e, &[], &[])?,
        _ => e,
    };
    let r = vm.resume(host, &g, Value::None, Some(exc))?;
    resumed(vm, r)
});
method!(G_CLOSE, "close", |vm, host, a, _| {
    let g = gen_of(a);
    let state = g.borrow().state;
    if state != GenState::Suspended {
        g.borrow_mut().state = GenState::Finished;
        return Ok(Value::None);
    }
    let c = vm.exc.generator_exit.clone();
    let exit = vm.new_exception(&c, vec![]);
    match vm.resume(host, &g, Value::None, Some(exit)) {
        Ok(Resumed::Yield(_)) => Err(vm.new_exc_msg(
            &vm.exc.runtime_error.clone(),
            "generator ignored GeneratorExit",
        )),
        Ok(Resumed::Return(_)) => Ok(Value::None),
        Err(Flow::Exception(e))
            if vm.is_instance_of(&e, &c)
                || vm.is_instance_of(&e, &vm.exc.stop_iteration.clone()) =>
        {
            Ok(Value::None)
        }
        Err(e) => Err(e),
    }
});
