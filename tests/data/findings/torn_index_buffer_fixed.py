# board: pyboard
# expect: none
# Index and sample read together with interrupts disabled.
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
    s = pyb.disable_irq()
    k = idx
    v = buf[k]
    pyb.enable_irq(s)
    total += v
tim.deinit()
print('done')
