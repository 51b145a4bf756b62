# Allocation in hard pyb.Timer handlers (irqlab's own; expected output reasoned from facts §3
# and py/objlist.c: a list of 4 items has no spare room (alloc = len = 4), so appending must
# grow it with the heap locked: MemoryError; a float result is a new
# heap object: MemoryError. Each failing handler is reported once — with the emergency buffer
# the message and the traceback survive — and disabled; `callback()` re-arms the timer).
import pyb, micropython
micropython.alloc_emergency_exception_buf(100)

readings = [0, 0, 0, 0]


def on_tick(t):
    readings.append(1)


tim = pyb.Timer(4, freq=1000, callback=on_tick)
pyb.delay(10)
print(len(readings))
scale = 0.5


def on_scale(t):
    global scale
    scale = scale * 1.5


tim.callback(on_scale)
pyb.delay(10)
print(scale)
tim.deinit()
