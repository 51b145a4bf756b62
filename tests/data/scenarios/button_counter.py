# The program of example.yaml: count debounced button presses, light an LED, tick a timer.
from machine import Pin, Timer
import time

led = Pin(2, Pin.OUT)
button = Pin(4, Pin.IN, Pin.PULL_UP)
presses = 0
last_press_ms = -1000
ticks = 0


def on_press(pin):
    global presses, last_press_ms
    now = time.ticks_ms()
    if time.ticks_diff(now, last_press_ms) > 50:
        last_press_ms = now
        presses += 1
        led.value(1)
        print("presses=%d" % presses)


def on_tick(timer):
    global ticks
    ticks += 1


button.irq(handler=on_press, trigger=Pin.IRQ_FALLING)
Timer(0, mode=Timer.PERIODIC, period=10, callback=on_tick)
print("ready")
while True:
    pass
