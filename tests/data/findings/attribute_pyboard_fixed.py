# board: pyboard
# expect: none
# The main program's increment inside pyb.disable_irq()/enable_irq().
import pyb
class Counter:
    def __init__(self):
        self.count = 0
        self.tim = pyb.Timer(4, freq=5000, callback=self.cb)
    def cb(self, t):
        self.count += 1
c = Counter()
for i in range(5000):
    s = pyb.disable_irq()
    c.count += 1
    pyb.enable_irq(s)
c.tim.deinit()
print(c.count)
