import random, struct
random.seed(2024)
out = []
for i in range(30000):
    r = random.random()
    if r < 0.4:
        b = random.getrandbits(32)
    elif r < 0.8:
        b = struct.unpack('<I', struct.pack('<f', random.uniform(-1, 1) * 10.0 ** random.randint(-12, 20)))[0]
    else:
        b = struct.unpack('<I', struct.pack('<f', round(random.uniform(-1000, 1000), random.randint(0, 4))))[0]
    if (b >> 23) & 0xff == 0: continue
    if random.random() < 0.5:
        spec = '{:'
        if random.random() < 0.3: spec += random.choice('*x0 ') + random.choice('<>^=')
        elif random.random() < 0.3: spec += random.choice('<>^=')
        if random.random() < 0.3: spec += random.choice('+- ')
        if random.random() < 0.1: spec += '#'
        if random.random() < 0.2: spec += '0'
        if random.random() < 0.5: spec += str(random.randint(0, 40))
        if random.random() < 0.15: spec += random.choice(',_')
        if random.random() < 0.7: spec += '.' + str(random.randint(0, 35))
        spec += random.choice(['', 'e', 'E', 'f', 'F', 'g', 'G', '%', 'n'])
        spec += '}'
    else:
        spec = '%'
        for _ in range(random.randint(0, 3)): spec += random.choice('-+ #0')
        if random.random() < 0.5: spec += str(random.randint(0, 40))
        if random.random() < 0.7: spec += '.' + str(random.randint(0, 35))
        spec += random.choice('eEfFgG')
    out.append('%08x\t%s' % (b, spec))
open('rand_float_cases.tsv', 'w').write('\n'.join(out) + '\n')
