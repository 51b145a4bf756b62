# The 115 ms lesson with shorter blocking: the same five tasks, but the four blockers only
# block for 5, 3, 2 and 1 ms between awaits. The ThreadSafeFlag waiter's worst wake latency
# shrinks with them (to about 11 ms plus up to a FreeRTOS tick).
import asyncio
import time
from machine import Pin

PERIOD = 200
flag = asyncio.ThreadSafeFlag()
button = Pin(4, Pin.IN)
button.irq(handler=lambda p: flag.set(), trigger=Pin.IRQ_RISING)


async def blocker(ms, start):
    due = start
    while True:
        time.sleep_ms(ms)  # blocking work: no await, nothing else in the loop can run
        due = time.ticks_add(due, PERIOD)
        await asyncio.sleep_ms(time.ticks_diff(due, time.ticks_ms()))


async def responder():
    global handled
    while True:
        await flag.wait()
        handled += 1


handled = 0


async def main():
    start = time.ticks_ms()
    for ms in (5, 3, 2, 1):
        asyncio.create_task(blocker(ms, start))
    asyncio.create_task(responder())
    await asyncio.sleep_ms(1000)
    print('flag wake-ups handled:', handled)


asyncio.run(main())
