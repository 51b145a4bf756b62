# More language features (irqlab's own): dict/set order after deletes, big ints, str/list
# methods, super() chains, exception args, closures, generators send, chained comparisons,
# augmented assignment, % and f-string formatting. Expected output recorded from a MicroPython
# unix build configured like the ESP32 port (32-bit, single-precision floats).
d = {}
for i in range(12):
    d['k%d' % i] = i
del d['k3']
d['new'] = 1
print(d)
print(list(d.keys())[:3], list(d.values())[-2:])
s = set(range(20))
s.discard(5)
print(s)
print(2**100 // 3**20, -(2**70) % 7, (2**65).bit_length() if hasattr(1, 'bit_length') else 'nb')
print(int('ff', 16), int(3.7), round(3.14159, 3), abs(-2.5), divmod(7, -2), pow(2, 10, 1000))
print(str(b'ab'), bytes('hi', 'utf8') if True else 0, bytearray(b'xy') + b'z')
print('a-b-c'.split('-', 1), 'a b'.rsplit(' ', 1), '  x'.lstrip(), 'x  '.rstrip() + '|')
print('Hello World'.count('o'), 'abc'.index('c'), 'a,b'.partition(','), 'ABC'.lower().isalpha())
l = [5, 3, 8]
l.sort(reverse=True)
print(l, l.index(3), l.count(8), l + [1], l * 2, l[::2])
l[1:2] = [9, 9]
print(l)
del l[0]
print(l, len(l))
class Base:
    def __init__(self):
        self.v = 1
    def who(self):
        return 'base'
    def __str__(self):
        return 'Base(%d)' % self.v
class Mid(Base):
    def who(self):
        return 'mid+' + super().who()
class Leaf(Mid):
    def __init__(self):
        super().__init__()
        self.v = 3
print(Leaf().who(), str(Leaf()), Leaf())
class E(Exception):
    def __init__(self, code):
        super().__init__('code', code)
        self.code = code
try:
    raise E(5)
except Exception as e:
    print(type(e).__name__, e.args, e.code, e)
def outer():
    x = 1
    def inner():
        return x + 1
    x = 10
    return inner()
print(outer())
cnt = [0]
def incr():
    cnt[0] += 1
for _ in range(3):
    incr()
print(cnt)
try:
    try:
        1 / 0
    finally:
        print('inner finally')
except ZeroDivisionError:
    print('outer caught')
def g():
    x = yield 1
    print('got', x)
    yield 2
it = g()
print(next(it), it.send('hello'))
print(list(zip('ab', range(5))), list(enumerate('xy', 1)))
print(any(x > 2 for x in [1, 3]), all([]), sum([0.5, 0.25]), max('abc'))
print(repr('a\nb\t\'"'), ord('\n'), chr(0x263a))
print(True + 1, False * 3, 5 // 2 * 2.0, 2 ** 31, -2 ** 2, (-2) ** 2)
print(1 < 2 < 3, 1 < 3 < 2, 'b' > 'a', [1, 2] < [1, 3], (1, 2) == (1, 2))
x = 5
x //= 2
x **= 3
x %= 5
x <<= 2
print(x)
print('%s' % [1, 'a'], '%r' % ('x',), '%d%%' % 50)
print(f'{x!r:>5}|{3.14159:.2f}|{"s":^5}|{255:#x}')
