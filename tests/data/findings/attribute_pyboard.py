# board: pyboard
# expect: lost-update
# An instance attribute shared by the main program and a hard timer handler (the class pattern
# of MicroPython's ISR guide): `self.count += 1` is LOAD_ATTR … STORE_ATTR and the hard IRQ can
# land between them (facts §2.7).
import pyb
class Counter:
    def __init__(self):
        self.count = 0
        self.tim = pyb.Timer(4, freq=5000, callback=self.cb)
    def cb(self, t):
        self.count += 1
c = Counter()
for i in range(5000):
    c.count += 1
c.tim.deinit()
print(c.count)
