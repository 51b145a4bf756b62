# board: pyboard
# expect: bigint-in-hard-irq, callback-exception
# A running product grows past the small-int range (2**30): big ints are heap objects.
import pyb
acc = 1
def cb(t):
    global acc
    acc = acc * 1000
tim = pyb.Timer(4, freq=1000, callback=cb)
pyb.delay(20)
print(acc > 0)
