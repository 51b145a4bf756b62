# The right bridge: the pin callback only sets a ThreadSafeFlag (safe from any interrupt
# context); a task waits on it. The loop polls the flag, so the task runs at the loop's next
# poll (within a FreeRTOS tick) instead of at the next unrelated deadline.
import asyncio
import time
from machine import Pin

t_irq = 0
worst_ms = 0
handled = 0
flag = asyncio.ThreadSafeFlag()


def on_edge(pin):
    global t_irq
    t_irq = time.ticks_us()
    flag.set()


async def handler():
    global worst_ms, handled
    while True:
        await flag.wait()
        handled += 1
        worst_ms = max(worst_ms, time.ticks_diff(time.ticks_us(), t_irq) // 1000)


async def background():
    while True:
        await asyncio.sleep_ms(500)


async def main():
    asyncio.create_task(background())
    asyncio.create_task(handler())
    Pin(4, Pin.IN).irq(handler=on_edge, trigger=Pin.IRQ_RISING)
    await asyncio.sleep_ms(2000)
    print('handled', handled, 'worst latency', worst_ms, 'ms')


asyncio.run(main())
