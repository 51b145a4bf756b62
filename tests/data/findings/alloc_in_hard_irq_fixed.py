# board: pyboard
# expect: none
# A preallocated array and an index: the handler only writes into existing storage.
import pyb
import array
data = array.array('i', [0] * 16)
n = 0
def cb(t):
    global n
    if n < 16:
        data[n] = 1
        n += 1
tim = pyb.Timer(4, freq=100, callback=cb)
pyb.delay(50)
tim.deinit()
print(n)
