# The corrected asyncio_from_irq_wrong.py (esp32): the timer callback only sets an
# asyncio.ThreadSafeFlag — made to be set from interrupt context — and a task that waits on
# the flag does the asyncio work (here: counting; it could create tasks). The guide's pattern
# from "Interfacing to asyncio". No asyncio call runs in the callback (no finding).
import asyncio
from machine import Timer

handled = 0
flag = asyncio.ThreadSafeFlag()


async def handler():
    global handled
    while True:
        await flag.wait()
        handled += 1


def on_tick(t):
    flag.set()


async def main():
    asyncio.create_task(handler())
    tim = Timer(0)
    tim.init(period=50, mode=Timer.PERIODIC, callback=on_tick)
    for i in range(6):
        await asyncio.sleep_ms(100)
    tim.deinit()
    print('handled', handled)


asyncio.run(main())
