# board: esp32
# expect: none
# The callback has its own function and buffer.
from machine import Timer
def fill(v, buf=bytearray(3)):
    for i in range(3):
        buf[i] = v
    return buf[0] + buf[1] + buf[2]
def fill_isr(v, buf=bytearray(3)):
    for i in range(3):
        buf[i] = v
    return buf[0] + buf[1] + buf[2]
def cb(t):
    fill_isr(7)
Timer(0).init(period=1, mode=Timer.PERIODIC, callback=cb)
for i in range(500):
    fill(1)
Timer(0).deinit()
print('ok')
