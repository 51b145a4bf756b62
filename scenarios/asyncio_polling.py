# Polling a pin from an asyncio task with `await asyncio.sleep_ms(0)` among four other busy
# tasks: every pass of the scheduler costs CPU, so the board never idles.
import asyncio
from machine import Pin

sensor = Pin(5, Pin.IN)
seen = 0
passes = 0


async def busy(n):
    global passes
    while True:
        passes += 1
        await asyncio.sleep_ms(0)


async def poller():
    global seen
    last = sensor.value()
    while True:
        v = sensor.value()
        if v != last:
            last = v
            seen += 1
        await asyncio.sleep_ms(0)


async def main():
    for n in range(4):
        asyncio.create_task(busy(n))
    asyncio.create_task(poller())
    await asyncio.sleep_ms(1000)
    print('changes seen:', seen, 'scheduler passes:', passes // 4)


asyncio.run(main())
