# board: esp32
# expect: long-critical-section, irq-delayed-while-masked, irq-lost-while-masked
# The main program processes a whole batch with interrupts disabled (about 3 ms): the 1 ms timer
# waits, and a second expiry while one is pending is merged and lost.
import machine
from machine import Timer
samples = 0
def cb(t):
    global samples
    samples += 1
Timer(0).init(period=1, mode=Timer.PERIODIC, callback=cb)
for k in range(5):
    s = machine.disable_irq()
    x = 0
    for i in range(500):
        x += i
    machine.enable_irq(s)
Timer(0).deinit()
print('done')
