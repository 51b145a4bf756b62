# The same sensor watched by a pin interrupt: the callback mirrors the sensor on the
# LED, and the main program sleeps (the CPU is idle) between changes.
from machine import Pin
import time

sensor = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT, value=0)
changes = 0


def on_change(pin):
    global changes
    changes += 1
    led.value(pin.value())


sensor.irq(handler=on_change, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)
time.sleep_ms(1000)
print('interrupt saw', changes, 'changes')
