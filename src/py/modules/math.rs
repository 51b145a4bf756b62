//! The `math` module (py/modmath.c), single precision.

use super::*;

fn float_arg(vm: &mut Vm, a: &[Value], i: usize) -> Result<f32, Flow> {
    match arg(vm, a, i)? {
        Value::Float(x) => Ok(x),
        Value::Int(n) => Ok(n as f32),
        Value::Bool(b) => Ok(b as i32 as f32),
        Value::BigInt(n) => Ok(num_traits::ToPrimitive::to_f32(&*n).unwrap_or(f32::INFINITY)),
        other => Err(vm.type_error(&format!("can't convert {} to float", vm.type_name(&other)))),
    }
}

macro_rules! math1 {
    ($id:ident, $name:expr, $f:expr) => {
        method!($id, $name, |vm, _, a, _| {
            let x = float_arg(vm, a, 0)?;
            let f: fn(f32) -> f32 = $f;
            vm.make_float(f(x))
        });
    };
}
math1!(M_SQRT, "sqrt", f32::sqrt);
math1!(M_SIN, "sin", f32::sin);
math1!(M_COS, "cos", f32::cos);
math1!(M_TAN, "tan", f32::tan);
math1!(M_EXP, "exp", f32::exp);
math1!(M_LOG10, "log10", f32::log10);
math1!(M_FABS, "fabs", f32::abs);
math1!(M_ATAN, "atan", f32::atan);
math1!(M_ASIN, "asin", f32::asin);
math1!(M_ACOS, "acos", f32::acos);
method!(M_LOG, "log", |vm, _, a, _| {
    let x = float_arg(vm, a, 0)?;
    if x <= 0.0 {
        return Err(vm.value_error("math domain error"));
    }
    let r = match a.get(1) {
        Some(_) => x.ln() / float_arg(vm, a, 1)?.ln(),
        None => x.ln(),
    };
    vm.make_float(r)
});
method!(M_FLOOR, "floor", |vm, _, a, _| {
    let x = float_arg(vm, a, 0)?;
    vm.make_int(x.floor() as i64)
});
method!(M_CEIL, "ceil", |vm, _, a, _| {
    let x = float_arg(vm, a, 0)?;
    vm.make_int(x.ceil() as i64)
});
method!(M_TRUNC, "trunc", |vm, _, a, _| {
    let x = float_arg(vm, a, 0)?;
    vm.make_int(x.trunc() as i64)
});
method!(M_POW, "pow", |vm, _, a, _| {
    let (x, y) = (float_arg(vm, a, 0)?, float_arg(vm, a, 1)?);
    vm.make_float(x.powf(y))
});
method!(M_ATAN2, "atan2", |vm, _, a, _| {
    let (y, x) = (float_arg(vm, a, 0)?, float_arg(vm, a, 1)?);
    vm.make_float(y.atan2(x))
});
method!(M_ISNAN, "isnan", |vm, _, a, _| Ok(Value::Bool(
    float_arg(vm, a, 0)?.is_nan()
)));
method!(M_ISINF, "isinf", |vm, _, a, _| Ok(Value::Bool(
    float_arg(vm, a, 0)?.is_infinite()
)));
method!(M_RADIANS, "radians", |vm, _, a, _| {
    let x = float_arg(vm, a, 0)?;
    vm.make_float(x.to_radians())
});
method!(M_DEGREES, "degrees", |vm, _, a, _| {
    let x = float_arg(vm, a, 0)?;
    vm.make_float(x.to_degrees())
});

/// The `math` module's attributes.
pub fn math_module() -> Vec<(&'static str, Value)> {
    let mut v: Vec<(&'static str, Value)> = vec![
        ("pi", Value::Float(std::f32::consts::PI)),
        ("e", Value::Float(std::f32::consts::E)),
        ("inf", Value::Float(f32::INFINITY)),
        ("nan", Value::Float(f32::NAN)),
    ];
    for d in [
        &M_SQRT, &M_SIN, &M_COS, &M_TAN, &M_EXP, &M_LOG, &M_LOG10, &M_FABS, &M_ATAN, &M_ASIN,
        &M_ACOS, &M_FLOOR, &M_CEIL, &M_TRUNC, &M_POW, &M_ATAN2, &M_ISNAN, &M_ISINF, &M_RADIANS,
        &M_DEGREES,
    ] {
        v.push((d.name, Value::Builtin(d)));
    }
    v
}
