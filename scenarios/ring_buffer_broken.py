# The ring buffer of ring_buffer_safe.py with a classic mistake: an item count shared by both
# sides. The handler does `count += 1`, the main loop `count -= 1`; the main loop's
# read-modify-write is LOAD count, LOAD 1, SUBTRACT, STORE count, and a hard interrupt between
# the LOAD and the STORE loses the handler's increment. The main loop then believes the buffer
# holds one item less than it does: the item is never read, and the handler later overwrites
# its slot. Nothing is lost unless the interrupt lands inside those four ops.
import pyb
import array

SIZE = 8
buf = array.array('i', [0] * SIZE)
head = 0        # written only by the handler
tail = 0        # written only by the main loop
count = 0       # items in the buffer: written by BOTH (the bug)
seq = 0
dropped = 0
got = 0
errors = 0
want = 0


def produce(t):
    global head, seq, dropped, count
    if count == SIZE:
        dropped += 1
        return
    buf[head] = seq
    head = (head + 1) % SIZE
    count += 1
    seq += 1


def consume():
    global tail, got, errors, want, count
    while count > 0:
        v = buf[tail]
        tail = (tail + 1) % SIZE
        count -= 1
        if v != want:
            errors += 1
        want = v + 1
        got += 1


tim = pyb.Timer(4, freq=2000, callback=produce)
while got < 6:
    if count > 0:
        consume()
    else:
        pyb.delay(1)
tim.deinit()
consume()
print('got', got, 'errors', errors, 'dropped', dropped, 'produced', seq, 'lost', seq - got)
