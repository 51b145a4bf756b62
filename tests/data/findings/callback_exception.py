# board: esp32
# expect: callback-exception
# The callback divides by a value the main program may have set to zero.
from machine import Timer
import time
div = 4
def cb(t):
    x = 100 // div
Timer(0).init(period=10, mode=Timer.PERIODIC, callback=cb)
time.sleep_ms(25)
div = 0
time.sleep_ms(25)
Timer(0).deinit()
print('done')
