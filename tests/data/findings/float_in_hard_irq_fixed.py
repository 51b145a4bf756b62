# board: pyboard
# expect: none
# The same filter in integer arithmetic (scaled by 1000).
import pyb
v = 0
def cb(t):
    global v
    v = v // 2 + 1000
tim = pyb.Timer(4, freq=100, callback=cb)
pyb.delay(50)
tim.deinit()
print(v)
