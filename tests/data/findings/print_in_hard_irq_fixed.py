# board: pyboard
# expect: none
# The handler counts; the main program prints.
import pyb
n = 0
def cb(t):
    global n
    n += 1
tim = pyb.Timer(4, freq=10, callback=cb)
seen = 0
for i in range(25):
    pyb.delay(10)
    if n != seen:
        seen = n
        print('tick')
tim.deinit()
