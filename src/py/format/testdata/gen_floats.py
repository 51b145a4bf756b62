import random, struct
random.seed(12345)
bits = set()
def f2b(x):
    return struct.unpack('<I', struct.pack('<f', x))[0]
for i in range(2500):
    b = random.getrandbits(32)
    if (b >> 23) & 0xff == 0xff: continue
    bits.add(b)
for i in range(600):
    # values with exponent in a "normal" range
    e = random.randint(-30, 30)
    m = random.random()
    bits.add(f2b(m * 10.0**e))
for k in range(0, 300):
    bits.add(f2b(float(k)))
    bits.add(f2b(k / 10))
    bits.add(f2b(k / 100))
    bits.add(f2b(k / 7))
for e in range(-45, 39):
    for m in (1, 2, 5, 9.999, 1.5, 3.14159):
        try: bits.add(f2b(m * 10.0**e))
        except OverflowError: pass
for e in range(-149, 128):
    bits.add(f2b(2.0**e))
for b in [0, 0x80000000, 1, 2, 3, 0x7fffff, 0x800000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x00400000]:
    bits.add(b)
for x in [1e16, 1e15, 9.999999e15, 1.0000001e16, 123456789.0, 2**24, 2**24+2, 16777217.0, 0.0001, 0.00001, 1e-5, 0.00012345]:
    bits.add(f2b(x))
bits = sorted(bits)
with open('float_bits.txt', 'w') as f:
    for b in bits: f.write('%08x\n' % b)
print(len(bits))
