import struct
for line in open('rand_float_cases.tsv'):
    h, spec = line.rstrip('\n').split('\t')
    x = struct.unpack('<f', struct.pack('<I', int(h, 16)))[0]
    try:
        r = spec.format(x) if spec[0] == '{' else spec % x
    except Exception as e:
        r = '!' + type(e).__name__ + ': ' + str(e)
    print(h + '\t' + spec + '\t' + r)
