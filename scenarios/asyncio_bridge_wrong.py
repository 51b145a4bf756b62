# The wrong bridge from an interrupt to asyncio: the pin callback calls asyncio.create_task().
# On the ESP32 the callback runs while the loop waits in its poll; the new task is pushed on the
# run queue, but nothing wakes the poll (only streams and ThreadSafeFlags are polled), so the task
# waits until the poll's timeout — here the background task's next 500 ms deadline. (On boards
# with hard IRQs create_task would also fail: it allocates with the heap locked.)
import asyncio
import time
from machine import Pin

t_irq = 0
worst_ms = 0
handled = 0


async def handle():
    global worst_ms, handled
    handled += 1
    worst_ms = max(worst_ms, time.ticks_diff(time.ticks_us(), t_irq) // 1000)


def on_edge(pin):
    global t_irq
    t_irq = time.ticks_us()
    asyncio.create_task(handle())


async def background():
    while True:
        await asyncio.sleep_ms(500)


async def main():
    asyncio.create_task(background())
    Pin(4, Pin.IN).irq(handler=on_edge, trigger=Pin.IRQ_RISING)
    await asyncio.sleep_ms(2000)
    print('handled', handled, 'worst latency', worst_ms, 'ms')


asyncio.run(main())
