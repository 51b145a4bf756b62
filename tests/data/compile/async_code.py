import asyncio

async def worker(q):
    async with lock:
        await asyncio.sleep_ms(10)
    async for item in q:
        print(item)
    return 1
