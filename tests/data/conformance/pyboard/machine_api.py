# machine.Timer and machine.Pin.irq on the pyboard (irqlab's own; expected output reasoned from
# extmod/machine_timer.c, shared/runtime/softtimer.c and ports/stm32/pin.c): machine.Timer is
# the soft timer, id -1 only, printed as `Timer(mode=PERIODIC, period=N)`; `hard=True` runs its
# callback in the interrupt (from PendSV); Pin.irq returns None; a hard pin handler runs inside
# the write that made the edge, a soft one only at the next pending check (a jump or a sleep); pyb.Timer(hard=False) is
# scheduled, so its callback may allocate.
import pyb, micropython
from machine import Pin, Timer
micropython.alloc_emergency_exception_buf(100)

n = [0, 0, 0]


def on_timer(t):
    n[0] += 1


t = Timer(period=10, callback=on_timer, hard=True)
print(t)
pyb.delay(55)
t.deinit()
print(n[0])
try:
    Timer(0)
except ValueError as e:
    print('ValueError:', e)


def on_hard(p):
    n[1] += 1


def on_soft(p):
    n[2] += 1


a = Pin('X7', Pin.OUT)
print(a.irq(on_hard, Pin.IRQ_RISING, hard=True))
a.high()
seen = n[1]
print(seen)
b = Pin('Y3', Pin.OUT)
b.irq(on_soft, Pin.IRQ_RISING)
b.high()
seen = n[2]
print(seen)
pyb.delay(1)
print(n[2])
# pyb.Timer(hard=False) schedules its callback: it runs with the heap unlocked and can allocate.
log = []


def on_soft_timer(t):
    log.append(len(log))


tim = pyb.Timer(4, freq=1000, callback=on_soft_timer, hard=False)
pyb.delay(10)
tim.deinit()
print(len(log) >= 9, log[:3])
