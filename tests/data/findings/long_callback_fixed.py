# board: esp32
# expect: none
# The callback sets a flag; the main program does the processing.
from machine import Timer
import time
total = 0
due = False
def cb(t):
    global due
    due = True
Timer(0).init(period=20, mode=Timer.PERIODIC, callback=cb)
for k in range(10):
    time.sleep_ms(10)
    if due:
        due = False
        for i in range(300):
            total += i
Timer(0).deinit()
print('done')
