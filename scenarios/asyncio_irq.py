# The same sensor, interrupt-driven: a pin callback sets a ThreadSafeFlag and the task waits on
# it; the other tasks sleep between their work, so the board idles most of the time.
import asyncio
from machine import Pin

sensor = Pin(5, Pin.IN)
flag = asyncio.ThreadSafeFlag()
sensor.irq(handler=lambda p: flag.set(), trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)
seen = 0


async def worker(n):
    while True:
        await asyncio.sleep_ms(10)


async def watcher():
    global seen
    while True:
        await flag.wait()
        seen += 1


async def main():
    for n in range(4):
        asyncio.create_task(worker(n))
    asyncio.create_task(watcher())
    await asyncio.sleep_ms(1000)
    print('changes seen:', seen)


asyncio.run(main())
