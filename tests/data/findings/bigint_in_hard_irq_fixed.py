# board: pyboard
# expect: none
# The product kept small (below 2**23) with a mask.
import pyb
acc = 1
def cb(t):
    global acc
    acc = (acc * 7) & 0xfffff
tim = pyb.Timer(4, freq=1000, callback=cb)
pyb.delay(20)
tim.deinit()
print(acc > 0)
