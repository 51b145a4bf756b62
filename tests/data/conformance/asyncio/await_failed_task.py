# An exception from an awaited task propagates out of asyncio.run with every frame in the
# traceback. .exp: /work/oracle/mp32 (unix, unfrozen extmod/asyncio) with its core.py lines
# rewritten to the frozen esp32 form, File "asyncio/core.py", line 1 (facts §5).
import asyncio
async def sub():
    await asyncio.sleep_ms(1)
    raise ValueError('x')
async def main():
    t = asyncio.create_task(sub())
    await t
asyncio.run(main())
