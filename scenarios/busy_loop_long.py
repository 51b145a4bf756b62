# The same pin callback, but the main loop body is long straight-line code with
# no jump: a queued callback waits until the whole body has run.
from machine import Pin
import time

count = 0


def on_edge(pin):
    global count
    count += 1


button = Pin(4, Pin.IN, Pin.PULL_UP)
button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING)

a = b = c = d = 0
t0 = time.ticks_ms()
while time.ticks_diff(time.ticks_ms(), t0) < 500:
    # forty straight-line statements: no pending check until the loop jumps back
    a = b + 1; b = c + 2; c = d + 3; d = a + 4
    a = b + 1; b = c + 2; c = d + 3; d = a + 4
    a = b + 1; b = c + 2; c = d + 3; d = a + 4
    a = b + 1; b = c + 2; c = d + 3; d = a + 4
    a = b + 1; b = c + 2; c = d + 3; d = a + 4
    a = b + 1; b = c + 2; c = d + 3; d = a + 4
    a = b + 1; b = c + 2; c = d + 3; d = a + 4
    a = b + 1; b = c + 2; c = d + 3; d = a + 4
    a = b + 1; b = c + 2; c = d + 3; d = a + 4
    a = b + 1; b = c + 2; c = d + 3; d = a + 4
    a = 0; b = 0; c = 0; d = 0
print('edges handled:', count)
