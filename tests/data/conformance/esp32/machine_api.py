# esp32 machine/micropython/time API behaviour (irqlab's own; expected output reasoned from
# shared/docs/micropython-facts.md §2.4, §3, §4.1-4.4, not recorded from a board).
import machine
import micropython
import time
from machine import Pin, Timer

# Pin.irq has no `hard` argument on esp32 (facts §4.2).
p = Pin(4, Pin.IN, Pin.PULL_UP)
try:
    p.irq(handler=lambda x: None, hard=True)
except TypeError as e:
    print('TypeError:', e)
print(Pin.IRQ_RISING, Pin.IRQ_FALLING, Pin.WAKE_LOW, Pin.WAKE_HIGH)
print(p.value())

# hard Timers are not implemented (facts §4.3).
try:
    Timer(0).init(period=10, hard=True)
except ValueError as e:
    print('ValueError:', e)
print(Timer.ONE_SHOT, Timer.PERIODIC)

# disable_irq always returns 0 (facts §4.1).
s = machine.disable_irq()
machine.enable_irq(s)
print('disable_irq ->', s)

# heap_unlock returns the remaining depth (facts §3).
micropython.heap_lock()
micropython.heap_lock()
print(micropython.heap_unlock(), micropython.heap_unlock())

# ticks arithmetic (facts §4.4).
print(time.ticks_add(2**30 - 1, 1), time.ticks_diff(1, 2**30 - 1))
try:
    time.ticks_add(0, 2**29)
except OverflowError as e:
    print('OverflowError:', e)

# The schedule queue holds 8 entries on esp32 (facts §2.1, §2.4).
def cb(arg):
    pass

# Straight-line code has no pending check, so nothing drains the queue while it fills
# (a `while` loop would run one callback per back-edge and never fill it).
n = 0
try:
    micropython.schedule(cb, 0); n += 1
    micropython.schedule(cb, 1); n += 1
    micropython.schedule(cb, 2); n += 1
    micropython.schedule(cb, 3); n += 1
    micropython.schedule(cb, 4); n += 1
    micropython.schedule(cb, 5); n += 1
    micropython.schedule(cb, 6); n += 1
    micropython.schedule(cb, 7); n += 1
    micropython.schedule(cb, 8); n += 1
except RuntimeError as e:
    print('RuntimeError:', e, 'after', n)
