# board: esp32
# expect: asyncio-from-irq
# A timer callback sets an asyncio.Event: Event.set moves waiting tasks onto the run queue,
# which the callback may have preempted mid-update (asyncio is not interrupt-safe).
import asyncio
from machine import Timer
ev = asyncio.Event()
def cb(t):
    ev.set()
async def waiter():
    for i in range(3):
        await ev.wait()
        ev.clear()
async def main():
    Timer(0).init(period=10, mode=Timer.PERIODIC, callback=cb)
    await waiter()
    Timer(0).deinit()
asyncio.run(main())
print('ok')
