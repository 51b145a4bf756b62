# board: pyboard
# expect: torn-read
# Module-level code reading two values a hard handler updates together, with nothing
# protecting the pair: the handler can land between the two loads of one line.
import pyb
a = 0
b = 0
def isr(t):
    global a, b
    a += 1
    b += 1
tim = pyb.Timer(4, freq=1000, callback=isr)
bad = 0
for i in range(3000):
    x = a; y = b
    if x != y:
        bad += 1
tim.deinit()
print('mismatches', bad)
