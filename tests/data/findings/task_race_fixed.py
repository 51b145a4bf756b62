# board: esp32
# expect: none
# The read-modify-write has no await inside it (asyncio is cooperative: nothing else runs).
import asyncio
shared = 0
async def inc():
    global shared
    for i in range(10):
        shared += 1
        await asyncio.sleep_ms(1)
async def main():
    await asyncio.gather(inc(), inc())
asyncio.run(main())
print(shared)
