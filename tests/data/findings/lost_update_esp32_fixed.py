# board: esp32
# expect: none
# The same update inside a critical section: the callback waits for enable_irq().
import machine
from machine import Timer
count = 0
def cb(t):
    global count
    count += 1
Timer(0).init(period=1, mode=Timer.PERIODIC, callback=cb)
for i in range(3000):
    s = machine.disable_irq()
    c = count
    count = c + 1
    machine.enable_irq(s)
    for j in range(10):
        pass
Timer(0).deinit()
print(count)
