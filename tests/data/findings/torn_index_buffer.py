# board: pyboard
# expect: torn-read
# A hard handler appends to a preallocated buffer and bumps the index; the main program reads
# the index, then the newest sample: a handler between the two reads gives an old index with a
# newer sample in the slot it points at.
import pyb
import array
buf = array.array('i', [0] * 16)
idx = 0
def cb(t):
    global idx
    buf[idx] = idx * 3
    idx = (idx + 1) % 16
tim = pyb.Timer(4, freq=2000, callback=cb)
total = 0
for i in range(20000):
    k = idx
    v = buf[k]
    total += v
tim.deinit()
print('done')
