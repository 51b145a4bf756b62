# board: esp32
# expect: torn-read
# The callback updates two halves of one reading; the main program reads them with a loop in
# between, so a callback can run between the two reads.
from machine import Timer
hi = 0
lo = 0
n = 0
def cb(t):
    global hi, lo, n
    n += 1
    hi = n >> 4
    lo = n & 15
Timer(0).init(period=1, mode=Timer.PERIODIC, callback=cb)
for i in range(3000):
    h = hi
    for j in range(3):
        pass
    l = lo
Timer(0).deinit()
print('done')
