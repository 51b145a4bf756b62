f = open('maps_cases.tsv')
for line in f:
    cid, kind, ops = line.rstrip('\n').split('\t')
    d = None
    for op in ops.split(';'):
        parts = op.split(' ', 1)
        name = parts[0]
        arg = parts[1] if len(parts) > 1 else ''
        if name == 'empty':
            d = {} if kind == 'dict' else set()
        elif name == 'lit':
            src = ('{' + ', '.join(k + ': 0' for k in arg.split(',')) + '}') if kind == 'dict' else ('{' + arg + '}')
            d = eval(src)
        elif name == 'comp':
            src = ('{k: 0 for k in [' + arg + ']}') if kind == 'dict' else ('{k for k in [' + arg + ']}')
            d = eval(src)
        elif name == 'add':
            k = eval(arg)
            if kind == 'dict':
                d[k] = 1
            else:
                d.add(k)
        elif name == 'del':
            k = eval(arg)
            if kind == 'dict':
                if k in d: del d[k]
            else:
                d.discard(k)
        elif name == 'pop':
            if len(d):
                if kind == 'dict': d.popitem()
                else: d.pop()
    print(cid + '\t' + repr(list(d)))
