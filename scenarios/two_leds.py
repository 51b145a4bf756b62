# Two LEDs blinked by two hardware timers through bound-method callbacks.
# Each TogglePin keeps its own state: the callback is `self.toggle`, so the timer
# hands the same instance back every time (the Foo(timer, led) pattern).
from machine import Pin, Timer
import time


class TogglePin:
    def __init__(self, pin, timer, period_ms):
        self.pin = Pin(pin, Pin.OUT, value=0)
        self.count = 0
        timer.init(period=period_ms, mode=Timer.PERIODIC, callback=self.toggle)

    def toggle(self, t):
        self.count += 1
        self.pin.value(not self.pin.value())


red = TogglePin(2, Timer(0), 100)
green = TogglePin(4, Timer(1), 250)
print('blinking')
time.sleep_ms(1050)
print('red toggled', red.count, 'times; green toggled', green.count, 'times')
