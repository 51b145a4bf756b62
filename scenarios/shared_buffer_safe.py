# The same producer and consumer, with the hand-over done inside disable_irq()/enable_irq():
# the index and the samples are copied and the index reset under the lock, then processed
# outside it, so the critical section stays a few microseconds long. A callback that falls
# due during the copy waits until enable_irq(); nothing is lost.
import machine
from machine import Timer
import array
import time

buf = array.array('i', [0] * 64)
idx = 0
produced = 0
consumed = 0


def sample(t):
    global idx, produced
    if idx < len(buf):
        buf[idx] = produced
        idx += 1
    produced += 1


def consume():
    global idx, consumed
    state = machine.disable_irq()     # critical section: the timer ISR is held until enable
    n = idx
    batch = buf[:n]                   # copy under the lock (a few microseconds)...
    idx = 0
    machine.enable_irq(state)         # interrupts held meanwhile are taken now
    for i in range(n):                # ...and process outside it
        consumed += 1
        x = batch[i]
        for j in range(60):     # some processing per sample (about 0.3 ms)
            x = (x * 3 + j) & 0xffff


Timer(0).init(period=1, mode=Timer.PERIODIC, callback=sample)
t0 = time.ticks_ms()
while time.ticks_diff(time.ticks_ms(), t0) < 300:
    if idx >= 4:
        consume()
Timer(0).deinit()
consume()
print('produced', produced, 'consumed', consumed, 'lost', produced - consumed)
