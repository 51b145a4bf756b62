# The REPL lesson: asyncio.run() of a task that never ends keeps the program busy forever (at
# the REPL you would never get the prompt back; irqlab stops at the scenario's time limit with
# the clock still ticking), and a task made with create_task() does not run until a loop runs.
import asyncio
import time

ran = False


async def worker():
    global ran
    ran = True


async def clock():
    while True:
        print('tick', time.ticks_ms() // 1000)
        await asyncio.sleep(1)


asyncio.create_task(worker())  # no loop is running: the task only waits in the queue
time.sleep_ms(500)
print('worker ran before any loop ran:', ran)
asyncio.run(clock())           # never returns
print('not reached')
