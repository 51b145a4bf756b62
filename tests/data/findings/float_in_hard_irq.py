# board: pyboard
# expect: float-in-hard-irq, callback-exception
# A float result is a heap object: float arithmetic in a hard handler raises MemoryError.
import pyb
v = 0
def cb(t):
    global v
    v = v * 0.5 + 1.0
tim = pyb.Timer(4, freq=100, callback=cb)
pyb.delay(50)
print(v)
