# board: esp32
# expect: none
# The callback sets a ThreadSafeFlag instead; the task waits on the flag.
import asyncio
from machine import Timer
flag = asyncio.ThreadSafeFlag()
def cb(t):
    flag.set()
async def waiter():
    for i in range(3):
        await flag.wait()
async def main():
    Timer(0).init(period=10, mode=Timer.PERIODIC, callback=cb)
    await waiter()
    Timer(0).deinit()
asyncio.run(main())
print('ok')
