# asyncio called from interrupt context (esp32): a timer callback calls asyncio.create_task().
#
# The callback is soft — it runs between two bytecodes of whatever the main program was doing,
# which may be the asyncio scheduler itself in the middle of updating its run queue.
# create_task() pushes onto that queue: asyncio is not written to be re-entered that way, so
# the queue can be corrupted (it happens to survive in this run; the finding says it may not).
# The guide ("Interfacing to asyncio"): "creating or cancelling tasks is invalid in an ISR
# context" — hard or soft. (finding: asyncio-from-irq)
# Fix: asyncio_from_irq_right.py has the callback set an asyncio.ThreadSafeFlag, the one
# asyncio object made to be set from an interrupt, and a task waiting on it does the work.
import asyncio
from machine import Timer

handled = 0


async def handle():
    global handled
    handled += 1


def on_tick(t):
    asyncio.create_task(handle())


async def main():
    tim = Timer(0)
    tim.init(period=50, mode=Timer.PERIODIC, callback=on_tick)
    for i in range(6):
        await asyncio.sleep_ms(100)
    tim.deinit()
    print('handled', handled)


asyncio.run(main())
