# board: pyboard
# expect: none
# The same pair read inside pyb.disable_irq()/enable_irq(), on one line: consecutive loop
# iterations are not a torn read (each pass reads both under the lock).
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
    s = pyb.disable_irq(); x = a; y = b; pyb.enable_irq(s)
    if x != y:
        bad += 1
tim.deinit()
print('mismatches', bad)
