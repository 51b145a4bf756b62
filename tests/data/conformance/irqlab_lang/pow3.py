# pow() with three arguments: zero and negative moduli, negative exponents (objint_mpz.c, mpz.c).
# Expected output recorded from MicroPython's unix port built 32-bit with single-precision floats.
for args in [(4, 5, 0), (2, -1, 5), (2, 10, -7), (-2, 3, 5), (2, 0, 1), (0, 0, 3), (2, 100, 2**70)]:
    try:
        print(args, pow(*args))
    except Exception as e:
        print(args, repr(e))
