# board: pyboard
# expect: alloc-in-hard-irq, callback-exception
# list.append in a hard handler may grow the list: the heap is locked (facts §3).
import pyb
data = []
def cb(t):
    data.append(1)
tim = pyb.Timer(4, freq=100, callback=cb)
pyb.delay(50)
print(len(data))
