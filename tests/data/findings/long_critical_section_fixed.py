# board: esp32
# expect: none
# Only the hand-over of the shared counter is protected; the batch runs with interrupts on.
import machine
from machine import Timer
samples = 0
def cb(t):
    global samples
    samples += 1
Timer(0).init(period=1, mode=Timer.PERIODIC, callback=cb)
got = 0
for k in range(5):
    s = machine.disable_irq()
    got += samples
    samples = 0
    machine.enable_irq(s)
    x = 0
    for i in range(500):
        x += i
Timer(0).deinit()
print('done')
