# board: esp32
# expect: reentrancy, torn-read
# fill() is called by the main program and by the timer callback; the callback runs at a jump
# inside fill()'s loop, so both calls use the one default-argument buffer at once, and the main
# program's sum mixes its own values with the callback's (a torn read).
from machine import Timer
def fill(v, buf=bytearray(3)):
    for i in range(3):
        buf[i] = v
    return buf[0] + buf[1] + buf[2]
def cb(t):
    fill(7)
Timer(0).init(period=1, mode=Timer.PERIODIC, callback=cb)
for i in range(500):
    fill(1)
Timer(0).deinit()
print('ok')
