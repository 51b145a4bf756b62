import struct
specs = ['.3f', '.2e', 'g', '.0f', '.10f', '10.4g', 'e', 'f', '%', '.1%', 'E', 'G', '+.3f', ' g', '015.3f', '.30f', '.20e', '.17g', '.0e', '.0g', '.1g', '.8g', '.9g', '.12g', '.7e', '.9f', '', '10', '.3', 'n', '<12.2f', '^12.3e', '=+12.1f', 'F', '.25f', '.40f', '30.20f']
pct = ['%.3f', '%e', '%g', '%10.4f', '%-10.2e|', '%+g', '%05.1f', '%.0f', '%.15g', '%.12e', '%G', '%E', '%.20f', '%#g', '%.1f', '% f']
f = open('float_bits.txt')
lines = f.read().split()
for i, h in enumerate(lines):
    b = int(h, 16)
    x = struct.unpack('<f', struct.pack('<I', b))[0]
    print(h + '\trepr\t' + repr(x))
    if i % 4 == 0:
        for s in specs:
            print(h + '\t{:' + s + '}\t' + ('{:' + s + '}').format(x))
        for p in pct:
            print(h + '\t' + p + '\t' + (p % x))
