# .exp recorded from /work/oracle/mp32 (unix, 32-bit, single float) with the unfrozen extmod/asyncio.
# Cancelling tasks that wait on an Event, a Lock, another task, a gather and a wait_for.
import asyncio

ev = asyncio.Event()
lock = asyncio.Lock()

async def on_event():
    try:
        await ev.wait()
    except asyncio.CancelledError:
        print('event waiter cancelled')

async def on_lock():
    try:
        async with lock:
            print('got lock?')
    except asyncio.CancelledError:
        print('lock waiter cancelled')

async def forever():
    try:
        await asyncio.sleep(100)
    except asyncio.CancelledError:
        print('inner cancelled')
        raise

async def on_task(t):
    try:
        await t
    except asyncio.CancelledError:
        print('outer saw cancel')

async def main():
    a = asyncio.create_task(on_event())
    await lock.acquire()
    b = asyncio.create_task(on_lock())
    inner = asyncio.create_task(forever())
    c = asyncio.create_task(on_task(inner))
    await asyncio.sleep_ms(0)
    print(a.cancel(), b.cancel(), c.cancel())
    await asyncio.sleep_ms(0)
    print(a.done(), b.done(), c.done(), inner.done())
    lock.release()
    print('locked', lock.locked())
    g = asyncio.create_task(asyncio.gather(forever(), forever()))
    await asyncio.sleep_ms(0)
    g.cancel()
    try:
        await g
    except asyncio.CancelledError:
        print('gather cancelled')
    w = asyncio.create_task(asyncio.wait_for(forever(), 10))
    await asyncio.sleep_ms(1)
    w.cancel()
    try:
        await w
    except asyncio.CancelledError:
        print('wait_for cancelled')
    try:
        await asyncio.wait_for_ms(forever(), 5)
    except asyncio.TimeoutError:
        print('TimeoutError')

asyncio.run(main())
