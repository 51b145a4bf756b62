# board: esp32
# expect: none
# The callback sets a ThreadSafeFlag (made for this); a task waits on it and does the work.
import asyncio
from machine import Timer
flag = asyncio.ThreadSafeFlag()
done = 0
def cb(t):
    flag.set()
async def worker():
    global done
    while True:
        await flag.wait()
        done += 1
async def main():
    w = asyncio.create_task(worker())
    Timer(0).init(period=10, mode=Timer.PERIODIC, callback=cb)
    for i in range(20):
        await asyncio.sleep_ms(5)
    Timer(0).deinit()
    w.cancel()
asyncio.run(main())
print('ok')
