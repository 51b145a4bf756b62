# Generates format/percent/int/float parse cases + an oracle script that evaluates them.
import random, struct
random.seed(7)
cases = []  # (kind, pattern, args(list of enc), kwargs(list of (name, enc)))
def f2h(x): return '%08x' % struct.unpack('<I', struct.pack('<f', x))[0]
ints = [0, 1, -1, 7, 42, -42, 255, -255, 1000, 123456, -123456, 2**30-1, -2**30, 2**31, 2**40+5, -(2**64), 10**20+7]
floats = [0.0, -0.0, 1.5, -2.5, 0.1, 1/3, 123.456, -0.00012345, 1e10, 1.5e-7, 12345.678, 1e20, 3.4e38, float('inf'), float('-inf'), float('nan'), 99.995, 0.5, 2.675, 1e-10, 6.02e23]
strs = ['', 'a', 'ab', 'hello', 'héllo', 'x y', "it's", 'é']
def I(v): return 'i%d' % v
def Fv(v): return 'f' + f2h(v)
def S(v): return 's' + v
vals = [I(v) for v in ints] + [Fv(v) for v in floats] + [S(v) for v in strs] + ['T', 'F', 'N', 'L']
specs = ['', 'd', 'x', 'X', 'o', 'b', 'c', 'e', 'E', 'f', 'F', 'g', 'G', 'n', 's', '%', '10', '<10', '>10', '^10', '=10', '*^10', '010', '+', '-', ' ', '#x', '#o', '#b', '#X', '+08.2f', ',', '_', '010,', '012_x', '15,.2f', '.3', '.0', '.3s', '10.3', '#010b', '+#x', '^+9d', ' 5d', '=+10', '0=8', 'x<8', '.2%', '10.4e', ',d', '_b', '+.3e', '#.0f', '.1f', '.15g', '20.10f', '5c', '<5c', '+c', '+s', '09', '0', '.10s', 'z', '10.3x', '.1', '#g', '-^7.1f']
for v in vals:
    for sp in specs:
        cases.append(('fmt', '{:' + sp + '}', [v], []))
    cases.append(('fmt', '{}', [v], []))
    cases.append(('fmt', '{!r}', [v], []))
    cases.append(('fmt', '{!r:>12}', [v], []))
    cases.append(('fmt', '{0!s:^9}|', [v], []))
pats = ['{} {}', '{0} {1} {0}', '{1}{0}', '{}{1}', '{0}{}', '{', '}', '{{}}', '{{{}}}', '}}{{', '{!x}', '{!}', '{0!r', '{:', '{:{}}', '{:{}{}}|', '{a}', '{a.b}', '{0.x}', '{0[1]}', '{2}', '{}{}{}', '{!r:{}}', '{:>{}.{}f}', 'x{a}y{b:>4}z', '{0:{1}}', '{:{:{}}}', '{:{:}}', '{:<{}}|', '{a!r}', '{ }', '{0:}', '{:}', '{!s}', '{:=}', '{0!sx}', '{00}', '{01}', '{-1}', '{a[}', '{:{}', 'abc}def', '{}}']
argsets = [[I(1), I(5)], [S('ab'), I(5)], [Fv(3.14159), I(8), I(3)], [S('x'), S('>'), I(6)], [I(10), S('^'), I(7)]]
for p in pats:
    for a in argsets:
        cases.append(('fmt', p, a, [('a', I(4)), ('b', S('bb'))]))
pcts = ['%s', '%r', '%d', '%i', '%u', '%x', '%X', '%o', '%c', '%e', '%E', '%f', '%F', '%g', '%G', '%5s|', '%-5s|', '%.2s', '%5.1s|', '%05d', '%-05d', '%+d', '% d', '%#x', '%#o', '%#X', '%08.3f', '%-8.3f|', '%+.2e', '%.0f', '%10.4g', '%.3d', '%5.3d', '%-5.3d|', '%05.3d', '%+.3x', '%#5x', '%#05x', '%-#8o|', '%.10f', '%.20e', '%y', '%', '%5', '%.', '%%', '%#g', '%.0e', '%0-5d|', '% 05d', '%+05.1f', '%-+8.2f|', '%*d', '%.*f', '%-*s|', '%(a)s', '%(a)d %(b)s', '%(a', '%(zz)s', '%s %s', '%s%%', '%c%c', '%5c|', '%-3c|', '%05s|', '%.3r', '%x%', '%.2%', 'a%sb']
for v in vals:
    for p in pcts[:50]:
        cases.append(('pct', p, [v], []))
pct_tuples = [[], [I(1)], [I(1), I(2)], [I(5), I(42)], [I(8), Fv(3.14159)], [I(-6), S('ab')], [S('x'), I(1)], [Fv(2.5), I(3)], [I(65), S('B')]]
for p in pcts[50:]:
    for t in pct_tuples:
        cases.append(('pctt', p, t, []))
    cases.append(('pctd', p, [], [('a', I(7)), ('b', S('q'))]))
for p in ['%s', '%d', '%x', '%s %s']:
    cases.append(('pctd', p, [], [('a', I(7))]))
# int parsing
int_texts = ['0', '123', '-123', '+5', ' 12 ', '\t7\n', '1_000', '_1', '1_', '1__2', '_', '', ' ', '-', '0x1f', '0X1F', '0o17', '0b101', '0b', '0x', '010', '00', '0_0', '1e3', '12a', 'ff', 'zz', '1073741823', '1073741824', '-1073741824', '-1073741825', '99999999999999999999', '1_000_000_000_000', '1_000_000_000', '0x_1f', '0x1_f', '0b1_0', '١٢', '12 3', '0b2']
for t in int_texts:
    for b in [0, 10, 16, 2, 8, 36, 1, 37]:
        cases.append(('int', t, [I(b)], []))
float_texts = ['0', '1.5', '-1.5', '+.5', '5.', '.', '', ' ', 'e5', '1e', '1e+', '1e5', '1E-5', '1_000.5', '1.5e1_0', 'inf', '-inf', 'INF', 'infinity', '-Infinity', 'infin', 'nan', 'NaN', '-nan', 'nanx', ' 2.5 ', '1.2.3', '1e129', '2e128', '1e38', '3.4e38', '3.5e38', '1e39', '1e-38', '1e-45', '1e-46', '1e-50', '0.1', '0.3', '123456789', '1234567890123', '3.14159265358979', '0.000001', '1e-7', '1.17549435e-38', '16777217', '0.1e1', '00.5', '1__0', '1j', '1_e5', '9999999999999999999999999999']
for t in float_texts:
    cases.append(('float', t, [], []))
with open('cases.tsv', 'w') as f:
    for i, (k, p, a, kw) in enumerate(cases):
        f.write('\t'.join([str(i), k, p.encode('unicode_escape').decode(), '\x1f'.join(a), '\x1f'.join(n + '=' + v for n, v in kw)]) + '\n')
print(len(cases))
