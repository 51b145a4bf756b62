# Five asyncio tasks. Four block the loop for 50, 30, 25 and 10 ms between their awaits (all
# due together every 200 ms); the fifth waits on a ThreadSafeFlag that a pin callback sets.
# The loop only notices the flag when it polls between two tasks, and the waiter then queues
# behind every task already due (facts §5.3): its worst wake latency approaches
# 50 + 30 + 25 + 10 = 115 ms (plus up to a FreeRTOS tick, as the idle loop polls once per
# tick), whatever the callback's own latency.
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
    for ms in (50, 30, 25, 10):
        asyncio.create_task(blocker(ms, start))
    asyncio.create_task(responder())
    await asyncio.sleep_ms(1000)
    print('flag wake-ups handled:', handled)


asyncio.run(main())
