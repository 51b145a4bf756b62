# .exp recorded from /work/oracle/mp32 (unix, 32-bit, single float) with the unfrozen extmod/asyncio.
# asyncio APIs the recorded corpus does not cover.
import asyncio

try:
    asyncio.current_task()
except RuntimeError as e:
    print('RuntimeError', e)
try:
    asyncio.create_task(1)
except TypeError as e:
    print('TypeError', e)

async def val(x):
    await asyncio.sleep(0)
    return x

async def main():
    t = asyncio.create_task(val(5))
    print(repr(t), t.done())
    print(await t, t.done(), await t)
    print(asyncio.current_task() is not None)
    print(await asyncio.wait_for(val(7), None))
    print(await asyncio.gather())
    r = await asyncio.gather(val(1), asyncio.create_task(val(2)), return_exceptions=True)
    print(r)
    loop = asyncio.get_event_loop()
    print(loop is asyncio.Loop, loop.get_exception_handler())
    t2 = loop.create_task(val(3))
    print(await t2)
    return 'main result'

print(asyncio.run(main()))

loop = asyncio.new_event_loop()
async def stopper():
    print('stopper runs')
    await asyncio.sleep_ms(5)
    loop.stop()
    print('stop called')
loop.create_task(stopper())
loop.run_forever()
print('after run_forever')
print(loop.run_until_complete(val(9)))
loop.close()

async def last():
    # sleep() returns a singleton, not a coroutine (this leaves the singleton armed, so it is
    # the last thing this program does: MicroPython's unix build would assert on the next sleep)
    try:
        await asyncio.wait_for(asyncio.sleep(1), 1)
    except TypeError as e:
        print('TypeError', e)

asyncio.run(last())
