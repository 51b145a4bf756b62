# .exp recorded from /work/oracle/mp32 (unix, 32-bit, single float) with the unfrozen extmod/asyncio.
# Exceptions leaving asyncio.run, the default exception handler, a custom handler via
# call_exception_handler, and sleep limits.
import asyncio

async def fail_main():
    await asyncio.sleep_ms(1)
    raise ValueError('main failed')

try:
    asyncio.run(fail_main())
except ValueError as e:
    print('run raised', e)

async def child():
    raise KeyError('k')

async def main2():
    asyncio.create_task(child())
    await asyncio.sleep_ms(2)
    print('main2 done')

def handler(loop, context):
    print('handler:', context['message'], repr(context['exception']))
    print(context['future'], loop is asyncio.Loop)
    print(asyncio.Loop.get_exception_handler() is handler)

asyncio.get_event_loop().set_exception_handler(handler)
asyncio.run(main2())
asyncio.get_event_loop().set_exception_handler(None)

async def kbd():
    await asyncio.sleep_ms(1)
    raise KeyboardInterrupt

async def other():
    for i in range(3):
        print('other', i)
        await asyncio.sleep_ms(1)

asyncio.create_task(other())
try:
    asyncio.run(kbd())
except KeyboardInterrupt:
    print('KeyboardInterrupt escaped')
print(asyncio.current_task())
async def later():
    await asyncio.sleep_ms(5)

asyncio.run(later())
print('leftover ran')

async def big():
    await asyncio.sleep_ms(1 << 29)

try:
    asyncio.run(big())
except OverflowError as e:
    print('OverflowError', e)

async def ret_none():
    pass
print(asyncio.run(ret_none()))
