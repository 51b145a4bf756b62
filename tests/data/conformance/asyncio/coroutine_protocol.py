# .exp recorded from /work/oracle/mp32 (unix, 32-bit, single float) with the unfrozen extmod/asyncio.
# Coroutine objects driven by hand: send, throw, close, StopIteration values, awaitables.
class Aw:
    def __await__(self):
        print('__await__')
        yield 'from await'
        return 'aw result'
    __iter__ = __await__

async def inner():
    r = await Aw()
    print('inner got', r)
    return 10

async def outer():
    try:
        v = await inner()
        print('outer got', v)
        x = yield_point = None
        return v + 1
    finally:
        print('outer finally')

c = outer()
print(c.send(None))
try:
    c.send(None)
except StopIteration as e:
    print('StopIteration', e.value)

c = outer()
c.send(None)
try:
    c.throw(ValueError('thrown'))
except ValueError as e:
    print('ValueError', e)

c = outer()
c.send(None)
print(c.close())
try:
    c.send(None)
except StopIteration as e:
    print('closed, StopIteration', e.value)

class AIter:
    def __init__(self):
        self.n = 0
    def __aiter__(self):
        return self
    async def __anext__(self):
        self.n += 1
        if self.n > 3:
            raise StopAsyncIteration
        return self.n

class ACtx:
    async def __aenter__(self):
        print('enter')
        return 'ctx'
    async def __aexit__(self, t, v, tb):
        print('exit', t)
        return True

async def user():
    async for i in AIter():
        print('item', i)
    async with ACtx() as v:
        print('in', v)
        raise ValueError
    print('suppressed')
    return 'ok'

c = user()
try:
    c.send(None)
except StopIteration as e:
    print('user', e.value)

async def notcoro():
    await 5

try:
    notcoro().send(None)
except TypeError as e:
    print('TypeError', e)
