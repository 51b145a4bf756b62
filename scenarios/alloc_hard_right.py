# No allocation in the hard interrupt handler (pyboard): the corrected alloc_hard_wrong.py.
#
# Everything the handler touches exists before the timer starts: a preallocated array of
# integers used as a ring, its small-int index and a counter. Small-int arithmetic and stores
# into an existing array allocate nothing, so the handler runs at every tick with the heap
# locked. The float average is computed in the main program, where allocation is allowed.
import pyb, micropython, array
micropython.alloc_emergency_exception_buf(100)

SIZE = const(32)
samples = array.array('i', 0 for x in range(SIZE))
head = 0
count = 0


def on_sample(t):
    global head, count
    samples[head] = pyb.rng() & 0xff  # simulate a reading
    head = (head + 1) % SIZE
    count += 1


tim = pyb.Timer(4, freq=1000, callback=on_sample)
pyb.delay(20)
tim.deinit()
total = 0
for v in samples:
    total += v
print('samples', count, 'average', total / SIZE)
