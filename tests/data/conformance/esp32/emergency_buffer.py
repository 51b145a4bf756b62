# An exception raised with the heap locked (as in a hard IRQ handler) on esp32 (irqlab's own;
# expected output reasoned from shared/docs/micropython-facts.md §3: esp32 has no emergency
# exception buffer until alloc_emergency_exception_buf() is called, so the args tuple and the
# traceback cannot be allocated and the message is lost — and with no traceback entries
# mp_obj_print_exception prints no `Traceback` header (py/obj.c); with a buffer both are kept).
import micropython
import sys

e = None
err = None


def fail():
    raise ValueError('sensor out of range')


micropython.heap_lock()
try:
    fail()
except ValueError as e:
    err = e
micropython.heap_unlock()
sys.print_exception(err)
print(err.args)

micropython.alloc_emergency_exception_buf(100)
micropython.heap_lock()
try:
    fail()
except ValueError as e:
    err = e
micropython.heap_unlock()
sys.print_exception(err)
print(err.args)
