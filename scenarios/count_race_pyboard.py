# `count += 1` in the main loop and in a HARD timer interrupt (Pyboard: pyb.Timer callbacks are
# hard IRQs). The handler can run between any two bytecodes — also between the main loop's
# LOAD of `count` and its STORE — and then its increment is overwritten: updates are lost.
import pyb

count = 0
ticks = 0


def tick(t):
    global count, ticks
    count += 1
    ticks += 1


tim = pyb.Timer(4, freq=10000, callback=tick)
for i in range(20000):
    count += 1
tim.deinit()
print('expected', 20000 + ticks, 'got', count, 'lost', 20000 + ticks - count)
