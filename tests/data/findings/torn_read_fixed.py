# board: esp32
# expect: none
# Both halves read inside one critical section.
import machine
from machine import Timer
hi = 0
lo = 0
n = 0
def cb(t):
    global hi, lo, n
    n += 1
    hi = n >> 4
    lo = n & 15
Timer(0).init(period=1, mode=Timer.PERIODIC, callback=cb)
for i in range(3000):
    s = machine.disable_irq()
    h = hi
    l = lo
    machine.enable_irq(s)
    for j in range(3):
        pass
Timer(0).deinit()
print('done')
