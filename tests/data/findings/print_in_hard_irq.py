# board: pyboard
# expect: print-in-hard-irq, long-hard-irq
# Printing from a hard handler: slow UART output while every other interrupt waits.
import pyb
n = 0
def cb(t):
    global n
    n += 1
    print('tick')
tim = pyb.Timer(4, freq=10, callback=cb)
pyb.delay(250)
tim.deinit()
