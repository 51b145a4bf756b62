# board: esp32
# expect: asyncio-from-irq
# A timer callback creates an asyncio task: asyncio's queues are not safe to touch from a
# callback (the scheduler may be mid-update where the callback preempted it).
import asyncio
from machine import Timer
done = 0
async def work():
    global done
    done += 1
def cb(t):
    asyncio.create_task(work())
async def main():
    Timer(0).init(period=10, mode=Timer.PERIODIC, callback=cb)
    for i in range(20):
        await asyncio.sleep_ms(5)
    Timer(0).deinit()
asyncio.run(main())
print('ok')
