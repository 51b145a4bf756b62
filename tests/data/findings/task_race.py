# board: esp32
# expect: lost-update
# Two asyncio tasks update one counter with an await between the read and the write: the other
# task runs there and its increment is overwritten.
import asyncio
shared = 0
async def inc():
    global shared
    for i in range(10):
        v = shared
        await asyncio.sleep_ms(1)
        shared = v + 1
async def main():
    await asyncio.gather(inc(), inc())
asyncio.run(main())
print(shared)
