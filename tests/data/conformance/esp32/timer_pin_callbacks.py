# Timer and Pin callbacks on esp32 (irqlab's own; expected output reasoned from
# shared/docs/micropython-facts.md §2.5, §4.2, §4.3 — callbacks are soft, run while sleeping,
# receive the Timer/Pin object, and an OUT pin's own edges trigger its IRQ).
from machine import Pin, Timer
import time

log = []


def tick(t):
    log.append('tick')


t = Timer(0)
t.init(period=10, mode=Timer.PERIODIC, callback=tick)
time.sleep_ms(35)
t.deinit()
print(len(log))

one = Timer(1)
one.init(period=5, mode=Timer.ONE_SHOT, callback=lambda t: log.append('one'))
time.sleep_ms(20)
print(log.count('one'))

led = Pin(2, Pin.OUT, value=0)
edges = []
led.irq(handler=lambda p: edges.append(p.value()), trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)
led.on()
led.off()
led.on()
print('before sleep', edges)
time.sleep_ms(1)
print('after sleep', edges)

got = []
t2 = Timer(2)
t2.init(period=1, mode=Timer.ONE_SHOT, callback=lambda t: got.append(t is t2))
time.sleep_ms(5)
print(got)


class Blinker:
    def __init__(self, n):
        self.n = n
        self.calls = 0

    def cb(self, t):
        self.calls += 1


a = Blinker('a')
b = Blinker('b')
Timer(0).init(period=4, callback=a.cb)
Timer(3).init(period=8, callback=b.cb)
time.sleep_ms(17)
Timer(0).deinit()
Timer(3).deinit()
print(a.n, a.calls, b.n, b.calls)
