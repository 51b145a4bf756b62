# board: esp32
# expect: none
# The callback checks its input.
from machine import Timer
import time
div = 4
def cb(t):
    if div:
        x = 100 // div
Timer(0).init(period=10, mode=Timer.PERIODIC, callback=cb)
time.sleep_ms(25)
div = 0
time.sleep_ms(25)
Timer(0).deinit()
print('done')
