# board: esp32
# expect: lost-update
# A multi-statement read-modify-write with a loop (a jump, so a pending check) in the middle:
# the soft callback runs there and its increment is overwritten (facts §1.1).
from machine import Timer
count = 0
def cb(t):
    global count
    count += 1
Timer(0).init(period=1, mode=Timer.PERIODIC, callback=cb)
for i in range(3000):
    c = count
    for j in range(10):
        pass
    count = c + 1
Timer(0).deinit()
print(count)
