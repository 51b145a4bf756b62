# The corrected reentrant_wrong.py (pyboard): the hard timer handler no longer calls the main
# program's set_volume(); it has its own isr_volume() with its own preallocated buffer. No
# function runs in both contexts and no byte is shared, so every frame the main program sends
# carries its own volume (no finding). The default-argument trick of the guide is still used:
# each buffer is made once, when its `def` runs, so the handler allocates nothing.
import pyb, micropython, array
micropython.alloc_emergency_exception_buf(100)


def set_volume(t, buf=bytearray(3)):
    buf[0] = 0xa5
    buf[1] = t >> 4
    buf[2] = 0x5a
    return buf


def isr_volume(t, buf=bytearray(3)):
    buf[0] = 0xa5
    buf[1] = t >> 4
    buf[2] = 0x5a
    return buf


isr_frames = 0


def on_tick(tim):
    global isr_frames
    isr_volume(0xf0)  # the handler's volume: 15, in its own buffer
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
