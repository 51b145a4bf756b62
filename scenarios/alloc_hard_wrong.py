# Allocation in a hard interrupt handler (pyboard: pyb.Timer callbacks are hard IRQs).
#
# The handler keeps a running average in a float. Floats are heap objects in MicroPython, so
# `average * 0.9 + x * 0.1` must allocate — and a hard handler runs with the heap locked. The
# first interrupt raises `MemoryError: memory allocation failed, heap is locked`, MicroPython
# prints "Uncaught exception in IRQ callback handler" with the traceback (kept thanks to the
# emergency exception buffer) and disables the callback: no sample is ever counted.
# (Appending to a list fails the same way as soon as the list must grow.)
# Fix: alloc_hard_right.py stores integers in a preallocated array and averages in the main
# program.
import pyb, micropython
micropython.alloc_emergency_exception_buf(100)

average = 0.0
count = 0


def on_sample(t):
    global average, count
    x = pyb.rng() & 0xff  # simulate a reading
    average = average * 0.9 + x * 0.1
    count += 1


tim = pyb.Timer(4, freq=1000, callback=on_sample)
pyb.delay(20)
tim.deinit()
print('samples', count, 'average', average)
