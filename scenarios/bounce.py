# A bouncing push-button: every edge of the contact bounce runs the GPIO ISR, and
# each ISR queues its own callback. The schedule queue holds 8; the rest are dropped
# silently (facts: ports/esp32/machine_pin.c ignores mp_sched_schedule's result).
from machine import Pin
import time

presses = 0


def on_press(pin):
    global presses
    presses += 1
    print('press', presses)     # printing in a callback is slow: the UART takes its time


button = Pin(4, Pin.IN, Pin.PULL_UP)
button.irq(handler=on_press, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)
print('ready')
time.sleep_ms(300)
print('callbacks run:', presses)
