import struct
def dec(e):
    t = e[0]; r = e[1:]
    if t == 'i': return int(r)
    if t == 'f': return struct.unpack('<f', struct.pack('<I', int(r, 16)))[0]
    if t == 's': return r
    if t == 'T': return True
    if t == 'F': return False
    if t == 'N': return None
    if t == 'L': return [1]
def unesc(s):
    out = ''
    i = 0
    while i < len(s):
        c = s[i]
        if c == '\\':
            n = s[i+1]
            if n == 'x': out += chr(int(s[i+2:i+4], 16)); i += 4; continue
            if n == 'u': out += chr(int(s[i+2:i+6], 16)); i += 6; continue
            out += {'t': '\t', 'n': '\n', '\\': '\\', 'r': '\r'}[n]; i += 2; continue
        out += c; i += 1
    return out
def hx(s):
    return ''.join('%02x' % b for b in s.encode())
f = open('cases.tsv')
for line in f:
    line = line.rstrip('\n')
    cid, kind, pat, a, kw = line.split('\t')
    pat = unesc(pat)
    args = [dec(x) for x in a.split('\x1f')] if a else []
    kwargs = {}
    if kw:
        for item in kw.split('\x1f'):
            n, v = item.split('=', 1)
            kwargs[n] = dec(v)
    try:
        if kind == 'fmt':
            r = pat.format(*args, **kwargs)
        elif kind == 'pct':
            r = pat % args[0]
        elif kind == 'pctt':
            r = pat % tuple(args)
        elif kind == 'pctd':
            r = pat % kwargs
        elif kind == 'int':
            r = str(int(pat, args[0]))
        elif kind == 'float':
            r = '%08x' % struct.unpack('<I', struct.pack('<f', float(pat)))[0]
        print(cid + '\t' + hx(r))
    except Exception as e:
        print(cid + '\t!' + type(e).__name__ + ': ' + str(e))
