# Language features beyond shared/conformance (irqlab's own): with, argument binding, unpacking,
# finally with break/continue, generators, recursion limit, comprehensions, decorators,
# formatting. Expected output recorded from a MicroPython unix build configured like the ESP32
# port (32-bit, single-precision floats; same commit as shared/conformance).
class Ctx:
    def __init__(self, name):
        self.name = name
    def __enter__(self):
        print('enter', self.name)
        return self
    def __exit__(self, a, b, c):
        print('exit', self.name, a)
        return self.name == 'swallow'

with Ctx('a') as c:
    print('body', c.name)
with Ctx('swallow'):
    raise ValueError('x')
try:
    with Ctx('b'):
        raise KeyError('k')
except KeyError as e:
    print('caught', repr(e))

def f(a, b=2, *args, c, d=4, **kw):
    return (a, b, args, c, d, sorted(kw.items()))
print(f(1, c=3))
print(f(1, 5, 6, 7, c=3, z=9, y=8))
args = [1, 2, 3]
print(f(*args, c=0, **{'q': 1}))
a, *b, c = range(6)
print(a, b, c)
(x, y), z = (1, 2), 3
print(x, y, z)
for i in range(5):
    try:
        if i == 1:
            continue
        if i == 3:
            break
        print('i', i)
    finally:
        print('fin', i)
def gen():
    for i in range(3):
        try:
            yield i
        finally:
            print('gen fin', i)
for v in gen():
    print('v', v)
    if v == 1:
        break
def rec(n):
    return rec(n + 1)
try:
    rec(0)
except RuntimeError as e:
    print('RuntimeError', e)
print([(i, j) for i in range(3) for j in range(i)])
print({x % 3 for x in range(10)})
print(dict(a=1, b=2), list(map(str, [1, 2])))
s = 'abc'
print(s[::-1] if False else s[1:], s * 2, s.upper().center(7))
print(sorted(['b', 'a', 'C'], key=str.lower), min([3, 1, 2], key=lambda x: -x))
print(1 if 0 else 2, not 1, 3 in [1, 2, 3], 4 not in {4: 1})
print(0.1 * 3, 2 ** -1, 7 / 2, -7 // 2.0, 1e-3, 123456789.0, 1.0e20)
g = (x * 2 for x in range(3))
print(next(g), list(g))
class A:
    x = 1
    @staticmethod
    def s():
        return 's'
    @classmethod
    def c(cls):
        return cls.x
    @property
    def p(self):
        return 'p'
print(A.s(), A.c(), A().p, A().s())
print(isinstance(True, int), type(1) is int, int('  42 '), float('1.5'), str(1.5))
print('%5.1f|%-5d|%05d|%x|%c|%%' % (3.14159, 42, 42, 255, 65))
print('{:>8.3f}|{:08b}|{!r}'.format(2.5, 5, 'a'))
print(hash(1), hash('a') == hash('a'), len({1: 2}), bool([]))
