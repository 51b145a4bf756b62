# Random dict/set op sequences; the oracle prints the resulting iteration order.
import random
random.seed(99)
names = ['pin', 'level', 'edge', 'rising', 'falling', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'x', 'y', 'irq', 'timer', 'id', 'mode', 'pull', 'value', 'freq', 'duty', 'count', 'name', 'k1', 'k2', 'k10', 'abc', 'zz']
ints = [0, 1, 2, 3, 5, 7, 10, 17, 23, -1, -2, 100, 1000, 65536, 2**29, -2**30, 12345678]
def key():
    if random.random() < 0.6:
        return repr(random.choice(names))
    return str(random.choice(ints))
lines = []
for i in range(400):
    kind = random.choice(['dict', 'dict', 'set'])
    ops = []
    start = random.choice(['empty', 'lit', 'comp'])
    if start == 'lit':
        ks = []
        for _ in range(random.randint(1, 8)):
            k = key()
            if k not in ks: ks.append(k)
        ops.append('lit ' + ','.join(ks))
    elif start == 'comp':
        ks = []
        for _ in range(random.randint(1, 8)):
            k = key()
            if k not in ks: ks.append(k)
        ops.append('comp ' + ','.join(ks))
    else:
        ops.append('empty')
    for _ in range(random.randint(0, 40)):
        r = random.random()
        if r < 0.6: ops.append('add ' + key())
        elif r < 0.9: ops.append('del ' + key())
        else: ops.append('pop')
    lines.append((kind, ops))
with open('maps_cases.tsv', 'w') as f:
    for i, (kind, ops) in enumerate(lines):
        f.write('%d\t%s\t%s\n' % (i, kind, ';'.join(ops)))
