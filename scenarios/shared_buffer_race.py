# An ISR callback and the main loop share an index and an array, with no critical section.
# The timer callback appends a sample; the main loop copies what is there and resets the
# index. A callback that runs at a jump inside the copy loop appends a sample that the
# reset then throws away: data is lost.
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
    n = idx
    for i in range(n):          # each back-edge is a pending check: a callback may run here
        consumed += 1
        x = buf[i]
        for j in range(60):     # some processing per sample (about 0.3 ms)
            x = (x * 3 + j) & 0xffff
    idx = 0                     # ...and whatever it appended meanwhile is lost


Timer(0).init(period=1, mode=Timer.PERIODIC, callback=sample)
t0 = time.ticks_ms()
while time.ticks_diff(time.ticks_ms(), t0) < 300:
    if idx >= 4:
        consume()
Timer(0).deinit()
consume()
print('produced', produced, 'consumed', consumed, 'lost', produced - consumed)
