# float_floordiv.exp was recorded from MicroPython's 32-bit single-float unix build (configured like the ESP32 port).
# Float and int `//`, `%` and divmod, on literals (folded by the compiler) and on variables
# (computed at run time): both paths must agree with py/objfloat.c `mp_obj_float_divmod`.

print("literals")
print(1.0 // 0.1, 1.0 % 0.1, divmod(1.0, 0.1))
print(7.5 // 2, 7.5 % 2, -7.5 // 2, -7.5 % 2)
print(7.5 // -2, 7.5 % -2, -7.5 // -2, -7.5 % -2)
print(0.0 // 1.0, -0.0 // 1.0, 0.0 // -1.0, 0.0 % -1.0, -0.0 % 1.0)
print(-4.0 % 2.0, 4.0 % -2.0, -4.0 // 2.0)
print(1e30 // 3.0, 1e30 % 3.0, 1e30 // 1e-3)
print(0.3 // 0.1, 0.3 % 0.1, 0.7 // 0.1, 0.7 % 0.1)
print(7 // 2, 7 % 2, -7 // 2, -7 % 2, 7 // -2, 7 % -2)
print(7 // 2.0, -7 % 2.0, 2 ** 40 // 3.0)
print(divmod(7, 2), divmod(-7, 2), divmod(7.0, -2), divmod(-0.5, 0.25))

print("variables")
a = 1.0
b = 0.1
print(a // b, a % b, divmod(a, b))
for x in (7.5, -7.5, 0.0, -0.0, 1.0, -1.0, 0.3, 0.7, 1e30, -4.0):
    for y in (2, -2, 0.1, -0.1, 2.0, -2.0, 3.0, 0.25):
        print(x, y, x // y, x % y, divmod(x, y))
for x in (7, -7, 0, 2**40, -(2**40)):
    for y in (2, -2, 3, 0.5, -0.5):
        print(x, y, x // y, x % y, divmod(x, y))
big = 1e30
print(big // 3.0, big % 3.0, big // 1e-3)
n = 3
m = 0.1
n //= m
print(n)
n = 3
n %= m
print(n)

print("errors")
for x, y in ((1.0, 0.0), (1, 0.0), (1.0, 0), (0.0, -0.0)):
    for op in ("//", "%", "divmod"):
        try:
            if op == "//":
                x // y
            elif op == "%":
                x % y
            else:
                divmod(x, y)
        except ZeroDivisionError as e:
            print(op, "ZeroDivisionError", e)
