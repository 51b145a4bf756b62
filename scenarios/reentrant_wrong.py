# A function re-entered from a hard interrupt (pyboard): set_volume from MicroPython's
# "Writing interrupt handlers" guide, whose default argument `buf=bytearray(3)` is made once
# and shared by every call.
#
# The main program builds volume frames with set_volume(); a hard timer handler calls the
# same function for its own frames. When the interrupt lands while the main program is inside
# set_volume() — or between set_volume() returning and the frame being sent — the handler
# rewrites the one shared buffer, and the main program sends a frame with the handler's
# volume in it (finding: reentrancy). A function shared by the main program and an ISR must be
# re-entrant: no shared mutable state.
# Fix: reentrant_right.py gives the handler its own buffer (its own function), so the two
# contexts never touch the same bytes.
import pyb, micropython, array
micropython.alloc_emergency_exception_buf(100)


def set_volume(t, buf=bytearray(3)):
    buf[0] = 0xa5
    buf[1] = t >> 4
    buf[2] = 0x5a
    return buf


isr_frames = 0


def on_tick(tim):
    global isr_frames
    set_volume(0xf0)  # the handler's volume: 15
    isr_frames += 1


bad = array.array('i', [0, 0])


def send(frame):
    bad[1] += 1
    if frame[1] != 0x30 >> 4:  # the main program's volume: 3
        bad[0] += 1


tim = pyb.Timer(4, freq=5000, callback=on_tick)
for i in range(3000):
    send(set_volume(0x30))
tim.deinit()
print('frames', bad[1], 'corrupted', bad[0], 'isr frames', isr_frames)
