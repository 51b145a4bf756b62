# The critical-section example of MicroPython's "Writing interrupt handlers" guide, WITHOUT the
# critical section (pyboard: pyb.Timer callbacks are hard interrupts).
#
# The timer handler stores 5 readings in `data` and advances `index`. The main program's
# drain() reads `index`, handles data[0:n], sends the batch on (slowly: 1.2 ms, longer than
# the timer period) and then sets `index = 0`. A hard interrupt can run between any two
# bytecodes: when it lands after drain() read `index` and before `index = 0`, the readings it
# stored are thrown away by the reset — never handled (finding: lost-update on `index`, and
# torn reads of `index` and `data`).
# Fix: critical_section_right.py copies and resets inside pyb.disable_irq()/enable_irq().
import pyb, micropython, array
micropython.alloc_emergency_exception_buf(100)

ARRAYSIZE = const(40)
index = 0
data = array.array('i', 0 for x in range(ARRAYSIZE))
produced = 0
handled = 0


def callback1(t):
    global index, produced
    for x in range(5):
        if index < ARRAYSIZE:
            data[index] = pyb.rng()  # simulate input
            index += 1
            produced += 1


def drain():
    global index, handled
    n = index
    for x in range(n):
        handled += data[x] >= 0
    pyb.udelay(1200)  # send the batch on: slow
    index = 0


tim4 = pyb.Timer(4, freq=1000, callback=callback1)
start = pyb.millis()
while pyb.elapsed_millis(start) < 200:
    if index > 0:
        drain()
tim4.deinit()


def report():
    print('produced', produced, 'handled', handled + index, 'lost', produced - handled - index)


report()
