# board: esp32
# expect: long-callback
# A soft callback that does its processing itself: about 2 ms each time.
from machine import Timer
import time
total = 0
def cb(t):
    global total
    for i in range(300):
        total += i
Timer(0).init(period=20, mode=Timer.PERIODIC, callback=cb)
time.sleep_ms(100)
Timer(0).deinit()
print('done')
