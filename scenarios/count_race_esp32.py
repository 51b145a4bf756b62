# The same `count += 1` race on the ESP32: its Timer callbacks are soft (scheduled), and soft
# callbacks run only at jump opcodes. `count += 1` has no jump in it, so no update is lost.
from machine import Timer

count = 0
ticks = 0


def tick(t):
    global count, ticks
    count += 1
    ticks += 1


tim = Timer(0)
tim.init(freq=10000, callback=tick)
for i in range(20000):
    count += 1
tim.deinit()
print('expected', 20000 + ticks, 'got', count, 'lost', 20000 + ticks - count)
