# pyb.Pin and pyb.ExtInt on the pyboard (irqlab's own; expected output reasoned from
# ports/stm32/pin.c and extint.c: names are found as board or CPU pins, repr is
# `Pin(Pin.cpu.A0, mode=Pin.OUT)`, machine.Pin is pyb.Pin, an ExtInt handler is hard and gets
# the line number, swint() runs it at once, a disabled line does not run, two pins on the same
# EXTI line conflict, and a hard EXTI handler that raises is reported with its line and
# disabled — with the emergency buffer allocated the message and traceback survive).
import pyb, machine, micropython
micropython.alloc_emergency_exception_buf(100)

p = pyb.Pin('X1', pyb.Pin.OUT_PP)
print(p)
p.high()
print(p.value())
p.low()
print(p.value())
q = pyb.Pin(pyb.Pin.board.Y1, pyb.Pin.IN, pyb.Pin.PULL_UP)
print(q, q.value(), q.name(), q.names())
print(machine.Pin is pyb.Pin, pyb.Pin('A0') is p, pyb.Pin.cpu.A0 is p)
n = 0


def cb(line):
    global n
    n += line


e = pyb.ExtInt('X2', pyb.ExtInt.IRQ_FALLING, pyb.Pin.PULL_UP, cb)
print(e, e.line())
e.swint()
print(n)
e.disable()
e.swint()
print(n)
e.enable()
e.swint()
print(n)
try:
    pyb.ExtInt('B1', pyb.ExtInt.IRQ_FALLING, pyb.Pin.PULL_UP, cb)
except ValueError as ex:
    print('ValueError:', ex)
try:
    pyb.Pin('Y12', pyb.Pin.IN).irq(cb)
except OSError as ex:
    print('OSError:', ex)


def bad(line):
    raise ValueError('line', line)


x3 = pyb.ExtInt('X3', pyb.ExtInt.IRQ_RISING, pyb.Pin.PULL_NONE, bad)
x3.swint()
x3.swint()
try:
    pyb.Pin(5)
except TypeError as ex:
    print('TypeError:', ex)
try:
    pyb.Pin('X13')
except ValueError as ex:
    print('ValueError:', ex)
print(pyb.ExtInt.IRQ_RISING, pyb.Pin.IRQ_FALLING, pyb.Pin.OUT_OD, pyb.Pin.PULL_DOWN)
