# set_volume from MicroPython's "Writing interrupt handlers" (docs/reference/isr_rules.rst),
# unmodified, called from the main program and from a hard pyb.Timer handler (irqlab's own;
# expected output reasoned: the default bytearray is made once when `def` runs, so every call
# returns the same object, and filling it allocates nothing — small-int shifts and bytearray
# stores are allowed with the heap locked, facts §3 — so the hard handler never fails).
import pyb, micropython, array
micropython.alloc_emergency_exception_buf(100)


def set_volume(t, buf=bytearray(3)):
    buf[0] = 0xa5
    buf[1] = t >> 4
    buf[2] = 0x5a
    return buf


seen = array.array('i', [0, 0])


def tick(tim):
    b = set_volume(0x70)
    seen[0] += 1
    seen[1] = b[1]


print(set_volume(100))
print(set_volume(1) is set_volume(2))
tim = pyb.Timer(4, freq=1000, callback=tick)
pyb.delay(10)
tim.deinit()
print(seen[0] >= 9, seen[1])
print(set_volume(0x30))
