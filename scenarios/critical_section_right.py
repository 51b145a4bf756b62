# The critical-section example of MicroPython's "Writing interrupt handlers" guide, WITH the
# critical section (pyboard: pyb.Timer callbacks are hard interrupts).
#
# drain() holds every interrupt off with pyb.disable_irq() only while it reads `index`, copies
# the readings and resets `index`; an interrupt raised meanwhile stays pending and runs at
# pyb.enable_irq(state). Nothing is lost. The section is short — a copy of a few integers, a
# few microseconds — and the slow work (sending the batch, 1.2 ms) is done on the copy, outside it, so
# interrupts are never held off long (compare critical_section_wrong.py).
import pyb, micropython, array
micropython.alloc_emergency_exception_buf(100)

ARRAYSIZE = const(40)
index = 0
data = array.array('i', 0 for x in range(ARRAYSIZE))
copy = array.array('i', 0 for x in range(ARRAYSIZE))
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
    irq_state = pyb.disable_irq()  # start of critical section
    n = index
    for x in range(n):
        copy[x] = data[x]
    index = 0
    pyb.enable_irq(irq_state)  # end of critical section
    for x in range(n):
        handled += copy[x] >= 0
    pyb.udelay(1200)  # send the batch on: slow, but outside the critical section


tim4 = pyb.Timer(4, freq=1000, callback=callback1)
start = pyb.millis()
while pyb.elapsed_millis(start) < 200:
    if index > 0:
        drain()
tim4.deinit()


def report():
    print('produced', produced, 'handled', handled + index, 'lost', produced - handled - index)


report()
