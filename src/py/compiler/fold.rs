//! Compile-time constant values and MicroPython's constant-folding arithmetic.
//!
//! MicroPython folds constant expressions while parsing (py/parse.c `fold_constants`) by
//! calling its real runtime operators (`mp_binary_op`, `mp_unary_op`) on the operand objects
//! and keeping the result unless the operator raised or produced a complex number. On the
//! esp32 that means 31-bit small ints that overflow into arbitrary-precision ints, and
//! single-precision floats (`MICROPY_FLOAT_IMPL_FLOAT`). This module reproduces those
//! semantics for the operators the parser folds, and parses number literals the way
//! MicroPython's lexer does (py/parsenum.c), so that the folded constants are bit-identical.
//!
//! It must not look at the AST: the caller decides *whether* a node folds (which is a matter of
//! grammar rules); this module only computes values.

use std::rc::Rc;

use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::{Pow, Signed, ToPrimitive, Zero};

use crate::py::bytecode::{BinaryOp, Const};
use crate::py::num::{SMALL_INT_MAX, SMALL_INT_MIN, float_floordiv, float_mod};

/// A value known at compile time: what a MicroPython parse node holds after folding.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstVal {
    /// An int of any size, as MicroPython normalises it: a small int when it fits the 31-bit
    /// range, else a big (mpz) int.
    Int(BigInt),
    /// A big (mpz) int object whatever its value. MicroPython's unary operators on a big int
    /// do not normalise, so `-1073741824` (the negation of the big `1073741824`) stays big.
    BigInt(BigInt),
    /// A single-precision float.
    Float(f32),
    /// A str.
    Str(Rc<str>),
    /// A bytes object.
    Bytes(Rc<[u8]>),
    /// `None`.
    None,
    /// `True`/`False`.
    Bool(bool),
    /// `...`.
    Ellipsis,
    /// A tuple of constants.
    Tuple(Rc<[ConstVal]>),
}

impl ConstVal {
    /// The value as a small int, if it is an int in the 31-bit range.
    pub fn small_int(&self) -> Option<i32> {
        match self {
            ConstVal::Int(n) => {
                let v = n.to_i64()?;
                if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&v) {
                    i32::try_from(v).ok()
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Int or float: the operands the parser folds arithmetic on.
    pub fn is_number(&self) -> bool {
        matches!(
            self,
            ConstVal::Int(_) | ConstVal::BigInt(_) | ConstVal::Float(_)
        )
    }

    /// The integer value, small or big.
    fn int_value(&self) -> Option<&BigInt> {
        match self {
            ConstVal::Int(n) | ConstVal::BigInt(n) => Some(n),
            _ => None,
        }
    }

    /// Python truth value (`mp_obj_is_true`).
    pub fn is_true(&self) -> bool {
        match self {
            ConstVal::Int(n) | ConstVal::BigInt(n) => !n.is_zero(),
            ConstVal::Float(f) => *f != 0.0,
            ConstVal::Str(s) => !s.is_empty(),
            ConstVal::Bytes(b) => !b.is_empty(),
            ConstVal::None => false,
            ConstVal::Bool(b) => *b,
            ConstVal::Ellipsis => true,
            ConstVal::Tuple(items) => !items.is_empty(),
        }
    }

    /// The bytecode constant for this value.
    pub fn to_const(&self) -> Const {
        match self {
            ConstVal::Int(n) => match self.small_int() {
                Some(v) => Const::SmallInt(v),
                None => Const::BigInt(Rc::from(n.to_string())),
            },
            ConstVal::BigInt(n) => Const::BigInt(Rc::from(n.to_string())),
            ConstVal::Float(f) => Const::Float(*f),
            ConstVal::Str(s) => Const::Str(s.clone()),
            ConstVal::Bytes(b) => Const::Bytes(b.clone()),
            ConstVal::None => Const::None,
            ConstVal::Bool(b) => Const::Bool(*b),
            ConstVal::Ellipsis => Const::Ellipsis,
            ConstVal::Tuple(items) => Const::Tuple(items.iter().map(ConstVal::to_const).collect()),
        }
    }

    /// The value as MicroPython converts a number to `mp_float_t`.
    fn as_f32(&self) -> Option<f32> {
        match self {
            ConstVal::Float(f) => Some(*f),
            ConstVal::Int(n) => Some(match self.small_int() {
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "C's int-to-float conversion, which rounds, is what we model"
                )]
                Some(v) => v as f32,
                None => mpz_as_float(n),
            }),
            ConstVal::BigInt(n) => Some(mpz_as_float(n)),
            _ => None,
        }
    }
}

/// Two constants that MicroPython would store once (emitcommon.c `strictly_equal`): equal
/// values of the same type, with `0.0` and `-0.0` kept apart.
pub fn strictly_equal(a: &Const, b: &Const) -> bool {
    match (a, b) {
        (Const::Float(x), Const::Float(y)) => {
            x == y && (*x != 0.0 || x.is_sign_negative() == y.is_sign_negative())
        }
        (Const::Tuple(xs), Const::Tuple(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys.iter()).all(|(x, y)| strictly_equal(x, y))
        }
        _ => a == b,
    }
}

/// mpz.c `mpz_as_float`: accumulate 16-bit digits from the top in single precision.
fn mpz_as_float(n: &BigInt) -> f32 {
    let mut val: f32 = 0.0;
    for digit in n.magnitude().to_u32_digits().iter().rev() {
        for half in [digit >> 16, digit & 0xffff] {
            #[expect(clippy::cast_precision_loss, reason = "a 16-bit digit is exact in f32")]
            let d = half as f32;
            val = val * 65536.0 + d;
        }
    }
    if n.sign() == Sign::Minus { -val } else { val }
}

/// Unary operators the parser folds (`factor_2`: `+x`, `-x`, `~x`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryFold {
    /// `+x`.
    Positive,
    /// `-x`.
    Negative,
    /// `~x` (ints only).
    Invert,
}

/// Folds a unary operator on a number, as `mp_unary_op` computes it: on a small int the
/// result is normalised, on a big int it stays a big-int object.
pub fn unary(op: UnaryFold, v: &ConstVal) -> Option<ConstVal> {
    if let ConstVal::Float(f) = v {
        return match op {
            UnaryFold::Positive => Some(v.clone()),
            UnaryFold::Negative => Some(ConstVal::Float(-f)),
            UnaryFold::Invert => None,
        };
    }
    let n = v.int_value()?;
    let res = match op {
        UnaryFold::Positive => n.clone(),
        UnaryFold::Negative => -n,
        UnaryFold::Invert => -n - 1,
    };
    Some(if v.small_int().is_some() {
        ConstVal::Int(res)
    } else {
        ConstVal::BigInt(res)
    })
}

/// Folds a binary operator, as `mp_binary_op` computes it; `None` when MicroPython's operator
/// would raise (division by zero, negative shift, unsupported types) or give a complex.
pub fn binary(op: BinaryOp, a: &ConstVal, b: &ConstVal) -> Option<ConstVal> {
    match (a.int_value(), b.int_value()) {
        (Some(x), Some(y)) => int_binary(op, x, y, a, b),
        _ if a.is_number() && b.is_number() => {
            float_binary(op, a.as_f32()?, b.as_f32()?).map(ConstVal::Float)
        }
        _ => None,
    }
}

/// Int op int (runtime.c small-int fast path and objint_mpz.c give the same exact results).
fn int_binary(
    op: BinaryOp,
    x: &BigInt,
    y: &BigInt,
    a: &ConstVal,
    b: &ConstVal,
) -> Option<ConstVal> {
    use BinaryOp::*;
    let res = match op {
        Or => x | y,
        Xor => x ^ y,
        And => x & y,
        Add => x + y,
        Subtract => x - y,
        Multiply => {
            if x.bits() + y.bits() > crate::limits::MAX_FOLD_BITS {
                return None;
            }
            x * y
        }
        FloorDivide | Modulo if y.is_zero() => return None,
        FloorDivide => x.div_floor(y),
        Modulo => x.mod_floor(y),
        TrueDivide => {
            if y.is_zero() {
                return None;
            }
            return Some(ConstVal::Float(a.as_f32()? / b.as_f32()?));
        }
        Lshift | Rshift => shift(op, x, y)?,
        Power => {
            if y.is_negative() {
                return float_binary(op, a.as_f32()?, b.as_f32()?).map(ConstVal::Float);
            }
            int_pow(x, y)?
        }
        _ => return None,
    };
    Some(ConstVal::Int(res))
}

/// `x << y` / `x >> y` with MicroPython's checks (negative count raises; the count must fit a
/// machine int).
fn shift(op: BinaryOp, x: &BigInt, y: &BigInt) -> Option<BigInt> {
    if y.is_negative() {
        return None;
    }
    let n = y.to_i32()?;
    let n = usize::try_from(n).ok()?;
    if op == BinaryOp::Lshift {
        if x.bits() + n as u64 > crate::limits::MAX_FOLD_BITS {
            return None;
        }
        Some(x << n)
    } else {
        // Python's right shift floors, for negative numbers too.
        Some(x >> n)
    }
}

/// `x ** y` for a non-negative int exponent, refusing absurd sizes.
fn int_pow(x: &BigInt, y: &BigInt) -> Option<BigInt> {
    let Some(e) = y.to_u32() else {
        // Only 0, 1 and -1 can be raised to a huge power without a huge result.
        return match x.to_i64() {
            Some(0) => Some(BigInt::from(0)),
            Some(1) => Some(BigInt::from(1)),
            Some(-1) => Some(if y.is_odd() {
                BigInt::from(-1)
            } else {
                BigInt::from(1)
            }),
            _ => None,
        };
    };
    if x.bits().saturating_mul(u64::from(e)) > crate::limits::MAX_FOLD_BITS {
        return None;
    }
    Some(Pow::pow(x, e))
}

/// objfloat.c `mp_obj_float_binary_op` in single precision.
fn float_binary(op: BinaryOp, x: f32, y: f32) -> Option<f32> {
    use BinaryOp::*;
    match op {
        Add => Some(x + y),
        Subtract => Some(x - y),
        Multiply => Some(x * y),
        FloorDivide => {
            if y == 0.0 {
                return None;
            }
            Some(float_floordiv(x, y))
        }
        TrueDivide => {
            if y == 0.0 {
                return None;
            }
            Some(x / y)
        }
        Modulo => {
            if y == 0.0 {
                return None;
            }
            Some(float_mod(x, y))
        }
        Power => {
            if x == 0.0 && y < 0.0 && !y.is_infinite() {
                return None;
            }
            if x < 0.0 && y != y.floor() && !y.is_nan() {
                // MicroPython returns a complex here, which the parser does not fold.
                return None;
            }
            Some(x.powf(y))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: i64) -> ConstVal {
        ConstVal::Int(BigInt::from(v))
    }

    // Int folding follows Python semantics and promotes past the 31-bit range.
    #[test]
    fn int_folding() {
        let big = binary(BinaryOp::Power, &int(2), &int(40)).expect("folds");
        assert_eq!(big.small_int(), None);
        assert_eq!(big, int(1 << 40));
        assert_eq!(
            binary(BinaryOp::FloorDivide, &int(-7), &int(2)),
            Some(int(-4))
        );
        assert_eq!(binary(BinaryOp::Modulo, &int(-7), &int(2)), Some(int(1)));
        assert_eq!(binary(BinaryOp::Lshift, &int(1), &int(-1)), None);
        assert_eq!(binary(BinaryOp::FloorDivide, &int(1), &int(0)), None);
        assert_eq!(
            binary(BinaryOp::TrueDivide, &int(1), &int(4)),
            Some(ConstVal::Float(0.25))
        );
        assert_eq!(
            binary(BinaryOp::Power, &int(2), &int(-1)),
            Some(ConstVal::Float(0.5))
        );
        assert_eq!(binary(BinaryOp::MatMultiply, &int(2), &int(1)), None);
    }

    // Float folding happens in single precision.
    #[test]
    fn float_folding() {
        let r = binary(BinaryOp::Multiply, &ConstVal::Float(1.5), &int(2));
        assert_eq!(r, Some(ConstVal::Float(3.0)));
        let third = binary(BinaryOp::TrueDivide, &int(1), &int(3)).expect("folds");
        assert_eq!(third, ConstVal::Float(1.0f32 / 3.0f32));
        assert_eq!(
            binary(
                BinaryOp::Power,
                &ConstVal::Float(-8.0),
                &ConstVal::Float(0.5)
            ),
            None
        );
        assert_eq!(
            binary(BinaryOp::FloorDivide, &ConstVal::Float(7.0), &int(2)),
            Some(ConstVal::Float(3.0))
        );
        assert_eq!(unary(UnaryFold::Invert, &ConstVal::Float(1.0)), None);
    }

    // Negating a big int keeps a big-int object even when the value would fit a small int.
    #[test]
    fn unary_on_big_int_stays_big() {
        let big = int(1 << 30);
        let neg = unary(UnaryFold::Negative, &big).expect("folds");
        assert_eq!(neg, ConstVal::BigInt(BigInt::from(-(1i64 << 30))));
        assert_eq!(neg.small_int(), None);
        assert_eq!(unary(UnaryFold::Negative, &int(5)), Some(int(-5)));
        // A binary operation normalises again.
        assert_eq!(binary(BinaryOp::Add, &neg, &int(0)), Some(int(-(1 << 30))));
    }

    // Zero and negative zero are different constants; equal floats are the same.
    #[test]
    fn strict_equality() {
        assert!(!strictly_equal(&Const::Float(0.0), &Const::Float(-0.0)));
        assert!(strictly_equal(&Const::Float(1.5), &Const::Float(1.5)));
        assert!(!strictly_equal(&Const::SmallInt(1), &Const::Bool(true)));
    }
}
