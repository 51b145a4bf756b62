# A ring buffer between a HARD timer interrupt (the producer) and the main loop (the consumer).
# Safe without disabling interrupts, because each index has one writer:
#   * the handler writes the slot FIRST and publishes it by advancing `head` LAST;
#   * the main loop reads the slot FIRST and frees it by advancing `tail` LAST.
# The buffer is preallocated (array), the handler only does small-int arithmetic: no allocation
# in the hard IRQ. One slot stays empty so that head == tail means "empty", not "full".
import pyb
import array

SIZE = 8
buf = array.array('i', [0] * SIZE)
head = 0        # written only by the handler
tail = 0        # written only by the main loop
seq = 0         # the next value the handler produces (handler only)
dropped = 0     # values the handler could not store: buffer full (handler only)
got = 0         # values consumed (main only)
errors = 0      # values out of sequence (main only)
want = 0        # the value expected next (main only)


def produce(t):
    global head, seq, dropped
    nxt = (head + 1) % SIZE
    if nxt == tail:
        dropped += 1
        return
    buf[head] = seq
    head = nxt
    seq += 1


def consume():
    global tail, got, errors, want
    while tail != head:
        v = buf[tail]
        tail = (tail + 1) % SIZE
        if v != want:
            errors += 1
        want = v + 1
        got += 1


tim = pyb.Timer(4, freq=2000, callback=produce)
while got < 6:
    if tail != head:
        consume()
    else:
        pyb.delay(1)
tim.deinit()
consume()
print('got', got, 'errors', errors, 'dropped', dropped, 'produced', seq, 'lost', seq - got)
