# Polling a slowly changing sensor: the main loop reads the pin every 5 ms and
# reports each change it sees. Detection waits for the next poll.
from machine import Pin
import time

sensor = Pin(5, Pin.IN)
led = Pin(2, Pin.OUT, value=0)
last = sensor.value()
changes = 0
t0 = time.ticks_ms()
while time.ticks_diff(time.ticks_ms(), t0) < 1000:
    v = sensor.value()
    if v != last:
        last = v
        changes += 1
        led.value(v)            # mirror the sensor: the LED edge shows when we noticed
    time.sleep_ms(5)
print('polling saw', changes, 'changes')
