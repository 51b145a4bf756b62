# A pin callback waits for the main loop's next jump: the pending check where
# MicroPython runs queued callbacks. A short loop body jumps often.
from machine import Pin
import time

count = 0


def on_edge(pin):
    global count
    count += 1


button = Pin(4, Pin.IN, Pin.PULL_UP)
button.irq(handler=on_edge, trigger=Pin.IRQ_FALLING)

total = 0
t0 = time.ticks_ms()
while time.ticks_diff(time.ticks_ms(), t0) < 500:
    total += 1          # short body: one jump per few ops
print('edges handled:', count)
